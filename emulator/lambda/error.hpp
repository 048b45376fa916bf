// The one error type of Lambda's API: what a control-plane or Invoke call
// answers when it refuses a request. Serialized in one place
// (Service::error): status, x-amzn-ErrorType, and a JSON body
// {"Type":"User","message":...}.
#pragma once

#include <stdexcept>
#include <string>

namespace lowcloud::lambda {

class ApiError : public std::runtime_error {
public:
    ApiError(int status, std::string type, const std::string& message)
        : std::runtime_error(message), status_(status), type_(std::move(type)) {}
    int status() const { return status_; }
    const std::string& type() const { return type_; }

    static ApiError invalid(const std::string& message) { return {400, "InvalidParameterValueException", message}; }
    static ApiError validation(const std::string& message) { return {400, "ValidationException", message}; }
    static ApiError not_found(const std::string& message) { return {404, "ResourceNotFoundException", message}; }
    static ApiError conflict(const std::string& message) { return {409, "ResourceConflictException", message}; }
    static ApiError precondition() {
        return {412, "PreconditionFailedException",
                "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest "
                "Revision Id"};
    }

private:
    int status_;
    std::string type_;
};

}  // namespace lowcloud::lambda
