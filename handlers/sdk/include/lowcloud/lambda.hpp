// The C++ layer for handler authors, over the C ABI in handler.h. A handler
// is a function from a JSON event and a Context to a JSON response; throwing
// lowcloud::sdk::Error reports a function error with that errorType and
// errorMessage (any other exception reports its C++ type name).
//
//   #include <lowcloud/lambda.hpp>
//   static nlohmann::json echo(const nlohmann::json& event, lowcloud::sdk::Context& ctx) {
//       ctx.log("echoing " + ctx.request_id);
//       return event;
//   }
//   LOWCLOUD_HANDLER(handler, echo)      // exports the C symbol "handler"
//   LOWCLOUD_INIT(setup)                 // optional: void setup(); once per environment
//
// Including this header also exports lowcloud_abi_version() (a weak
// definition, so any number of files may include it).
#pragma once

#include "lowcloud/handler.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

extern "C" __attribute__((weak, visibility("default"))) uint32_t lowcloud_abi_version(void) { return LOWCLOUD_ABI_VERSION; }

namespace lowcloud::sdk {

// What Lambda tells a handler about the invocation.
class Context {
public:
    Context(const lowcloud_invocation& invocation, const lowcloud_host& host, lowcloud_result* result);

    std::string request_id;
    std::string function_name;
    std::string function_arn;
    std::string function_version;
    std::string log_group;
    std::string log_stream;
    std::string trace_id;
    std::string client_context;
    std::string cognito_identity;
    std::uint32_t memory_mb = 0;
    std::int64_t deadline_ms = 0;  // Unix time

    std::chrono::milliseconds remaining_time() const;
    // One line in the invocation's log (CloudWatch in AWS; Tail and the
    // emulator's log here).
    void log(std::string_view line) const;

private:
    const lowcloud_host* host_;
    lowcloud_result* result_;
};

// A function error with Lambda's errorType / errorMessage.
class Error : public std::runtime_error {
public:
    Error(std::string type, const std::string& message) : std::runtime_error(message), type_(std::move(type)) {}
    const std::string& type() const { return type_; }

private:
    std::string type_;
};

using Handler = nlohmann::json (*)(const nlohmann::json& event, Context& context);
using Init = void (*)();

namespace detail {
int invoke(Handler handler, const lowcloud_invocation* invocation, const lowcloud_host* host, lowcloud_result* result) noexcept;
int init(Init init, const lowcloud_host* host, lowcloud_result* result) noexcept;
}  // namespace detail

}  // namespace lowcloud::sdk

#define LOWCLOUD_HANDLER(symbol, function)                                                                          \
    extern "C" __attribute__((visibility("default"))) int symbol(const lowcloud_invocation* invocation,            \
                                                                   const lowcloud_host* host, lowcloud_result* result) { \
        return ::lowcloud::sdk::detail::invoke(function, invocation, host, result);                                \
    }

#define LOWCLOUD_INIT(function)                                                                                     \
    extern "C" __attribute__((visibility("default"))) int lowcloud_init(const lowcloud_host* host, lowcloud_result* result) { \
        return ::lowcloud::sdk::detail::init(function, host, result);                                              \
    }
