// Capacity-unit arithmetic (see capacity.hpp).
#include "model/capacity.hpp"

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

double WriteCapacity::total() const {
    double sum = table;
    for (const auto& [name, units] : global) sum += units;
    for (const auto& [name, units] : local) sum += units;
    return sum;
}

WriteCapacity& WriteCapacity::operator+=(const WriteCapacity& other) {
    table += other.table;
    for (const auto& [name, units] : other.global) global[name] += units;
    for (const auto& [name, units] : other.local) local[name] += units;
    return *this;
}

WriteCapacity WriteCapacity::scaled(double factor) const {
    WriteCapacity out = *this;
    out.table *= factor;
    for (auto* m : {&out.global, &out.local})
        for (auto& [name, units] : *m) units *= factor;
    return out;
}

namespace {

// The entry an index stores for `item`, or nullopt when the item lacks an
// index key attribute (a sparse index leaves it out).
std::optional<Item> index_entry(const TableDef& t, const SecondaryIndex& index, const Item* item) {
    if (item == nullptr) return std::nullopt;
    if (!item->count(index.key.hash.name)) return std::nullopt;
    if (index.key.range && !item->count(index.key.range->name)) return std::nullopt;
    if (index.projection.type == "ALL") return *item;
    Item entry;
    auto keep = [&](const std::string& name) {
        if (auto it = item->find(name); it != item->end()) entry.emplace(name, it->second);
    };
    for (const auto& name : t.key_names()) keep(name);
    keep(index.key.hash.name);
    if (index.key.range) keep(index.key.range->name);
    if (index.projection.type == "INCLUDE")
        for (const auto& name : index.projection.non_key_attributes) keep(name);
    return entry;
}

bool same_index_key(const SecondaryIndex& index, const Item& a, const Item& b) {
    if (a.at(index.key.hash.name) != b.at(index.key.hash.name)) return false;
    return !index.key.range || a.at(index.key.range->name) == b.at(index.key.range->name);
}

double index_units(const SecondaryIndex& index, const std::optional<Item>& before, const std::optional<Item>& after) {
    auto size = [](const Item& entry) { return static_cast<std::int64_t>(item_size(entry)); };
    if (!before && !after) return 0;
    if (!before) return write_units(0, size(*after));
    if (!after) return write_units(size(*before), 0);
    if (!same_index_key(index, *before, *after)) return write_units(size(*before), 0) + write_units(0, size(*after));
    if (*before == *after) return 0;
    return write_units(size(*before), size(*after));
}

}  // namespace

WriteCapacity write_capacity(const TableDef& t, double table_units, const Item* before, const Item* after) {
    WriteCapacity out;
    out.table = table_units;
    auto add = [&](const std::vector<SecondaryIndex>& indexes, std::map<std::string, double>& into) {
        for (const auto& index : indexes)
            if (double u = index_units(index, index_entry(t, index, before), index_entry(t, index, after)); u > 0) into[index.name] += u;
    };
    add(t.global_indexes, out.global);
    add(t.local_indexes, out.local);
    return out;
}

std::optional<nlohmann::json> consumed_capacity(const std::optional<std::string>& mode, const std::string& table,
                                                const WriteCapacity& units) {
    if (!mode || *mode == "NONE") return std::nullopt;
    nlohmann::json out = {{"TableName", table}, {"CapacityUnits", units.total()}};
    if (*mode != "INDEXES") return out;
    out["Table"] = {{"CapacityUnits", units.table}};
    auto arm = [&](const char* member, const std::map<std::string, double>& m) {
        if (m.empty()) return;
        nlohmann::json j = nlohmann::json::object();
        for (const auto& [name, u] : m) j[name] = {{"CapacityUnits", u}};
        out[member] = std::move(j);
    };
    arm("GlobalSecondaryIndexes", units.global);
    arm("LocalSecondaryIndexes", units.local);
    return out;
}

}  // namespace lowcloud::dynamodb
