// The DynamoDB storage's operation journal: an append-only file of records,
// each the effects of one acknowledged write operation (the items it put and
// the keys it deleted), so that a write is durable once its record is
// appended, before the SQLite transaction that holds it commits (see
// storage.hpp, "Durability"). A record is
//
//   u32 length | u32 crc32(payload) | payload
//   payload  = u64 sequence | entries
//   entry    = u8 kind (1 put, 2 delete) | i64 table id | u32 hash |
//              bytes pk | bytes sk | put only: i64 size | bytes item
//   bytes    = u32 length | the bytes                  (all little-endian)
//
// Reading stops at the first record that is cut short or fails its CRC (the
// tail of a write the process did not finish, never acknowledged) or whose
// sequence number is not above the previous one's: clear() rewinds without
// shrinking the file, so older records may follow the current ones.
// Records are copied into a shared mapping of the file, not written with
// write(2): a memcpy into the page cache survives the process being killed
// as a write does (the kernel owns the dirty pages), without a system call
// per acknowledged write (pwrite cost 10-14% of an I/O thread's time under
// PutItem at one connection). The file's blocks are allocated (fallocate)
// before the mapping covers them, so a full disk fails an append with an
// error instead of a SIGBUS. Past the records, the file holds zeros (a
// record of length 0 ends the journal) or an earlier generation's records;
// closing the journal trims the file to its records.
// The file is also the data directory's lock: a second process opening it
// fails (flock).
// Not thread-safe: the storage layer serializes all calls.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace lowcloud::dynamodb {

// One entry as read back.
struct JournalEntry {
    enum class Kind : std::uint8_t { put = 1, remove = 2 };
    Kind kind = Kind::put;
    std::int64_t table = 0;
    std::uint32_t hash = 0;
    std::string_view pk, sk;
    std::int64_t size = 0;      // put only
    std::string_view item;      // put only: the item's DynamoDB JSON text
};

// The entries of one record being built.
class JournalRecord {
public:
    void put(std::int64_t table, std::string_view pk, std::string_view sk, std::uint32_t hash, std::int64_t size,
             std::string_view item);
    void remove(std::int64_t table, std::string_view pk, std::string_view sk, std::uint32_t hash);
    bool empty() const { return entries_.empty(); }
    void clear() { entries_.clear(); }
    const std::string& bytes() const { return entries_; }

private:
    std::string entries_;
};

class Journal {
public:
    // Opens (creates) `file` and locks it; throws std::runtime_error naming
    // the file when another process holds it or it cannot be opened.
    explicit Journal(const std::filesystem::path& file);
    ~Journal();
    Journal(const Journal&) = delete;
    Journal& operator=(const Journal&) = delete;

    // Appends one record (a copy into the mapping, grown first when the
    // record does not fit); throws std::runtime_error when the file cannot
    // grow (the record is then not in the journal). Sequence numbers must
    // increase.
    void append(std::uint64_t sequence, const JournalRecord& record);
    // Appends `from`'s records from byte `offset` (where one of them starts,
    // at most from.size()) to its end, as they are: their sequence numbers
    // must be above this journal's. One copy between the mappings; throws
    // std::runtime_error as append() does (then nothing was added).
    void append_from(const Journal& from, std::uint64_t offset);
    // Calls `visit` for each complete record in order (sequence, entries);
    // returns how many were read.
    std::size_t read(const std::function<void(std::uint64_t, const std::vector<JournalEntry>&)>& visit) const;
    // Empties the journal (after its records were committed to SQLite).
    void clear();
    // Empties the file itself (at a clean stop).
    void truncate();
    // Bytes of records since the last clear() (at open: the file's size).
    std::uint64_t size() const { return size_; }

private:
    static constexpr std::uint64_t kKeepBytes = 64 * 1024 * 1024;
    // The first mapping's size; it doubles as records need.
    static constexpr std::uint64_t kInitialBytes = 1024 * 1024;
    // Pages past this many bytes are released from memory at a clear()
    // (they stay in the file): a large batch does not stay in the RSS.
    static constexpr std::uint64_t kResidentBytes = 256 * 1024;
    // Makes the mapping cover at least `bytes` (allocating the file's blocks).
    void reserve(std::uint64_t bytes);
    void unmap();

    std::filesystem::path path_;
    int fd_ = -1;
    std::uint64_t size_ = 0;       // where the next record goes
    std::uint64_t file_size_ = 0;  // the file's length
    char* map_ = nullptr;          // the file's first capacity_ bytes, shared
    std::uint64_t capacity_ = 0;
};

}  // namespace lowcloud::dynamodb
