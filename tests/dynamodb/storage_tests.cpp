// The storage's schema: version 1 (hash in a second index, no base hash in
// index entries), version 2 (items clustered on their key) and version 3 (no
// index counters) databases are migrated on open, items, index entries and
// TTL entries intact; an unknown version is refused; reads find items
// through their key's index, never by scanning or sorting the table; index
// counters follow every write and are read without reading the index. And
// how it uses SQLite for writes: a large table rewritten from the page
// cache, and savepoint journals kept in memory.
#include "model/keys.hpp"
#include "storage/sqlite.hpp"
#include "storage/storage.hpp"
#include "storage_test_util.hpp"
#include "model/value.hpp"

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <random>

using namespace lowcloud::dynamodb;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir(const std::string& name) { return testing::temp_dir("storage", name); }

// A database as lowcloud wrote it at schema `version` (1: lowcloud 0.x, the
// hash in a second index of items and none in index entries; 2: items
// clustered on their key; 3: items a rowid table, no index counters):
// table 1 "t" (`definition`) with items a and b (10 bytes each, "g": "x"),
// their entries in index by_g, and a's TTL entry (expires at 100).
void write_old_version(const fs::path& file, int version, const std::string& definition) {
    struct Schema {
        std::vector<const char*> ddl;  // items and index_entries
        const char* item;              // ?1 pk, ?2 partition_hash(pk), ?3 the item
        const char* entry;             // ?1 pk, ?2 partition_hash(pk), ?3 partition_hash("gx")
    };
    const Schema v1{{"CREATE TABLE items(table_id INTEGER NOT NULL, pk BLOB NOT NULL, sk BLOB NOT NULL, hash INTEGER NOT NULL,"
                     " size INTEGER NOT NULL, item BLOB NOT NULL, PRIMARY KEY(table_id, pk, sk)) WITHOUT ROWID",
                     "CREATE INDEX items_by_hash ON items(table_id, hash, pk, sk)",
                     "CREATE TABLE index_entries(table_id INTEGER NOT NULL, idx TEXT NOT NULL, ipk BLOB NOT NULL, isk BLOB NOT NULL,"
                     " pk BLOB NOT NULL, sk BLOB NOT NULL, ihash INTEGER NOT NULL, PRIMARY KEY(table_id, idx, ipk, isk, pk, sk)) WITHOUT ROWID",
                     "CREATE INDEX index_entries_by_hash ON index_entries(table_id, idx, ihash, ipk, isk, pk, sk)"},
                    "INSERT INTO items(table_id, pk, sk, hash, size, item) VALUES(1, ?1, x'', ?2, 10, ?3)",
                    "INSERT INTO index_entries(table_id, idx, ipk, isk, pk, sk, ihash) VALUES(1, 'by_g', CAST('gx' AS BLOB), x'', ?1, x'', ?3)"};
    const Schema v2{{"CREATE TABLE items(table_id INTEGER NOT NULL, hash INTEGER NOT NULL, pk BLOB NOT NULL, sk BLOB NOT NULL,"
                     " size INTEGER NOT NULL, item BLOB NOT NULL, PRIMARY KEY(table_id, hash, pk, sk)) WITHOUT ROWID",
                     "CREATE TABLE index_entries(table_id INTEGER NOT NULL, idx TEXT NOT NULL, ihash INTEGER NOT NULL, ipk BLOB NOT NULL,"
                     " isk BLOB NOT NULL, pk BLOB NOT NULL, sk BLOB NOT NULL, hash INTEGER NOT NULL,"
                     " PRIMARY KEY(table_id, idx, ihash, ipk, isk, pk, sk)) WITHOUT ROWID"},
                    "INSERT INTO items(table_id, hash, pk, sk, size, item) VALUES(1, ?2, ?1, x'', 10, ?3)",
                    "INSERT INTO index_entries(table_id, idx, ihash, ipk, isk, pk, sk, hash) VALUES(1, 'by_g', ?3, CAST('gx' AS BLOB), x'', ?1, x'', ?2)"};
    const Schema v3{{"CREATE TABLE items(table_id INTEGER NOT NULL, hash INTEGER NOT NULL, pk BLOB NOT NULL, sk BLOB NOT NULL,"
                     " size INTEGER NOT NULL, item BLOB NOT NULL)",
                     "CREATE UNIQUE INDEX items_key ON items(table_id, hash, pk, sk)", v2.ddl[1]},
                    v2.item, v2.entry};
    REQUIRE((version >= 1 && version <= 3));
    const Schema& schema = version == 1 ? v1 : version == 2 ? v2 : v3;
    sqlite::Database db(file.string());
    db.exec("CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    db.exec("CREATE TABLE tables(id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, definition TEXT NOT NULL,"
            " item_count INTEGER NOT NULL DEFAULT 0, size_bytes INTEGER NOT NULL DEFAULT 0)");
    db.exec("CREATE TABLE ttl_entries(table_id INTEGER NOT NULL, expires INTEGER NOT NULL, pk BLOB NOT NULL, sk BLOB NOT NULL,"
            " PRIMARY KEY(table_id, expires, pk, sk)) WITHOUT ROWID");
    for (const char* sql : schema.ddl) db.exec(sql);
    db.cached("INSERT INTO meta(key, value) VALUES('schema_version', ?)").bind_text(1, std::to_string(version)).run();
    db.cached("INSERT INTO tables(id, name, definition, item_count, size_bytes) VALUES(1, 't', ?, 2, 20)").bind_text(1, definition).run();
    for (const char* id : {"a", "b"}) {
        std::string pk = std::string("\x01", 1) + id;  // any bytes: storage only compares them
        db.cached(schema.item)
            .bind_blob(1, pk)
            .bind(2, partition_hash(pk))
            .bind_blob(3, std::string(R"({"id":{"S":")") + id + R"("},"g":{"S":"x"}})")
            .run();
        db.cached(schema.entry).bind_blob(1, pk).bind(2, partition_hash(pk)).bind(3, partition_hash("gx")).run();
    }
    db.exec("INSERT INTO ttl_entries(table_id, expires, pk, sk) VALUES(1, 100, CAST(x'0161' AS BLOB), x'')");
}

// The sum of `counter` (SQLITE_STMTSTATUS_*) over the connection's prepared
// statements; `reset` sets them back to zero.
int statement_counter(sqlite3* db, int counter, bool reset) {
    int sum = 0;
    for (sqlite3_stmt* s = sqlite3_next_stmt(db, nullptr); s; s = sqlite3_next_stmt(db, s)) sum += sqlite3_stmt_status(s, counter, reset);
    return sum;
}

}  // namespace

TEST_CASE("storage: version 1, 2 and 3 databases are migrated on open", "[storage]") {
    auto dir = temp_dir("migrate");
    TableDef t;
    t.name = "t";
    t.key.hash = {"id", Type::S};
    const int version = GENERATE(1, 2, 3);
    INFO("version " << version);
    write_old_version(dir / "db.sqlite3", version, to_storage(t).dump());
    Storage s(dir / "db.sqlite3");
    REQUIRE(s.migrated().has_value());
    CHECK(s.migrated()->from == version);
    CHECK(s.migrated()->items == 2);
    testing::OneTable table;
    CHECK(table.reopen(s) == 0);
    REQUIRE(table.t.id == 1);
    CHECK(s.counters(1) == std::pair<std::int64_t, std::int64_t>{2, 20});
    std::string a = std::string("\x01", 1) + "a";
    auto got = s.get(1, EncodedKey{a, "", partition_hash(a)});
    REQUIRE(got.has_value());
    CHECK(got->item.at("id").scalar == "a");
    std::vector<std::string> scanned, indexed;
    s.scan_table(1, 0, UINT32_MAX, std::nullopt, [&](Row&& r) {
        scanned.push_back(r.pk);
        return true;
    });
    s.query_index(1, "by_g", "gx", {}, true, std::nullopt, [&](Row&& r) {
        indexed.push_back(r.item().at("id").scalar);
        return true;
    });
    CHECK(scanned.size() == 2);
    CHECK(indexed == std::vector<std::string>{"a", "b"});
    CHECK(s.index_counters(1, "by_g") == std::pair<std::int64_t, std::int64_t>{2, 20});
    auto expired = s.expired(1, 200, 10);
    REQUIRE(expired.size() == 1);
    CHECK(expired[0].pk == a);
    // The migrated table takes writes: an overwrite of a (in place), a new item c.
    std::string c = std::string("\x01", 1) + "c";
    {
        Storage::Op op(s);
        CHECK(s.put_blind(table.t, EncodedKey{a, "", partition_hash(a)}, testing::OneTable::item("a", "new"), 12) == 10);
        CHECK_FALSE(s.put_blind(table.t, EncodedKey{c, "", partition_hash(c)}, testing::OneTable::item("c"), 5).has_value());
        op.commit();
    }
    s.flush();
    CHECK(s.counters(1) == std::pair<std::int64_t, std::int64_t>{3, 27});
    CHECK_FALSE(Storage(dir / "other.sqlite3").migrated().has_value());  // a new database is not migrated
    got = s.get(1, EncodedKey{a, "", partition_hash(a)});
    REQUIRE(got.has_value());
    CHECK(got->item.at("p").scalar == "new");
    sqlite::Database check((dir / "db.sqlite3").string());
    auto& left = check.cached("SELECT COUNT(*) FROM sqlite_master WHERE name LIKE '%\\_new' ESCAPE '\\'");
    REQUIRE(left.step());
    CHECK(left.column_int(0) == 0);
    left.reset();
    auto& v = check.cached("SELECT value FROM meta WHERE key = 'schema_version'");
    REQUIRE(v.step());
    CHECK(v.column_text(0) == "4");
    v.reset();
    auto& key = check.cached("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'items_key'");
    REQUIRE(key.step());
    CHECK(key.column_int(0) == 1);
    key.reset();
    fs::remove_all(dir);
}

// Items are a rowid table found through the index items_key: a read the
// planner answered by scanning the table, by sorting it into scan order, or
// by walking the index on table_id alone would still be correct, and slow in
// proportion to the table. Reads of one key or one partition must step
// through a small part of the table's 1,000 items (counted in SQLite's VM
// steps), whole-table reads must scan nothing and sort nothing.
TEST_CASE("storage: key, partition, index and scan reads go through the key's index", "[storage]") {
    auto dir = temp_dir("plans");
    Storage s(dir / "db.sqlite3");
    testing::OneTable table;
    TableDef& t = table.t;
    t.key.hash = {"pk", Type::S};
    t.key.range = KeyAttribute{"sk", Type::S};
    SecondaryIndex gsi;
    gsi.name = "by_g";
    gsi.key.hash = {"g", Type::S};
    t.global_indexes.push_back(gsi);
    table.create(s);
    // 50 partitions of 20 items; g takes 20 values, 50 items each.
    auto item = [](int p, int n) {
        return parse_item(nlohmann::json::parse(R"({"pk":{"S":"p)" + std::to_string(p) + R"("},"sk":{"S":"s)" + std::to_string(n) +
                                                R"("},"g":{"S":"g)" + std::to_string(n) + R"("}})"));
    };
    auto key = [&](int p, int n) { return key_from_item(t.key, item(p, n)); };
    auto encoded = [](const std::string& s) { return encode_key_value(AttributeValue::string(s)); };
    for (int p = 0; p < 50; ++p) {
        Storage::Op op(s);
        for (int n = 0; n < 20; ++n) {
            Item i = item(p, n);
            s.put(t, key(p, n), i, static_cast<std::int64_t>(item_size(i)), std::nullopt);
        }
        op.commit();
    }
    s.flush();
    sqlite3* db = s.db().handle();
    int rows = 0;
    auto count = [&](Row&&) { return ++rows, true; };
    for (int counter : {SQLITE_STMTSTATUS_FULLSCAN_STEP, SQLITE_STMTSTATUS_SORT, SQLITE_STMTSTATUS_VM_STEP})
        statement_counter(db, counter, true);
    {
        Storage::Op op(s);
        CHECK(s.get(t.id, key(7, 3)).has_value());
        CHECK(s.get_text(t.id, key(7, 4)).has_value());
        CHECK(s.get_size(t.id, key(7, 5)).has_value());
        s.query_table(t.id, encoded("p7"), {}, true, std::nullopt, count);
        s.query_table(t.id, encoded("p7"), SortRange{Bound{key(7, 2).sk}, Bound{key(7, 6).sk, false}}, false,
                      Position{0, "", "", key(7, 5).pk, key(7, 5).sk}, count);
        s.query_index(t.id, "by_g", encoded("g1"), {}, true, std::nullopt, count);
        s.query_index(t.id, "by_g", encoded("g2"), {}, false, std::nullopt, count);
        auto old = s.get(t.id, key(8, 1));
        REQUIRE(old.has_value());
        s.remove(t, key(8, 1), *old);
        op.commit();
    }
    CHECK(rows == 20 + 3 + 50 + 50);
    const int steps = statement_counter(db, SQLITE_STMTSTATUS_VM_STEP, false);
    INFO("VM steps of the key and partition reads: " << steps);
    CHECK(steps < 4000);  // 2,222 with SQLite 3.40; 8,193 with the index on (table_id, sk, hash, pk)
    rows = 0;
    s.scan_table(t.id, 0, UINT32_MAX, std::nullopt, count);
    s.scan_table(t.id, 1u << 31, UINT32_MAX, Position{1u << 31, "", "", key(7, 5).pk, key(7, 5).sk}, count);
    s.scan_index(t.id, "by_g", 0, UINT32_MAX, std::nullopt, count);
    CHECK(s.index_counters(t.id, "by_g").first == 999);
    s.flush();
    CHECK(rows > 1998);
    CHECK(statement_counter(db, SQLITE_STMTSTATUS_FULLSCAN_STEP, false) == 0);
    CHECK(statement_counter(db, SQLITE_STMTSTATUS_SORT, false) == 0);
    fs::remove_all(dir);
}

// DescribeTable counted an index's items and bytes by joining all of its
// entries to their items, under the engine's lock: 580 ms for a table of
// 300,000 items with one GSI. The counters are now kept as the table's are:
// after each kind of write they must equal that join (the truth, counted
// here), before the commit (pending), after it, after a kill (replayed from
// the journal) and after a restart, an operation rolled back in memory
// takes its counts with it, and reading them must step through a few rows,
// not the index.
TEST_CASE("storage: index counters follow every write, and are read without reading the index", "[storage]") {
    auto dir = temp_dir("index-counters");
    auto file = dir / "db.sqlite3";
    using Counts = std::pair<std::int64_t, std::int64_t>;
    auto truth = [](Storage& s, const std::string& index) {
        auto& q = s.db().cached(
            "SELECT COUNT(*), COALESCE(SUM(i.size), 0) FROM index_entries e JOIN items i"
            " ON i.table_id = e.table_id AND i.hash = e.hash AND i.pk = e.pk AND i.sk = e.sk WHERE e.idx = ?");
        q.bind_text(1, index);
        Counts out{0, 0};
        if (q.step()) out = {q.column_int(0), q.column_int(1)};
        q.reset();
        return out;
    };
    // {"id": ID} plus "g" and "h" when given.
    auto item = [](const std::string& id, const std::string& g, const std::string& h = "") {
        Item i = testing::OneTable::item(id);
        if (!g.empty()) i["g"] = AttributeValue::string(g);
        if (!h.empty()) i["h"] = AttributeValue::string(h);
        return i;
    };
    testing::OneTable table;
    SecondaryIndex by_g;
    by_g.name = "by_g";
    by_g.key.hash = {"g", Type::S};
    table.t.global_indexes.push_back(by_g);
    const TableDef& t = table.t;
    {
        Storage s(file);
        table.create(s);
        struct Step {
            const char* name;
            std::string id;
            std::optional<Item> next;  // none: a delete
        };
        std::vector<Step> steps;
        for (int n = 0; n < 10; ++n)
            steps.push_back({"new items, half of them indexed", "i" + std::to_string(n), item("i" + std::to_string(n), n % 2 ? "" : "g1", "h")});
        steps.push_back({"an indexed item grows", "i0", item("i0", "g1", std::string(100, 'h'))});
        steps.push_back({"an item gains the index key", "i1", item("i1", "g2")});
        steps.push_back({"an item loses the index key", "i2", item("i2", "")});
        steps.push_back({"an item's index key changes", "i4", item("i4", "g3")});
        steps.push_back({"an indexed item is deleted", "i6", std::nullopt});
        steps.push_back({"an item outside the index is deleted", "i7", std::nullopt});
        steps.push_back({"a missing item is deleted", "none", std::nullopt});
        for (const auto& step : steps) {
            INFO(step.name << " (" << step.id << ")");
            table.write(s, step.id, step.next);
            CHECK(s.index_counters(t.id, "by_g") == truth(s, "by_g"));
        }
        CHECK(s.index_counters(t.id, "by_g").first == 4);  // i0, i1, i4 and i8
        s.flush();
        CHECK(s.index_counters(t.id, "by_g") == truth(s, "by_g"));
        // A new GSI on h: backfilled as UpdateTable runs it.
        SecondaryIndex by_h;
        by_h.name = "by_h";
        by_h.key.hash = {"h", Type::S};
        {
            Storage::Durable d(s);
            s.backfill_index(t, by_h);
            table.t.global_indexes.push_back(by_h);
            s.save_table(t);
            d.commit();
        }
        CHECK(s.index_counters(t.id, "by_h") == truth(s, "by_h"));
        CHECK(s.index_counters(t.id, "by_h").first == 5);  // i0, i3, i5, i8 and i9
        table.write(s, "i3", item("i3", "g4", "h2"));  // moves in both indexes
        CHECK(s.index_counters(t.id, "by_h") == truth(s, "by_h"));
        {
            Storage::Op op(s);  // 1,000 more items in by_g: reading its counters must not depend on them
            for (int n = 100; n < 1100; ++n) {
                Item i = item("i" + std::to_string(n), "g5");
                s.put(t, testing::OneTable::key("i" + std::to_string(n)), i, static_cast<std::int64_t>(item_size(i)), std::nullopt);
            }
            op.commit();
        }
        {
            // Killed now: the last writes are only in the journal, and the
            // replay counts them.
            auto killed = dir / "killed";
            fs::create_directories(killed);
            testing::copy_as_killed(dir, killed);
            Storage k(killed / "db.sqlite3");
            testing::OneTable reopened;
            CHECK(reopened.reopen(k) > 0);
            for (const char* index : {"by_g", "by_h"}) {
                INFO("after a kill: " << index);
                CHECK(k.index_counters(t.id, index) == truth(k, index));
                CHECK(k.index_counters(t.id, index) == s.index_counters(t.id, index));
            }
        }
        s.flush();
        CHECK(s.index_counters(t.id, "by_g") == truth(s, "by_g"));
        sqlite3* db = s.db().handle();
        statement_counter(db, SQLITE_STMTSTATUS_VM_STEP, true);
        for (const char* index : {"by_g", "by_h"}) s.index_counters(t.id, index);
        const int read_steps = statement_counter(db, SQLITE_STMTSTATUS_VM_STEP, false);
        INFO("VM steps of two index counters: " << read_steps);
        CHECK(read_steps < 100);  // 26 with SQLite 3.40; 13,167 by joining by_g's 1,004 entries to their items
    }
    {
        Storage s(file);
        CHECK(table.reopen(s) == 0);
        for (const char* index : {"by_g", "by_h"}) {
            INFO(index);
            CHECK(s.index_counters(t.id, index) == truth(s, index));
        }
        {
            Storage::Durable d(s);
            s.drop_index(t.id, "by_g");
            d.commit();
        }
        CHECK(s.index_counters(t.id, "by_g") == Counts{0, 0});
        CHECK(s.index_counters(t.id, "by_h").first == 5);  // the 1,000 have no h
        {
            Storage::Durable d(s);
            s.delete_table(t.id);
            d.commit();
        }
        CHECK(s.index_counters(t.id, "by_h") == Counts{0, 0});
        auto& left = s.db().cached("SELECT COUNT(*) FROM index_counters");
        REQUIRE(left.step());
        CHECK(left.column_int(0) == 0);
        left.reset();
    }
    {
        // In memory an operation that fails rolls back to its savepoint:
        // its counts go with it.
        Storage m(std::nullopt);
        testing::OneTable mem;
        mem.t.global_indexes.push_back(by_g);
        mem.create(m);
        mem.write(m, "a", item("a", "g1"));
        {
            Storage::Op op(m);
            Item i = item("b", "g1");
            m.put(mem.t, testing::OneTable::key("b"), i, static_cast<std::int64_t>(item_size(i)), std::nullopt);
            CHECK(m.index_counters(mem.t.id, "by_g").first == 2);
        }  // not committed
        CHECK(m.index_counters(mem.t.id, "by_g").first == 1);
        CHECK(m.index_counters(mem.t.id, "by_g") == truth(m, "by_g"));
    }
    fs::remove_all(dir);
}

TEST_CASE("storage: an unknown schema version is refused", "[storage]") {
    auto dir = temp_dir("unknown");
    {
        sqlite::Database db((dir / "db.sqlite3").string());
        db.exec("CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)");
        db.exec("INSERT INTO meta(key, value) VALUES('schema_version', '99')");
    }
    CHECK_THROWS_WITH(Storage(dir / "db.sqlite3"), Catch::Contains("database has schema version 99; this lowcloud understands version 4"));
    fs::remove_all(dir);
}

namespace {

// A table "t" keyed by id (S) in a fresh storage, and items of about 850
// bytes stored (small enough to stay inside their page: a few per 4 KB
// page, none on overflow pages).
struct BigTable {
    explicit BigTable(const fs::path& file) : s(file) {
        t.name = "t";
        t.key.hash = {"id", Type::S};
        Storage::Durable d(s);
        s.insert_table(t);
        d.commit();
        s.recover([this](std::int64_t id) { return id == t.id ? &t : nullptr; });
    }
    static EncodedKey key(const std::string& id) { return EncodedKey{id, "", partition_hash(id)}; }
    static Item item(const std::string& id) {
        Item i;
        i["id"] = AttributeValue::string(id);
        i["p"] = AttributeValue::string(std::string(800, 'x'));
        return i;
    }
    // Writes ids [from, to) in operations of `per_op` items each.
    void put(int from, int to, int per_op) {
        for (int i = from; i < to;) {
            Storage::Op op(s);
            for (int n = 0; n < per_op && i < to; ++n, ++i) {
                std::string id = "item-" + std::to_string(i);
                Item it = item(id);
                s.put(t, key(id), it, static_cast<std::int64_t>(item_size(it)), std::nullopt);
            }
            op.commit();
        }
    }
    TableDef t;
    Storage s;
};

// The process's peak resident memory so far (VmHWM), in KB.
long peak_rss_kb() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

int deleted_open_files() {
    int n = 0;
    for (const auto& fd : fs::directory_iterator("/proc/self/fd")) {
        std::error_code ec;
        auto target = fs::read_symlink(fd.path(), ec);
        if (!ec && target.string().find("(deleted)") != std::string::npos) ++n;
    }
    return n;
}

}  // namespace

// BatchWriteItem ran 15% slower than it needed to on tables of a few hundred
// thousand items: with a 16 MB page cache, writes to random keys read most
// leaves back from the file. A table of ~40 MB (40,000 items) must be
// rewritten from the cache alone.
TEST_CASE("storage: rewriting a 40 MB table reads no page back from the file", "[storage]") {
    auto dir = temp_dir("cache");
    {
        BigTable b(dir / "db.sqlite3");
        const int items = 40000;
        b.put(0, items, 25);
        b.s.flush();
        b.s.checkpoint();
        int current = 0, highest = 0;
        REQUIRE(sqlite3_db_status(b.s.db().handle(), SQLITE_DBSTATUS_CACHE_MISS, &current, &highest, 1) == SQLITE_OK);
        std::mt19937 random(7);
        for (int n = 0; n < 2000; ++n) {
            std::string id = "item-" + std::to_string(random() % items);
            Storage::Op op(b.s);
            auto size = b.s.get_size(b.t.id, BigTable::key(id));
            REQUIRE(size.has_value());
            Item it = BigTable::item(id);
            b.s.put(b.t, BigTable::key(id), it, *size, Storage::Stored{{}, *size});
            op.commit();
        }
        b.s.flush();
        REQUIRE(sqlite3_db_status(b.s.db().handle(), SQLITE_DBSTATUS_CACHE_MISS, &current, &highest, 0) == SQLITE_OK);
        CHECK(current == 0);
    }
    fs::remove_all(dir);
}

// An operation's savepoint journal went to a temporary file once one
// operation changed more than 64 KB of pages (a BatchWriteItem on a large
// table), and every later operation of the batch wrote its pages there.
TEST_CASE("storage: a large operation's savepoint journal stays in memory", "[storage]") {
    auto dir = temp_dir("subjournal");
    {
        BigTable b(dir / "db.sqlite3");
        b.put(0, 2000, 100);
        b.s.flush();
        int before = deleted_open_files();
        b.put(2000, 2400, 400);  // one operation: 400 items, ~100 new leaf pages and the ones it splits
        REQUIRE(b.s.batch_open());
        CHECK(deleted_open_files() == before);
    }
    fs::remove_all(dir);
}

// Adding a GSI (or changing the TTL attribute) read every item of the table
// into memory before writing the index entries: 173 MB more at peak for a
// table of 350,000 items. Now each row is written while the scan goes on.
// Peak memory, not time: the table's items are ~34 MB of text, the index
// (keys only) about 2 MB of pages.
TEST_CASE("storage: backfilling an index holds one item in memory at a time", "[storage][allocator]") {
    auto dir = temp_dir("backfill");
    {
        BigTable b(dir / "db.sqlite3");
        const int items = 40000;
        b.put(0, items, 25);
        b.s.flush();
        SecondaryIndex gsi;
        gsi.name = "by_id";
        gsi.key.hash = {"id", Type::S};
        std::ofstream("/proc/self/clear_refs") << "5";  // peak RSS starts over from now (one binary may run every test)
        const long before = peak_rss_kb();
        REQUIRE(before > 0);
        Storage::Durable d(b.s);  // as UpdateTable runs it: the index's pages stay in the cache until the commit
        b.s.backfill_index(b.t, gsi);
        const long grew_kb = peak_rss_kb() - before;
        d.commit();
        INFO("peak RSS grew by " << grew_kb << " KB");
        CHECK(grew_kb < 12 * 1024);
        CHECK(b.s.index_counters(b.t.id, "by_id").first == items);
    }
    fs::remove_all(dir);
}

// A blind Put (no condition, no ALL_OLD, no index or TTL) used to read the
// replaced item's size and then write: two B-tree searches per item, the
// first of them 15% of BatchWriteItem's time. put_blind inserts, and reads
// the old size only when the key already has an item.
TEST_CASE("storage: a blind put inserts a new key, and replaces an existing one returning its size", "[storage]") {
    auto dir = temp_dir("blind");
    testing::OneTable table;
    auto key = testing::OneTable::key;
    Storage s(dir / "db.sqlite3");
    table.create(s);
    const TableDef& t = table.t;
    {
        Storage::Op op(s);
        CHECK_FALSE(s.put_blind(t, key("a"), testing::OneTable::item("a"), 10).has_value());
        CHECK_FALSE(s.put_blind(t, key("b"), testing::OneTable::item("b"), 10).has_value());
        op.commit();
    }
    CHECK(s.counters(t.id) == std::pair<std::int64_t, std::int64_t>{2, 20});
    {
        Storage::Op op(s);
        CHECK(s.put_blind(t, key("a"), testing::OneTable::item("a", "longer"), 25) == std::optional<std::int64_t>(10));
        op.commit();
    }
    CHECK(s.counters(t.id) == std::pair<std::int64_t, std::int64_t>{2, 35});
    auto a = s.get(t.id, key("a"));
    REQUIRE(a.has_value());
    CHECK(a->size == 25);
    CHECK(a->item.at("p").scalar == "longer");

    SECTION("with an index, the replaced item's entry goes") {
        TableDef indexed = t;
        SecondaryIndex by_p;
        by_p.name = "by_p";
        by_p.key.hash = {"p", Type::S};
        indexed.global_indexes.push_back(by_p);
        {
            Storage::Durable d(s);  // as UpdateTable adds an index
            s.backfill_index(indexed, indexed.global_indexes[0]);
            d.commit();
        }
        CHECK(s.index_counters(t.id, "by_p").first == 1);
        {
            Storage::Op op(s);
            CHECK(s.put_blind(indexed, key("a"), testing::OneTable::item("a", "other"), 24) == std::optional<std::int64_t>(25));
            CHECK_FALSE(s.put_blind(indexed, key("c"), testing::OneTable::item("c", "third"), 24).has_value());
            op.commit();
        }
        int entries = 0;
        s.scan_index(t.id, "by_p", 0, 0xffffffffu, std::nullopt, [&](Row&&) { return ++entries, true; });
        CHECK(entries == 2);
        CHECK(s.counters(t.id) == std::pair<std::int64_t, std::int64_t>{3, 10 + 24 + 24});
    }
    fs::remove_all(dir);
}
