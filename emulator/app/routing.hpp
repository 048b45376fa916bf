// Which emulated service owns a request, by AWS's own conventions:
//   X-Amz-Target: DynamoDB_20120810.*  -> DynamoDB (also GET / and POST /)
//   /2015-03-31/functions/...           -> Lambda Invoke and control plane
//   /2018-06-01/runtime/...             -> Lambda Runtime API
//   Host {id}.execute-api.localhost     -> API Gateway
//   /restapis/{id}/{stage}/_user_request_/... -> API Gateway
//   /_lowcloud/runtime/..., /_lowcloud/lambda/... -> Lambda (environments'
//                                          Runtime API, function logs)
//   /_lowcloud/...                      -> the emulator itself (health)
//   a configured API base path          -> API Gateway
//   Host: a custom domain name          -> API Gateway
//   POST / with a form body, no target  -> IAM / STS (Query protocol)
// Pure functions of the request head, so they are tested without a server.
#pragma once

#include "http/message.hpp"

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace lowcloud::app {

enum class Family { dynamodb, lambda, apigateway, iam, lowcloud, none };

std::string_view family_name(Family f);

struct Route {
    Family family = Family::none;
    std::string operation;  // for logs: "PutItem", "GET /watch/1", ...
};

// `api_base_path` tells whether a path falls under a configured API base
// path; `api_host` whether a Host is a custom domain name (optional).
Route classify(const http::Request& head, const std::function<bool(std::string_view path)>& api_base_path,
               const std::function<bool(std::string_view host)>& api_host = nullptr);

// "abc123.execute-api.localhost", with or without ":port": an API invocation.
bool is_execute_api_host(std::string_view host);

// Body limits per family, as AWS enforces them.
constexpr std::size_t kDynamoDbBodyLimit = 16 * 1024 * 1024;
constexpr std::size_t kApiGatewayBodyLimit = 10 * 1024 * 1024;
constexpr std::size_t kLambdaBodyLimit = 6 * 1024 * 1024;
// CreateFunction / UpdateFunctionCode carry a base64 zip of up to 50 MB.
constexpr std::size_t kLambdaCodeBodyLimit = 70167211;
constexpr std::size_t kOtherBodyLimit = 64 * 1024;
constexpr std::size_t kRuntimeApiBodyLimit = 64 * 1024 * 1024;  // responses of execution environments

std::size_t body_limit(Family f);

}  // namespace lowcloud::app
