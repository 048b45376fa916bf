// Primary keys: extracting them from items and Key parameters with
// DynamoDB's validation, and encoding them as bytes whose memcmp order is
// DynamoDB's order (numbers numerically, strings and binaries bytewise), so
// SQLite's BLOB ordering gives key ranges as index scans.
#pragma once

#include "model/table.hpp"
#include "model/value.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace lowcloud::dynamodb {

struct EncodedKey {
    std::string pk;  // encoded partition key value
    std::string sk;  // encoded sort key value, empty when the table has none
    std::uint32_t hash = 0;  // of the partition key: scan order and segments
};

// The hash of an encoded partition key (the first 4 bytes of its MD5): the
// scan order and the storage's leading key column. Thread-safe.
std::uint32_t partition_hash(std::string_view pk);

// One KeySchemaElement of a request, as sent.
struct KeySchemaElement {
    std::string name;
    std::string key_type;  // "HASH" or "RANGE"
};

// Global indexes may have multi-attribute keys (DynamoDB, November 2025): up
// to 4 partition (HASH) and 4 sort (RANGE) attributes, so up to 8 elements.
constexpr std::size_t kMaxKeyPartAttributes = 4;
constexpr std::size_t kMaxGlobalIndexKeyElements = 2 * kMaxKeyPartAttributes;

// Whether a key schema asks for more than one attribute in a part (more than
// two elements, or two HASH elements).
bool is_multi_attribute(const std::vector<KeySchemaElement>& elements);

// A global index's multi-attribute key schema, checked: HASH elements first,
// at most 4 of each type, no attribute twice. Precondition: every name is in
// `defs`. Throws ValidationException. AWS's messages for these rules are not
// recorded anywhere we could find; ours follow DynamoDB's wording for the
// single-attribute rules.
KeySchema multi_attribute_key_schema(const std::string& index, const std::vector<KeySchemaElement>& elements,
                                     const std::map<std::string, Type>& defs);

// Order-preserving bytes of one key value (S, N or B).
std::string encode_key_value(const AttributeValue& v);

// Multi-attribute keys (KeySchema::multi_attribute()) encode each part as a
// tuple: every value's bytes with 0x00 escaped as 0x00 0xFF, each followed by
// 0x00 0x00, concatenated in key-schema order. Concatenations then compare
// as tuples (value by value), and the escaped bytes of a string prefix are a
// prefix of the escaped bytes of every string starting with it.
std::string encode_key_component(const AttributeValue& v);
std::string escape_key_bytes(std::string_view bytes);

// From a full item (PutItem): the key attributes must be present with the
// declared types, non-empty and within DynamoDB's size limits.
EncodedKey key_from_item(const KeySchema& schema, const Item& item);

// From a Key parameter (GetItem, DeleteItem, UpdateItem): exactly the key
// attributes, with the declared types ("The provided key element does not
// match the schema" otherwise).
EncodedKey key_from_key(const KeySchema& schema, const Item& key);

// Rejects an empty S or B value of any key attribute the item or key carries
// ("...cannot contain an empty string value. Key: pk"), without checking
// names or types. Transactions and batches report this before anything else
// about the key.
void check_key_values_not_empty(const KeySchema& schema, const Item& item);

// The key attributes of an item, as an Item.
Item key_of(const KeySchema& schema, const Item& item);

// The item's key in a secondary index, or nullopt when the item lacks one of
// the index key attributes (a sparse index leaves it out). Throws
// ValidationException when an index key attribute has the wrong type, is
// empty or is over the key size limits (2048 bytes for partition attributes,
// 1024 for sort attributes), as DynamoDB rejects such writes; a backfill
// leaves such items out of the index instead.
std::optional<EncodedKey> index_key_of(const SecondaryIndex& index, const Item& item);

// Checks every index key of an item before it is written (same errors).
void check_index_keys(const TableDef& table, const Item& item);

}  // namespace lowcloud::dynamodb
