// Usage plans: token buckets and quota counters per API key (see usage_plans.hpp).
#include "apigateway/usage_plans.hpp"

#include <algorithm>

namespace lowcloud::apigateway {

using Clock = std::chrono::system_clock;

UsageMeter::UsageMeter(std::vector<UsagePlan> plans) : plans_(std::move(plans)) {
    for (const auto& p : plans_)
        for (const auto& k : p.api_keys) {
            KeyState s;
            s.plan = &p;
            s.tokens = static_cast<double>(p.burst_limit.value_or(p.rate_limit.value_or(0)));
            keys_[k] = s;
        }
}

Clock::time_point UsageMeter::period_start(const std::string& period, Clock::time_point now) {
    using namespace std::chrono;
    auto day = floor<days>(now);
    if (period == "DAY") return day;
    if (period == "WEEK") {
        weekday wd{day};
        return day - days{(wd.c_encoding() + 6) % 7};  // back to Monday
    }
    year_month_day ymd{day};
    return sys_days{ymd.year() / ymd.month() / 1};
}

UsageMeter::Verdict UsageMeter::admit(const std::string& api_key, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto it = keys_.find(api_key);
    if (it == keys_.end()) return Verdict::allowed;
    KeyState& s = it->second;
    const UsagePlan& p = *s.plan;
    if (p.rate_limit) {
        double burst = static_cast<double>(p.burst_limit.value_or(*p.rate_limit));
        if (s.refilled != Clock::time_point{}) {
            double elapsed = std::chrono::duration<double>(now - s.refilled).count();
            s.tokens = std::min(burst, s.tokens + std::max(0.0, elapsed) * static_cast<double>(*p.rate_limit));
        }
        s.refilled = now;
        if (s.tokens < 1.0) return Verdict::throttled;
    }
    if (p.quota_limit) {
        auto start = period_start(p.quota_period, now);
        if (start != s.quota_period) {
            s.quota_period = start;
            s.used = 0;
        }
        if (s.used >= *p.quota_limit) return Verdict::quota_exceeded;
        ++s.used;
    }
    if (p.rate_limit) s.tokens -= 1.0;
    return Verdict::allowed;
}

}  // namespace lowcloud::apigateway
