// HTTP and HTTPS calls to integration backends on one Asio thread, written
// as coroutines (see http_backend.hpp).
#include "apigateway/http_backend.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <optional>
#include <thread>

namespace lowcloud::apigateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::use_awaitable;

namespace {

constexpr std::size_t kBodyLimit = 10 * 1024 * 1024;

struct Url {
    bool tls = false;
    std::string host, port, target;
};

std::optional<Url> parse_url(const std::string& url) {
    Url u;
    std::string rest;
    if (url.rfind("http://", 0) == 0) rest = url.substr(7);
    else if (url.rfind("https://", 0) == 0) {
        u.tls = true;
        rest = url.substr(8);
    } else {
        return std::nullopt;
    }
    auto slash = rest.find_first_of("/?");
    std::string authority = rest.substr(0, slash);
    u.target = slash == std::string::npos ? "/" : rest.substr(slash);
    if (u.target[0] == '?') u.target = "/" + u.target;
    if (auto at = authority.rfind('@'); at != std::string::npos) authority = authority.substr(at + 1);
    if (!authority.empty() && authority[0] == '[') {  // [::1]:8080
        auto close = authority.find(']');
        if (close == std::string::npos) return std::nullopt;
        u.host = authority.substr(1, close - 1);
        if (close + 1 < authority.size() && authority[close + 1] == ':') u.port = authority.substr(close + 2);
    } else {
        auto colon = authority.rfind(':');
        u.host = authority.substr(0, colon);
        if (colon != std::string::npos) u.port = authority.substr(colon + 1);
    }
    if (u.host.empty()) return std::nullopt;
    if (u.port.empty()) u.port = u.tls ? "443" : "80";
    return u;
}

std::string host_header(const Url& u) {
    std::string h = u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
    if (u.port != (u.tls ? "443" : "80")) h += ":" + u.port;
    return h;
}

bhttp::request<bhttp::string_body> make_request(const BackendCall& call, const Url& u) {
    bhttp::request<bhttp::string_body> req;
    req.method_string(call.method);
    req.target(u.target);
    req.version(11);
    for (const auto& h : call.headers) {
        if (http::iequals(h.name, "Host") || http::iequals(h.name, "Content-Length") || http::iequals(h.name, "Connection") ||
            http::iequals(h.name, "Transfer-Encoding"))
            continue;
        req.insert(h.name, h.value);
    }
    req.set(bhttp::field::host, host_header(u));
    req.set(bhttp::field::connection, "close");
    req.body() = call.body;
    if (!call.body.empty() || call.method == "POST" || call.method == "PUT" || call.method == "PATCH") req.prepare_payload();
    return req;
}

BackendResult result_of(bhttp::response<bhttp::string_body>& res) {
    BackendResult r;
    r.status = BackendResult::Status::ok;
    r.http_status = static_cast<int>(res.result_int());
    for (const auto& f : res) r.headers.push_back({std::string(f.name_string()), std::string(f.value())});
    r.body = std::move(res.body());
    return r;
}

BackendResult failure(std::string why) {
    BackendResult r;
    r.error = std::move(why);
    return r;
}

}  // namespace

struct HttpBackend::Impl {
    asio::io_context io{1};
    asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
    asio::ssl::context tls{asio::ssl::context::tls_client};
    std::thread thread;

    Impl() {
        tls.set_default_verify_paths();
        tls.set_verify_mode(asio::ssl::verify_peer);
        thread = std::thread([this] { io.run(); });
    }
    ~Impl() {
        work.reset();
        io.stop();
        if (thread.joinable()) thread.join();
    }

    template <class Stream>
    static asio::awaitable<BackendResult> exchange(Stream& stream, bhttp::request<bhttp::string_body> req) {
        co_await bhttp::async_write(stream, req, use_awaitable);
        beast::flat_buffer buffer;
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(kBodyLimit);
        if (req.method() == bhttp::verb::head) parser.skip(true);  // a HEAD response has headers only
        co_await bhttp::async_read(stream, buffer, parser, use_awaitable);
        auto res = parser.release();
        co_return result_of(res);
    }

    asio::awaitable<BackendResult> run(BackendCall call) {
        auto url = parse_url(call.url);
        if (!url) co_return failure("invalid endpoint URL " + call.url);
        auto req = make_request(call, *url);
        asio::ip::tcp::resolver resolver(io);
        auto endpoints = co_await resolver.async_resolve(url->host, url->port, use_awaitable);
        if (!url->tls) {
            beast::tcp_stream stream(io);
            stream.expires_after(call.timeout);
            co_await stream.async_connect(endpoints, use_awaitable);
            co_return co_await exchange(stream, std::move(req));
        }
        beast::ssl_stream<beast::tcp_stream> stream(io, tls);
        if (!SSL_set_tlsext_host_name(stream.native_handle(), url->host.c_str()))
            co_return failure("cannot set the TLS server name " + url->host);
        stream.set_verify_callback(asio::ssl::host_name_verification(url->host));
        beast::get_lowest_layer(stream).expires_after(call.timeout);
        co_await beast::get_lowest_layer(stream).async_connect(endpoints, use_awaitable);
        co_await stream.async_handshake(asio::ssl::stream_base::client, use_awaitable);
        co_return co_await exchange(stream, std::move(req));
    }

    void start(BackendCall call, Done done) {
        asio::co_spawn(
            io,
            [this, call = std::move(call)]() mutable -> asio::awaitable<BackendResult> {
                // A resolver has no deadline of its own: the call's timeout covers connect, write and read.
                co_return co_await run(std::move(call));
            },
            [done = std::move(done)](std::exception_ptr e, BackendResult r) {
                if (e) {
                    r = BackendResult{};
                    try {
                        std::rethrow_exception(e);
                    } catch (const boost::system::system_error& err) {
                        r.status = err.code() == beast::error::timeout ? BackendResult::Status::timed_out : BackendResult::Status::failed;
                        r.error = err.code() == bhttp::error::body_limit ? "the response body exceeds 10 MB" : err.code().message();
                    } catch (const std::exception& err) {
                        r.error = err.what();
                    }
                }
                try {
                    done(std::move(r));
                } catch (...) {  // never into io.run(): it would end the thread
                }
            });
    }
};

HttpBackend::HttpBackend() = default;
HttpBackend::~HttpBackend() { stop(); }

void HttpBackend::stop() {
    std::unique_ptr<Impl> impl;
    {
        std::lock_guard lock(mutex_);
        impl = std::move(impl_);
    }
}

void HttpBackend::send(BackendCall call, Done done) {
    Impl* impl;
    {
        std::lock_guard lock(mutex_);
        if (!impl_) impl_ = std::make_unique<Impl>();
        impl = impl_.get();
    }
    impl->start(std::move(call), std::move(done));
}

}  // namespace lowcloud::apigateway
