// Customized gateway responses: parsing the extension and rendering its
// templates with simple variable substitution (see gateway_responses.hpp).
#include "apigateway/gateway_responses.hpp"

#include "common/encoding.hpp"

#include <set>
#include <stdexcept>

namespace lowcloud::apigateway {

using nlohmann::json;

namespace {

const std::set<std::string> kTypes = {"MISSING_AUTHENTICATION_TOKEN", "INVALID_API_KEY", "BAD_REQUEST_BODY", "BAD_REQUEST_PARAMETERS",
                                      "THROTTLED", "QUOTA_EXCEEDED", "INTEGRATION_TIMEOUT", "REQUEST_TOO_LARGE", "DEFAULT_4XX",
                                      "DEFAULT_5XX", "ACCESS_DENIED", "AUTHORIZER_FAILURE", "AUTHORIZER_CONFIGURATION_ERROR",
                                      "EXPIRED_TOKEN", "INTEGRATION_FAILURE", "INVALID_SIGNATURE", "RESOURCE_NOT_FOUND",
                                      "UNAUTHORIZED", "UNSUPPORTED_MEDIA_TYPE", "API_CONFIGURATION_ERROR", "AUTHORIZER_NOT_FOUND",
                                      "WAF_FILTERED"};

std::string lookup(const std::map<std::string, std::string>* m, const std::string& key) {
    if (!m) return {};
    auto it = m->find(key);
    return it == m->end() ? std::string() : it->second;
}

// A $context variable (name after "context.").
std::string context_variable(const std::string& name, const GatewayResponses::Context& c) {
    if (name == "error.message") return c.message;
    if (name == "error.messageString") return json(c.message).dump();
    if (name == "error.responseType") return c.type;
    if (name == "error.validationErrorString") return c.validation_error;
    if (name == "requestId") return c.request_id;
    if (name == "extendedRequestId") return c.request_id;
    if (name == "apiId") return c.api_id;
    if (name == "stage") return c.stage;
    if (name == "resourcePath") return c.resource_path;
    if (name == "httpMethod") return c.http_method;
    if (name == "path") return c.path;
    if (name == "domainName") return c.domain_name;
    if (name == "identity.sourceIp") return "127.0.0.1";
    if (name == "identity.userAgent" && c.request) return std::string(c.request->header("User-Agent"));
    return {};
}

std::string query_value(std::string_view query, const std::string& name) {
    std::string found;
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        auto eq = pair.find('=');
        if (percent_decode(pair.substr(0, eq), true) == name) found = eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1), true);
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return found;
}

std::string header_expression(const std::string& e, const GatewayResponses::Context& c) {
    if (e.size() >= 2 && e.front() == '\'' && e.back() == '\'') return e.substr(1, e.size() - 2);
    auto after = [&](const char* prefix) -> std::optional<std::string> {
        std::string p(prefix);
        if (e.compare(0, p.size(), p) == 0) return e.substr(p.size());
        return std::nullopt;
    };
    if (auto n = after("method.request.header.")) return c.request ? std::string(c.request->header(*n)) : "";
    if (auto n = after("method.request.querystring.")) return c.request ? query_value(c.request->query(), *n) : "";
    if (auto n = after("method.request.path.")) return lookup(c.path_parameters, *n);
    if (auto n = after("stageVariables.")) return lookup(c.stage_variables, *n);
    if (auto n = after("context.")) return context_variable(*n, c);
    return {};
}

bool name_char(char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.'; }

// JSON string contents (no quotes), so values land safely inside "...".
std::string json_escaped(const std::string& v) {
    std::string quoted = json(v).dump(-1, ' ', false, json::error_handler_t::replace);
    return quoted.substr(1, quoted.size() - 2);
}

std::string render(const std::string& t, const GatewayResponses::Context& c, bool json_body) {
    std::string out;
    for (std::size_t i = 0; i < t.size();) {
        if (t[i] != '$') {
            out += t[i++];
            continue;
        }
        bool braced = i + 1 < t.size() && t[i + 1] == '{';
        std::size_t start = i + (braced ? 2 : 1), end = start;
        while (end < t.size() && name_char(t[end])) ++end;
        std::string name = t.substr(start, end - start);
        while (!name.empty() && name.back() == '.') {  // a sentence's full stop is not part of the name
            name.pop_back();
            --end;
        }
        if (braced) {
            if (end >= t.size() || t[end] != '}') {
                out += t[i++];
                continue;
            }
            ++end;
        }
        if (name.rfind("context.", 0) == 0) {
            std::string v = context_variable(name.substr(8), c);
            out += json_body && name != "context.error.messageString" ? json_escaped(v) : v;
        }
        else if (name.rfind("stageVariables.", 0) == 0) out += lookup(c.stage_variables, name.substr(15));
        else {
            out += t[i++];
            continue;
        }
        i = end;
    }
    return out;
}

}  // namespace

GatewayResponses::GatewayResponses(const json& extension) {
    if (!extension.is_object()) throw std::invalid_argument("x-amazon-apigateway-gateway-responses must be a mapping of response types");
    for (const auto& [type, value] : extension.items()) {
        std::string where = "x-amazon-apigateway-gateway-responses." + type;
        if (!kTypes.count(type)) throw std::invalid_argument(where + ": unknown gateway response type");
        if (!value.is_object()) throw std::invalid_argument(where + ": expected a mapping");
        Custom c;
        for (const auto& [key, v] : value.items()) {
            if (key == "statusCode") {
                std::string s = v.is_string() ? v.get<std::string>() : v.dump();
                int status = 0;
                try {
                    status = std::stoi(s);
                } catch (const std::exception&) {
                }
                if (status < 100 || status > 599) throw std::invalid_argument(where + ".statusCode: expected an HTTP status code");
                c.status = status;
            } else if (key == "responseParameters") {
                if (!v.is_object()) throw std::invalid_argument(where + ".responseParameters: expected a mapping");
                for (const auto& [name, expr] : v.items()) {
                    const std::string prefix = "gatewayresponse.header.";
                    if (name.compare(0, prefix.size(), prefix) != 0 || !expr.is_string())
                        throw std::invalid_argument(where + ".responseParameters." + name + ": expected gatewayresponse.header.NAME: 'value'");
                    c.headers.emplace_back(name.substr(prefix.size()), expr.get<std::string>());
                }
            } else if (key == "responseTemplates") {
                if (!v.is_object()) throw std::invalid_argument(where + ".responseTemplates: expected a mapping");
                for (const auto& [type_name, tmpl] : v.items()) {
                    if (!tmpl.is_string()) throw std::invalid_argument(where + ".responseTemplates." + type_name + ": expected a string");
                    c.templates[type_name] = tmpl.get<std::string>();
                }
            } else {
                throw std::invalid_argument(where + "." + key + ": unknown member (statusCode, responseParameters, responseTemplates)");
            }
        }
        by_type_[type] = std::move(c);
    }
}

void GatewayResponses::apply(http::Response& r, const Context& ctx) const {
    auto it = by_type_.find(ctx.type);
    if (it == by_type_.end()) it = by_type_.find(r.status >= 500 ? "DEFAULT_5XX" : "DEFAULT_4XX");
    if (it == by_type_.end()) return;
    const Custom& c = it->second;
    if (c.status) r.status = *c.status;
    for (const auto& [name, expr] : c.headers) r.set_header(name, header_expression(expr, ctx));
    if (!c.templates.empty()) {
        auto t = c.templates.find("application/json");
        if (t == c.templates.end()) t = c.templates.begin();
        r.body = render(t->second, ctx, t->first.find("json") != std::string::npos);
        r.set_header("Content-Type", t->first);
    }
}

}  // namespace lowcloud::apigateway
