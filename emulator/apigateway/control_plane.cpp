// API Gateway's REST API control plane (see control_plane.hpp).
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

const std::vector<std::string> kVerbs = {"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "ANY"};






// The Lambda integration URIs AWS accepts:
// arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations
// (also path//2015-03-31; the function ARN may hold ${stageVariables.x}).
bool valid_lambda_uri(const std::string& uri) {
    static const std::regex re(
        R"(arn:aws[a-zA-Z-]*:apigateway:[a-z0-9-]+:lambda:path/+2015-03-31/functions/arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_\-]+|\$\{stageVariables\.[A-Za-z0-9_]+\})(:([A-Za-z0-9_$\-]+|\$\{stageVariables\.[A-Za-z0-9_]+\}))?/invocations)");
    return std::regex_match(uri, re);
}

// Method request parameters ("method.request.path.sku": true) as OpenAPI parameters.
json parameters_from(const json& request_parameters) {
    json out = json::array();
    if (!request_parameters.is_object()) return out;
    for (const auto& [key, required] : request_parameters.items()) {
        static const std::regex re(R"(method\.request\.(path|querystring|header)\.(.+))");
        std::smatch m;
        if (!std::regex_match(key, m, re)) continue;
        std::string in = m[1] == "querystring" ? "query" : m[1].str();
        out.push_back({{"name", m[2].str()}, {"in", in}, {"required", in == "path" || (required.is_boolean() && required.get<bool>())},
                       {"schema", {{"type", "string"}}}});
    }
    return out;
}

}  // namespace

ControlPlane::ControlPlane(ControlPlaneOptions options, Logger& logger, Publish publish, PublishDomain publish_domain)
    : options_(std::move(options)), logger_(logger), publish_(std::move(publish)), publish_domain_(std::move(publish_domain)) {}

bool ControlPlane::owns(std::string_view path) {
    if (path == "/restapis" || path == "/restapis/") return true;
    for (std::string_view p : {"/domainnames", "/v2/domainnames", "/v2/apis"})
        if (path == p || path.substr(0, p.size() + 1) == std::string(p) + "/") return true;
    if (path.substr(0, 10) != "/restapis/") return false;
    // The data plane: /restapis/{id}/{stage}/_user_request_/...
    std::string_view rest = path.substr(10);
    auto a = rest.find('/');
    if (a == std::string_view::npos) return true;
    auto b = rest.find('/', a + 1);
    std::string_view third = b == std::string_view::npos ? std::string_view{} : rest.substr(b + 1, rest.find('/', b + 1) - b - 1);
    return third != "_user_request_";
}

bool ControlPlane::has_api(const std::string& id) const {
    std::lock_guard lock(mutex_);
    return apis_.count(id) || http_apis_.count(id);
}

ControlPlane::RestApi& ControlPlane::api_locked(const std::string& id, bool change) {
    auto it = apis_.find(id);
    if (it == apis_.end()) throw not_found("Invalid API identifier specified " + options_.account_id + ":" + id);
    if (change && it->second.manifest) throw bad_request("The REST API " + id + " comes from lowcloud.yaml: change it there");
    return it->second;
}

ControlPlane::Resource& ControlPlane::resource_locked(RestApi& api, const std::string& id) {
    auto it = api.resources.find(id);
    if (it == api.resources.end()) throw not_found("Invalid Resource identifier specified");
    return it->second;
}

json ControlPlane::api_json(const RestApi& api) const {
    json j = {{"id", api.id}, {"name", api.name}, {"createdDate", api.created}, {"apiKeySource", "HEADER"},
              {"endpointConfiguration", {{"types", {api.endpoint_type}}}}, {"disableExecuteApiEndpoint", false}};
    if (!api.description.empty()) j["description"] = api.description;
    if (!api.version.empty()) j["version"] = api.version;
    if (!api.binary_media_types.empty()) j["binaryMediaTypes"] = api.binary_media_types;
    for (const auto& [rid, r] : api.resources)
        if (r.path == "/") j["rootResourceId"] = rid;
    return j;
}

json ControlPlane::resource_json(const RestApi& api, const Resource& r, bool embed) const {
    json j = {{"id", r.id}, {"path", r.path}};
    if (!r.parent_id.empty()) j["parentId"] = r.parent_id;
    if (!r.path_part.empty()) j["pathPart"] = r.path_part;
    if (!r.methods.empty()) {
        json methods = json::object();
        for (const auto& [verb, m] : r.methods) {
            json doc = embed ? m.doc : json::object();
            if (embed && !m.integration.is_null()) doc["methodIntegration"] = m.integration;
            methods[verb] = doc;
        }
        j["resourceMethods"] = methods;
    }
    return j;
}

http::Response ControlPlane::handle(const http::Request& request) {
    std::vector<std::string> parts;
    std::string_view path = request.path();
    for (std::size_t start = 1; start < path.size();) {
        auto slash = path.find('/', start);
        parts.push_back(percent_decode(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start)));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    try {
        json body = json::object();
        bool import = request.method == "POST" && parts.size() == 1 && query_parameter(request.query(), "mode") == "import";
        bool put = request.method == "PUT" && parts.size() == 2 && parts[0] == "restapis";
        if (!import && !put && !request.body.empty() && (request.method == "POST" || request.method == "PUT" || request.method == "PATCH")) {
            body = json::parse(request.body, nullptr, false);
            if (body.is_discarded() || !body.is_object()) throw bad_request("Invalid request body: expected a JSON object");
        }
        std::lock_guard lock(mutex_);
        if (import) return import_api(request);
        if (put) return import_api(request, parts[1]);
        if (!parts.empty() && parts[0] == "domainnames") return domain_api(parts, false, request, body);
        if (parts.size() > 1 && parts[0] == "v2" && parts[1] == "apis") return http_api(parts, request, body);
        if (parts.size() > 1 && parts[0] == "v2" && parts[1] == "domainnames")
            return domain_api(std::vector<std::string>(parts.begin() + 1, parts.end()), true, request, body);
        return route(request, parts, body);
    } catch (const Error& e) {
        http::Response r = reply(e.status, {{"message", e.message}});
        r.set_header("x-amzn-ErrorType", e.type);
        return r;
    } catch (const nlohmann::json::exception& e) {
        // A member of the wrong JSON type (a null info, a list as a title...).
        std::string what = e.what();
        http::Response r = reply(400, {{"message", "Invalid request input: " + what.substr(what.find(']') + 2)}});
        r.set_header("x-amzn-ErrorType", "BadRequestException");
        return r;
    } catch (const ConfigError& e) {
        http::Response r = reply(400, {{"message", std::string("Invalid OpenAPI input: ") + e.what()}});
        r.set_header("x-amzn-ErrorType", "BadRequestException");
        return r;
    }
}

http::Response ControlPlane::route(const http::Request& request, const std::vector<std::string>& parts, const json& body) {
    const std::string& m = request.method;
    if (parts.size() == 1) {
        if (m == "GET") {
            json items = json::array();
            for (const auto& [id, api] : apis_) items.push_back(api_json(api));
            return reply(200, {{"item", items}});
        }
        if (m == "POST") {  // CreateRestApi: an empty API with its root resource
            RestApi api;
            api.name = body.value("name", "");
            if (api.name.empty()) throw bad_request("Invalid API name specified");
            api.description = body.value("description", "");
            api.version = body.value("version", "");
            api.binary_media_types = body.value("binaryMediaTypes", std::vector<std::string>{});
            if (body.contains("endpointConfiguration")) {
                auto types = body["endpointConfiguration"].value("types", std::vector<std::string>{});
                if (!types.empty()) api.endpoint_type = types.front();
                if (api.endpoint_type != "EDGE" && api.endpoint_type != "REGIONAL" && api.endpoint_type != "PRIVATE")
                    throw bad_request("Invalid endpoint configuration type: " + api.endpoint_type);
            }
            api.id = lower_id(10);
            while (apis_.count(api.id)) api.id = lower_id(10);
            api.created = now_seconds();
            Resource root;
            root.id = lower_id(10);
            root.path = "/";
            api.resources[root.id] = root;
            auto& stored = apis_[api.id] = std::move(api);
            save_locked();
            return reply(201, api_json(stored));
        }
        throw bad_request("Unsupported operation " + m + " /restapis");
    }
    RestApi& api = api_locked(parts[1], m != "GET");
    if (parts.size() == 2) {
        if (m == "GET") return reply(200, api_json(api));
        if (m == "DELETE") {
            for (const auto& [name, stage] : api.stages) publish_(api.id, name, nullptr);
            logger_.info("api " + api.name + " (" + api.id + ") deleted");
            apis_.erase(api.id);
            save_locked();
            return empty_reply(202);
        }
        if (m == "PATCH") {  // UpdateRestApi
            RestApi next = api;
            for (const auto& op : body.value("patchOperations", json::array())) {
                std::string kind = op.value("op", ""), path = op.value("path", ""), value = op.value("value", "");
                if (path == "/name" && kind == "replace") next.name = value;
                else if (path == "/description" && kind == "replace") next.description = value;
                else if (path == "/version" && kind == "replace") next.version = value;
                else if (path.rfind("/binaryMediaTypes/", 0) == 0) {
                    // JSON Pointer escaping: "image~1png" is image/png.
                    std::string type = path.substr(18);
                    for (auto at = type.find("~1"); at != std::string::npos; at = type.find("~1")) type.replace(at, 2, "/");
                    auto& types = next.binary_media_types;
                    if (kind == "add") {
                        if (std::find(types.begin(), types.end(), type) == types.end()) types.push_back(type);
                    } else if (kind == "remove") {
                        types.erase(std::remove(types.begin(), types.end(), type), types.end());
                    } else {
                        throw bad_request("Invalid patch operation specified. Must be one of: [add, remove] for " + path);
                    }
                } else {
                    throw bad_request("Invalid patch path '" + path + "' specified for op '" + kind +
                                      "'. lowcloud patches /name, /description, /version and /binaryMediaTypes/* of a REST API");
                }
            }
            if (next.name.empty()) throw bad_request("Invalid API name specified");
            api = next;
            save_locked();
            return reply(200, api_json(api));
        }
        throw bad_request("Unsupported operation " + m + " /restapis/{id}");
    }
    const std::string& kind = parts[2];
    if (kind == "resources") {
        if (parts.size() == 3) {
            if (m != "GET") throw bad_request("Unsupported operation " + m + " on resources");
            bool embed = query_parameter(request.query(), "embed") == "methods";
            std::vector<const Resource*> ordered;
            for (const auto& [id, r] : api.resources) ordered.push_back(&r);
            std::sort(ordered.begin(), ordered.end(), [](const Resource* a, const Resource* b) { return a->path < b->path; });
            json items = json::array();
            for (const auto* r : ordered) items.push_back(resource_json(api, *r, embed));
            return reply(200, {{"item", items}});
        }
        Resource& res = resource_locked(api, parts[3]);
        if (parts.size() == 4) {
            if (m == "GET") return reply(200, resource_json(api, res, query_parameter(request.query(), "embed") == "methods"));
            if (m == "POST") {  // CreateResource under this parent
                std::string part = body.value("pathPart", "");
                static const std::regex part_re(R"(\{[A-Za-z0-9_.\-]+\+?\}|[A-Za-z0-9_.:@\-~]+)");
                if (!std::regex_match(part, part_re))
                    throw bad_request("Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace.");
                std::string full = (res.path == "/" ? "" : res.path) + "/" + part;
                for (const auto& [id, other] : api.resources)
                    if (other.path == full) throw conflict("Another resource with the same parent already has this name: " + part);
                Resource r;
                r.id = lower_id(6);
                r.parent_id = res.id;
                r.path_part = part;
                r.path = full;
                api.resources[r.id] = r;
                save_locked();
                return reply(201, resource_json(api, r, false));
            }
            if (m == "DELETE") {
                if (res.path == "/") throw bad_request("Cannot delete root resource");
                std::string prefix = res.path;
                for (auto it = api.resources.begin(); it != api.resources.end();)
                    it = (it->second.path == prefix || it->second.path.rfind(prefix + "/", 0) == 0) ? api.resources.erase(it) : std::next(it);
                save_locked();
                return empty_reply(202);
            }
            throw bad_request("Unsupported operation " + m + " on a resource");
        }
        if (parts[4] != "methods" || parts.size() < 6) throw not_found("Invalid path");
        std::string verb = parts[5];
        if (std::find(kVerbs.begin(), kVerbs.end(), verb) == kVerbs.end()) throw bad_request("Invalid HTTP method: " + verb);
        auto method = res.methods.find(verb);
        if (parts.size() == 6) {
            if (m == "PUT") {
                Method md;
                md.doc = {{"httpMethod", verb}, {"authorizationType", body.value("authorizationType", "NONE")},
                          {"apiKeyRequired", body.value("apiKeyRequired", false)}};
                for (const char* k : {"requestParameters", "requestModels", "operationName", "requestValidatorId", "authorizerId"})
                    if (body.contains(k)) md.doc[k] = body[k];
                md.operation = json::object();
                if (body.contains("operationName")) md.operation["operationId"] = body["operationName"];
                if (body.contains("requestParameters")) md.operation["parameters"] = parameters_from(body["requestParameters"]);
                res.methods[verb] = md;
                save_locked();
                return reply(201, md.doc);
            }
            if (method == res.methods.end()) throw not_found("Invalid Method identifier specified");
            if (m == "GET") {
                json doc = method->second.doc;
                if (!method->second.integration.is_null()) doc["methodIntegration"] = method->second.integration;
                return reply(200, doc);
            }
            if (m == "DELETE") {
                res.methods.erase(method);
                save_locked();
                return empty_reply(204);
            }
            if (m == "PATCH") {  // UpdateMethod
                Method next = method->second;
                for (const auto& op : body.value("patchOperations", json::array())) {
                    std::string kind = op.value("op", ""), p = op.value("path", ""), value = op.value("value", "");
                    if (p == "/apiKeyRequired" && kind == "replace") next.doc["apiKeyRequired"] = value == "true";
                    else if (p == "/authorizationType" && kind == "replace") next.doc["authorizationType"] = value;
                    else if (p == "/operationName" && kind == "replace") {
                        next.doc["operationName"] = value;
                        next.operation["operationId"] = value;
                    } else if (p.rfind("/requestParameters/", 0) == 0) {
                        std::string key = p.substr(19);
                        if (kind == "add" || kind == "replace") next.doc["requestParameters"][key] = value == "true";
                        else if (kind == "remove" && next.doc.contains("requestParameters")) next.doc["requestParameters"].erase(key);
                        next.operation["parameters"] = parameters_from(next.doc.value("requestParameters", json::object()));
                    } else {
                        throw bad_request("Invalid patch path '" + p + "' specified for op '" + kind +
                                          "'. lowcloud patches /apiKeyRequired, /authorizationType, /operationName and /requestParameters/* of a method");
                    }
                }
                method->second = next;
                save_locked();
                json doc = next.doc;
                if (!next.integration.is_null()) doc["methodIntegration"] = next.integration;
                return reply(200, doc);
            }
            throw bad_request("Unsupported operation " + m + " on a method");
        }
        if (method == res.methods.end()) throw not_found("Invalid Method identifier specified");
        Method& md = method->second;
        if (parts[6] == "integration" && parts.size() == 7) {
            if (m == "PUT") {
                std::string type = body.value("type", "");
                if (type != "AWS_PROXY" && type != "AWS" && type != "HTTP_PROXY" && type != "HTTP" && type != "MOCK")
                    throw bad_request("1 validation error detected: Value '" + type +
                                      "' at 'putIntegrationInput.type' failed to satisfy constraint: Member must satisfy enum value set: [HTTP, AWS, MOCK, HTTP_PROXY, AWS_PROXY]");
                std::string uri = body.value("uri", "");
                if (type == "AWS_PROXY" || type == "AWS") {
                    // integrationHttpMethod travels as "httpMethod" in the body.
                    if (body.value("httpMethod", "") == "") throw bad_request("Enumeration value for HttpMethod must be non-empty");
                    static const std::regex aws_arn(R"(arn:aws[a-zA-Z-]*:apigateway:[^:]+:[^:]+:(path|action)/.+)");
                    if (!std::regex_match(uri, aws_arn)) throw bad_request("AWS ARN for integration must contain path or action");
                    if (uri.find(":lambda:path/") == std::string::npos)
                        throw bad_request("lowcloud integrates AWS services through Lambda only: the uri must be arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations");
                    if (!valid_lambda_uri(uri)) throw bad_request("Invalid ARN specified in the request");
                }
                if ((type == "HTTP_PROXY" || type == "HTTP") && body.value("httpMethod", "") == "")
                    throw bad_request("Enumeration value for HttpMethod must be non-empty");
                if ((type == "HTTP_PROXY" || type == "HTTP") && !std::regex_match(uri, std::regex(R"(https?://[^/?#\s]+.*)")))
                    throw bad_request("Invalid HTTP endpoint specified for URI");
                json integration = {{"type", type}, {"passthroughBehavior", body.value("passthroughBehavior", "WHEN_NO_MATCH")},
                                    {"timeoutInMillis", body.value("timeoutInMillis", 29000)}, {"cacheNamespace", res.id},
                                    {"cacheKeyParameters", body.value("cacheKeyParameters", json::array())}};
                if (body.contains("httpMethod")) integration["httpMethod"] = body["httpMethod"];
                if (!uri.empty()) integration["uri"] = uri;
                for (const char* k : {"credentials", "requestParameters", "requestTemplates", "contentHandling", "connectionType"})
                    if (body.contains(k)) integration[k] = body[k];
                if (integration["timeoutInMillis"].get<long long>() < 50 || integration["timeoutInMillis"].get<long long>() > 29000)
                    throw bad_request("Timeout should be between 50 ms and 29000 ms");
                md.integration = integration;
                save_locked();
                return reply(201, integration);
            }
            if (md.integration.is_null()) throw not_found("Invalid Integration identifier specified");
            if (m == "GET") return reply(200, md.integration);
            if (m == "DELETE") {
                md.integration = nullptr;
                save_locked();
                return empty_reply(204);
            }
        }
        if (parts[6] == "responses" && parts.size() == 8) {  // Put/Get/DeleteMethodResponse
            const std::string& status = parts[7];
            if (!std::regex_match(status, std::regex("[1-5][0-9][0-9]"))) throw bad_request("Invalid status code: " + status);
            if (m == "PUT" && !md.doc.contains("methodResponses")) md.doc["methodResponses"] = json::object();
            if (!md.doc.contains("methodResponses")) throw not_found("Invalid Response status code specified");
            json& responses = md.doc["methodResponses"];
            if (m == "PUT") {
                json response = {{"statusCode", status}};
                for (const char* k : {"responseParameters", "responseModels"})
                    if (body.contains(k)) response[k] = body[k];
                responses[status] = response;
                json spec_response = {{"description", status + " response"}};
                json parameters = body.value("responseParameters", json::object());
                for (const auto& [key, required] : parameters.items())
                    if (key.rfind("method.response.header.", 0) == 0) spec_response["headers"][key.substr(23)] = {{"schema", {{"type", "string"}}}};
                md.operation["responses"][status] = spec_response;
                save_locked();
                return reply(201, response);
            }
            if (!responses.is_object() || !responses.contains(status)) throw not_found("Invalid Response status code specified");
            if (m == "GET") return reply(200, responses[status]);
            if (m == "DELETE") {
                responses.erase(status);
                if (responses.empty()) md.doc.erase("methodResponses");
                if (md.operation.contains("responses")) md.operation["responses"].erase(status);
                save_locked();
                return empty_reply(204);
            }
        }
        if (parts[6] == "integration" && parts.size() == 9 && parts[7] == "responses") {  // Put/Get/DeleteIntegrationResponse
            if (md.integration.is_null()) throw not_found("Invalid Integration identifier specified");
            const std::string& status = parts[8];
            if (m == "PUT" && (!md.doc.contains("methodResponses") || !md.doc["methodResponses"].contains(status)))
                throw not_found("Invalid Response status code specified");
            if (m == "PUT" && !md.integration.contains("integrationResponses")) md.integration["integrationResponses"] = json::object();
            if (!md.integration.contains("integrationResponses")) throw not_found("Invalid Response status code specified");
            json& responses = md.integration["integrationResponses"];
            if (m == "PUT") {
                if (!md.doc.contains("methodResponses") || !md.doc["methodResponses"].contains(status))
                    throw not_found("Invalid Response status code specified");
                json response = {{"statusCode", status}};
                for (const char* k : {"selectionPattern", "responseParameters", "responseTemplates", "contentHandling"})
                    if (body.contains(k)) response[k] = body[k];
                if (response.contains("selectionPattern")) {
                    try {
                        std::regex probe(response["selectionPattern"].get<std::string>());
                    } catch (const std::exception&) {
                        throw bad_request("Invalid selection pattern specified: " + response["selectionPattern"].dump());
                    }
                }
                responses[status] = response;
                save_locked();
                return reply(201, response);
            }
            if (!responses.is_object() || !responses.contains(status)) throw not_found("Invalid Response status code specified");
            if (m == "GET") return reply(200, responses[status]);
            if (m == "DELETE") {
                responses.erase(status);
                if (responses.empty()) md.integration.erase("integrationResponses");
                save_locked();
                return empty_reply(204);
            }
        }
        throw bad_request("lowcloud does not support " + m + " " + std::string(request.path()) + " yet");
    }
    if (kind == "deployments") {
        if (parts.size() == 3 && m == "POST") return create_deployment(api, body);
        if (parts.size() == 3 && m == "GET") {
            json items = json::array();
            for (const auto& [id, d] : api.deployments) {
                json j = {{"id", id}, {"createdDate", d.created}};
                if (!d.description.empty()) j["description"] = d.description;
                items.push_back(j);
            }
            return reply(200, {{"item", items}});
        }
        if (parts.size() == 4 && m == "GET") {
            auto it = api.deployments.find(parts[3]);
            if (it == api.deployments.end()) throw not_found("Invalid Deployment identifier specified");
            json j = {{"id", it->first}, {"createdDate", it->second.created}};
            if (!it->second.description.empty()) j["description"] = it->second.description;
            return reply(200, j);
        }
        throw bad_request("lowcloud does not support " + m + " " + std::string(request.path()) + " yet");
    }
    if (kind == "stages" && parts.size() == 6 && parts[4] == "exports" && m == "GET") return export_api(api, parts[3], parts[5], request);
    if (kind == "stages") return stage_api(api, parts, request, body);
    if (kind == "exports") throw bad_request("lowcloud does not support get-export yet");
    throw bad_request("lowcloud does not support " + m + " " + std::string(request.path()) + " yet (exports, authorizers, models, validators)");
}

// Custom domain names (v1 with base path mappings, v2 with API mappings):
// one resource in AWS, seen by both APIs.
http::Response ControlPlane::domain_api(const std::vector<std::string>& parts, bool v2, const http::Request& request, const json& body) {
    const std::string& m = request.method;
    auto domain_json = [&](const Domain& d) {
        std::string target = d.endpoint_type == "REGIONAL" ? "d-" + lower_id(10) + ".execute-api." + options_.region + ".amazonaws.com"
                                                           : lower_id(14) + ".cloudfront.net";
        if (v2)
            return json{{"domainName", d.name},
                        {"apiMappingSelectionExpression", "$request.basepath"},
                        {"domainNameConfigurations",
                         {{{"apiGatewayDomainName", target}, {"certificateArn", d.certificate}, {"endpointType", d.endpoint_type},
                           {"domainNameStatus", "AVAILABLE"}, {"securityPolicy", "TLS_1_2"}}}}};
        json j = {{"domainName", d.name}, {"domainNameStatus", "AVAILABLE"}, {"securityPolicy", "TLS_1_2"},
                  {"endpointConfiguration", {{"types", {d.endpoint_type}}}}};
        if (d.endpoint_type == "REGIONAL") {
            j["regionalDomainName"] = target;
            j["regionalCertificateArn"] = d.certificate;
        } else {
            j["distributionDomainName"] = target;
            j["certificateArn"] = d.certificate;
        }
        return j;
    };
    auto mapping_json = [&](const Mapping& mp) {
        if (v2) return json{{"apiId", mp.api_id}, {"apiMappingId", mp.id}, {"apiMappingKey", mp.base_path}, {"stage", mp.stage}};
        return json{{"basePath", mp.base_path.empty() ? "(none)" : mp.base_path}, {"restApiId", mp.api_id}, {"stage", mp.stage}};
    };
    const char* items = v2 ? "items" : "item";
    if (parts.size() == 1) {
        if (m == "GET") {
            json list = json::array();
            for (const auto& [name, d] : domains_) list.push_back(domain_json(d));
            return reply(200, {{items, list}});
        }
        if (m != "POST") throw bad_request("Unsupported operation " + m + " on domain names");
        Domain d;
        d.name = body.value("domainName", "");
        static const std::regex name_re(R"(([a-zA-Z0-9-]+\.)+[a-zA-Z]{2,})");
        if (!std::regex_match(d.name, name_re)) throw bad_request("Invalid domain name identifier specified");
        if (domains_.count(d.name)) throw conflict("The domain name you provided already exists.");
        if (v2) {
            json configs = body.value("domainNameConfigurations", json::array());
            if (!configs.empty()) {
                d.certificate = configs[0].value("certificateArn", "");
                d.endpoint_type = configs[0].value("endpointType", "REGIONAL");
            } else {
                d.endpoint_type = "REGIONAL";
            }
        } else {
            d.certificate = body.value("regionalCertificateArn", body.value("certificateArn", ""));
            json types = body.value("endpointConfiguration", json::object()).value("types", json::array());
            d.endpoint_type = types.empty() ? (body.contains("regionalCertificateArn") ? "REGIONAL" : "EDGE") : types[0].get<std::string>();
        }
        d.created = 0;
        domains_[d.name] = d;
        save_locked();
        return reply(201, domain_json(d));
    }
    auto it = domains_.find(parts[1]);
    if (it == domains_.end()) throw not_found("Invalid domain name identifier specified");
    Domain& d = it->second;
    if (parts.size() == 2) {
        if (m == "GET") return reply(200, domain_json(d));
        if (m == "DELETE") {
            publish_domain_(d.name, {});
            domains_.erase(it);
            save_locked();
            return empty_reply(v2 ? 204 : 202);
        }
        throw bad_request("Unsupported operation " + m + " on a domain name");
    }
    std::string collection = parts[2];
    if (collection != (v2 ? "apimappings" : "basepathmappings")) throw not_found("Invalid path");
    if (parts.size() == 3) {
        if (m == "GET") {
            json list = json::array();
            for (const auto& mp : d.mappings) list.push_back(mapping_json(mp));
            return reply(200, {{items, list}});
        }
        if (m != "POST") throw bad_request("Unsupported operation " + m + " on mappings");
        Mapping mp;
        mp.id = lower_id(6);
        mp.base_path = body.value(v2 ? "apiMappingKey" : "basePath", "");
        if (mp.base_path == "(none)") mp.base_path.clear();
        while (!mp.base_path.empty() && mp.base_path.back() == '/') mp.base_path.pop_back();
        while (!mp.base_path.empty() && mp.base_path.front() == '/') mp.base_path.erase(0, 1);
        static const std::regex key_re(R"([A-Za-z0-9._\-]+(/[A-Za-z0-9._\-]+)*)");
        if (!mp.base_path.empty() && !std::regex_match(mp.base_path, key_re)) throw bad_request("Invalid base path: " + mp.base_path);
        if (!v2 && mp.base_path.find('/') != std::string::npos)
            throw bad_request("Multi-level base paths need an API mapping (aws apigatewayv2 create-api-mapping --api-mapping-key " + mp.base_path + ")");
        mp.api_id = body.value(v2 ? "apiId" : "restApiId", "");
        mp.stage = body.value("stage", "");
        // A REST API's stage, or (API mappings) an HTTP API's.
        std::vector<std::string> stages;
        if (auto rest = apis_.find(mp.api_id); rest != apis_.end())
            for (const auto& [name, s] : rest->second.stages) stages.push_back(name);
        else if (auto http = http_apis_.find(mp.api_id); v2 && http != http_apis_.end())
            for (const auto& [name, s] : http->second.stages) stages.push_back(name);
        else
            throw bad_request(v2 ? "Invalid API identifier specified" : "Invalid REST API identifier specified");
        if (mp.stage.empty()) {
            if (stages.size() != 1) throw bad_request("Invalid stage identifier specified");
            mp.stage = stages.front();
        }
        if (std::find(stages.begin(), stages.end(), mp.stage) == stages.end()) throw bad_request("Invalid stage identifier specified");
        for (const auto& other : d.mappings)
            if (other.base_path == mp.base_path) throw conflict("Base path already exists for this domain name");
        d.mappings.push_back(mp);
        publish_domain_(d.name, d.mappings);
        save_locked();
        logger_.info("custom domain " + d.name + ": /" + mp.base_path + " -> API " + mp.api_id + " stage " + mp.stage);
        return reply(201, mapping_json(mp));
    }
    std::string key = parts[3];
    auto mp = std::find_if(d.mappings.begin(), d.mappings.end(), [&](const Mapping& x) {
        return v2 ? x.id == key : (x.base_path.empty() ? key == "(none)" : x.base_path == key);
    });
    if (mp == d.mappings.end()) throw not_found(v2 ? "Invalid API mapping identifier specified" : "Invalid base path mapping identifier specified");
    if (m == "GET") return reply(200, mapping_json(*mp));
    if (m == "DELETE") {
        d.mappings.erase(mp);
        publish_domain_(d.name, d.mappings);
        save_locked();
        return empty_reply(v2 ? 204 : 202);
    }
    throw bad_request("Unsupported operation " + m + " on a mapping");
}

}  // namespace lowcloud::apigateway
