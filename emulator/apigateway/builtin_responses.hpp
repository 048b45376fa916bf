// The gateway's built-in responses, byte for byte as API Gateway sends them
// when it answers a request itself (no route, a missing API key, a failed
// validation, a throttled key, an integration that failed or timed out),
// before any customization by x-amazon-apigateway-gateway-responses
// (gateway_responses.hpp). REST APIs answer {"message": ...} with
// x-amzn-RequestId, x-amzn-ErrorType and x-amz-apigw-id; HTTP APIs answer
// {"message": ...} with Apigw-Requestid only. Pure functions: thread-safe.
#pragma once

#include "http/message.hpp"

#include <string>
#include <string_view>

namespace lowcloud::apigateway {

// A REST gateway response: body {"message":...} (compact, or with a space
// after the colon where AWS writes it so), content-type application/json,
// x-amzn-RequestId, x-amzn-ErrorType and x-amz-apigw-id.
enum class MessageStyle { compact, spaced };
http::Response gateway_response(int status, std::string_view error_type, std::string_view message,
                                const std::string& request_id, MessageStyle style = MessageStyle::compact);

http::Response missing_authentication_token(const std::string& request_id);  // REST 403 no route
http::Response forbidden(const std::string& request_id);                     // REST 403 API key
http::Response rest_internal_server_error(const std::string& request_id);    // REST 502 malformed / function error
http::Response endpoint_request_timed_out(const std::string& request_id);    // REST 504
http::Response invalid_request_body(const std::string& request_id);          // REST 400 validator
http::Response missing_request_parameters(std::string_view names, const std::string& request_id);  // REST 400
http::Response too_many_requests(const std::string& request_id);             // REST 429 usage plan throttle
http::Response limit_exceeded(const std::string& request_id);                // REST 429 usage plan quota
// HTTP APIs: no x-amzn-ErrorType; the id travels in Apigw-Requestid.
http::Response http_not_found(const std::string& request_id);                // HTTP API 404 no route
http::Response http_internal_server_error(const std::string& request_id);    // HTTP API 500

http::Response unsupported_media_type(const std::string& request_id);       // REST 415 no template, passthrough refused
http::Response internal_server_error(const std::string& request_id);        // REST 500 configuration error

// REST's extendedRequestId / x-amz-apigw-id: 16 characters of base64
// ("NvWWKEZbliAFliA="), derived from the request id.
std::string extended_request_id(const std::string& request_id);

}  // namespace lowcloud::apigateway
