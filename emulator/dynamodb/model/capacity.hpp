// DynamoDB's capacity-unit arithmetic, for ReturnConsumedCapacity:
// writes cost 1 WCU per KB (rounded up) of the larger of the old and new
// item; reads cost 1 RCU per 4 KB (rounded up) strongly consistent, half
// that eventually consistent. Transactions cost double (issue-4 callers).
// A write to a table with secondary indexes also costs the index writes it
// causes, as DynamoDB measures them: one write per index whose stored entry
// changes (1 WCU per KB of the entry), two when the index key changes (the
// old entry deleted, the new one written), none for an index the item is
// not in (sparse) or whose projected entry stays the same. TOTAL folds them
// into CapacityUnits; INDEXES also itemizes Table and, only for indexes
// that cost something, GlobalSecondaryIndexes / LocalSecondaryIndexes.
#pragma once

#include "model/table.hpp"
#include "model/value.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace lowcloud::dynamodb {

double write_units(std::int64_t old_size, std::int64_t new_size);
double read_units(std::int64_t size, bool consistent);

// The ConsumedCapacity member for `mode` ("TOTAL" or "INDEXES"); nullopt for
// "NONE" or absent.
std::optional<nlohmann::json> consumed_capacity(const std::optional<std::string>& mode, const std::string& table, double units);

// What one or more writes cost a table and its indexes.
struct WriteCapacity {
    double table = 0;
    std::map<std::string, double> global;  // index name -> units (only indexes written)
    std::map<std::string, double> local;

    double total() const;
    WriteCapacity& operator+=(const WriteCapacity& other);
    WriteCapacity scaled(double factor) const;  // transactions: x2
};

// The index writes of changing `before` into `after` (either may be absent:
// a new item, a deleted one). `table_units` is the table's own cost.
WriteCapacity write_capacity(const TableDef& t, double table_units, const Item* before, const Item* after);

std::optional<nlohmann::json> consumed_capacity(const std::optional<std::string>& mode, const std::string& table,
                                                const WriteCapacity& units);

}  // namespace lowcloud::dynamodb
