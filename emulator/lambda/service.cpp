// The Lambda service's HTTP surface and function registry (see service.hpp).
#include "lambda/service.hpp"

#include "common/encoding.hpp"
#include "common/ids.hpp"

#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <map>
#include <future>

namespace lowcloud::lambda {

using nlohmann::json;

namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string query_parameter(std::string_view query, std::string_view name) {
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        auto eq = pair.find('=');
        if (pair.substr(0, eq) == name) return eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return {};
}

std::string self_executable() {
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "lowcloud";
}

}  // namespace

Service::Service(Options options, Logger& logger) : options_(std::move(options)), logger_(logger) {
    host_.region = options_.region;
    host_.account_id = options_.account_id;
    host_.executable = self_executable();
    host_.idle_timeout = options_.idle_timeout;
    host_.scratch = options_.scratch.empty() ? std::filesystem::temp_directory_path() / ("lowcloud-lambda-" + std::to_string(getpid()))
                                             : options_.scratch;
    ticker_ = std::thread([this] {
        while (!stopping_) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            for (auto& [name, f] : functions_) f->tick();
        }
    });
}

Service::~Service() { shutdown(); }

void Service::shutdown() {
    if (stopping_.exchange(true)) return;
    if (ticker_.joinable()) ticker_.join();
    functions_.clear();
    std::error_code ec;
    std::filesystem::remove_all(host_.scratch, ec);
}

void Service::drain() {
    for (auto& [name, f] : functions_) f->drain();
}

void Service::configure(const ConfigSection& section) {
    // Parse all first (config errors before any library is touched).
    auto configs = parse_functions(section);
    std::map<std::string, std::unique_ptr<Function>> functions;
    for (auto& c : configs) {
        auto f = std::make_unique<Function>(std::move(c), host_, logger_);
        std::string name = f->config().name;
        functions.emplace(std::move(name), std::move(f));
    }
    // Each check loads the library in a child process: run them side by side
    // (startup time); the first failure, in name order, stops startup.
    std::vector<std::future<void>> checks;
    for (auto& [name, f] : functions) checks.push_back(std::async(std::launch::async, [fn = f.get()] { fn->check_library(); }));
    for (auto& c : checks) c.wait();
    for (auto& c : checks) c.get();
    // The ticker reads functions_ without a lock: fill it before serving only.
    functions_ = std::move(functions);
    for (auto& [name, f] : functions_)
        logger_.info("lambda function " + name + " (" + f->config().library.string() + ", handler " + f->config().handler + ", " +
                     (f->config().isolation == Isolation::process ? "process" : "in-process") + " isolation)");
}

void Service::set_endpoint(const std::string& host, unsigned port) {
    std::string h = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host;
    host_.runtime_api = h + ":" + std::to_string(port);
    host_.endpoint_url = "http://" + host_.runtime_api;
    // In-process handlers read their environment from the emulator's own:
    // give them what a process environment gets (the emulator's endpoints,
    // a region, dummy credentials) and their functions' `environment:`.
    // Called before the server runs, so no handler thread reads it meanwhile.
    std::map<std::string, std::pair<std::string, std::string>> set;  // name -> (value, function)
    for (const auto& [name, f] : functions_) {
        if (f->config().isolation != Isolation::in_process) continue;
        if (set.empty()) {
            for (const char* k : {"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"}) setenv(k, host_.endpoint_url.c_str(), 1);
            for (const char* k : {"AWS_REGION", "AWS_DEFAULT_REGION"}) setenv(k, host_.region.c_str(), 0);
            setenv("AWS_ACCESS_KEY_ID", "test", 0);
            setenv("AWS_SECRET_ACCESS_KEY", "test", 0);
            set["AWS_ENDPOINT_URL"] = {host_.endpoint_url, ""};
        }
        for (const auto& [k, v] : f->config().environment) {
            auto it = set.find(k);
            if (it != set.end() && it->second.first != v)
                logger_.warn("lambda " + name + ": in-process functions share the emulator's environment; " + k + " is already set to '" +
                             it->second.first + "'" + (it->second.second.empty() ? "" : " by " + it->second.second) + ", not '" + v + "'");
            if (it != set.end()) continue;
            setenv(k.c_str(), v.c_str(), 1);
            set[k] = {v, name};
        }
    }
}

http::Response Service::error(int status, const std::string& type, const std::string& message) {
    http::Response r;
    r.status = status;
    r.set_header("Content-Type", "application/json");
    r.set_header("x-amzn-RequestId", random_uuid());
    r.set_header("x-amzn-ErrorType", type);
    r.body = json{{"Type", "User"}, {"message", message}}.dump(-1, ' ', false, json::error_handler_t::replace);
    return r;
}

bool Service::has_function(const std::string& name) const { return functions_.count(name) > 0; }

Function* Service::find(const std::string& name_or_arn, std::string& qualifier) const {
    // name, name:qualifier, ACCOUNT:function:name[:q], arn:aws:lambda:REGION:ACCOUNT:function:name[:q]
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t colon; (colon = name_or_arn.find(':', start)) != std::string::npos; start = colon + 1)
        parts.push_back(name_or_arn.substr(start, colon - start));
    parts.push_back(name_or_arn.substr(start));
    std::string name;
    if (parts.size() >= 7 && parts[0] == "arn") {
        name = parts[6];
        if (parts.size() > 7) qualifier = parts[7];
    } else if (parts.size() >= 3 && parts[1] == "function") {
        name = parts[2];
        if (parts.size() > 3) qualifier = parts[3];
    } else {
        name = parts[0];
        if (parts.size() > 1) qualifier = parts[1];
    }
    auto it = functions_.find(name);
    return it == functions_.end() ? nullptr : it->second.get();
}

void Service::invoke(const std::string& name, InvokeRequest request, InvokeDone done) {
    auto it = functions_.find(name);
    if (it == functions_.end()) return done(InvokeResult{InvokeResult::Status::failed_to_start, random_uuid(), "", ""});
    it->second->invoke(std::move(request), std::move(done));
}

void Service::handle(http::Request request, http::Respond respond) {
    std::string_view path = request.path();
    if (starts_with(path, "/_lowcloud/runtime/")) return runtime_api(path, request, std::move(respond));
    if (starts_with(path, "/_lowcloud/lambda/")) {
        std::string_view rest = path.substr(18);
        std::string name(rest.substr(0, rest.find('/')));
        auto it = functions_.find(name);
        if (it == functions_.end() || rest.substr(rest.find('/') == std::string_view::npos ? rest.size() : rest.find('/')) != "/logs")
            return respond(http::Response::text(404, R"({"message":"no such function log"})", "application/json"));
        return respond(http::Response::text(200, json{{"function", name}, {"lines", it->second->recent_logs()}}.dump(-1, ' ', false, json::error_handler_t::replace),
                                            "application/json"));
    }
    constexpr std::string_view functions = "/2015-03-31/functions";
    std::string_view rest = path.substr(std::min(path.size(), functions.size()));
    if (rest.empty() || rest == "/") {
        if (request.method != "GET") return respond(error(400, "InvalidParameterValueException",
                                                          "lowcloud's functions are declared in lowcloud.yaml; CreateFunction is not supported"));
        json list = json::array();
        for (const auto& [name, f] : functions_) list.push_back(f->configuration());
        http::Response r = http::Response::text(200, json{{"Functions", list}}.dump(), "application/json");
        r.set_header("x-amzn-RequestId", random_uuid());
        return respond(std::move(r));
    }
    rest.remove_prefix(1);
    std::string name_or_arn = percent_decode(rest.substr(0, rest.find('/')));
    std::string_view action = rest.find('/') == std::string_view::npos ? std::string_view{} : rest.substr(rest.find('/'));
    std::string qualifier = query_parameter(request.query(), "Qualifier");
    Function* f = find(name_or_arn, qualifier);
    std::string arn = starts_with(name_or_arn, "arn:") ? name_or_arn
                                                       : "arn:aws:lambda:" + options_.region + ":" + options_.account_id + ":function:" + name_or_arn;
    if (!f || (!qualifier.empty() && qualifier != "$LATEST"))
        return respond(error(404, "ResourceNotFoundException", "Function not found: " + arn));
    if (action == "/invocations" && request.method == "POST") return invoke_api(*f, request, std::move(respond));
    if (request.method == "GET" && (action.empty() || action == "/")) {
        json body = {{"Configuration", f->configuration()},
                     {"Code", {{"RepositoryType", "S3"}, {"Location", "file://" + f->config().library.string()}}}};
        return respond(http::Response::text(200, body.dump(), "application/json"));
    }
    if (request.method == "GET" && action == "/configuration")
        return respond(http::Response::text(200, f->configuration().dump(), "application/json"));
    respond(error(400, "InvalidParameterValueException",
                  "lowcloud does not support " + request.method + " " + std::string(path) + "; functions are declared in lowcloud.yaml"));
}

void Service::invoke_api(Function& f, const http::Request& request, http::Respond respond) {
    std::string type(request.header("X-Amz-Invocation-Type"));
    if (type.empty()) type = "RequestResponse";
    if (type != "RequestResponse" && type != "Event" && type != "DryRun")
        return respond(error(400, "InvalidParameterValueException",
                             "1 validation error detected: Value '" + type +
                                 "' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"));
    std::string payload = request.body.empty() ? "{}" : request.body;
    try {
        json parsed = json::parse(payload);
    } catch (const json::parse_error& e) {
        return respond(error(400, "InvalidRequestContentException",
                             std::string("Could not parse request body into json: Could not parse payload into json: ") + e.what()));
    }
    if (type == "DryRun") {
        http::Response r;
        r.status = 204;
        r.set_header("x-amzn-RequestId", random_uuid());
        return respond(std::move(r));
    }
    if (type == "Event" && payload.size() > 256 * 1024)
        return respond(error(413, "RequestEntityTooLargeException", "Request must be smaller than 262144 bytes for the InvokeAsync operation"));

    InvokeRequest req;
    req.payload = std::move(payload);
    req.async = type == "Event";
    req.tail = request.header("X-Amz-Log-Type") == "Tail" && !req.async;
    std::string_view context = request.header("X-Amz-Client-Context");
    if (!context.empty()) {
        auto decoded = base64_decode(context);
        if (!decoded || !json::accept(*decoded))
            return respond(error(400, "InvalidRequestContentException", "Client context must be a valid Base64-encoded JSON object."));
        req.client_context = std::move(*decoded);
    }
    bool async = req.async;
    f.invoke(std::move(req), [respond = std::move(respond), async](InvokeResult result) {
        if (result.status == InvokeResult::Status::throttled) {
            http::Response r = error(429, "TooManyRequestsException", "Rate Exceeded.");
            r.body = json{{"Type", "User"}, {"message", "Rate Exceeded."}, {"Reason", "ReservedFunctionConcurrentInvocationLimitExceeded"}}.dump();
            return respond(std::move(r));
        }
        if (result.status == InvokeResult::Status::failed_to_start)
            return respond(error(500, "ServiceException", "The execution environment could not be started: " + result.payload));
        http::Response r;
        r.set_header("x-amzn-RequestId", result.request_id);
        if (async) {
            r.status = 202;
            return respond(std::move(r));
        }
        r.status = 200;
        r.set_header("Content-Type", "application/json");
        r.set_header("X-Amz-Executed-Version", "$LATEST");
        if (result.status == InvokeResult::Status::function_error) r.set_header("X-Amz-Function-Error", "Unhandled");
        if (!result.log_tail.empty()) r.set_header("X-Amz-Log-Result", base64_encode(result.log_tail));
        r.body = std::move(result.payload);
        respond(std::move(r));
    });
}

void Service::runtime_api(std::string_view path, const http::Request& request, http::Respond respond) {
    // /_lowcloud/runtime/{name}/{env}/2018-06-01/runtime/...
    std::string_view rest = path.substr(19);
    auto slash = rest.find('/');
    std::string name(rest.substr(0, slash));
    rest.remove_prefix(slash == std::string_view::npos ? rest.size() : slash + 1);
    slash = rest.find('/');
    unsigned env = 0;
    try {
        env = static_cast<unsigned>(std::stoul(std::string(rest.substr(0, slash))));
    } catch (const std::exception&) {
    }
    rest.remove_prefix(slash == std::string_view::npos ? rest.size() : slash);
    auto it = functions_.find(name);
    if (it == functions_.end() || env == 0 || !starts_with(rest, "/2018-06-01/runtime/"))
        return respond(http::Response::text(404, R"({"errorMessage":"unknown environment","errorType":"NotFound"})", "application/json"));
    Function& f = *it->second;
    rest.remove_prefix(20);
    std::string error_type(request.header("Lambda-Runtime-Function-Error-Type"));
    if (rest == "invocation/next" && request.method == "GET") return f.runtime_next(env, std::move(respond));
    if (rest == "init/error" && request.method == "POST") return f.runtime_init_error(env, request.body, error_type, std::move(respond));
    if (starts_with(rest, "invocation/") && request.method == "POST") {
        std::string_view tail = rest.substr(11);
        auto s = tail.find('/');
        std::string id(tail.substr(0, s));
        std::string_view what = s == std::string_view::npos ? std::string_view{} : tail.substr(s + 1);
        if (what == "response") return f.runtime_response(env, id, request.body, std::move(respond));
        if (what == "error") return f.runtime_error(env, id, request.body, error_type, std::move(respond));
    }
    respond(http::Response::text(404, R"({"errorMessage":"unknown Runtime API path","errorType":"NotFound"})", "application/json"));
}

json Service::health() const {
    json functions = json::object();
    for (const auto& [name, f] : functions_) functions[name] = f->health();
    return {{"status", "running"}, {"functions", functions}};
}

}  // namespace lowcloud::lambda
