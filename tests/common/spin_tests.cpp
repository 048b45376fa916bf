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
