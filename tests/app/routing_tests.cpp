// Which service owns a request: a table of requests and their owners.
#include "app/routing.hpp"

#include <catch2/catch.hpp>

using lowcloud::app::Family;
using lowcloud::app::classify;
using lowcloud::http::Request;

namespace {
struct Case {
    const char* name;
    const char* method;
    const char* target;
    std::vector<lowcloud::http::Header> headers;
    Family expected;
    const char* operation;
};
}  // namespace

TEST_CASE("routing: requests go to the service that owns them", "[routing]") {
    const std::vector<Case> cases = {
        {"dynamodb_by_target", "POST", "/", {{"X-Amz-Target", "DynamoDB_20120810.PutItem"}}, Family::dynamodb, "PutItem"},
        {"dynamodb_streams_by_target", "POST", "/", {{"x-amz-target", "DynamoDBStreams_20120810.ListStreams"}}, Family::dynamodb, "ListStreams"},
        {"dynamodb_health_root", "GET", "/", {}, Family::dynamodb, "health"},
        {"dynamodb_post_root_without_target", "POST", "/", {}, Family::dynamodb, "?"},
        {"lambda_invoke", "POST", "/2015-03-31/functions/f/invocations", {}, Family::lambda, "POST /2015-03-31/functions/f/invocations"},
        {"lambda_list", "GET", "/2015-03-31/functions/", {}, Family::lambda, "GET /2015-03-31/functions/"},
        {"lambda_runtime_api", "GET", "/2018-06-01/runtime/invocation/next", {}, Family::lambda, "GET /2018-06-01/runtime/invocation/next"},
        {"apigateway_restapis", "GET", "/restapis/abc/dev/_user_request_/watch/1", {}, Family::apigateway, "GET /restapis/abc/dev/_user_request_/watch/1"},
        {"apigateway_execute_api_host", "GET", "/dev/watch/1", {{"Host", "abc123.execute-api.localhost:4566"}}, Family::apigateway, "GET /dev/watch/1"},
        {"apigateway_execute_api_host_no_port", "GET", "/dev/x", {{"Host", "abc123.execute-api.localhost"}}, Family::apigateway, "GET /dev/x"},
        {"apigateway_base_path", "GET", "/info/v2/watch/1?x=1", {}, Family::apigateway, "GET /info/v2/watch/1"},
        {"lowcloud_health", "GET", "/_lowcloud/health", {}, Family::lowcloud, "GET /_lowcloud/health"},
        {"environment_runtime_api", "GET", "/_lowcloud/runtime/fn/3/2018-06-01/runtime/invocation/next", {}, Family::lambda,
         "GET /_lowcloud/runtime/fn/3/2018-06-01/runtime/invocation/next"},
        {"function_logs", "GET", "/_lowcloud/lambda/fn/logs", {}, Family::lambda, "GET /_lowcloud/lambda/fn/logs"},
        {"nobody_owns_it", "GET", "/nothing/here", {}, Family::none, "GET /nothing/here"},
        {"target_wins_over_path", "POST", "/2015-03-31/functions/x", {{"X-Amz-Target", "DynamoDB_20120810.GetItem"}}, Family::dynamodb, "GetItem"},
    };
    auto base_path = [](std::string_view path) { return path.substr(0, 9) == "/info/v2/"; };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            Request r;
            r.method = c.method;
            r.target = c.target;
            r.headers = c.headers;
            auto route = classify(r, base_path);
            CHECK(route.family == c.expected);
            CHECK(route.operation == c.operation);
        }
    }
}

TEST_CASE("routing: body limits per service family", "[routing]") {
    CHECK(lowcloud::app::body_limit(Family::dynamodb) == 16u * 1024 * 1024);
    CHECK(lowcloud::app::body_limit(Family::apigateway) == 10u * 1024 * 1024);
    CHECK(lowcloud::app::body_limit(Family::lambda) == 6u * 1024 * 1024);
}
