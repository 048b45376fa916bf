// The Lambda service: one registry of functions (from lowcloud.yaml and from
// the control plane alike), their versions, aliases, resource policies and
// tags, and Lambda's HTTP surface on the shared port:
//   /2015-03-31/functions[/...]           the control plane and Invoke
//                                         (control_plane.cpp)
//   /2017-03-31/tags/{arn}                TagResource / UntagResource / ListTags
//   /2016-08-19/account-settings          GetAccountSettings
//   /2017-10-31/functions/{f}/concurrency reserved concurrency
//   /_lowcloud/runtime/{pool}/{env}/2018-06-01/runtime/...
//                                         each environment's Runtime API (also
//                                         reached through its own port)
//   /_lowcloud/lambda/{name}/logs         recent log lines
//   /_lowcloud/lambda/code/{id}.zip       a function's package (Code.Location)
//
// Each function version is a Function (function.hpp): $LATEST and every
// published version have their own environments, as on AWS. Control-plane
// changes complete synchronously (State Active, LastUpdateStatus
// Successful); while one update of a function unpacks its code, another gets
// ResourceConflictException, as AWS answers during an update.
//
// Persistence: with a data dir, functions created through the API are
// written to DATA/lambda/functions.json after every change and their
// packages kept in DATA/lambda/code/ (code.hpp); a restart restores them.
// Manifest functions are re-read from lowcloud.yaml each start and not
// written (versions and aliases made of them last until the restart).
//
// Threading: handle(), invoke() and the control plane are thread-safe and
// never block on an invocation (it completes through its callback). The
// registry is guarded by one shared mutex, never held while a function
// runs; Function objects are shared_ptr, so a deleted function's in-flight
// invocations finish. One internal thread (the ticker) runs timeouts, idle
// reaping and retries: it sleeps until the earliest invocation deadline or
// retry (Host::wake_at moves that time earlier), and at most 2 s, so an
// idle emulator does not poll. Call shutdown() before the HTTP server is
// destroyed.
#pragma once

#include <condition_variable>
#include <cstdint>

#include "common/config.hpp"
#include "common/log.hpp"
#include "http/message.hpp"
#include "lambda/code.hpp"
#include "lambda/error.hpp"
#include "lambda/function.hpp"
#include "lambda/invoker.hpp"
#include "lambda/runtimes.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>

namespace lowcloud::lambda {

struct Options {
    std::string region = "us-east-1";
    std::string account_id = "000000000000";
    std::filesystem::path scratch;   // snapshots, runtime clients, per-environment /tmp
    std::filesystem::path data_dir;  // "" : functions live in memory only
    std::chrono::milliseconds idle_timeout{std::chrono::minutes(5)};
    std::chrono::microseconds spin{0};  // see Host::spin
    // The credentials functions get (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY),
    // so their SDK calls back into lowcloud pass its signature checks.
    std::string access_key_id = "test";
    std::string secret_access_key = "test";
};

class Service final : public Invoker {
public:
    Service(Options options, Logger& logger);
    ~Service() override;

    // Restores functions created through the API (data dir), then registers
    // the manifest's `functions:` through the same path as CreateFunction
    // (a manifest function replaces a stored one of the same name, with a
    // warning). Throws ConfigError for the section and std::runtime_error
    // naming the function and path for a bad library or code.
    void configure(const ConfigSection& functions);

    // Where environments reach the Runtime API and other services; call once
    // the server listens, before serving. `open_port`/`close_port` give each
    // environment a Runtime API port of its own (http::Server listeners).
    // With in-process functions it also sets the emulator's own environment
    // (setenv) for their handlers: AWS_ENDPOINT_URL[_DYNAMODB], the region
    // when unset, the functions' credentials (Options), and each in-process function's
    // `environment:` (first one wins on a clash, with a warning).
    void set_endpoint(const std::string& host, unsigned port,
                      std::function<std::uint16_t(const std::string&)> open_port = {},
                      std::function<void(std::uint16_t)> close_port = {});

    // What serves the emulator's port (see Host::local_handler): in-process
    // handlers' requests to the emulator reach it without a socket. Call
    // before the server runs; `handler` must outlive every invocation.
    void set_local_handler(http::Handler* handler) { host_.local_handler = handler; }  // cleared by shutdown()

    void handle(http::Request request, http::Respond respond);
    nlohmann::json health() const;
    // Startup lines: each function with its runtime, code size and update time.
    void log_functions() const;
    // Graceful stop, first step: refuse new invocations and release idle
    // environments, so the HTTP server can drain; busy invocations finish.
    void drain();
    // Last step, after the server stopped: stops everything still running.
    void shutdown();

    bool has_function(const std::string& name) const override;
    void invoke(const std::string& name, InvokeRequest request, InvokeDone done) override;
    bool permits(const std::string& name, const std::string& principal, const std::string& source_arn) const override;

    // A Lambda service error: JSON {"Type":"User","message":...} with
    // x-amzn-ErrorType and x-amzn-RequestId, as the Lambda API answers.
    static http::Response error(int status, const std::string& type, const std::string& message);
    static http::Response error(const ApiError& e) { return error(e.status(), e.type(), e.what()); }

private:
    struct Alias {
        std::string version;  // "$LATEST" or "1"...
        std::string description;
        std::string revision_id;
        std::map<std::string, double> weights;  // additional version -> weight
    };
    struct Record {
        std::shared_ptr<Function> latest;
        std::map<unsigned, std::shared_ptr<Function>> versions;
        std::map<std::string, Alias> aliases;
        std::map<std::string, nlohmann::ordered_json> policies;  // qualifier ("" : function) -> statements, in AWS's key order
        std::map<std::string, std::string> tags;
        unsigned next_version = 1;
        std::string published_fingerprint;  // $LATEST's code and configuration when last published
        bool updating = false;  // code being unpacked: concurrent updates conflict
        std::optional<unsigned> reserved_concurrency;
    };
    // A function name or ARN from a path, split and validated.
    struct Target {
        std::string name, qualifier;
    };

    // control_plane.cpp
    void control_plane(std::string_view path, const http::Request& request, http::Respond& respond);
    http::Response create_function(const nlohmann::json& body);
    http::Response update_code(const Target& t, const nlohmann::json& body);
    http::Response update_configuration(const Target& t, const nlohmann::json& body);
    http::Response get_function(const Target& t, bool configuration_only);
    http::Response delete_function(const Target& t);
    http::Response list_functions(const http::Request& request);
    http::Response publish_version(const Target& t, const nlohmann::json& body);
    http::Response list_versions(const Target& t, const http::Request& request);
    http::Response alias_api(const Target& t, std::string_view rest, const http::Request& request, const nlohmann::json& body);
    http::Response policy_api(const Target& t, std::string_view rest, const http::Request& request, const nlohmann::json& body);
    http::Response tags_api(const std::string& arn, const http::Request& request, const nlohmann::json& body);
    http::Response account_settings() const;
    http::Response concurrency_api(const Target& t, const http::Request& request, const nlohmann::json& body);
    CodePackage library_package(const Function& f, const FunctionConfig& config);

    // registry helpers (service.cpp); *_locked need mutex_ held
    Target parse_target(const std::string& name_or_arn, const std::string& query_qualifier) const;
    std::string function_arn(const std::string& name, const std::string& qualifier = "") const;
    Record& record_locked(const Target& t);
    std::shared_ptr<Function> resolve_locked(const Target& t, std::string* executed_version = nullptr);
    std::shared_ptr<Function> make_function(FunctionConfig config);
    FunctionConfig load_package(FunctionConfig config);  // manifest `code:` -> package
    void save_locked() const;
    void restore();

    void invoke_api(const std::shared_ptr<Function>& f, const std::string& executed_version, const std::string& invoked_arn,
                    const http::Request& request, http::Respond respond);
    void runtime_api(std::string_view path, const http::Request& request, http::Respond respond);
    // A request of an environment's handler for the emulator, sent over its
    // Runtime API connection (kForwardPath in function_internal.hpp): served
    // as if it had come to the main port.
    void forward(const http::Request& outer, http::Respond respond);
    void serve_code(std::string_view id, http::Respond respond) const;

    Options options_;
    Logger& logger_;
    Host host_;
    std::unique_ptr<Runtimes> runtimes_;
    std::unique_ptr<CodeStore> code_;
    mutable std::shared_mutex mutex_;
    std::map<std::string, Record> functions_;
    std::map<unsigned, std::weak_ptr<Function>> pools_;  // Runtime API routing
    mutable std::mutex library_packages_mutex_;
    std::map<std::string, CodePackage> library_packages_;  // a native library's CodeSha256 -> its zip
    unsigned next_pool_ = 1;
    std::atomic<bool> stopping_{false};
    std::mutex tick_mutex_;
    std::condition_variable tick_wake_;
    std::atomic<std::int64_t> next_tick_{INT64_MAX};  // steady_clock ticks: when the ticker is next due
    std::thread ticker_;
};

}  // namespace lowcloud::lambda
