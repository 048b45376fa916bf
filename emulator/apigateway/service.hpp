// The API Gateway service: serves APIs declared in the manifest under their
// base paths, at /restapis/{id}/{stage}/_user_request_/..., and at Host
// {id}.execute-api.localhost.
//
// Current scope: no APIs can be declared yet (the manifest's `apis:` is
// refused at startup rather than ignored); requests addressed to API Gateway
// get its "not found" answer.
//
// Thread-safe: handle() may be called from any I/O thread.
#pragma once

#include "common/config.hpp"
#include "common/log.hpp"
#include "http/message.hpp"

#include <nlohmann/json.hpp>

#include <string_view>

namespace lowcloud::apigateway {

class Service {
public:
    explicit Service(Logger& logger);

    // Parses the manifest's `apis:` section. Throws ConfigError.
    void configure(const ConfigSection& apis);

    // Whether `path` falls under a configured base path.
    bool serves_base_path(std::string_view path) const;

    void handle(http::Request request, http::Respond respond);

    nlohmann::json health() const;

    // A gateway response: JSON {"message": ...} with x-amzn-RequestId and
    // x-amzn-ErrorType.
    static http::Response gateway_response(int status, const std::string& error_type, const std::string& message);

private:
    Logger& logger_;
};

}  // namespace lowcloud::apigateway
