// The client side of HTTP and HTTP_PROXY integrations: API Gateway calling
// an http:// or https:// backend. Calls are asynchronous: send() returns at
// once and `done` runs later on the backend's own I/O thread, so a gateway
// request never holds one of the server's I/O threads while a backend
// thinks.
//
// Contract:
//  - one connection per call (Connection: close), HTTP/1.1, Host from the URL;
//  - https verifies the server's certificate against the system's CA store
//    and its name, as API Gateway does for public endpoints;
//  - `timeout` bounds the whole call; the response body is capped at 10 MB
//    (API Gateway's payload limit); both end the call with an error;
//  - `done` is called exactly once per send(), unless the backend is being
//    destroyed, which abandons calls in flight without calling them.
// Threading: send() is thread-safe. The I/O thread starts on the first
// send(), so an emulator without HTTP integrations has none; it sleeps in
// the kernel while idle.
#pragma once

#include "http/message.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace lowcloud::apigateway {

struct BackendCall {
    std::string method;  // GET, POST, ...
    std::string url;     // http[s]://host[:port]/path?query (already encoded)
    std::vector<http::Header> headers;  // Host, Content-Length and Connection are the client's own
    std::string body;
    std::chrono::milliseconds timeout{29000};
};

struct BackendResult {
    enum class Status { ok, timed_out, failed } status = Status::failed;
    std::string error;  // failed: why, for the log
    int http_status = 0;
    std::vector<http::Header> headers;
    std::string body;
};

class HttpBackend {
public:
    using Done = std::function<void(BackendResult)>;

    HttpBackend();
    ~HttpBackend();
    HttpBackend(const HttpBackend&) = delete;
    HttpBackend& operator=(const HttpBackend&) = delete;

    void send(BackendCall call, Done done);

    // Stops the I/O thread, abandoning calls in flight (their `done` is
    // never called). send() afterwards starts a new thread.
    void stop();

private:
    struct Impl;
    std::mutex mutex_;
    std::unique_ptr<Impl> impl_;  // created by the first send()
};

}  // namespace lowcloud::apigateway
