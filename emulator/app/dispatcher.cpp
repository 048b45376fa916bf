// Request dispatch, health and access logging (see dispatcher.hpp).
#include "app/dispatcher.hpp"

#include "common/ids.hpp"

namespace lowcloud::app {

Dispatcher::Dispatcher(Logger& logger, Services services, std::string version, const Authenticator& auth)
    : logger_(logger), services_(services), auth_(auth), version_(std::move(version)) {}

// CreateFunction or UpdateFunctionCode (their bodies carry a zip), else null.
const char* Dispatcher::upload_operation(const http::Request& head) {
    std::string_view path = head.path();
    if (head.method == "POST" && (path == "/2015-03-31/functions" || path == "/2015-03-31/functions/")) return "CreateFunction";
    if (head.method == "PUT" && path.substr(0, 22) == "/2015-03-31/functions/" && path.ends_with("/code")) return "UpdateFunctionCode";
    return nullptr;
}

Route Dispatcher::route(const http::Request& head) const {
    return classify(head, [this](std::string_view path) { return services_.apigateway.serves_base_path(path); },
                    [this](std::string_view host) { return services_.apigateway.serves_host(host); });
}

std::size_t Dispatcher::body_limit(const http::Request& head) const {
    // An environment posting a response over Lambda's 6 MB must reach the
    // Lambda service, which fails the invocation with
    // Function.ResponseSizeTooLarge as Lambda does.
    if (head.path().substr(0, 19) == "/_lowcloud/runtime/") return kRuntimeApiBodyLimit;
    if (upload_operation(head)) return kLambdaCodeBodyLimit;
    return app::body_limit(route(head).family);
}

http::Response Dispatcher::reject(const http::Request& head, int status, std::string_view reason) const {
    Family family = head.method.empty() ? Family::none : route(head).family;
    if (status == 413 && family == Family::lambda) {
        const char* op = upload_operation(head);
        return lambda::Service::error(413, "RequestEntityTooLargeException",
                                      "Request must be smaller than " + std::to_string(op ? kLambdaCodeBodyLimit : kLambdaBodyLimit) +
                                          " bytes for the " + (op ? op : "InvokeFunction") + " operation");
    }
    if (status == 413 && family == Family::apigateway)
        return apigateway::Service::gateway_response(413, "RequestTooLarge", "Request Too Long");
    http::Response r = http::Response::text(status, std::string(reason) + "\n");
    if (!head.method.empty() && status != 500)
        logger_.info(std::string(family_name(family)) + " " + route(head).operation + " " + std::to_string(status) + " rejected");
    return r;
}

http::Response Dispatcher::lowcloud_endpoint(const http::Request& request) const {
    if (request.path() == "/_lowcloud/health" && (request.method == "GET" || request.method == "HEAD")) {
        auto uptime = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_);
        nlohmann::json body = {
            {"status", "running"},
            {"version", version_},
            {"uptime_ms", uptime.count()},
            {"services",
             {{"dynamodb", services_.dynamodb.health()},
              {"lambda", services_.lambda.health()},
              {"apigateway", services_.apigateway.health()},
              {"iam", services_.iam.health()}}},
        };
        return http::Response::text(200, body.dump(), "application/json");
    }
    nlohmann::json body = {{"message", "lowcloud has no endpoint " + request.method + " " + std::string(request.path())}};
    return http::Response::text(404, body.dump(), "application/json");
}

void Dispatcher::handle(http::Request request, http::Respond respond) {
    Route r = route(request);
    if (r.family == Family::iam) r.operation = iam::Service::action(request);
    auto start = std::chrono::steady_clock::now();
    auto log = [this, start](const Route& r, const http::Response& response) {
        // Execution environments' Runtime API calls are chatter: debug only.
        LogLevel level = r.operation.find(" /_lowcloud/runtime/") != std::string::npos ? LogLevel::debug : LogLevel::info;
        if (logger_.enabled(level)) {
            auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
            logger_.log(level, std::string(family_name(r.family)) + " " + r.operation + " " + std::to_string(response.status) + " " +
                                   std::to_string(us) + "us");
        }
    };
    // Services that answer before they return are logged here; the others
    // get a Respond that logs when they call it (a std::function, built only
    // for them).
    auto answer = [&](http::Response response) {
        log(r, response);
        respond(std::move(response));
    };
    auto logged = [&] {
        return [log, r, respond = std::move(respond)](http::Response response) mutable {
            log(r, response);
            respond(std::move(response));
        };
    };

    if (auto refused = auth_.check(request, r)) return answer(std::move(*refused));
    switch (r.family) {
        case Family::dynamodb: return answer(services_.dynamodb.handle(request));
        case Family::lambda: return services_.lambda.handle(std::move(request), logged());
        case Family::apigateway: return services_.apigateway.handle(std::move(request), logged());
        case Family::iam: return answer(services_.iam.handle(request));
        case Family::lowcloud: return answer(lowcloud_endpoint(request));
        case Family::none: break;
    }
    // Nobody owns it: answer like an AWS endpoint that does not know the path.
    http::Response response = http::Response::text(
        404,
        nlohmann::json{{"message", "No emulated AWS service handles " + request.method + " " + std::string(request.path())}}.dump(),
        "application/json");
    response.set_header("x-amzn-RequestId", random_uuid());
    response.set_header("x-amzn-ErrorType", "UnknownOperationException");
    answer(std::move(response));
}

}  // namespace lowcloud::app
