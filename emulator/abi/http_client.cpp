// Blocking keep-alive HTTP client on Boost.Beast (see lowcloud/http_client.hpp).
#include "lowcloud/http_client.hpp"

#include "common/spin.hpp"  // header-only: the emulator's spin loop, shared

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <stdexcept>

namespace lowcloud::sdk {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {
// Polls `fd` until it is readable or `window` has passed (see the header);
// the blocking read follows either way.
void await_readable(int fd, std::chrono::microseconds window) {
    pollfd p{fd, POLLIN, 0};
    spin_until(window, [&p] { return ::poll(&p, 1, 0) != 0; });
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
    return true;
}
}  // namespace

std::string HttpResponse::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (iequals(k, name)) return v;
    return {};
}

Endpoint Endpoint::parse(std::string_view url) {
    if (url.substr(0, 7) == "http://") url.remove_prefix(7);
    Endpoint e;
    auto slash = url.find('/');
    std::string_view hostport = url.substr(0, slash);
    if (slash != std::string_view::npos) e.base_path = std::string(url.substr(slash));
    while (!e.base_path.empty() && e.base_path.back() == '/') e.base_path.pop_back();
    auto colon = hostport.rfind(':');
    if (colon != std::string_view::npos && hostport.find(']') == std::string_view::npos) {
        e.host = std::string(hostport.substr(0, colon));
        e.port = std::string(hostport.substr(colon + 1));
    } else {
        e.host = std::string(hostport);
    }
    if (e.host.empty()) throw std::invalid_argument("invalid endpoint: " + std::string(url));
    return e;
}

struct HttpClient::Connection {
    // Beast reads as much as the buffer's free capacity, at least 512 bytes:
    // from an empty buffer a Lambda event or a DynamoDB answer of a few KB
    // took one recv call per 512 bytes.
    Connection() { buffer.reserve(16 * 1024); }
    net::io_context io;
    beast::tcp_stream stream{io};
    beast::flat_buffer buffer;
    bool open = false;
};

HttpClient::HttpClient(Endpoint endpoint) : endpoint_(std::move(endpoint)), connection_(std::make_unique<Connection>()) {
    if (const char* spin = std::getenv("LOWCLOUD_SPIN_US"))
        spin_ = std::chrono::microseconds(std::clamp<long>(std::strtol(spin, nullptr, 10), 0, kMaxSpin.count()));
}

HttpClient::~HttpClient() {
    beast::error_code ec;
    connection_->stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
}

HttpResponse HttpClient::request(std::string_view method, std::string_view target, const Headers& headers, std::string_view body) {
    return std::move(pipeline({Request{std::string(method), std::string(target), headers, std::string(body)}}).front());
}

std::vector<HttpResponse> HttpClient::pipeline(const std::vector<Request>& requests) {
    for (int attempt = 0;; ++attempt) {
        Connection& c = *connection_;
        try {
            if (!c.open) {
                net::ip::tcp::resolver resolver(c.io);
                c.stream.connect(resolver.resolve(endpoint_.host, endpoint_.port));
                c.stream.socket().set_option(net::ip::tcp::no_delay(true));
                c.open = true;
            }
            // Serialized together (by hand: Beast's message and a stream
            // cost more than the rest of the client), written with one send.
            std::string wire;
            for (const auto& r : requests) {
                wire += r.method;
                wire += ' ';
                wire += endpoint_.base_path;
                wire += r.target;
                wire += " HTTP/1.1\r\nHost: ";
                wire += endpoint_.host;
                wire += ':';
                wire += endpoint_.port;
                wire += "\r\n";
                for (const auto& [k, v] : r.headers) {
                    if (iequals(k, "Host") || iequals(k, "Content-Length")) continue;
                    wire += k;
                    wire += ": ";
                    wire += v;
                    wire += "\r\n";
                }
                // As Beast's prepare_payload: no length for a bodiless GET/HEAD.
                if (!r.body.empty() || (r.method != "GET" && r.method != "HEAD")) {
                    wire += "Content-Length: ";
                    wire += std::to_string(r.body.size());
                    wire += "\r\n";
                }
                wire += "\r\n";
                wire += r.body;
            }
            net::write(c.stream, net::buffer(wire));
            std::vector<HttpResponse> out;
            for (std::size_t i = 0; i < requests.size(); ++i) {
                bhttp::response_parser<bhttp::string_body> parser;
                parser.body_limit(64 * 1024 * 1024);
                if (spin_.count() > 0 && c.buffer.size() == 0) await_readable(c.stream.socket().native_handle(), spin_);
                bhttp::read(c.stream, c.buffer, parser);
                auto& res = parser.get();
                HttpResponse& r = out.emplace_back();
                r.status = static_cast<int>(res.result_int());
                for (const auto& f : res) r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
                r.body = std::move(res.body());
                if (!res.keep_alive()) {
                    beast::error_code ec;
                    c.stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
                    c.stream.close();
                    c.open = false;
                    c.buffer.clear();  // bytes past the last response belong to no request
                    if (i + 1 < requests.size()) throw std::runtime_error("the server closed the connection after a response");
                }
            }
            return out;
        } catch (const std::exception& e) {
            beast::error_code ec;
            c.stream.close();
            c.open = false;
            c.buffer.clear();
            if (attempt == 0) continue;  // a keep-alive connection the server closed: retry once
            const Request& first = requests.front();
            throw std::runtime_error("HTTP " + first.method + " " + endpoint_.host + ":" + endpoint_.port + first.target + " failed: " + e.what());
        }
    }
}

}  // namespace lowcloud::sdk
