// How other services (API Gateway) invoke Lambda functions without knowing
// the Lambda service's HTTP surface: the types that cross that boundary and
// the Invoker interface. Implemented by lambda::Service; function.hpp
// includes this header, never the reverse.
#pragma once

#include <functional>
#include <string>

namespace lowcloud::lambda {

struct InvokeRequest {
    std::string payload;
    bool async = false;        // Event invocation: retried twice on error
    bool tail = false;         // X-Amz-Log-Type: Tail
    std::string client_context;
    std::string invoked_arn;   // as the caller named it (qualified or not); "" : the function's ARN
};

struct InvokeResult {
    enum class Status { success, function_error, throttled, failed_to_start } status = Status::success;
    std::string request_id;
    std::string payload;   // the response, or the error payload for function errors
    std::string log_tail;  // when tail was asked
    std::string executed_version = "$LATEST";
};

// Called once with the outcome, on any thread; must not block.
using InvokeDone = std::function<void(InvokeResult)>;

class Invoker {
public:
    virtual ~Invoker() = default;
    // `name` is a function name, a partial or full ARN, optionally with a
    // version or alias qualifier ("name:prod").
    virtual bool has_function(const std::string& name) const = 0;
    // Invokes `name` synchronously; `done` runs once, on any thread. An
    // unknown function completes with Status::failed_to_start.
    virtual void invoke(const std::string& name, InvokeRequest request, InvokeDone done) = 0;
    // Whether the function's resource policy (AddPermission) lets `principal`
    // ("apigateway.amazonaws.com") invoke it from `source_arn`, as Lambda
    // checks it: an Allow statement for lambda:InvokeFunction (or lambda:* / *)
    // whose Principal is the service or "*" and whose ArnLike AWS:SourceArn
    // condition, if any, matches (wildcards * and ?). For a qualified name
    // the version's or alias's own policy counts.
    virtual bool permits(const std::string& name, const std::string& principal, const std::string& source_arn) const = 0;
};

}  // namespace lowcloud::lambda
