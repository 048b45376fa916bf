// Usage plans: per-API-key throttling (token bucket: `rate_limit` requests
// per second refilled into a bucket of `burst_limit`) and quotas (`limit`
// requests per UTC day, week or month), as API Gateway applies them to
// methods that require an API key.
//
//   apis:
//     - name: info
//       usage_plans:
//         - name: basic
//           api_keys: [key2]                 # these keys are valid keys of the API
//           throttle: {rate_limit: 10, burst_limit: 20}
//           quota: {limit: 1000, period: DAY}  # DAY, WEEK or MONTH
//
// A throttled request gets 429 {"message":"Too Many Requests"}
// (TooManyRequestsException); past the quota, 429 {"message":"Limit
// Exceeded"} (LimitExceededException). Throttled requests do not count
// against the quota.
//
// Threading: UsageMeter::admit is thread-safe (one mutex; callers hold it
// for a few arithmetic operations).
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace lowcloud::apigateway {

struct UsagePlan {
    std::string name;
    std::vector<std::string> api_keys;
    std::optional<long long> rate_limit;   // requests per second
    std::optional<long long> burst_limit;  // bucket size (default: rate_limit)
    std::optional<long long> quota_limit;
    std::string quota_period = "DAY";      // DAY, WEEK or MONTH
};

class UsageMeter {
public:
    enum class Verdict { allowed, throttled, quota_exceeded };

    explicit UsageMeter(std::vector<UsagePlan> plans);

    // Whether the plan of `api_key` admits one more request at `now`, and
    // counts it when it does. Keys in no plan are always allowed.
    Verdict admit(const std::string& api_key, std::chrono::system_clock::time_point now);

    // The start of the quota period containing `now` (UTC; weeks start on Monday).
    static std::chrono::system_clock::time_point period_start(const std::string& period, std::chrono::system_clock::time_point now);

private:
    struct KeyState {
        const UsagePlan* plan = nullptr;
        double tokens = 0;
        std::chrono::system_clock::time_point refilled{};
        std::chrono::system_clock::time_point quota_period{};
        long long used = 0;
    };
    std::vector<UsagePlan> plans_;
    std::mutex mutex_;
    std::map<std::string, KeyState> keys_;
};

}  // namespace lowcloud::apigateway
