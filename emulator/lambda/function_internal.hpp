// Private to lambda/: the state of one function's invocations and
// environments, shared by the files that implement Function (function.cpp:
// placement, the Runtime API, timeouts; function_code.cpp: code snapshots
// and updates; function_in_process.cpp: in-process workers). Everything
// here is guarded by Function::mutex_ unless noted.
#pragma once

#include "lambda/function.hpp"
#include "lambda/process.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <optional>
#include <string>
#include <thread>

namespace lowcloud::lambda {

namespace detail {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxResponseBytes = 6 * 1024 * 1024;

inline std::string fixed2(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

inline double ms_between(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

inline std::string error_payload(const std::string& type, const std::string& message) {
    nlohmann::json j = {{"errorMessage", message}};
    if (!type.empty()) j["errorType"] = type;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A call into Host::local_handler, counted so that shutdown can wait until
// none is inside it (see Host). Counted before the pointer is read: either
// the caller sees it cleared, or shutdown sees the count.
class LocalHandlerUse {
public:
    explicit LocalHandlerUse(const Host& host) : host_(host) {
        ++host_.local_calls;
        handler_ = host_.local_handler.load();
    }
    ~LocalHandlerUse() { --host_.local_calls; }
    LocalHandlerUse(const LocalHandlerUse&) = delete;
    LocalHandlerUse& operator=(const LocalHandlerUse&) = delete;
    http::Handler* handler() const { return handler_; }

private:
    const Host& host_;
    http::Handler* handler_ = nullptr;
};

// A request's method and target alone: what reject() needs of a request
// whose body and headers went to handle().
inline http::Request head_of(const http::Request& request) {
    http::Request head;
    head.method = request.method;
    head.target = request.target;
    return head;
}

// Serves a request a handler sent to the emulator (in-process send_local,
// a process runtime's forward) as the HTTP server serves one from the
// network: the handler's body limit for its head (a 413 from reject), then
// handle(); an exception from handle() is a 500 from reject. `respond` is
// called once, by handle() or here.
inline void serve_local(http::Handler& handler, http::Request request, const http::Respond& respond) {
    const std::size_t limit = handler.body_limit(request);
    if (request.body.size() > limit)
        return respond(handler.reject(request, 413, "Request body is larger than the limit of " + std::to_string(limit) + " bytes"));
    const http::Request head = head_of(request);  // for a 500 once handle() has the request
    try {
        handler.handle(std::move(request), respond);
    } catch (const std::exception& e) {
        respond(handler.reject(head, 500, std::string("internal error: ") + e.what()));
    }
}

// Whether a handler's request for `endpoint` (host:port, as in
// lowcloud_http_request) is for the emulator at `own` ("ADDRESS:PORT",
// 127.0.0.1 when it listens on a wildcard or loopback address, where
// localhost names it too).
inline bool is_own_endpoint(std::string_view own, std::string_view endpoint) {
    if (own.empty()) return false;
    if (endpoint == own) return true;
    const auto colon = own.rfind(':');
    if (colon == std::string_view::npos) return false;
    const std::string_view port = own.substr(colon);
    return own.rfind("127.0.0.1:", 0) == 0 && endpoint.size() == 9 + port.size() && endpoint.rfind("localhost", 0) == 0 &&
           endpoint.substr(9) == port;
}

// lowcloud's own runtime (`lowcloud runtime`, process isolation) sends its
// handler's requests for the emulator (host->send) over its Runtime API
// connection instead of a connection of their own: the request's target
// after kForwardPath, each of its headers named with kForwardedHeader
// before its name. The outer request is the Runtime API's, routed by its
// path, its Host the environment's port; the request inside keeps the Host,
// target and X-Amz-Target its SDK signed. The emulator's endpoint is in
// the environment as kEndpointVariable (host:port), set only when the
// emulator serves such requests (Host::local_handler). That connection
// follows the invocation's caller to its I/O thread (http::Server), so the
// handler's DynamoDB call is answered there too.
inline constexpr std::string_view kForwardPath = "/_lowcloud/forward";
inline constexpr std::string_view kForwardedHeader = "Lowcloud-Forwarded-";
inline constexpr const char* kEndpointVariable = "LOWCLOUD_ENDPOINT";
// Larger requests take their own connection (the Runtime API's body limit
// is for responses).
inline constexpr std::size_t kMaxForwardBytes = 1024 * 1024;

// An environment that cannot start (no bootstrap, no interpreter): the
// invocation fails with Lambda's init error.
struct StartError : std::runtime_error {
    StartError(std::string t, const std::string& m) : std::runtime_error(m), type(std::move(t)) {}
    std::string type;
};

}  // namespace detail

struct Function::Invocation {
    std::string request_id;
    InvokeRequest request;
    InvokeDone done;
    int attempt = 0;
    bool finished = false;
    detail::Clock::time_point start, deadline;
    // When the runtime answered (/response or /error): the end of Duration,
    // and past it no timeout, while the output printed before the answer is
    // still being drained into the log.
    std::optional<detail::Clock::time_point> answered;
    std::int64_t deadline_unix_ms = 0;
    std::string log;
};

// A copy of a native library, as an environment loads it: the file lives as
// long as the function or an environment started on it holds it (a process
// environment loads it after it starts, so a reload must not remove it
// before). Not copyable; removal errors are ignored (scratch space).
struct Function::Snapshot {
    explicit Snapshot(std::filesystem::path p) : path(std::move(p)) {}
    ~Snapshot() {
        std::error_code ec;
        std::filesystem::remove(path, ec);
    }
    Snapshot(const Snapshot&) = delete;
    Snapshot& operator=(const Snapshot&) = delete;
    const std::filesystem::path path;
};

struct Function::Environment {
    enum class State { starting, idle, busy, returning, stopping };
    unsigned number = 0;
    std::uint64_t version = 0;
    std::shared_ptr<const Function::Snapshot> snapshot;  // the library it runs (native code)
    State state = State::starting;
    // isolation: process. Shared: a result's drain (outside the lock) keeps
    // it alive if the environment is retired meanwhile.
    std::shared_ptr<ChildProcess> process;
    std::thread worker;                     // isolation: in-process
    std::condition_variable wake;           // in-process: work or stop for this worker only
    std::atomic<std::uint64_t> wakes{0};    // in-process: bumped with each notify of `wake` (seen without the lock)
    // In-process: tells the worker its state changed (busy or stopping),
    // whether it sleeps on `wake` or polls `wakes`. Under Function::mutex_.
    void wake_worker() {
        wakes.fetch_add(1, std::memory_order_release);
        wake.notify_one();
    }
    bool runaway = false;                   // in-process handler past its timeout
    std::shared_ptr<Function> keep_alive;   // runaway: its Function, until the worker takes it
    http::Respond parked;                   // a waiting /next
    std::thread::id parked_on;              // the I/O thread its /next arrived on (process isolation)
    std::shared_ptr<Invocation> current;    // busy, or reserved while starting
    detail::Clock::time_point created, last_used;
    std::uint16_t port = 0;                 // its own Runtime API port (process isolation)
    double init_ms = -1;
    bool init_reported = false;
    std::mutex output_mutex;
    std::string output;                     // lines not yet attributed to an invocation
    std::filesystem::path tmp;
};

}  // namespace lowcloud::lambda
