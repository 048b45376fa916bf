// API Gateway's control plane for REST APIs (v1, JSON over REST under
// /restapis), so that deployment scripts written for AWS run unchanged:
//   POST   /restapis?mode=import[&failonwarnings=true&basepath=...]   ImportRestApi
//   POST   /restapis                       CreateRestApi
//   GET    /restapis                       GetRestApis
//   GET|DELETE|PUT|PATCH /restapis/{id}    GetRestApi / DeleteRestApi / PutRestApi / UpdateRestApi
//   GET /restapis/{id}/stages/{stage}/exports/{oas30|swagger}      GetExport
//   GET    /restapis/{id}/resources[?embed=methods]                  GetResources
//   GET|DELETE /restapis/{id}/resources/{rid}, POST .../resources/{parent}  (CreateResource)
//   PUT|GET|DELETE .../resources/{rid}/methods/{verb}                Put/Get/DeleteMethod
//   PUT|GET|DELETE .../methods/{verb}/integration                    Put/Get/DeleteIntegration
//   PUT|GET|DELETE .../methods/{verb}/responses/{status}, .../integration/responses/{status}
//   POST|GET /restapis/{id}/deployments    CreateDeployment / GetDeployments
//   POST|GET /restapis/{id}/stages, GET|PATCH|DELETE /restapis/{id}/stages/{name}
//   POST|GET /domainnames, GET|DELETE /domainnames/{name}         custom domain names
//   POST|GET /domainnames/{name}/basepathmappings, DELETE .../{basePath}
//   POST|GET /v2/domainnames, POST|GET /v2/domainnames/{name}/apimappings,
//   DELETE .../apimappings/{id}   (apigatewayv2: multi-level keys like info/v2)
//   HTTP APIs (apigatewayv2, control_plane_v2.cpp): POST|GET /v2/apis (CreateApi,
//   with quick create: --target makes a $default route and an auto-deployed
//   $default stage), PUT /v2/apis (ImportApi), GET|PUT|DELETE /v2/apis/{id}
//   (ReimportApi), PATCH /v2/apis/{id} (UpdateApi: name, description,
//   version, corsConfiguration), and /routes, /integrations, /stages,
//   /deployments under it
// with AWS's shapes (collections as {"item": [...]}, epoch-second dates,
// 10-character API ids, 6-character resource ids) and errors
// (NotFoundException, BadRequestException, ConflictException as
// {"message"} with x-amzn-ErrorType).
//
// A deployment snapshots the API's resources as an OpenAPI document (the
// imported document with its paths regenerated from the resource model) and
// compiles it with the same reader as manifest APIs (api_from_document);
// every stage pointing at it is handed to `publish`, which serves it. An
// integration of such an API invokes its function only when the function's
// resource policy allows apigateway.amazonaws.com (AddPermission) or the
// integration has credentials, as AWS enforces it.
//
// A request whose Host is a custom domain name goes to the API of the
// longest base path (mapping key) that prefixes its path, with that prefix
// removed (`publish_domain` hands the mappings to the data plane).
//
// Integrations: AWS_PROXY and AWS (Lambda function URIs only), HTTP_PROXY,
// HTTP and MOCK, with method responses and integration responses (keyed by
// status code here, by selection pattern in OpenAPI documents).
// Not supported (answered with BadRequestException naming what is
// missing): authorizers, models, request validators as resources, HTTP API
// authorizers, and AWS service integrations other than Lambda. HTTP APIs'
// CORS configuration (create-api / update-api --cors-configuration, or
// x-amazon-apigateway-cors on import) is served by the gateway's preflight.
//
// Persistence: DATA/apigateway.json after every change; restore() publishes
// the stored stages again. Threading: handle() is thread-safe (one mutex);
// `publish` is called with that mutex held and must not call back.
#pragma once

#include "apigateway/api.hpp"
#include "common/log.hpp"
#include "http/message.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace lowcloud::apigateway {

struct ControlPlaneOptions {
    std::string region = "us-east-1";
    std::string account_id = "000000000000";
    std::filesystem::path data_dir;  // "" : in memory
};

class ControlPlane {
public:
    // How an operation refuses: status, x-amzn-ErrorType, message.
    struct Error {
        int status;
        std::string type, message;
    };

    // `api` null: the stage is gone (deleted stage or API).
    using Publish = std::function<void(const std::string& api_id, const std::string& stage, std::shared_ptr<const Api> api)>;
    // One base path of a custom domain: "" (the "(none)" mapping) or "info/v2".
    struct Mapping {
        std::string id, base_path, api_id, stage;
    };
    // Every mapping of `domain` (empty: the domain is gone).
    using PublishDomain = std::function<void(const std::string& domain, std::vector<Mapping> mappings)>;

    ControlPlane(ControlPlaneOptions options, Logger& logger, Publish publish, PublishDomain publish_domain);

    // Whether a request is for the control plane: /restapis and below, but
    // not the data plane's /restapis/{id}/{stage}/_user_request_/...
    static bool owns(std::string_view path);

    http::Response handle(const http::Request& request);

    // Whether an API with this id was created through the control plane.
    bool has_api(const std::string& id) const;

    // An API from lowcloud.yaml, applied through the same operations as
    // the CLI's: its OpenAPI document (`document`, with `functions:`
    // bindings turned into aws_proxy integrations) imported as
    // import-rest-api / import-api would, then one deployment per manifest
    // stage. What only the manifest expresses (CORS, API keys, usage plans,
    // base paths, binary media types) is laid over every stage it
    // publishes, and its integrations need no AddPermission (the manifest
    // grants it). Readable with every get-* operation; changed only in the
    // manifest (other operations answer BadRequestException); not saved in
    // the data dir. `api` must come from load_apis() (validated, with file
    // and line in its errors, and its document kept). Throws ConfigError.
    void apply_manifest(const Api& api);

    // Reads DATA/apigateway.json and publishes its stages. Throws
    // std::runtime_error for an unreadable file.
    void restore();

    nlohmann::json health() const;

private:
    struct Method {
        nlohmann::json doc;          // Method shape without methodIntegration
        nlohmann::json operation;    // the OpenAPI operation (imported or built), without the integration
        nlohmann::json integration;  // Integration shape, or null
    };
    struct Resource {
        std::string id, parent_id, path_part, path;
        std::map<std::string, Method> methods;  // by verb
    };
    struct Deployment {
        std::string id, description;
        long long created = 0;
        std::string document;  // the OpenAPI document it serves
    };
    struct Stage {
        std::string name, deployment_id, description;
        long long created = 0, updated = 0;
        std::map<std::string, std::string> variables;
    };
    struct RestApi {
        std::string id, name, description, version;
        long long created = 0;
        std::vector<std::string> binary_media_types;
        std::string endpoint_type = "EDGE";
        nlohmann::json base;  // the imported document without paths (components, extensions)
        std::map<std::string, Resource> resources;  // by id
        std::map<std::string, Deployment> deployments;
        std::map<std::string, Stage> stages;
        std::shared_ptr<const Api> manifest;  // from lowcloud.yaml: its settings, without operations
    };

    http::Response route(const http::Request& request, const std::vector<std::string>& parts, const nlohmann::json& body);
    // ImportRestApi, or PutRestApi (mode merge|overwrite) into `existing`.
    http::Response import_api(const http::Request& request, const std::string& existing = "");
    // A REST API's model from an OpenAPI document (import's work, before it is stored).
    RestApi build_rest_api(const nlohmann::json& doc, const std::string& basepath, const std::string& endpoint,
                           std::vector<std::string>& warnings) const;
    http::Response store_import(const http::Request& request, const std::string& existing, RestApi api, const std::vector<std::string>& warnings);
    // lowcloud.yaml's settings over a compiled stage; control-plane APIs (null) need the function's permission instead.
    static void overlay_manifest(const std::shared_ptr<const Api>& manifest, Api& compiled, const std::string& stage);
    http::Response export_api(const RestApi& api, const std::string& stage, const std::string& type, const http::Request& request) const;
    http::Response create_deployment(RestApi& api, const nlohmann::json& body);
    http::Response stage_api(RestApi& api, const std::vector<std::string>& parts, const http::Request& request, const nlohmann::json& body);
    http::Response domain_api(const std::vector<std::string>& parts, bool v2, const http::Request& request, const nlohmann::json& body);

    // HTTP APIs (control_plane_v2.cpp).
    struct HttpApi {
        std::string id, name, description, version;
        std::string created;  // ISO 8601, as apigatewayv2 answers
        std::map<std::string, nlohmann::json> routes;        // routeId -> Route shape
        std::map<std::string, nlohmann::json> integrations;  // integrationId -> Integration shape
        std::map<std::string, nlohmann::json> stages;        // name -> Stage shape
        std::map<std::string, std::string> deployments;      // deploymentId -> document
        nlohmann::json cors;                                 // CorsConfiguration (camelCase, as x-amazon-apigateway-cors), or null
        std::shared_ptr<const Api> manifest;  // from lowcloud.yaml: its settings, without operations
    };
    http::Response http_api(const std::vector<std::string>& parts, const http::Request& request, const nlohmann::json& body);
    nlohmann::json http_api_json(const HttpApi& api) const;
    std::string http_document_locked(const HttpApi& api) const;
    void deploy_http_locked(HttpApi& api, const std::string& stage);  // auto-deploy or create-deployment
    void publish_http_stage_locked(const HttpApi& api, const std::string& stage);
    HttpApi import_http(const std::string& body, HttpApi api) const;
    nlohmann::json save_http_locked() const;
    void restore_http_locked(const nlohmann::json& apis);

    // `change`: the operation modifies the API (refused for lowcloud.yaml's).
    RestApi& api_locked(const std::string& id, bool change = true);
    Resource& resource_locked(RestApi& api, const std::string& id);
    std::string document_locked(const RestApi& api) const;
    void publish_stage_locked(const RestApi& api, const Stage& stage);
    nlohmann::json api_json(const RestApi& api) const;
    nlohmann::json resource_json(const RestApi& api, const Resource& r, bool embed) const;
    void save_locked() const;

    ControlPlaneOptions options_;
    Logger& logger_;
    Publish publish_;
    PublishDomain publish_domain_;
    mutable std::mutex mutex_;
    std::map<std::string, RestApi> apis_;
    struct Domain {
        std::string name, certificate, endpoint_type = "EDGE";
        long long created = 0;
        std::vector<Mapping> mappings;
    };
    std::map<std::string, Domain> domains_;
    std::map<std::string, HttpApi> http_apis_;
};

}  // namespace lowcloud::apigateway
