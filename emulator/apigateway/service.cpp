// The API Gateway service: locating the API and stage of a request, then
// routing, checks, the Lambda proxy call and the response (see service.hpp).
#include "apigateway/service.hpp"

#include "apigateway/proxy.hpp"
#include "common/encoding.hpp"
#include "common/ids.hpp"

#include <algorithm>
#include <functional>

namespace lowcloud::apigateway {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string join(const std::vector<std::string>& v, const char* sep = ",") {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
    return out;
}

bool media_type_matches(std::string_view content_type, const std::vector<std::string>& types) {
    std::string ct = lower(std::string(content_type.substr(0, content_type.find(';'))));
    while (!ct.empty() && ct.back() == ' ') ct.pop_back();
    for (const auto& t0 : types) {
        std::string t = lower(t0);
        if (t == "*/*" || t == ct) return true;
        if (t.size() > 2 && t.substr(t.size() - 2) == "/*" && ct.substr(0, t.size() - 1) == t.substr(0, t.size() - 1)) return true;
    }
    return false;
}

// The Access-Control-Allow-Origin value for a request's Origin, or none
// when the origin is not allowed.
std::optional<std::string> allowed_origin(const std::optional<Cors>& cors, const std::string& origin) {
    if (!cors || origin.empty()) return std::nullopt;
    const auto& origins = cors->allow_origins;
    bool any = std::find(origins.begin(), origins.end(), "*") != origins.end();
    if (!any && std::find(origins.begin(), origins.end(), origin) == origins.end()) return std::nullopt;
    return any && !cors->allow_credentials ? "*" : origin;
}

// The query parameter names present in a raw query string.
std::vector<std::string> query_names(std::string_view query) {
    std::vector<std::string> names;
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        if (!pair.empty()) names.push_back(percent_decode(pair.substr(0, pair.find('=')), true));
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return names;
}

// What a customized gateway response of this request resolves against
// (type, message and validation error are the caller's). `match` may be null
// (no route); the pointers in the result refer to `request`, `api` and `match`.
GatewayResponses::Context error_context(const Api& api, const std::string& stage, const std::string& request_id, const http::Request& request,
                                        const std::string& stage_path, const std::string& domain_name, const Match* match) {
    GatewayResponses::Context c;
    c.request_id = request_id;
    c.api_id = api.id;
    c.stage = stage;
    c.resource_path = match ? match->operation->path : "";
    c.http_method = request.method;
    c.path = stage_path;
    c.domain_name = domain_name;
    c.request = &request;
    c.stage_variables = &api.stages.at(stage);
    if (match) c.path_parameters = &match->path_parameters;
    return c;
}

}  // namespace

struct Service::Pending {
    std::mutex mutex;
    bool done = false;
    Clock::time_point deadline;
    http::Respond respond;
    std::string request_id;
    // Applies the API's customized gateway responses (REST), when it has any.
    std::function<void(http::Response&, const char* type, const std::string& message)> customize;

    http::Response gateway(http::Response r, const char* type, const std::string& message) const {
        if (customize) customize(r, type, message);
        return r;
    }

    // The first outcome wins: the Lambda answer or the timeout.
    bool finish(http::Response r) {
        http::Respond out;
        {
            std::lock_guard lock(mutex);
            if (done) return false;
            done = true;
            out = std::move(respond);
        }
        out(std::move(r));
        return true;
    }
};

Service::Service(Logger& logger, lambda::Invoker& invoker, ControlPlaneOptions control)
    : logger_(logger), invoker_(invoker), control_options_(control) {
    control_ = std::make_unique<ControlPlane>(std::move(control), logger_,
                                              [this](const std::string& id, const std::string& stage, std::shared_ptr<const Api> api) {
                                                  publish(id, stage, std::move(api));
                                              },
                                              [this](const std::string& domain, std::vector<ControlPlane::Mapping> mappings) {
                                                  std::lock_guard lock(deployed_mutex_);
                                                  if (mappings.empty()) domains_.erase(domain);
                                                  else domains_[domain] = std::move(mappings);
                                              });
    timer_ = std::thread([this] {
        while (!stopping_) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            std::vector<std::shared_ptr<Pending>> expired;
            {
                std::lock_guard lock(pending_mutex_);
                auto now = Clock::now();
                std::erase_if(pending_, [&](const std::shared_ptr<Pending>& p) {
                    std::lock_guard l(p->mutex);
                    if (p->done) return true;
                    if (now < p->deadline) return false;
                    expired.push_back(p);
                    return true;
                });
            }
            for (auto& p : expired) p->finish(p->gateway(endpoint_request_timed_out(p->request_id), "INTEGRATION_TIMEOUT", "Endpoint request timed out"));
        }
    });
}

Service::~Service() { shutdown(); }

void Service::shutdown() {
    if (stopping_.exchange(true)) return;
    if (timer_.joinable()) timer_.join();
}

void Service::configure(const ConfigSection& section) {
    auto apis = load_apis(section, [this](const std::string& f) { return invoker_.has_function(f); }, logger_);
    for (auto& api : apis) {
        auto d = std::make_unique<Deployed>();
        d->api = std::move(api);
        d->router = std::make_unique<Router>(d->api);
        d->meter = std::make_unique<UsageMeter>(d->api.usage_plans);
        control_->add_manifest_api(d->api);
        apis_.push_back(std::move(d));
    }
    control_->restore();
}

void Service::publish(const std::string& id, const std::string& stage, std::shared_ptr<const Api> api) {
    std::shared_ptr<Deployed> d;
    if (api) {
        d = std::make_shared<Deployed>();
        d->api = *api;
        d->router = std::make_unique<Router>(d->api);
        d->meter = std::make_unique<UsageMeter>(d->api.usage_plans);
    }
    std::string base;
    {
        std::lock_guard lock(deployed_mutex_);
        if (d) deployed_[{id, stage}] = d;
        else deployed_.erase({id, stage});
        base = base_url_;
    }
    if (d && !base.empty()) log_api_routes(d->api);
}

std::shared_ptr<const Service::Deployed> Service::deployed_stage(const std::string& id, const std::string& stage, bool* known) const {
    std::lock_guard lock(deployed_mutex_);
    if (known) {
        auto it = deployed_.lower_bound({id, ""});
        *known = it != deployed_.end() && it->first.first == id;
    }
    auto it = deployed_.find({id, stage});
    return it == deployed_.end() ? nullptr : it->second;
}

const Service::Deployed* Service::by_id(std::string_view id) const {
    for (const auto& d : apis_)
        if (d->api.id == id) return d.get();
    return nullptr;
}

bool Service::serves_host(std::string_view host) const {
    auto colon = host.rfind(':');
    if (colon != std::string_view::npos && host.find(']') == std::string_view::npos) host = host.substr(0, colon);
    std::lock_guard lock(deployed_mutex_);
    return domains_.count(std::string(host)) > 0;
}

bool Service::serves_base_path(std::string_view path) const {
    for (const auto& d : apis_)
        for (const auto& b : d->api.base_paths)
            if (path == b || starts_with(path, b + "/")) return true;
    return false;
}

http::Response Service::gateway_response(int status, const std::string& error_type, const std::string& message) {
    return apigateway::gateway_response(status, error_type, message, random_uuid());
}

void Service::log_routes(const std::string& base_url) const {
    std::vector<std::shared_ptr<const Deployed>> deployed;
    {
        std::lock_guard lock(deployed_mutex_);
        base_url_ = base_url;
        for (const auto& [key, d] : deployed_) deployed.push_back(d);
    }
    for (const auto& d : apis_) log_api_routes(d->api);
    for (const auto& d : deployed) log_api_routes(d->api);
}

void Service::log_api_routes(const Api& a) const {
    std::string base_url;
    {
        std::lock_guard lock(deployed_mutex_);
        base_url = base_url_;
    }
    std::string host = base_url.substr(base_url.find("://") + 3);
    logger_.info("api " + a.name + " (" + (a.type == ApiType::rest ? "REST" : "HTTP") + " API, id " + a.id + ")");
    for (const auto& op : a.operations) {
        std::string target = op.function.empty() ? "(not served: " + op.unsupported + ")" : "-> lambda " + op.function;
        for (const auto& b : a.base_paths) logger_.info("  " + op.method + " " + base_url + b + op.path + " " + target);
        for (const auto& [stage, vars] : a.stages) {
            std::string st = stage == "$default" ? "" : "/" + stage;
            logger_.info("  " + op.method + " " + base_url + "/restapis/" + a.id + "/" + stage + "/_user_request_" + op.path + " " + target);
            logger_.info("  " + op.method + " http://" + a.id + ".execute-api." + (starts_with(host, "127.0.0.1") ? "localhost" + host.substr(9) : host) + st +
                         op.path + " " + target);
        }
    }
}

void Service::handle(http::Request request, http::Respond respond) {
    std::string path(request.path());
    if (ControlPlane::owns(path)) return respond(control_->handle(request));
    std::string host(request.header("Host"));
    std::string host_name = host.substr(0, host.rfind(':') == std::string::npos ? host.size() : host.rfind(':'));
    constexpr std::string_view suffix = ".execute-api.localhost";

    // A custom domain name: the longest mapped base path wins and is removed.
    std::vector<ControlPlane::Mapping> mappings;
    {
        std::lock_guard lock(deployed_mutex_);
        auto it = domains_.find(host_name);
        if (it != domains_.end()) mappings = it->second;
    }
    if (!mappings.empty()) {
        const ControlPlane::Mapping* best = nullptr;
        for (const auto& mp : mappings) {
            std::string prefix = "/" + mp.base_path;
            bool match = mp.base_path.empty() || path == prefix || starts_with(path, prefix + "/");
            if (match && (!best || mp.base_path.size() > best->base_path.size())) best = &mp;
        }
        if (!best) return respond(gateway_response(403, "ForbiddenException", "Forbidden"));
        std::string api_path = best->base_path.empty() ? path : path.substr(best->base_path.size() + 1);
        if (api_path.empty()) api_path = "/";
        auto staged = deployed_stage(best->api_id, best->stage);
        if (!staged) return respond(gateway_response(403, "ForbiddenException", "Forbidden"));
        return serve(*staged, best->stage, api_path, path, std::move(request), std::move(respond), "", staged);
    }
    // Host {apiId}.execute-api.localhost: /{stage}/{path}
    if (host_name.size() > suffix.size() && host_name.substr(host_name.size() - suffix.size()) == suffix) {
        std::string id = host_name.substr(0, host_name.size() - suffix.size());
        const Deployed* d = by_id(id);
        if (!d) {  // a control-plane API: /{stage}/{path}, or an HTTP API's $default stage at the root
            auto slash = path.find('/', 1);
            std::string stage = path.substr(1, slash == std::string::npos ? std::string::npos : slash - 1);
            std::string rest = slash == std::string::npos ? "/" : path.substr(slash);
            bool known = false;
            auto staged = deployed_stage(id, stage, &known);
            known = known || control_->has_api(id);
            if (!staged) {
                if (auto root = deployed_stage(id, "$default"))
                    return serve(*root, "$default", path, path, std::move(request), std::move(respond), path, root);
                return respond(known ? gateway_response(403, "ForbiddenException", "Forbidden") : gateway_response(404, "NotFoundException", "Not Found"));
            }
            return serve(*staged, stage, rest, "/" + stage + rest, std::move(request), std::move(respond), "/" + stage + rest, staged);
        }
        std::string stage = "$default", rest = path;
        if (!d->api.stages.count("$default")) {
            auto slash = path.find('/', 1);
            stage = path.substr(1, slash == std::string::npos ? std::string::npos : slash - 1);
            rest = slash == std::string::npos ? "/" : path.substr(slash);
        }
        if (!d->api.stages.count(stage)) return respond(gateway_response(403, "ForbiddenException", "Forbidden"));
        std::string stage_path = stage == "$default" ? rest : "/" + stage + rest;
        return serve(*d, stage, rest, stage_path, std::move(request), std::move(respond), stage_path);
    }
    // /restapis/{apiId}/{stage}/_user_request_/{path}
    if (starts_with(path, "/restapis/")) {
        std::string_view rest = std::string_view(path).substr(10);
        auto s1 = rest.find('/');
        std::string id(rest.substr(0, s1));
        const Deployed* d = by_id(id);
        if (s1 == std::string_view::npos) return respond(gateway_response(404, "NotFoundException", "Not Found"));
        rest.remove_prefix(s1 + 1);
        auto s2 = rest.find('/');
        std::string stage(rest.substr(0, s2));
        rest.remove_prefix(s2 == std::string_view::npos ? rest.size() : s2);
        if (!starts_with(rest, "/_user_request_")) return respond(gateway_response(404, "NotFoundException", "Not Found"));
        std::string api_path(rest.substr(15));
        if (api_path.empty()) api_path = "/";
        if (!d) {
            bool known = false;
            auto staged = deployed_stage(id, stage, &known);
            known = known || control_->has_api(id);
            if (!staged) return respond(known ? gateway_response(403, "ForbiddenException", "Forbidden") : gateway_response(404, "NotFoundException", "Not Found"));
            return serve(*staged, stage, api_path, "/" + stage + api_path, std::move(request), std::move(respond), "", staged);
        }
        if (!d->api.stages.count(stage)) return respond(gateway_response(403, "ForbiddenException", "Forbidden"));
        return serve(*d, stage, api_path, (stage == "$default" ? "" : "/" + stage) + api_path, std::move(request), std::move(respond));
    }
    // Base paths: the longest matching one wins.
    const Deployed* best = nullptr;
    std::string best_base;
    for (const auto& d : apis_)
        for (const auto& b : d->api.base_paths)
            if ((path == b || starts_with(path, b + "/")) && b.size() > best_base.size()) {
                best = d.get();
                best_base = b;
            }
    if (!best) return respond(gateway_response(404, "NotFoundException", "Not Found"));
    std::string api_path = path.substr(best_base.size());
    if (api_path.empty()) api_path = "/";
    serve(*best, best->api.first_stage(), api_path, path, std::move(request), std::move(respond));
}

void Service::serve(const Deployed& d, const std::string& stage, std::string api_path, std::string stage_path, http::Request request,
                    http::Respond respond, std::string raw_path, std::shared_ptr<const Deployed> keep) {
    const Api& api = d.api;
    bool rest = api.type == ApiType::rest;
    std::string origin(request.header("Origin"));
    // The CORS headers of every answer, the gateway's own and the function's.
    auto add_cors = [cors = api.cors, origin](http::Response& r) {
        auto allowed = allowed_origin(cors, origin);
        if (!allowed) return;
        r.set_header("Access-Control-Allow-Origin", *allowed);
        if (cors->allow_credentials) r.set_header("Access-Control-Allow-Credentials", "true");
        if (!cors->expose_headers.empty()) r.set_header("Access-Control-Expose-Headers", join(cors->expose_headers));
    };

    auto match = d.router->match(request.method, api_path);
    // CORS preflight, answered by the gateway when the API does not route OPTIONS itself.
    if (request.method == "OPTIONS" && api.cors && request.has_header("Access-Control-Request-Method") &&
        (!match || match->operation->method != "OPTIONS") && d.router->has_path(api_path)) {
        http::Response r;
        r.status = 204;
        add_cors(r);
        const Cors& c = *api.cors;
        r.set_header("Access-Control-Allow-Methods", c.allow_methods.empty() ? "*" : join(c.allow_methods));
        r.set_header("Access-Control-Allow-Headers",
                     c.allow_headers.empty() ? std::string(request.header("Access-Control-Request-Headers")) : join(c.allow_headers));
        if (c.max_age) r.set_header("Access-Control-Max-Age", std::to_string(*c.max_age));
        r.set_header("x-amzn-RequestId", random_uuid());
        return respond(std::move(r));
    }
    auto finish = [&](http::Response r) {
        add_cors(r);
        respond(std::move(r));
    };
    std::string request_id = random_uuid();
    std::string host(request.header("Host"));
    std::string domain_name = host.substr(0, host.rfind(':') == std::string::npos ? host.size() : host.rfind(':'));
    // A gateway response, customized by the spec's gateway responses (REST).
    auto gateway = [&](http::Response r, const char* type, const std::string& message, std::string validation = "") {
        if (rest && !api.gateway_responses.empty()) {
            auto c = error_context(api, stage, request_id, request, stage_path, domain_name, match ? &*match : nullptr);
            c.type = type;
            c.message = message;
            c.validation_error = std::move(validation);
            api.gateway_responses.apply(r, c);
        }
        finish(std::move(r));
    };
    if (!match) {
        if (!rest) return finish(http_not_found(request_id));
        return gateway(missing_authentication_token(request_id), "MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token");
    }
    const Operation& op = *match->operation;
    std::string api_key(request.header("x-api-key"));
    if (op.api_key_required) {
        if (!api.api_keys.count(api_key)) return gateway(forbidden(request_id), "INVALID_API_KEY", "Forbidden");
        switch (d.meter->admit(api_key, std::chrono::system_clock::now())) {
            case UsageMeter::Verdict::allowed: break;
            case UsageMeter::Verdict::throttled: return gateway(too_many_requests(request_id), "THROTTLED", "Too Many Requests");
            case UsageMeter::Verdict::quota_exceeded: return gateway(limit_exceeded(request_id), "QUOTA_EXCEEDED", "Limit Exceeded");
        }
    }
    if (op.validate_parameters) {
        std::vector<std::string> missing;
        auto names = query_names(request.query());
        for (const auto& p : op.parameters) {
            if (!p.required) continue;
            bool present = p.in == "path" || (p.in == "query" && std::find(names.begin(), names.end(), p.name) != names.end()) ||
                           (p.in == "header" && request.has_header(p.name));
            if (!present) missing.push_back(p.name);
        }
        if (!missing.empty()) {
            std::string names = join(missing, ", ");
            return gateway(missing_request_parameters(names, request_id), "BAD_REQUEST_PARAMETERS",
                           "Missing required request parameters: [" + names + "]", "Missing required request parameters: [" + names + "]");
        }
    }
    if (op.validate_body && op.body_schema) {
        json body = json::parse(request.body, nullptr, false);
        std::optional<std::string> problem = body.is_discarded() ? std::optional<std::string>("the body is not JSON") : op.body_schema->validate(body);
        if (problem) {
            logger_.info("api " + api.name + " " + op.method + " " + op.path + ": invalid request body: " + *problem);
            return gateway(invalid_request_body(request_id), "BAD_REQUEST_BODY", "Invalid request body", *problem);
        }
    }
    if (op.function.empty()) {
        logger_.warn("api " + api.name + " " + op.method + " " + op.path + ": " + op.unsupported);
        if (!rest) return finish(http_internal_server_error(request_id));
        return gateway(apigateway::gateway_response(500, "InternalServerErrorException", "Internal server error", request_id), "API_CONFIGURATION_ERROR",
                       "Internal server error");
    }

    // The function, with ${stageVariables.x} in its ARN resolved.
    std::string function = op.function;
    for (auto at = function.find("${stageVariables."); at != std::string::npos; at = function.find("${stageVariables.")) {
        auto end = function.find('}', at);
        std::string name = function.substr(at + 17, end - at - 17);
        auto var = api.stages.at(stage).find(name);
        if (var == api.stages.at(stage).end()) {
            logger_.warn("api " + api.name + " " + op.method + " " + op.path + ": Execution failed due to configuration error: stage variable " + name +
                         " is not set in stage " + stage);
            return gateway(apigateway::gateway_response(500, "InternalServerErrorException", "Internal server error", request_id), "API_CONFIGURATION_ERROR",
                           "Internal server error");
        }
        function.replace(at, end - at + 1, var->second);
    }
    // APIs from the control plane invoke only what the function's policy allows.
    if (op.check_permission && op.credentials.empty()) {
        std::string source = "arn:aws:execute-api:" + control_options_.region + ":" + control_options_.account_id + ":" + api.id + "/" + stage + "/" +
                             request.method + op.path;
        if (!invoker_.permits(function, "apigateway.amazonaws.com", source)) {
            logger_.warn("api " + api.name + " " + op.method + " " + op.path + ": Execution failed due to configuration error: Invalid permissions on Lambda function " +
                         function + " (no resource policy allows apigateway.amazonaws.com from " + source +
                         "; aws lambda add-permission --principal apigateway.amazonaws.com --source-arn ..., or give the integration credentials)");
            return gateway(apigateway::gateway_response(500, "InternalServerErrorException", "Internal server error", request_id), "API_CONFIGURATION_ERROR",
                           "Internal server error");
        }
    }

    RouteMatch route;
    route.flavor = rest ? ApiFlavor::rest : ApiFlavor::http;
    route.api_id = api.id;
    route.stage = stage;
    route.resource = op.path;
    route.route_key = op.path == "/$default" || op.path == "$default" ? "$default" : op.method + " " + op.path;
    route.path = api_path;
    route.stage_path = stage_path;
    route.path_parameters = match->path_parameters;
    route.stage_variables = api.stages.at(stage);
    route.domain_name = domain_name;
    route.resource_id = api_id_for(api.id + op.path).substr(0, 6);
    route.raw_path = raw_path.empty() ? api_path : raw_path;
    route.binary = !api.binary_media_types.empty() && media_type_matches(request.header("Content-Type"), api.binary_media_types);
    if (op.api_key_required) {
        route.api_key = api_key;
        route.api_key_id = api_id_for("key:" + api_key);
    }
    // REST turns a base64 body into bytes when the client accepts a binary type.
    std::string accept(request.header("Accept"));
    bool decode_base64 = !rest || media_type_matches(accept.substr(0, accept.find(',')), api.binary_media_types);

    auto pending = std::make_shared<Pending>();
    pending->request_id = request_id;
    pending->deadline = Clock::now() + op.timeout;
    pending->respond = std::move(respond);
    json event = op.payload_version == 1 ? event_v1(request, route, pending->request_id, std::chrono::system_clock::now())
                                         : event_v2(request, route, pending->request_id, std::chrono::system_clock::now());
    if (rest && !api.gateway_responses.empty()) {
        // The request outlives serve() for responses decided later (timeout, function error).
        auto req = std::make_shared<http::Request>(std::move(request));
        auto context = std::make_shared<GatewayResponses::Context>(error_context(api, stage, request_id, *req, stage_path, domain_name, &*match));
        auto parameters = std::make_shared<std::map<std::string, std::string>>(match->path_parameters);
        context->path_parameters = parameters.get();
        pending->customize = [&api, keep, req, parameters, context](http::Response& r, const char* type, const std::string& message) {
            GatewayResponses::Context c = *context;
            c.type = type;
            c.message = message;
            api.gateway_responses.apply(r, c);
        };
    }
    {
        std::lock_guard lock(pending_mutex_);
        pending_.push_back(pending);
    }
    lambda::InvokeRequest invoke;
    invoke.payload = event.dump(-1, ' ', false, json::error_handler_t::replace);
    int version = op.payload_version;
    std::string label = api.name + " " + op.method + " " + op.path;
    invoker_.invoke(function, std::move(invoke), [this, pending, version, rest, label, add_cors, decode_base64, keep](lambda::InvokeResult result) {
        std::optional<http::Response> response;
        ApiFlavor flavor = rest ? ApiFlavor::rest : ApiFlavor::http;
        if (result.status == lambda::InvokeResult::Status::success)
            response = version == 1 ? response_v1(result.payload, flavor, decode_base64) : response_v2(result.payload);
        else if (result.status == lambda::InvokeResult::Status::throttled)
            logger_.warn("api " + label + ": the function was throttled (all its environments are busy: raise its reserved_concurrency)");
        else
            logger_.info("api " + label + ": the function failed: " + result.payload.substr(0, 500));
        if (!response) {
            if (result.status == lambda::InvokeResult::Status::success)
                logger_.info("api " + label + ": malformed Lambda proxy response: " + result.payload.substr(0, 500));
            response = rest ? pending->gateway(rest_internal_server_error(pending->request_id), "DEFAULT_5XX", "Internal server error")
                            : http_internal_server_error(pending->request_id);
        } else {
            add_request_id_headers(*response, flavor, pending->request_id);
        }
        add_cors(*response);
        pending->finish(std::move(*response));
    });
}

json Service::health() const {
    json apis = json::object();
    for (const auto& d : apis_)
        apis[d->api.name] = {{"id", d->api.id}, {"type", d->api.type == ApiType::rest ? "rest" : "http"}, {"operations", d->api.operations.size()}};
    return {{"status", "running"}, {"apis", apis}, {"rest_apis", control_->health()}};
}

}  // namespace lowcloud::apigateway
