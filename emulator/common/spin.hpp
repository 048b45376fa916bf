// Spinning before sleeping: a thread about to wait for something that
// usually arrives within a few hundred microseconds (the next request on a
// busy connection, the next invocation of a warm environment) first polls
// for it, yielding its core to any runnable thread between polls, and only
// then blocks.
//
// Why: on a virtual machine (a CI runner, WSL2, a cloud dev box) putting a
// thread to sleep and waking it is expensive: the waker's wake-up of an idle
// vCPU exits to the hypervisor. Measured on the 2-vCPU VM lowcloud is
// developed on, a loopback ping-pong costs ~22 µs of CPU on each side and
// 66 µs per round trip when both sides block, and 5 µs and 6 µs when both
// poll. A request through API Gateway → Lambda → DynamoDB hands off between
// threads or processes four to six times.
//
// Cost: while requests keep coming, a waiting thread polls for up to the
// window after its last piece of work; sched_yield() lets any runnable
// thread take the core first, so under load it takes no CPU from work. An
// idle emulator does not spin (no extra wake-ups): every spin follows work
// and ends after the window. `lowcloud serve --spin-us 0` turns it off.
#pragma once

#include <sched.h>

#include <chrono>

namespace lowcloud {

// The longest window lowcloud accepts (`--spin-us`, LOWCLOUD_SPIN_US).
constexpr std::chrono::microseconds kMaxSpin{10000};

// Calls `ready()` until it returns true or `window` has passed, yielding the
// core between calls; returns its last answer. A window of zero (or less)
// calls it once. `ready` must not block.
template <class Ready>
bool spin_until(std::chrono::microseconds window, Ready&& ready) {
    if (ready()) return true;
    if (window.count() <= 0) return false;
    const auto deadline = std::chrono::steady_clock::now() + window;
    for (;;) {
        sched_yield();
        if (ready()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
    }
}

}  // namespace lowcloud
