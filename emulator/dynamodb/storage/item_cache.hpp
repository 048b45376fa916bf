// A bounded cache of stored items' text by key, in front of the items
// table for GetItem (Storage::get_text). A point read through SQLite costs
// ~2.7 µs on this project's 2-core host (the statement, the items_key index,
// then the row by rowid), about a third of the server's time for a GetItem;
// a hit here costs a hash lookup and a copy.
//
// The cache holds what the items table holds, or nothing: Storage erases a
// key on every write of it (put or remove), and clears the whole cache on
// whatever changes rows without naming their keys (a table deleted, a batch
// or an operation rolled back; a replay's rows go through put and remove).
// Entries are added only from reads.
// When the texts held would pass max_bytes the cache is emptied and fills
// again from the reads that follow: simple, and a working set larger than
// the bound costs each miss an insert, no more.
//
// Threading: not thread-safe; Storage's serialization covers it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace lowcloud::dynamodb {

class ItemCache {
public:
    struct Entry {
        std::string text;
        std::int64_t size = 0;
    };

    // Items whose text is longer than kMaxItemText are never held.
    static constexpr std::size_t kMaxItemText = 16 * 1024;

    explicit ItemCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}

    // The entry of (table, pk, sk), or null. Valid until the next non-const call.
    const Entry* find(std::int64_t table, std::string_view pk, std::string_view sk) const;
    // Holds `text` and `size` for the key (replacing what it held), unless
    // the text is over kMaxItemText; empties the cache first when the bytes
    // held would pass max_bytes.
    void insert(std::int64_t table, std::string_view pk, std::string_view sk, std::string_view text, std::int64_t size);
    void erase(std::int64_t table, std::string_view pk, std::string_view sk);
    void clear();

    std::size_t entries() const { return map_.size(); }
    // Key and text bytes held (what max_bytes bounds).
    std::size_t bytes() const { return bytes_; }

private:
    struct Key {
        std::int64_t table;
        std::string pk, sk;
    };
    struct KeyView {
        std::int64_t table;
        std::string_view pk, sk;
    };
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(const KeyView& k) const;
        std::size_t operator()(const Key& k) const { return (*this)(KeyView{k.table, k.pk, k.sk}); }
    };
    struct Equal {
        using is_transparent = void;
        static KeyView view(const Key& k) { return {k.table, k.pk, k.sk}; }
        static KeyView view(const KeyView& k) { return k; }
        template <class A, class B>
        bool operator()(const A& a, const B& b) const {
            const KeyView x = view(a), y = view(b);
            return x.table == y.table && x.pk == y.pk && x.sk == y.sk;
        }
    };
    static std::size_t cost(std::string_view pk, std::string_view sk, std::string_view text) { return pk.size() + sk.size() + text.size(); }

    std::unordered_map<Key, Entry, Hash, Equal> map_;
    std::size_t max_bytes_;
    std::size_t bytes_ = 0;
};

}  // namespace lowcloud::dynamodb
