// The gateway's request pipeline: serve() runs the steps in order, each of
// which answers or hands on (see service.hpp), then the integration
// (integrations.cpp); complete() and fail() end every call, and the
// deadline thread ends those whose integration outlives its timeout.
#include "apigateway/pipeline.hpp"

#include "apigateway/builtin_responses.hpp"
#include "common/encoding.hpp"
#include "common/ids.hpp"

#include <algorithm>

namespace lowcloud::apigateway {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

std::string join(const std::vector<std::string>& v, const char* sep = ",") {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
    return out;
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

void add_cors(const std::optional<Cors>& cors, const std::string& origin, http::Response& r) {
    auto allowed = allowed_origin(cors, origin);
    if (!allowed) return;
    r.set_header("Access-Control-Allow-Origin", *allowed);
    if (cors->allow_credentials) r.set_header("Access-Control-Allow-Credentials", "true");
    if (!cors->expose_headers.empty()) r.set_header("Access-Control-Expose-Headers", join(cors->expose_headers));
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

}  // namespace

void Service::serve(const Deployed& d, const std::string& stage, std::string api_path, std::string stage_path, http::Request request,
                    http::Respond respond, std::string raw_path, std::shared_ptr<const Deployed> keep) {
    auto call = std::make_shared<Call>();
    call->api = &d.api;
    call->deployed = &d;
    call->keep = std::move(keep);
    call->stage = stage;
    call->api_path = std::move(api_path);
    call->stage_path = std::move(stage_path);
    call->raw_path = std::move(raw_path);
    call->rest = d.api.type == ApiType::rest;
    call->origin = request.header("Origin");
    std::string host(request.header("Host"));
    call->domain_name = host.substr(0, host.rfind(':') == std::string::npos ? host.size() : host.rfind(':'));
    call->request = std::move(request);
    call->request_id = random_uuid();
    call->respond = std::move(respond);

    Call& c = *call;
    if (!answer_preflight(c)) return;
    if (!route(c)) return;
    if (!check_api_key(c)) return;
    if (!validate_parameters(c)) return;
    if (!validate_body(c)) return;
    if (!resolve_target(c)) return;
    integrate(call);
}

// CORS preflight, answered by the gateway when the API does not route OPTIONS itself.
bool Service::answer_preflight(Call& c) {
    const Api& api = *c.api;
    if (c.request.method != "OPTIONS" || !api.cors || !c.request.has_header("Access-Control-Request-Method")) return true;
    // An OPTIONS route of the API's own wins. HTTP APIs answer every
    // preflight once CORS is configured (AWS: "even if there isn't an
    // OPTIONS route"); REST APIs only on their paths.
    auto match = c.deployed->router->match(c.request.method, c.api_path);
    if (match && match->operation->method == "OPTIONS") return true;
    if (c.rest && !c.deployed->router->has_path(c.api_path)) return true;
    http::Response r;
    r.status = 204;
    const Cors& cors = *api.cors;
    r.set_header("Access-Control-Allow-Methods", cors.allow_methods.empty() ? "*" : join(cors.allow_methods));
    r.set_header("Access-Control-Allow-Headers",
                 cors.allow_headers.empty() ? std::string(c.request.header("Access-Control-Request-Headers")) : join(cors.allow_headers));
    if (cors.max_age) r.set_header("Access-Control-Max-Age", std::to_string(*cors.max_age));
    r.set_header("x-amzn-RequestId", c.request_id);
    complete(c, std::move(r));
    return false;
}

bool Service::route(Call& c) {
    c.match = c.deployed->router->match(c.request.method, c.api_path);
    if (c.match) {
        c.op = c.match->operation;
        return true;
    }
    if (!c.rest) complete(c, http_not_found(c.request_id));
    else fail(c, missing_authentication_token(c.request_id), "MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token");
    return false;
}

// API keys and usage plans (REST).
bool Service::check_api_key(Call& c) {
    if (!c.op->api_key_required) return true;
    c.api_key = c.request.header("x-api-key");
    if (!c.api->api_keys.count(c.api_key)) {
        fail(c, forbidden(c.request_id), "INVALID_API_KEY", "Forbidden");
        return false;
    }
    switch (c.deployed->meter->admit(c.api_key, std::chrono::system_clock::now())) {
        case UsageMeter::Verdict::allowed: return true;
        case UsageMeter::Verdict::throttled: fail(c, too_many_requests(c.request_id), "THROTTLED", "Too Many Requests"); return false;
        case UsageMeter::Verdict::quota_exceeded: fail(c, limit_exceeded(c.request_id), "QUOTA_EXCEEDED", "Limit Exceeded"); return false;
    }
    return true;
}

bool Service::validate_parameters(Call& c) {
    if (!c.op->validate_parameters) return true;
    std::vector<std::string> missing;
    auto names = query_names(c.request.query());
    for (const auto& p : c.op->parameters) {
        if (!p.required) continue;
        bool present = p.in == "path" || (p.in == "query" && std::find(names.begin(), names.end(), p.name) != names.end()) ||
                       (p.in == "header" && c.request.has_header(p.name));
        if (!present) missing.push_back(p.name);
    }
    if (missing.empty()) return true;
    std::string list = join(missing, ", ");
    std::string message = "Missing required request parameters: [" + list + "]";
    fail(c, missing_request_parameters(list, c.request_id), "BAD_REQUEST_PARAMETERS", message, message);
    return false;
}

bool Service::validate_body(Call& c) {
    if (!c.op->validate_body || !c.op->body_schema) return true;
    json body = json::parse(c.request.body, nullptr, false);
    std::optional<std::string> problem = body.is_discarded() ? std::optional<std::string>("the body is not JSON") : c.op->body_schema->validate(body);
    if (!problem) return true;
    logger_.info(c.label() + ": invalid request body: " + *problem);
    fail(c, invalid_request_body(c.request_id), "BAD_REQUEST_BODY", "Invalid request body", *problem);
    return false;
}

// What the integration calls: the Lambda function with ${stageVariables.x}
// resolved, and allowed to be invoked by API Gateway.
bool Service::resolve_target(Call& c) {
    const Operation& op = *c.op;
    if (!op.unsupported.empty() || (op.function.empty() && (op.integration.kind == IntegrationKind::aws_proxy || op.integration.kind == IntegrationKind::aws))) {
        logger_.warn(c.label() + ": " + (op.unsupported.empty() ? "no integration" : op.unsupported));
        configuration_error(c);
        return false;
    }
    if (op.function.empty()) return true;  // HTTP and MOCK
    c.function = op.function;
    for (auto at = c.function.find("${stageVariables."); at != std::string::npos; at = c.function.find("${stageVariables.")) {
        auto end = c.function.find('}', at);
        std::string name = c.function.substr(at + 17, end - at - 17);
        auto var = c.stage_variables().find(name);
        if (var == c.stage_variables().end()) {
            logger_.warn(c.label() + ": Execution failed due to configuration error: stage variable " + name + " is not set in stage " + c.stage);
            configuration_error(c);
            return false;
        }
        c.function.replace(at, end - at + 1, var->second);
    }
    // APIs from the control plane invoke only what the function's policy allows.
    if (op.check_permission && op.credentials.empty()) {
        std::string source = "arn:aws:execute-api:" + control_options_.region + ":" + control_options_.account_id + ":" + c.api->id + "/" + c.stage +
                             "/" + c.request.method + op.path;
        if (!invoker_.permits(c.function, "apigateway.amazonaws.com", source)) {
            logger_.warn(c.label() + ": Execution failed due to configuration error: Invalid permissions on Lambda function " + c.function +
                         " (no resource policy allows apigateway.amazonaws.com from " + source +
                         "; aws lambda add-permission --principal apigateway.amazonaws.com --source-arn ..., or give the integration credentials)");
            configuration_error(c);
            return false;
        }
    }
    return true;
}

void Service::integrate(const CallPtr& call) {
    watch_deadline(call);
    switch (call->op->integration.kind) {
        case IntegrationKind::aws_proxy: return invoke_proxy(call);
        case IntegrationKind::aws: return invoke_lambda(call);
        case IntegrationKind::http_proxy:
        case IntegrationKind::http: return call_http(call);
        case IntegrationKind::mock: return answer_mock(call);
    }
}

void Service::complete(Call& c, http::Response response) {
    http::Respond out;
    std::optional<Deadlines::Ticket> deadline;
    {
        std::lock_guard lock(c.mutex);
        if (c.done) return;
        c.done = true;
        out = std::move(c.respond);
        deadline = c.deadline;
    }
    if (deadline) deadlines_.cancel(*deadline);
    add_cors(c.api->cors, c.origin, response);
    out(std::move(response));
}

void Service::fail(Call& c, http::Response response, const char* type, const std::string& message, std::string validation) {
    const Api& api = *c.api;
    if (c.rest && !api.gateway_responses.empty()) {
        GatewayResponses::Context g;
        g.request_id = c.request_id;
        g.api_id = api.id;
        g.stage = c.stage;
        g.resource_path = c.op ? c.op->path : "";
        g.http_method = c.request.method;
        g.path = c.stage_path;
        g.domain_name = c.domain_name;
        g.request = &c.request;
        g.stage_variables = &c.stage_variables();
        if (c.match) g.path_parameters = &c.match->path_parameters;
        g.type = type;
        g.message = message;
        g.validation_error = std::move(validation);
        api.gateway_responses.apply(response, g);
    }
    complete(c, std::move(response));
}

void Service::configuration_error(Call& c) {
    if (!c.rest) return complete(c, http_internal_server_error(c.request_id));
    fail(c, internal_server_error(c.request_id), "API_CONFIGURATION_ERROR", "Internal server error");
}

void Service::watch_deadline(const CallPtr& call) {
    // The ticket is stored under the call's mutex, which complete() takes
    // before reading it: the deadline may come due before add() returns.
    std::lock_guard lock(call->mutex);
    call->deadline = deadlines_.add(Clock::now() + call->op->timeout, [this, call] { time_out(*call); });
}

// On the deadline thread, when an integration has not answered in time.
void Service::time_out(Call& c) {
    try {
        logger_.warn(c.label() + ": Execution failed due to a timeout error (integration timeout " + std::to_string(c.op->timeout.count()) + " ms)");
        fail(c, endpoint_request_timed_out(c.request_id), "INTEGRATION_TIMEOUT", "Endpoint request timed out");
    } catch (const std::exception& e) {
        logger_.error(c.label() + ": internal error while answering a timeout: " + e.what());
    }
}

}  // namespace lowcloud::apigateway
