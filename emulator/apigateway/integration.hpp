// An operation's integration, as API Gateway models it
// (x-amazon-apigateway-integration, or put-integration): the Lambda proxy
// (AWS_PROXY), Lambda without the proxy (AWS, with mapping templates),
// HTTP backends (HTTP_PROXY, and HTTP with templates) and MOCK. This header
// holds the typed model, read once from the OpenAPI extension, and the pure
// steps that non-proxy integrations add around the call:
//   1. request_payload(): the integration request's body, from the request
//      template chosen by Content-Type and the passthrough behaviour
//      (nullopt: 415 Unsupported Media Type, as AWS answers);
//   2. mapped parameters (integration.request.header/querystring/path.X from
//      method.request.*, 'static' values, stageVariables and context);
//   3. select_response(): the integration response whose selectionPattern
//      matches the backend's status code (HTTP, MOCK) or the Lambda
//      function's errorMessage (AWS), else the default one; none at all is
//      AWS's "No match for output mapping" configuration error (500);
//   4. method_response(): the response template chosen by Accept, the
//      response parameters (method.response.header.X from
//      integration.response.header/body, 'static', context, stageVariables).
// Everything is a pure function of its inputs, so thread-safe; templates
// are compiled at load time (mapping_template.hpp).
#pragma once

#include "apigateway/mapping_template.hpp"
#include "http/message.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace lowcloud::apigateway {

enum class IntegrationKind { aws_proxy, aws, http_proxy, http, mock };

struct IntegrationResponse {
    std::string selection_pattern;                 // "" : the default response
    std::shared_ptr<const std::regex> pattern;     // compiled selection_pattern (whole-match, as Java's matches())
    int status = 200;
    std::map<std::string, std::string> parameters;  // "method.response.header.X" -> source expression
    std::vector<std::pair<std::string, MappingTemplate>> templates;  // content type -> template, in document order
    std::string content_handling;                  // CONVERT_TO_TEXT, CONVERT_TO_BINARY or ""
};

struct Integration {
    IntegrationKind kind = IntegrationKind::aws_proxy;
    std::string uri;          // HTTP kinds: the endpoint URL, {name} placeholders filled from integration.request.path.name
    std::string http_method;  // HTTP kinds: the backend's method ("ANY": the client's)
    std::string passthrough = "WHEN_NO_MATCH";  // WHEN_NO_MATCH, WHEN_NO_TEMPLATES, NEVER
    std::map<std::string, std::string> request_parameters;  // "integration.request.header.X" -> source expression
    std::vector<std::pair<std::string, MappingTemplate>> request_templates;  // content type -> template
    std::vector<IntegrationResponse> responses;  // selection order: patterned ones, then the default

    bool proxy() const { return kind == IntegrationKind::aws_proxy || kind == IntegrationKind::http_proxy; }
};

// Reads the non-Lambda-specific parts of an x-amazon-apigateway-integration
// object (type, uri and httpMethod for HTTP kinds, passthroughBehavior,
// requestParameters, requestTemplates, responses). Throws
// std::invalid_argument with a message naming the member at fault (an
// unknown type, a bad URL, a template that does not parse, a selection
// pattern that is not a regular expression, a status code out of range).
Integration read_integration(const nlohmann::json& extension);

// What a request offers to templates and parameter mappings.
struct RequestData {
    const http::Request* request = nullptr;
    std::map<std::string, std::string> path_parameters;
    std::map<std::string, std::string> stage_variables;
    nlohmann::json context = nlohmann::json::object();  // $context: the proxy event's requestContext
};

// Template input for the integration request.
TemplateInput request_template_input(const RequestData& data);

// The integration request's body: the template for the request's
// Content-Type (application/json when absent), or the body as received when
// the passthrough behaviour allows it. nullopt: 415 Unsupported Media Type.
// Throws TemplateError from a template.
std::optional<std::string> request_payload(const Integration& integration, const RequestData& data);

// The value of a parameter mapping source for the integration request:
// method.request.{path,querystring,header}.X, method.request.multivaluequerystring.X,
// 'static', stageVariables.X, context.X, method.request.body[.JSONPath].
// nullopt when the source is absent from this request.
std::optional<std::string> request_parameter_value(const std::string& source, const RequestData& data);

// The backend's answer, as response selection and mapping see it.
struct EndpointResponse {
    int status = 200;                  // HTTP status (MOCK: from the request template's statusCode)
    std::vector<http::Header> headers;
    std::string body;
    std::optional<std::string> error_message;  // AWS (Lambda): the function error's errorMessage
};

// The integration response for `endpoint`, or null when nothing matches
// and there is no default (AWS's configuration error).
const IntegrationResponse* select_response(const Integration& integration, const EndpointResponse& endpoint);

// The client's response from the selected integration response. `accept`:
// the client's Accept header. Throws TemplateError from a template.
http::Response method_response(const IntegrationResponse& selected, const EndpointResponse& endpoint, const RequestData& data,
                               std::string_view accept);

// MOCK: the status the request template asks for ({"statusCode": 404}),
// 200 when the payload carries none. nullopt: not JSON or not a number,
// which AWS answers with 500.
std::optional<int> mock_status(const std::string& payload);

}  // namespace lowcloud::apigateway
