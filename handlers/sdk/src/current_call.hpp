// The handler call running on this thread (private to the SDK): the C++
// layer (lambda.cpp) records the host and result of each handler and init
// call, so the SDK's clients can use the host's functions (host->send)
// without the handler passing its Context along.
#pragma once

#include "lowcloud/handler.h"

#include <cstddef>

namespace lowcloud::sdk::detail {

struct CurrentCall {
    const lowcloud_host* host = nullptr;
    lowcloud_result* result = nullptr;
};

// This thread's call; {nullptr, nullptr} outside handler and init calls.
CurrentCall& current_call();

// Sets the thread's call for its lifetime, restoring the previous one.
class CallScope {
public:
    CallScope(const lowcloud_host* host, lowcloud_result* result) : saved_(current_call()) { current_call() = {host, result}; }
    ~CallScope() { current_call() = saved_; }
    CallScope(const CallScope&) = delete;
    CallScope& operator=(const CallScope&) = delete;

private:
    CurrentCall saved_;
};

// host->send when the running call's host has it (hosts older than the
// member pass a smaller struct_size).
inline bool host_can_send(const lowcloud_host* host) {
    return host && host->struct_size >= offsetof(lowcloud_host, send) + sizeof(host->send) && host->send;
}

}  // namespace lowcloud::sdk::detail
