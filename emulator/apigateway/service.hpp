// The API Gateway service: APIs declared in the manifest (api.hpp), served
//   - under their base paths at the root (custom-domain mappings; the
//     longest matching base path wins, and maps to the API's first stage),
//   - at /restapis/{apiId}/{stage}/_user_request_/{path},
//   - at Host {apiId}.execute-api.localhost[:port] with /{stage}/{path},
// with AWS's routing, request validation (REST), API keys, CORS preflight,
// Lambda proxy integration (payload 1.0 / 2.0, proxy.hpp) through a
// lambda::Invoker, and AWS's gateway responses (403 Missing Authentication
// Token / 404 Not Found, 400 validation, 429 usage plans, 502 / 500 bad integration
// response, 504 at the integration timeout).
//
// Threading: handle() is thread-safe and never blocks; responses complete
// from the Lambda service's threads or the timeout thread. Call shutdown()
// before the HTTP server is destroyed.
#pragma once

#include "apigateway/api.hpp"
#include "apigateway/router.hpp"
#include "common/config.hpp"
#include "common/log.hpp"
#include "http/message.hpp"
#include "lambda/invoker.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

namespace lowcloud::apigateway {

class Service {
public:
    Service(Logger& logger, lambda::Invoker& invoker);
    ~Service();

    // Loads the manifest's `apis:` and their specs. Throws ConfigError.
    void configure(const ConfigSection& apis);

    // Whether `path` falls under a configured base path.
    bool serves_base_path(std::string_view path) const;

    void handle(http::Request request, http::Respond respond);

    // Logs every route with its full URLs (at startup, once the port is known).
    void log_routes(const std::string& base_url) const;

    nlohmann::json health() const;
    void shutdown();

    // A gateway response: JSON {"message": ...} with x-amzn-RequestId and
    // x-amzn-ErrorType.
    static http::Response gateway_response(int status, const std::string& error_type, const std::string& message);

private:
    struct Deployed {
        Api api;
        std::unique_ptr<Router> router;
        std::unique_ptr<UsageMeter> meter;
    };
    struct Pending;

    const Deployed* by_id(std::string_view id) const;
    // `raw_path`: payload 2.0's rawPath when it differs from api_path (the
    // execute-api host with a named stage keeps the stage in it).
    void serve(const Deployed& d, const std::string& stage, std::string api_path, std::string stage_path, http::Request request,
               http::Respond respond, std::string raw_path = "");

    Logger& logger_;
    lambda::Invoker& invoker_;
    std::vector<std::unique_ptr<Deployed>> apis_;

    std::mutex pending_mutex_;
    std::vector<std::shared_ptr<Pending>> pending_;  // invocations waiting, for the integration timeout
    std::atomic<bool> stopping_{false};
    std::thread timer_;
};

}  // namespace lowcloud::apigateway
