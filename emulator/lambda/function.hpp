// One Lambda function's execution environments and invocations: Lambda's
// execution model. An invocation goes to an idle warm environment, else to a
// new one while the function is under its concurrency cap, else it is
// throttled (synchronous) or queued (asynchronous). Environments run the
// handler in a child process speaking the Runtime API (`isolation: process`)
// or on a thread of the emulator (`isolation: in-process`); init runs once
// per environment; an environment that times out is killed, one that crashes
// is replaced, idle ones are stopped after `idle_timeout`. Rebuilding the
// library is picked up by the next invocation (hot reload): the file is
// snapshotted and checked, new environments use the new code, busy ones
// finish on the old code.
//
// Logs: START / handler lines / END / REPORT (CloudWatch format) per
// invocation, written to the emulator's log with the function's name, kept
// (last lines) for inspection, and returned as a 4 KB tail when asked.
//
// Threading: every public member is thread-safe (one mutex per function).
// Completion callbacks run on arbitrary threads and must not block; after a
// runtime's /response or /error they run without the function's mutex. Among
// idle process environments, invoke() prefers one whose /next arrived on the
// calling thread (runtime_next records it): the server then writes the event
// and reads the result on the caller's I/O thread, with no hand-off to
// another I/O thread and back. runtime_response / runtime_error /
// runtime_init_error wait (without the function's mutex) until the lines the
// environment printed before answering reach its log: microseconds usually,
// up to 2 s when the process's reader thread is starved of CPU.
#pragma once

#include "common/log.hpp"
#include "http/message.hpp"
#include "lambda/config.hpp"
#include "lambda/invoker.hpp"
#include "lambda/runtimes.hpp"
#include "lowcloud/handler.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace lowcloud::lambda {

// What every function shares: where the Runtime API is, how to start the
// runtime, account facts.
struct Host {
    std::string runtime_api;         // "127.0.0.1:PORT" (set once the server listens)
    std::string endpoint_url;        // "http://127.0.0.1:PORT" for AWS_ENDPOINT_URL
    std::string executable;          // this binary, which runs `lowcloud runtime`
    std::filesystem::path scratch;   // snapshots of libraries and per-environment /tmp
    std::string region = "us-east-1";
    std::string account_id = "000000000000";
    std::string access_key_id = "test", secret_access_key = "test";  // for the environments' SDKs
    std::chrono::milliseconds idle_timeout{std::chrono::minutes(5)};
    // How long a warm environment polls for its next invocation before it
    // sleeps (common/spin.hpp): an in-process worker thread itself, a
    // process environment's lowcloud runtime (native or Python) and C++ SDK
    // client through LOWCLOUD_SPIN_US (microseconds) in its environment.
    // Zero: no polling.
    std::chrono::microseconds spin{0};
    const Runtimes* runtimes = nullptr;
    // The clock deadlines, idle reaping and retries run on; tests pass a
    // fake one and drive tick() (unset: std::chrono::steady_clock).
    std::function<std::chrono::steady_clock::time_point()> clock;
    // A Runtime API port for one environment: requests to it reach the
    // Lambda service with the given path prefix (see http::Server). Unset
    // (tests, before the server listens): environments use the main port
    // with the prefix in AWS_LAMBDA_RUNTIME_API.
    std::function<std::uint16_t(const std::string& prefix)> open_runtime_port;
    std::function<void(std::uint16_t)> close_runtime_port;
    // Called when tick() is due no later than `at` (an invocation's
    // deadline, a retry, an environment to clean up), so the service's
    // ticker can sleep until then instead of polling. Unset in tests.
    std::function<void(std::chrono::steady_clock::time_point at)> wake_at;
    // What serves the emulator's HTTP port (the composition root's
    // dispatcher; must outlive the functions). In-process handlers' requests
    // for runtime_api's host:port (host->send in lowcloud/handler.h) are
    // handed to it as if they had arrived over the network, without the
    // loopback round trip. Unset: handlers use the network. Cleared at
    // shutdown (a runaway in-process handler may still call it), which
    // then waits until `local_calls` (requests inside the handler, counted
    // before the pointer is read) is back to zero.
    std::atomic<http::Handler*> local_handler{nullptr};
    mutable std::atomic<unsigned> local_calls{0};
};

// Owned through std::shared_ptr (std::make_shared) in the service: an
// in-process handler that runs past its timeout cannot be stopped, and its
// thread keeps the Function alive until the handler returns (a Function
// owned otherwise, as in unit tests, must outlive such handlers itself).
class Function : public std::enable_shared_from_this<Function> {
public:
    // `pool` identifies this function version's environments in Runtime API
    // paths (/_lowcloud/runtime/{pool}/{env}/...), unique per service.
    Function(FunctionConfig config, const Host& host, Logger& logger, unsigned pool);
    ~Function();  // stops every environment
    Function(const Function&) = delete;
    Function& operator=(const Function&) = delete;

    // A copy: update() may replace it concurrently.
    FunctionConfig config() const;
    unsigned pool() const { return pool_; }
    // The unqualified ARN, and the ARN with this version (":1" / ":$LATEST").
    std::string arn() const;
    std::string version_arn() const;

    // Replaces the configuration and/or code ($LATEST updates): the next
    // invocation runs on it; busy environments finish on the old one and
    // idle ones are stopped. Cheap: the code is already unpacked.
    void update(FunctionConfig config);
    // Restores the revision and modification time a stored function had
    // (a restart keeps them, as AWS keeps them).
    void restore_revision(const std::string& revision_id, const std::string& last_modified);
    // Code facts for the control plane (after check_library for libraries).
    std::string code_sha256() const;
    std::uint64_t code_size() const;
    std::string revision_id() const;
    std::string last_modified() const;
    // The file an environment runs (the library snapshot) or the code folder.
    std::filesystem::path code_path() const;

    // Checks the library loads and exports the handler; throws
    // std::runtime_error naming the function and path when not.
    void check_library();

    // Starts an invocation; `done` is called once with the outcome (for
    // async invocations: when accepted, before running).
    void invoke(InvokeRequest request, InvokeDone done);

    // Runtime API calls from environment `env` (process isolation).
    void runtime_next(unsigned env, http::Respond respond);
    void runtime_response(unsigned env, const std::string& request_id, std::string body, http::Respond respond);
    void runtime_error(unsigned env, const std::string& request_id, std::string body, const std::string& type, http::Respond respond);
    void runtime_init_error(unsigned env, std::string body, const std::string& type, http::Respond respond);

    // Timeouts, idle reaping, async retries and cleanup. Returns when it is
    // next due for a timeout or a retry (time_point::max(): nothing
    // pending); idle reaping tolerates a late tick.
    std::chrono::steady_clock::time_point tick();

    // Begins a graceful stop: no new invocations, idle environments are told
    // to exit, busy ones exit after their current invocation.
    void drain();

    nlohmann::json configuration() const;  // Lambda's FunctionConfiguration
    nlohmann::json health() const;
    std::vector<std::string> recent_logs() const;

private:
    struct Invocation;
    struct Environment;
    struct Snapshot;

    std::shared_ptr<Environment> spawn_locked(const std::shared_ptr<Invocation>& reserved);
    void deliver_locked(Environment& env, const std::shared_ptr<Invocation>& inv);
    // Gives a not-yet-started invocation an environment: an idle one, a new
    // one under the cap, else the front of the backlog.
    void place_locked(const std::shared_ptr<Invocation>& inv);
    // What a runtime's /response or /error brings to finish_locked and takes
    // back: the environment's peak memory, read before the mutex, and the
    // invocation's result for its caller, handed over after the mutex is
    // released (the caller's callback, API Gateway building and writing its
    // answer, then holds up no other environment of the function).
    // Declared before the lock it outlives; run() hands the result over
    // once, and the destructor does if run() was not reached (an exception
    // under the mutex).
    struct Handoff {
        std::optional<std::uint64_t> max_memory_mb;  // unset: finish_locked reads it
        InvokeDone done;
        std::optional<InvokeResult> result;
        void run();
        ~Handoff();
    };
    // Ends `inv`: its output, END and REPORT lines logged, its result given
    // to its caller, at once or, when `handoff` is given, through it.
    void finish_locked(Environment* env, const std::shared_ptr<Invocation>& inv, InvokeResult::Status status, std::string payload,
                       Handoff* handoff = nullptr);
    void on_exit(unsigned env, int status);
    void on_line(Environment& env, std::string_view line);
    void worker_loop(std::shared_ptr<Environment> env);
    // host->send for in-process handlers (see Host::local_handler).
    int send_local(const lowcloud_http_request& request, lowcloud_http_response_fn on_response, void* context,
                   std::int64_t deadline_ms) const;
    bool refresh_code_locked(std::string& error);
    void log_line_locked(Invocation* inv, const std::string& line);
    std::shared_ptr<Environment> find_locked(unsigned env) const;
    // The environment answering `request_id`, its output drained and its
    // peak memory read into `handoff` (VmHWM from /proc, for the REPORT
    // line; both without the mutex); null (and answered 400) when it is not
    // the invocation it is running.
    std::shared_ptr<Environment> environment_for_result(unsigned env, const std::string& request_id, const http::Respond& respond,
                                                        Handoff& handoff);
    void stop_environment_locked(Environment& env);
    void adopt_package_locked();
    std::chrono::steady_clock::time_point now() const { return host_.clock ? host_.clock() : std::chrono::steady_clock::now(); }
    std::filesystem::path code_dir_locked() const;

    FunctionConfig config_;
    unsigned pool_ = 0;
    bool warned_version_ = false;
    const Host& host_;
    Logger& logger_;

    mutable std::mutex mutex_;
    std::map<unsigned, std::shared_ptr<Environment>> environments_;
    std::vector<std::shared_ptr<Environment>> retired_;  // exited; destroyed by tick()
    std::deque<std::shared_ptr<Invocation>> backlog_;    // async invocations waiting for capacity
    std::vector<std::pair<std::chrono::steady_clock::time_point, std::shared_ptr<Invocation>>> retries_;
    std::deque<std::string> recent_logs_;
    unsigned next_environment_ = 1;
    std::uint64_t code_version_ = 0;            // of the snapshot in use
    std::filesystem::file_time_type code_mtime_{};
    std::int64_t code_stat_ns_ = -1;            // the library's st_mtim when snapshot (ns)
    std::uintmax_t code_size_ = 0;
    // The library snapshot in use, shared with the environments started on
    // it: the file is removed when the last of them is gone, not while one
    // still starting has yet to load it.
    std::shared_ptr<const Snapshot> snapshot_;
    std::uint64_t snapshots_made_ = 0;          // names each snapshot file once
    std::string code_sha256_;                   // of the snapshot in use (GetFunction's CodeSha256)
    std::string revision_id_;                   // new with every code version
    std::string last_modified_;                 // the library's mtime, Lambda's format
    std::string rejected_code_;                 // mtime+size of a build that failed its check
    std::string rejected_error_;
    std::shared_ptr<void> in_process_library_;  // Library of the current snapshot (in-process)
    unsigned runaway_handlers_ = 0;
    bool stopping_ = false;
};

}  // namespace lowcloud::lambda
