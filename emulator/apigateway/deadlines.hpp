// Integration timeouts: callbacks due at a point in time (a call waiting on
// its integration, answered 504 when it comes due), and the one thread that
// runs them.
//
// The thread sleeps until the earliest deadline it knows of. add() wakes it
// only for a deadline earlier than that one. Deadlines are normally the
// same timeout from now, so each is later than the ones before it, and a
// request costs the thread no wake-up (it used to cost one per request: a
// futex wake on the request's path, and a context switch on a 2-core
// machine that the request's own threads were waiting for). A cancelled
// entry leaves the thread's wake-up time as it was: the thread wakes then,
// finds nothing due, and sleeps until the earliest remaining deadline.
//
// Threading: add() and cancel() are thread-safe and never wait for a
// callback. Callbacks run on the deadline thread, one at a time, outside the
// lock, so they may call add() and cancel(); they must not throw. stop()
// must not be called from a callback.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace lowcloud::apigateway {

class Deadlines {
public:
    using Clock = std::chrono::steady_clock;
    // Names one entry for cancel(); plain data, copyable.
    struct Ticket {
        Clock::time_point at;
        std::uint64_t id = 0;
    };

    Deadlines();  // starts the thread
    ~Deadlines();  // stop(), dropping what it returns
    Deadlines(const Deadlines&) = delete;
    Deadlines& operator=(const Deadlines&) = delete;

    // Runs `on_due` on the deadline thread once `at` has passed, unless
    // cancelled first. After stop(), the entry is dropped at once (its
    // callback never runs) and the ticket cancels nothing.
    Ticket add(Clock::time_point at, std::function<void()> on_due);
    // Removes the entry. Returns false when it is no longer pending: its
    // callback has run or is running, it was cancelled, or stop() took it.
    bool cancel(const Ticket& ticket);

    // Stops the thread (waiting for a callback that is running) and returns
    // the callbacks still pending, not run: the caller chooses when what
    // they hold is released. Idempotent; later calls return nothing.
    std::vector<std::function<void()>> stop();

    // For tests: how many times add() has woken the thread.
    std::uint64_t signals() const;

private:
    void run();

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::map<std::pair<Clock::time_point, std::uint64_t>, std::function<void()>> pending_;  // under mutex_
    Clock::time_point wakes_at_ = Clock::time_point::max();  // under mutex_: when the thread wakes next on its own
    std::uint64_t next_id_ = 1;   // under mutex_
    std::uint64_t signals_ = 0;   // under mutex_
    bool stopping_ = false;       // under mutex_
    std::thread thread_;
};

}  // namespace lowcloud::apigateway
