// The head the server writes before a response's body: status line, the
// handler's headers, and the framing the server owns.
#include "http/wire.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace lowcloud::http;

namespace {

struct Case {
    const char* name;
    int status;
    std::vector<Header> headers;
    std::string body;
    int version;
    bool keep_alive;
    std::string head;
};

}  // namespace

TEST_CASE("wire: a response's head", "[wire]") {
    const std::vector<Case> cases = {
        {"ok_keep_alive_http11", 200, {{"Content-Type", "application/json"}}, "{}", 11, true,
         "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n"},
        {"close_http11", 404, {}, "no", 11, false, "HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 2\r\n\r\n"},
        {"keep_alive_http10", 200, {}, "", 10, true, "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"},
        {"close_http10", 500, {}, "x", 10, false, "HTTP/1.0 500 Internal Server Error\r\nContent-Length: 1\r\n\r\n"},
        {"repeated_names_kept_in_order", 200, {{"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}, {"x-amzn-RequestId", "r"}}, "", 11, true,
         "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nx-amzn-RequestId: r\r\nContent-Length: 0\r\n\r\n"},
        {"framing_headers_are_the_servers", 200,
         {{"content-length", "99"}, {"Transfer-Encoding", "chunked"}, {"CONNECTION", "keep-alive"}, {"A", "b"}}, "abc", 11, false,
         "HTTP/1.1 200 OK\r\nA: b\r\nConnection: close\r\nContent-Length: 3\r\n\r\n"},
        {"no_content_has_no_length", 204, {}, "", 11, true, "HTTP/1.1 204 No Content\r\n\r\n"},
        {"not_modified_has_no_length", 304, {{"ETag", "\"e\""}}, "", 11, true, "HTTP/1.1 304 Not Modified\r\nETag: \"e\"\r\n\r\n"},
        {"continue_has_no_length", 100, {}, "", 11, true, "HTTP/1.1 100 Continue\r\n\r\n"},
        {"unknown_status", 299, {}, "", 11, true, "HTTP/1.1 299 <unknown-status>\r\nContent-Length: 0\r\n\r\n"},
        {"throttled", 429, {}, "{}", 11, true, "HTTP/1.1 429 Too Many Requests\r\nContent-Length: 2\r\n\r\n"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            Response r;
            r.status = c.status;
            r.headers = c.headers;
            r.body = c.body;
            CHECK(response_head(r, c.version, c.keep_alive) == c.head);
        }
    }
}

TEST_CASE("wire: which statuses carry a body", "[wire]") {
    for (int s : {200, 201, 202, 301, 400, 404, 413, 500, 504}) CHECK(status_has_body(s));
    for (int s : {100, 101, 204, 304}) CHECK_FALSE(status_has_body(s));
}
