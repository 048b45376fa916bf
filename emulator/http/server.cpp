// Listener and sessions of the HTTP server (see server.hpp for the contract
// and the threading model). Modelled on Boost.Beast's advanced server
// example: a session reads the head first, asks the Handler for the body
// limit, then reads the body, hands the request over and writes the answer.
#include "http/server.hpp"

#include "http/wire.hpp"

#include "common/spin.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <unistd.h>

#include <array>
#include <atomic>
#include <limits>
#include <condition_variable>
#include <functional>
#include <iterator>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <memory>
#include <vector>

namespace lowcloud::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

namespace {
constexpr std::size_t kMaxDrainBytes = 64 * 1024 * 1024;
constexpr auto kDrainTime = std::chrono::seconds(2);
}  // namespace

class Session;

// Answers handed to an I/O thread by other threads (Lambda's, timers'),
// while that thread spins (run_io). They used to be posted to its
// io_context, whose mutex the spinning thread takes several times per poll:
// a poster that met it there blocked in futex_wait until the poller let go
// and woke it, two futex calls and a wake-up on the path of every answer
// that comes from another thread (each request through API Gateway to
// Lambda). While the thread spins, an answer goes into this inbox instead,
// which the thread looks at with one atomic load per poll; once it stops
// spinning, answers are posted to the io_context as before, which wakes it.
//
// Threading: deliver() from any thread; run() on the I/O thread only.
struct Inbox {
    // From any thread: `fn` runs on the I/O thread of `io`, soon.
    void deliver(net::io_context& io, std::function<void()> fn) {
        if (spinning.load()) {
            {
                std::lock_guard lock(mutex);
                items.push_back(std::move(fn));
                count.fetch_add(1);
            }
            // The thread looks at `count` after clearing `spinning` (run_io),
            // so either it sees the item or this sees it stopped spinning.
            if (spinning.load()) return;
            net::post(io, [this] { run(); });
            return;
        }
        net::post(io, std::move(fn));
    }

    // On the I/O thread: runs what was delivered; returns how many.
    std::size_t run() {
        if (count.load() == 0) return 0;
        std::vector<std::function<void()>> batch;
        {
            std::lock_guard lock(mutex);
            batch.swap(items);
            count.store(0);
        }
        for (auto& fn : batch) fn();
        return batch.size();
    }

    std::atomic<bool> spinning{false};   // set by the I/O thread while it spins
    std::atomic<std::size_t> count{0};   // items.size(), read without the lock
    std::mutex mutex;
    std::vector<std::function<void()>> items;  // under mutex
};

// One listening socket; requests accepted by it get `prefix` before their
// target. The connections of an extra listener (add_listener) follow their
// answers to the thread that gives them (Session::move_to).
struct Listener {
    Listener(net::io_context& io, std::string p, bool follow) : acceptor(io), prefix(std::move(p)), follow_answers(follow) {}
    tcp::acceptor acceptor;
    std::string prefix;
    bool follow_answers;
};

// Idle and linger deadlines, swept per I/O thread instead of Beast's
// per-operation timeouts (each arms and cancels an asio timer: two
// timerfd_settime calls per request). A session sets a plain time point; the
// thread's timer fires at the earliest deadline it knew of, closes the
// sessions past theirs and re-arms for the earliest one left. A deadline
// moved later (every request does that) arms nothing, so a busy connection
// costs no timer work, and an idle one wakes its thread about once per
// idle timeout.
//
// Threading: everything on the I/O thread that owns it.
class Sweeper {
public:
    using Clock = std::chrono::steady_clock;
    explicit Sweeper(net::io_context& io) : timer_(io) {}

    // A session of this thread; it is forgotten once destroyed. The list is
    // compacted as it grows: a weak_ptr keeps a destroyed session's memory
    // (make_shared's single allocation) until it is dropped.
    void watch(std::weak_ptr<Session> session) {
        if (sessions_.size() >= compact_at_) {
            std::erase_if(sessions_, [](const std::weak_ptr<Session>& w) { return w.expired(); });
            compact_at_ = std::max<std::size_t>(64, 2 * sessions_.size());
        }
        sessions_.push_back(std::move(session));
    }
    // A session's deadline is now `at`: make sure the timer fires by then.
    void due_by(Clock::time_point at) {
        if (at >= armed_) return;
        armed_ = at;
        timer_.expires_at(at);
        timer_.async_wait([this](beast::error_code ec) {
            if (!ec) sweep();
        });
    }

private:
    void sweep();

    net::steady_timer timer_;
    Clock::time_point armed_ = Clock::time_point::max();  // when the timer fires; max: not armed
    std::vector<std::weak_ptr<Session>> sessions_;
    std::size_t compact_at_ = 64;
};

// One I/O thread's state: its io_context (a connection stays on one), the
// inbox for answers from other threads, and its deadline sweeper. Members
// are destroyed sweeper first, io_context last.
struct IoThread {
    net::io_context io{1};
    Inbox inbox;
    Sweeper sweeper{io};
};

struct Server::Impl {
    Impl(ServerOptions o, Handler& h) : options(std::move(o)), handler(h) {
        for (unsigned i = 0; i < std::max(1u, options.threads); ++i) {
            io_threads.push_back(std::make_unique<IoThread>());
            work.emplace_back(io_threads.back()->io.get_executor());
        }
    }

    ServerOptions options;
    Handler& handler;

    // Declared before the io_contexts: sessions still queued in one when it
    // is destroyed unregister themselves from this map.
    mutable std::mutex mutex;
    std::condition_variable drained;
    std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
    bool stopping = false;
    std::thread drainer;
    std::uint16_t bound_port = 0;

    std::vector<std::unique_ptr<IoThread>> io_threads;
    std::atomic<std::size_t> next_context{0};                // round robin
    std::shared_ptr<Listener> main;                          // on io_threads[0]
    std::unordered_map<std::uint16_t, std::shared_ptr<Listener>> extra;  // under mutex
    std::vector<net::executor_work_guard<net::io_context::executor_type>> work;

    std::shared_ptr<Listener> listen(std::uint16_t port, std::string prefix, bool follow_answers);
    // The I/O thread running the caller (inside its io_context), if any.
    IoThread* current_thread() const {
        for (const auto& t : io_threads)
            if (t->io.get_executor().running_in_this_thread()) return t.get();
        return nullptr;
    }
    void accept(std::shared_ptr<Listener> listener);
    static void close(const std::shared_ptr<Listener>& listener);
    void drain();
};

// What a connection's read buffer holds from the start (it grows for
// larger requests): most requests fit, so one recv call reads one request.
constexpr std::size_t kReadBuffer = 8 * 1024;

// A connection's socket, bound to its I/O thread's io_context by type: its
// operations neither copy a type-erased executor nor count work through
// one, as beast::tcp_stream's did on every read and write (its own timer was
// unused: deadlines are the Sweeper's).
using Socket = net::basic_stream_socket<tcp, net::io_context::executor_type>;

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(Socket&& socket, Server::Impl& server, IoThread& thread, std::string prefix, bool follow_answers)
        : socket_(std::move(socket)), server_(server), thread_(thread), prefix_(std::move(prefix)), follow_answers_(follow_answers) {
        beast::error_code ec;
        auto endpoint = socket_.remote_endpoint(ec);
        if (!ec) {
            remote_ = endpoint.address().to_string();
            protocol_ = endpoint.protocol();
        }
        socket_.set_option(tcp::no_delay(true), ec);
        // Beast reads as much as the buffer's free capacity, at least 512
        // bytes: from an empty buffer a typical request (a DynamoDB call, a
        // Lambda event or result, 0.5-2 KB) took two to four recv calls.
        buffer_.reserve(kReadBuffer);
    }

    // The same connection, moved to `thread` by `from` (see move_to()),
    // which it takes over: the socket, the request being answered and the
    // bytes read past it.
    Session(Socket&& socket, IoThread& thread, const Session& from)
        : socket_(std::move(socket)), server_(from.server_), thread_(thread), prefix_(from.prefix_), follow_answers_(true), remote_(from.remote_),
          protocol_(from.protocol_), keep_alive_(from.keep_alive_), held_(from.held_), state_(State::handling) {
        head_.version = from.head_.version;
        buffer_.reserve(std::max(kReadBuffer, from.buffer_.size()));
        buffer_.commit(net::buffer_copy(buffer_.prepare(from.buffer_.size()), from.buffer_.data()));
    }

    ~Session() {
        std::lock_guard lock(server_.mutex);
        server_.sessions.erase(this);
        if (server_.sessions.empty()) server_.drained.notify_all();
    }

    void start() {
        net::dispatch(socket_.get_executor(), [self = shared_from_this()] {
            self->thread_.sweeper.watch(self);
            self->read_head();
        });
    }

    // On the I/O thread, from its Sweeper.
    Sweeper::Clock::time_point deadline() const { return deadline_; }
    void expire() { close(); }  // a pending read or write ends with an error, which closes too

    // Graceful stop: an idle connection closes now, a busy one after its
    // current response.
    void stop(bool force) {
        net::post(socket_.get_executor(), [self = shared_from_this(), force] {
            self->stopping_ = true;
            if (force || (self->state_ == State::idle && self->held_.empty())) self->close();
        });
    }

private:
    enum class State { idle, reading, handling, writing, closing, closed };

    void read_head() {
        if (stopping_ && held_.empty()) return close();  // else the held answer goes out with the next one
        state_ = State::idle;
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(server_.options.header_limit));
        // Beast would check Content-Length against its default limit while
        // reading the head; the real limit is set once the Handler has seen it.
        parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
        expires_after(server_.options.idle_timeout);
        bhttp::async_read_header(socket_, buffer_, *parser_,
                                 beast::bind_front_handler(&Session::on_head, shared_from_this()));
    }

    void on_head(beast::error_code ec, std::size_t) {
        if (ec) return on_read_error(ec);
        state_ = State::reading;
        auto& msg = parser_->get();
        head_ = Request{};
        head_.method = std::string(msg.method_string());
        head_.target = prefix_ + std::string(msg.target());
        head_.version = static_cast<int>(msg.version());
        head_.remote_address = remote_;
        head_.headers.reserve(static_cast<std::size_t>(std::distance(msg.begin(), msg.end())));
        for (const auto& field : msg) head_.headers.push_back({std::string(field.name_string()), std::string(field.value())});

        std::size_t limit = server_.handler.body_limit(head_);
        if (auto length = parser_->content_length(); length && *length > limit)
            return reject(413, "Request body is larger than the limit of " + std::to_string(limit) + " bytes");
        parser_->body_limit(limit);

        if (bhttp::token_list{msg[bhttp::field::expect]}.exists("100-continue")) {
            Response interim;
            interim.status = 100;
            const int version = head_.version == 10 ? 10 : 11;  // an interim answer: no Connection header either way
            auto cont = std::make_shared<std::string>(std::move(held_) + response_head(interim, version, version != 10));
            held_.clear();
            net::async_write(socket_, net::buffer(*cont), [self = shared_from_this(), cont](beast::error_code ec, std::size_t) {
                if (ec) return self->close();
                self->read_body();
            });
            return;
        }
        read_body();
    }

    // The body of a small request has almost always arrived with its head,
    // so it is parsed here, from the buffer, and handled at once: async_read
    // would hand it over through the io_context's queue, one more round of
    // polls (an epoll_wait and the queue's mutex) between the request and
    // its answer. What is not in the buffer yet is read as before.
    void read_body() {
        beast::error_code ec;
        while (!parser_->is_done() && buffer_.size() > 0) {
            const std::size_t used = parser_->put(buffer_.data(), ec);
            buffer_.consume(used);
            if (ec == bhttp::error::need_more) ec = {};
            if (ec) return on_body(ec, 0);
            if (used == 0) break;
        }
        if (parser_->is_done()) return on_body(ec, 0);
        bhttp::async_read(socket_, buffer_, *parser_, beast::bind_front_handler(&Session::on_body, shared_from_this()));
    }

    void on_body(beast::error_code ec, std::size_t) {
        if (ec) return on_read_error(ec);
        state_ = State::handling;
        deadline_ = Sweeper::Clock::time_point::max();  // the handler takes its time
        keep_alive_ = parser_->get().keep_alive();
        Request request = std::move(head_);
        request.body = std::move(parser_->get().body());
        parser_.reset();

        // A handler that answers before handle() returns (DynamoDB, health)
        // gets its response written right here, on this strand, without a
        // round trip through the io_context queue; later answers are posted.
        struct Reply {
            std::atomic<bool> responded{false};
            std::atomic<std::thread::id> handling_thread{};
            std::optional<Response> inline_response;
        };
        auto reply = std::make_shared<Reply>();
        reply->handling_thread = std::this_thread::get_id();
        // On a connection of an extra listener, an answer given later on
        // another I/O thread moves the connection to that thread (move_to):
        // whoever answers a request that waited (a Lambda runtime's /next,
        // answered by the thread of the invocation's caller) most likely
        // answers the next one too, and the reply to it (the runtime's
        // /response) then arrives where the caller waits, with no hand-off
        // between threads either way.
        Respond respond = [self = shared_from_this(), reply](Response response) {
            if (reply->responded.exchange(true)) return;  // exactly once
            if (reply->handling_thread.load() == std::this_thread::get_id()) {
                reply->inline_response = std::move(response);
                return;
            }
            // Never written right here, even on this connection's thread:
            // the caller may hold its own locks (Lambda answers under its
            // function's), and a write is a system call.
            IoThread* here = self->follow_answers_ ? self->server_.current_thread() : nullptr;
            if (here && here != &self->thread_) {
                self->thread_.inbox.deliver(self->thread_.io,
                                            [self, here, response = std::move(response)]() mutable { self->move_to(*here, std::move(response)); });
                return;
            }
            self->thread_.inbox.deliver(self->thread_.io, [self, response = std::move(response)]() mutable { self->write(std::move(response), false); });
        };
        Request head_copy;
        head_copy.method = request.method;
        head_copy.target = request.target;
        try {
            server_.handler.handle(std::move(request), respond);
        } catch (const std::exception& e) {
            respond(server_.handler.reject(head_copy, 500, std::string("internal error: ") + e.what()));
        }
        reply->handling_thread = std::thread::id{};
        if (reply->inline_response) write(std::move(*reply->inline_response), false);
    }

    void on_read_error(beast::error_code ec) {
        if (ec == bhttp::error::body_limit) return reject(413, "Request body is larger than the limit");
        if (ec == bhttp::error::header_limit) return reject(431, "Request header fields too large");
        bool parse_error = ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
                           ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
        if (parse_error) return reject(400, "Malformed HTTP request: " + ec.message());
        close();  // end of stream, timeout, reset, shutdown
    }

    // On this connection's thread, while its request waits for an answer
    // (nothing else under way on the socket): hands the socket to a new
    // session on `to`, which writes `response` and reads the next requests
    // there. This session is left inert. A connection that closes after
    // the answer, or one the server is stopping, is answered here instead.
    void move_to(IoThread& to, Response response) {
        if (state_ != State::handling || stopping_ || !keep_alive_) return write(std::move(response), false);
        beast::error_code ec;
        Socket socket(to.io);
        auto fd = socket_.release(ec);
        if (ec) return write(std::move(response), false);
        state_ = State::closed;
        socket.assign(protocol_, fd, ec);
        if (ec) {
            ::close(fd);  // cannot happen short of running out of memory: the client sees the connection close
            return;
        }
        auto moved = std::make_shared<Session>(std::move(socket), to, *this);
        {
            std::lock_guard lock(server_.mutex);
            // Registered even while stopping, to be drained: it has an
            // answer to write (with Connection: close).
            moved->stopping_ = server_.stopping;
            server_.sessions.emplace(moved.get(), moved);
        }
        to.inbox.deliver(to.io, [moved, response = std::move(response)]() mutable {
            moved->thread_.sweeper.watch(moved);
            moved->write(std::move(response), false);
        });
    }

    // Answers a request the server refuses, then closes the connection.
    void reject(int status, std::string reason) {
        write(server_.handler.reject(head_, status, reason), true);
    }

    void write(Response response, bool close_after) {
        if (state_ == State::closed) return;
        bool keep = keep_alive_ && !close_after && !stopping_;
        if (!status_has_body(response.status)) response.body.clear();
        // Held (Response::hold_for_pipelined) while the next request is
        // already in the buffer: it is read and handled now, and its answer
        // is written after this one, in the same write. One at most.
        if (response.hold_for_pipelined && keep && held_.empty() && buffer_.size() > 0) {
            held_ = response_head(response, head_.version == 10 ? 10 : 11, keep);
            held_ += response.body;
            return read_head();
        }
        state_ = State::writing;
        // What was held, head and body in one gather write on the socket (wire.hpp).
        auto out = std::make_shared<std::array<std::string, 3>>();
        (*out)[0] = std::move(held_);
        held_.clear();
        (*out)[1] = response_head(response, head_.version == 10 ? 10 : 11, keep);
        (*out)[2] = std::move(response.body);
        expires_after(server_.options.idle_timeout);
        const std::array<net::const_buffer, 3> buffers{net::buffer((*out)[0]), net::buffer((*out)[1]), net::buffer((*out)[2])};
        net::async_write(socket_, buffers, [self = shared_from_this(), out, keep, close_after](beast::error_code ec, std::size_t) {
            if (ec) return self->close();
            if (close_after) return self->linger_close();
            if (!keep) return self->close();
            self->read_head();
        });
    }

    // Closes after an error response while the client may still be sending:
    // stop sending, then read and discard what arrives for a short while so
    // the client sees the response instead of a connection reset.
    void linger_close() {
        state_ = State::closing;
        beast::error_code ec;
        socket_.shutdown(tcp::socket::shutdown_send, ec);
        expires_after(kDrainTime);
        drain_buffer_ = std::make_shared<std::array<char, 16384>>();
        drain();
    }

    void drain() {
        socket_.async_read_some(net::buffer(*drain_buffer_), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
            self->drained_ += n;
            if (ec || self->drained_ > kMaxDrainBytes) return self->close();
            self->drain();
        });
    }

    void expires_after(Sweeper::Clock::duration d) {
        deadline_ = Sweeper::Clock::now() + d;
        thread_.sweeper.due_by(deadline_);
    }

    void close() {
        if (state_ == State::closed) return;
        state_ = State::closed;
        beast::error_code ec;
        socket_.shutdown(tcp::socket::shutdown_both, ec);
        socket_.close(ec);
    }

    Socket socket_;
    Server::Impl& server_;
    IoThread& thread_;  // this connection's
    Sweeper::Clock::time_point deadline_ = Sweeper::Clock::time_point::max();  // on thread_: see Sweeper
    std::string prefix_;  // of the listener that accepted this connection
    bool follow_answers_;  // of that listener: see move_to()
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    Request head_;
    std::string remote_;
    tcp protocol_ = tcp::v4();  // of the socket, to re-wrap it in move_to()
    bool keep_alive_ = false;
    std::string held_;  // a response held for the next one (write()), as bytes
    bool stopping_ = false;
    State state_ = State::idle;
    std::shared_ptr<std::array<char, 16384>> drain_buffer_;
    std::size_t drained_ = 0;
};

void Sweeper::sweep() {
    armed_ = Clock::time_point::max();
    const auto now = Clock::now();
    auto next = Clock::time_point::max();
    // Forgets destroyed sessions; a closed one stays until it is destroyed.
    std::erase_if(sessions_, [&](const std::weak_ptr<Session>& weak) {
        auto session = weak.lock();
        if (!session) return true;
        if (session->deadline() <= now) session->expire();
        else next = std::min(next, session->deadline());
        return false;
    });
    if (next != Clock::time_point::max()) due_by(next);
}

std::shared_ptr<Listener> Server::Impl::listen(std::uint16_t port, std::string prefix, bool follow_answers) {
    auto l = std::make_shared<Listener>(io_threads[0]->io, std::move(prefix), follow_answers);
    tcp::endpoint endpoint(net::ip::make_address(options.host), port);
    l->acceptor.open(endpoint.protocol());
    l->acceptor.set_option(net::socket_base::reuse_address(true));
    l->acceptor.bind(endpoint);
    l->acceptor.listen(net::socket_base::max_listen_connections);
    return l;
}

void Server::Impl::close(const std::shared_ptr<Listener>& listener) {
    net::post(listener->acceptor.get_executor(), [listener] {
        beast::error_code ec;
        listener->acceptor.close(ec);
    });
}

void Server::Impl::accept(std::shared_ptr<Listener> listener) {
    IoThread& thread = *io_threads[next_context++ % io_threads.size()];
    listener->acceptor.async_accept(thread.io, [this, listener, &thread](beast::error_code ec, Socket socket) {
        if (!listener->acceptor.is_open()) return;
        if (ec) {
            // E.g. out of file descriptors: back off briefly, keep serving.
            auto timer = std::make_shared<net::steady_timer>(listener->acceptor.get_executor(), std::chrono::milliseconds(50));
            timer->async_wait([this, timer, listener](beast::error_code) {
                if (listener->acceptor.is_open()) accept(listener);
            });
            return;
        }
        auto session = std::make_shared<Session>(std::move(socket), *this, thread, listener->prefix, listener->follow_answers);
        bool stopped;
        {
            std::lock_guard lock(mutex);
            stopped = stopping;
            if (!stopped) sessions.emplace(session.get(), session);
        }
        if (stopped) return;
        session->start();
        accept(listener);
    });
}

void Server::Impl::drain() {
    auto snapshot = [this] {
        std::vector<std::shared_ptr<Session>> live;
        std::lock_guard lock(mutex);
        for (auto& [ptr, weak] : sessions)
            if (auto s = weak.lock()) live.push_back(std::move(s));
        return live;
    };
    for (auto& s : snapshot()) s->stop(false);
    {
        std::unique_lock lock(mutex);
        drained.wait_for(lock, options.grace, [this] { return sessions.empty(); });
    }
    for (auto& s : snapshot()) s->stop(true);
    {
        std::unique_lock lock(mutex);
        drained.wait_for(lock, std::chrono::seconds(1), [this] { return sessions.empty(); });
    }
    work.clear();
    for (auto& t : io_threads) t->io.stop();
}

Server::Server(ServerOptions options, Handler& handler) : impl_(std::make_unique<Impl>(std::move(options), handler)) {
    impl_->main = impl_->listen(impl_->options.port, "", false);
    impl_->bound_port = impl_->main->acceptor.local_endpoint().port();
    impl_->accept(impl_->main);
}

std::uint16_t Server::add_listener(const std::string& target_prefix) {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopping) return 0;
    auto l = impl_->listen(0, target_prefix, true);
    std::uint16_t port = l->acceptor.local_endpoint().port();
    impl_->extra[port] = l;
    // Started on the acceptor's own thread: async operations on one
    // acceptor are not started from two threads at once.
    net::post(l->acceptor.get_executor(), [impl = impl_.get(), l] { impl->accept(l); });
    return port;
}

void Server::remove_listener(std::uint16_t port) {
    std::shared_ptr<Listener> l;
    {
        std::lock_guard lock(impl_->mutex);
        auto it = impl_->extra.find(port);
        if (it == impl_->extra.end()) return;
        l = it->second;
        impl_->extra.erase(it);
    }
    Impl::close(l);
}

Server::~Server() {
    if (impl_->drainer.joinable()) impl_->drainer.join();
}

std::uint16_t Server::port() const { return impl_->bound_port; }

// One I/O thread: runs `io` until it is stopped, polling it for
// `spin` after each piece of work before blocking, and calling `idle_work`
// (if any) between polls that found nothing.
static void run_io(IoThread& thread, std::chrono::microseconds spin, const std::function<bool()>& idle_work) {
    net::io_context& io = thread.io;
    Inbox& inbox = thread.inbox;
    if (spin.count() <= 0) {
        io.run();
        return;
    }
    const auto ready = [&io, &inbox, &idle_work] {
        if (inbox.run() > 0 || io.poll() > 0 || io.stopped()) return true;
        return idle_work && idle_work();
    };
    while (!io.stopped()) {
        inbox.spinning.store(true);
        if (spin_until(spin, ready)) continue;
        inbox.spinning.store(false);
        if (inbox.run() > 0) continue;  // delivered while it stopped spinning (Inbox::deliver)
        if (io.run_one() == 0) return;
    }
}

void Server::run() {
    const auto spin = impl_->options.spin;
    const auto& idle_work = impl_->options.idle_work;
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < impl_->io_threads.size(); ++i)
        threads.emplace_back([this, i, spin, &idle_work] { run_io(*impl_->io_threads[i], spin, idle_work); });
    run_io(*impl_->io_threads[0], spin, idle_work);
    for (auto& t : threads) t.join();
}

void Server::shutdown() {
    {
        std::lock_guard lock(impl_->mutex);
        if (impl_->stopping) return;
        impl_->stopping = true;
    }
    Impl::close(impl_->main);
    {
        std::lock_guard lock(impl_->mutex);
        for (auto& [port, l] : impl_->extra) Impl::close(l);
        impl_->extra.clear();
    }
    impl_->drainer = std::thread([impl = impl_.get()] { impl->drain(); });
}

std::size_t Server::open_connections() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->sessions.size();
}

}  // namespace lowcloud::http
