// The child runtime's Runtime API loop (see runtime.hpp).
#include "lambda/runtime.hpp"

#include "lambda/function_internal.hpp"
#include "lambda/host.hpp"
#include "lambda/library.hpp"
#include "lowcloud/http_client.hpp"

#include <nlohmann/json.hpp>
#include <sys/prctl.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <optional>
#include <vector>

namespace lowcloud::lambda {

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

std::string timestamp() {
    auto ms = unix_ms_now();
    std::time_t t = ms / 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
    return buf;
}

std::string error_body(const std::string& type, const std::string& message) {
    return nlohmann::json{{"errorMessage", message}, {"errorType", type}, {"stackTrace", nlohmann::json::array()}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void post_init_error(sdk::HttpClient& api, const std::string& type, const std::string& message) {
    try {
        api.request("POST", "/2018-06-01/runtime/init/error", {{"Lambda-Runtime-Function-Error-Type", type}}, error_body(type, message));
    } catch (const std::exception&) {
    }
}

// host->send: a request for the emulator (kEndpointVariable's host:port,
// or localhost for 127.0.0.1) goes over the Runtime API connection `api`
// (see kForwardPath), whose answer is the emulator's; -1 for any other
// endpoint, a large body or when the emulator does not take them.
int forward(sdk::HttpClient& api, const std::string& own, const lowcloud_http_request& r, lowcloud_http_response_fn on_response,
            void* context) {
    if (!r.endpoint || !r.method || !r.target || r.body_size > detail::kMaxForwardBytes) return -1;
    if (!detail::is_own_endpoint(own, r.endpoint)) return -1;
    sdk::Headers headers;
    for (std::size_t i = 0; i < r.header_count; ++i) {
        headers.emplace_back(std::string(detail::kForwardedHeader).append(r.headers[i].name, r.headers[i].name_size),
                             std::string(r.headers[i].value, r.headers[i].value_size));
    }
    // From here on the request is the emulator's: it gets an answer (never
    // -1, which would send it again over the network).
    sdk::HttpResponse res;
    try {
        res = api.request(r.method, std::string(detail::kForwardPath) + r.target, headers, std::string_view(r.body ? r.body : "", r.body ? r.body_size : 0));
    } catch (const std::exception& e) {
        const std::string message = std::string("lowcloud runtime: ") + e.what() + "\n";
        on_response(context, 502, nullptr, 0, message.data(), message.size());
        return 0;
    }
    std::vector<lowcloud_header> out;
    out.reserve(res.headers.size());
    for (const auto& [k, v] : res.headers) out.push_back({k.data(), k.size(), v.data(), v.size()});
    on_response(context, res.status, out.data(), out.size(), res.body.data(), res.body.size());
    return 0;
}

}  // namespace

int run_runtime(const RuntimeOptions& options) {
    if (options.check_only) {
        try {
            Library::load(options.library, options.handler);
            return 0;
        } catch (const LoadError& e) {
            std::cerr << e.type() << ": " << e.what() << "\n";
            return 1;
        }
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // an environment never outlives the emulator
    std::string endpoint = env("AWS_LAMBDA_RUNTIME_API");
    if (endpoint.empty()) {
        std::cerr << "lowcloud runtime: AWS_LAMBDA_RUNTIME_API is not set\n";
        return 2;
    }
    sdk::HttpClient api(sdk::Endpoint::parse(endpoint));

    std::unique_ptr<Library> library;
    try {
        library = Library::load(options.library, options.handler);
    } catch (const LoadError& e) {
        post_init_error(api, e.type(), e.what());
        return 1;
    }
    const std::string own = env(detail::kEndpointVariable);
    auto send = [&api, &own](const lowcloud_http_request& r, lowcloud_http_response_fn on_response, void* context) {
        return forward(api, own, r, on_response, context);
    };
    std::string current_request;
    auto write_line = [&current_request](std::string_view line) {
        std::string out = timestamp() + "\t" + current_request + "\tINFO\t" + std::string(line) + "\n";
        std::fwrite(out.data(), 1, out.size(), stdout);
    };
    if (auto init = library->init()) {
        lowcloud_result result;
        result.log = write_line;
        result.send = send;
        int rc = init(host_api(), &result);
        std::fflush(stdout);
        if (result.failed || rc != 0) {
            post_init_error(api, result.failed ? result.error_type : "Runtime.InitError",
                            result.failed ? result.error_message : "lowcloud_init returned " + std::to_string(rc));
            return 1;
        }
    }

    // An invocation's outcome (POST .../response or .../error) and the next
    // GET .../invocation/next go out together, pipelined: one round trip
    // between invocations instead of two. The emulator holds its 202 to the
    // outcome and writes it with the next invocation (function.cpp,
    // result_accepted), so that comes back as one packet too.
    std::optional<sdk::HttpClient::Request> outcome;
    for (;;) {
        sdk::HttpResponse next;
        try {
            sdk::HttpClient::Request get{"GET", "/2018-06-01/runtime/invocation/next", {}, {}};
            if (outcome) next = std::move(api.pipeline({std::move(*outcome), std::move(get)}).back());
            else next = api.request(get.method, get.target);
            outcome.reset();
        } catch (const std::exception&) {
            return 0;  // the Runtime API is gone: the emulator stopped
        }
        if (next.status != 200) return 0;  // told to stop (stale code, shutdown)
        std::string request_id = next.header("Lambda-Runtime-Aws-Request-Id");
        std::string arn = next.header("Lambda-Runtime-Invoked-Function-Arn");
        std::string trace = next.header("Lambda-Runtime-Trace-Id");
        std::string client_context = next.header("Lambda-Runtime-Client-Context");
        std::string cognito = next.header("Lambda-Runtime-Cognito-Identity");
        std::string function_name = env("AWS_LAMBDA_FUNCTION_NAME"), version = env("AWS_LAMBDA_FUNCTION_VERSION");
        std::string group = env("AWS_LAMBDA_LOG_GROUP_NAME"), stream = env("AWS_LAMBDA_LOG_STREAM_NAME");
        lowcloud_invocation inv{};
        inv.struct_size = sizeof inv;
        inv.payload = next.body.data();
        inv.payload_size = next.body.size();
        inv.request_id = request_id.c_str();
        inv.function_name = function_name.c_str();
        inv.function_arn = arn.c_str();
        inv.function_version = version.c_str();
        inv.log_group = group.c_str();
        inv.log_stream = stream.c_str();
        inv.trace_id = trace.c_str();
        inv.client_context = client_context.c_str();
        inv.cognito_identity = cognito.c_str();
        inv.memory_mb = static_cast<std::uint32_t>(std::atoi(env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE").c_str()));
        inv.deadline_ms = std::atoll(next.header("Lambda-Runtime-Deadline-Ms").c_str());

        current_request = request_id;
        lowcloud_result result;
        result.deadline_ms = inv.deadline_ms;
        result.log = write_line;
        result.send = send;
        int rc = library->handler()(&inv, host_api(), &result);
        std::fflush(stdout);
        std::fflush(stderr);
        if (result.succeeded) {
            outcome = sdk::HttpClient::Request{"POST", "/2018-06-01/runtime/invocation/" + request_id + "/response", {}, std::move(result.payload)};
        } else {
            std::string type = result.failed ? result.error_type : "Runtime.HandlerError";
            std::string message = result.failed ? result.error_message : "the handler returned " + std::to_string(rc) + " without a result";
            outcome = sdk::HttpClient::Request{"POST", "/2018-06-01/runtime/invocation/" + request_id + "/error",
                                               {{"Lambda-Runtime-Function-Error-Type", type}}, error_body(type, message)};
        }
        current_request.clear();
    }
}

}  // namespace lowcloud::lambda
