// Shared by the storage tests (storage_tests, journal_tests, wal_vfs_tests):
// a fresh temporary folder, and a one-table fixture (table "t", hash key
// `id` of type S) for tests of the durability paths.
#pragma once

#include "model/value.hpp"
#include "storage/storage.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <random>
#include <string>

namespace lowcloud::dynamodb::testing {

// An empty folder under the temporary directory, "lowcloud-PREFIX-NAME-N".
inline std::filesystem::path temp_dir(const std::string& prefix, const std::string& name) {
    std::filesystem::path p =
        std::filesystem::temp_directory_path() / ("lowcloud-" + prefix + "-" + name + "-" + std::to_string(std::random_device{}()));
    std::filesystem::remove_all(p);
    std::filesystem::create_directories(p);
    return p;
}

// What a kill -9 leaves of the database `from`/db.sqlite3 (with its WAL and
// both journal files), copied into `to` to be opened there.
inline void copy_as_killed(const std::filesystem::path& from, const std::filesystem::path& to) {
    for (const char* f : {"db.sqlite3", "db.sqlite3-wal", "db.sqlite3.oplog", "db.sqlite3.oplog2"})
        if (std::filesystem::exists(from / f)) std::filesystem::copy_file(from / f, to / f);
}

struct OneTable {
    TableDef t;

    OneTable() {
        t.name = "t";
        t.key.hash = {"id", Type::S};
    }
    // {"id": ID} plus, when given, {"p": PAYLOAD}.
    static Item item(const std::string& id, const std::string& payload = "") {
        std::string text = R"({"id":{"S":")" + id + R"("})";
        if (!payload.empty()) text += R"(,"p":{"S":")" + payload + R"("})";
        return parse_item(nlohmann::json::parse(text + "}"));
    }
    static EncodedKey key(const std::string& id) { return EncodedKey{id, "", partition_hash(id)}; }

    // Creates the table in `s` (committed) and recovers with it.
    void create(Storage& s) {
        {
            Storage::Durable d(s);
            s.insert_table(t);
            d.commit();
        }
        s.recover([this](std::int64_t id) { return id == t.id ? &t : nullptr; });
    }
    // Loads the catalog of a reopened `s` (one table) and recovers with it;
    // returns how many journal records were replayed.
    std::size_t reopen(Storage& s) {
        auto tables = s.load_tables();
        REQUIRE(tables.size() == 1);
        t = tables[0];
        return s.recover([this](std::int64_t id) { return id == t.id ? &t : nullptr; });
    }
    // A put of `id` as Storage::defer() takes it.
    Storage::DeferredPut deferred(const std::string& id, std::int64_t size, const std::string& payload = "") const {
        Item i = item(id, payload);
        std::string text = to_json_text(i);
        return {t.id, key(id), std::move(i), size, std::move(text)};
    }
    // The stored item's "p" ("" without one), or nullopt without the item.
    std::optional<std::string> payload(Storage& s, const std::string& id) const {
        auto stored = s.get(t.id, key(id));
        if (!stored) return std::nullopt;
        auto it = stored->item.find("p");
        return it == stored->item.end() ? std::string() : it->second.scalar;
    }
    // One item operation putting `id`.
    void put(Storage& s, const std::string& id, std::int64_t size, const std::string& payload = "") {
        Storage::Op op(s);
        s.put(t, key(id), item(id, payload), size, s.get(t.id, key(id)));
        op.commit();
    }
    // One item operation writing `next` (its item_size) as `id`, or deleting
    // `id` when there is none (nothing when `id` is missing).
    void write(Storage& s, const std::string& id, const std::optional<Item>& next) const {
        Storage::Op op(s);
        auto old = s.get(t.id, key(id));
        if (next)
            s.put(t, key(id), *next, static_cast<std::int64_t>(item_size(*next)), old);
        else if (old)
            s.remove(t, key(id), *old);
        op.commit();
    }
};

}  // namespace lowcloud::dynamodb::testing
