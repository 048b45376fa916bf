// Serializes a response's head (see wire.hpp).
#include "http/wire.hpp"

#include <boost/beast/http/status.hpp>

namespace lowcloud::http {

bool status_has_body(int status) { return !(status / 100 == 1 || status == 204 || status == 304); }

std::string response_head(const Response& response, int version, bool keep_alive) {
    const auto reason = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(response.status));
    std::size_t size = 64 + reason.size();
    for (const auto& h : response.headers) size += h.name.size() + h.value.size() + 4;
    std::string out;
    out.reserve(size);
    out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    out += std::to_string(response.status);
    out += ' ';
    out.append(reason.data(), reason.size());
    out += "\r\n";
    for (const auto& h : response.headers) {
        if (iequals(h.name, "Content-Length") || iequals(h.name, "Transfer-Encoding") || iequals(h.name, "Connection")) continue;
        out += h.name;
        out += ": ";
        out += h.value;
        out += "\r\n";
    }
    if (version == 10 && keep_alive) out += "Connection: keep-alive\r\n";
    if (version != 10 && !keep_alive) out += "Connection: close\r\n";
    if (status_has_body(response.status)) {
        out += "Content-Length: ";
        out += std::to_string(response.body.size());
        out += "\r\n";
    }
    out += "\r\n";
    return out;
}

}  // namespace lowcloud::http
