// DynamoDB's capacity-unit arithmetic, for ReturnConsumedCapacity:
// writes cost 1 WCU per KB (rounded up) of the larger of the old and new
// item; reads cost 1 RCU per 4 KB (rounded up) strongly consistent, half
// that eventually consistent. Transactions cost double (issue-4 callers).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace lowcloud::dynamodb {

double write_units(std::int64_t old_size, std::int64_t new_size);
double read_units(std::int64_t size, bool consistent);

// The ConsumedCapacity member for `mode` ("TOTAL" or "INDEXES"); nullopt for
// "NONE" or absent.
std::optional<nlohmann::json> consumed_capacity(const std::optional<std::string>& mode, const std::string& table, double units);

}  // namespace lowcloud::dynamodb
