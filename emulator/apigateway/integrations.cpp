// The integrations a routed call ends in (see service.hpp): the Lambda
// proxy (AWS_PROXY), Lambda with mapping templates (AWS), HTTP backends
// (HTTP_PROXY, HTTP) and MOCK. Each completes the call exactly once, from
// the thread its integration answers on.
#include "apigateway/pipeline.hpp"

#include "apigateway/builtin_responses.hpp"
#include "apigateway/proxy.hpp"
#include "common/encoding.hpp"

#include <algorithm>

namespace lowcloud::apigateway {

using nlohmann::json;

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
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

bool hop_by_hop(std::string_view name) {
    for (std::string_view h : {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
                               "content-length", "host", "expect"})
        if (http::iequals(name, h)) return true;
    return false;
}

// A path parameter's value as it goes back into a URL: percent-encoded,
// keeping "/" for greedy ({proxy+}) values.
std::string encode_path(std::string_view value) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char ch : value) {
        if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~' || ch == '/') out += static_cast<char>(ch);
        else {
            out += '%';
            out += hex[ch >> 4];
            out += hex[ch & 15];
        }
    }
    return out;
}

std::string encode_query(std::string_view value) {
    std::string out = encode_path(value);
    std::string fixed;
    for (char ch : out) fixed += ch == '/' ? std::string("%2F") : std::string(1, ch);
    return fixed;
}

}  // namespace

// The proxy event's view of the call; also the source of $context.
static RouteMatch route_match(const Service::Call& c) {
    const Api& api = *c.api;
    const Operation& op = *c.op;
    RouteMatch route;
    route.flavor = c.rest ? ApiFlavor::rest : ApiFlavor::http;
    route.api_id = api.id;
    route.stage = c.stage;
    route.resource = op.path;
    route.route_key = op.path == "/$default" || op.path == "$default" ? "$default" : op.method + " " + op.path;
    route.path = c.api_path;
    route.stage_path = c.stage_path;
    route.path_parameters = c.match->path_parameters;
    route.stage_variables = c.stage_variables();
    route.domain_name = c.domain_name;
    route.resource_id = op.resource_id;
    route.raw_path = c.raw_path.empty() ? c.api_path : c.raw_path;
    route.binary = !api.binary_media_types.empty() && media_type_matches(c.request.header("Content-Type"), api.binary_media_types);
    if (op.api_key_required) {
        route.api_key = c.api_key;
        route.api_key_id = api_id_for("key:" + c.api_key);
    }
    return route;
}

static RequestData request_data(const Service::Call& c) {
    RequestData data;
    data.request = &c.request;
    data.path_parameters = c.match->path_parameters;
    data.stage_variables = c.stage_variables();
    json event = event_v1(c.request, route_match(c), c.request_id, std::chrono::system_clock::now());
    data.context = std::move(event["requestContext"]);
    return data;
}

void Service::invoke_proxy(const CallPtr& call) {
    Call& c = *call;
    const Api& api = *c.api;
    RouteMatch route = route_match(c);
    // REST turns a base64 body into bytes when the client accepts a binary type.
    std::string accept(c.request.header("Accept"));
    bool decode_base64 = !c.rest || media_type_matches(accept.substr(0, accept.find(',')), api.binary_media_types);
    int version = c.op->payload_version;
    lambda::InvokeRequest invoke;
    invoke.payload = version == 1 ? event_v1_text(c.request, route, c.request_id, std::chrono::system_clock::now())
                                  : event_v2(c.request, route, c.request_id, std::chrono::system_clock::now())
                                        .dump(-1, ' ', false, json::error_handler_t::replace);
    invoker_.invoke(c.function, std::move(invoke), [this, call, version, decode_base64](lambda::InvokeResult result) {
        Call& c = *call;
        try {
            ApiFlavor flavor = c.rest ? ApiFlavor::rest : ApiFlavor::http;
            std::optional<http::Response> response;
            if (result.status == lambda::InvokeResult::Status::success)
                response = version == 1 ? response_v1(result.payload, flavor, decode_base64) : response_v2(result.payload);
            else if (result.status == lambda::InvokeResult::Status::throttled)
                logger_.warn(c.label() + ": the function was throttled (all its environments are busy: raise its reserved_concurrency)");
            else
                logger_.info(c.label() + ": the function failed: " + result.payload.substr(0, 500));
            if (!response) {
                if (result.status == lambda::InvokeResult::Status::success)
                    logger_.info(c.label() + ": malformed Lambda proxy response: " + result.payload.substr(0, 500));
                if (c.rest) return fail(c, rest_internal_server_error(c.request_id), "DEFAULT_5XX", "Internal server error");
                return complete(c, http_internal_server_error(c.request_id));
            }
            add_request_id_headers(*response, flavor, c.request_id);
            complete(c, std::move(*response));
        } catch (const std::exception& e) {
            unexpected(c, e);
        }
    });
}

// The request template's output is the function's event; the integration
// response is chosen by the function error's errorMessage.
void Service::invoke_lambda(const CallPtr& call) {
    Call& c = *call;
    auto data = std::make_shared<RequestData>(request_data(c));
    std::optional<std::string> payload = integration_request(c, *data);
    if (!payload) return;
    lambda::InvokeRequest invoke;
    invoke.payload = std::move(*payload);
    invoker_.invoke(c.function, std::move(invoke), [this, call, data](lambda::InvokeResult result) {
        Call& c = *call;
        try {
            EndpointResponse endpoint;
            endpoint.body = result.payload;
            if (result.status == lambda::InvokeResult::Status::function_error) {
                json error = json::parse(result.payload, nullptr, false);
                endpoint.error_message = error.is_object() && error.contains("errorMessage") && error["errorMessage"].is_string()
                                             ? error["errorMessage"].get<std::string>()
                                             : result.payload;
            } else if (result.status != lambda::InvokeResult::Status::success) {
                logger_.warn(c.label() + ": the function could not be invoked: " + result.payload.substr(0, 500));
                return fail(c, internal_server_error(c.request_id), "DEFAULT_5XX", "Internal server error");
            }
            answer_from_integration(c, endpoint, *data);
        } catch (const std::exception& e) {
            unexpected(c, e);
        }
    });
}

// The request template's output, or nullopt once the call is answered
// (415 when passthrough refuses the content type, or the template failed).
std::optional<std::string> Service::integration_request(Call& c, const RequestData& data) {
    std::optional<std::string> payload;
    try {
        payload = request_payload(c.op->integration, data);
    } catch (const TemplateError& e) {
        template_failed(c, e, "request");
        return std::nullopt;
    }
    if (!payload) fail(c, unsupported_media_type(c.request_id), "UNSUPPORTED_MEDIA_TYPE", "Unsupported Media Type");
    return payload;
}

// The integration response selected for the endpoint's answer, rendered as
// the method response; AWS's configuration error when none is selected.
void Service::answer_from_integration(Call& c, const EndpointResponse& endpoint, const RequestData& data) {
    const IntegrationResponse* selected = select_response(c.op->integration, endpoint);
    if (!selected) {
        logger_.warn(c.label() + ": Execution failed due to configuration error: No match for output mapping and no default output mapping configured" +
                     (endpoint.error_message ? " (function error: " + endpoint.error_message->substr(0, 200) + ")"
                                             : ". Endpoint Response Status Code: " + std::to_string(endpoint.status)));
        return fail(c, internal_server_error(c.request_id), "API_CONFIGURATION_ERROR", "Internal server error");
    }
    try {
        http::Response r = method_response(*selected, endpoint, data, c.request.header("Accept"));
        add_request_id_headers(r, ApiFlavor::rest, c.request_id);
        complete(c, std::move(r));
    } catch (const TemplateError& e) {
        template_failed(c, e, "response");
    }
}

void Service::call_http(const CallPtr& call) {
    Call& c = *call;
    const Integration& integration = c.op->integration;
    bool proxy = integration.kind == IntegrationKind::http_proxy;
    auto data = std::make_shared<RequestData>(request_data(c));
    BackendCall out;
    out.method = integration.http_method == "ANY" ? c.request.method : integration.http_method;
    out.timeout = c.op->timeout;
    // The URL: {name} placeholders from integration.request.path.name (REST),
    // or from the route's own parameters (HTTP APIs fill them in themselves).
    std::string url = integration.uri;
    std::map<std::string, std::string> path_values;
    if (!c.rest) path_values = c.match->path_parameters;
    std::vector<std::pair<std::string, std::string>> query;
    for (const auto& [target, source] : integration.request_parameters) {
        std::optional<std::string> value = request_parameter_value(source, *data);
        if (!value) continue;
        if (target.rfind("integration.request.path.", 0) == 0) path_values[target.substr(25)] = *value;
        else if (target.rfind("integration.request.querystring.", 0) == 0) query.emplace_back(target.substr(32), *value);
        else if (target.rfind("integration.request.header.", 0) == 0) out.headers.push_back({target.substr(27), *value});
    }
    for (const auto& [name, value] : path_values)
        for (std::string key : {"{" + name + "}", "{" + name + "+}"})
            for (auto at = url.find(key); at != std::string::npos; at = url.find(key, at + 1)) url.replace(at, key.size(), encode_path(value));
    std::string query_text;
    if (proxy) {  // the client's query, less what a mapping sets
        std::string_view q = c.request.query();
        while (!q.empty()) {
            auto amp = q.find('&');
            std::string_view pair = q.substr(0, amp);
            std::string name = percent_decode(pair.substr(0, pair.find('=')), true);
            bool mapped = std::any_of(query.begin(), query.end(), [&](const auto& kv) { return kv.first == name; });
            if (!pair.empty() && !mapped) query_text += (query_text.empty() ? "" : "&") + std::string(pair);
            if (amp == std::string_view::npos) break;
            q.remove_prefix(amp + 1);
        }
    }
    for (const auto& [k, v] : query) query_text += (query_text.empty() ? "" : "&") + encode_query(k) + "=" + encode_query(v);
    if (!query_text.empty()) url += (url.find('?') == std::string::npos ? "?" : "&") + query_text;
    out.url = url;
    if (proxy) {
        for (const auto& h : c.request.headers)
            if (!hop_by_hop(h.name)) out.headers.push_back(h);
        out.body = c.request.body;
    } else {
        std::optional<std::string> payload = integration_request(c, *data);
        if (!payload) return;
        out.body = std::move(*payload);
        if (!out.body.empty()) {
            std::string type(c.request.header("Content-Type"));
            out.headers.push_back({"Content-Type", type.empty() ? "application/json" : type});
        }
    }
    std::string target = out.method + " " + out.url;
    backend_.send(std::move(out), [this, call, data, proxy, target](BackendResult result) {
        Call& c = *call;
        try {
            if (result.status == BackendResult::Status::timed_out) {
                logger_.warn(c.label() + ": Execution failed due to a timeout error calling " + target);
                return fail(c, endpoint_request_timed_out(c.request_id), "INTEGRATION_TIMEOUT", "Endpoint request timed out");
            }
            if (result.status == BackendResult::Status::failed) {
                logger_.warn(c.label() + ": Execution failed due to configuration error: " + target + ": " + result.error);
                if (!c.rest) return complete(c, http_internal_server_error(c.request_id));
                return fail(c, internal_server_error(c.request_id), "DEFAULT_5XX", "Internal server error");
            }
            if (proxy) {
                http::Response r;
                r.status = result.http_status;
                for (auto& h : result.headers)
                    if (!hop_by_hop(h.name)) r.add_header(std::move(h.name), std::move(h.value));
                r.body = std::move(result.body);
                add_request_id_headers(r, c.rest ? ApiFlavor::rest : ApiFlavor::http, c.request_id);
                return complete(c, std::move(r));
            }
            EndpointResponse endpoint{result.http_status, std::move(result.headers), std::move(result.body), std::nullopt};
            answer_from_integration(c, endpoint, *data);
        } catch (const std::exception& e) {
            unexpected(c, e);
        }
    });
}

// The request template names the status ({"statusCode": 200}); the
// integration response for it renders the body.
void Service::answer_mock(const CallPtr& call) {
    Call& c = *call;
    RequestData data = request_data(c);
    std::optional<std::string> payload = integration_request(c, data);
    if (!payload) return;
    std::optional<int> status = mock_status(*payload);
    if (!status) {
        logger_.warn(c.label() + ": Execution failed: the MOCK request template must produce JSON with a numeric statusCode, got: " + payload->substr(0, 200));
        return fail(c, internal_server_error(c.request_id), "API_CONFIGURATION_ERROR", "Internal server error");
    }
    EndpointResponse endpoint;
    endpoint.status = *status;
    answer_from_integration(c, endpoint, data);
}

// Anything else thrown while answering: a 500, and the cause in the log.
void Service::unexpected(Call& c, const std::exception& e) {
    logger_.error(c.label() + ": internal error while answering: " + e.what());
    configuration_error(c);
}

// A template that failed: a request body its template cannot read as JSON
// is the client's 400 (AWS's "Could not parse request body into json"),
// anything else a 500 with the cause in the log.
void Service::template_failed(Call& c, const TemplateError& e, const char* which) {
    if (e.kind == TemplateError::Kind::body_not_json && std::string_view(which) == "request") {
        std::string message = std::string("Could not parse request body into json: ") + e.what();
        logger_.info(c.label() + ": " + message);
        return fail(c, apigateway::gateway_response(400, "BadRequestException", message, c.request_id), "BAD_REQUEST_BODY", message);
    }
    logger_.warn(c.label() + ": Execution failed: the " + which + " template failed: " + e.what());
    fail(c, internal_server_error(c.request_id), "API_CONFIGURATION_ERROR", "Internal server error");
}

}  // namespace lowcloud::apigateway
