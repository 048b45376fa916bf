// The HTTP server against raw sockets: keep-alive, limits, malformed input,
// asynchronous responses and graceful shutdown. The handler here is a test
// double of the *application*; the server under test is the real one.
#include "http/server.hpp"

#include <boost/asio.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>

using namespace lowcloud::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// An answer marked Response::hold_for_pipelined, as Lambda's 202 to a result.
Response held_answer(const std::string& body) {
    Response r = Response::text(202, body);
    r.hold_for_pipelined = true;
    return r;
}

class EchoHandler : public Handler {
public:
    std::atomic<int> slow_started{0};  // /slow requests handed to handle()
    // /parked requests: their Respond, kept for the test to call.
    std::mutex parked_mutex;
    std::vector<Respond> parked;
    std::size_t parked_count() {
        std::lock_guard lock(parked_mutex);
        return parked.size();
    }
    std::size_t body_limit(const Request&) const override { return 1024; }
    void handle(Request r, Respond respond) override {
        if (r.path() == "/held") return respond(held_answer("held " + r.body));  // answered at once, held for a pipelined request
        if (r.path() == "/parked") {
            std::lock_guard lock(parked_mutex);
            parked.push_back(std::move(respond));
            return;
        }
        if (r.path() == "/slow") {
            ++slow_started;
            std::thread([respond] {
                std::this_thread::sleep_for(std::chrono::milliseconds(300));
                respond(Response::text(200, "slow done"));
            }).detach();
            return;
        }
        respond(Response::text(200, r.method + " " + r.target + " " + r.body));
    }
};

struct Running {
    EchoHandler handler;
    std::unique_ptr<Server> server;
    std::thread thread;
    explicit Running(ServerOptions o = {}) {
        o.port = 0;
        o.threads = 2;
        server = std::make_unique<Server>(o, handler);
        thread = std::thread([this] { server->run(); });
    }
    ~Running() {
        server->shutdown();
        thread.join();
    }
};

// Sends raw bytes and reads until the peer closes or `until` appears `count` times.
std::string exchange(std::uint16_t port, const std::string& bytes, const std::string& until = "", int count = 1) {
    net::io_context io;
    tcp::socket s(io);
    s.connect({net::ip::make_address("127.0.0.1"), port});
    net::write(s, net::buffer(bytes));
    std::string got;
    char buf[4096];
    boost::system::error_code ec;
    auto occurrences = [&] {
        int n = 0;
        for (auto pos = got.find(until); !until.empty() && pos != std::string::npos; pos = got.find(until, pos + 1)) ++n;
        return n;
    };
    while (!ec && (until.empty() || occurrences() < count)) {
        std::size_t n = s.read_some(net::buffer(buf), ec);
        got.append(buf, n);
    }
    return got;
}

}  // namespace

TEST_CASE("server: keep-alive serves several requests on one connection", "[server]") {
    Running r;
    std::string got = exchange(r.server->port(),
                               "GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nxyz",
                               "HTTP/1.1 200", 2);
    CHECK(got.find("GET /a ") != std::string::npos);
    CHECK(got.find("POST /b xyz") != std::string::npos);
}

// Response::hold_for_pipelined: the Lambda Runtime API's 202 to a result
// goes out with the next invocation when lowcloud's runtime pipelined its
// GET /next behind the result (one packet and one wake-up fewer).
namespace {
// Waits (at most 10 s) until the handler holds `n` parked requests.
bool wait_parked(EchoHandler& h, std::size_t n) {
    for (int i = 0; i < 10000 && h.parked_count() < n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return h.parked_count() == n;
}
// A connection to `port` that has sent `bytes`.
tcp::socket sent(net::io_context& io, std::uint16_t port, const std::string& bytes) {
    tcp::socket s(io);
    s.connect({net::ip::make_address("127.0.0.1"), port});
    net::write(s, net::buffer(bytes));
    return s;
}
// Whether `s` has bytes to read right now.
bool readable_now(tcp::socket& s) {
    s.non_blocking(true);
    char c;
    boost::system::error_code ec;
    s.receive(net::buffer(&c, 1), tcp::socket::message_peek, ec);
    s.non_blocking(false);
    return !ec;
}
// Reads from `s` until `until` has appeared `count` times, or the peer
// closes; returns what it read.
std::string read_until(tcp::socket& s, const std::string& until, int count = 1) {
    std::string got;
    char buf[4096];
    boost::system::error_code ec;
    auto occurrences = [&] {
        int n = 0;
        for (auto pos = got.find(until); pos != std::string::npos; pos = got.find(until, pos + 1)) ++n;
        return n;
    };
    while (!ec && occurrences() < count) got.append(buf, s.read_some(net::buffer(buf), ec));
    return got;
}
}  // namespace

// A body that came with its head is parsed from the read buffer and handled
// at once (Session::read_body); one that has not arrived yet, or only in
// part, is waited for. Each case writes its parts 20 ms apart.
TEST_CASE("server: request bodies are read from the head's buffer or waited for", "[server]") {
    Running r;
    struct Case {
        const char* name;
        std::vector<std::string> parts;
        std::vector<std::string> expect;  // each answered, the last one last
    };
    const std::string head = "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\n";
    const std::string chunked = "POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    const std::vector<Case> cases = {
        {"body_with_head", {head + "abcdef"}, {"POST /b abcdef"}},
        {"body_after_head", {head, "abcdef"}, {"POST /b abcdef"}},
        {"body_split_across_head_and_later", {head + "abc", "def"}, {"POST /b abcdef"}},
        {"chunked_with_head", {chunked + "3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n"}, {"POST /b abcdef"}},
        {"chunked_split_inside_a_chunk", {chunked + "3\r\nab", "c\r\n3\r\ndef\r\n0\r\n\r\n"}, {"POST /b abcdef"}},
        {"two_bodies_pipelined_in_one_write", {head + "abcdef" + head + "ghijkl"}, {"POST /b abcdef", "POST /b ghijkl"}},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            net::io_context io;
            tcp::socket s(io);
            s.connect({net::ip::make_address("127.0.0.1"), r.server->port()});
            for (std::size_t i = 0; i < c.parts.size(); ++i) {
                if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
                net::write(s, net::buffer(c.parts[i]));
            }
            std::string got = read_until(s, c.expect.back());
            for (const auto& answer : c.expect) CHECK(got.find(answer) != std::string::npos);
        }
    }
}

TEST_CASE("server: a held response goes out with the answer to the request pipelined behind it", "[server][pipelining]") {
    Running r;
    net::io_context io;
    tcp::socket s = sent(io, r.server->port(), "POST /held HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n1"
                                               "GET /parked HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(wait_parked(r.handler, 1));
    // /held was answered before /parked was read: without the hold, its
    // bytes would be in this socket already (a loopback send delivers them
    // before it returns).
    CHECK_FALSE(readable_now(s));
    {
        std::lock_guard lock(r.handler.parked_mutex);
        r.handler.parked[0](Response::text(200, "next"));
    }
    std::string got = read_until(s, "HTTP/1.1 ", 2);
    auto held = got.find("held 1"), next = got.find("next");
    REQUIRE(held != std::string::npos);
    REQUIRE(next != std::string::npos);
    CHECK(held < next);
    CHECK(got.rfind("HTTP/1.1 202", 0) == 0);
}

TEST_CASE("server: a held response with nothing pipelined behind it is written at once", "[server][pipelining]") {
    Running r;
    // The client waits for the answer before sending more: it gets it.
    std::string got = exchange(r.server->port(), "POST /held HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n2", "held 2");
    CHECK(got.find("HTTP/1.1 202") != std::string::npos);
    // Then the connection serves the next request as usual.
    net::io_context io;
    tcp::socket s = sent(io, r.server->port(), "POST /held HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n3");
    CHECK(read_until(s, "held 3", 1).find("held 3") != std::string::npos);
    net::write(s, net::buffer(std::string("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")));
    CHECK(read_until(s, "GET /a", 1).find("GET /a") != std::string::npos);
}

TEST_CASE("server: a held response precedes the 100 Continue of the request pipelined behind it", "[server][pipelining]") {
    Running r;
    net::io_context io;
    tcp::socket s = sent(io, r.server->port(), "POST /held HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n4"
                                               "POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
    std::string got = read_until(s, "100 Continue", 1);
    auto held = got.find("held 4"), cont = got.find("HTTP/1.1 100 Continue");
    REQUIRE(held != std::string::npos);
    REQUIRE(cont != std::string::npos);
    CHECK(held < cont);
    net::write(s, net::buffer(std::string("ok")));
    CHECK(read_until(s, "POST /c ok", 1).find("POST /c ok") != std::string::npos);
}

TEST_CASE("server: shutdown writes a held response with the answer to the request behind it", "[server][pipelining]") {
    auto r = std::make_unique<Running>();
    net::io_context io;
    tcp::socket s = sent(io, r->server->port(), "POST /held HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n5"
                                                "GET /parked HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(wait_parked(r->handler, 1));
    r->server->shutdown();  // the connection is busy (/parked): it is drained, not closed
    {
        std::lock_guard lock(r->handler.parked_mutex);
        r->handler.parked[0](Response::text(200, "last"));
    }
    // Both answers, then the close (a third response never comes).
    std::string got = read_until(s, "HTTP/1.1 ", 3);
    auto held = got.find("held 5"), last = got.find("last");
    REQUIRE(held != std::string::npos);
    REQUIRE(last != std::string::npos);
    CHECK(held < last);
    r.reset();
}

TEST_CASE("server: I/O threads polling for work serve requests, late answers and a shutdown", "[server][spin]") {
    ServerOptions o;
    o.spin = std::chrono::seconds(5);  // longer than the test: the threads poll throughout
    auto r = std::make_unique<Running>(o);
    auto port = r->server->port();
    for (int i = 0; i < 3; ++i) {  // connections dealt out to both threads
        std::string got = exchange(port, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /slow HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 200", 2);
        CHECK(got.find("GET /a ") != std::string::npos);
        CHECK(got.find("slow done") != std::string::npos);  // posted from another thread
    }
    auto start = std::chrono::steady_clock::now();
    r.reset();  // shutdown + join: the polling threads see the stop
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("server: idle work runs between the polls of spinning I/O threads, never without spinning", "[server][spin]") {
    struct Case {
        const char* name;
        std::chrono::microseconds spin;
        bool busy;  // idle_work says it did something at every call (the thread spins on)
    };
    for (const Case& c : {Case{"spinning", std::chrono::seconds(5), false}, Case{"spinning, always busy", std::chrono::seconds(5), true},
                          Case{"not spinning", std::chrono::microseconds(0), false}}) {
        DYNAMIC_SECTION(c.name) {
            std::atomic<int> calls{0};
            ServerOptions o;
            o.spin = c.spin;
            o.idle_work = [&calls, busy = c.busy] {
                ++calls;
                return busy;
            };
            auto r = std::make_unique<Running>(o);
            for (int i = 0; i < 3; ++i)  // requests are served whatever idle_work does
                CHECK(exchange(r->server->port(), "GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").find("200") != std::string::npos);
            if (c.spin.count() > 0) {
                const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
                while (calls.load() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(1));
                CHECK(calls.load() > 0);
            }
            r.reset();  // the stop is seen between the calls too
            if (c.spin.count() == 0) CHECK(calls.load() == 0);
        }
    }
}

TEST_CASE("server: refusals", "[server]") {
    Running r;
    struct Case {
        const char* name;
        std::string request;
        std::string status;
    };
    const std::vector<Case> cases = {
        {"body_over_limit_by_content_length", "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'a'), "HTTP/1.1 413"},
        {"chunked_body_over_limit", "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" + std::string(2048, 'a') + "\r\n0\r\n\r\n", "HTTP/1.1 413"},
        {"malformed_request_line", "GARBAGE\r\n\r\n", "HTTP/1.1 400"},
        {"bad_header", "GET / HTTP/1.1\r\nNo colon here\r\n\r\n", "HTTP/1.1 400"},
        {"headers_too_large", "GET / HTTP/1.1\r\nX-Big: " + std::string(70000, 'b') + "\r\n\r\n", "HTTP/1.1 431"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            std::string got = exchange(r.server->port(), c.request);
            CHECK(got.rfind(c.status, 0) == 0);
            // The server is still healthy afterwards.
            CHECK(exchange(r.server->port(), "GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").find("200") != std::string::npos);
        }
    }
}

TEST_CASE("server: expect 100-continue", "[server]") {
    Running r;
    net::io_context io;
    tcp::socket s(io);
    s.connect({net::ip::make_address("127.0.0.1"), r.server->port()});
    net::write(s, net::buffer(std::string("POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")));
    char buf[256];
    std::size_t n = s.read_some(net::buffer(buf));
    CHECK(std::string(buf, n).rfind("HTTP/1.1 100 Continue", 0) == 0);
    net::write(s, net::buffer(std::string("ok")));
    std::string got;
    boost::system::error_code ec;
    while (got.find("POST /c ok") == std::string::npos && !ec) got.append(buf, s.read_some(net::buffer(buf), ec));
    CHECK(got.find("POST /c ok") != std::string::npos);
}

TEST_CASE("server: shutdown lets an in-flight request finish", "[server]") {
    auto r = std::make_unique<Running>();
    auto port = r->server->port();
    auto reply = std::async(std::launch::async, [port] { return exchange(port, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"); });
    // Until the request is in the handler (not a fixed 100 ms, which a
    // loaded machine may need to connect and dispatch).
    for (int i = 0; i < 10000 && r->handler.slow_started == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    REQUIRE(r->handler.slow_started == 1);
    r.reset();  // shutdown + join while /slow is being handled
    std::string got = reply.get();
    CHECK(got.find("slow done") != std::string::npos);
    CHECK(got.find("Connection: close") != std::string::npos);
}

TEST_CASE("server: a connection idle past idle_timeout is closed; requests and slow handlers keep it open", "[server]") {
    // Deadlines are swept per I/O thread (server.cpp, Sweeper): the sweep
    // that comes at a connection's first deadline must find it moved by
    // later requests and wait for the new one.
    ServerOptions o;
    o.idle_timeout = std::chrono::milliseconds(2000);
    Running r(o);
    net::io_context io;
    tcp::socket s(io);
    s.connect({net::ip::make_address("127.0.0.1"), r.server->port()});
    char buf[4096];
    boost::system::error_code ec;
    auto ask = [&](const std::string& target, const std::string& expect) {
        net::write(s, net::buffer("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n"), ec);
        std::string got;
        while (!ec && got.find(expect) == std::string::npos) got.append(buf, s.read_some(net::buffer(buf), ec));
        return got.find(expect) != std::string::npos;
    };
    for (int i = 0; i < 10; ++i) {  // 3 s in all, past the first deadline
        REQUIRE(ask("/k" + std::to_string(i), "GET /k" + std::to_string(i) + " "));
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    // A handler slower than nothing is timed out while it works (the idle
    // timeout starts again with the response).
    REQUIRE(ask("/slow", "slow done"));
    auto idle_since = std::chrono::steady_clock::now();
    // Now idle: the server closes it (a read sees the end), not before its timeout.
    auto closed = std::async(std::launch::async, [&] {
        boost::system::error_code e;
        while (!e) s.read_some(net::buffer(buf), e);
        return std::chrono::steady_clock::now();
    });
    REQUIRE(closed.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
    CHECK(closed.get() - idle_since >= std::chrono::milliseconds(1900));
}

namespace {

// Parks a request (/park) until another request (/release) answers it from
// its own handle(), i.e. on its own connection's I/O thread; /where answers
// with the id of the thread that handled it.
class RelayHandler : public Handler {
public:
    std::size_t body_limit(const Request&) const override { return 1024; }
    void handle(Request r, Respond respond) override {
        std::ostringstream here;
        here << std::this_thread::get_id();
        if (r.path().ends_with("/held")) return respond(held_answer("held"));
        if (r.path().ends_with("/park")) {
            std::lock_guard lock(mutex);
            parked = std::move(respond);
            return;
        }
        if (r.path().ends_with("/release")) {
            Respond p;
            {
                std::lock_guard lock(mutex);
                p = std::move(parked);
            }
            if (p) p(Response::text(200, "released"));
        }
        respond(Response::text(200, "thread=" + here.str() + ";"));
    }
    bool has_parked() {
        std::lock_guard lock(mutex);
        return static_cast<bool>(parked);
    }
    std::mutex mutex;
    Respond parked;
};

std::string thread_of(const std::string& reply) {
    auto at = reply.find("thread=");
    return at == std::string::npos ? "" : reply.substr(at, reply.find(';', at) - at);
}

}  // namespace

// Lambda's Runtime API ports are extra listeners: a runtime's /next,
// answered on the I/O thread of the invocation's caller, moves there.
TEST_CASE("server: on an extra listener, an answer given on another I/O thread moves the connection there, with the requests it already sent", "[server]") {
    struct Case {
        const char* name;
        bool extra_listener;
        std::chrono::microseconds spin;
    };
    for (const Case& c : {Case{"extra listener", true, std::chrono::microseconds(0)}, Case{"extra listener, spinning", true, std::chrono::microseconds(200)},
                          Case{"main listener: stays", false, std::chrono::microseconds(0)}}) {
        INFO(c.name);
        RelayHandler handler;
        ServerOptions o;
        o.threads = 2;
        o.spin = c.spin;
        Server server(o, handler);
        std::thread running([&] { server.run(); });
        const std::uint16_t port = c.extra_listener ? server.add_listener("/x") : server.port();
        net::io_context io;
        tcp::socket a(io), b(io);
        a.connect({net::ip::make_address("127.0.0.1"), port});
        b.connect({net::ip::make_address("127.0.0.1"), port});
        net::write(a, net::buffer(std::string("GET /where HTTP/1.1\r\nHost: x\r\n\r\n")));
        const std::string a_thread = thread_of(read_until(a, ";"));
        net::write(b, net::buffer(std::string("GET /where HTTP/1.1\r\nHost: x\r\n\r\n")));
        const std::string b_thread = thread_of(read_until(b, ";"));
        REQUIRE(!a_thread.empty());
        REQUIRE(a_thread != b_thread);  // round robin: one connection per thread

        // A parks a request and has already sent its next one. Before it,
        // an answer held for the parked one's (as Lambda's 202 to a result
        // is held for the next invocation) goes out with it, wherever that
        // is written.
        net::write(a, net::buffer(std::string("POST /held HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
                                              "GET /park HTTP/1.1\r\nHost: x\r\n\r\nGET /where HTTP/1.1\r\nHost: x\r\n\r\n")));
        for (int i = 0; i < 10000 && !handler.has_parked(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        REQUIRE(handler.has_parked());
        net::write(b, net::buffer(std::string("GET /release HTTP/1.1\r\nHost: x\r\n\r\n")));
        CHECK(thread_of(read_until(b, ";")) == b_thread);

        std::string got = read_until(a, ";");
        CHECK(got.find("released") != std::string::npos);
        CHECK(got.find("held") < got.find("released"));
        CHECK(got.find("released") < got.find("thread="));  // in order
        const std::string a_now = c.extra_listener ? b_thread : a_thread;
        CHECK(thread_of(got) == a_now);  // the request sent before the answer, served after it
        net::write(a, net::buffer(std::string("POST /where HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")));
        CHECK(thread_of(read_until(a, ";")) == a_now);

        server.shutdown();
        running.join();
    }
}
