// Customized gateway responses of REST APIs: the spec's
// `x-amazon-apigateway-gateway-responses` extension, e.g.
//
//   x-amazon-apigateway-gateway-responses:
//     BAD_REQUEST_BODY:
//       statusCode: 400
//       responseParameters: {gatewayresponse.header.x-reason: "'validation'"}
//       responseTemplates:
//         application/json: '{"message": "$context.error.validationErrorString"}'
//
// Supported response types: MISSING_AUTHENTICATION_TOKEN, INVALID_API_KEY,
// BAD_REQUEST_BODY, BAD_REQUEST_PARAMETERS, THROTTLED, QUOTA_EXCEEDED,
// INTEGRATION_TIMEOUT, REQUEST_TOO_LARGE, and DEFAULT_4XX / DEFAULT_5XX as
// fallbacks by status class. As in AWS, templates get simple variable
// substitution only (no VTL): $context.error.message, .messageString (the
// message as a quoted JSON string), .responseType, .validationErrorString,
// $context.requestId, .extendedRequestId, .apiId, .stage, .resourcePath,
// .httpMethod, .path, .domainName, .identity.sourceIp and
// $stageVariables.NAME; unknown variables become empty. Header values are
// 'static' or method.request.header|querystring|path.NAME,
// stageVariables.NAME or context.NAME.
//
// In JSON templates, substituted values are JSON-escaped (messageString
// is already a quoted JSON string), so "...$context.error.message..." stays
// valid JSON.
//
// Differences from AWS: validationErrorString holds lowcloud's validator
// description ("$.year: expected integer"), not the wording of AWS's Java
// validator ("[instance type (string) does not match any allowed primitive
// type ...]").
//
// Immutable after construction; apply() is thread-safe.
#pragma once

#include "http/message.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lowcloud::apigateway {

class GatewayResponses {
public:
    GatewayResponses() = default;
    // Reads the extension's value. Throws std::invalid_argument naming the
    // response type and member for an unknown type or an ill-typed member.
    explicit GatewayResponses(const nlohmann::json& extension);

    // What a response's variables resolve against.
    struct Context {
        std::string type;              // e.g. "BAD_REQUEST_BODY"
        std::string message;           // the default body's message
        std::string validation_error;  // BAD_REQUEST_BODY / _PARAMETERS
        std::string request_id, api_id, stage, resource_path, http_method, path, domain_name;
        const http::Request* request = nullptr;  // for method.request.* (may be null)
        const std::map<std::string, std::string>* stage_variables = nullptr;
        const std::map<std::string, std::string>* path_parameters = nullptr;
    };

    // Applies the customization for ctx.type (else DEFAULT_4XX/5XX by the
    // response's status) to the default gateway response `r`: status,
    // extra headers and the body template. No customization: `r` unchanged.
    void apply(http::Response& r, const Context& ctx) const;

    bool empty() const { return by_type_.empty(); }

private:
    struct Custom {
        std::optional<int> status;
        std::vector<std::pair<std::string, std::string>> headers;  // name, value expression
        std::map<std::string, std::string> templates;              // content type -> template
    };
    std::map<std::string, Custom> by_type_;
};

}  // namespace lowcloud::apigateway
