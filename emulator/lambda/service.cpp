// The Lambda service's registry, Invoke, Runtime API routing and
// persistence (see service.hpp); the control-plane operations are in
// control_plane.cpp.
#include "lambda/service.hpp"

#include "lambda/function_internal.hpp"
#include "lambda/function_name.hpp"

#include "common/encoding.hpp"
#include "common/ids.hpp"

#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <future>
#include <map>
#include <thread>

namespace lowcloud::lambda {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }


std::string self_executable() {
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "lowcloud";
}

json config_to_json(const FunctionConfig& c) {
    json env = json::object();
    for (const auto& [k, v] : c.environment) env[k] = v;
    json j = {{"version", c.version},   {"runtime", c.runtime},         {"handler", c.handler},
              {"role", c.role},         {"description", c.description}, {"architecture", c.architecture},
              {"timeout_ms", c.timeout.count()}, {"memory_mb", c.memory_mb}, {"environment", env}};
    if (c.package) j["code"] = c.package->id;
    if (!c.library.empty()) j["library"] = c.library.string();
    return j;
}

}  // namespace

Service::Service(Options options, Logger& logger) : options_(std::move(options)), logger_(logger) {
    host_.region = options_.region;
    host_.account_id = options_.account_id;
    host_.access_key_id = options_.access_key_id;
    host_.secret_access_key = options_.secret_access_key;
    host_.executable = self_executable();
    host_.idle_timeout = options_.idle_timeout;
    host_.spin = options_.spin;
    host_.scratch = options_.scratch.empty() ? fs::temp_directory_path() / ("lowcloud-lambda-" + std::to_string(getpid())) : options_.scratch;
    fs::create_directories(host_.scratch);
    runtimes_ = std::make_unique<Runtimes>(host_.scratch, host_.executable);
    host_.runtimes = runtimes_.get();
    code_ = std::make_unique<CodeStore>(options_.data_dir.empty() ? host_.scratch / "code" : options_.data_dir / "lambda" / "code");
    host_.wake_at = [this](std::chrono::steady_clock::time_point at) {
        std::int64_t t = at.time_since_epoch().count();
        if (t >= next_tick_.load(std::memory_order_relaxed)) return;  // the ticker is due earlier anyway
        std::lock_guard lock(tick_mutex_);
        if (t < next_tick_) {
            next_tick_ = t;
            tick_wake_.notify_one();
        }
    };
    ticker_ = std::thread([this] {
        using Clock = std::chrono::steady_clock;
        std::unique_lock lock(tick_mutex_);
        while (!stopping_) {
            auto due = Clock::time_point(Clock::duration(next_tick_.load()));
            auto cap = Clock::now() + std::chrono::seconds(2);  // idle reaping, and a safety net
            tick_wake_.wait_until(lock, std::min(due, cap));
            if (stopping_) break;
            next_tick_ = INT64_MAX;  // what the functions need from now on, lowered by wake_at meanwhile
            lock.unlock();
            std::vector<std::shared_ptr<Function>> all;
            {
                std::shared_lock registry(mutex_);
                for (auto& [name, r] : functions_) {
                    all.push_back(r.latest);
                    for (auto& [n, v] : r.versions) all.push_back(v);
                }
            }
            auto next = Clock::time_point::max();
            for (auto& f : all) next = std::min(next, f->tick());
            lock.lock();
            if (next != Clock::time_point::max()) next_tick_ = std::min<std::int64_t>(next_tick_, next.time_since_epoch().count());
        }
    });
}

Service::~Service() { shutdown(); }

void Service::shutdown() {
    if (stopping_.exchange(true)) return;
    host_.local_handler = nullptr;  // in-process handlers use the network from now on
    // The dispatcher may be destroyed after this returns: wait for the
    // requests already inside it (a DynamoDB operation takes milliseconds).
    for (int i = 0; host_.local_calls.load() != 0; ++i) {
        if (i == 5000) {
            logger_.warn("lambda: an in-process handler's request to the emulator is still running after 5 s at shutdown");
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    {
        std::lock_guard lock(tick_mutex_);
        tick_wake_.notify_one();
    }
    if (ticker_.joinable()) ticker_.join();
    {
        std::unique_lock lock(mutex_);
        functions_.clear();
        pools_.clear();
    }
    std::error_code ec;
    fs::remove_all(host_.scratch, ec);
}

void Service::drain() {
    std::shared_lock lock(mutex_);
    for (auto& [name, r] : functions_) {
        r.latest->drain();
        for (auto& [n, v] : r.versions) v->drain();
    }
}

std::shared_ptr<Function> Service::make_function(FunctionConfig config) {
    unsigned pool;
    {
        std::unique_lock lock(mutex_);
        pool = next_pool_++;
    }
    auto f = std::make_shared<Function>(std::move(config), host_, logger_, pool);
    std::unique_lock lock(mutex_);
    pools_[pool] = f;
    return f;
}

FunctionConfig Service::load_package(FunctionConfig c) {
    if (c.code_source.empty()) return c;
    std::error_code ec;
    try {
        if (fs::is_directory(c.code_source, ec)) {
            c.package = code_->add_directory(c.code_source);
        } else {
            std::ifstream in(c.code_source, std::ios::binary);
            if (!in) throw std::runtime_error("cannot read " + c.code_source.string());
            std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            c.package = code_->add_zip(bytes);
        }
    } catch (const std::exception& e) {
        throw std::runtime_error("function " + c.name + ": code " + c.code_source.string() + ": " + e.what());
    }
    return c;
}

void Service::configure(const ConfigSection& section) {
    // Parse all first (config errors before any library is touched).
    auto configs = parse_functions(section);
    restore();
    std::vector<std::shared_ptr<Function>> made;
    for (auto& c : configs) made.push_back(make_function(load_package(std::move(c))));
    // Each library check loads it in a child process: run them side by side
    // (startup time); the first failure, in name order, stops startup.
    std::vector<std::future<void>> checks;
    for (auto& f : made)
        if (!f->config().package) checks.push_back(std::async(std::launch::async, [fn = f.get()] { fn->check_library(); }));
    for (auto& c : checks) c.wait();
    for (auto& c : checks) c.get();
    std::unique_lock lock(mutex_);
    for (auto& f : made) {
        std::string name = f->config().name;
        if (functions_.count(name))
            logger_.warn("lambda function " + name + " from the manifest replaces the one created through the API");
        Record r;
        r.latest = f;
        r.reserved_concurrency = f->config().reserved_concurrency;
        functions_[name] = std::move(r);
    }
}

void Service::log_functions() const {
    std::shared_lock lock(mutex_);
    for (const auto& [name, r] : functions_) {
        FunctionConfig c = r.latest->config();
        std::string code = c.package ? (c.code_source.empty() ? "zip" : c.code_source.string()) : c.library.string();
        logger_.info("lambda function " + name + " (" + (c.runtime.empty() ? "native" : c.runtime) + ", " + code + ", " +
                     std::to_string(r.latest->code_size()) + " bytes, handler " + c.handler + ", updated " + r.latest->last_modified() +
                     (c.runtime.empty() ? std::string(", ") + (c.isolation == Isolation::process ? "process" : "in-process") + " isolation"
                                        : std::string()) +
                     ")");
    }
}

void Service::set_endpoint(const std::string& host, unsigned port, std::function<std::uint16_t(const std::string&)> open_port,
                           std::function<void(std::uint16_t)> close_port) {
    std::string h = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host;
    host_.runtime_api = h + ":" + std::to_string(port);
    host_.endpoint_url = "http://" + host_.runtime_api;
    host_.open_runtime_port = std::move(open_port);
    host_.close_runtime_port = std::move(close_port);
    // In-process handlers read their environment from the emulator's own:
    // give them what a process environment gets (the emulator's endpoints,
    // a region, dummy credentials) and their functions' `environment:`.
    // Called before the server runs, so no handler thread reads it meanwhile.
    std::map<std::string, std::pair<std::string, std::string>> set;  // name -> (value, function)
    std::shared_lock lock(mutex_);
    for (const auto& [name, r] : functions_) {
        FunctionConfig c = r.latest->config();
        if (c.isolation != Isolation::in_process) continue;
        if (set.empty()) {
            for (const char* k : {"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"}) setenv(k, host_.endpoint_url.c_str(), 1);
            for (const char* k : {"AWS_REGION", "AWS_DEFAULT_REGION"}) setenv(k, host_.region.c_str(), 0);
            setenv("AWS_ACCESS_KEY_ID", host_.access_key_id.c_str(), 1);
            setenv("AWS_SECRET_ACCESS_KEY", host_.secret_access_key.c_str(), 1);
            set["AWS_ENDPOINT_URL"] = {host_.endpoint_url, ""};
        }
        for (const auto& [k, v] : c.environment) {
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
    json body = {{"Type", "User"}, {"message", message}};
    if (type == "ValidationException") body = {{"message", message}};
    r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
    return r;
}

std::string Service::function_arn(const std::string& name, const std::string& qualifier) const {
    return "arn:aws:lambda:" + options_.region + ":" + options_.account_id + ":function:" + name + (qualifier.empty() ? "" : ":" + qualifier);
}

Service::Target Service::parse_target(const std::string& name_or_arn, const std::string& query_qualifier) const {
    std::optional<FunctionNameParts> parts;
    if (name_or_arn.size() <= 170) parts = split_function_name(name_or_arn);
    if (!parts)
        throw ApiError::validation("1 validation error detected: Value '" + name_or_arn +
                                   "' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: "
                                   "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?"
                                   "([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?");
    Target t;
    t.name = std::string(parts->name);
    std::string derived(parts->qualifier);
    if (!derived.empty() && !query_qualifier.empty() && derived != query_qualifier)
        throw ApiError::invalid("The derived qualifier from the function name does not match the specified qualifier.");
    t.qualifier = derived.empty() ? query_qualifier : derived;
    std::string_view region = parts->region;
    if (!region.empty() && region != options_.region)
        throw ApiError::not_found("Functions from '" + std::string(region) + "' are not reachable in this region ('" + options_.region + "')");
    if (t.name.size() > 64 && !starts_with(name_or_arn, "arn:"))
        throw ApiError::validation("1 validation error detected: Value '" + name_or_arn +
                                   "' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64");
    return t;
}

Service::Record& Service::record_locked(const Target& t) {
    auto it = functions_.find(t.name);
    if (it == functions_.end()) throw ApiError::not_found("Function not found: " + function_arn(t.name, t.qualifier));
    return it->second;
}

std::shared_ptr<Function> Service::resolve_locked(const Target& t, std::string* executed_version) {
    Record& r = record_locked(t);
    std::string q = t.qualifier;
    if (q.empty() || q == "$LATEST") {
        if (executed_version) *executed_version = "$LATEST";
        return r.latest;
    }
    auto resolve_version = [&](const std::string& v) -> std::shared_ptr<Function> {
        if (v == "$LATEST") return r.latest;
        char* end = nullptr;
        unsigned long n = std::strtoul(v.c_str(), &end, 10);
        if (v.empty() || *end) return nullptr;
        auto it = r.versions.find(static_cast<unsigned>(n));
        return it == r.versions.end() ? nullptr : it->second;
    };
    std::string version = q;
    if (auto a = r.aliases.find(q); a != r.aliases.end()) {
        version = a->second.version;
        // Weighted routing: the additional version gets its share.
        for (const auto& [extra, weight] : a->second.weights) {
            double roll = static_cast<double>(std::rand()) / RAND_MAX;
            if (roll < weight) version = extra;
        }
    }
    auto f = resolve_version(version);
    if (!f) throw ApiError::not_found("Function not found: " + function_arn(t.name, q));
    if (executed_version) *executed_version = version;
    return f;
}

bool Service::has_function(const std::string& name) const {
    try {
        Target t = parse_target(name, "");
        std::shared_lock lock(mutex_);
        return functions_.count(t.name) > 0;
    } catch (const ApiError&) {
        return false;
    }
}

void Service::invoke(const std::string& name, InvokeRequest request, InvokeDone done) {
    std::shared_ptr<Function> f;
    std::string version;
    try {
        Target t = parse_target(name, "");
        std::unique_lock lock(mutex_);
        f = resolve_locked(t, &version);
    } catch (const ApiError& e) {
        return done(InvokeResult{InvokeResult::Status::failed_to_start, random_uuid(), e.what(), ""});
    }
    f->invoke(std::move(request), [done = std::move(done), version](InvokeResult r) {
        r.executed_version = version;
        done(std::move(r));
    });
}

namespace {
// IAM's ArnLike: * matches any run of characters, ? any one.
bool arn_like(std::string_view pattern, std::string_view value) {
    std::size_t p = 0, v = 0, star = std::string_view::npos, mark = 0;
    while (v < value.size()) {
        if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == value[v])) {
            ++p;
            ++v;
        } else if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            mark = v;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            v = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}
}  // namespace

bool Service::permits(const std::string& name, const std::string& principal, const std::string& source_arn) const {
    Target t;
    try {
        t = parse_target(name, "");
    } catch (const ApiError&) {
        return false;
    }
    std::shared_lock lock(mutex_);
    auto it = functions_.find(t.name);
    if (it == functions_.end()) return false;
    auto policy = it->second.policies.find(t.qualifier == "$LATEST" ? "" : t.qualifier);
    if (policy == it->second.policies.end()) return false;
    for (const auto& s : policy->second) {
        if (s.value("Effect", "") != "Allow") continue;
        std::string action = s.value("Action", "");
        if (action != "lambda:InvokeFunction" && action != "lambda:*" && action != "*") continue;
        const auto& p = s.contains("Principal") ? s["Principal"] : nlohmann::ordered_json();
        bool who = (p.is_string() && p.get<std::string>() == "*") || (p.is_object() && p.value("Service", "") == principal);
        if (!who) continue;
        if (s.contains("Condition") && s["Condition"].contains("ArnLike")) {
            std::string pattern = s["Condition"]["ArnLike"].value("AWS:SourceArn", "*");
            if (!arn_like(pattern, source_arn)) continue;
        }
        return true;
    }
    return false;
}

void Service::handle(http::Request request, http::Respond respond) {
    std::string_view path = request.path();
    if (starts_with(path, "/_lowcloud/runtime/")) return runtime_api(path, request, std::move(respond));
    if (starts_with(path, "/_lowcloud/lambda/code/")) return serve_code(path.substr(23), std::move(respond));
    if (starts_with(path, "/_lowcloud/lambda/")) {
        std::string_view rest = path.substr(18);
        std::string name(rest.substr(0, rest.find('/')));
        std::shared_ptr<Function> f;
        {
            std::shared_lock lock(mutex_);
            auto it = functions_.find(name);
            if (it != functions_.end()) f = it->second.latest;
        }
        if (!f || rest.substr(rest.find('/') == std::string_view::npos ? rest.size() : rest.find('/')) != "/logs")
            return respond(http::Response::text(404, R"({"message":"no such function log"})", "application/json"));
        return respond(http::Response::text(200, json{{"function", name}, {"lines", f->recent_logs()}}.dump(-1, ' ', false, json::error_handler_t::replace),
                                            "application/json"));
    }
    try {
        control_plane(path, request, respond);
    } catch (const ApiError& e) {
        respond(error(e));
    }
}

void Service::serve_code(std::string_view name, http::Respond respond) const {
    std::string id(name.substr(0, name.find('.')));
    bool hex = id.size() == 64 && std::all_of(id.begin(), id.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
    fs::path zip = code_->root() / (id + ".zip");
    std::ifstream in(zip, std::ios::binary);
    if (!hex || name != id + ".zip" || !in)
        return respond(http::Response::text(404, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>",
                                            "application/xml"));
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    respond(http::Response::text(200, std::move(bytes), "application/zip"));
}

void Service::invoke_api(const std::shared_ptr<Function>& f, const std::string& executed_version, const std::string& invoked_arn,
                         const http::Request& request, http::Respond respond) {
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
    req.invoked_arn = invoked_arn;
    std::string_view context = request.header("X-Amz-Client-Context");
    if (!context.empty()) {
        auto decoded = base64_decode(context);
        if (!decoded || !json::accept(*decoded))
            return respond(error(400, "InvalidRequestContentException", "Client context must be a valid Base64-encoded JSON object."));
        req.client_context = std::move(*decoded);
    }
    bool async = req.async;
    f->invoke(std::move(req), [respond = std::move(respond), async, executed_version](InvokeResult result) {
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
        r.set_header("X-Amz-Executed-Version", executed_version);
        if (result.status == InvokeResult::Status::function_error) r.set_header("X-Amz-Function-Error", "Unhandled");
        if (!result.log_tail.empty()) r.set_header("X-Amz-Log-Result", base64_encode(result.log_tail));
        r.body = std::move(result.payload);
        respond(std::move(r));
    });
}

void Service::runtime_api(std::string_view path, const http::Request& request, http::Respond respond) {
    // /_lowcloud/runtime/{pool}/{env}/2018-06-01/runtime/...
    std::string_view rest = path.substr(19);
    unsigned ids[2] = {0, 0};
    for (unsigned& id : ids) {
        auto slash = rest.find('/');
        try {
            id = static_cast<unsigned>(std::stoul(std::string(rest.substr(0, slash))));
        } catch (const std::exception&) {
        }
        rest.remove_prefix(slash == std::string_view::npos ? rest.size() : slash);
        if (&id == &ids[0] && !rest.empty()) rest.remove_prefix(1);
    }
    std::shared_ptr<Function> fn;
    {
        std::shared_lock lock(mutex_);
        auto it = pools_.find(ids[0]);
        if (it != pools_.end()) fn = it->second.lock();
    }
    if (fn && ids[1] != 0 && starts_with(rest, detail::kForwardPath)) return forward(request, std::move(respond));
    if (!fn || ids[1] == 0 || !starts_with(rest, "/2018-06-01/runtime/"))
        return respond(http::Response::text(404, R"({"errorMessage":"unknown environment","errorType":"NotFound"})", "application/json"));
    Function& f = *fn;
    unsigned env = ids[1];
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

void Service::forward(const http::Request& outer, http::Respond respond) {
    // The target after the path, query included.
    std::string_view target = std::string_view(outer.target).substr(outer.target.find(detail::kForwardPath) + detail::kForwardPath.size());
    detail::LocalHandlerUse use(host_);
    http::Handler* handler = use.handler();
    if (!handler) return respond(http::Response::text(503, "lowcloud is stopping\n"));
    http::Request inner;
    inner.method = outer.method;
    inner.target = target.empty() || target.front() != '/' ? "/" + std::string(target) : std::string(target);
    inner.version = outer.version;
    inner.remote_address = outer.remote_address;
    const std::size_t wrapped = detail::kForwardedHeader.size();
    for (const auto& h : outer.headers)
        if (h.name.size() > wrapped && http::iequals(std::string_view(h.name).substr(0, wrapped), detail::kForwardedHeader))
            inner.headers.push_back({h.name.substr(wrapped), h.value});
    inner.body = outer.body;
    detail::serve_local(*handler, std::move(inner), respond);
}

json Service::health() const {
    json functions = json::object();
    std::shared_lock lock(mutex_);
    for (const auto& [name, r] : functions_) {
        json h = r.latest->health();
        if (!r.versions.empty()) h["versions"] = r.versions.size();
        if (!r.aliases.empty()) h["aliases"] = r.aliases.size();
        functions[name] = std::move(h);
    }
    return {{"status", "running"}, {"functions", functions}};
}

// Persistence: DATA/lambda/functions.json, rewritten (atomically) after
// every change of a function created through the API.
void Service::save_locked() const {
    if (options_.data_dir.empty()) return;
    json out = json::array();
    std::set<std::string> live;
    for (const auto& [name, r] : functions_) {
        FunctionConfig latest = r.latest->config();
        if (latest.package) live.insert(latest.package->id);
        for (const auto& [n, v] : r.versions)
            if (auto c = v->config(); c.package) live.insert(c.package->id);
        if (latest.from_manifest) continue;
        json versions = json::array();
        auto with_revision = [](json j, const Function& f) {
            j["revision_id"] = f.revision_id();
            j["last_modified"] = f.last_modified();
            return j;
        };
        for (const auto& [n, v] : r.versions) versions.push_back(with_revision(config_to_json(v->config()), *v));
        json policies = json::object();  // as text: statements keep AWS's key order
        for (const auto& [q, statements] : r.policies) policies[q] = statements.dump();
        json aliases = json::object();
        for (const auto& [a, alias] : r.aliases)
            aliases[a] = {{"version", alias.version}, {"description", alias.description}, {"revision_id", alias.revision_id}, {"weights", alias.weights}};
        out.push_back({{"name", name},
                       {"latest", with_revision(config_to_json(latest), *r.latest)},
                       {"versions", versions},
                       {"aliases", aliases},
                       {"policies", policies},
                       {"tags", r.tags},
                       {"next_version", r.next_version},
                       {"published_fingerprint", r.published_fingerprint},
                       {"reserved_concurrency", r.reserved_concurrency ? json(*r.reserved_concurrency) : json()}});
    }
    {
        // Native libraries' zips (Code.Location, published versions' code) stay too.
        std::lock_guard lock(library_packages_mutex_);
        for (const auto& [sha, p] : library_packages_) live.insert(p.id);
    }
    fs::path dir = options_.data_dir / "lambda";
    fs::create_directories(dir);
    fs::path tmp = dir / "functions.json.tmp";
    {
        std::ofstream f(tmp, std::ios::trunc);
        f << json{{"format", 1}, {"functions", out}}.dump(1);
        if (!f) throw std::runtime_error("cannot write " + tmp.string());
    }
    fs::rename(tmp, dir / "functions.json");
    code_->collect_garbage(live);
}

void Service::restore() {
    if (options_.data_dir.empty()) return;
    fs::path file = options_.data_dir / "lambda" / "functions.json";
    std::ifstream in(file);
    if (!in) return;
    json doc = json::parse(in, nullptr, false);
    if (doc.is_discarded() || !doc.contains("functions"))
        throw std::runtime_error(file.string() + ": not a lowcloud function registry (remove it to start without the stored functions)");
    auto to_config = [&](const std::string& name, const json& j) {
        FunctionConfig c;
        c.name = name;
        c.version = j.value("version", "$LATEST");
        c.runtime = j.value("runtime", "");
        c.handler = j.value("handler", "");
        c.role = j.value("role", "");
        c.description = j.value("description", "");
        c.architecture = j.value("architecture", "x86_64");
        c.timeout = std::chrono::milliseconds(j.value("timeout_ms", 3000));
        c.memory_mb = j.value("memory_mb", 128u);
        json env = j.value("environment", json::object());
        for (const auto& [k, v] : env.items()) c.environment[k] = v.get<std::string>();
        if (j.contains("code")) {
            c.package = code_->find(j["code"].get<std::string>());
            if (!c.package) throw std::runtime_error(file.string() + ": the code of function " + name + " is missing from " + code_->root().string());
        }
        if (j.contains("library")) c.library = j["library"].get<std::string>();
        return c;
    };
    for (const auto& f : doc["functions"]) {
        std::string name = f.at("name");
        Record r;
        auto restored = [&](const json& j) {
            auto fn = make_function(to_config(name, j));
            fn->restore_revision(j.value("revision_id", ""), j.value("last_modified", ""));
            return fn;
        };
        r.latest = restored(f.at("latest"));
        for (const auto& v : f.value("versions", json::array())) {
            auto fn = restored(v);
            r.versions[static_cast<unsigned>(std::stoul(fn->config().version))] = fn;
        }
        json aliases = f.value("aliases", json::object());
        for (const auto& [a, alias] : aliases.items())
            r.aliases[a] = Alias{alias.value("version", "$LATEST"), alias.value("description", ""), alias.value("revision_id", random_uuid()),
                                 alias.value("weights", std::map<std::string, double>{})};
        json policies = f.value("policies", json::object());
        for (const auto& [q, statements] : policies.items()) r.policies[q] = nlohmann::ordered_json::parse(statements.get<std::string>());
        r.tags = f.value("tags", std::map<std::string, std::string>{});
        r.next_version = f.value("next_version", 1u);
        r.published_fingerprint = f.value("published_fingerprint", "");
        if (f.contains("reserved_concurrency") && f["reserved_concurrency"].is_number())
            r.reserved_concurrency = f["reserved_concurrency"].get<unsigned>();
        std::unique_lock lock(mutex_);
        functions_[name] = std::move(r);
    }
    logger_.info("restored " + std::to_string(doc["functions"].size()) + " Lambda functions from " + file.string());
}

}  // namespace lowcloud::lambda
