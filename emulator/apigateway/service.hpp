// The API Gateway service: APIs declared in the manifest (api.hpp, applied
// through the control plane like a deployment script's) and created by
// scripts (control_plane.hpp), served
//   - under their base paths at the root (custom-domain mappings; the
//     longest matching base path wins, and maps to the API's first stage),
//   - at /restapis/{apiId}/{stage}/_user_request_/{path},
//   - at Host {apiId}.execute-api.localhost[:port] with /{stage}/{path},
// with AWS's routing, request validation (REST), API keys, CORS preflight,
// integrations (Lambda proxy with payload 1.0 / 2.0, proxy.hpp; Lambda with
// mapping templates, HTTP and HTTP_PROXY backends, MOCK: integration.hpp)
// through a lambda::Invoker and an HttpBackend, and AWS's gateway responses
// (builtin_responses.hpp: 403 Missing Authentication Token / 404 Not Found,
// 400 validation, 415, 429 usage plans, 502 / 500 bad integration response,
// 504 at the integration timeout).
//
// A request goes through named steps (pipeline.cpp), each of which either
// answers or hands on: locate (API and stage, handle()), CORS preflight,
// route, API key and usage plan, parameter validation, body validation,
// target (stage variables, permission), integrate (integrations.cpp), and
// the response (CORS headers, customized gateway responses).
//
// APIs created through the control plane (control_plane.hpp, /restapis)
// are served per stage at /restapis/{id}/{stage}/_user_request_/ and at the
// execute-api Host, each stage on the deployment it points at; their
// integrations need the function's permission (AddPermission for
// apigateway.amazonaws.com) or credentials, else the call answers AWS's 500
// and the log names the cause as AWS's execution log does.
//
// Threading: handle() is thread-safe and never blocks; responses complete
// from the Lambda service's threads, the HTTP backend's thread or the
// timeout thread (deadlines.hpp: it sleeps until the earliest integration
// deadline and is woken only by an earlier one, so an idle gateway has no
// wake-ups, and a busy one none per request). Call shutdown() before the
// HTTP server is destroyed.
#pragma once

#include "apigateway/api.hpp"
#include "apigateway/control_plane.hpp"
#include "apigateway/deadlines.hpp"
#include "apigateway/http_backend.hpp"
#include "apigateway/router.hpp"
#include "common/config.hpp"
#include "common/log.hpp"
#include "http/message.hpp"
#include "lambda/invoker.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <map>
#include <mutex>
#include <string_view>
#include <vector>

namespace lowcloud::apigateway {

class Service {
public:
    Service(Logger& logger, lambda::Invoker& invoker, ControlPlaneOptions control = {});
    ~Service();

    // Loads the manifest's `apis:` and their specs, then restores the APIs
    // created through the control plane (data dir). Throws ConfigError.
    void configure(const ConfigSection& apis);

    // Whether `path` falls under a configured base path.
    bool serves_base_path(std::string_view path) const;
    // Whether `host` (a Host header, port allowed) is a custom domain name.
    bool serves_host(std::string_view host) const;

    void handle(http::Request request, http::Respond respond);

    // Logs every route with its full URLs (at startup, once the port is known).
    void log_routes(const std::string& base_url) const;

    nlohmann::json health() const;
    void shutdown();

    struct Call;  // one request through a deployed API (pipeline.hpp; opaque elsewhere)
    using CallPtr = std::shared_ptr<Call>;

    // A gateway response: JSON {"message": ...} with x-amzn-RequestId and
    // x-amzn-ErrorType.
    static http::Response gateway_response(int status, const std::string& error_type, const std::string& message);

private:
    struct Deployed {
        Api api;
        std::unique_ptr<Router> router;
        std::unique_ptr<UsageMeter> meter;
    };

    // A control-plane API's stage: the stage's Deployed, or null; `known`
    // tells whether the API has any stage at all.
    std::shared_ptr<const Deployed> deployed_stage(const std::string& id, const std::string& stage, bool* known = nullptr) const;
    void publish(const std::string& id, const std::string& stage, std::shared_ptr<const Api> api);
    void log_api_routes(const Api& a) const;
    // `raw_path`: payload 2.0's rawPath when it differs from api_path (the
    // execute-api host with a named stage keeps the stage in it). `keep`
    // holds a control-plane Deployed alive while its requests are in flight.
    void serve(const Deployed& d, const std::string& stage, std::string api_path, std::string stage_path, http::Request request,
               http::Respond respond, std::string raw_path = "", std::shared_ptr<const Deployed> keep = nullptr);

    // The pipeline's steps, in order (pipeline.cpp). Each returns true to
    // hand the call on, or answers it and returns false.
    bool answer_preflight(Call& call);
    bool route(Call& call);
    bool check_api_key(Call& call);
    bool validate_parameters(Call& call);
    bool validate_body(Call& call);
    bool resolve_target(Call& call);
    void integrate(const CallPtr& call);
    // The integrations (integrations.cpp).
    void invoke_proxy(const CallPtr& call);
    void invoke_lambda(const CallPtr& call);
    void call_http(const CallPtr& call);
    void answer_mock(const CallPtr& call);
    // The steps non-proxy integrations share (integrations.cpp).
    std::optional<std::string> integration_request(Call& call, const RequestData& data);
    void answer_from_integration(Call& call, const EndpointResponse& endpoint, const RequestData& data);
    // The end of every call: the first outcome wins (the integration's or
    // the timeout's); adds CORS headers.
    void complete(Call& call, http::Response response);
    // A gateway response, customized by the API's gateway responses (REST).
    void fail(Call& call, http::Response response, const char* type, const std::string& message, std::string validation = "");
    void template_failed(Call& call, const TemplateError& e, const char* which);
    void configuration_error(Call& call);
    void unexpected(Call& call, const std::exception& e);  // AWS's 500 for a misconfigured integration (REST or HTTP API wording)  // which: "request" or "response"
    void watch_deadline(const CallPtr& call);
    void time_out(Call& call);

    Logger& logger_;
    lambda::Invoker& invoker_;
    ControlPlaneOptions control_options_;
    std::unique_ptr<ControlPlane> control_;
    mutable std::mutex deployed_mutex_;
    std::map<std::pair<std::string, std::string>, std::shared_ptr<const Deployed>> deployed_;  // (api id, stage)
    std::map<std::string, std::pair<std::string, std::string>> base_paths_;  // lowcloud.yaml's base path -> (api id, stage)
    std::map<std::string, std::vector<ControlPlane::Mapping>> domains_;  // custom domain -> mappings
    mutable std::string base_url_;  // for route logs, once the server listens (under deployed_mutex_)

    HttpBackend backend_;
    Deadlines deadlines_;  // calls waiting on an integration
};

}  // namespace lowcloud::apigateway
