// Loading APIs: the manifest entry, then the OpenAPI document walked as YAML
// (so errors carry line numbers) and converted to JSON for $ref resolution
// and schemas (see api.hpp).
#include "apigateway/api.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <regex>

namespace lowcloud::apigateway {

using nlohmann::json;
namespace fs = std::filesystem;

// YAML -> JSON with YAML's scalar typing (quoted scalars stay strings).
json yaml_to_json(const YAML::Node& n) {
    switch (n.Type()) {
        case YAML::NodeType::Null:
        case YAML::NodeType::Undefined: return nullptr;
        case YAML::NodeType::Sequence: {
            json a = json::array();
            for (const auto& e : n) a.push_back(yaml_to_json(e));
            return a;
        }
        case YAML::NodeType::Map: {
            json o = json::object();
            for (const auto& kv : n) o[kv.first.Scalar()] = yaml_to_json(kv.second);
            return o;
        }
        case YAML::NodeType::Scalar: break;
    }
    const std::string& s = n.Scalar();
    if (n.Tag() == "!") return s;  // quoted
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
    if (s == "null" || s == "~" || s == "Null" || s == "NULL") return nullptr;
    static const std::regex integer(R"([-+]?[0-9]+)"), number(R"([-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?)");
    if (std::regex_match(s, integer)) {
        try {
            return std::stoll(s);
        } catch (const std::out_of_range&) {
        }
    }
    if (std::regex_match(s, number)) return std::stod(s);
    return s;
}

namespace {

const std::vector<std::string> kMethods = {"get", "put", "post", "delete", "options", "head", "patch", "x-amazon-apigateway-any-method"};


struct Spec {
    fs::path file;
    YAML::Node yaml;
    json doc;
    bool swagger = false;

    [[noreturn]] void fail(const YAML::Node& at, const std::string& message) const {
        std::string where = file.string();
        if (at.IsDefined() && at.Mark().line >= 0) {
            where += ':';
            where += std::to_string(at.Mark().line + 1);
        }
        throw ConfigError(where + ": " + message);
    }

    // Follows a local $ref ("#/components/schemas/Watch") in the JSON form.
    const json& resolve(const json& value, const YAML::Node& at, const std::string& context) const {
        const json* v = &value;
        for (int hops = 0; v->is_object() && v->contains("$ref") && hops < 32; ++hops) {
            std::string ref = (*v)["$ref"].get<std::string>();
            if (ref.rfind("#/", 0) != 0) fail(at, context + ": $ref '" + ref + "' is not a local reference (only #/... is supported)");
            try {
                v = &doc.at(json::json_pointer(ref.substr(1)));
            } catch (const json::exception&) {
                fail(at, context + ": $ref '" + ref + "' does not resolve");
            }
        }
        return *v;
    }
};

std::vector<std::string> string_list(const ConfigReader& r, const YAML::Node& n, const std::string& path) {
    std::vector<std::string> out;
    if (!n.IsDefined() || n.IsNull()) return out;
    if (!n.IsSequence()) r.fail(n, path, "expected a list of strings");
    for (const auto& e : n) {
        if (!e.IsScalar()) r.fail(e, path, "expected a list of strings");
        out.push_back(e.Scalar());
    }
    return out;
}

}  // namespace

std::string function_from_uri(const std::string& uri) {
    // arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUAL]/invocations
    // (also path//2015-03-31, and ${stageVariables.x} in place of the name or qualifier)
    static const std::regex re(R"(:function:([A-Za-z0-9_\-]+|\$\{stageVariables\.[A-Za-z0-9_]+\})(:([A-Za-z0-9_$\-]+|\$\{stageVariables\.[A-Za-z0-9_]+\}))?(/invocations)?$)");
    std::smatch m;
    if (std::regex_search(uri, m, re)) return m[1].str() + (m[3].matched ? ":" + m[3].str() : "");
    return {};
}

namespace {

void read_operation(const Spec& spec, const json& op, const YAML::Node& op_yaml, Operation& o, const json& path_parameters,
                    const json& validators, const std::string& default_validator, const std::map<std::string, std::string>& bindings,
                    const std::set<std::string>& api_key_schemes, const json& default_security, ApiType type,
                    const std::function<bool(const std::string&)>& function_exists, Logger& logger) {
    std::string label = o.method + " " + o.path;
    o.operation_id = op.value("operationId", "");
    // Parameters: path-level then operation-level (operation wins by name+in),
    // in declaration order (the 400 message lists missing ones in that order).
    std::vector<Parameter> params;
    for (const json* list : {&path_parameters, op.contains("parameters") ? &op["parameters"] : nullptr}) {
        if (!list || !list->is_array()) continue;
        for (const auto& p0 : *list) {
            const json& p = spec.resolve(p0, op_yaml, label);
            std::string in = p.value("in", "");
            if (in == "body") {  // Swagger 2.0 body parameter
                if (p.contains("schema")) o.body_schema = std::make_shared<JsonSchema>(spec.resolve(p["schema"], op_yaml, label), spec.doc);
                continue;
            }
            Parameter param{p.value("name", ""), in, p.value("required", false) || in == "path"};
            auto same = std::find_if(params.begin(), params.end(), [&](const Parameter& q) { return q.name == param.name && q.in == param.in; });
            if (same != params.end()) *same = param;
            else params.push_back(param);
        }
    }
    o.parameters = std::move(params);
    if (op.contains("requestBody")) {
        const json& body = spec.resolve(op["requestBody"], op_yaml, label);
        if (body.contains("content") && body["content"].contains("application/json") && body["content"]["application/json"].contains("schema")) {
            try {
                o.body_schema = std::make_shared<JsonSchema>(spec.resolve(body["content"]["application/json"]["schema"], op_yaml, label), spec.doc);
            } catch (const std::invalid_argument& e) {
                spec.fail(op_yaml, label + ": " + e.what());
            }
        }
    }
    // Request validator (REST APIs only).
    std::string validator = op.value("x-amazon-apigateway-request-validator", default_validator);
    if (!validator.empty()) {
        if (!validators.contains(validator)) spec.fail(op_yaml, label + ": request validator '" + validator + "' is not defined in x-amazon-apigateway-request-validators");
        o.validate_body = validators[validator].value("validateRequestBody", false);
        o.validate_parameters = validators[validator].value("validateRequestParameters", false);
        if (type == ApiType::http) logger.warn(spec.file.string() + ": " + label + ": HTTP APIs do not validate requests; x-amazon-apigateway-request-validator is ignored as API Gateway ignores it");
        if (type == ApiType::http) o.validate_body = o.validate_parameters = false;
    }
    // API keys: a security requirement naming an apiKey scheme.
    const json& security = op.contains("security") ? op["security"] : default_security;
    if (security.is_array()) {
        for (const auto& requirement : security) {
            if (!requirement.is_object()) continue;
            for (const auto& [scheme, scopes] : requirement.items()) {
                if (api_key_schemes.count(scheme)) o.api_key_required = true;
                else logger.warn(spec.file.string() + ": " + label + ": security scheme '" + scheme + "' (an authorizer) is not supported; requests are not authorized");
            }
        }
    }
    // Integration.
    if (op.contains("x-amazon-apigateway-integration")) {
        const json& integration = op["x-amazon-apigateway-integration"];
        std::string kind = integration.value("type", "");
        std::transform(kind.begin(), kind.end(), kind.begin(), ::tolower);
        o.credentials = integration.value("credentials", "");
        bool lambda = kind == "aws_proxy" || kind == "aws";
        if (kind == "aws" && integration.value("uri", "").find(":lambda:path/") == std::string::npos) {
            o.unsupported = "AWS service integration '" + integration.value("uri", "") + "' (lowcloud integrates Lambda only)";
        } else {
            try {
                o.integration = read_integration(integration);
            } catch (const std::invalid_argument& e) {
                spec.fail(op_yaml, label + ": x-amazon-apigateway-integration: " + e.what());
            }
        }
        if (lambda && o.unsupported.empty()) {
            o.function = function_from_uri(integration.value("uri", ""));
            if (o.function.empty()) spec.fail(op_yaml, label + ": x-amazon-apigateway-integration.uri does not name a Lambda function ARN");
            std::string method = integration.value("httpMethod", "POST");
            if (method != "POST") spec.fail(op_yaml, label + ": x-amazon-apigateway-integration.httpMethod must be POST for Lambda (got " + method + ")");
        }
        if (kind == "aws_proxy" && integration.contains("payloadFormatVersion")) {
            std::string v = integration["payloadFormatVersion"].is_string() ? integration["payloadFormatVersion"].get<std::string>()
                                                                            : integration["payloadFormatVersion"].dump();
            if (v != "1.0" && v != "2.0" && v != "1" && v != "2") spec.fail(op_yaml, label + ": payloadFormatVersion must be 1.0 or 2.0");
            if (type == ApiType::rest && v[0] == '2') spec.fail(op_yaml, label + ": REST APIs only support payload format 1.0");
            o.payload_version = v[0] - '0';
        }
        if (integration.contains("timeoutInMillis")) {
            long long t = integration["timeoutInMillis"].is_number() ? integration["timeoutInMillis"].get<long long>()
                                                                     : std::stoll(integration["timeoutInMillis"].get<std::string>());
            if (t < 50 || t > 29000) spec.fail(op_yaml, label + ": timeoutInMillis must be between 50 and 29000");
            o.timeout = std::chrono::milliseconds(t);
        }
        if (o.integration.proxy())
            for (const char* template_key : {"requestTemplates", "responses"})
                if (integration.contains(template_key))
                    logger.warn(spec.file.string() + ": " + label + ": x-amazon-apigateway-integration." + template_key + " is ignored with " + kind +
                                " integrations, as API Gateway ignores it");
        if (type == ApiType::http && !o.integration.proxy() && o.unsupported.empty())
            spec.fail(op_yaml, label + ": HTTP APIs integrate with aws_proxy or http_proxy only (got " + kind + ")");
    } else {
        auto by_id = bindings.find(o.operation_id);
        auto by_route = bindings.find(o.method + " " + o.path);
        if (by_route != bindings.end()) o.function = by_route->second;
        else if (!o.operation_id.empty() && by_id != bindings.end()) o.function = by_id->second;
        else o.unsupported = "no x-amazon-apigateway-integration and no `functions:` mapping in the manifest";
    }
    if (!o.function.empty() && function_exists && !function_exists(o.function) && o.function.find("${") == std::string::npos)
        spec.fail(op_yaml, label + ": the integration names function '" + o.function + "', which lowcloud.yaml does not declare");
    if (!o.unsupported.empty()) logger.warn(spec.file.string() + ": " + label + ": " + o.unsupported + "; requests to it answer 500");
}

void read_spec(Api& api, Spec& spec, const std::map<std::string, std::string>& bindings, int default_payload,
               const std::function<bool(const std::string&)>& function_exists, Logger& logger);

Api load_one(const ConfigSection& section, const YAML::Node& node, std::size_t index,
             const std::function<bool(const std::string&)>& function_exists, Logger& logger) {
    std::string path = "apis[" + std::to_string(index) + "]";
    ConfigReader r(section, node, path);
    Api api;
    api.name = r.required_string("name");
    api.id = api_id_for(api.name);
    api.spec = *r.optional_path("spec");
    api.type = r.optional_enum("type", {"rest", "http"}).value_or("rest") == "rest" ? ApiType::rest : ApiType::http;
    auto payload = r.optional_enum("payload_format", {"1.0", "2.0"});
    if (payload && api.type == ApiType::rest && *payload != "1.0") r.fail(r.node("payload_format"), r.child_path("payload_format"), "REST APIs use payload format 1.0");
    int default_payload = api.type == ApiType::rest ? 1 : (payload == "1.0" ? 1 : 2);
    YAML::Node stages = r.node("stages");
    if (stages.IsDefined() && !stages.IsNull()) {
        if (!stages.IsMap()) r.fail(stages, r.child_path("stages"), "expected a mapping of stage names");
        for (const auto& kv : stages) {
            std::map<std::string, std::string> variables;
            if (kv.second.IsMap()) {
                ConfigReader s(section, kv.second, r.child_path("stages") + "." + kv.first.Scalar());
                variables = s.optional_string_map("variables").value_or(variables);
                s.finish();
            } else if (!kv.second.IsNull()) {
                r.fail(kv.second, r.child_path("stages") + "." + kv.first.Scalar(), "expected a mapping (variables:) or nothing");
            }
            api.stages[kv.first.Scalar()] = variables;
        }
    }
    if (api.stages.empty()) api.stages[api.type == ApiType::rest ? "dev" : "$default"] = {};
    for (auto& b : string_list(r, r.node("base_paths"), r.child_path("base_paths"))) {
        while (b.size() > 1 && b.back() == '/') b.pop_back();
        if (b.empty() || b[0] != '/') r.fail(r.node("base_paths"), r.child_path("base_paths"), "base paths start with '/'");
        api.base_paths.push_back(b);
    }
    auto bindings = r.optional_string_map("functions").value_or(std::map<std::string, std::string>{});
    for (const auto& k : string_list(r, r.node("api_keys"), r.child_path("api_keys"))) api.api_keys.insert(k);
    api.binary_media_types = string_list(r, r.node("binary_media_types"), r.child_path("binary_media_types"));
    YAML::Node plans = r.node("usage_plans");
    if (plans.IsDefined() && !plans.IsNull()) {
        if (!plans.IsSequence()) r.fail(plans, r.child_path("usage_plans"), "expected a list of usage plans");
        std::set<std::string> planned_keys;
        for (std::size_t i = 0; i < plans.size(); ++i) {
            std::string plan_path = r.child_path("usage_plans") + "[" + std::to_string(i) + "]";
            if (!plans[i].IsMap()) r.fail(plans[i], plan_path, "expected a mapping (name, api_keys, throttle, quota)");
            ConfigReader p(section, plans[i], plan_path);
            UsagePlan plan;
            plan.name = p.required_string("name");
            plan.api_keys = string_list(p, p.node("api_keys"), p.child_path("api_keys"));
            if (plan.api_keys.empty()) p.fail(plans[i], p.child_path("api_keys"), "a usage plan needs at least one API key");
            for (const auto& k : plan.api_keys) {
                if (!planned_keys.insert(k).second) p.fail(p.node("api_keys"), p.child_path("api_keys"), "key '" + k + "' is in two usage plans of this API");
                api.api_keys.insert(k);
            }
            YAML::Node throttle = p.node("throttle");
            if (throttle.IsDefined() && !throttle.IsNull()) {
                ConfigReader t(section, throttle, p.child_path("throttle"));
                plan.rate_limit = t.optional_int("rate_limit", 1, 10000);
                plan.burst_limit = t.optional_int("burst_limit", 1, 5000);
                if (!plan.rate_limit) t.fail(throttle, t.child_path("rate_limit"), "required (requests per second)");
                t.finish();
            }
            YAML::Node quota = p.node("quota");
            if (quota.IsDefined() && !quota.IsNull()) {
                ConfigReader q(section, quota, p.child_path("quota"));
                plan.quota_limit = q.optional_int("limit", 0, 1LL << 40);
                if (!plan.quota_limit) q.fail(quota, q.child_path("limit"), "required (requests per period)");
                plan.quota_period = q.optional_enum("period", {"DAY", "WEEK", "MONTH"}).value_or("DAY");
                q.finish();
            }
            p.finish();
            api.usage_plans.push_back(std::move(plan));
        }
    }
    YAML::Node cors = r.node("cors");
    if (cors.IsDefined() && !cors.IsNull()) {
        ConfigReader c(section, cors, r.child_path("cors"));
        Cors v;
        v.allow_origins = string_list(c, c.node("allow_origins"), c.child_path("allow_origins"));
        v.allow_methods = string_list(c, c.node("allow_methods"), c.child_path("allow_methods"));
        v.allow_headers = string_list(c, c.node("allow_headers"), c.child_path("allow_headers"));
        v.expose_headers = string_list(c, c.node("expose_headers"), c.child_path("expose_headers"));
        v.max_age = c.optional_int("max_age", 0, 86400);
        v.allow_credentials = c.optional_bool("allow_credentials").value_or(false);
        c.finish();
        api.cors = v;
    }
    r.finish();

    Spec spec;
    spec.file = api.spec;
    try {
        spec.yaml = YAML::LoadFile(api.spec.string());
    } catch (const YAML::BadFile&) {
        r.fail(r.node("spec"), r.child_path("spec"), "cannot read " + api.spec.string());
    } catch (const YAML::Exception& e) {
        throw ConfigError(api.spec.string() + ":" + std::to_string(e.mark.line + 1) + ": the spec does not parse: " + e.msg);
    }
    read_spec(api, spec, bindings, default_payload, function_exists, logger);
    api.document = std::move(spec.doc);
    return api;
}

// The document's API-wide extensions and every operation, into `api`.
void read_spec(Api& api, Spec& spec, const std::map<std::string, std::string>& bindings, int default_payload,
               const std::function<bool(const std::string&)>& function_exists, Logger& logger) {
    spec.doc = yaml_to_json(spec.yaml);
    if (!spec.doc.is_object()) spec.fail(spec.yaml, "not an OpenAPI document");
    spec.swagger = spec.doc.contains("swagger");
    if (!spec.swagger && !spec.doc.contains("openapi")) spec.fail(spec.yaml, "not an OpenAPI 3.0 or Swagger 2.0 document (no 'openapi' or 'swagger' key)");
    for (const char* key : {"x-amazon-apigateway-binary-media-types"})
        if (spec.doc.contains(key))
            for (const auto& t : spec.doc[key]) api.binary_media_types.push_back(t.get<std::string>());
    if (spec.doc.contains("x-amazon-apigateway-cors")) {
        if (api.type == ApiType::rest) logger.warn(api.spec.string() + ": x-amazon-apigateway-cors applies to HTTP APIs; use cors: in lowcloud.yaml for REST APIs");
        else {
            const json& c = spec.doc["x-amazon-apigateway-cors"];
            Cors v;
            auto list = [&](const char* k) { return c.contains(k) ? c[k].get<std::vector<std::string>>() : std::vector<std::string>{}; };
            v.allow_origins = list("allowOrigins");
            v.allow_methods = list("allowMethods");
            v.allow_headers = list("allowHeaders");
            v.expose_headers = list("exposeHeaders");
            if (c.contains("maxAge")) v.max_age = c["maxAge"].get<long long>();
            v.allow_credentials = c.value("allowCredentials", false);
            api.cors = v;
        }
    }
    if (spec.doc.contains("x-amazon-apigateway-gateway-responses")) {
        if (api.type == ApiType::http) {
            logger.warn(api.spec.string() + ": x-amazon-apigateway-gateway-responses applies to REST APIs; HTTP APIs ignore it as AWS does");
        } else {
            try {
                api.gateway_responses = GatewayResponses(spec.doc["x-amazon-apigateway-gateway-responses"]);
            } catch (const std::invalid_argument& e) {
                spec.fail(spec.yaml["x-amazon-apigateway-gateway-responses"], e.what());
            }
        }
    }
    json validators = spec.doc.value("x-amazon-apigateway-request-validators", json::object());
    std::string default_validator = spec.doc.value("x-amazon-apigateway-request-validator", "");
    std::set<std::string> api_key_schemes;
    const json schemes = spec.swagger ? spec.doc.value("securityDefinitions", json::object())
                                      : spec.doc.value("components", json::object()).value("securitySchemes", json::object());
    for (const auto& [name, scheme] : schemes.items())
        if (scheme.value("type", "") == "apiKey" && scheme.value("in", "") == "header") api_key_schemes.insert(name);
    json default_security = spec.doc.value("security", json::array());

    YAML::Node paths = spec.yaml["paths"];
    if (!paths.IsMap()) spec.fail(spec.yaml, "the spec has no paths");
    for (const auto& path_kv : paths) {
        std::string template_path = path_kv.first.Scalar();
        if (template_path.empty() || template_path[0] != '/') spec.fail(path_kv.first, "path '" + template_path + "' must start with '/'");
        json item = spec.resolve(spec.doc["paths"][template_path], path_kv.second, template_path);
        json path_parameters = item.value("parameters", json::array());
        for (const auto& method_kv : path_kv.second) {
            std::string method = method_kv.first.Scalar();
            if (std::find(kMethods.begin(), kMethods.end(), method) == kMethods.end()) continue;  // parameters, summary, ...
            Operation o;
            o.method = method == "x-amazon-apigateway-any-method" ? "ANY" : method;
            std::transform(o.method.begin(), o.method.end(), o.method.begin(), ::toupper);
            o.path = template_path;
            o.payload_version = default_payload;
            read_operation(spec, item[method], method_kv.second, o, path_parameters, validators, default_validator, bindings,
                           api_key_schemes, default_security, api.type, function_exists, logger);
            api.operations.push_back(std::move(o));
        }
    }
}

}  // namespace

std::string api_id_for(const std::string& name) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(name.data(), name.size(), digest, &n, EVP_sha256(), nullptr);
    static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string id;
    for (int i = 0; i < 10; ++i) id += alphabet[digest[i] % 36];
    return id;
}

std::string derived_resource_id(const std::string& api_id, const std::string& path) {
    return api_id_for(api_id + path).substr(0, path == "/" ? 10 : 6);
}

Api api_from_document(Api api, const std::string& document, const std::string& source, Logger& logger) {
    Spec spec;
    spec.file = source;
    try {
        spec.yaml = YAML::Load(document);
    } catch (const YAML::Exception& e) {
        throw ConfigError(source + ":" + std::to_string(e.mark.line + 1) + ": the document does not parse: " + e.msg);
    }
    read_spec(api, spec, {}, api.type == ApiType::http ? 2 : 1, nullptr, logger);
    return api;
}

std::vector<Api> load_apis(const ConfigSection& section, const std::function<bool(const std::string&)>& function_exists, Logger& logger) {
    std::vector<Api> apis;
    auto nodes = config_sequence(section);
    std::set<std::string> names, base_paths;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        apis.push_back(load_one(section, nodes[i], i, function_exists, logger));
        if (!names.insert(apis.back().name).second)
            throw ConfigError(config_location(section, nodes[i]) + ": apis[" + std::to_string(i) + "].name: duplicate API " + apis.back().name);
        for (const auto& b : apis.back().base_paths)
            if (!base_paths.insert(b).second)
                throw ConfigError(config_location(section, nodes[i]) + ": apis[" + std::to_string(i) + "].base_paths: " + b + " is used twice");
    }
    return apis;
}

}  // namespace lowcloud::apigateway
