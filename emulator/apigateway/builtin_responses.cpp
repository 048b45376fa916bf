// The gateway's built-in responses (see builtin_responses.hpp).
#include "apigateway/builtin_responses.hpp"

#include "common/encoding.hpp"

#include <nlohmann/json.hpp>

namespace lowcloud::apigateway {

namespace {

std::string message_body(std::string_view message, MessageStyle style) {
    std::string quoted = nlohmann::json(std::string(message)).dump();
    return std::string(style == MessageStyle::spaced ? "{\"message\": " : "{\"message\":") + quoted + "}";
}

http::Response http_api_error(int status, std::string_view message, const std::string& request_id) {
    http::Response r;
    r.status = status;
    r.set_header("Content-Type", "application/json");
    r.set_header("Apigw-Requestid", request_id);
    r.body = message_body(message, MessageStyle::compact);
    return r;
}

}  // namespace

std::string extended_request_id(const std::string& request_id) {
    std::string bytes;
    for (std::size_t i = 0; i + 1 < request_id.size() && bytes.size() < 11; ++i) {
        int hi = hex_value(request_id[i]), lo = hex_value(request_id[i + 1]);
        if (hi < 0 || lo < 0) continue;
        bytes += static_cast<char>(hi * 16 + lo);
        ++i;
    }
    while (bytes.size() < 11) bytes += static_cast<char>(bytes.size() * 37 + 11);
    return base64_encode(bytes);
}

http::Response gateway_response(int status, std::string_view error_type, std::string_view message,
                                const std::string& request_id, MessageStyle style) {
    http::Response r;
    r.status = status;
    r.set_header("Content-Type", "application/json");
    r.set_header("x-amzn-RequestId", request_id);
    r.set_header("x-amzn-ErrorType", std::string(error_type));
    r.set_header("x-amz-apigw-id", extended_request_id(request_id));
    r.body = message_body(message, style);
    return r;
}

http::Response missing_authentication_token(const std::string& request_id) {
    return gateway_response(403, "MissingAuthenticationTokenException", "Missing Authentication Token", request_id);
}

http::Response forbidden(const std::string& request_id) {
    return gateway_response(403, "ForbiddenException", "Forbidden", request_id);
}

http::Response rest_internal_server_error(const std::string& request_id) {
    return gateway_response(502, "InternalServerErrorException", "Internal server error", request_id,
                            MessageStyle::spaced);
}

http::Response endpoint_request_timed_out(const std::string& request_id) {
    return gateway_response(504, "InternalServerErrorException", "Endpoint request timed out", request_id,
                            MessageStyle::spaced);
}

http::Response invalid_request_body(const std::string& request_id) {
    return gateway_response(400, "BadRequestException", "Invalid request body", request_id, MessageStyle::spaced);
}

http::Response missing_request_parameters(std::string_view names, const std::string& request_id) {
    return gateway_response(400, "BadRequestException",
                            "Missing required request parameters: [" + std::string(names) + "]", request_id,
                            MessageStyle::spaced);
}

http::Response too_many_requests(const std::string& request_id) {
    return gateway_response(429, "TooManyRequestsException", "Too Many Requests", request_id);
}

http::Response limit_exceeded(const std::string& request_id) {
    return gateway_response(429, "LimitExceededException", "Limit Exceeded", request_id);
}

http::Response http_not_found(const std::string& request_id) { return http_api_error(404, "Not Found", request_id); }

http::Response http_internal_server_error(const std::string& request_id) {
    return http_api_error(500, "Internal Server Error", request_id);
}

http::Response unsupported_media_type(const std::string& request_id) {
    return gateway_response(415, "UnsupportedMediaTypeException", "Unsupported Media Type", request_id);
}

http::Response internal_server_error(const std::string& request_id) {
    return gateway_response(500, "InternalServerErrorException", "Internal server error", request_id);
}

}  // namespace lowcloud::apigateway
