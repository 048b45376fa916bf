// Primary keys: extracting them from items and Key parameters with
// DynamoDB's validation, and encoding them as bytes whose memcmp order is
// DynamoDB's order (numbers numerically, strings and binaries bytewise), so
// SQLite's BLOB ordering gives key ranges as index scans.
#pragma once

#include "dynamodb/table.hpp"
#include "dynamodb/value.hpp"

#include <cstdint>
#include <string>

namespace lowcloud::dynamodb {

struct EncodedKey {
    std::string pk;  // encoded partition key value
    std::string sk;  // encoded sort key value, empty when the table has none
    std::uint32_t hash = 0;  // of the partition key: scan order and segments
};

// Order-preserving bytes of one key value (S, N or B).
std::string encode_key_value(const AttributeValue& v);

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
// ValidationException when an index key attribute has the wrong type or is
// empty, as DynamoDB rejects such writes.
std::optional<EncodedKey> index_key_of(const SecondaryIndex& index, const Item& item);

// Checks every index key of an item before it is written (same errors).
void check_index_keys(const TableDef& table, const Item& item);

}  // namespace lowcloud::dynamodb
