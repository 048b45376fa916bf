// The DynamoDB service's SQLite database: a versioned schema, the table
// catalog, items keyed by order-preserving key bytes (keys.hpp), their
// secondary-index entries and their TTL entries.
//
//   meta(key, value)                          schema_version = 4, journal_sequence
//   tables(id, name, definition, item_count, size_bytes)
//   index_counters(table_id, idx, item_count, size_bytes)   PK (table_id, idx)
//   items(table_id, hash, pk, sk, size, item)   rowid table (rows in insertion order),
//                                               UNIQUE INDEX items_key (table_id, hash, pk, sk)
//   index_entries(table_id, idx, ihash, ipk, isk, pk, sk, hash)
//                                               PK (table_id, idx, ihash, ipk, isk, pk, sk)
//   ttl_entries(table_id, expires, pk, sk)     PK (table_id, expires, pk, sk)
//
// hash is partition_hash(pk) (ihash of ipk): leading the keys, it gives
// scans their order and costs lookups nothing (it follows from the key).
// Items are not clustered on their key: a put to a new key appends its row
// and inserts a short index entry (storage.cpp says what that saves).
// Version 1, 2 and 3 databases are migrated on open. Every index entry has
// its item: both are written and erased together.
//
// Items are stored as their DynamoDB JSON text. Every write (put/remove)
// maintains item_count, size_bytes, the index entries of every index (ties on
// index keys ordered by the base table key, as DynamoDB orders them) and the
// TTL entry, in the caller's transaction. Index entries hold keys only; reads
// join them to the base item.
//
// Durability. Item writes do not commit a SQLite transaction each: the
// connection keeps one transaction open (the batch) and every item
// operation (Op) runs inside it. An operation that wrote
// appends one record of its effects to the journal (journal.hpp), a copy
// into a shared mapping of its file, before it is acknowledged, so it
// survives the process being killed; flush() commits the batch (with the journal's sequence number, in
// meta) and empties the journal, and recover() replays at start what the
// last batch did not commit. Table definitions change only in Durable
// scopes, which commit the batch first and then their own transaction, so
// the journal never outlives the definitions its records need. Counters
// (item_count, size_bytes of each table, and of each of its indexes in
// index_counters) move in memory between flushes, and are persisted with
// the batch: DescribeTable reads one row per table or index, never the items.
// The journal is two files (FILE.oplog, FILE.oplog2) taking appends in
// turn: each commit switches to the other one before it starts, so that the
// records appended while it runs (deferred writes, below), and those of
// deferred puts it leaves out, copied there first, are not in the file it
// empties when it is done; a replay reads both, in sequence order (a record
// found in both, copied before a kill -9, is applied twice, to the same
// effect: records only put items and remove keys).
//
// Deferred writes. A blind put (no condition, nothing to return) needs
// nothing from the store: defer() journals it and keeps it, and the next
// catch_up() (every begin_batch(), Op and flush() starts with it) applies
// the puts kept, in order, before anything else reads or writes. So a put
// the client saw acknowledged is durable (journaled) and visible to every
// later operation, and its B-tree insert is not on the request's path. The
// owner applies them a slice at a time (apply_deferred_some()), releasing
// its serialization between slices, before and after each commit, so that
// its holds stay short. What the slices leave (writes outpacing them) the
// first operation that is not a blind put applies at once; a commit leaves
// it out of its batch and moves its journal records to the next batch's
// file (begin_commit()).
// The commit of a large batch takes milliseconds, and runs without the
// caller's serialization (begin_commit(), run_commit(), end_commit()):
// meanwhile the storage accepts only defer(), so writers do not wait for it.
// An operation rolled back after it wrote (an error from SQLite; every
// check that can fail an operation runs before its first write) rolls the
// whole batch back, and the journal's records are replayed before the next
// operation: with a journal an Op takes no savepoint, which would copy each
// page it changes first. In memory (no file) the same batching applies
// without a journal, so there every Op is a savepoint.
//
// Threading: not thread-safe, except checkpoint() and run_commit(): the
// service serializes every other call (service.hpp). checkpoint() uses a
// connection of its own and may run on another thread at the same time (WAL
// mode lets it copy committed pages while the batch is open). run_commit()
// runs without the serialization, between begin_commit() and end_commit();
// while committing() others may call only defer(), can_defer(),
// persistent() and committing().
#pragma once

#include "model/keys.hpp"
#include "model/table.hpp"
#include "storage/item_cache.hpp"
#include "storage/journal.hpp"
#include "storage/sqlite.hpp"

#include <array>
#include <atomic>
#include <deque>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace lowcloud::dynamodb {

// A bound on encoded sort-key bytes.
struct Bound {
    std::string bytes;
    bool inclusive = true;
};

struct SortRange {
    std::optional<Bound> lower;
    std::optional<Bound> upper;
};

// One stored item as returned by the read primitives. For index reads, ipk
// and isk are the item's encoded index key.
struct Row {
    std::string pk, sk;
    std::string ipk, isk;
    std::uint32_t hash = 0;  // of pk (table scans) or ipk (index scans: not a base key's hash)
    // The stored item: its DynamoDB JSON as to_json_text() wrote it, so a
    // read that returns whole items can answer with it unchanged.
    std::string text;
    std::int64_t size = 0;

    // The item, decoded from `text` on first use (most reads never need it).
    const Item& item() const;

private:
    mutable std::optional<Item> item_;
};

// A position to resume after (exclusive), in the order of the read.
struct Position {
    std::uint32_t hash = 0;  // scans only
    std::string ipk, isk;    // index reads only
    std::string pk, sk;
};

// Return false to stop reading.
using Visit = std::function<bool(Row&&)>;

class Storage {
public:
    static constexpr int kSchemaVersion = 4;

    // Opens `file` (WAL mode, its journal FILE.oplog beside it) or an
    // in-memory database when none; creates the schema or checks its
    // version (throws sqlite::Error if unknown, std::runtime_error when
    // another process uses the file). Call recover() before anything else.
    explicit Storage(const std::optional<std::filesystem::path>& file);
    // Commits the batch (a clean stop leaves an empty journal).
    ~Storage();

    sqlite::Database& db() { return db_; }
    // The database file; none in memory.
    const std::optional<std::filesystem::path>& file() const { return file_; }

    // When the constructor migrated an older version's database: that
    // version and how many items the database holds (the owner says so: on
    // a large table it takes seconds, once).
    struct Migration {
        int from = 0;
        std::int64_t items = 0;
    };
    const std::optional<Migration>& migrated() const { return migrated_; }

    // ---- durability (see the file comment) ----
    // Applies the journal's records not yet committed, with `table_by_id`
    // giving each record's table (records of unknown tables are skipped),
    // commits them and empties the journal. Returns how many it applied.
    std::size_t recover(const std::function<const TableDef*(std::int64_t)>& table_by_id);
    // catch_up(), then opens the batch unless open (reads use it too: no
    // per-statement locking).
    void begin_batch();
    // Replays what a failed commit lost and applies the deferred writes
    // (opening the batch only when there are some). Precondition: !committing().
    void catch_up();
    // catch_up() that stops once it applied `max_puts` deferred puts or more
    // (whole records, oldest first); returns whether some are left.
    // Precondition: !committing().
    bool apply_deferred_some(std::size_t max_puts);
    // Commits the batch, if open, and empties the journal:
    // begin_commit(), run_commit() and end_commit() in one call.
    void flush();
    // flush() in three steps, so that the caller's serialization is released
    // while SQLite commits. begin_commit() (serialized) records the
    // journal's sequence with the batch and switches journal files, copying
    // the records of the puts still deferred (not in the batch: flush()
    // applies them first) to the new one; false when there is nothing else
    // to call: no batch was open, or it only read (then committed here,
    // serialized: there was nothing to write). run_commit() (not
    // serialized: meanwhile others may call only defer(), can_defer(),
    // persistent() and committing()) commits; end_commit() (serialized)
    // empties the journal file the batch covered and, when puts are still
    // deferred, opens their batch (on_batch_open()), or, when the commit
    // failed, recovers as flush() does and throws its error.
    bool begin_commit();
    void run_commit();
    void end_commit();
    // Between begin_commit() and end_commit().
    bool committing() const { return committing_; }

    // A blind put accepted by defer(): the item as put_blind()
    // takes it (check_index_keys(t, item) passed; `text` its to_json_text()).
    struct DeferredPut {
        std::int64_t table = 0;
        EncodedKey key;
        Item item;
        std::int64_t size = 0;
        std::string text;
    };
    // With a journal only (persistent()). Journals the puts as one record
    // (throws std::runtime_error when it cannot: then nothing was accepted)
    // and keeps them for catch_up(); opens the batch unless committing(), so
    // that the owner schedules their commit (on_batch_open()).
    void defer(std::vector<DeferredPut> puts);
    bool persistent() const { return journals_[0] != nullptr; }
    // Whether defer() may be called: persistent(), and fewer than
    // kMaxDeferredPuts deferred (they delay the first operation that is not
    // a blind put, which applies them) or committing(): nothing can be
    // applied then, and a writer would wait for the commit's end (with a
    // copy of the WAL, 100-150 ms under BatchWriteItem at one connection).
    bool can_defer() const { return persistent() && (deferred_puts_ < kMaxDeferredPuts || committing_); }
    static constexpr std::size_t kMaxDeferredPuts = 10000;
    // How many puts are deferred (journaled, not yet applied).
    std::size_t deferred_puts() const { return deferred_puts_; }
    // How many puts the oldest deferred record holds (the next that
    // apply_deferred_some() applies, whole); 0 when none is deferred. Any
    // thread: without the serialization it is a hint (it may change at once).
    std::size_t oldest_deferred_record() const { return oldest_puts_.load(std::memory_order_relaxed); }
    // When kMaxDeferredPuts or more are deferred, applies `slice` of them
    // (apply_deferred_some()) so that a blind put can join the rest instead
    // of applying all of them first: after a commit, during which they may
    // pass the limit, each put applies a slice until they are fewer. Returns
    // whether it may defer (persistent(); false in memory).
    // Precondition: !committing().
    bool make_room(std::size_t slice);
    bool batch_open() const { return batch_open_; }
    // Called (under the caller's serialization) whenever a batch opens, so
    // the owner can schedule its flush.
    void on_batch_open(std::function<void()> f) { on_batch_open_ = std::move(f); }
    // Operations since the batch opened (the owner flushes early past a bound).
    std::size_t batch_operations() const { return batch_ops_; }
    // Frames (pages) in the WAL as of the last commit (0 in memory), copied
    // into the database or not.
    int wal_frames() const { return wal_frames_.load(std::memory_order_relaxed); }
    // Copies the committed WAL frames into the database file (PASSIVE: never
    // waits for the batch); true when all were copied. Any thread; see the
    // file comment. SQLite starts the WAL over at the next write only if no
    // batch was open when the copy completed: the owner runs it without
    // serialization (the bulk), and now and then between run_commit() and
    // end_commit(), when no batch can open (the last batch), so the WAL
    // stops growing.
    bool checkpoint();

    // One item operation in the batch. Writes made through put() and
    // remove() while it is open are journaled by commit(); destroyed
    // without commit(), it rolls them back: a savepoint in memory, the
    // batch with a journal (replayed before the next operation, see the
    // file comment).
    class Op {
    public:
        explicit Op(Storage& s);
        ~Op();
        Op(const Op&) = delete;
        Op& operator=(const Op&) = delete;
        void commit();

    private:
        Storage& s_;
        bool done_ = false;
    };

    // A catalog change (or anything that must be committed before it is
    // answered): flushes the batch, then runs as a transaction of its own.
    class Durable {
    public:
        explicit Durable(Storage& s);
        ~Durable();
        Durable(const Durable&) = delete;
        Durable& operator=(const Durable&) = delete;
        void commit();

    private:
        Storage& s_;
        bool done_ = false;
    };

    // ---- catalog ----
    std::vector<TableDef> load_tables();
    void insert_table(TableDef& t);  // sets t.id
    void save_table(const TableDef& t);  // the definition, not the counters
    void delete_table(std::int64_t id);  // and all its items, entries and counters; in a Durable
    std::pair<std::int64_t, std::int64_t> counters(std::int64_t id);  // item_count, size_bytes

    // ---- single items ----
    // Every key given here carries its hash (key.hash ==
    // partition_hash(key.pk), as keys.hpp builds keys): it is not computed
    // again.
    struct Stored {
        Item item;
        std::int64_t size = 0;
    };
    std::optional<Stored> get(std::int64_t table, const EncodedKey& key);
    // The stored item's DynamoDB JSON text and size, not decoded (GetItem
    // answers with it as it is). Served from a cache of the items read
    // (item_cache.hpp) when it holds the key.
    struct StoredText {
        std::string text;
        std::int64_t size = 0;
    };
    std::optional<StoredText> get_text(std::int64_t table, const EncodedKey& key);
    // Only the stored item's size (a blind overwrite needs nothing else).
    std::optional<std::int64_t> get_size(std::int64_t table, const EncodedKey& key);
    // Writes an item; `old` is what get() returned for the same key (its
    // item may be left empty when the table has no index and no TTL).
    // Precondition: check_index_keys(t, item) passed.
    // `text`, when given, is to_json_text(item), encoded by the caller.
    void put(const TableDef& t, const EncodedKey& key, const Item& item, std::int64_t size, const std::optional<Stored>& old,
             const std::string* text = nullptr);
    // Writes an item without reading what it replaces first: a new key is
    // one insert (one B-tree search, where get_size() and put() take two).
    // Returns the size of the item it replaced, if any. For a table with an
    // index or TTL the replaced item is read first, as put() needs it.
    // Precondition and `text` as for put().
    std::optional<std::int64_t> put_blind(const TableDef& t, const EncodedKey& key, const Item& item, std::int64_t size,
                                          const std::string* text = nullptr);
    void remove(const TableDef& t, const EncodedKey& key, const Stored& old);

    // ---- index and TTL maintenance ----
    // Builds the entries of `index` for every existing item (new GSI), and
    // its counters. Both in a Durable (nothing pending: it flushed first).
    void backfill_index(const TableDef& t, const SecondaryIndex& index);
    void drop_index(std::int64_t table, const std::string& index);  // its entries and counters
    // Rebuilds the TTL entries after the TTL attribute changed (none: clears).
    void rebuild_ttl(const TableDef& t);
    // Keys of items whose TTL passed at `now_seconds` (and not more than
    // five years before it, which DynamoDB never deletes), at most `limit`.
    std::vector<EncodedKey> expired(std::int64_t table, std::int64_t now_seconds, std::size_t limit);
    // Items and bytes in an index (DescribeTable's ItemCount/IndexSizeBytes;
    // bytes: the whole items'), kept as the table's are (one row read).
    std::pair<std::int64_t, std::int64_t> index_counters(std::int64_t table, const std::string& index);

    // ---- range reads, in DynamoDB's order ----
    // One partition of the base table, by sort key.
    void query_table(std::int64_t table, const std::string& pk, const SortRange& range, bool forward,
                     const std::optional<Position>& after, const Visit& visit);
    // One partition of an index, by index sort key, then base table key.
    void query_index(std::int64_t table, const std::string& index, const std::string& ipk, const SortRange& range,
                     bool forward, const std::optional<Position>& after, const Visit& visit);
    // The whole table in scan order (hash of the partition key, then key),
    // restricted to hashes in [hash_low, hash_high] (parallel-scan segments).
    void scan_table(std::int64_t table, std::uint32_t hash_low, std::uint32_t hash_high,
                    const std::optional<Position>& after, const Visit& visit);
    void scan_index(std::int64_t table, const std::string& index, std::uint32_t hash_low, std::uint32_t hash_high,
                    const std::optional<Position>& after, const Visit& visit);

private:
    // op: an Op's writes (counters into op_deltas_, effects into record_);
    // deferred: deferred puts being applied (counters as op; already journaled).
    enum class Mode { none, op, deferred, durable };
    void create_items_table(const std::string& name);
    void create_items_key();  // on items
    void create_entries_table(const std::string& name);
    void create_index_counters_table();
    void migrate(int from);  // an older version's database, to kSchemaVersion
    std::size_t replay();  // the journals' uncommitted records, in a transaction of their own
    void apply_deferred(std::size_t max_puts);
    void open_batch();
    Journal& journal() { return *journals_[current_]; }
    void batch_lost();     // the batch's transaction is gone: replay before anything else
    void replay_if_lost();  // a lost batch (SQLite rolled it back) or a pending replay: replays now (throws)
    void drop_batch();     // rolls the batch back (unless SQLite did) and marks it lost
    // Ends the open Op (or a deferred put's application): its counters join
    // the batch's when `applied`.
    void end_op(bool applied);
    // A commit failed: drops the batch, replays the journal (now if it can)
    // and rethrows `error`.
    [[noreturn]] void commit_failed(std::exception_ptr error);
    // Throws sqlite::Error when a commit's WAL pages could not all be
    // written (wal_vfs.hpp): the commit then counts as failed.
    void check_wal();
    // Counters are kept per table (index "": no index has an empty name) and
    // per index of a table.
    using CounterKey = std::pair<std::int64_t, std::string>;
    using Counts = std::pair<std::int64_t, std::int64_t>;  // items, bytes
    void persist_counters();
    // Adds `delta` to the persisted counters: the table's row in tables, or
    // the index's row in index_counters (created when missing).
    void write_counters(const CounterKey& key, const Counts& delta);
    void adjust_counters(std::int64_t table, std::int64_t items, std::int64_t bytes) { adjust_counters(CounterKey{table, {}}, items, bytes); }
    void adjust_counters(const CounterKey& key, std::int64_t items, std::int64_t bytes);
    Counts read_counters(const CounterKey& key);  // persisted plus pending
    // The items row of a put (journaled in an Op): replacing any row of the
    // key, or only when none has it (then false when one does, nothing written).
    bool write_item_row(bool replace, std::int64_t table, const EncodedKey& key, std::int64_t size, const std::string& text);
    // The entries of an item of `size` bytes, and its indexes' counters.
    void write_entries(const TableDef& t, const EncodedKey& key, const Item& item, std::int64_t size);
    // `hash`: partition_hash(pk), the base item's. False when the entry was
    // there already (nothing written).
    bool put_index_entry(std::int64_t table, const std::string& index, const EncodedKey& index_key, std::string_view pk, std::string_view sk,
                         std::uint32_t hash);
    void put_ttl_entry(std::int64_t table, std::int64_t expires, std::string_view pk, std::string_view sk);
    void erase_entries(const TableDef& t, const EncodedKey& key, const Item& item, std::int64_t size);
    void run_reads(sqlite::Statement& s, bool index_columns, const Visit& visit);

    // The items get_text() read, by key (item_cache.hpp): every write of a
    // key erases it (a replay's too), and whatever changes rows without
    // naming their keys (delete_table(), a rollback) empties it.
    static constexpr std::size_t kItemCacheBytes = 8 * 1024 * 1024;
    ItemCache item_cache_{kItemCacheBytes};
    std::array<std::unique_ptr<Journal>, 2> journals_;  // with a file only; before db_ (see the constructor)
    int current_ = 0;                             // the journal file appends go to
    sqlite::Database db_;
    std::optional<std::filesystem::path> file_;
    std::unique_ptr<sqlite::Database> checkpointer_;  // opened on first checkpoint()
    std::atomic<int> wal_frames_{0};              // set by SQLite's WAL hook after each commit
    Mode mode_ = Mode::none;
    bool batch_open_ = false;
    bool needs_replay_ = false;                   // the journal holds writes SQLite lost (a failed commit)
    bool committing_ = false;                     // between begin_commit() and end_commit()
    std::exception_ptr commit_error_;             // run_commit()'s failure, for end_commit()
    std::uint64_t commit_sequence_ = 0;           // the sequence the running commit records
    // A journaled record not yet applied, and where it starts in the current journal file.
    struct DeferredRecord {
        std::vector<DeferredPut> puts;
        std::uint64_t offset = 0;
    };
    std::deque<DeferredRecord> deferred_;             // oldest first; the last sequence numbers
    std::size_t deferred_puts_ = 0;                   // in deferred_
    std::atomic<std::size_t> oldest_puts_{0};         // in deferred_.front(), 0 when empty; written serialized, read anywhere
    void note_oldest();                               // deferred_'s front changed: sets oldest_puts_
    bool op_savepoint_ = false;                   // the open Op runs in a savepoint (no journal)
    bool op_wrote_ = false;                       // the open Op has written to SQLite
    std::size_t batch_ops_ = 0;
    std::uint64_t sequence_ = 0;                  // of the last journal record
    std::uint64_t committed_sequence_ = 0;        // the last one committed to SQLite (meta)
    std::function<const TableDef*(std::int64_t)> table_by_id_;  // from recover()
    JournalRecord record_;                        // the open Op's effects
    std::map<CounterKey, Counts> deltas_;     // committed ops, not yet flushed
    std::map<CounterKey, Counts> op_deltas_;  // the open Op's
    std::function<void()> on_batch_open_;
    std::optional<Migration> migrated_;
};

// The TTL attribute's expiry time in whole epoch seconds, when the item has
// it as a number (other types never expire, as in DynamoDB).
std::optional<std::int64_t> ttl_seconds(const Item& item, const std::string& attribute);

}  // namespace lowcloud::dynamodb
