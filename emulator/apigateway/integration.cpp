// Non-proxy integrations: reading x-amazon-apigateway-integration, request
// templates and parameter mappings, integration-response selection and the
// method response (see integration.hpp).
#include "apigateway/integration.hpp"

#include "common/encoding.hpp"

#include <algorithm>
#include <stdexcept>

namespace lowcloud::apigateway {

using nlohmann::json;

namespace {

// API Gateway renders a null reference as "" (Velocity would print its source text).
const RenderOptions kRender{true};

// Selection patterns see at most this much of an error message.
constexpr std::size_t kMaxSubject = 256 * 1024;

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}

std::string text_of(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::map<std::string, std::string> string_map(const json& j, const std::string& what) {
    std::map<std::string, std::string> out;
    if (j.is_null()) return out;
    if (!j.is_object()) throw std::invalid_argument(what + " must be a map of strings");
    for (const auto& [k, v] : j.items()) {
        if (!v.is_string()) throw std::invalid_argument(what + "." + k + " must be a string");
        out[k] = v.get<std::string>();
    }
    return out;
}

std::vector<std::pair<std::string, MappingTemplate>> templates(const json& j, const std::string& what) {
    std::vector<std::pair<std::string, MappingTemplate>> out;
    for (const auto& [type, text] : string_map(j, what)) {
        try {
            out.emplace_back(lower(type), MappingTemplate::parse(text));
        } catch (const TemplateError& e) {
            throw std::invalid_argument(what + "['" + type + "'] does not parse: " + e.what());
        }
    }
    return out;
}

const MappingTemplate* find_template(const std::vector<std::pair<std::string, MappingTemplate>>& list, const std::string& type) {
    for (const auto& [t, tpl] : list)
        if (t == type) return &tpl;
    return nullptr;
}

// "application/json; charset=utf-8" -> "application/json"
std::string media_type(std::string_view header) {
    std::string t = lower(std::string(header.substr(0, header.find(';'))));
    while (!t.empty() && t.back() == ' ') t.pop_back();
    while (!t.empty() && t.front() == ' ') t.erase(t.begin());
    return t;
}

// A dotted JSONPath ("$.a.b[0]" or "a.b") into a JSON document; null when absent.
json json_at(const json& doc, std::string path) {
    if (path.rfind("$", 0) == 0) path.erase(0, 1);
    const json* v = &doc;
    size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '.') ++i;
        if (i < path.size() && path[i] == '[') {
            auto end = path.find(']', i);
            if (end == std::string::npos) return nullptr;
            std::string index = path.substr(i + 1, end - i - 1);
            i = end + 1;
            if (!index.empty() && (index.front() == '\'' || index.front() == '"')) {
                index = index.substr(1, index.size() - 2);
                if (!v->is_object() || !v->contains(index)) return nullptr;
                v = &(*v)[index];
            } else {
                if (!v->is_array() || index.empty() || !std::all_of(index.begin(), index.end(), ::isdigit)) return nullptr;
                size_t n = std::stoul(index);
                if (n >= v->size()) return nullptr;
                v = &(*v)[n];
            }
            continue;
        }
        auto end = path.find_first_of(".[", i);
        std::string key = path.substr(i, end == std::string::npos ? std::string::npos : end - i);
        i = end == std::string::npos ? path.size() : end;
        if (key.empty()) continue;
        if (!v->is_object() || !v->contains(key)) return nullptr;
        v = &(*v)[key];
    }
    return *v;
}

// A raw query string as name -> value (decoded; the last of a repeated name).
std::map<std::string, std::string> query_map(std::string_view query) {
    std::map<std::string, std::string> out;
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        if (!pair.empty()) {
            auto eq = pair.find('=');
            out[percent_decode(pair.substr(0, eq), true)] = eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1), true);
        }
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return out;
}

std::optional<std::string> header_of(const std::vector<http::Header>& headers, const std::string& name) {
    for (const auto& h : headers)
        if (lower(h.name) == lower(name)) return h.value;
    return std::nullopt;
}

// 'static value' -> static value
std::optional<std::string> static_value(const std::string& source) {
    if (source.size() >= 2 && source.front() == '\'' && source.back() == '\'') return source.substr(1, source.size() - 2);
    return std::nullopt;
}

std::optional<std::string> common_value(const std::string& source, const RequestData& data) {
    if (auto s = static_value(source)) return s;
    if (source.rfind("stageVariables.", 0) == 0) {
        auto it = data.stage_variables.find(source.substr(15));
        if (it == data.stage_variables.end()) return std::nullopt;
        return it->second;
    }
    if (source.rfind("context.", 0) == 0) {
        json v = json_at(data.context, source.substr(8));
        if (v.is_null()) return std::nullopt;
        return text_of(v);
    }
    return std::nullopt;
}

}  // namespace

Integration read_integration(const json& x) {
    Integration out;
    std::string type = lower(x.value("type", ""));
    if (type == "aws_proxy") out.kind = IntegrationKind::aws_proxy;
    else if (type == "aws") out.kind = IntegrationKind::aws;
    else if (type == "http_proxy") out.kind = IntegrationKind::http_proxy;
    else if (type == "http") out.kind = IntegrationKind::http;
    else if (type == "mock") out.kind = IntegrationKind::mock;
    else throw std::invalid_argument("type '" + x.value("type", "") + "' is not one of aws_proxy, aws, http_proxy, http, mock");
    if (out.kind == IntegrationKind::http || out.kind == IntegrationKind::http_proxy) {
        out.uri = x.value("uri", "");
        if (out.uri.rfind("http://", 0) != 0 && out.uri.rfind("https://", 0) != 0)
            throw std::invalid_argument("uri '" + out.uri + "' is not an http:// or https:// URL");
        out.http_method = upper(x.value("httpMethod", ""));
        if (out.http_method.empty()) throw std::invalid_argument("httpMethod is required for " + type + " integrations");
    }
    out.passthrough = upper(x.value("passthroughBehavior", "WHEN_NO_MATCH"));
    if (out.passthrough != "WHEN_NO_MATCH" && out.passthrough != "WHEN_NO_TEMPLATES" && out.passthrough != "NEVER")
        throw std::invalid_argument("passthroughBehavior '" + out.passthrough + "' is not one of WHEN_NO_MATCH, WHEN_NO_TEMPLATES, NEVER");
    out.request_parameters = string_map(x.value("requestParameters", json()), "requestParameters");
    if (out.proxy()) return out;  // proxies take neither templates nor integration responses
    out.request_templates = templates(x.value("requestTemplates", json()), "requestTemplates");
    json responses = x.value("responses", json::object());
    if (!responses.is_object()) throw std::invalid_argument("responses must be a map");
    std::optional<IntegrationResponse> fallback;
    for (const auto& [pattern, r] : responses.items()) {
        if (!r.is_object()) throw std::invalid_argument("responses['" + pattern + "'] must be a map");
        IntegrationResponse ir;
        std::string status = r.contains("statusCode") ? text_of(r["statusCode"]) : "";
        if (status.size() != 3 || !std::all_of(status.begin(), status.end(), ::isdigit) || status[0] < '1' || status[0] > '5')
            throw std::invalid_argument("responses['" + pattern + "'].statusCode '" + status + "' is not an HTTP status code");
        ir.status = std::stoi(status);
        ir.parameters = string_map(r.value("responseParameters", json()), "responses['" + pattern + "'].responseParameters");
        ir.templates = templates(r.value("responseTemplates", json()), "responses['" + pattern + "'].responseTemplates");
        ir.content_handling = r.value("contentHandling", "");
        if (pattern == "default") {
            fallback = std::move(ir);
            continue;
        }
        ir.selection_pattern = pattern;
        try {
            // libstdc++'s breadth-first matcher: no recursion per character, so a
            // long errorMessage cannot overflow the stack (no back-references).
            ir.pattern = std::make_shared<const std::regex>(pattern, std::regex::ECMAScript | std::regex_constants::__polynomial);
        } catch (const std::regex_error& e) {
            throw std::invalid_argument("responses: selection pattern '" + pattern + "' is not a regular expression (" + e.what() + ")");
        }
        out.responses.push_back(std::move(ir));
    }
    if (fallback) out.responses.push_back(std::move(*fallback));
    return out;
}

TemplateInput request_template_input(const RequestData& data) {
    TemplateInput in;
    const http::Request& r = *data.request;
    in.body = r.body;
    in.path = data.path_parameters;
    in.querystring = query_map(r.query());
    for (const auto& h : r.headers) in.header[h.name] = h.value;
    in.context = data.context;
    in.stage_variables = data.stage_variables;
    return in;
}

std::optional<std::string> request_payload(const Integration& integration, const RequestData& data) {
    std::string type = media_type(data.request->header("Content-Type"));
    if (type.empty()) type = "application/json";
    if (const MappingTemplate* tpl = find_template(integration.request_templates, type))
        return tpl->render(request_template_input(data), kRender).body;
    if (integration.passthrough == "NEVER") return std::nullopt;
    if (integration.passthrough == "WHEN_NO_TEMPLATES" && !integration.request_templates.empty()) return std::nullopt;
    return data.request->body;
}

std::optional<std::string> request_parameter_value(const std::string& source, const RequestData& data) {
    if (auto v = common_value(source, data)) return v;
    const std::string prefix = "method.request.";
    if (source.rfind(prefix, 0) != 0) return std::nullopt;
    std::string rest = source.substr(prefix.size());
    auto dot = rest.find('.');
    std::string where = rest.substr(0, dot), name = dot == std::string::npos ? "" : rest.substr(dot + 1);
    if (where == "path") {
        auto it = data.path_parameters.find(name);
        return it == data.path_parameters.end() ? std::nullopt : std::optional(it->second);
    }
    if (where == "querystring" || where == "multivaluequerystring") {
        auto query = query_map(data.request->query());
        auto it = query.find(name);
        return it == query.end() ? std::nullopt : std::optional(it->second);
    }
    if (where == "header" || where == "multivalueheader") {
        if (!data.request->has_header(name)) return std::nullopt;
        return std::string(data.request->header(name));
    }
    if (where == "body") {
        if (dot == std::string::npos) return data.request->body;
        json doc = json::parse(data.request->body, nullptr, false);
        if (doc.is_discarded()) return std::nullopt;
        json v = json_at(doc, name);
        if (v.is_null()) return std::nullopt;
        return text_of(v);
    }
    return std::nullopt;
}

const IntegrationResponse* select_response(const Integration& integration, const EndpointResponse& endpoint) {
    // Lambda: the errorMessage (a successful call matches no pattern); HTTP and MOCK: the status code.
    std::optional<std::string> subject = endpoint.error_message;
    if (!subject && integration.kind != IntegrationKind::aws) subject = std::to_string(endpoint.status);
    const IntegrationResponse* fallback = nullptr;
    for (const auto& r : integration.responses) {
        if (!r.pattern) {
            fallback = &r;
            continue;
        }
        if (subject && subject->size() <= kMaxSubject && std::regex_match(*subject, *r.pattern)) return &r;
    }
    return fallback;
}

http::Response method_response(const IntegrationResponse& selected, const EndpointResponse& endpoint, const RequestData& data,
                               std::string_view accept) {
    http::Response out;
    out.status = selected.status;
    // The template: the first Accept type that has one, else application/json, else the first.
    const MappingTemplate* tpl = nullptr;
    std::string content_type = "application/json";
    std::string_view list = accept;
    while (!selected.templates.empty() && !list.empty()) {
        auto comma = list.find(',');
        std::string type = media_type(list.substr(0, comma));
        if (const MappingTemplate* t = find_template(selected.templates, type)) {
            tpl = t;
            content_type = type;
            break;
        }
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    if (!tpl && !selected.templates.empty()) {
        tpl = find_template(selected.templates, "application/json");
        if (!tpl) {
            tpl = &selected.templates.front().second;
            content_type = selected.templates.front().first;
        }
    }
    json override;
    if (tpl) {
        TemplateInput in = request_template_input(data);
        in.body = endpoint.body;
        RenderResult rendered = tpl->render(in, kRender);
        out.body = std::move(rendered.body);
        override = std::move(rendered.response_override);
    } else {
        out.body = endpoint.body;
    }
    out.set_header("Content-Type", content_type);
    for (const auto& [target, source] : selected.parameters) {
        const std::string prefix = "method.response.header.";
        if (target.rfind(prefix, 0) != 0) continue;
        std::optional<std::string> value = common_value(source, data);
        if (!value && source.rfind("integration.response.header.", 0) == 0) value = header_of(endpoint.headers, source.substr(28));
        if (!value && source == "integration.response.body") value = endpoint.body;
        if (!value && source.rfind("integration.response.body.", 0) == 0) {
            json doc = json::parse(endpoint.body, nullptr, false);
            if (!doc.is_discarded()) {
                json v = json_at(doc, source.substr(26));
                if (!v.is_null()) value = text_of(v);
            }
        }
        if (value) out.set_header(target.substr(prefix.size()), *value);
    }
    // $context.responseOverride set by the template wins over the mapping.
    if (override.is_object()) {
        if (override.contains("status")) {
            const json& s = override["status"];
            int status = s.is_number_integer() ? s.get<int>() : s.is_string() ? std::atoi(s.get<std::string>().c_str()) : 0;
            if (status >= 100 && status <= 599) out.status = status;
        }
        if (override.contains("header") && override["header"].is_object())
            for (const auto& [name, value] : override["header"].items()) out.set_header(name, text_of(value));
    }
    return out;
}

std::optional<int> mock_status(const std::string& payload) {
    std::string_view p = payload;
    while (!p.empty() && std::isspace(static_cast<unsigned char>(p.front()))) p.remove_prefix(1);
    if (p.empty()) return 200;
    json doc = json::parse(payload, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
    if (!doc.contains("statusCode")) return 200;
    const json& s = doc["statusCode"];
    if (s.is_number_integer()) return s.get<int>();
    if (s.is_string()) {
        try {
            return std::stoi(s.get<std::string>());
        } catch (const std::exception&) {
        }
    }
    return std::nullopt;
}

}  // namespace lowcloud::apigateway
