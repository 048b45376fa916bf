// The operation journal's file format and I/O (see journal.hpp).
#include "storage/journal.hpp"

#include "common/checksum.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lowcloud::dynamodb {

namespace {

template <typename T>
void store_le(char* out, T v) {
    for (std::size_t i = 0; i < sizeof(T); ++i) out[i] = static_cast<char>((static_cast<std::uint64_t>(v) >> (8 * i)) & 0xff);
}

template <typename T>
void put_le(std::string& out, T v) {
    char bytes[sizeof(T)];
    store_le(bytes, v);
    out.append(bytes, sizeof(T));
}

void put_bytes(std::string& out, std::string_view b) {
    put_le<std::uint32_t>(out, static_cast<std::uint32_t>(b.size()));
    out.append(b);
}

// Bounds-checked little-endian reader; `ok` turns false past the end.
struct Reader {
    std::string_view in;
    bool ok = true;
    template <typename T>
    T get() {
        if (in.size() < sizeof(T)) {
            ok = false;
            return T{};
        }
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < sizeof(T); ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
        in.remove_prefix(sizeof(T));
        return static_cast<T>(v);
    }
    std::string_view bytes() {
        auto n = get<std::uint32_t>();
        if (!ok || in.size() < n) {
            ok = false;
            return {};
        }
        std::string_view b = in.substr(0, n);
        in.remove_prefix(n);
        return b;
    }
};

std::string error_text(const std::string& what, const std::filesystem::path& p) {
    return what + " " + p.string() + ": " + std::strerror(errno);
}

}  // namespace

void JournalRecord::put(std::int64_t table, std::string_view pk, std::string_view sk, std::uint32_t hash, std::int64_t size,
                        std::string_view item) {
    put_le<std::uint8_t>(entries_, static_cast<std::uint8_t>(JournalEntry::Kind::put));
    put_le<std::int64_t>(entries_, table);
    put_le<std::uint32_t>(entries_, hash);
    put_bytes(entries_, pk);
    put_bytes(entries_, sk);
    put_le<std::int64_t>(entries_, size);
    put_bytes(entries_, item);
}

void JournalRecord::remove(std::int64_t table, std::string_view pk, std::string_view sk, std::uint32_t hash) {
    put_le<std::uint8_t>(entries_, static_cast<std::uint8_t>(JournalEntry::Kind::remove));
    put_le<std::int64_t>(entries_, table);
    put_le<std::uint32_t>(entries_, hash);
    put_bytes(entries_, pk);
    put_bytes(entries_, sk);
}

Journal::Journal(const std::filesystem::path& file) : path_(file) {
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::runtime_error(error_text("cannot open", file));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        ::close(fd_);
        errno = e;
        throw std::runtime_error(file.parent_path().string() + " is in use by another process (" +
                                 (e == EWOULDBLOCK ? std::string("lock held on ") + file.string() : error_text("cannot lock", file)) + ")");
    }
    struct stat st {};
    if (::fstat(fd_, &st) != 0) throw std::runtime_error(error_text("cannot stat", file));
    size_ = static_cast<std::uint64_t>(st.st_size);
    file_size_ = size_;
}

Journal::~Journal() {
    unmap();
    // The file keeps its records and loses the zeros allocated past them.
    if (fd_ >= 0 && file_size_ > size_) (void)::ftruncate(fd_, static_cast<off_t>(size_));
    if (fd_ >= 0) ::close(fd_);
}

void Journal::unmap() {
    if (map_) ::munmap(map_, capacity_);
    map_ = nullptr;
    capacity_ = 0;
}

void Journal::reserve(std::uint64_t bytes) {
    if (bytes <= capacity_) return;
    std::uint64_t target = std::max({bytes, capacity_ * 2, kInitialBytes});
    target = (target + 4095) / 4096 * 4096;
    // Blocks first: a page of the mapping never needs one allocated when it
    // is written (ENOSPC there would be a SIGBUS).
    int e = ::posix_fallocate(fd_, 0, static_cast<off_t>(target));
    if (e != 0) {
        errno = e;
        throw std::runtime_error(error_text("cannot allocate space for", path_));
    }
    file_size_ = std::max(file_size_, target);
    void* m = map_ ? ::mremap(map_, capacity_, target, MREMAP_MAYMOVE)
                   : ::mmap(nullptr, target, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (m == MAP_FAILED) {
        int saved = errno;
        unmap();  // mremap leaves the old mapping; the next append maps again
        errno = saved;
        throw std::runtime_error(error_text("cannot map", path_));
    }
    map_ = static_cast<char*>(m);
    capacity_ = target;
}

void Journal::append(std::uint64_t sequence, const JournalRecord& record) {
    const std::string& entries = record.bytes();
    const std::size_t payload = 8 + entries.size();
    reserve(size_ + 8 + payload);
    // The payload, then its length and CRC: a record cut short by the
    // process's death fails its CRC (or ends the journal at a zero length).
    char* at = map_ + size_;
    store_le<std::uint64_t>(at + 8, sequence);
    std::memcpy(at + 16, entries.data(), entries.size());
    store_le<std::uint32_t>(at, static_cast<std::uint32_t>(payload));
    store_le<std::uint32_t>(at + 4, crc32_of(std::string_view(at + 8, payload)));
    size_ += 8 + payload;
}

void Journal::append_from(const Journal& from, std::uint64_t offset) {
    if (offset > from.size_) throw std::logic_error("journal copy past the end of " + from.path_.string());
    const std::uint64_t bytes = from.size_ - offset;
    if (bytes == 0) return;
    // Records appended since a clear() are in the mapping (not those found at open).
    if (from.capacity_ < from.size_) throw std::logic_error("journal copy of records not mapped: " + from.path_.string());
    reserve(size_ + bytes);
    std::memcpy(map_ + size_, from.map_ + offset, bytes);
    size_ += bytes;
}

std::size_t Journal::read(const std::function<void(std::uint64_t, const std::vector<JournalEntry>&)>& visit) const {
    std::string data(file_size_, '\0');
    std::size_t got = 0;
    while (got < data.size()) {
        ssize_t n = ::pread(fd_, data.data() + got, data.size() - got, static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw std::runtime_error(error_text("cannot read", path_));
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    data.resize(got);
    Reader file{data};
    std::size_t records = 0;
    std::uint64_t previous = 0;
    std::vector<JournalEntry> entries;
    while (!file.in.empty()) {
        auto length = file.get<std::uint32_t>();
        auto crc = file.get<std::uint32_t>();
        // Length 0: the zeros allocated past the last record.
        if (!file.ok || length < 8 || file.in.size() < length) break;
        std::string_view payload = file.in.substr(0, length);
        file.in.remove_prefix(length);
        if (crc32_of(payload) != crc) break;
        Reader r{payload};
        auto sequence = r.get<std::uint64_t>();
        // Records of an earlier generation, left past the end of this one
        // (clear() does not shrink the file), have lower sequence numbers.
        if (records > 0 && sequence <= previous) break;
        previous = sequence;
        entries.clear();
        while (r.ok && !r.in.empty()) {
            JournalEntry e;
            e.kind = static_cast<JournalEntry::Kind>(r.get<std::uint8_t>());
            e.table = r.get<std::int64_t>();
            e.hash = r.get<std::uint32_t>();
            e.pk = r.bytes();
            e.sk = r.bytes();
            if (e.kind == JournalEntry::Kind::put) {
                e.size = r.get<std::int64_t>();
                e.item = r.bytes();
            } else if (e.kind != JournalEntry::Kind::remove) {
                r.ok = false;
            }
            if (r.ok) entries.push_back(e);
        }
        if (!r.ok) break;  // a CRC-valid record that does not parse: not ours; stop
        visit(sequence, entries);
        ++records;
    }
    return records;
}

void Journal::truncate() {
    unmap();
    if (::ftruncate(fd_, 0) != 0) throw std::runtime_error(error_text("cannot truncate", path_));
    size_ = file_size_ = 0;
}

void Journal::clear() {
    if (size_ == 0) return;
    // Rewritten from the start: appends then reuse the file's allocated
    // blocks and the mapping's pages. Only a file grown large is truncated.
    if (file_size_ > kKeepBytes) {
        unmap();
        if (::ftruncate(fd_, 0) != 0) throw std::runtime_error(error_text("cannot truncate", path_));
        file_size_ = 0;
    } else if (map_ && size_ > kResidentBytes) {
        // The pages stay in the file (and the page cache); only this
        // process's mapping of them goes.
        ::madvise(map_ + kResidentBytes, capacity_ - kResidentBytes, MADV_DONTNEED);
    }
    size_ = 0;
}

}  // namespace lowcloud::dynamodb
