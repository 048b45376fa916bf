// The cache of stored items' text by key (see item_cache.hpp).
#include "storage/item_cache.hpp"

#include <boost/container_hash/hash.hpp>

#include <functional>

namespace lowcloud::dynamodb {

std::size_t ItemCache::Hash::operator()(const KeyView& k) const {
    const std::hash<std::string_view> h;
    std::size_t seed = h(k.pk);
    boost::hash_combine(seed, h(k.sk));
    boost::hash_combine(seed, k.table);
    return seed;
}

const ItemCache::Entry* ItemCache::find(std::int64_t table, std::string_view pk, std::string_view sk) const {
    auto it = map_.find(KeyView{table, pk, sk});
    return it == map_.end() ? nullptr : &it->second;
}

void ItemCache::insert(std::int64_t table, std::string_view pk, std::string_view sk, std::string_view text, std::int64_t size) {
    if (text.size() > kMaxItemText) return;
    erase(table, pk, sk);
    const std::size_t added = cost(pk, sk, text);
    if (bytes_ + added > max_bytes_) clear();
    if (added > max_bytes_) return;
    map_.emplace(Key{table, std::string(pk), std::string(sk)}, Entry{std::string(text), size});
    bytes_ += added;
}

void ItemCache::erase(std::int64_t table, std::string_view pk, std::string_view sk) {
    if (map_.empty()) return;  // every write calls this: no hashing while nothing was read
    auto it = map_.find(KeyView{table, pk, sk});
    if (it == map_.end()) return;
    bytes_ -= cost(it->first.pk, it->first.sk, it->second.text);
    map_.erase(it);
}

void ItemCache::clear() {
    map_.clear();
    bytes_ = 0;
}

}  // namespace lowcloud::dynamodb
