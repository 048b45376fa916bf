// The host side of the handler ABI: the lowcloud_result a handler fills
// through the lowcloud_host functions, shared by the child runtime and
// in-process execution.
#pragma once

#include "lowcloud/handler.h"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

// Defined in the global namespace, where handler.h declares it.
struct lowcloud_result {
    bool succeeded = false;
    bool failed = false;
    std::string payload;        // succeeded
    std::string error_type;     // failed
    std::string error_message;  // failed
    std::int64_t deadline_ms = 0;  // Unix ms; 0: none (init)
    std::function<void(std::string_view)> log;  // one line
    // host->send for this call (unset: -1, the handler uses the network).
    std::function<int(const lowcloud_http_request&, lowcloud_http_response_fn, void*)> send;
};

namespace lowcloud::lambda {

// The host function table handed to handlers (static, immutable).
const lowcloud_host* host_api();

std::int64_t unix_ms_now();

}  // namespace lowcloud::lambda
