// Classifying requests by service family (see routing.hpp).
#include "app/routing.hpp"

namespace lowcloud::app {

namespace {
bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }
}  // namespace

bool is_execute_api_host(std::string_view host) {
    auto colon = host.rfind(':');
    if (colon != std::string_view::npos && host.find(']') == std::string_view::npos) host = host.substr(0, colon);
    constexpr std::string_view suffix = ".execute-api.localhost";
    return host.size() > suffix.size() && host.substr(host.size() - suffix.size()) == suffix;
}

std::string_view family_name(Family f) {
    switch (f) {
        case Family::dynamodb: return "dynamodb";
        case Family::lambda: return "lambda";
        case Family::apigateway: return "apigateway";
        case Family::iam: return "iam";
        case Family::lowcloud: return "lowcloud";
        case Family::none: break;
    }
    return "none";
}

Route classify(const http::Request& head, const std::function<bool(std::string_view)>& api_base_path,
               const std::function<bool(std::string_view)>& api_host) {
    std::string_view target = head.header("X-Amz-Target");
    std::string_view path = head.path();
    auto op = [&] { return head.method + " " + std::string(path); };

    if (starts_with(target, "DynamoDB_20120810.") || starts_with(target, "DynamoDBStreams_20120810."))
        return {Family::dynamodb, std::string(target.substr(target.find('.') + 1))};
    if (is_execute_api_host(head.header("Host"))) return {Family::apigateway, op()};
    if (api_host && !head.header("Host").empty() && api_host(head.header("Host"))) return {Family::apigateway, op()};
    if (starts_with(path, "/2015-03-31/functions") || starts_with(path, "/2018-06-01/runtime/") || starts_with(path, "/2017-03-31/tags/") ||
        starts_with(path, "/2016-08-19/account-settings") || starts_with(path, "/2017-10-31/functions/") || starts_with(path, "/2019-09-30/functions/"))
        return {Family::lambda, op()};
    if (starts_with(path, "/restapis/") || path == "/restapis" || starts_with(path, "/domainnames") || starts_with(path, "/v2/domainnames") ||
        starts_with(path, "/v2/apis"))
        return {Family::apigateway, op()};
    // Each Lambda execution environment's Runtime API, and Lambda's logs.
    if (starts_with(path, "/_lowcloud/runtime/") || starts_with(path, "/_lowcloud/lambda/")) return {Family::lambda, op()};
    if (starts_with(path, "/_lowcloud/")) return {Family::lowcloud, op()};
    if (api_base_path && api_base_path(path)) return {Family::apigateway, op()};
    // The Query protocol (IAM, STS): a form body posted to the root.
    if (path == "/" && head.method == "POST" && target.empty() &&
        head.header("Content-Type").find("application/x-www-form-urlencoded") != std::string_view::npos)
        return {Family::iam, "POST /"};
    // DynamoDB's endpoint root: GET / is its health check, OPTIONS / a
    // browser SDK's CORS preflight, POST / without a target a DynamoDB
    // request missing its operation.
    if (path == "/" && (head.method == "GET" || head.method == "POST" || head.method == "OPTIONS"))
        return {Family::dynamodb, head.method == "GET" ? "health" : head.method == "OPTIONS" ? "preflight" : "?"};
    return {Family::none, op()};
}

std::size_t body_limit(Family f) {
    switch (f) {
        case Family::dynamodb: return kDynamoDbBodyLimit;
        case Family::apigateway: return kApiGatewayBodyLimit;
        case Family::lambda: return kLambdaBodyLimit;
        default: return kOtherBodyLimit;
    }
}

}  // namespace lowcloud::app
