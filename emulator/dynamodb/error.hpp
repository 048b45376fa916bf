// The one error type of the DynamoDB service. Every expected failure of a
// DynamoDB request (bad input, missing table, failed condition...) is thrown
// as an ApiError and turned into DynamoDB's JSON error body in exactly one
// place (protocol.cpp). Factories below carry DynamoDB's type prefixes so
// callers name only the short type and the message.
#pragma once

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

namespace lowcloud::dynamodb {

class ApiError : public std::runtime_error {
public:
    // `type` is the full `__type`, e.g.
    // "com.amazon.coral.validate#ValidationException".
    ApiError(std::string type, std::string message, int status = 400)
        : std::runtime_error(message), type_(std::move(type)), status_(status) {}

    const std::string& type() const { return type_; }
    int status() const { return status_; }
    // The short name after '#', e.g. "ValidationException".
    std::string short_type() const { return type_.substr(type_.find('#') + 1); }

    // Extra top-level members of the error body (e.g. "Item" for a
    // ConditionalCheckFailedException, "CancellationReasons").
    nlohmann::json extra = nlohmann::json::object();

private:
    std::string type_;
    int status_;
};

inline ApiError validation_error(std::string message) {
    return ApiError("com.amazon.coral.validate#ValidationException", std::move(message));
}
inline ApiError serialization_error(std::string message) {
    return ApiError("com.amazon.coral.service#SerializationException", std::move(message));
}
inline ApiError unknown_operation_error(std::string message) {
    return ApiError("com.amazon.coral.service#UnknownOperationException", std::move(message));
}
// Types in the com.amazonaws.dynamodb.v20120810 namespace, e.g.
// "ResourceNotFoundException", "ConditionalCheckFailedException".
inline ApiError dynamodb_error(const std::string& short_type, std::string message) {
    return ApiError("com.amazonaws.dynamodb.v20120810#" + short_type, std::move(message));
}
inline ApiError resource_not_found(std::string message = "Requested resource not found") {
    return dynamodb_error("ResourceNotFoundException", std::move(message));
}
inline ApiError internal_error(std::string message) {
    return ApiError("com.amazonaws.dynamodb.v20120810#InternalServerError", std::move(message), 500);
}

}  // namespace lowcloud::dynamodb
