// The Lambda service: functions declared in the manifest, run as native
// handlers (function.hpp), and Lambda's HTTP surface on the shared port:
//   POST /2015-03-31/functions/{name}/invocations     Invoke
//   GET  /2015-03-31/functions/                       ListFunctions
//   GET  /2015-03-31/functions/{name}[/configuration] GetFunction[Configuration]
//   /_lowcloud/runtime/{name}/{env}/2018-06-01/runtime/...  each environment's Runtime API
//   GET  /_lowcloud/lambda/{name}/logs                recent log lines
//
// Threading: handle() and invoke() are thread-safe and never block: an
// invocation completes through its Respond/InvokeDone callback. One internal
// thread runs timeouts, idle reaping and retries every few milliseconds.
// Call shutdown() before the HTTP server is destroyed: it fails what is in
// flight and stops every execution environment.
#pragma once

#include "common/config.hpp"
#include "common/log.hpp"
#include "http/message.hpp"
#include "lambda/invoker.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>

namespace lowcloud::lambda {

struct Options {
    std::string region = "us-east-1";
    std::string account_id = "000000000000";
    std::filesystem::path scratch;  // snapshots and per-environment /tmp
    std::chrono::milliseconds idle_timeout{std::chrono::minutes(5)};
};

class Service final : public Invoker {
public:
    Service(Options options, Logger& logger);
    ~Service() override;

    // Parses `functions:` and checks every library (loads it in a child
    // `lowcloud runtime --check`). Throws ConfigError for the section and
    // std::runtime_error naming the function and path for a bad library.
    void configure(const ConfigSection& functions);

    // Where environments reach the Runtime API and other services; call once
    // the server listens, before serving. With in-process functions it also
    // sets the emulator's own environment (setenv) for their handlers:
    // AWS_ENDPOINT_URL[_DYNAMODB], region and dummy credentials when unset,
    // and each in-process function's `environment:` (first one wins on a
    // clash, with a warning).
    void set_endpoint(const std::string& host, unsigned port);

    void handle(http::Request request, http::Respond respond);
    nlohmann::json health() const;
    // Graceful stop, first step: refuse new invocations and release idle
    // environments, so the HTTP server can drain; busy invocations finish.
    void drain();
    // Last step, after the server stopped: stops everything still running.
    void shutdown();

    bool has_function(const std::string& name) const override;
    void invoke(const std::string& name, InvokeRequest request, InvokeDone done) override;

    // A Lambda service error: JSON {"Type":"User","message":...} with
    // x-amzn-ErrorType and x-amzn-RequestId, as the Lambda API answers.
    static http::Response error(int status, const std::string& type, const std::string& message);

private:
    Function* find(const std::string& name_or_arn, std::string& qualifier) const;
    void invoke_api(Function& f, const http::Request& request, http::Respond respond);
    void runtime_api(std::string_view path, const http::Request& request, http::Respond respond);

    Options options_;
    Logger& logger_;
    Host host_;
    std::map<std::string, std::unique_ptr<Function>> functions_;
    std::atomic<bool> stopping_{false};
    std::thread ticker_;
};

}  // namespace lowcloud::lambda
