// The DynamoDB service's SQLite database: a versioned schema, the table
// catalog, and items keyed by order-preserving key bytes (keys.hpp).
//
//   meta(key, value)                       schema_version = 1
//   tables(id, name, definition, item_count, size_bytes)
//   items(table_id, pk, sk, hash, size, item)  PRIMARY KEY (table_id, pk, sk)
//
// Items are stored as their DynamoDB JSON text. item_count and size_bytes
// are maintained in the same transaction as each write.
// Not thread-safe: the service serializes all calls (service.hpp).
#pragma once

#include "dynamodb/keys.hpp"
#include "dynamodb/sqlite.hpp"
#include "dynamodb/table.hpp"

#include <filesystem>
#include <optional>
#include <vector>

namespace lowcloud::dynamodb {

class Storage {
public:
    static constexpr int kSchemaVersion = 1;

    // Opens `file` (WAL mode) or an in-memory database when none; creates
    // the schema or checks its version (throws sqlite::Error if unknown).
    explicit Storage(const std::optional<std::filesystem::path>& file);

    sqlite::Database& db() { return db_; }

    std::vector<TableDef> load_tables();
    // Inserts a new table; sets t.id.
    void insert_table(TableDef& t);
    // Saves the definition (not the counters).
    void save_table(const TableDef& t);
    // Deletes the table and all its items.
    void delete_table(std::int64_t id);
    // Current counters of a table (item_count, size_bytes).
    std::pair<std::int64_t, std::int64_t> counters(std::int64_t id);

    struct Stored {
        Item item;
        std::int64_t size = 0;
    };
    std::optional<Stored> get(std::int64_t table, const EncodedKey& key);
    // Writes an item; `old` is what get() returned for the same key.
    void put(std::int64_t table, const EncodedKey& key, const Item& item, std::int64_t size, const std::optional<Stored>& old);
    void remove(std::int64_t table, const EncodedKey& key, const Stored& old);

private:
    void adjust_counters(std::int64_t table, std::int64_t items, std::int64_t bytes);

    sqlite::Database db_;
};

}  // namespace lowcloud::dynamodb
