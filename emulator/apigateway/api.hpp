// An API as the gateway serves it: the manifest's `apis:` entry plus its
// OpenAPI document (3.0 or Swagger 2.0, YAML or JSON), loaded once at
// startup into typed operations bound to Lambda functions.
//
//   apis:
//     - name: info                      # the API id is derived from it (stable)
//       spec: openapi/info_openapi_v2.yaml
//       type: rest                      # rest (payload 1.0) or http (2.0 by default)
//       payload_format: "2.0"           # http only: "1.0" or "2.0"
//       stages: {dev: {variables: {table: project1}}}   # default: dev (rest), $default (http)
//       base_paths: [/info/v2]          # custom-domain mappings at the root, to the first stage
//       functions: {getWatch: watches-get}   # operationId or "GET /path" -> function,
//                                            # for operations without x-amazon-apigateway-integration
//       cors: {allow_origins: ["*"], allow_methods: [GET, POST], allow_headers: [content-type], max_age: 600}
//       api_keys: [key1]                # values accepted in x-api-key
//       usage_plans: [{name: basic, api_keys: [key2], throttle: {rate_limit: 10, burst_limit: 20},
//                      quota: {limit: 1000, period: DAY}}]   # see usage_plans.hpp
//
// Integrations: AWS_PROXY and AWS (Lambda), HTTP_PROXY, HTTP and MOCK, with
// mapping templates (integration.hpp). Everything lowcloud does not
// implement (authorizers, AWS service integrations other than Lambda) is
// reported at startup as a warning naming the operation and extension;
// such operations answer 500 rather than behave differently in silence.
#pragma once

#include "apigateway/gateway_responses.hpp"
#include "apigateway/integration.hpp"
#include "apigateway/json_schema.hpp"
#include "apigateway/usage_plans.hpp"
#include "common/config.hpp"
#include "common/log.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace lowcloud::apigateway {

enum class ApiType { rest, http };

struct Parameter {
    std::string name;
    std::string in;  // path, query, header
    bool required = false;
};

struct Operation {
    std::string method;         // GET, POST, ..., or ANY
    std::string path;           // template, e.g. /watch/{sku}
    std::string operation_id;
    Integration integration;    // kind, and for non-proxy kinds templates and responses
    std::string function;       // AWS_PROXY / AWS: the Lambda function; "" for HTTP and MOCK, or when not bound
    std::string unsupported;    // why it cannot be served, for the 500's log line
    int payload_version = 1;    // 1 or 2
    std::chrono::milliseconds timeout{29000};
    bool validate_body = false;
    bool validate_parameters = false;
    std::shared_ptr<const JsonSchema> body_schema;  // application/json body
    std::vector<Parameter> parameters;
    bool api_key_required = false;
    std::string credentials;       // the integration's role: invoking needs no resource policy
    bool check_permission = false; // APIs from the control plane: the function's policy must allow API Gateway
    std::string resource_id;       // the proxy event's requestContext.resourceId: the id of the path's
                                   // resource, set when the control plane deploys a REST API
};

struct Cors {
    std::vector<std::string> allow_origins, allow_methods, allow_headers, expose_headers;
    std::optional<long long> max_age;
    bool allow_credentials = false;
};

struct Api {
    std::string name;
    std::string id;  // 10 characters of [a-z0-9], derived from the name
    ApiType type = ApiType::rest;
    std::filesystem::path spec;
    std::map<std::string, std::map<std::string, std::string>> stages;  // stage -> variables
    std::vector<std::string> base_paths;  // "/info/v2"
    std::vector<std::string> binary_media_types;
    std::optional<Cors> cors;
    std::set<std::string> api_keys;      // every valid key, usage plans' included
    std::vector<UsagePlan> usage_plans;
    std::vector<Operation> operations;
    GatewayResponses gateway_responses;  // REST: x-amazon-apigateway-gateway-responses
    bool from_manifest = false;          // lowcloud.yaml's (its integrations need no AddPermission)
    nlohmann::json document;             // load_apis(): the spec as read, for the control plane to apply; else null

    std::string first_stage() const { return stages.begin()->first; }
};

// Loads every API of the `apis:` section. Throws ConfigError naming file,
// line and key for the manifest, and the spec file, line (when the parser
// gives one) and operation for specs; `function_exists` checks bindings.
std::vector<Api> load_apis(const ConfigSection& section, const std::function<bool(const std::string&)>& function_exists, Logger& logger);

// An API from an OpenAPI document given as text (YAML or JSON), e.g. one the
// control plane generated: `api` carries name, id, type and stages; the
// operations and API-wide extensions are read from the document. Functions
// are not checked (AWS deploys an integration to a missing function; calls
// then fail). Throws ConfigError naming `source` and the line.
Api api_from_document(Api api, const std::string& document, const std::string& source, Logger& logger);

// A YAML (or JSON) node as JSON, scalars typed as YAML types them (quoted
// scalars stay strings): how OpenAPI documents are read.
nlohmann::json yaml_to_json(const YAML::Node& n);

// The function an integration URI names: "NAME" or "NAME:QUALIFIER", either
// possibly a ${stageVariables.x} reference; "" when the URI names none.
std::string function_from_uri(const std::string& uri);

// The stable API id of a name: 10 characters of [a-z0-9].
std::string api_id_for(const std::string& name);

// A resource id derived from its API's id and its path, stable across
// starts: 10 characters of [a-z0-9] for the root "/", 6 for the others (the
// lengths API Gateway's ids have).
std::string derived_resource_id(const std::string& api_id, const std::string& path);

}  // namespace lowcloud::apigateway
