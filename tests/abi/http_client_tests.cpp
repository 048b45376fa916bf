// The handler ABI's blocking HTTP client (lowcloud/http_client.hpp) against a
// scripted server on a raw socket: what it does when the server closes.
#include "lowcloud/http_client.hpp"

#include <boost/asio.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace net = boost::asio;
using tcp = net::ip::tcp;
using lowcloud::sdk::Endpoint;
using lowcloud::sdk::HttpClient;

namespace {

// Accepts one connection per script entry, reads one request head and
// writes the entry's bytes, then closes the connection.
class ScriptedServer {
public:
    explicit ScriptedServer(std::vector<std::string> answers)
        : acceptor_(io_, {net::ip::make_address("127.0.0.1"), 0}), thread_([this, answers] { serve(answers); }) {}
    ~ScriptedServer() { thread_.join(); }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }
    int requests() const { return requests_; }

private:
    void serve(const std::vector<std::string>& answers) {
        for (const auto& answer : answers) {
            tcp::socket s(io_);
            acceptor_.accept(s);
            std::string got;
            char buf[4096];
            boost::system::error_code ec;
            while (!ec && got.find("\r\n\r\n") == std::string::npos) got.append(buf, s.read_some(net::buffer(buf), ec));
            ++requests_;
            net::write(s, net::buffer(answer), ec);
            s.shutdown(tcp::socket::shutdown_both, ec);
        }
    }
    net::io_context io_;
    tcp::acceptor acceptor_;
    std::atomic<int> requests_{0};
    std::thread thread_;
};

}  // namespace

TEST_CASE("http_client_forgets_bytes_left_after_a_connection_close", "[abi][http_client]") {
    // Bytes after a Connection: close answer, in the same segment, are no
    // answer to the next request: it goes out on a new connection and gets
    // that connection's answer.
    ScriptedServer server({"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                           "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale",
                           "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nfresh"});
    HttpClient client(Endpoint::parse(server.url()));
    CHECK(client.request("GET", "/first").body == "ok");
    CHECK(client.request("GET", "/second").body == "fresh");
    CHECK(server.requests() == 2);
}

TEST_CASE("http_client: polling before a read (LOWCLOUD_SPIN_US) still reads the answer", "[abi][http_client]") {
    ::setenv("LOWCLOUD_SPIN_US", "1000000000000000000", 1);  // clamped to 10 ms, no overflow
    ScriptedServer server({"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"});
    HttpClient client(Endpoint::parse(server.url()));
    ::unsetenv("LOWCLOUD_SPIN_US");
    CHECK(client.request("GET", "/").body == "ok");
}
