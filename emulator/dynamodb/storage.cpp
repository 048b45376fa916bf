// SQLite schema, catalog and item storage (see storage.hpp).
#include "dynamodb/storage.hpp"

namespace lowcloud::dynamodb {

namespace {
Item decode_item(std::string_view text) { return parse_item(nlohmann::json::parse(text)); }
}  // namespace

Storage::Storage(const std::optional<std::filesystem::path>& file) : db_(file ? file->string() : ":memory:") {
    if (file) {
        db_.exec("PRAGMA journal_mode=WAL");
        // NORMAL in WAL mode: a committed transaction survives the process
        // being killed (it is in the WAL); only an OS crash may lose the last ones.
        db_.exec("PRAGMA synchronous=NORMAL");
    }
    db_.exec("PRAGMA foreign_keys=OFF");
    db_.exec("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    auto& version = db_.cached("SELECT value FROM meta WHERE key = 'schema_version'");
    if (version.step()) {
        std::string v = version.column_text(0);
        version.reset();
        if (v != std::to_string(kSchemaVersion))
            throw sqlite::Error("database has schema version " + v + "; this lowcloud understands version " +
                                std::to_string(kSchemaVersion));
        return;
    }
    version.reset();
    sqlite::Transaction tx(db_);
    db_.exec(
        "CREATE TABLE tables(id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, definition TEXT NOT NULL,"
        " item_count INTEGER NOT NULL DEFAULT 0, size_bytes INTEGER NOT NULL DEFAULT 0)");
    db_.exec(
        "CREATE TABLE items(table_id INTEGER NOT NULL, pk BLOB NOT NULL, sk BLOB NOT NULL, hash INTEGER NOT NULL,"
        " size INTEGER NOT NULL, item BLOB NOT NULL, PRIMARY KEY(table_id, pk, sk)) WITHOUT ROWID");
    db_.exec("CREATE INDEX items_by_hash ON items(table_id, hash, pk, sk)");
    db_.exec("INSERT INTO meta(key, value) VALUES('schema_version', '" + std::to_string(kSchemaVersion) + "')");
    tx.commit();
}

std::vector<TableDef> Storage::load_tables() {
    std::vector<TableDef> out;
    auto& s = db_.cached("SELECT id, definition FROM tables ORDER BY name");
    while (s.step()) {
        TableDef t = from_storage(nlohmann::json::parse(s.column_text(1)));
        t.id = s.column_int(0);
        out.push_back(std::move(t));
    }
    s.reset();
    return out;
}

void Storage::insert_table(TableDef& t) {
    auto& s = db_.cached("INSERT INTO tables(name, definition) VALUES(?, ?)");
    s.bind_text(1, t.name).bind_text(2, to_storage(t).dump()).run();
    t.id = db_.last_insert_rowid();
}

void Storage::save_table(const TableDef& t) {
    db_.cached("UPDATE tables SET definition = ? WHERE id = ?").bind_text(1, to_storage(t).dump()).bind(2, t.id).run();
}

void Storage::delete_table(std::int64_t id) {
    db_.cached("DELETE FROM items WHERE table_id = ?").bind(1, id).run();
    db_.cached("DELETE FROM tables WHERE id = ?").bind(1, id).run();
}

std::pair<std::int64_t, std::int64_t> Storage::counters(std::int64_t id) {
    auto& s = db_.cached("SELECT item_count, size_bytes FROM tables WHERE id = ?");
    s.bind(1, id);
    std::pair<std::int64_t, std::int64_t> out{0, 0};
    if (s.step()) out = {s.column_int(0), s.column_int(1)};
    s.reset();
    return out;
}

std::optional<Storage::Stored> Storage::get(std::int64_t table, const EncodedKey& key) {
    auto& s = db_.cached("SELECT item, size FROM items WHERE table_id = ? AND pk = ? AND sk = ?");
    s.bind(1, table).bind_blob(2, key.pk).bind_blob(3, key.sk);
    std::optional<Stored> out;
    if (s.step()) out = Stored{decode_item(s.column_blob(0)), s.column_int(1)};
    s.reset();
    return out;
}

void Storage::put(std::int64_t table, const EncodedKey& key, const Item& item, std::int64_t size, const std::optional<Stored>& old) {
    db_.cached("INSERT OR REPLACE INTO items(table_id, pk, sk, hash, size, item) VALUES(?, ?, ?, ?, ?, ?)")
        .bind(1, table)
        .bind_blob(2, key.pk)
        .bind_blob(3, key.sk)
        .bind(4, key.hash)
        .bind(5, size)
        .bind_blob(6, to_json(item).dump())
        .run();
    adjust_counters(table, old ? 0 : 1, size - (old ? old->size : 0));
}

void Storage::remove(std::int64_t table, const EncodedKey& key, const Stored& old) {
    db_.cached("DELETE FROM items WHERE table_id = ? AND pk = ? AND sk = ?").bind(1, table).bind_blob(2, key.pk).bind_blob(3, key.sk).run();
    adjust_counters(table, -1, -old.size);
}

void Storage::adjust_counters(std::int64_t table, std::int64_t items, std::int64_t bytes) {
    db_.cached("UPDATE tables SET item_count = item_count + ?, size_bytes = size_bytes + ? WHERE id = ?")
        .bind(1, items)
        .bind(2, bytes)
        .bind(3, table)
        .run();
}

}  // namespace lowcloud::dynamodb
