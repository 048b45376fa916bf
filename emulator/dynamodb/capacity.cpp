// Capacity-unit arithmetic (see capacity.hpp).
#include "dynamodb/capacity.hpp"

#include <algorithm>

namespace lowcloud::dynamodb {

double write_units(std::int64_t old_size, std::int64_t new_size) {
    std::int64_t size = std::max<std::int64_t>({old_size, new_size, 1});
    return static_cast<double>((size + 1023) / 1024);
}

double read_units(std::int64_t size, bool consistent) {
    std::int64_t units = std::max<std::int64_t>(1, (size + 4095) / 4096);
    return consistent ? static_cast<double>(units) : static_cast<double>(units) / 2.0;
}

std::optional<nlohmann::json> consumed_capacity(const std::optional<std::string>& mode, const std::string& table, double units) {
    if (!mode || *mode == "NONE") return std::nullopt;
    nlohmann::json out = {{"TableName", table}, {"CapacityUnits", units}};
    if (*mode == "INDEXES") out["Table"] = {{"CapacityUnits", units}};
    return out;
}

}  // namespace lowcloud::dynamodb
