// The C++ handler layer's glue to the C ABI (see lowcloud/lambda.hpp):
// builds the Context, parses the event, runs the handler and turns its
// result or exception into host->succeed / host->fail.
#include "lowcloud/lambda.hpp"

#include "current_call.hpp"
#include "json/json_parse.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <typeinfo>

namespace lowcloud::sdk {

namespace {

std::string demangled(const std::type_info& type) {
    int status = 0;
    std::unique_ptr<char, void (*)(void*)> name(abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), std::free);
    return status == 0 && name ? name.get() : type.name();
}

template <class F>
int guarded(const lowcloud_host* host, lowcloud_result* result, F&& body) noexcept {
    try {
        body();
        return 0;
    } catch (const Error& e) {
        host->fail(result, e.type().c_str(), e.what());
    } catch (const nlohmann::json::exception& e) {
        host->fail(result, "Runtime.JsonError", e.what());
    } catch (const std::exception& e) {
        host->fail(result, demangled(typeid(e)).c_str(), e.what());
    } catch (...) {
        host->fail(result, "Runtime.UnknownError", "a non-standard exception was thrown");
    }
    return 0;
}

}  // namespace

Context::Context(const lowcloud_invocation& i, const lowcloud_host& host, lowcloud_result* result)
    : request_id(i.request_id),
      function_name(i.function_name),
      function_arn(i.function_arn),
      function_version(i.function_version),
      log_group(i.log_group),
      log_stream(i.log_stream),
      trace_id(i.trace_id),
      client_context(i.client_context),
      cognito_identity(i.cognito_identity),
      memory_mb(i.memory_mb),
      deadline_ms(i.deadline_ms),
      host_(&host),
      result_(result) {}

std::chrono::milliseconds Context::remaining_time() const { return std::chrono::milliseconds(host_->remaining_ms(result_)); }

void Context::log(std::string_view line) const { host_->log(result_, line.data(), line.size()); }

namespace detail {

CurrentCall& current_call() {
    thread_local CurrentCall call;
    return call;
}

int invoke(Handler handler, const lowcloud_invocation* invocation, const lowcloud_host* host, lowcloud_result* result) noexcept {
    return guarded(host, result, [&] {
        CallScope scope(host, result);
        Context context(*invocation, *host, result);
        nlohmann::json event = invocation->payload_size ? jsonparse::parse({invocation->payload, invocation->payload_size}) : nlohmann::json();
        std::string out = handler(event, context).dump();
        host->succeed(result, out.data(), out.size());
    });
}

int init(Init fn, const lowcloud_host* host, lowcloud_result* result) noexcept {
    return guarded(host, result, [&] {
        CallScope scope(host, result);
        fn();
    });
}

}  // namespace detail

}  // namespace lowcloud::sdk
