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

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>

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

// A mutex whose lock() first polls for up to a window (at most kMaxWindow)
// before it sleeps, for locks held a few microseconds at a time by threads
// on other cores (the DynamoDB engine's, taken by every request): a waiter
// that sleeps in the kernel costs the holder a futex wake-up on unlock and
// itself a scheduler round trip, each several microseconds on a VM, longer
// than the hold. Waiters poll without yielding (the holder runs on another
// core); one that has not got the lock within the window blocks as on a
// std::mutex, so a long hold (a commit, milliseconds) costs each waiter at
// most the window of CPU. Uncontended, lock() is one try_lock; an idle
// program never polls. A window of zero never polls (`--spin-us 0`).
// Meets the standard's Lockable requirements; not recursive; the window is
// fixed at construction.
class SpinningMutex {
public:
    static constexpr std::chrono::microseconds kMaxWindow{20};

    explicit SpinningMutex(std::chrono::microseconds window = kMaxWindow) : window_(std::min(window, kMaxWindow)) {}
    SpinningMutex(const SpinningMutex&) = delete;
    SpinningMutex& operator=(const SpinningMutex&) = delete;

    void lock() {
        if (!mutex_.try_lock()) poll_then_lock();
        held_.store(true, std::memory_order_relaxed);
    }
    bool try_lock() {
        if (!mutex_.try_lock()) return false;
        held_.store(true, std::memory_order_relaxed);
        return true;
    }
    void unlock() {
        held_.store(false, std::memory_order_relaxed);
        mutex_.unlock();
    }

    // How many threads are in lock() and did not get it at once (polling or
    // asleep). std::mutex hands nothing off: a thread that releases the
    // lock and takes it again at once, being already on its core, wins
    // against a waiter that must first be woken up. A holder doing long work
    // in short holds checks this between them to let the waiters go first
    // (hand_over()).
    int waiters() const { return waiters_.load(std::memory_order_relaxed); }
    // Called without the lock: waits (yielding the core) until no thread is
    // waiting for it, at most `limit`.
    void hand_over(std::chrono::microseconds limit) const {
        spin_until(limit, [this] { return waiters() == 0; });
    }

private:
    void poll_then_lock() {
        waiters_.fetch_add(1, std::memory_order_relaxed);
        struct Done {
            std::atomic<int>& n;
            ~Done() { n.fetch_sub(1, std::memory_order_relaxed); }
        } done{waiters_};
        if (window_.count() > 0) {
            const auto deadline = std::chrono::steady_clock::now() + window_;
            for (unsigned i = 1;; ++i) {
#if defined(__x86_64__) || defined(__i386__)
                __builtin_ia32_pause();
#endif
                if (!held_.load(std::memory_order_relaxed) && mutex_.try_lock()) return;
                if (i % 32 == 0 && std::chrono::steady_clock::now() >= deadline) break;
            }
        }
        mutex_.lock();
    }

    const std::chrono::microseconds window_;
    std::mutex mutex_;
    // Whether a thread holds mutex_, read by pollers before the costlier
    // try_lock. Only a hint: mutex_ alone decides who holds the lock.
    std::atomic<bool> held_{false};
    std::atomic<int> waiters_{0};
};

}  // namespace lowcloud
