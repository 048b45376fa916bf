// The HTTP/1.1 server: a listener accepting TCP connections and one session
// per connection, on Boost.Beast. It knows nothing of AWS; every request goes
// to one http::Handler (message.hpp).
//
// Threading model: `threads` I/O threads, each running its own
// single-threaded io_context; accepted connections are dealt out to them
// round robin, and a connection is served by one thread at a time, so its
// reads and writes never overlap and no lock or cross-thread wake-up sits on
// the request path. The Handler is called on the connection's I/O thread; a
// response given before handle() returns is written at once, one given
// later from any other thread (Lambda, timers) is posted back to the
// connection's io_context, except on the connections of extra listeners
// (below): one given there on another of the server's I/O threads moves the
// connection to that thread (its socket and unread bytes), which writes it
// and serves the connection from then on.
// Requests on one connection are answered in order (pipelined requests wait
// in the read buffer). A response marked hold_for_pipelined (message.hpp)
// while the next request is already in the buffer is written together with
// that request's answer. With options.spin, an I/O thread that runs out of work
// polls its io_context for that long before it sleeps (common/spin.hpp),
// running options.idle_work between polls.
//
// Limits: header bytes (431 beyond), body bytes per request as the Handler
// decides from the head (413 beyond, then a clean close), and an idle timeout
// for a connection that sends nothing. Malformed HTTP gets 400 and a close.
//
// Extra listeners: add_listener() opens another port on the same host and
// I/O threads whose requests reach the same Handler with a fixed prefix put
// before their target (so "/next" on it arrives as PREFIX + "/next"). Lambda
// gives each execution environment such a port: runtime clients expect
// AWS_LAMBDA_RUNTIME_API to be a bare host:port. Their connections follow
// their answers (see the threading model): a runtime's /next, answered on
// the I/O thread of the invocation's caller, moves there, so the runtime's
// /response arrives where the caller waits and the caller's answer is
// written without a hand-off between threads.
//
// Shutdown: shutdown() (thread-safe, e.g. from a signal thread) stops
// accepting, closes idle connections at once, lets requests being handled
// finish and be answered (with Connection: close), then returns from run().
// After `grace`, whatever is left is cut off.
#pragma once

#include "http/message.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace lowcloud::http {

struct ServerOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;  // 0: an ephemeral port, see Server::port()
    unsigned threads = 2;
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
    std::size_t header_limit = 64 * 1024;
    std::chrono::milliseconds grace{std::chrono::seconds(10)};
    // How long an I/O thread polls for more work after its last before it
    // blocks (common/spin.hpp); zero: it blocks at once.
    std::chrono::microseconds spin{0};
    // Called by an I/O thread that is spinning with nothing to do, between
    // its polls (only with spin): small pieces of work that can wait for
    // idle time, such as a service's deferred writes. It must not block and
    // should return within microseconds (a request arriving meanwhile waits
    // for it); it returns whether it did something (the thread then spins
    // on). Called on every I/O thread, concurrently. None: nothing.
    std::function<bool()> idle_work;
};

class Server {
public:
    // Binds and listens at once; throws std::system_error when it cannot.
    // `handler` must outlive the server.
    Server(ServerOptions options, Handler& handler);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // The bound port (the real one when options.port was 0).
    std::uint16_t port() const;

    // Serves until shutdown() has drained every connection. Blocks the
    // calling thread, which becomes one of the I/O threads.
    void run();

    // Begins a graceful shutdown; returns at once. Thread-safe, idempotent.
    void shutdown();

    // Opens a listener on an ephemeral port of options.host whose requests
    // get `target_prefix` before their target, and whose connections
    // follow their answers to the I/O thread that gives them (see the
    // threading model above); returns the port. Throws
    // std::system_error when it cannot bind. Thread-safe; connections it
    // accepted stay open after remove_listener(port), which only stops
    // accepting. Both are no-ops after shutdown().
    std::uint16_t add_listener(const std::string& target_prefix);
    void remove_listener(std::uint16_t port);

    // Connections currently open (for health reporting).
    std::size_t open_connections() const;

private:
    friend class Session;
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace lowcloud::http
