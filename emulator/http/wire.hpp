// The bytes of a response before its body, as the server sends them (the
// server writes them and the body as one gather write, without Beast's
// serializer: building and walking its field list cost more than the rest
// of a small response's handling). Private to http/.
#pragma once

#include "http/message.hpp"

#include <string>

namespace lowcloud::http {

// Whether a response with this status carries a body (not 1xx, 204, 304).
bool status_has_body(int status);

// The status line and headers of `response`, ending with the blank line.
// The server owns the framing: the response's own Content-Length,
// Transfer-Encoding and Connection headers are left out; Content-Length is
// the body's size (none when the status has no body); Connection is
// "close" on HTTP/1.1 without `keep_alive`, "keep-alive" on HTTP/1.0 with
// it. `version` is 10 or 11. The reason phrase is the standard one
// ("<unknown-status>" for codes without one, as Beast writes).
std::string response_head(const Response& response, int version, bool keep_alive);

}  // namespace lowcloud::http
