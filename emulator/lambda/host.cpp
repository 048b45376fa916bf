// The lowcloud_host function table (see host.hpp).
#include "lambda/host.hpp"

#include <chrono>

namespace lowcloud::lambda {

namespace {
void succeed(lowcloud_result* r, const char* data, std::size_t size) {
    if (r->succeeded || r->failed) return;  // the first outcome wins
    r->succeeded = true;
    r->payload.assign(data ? data : "", data ? size : 0);
}
void fail(lowcloud_result* r, const char* type, const char* message) {
    if (r->succeeded || r->failed) return;
    r->failed = true;
    r->error_type = type ? type : "Error";
    r->error_message = message ? message : "";
}
void log(lowcloud_result* r, const char* line, std::size_t size) {
    if (r->log) r->log(std::string_view(line ? line : "", line ? size : 0));
}
std::int64_t remaining(const lowcloud_result* r) {
    if (!r->deadline_ms) return 0;
    std::int64_t left = r->deadline_ms - unix_ms_now();
    return left > 0 ? left : 0;
}
int send(lowcloud_result* r, const lowcloud_http_request* request, lowcloud_http_response_fn on_response, void* context) {
    if (!r->send || !request || !on_response || request->struct_size < sizeof(lowcloud_http_request)) return -1;
    return r->send(*request, on_response, context);
}
constexpr lowcloud_host kHost = {sizeof(lowcloud_host), succeed, fail, log, remaining, send};
}  // namespace

const lowcloud_host* host_api() { return &kHost; }

std::int64_t unix_ms_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace lowcloud::lambda
