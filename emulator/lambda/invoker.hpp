// How other services (API Gateway) invoke Lambda functions without knowing
// the Lambda service's HTTP surface. Implemented by lambda::Service.
#pragma once

#include "lambda/function.hpp"

#include <string>

namespace lowcloud::lambda {

class Invoker {
public:
    virtual ~Invoker() = default;
    virtual bool has_function(const std::string& name) const = 0;
    // Invokes `name` synchronously; `done` runs once, on any thread.
    // Precondition: has_function(name).
    virtual void invoke(const std::string& name, InvokeRequest request, InvokeDone done) = 0;
};

}  // namespace lowcloud::lambda
