// HTTP requests and responses as plain values, and the Handler interface the
// server calls. This header is all a service needs to speak HTTP: it has no
// Boost.Beast in it, so services and their tests never touch a socket.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lowcloud::http {

struct Header {
    std::string name;
    std::string value;
};

// Case-insensitive ASCII comparison, as HTTP header names compare.
bool iequals(std::string_view a, std::string_view b);

struct Request {
    std::string method;          // "GET", "POST", ...
    std::string target;          // as sent: path plus optional "?query"
    std::vector<Header> headers; // in arrival order, repeated names kept
    std::string body;
    std::string remote_address;  // peer IP as text
    int version = 11;            // 10 or 11

    // First value of a header, or "" when absent.
    std::string_view header(std::string_view name) const;
    bool has_header(std::string_view name) const;
    // Target split at the first '?': raw (not decoded) path and query.
    std::string_view path() const;
    std::string_view query() const;
};

struct Response {
    int status = 200;
    std::vector<Header> headers;
    std::string body;
    // A hint: when the client has already sent its next request on the
    // connection (HTTP/1.1 pipelining), this response is held and written
    // with that request's answer, in one write, instead of on its own. A
    // client that waits for this response before sending more gets it at
    // once, as always. For answers a pipelining client reads only together
    // with the next one (the Lambda Runtime API's 202 to a result, followed
    // by the next invocation): one packet, one wake-up and one ACK fewer.
    bool hold_for_pipelined = false;

    // Replaces every header of that name with one value.
    void set_header(std::string name, std::string value);
    // Appends a header, keeping earlier ones of the same name (Set-Cookie).
    void add_header(std::string name, std::string value);
    std::string_view header(std::string_view name) const;

    static Response text(int status, std::string body, std::string content_type = "text/plain");
};

// Completes one request. Call it exactly once, from any thread.
using Respond = std::function<void(Response)>;

// What the server asks of the application. Implementations must be
// thread-safe: the server calls them from several I/O threads at once.
class Handler {
public:
    virtual ~Handler() = default;

    // Body limit in bytes for a request whose head (method, target,
    // headers; empty body) has arrived. Larger bodies are refused with the
    // response from reject(…, 413, …).
    virtual std::size_t body_limit(const Request& head) const = 0;

    // Handles a complete request. May respond before returning or later
    // from another thread; must not block for long (I/O threads are few).
    virtual void handle(Request request, Respond respond) = 0;

    // The response for a request the server refuses before it reaches
    // handle(): 400 malformed, 413 body too large, 431 headers too large.
    // `head` may be empty (method "") when the request line was unreadable.
    virtual Response reject(const Request& head, int status, std::string_view reason) const {
        return Response::text(status, std::string(reason) + "\n");
    }
};

}  // namespace lowcloud::http
