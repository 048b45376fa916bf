// API Gateway's REST control plane, second half: importing an OpenAPI
// document into the resource model, deployments and stages (compiled and
// published to the data plane), and persistence (see control_plane.hpp).
#include "apigateway/control_plane.hpp"

#include "apigateway/control_plane_common.hpp"

#include "common/config.hpp"
#include "common/encoding.hpp"
#include "common/ids.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <regex>
#include <set>

namespace lowcloud::apigateway {

using nlohmann::json;
namespace fs = std::filesystem;
using namespace control;

namespace {







const std::vector<std::string> kSpecMethods = {"get", "put", "post", "delete", "options", "head", "patch", "x-amazon-apigateway-any-method"};

std::string verb_of(const std::string& spec_method) {
    if (spec_method == "x-amazon-apigateway-any-method") return "ANY";
    std::string v = spec_method;
    std::transform(v.begin(), v.end(), v.begin(), ::toupper);
    return v;
}

std::string spec_method_of(const std::string& verb) {
    if (verb == "ANY") return "x-amazon-apigateway-any-method";
    std::string v = verb;
    std::transform(v.begin(), v.end(), v.begin(), ::tolower);
    return v;
}

// The base path an import may prepend: Swagger's basePath, or for OpenAPI 3
// the first server's `basePath` variable (AWS uses it even when the URL does
// not), else the path of its URL with variables substituted.
std::string base_path_of(const json& doc) {
    std::string base;
    if (doc.contains("basePath") && doc["basePath"].is_string()) {
        base = doc["basePath"];
    } else if (doc.contains("servers") && doc["servers"].is_array() && !doc["servers"].empty() && doc["servers"][0].is_object()) {
        const json& server = doc["servers"][0];
        json variables = server.contains("variables") && server["variables"].is_object() ? server["variables"] : json::object();
        if (variables.contains("basePath") && variables["basePath"].is_object()) {
            base = variables["basePath"].value("default", "");
        } else {
            std::string url = server.value("url", "");
            for (const auto& [name, v] : variables.items()) {
                std::string token = "{" + name + "}";
                std::string value = v.is_object() ? v.value("default", "") : "";
                for (auto at = url.find(token); at != std::string::npos; at = url.find(token)) url.replace(at, token.size(), value);
            }
            auto scheme = url.find("://");
            auto slash = scheme == std::string::npos ? url.find('/') : url.find('/', scheme + 3);
            base = slash == std::string::npos ? "" : url.substr(slash);
        }
    }
    std::string clean;  // one slash between segments, a leading one, none trailing
    for (char c : base)
        if (!(c == '/' && !clean.empty() && clean.back() == '/')) clean += c;
    if (!clean.empty() && clean[0] != '/') clean = "/" + clean;
    while (clean.size() > 1 && clean.back() == '/') clean.pop_back();
    return clean == "/" ? "" : clean;
}

json integration_extension(const json& i) {
    json x = {{"type", i.value("type", "")}};
    std::string type = x["type"];
    std::transform(type.begin(), type.end(), type.begin(), ::tolower);
    x["type"] = type;
    for (const char* k : {"httpMethod", "uri", "credentials", "passthroughBehavior", "requestTemplates", "requestParameters", "timeoutInMillis",
                          "contentHandling", "connectionType"})
        if (i.contains(k)) x[k] = i[k];
    // Integration responses are keyed by status code in the API, by selection pattern in OpenAPI.
    if (i.contains("integrationResponses")) {
        json responses = json::object();
        for (const auto& [status, r] : i["integrationResponses"].items()) {
            json out = {{"statusCode", status}};
            for (const char* k : {"responseParameters", "responseTemplates", "contentHandling"})
                if (r.contains(k)) out[k] = r[k];
            responses[r.value("selectionPattern", "") == "" ? "default" : r["selectionPattern"].get<std::string>()] = out;
        }
        x["responses"] = responses;
    }
    return x;
}

json stage_json(const std::string& name, const std::string& deployment, const std::string& description, long long created, long long updated,
                const std::map<std::string, std::string>& variables) {
    json j = {{"deploymentId", deployment}, {"stageName", name}, {"cacheClusterEnabled", false}, {"cacheClusterStatus", "NOT_AVAILABLE"},
              {"methodSettings", json::object()}, {"tracingEnabled", false}, {"createdDate", created}, {"lastUpdatedDate", updated}};
    if (!description.empty()) j["description"] = description;
    if (!variables.empty()) j["variables"] = variables;
    return j;
}

void check_stage_name(const std::string& name) {
    static const std::regex re(R"([A-Za-z0-9_\-]{1,128})");
    if (!std::regex_match(name, re)) throw bad_request("Stage name only allows a-zA-Z0-9_");
}

void check_variables(const std::map<std::string, std::string>& variables) {
    static const std::regex name(R"([A-Za-z0-9_]{1,64})"), value(R"([A-Za-z0-9\-._~:/?#&=,]{0,512})");
    for (const auto& [k, v] : variables) {
        if (!std::regex_match(k, name)) throw bad_request("Stage variable names must match [A-Za-z0-9_]{1,64}: " + k);
        if (!std::regex_match(v, value)) throw bad_request("Stage variable value " + v + " does not match [A-Za-z0-9-._~:/?#&=,]+");
    }
}

}  // namespace

http::Response ControlPlane::import_api(const http::Request& request, const std::string& existing) {
    bool fail_on_warnings = query_parameter(request.query(), "failonwarnings") == "true";
    std::string basepath = query_parameter(request.query(), "basepath");
    if (basepath.empty()) basepath = "ignore";
    if (basepath != "ignore" && basepath != "prepend" && basepath != "split")
        throw bad_request("Invalid basepath parameter value '" + basepath + "': expected ignore, prepend or split");
    std::string endpoint = query_parameter(request.query(), "endpointConfigurationTypes");
    if (endpoint.empty()) endpoint = "EDGE";
    if (endpoint != "EDGE" && endpoint != "REGIONAL" && endpoint != "PRIVATE")
        throw bad_request("Invalid endpointConfigurationTypes '" + endpoint + "': expected EDGE, REGIONAL or PRIVATE");

    YAML::Node yaml;
    try {
        yaml = YAML::Load(request.body);
    } catch (const YAML::Exception& e) {
        throw bad_request("Invalid OpenAPI input: the document does not parse at line " + std::to_string(e.mark.line + 1) + ", column " +
                          std::to_string(e.mark.column + 1) + ": " + e.msg);
    }
    json doc = yaml_to_json(yaml);
    std::vector<std::string> warnings;
    RestApi api = build_rest_api(doc, basepath, endpoint, warnings);
    if (fail_on_warnings && !warnings.empty()) {
        std::string text = "Warnings found during import:";
        for (const auto& w : warnings) text += "\n\t" + w;
        throw bad_request(text);
    }
    return store_import(request, existing, std::move(api), warnings);
}

ControlPlane::RestApi ControlPlane::build_rest_api(const json& doc, const std::string& basepath, const std::string& endpoint,
                                                   std::vector<std::string>& warnings) const {
    if (!doc.is_object() || (!doc.contains("openapi") && !doc.contains("swagger")))
        throw bad_request("Invalid OpenAPI input: not an OpenAPI 3 or Swagger 2 document (no 'openapi' or 'swagger' field)");
    std::string name = doc.value("info", json::object()).value("title", "");
    if (name.empty()) throw bad_request("Invalid OpenAPI input: info.title, the API's name, is required");
    // Security schemes API Gateway cannot turn into authorizers are warnings.
    const json schemes = doc.contains("swagger") ? doc.value("securityDefinitions", json::object())
                                                 : doc.value("components", json::object()).value("securitySchemes", json::object());
    std::set<std::string> api_key_schemes;
    for (const auto& [scheme, def] : schemes.items()) {
        std::string type = def.value("type", "");
        if (type == "apiKey" && def.value("in", "") == "header") api_key_schemes.insert(scheme);
        else if (!def.contains("x-amazon-apigateway-authorizer"))
            warnings.push_back("Unsupported security definition type '" + type + "' for '" + scheme + "'. Ignoring.");
    }
    std::string base = basepath == "ignore" ? "" : base_path_of(doc);
    if (basepath == "split" && !base.empty()) {
        auto second = base.find('/', 1);
        base = second == std::string::npos ? "" : base.substr(second);
    }

    RestApi api;
    api.id = lower_id(10);
    while (apis_.count(api.id)) api.id = lower_id(10);
    api.name = name;
    api.description = doc.value("info", json::object()).value("description", "");
    api.version = doc.value("info", json::object()).contains("version") && doc["info"]["version"].is_string() ? doc["info"]["version"].get<std::string>() : "";
    api.created = now_seconds();
    api.endpoint_type = endpoint;
    if (doc.contains("x-amazon-apigateway-binary-media-types") && doc["x-amazon-apigateway-binary-media-types"].is_array())
        for (const auto& t : doc["x-amazon-apigateway-binary-media-types"]) api.binary_media_types.push_back(t.get<std::string>());
    api.base = doc;
    api.base.erase("paths");
    Resource root;
    root.id = lower_id(10);
    root.path = "/";
    api.resources[root.id] = root;
    auto resource_for = [&](const std::string& path) -> Resource& {
        std::string current = "/";
        std::string parent = root.id;
        std::size_t start = 1;
        while (start < path.size()) {
            auto slash = path.find('/', start);
            std::string part = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
            start = slash == std::string::npos ? path.size() : slash + 1;
            if (part.empty()) continue;
            current = (current == "/" ? "" : current) + "/" + part;
            auto it = std::find_if(api.resources.begin(), api.resources.end(), [&](const auto& kv) { return kv.second.path == current; });
            if (it == api.resources.end()) {
                Resource r;
                r.id = lower_id(6);
                r.parent_id = parent;
                r.path_part = part;
                r.path = current;
                it = api.resources.emplace(r.id, r).first;
            }
            parent = it->first;
        }
        return api.resources[parent];
    };
    json paths = doc.value("paths", json::object());
    for (const auto& [path, item] : paths.items()) {
        if (path.empty() || path[0] != '/') {
            warnings.push_back("Invalid path '" + path + "': paths start with '/'; it is ignored");
            continue;
        }
        Resource& res = resource_for(base + path);
        json path_parameters = item.value("parameters", json::array());
        for (const auto& [spec_method, op] : item.items()) {
            if (std::find(kSpecMethods.begin(), kSpecMethods.end(), spec_method) == kSpecMethods.end()) continue;
            Method m;
            std::string verb = verb_of(spec_method);
            m.operation = op;
            m.operation.erase("x-amazon-apigateway-integration");
            if (!path_parameters.empty()) {
                json merged = path_parameters;
                for (const auto& p : op.value("parameters", json::array())) merged.push_back(p);
                m.operation["parameters"] = merged;
            }
            m.doc = {{"httpMethod", verb}, {"authorizationType", "NONE"}, {"apiKeyRequired", false}};
            if (op.contains("operationId")) m.doc["operationName"] = op["operationId"];
            json request_parameters = json::object();
            for (const auto& p : m.operation.value("parameters", json::array())) {
                if (!p.is_object() || p.contains("$ref")) continue;
                std::string in = p.value("in", "");
                std::string where = in == "query" ? "querystring" : in;
                if (where == "path" || where == "querystring" || where == "header")
                    request_parameters["method.request." + where + "." + p.value("name", "")] = p.value("required", false) || in == "path";
            }
            if (!request_parameters.empty()) m.doc["requestParameters"] = request_parameters;
            // Method responses, from the operation's responses (status codes only, as AWS imports them).
            if (op.contains("responses") && op["responses"].is_object())
                for (const auto& [status, r] : op["responses"].items()) {
                    if (status.size() != 3 || !std::all_of(status.begin(), status.end(), ::isdigit)) continue;
                    json response = {{"statusCode", status}};
                    if (r.is_object() && r.contains("headers") && r["headers"].is_object())
                        for (const auto& [name, h] : r["headers"].items()) response["responseParameters"]["method.response.header." + name] = false;
                    m.doc["methodResponses"][status] = response;
                }
            json security = op.contains("security") ? op["security"] : doc.value("security", json::array());
            for (const auto& requirement : security)
                if (requirement.is_object())
                    for (const auto& [scheme, scopes] : requirement.items())
                        if (api_key_schemes.count(scheme)) m.doc["apiKeyRequired"] = true;
            if (op.contains("x-amazon-apigateway-integration")) {
                const json& x = op["x-amazon-apigateway-integration"];
                std::string type = x.value("type", "");
                std::transform(type.begin(), type.end(), type.begin(), ::toupper);
                json integration = {{"type", type}, {"passthroughBehavior", x.value("passthroughBehavior", "WHEN_NO_MATCH")},
                                    {"timeoutInMillis", x.value("timeoutInMillis", 29000)}, {"cacheNamespace", res.id},
                                    {"cacheKeyParameters", json::array()}};
                for (const char* k : {"httpMethod", "uri", "credentials", "requestTemplates", "requestParameters", "contentHandling", "connectionType"})
                    if (x.contains(k)) integration[k] = x[k];
                if (x.contains("responses") && x["responses"].is_object()) {
                    json responses = json::object();
                    for (const auto& [pattern, r] : x["responses"].items()) {
                        if (!r.is_object() || !r.contains("statusCode")) continue;
                        std::string status = r["statusCode"].is_string() ? r["statusCode"].get<std::string>() : r["statusCode"].dump();
                        json out = {{"statusCode", status}};
                        if (pattern != "default") out["selectionPattern"] = pattern;
                        for (const char* k : {"responseParameters", "responseTemplates", "contentHandling"})
                            if (r.contains(k)) out[k] = r[k];
                        responses[status] = out;
                    }
                    integration["integrationResponses"] = responses;
                }
                m.integration = integration;
                if (type == "AWS" && x.value("uri", "").find(":lambda:path/") == std::string::npos)
                    warnings.push_back("lowcloud integrates AWS services through Lambda only: " + verb + " " + res.path + " (" + x.value("uri", "") +
                                       ") will answer 500 Internal server error");
            }
            res.methods[verb] = m;
        }
    }
    return api;
}

http::Response ControlPlane::store_import(const http::Request& request, const std::string& existing, RestApi api, const std::vector<std::string>& warnings) {
    std::string name = api.name;
    if (!existing.empty()) {  // PutRestApi: the document into an existing API
        RestApi& old = api_locked(existing);
        std::string mode = query_parameter(request.query(), "mode");
        if (mode.empty()) mode = "merge";
        if (mode != "merge" && mode != "overwrite") throw bad_request("Invalid mode '" + mode + "': expected merge or overwrite");
        if (mode == "overwrite") {
            old.name = api.name;
            old.description = api.description;
            old.version = api.version;
            old.base = api.base;
            old.binary_media_types = api.binary_media_types;
            old.resources = std::move(api.resources);
        } else {
            // Paths already there keep their resource ids; their methods are replaced verb by verb.
            std::vector<const Resource*> incoming;
            for (const auto& [rid, r] : api.resources) incoming.push_back(&r);
            std::sort(incoming.begin(), incoming.end(), [](const Resource* a, const Resource* b) { return a->path.size() < b->path.size(); });
            std::map<std::string, std::string> id_by_path;
            for (const auto& [rid, r] : old.resources) id_by_path[r.path] = rid;
            for (const Resource* r : incoming) {
                auto same = id_by_path.find(r->path);
                if (same != id_by_path.end()) {
                    for (const auto& [verb, m] : r->methods) old.resources[same->second].methods[verb] = m;
                    continue;
                }
                Resource copy = *r;
                std::string parent_path = copy.path.substr(0, copy.path.rfind('/'));
                copy.parent_id = id_by_path[parent_path.empty() ? "/" : parent_path];
                id_by_path[copy.path] = copy.id;
                old.resources[copy.id] = copy;
            }
            for (const auto& [k, v] : api.base.items()) old.base[k] = v;
        }
        save_locked();
        json out = api_json(old);
        if (!warnings.empty()) out["warnings"] = warnings;
        return reply(200, out);
    }
    std::string id = api.id;
    apis_[id] = std::move(api);
    save_locked();
    logger_.info("api " + name + " imported as REST API " + id);
    json out = api_json(apis_[id]);
    if (!warnings.empty()) out["warnings"] = warnings;
    return reply(201, out);
}

std::string ControlPlane::document_locked(const RestApi& api) const {
    json doc = api.base.is_object() ? api.base : json{{"openapi", "3.0.1"}, {"info", {{"title", api.name}, {"version", "1"}}}};
    json paths = json::object();
    bool any = false;
    for (const auto& [id, r] : api.resources) {
        if (r.methods.empty()) continue;
        json item = json::object();
        for (const auto& [verb, m] : r.methods) {
            if (m.integration.is_null()) throw bad_request("No integration defined for method");
            json op = m.operation.is_object() ? m.operation : json::object();
            op["x-amazon-apigateway-integration"] = integration_extension(m.integration);
            if (m.doc.value("apiKeyRequired", false) && !op.contains("security")) {
                doc["components"]["securitySchemes"]["api_key"] = {{"type", "apiKey"}, {"name", "x-api-key"}, {"in", "header"}};
                op["security"] = json::array({{{"api_key", json::array()}}});
            }
            item[spec_method_of(verb)] = op;
            any = true;
        }
        paths[r.path] = item;
    }
    if (!any) throw bad_request("The REST API doesn't contain any methods");
    doc["paths"] = paths;
    if (!api.binary_media_types.empty()) doc["x-amazon-apigateway-binary-media-types"] = api.binary_media_types;
    return doc.dump();
}

http::Response ControlPlane::create_deployment(RestApi& api, const json& body) {
    Deployment d;
    d.document = document_locked(api);
    d.id = lower_id(6);
    d.description = body.value("description", "");
    d.created = now_seconds();
    std::string stage = body.value("stageName", "");
    std::map<std::string, std::string> variables;
    if (body.contains("variables") && body["variables"].is_object())
        for (const auto& [k, v] : body["variables"].items()) variables[k] = v.is_string() ? v.get<std::string>() : v.dump();
    check_variables(variables);
    if (!stage.empty()) check_stage_name(stage);
    // Compiled once here so a document the data plane cannot serve is refused now.
    try {
        Api probe;
        probe.name = api.name;
        probe.id = api.id;
        probe.stages[stage.empty() ? "probe" : stage] = variables;
        api_from_document(probe, d.document, "REST API " + api.id, logger_);
    } catch (const ConfigError& e) {
        throw bad_request(std::string("The deployment cannot be served: ") + e.what());
    }
    api.deployments[d.id] = d;
    if (!stage.empty()) {
        Stage& s = api.stages[stage];
        if (s.name.empty()) {
            s.name = stage;
            s.created = d.created;
        }
        s.deployment_id = d.id;
        s.updated = d.created;
        if (body.contains("stageDescription")) s.description = body.value("stageDescription", "");
        for (const auto& [k, v] : variables) s.variables[k] = v;
        publish_stage_locked(api, s);
    }
    save_locked();
    json out = {{"id", d.id}, {"createdDate", d.created}};
    if (!d.description.empty()) out["description"] = d.description;
    return reply(201, out);
}

void ControlPlane::publish_stage_locked(const RestApi& api, const Stage& stage) {
    auto d = api.deployments.find(stage.deployment_id);
    if (d == api.deployments.end()) return;
    Api compiled;
    compiled.name = api.name;
    compiled.id = api.id;
    compiled.type = ApiType::rest;
    compiled.stages[stage.name] = stage.variables;
    compiled = api_from_document(compiled, d->second.document, "REST API " + api.id, logger_);
    overlay_manifest(api.manifest, compiled, stage.name);
    // The event's requestContext.resourceId is the resource's id, as
    // get-resources lists it, computed here once rather than per request;
    // a path whose resource was deleted since the deployment gets a derived one.
    std::map<std::string, std::string> id_by_path;
    for (const auto& [id, r] : api.resources) id_by_path[r.path] = id;
    for (auto& op : compiled.operations) {
        auto it = id_by_path.find(op.path);
        op.resource_id = it != id_by_path.end() ? it->second : derived_resource_id(api.id, op.path);
    }
    publish_(api.id, stage.name, std::make_shared<const Api>(std::move(compiled)));
}

http::Response ControlPlane::stage_api(RestApi& api, const std::vector<std::string>& parts, const http::Request& request, const json& body) {
    const std::string& m = request.method;
    if (parts.size() == 3) {
        if (m == "GET") {
            json items = json::array();
            for (const auto& [name, s] : api.stages) items.push_back(stage_json(name, s.deployment_id, s.description, s.created, s.updated, s.variables));
            return reply(200, {{"item", items}});
        }
        if (m == "POST") {
            std::string name = body.value("stageName", "");
            check_stage_name(name);
            std::string deployment = body.value("deploymentId", "");
            if (!api.deployments.count(deployment)) throw bad_request("Invalid deployment identifier specified");
            if (api.stages.count(name)) throw conflict("Stage already exists");
            Stage s;
            s.name = name;
            s.deployment_id = deployment;
            s.description = body.value("description", "");
            s.created = s.updated = now_seconds();
            if (body.contains("variables") && body["variables"].is_object())
                for (const auto& [k, v] : body["variables"].items()) s.variables[k] = v.is_string() ? v.get<std::string>() : v.dump();
            check_variables(s.variables);
            api.stages[name] = s;
            publish_stage_locked(api, s);
            save_locked();
            return reply(201, stage_json(name, s.deployment_id, s.description, s.created, s.updated, s.variables));
        }
        throw bad_request("Unsupported operation " + m + " on stages");
    }
    auto it = api.stages.find(parts[3]);
    if (it == api.stages.end()) throw not_found("Invalid Stage identifier specified");
    Stage& s = it->second;
    if (m == "GET") return reply(200, stage_json(s.name, s.deployment_id, s.description, s.created, s.updated, s.variables));
    if (m == "DELETE") {
        publish_(api.id, s.name, nullptr);
        api.stages.erase(it);
        save_locked();
        return empty_reply(202);
    }
    if (m == "PATCH") {
        Stage next = s;
        for (const auto& op : body.value("patchOperations", json::array())) {
            std::string kind = op.value("op", ""), path = op.value("path", ""), value = op.value("value", "");
            if (path.rfind("/variables/", 0) == 0 && path.size() > 11) {
                std::string var = path.substr(11);
                if (kind == "replace" || kind == "add") next.variables[var] = value;
                else if (kind == "remove") next.variables.erase(var);
                else throw bad_request("Invalid patch operation specified. Must be 'add'|'remove'|'replace'|'move'|'copy'|'test'");
            } else if (path == "/description" && (kind == "replace" || kind == "add")) {
                next.description = value;
            } else if (path == "/deploymentId" && kind == "replace") {
                if (!api.deployments.count(value)) throw bad_request("Invalid deployment identifier specified");
                next.deployment_id = value;
            } else {
                throw bad_request("Invalid patch path '" + path + "' specified for op '" + kind + "'. lowcloud patches /variables/*, /description and /deploymentId of a stage");
            }
        }
        check_variables(next.variables);
        next.updated = now_seconds();
        s = next;
        publish_stage_locked(api, s);
        save_locked();
        return reply(200, stage_json(s.name, s.deployment_id, s.description, s.created, s.updated, s.variables));
    }
    throw bad_request("Unsupported operation " + m + " on a stage");
}

void ControlPlane::save_locked() const {
    if (options_.data_dir.empty()) return;
    json out = json::array();
    for (const auto& [id, api] : apis_) {
        if (api.manifest) continue;  // lowcloud.yaml's: applied again at every start
        json resources = json::array();
        for (const auto& [rid, r] : api.resources) {
            json methods = json::object();
            for (const auto& [verb, m] : r.methods) methods[verb] = {{"doc", m.doc}, {"operation", m.operation}, {"integration", m.integration}};
            resources.push_back({{"id", r.id}, {"parent_id", r.parent_id}, {"path_part", r.path_part}, {"path", r.path}, {"methods", methods}});
        }
        json deployments = json::array(), stages = json::array();
        for (const auto& [did, d] : api.deployments)
            deployments.push_back({{"id", d.id}, {"description", d.description}, {"created", d.created}, {"document", d.document}});
        for (const auto& [name, s] : api.stages)
            stages.push_back({{"name", s.name}, {"deployment_id", s.deployment_id}, {"description", s.description}, {"created", s.created},
                              {"updated", s.updated}, {"variables", s.variables}});
        out.push_back({{"id", api.id}, {"name", api.name}, {"description", api.description}, {"version", api.version}, {"created", api.created},
                       {"binary_media_types", api.binary_media_types}, {"endpoint_type", api.endpoint_type}, {"base", api.base},
                       {"resources", resources}, {"deployments", deployments}, {"stages", stages}});
    }
    json domains = json::array();
    for (const auto& [name, d] : domains_) {
        json mappings = json::array();
        for (const auto& mp : d.mappings) mappings.push_back({{"id", mp.id}, {"base_path", mp.base_path}, {"api_id", mp.api_id}, {"stage", mp.stage}});
        domains.push_back({{"name", d.name}, {"certificate", d.certificate}, {"endpoint_type", d.endpoint_type}, {"mappings", mappings}});
    }
    fs::create_directories(options_.data_dir);
    fs::path tmp = options_.data_dir / "apigateway.json.tmp";
    {
        std::ofstream f(tmp, std::ios::trunc);
        f << json{{"format", 1}, {"rest_apis", out}, {"http_apis", save_http_locked()}, {"domain_names", domains}}.dump(1);
    }
    fs::rename(tmp, options_.data_dir / "apigateway.json");
}

void ControlPlane::restore() {
    if (options_.data_dir.empty()) return;
    fs::path file = options_.data_dir / "apigateway.json";
    std::ifstream in(file);
    if (!in) return;
    json doc = json::parse(in, nullptr, false);
    if (doc.is_discarded() || !doc.contains("rest_apis"))
        throw std::runtime_error(file.string() + ": not lowcloud's API Gateway data (remove it to start without it)");
    std::lock_guard lock(mutex_);
    for (const auto& a : doc["rest_apis"]) {
        RestApi api;
        api.id = a.at("id");
        api.name = a.value("name", "");
        api.description = a.value("description", "");
        api.version = a.value("version", "");
        api.created = a.value("created", 0LL);
        api.binary_media_types = a.value("binary_media_types", std::vector<std::string>{});
        api.endpoint_type = a.value("endpoint_type", "EDGE");
        api.base = a.value("base", json::object());
        for (const auto& r : a.value("resources", json::array())) {
            Resource res;
            res.id = r.at("id");
            res.parent_id = r.value("parent_id", "");
            res.path_part = r.value("path_part", "");
            res.path = r.value("path", "/");
            json methods = r.value("methods", json::object());
            for (const auto& [verb, m] : methods.items()) res.methods[verb] = Method{m.value("doc", json::object()), m.value("operation", json::object()), m.value("integration", json())};
            api.resources[res.id] = res;
        }
        for (const auto& d : a.value("deployments", json::array()))
            api.deployments[d.at("id")] = Deployment{d.at("id"), d.value("description", ""), d.value("created", 0LL), d.value("document", "")};
        for (const auto& s : a.value("stages", json::array())) {
            Stage st;
            st.name = s.at("name");
            st.deployment_id = s.value("deployment_id", "");
            st.description = s.value("description", "");
            st.created = s.value("created", 0LL);
            st.updated = s.value("updated", 0LL);
            st.variables = s.value("variables", std::map<std::string, std::string>{});
            api.stages[st.name] = st;
        }
        std::string id = api.id;
        apis_[id] = std::move(api);
        for (const auto& [name, st] : apis_[id].stages) {
            try {
                publish_stage_locked(apis_[id], st);
            } catch (const std::exception& e) {
                logger_.warn("api " + apis_[id].name + " stage " + name + " cannot be served: " + e.what());
            }
        }
    }
    restore_http_locked(doc.value("http_apis", json::array()));
    for (const auto& d : doc.value("domain_names", json::array())) {
        Domain domain;
        domain.name = d.at("name");
        domain.certificate = d.value("certificate", "");
        domain.endpoint_type = d.value("endpoint_type", "EDGE");
        for (const auto& mp : d.value("mappings", json::array()))
            domain.mappings.push_back(Mapping{mp.value("id", ""), mp.value("base_path", ""), mp.value("api_id", ""), mp.value("stage", "")});
        publish_domain_(domain.name, domain.mappings);
        domains_[domain.name] = domain;
    }
    logger_.info("restored " + std::to_string(apis_.size()) + " REST APIs and " + std::to_string(domains_.size()) + " domain names from " + file.string());
}

json ControlPlane::health() const {
    std::lock_guard lock(mutex_);
    json apis = json::object();
    for (const auto& [id, api] : apis_) {
        json stages = json::array();
        for (const auto& [name, s] : api.stages) stages.push_back(name);
        apis[id] = {{"name", api.name}, {"type", "rest"}, {"resources", api.resources.size()}, {"stages", stages}};
    }
    for (const auto& [id, api] : http_apis_) {
        json stages = json::array();
        for (const auto& [name, s] : api.stages) stages.push_back(name);
        apis[id] = {{"name", api.name}, {"type", "http"}, {"routes", api.routes.size()}, {"stages", stages}};
    }
    return apis;
}

}  // namespace lowcloud::apigateway

namespace lowcloud::apigateway {

using namespace control;

namespace {

// $refs between the dialects' component homes.
void rewrite_refs(json& v, const std::string& from, const std::string& to) {
    if (v.is_object()) {
        for (auto& [k, child] : v.items()) {
            if (k == "$ref" && child.is_string() && child.get<std::string>().rfind(from, 0) == 0) child = to + child.get<std::string>().substr(from.size());
            else rewrite_refs(child, from, to);
        }
    } else if (v.is_array()) {
        for (auto& child : v) rewrite_refs(child, from, to);
    }
}

void strip_extensions(json& v) {
    if (v.is_object()) {
        for (auto it = v.begin(); it != v.end();) {
            if (it.key().rfind("x-amazon-apigateway", 0) == 0) it = v.erase(it);
            else {
                strip_extensions(*it);
                ++it;
            }
        }
    } else if (v.is_array()) {
        for (auto& child : v) strip_extensions(child);
    }
}

// OpenAPI 3 -> Swagger 2 (the parts API Gateway uses).
json to_swagger(json doc) {
    json out = {{"swagger", "2.0"}, {"info", doc.value("info", json::object())}, {"paths", json::object()}};
    json schemes = doc.value("components", json::object()).value("securitySchemes", json::object());
    if (!schemes.empty()) out["securityDefinitions"] = schemes;
    json schemas = doc.value("components", json::object()).value("schemas", json::object());
    for (const auto& [k, v] : doc.items())
        if (k.rfind("x-", 0) == 0) out[k] = v;
    json paths = doc.value("paths", json::object());
    for (auto& [path, item] : paths.items()) {
        for (auto& [method, op] : item.items()) {
            if (!op.is_object()) continue;
            json params = json::array();
            for (auto p : op.value("parameters", json::array())) {
                if (p.contains("schema")) {
                    for (const auto& [k, v] : p["schema"].items()) p[k] = v;
                    p.erase("schema");
                }
                params.push_back(p);
            }
            if (op.contains("requestBody")) {
                json content = op["requestBody"].value("content", json::object());
                json schema = content.contains("application/json") ? content["application/json"].value("schema", json::object()) : json::object();
                params.push_back({{"in", "body"}, {"name", "body"}, {"required", op["requestBody"].value("required", false)}, {"schema", schema}});
                op.erase("requestBody");
            }
            if (!params.empty()) op["parameters"] = params;
            if (op.contains("responses"))
                for (auto& [code, r] : op["responses"].items())
                    if (r.contains("content")) {
                        for (const auto& [type, c] : r["content"].items())
                            if (c.contains("schema")) r["schema"] = c["schema"];
                        r.erase("content");
                    }
            out["paths"][path][method] = op;
        }
    }
    if (!schemas.empty()) out["definitions"] = schemas;
    rewrite_refs(out, "#/components/schemas/", "#/definitions/");
    return out;
}

// Swagger 2 -> OpenAPI 3 (the parts API Gateway uses).
json to_openapi(json doc) {
    json out = {{"openapi", "3.0.1"}, {"info", doc.value("info", json::object())}, {"paths", json::object()}};
    json components = json::object();
    if (doc.contains("definitions")) components["schemas"] = doc["definitions"];
    if (doc.contains("securityDefinitions")) components["securitySchemes"] = doc["securityDefinitions"];
    if (!components.empty()) out["components"] = components;
    for (const auto& [k, v] : doc.items())
        if (k.rfind("x-", 0) == 0) out[k] = v;
    json paths = doc.value("paths", json::object());
    for (auto& [path, item] : paths.items()) {
        for (auto& [method, op] : item.items()) {
            if (!op.is_object()) continue;
            json params = json::array();
            for (auto p : op.value("parameters", json::array())) {
                if (p.value("in", "") == "body") {
                    op["requestBody"] = {{"required", p.value("required", false)},
                                         {"content", {{"application/json", {{"schema", p.value("schema", json::object())}}}}}};
                    continue;
                }
                json schema = json::object();
                for (const char* k : {"type", "format", "enum", "items"})
                    if (p.contains(k)) {
                        schema[k] = p[k];
                        p.erase(k);
                    }
                if (!schema.empty()) p["schema"] = schema;
                params.push_back(p);
            }
            if (params.empty()) op.erase("parameters");
            else op["parameters"] = params;
            if (op.contains("responses"))
                for (auto& [code, r] : op["responses"].items())
                    if (r.contains("schema")) {
                        r["content"] = {{"application/json", {{"schema", r["schema"]}}}};
                        r.erase("schema");
                    }
            out["paths"][path][method] = op;
        }
    }
    rewrite_refs(out, "#/definitions/", "#/components/schemas/");
    return out;
}

// JSON -> YAML text; strings that YAML would read as something else
// ("2.0", "true", "null") are quoted, so the document reads back the same.
void emit_yaml(YAML::Emitter& out, const json& v) {
    static const std::regex plain_unsafe(R"([-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?|true|false|True|False|TRUE|FALSE|null|Null|NULL|~|yes|no|on|off|)");
    if (v.is_object()) {
        out << YAML::BeginMap;
        for (const auto& [k, child] : v.items()) {
            out << YAML::Key << k << YAML::Value;
            emit_yaml(out, child);
        }
        out << YAML::EndMap;
    } else if (v.is_array()) {
        out << YAML::BeginSeq;
        for (const auto& child : v) emit_yaml(out, child);
        out << YAML::EndSeq;
    } else if (v.is_string()) {
        const std::string& s = v.get_ref<const std::string&>();
        if (std::regex_match(s, plain_unsafe)) out << YAML::DoubleQuoted << s;
        else out << s;
    } else if (v.is_null()) {
        out << YAML::Null;
    } else {
        out << v.dump();
    }
}

}  // namespace

http::Response ControlPlane::export_api(const RestApi& api, const std::string& stage, const std::string& type, const http::Request& request) const {
    auto s = api.stages.find(stage);
    if (s == api.stages.end()) throw not_found("Invalid Stage identifier specified");
    auto d = api.deployments.find(s->second.deployment_id);
    if (d == api.deployments.end()) throw not_found("Invalid Stage identifier specified");
    if (type != "oas30" && type != "swagger") throw bad_request("Invalid export type: " + type + " (oas30 or swagger)");
    json doc = json::parse(d->second.document);
    std::string extensions = query_parameter(request.query(), "extensions");
    if (extensions.find("integrations") == std::string::npos && extensions.find("apigateway") == std::string::npos) strip_extensions(doc);
    bool swagger = doc.contains("swagger");
    if (type == "swagger" && !swagger) doc = to_swagger(doc);
    if (type == "oas30" && swagger) doc = to_openapi(doc);
    doc.erase("servers");
    doc.erase("basePath");
    std::string host = api.id + ".execute-api." + options_.region + ".amazonaws.com";
    if (type == "swagger") {
        doc["host"] = host;
        doc["basePath"] = "/" + stage;
        doc["schemes"] = {"https"};
    } else {
        doc["servers"] = {{{"url", "https://" + host + "/{basePath}"}, {"variables", {{"basePath", {{"default", stage}}}}}}};
    }
    std::string accept(request.header("Accept"));
    http::Response r;
    if (accept.find("yaml") != std::string::npos) {
        YAML::Emitter out;
        emit_yaml(out, doc);
        r = http::Response::text(200, out.c_str(), "application/yaml");
    } else {
        r = http::Response::text(200, doc.dump(2), "application/json");
    }
    r.set_header("Content-Disposition", "attachment; filename=\"" + api.name + "-" + stage + "-" + type + ".json\"");
    r.set_header("x-amzn-RequestId", random_uuid());
    return r;
}

}  // namespace lowcloud::apigateway
