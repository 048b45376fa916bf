// Integration timeouts (deadlines.hpp): callbacks run when due and never
// after a cancel, and the thread is woken only by an earlier deadline. The
// waits for a callback have a 30 s limit; nothing here depends on how fast
// the machine is.
#include "apigateway/deadlines.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <mutex>
#include <memory>

using namespace lowcloud::apigateway;
using namespace std::chrono_literals;
using Clock = Deadlines::Clock;

namespace {
constexpr auto kFar = std::chrono::hours(1);
constexpr auto kPatience = std::chrono::seconds(30);
}  // namespace

TEST_CASE("deadlines/a_later_deadline_does_not_wake_the_thread") {
    // The regression it guards: one futex wake and context switch per
    // gateway request, since each request's deadline used to be signalled
    // whenever no other call was waiting.
    Deadlines d;
    auto first = d.add(Clock::now() + kFar, [] {});
    CHECK(d.signals() == 1);
    for (int i = 0; i < 1000; ++i) {
        auto t = d.add(Clock::now() + kFar + std::chrono::milliseconds(i), [] {});
        CHECK(d.cancel(t));
    }
    CHECK(d.cancel(first));
    // Nothing pending now; the thread still sleeps until `first`'s time, so
    // a later deadline still needs no signal.
    d.add(Clock::now() + kFar + 1s, [] {});
    CHECK(d.signals() == 1);
}

TEST_CASE("deadlines/an_earlier_deadline_wakes_the_thread_and_runs_when_due") {
    Deadlines d;
    std::atomic<bool> far_ran{false};
    d.add(Clock::now() + kFar, [&] { far_ran = true; });
    std::promise<Clock::time_point> ran;
    auto due = Clock::now() + 20ms;
    d.add(due, [&] { ran.set_value(Clock::now()); });
    CHECK(d.signals() == 2);
    auto f = ran.get_future();
    REQUIRE(f.wait_for(kPatience) == std::future_status::ready);
    CHECK(f.get() >= due);
    CHECK_FALSE(far_ran);
}

TEST_CASE("deadlines/a_cancelled_callback_never_runs") {
    Deadlines d;
    std::atomic<int> cancelled_ran{0};
    auto t = d.add(Clock::now() + 30ms, [&] { ++cancelled_ran; });
    REQUIRE(d.cancel(t));
    CHECK_FALSE(d.cancel(t));  // once only
    // A later entry coming due shows the thread got past the cancelled one's time.
    std::promise<void> later;
    d.add(Clock::now() + 60ms, [&] { later.set_value(); });
    REQUIRE(later.get_future().wait_for(kPatience) == std::future_status::ready);
    CHECK(cancelled_ran == 0);
}

TEST_CASE("deadlines/a_callback_may_cancel_its_own_ticket_and_add_another") {
    // As the gateway's timeout does: it answers the call, whose completion
    // cancels the call's own deadline. The ticket is stored under a mutex
    // the callback takes, as the gateway stores it (pipeline.cpp): the
    // deadline may come due before add() returns.
    Deadlines d;
    std::mutex m;
    Deadlines::Ticket ticket;
    std::promise<bool> own_cancel;
    std::promise<void> second;
    {
        std::lock_guard lock(m);
        ticket = d.add(Clock::now() + 10ms, [&] {
            Deadlines::Ticket own;
            {
                std::lock_guard l(m);
                own = ticket;
            }
            own_cancel.set_value(d.cancel(own));
            d.add(Clock::now() + 10ms, [&] { second.set_value(); });
        });
    }
    auto f = own_cancel.get_future();
    REQUIRE(f.wait_for(kPatience) == std::future_status::ready);
    CHECK_FALSE(f.get());  // no longer pending: it is running
    CHECK(second.get_future().wait_for(kPatience) == std::future_status::ready);
}

TEST_CASE("deadlines/stop_returns_the_pending_callbacks_unrun") {
    Deadlines d;
    auto held = std::make_shared<int>(7);
    std::atomic<int> ran{0};
    auto t = d.add(Clock::now() + kFar, [&ran, held] { ++ran; });
    d.add(Clock::now() + kFar, [&ran] { ++ran; });
    auto left = d.stop();
    CHECK(left.size() == 2);
    CHECK(held.use_count() == 2);  // the caller decides when it is released
    left.clear();
    CHECK(held.use_count() == 1);
    CHECK_FALSE(d.cancel(t));
    d.add(Clock::now(), [&ran, held] { ++ran; });  // after stop: dropped at once
    CHECK(held.use_count() == 1);
    CHECK(d.stop().empty());
    CHECK(ran == 0);
}
