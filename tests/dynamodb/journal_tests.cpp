// The operation journal (storage/journal.*) and the storage's batched
// durability (storage/storage.*): records read back as written, a torn or
// corrupted tail ends the journal, the data directory's lock, and writes
// acknowledged in an uncommitted batch recovered from the journal, as after
// a kill -9 (the files are copied while the batch is still open).
#include "storage/journal.hpp"
#include "storage/storage.hpp"
#include "storage_test_util.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <random>

using namespace lowcloud::dynamodb;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir(const std::string& name) { return testing::temp_dir("journal", name); }

struct Read {
    std::uint64_t sequence;
    std::vector<std::string> describe;  // "put TABLE PK SK HASH SIZE ITEM" / "remove TABLE PK SK HASH"
};

std::vector<Read> read_all(const Journal& j) {
    std::vector<Read> out;
    j.read([&](std::uint64_t seq, const std::vector<JournalEntry>& entries) {
        Read r{seq, {}};
        for (const auto& e : entries) {
            std::string d = (e.kind == JournalEntry::Kind::put ? "put " : "remove ") + std::to_string(e.table) + " " + std::string(e.pk) +
                            " " + std::string(e.sk) + " " + std::to_string(e.hash);
            if (e.kind == JournalEntry::Kind::put) d += " " + std::to_string(e.size) + " " + std::string(e.item);
            r.describe.push_back(d);
        }
        out.push_back(r);
    });
    return out;
}

void append_bytes(const fs::path& p, const std::string& bytes) {
    std::ofstream f(p, std::ios::binary | std::ios::app);
    f << bytes;
}

}  // namespace

TEST_CASE("journal: records read back in order with every field", "[journal]") {
    auto dir = temp_dir("roundtrip");
    Journal j(dir / "j.oplog");
    JournalRecord a;
    a.put(1, "pk1", "", 7, 42, R"({"id":{"S":"a"}})");
    a.remove(1, std::string("p\0k", 3), "sk", 9);
    j.append(5, a);
    JournalRecord b;
    b.put(2, "x", "y", 0, 1, "{}");
    j.append(6, b);
    auto got = read_all(j);
    REQUIRE(got.size() == 2);
    CHECK(got[0].sequence == 5);
    CHECK(got[0].describe == std::vector<std::string>{"put 1 pk1  7 42 {\"id\":{\"S\":\"a\"}}", std::string("remove 1 p\0k sk 9", 17)});
    CHECK(got[1].sequence == 6);
    CHECK(got[1].describe == std::vector<std::string>{"put 2 x y 0 1 {}"});
    j.clear();
    CHECK(j.size() == 0);
    fs::remove_all(dir);
}

// Storage::begin_commit() moves the records of puts still deferred to the
// next batch's file as they are: one copy from where the first of them
// starts, after the file's own records.
TEST_CASE("journal: append_from copies another journal's records from an offset", "[journal]") {
    auto dir = temp_dir("append-from");
    Journal from(dir / "a.oplog");
    Journal to(dir / "b.oplog");
    JournalRecord r;
    r.put(1, "k1", "", 1, 10, "{}");
    from.append(1, r);
    const std::uint64_t second = from.size();
    r.clear();
    r.put(1, "k2", "s", 2, 20, R"({"a":{"N":"2"}})");
    from.append(2, r);
    r.clear();
    r.remove(1, "k1", "", 1);
    from.append(3, r);
    to.append_from(from, second);
    auto got = read_all(to);
    REQUIRE(got.size() == 2);
    CHECK(got[0].sequence == 2);
    CHECK(got[0].describe == std::vector<std::string>{"put 1 k2 s 2 20 {\"a\":{\"N\":\"2\"}}"});
    CHECK(got[1].sequence == 3);
    CHECK(got[1].describe == std::vector<std::string>{"remove 1 k1  1"});
    to.append_from(from, from.size());  // nothing from the end
    CHECK(read_all(to).size() == 2);
    CHECK_THROWS_AS(to.append_from(from, from.size() + 1), std::logic_error);
    r.clear();
    r.put(1, "k4", "", 4, 1, "{}");
    to.append(4, r);  // later records follow the copied ones
    CHECK(read_all(to).size() == 3);
    CHECK(read_all(from).size() == 3);  // the source is left as it was
    fs::remove_all(dir);
}

TEST_CASE("journal: records of an earlier generation after a clear are not read", "[journal]") {
    struct Case {
        const char* name;
        std::string first_item;  // of the new generation's record
    };
    // Shorter than the old records (stale bytes follow mid-record) and
    // exactly as long (an old, complete record follows).
    const std::vector<Case> cases = {{"shorter", "{}"}, {"same_length", "{\"a\":1}"}};
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            auto dir = temp_dir(std::string("generations-") + c.name);
            Journal j(dir / "j.oplog");
            for (std::uint64_t seq : {1, 2, 3}) {
                JournalRecord r;
                r.put(1, "k", "", 1, 1, "{\"a\":0}");
                j.append(seq, r);
            }
            j.clear();
            JournalRecord r;
            r.put(1, "k", "", 1, 1, c.first_item);
            j.append(4, r);
            auto got = read_all(j);
            REQUIRE(got.size() == 1);
            CHECK(got[0].sequence == 4);
            fs::remove_all(dir);
        }
    }
}

TEST_CASE("journal: a torn or corrupted tail ends it", "[journal]") {
    struct Case {
        const char* name;
        std::string tail;
    };
    const std::vector<Case> cases = {
        {"torn_length", std::string("\x10\x00", 2)},
        {"torn_payload", std::string("\x40\x00\x00\x00\x00\x00\x00\x00\x01\x02", 10)},
        {"bad_crc", std::string("\x08\x00\x00\x00\xde\xad\xbe\xef\x09\x00\x00\x00\x00\x00\x00\x00", 16)},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            auto dir = temp_dir(c.name);
            {
                Journal j(dir / "j.oplog");
                JournalRecord r;
                r.put(1, "a", "", 1, 10, "{}");
                j.append(1, r);
            }
            append_bytes(dir / "j.oplog", c.tail);
            Journal j(dir / "j.oplog");
            auto got = read_all(j);
            REQUIRE(got.size() == 1);
            CHECK(got[0].sequence == 1);
            fs::remove_all(dir);
        }
    }
}

// Records are copied into a shared mapping of a preallocated file: what a
// kill -9 leaves is the records followed by zeros, and a clean close trims
// the zeros.
TEST_CASE("journal: records are in the file when append returns; the zeros after them end it", "[journal]") {
    auto dir = temp_dir("mapped");
    std::uint64_t records = 0;
    {
        Journal j(dir / "j.oplog");
        JournalRecord r;
        r.put(1, "a", "", 1, 10, "{}");
        j.append(1, r);
        j.append(2, r);
        // Copied while open, as a kill -9 would leave it.
        fs::copy_file(dir / "j.oplog", dir / "copy.oplog");
        records = j.size();
        CHECK(fs::file_size(dir / "copy.oplog") > records);
    }
    CHECK(fs::file_size(dir / "j.oplog") == records);
    for (const char* name : {"j.oplog", "copy.oplog"}) {
        INFO(name);
        fs::path moved = dir / (std::string("read-") + name);
        fs::copy_file(dir / name, moved);
        Journal j(moved);
        auto got = read_all(j);
        REQUIRE(got.size() == 2);
        CHECK(got[1].sequence == 2);
    }
    fs::remove_all(dir);
}

TEST_CASE("journal: a record larger than the mapping grows it", "[journal]") {
    auto dir = temp_dir("grow");
    Journal j(dir / "j.oplog");
    const std::string big(3 * 1024 * 1024, 'x');
    JournalRecord small, large;
    small.put(1, "s", "", 1, 1, "{}");
    large.put(1, "l", "", 2, static_cast<std::int64_t>(big.size()), big);
    j.append(1, small);
    j.append(2, large);
    j.append(3, small);
    auto got = read_all(j);
    REQUIRE(got.size() == 3);
    CHECK(got[1].describe[0].size() > big.size());
    CHECK(got[2].sequence == 3);
    j.clear();
    j.append(4, small);
    got = read_all(j);
    REQUIRE(got.size() == 1);
    CHECK(got[0].sequence == 4);
    fs::remove_all(dir);
}

TEST_CASE("journal: a second opener of the same file is refused", "[journal]") {
    auto dir = temp_dir("lock");
    Journal first(dir / "j.oplog");
    CHECK_THROWS_WITH(Journal(dir / "j.oplog"), Catch::Contains("is in use by another process"));
    fs::remove_all(dir);
}

TEST_CASE("storage: acknowledged writes of an uncommitted batch are recovered from the journal", "[journal]") {
    auto dir = temp_dir("recover");
    auto copy = temp_dir("recover-copy");
    testing::OneTable table;
    TableDef& t = table.t;
    auto key = testing::OneTable::key;
    {
        Storage s(dir / "db.sqlite3");
        table.create(s);
        for (const char* id : {"a", "b", "c"}) table.put(s, id, 10);
        {
            Storage::Op op(s);
            s.remove(t, key("b"), *s.get(t.id, key("b")));
            op.commit();
        }
        {
            Storage::Op rolled_back(s);  // never committed: not journaled, not applied
            s.put(t, key("d"), testing::OneTable::item("d"), 10, std::nullopt);
        }
        // It took the batch with it (no savepoint with a journal); the
        // journal still holds the acknowledged operations.
        CHECK_FALSE(s.batch_open());
        // What a kill -9 leaves: the batch uncommitted, the journal written.
        testing::copy_as_killed(dir, copy);
    }
    Storage s(copy / "db.sqlite3");
    CHECK(table.reopen(s) == 4);
    CHECK(s.get(t.id, key("a")).has_value());
    CHECK_FALSE(s.get(t.id, key("b")).has_value());
    CHECK(s.get(t.id, key("c")).has_value());
    CHECK_FALSE(s.get(t.id, key("d")).has_value());
    CHECK(s.counters(t.id) == std::pair<std::int64_t, std::int64_t>{2, 20});
    // Replayed once: a second recovery finds nothing newer than the commit.
    CHECK(s.recover([&](std::int64_t id) { return id == t.id ? &t : nullptr; }) == 0);
    fs::remove_all(dir);
    fs::remove_all(copy);
}

// With a journal an operation takes no savepoint (SQLite would copy every
// page it changes into the savepoint's journal first: ~10% of
// BatchWriteItem's time). One rolled back after it wrote rolls the whole
// batch back instead, and the next operation finds the acknowledged ones
// replayed from the journal; in memory, with no journal, it is a savepoint
// and the batch stays.
TEST_CASE("storage: an operation rolled back after it wrote leaves every acknowledged operation in place", "[journal]") {
    auto dir = temp_dir("rollback");
    testing::OneTable table;
    const TableDef& t = table.t;
    auto key = testing::OneTable::key;
    for (bool in_memory : {false, true}) {
        DYNAMIC_SECTION((in_memory ? "in memory" : "with a journal")) {
            std::optional<fs::path> file;
            if (!in_memory) file = dir / "db.sqlite3";
            Storage s(file);
            table.create(s);
            table.put(s, "a", 10);
            table.put(s, "b", 10);
            {
                Storage::Op op(s);
                s.put(t, key("b"), testing::OneTable::item("b", "changed"), 30, s.get(t.id, key("b")));
                s.put(t, key("c"), testing::OneTable::item("c"), 10, std::nullopt);
            }  // never committed (an exception on its way out)
            CHECK(s.batch_open() == in_memory);
            s.begin_batch();  // what the next operation does first
            CHECK(s.batch_open());
            CHECK(s.get(t.id, key("a")).has_value());
            auto b = s.get(t.id, key("b"));
            REQUIRE(b.has_value());
            CHECK(b->size == 10);
            CHECK_FALSE(s.get(t.id, key("c")).has_value());
            CHECK(s.counters(t.id) == std::pair<std::int64_t, std::int64_t>{2, 20});
            table.put(s, "d", 10);
            s.flush();
            CHECK(s.counters(t.id) == std::pair<std::int64_t, std::int64_t>{3, 30});
        }
    }
    fs::remove_all(dir);
}

// The lost-batch paths had no test: SQLite may fail an operation in the
// middle of a batch (SQLITE_FULL, forced here with max_page_count, like a
// full disk) and may roll the whole batch back by itself (it does here:
// SQLite 3.40 drops the batch on SQLITE_FULL). Every operation
// acknowledged before the failure must still be there, in the running
// storage and after a restart; the failed one must not be.
TEST_CASE("storage: acknowledged writes survive a write failing with SQLITE_FULL in the middle of a batch", "[journal]") {
    auto dir = temp_dir("full");
    testing::OneTable table;
    const TableDef& t = table.t;
    auto key = testing::OneTable::key;
    std::vector<std::string> acknowledged;
    std::string failed;
    {
        Storage s(dir / "db.sqlite3");
        table.create(s);
        auto put = [&](const std::string& id) { table.put(s, id, 3010, std::string(3000, 'x')); };
        put("before-1");
        put("before-2");
        acknowledged = {"before-1", "before-2"};
        auto& pages = s.db().cached("PRAGMA page_count");
        REQUIRE(pages.step());
        std::int64_t count = pages.column_int(0);
        pages.reset();
        s.db().exec("PRAGMA max_page_count = " + std::to_string(count + 20));
        for (int i = 0; i < 1000 && failed.empty(); ++i) {
            std::string id = "k" + std::to_string(i);
            try {
                put(id);
                acknowledged.push_back(id);
            } catch (const std::exception& e) {
                failed = id;
                INFO(e.what());
            }
        }
        REQUIRE_FALSE(failed.empty());
        s.db().exec("PRAGMA max_page_count = 1073741823");
        put("after");  // replays first if SQLite dropped the batch
        acknowledged.push_back("after");
        for (const auto& id : acknowledged) CHECK(s.get(t.id, key(id)).has_value());
        CHECK_FALSE(s.get(t.id, key(failed)).has_value());
        CHECK(s.counters(t.id).first == static_cast<std::int64_t>(acknowledged.size()));
        s.flush();
    }
    Storage s(dir / "db.sqlite3");
    table.reopen(s);
    for (const auto& id : acknowledged) CHECK(s.get(t.id, key(id)).has_value());
    CHECK_FALSE(s.get(t.id, key(failed)).has_value());
    CHECK(s.counters(t.id).first == static_cast<std::int64_t>(acknowledged.size()));
    fs::remove_all(dir);
}

// Deferred writes (storage.hpp): while the background thread's COMMIT runs
// without the service's mutex, blind puts are journaled and kept; the next
// operation applies them first, so every later read sees them.
TEST_CASE("storage: puts deferred while a commit runs are applied before the next operation", "[journal]") {
    auto dir = temp_dir("deferred");
    testing::OneTable table;
    const TableDef& t = table.t;
    Storage s(dir / "db.sqlite3");
    table.create(s);
    table.put(s, "a", 10);
    table.put(s, "b", 10);
    REQUIRE(s.begin_commit());
    CHECK(s.committing());
    CHECK(s.can_defer());
    CHECK_THROWS(s.begin_batch());  // nothing but defer() while it runs
    s.defer({table.deferred("b", 30, "changed"), table.deferred("c", 10)});
    s.run_commit();
    s.end_commit();
    CHECK_FALSE(s.committing());
    CHECK(s.batch_open());  // theirs, so that its commit is scheduled
    CHECK(s.can_defer());  // with a journal, commit or not
    s.begin_batch();  // what the next operation does first
    CHECK(table.payload(s, "b") == "changed");
    CHECK(table.payload(s, "c") == "");
    CHECK(s.counters(t.id) == std::pair<std::int64_t, std::int64_t>{3, 50});
    s.flush();
    CHECK(s.counters(t.id) == std::pair<std::int64_t, std::int64_t>{3, 50});
    fs::remove_all(dir);
}

// After a commit the service applies what was deferred during it a slice at
// a time (apply_deferred_some), releasing its mutex between slices, so that
// no single request waits for all of it (BatchWriteItem at 32 connections:
// the first request after a commit applied up to 10,000 puts, 70-160 ms).
// Slices take whole records, oldest first; a blind put accepted between
// slices queues behind the rest, so a later put of the same key wins; a kill
// -9 between slices loses nothing.
TEST_CASE("storage: deferred puts are applied a slice at a time, in order, and later puts queue behind them", "[journal]") {
    auto dir = temp_dir("deferred-slices");
    auto copy = temp_dir("deferred-slices-copy");
    testing::OneTable table;
    const TableDef& t = table.t;
    {
        Storage s(dir / "db.sqlite3");
        table.create(s);
        table.put(s, "a", 10, "1");
        REQUIRE(s.begin_commit());
        s.defer({table.deferred("a", 10, "2"), table.deferred("b", 10, "2")});
        s.defer({table.deferred("c", 10, "2"), table.deferred("d", 10, "2")});
        s.defer({table.deferred("a", 10, "3"), table.deferred("e", 10, "3")});
        s.run_commit();
        s.end_commit();

        CHECK(s.apply_deferred_some(3));  // two records: it stops once 3 or more were applied
        CHECK(table.payload(s, "a") == "2");
        CHECK(table.payload(s, "d") == "2");
        CHECK_FALSE(table.payload(s, "e"));  // the third record is still deferred
        s.defer({table.deferred("a", 10, "4")});  // queued behind the third record
        testing::copy_as_killed(dir, copy);  // a kill -9 between slices

        CHECK_FALSE(s.apply_deferred_some(100));
        CHECK(table.payload(s, "a") == "4");
        CHECK(table.payload(s, "e") == "3");
        CHECK(s.counters(t.id) == std::pair<std::int64_t, std::int64_t>{5, 50});
        s.flush();
        CHECK(s.counters(t.id) == std::pair<std::int64_t, std::int64_t>{5, 50});
    }
    Storage s(copy / "db.sqlite3");
    table.reopen(s);
    CHECK(table.payload(s, "a") == "4");
    CHECK(table.payload(s, "e") == "3");
    CHECK(s.counters(t.id) == std::pair<std::int64_t, std::int64_t>{5, 50});
    fs::remove_all(dir);
    fs::remove_all(copy);
}

// With a journal, blind puts are deferred whether a commit runs or not: the
// request path journals them and the B-tree inserts happen later (PutItem at
// one connection: p50 47-49 -> 43-44 us). Deferring opens the batch, so
// that the service schedules the commit; in memory nothing is deferred.
TEST_CASE("storage: blind puts are deferred outside a commit too, and open the batch", "[journal]") {
    auto dir = temp_dir("deferred-anytime");
    auto copy = temp_dir("deferred-anytime-copy");
    testing::OneTable table;
    const TableDef& t = table.t;
    {
        Storage memory(std::nullopt);
        CHECK_FALSE(memory.can_defer());
        CHECK_THROWS(memory.defer({table.deferred("a", 10)}));
    }
    {
        Storage s(dir / "db.sqlite3");
        table.create(s);
        table.put(s, "a", 10, "1");
        s.flush();
        REQUIRE_FALSE(s.batch_open());
        int opened = 0;
        s.on_batch_open([&] { ++opened; });
        REQUIRE(s.can_defer());
        s.defer({table.deferred("a", 10, "2"), table.deferred("b", 10, "2")});
        CHECK(s.batch_open());
        CHECK(opened == 1);
        CHECK(table.payload(s, "a") == "1");  // kept, not yet applied
        testing::copy_as_killed(dir, copy);  // a kill -9 before they were applied
        s.begin_batch();  // what the next operation does first
        CHECK(table.payload(s, "a") == "2");
        CHECK(table.payload(s, "b") == "2");
        CHECK(s.counters(t.id) == std::pair<std::int64_t, std::int64_t>{2, 20});
        s.flush();
    }
    Storage s(copy / "db.sqlite3");
    CHECK(table.reopen(s) == 1);
    CHECK(table.payload(s, "a") == "2");
    CHECK(table.payload(s, "b") == "2");
    CHECK(s.counters(t.id) == std::pair<std::int64_t, std::int64_t>{2, 20});
    fs::remove_all(dir);
    fs::remove_all(copy);
}

// Bug: a blind put that found Storage::kMaxDeferredPuts deferred applied all
// of them before its own work (60-120 ms under BatchWriteItem at one
// connection, while the background thread copied the WAL). make_room()
// applies one slice, and the put joins the rest.
TEST_CASE("storage: a blind put at the deferral limit applies one slice and joins the rest", "[journal]") {
    auto dir = temp_dir("deferred-limit");
    testing::OneTable table;
    const TableDef& t = table.t;
    Storage s(dir / "db.sqlite3");
    table.create(s);
    CHECK(s.make_room(64));  // below the limit: nothing applied
    std::size_t deferred = 0;
    for (int record = 0; deferred < Storage::kMaxDeferredPuts; ++record) {
        std::vector<Storage::DeferredPut> puts;
        for (int i = 0; i < 25; ++i) puts.push_back(table.deferred("k" + std::to_string(record * 25 + i), 10));
        deferred += puts.size();
        s.defer(std::move(puts));
    }
    REQUIRE_FALSE(s.can_defer());
    CHECK(s.make_room(64));
    CHECK(table.payload(s, "k74"));  // three records of 25 applied: the first slice of at least 64
    CHECK_FALSE(table.payload(s, "k75"));
    s.defer({table.deferred("k0", 10, "last")});
    s.begin_batch();
    CHECK(table.payload(s, "k0") == "last");
    CHECK(s.counters(t.id) == std::pair<std::int64_t, std::int64_t>{10000, 100000});
    fs::remove_all(dir);
}

// Bug: with Storage::kMaxDeferredPuts deferred while a commit ran (which the
// commit now leaves deferred), a blind put waited for the commit's end:
// 120-150 ms under BatchWriteItem at one connection, when the commit copied
// the WAL. During a commit puts are deferred past the limit; after it, each
// blind put applies one slice (make_room) and joins the rest.
TEST_CASE("storage: during a commit puts are deferred past the limit, and after it each applies a slice", "[journal]") {
    auto dir = temp_dir("deferred-past-limit");
    testing::OneTable table;
    const TableDef& t = table.t;
    Storage s(dir / "db.sqlite3");
    table.create(s);
    table.put(s, "a", 10);  // applied: the batch has something to commit
    int key = 0;
    auto defer_record = [&] {
        std::vector<Storage::DeferredPut> puts;
        for (int i = 0; i < 25; ++i) puts.push_back(table.deferred("k" + std::to_string(key++), 10));
        s.defer(std::move(puts));
    };
    while (s.deferred_puts() < Storage::kMaxDeferredPuts) defer_record();
    REQUIRE_FALSE(s.can_defer());
    REQUIRE(s.begin_commit());
    CHECK(s.can_defer());  // nothing can be applied while it runs
    for (int i = 0; i < 8; ++i) defer_record();
    s.run_commit();
    s.end_commit();
    const std::size_t after_commit = s.deferred_puts();
    CHECK(after_commit == Storage::kMaxDeferredPuts + 200);
    CHECK_FALSE(s.can_defer());
    CHECK(s.make_room(64));  // one slice: three records of 25
    CHECK(s.deferred_puts() == after_commit - 75);
    CHECK(s.make_room(64));  // still past the limit: another slice
    CHECK(s.deferred_puts() == after_commit - 150);
    s.begin_batch();
    CHECK(s.counters(t.id) == std::pair<std::int64_t, std::int64_t>{static_cast<std::int64_t>(key) + 1, 10 * (static_cast<std::int64_t>(key) + 1)});
    fs::remove_all(dir);
}

// What a kill -9 leaves at each point of a commit that ran while puts were
// deferred: the files are copied, then opened. Each key is written before
// the commit (journal file 1) and deferred during it (file 2): the replay
// must apply both files' records in sequence order, and skip what the
// commit covered once it is in SQLite.
TEST_CASE("storage: puts deferred while a commit runs survive a kill -9 at any point of it", "[journal]") {
    enum class At { before_commit, after_commit, after_end, after_apply };
    for (auto [at, name] : {std::pair{At::before_commit, "before SQLite's COMMIT"}, std::pair{At::after_commit, "after the COMMIT"},
                            std::pair{At::after_end, "after the commit ended"}, std::pair{At::after_apply, "after they were applied"}}) {
        DYNAMIC_SECTION(name) {
            auto dir = temp_dir("deferred-kill");
            auto copy = temp_dir("deferred-kill-copy");
            testing::OneTable table;
            const TableDef& t = table.t;
            auto kill = [&] {
                testing::copy_as_killed(dir, copy);
            };
            {
                Storage s(dir / "db.sqlite3");
                table.create(s);
                table.put(s, "x", 10, "1");
                table.put(s, "y", 10, "1");
                REQUIRE(s.begin_commit());
                s.defer({table.deferred("x", 10, "2")});
                s.defer({table.deferred("z", 10, "2")});
                if (at == At::before_commit) kill();
                s.run_commit();
                if (at == At::after_commit) kill();
                s.end_commit();
                if (at == At::after_end) kill();
                s.begin_batch();
                if (at == At::after_apply) kill();
            }
            Storage s(copy / "db.sqlite3");
            table.reopen(s);
            CHECK(table.payload(s, "x") == "2");
            CHECK(table.payload(s, "y") == "1");
            CHECK(table.payload(s, "z") == "2");
            CHECK(s.counters(t.id) == std::pair<std::int64_t, std::int64_t>{3, 30});
            fs::remove_all(dir);
            fs::remove_all(copy);
        }
    }
}

// Bug: begin_commit() applied every deferred put the background thread's
// slices had left, with the service's mutex held: when writes kept coming
// faster than the slices, every request waited for it (at one connection,
// 1,100-2,200 puts and 4-13 ms under PutItem, 2,000-7,800 puts and 8-45 ms
// under BatchWriteItem). Now the commit leaves them out of its batch and
// copies their journal records to the next batch's file: a kill -9 at any
// point of the commit (both files holding them, before the first is
// emptied, is one) loses none, and the next batch applies them.
TEST_CASE("storage: a commit leaves the puts still deferred to the next batch, and a kill -9 at any point of it loses none", "[journal]") {
    enum class At { none, after_begin, after_commit, after_end, after_apply, after_next_commit };
    const std::vector<std::pair<At, const char*>> points = {
        {At::none, "no kill"},
        {At::after_begin, "after begin_commit and a put during the commit (the moved records in both files)"},
        {At::after_commit, "after SQLite's COMMIT"},
        {At::after_end, "after the commit ended (the first file emptied)"},
        {At::after_apply, "after the next batch applied them"},
        {At::after_next_commit, "after the next batch committed"},
    };
    for (auto [at, name] : points) {
        DYNAMIC_SECTION(name) {
            auto dir = temp_dir("deferred-left");
            auto copy = temp_dir("deferred-left-copy");
            testing::OneTable table;
            const TableDef& t = table.t;
            auto kill = [&](At point) {
                if (at == point) testing::copy_as_killed(dir, copy);
            };
            {
                Storage s(dir / "db.sqlite3");
                table.create(s);
                table.put(s, "x", 10, "1");  // applied: the batch holds it
                s.defer({table.deferred("x", 10, "2"), table.deferred("y", 10, "2")});
                s.defer({table.deferred("z", 10, "2")});
                REQUIRE(s.begin_commit());
                CHECK(s.deferred_puts() == 3);  // not applied into the batch
                s.defer({table.deferred("w", 10, "3")});  // during the commit: after the moved records
                kill(At::after_begin);
                s.run_commit();
                kill(At::after_commit);
                s.end_commit();
                kill(At::after_end);
                CHECK(s.batch_open());  // theirs: the owner schedules its commit
                CHECK(s.deferred_puts() == 4);
                s.begin_batch();  // what the next operation does first
                CHECK(s.deferred_puts() == 0);
                CHECK(table.payload(s, "x") == "2");
                CHECK(table.payload(s, "w") == "3");
                CHECK(s.counters(t.id) == std::pair<std::int64_t, std::int64_t>{4, 40});
                kill(At::after_apply);
                s.flush();
                kill(At::after_next_commit);
            }
            Storage s((at == At::none ? dir : copy) / "db.sqlite3");
            const std::size_t replayed = table.reopen(s);
            // The commit held x = 1 only: w's record and the two moved ones
            // are replayed, the latter twice (the first file is rewound, not
            // wiped, so its records past the commit read again; the same
            // puts, applied in sequence order, leave the same items).
            if (at == At::after_end) CHECK(replayed == 5);
            CHECK(table.payload(s, "x") == "2");
            CHECK(table.payload(s, "y") == "2");
            CHECK(table.payload(s, "z") == "2");
            CHECK(table.payload(s, "w") == "3");
            CHECK(s.counters(t.id) == std::pair<std::int64_t, std::int64_t>{4, 40});
            fs::remove_all(dir);
            fs::remove_all(copy);
        }
    }
}

// A batch holding nothing but deferred puts (none applied yet) commits
// nothing: begin_commit() leaves them deferred, with their batch open, so
// that the owner schedules the next commit (on_batch_open()).
TEST_CASE("storage: begin_commit with only deferred puts leaves them, their batch open", "[journal]") {
    auto dir = temp_dir("deferred-only");
    testing::OneTable table;
    const TableDef& t = table.t;
    Storage s(dir / "db.sqlite3");
    table.create(s);
    s.flush();
    int opened = 0;
    s.on_batch_open([&] { ++opened; });
    s.defer({table.deferred("a", 10, "1")});
    REQUIRE(opened == 1);
    CHECK_FALSE(s.begin_commit());
    CHECK_FALSE(s.committing());
    CHECK(s.batch_open());
    CHECK(opened == 2);
    s.begin_batch();
    CHECK(table.payload(s, "a") == "1");
    s.flush();
    CHECK(s.counters(t.id) == std::pair<std::int64_t, std::int64_t>{1, 10});
    fs::remove_all(dir);
}

// A batch that only read has nothing to write: begin_commit() commits it
// itself, with the caller's serialization held, and leaves nothing to call.
TEST_CASE("storage: begin_commit commits a batch that only read and leaves nothing to call", "[journal]") {
    auto dir = temp_dir("read-only-commit");
    testing::OneTable table;
    const TableDef& t = table.t;
    Storage s(dir / "db.sqlite3");
    table.create(s);
    table.put(s, "a", 10);
    s.flush();
    s.begin_batch();  // what a read does first
    CHECK(s.get(t.id, testing::OneTable::key("a")).has_value());
    REQUIRE(s.batch_open());
    CHECK_FALSE(s.begin_commit());
    CHECK_FALSE(s.batch_open());
    CHECK_FALSE(s.committing());
    table.put(s, "b", 10);
    REQUIRE(s.begin_commit());  // a batch that wrote: SQLite's COMMIT is the caller's to run
    CHECK(s.committing());
    s.run_commit();
    s.end_commit();
    CHECK_FALSE(s.batch_open());
    CHECK(s.counters(t.id) == std::pair<std::int64_t, std::int64_t>{2, 20});
    fs::remove_all(dir);
}
