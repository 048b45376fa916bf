// The operation journal's file format and I/O (see journal.hpp).
#include "storage/journal.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lowcloud::dynamodb {

namespace {

template <typename T>
void put_le(std::string& out, T v) {
    for (std::size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<char>((static_cast<std::uint64_t>(v) >> (8 * i)) & 0xff));
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

std::uint32_t crc_of(std::string_view s) {
    return static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size())));
}

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
    if (fd_ >= 0) ::close(fd_);
}

void Journal::append(std::uint64_t sequence, const JournalRecord& record) {
    std::string payload;
    payload.reserve(8 + record.bytes().size());
    put_le<std::uint64_t>(payload, sequence);
    payload.append(record.bytes());
    std::string frame;
    frame.reserve(8 + payload.size());
    put_le<std::uint32_t>(frame, static_cast<std::uint32_t>(payload.size()));
    put_le<std::uint32_t>(frame, crc_of(payload));
    frame.append(payload);
    std::size_t done = 0;
    while (done < frame.size()) {
        ssize_t n = ::pwrite(fd_, frame.data() + done, frame.size() - done, static_cast<off_t>(size_ + done));
        if (n < 0 && errno == EINTR) continue;
        // A partial record is overwritten by the next one, or ends the
        // journal for a reader (its CRC fails).
        if (n <= 0) throw std::runtime_error(error_text("cannot append to", path_));
        done += static_cast<std::size_t>(n);
    }
    size_ += frame.size();
    file_size_ = std::max(file_size_, size_);
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
        if (!file.ok || file.in.size() < length) break;
        std::string_view payload = file.in.substr(0, length);
        file.in.remove_prefix(length);
        if (crc_of(payload) != crc) break;
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
    if (::ftruncate(fd_, 0) != 0) throw std::runtime_error(error_text("cannot truncate", path_));
    size_ = file_size_ = 0;
}

void Journal::clear() {
    if (size_ == 0) return;
    // Rewritten from the start: appends then reuse the file's allocated
    // blocks, where appending to a truncated file allocates (and can wait on
    // the file system's journal). Only a file grown large is truncated.
    if (file_size_ > kKeepBytes) {
        if (::ftruncate(fd_, 0) != 0) throw std::runtime_error(error_text("cannot truncate", path_));
        file_size_ = 0;
    }
    size_ = 0;
}

}  // namespace lowcloud::dynamodb
