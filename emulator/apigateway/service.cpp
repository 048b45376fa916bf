// The API Gateway service's HTTP surface (see service.hpp).
#include "apigateway/service.hpp"

#include "common/ids.hpp"

namespace lowcloud::apigateway {

Service::Service(Logger& logger) : logger_(logger) {}

void Service::configure(const ConfigSection& apis) {
    auto entries = config_sequence(apis);
    if (!entries.empty())
        throw ConfigError(config_location(apis, entries.front()) + ": apis[0]: APIs are not supported by this build yet");
}

bool Service::serves_base_path(std::string_view) const { return false; }

http::Response Service::gateway_response(int status, const std::string& error_type, const std::string& message) {
    http::Response r;
    r.status = status;
    r.set_header("Content-Type", "application/json");
    r.set_header("x-amzn-RequestId", random_uuid());
    r.set_header("x-amzn-ErrorType", error_type);
    r.body = nlohmann::json{{"message", message}}.dump();
    return r;
}

void Service::handle(http::Request, http::Respond respond) {
    respond(gateway_response(404, "NotFoundException", "Not Found"));
}

nlohmann::json Service::health() const { return {{"status", "running"}, {"apis", 0}}; }

}  // namespace lowcloud::apigateway
