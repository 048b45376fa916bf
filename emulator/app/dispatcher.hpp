// The application's http::Handler: sends each request to the service that
// owns it (routing.hpp), applies that service's body limit, answers
// `GET /_lowcloud/health`, and logs one line per request (service,
// operation, status, duration in microseconds) at info level. With
// `--auth sigv4`, requests AWS wants signed are checked first (auth.hpp).
// Thread-safe, as http::Handler requires; it holds no mutable state.
#pragma once

#include "apigateway/service.hpp"
#include "app/auth.hpp"
#include "app/routing.hpp"
#include "common/log.hpp"
#include "dynamodb/service.hpp"
#include "http/message.hpp"
#include "iam/service.hpp"
#include "lambda/service.hpp"

#include <chrono>
#include <string>

namespace lowcloud::app {

struct Services {
    dynamodb::Service& dynamodb;
    lambda::Service& lambda;
    apigateway::Service& apigateway;
    iam::Service& iam;
};

class Dispatcher final : public http::Handler {
public:
    // `auth` checks signatures first (when enabled); it must outlive the dispatcher.
    Dispatcher(Logger& logger, Services services, std::string version, const Authenticator& auth);

    std::size_t body_limit(const http::Request& head) const override;
    void handle(http::Request request, http::Respond respond) override;
    http::Response reject(const http::Request& head, int status, std::string_view reason) const override;

private:
    static const char* upload_operation(const http::Request& head);
    Route route(const http::Request& head) const;
    http::Response lowcloud_endpoint(const http::Request& request) const;

    Logger& logger_;
    Services services_;
    const Authenticator& auth_;
    std::string version_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace lowcloud::app
