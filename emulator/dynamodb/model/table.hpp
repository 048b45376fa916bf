// A table's definition as typed values: key schema, attribute definitions,
// billing, indexes, tags, TTL setting and counters. The catalog keeps one
// TableDef per table; it is persisted as JSON (to_storage/from_storage) and
// shown to clients as DynamoDB's TableDescription (describe).
#pragma once

#include "model/value.hpp"

#include <nlohmann/json.hpp>

#include <boost/container/static_vector.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lowcloud::dynamodb {

struct KeyAttribute {
    std::string name;
    Type type = Type::S;  // S, N or B
};

// A key schema. Tables and local indexes have one partition (HASH) attribute
// and at most one sort (RANGE) attribute. Global indexes may have
// multi-attribute keys: up to 4 partition and 4 sort attributes, kept in
// key-schema order as `hash` + `more_hash` and `range` + `more_range`.
struct KeySchema {
    KeyAttribute hash;                  // the first partition attribute
    std::optional<KeyAttribute> range;  // the first sort attribute
    std::vector<KeyAttribute> more_hash;   // further partition attributes (GSIs only)
    std::vector<KeyAttribute> more_range;  // further sort attributes (GSIs only; needs `range`)

    // Whether any part has more than one attribute (then keys encode as
    // tuples, see keys.hpp).
    bool multi_attribute() const { return !more_hash.empty() || !more_range.empty(); }
    std::vector<KeyAttribute> hash_attributes() const;
    std::vector<KeyAttribute> range_attributes() const;
    // Every key attribute: the partition ones, then the sort ones.
    std::vector<KeyAttribute> attributes() const;
    // The same without copies or allocation, for the write path.
    using AttributeRefs = boost::container::static_vector<const KeyAttribute*, 8>;
    AttributeRefs attribute_refs() const;
    bool has_attribute(const std::string& name) const;
};

struct Throughput {
    std::int64_t read = 0;
    std::int64_t write = 0;
};

struct IndexProjection {
    std::string type = "ALL";                 // ALL | KEYS_ONLY | INCLUDE
    std::vector<std::string> non_key_attributes;  // INCLUDE only
};

struct SecondaryIndex {
    std::string name;
    KeySchema key;
    IndexProjection projection;
    std::optional<Throughput> throughput;  // GSIs of PROVISIONED tables
    // Filled from storage for DescribeTable only; not persisted.
    std::int64_t item_count = 0;
    std::int64_t size_bytes = 0;
};

struct TableDef {
    std::int64_t id = 0;             // storage row id
    std::string name;
    std::string table_id;            // UUID, DynamoDB's TableId
    KeySchema key;
    std::vector<KeyAttribute> attribute_definitions;
    std::string billing_mode = "PROVISIONED";  // or PAY_PER_REQUEST
    Throughput throughput;
    std::vector<SecondaryIndex> local_indexes;
    std::vector<SecondaryIndex> global_indexes;
    std::vector<std::pair<std::string, std::string>> tags;  // in insertion order
    std::optional<std::string> ttl_attribute;  // set while TTL is enabled
    bool deletion_protection = false;
    std::optional<std::int64_t> pitr_since_ms;  // point-in-time recovery: recorded (not performed), since then
    std::int64_t pitr_days = 35;
    std::string table_class = "STANDARD";
    std::int64_t created_ms = 0;               // CreationDateTime
    std::int64_t billing_changed_ms = 0;       // last switch to PAY_PER_REQUEST
    std::int64_t item_count = 0;
    std::int64_t size_bytes = 0;

    // "arn:aws:dynamodb:REGION:ACCOUNT:table/NAME"
    std::string arn(const std::string& region, const std::string& account) const;
    // The key attributes' names, hash first.
    std::vector<std::string> key_names() const;
    bool is_key_attribute(const std::string& name) const;
    // Whether an item's write also writes rows besides the item's own: an
    // index entry or a TTL entry (replacing them needs the old item).
    bool has_entries() const { return !local_indexes.empty() || !global_indexes.empty() || ttl_attribute.has_value(); }
};

nlohmann::json to_storage(const TableDef& t);
TableDef from_storage(const nlohmann::json& j);

// DynamoDB's TableDescription. `status` is "ACTIVE" or "DELETING".
nlohmann::json describe(const TableDef& t, const std::string& region, const std::string& account,
                        const std::string& status = "ACTIVE");

// Parses a wire type name "S" | "N" | "B" for key attributes (nullopt if not one).
std::optional<Type> key_type_from_name(std::string_view name);

}  // namespace lowcloud::dynamodb
