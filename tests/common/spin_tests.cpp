// spin_until (common/spin.hpp): what it returns, how often it asks, and that
// it sees what another thread does while it polls.
#include "common/spin.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

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
