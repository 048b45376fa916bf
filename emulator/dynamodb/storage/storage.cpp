// SQLite schema, catalog, items, index and TTL entries, and range reads
// (see storage.hpp).
#include "storage/storage.hpp"

#include "dynamodb/error.hpp"
#include "json/json_parse.hpp"
#include "model/number.hpp"
#include "storage/wal_vfs.hpp"

#include <algorithm>
#include <limits>

namespace lowcloud::dynamodb {

namespace {

Item decode_item(std::string_view text) { return parse_item(jsonparse::parse(text)); }

// The item's stored text: `given` (the request's own text of it) when there
// is one, else its encoding, kept in `encoded`.
const std::string& item_text(const Item& item, const std::string* given, std::string& encoded) {
    if (given) return *given;
    encoded = to_json_text(item);
    return encoded;
}

// The journal's two files (storage.hpp, "Durability"); none in memory.
std::array<std::unique_ptr<Journal>, 2> open_journals(const std::optional<std::filesystem::path>& file) {
    std::array<std::unique_ptr<Journal>, 2> out;
    if (file) {
        out[0] = std::make_unique<Journal>(file->string() + ".oplog");
        out[1] = std::make_unique<Journal>(file->string() + ".oplog2");
    }
    return out;
}

// A journal record read back, owning its bytes (a replay orders the records
// of both files before it applies them).
struct ReplayRecord {
    struct Entry {
        JournalEntry::Kind kind;
        std::int64_t table;
        std::uint32_t hash;
        std::string pk, sk, item;
        std::int64_t size;
    };
    std::uint64_t sequence = 0;
    std::vector<Entry> entries;
};

constexpr std::int64_t kFiveYears = 5LL * 366 * 24 * 3600;

std::vector<const SecondaryIndex*> all_indexes(const TableDef& t) {
    std::vector<const SecondaryIndex*> out;
    for (const auto& i : t.local_indexes) out.push_back(&i);
    for (const auto& i : t.global_indexes) out.push_back(&i);
    return out;
}

// " AND col >= ?N" style clauses of a sort range, binding from `first`.
std::string range_sql(const std::string& column, const SortRange& range, int first) {
    std::string sql;
    if (range.lower) sql += " AND " + column + (range.lower->inclusive ? " >= ?" : " > ?") + std::to_string(first);
    if (range.upper) sql += " AND " + column + (range.upper->inclusive ? " <= ?" : " < ?") + std::to_string(first + 1);
    return sql;
}

void bind_range(sqlite::Statement& s, const SortRange& range, int first) {
    if (range.lower) s.bind_blob(first, range.lower->bytes);
    if (range.upper) s.bind_blob(first + 1, range.upper->bytes);
}

}  // namespace

std::optional<std::int64_t> ttl_seconds(const Item& item, const std::string& attribute) {
    auto it = item.find(attribute);
    if (it == item.end() || it->second.type != Type::N) return std::nullopt;
    const std::string& n = it->second.scalar;  // canonical: no exponent
    std::string whole = n.substr(0, n.find('.'));
    bool negative = !whole.empty() && whole[0] == '-';
    std::string digits = negative ? whole.substr(1) : whole;
    if (digits.size() > 15) return negative ? std::nullopt : std::optional<std::int64_t>(INT64_MAX);
    std::int64_t v = digits.empty() ? 0 : std::stoll(digits);
    if (negative) return std::nullopt;  // before 1970: DynamoDB ignores it (more than five years ago)
    return v;
}

Storage::Storage(const std::optional<std::filesystem::path>& file)
    // The journal's lock keeps a second process off the data, taken before
    // SQLite opens the file and released after it closed it (members are
    // declared in that order).
    : journals_(open_journals(file)),
      // A commit's WAL pages as one write (wal_vfs.hpp).
      db_(file ? file->string() : ":memory:", file ? sqlite::gathering_vfs() : nullptr),
      file_(file) {
    if (file) {
        // SQLite's own locking stays NORMAL so that the checkpointer's
        // connection can share the WAL; transactions are few (one per
        // batch), so its per-transaction locking costs little.
        db_.exec("PRAGMA journal_mode=WAL");
        // NORMAL in WAL mode: a committed transaction survives the process
        // being killed (it is in the WAL); only an OS crash may lose the last ones.
        db_.exec("PRAGMA synchronous=NORMAL");
        // Checkpoints run on the service's background thread (checkpoint()), not in a commit.
        db_.exec("PRAGMA wal_autocheckpoint=0");
        // Up to 256 MB of pages kept (SQLite's default is 2 MB): writes to
        // random keys touch every leaf of a table, so a cache smaller than
        // the table reads a page back from the file for most items (16 MB,
        // about 60,000 items of 250 bytes, cost BatchWriteItem 15% on a
        // table of a few hundred thousand). Memory grows with use only, to
        // about as much as the data (a few percent more per page).
        db_.exec("PRAGMA cache_size=-262144");
        // The savepoint each operation runs in (Op) keeps the pages it
        // changes in a sub-journal; past 64 KB (a BatchWriteItem of 25 items
        // on a large table) SQLite moves it to a temporary file for the rest
        // of the batch, and every later operation then writes its pages
        // there. In memory it is a copy, released with the savepoint.
        db_.exec("PRAGMA temp_store=MEMORY");
        sqlite3_wal_hook(
            db_.handle(),
            [](void* self, sqlite3*, const char*, int frames) {
                static_cast<Storage*>(self)->wal_frames_.store(frames, std::memory_order_relaxed);
                return SQLITE_OK;
            },
            this);
    }
    db_.exec("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    auto& version = db_.cached("SELECT value FROM meta WHERE key = 'schema_version'");
    if (version.step()) {
        std::string v = version.column_text(0);
        version.reset();
        if (v == "1" || v == "2" || v == "3") migrate(std::stoi(v));
        else if (v != std::to_string(kSchemaVersion))
            throw sqlite::Error("database has schema version " + v + "; this lowcloud understands version " +
                                std::to_string(kSchemaVersion));
        auto& seq = db_.cached("SELECT value FROM meta WHERE key = 'journal_sequence'");
        if (seq.step()) committed_sequence_ = sequence_ = std::stoull(seq.column_text(0));
        seq.reset();
        return;
    }
    version.reset();
    sqlite::Transaction tx(db_);
    db_.exec(
        "CREATE TABLE tables(id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, definition TEXT NOT NULL,"
        " item_count INTEGER NOT NULL DEFAULT 0, size_bytes INTEGER NOT NULL DEFAULT 0)");
    create_items_table("items");
    create_items_key();
    create_entries_table("index_entries");
    create_index_counters_table();
    db_.exec(
        "CREATE TABLE ttl_entries(table_id INTEGER NOT NULL, expires INTEGER NOT NULL, pk BLOB NOT NULL, sk BLOB NOT NULL,"
        " PRIMARY KEY(table_id, expires, pk, sk)) WITHOUT ROWID");
    db_.exec("INSERT INTO meta(key, value) VALUES('schema_version', '" + std::to_string(kSchemaVersion) + "')");
    tx.commit();
}

// Version 3: items is a rowid table, its rows in the order they were first
// inserted (a migrated table's in key order; an overwrite keeps its row),
// and its key (the partition key's hash first, for scan order) an index of
// its own. A put to a new random key appends to the table's last page and
// inserts one short entry (the key and about 10 bytes) into the index, where
// a WITHOUT ROWID table clustered on the key (version 2) inserted the whole
// item into a leaf of its own: on a table of a million items or more most
// puts read that leaf back from the file, split it now and then, and wrote
// it to the WAL and again into the database. One A/B on this project's
// 2-core host (two rounds each; BatchWriteItem of 25 new items at 32
// connections): filling an empty table for 25 s ran 1,800-2,200 requests/s
// there and 3,400-3,650 here; at 1-2 million items, 1,200-1,700 and
// 2,250-2,300. A read finds the row through the index, then by rowid: a
// partition written over time is no longer on adjacent pages, one page
// lookup (usually in the cache) more per item read. Scans read the rows in
// hash order, so with the OS's file cache dropped the first scan reads
// pages in random order (380,000 items of a 1.9M-item table: 21.8 us per
// item, against 11.5 in version 2 at 1.2M items; 8 either way once cached).
void Storage::create_items_table(const std::string& name) {
    db_.exec("CREATE TABLE " + name +
             "(table_id INTEGER NOT NULL, hash INTEGER NOT NULL, pk BLOB NOT NULL, sk BLOB NOT NULL,"
             " size INTEGER NOT NULL, item BLOB NOT NULL)");
}

void Storage::create_items_key() { db_.exec("CREATE UNIQUE INDEX items_key ON items(table_id, hash, pk, sk)"); }

// The base item's hash is in each entry (version 2), so that reads through
// an index find their item by key.
void Storage::create_entries_table(const std::string& name) {
    db_.exec("CREATE TABLE " + name +
             "(table_id INTEGER NOT NULL, idx TEXT NOT NULL, ihash INTEGER NOT NULL, ipk BLOB NOT NULL, isk BLOB NOT NULL,"
             " pk BLOB NOT NULL, sk BLOB NOT NULL, hash INTEGER NOT NULL,"
             " PRIMARY KEY(table_id, idx, ihash, ipk, isk, pk, sk)) WITHOUT ROWID");
}

// Version 4: each index's item count and bytes are a row of their own,
// updated with the batch as the tables' are. In versions 1-3 DescribeTable
// counted them by joining all of the index's entries to their items, under
// the engine's lock: 580 ms for a table of 300,000 items with one GSI, on
// this project's 2-core host, every other request waiting meanwhile.
void Storage::create_index_counters_table() {
    db_.exec(
        "CREATE TABLE index_counters(table_id INTEGER NOT NULL, idx TEXT NOT NULL, item_count INTEGER NOT NULL,"
        " size_bytes INTEGER NOT NULL, PRIMARY KEY(table_id, idx)) WITHOUT ROWID");
}

// Version 1 kept the hash in a second index of items and none in index
// entries; version 2 clustered items on their key. Both items tables have
// the same columns, copied into version 3's. Version 3 lacks only the index
// counters, counted here for every version. One transaction: a failure (or
// a kill) leaves the old version, migrated again at the next open. From
// version 1 or 2, until the next checkpoint the WAL holds the whole copy,
// and the old table's pages stay in the file as free pages for later
// writes: the disk briefly holds two to three times the table.
void Storage::migrate(int from) {
    sqlite::Transaction tx(db_);
    if (from == 1) {
        create_entries_table("index_entries_new");
        db_.exec(
            "INSERT INTO index_entries_new(table_id, idx, ihash, ipk, isk, pk, sk, hash)"
            " SELECT e.table_id, e.idx, e.ihash, e.ipk, e.isk, e.pk, e.sk, i.hash FROM index_entries e JOIN items i"
            " ON i.table_id = e.table_id AND i.pk = e.pk AND i.sk = e.sk");
        db_.exec("DROP TABLE index_entries");
        db_.exec("ALTER TABLE index_entries_new RENAME TO index_entries");
    }
    if (from <= 2) {
        create_items_table("items_new");
        db_.exec(
            "INSERT INTO items_new(table_id, hash, pk, sk, size, item)"
            " SELECT table_id, hash, pk, sk, size, item FROM items ORDER BY table_id, hash, pk, sk");
        db_.exec("DROP TABLE items");
        db_.exec("ALTER TABLE items_new RENAME TO items");
        create_items_key();
    }
    create_index_counters_table();
    db_.exec(
        "INSERT INTO index_counters(table_id, idx, item_count, size_bytes)"
        " SELECT e.table_id, e.idx, COUNT(*), SUM(i.size) FROM index_entries e JOIN items i"
        " ON i.table_id = e.table_id AND i.hash = e.hash AND i.pk = e.pk AND i.sk = e.sk GROUP BY e.table_id, e.idx");
    db_.exec("UPDATE meta SET value = '" + std::to_string(kSchemaVersion) + "' WHERE key = 'schema_version'");
    // What every version kept: the tables' counters (a count of the items
    // would read them all).
    auto& count = db_.cached("SELECT COALESCE(SUM(item_count), 0) FROM tables");
    std::int64_t items = count.step() ? count.column_int(0) : 0;
    count.reset();
    tx.commit();
    migrated_ = Migration{from, items};
}

Storage::~Storage() {
    try {
        flush();
        if (persistent() && !needs_replay_)
            for (auto& j : journals_) j->truncate();  // a clean stop leaves no old records behind
    } catch (...) {
        // The journal keeps what the batch held; the next start replays it.
    }
}

// ---- durability -----------------------------------------------------------------

std::size_t Storage::recover(const std::function<const TableDef*(std::int64_t)>& table_by_id) {
    table_by_id_ = table_by_id;
    return replay();
}

std::size_t Storage::replay() {
    deferred_.clear();  // journaled: replayed below
    deferred_puts_ = 0;
    note_oldest();
    if (!persistent() || (journals_[0]->size() == 0 && journals_[1]->size() == 0)) {
        needs_replay_ = false;
        return 0;
    }
    needs_replay_ = true;  // until the records are committed
    // Both files' records past the last commit, in sequence order (each
    // file's are in order; which file holds the older ones depends on when
    // the process stopped).
    std::vector<ReplayRecord> records;
    for (auto& j : journals_)
        j->read([&](std::uint64_t sequence, const std::vector<JournalEntry>& entries) {
            if (sequence <= committed_sequence_) return;  // committed before the file was rewound
            ReplayRecord r{sequence, {}};
            for (const JournalEntry& e : entries)
                r.entries.push_back({e.kind, e.table, e.hash, std::string(e.pk), std::string(e.sk), std::string(e.item), e.size});
            records.push_back(std::move(r));
        });
    std::stable_sort(records.begin(), records.end(), [](const auto& a, const auto& b) { return a.sequence < b.sequence; });
    std::size_t applied = 0;
    std::uint64_t last = committed_sequence_;
    {
        sqlite::Transaction tx(db_);
        for (const ReplayRecord& record : records) {
            for (const auto& e : record.entries) {
                const TableDef* t = table_by_id_ ? table_by_id_(e.table) : nullptr;
                if (!t) continue;
                EncodedKey key{e.pk, e.sk, e.hash};
                auto old = get(t->id, key);
                if (e.kind == JournalEntry::Kind::put)
                    put(*t, key, decode_item(e.item), e.size, old);
                else if (old)
                    remove(*t, key, *old);
            }
            last = record.sequence;
            ++applied;
        }
        db_.cached("INSERT OR REPLACE INTO meta(key, value) VALUES('journal_sequence', ?)").bind_text(1, std::to_string(last)).run();
        tx.commit();
        check_wal();
    }
    committed_sequence_ = last;
    sequence_ = std::max(sequence_, last);  // never lowered: sequence numbers must keep increasing
    for (auto& j : journals_) j->clear();
    needs_replay_ = false;
    return applied;
}

void Storage::batch_lost() {
    item_cache_.clear();  // it may hold what the batch wrote
    batch_open_ = false;
    batch_ops_ = 0;
    deltas_.clear();
    op_deltas_.clear();
    needs_replay_ = persistent();
}

void Storage::drop_batch() {
    try {
        if (!sqlite3_get_autocommit(db_.handle())) db_.exec("ROLLBACK");
    } catch (...) {
    }
    batch_lost();
}

void Storage::end_op(bool applied) {
    if (applied) {
        for (auto& [table, d] : op_deltas_) {
            auto& total = deltas_[table];
            total.first += d.first;
            total.second += d.second;
        }
        ++batch_ops_;
    }
    mode_ = Mode::none;
    record_.clear();
    op_deltas_.clear();
}

void Storage::catch_up() { apply_deferred_some(std::numeric_limits<std::size_t>::max()); }

void Storage::replay_if_lost() {
    // SQLite rolls a transaction back by itself on some errors (SQLITE_FULL,
    // IOERR, NOMEM): the batch is gone, the journal still has its writes.
    if (batch_open_ && sqlite3_get_autocommit(db_.handle())) batch_lost();
    if (needs_replay_) replay();  // throws: nothing is served on a state missing acknowledged writes
}

bool Storage::apply_deferred_some(std::size_t max_puts) {
    if (committing_) throw sqlite::Error("storage used while a commit runs");
    replay_if_lost();
    if (!deferred_.empty()) apply_deferred(max_puts);
    return !deferred_.empty();
}

void Storage::open_batch() {
    if (batch_open_) return;
    db_.cached("BEGIN IMMEDIATE").run();
    batch_open_ = true;
    batch_ops_ = 0;
    if (on_batch_open_) on_batch_open_();
}

void Storage::begin_batch() {
    catch_up();
    open_batch();
}

void Storage::apply_deferred(std::size_t max_puts) {
    // Each record is an operation of its own (end_op() would end an
    // enclosing one's).
    if (mode_ != Mode::none) throw sqlite::Error("deferred puts applied inside an operation");
    open_batch();
    std::size_t puts = 0;
    try {
        // Whole records, oldest first, each one an operation of the batch.
        while (!deferred_.empty() && puts < max_puts) {
            auto& record = deferred_.front().puts;
            mode_ = Mode::deferred;
            const TableDef* t = nullptr;
            for (auto& p : record) {
                if (!t || t->id != p.table) t = table_by_id_ ? table_by_id_(p.table) : nullptr;
                if (t) put_blind(*t, p.key, p.item, p.size, &p.text);
            }
            end_op(true);
            puts += record.size();
            deferred_puts_ -= record.size();
            deferred_.pop_front();
            note_oldest();
        }
    } catch (...) {
        // Journaled: the batch goes, and the replay before the next
        // operation brings back all it held, applied or not (as Op's
        // destructor does; replay() clears deferred_).
        end_op(false);
        drop_batch();
        throw;
    }
}

bool Storage::make_room(std::size_t slice) {
    if (deferred_puts_ >= kMaxDeferredPuts) apply_deferred_some(slice);
    return persistent();
}

void Storage::defer(std::vector<DeferredPut> puts) {
    if (!persistent()) throw sqlite::Error("defer without a journal");
    if (!committing_) {
        apply_deferred_some(0);  // a lost batch is replayed first (throws: nothing accepted)
        open_batch();            // so that the owner schedules the commit, which applies these first
    }
    const std::size_t count = puts.size();
    JournalRecord record;
    for (const auto& p : puts) record.put(p.table, p.key.pk, p.key.sk, p.key.hash, p.size, p.text);
    const std::uint64_t offset = journal().size();
    journal().append(sequence_ + 1, record);  // throws: nothing accepted
    ++sequence_;
    deferred_.push_back({std::move(puts), offset});
    deferred_puts_ += count;
    if (deferred_.size() == 1) note_oldest();
}

void Storage::note_oldest() {
    oldest_puts_.store(deferred_.empty() ? 0 : deferred_.front().puts.size(), std::memory_order_relaxed);
}

void Storage::persist_counters() {
    for (auto& [key, d] : deltas_)
        if (d.first || d.second) write_counters(key, d);
    deltas_.clear();
}

void Storage::write_counters(const CounterKey& key, const Counts& delta) {
    if (key.second.empty()) {
        db_.cached("UPDATE tables SET item_count = item_count + ?, size_bytes = size_bytes + ? WHERE id = ?")
            .bind(1, delta.first)
            .bind(2, delta.second)
            .bind(3, key.first)
            .run();
        return;
    }
    db_.cached(
           "INSERT INTO index_counters(table_id, idx, item_count, size_bytes) VALUES(?, ?, ?, ?) ON CONFLICT(table_id, idx)"
           " DO UPDATE SET item_count = item_count + excluded.item_count, size_bytes = size_bytes + excluded.size_bytes")
        .bind(1, key.first)
        .bind_text(2, key.second)
        .bind(3, delta.first)
        .bind(4, delta.second)
        .run();
}

void Storage::flush() {
    catch_up();  // all of it: begin_commit() leaves deferred puts to the next batch
    if (!begin_commit()) return;
    run_commit();
    end_commit();
}

void Storage::commit_failed(std::exception_ptr error) {
    // The batch is lost from SQLite (or committed there, with WAL pages that
    // could not be written: replayed all the same). With a data directory
    // its writes are in the journal, with those deferred meanwhile: replay
    // them in a transaction of their own now, or before the next operation,
    // or at the next start. In memory they are lost (the error is logged by
    // the caller).
    committing_ = false;
    drop_batch();
    try {
        if (needs_replay_) replay();
    } catch (...) {
    }
    std::rethrow_exception(error);
}

bool Storage::begin_commit() {
    if (mode_ != Mode::none) throw sqlite::Error("flush inside an operation");
    replay_if_lost();
    if (!batch_open_) return false;
    // Records journaled from now on go to the other file, which the last
    // commit emptied; this file then holds only what the batch covers. The
    // puts still deferred are not in the batch: their records (the last
    // ones) are copied to the other file, ahead of those to come, and they
    // join the next batch. Applying them here instead, with the caller's
    // serialization held, took 4-45 ms at one connection when writes kept
    // coming (2,000-7,800 puts).
    if (persistent()) {
        Journal& from = *journals_[current_];
        Journal& to = *journals_[current_ ^ 1];
        bool moved = deferred_.empty();
        if (!moved && to.size() == 0) {
            try {
                const std::uint64_t start = deferred_.front().offset;
                to.append_from(from, start);
                for (auto& r : deferred_) r.offset -= start;
                moved = true;
            } catch (const std::runtime_error&) {  // the other file cannot grow: apply them after all
            }
        }
        if (!moved) catch_up();
        current_ ^= 1;
    }
    try {
        persist_counters();
        commit_sequence_ = sequence_ - deferred_.size();  // deferred records are the last ones
        if (persistent() && commit_sequence_ > committed_sequence_)
            db_.cached("INSERT OR REPLACE INTO meta(key, value) VALUES('journal_sequence', ?)").bind_text(1, std::to_string(commit_sequence_)).run();
    } catch (...) {
        commit_failed(std::current_exception());
    }
    commit_error_ = nullptr;
    committing_ = true;
    if (batch_ops_ > 0) return true;
    // A batch that only read: nothing to write, so no reason to release the
    // caller's serialization (a request that waits for a commit's end
    // sleeps, which costs it more than waiting through an empty COMMIT).
    run_commit();
    end_commit();
    return false;
}

void Storage::run_commit() {
    try {
        db_.cached("COMMIT").run();
        check_wal();
    } catch (...) {
        commit_error_ = std::current_exception();
    }
}

void Storage::end_commit() {
    committing_ = false;
    if (commit_error_) commit_failed(std::exchange(commit_error_, nullptr));
    batch_open_ = false;
    batch_ops_ = 0;
    committed_sequence_ = commit_sequence_;
    if (persistent()) journals_[current_ ^ 1]->clear();  // what the batch covered
    // Puts deferred during the commit, or left out of it: their batch
    // opens, so that its commit is scheduled (on_batch_open()).
    if (!deferred_.empty()) open_batch();
}

void Storage::check_wal() {
    if (int rc = sqlite::check_wal(db_.handle()); rc != SQLITE_OK)
        throw sqlite::Error(std::string("cannot write the WAL of ") + (file_ ? file_->string() : "") + ": " + sqlite3_errstr(rc));
}

bool Storage::checkpoint() {
    if (!file_) return true;
    if (!checkpointer_) checkpointer_ = std::make_unique<sqlite::Database>(file_->string(), sqlite::gathering_vfs());
    // The pragma, not sqlite3_wal_checkpoint_v2(): on a connection that has
    // not read the database yet, SQLite 3.40's C call does nothing.
    // wal_frames() is left as it is: a complete copy starts the WAL over
    // only at the next write with no batch open, and the commit after that
    // reports the new count.
    auto& s = checkpointer_->cached("PRAGMA wal_checkpoint(PASSIVE)");
    bool complete = s.step() && s.column_int(0) == 0 && s.column_int(1) == s.column_int(2);
    s.reset();
    return complete;
}

Storage::Op::Op(Storage& s) : s_(s) {
    if (s_.mode_ != Mode::none) throw sqlite::Error("nested storage operation");
    s_.begin_batch();
    // With a journal, no savepoint (see the file comment): SQLite copies
    // every page an operation changes into a savepoint's journal first
    // (~4 KB per item written, 10% of BatchWriteItem's time).
    s_.op_savepoint_ = !s_.persistent();
    if (s_.op_savepoint_) s_.db_.cached("SAVEPOINT op").run();
    s_.mode_ = Mode::op;
    s_.op_wrote_ = false;
    s_.record_.clear();
    s_.op_deltas_.clear();
}

Storage::Op::~Op() {
    if (done_) return;
    s_.item_cache_.clear();  // rolled back: it may hold what the operation wrote
    if (s_.op_savepoint_) {
        try {
            s_.db_.cached("ROLLBACK TO op").run();
            s_.db_.cached("RELEASE op").run();
        } catch (...) {
        }
    }
    if (!s_.op_savepoint_ && s_.op_wrote_) {
        // Nothing smaller to roll back than the batch: it goes, and the
        // journal brings back its acknowledged operations before the next
        // one (begin_batch).
        s_.drop_batch();
    } else if (sqlite3_get_autocommit(s_.db_.handle())) {
        s_.batch_lost();  // SQLite rolled the whole batch back itself
    }
    s_.end_op(false);
}

void Storage::Op::commit() {
    const bool wrote = !s_.record_.empty();
    if (wrote) {
        if (s_.persistent()) s_.journal().append(s_.sequence_ + 1, s_.record_);  // throws: the destructor rolls back
        ++s_.sequence_;
    }
    try {
        if (s_.op_savepoint_) s_.db_.cached("RELEASE op").run();
    } catch (...) {
        // Journaled but not applied: the replay before the next operation
        // applies it (the caller answers with an error all the same).
        if (wrote) {
            done_ = true;
            s_.end_op(false);
            s_.drop_batch();
        }
        throw;
    }
    done_ = true;
    s_.end_op(true);
}

Storage::Durable::Durable(Storage& s) : s_(s) {
    if (s_.mode_ != Mode::none) throw sqlite::Error("nested storage operation");
    if (s_.batch_open_ && sqlite3_get_autocommit(s_.db_.handle())) s_.batch_lost();
    if (s_.needs_replay_) s_.replay();  // journal records must not outlive a catalog change
    s_.flush();
    s_.db_.cached("BEGIN IMMEDIATE").run();
    s_.mode_ = Mode::durable;
}

Storage::Durable::~Durable() {
    if (done_) return;
    s_.item_cache_.clear();  // rolled back
    try {
        s_.db_.cached("ROLLBACK").run();
    } catch (...) {
    }
    s_.mode_ = Mode::none;
}

void Storage::Durable::commit() {
    s_.db_.cached("COMMIT").run();
    s_.check_wal();
    done_ = true;
    s_.mode_ = Mode::none;
}

// ---- catalog ----------------------------------------------------------------

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
    db_.cached("INSERT INTO tables(name, definition) VALUES(?, ?)").bind_text(1, t.name).bind_text(2, to_storage(t).dump()).run();
    t.id = db_.last_insert_rowid();
}

void Storage::save_table(const TableDef& t) {
    db_.cached("UPDATE tables SET definition = ? WHERE id = ?").bind_text(1, to_storage(t).dump()).bind(2, t.id).run();
}

void Storage::delete_table(std::int64_t id) {
    item_cache_.clear();  // its id may be given again to the next table created
    std::erase_if(deltas_, [id](const auto& d) { return d.first.first == id; });
    for (const char* sql : {"DELETE FROM items WHERE table_id = ?", "DELETE FROM index_entries WHERE table_id = ?",
                            "DELETE FROM index_counters WHERE table_id = ?", "DELETE FROM ttl_entries WHERE table_id = ?",
                            "DELETE FROM tables WHERE id = ?"})
        db_.cached(sql).bind(1, id).run();
}

std::pair<std::int64_t, std::int64_t> Storage::counters(std::int64_t id) { return read_counters(CounterKey{id, {}}); }

Storage::Counts Storage::read_counters(const CounterKey& key) {
    auto& s = key.second.empty() ? db_.cached("SELECT item_count, size_bytes FROM tables WHERE id = ?").bind(1, key.first)
                                 : db_.cached("SELECT item_count, size_bytes FROM index_counters WHERE table_id = ? AND idx = ?")
                                       .bind(1, key.first)
                                       .bind_text(2, key.second);
    Counts out{0, 0};
    if (s.step()) out = {s.column_int(0), s.column_int(1)};
    s.reset();
    for (const auto* deltas : {&deltas_, &op_deltas_})
        if (auto it = deltas->find(key); it != deltas->end()) {
            out.first += it->second.first;
            out.second += it->second.second;
        }
    return out;
}

// ---- single items -------------------------------------------------------------

std::optional<Storage::Stored> Storage::get(std::int64_t table, const EncodedKey& key) {
    auto& s = db_.cached("SELECT item, size FROM items WHERE table_id = ? AND hash = ? AND pk = ? AND sk = ?");
    s.bind(1, table).bind(2, key.hash).bind_blob(3, key.pk).bind_blob(4, key.sk);
    std::optional<Stored> out;
    if (s.step()) out = Stored{decode_item(s.column_blob(0)), s.column_int(1)};
    s.reset();
    return out;
}

std::optional<Storage::StoredText> Storage::get_text(std::int64_t table, const EncodedKey& key) {
    if (const ItemCache::Entry* hit = item_cache_.find(table, key.pk, key.sk)) return StoredText{hit->text, hit->size};
    auto& s = db_.cached("SELECT item, size FROM items WHERE table_id = ? AND hash = ? AND pk = ? AND sk = ?");
    s.bind(1, table).bind(2, key.hash).bind_blob(3, key.pk).bind_blob(4, key.sk);
    std::optional<StoredText> out;
    if (s.step()) {
        out = StoredText{std::string(s.column_blob(0)), s.column_int(1)};
        item_cache_.insert(table, key.pk, key.sk, out->text, out->size);
    }
    s.reset();
    return out;
}

std::optional<std::int64_t> Storage::get_size(std::int64_t table, const EncodedKey& key) {
    auto& s = db_.cached("SELECT size FROM items WHERE table_id = ? AND hash = ? AND pk = ? AND sk = ?");
    s.bind(1, table).bind(2, key.hash).bind_blob(3, key.pk).bind_blob(4, key.sk);
    std::optional<std::int64_t> out;
    if (s.step()) out = s.column_int(0);
    s.reset();
    return out;
}

bool Storage::write_item_row(bool replace, std::int64_t table, const EncodedKey& key, std::int64_t size, const std::string& text) {
    item_cache_.erase(table, key.pk, key.sk);
    auto& s = replace ? db_.cached("INSERT INTO items(table_id, hash, pk, sk, size, item) VALUES(?, ?, ?, ?, ?, ?)"
                                  " ON CONFLICT(table_id, hash, pk, sk) DO UPDATE SET size = excluded.size, item = excluded.item")
                      : db_.cached("INSERT INTO items(table_id, hash, pk, sk, size, item) VALUES(?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
    s.bind(1, table).bind(2, key.hash).bind_blob(3, key.pk).bind_blob(4, key.sk).bind(5, size).bind_blob(6, text).run();
    if (!replace && sqlite3_changes(db_.handle()) == 0) return false;
    if (mode_ == Mode::op) record_.put(table, key.pk, key.sk, key.hash, size, text);
    return true;
}

void Storage::put(const TableDef& t, const EncodedKey& key, const Item& item, std::int64_t size, const std::optional<Stored>& old,
                  const std::string* given) {
    op_wrote_ = true;
    if (old) erase_entries(t, key, old->item, old->size);
    std::string encoded;
    const std::string& text = item_text(item, given, encoded);
    write_item_row(true, t.id, key, size, text);
    write_entries(t, key, item, size);
    adjust_counters(t.id, old ? 0 : 1, size - (old ? old->size : 0));
}

std::optional<std::int64_t> Storage::put_blind(const TableDef& t, const EncodedKey& key, const Item& item, std::int64_t size,
                                               const std::string* given) {
    if (t.has_entries()) {
        auto old = get(t.id, key);
        put(t, key, item, size, old, given);
        return old ? std::optional<std::int64_t>(old->size) : std::nullopt;
    }
    op_wrote_ = true;
    std::string encoded;
    const std::string& text = item_text(item, given, encoded);
    if (!write_item_row(false, t.id, key, size, text)) {  // the key has an item: replace it
        auto old = get_size(t.id, key);
        if (!old) throw sqlite::Error("put_blind: an insert conflicted with no item");
        put(t, key, item, size, Stored{Item{}, *old}, &text);
        return old;
    }
    adjust_counters(t.id, 1, size);
    return std::nullopt;
}

void Storage::remove(const TableDef& t, const EncodedKey& key, const Stored& old) {
    op_wrote_ = true;
    item_cache_.erase(t.id, key.pk, key.sk);
    erase_entries(t, key, old.item, old.size);
    db_.cached("DELETE FROM items WHERE table_id = ? AND hash = ? AND pk = ? AND sk = ?")
        .bind(1, t.id)
        .bind(2, key.hash)
        .bind_blob(3, key.pk)
        .bind_blob(4, key.sk)
        .run();
    if (mode_ == Mode::op) record_.remove(t.id, key.pk, key.sk, key.hash);
    adjust_counters(t.id, -1, -old.size);
}

void Storage::adjust_counters(const CounterKey& key, std::int64_t items, std::int64_t bytes) {
    if (mode_ == Mode::op || mode_ == Mode::deferred) {
        auto& d = op_deltas_[key];
        d.first += items;
        d.second += bytes;
        return;
    }
    write_counters(key, Counts{items, bytes});
}

bool Storage::put_index_entry(std::int64_t table, const std::string& index, const EncodedKey& index_key, std::string_view pk,
                              std::string_view sk, std::uint32_t hash) {
    // The primary key is every column but hash, which follows from pk.
    db_.cached("INSERT INTO index_entries(table_id, idx, ihash, ipk, isk, pk, sk, hash) VALUES(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
        .bind(1, table)
        .bind_text(2, index)
        .bind(3, index_key.hash)
        .bind_blob(4, index_key.pk)
        .bind_blob(5, index_key.sk)
        .bind_blob(6, pk)
        .bind_blob(7, sk)
        .bind(8, hash)
        .run();
    return sqlite3_changes(db_.handle()) > 0;
}

void Storage::put_ttl_entry(std::int64_t table, std::int64_t expires, std::string_view pk, std::string_view sk) {
    db_.cached("INSERT OR REPLACE INTO ttl_entries(table_id, expires, pk, sk) VALUES(?, ?, ?, ?)")
        .bind(1, table)
        .bind(2, expires)
        .bind_blob(3, pk)
        .bind_blob(4, sk)
        .run();
}

void Storage::write_entries(const TableDef& t, const EncodedKey& key, const Item& item, std::int64_t size) {
    for (const SecondaryIndex* index : all_indexes(t)) {
        auto ik = index_key_of(*index, item);
        if (!ik) continue;
        if (put_index_entry(t.id, index->name, *ik, key.pk, key.sk, key.hash)) adjust_counters(CounterKey{t.id, index->name}, 1, size);
    }
    if (t.ttl_attribute)
        if (auto expires = ttl_seconds(item, *t.ttl_attribute))
            put_ttl_entry(t.id, *expires, key.pk, key.sk);
}

void Storage::erase_entries(const TableDef& t, const EncodedKey& key, const Item& item, std::int64_t size) {
    for (const SecondaryIndex* index : all_indexes(t)) {
        std::optional<EncodedKey> ik;
        try {
            ik = index_key_of(*index, item);
        } catch (const ApiError&) {
            continue;  // a wrong type written before the index existed: never indexed (backfill_index)
        }
        if (!ik) continue;
        db_.cached("DELETE FROM index_entries WHERE table_id = ? AND idx = ? AND ihash = ? AND ipk = ? AND isk = ? AND pk = ? AND sk = ?")
            .bind(1, t.id)
            .bind_text(2, index->name)
            .bind(3, ik->hash)
            .bind_blob(4, ik->pk)
            .bind_blob(5, ik->sk)
            .bind_blob(6, key.pk)
            .bind_blob(7, key.sk)
            .run();
        if (sqlite3_changes(db_.handle()) > 0) adjust_counters(CounterKey{t.id, index->name}, -1, -size);
    }
    if (t.ttl_attribute)
        if (auto expires = ttl_seconds(item, *t.ttl_attribute))
            db_.cached("DELETE FROM ttl_entries WHERE table_id = ? AND expires = ? AND pk = ? AND sk = ?")
                .bind(1, t.id)
                .bind(2, *expires)
                .bind_blob(3, key.pk)
                .bind_blob(4, key.sk)
                .run();
}

// ---- index and TTL maintenance -------------------------------------------------

// Both write while the scan of items is open: SQLite lets a connection
// change other tables under an active read statement, and each row (its text
// and decoded item) is freed before the next is read, so memory stays flat on
// a table of any size.
void Storage::backfill_index(const TableDef& t, const SecondaryIndex& index) {
    Counts added{0, 0};
    scan_table(t.id, 0, UINT32_MAX, std::nullopt, [&](Row&& r) {
        const Item& item = r.item();  // outside the try: an item that cannot be decoded fails the backfill
        std::optional<EncodedKey> ik;
        try {
            ik = index_key_of(index, item);
        } catch (const ApiError&) {
            return true;  // wrong type or empty: not indexed, as DynamoDB backfills
        }
        if (ik && put_index_entry(t.id, index.name, *ik, r.pk, r.sk, r.hash)) {
            ++added.first;
            added.second += r.size;
        }
        return true;
    });
    adjust_counters(CounterKey{t.id, index.name}, added.first, added.second);
}

void Storage::drop_index(std::int64_t table, const std::string& index) {
    db_.cached("DELETE FROM index_entries WHERE table_id = ? AND idx = ?").bind(1, table).bind_text(2, index).run();
    db_.cached("DELETE FROM index_counters WHERE table_id = ? AND idx = ?").bind(1, table).bind_text(2, index).run();
}

void Storage::rebuild_ttl(const TableDef& t) {
    db_.cached("DELETE FROM ttl_entries WHERE table_id = ?").bind(1, t.id).run();
    if (!t.ttl_attribute) return;
    scan_table(t.id, 0, UINT32_MAX, std::nullopt, [&](Row&& r) {  // writing while scanning: see backfill_index
        if (auto expires = ttl_seconds(r.item(), *t.ttl_attribute)) put_ttl_entry(t.id, *expires, r.pk, r.sk);
        return true;
    });
}

std::vector<EncodedKey> Storage::expired(std::int64_t table, std::int64_t now_seconds, std::size_t limit) {
    auto& s = db_.cached("SELECT pk, sk FROM ttl_entries WHERE table_id = ? AND expires <= ? AND expires >= ? ORDER BY expires LIMIT ?");
    s.bind(1, table).bind(2, now_seconds).bind(3, now_seconds - kFiveYears).bind(4, static_cast<std::int64_t>(limit));
    std::vector<EncodedKey> out;
    while (s.step()) {
        std::string pk(s.column_blob(0));
        std::uint32_t hash = partition_hash(pk);
        out.push_back(EncodedKey{std::move(pk), std::string(s.column_blob(1)), hash});
    }
    s.reset();
    return out;
}

std::pair<std::int64_t, std::int64_t> Storage::index_counters(std::int64_t table, const std::string& index) {
    return read_counters(CounterKey{table, index});
}

// ---- range reads -----------------------------------------------------------------

const Item& Row::item() const {
    if (!item_) item_ = decode_item(text);
    return *item_;
}

// Columns: pk, sk, hash, size, item [, ipk, isk].
void Storage::run_reads(sqlite::Statement& s, bool index_columns, const Visit& visit) {
    try {
        while (s.step()) {
            Row r;
            r.pk = std::string(s.column_blob(0));
            r.sk = std::string(s.column_blob(1));
            r.hash = static_cast<std::uint32_t>(s.column_int(2));
            r.size = s.column_int(3);
            r.text = std::string(s.column_blob(4));
            if (index_columns) {
                r.ipk = std::string(s.column_blob(5));
                r.isk = std::string(s.column_blob(6));
            }
            if (!visit(std::move(r))) break;
        }
    } catch (...) {
        s.reset();
        throw;
    }
    s.reset();
}

void Storage::query_table(std::int64_t table, const std::string& pk, const SortRange& range, bool forward,
                          const std::optional<Position>& after, const Visit& visit) {
    std::string sql = "SELECT pk, sk, hash, size, item FROM items WHERE table_id = ?1 AND hash = ?9 AND pk = ?2" + range_sql("sk", range, 3);
    if (after) sql += forward ? " AND sk > ?5" : " AND sk < ?5";
    sql += forward ? " ORDER BY sk ASC" : " ORDER BY sk DESC";
    auto& s = db_.cached(sql);
    s.bind(1, table).bind_blob(2, pk).bind(9, partition_hash(pk));
    bind_range(s, range, 3);
    if (after) s.bind_blob(5, after->sk);
    run_reads(s, false, visit);
}

void Storage::query_index(std::int64_t table, const std::string& index, const std::string& ipk, const SortRange& range,
                          bool forward, const std::optional<Position>& after, const Visit& visit) {
    std::string sql =
        "SELECT e.pk, e.sk, e.ihash, i.size, i.item, e.ipk, e.isk FROM index_entries e JOIN items i"
        " ON i.table_id = e.table_id AND i.hash = e.hash AND i.pk = e.pk AND i.sk = e.sk"
        " WHERE e.table_id = ?1 AND e.idx = ?2 AND e.ihash = ?9 AND e.ipk = ?3" +
        range_sql("e.isk", range, 4);
    if (after) sql += forward ? " AND (e.isk, e.pk, e.sk) > (?6, ?7, ?8)" : " AND (e.isk, e.pk, e.sk) < (?6, ?7, ?8)";
    sql += forward ? " ORDER BY e.isk ASC, e.pk ASC, e.sk ASC" : " ORDER BY e.isk DESC, e.pk DESC, e.sk DESC";
    auto& s = db_.cached(sql);
    s.bind(1, table).bind_text(2, index).bind_blob(3, ipk).bind(9, partition_hash(ipk));
    bind_range(s, range, 4);
    if (after) s.bind_blob(6, after->isk).bind_blob(7, after->pk).bind_blob(8, after->sk);
    run_reads(s, true, visit);
}

void Storage::scan_table(std::int64_t table, std::uint32_t hash_low, std::uint32_t hash_high,
                         const std::optional<Position>& after, const Visit& visit) {
    std::string sql = "SELECT pk, sk, hash, size, item FROM items WHERE table_id = ?1 AND hash >= ?2 AND hash <= ?3";
    if (after) sql += " AND (hash, pk, sk) > (?4, ?5, ?6)";
    sql += " ORDER BY hash, pk, sk";
    auto& s = db_.cached(sql);
    s.bind(1, table).bind(2, hash_low).bind(3, hash_high);
    if (after) s.bind(4, after->hash).bind_blob(5, after->pk).bind_blob(6, after->sk);
    run_reads(s, false, visit);
}

void Storage::scan_index(std::int64_t table, const std::string& index, std::uint32_t hash_low, std::uint32_t hash_high,
                         const std::optional<Position>& after, const Visit& visit) {
    std::string sql =
        "SELECT e.pk, e.sk, e.ihash, i.size, i.item, e.ipk, e.isk FROM index_entries e JOIN items i"
        " ON i.table_id = e.table_id AND i.hash = e.hash AND i.pk = e.pk AND i.sk = e.sk"
        " WHERE e.table_id = ?1 AND e.idx = ?2 AND e.ihash >= ?3 AND e.ihash <= ?4";
    if (after) sql += " AND (e.ihash, e.ipk, e.isk, e.pk, e.sk) > (?5, ?6, ?7, ?8, ?9)";
    sql += " ORDER BY e.ihash, e.ipk, e.isk, e.pk, e.sk";
    auto& s = db_.cached(sql);
    s.bind(1, table).bind_text(2, index).bind(3, hash_low).bind(4, hash_high);
    if (after) s.bind(5, after->hash).bind_blob(6, after->ipk).bind_blob(7, after->isk).bind_blob(8, after->pk).bind_blob(9, after->sk);
    run_reads(s, true, visit);
}

}  // namespace lowcloud::dynamodb
