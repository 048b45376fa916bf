// A small blocking HTTP/1.1 client with one keep-alive connection, for the
// handler runtime (the Lambda Runtime API loop) and the handlers' DynamoDB
// client. Reconnects once when the server has closed an idle connection.
// Not thread-safe: use one HttpClient per thread.
//
// Waiting for a response, it polls the socket for LOWCLOUD_SPIN_US
// microseconds (read from the environment at construction; lowcloud sets it
// in its execution environments) before it blocks, yielding the core between
// polls: on a VM a blocked reader's wake-up costs tens of microseconds (see
// the emulator's common/spin.hpp). Unset or 0: it blocks at once; at most
// 10,000 (as `lowcloud serve --spin-us`).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lowcloud::sdk {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
    int status = 0;
    Headers headers;
    std::string body;
    // First value of a header (case-insensitive), or "".
    std::string header(std::string_view name) const;
};

// "http://host:port/base", "host:port/base" or "host:port".
struct Endpoint {
    std::string host;
    std::string port = "80";
    std::string base_path;  // "" or "/base" (no trailing slash)
    static Endpoint parse(std::string_view url);
};

class HttpClient {
public:
    explicit HttpClient(Endpoint endpoint);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Sends a request to base_path + target. Throws std::runtime_error when
    // the server cannot be reached.
    HttpResponse request(std::string_view method, std::string_view target, const Headers& headers = {}, std::string_view body = {});

    struct Request {
        std::string method, target;
        Headers headers;
        std::string body;
    };
    // Sends the requests back to back on the connection (HTTP/1.1
    // pipelining), then reads their responses in order: one round trip for
    // all of them. On a failure (a keep-alive connection the server had
    // closed) they are all sent again once, on a new connection, so use it
    // for requests the server tolerates twice. Throws as request().
    std::vector<HttpResponse> pipeline(const std::vector<Request>& requests);

    const Endpoint& endpoint() const { return endpoint_; }

private:
    struct Connection;
    Endpoint endpoint_;
    std::chrono::microseconds spin_{0};  // LOWCLOUD_SPIN_US
    std::unique_ptr<Connection> connection_;
};

}  // namespace lowcloud::sdk
