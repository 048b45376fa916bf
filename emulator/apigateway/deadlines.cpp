// The integration-timeout thread (see deadlines.hpp).
#include "apigateway/deadlines.hpp"

namespace lowcloud::apigateway {

Deadlines::Deadlines() : thread_([this] { run(); }) {}

Deadlines::~Deadlines() { stop(); }

Deadlines::Ticket Deadlines::add(Clock::time_point at, std::function<void()> on_due) {
    std::lock_guard lock(mutex_);
    Ticket ticket{at, next_id_++};
    if (stopping_) return ticket;  // `on_due` is dropped with the call
    pending_.emplace(std::make_pair(at, ticket.id), std::move(on_due));
    if (at < wakes_at_) {
        // Set here, not only by the thread once it is back to sleep: a burst
        // of calls to add() signals once.
        wakes_at_ = at;
        ++signals_;
        changed_.notify_one();
    }
    return ticket;
}

bool Deadlines::cancel(const Ticket& ticket) {
    std::function<void()> dropped;  // destroyed outside the lock: it may hold the last reference to a call
    std::lock_guard lock(mutex_);
    auto it = pending_.find({ticket.at, ticket.id});
    if (it == pending_.end()) return false;
    dropped = std::move(it->second);
    pending_.erase(it);
    return true;
}

std::vector<std::function<void()>> Deadlines::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        changed_.notify_one();
    }
    if (thread_.joinable()) thread_.join();
    std::vector<std::function<void()>> left;
    std::lock_guard lock(mutex_);
    for (auto& [key, fn] : pending_) left.push_back(std::move(fn));
    pending_.clear();
    return left;
}

std::uint64_t Deadlines::signals() const {
    std::lock_guard lock(mutex_);
    return signals_;
}

void Deadlines::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        wakes_at_ = pending_.empty() ? Clock::time_point::max() : pending_.begin()->first.first;
        if (wakes_at_ == Clock::time_point::max()) changed_.wait(lock);
        else changed_.wait_until(lock, wakes_at_);
        if (stopping_) break;
        auto now = Clock::now();
        while (!pending_.empty() && pending_.begin()->first.first <= now) {
            auto due = std::move(pending_.begin()->second);
            pending_.erase(pending_.begin());
            lock.unlock();
            due();
            due = nullptr;  // what it held is released outside the lock too
            lock.lock();
            if (stopping_) return;
            now = Clock::now();
        }
    }
}

}  // namespace lowcloud::apigateway
