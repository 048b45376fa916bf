// The WAL-gathering VFS (storage/wal_vfs.*): a commit's pages are in the
// WAL file once the commit is published, for any connection on any VFS, and
// a WAL write that fails fails the commit, whose writes the operation
// journal then replays.
#include "storage/sqlite.hpp"
#include "storage/storage.hpp"
#include "storage/wal_vfs.hpp"
#include "storage_test_util.hpp"

#include <sys/resource.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <random>

using namespace lowcloud::dynamodb;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir(const std::string& name) { return testing::temp_dir("walvfs", name); }

std::int64_t count_rows(sqlite::Database& db, const std::string& table) {
    auto& s = db.cached("SELECT COUNT(*) FROM " + table);
    REQUIRE(s.step());
    std::int64_t n = s.column_int(0);
    s.reset();
    return n;
}

// Files may not grow past `bytes` while it lives (writes past it fail with
// EFBIG; SIGXFSZ is ignored meanwhile).
class FileSizeLimit {
public:
    explicit FileSizeLimit(rlim_t bytes) {
        REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved_) == 0);
        previous_ = std::signal(SIGXFSZ, SIG_IGN);
        rlimit limited = saved_;
        limited.rlim_cur = bytes;
        REQUIRE(::setrlimit(RLIMIT_FSIZE, &limited) == 0);
    }
    ~FileSizeLimit() {
        ::setrlimit(RLIMIT_FSIZE, &saved_);
        std::signal(SIGXFSZ, previous_);
    }

private:
    rlimit saved_{};
    void (*previous_)(int) = nullptr;
};

}  // namespace

TEST_CASE("wal vfs: a commit's pages are in the file for connections on the default VFS", "[wal]") {
    auto dir = temp_dir("published");
    const std::string path = (dir / "db.sqlite3").string();
    sqlite::Database writer(path, sqlite::gathering_vfs());
    writer.exec("PRAGMA journal_mode=WAL");
    writer.exec("PRAGMA wal_autocheckpoint=0");
    writer.exec("CREATE TABLE t(x BLOB)");
    writer.exec("BEGIN");
    for (int i = 0; i < 500; ++i) writer.exec("INSERT INTO t VALUES(randomblob(1500))");  // ~190 pages: several writes
    writer.exec("COMMIT");
    CHECK(sqlite::check_wal(writer.handle()) == SQLITE_OK);
    {
        sqlite::Database reader(path);  // the default VFS: reads only the file
        CHECK(count_rows(reader, "t") == 500);
    }
    // A later transaction, still open, is not seen; the checkpoint (another
    // connection on the gathering VFS) copies what was committed.
    writer.exec("BEGIN");
    for (int i = 0; i < 100; ++i) writer.exec("INSERT INTO t VALUES(randomblob(1500))");
    {
        sqlite::Database checkpointer(path, sqlite::gathering_vfs());
        auto& s = checkpointer.cached("PRAGMA wal_checkpoint(PASSIVE)");
        REQUIRE(s.step());
        CHECK(s.column_int(0) == 0);
        s.reset();
        sqlite::Database reader(path);
        CHECK(count_rows(reader, "t") == 500);
    }
    writer.exec("COMMIT");
    sqlite::Database reader(path);
    CHECK(count_rows(reader, "t") == 600);
    CHECK(count_rows(writer, "t") == 600);
    fs::remove_all(dir);
}

// The gathered write happens after SQLite's commit could report a failure
// (at the barrier before the commit is published): Storage asks for it
// afterwards (check_wal), counts the commit as failed, and the journal
// keeps and replays the acknowledged writes.
TEST_CASE("storage: a commit whose WAL pages cannot be written fails, and the journal replays its writes", "[wal][journal]") {
    auto dir = temp_dir("unwritable");
    testing::OneTable table;
    const TableDef& t = table.t;
    auto key = testing::OneTable::key;
    std::vector<std::string> acknowledged;
    {
        Storage s(dir / "db.sqlite3");
        table.create(s);
        auto put = [&](const std::string& id) {
            table.put(s, id, 2010, std::string(2000, 'x'));
            acknowledged.push_back(id);
        };
        for (int i = 0; i < 50; ++i) put("k" + std::to_string(i));
        {
            // The WAL cannot grow: the commit's pages cannot be written.
            FileSizeLimit limit(fs::file_size(dir / "db.sqlite3-wal"));
            CHECK_THROWS_WITH(s.flush(), Catch::Contains("cannot write the WAL"));
        }
        put("after");  // replays the journal first
        s.flush();
        for (const auto& id : acknowledged) CHECK(s.get(t.id, key(id)).has_value());
        CHECK(s.counters(t.id).first == static_cast<std::int64_t>(acknowledged.size()));
    }
    Storage s(dir / "db.sqlite3");
    table.reopen(s);
    for (const auto& id : acknowledged) CHECK(s.get(t.id, key(id)).has_value());
    CHECK(s.counters(t.id).first == static_cast<std::int64_t>(acknowledged.size()));
    fs::remove_all(dir);
}

// The bug: registering the VFS initialized SQLite before the storage's
// settings were applied, so SQLite kept memory statistics (a global mutex
// around each of its allocations) whenever a data directory was used. Run
// alone (as ctest runs each case), this case is the process's first use of
// SQLite.
TEST_CASE("storage: SQLite keeps no memory statistics when the first database has a data directory", "[wal]") {
    auto dir = temp_dir("memstatus");
    {
        Storage s(dir / "db.sqlite3");
        s.db().exec("CREATE TABLE scratch(x)");
        s.db().exec("INSERT INTO scratch VALUES(randomblob(10000))");
    }
    sqlite3_int64 current = -1, highwater = -1;
    REQUIRE(sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &current, &highwater, 0) == SQLITE_OK);
    CHECK(current == 0);
    CHECK(highwater == 0);
    fs::remove_all(dir);
}

// A commit that fails while puts are deferred (storage.hpp, "Deferred
// writes"): the batch's writes are in one journal file, the deferred puts in
// the other, and the replay after the failure must bring back both, the
// deferred ones last (one of them overwrites a key the batch wrote).
TEST_CASE("storage: a commit that fails while puts are deferred replays the batch and the deferred puts", "[wal][journal]") {
    auto dir = temp_dir("unwritable-deferred");
    testing::OneTable table;
    const TableDef& t = table.t;
    auto key = testing::OneTable::key;
    std::vector<std::string> acknowledged;
    {
        Storage s(dir / "db.sqlite3");
        table.create(s);
        for (int i = 0; i < 50; ++i) {
            table.put(s, "k" + std::to_string(i), 2010, std::string(2000, 'x'));
            acknowledged.push_back("k" + std::to_string(i));
        }
        REQUIRE(s.begin_commit());
        s.defer({table.deferred("k0", 2010, std::string(2000, 'y')), table.deferred("d1", 2010, std::string(2000, 'y'))});
        acknowledged.push_back("d1");
        {
            // The WAL cannot grow: the commit's pages cannot be written.
            FileSizeLimit limit(fs::file_size(dir / "db.sqlite3-wal"));
            s.run_commit();
        }
        CHECK_THROWS_WITH(s.end_commit(), Catch::Contains("cannot write the WAL"));
        CHECK_FALSE(s.committing());
        s.begin_batch();  // replays first if the failure's own replay could not
        for (const auto& id : acknowledged) CHECK(s.get(t.id, key(id)).has_value());
        CHECK(table.payload(s, "k0") == std::string(2000, 'y'));
        CHECK(s.counters(t.id).first == static_cast<std::int64_t>(acknowledged.size()));
        s.flush();
    }
    Storage s(dir / "db.sqlite3");
    table.reopen(s);
    for (const auto& id : acknowledged) CHECK(s.get(t.id, key(id)).has_value());
    CHECK(table.payload(s, "k0") == std::string(2000, 'y'));
    CHECK(s.counters(t.id).first == static_cast<std::int64_t>(acknowledged.size()));
    fs::remove_all(dir);
}
