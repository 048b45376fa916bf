// API Gateway's control plane for HTTP APIs (apigatewayv2, /v2/apis): APIs,
// quick create, import and reimport, routes, integrations (Lambda proxy,
// payload 1.0 or 2.0), stages (auto-deploy) and deployments. A deployment is
// an OpenAPI document generated from the routes, compiled and served like
// every other API (see control_plane.hpp).
#include "apigateway/control_plane.hpp"

#include "apigateway/control_plane_common.hpp"

#include "common/config.hpp"
#include "common/ids.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <regex>

namespace lowcloud::apigateway {

using nlohmann::json;
using namespace control;

namespace {






// "GET /watch/{sku}", "ANY /x", "$default"
void check_route_key(const std::string& key) {
    static const std::regex re(R"((GET|PUT|POST|DELETE|PATCH|HEAD|OPTIONS|ANY) /[^ ]*)");
    if (key != "$default" && !std::regex_match(key, re))
        throw bad_request("Unable to create route " + key + ": the route key must be $default or 'METHOD /path'");
}

// A Lambda integration URI as the gateway's document holds it.
std::string lambda_path_uri(const std::string& uri, const std::string& region) {
    if (uri.rfind("arn:aws:lambda:", 0) == 0 || uri.rfind("arn:aws-", 0) == 0)
        return "arn:aws:apigateway:" + region + ":lambda:path/2015-03-31/functions/" + uri + "/invocations";
    return uri;
}


// apigatewayv2's CorsConfiguration, checked member by member (the same
// camelCase shape as x-amazon-apigateway-cors).
json cors_configuration(const json& c) {
    if (!c.is_object()) throw bad_request("Invalid CorsConfiguration: expected an object");
    json out = json::object();
    for (const auto& [k, v] : c.items()) {
        if (k == "allowOrigins" || k == "allowMethods" || k == "allowHeaders" || k == "exposeHeaders") {
            if (!v.is_array()) throw bad_request("Invalid CorsConfiguration." + k + ": expected a list of strings");
            for (const auto& e : v)
                if (!e.is_string()) throw bad_request("Invalid CorsConfiguration." + k + ": expected a list of strings");
        } else if (k == "maxAge") {
            if (!v.is_number_integer() || v.get<long long>() < -1 || v.get<long long>() > 86400)
                throw bad_request("Invalid CorsConfiguration.maxAge: expected an integer from -1 to 86400");
        } else if (k == "allowCredentials") {
            if (!v.is_boolean()) throw bad_request("Invalid CorsConfiguration.allowCredentials: expected a boolean");
        } else {
            throw bad_request("Invalid CorsConfiguration: unknown member " + k);
        }
        out[k] = v;
    }
    return out;
}

}  // namespace

json ControlPlane::http_api_json(const HttpApi& api) const {
    json j = {{"apiId", api.id},
              {"name", api.name},
              {"protocolType", "HTTP"},
              {"apiEndpoint", "https://" + api.id + ".execute-api." + options_.region + ".amazonaws.com"},
              {"apiKeySelectionExpression", "$request.header.x-api-key"},
              {"routeSelectionExpression", "$request.method $request.path"},
              {"createdDate", api.created},
              {"disableExecuteApiEndpoint", false}};
    if (!api.description.empty()) j["description"] = api.description;
    if (!api.version.empty()) j["version"] = api.version;
    if (api.cors.is_object()) j["corsConfiguration"] = api.cors;
    return j;
}

std::string ControlPlane::http_document_locked(const HttpApi& api) const {
    json paths = json::object();
    for (const auto& [id, route] : api.routes) {
        std::string target = route.value("target", "");
        if (target.rfind("integrations/", 0) != 0) continue;  // no integration: not served
        auto integration = api.integrations.find(target.substr(13));
        if (integration == api.integrations.end()) continue;
        const json& i = integration->second;
        std::string key = route.value("routeKey", "");
        std::string method = "x-amazon-apigateway-any-method", path = "/$default";
        if (key != "$default") {
            std::string verb = key.substr(0, key.find(' '));
            path = key.substr(key.find(' ') + 1);
            if (verb != "ANY") {
                method = verb;
                std::transform(method.begin(), method.end(), method.begin(), ::tolower);
            }
        }
        bool http = i.value("integrationType", "AWS_PROXY") == "HTTP_PROXY";
        json x = {{"type", http ? "http_proxy" : "aws_proxy"},
                  {"httpMethod", http ? i.value("integrationMethod", "ANY") : "POST"},
                  {"uri", http ? i.value("integrationUri", "") : lambda_path_uri(i.value("integrationUri", ""), options_.region)},
                  {"payloadFormatVersion", i.value("payloadFormatVersion", "2.0")},
                  {"timeoutInMillis", std::min<long long>(29000, i.value("timeoutInMillis", 29000LL))}};
        if (i.contains("credentialsArn")) x["credentials"] = i["credentialsArn"];
        paths[path][method] = {{"x-amazon-apigateway-integration", x}};
    }
    json doc = {{"openapi", "3.0.1"}, {"info", {{"title", api.name}, {"version", api.version.empty() ? "1" : api.version}}}, {"paths", paths}};
    if (api.cors.is_object()) doc["x-amazon-apigateway-cors"] = api.cors;
    return doc.dump();
}

void ControlPlane::publish_http_stage_locked(const HttpApi& api, const std::string& stage) {
    const json& s = api.stages.at(stage);
    auto d = api.deployments.find(s.value("deploymentId", ""));
    if (d == api.deployments.end()) return;
    Api compiled;
    compiled.name = api.name;
    compiled.id = api.id;
    compiled.type = ApiType::http;
    std::map<std::string, std::string> variables;
    json given = s.value("stageVariables", json::object());
    for (const auto& [k, v] : given.items()) variables[k] = v.is_string() ? v.get<std::string>() : v.dump();
    compiled.stages[stage] = variables;
    compiled = api_from_document(compiled, d->second, "HTTP API " + api.id, logger_);
    overlay_manifest(api.manifest, compiled, stage);
    publish_(api.id, stage, std::make_shared<const Api>(std::move(compiled)));
}

void ControlPlane::deploy_http_locked(HttpApi& api, const std::string& stage) {
    std::string id = lower_id(6);
    api.deployments[id] = http_document_locked(api);
    json& s = api.stages.at(stage);
    s["deploymentId"] = id;
    s["lastUpdatedDate"] = iso_now();
    s["lastDeploymentStatusMessage"] = "Successfully deployed stage with deployment ID '" + id + "'";
    publish_http_stage_locked(api, stage);
}

ControlPlane::HttpApi ControlPlane::import_http(const std::string& text, HttpApi api) const {
    json doc;
    try {
        doc = yaml_to_json(YAML::Load(text));
    } catch (const YAML::Exception& e) {
        throw bad_request("Invalid OpenAPI input: the document does not parse at line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
    if (!doc.is_object() || (!doc.contains("openapi") && !doc.contains("swagger")))
        throw bad_request("Invalid OpenAPI input: not an OpenAPI 3 or Swagger 2 document");
    api.name = doc.value("info", json::object()).value("title", api.name);
    if (api.name.empty()) throw bad_request("Invalid OpenAPI input: info.title, the API's name, is required");
    api.routes.clear();
    api.integrations.clear();
    api.cors = doc.contains("x-amazon-apigateway-cors") && doc["x-amazon-apigateway-cors"].is_object() ? doc["x-amazon-apigateway-cors"] : json();
    json paths = doc.value("paths", json::object());
    for (const auto& [path, item] : paths.items()) {
        for (const auto& [method, op] : item.items()) {
            std::string verb = method == "x-amazon-apigateway-any-method" ? "ANY" : method;
            std::transform(verb.begin(), verb.end(), verb.begin(), ::toupper);
            static const std::vector<std::string> verbs = {"GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY"};
            if (std::find(verbs.begin(), verbs.end(), verb) == verbs.end()) continue;
            std::string key = path == "/$default" || path == "$default" ? "$default" : verb + " " + path;
            json route = {{"routeId", lower_id(7)}, {"routeKey", key}, {"apiKeyRequired", false}, {"authorizationType", "NONE"}};
            if (op.contains("x-amazon-apigateway-integration")) {
                const json& x = op["x-amazon-apigateway-integration"];
                std::string type = x.value("type", "aws_proxy");
                std::transform(type.begin(), type.end(), type.begin(), ::toupper);
                json i = {{"integrationId", lower_id(7)}, {"integrationType", type}, {"integrationMethod", x.value("httpMethod", "POST")},
                          {"integrationUri", x.value("uri", "")}, {"connectionType", "INTERNET"},
                          {"payloadFormatVersion", x.contains("payloadFormatVersion") && x["payloadFormatVersion"].is_string() ? x["payloadFormatVersion"].get<std::string>() : "2.0"},
                          {"timeoutInMillis", x.value("timeoutInMillis", 30000LL)}};
                api.integrations[i["integrationId"]] = i;
                route["target"] = "integrations/" + i["integrationId"].get<std::string>();
            }
            api.routes[route["routeId"]] = route;
        }
    }
    return api;
}

http::Response ControlPlane::http_api(const std::vector<std::string>& parts, const http::Request& request, const json& body) {
    const std::string& m = request.method;
    // parts: v2 apis [id [collection [item]]]
    if (parts.size() == 2) {
        if (m == "GET") {
            json items = json::array();
            for (const auto& [id, api] : http_apis_) items.push_back(http_api_json(api));
            return reply(200, {{"items", items}});
        }
        if (m == "PUT") {  // ImportApi
            HttpApi api;
            api.id = lower_id(10);
            api.created = iso_now();
            api = import_http(body.value("body", ""), api);
            std::string id = api.id;
            http_apis_[id] = std::move(api);
            save_locked();
            return reply(201, http_api_json(http_apis_[id]));
        }
        if (m != "POST") throw bad_request("Unsupported operation " + m + " /v2/apis");
        if (body.value("protocolType", "") != "HTTP")
            throw bad_request("lowcloud serves HTTP APIs through apigatewayv2 (protocolType HTTP); WebSocket APIs are not supported");
        HttpApi api;
        api.id = lower_id(10);
        api.name = body.value("name", "");
        if (api.name.empty()) throw bad_request("Invalid API name specified");
        api.description = body.value("description", "");
        api.version = body.value("version", "");
        api.created = iso_now();
        if (body.contains("corsConfiguration")) api.cors = cors_configuration(body["corsConfiguration"]);
        if (body.contains("target")) {  // quick create
            std::string key = body.value("routeKey", "$default");
            check_route_key(key);
            std::string target = body.value("target", "");
            bool http = target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0;  // quick create to an HTTP backend
            json i = {{"integrationId", lower_id(7)}, {"integrationType", http ? "HTTP_PROXY" : "AWS_PROXY"}, {"integrationMethod", http ? "ANY" : "POST"},
                      {"integrationUri", target}, {"connectionType", "INTERNET"}, {"payloadFormatVersion", http ? "1.0" : "2.0"},
                      {"timeoutInMillis", 30000}};
            if (body.contains("credentialsArn")) i["credentialsArn"] = body["credentialsArn"];
            api.integrations[i["integrationId"]] = i;
            json route = {{"routeId", lower_id(7)}, {"routeKey", key}, {"target", "integrations/" + i["integrationId"].get<std::string>()},
                          {"apiKeyRequired", false}, {"authorizationType", "NONE"}};
            api.routes[route["routeId"]] = route;
            api.stages["$default"] = {{"stageName", "$default"}, {"autoDeploy", true}, {"createdDate", api.created}, {"lastUpdatedDate", api.created},
                                      {"stageVariables", json::object()}, {"defaultRouteSettings", {{"detailedMetricsEnabled", false}}},
                                      {"routeSettings", json::object()}};
            deploy_http_locked(api, "$default");
        }
        std::string id = api.id;
        http_apis_[id] = std::move(api);
        save_locked();
        logger_.info("HTTP API " + http_apis_[id].name + " created as " + id);
        return reply(201, http_api_json(http_apis_[id]));
    }
    auto it = http_apis_.find(parts[2]);
    if (it == http_apis_.end()) throw not_found("Invalid API identifier specified " + parts[2]);
    HttpApi& api = it->second;
    if (api.manifest && m != "GET") throw bad_request("The HTTP API " + parts[2] + " comes from lowcloud.yaml: change it there");
    auto redeploy = [&] {
        for (auto& [name, s] : api.stages)
            if (s.value("autoDeploy", false)) deploy_http_locked(api, name);
        save_locked();
    };
    if (parts.size() == 3) {
        if (m == "GET") return reply(200, http_api_json(api));
        if (m == "DELETE") {
            for (const auto& [name, s] : api.stages) publish_(api.id, name, nullptr);
            http_apis_.erase(it);
            save_locked();
            return empty_reply(204);
        }
        if (m == "PUT") {  // ReimportApi
            api = import_http(body.value("body", ""), api);
            redeploy();
            return reply(201, http_api_json(api));
        }
        if (m == "PATCH") {  // UpdateApi
            for (const char* k : {"name", "description", "version"})
                if (body.contains(k) && !body[k].is_string()) throw bad_request(std::string("Invalid ") + k + ": expected a string");
            if (body.contains("name")) {
                if (body["name"].get<std::string>().empty()) throw bad_request("Invalid API name specified");
                api.name = body["name"];
            }
            if (body.contains("description")) api.description = body["description"];
            if (body.contains("version")) api.version = body["version"];
            if (body.contains("corsConfiguration")) api.cors = cors_configuration(body["corsConfiguration"]);
            redeploy();
            return reply(200, http_api_json(api));
        }
        throw bad_request("Unsupported operation " + m + " on an HTTP API");
    }
    const std::string& kind = parts[3];
    auto collection = [&](std::map<std::string, json>& items, const char* id_key, const char* missing) -> http::Response {
        if (parts.size() == 4 && m == "GET") {
            json list = json::array();
            for (const auto& [id, item] : items) list.push_back(item);
            return reply(200, {{"items", list}});
        }
        if (parts.size() == 5) {
            auto found = items.find(parts[4]);
            if (found == items.end()) throw not_found(missing);
            if (m == "GET") return reply(200, found->second);
            if (m == "DELETE") {
                if (kind == "stages") publish_(api.id, parts[4], nullptr);
                items.erase(found);
                if (kind != "stages") redeploy();
                save_locked();
                return empty_reply(204);
            }
        }
        (void)id_key;
        throw bad_request("lowcloud does not support " + m + " " + std::string(request.path()) + " yet");
    };
    if (kind == "routes") {
        if (parts.size() == 4 && m == "POST") {
            std::string key = body.value("routeKey", "");
            check_route_key(key);
            for (const auto& [id, r] : api.routes)
                if (r.value("routeKey", "") == key) throw conflict("Unable to create route " + key + ". A route with the same key already exists");
            json route = {{"routeId", lower_id(7)}, {"routeKey", key}, {"apiKeyRequired", false}, {"authorizationType", body.value("authorizationType", "NONE")}};
            if (body.contains("target")) {
                std::string target = body.value("target", "");
                if (target.rfind("integrations/", 0) != 0 || !api.integrations.count(target.substr(13)))
                    throw bad_request("Invalid target: " + target + " (expected integrations/INTEGRATION_ID of this API)");
                route["target"] = target;
            }
            api.routes[route["routeId"]] = route;
            redeploy();
            return reply(201, route);
        }
        return collection(api.routes, "routeId", "Invalid Route identifier specified");
    }
    if (kind == "integrations") {
        if (parts.size() == 4 && m == "POST") {
            std::string type = body.value("integrationType", "");
            std::string uri = body.value("integrationUri", "");
            if (type == "HTTP_PROXY") {  // an HTTP backend: payload format 1.0, the route's method unless one is given
                if (!std::regex_match(uri, std::regex(R"(https?://[^/?#\s]+.*)"))) throw bad_request("Invalid integration URI specified");
                std::string payload = body.value("payloadFormatVersion", "1.0");
                if (payload != "1.0") throw bad_request("PayloadFormatVersion must be 1.0 for HTTP_PROXY integrations");
                json i = {{"integrationId", lower_id(7)}, {"integrationType", type}, {"integrationMethod", body.value("integrationMethod", "ANY")},
                          {"integrationUri", uri}, {"connectionType", "INTERNET"}, {"payloadFormatVersion", payload},
                          {"timeoutInMillis", body.value("timeoutInMillis", 30000LL)}};
                api.integrations[i["integrationId"]] = i;
                save_locked();
                return reply(201, i);
            }
            if (type != "AWS_PROXY")
                throw bad_request("lowcloud serves AWS_PROXY (Lambda) and HTTP_PROXY integrations on HTTP APIs; not " + type);
            static const std::regex lambda_arn(R"(arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_\-]+(:[A-Za-z0-9_$\-]+)?)");
            static const std::regex lambda_path(R"(arn:aws[a-zA-Z-]*:apigateway:[a-z0-9-]+:lambda:path/+2015-03-31/functions/.+/invocations)");
            if (!std::regex_match(uri, lambda_arn) && !std::regex_match(uri, lambda_path)) throw bad_request("Invalid integration URI specified");
            std::string payload = body.value("payloadFormatVersion", "");
            if (payload != "1.0" && payload != "2.0") throw bad_request("PayloadFormatVersion is required for AWS_PROXY integrations: 1.0 or 2.0");
            json i = {{"integrationId", lower_id(7)}, {"integrationType", type}, {"integrationMethod", body.value("integrationMethod", "POST")},
                      {"integrationUri", uri}, {"connectionType", "INTERNET"}, {"payloadFormatVersion", payload},
                      {"timeoutInMillis", body.value("timeoutInMillis", 30000LL)}};
            if (body.contains("credentialsArn")) i["credentialsArn"] = body["credentialsArn"];
            api.integrations[i["integrationId"]] = i;
            save_locked();
            return reply(201, i);
        }
        return collection(api.integrations, "integrationId", "Invalid Integration identifier specified");
    }
    if (kind == "stages") {
        if (parts.size() == 4 && m == "POST") {
            std::string name = body.value("stageName", "");
            static const std::regex stage_re(R"(\$default|[A-Za-z0-9_\-]{1,128})");
            if (!std::regex_match(name, stage_re)) throw bad_request("Stage name only allows a-zA-Z0-9_- or $default");
            if (api.stages.count(name)) throw conflict("Stage already exists");
            std::string now = iso_now();
            json s = {{"stageName", name}, {"autoDeploy", body.value("autoDeploy", false)}, {"createdDate", now}, {"lastUpdatedDate", now},
                      {"stageVariables", body.value("stageVariables", json::object())}, {"defaultRouteSettings", {{"detailedMetricsEnabled", false}}},
                      {"routeSettings", json::object()}};
            if (body.contains("deploymentId")) {
                if (!api.deployments.count(body.value("deploymentId", ""))) throw not_found("Invalid Deployment identifier specified");
                s["deploymentId"] = body["deploymentId"];
            }
            api.stages[name] = s;
            if (s["autoDeploy"].get<bool>()) deploy_http_locked(api, name);
            else publish_http_stage_locked(api, name);
            save_locked();
            return reply(201, api.stages[name]);
        }
        return collection(api.stages, "stageName", "Invalid stage identifier specified");
    }
    if (kind == "deployments" && parts.size() == 4 && m == "POST") {
        std::string id = lower_id(6);
        api.deployments[id] = http_document_locked(api);
        std::string stage = body.value("stageName", "");
        if (!stage.empty()) {
            if (!api.stages.count(stage)) throw not_found("Invalid stage identifier specified");
            api.stages[stage]["deploymentId"] = id;
            api.stages[stage]["lastUpdatedDate"] = iso_now();
            publish_http_stage_locked(api, stage);
        }
        save_locked();
        json out = {{"deploymentId", id}, {"deploymentStatus", "DEPLOYED"}, {"createdDate", iso_now()}, {"autoDeployed", false}};
        if (body.contains("description")) out["description"] = body["description"];
        return reply(201, out);
    }
    throw bad_request("lowcloud does not support " + m + " " + std::string(request.path()) + " yet (authorizers, models, CORS settings)");
}

json ControlPlane::save_http_locked() const {
    // lowcloud.yaml's HTTP APIs are not saved: they are applied again at every start.
    json out = json::array();
    for (const auto& [id, api] : http_apis_)
        if (!api.manifest)
            out.push_back({{"id", api.id}, {"name", api.name}, {"description", api.description}, {"version", api.version}, {"created", api.created},
                       {"routes", api.routes}, {"integrations", api.integrations}, {"stages", api.stages}, {"deployments", api.deployments},
                       {"cors", api.cors}});
    return out;
}

void ControlPlane::restore_http_locked(const json& apis) {
    for (const auto& a : apis) {
        HttpApi api;
        api.id = a.at("id");
        api.name = a.value("name", "");
        api.description = a.value("description", "");
        api.version = a.value("version", "");
        api.created = a.value("created", "");
        api.routes = a.value("routes", std::map<std::string, json>{});
        api.integrations = a.value("integrations", std::map<std::string, json>{});
        api.stages = a.value("stages", std::map<std::string, json>{});
        api.deployments = a.value("deployments", std::map<std::string, std::string>{});
        api.cors = a.value("cors", json());
        std::string id = api.id;
        http_apis_[id] = std::move(api);
        for (const auto& [name, s] : http_apis_[id].stages) {
            try {
                publish_http_stage_locked(http_apis_[id], name);
            } catch (const std::exception& e) {
                logger_.warn("HTTP API " + http_apis_[id].name + " stage " + name + " cannot be served: " + e.what());
            }
        }
    }
}

}  // namespace lowcloud::apigateway
