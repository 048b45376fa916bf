// common/spin.hpp: spin_until (what it returns, how often it asks, and that
// it sees what another thread does while it polls) and SpinningMutex.
#include "common/spin.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using lowcloud::spin_until;

TEST_CASE("spin: an answer ready at once is taken without polling", "[spin]") {
    int calls = 0;
    CHECK(spin_until(1s, [&] { return ++calls > 0; }));
    CHECK(calls == 1);
}

TEST_CASE("spin: a zero window asks once", "[spin]") {
    int calls = 0;
    CHECK_FALSE(spin_until(0us, [&] { ++calls; return false; }));
    CHECK(calls == 1);
}

TEST_CASE("spin: a window that passes returns false, not before the window", "[spin]") {
    int calls = 0;
    auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(spin_until(2ms, [&] { ++calls; return false; }));
    CHECK(std::chrono::steady_clock::now() - start >= 2ms);
    CHECK(calls > 1);
}

TEST_CASE("spin: what another thread sets is seen while polling", "[spin]") {
    std::atomic<bool> flag{false};
    std::thread setter([&] { flag = true; });
    CHECK(spin_until(60s, [&] { return flag.load(); }));  // returns as soon as the thread has run
    setter.join();
}

// SpinningMutex: the lock's contract (mutual exclusion, try_lock), with and
// without a polling window, and a waiter that outlasts the window still gets
// the lock when it is released.
TEST_CASE("spinning mutex: threads that contend never hold it together", "[spin]") {
    for (auto window : {0us, 20us}) {
        lowcloud::SpinningMutex mutex(window);
        long counter = 0;  // a data race (and a wrong total) if two held it at once
        std::atomic<int> inside{0};
        std::atomic<bool> overlapped{false};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&] {
                for (int i = 0; i < 20000; ++i) {
                    std::lock_guard lock(mutex);
                    if (inside.fetch_add(1) != 0) overlapped = true;
                    ++counter;
                    inside.fetch_sub(1);
                }
            });
        for (auto& t : threads) t.join();
        CHECK_FALSE(overlapped);
        CHECK(counter == 4 * 20000);
    }
}

TEST_CASE("spinning mutex: try_lock fails while it is held and succeeds after", "[spin]") {
    lowcloud::SpinningMutex mutex;
    mutex.lock();
    bool got = true;
    std::thread other([&] { got = mutex.try_lock(); });
    other.join();
    CHECK_FALSE(got);
    mutex.unlock();
    CHECK(mutex.try_lock());
    mutex.unlock();
}

TEST_CASE("spinning mutex: a waiter kept out past its window gets the lock on release", "[spin]") {
    lowcloud::SpinningMutex mutex;
    std::atomic<bool> got{false};
    mutex.lock();
    std::thread waiter([&] {
        std::lock_guard lock(mutex);
        got = true;
    });
    // Far past the 20 µs window: the waiter has stopped polling and blocks
    // (or is still starting); either way it has not got the lock.
    std::this_thread::sleep_for(5ms);
    CHECK_FALSE(got.load());
    mutex.unlock();
    waiter.join();
    CHECK(got.load());
}

// Bug: the DynamoDB background thread applied deferred puts in short holds
// of the engine's mutex, but took it again before a woken request ran
// (std::mutex hands nothing off), so requests waited for all the holds (up
// to 17 ms). waiters() counts the threads kept out, until they get the
// lock; hand_over() waits for them to have it.
TEST_CASE("spinning mutex: waiters are counted until they get the lock, and hand_over waits for them", "[spin]") {
    for (auto window : {0us, 20us}) {
        lowcloud::SpinningMutex mutex(window);
        CHECK(mutex.waiters() == 0);
        mutex.hand_over(0us);  // nobody waits: returns at once
        mutex.lock();
        std::atomic<bool> got{false}, release{false};
        std::thread waiter([&] {
            std::lock_guard lock(mutex);
            got = true;
            while (!release) std::this_thread::yield();
        });
        CHECK(spin_until(60s, [&] { return mutex.waiters() == 1; }));
        mutex.unlock();
        mutex.hand_over(60s);  // returns once the waiter has taken it
        CHECK(mutex.waiters() == 0);
        CHECK_FALSE(mutex.try_lock());  // it holds it
        CHECK(spin_until(60s, [&] { return got.load(); }));
        release = true;
        waiter.join();
        CHECK(mutex.try_lock());
        mutex.unlock();
    }
}
