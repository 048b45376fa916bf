// Usage plans: token-bucket throttling and quota periods (usage_plans.hpp).
#include "apigateway/usage_plans.hpp"

#include <catch2/catch.hpp>

using namespace lowcloud::apigateway;
using namespace std::chrono;
using Verdict = UsageMeter::Verdict;

namespace {
system_clock::time_point at(int y, unsigned m, unsigned d, int h = 0, int s = 0) {
    return sys_days{year{y} / month{m} / day{d}} + hours{h} + seconds{s};
}
UsagePlan plan(std::optional<long long> rate, std::optional<long long> burst, std::optional<long long> quota, std::string period = "DAY") {
    UsagePlan p;
    p.name = "p";
    p.api_keys = {"k"};
    p.rate_limit = rate;
    p.burst_limit = burst;
    p.quota_limit = quota;
    p.quota_period = std::move(period);
    return p;
}
}  // namespace

TEST_CASE("usage_plans/burst_then_throttled_then_refilled") {
    UsageMeter m({plan(1, 2, std::nullopt)});
    auto t = at(2026, 12, 2, 10);
    CHECK(m.admit("k", t) == Verdict::allowed);
    CHECK(m.admit("k", t) == Verdict::allowed);
    CHECK(m.admit("k", t) == Verdict::throttled);
    CHECK(m.admit("k", t + milliseconds(500)) == Verdict::throttled);
    CHECK(m.admit("k", t + milliseconds(1000)) == Verdict::allowed);
    CHECK(m.admit("k", t + seconds(60)) == Verdict::allowed);  // refills up to the burst only
    CHECK(m.admit("k", t + seconds(60)) == Verdict::allowed);
    CHECK(m.admit("k", t + seconds(60)) == Verdict::throttled);
}

TEST_CASE("usage_plans/keys_outside_plans_are_not_metered") {
    UsageMeter m({plan(1, 1, 1)});
    auto t = at(2026, 12, 2);
    for (int i = 0; i < 10; ++i) CHECK(m.admit("other", t) == Verdict::allowed);
}

TEST_CASE("usage_plans/quota_resets_with_the_period") {
    UsageMeter m({plan(std::nullopt, std::nullopt, 2)});
    auto t = at(2026, 12, 2, 23, 59 * 60);
    CHECK(m.admit("k", t) == Verdict::allowed);
    CHECK(m.admit("k", t) == Verdict::allowed);
    CHECK(m.admit("k", t) == Verdict::quota_exceeded);
    CHECK(m.admit("k", at(2026, 12, 3)) == Verdict::allowed);
}

TEST_CASE("usage_plans/throttled_requests_do_not_use_quota") {
    UsageMeter m({plan(1, 1, 2)});
    auto t = at(2026, 12, 2);
    CHECK(m.admit("k", t) == Verdict::allowed);
    CHECK(m.admit("k", t) == Verdict::throttled);
    CHECK(m.admit("k", t + seconds(1)) == Verdict::allowed);
    CHECK(m.admit("k", t + seconds(2)) == Verdict::quota_exceeded);
}

TEST_CASE("usage_plans/period_starts") {
    auto wed = at(2026, 12, 2, 15);  // a Wednesday
    CHECK(UsageMeter::period_start("DAY", wed) == at(2026, 12, 2));
    CHECK(UsageMeter::period_start("WEEK", wed) == at(2026, 11, 30));
    CHECK(UsageMeter::period_start("WEEK", at(2026, 11, 30, 1)) == at(2026, 11, 30));
    CHECK(UsageMeter::period_start("WEEK", at(2026, 12, 6, 23)) == at(2026, 11, 30));
    CHECK(UsageMeter::period_start("MONTH", wed) == at(2026, 12, 1));
}
