// The cache of stored items' text by key (storage/item_cache.hpp) on its
// own: what it holds, what erases it, and its bound; then through Storage,
// that get_text() follows every write of a key, a rolled-back operation,
// a deleted table and deferred puts, in memory and with a data directory.
#include "storage/item_cache.hpp"
#include "storage/storage.hpp"
#include "storage_test_util.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <functional>

using namespace lowcloud::dynamodb;
namespace fs = std::filesystem;

TEST_CASE("item cache: holds, replaces, erases and bounds its entries", "[item_cache]") {
    struct Case {
        const char* name;
        std::function<void(ItemCache&)> check;
    };
    const std::vector<Case> cases = {
        {"holds_what_was_inserted",
         [](ItemCache& c) {
             c.insert(1, "a", "", "{A}", 10);
             const ItemCache::Entry* e = c.find(1, "a", "");
             REQUIRE(e);
             CHECK(e->text == "{A}");
             CHECK(e->size == 10);
             CHECK_FALSE(c.find(1, "b", ""));
         }},
        {"keys_differ_by_table_and_by_where_pk_ends",
         [](ItemCache& c) {
             c.insert(1, "ab", "c", "{1}", 1);
             CHECK_FALSE(c.find(2, "ab", "c"));
             CHECK_FALSE(c.find(1, "a", "bc"));
             CHECK_FALSE(c.find(1, "abc", ""));
         }},
        {"insert_replaces",
         [](ItemCache& c) {
             c.insert(1, "a", "", "{old}", 5);
             c.insert(1, "a", "", "{new text}", 9);
             REQUIRE(c.find(1, "a", ""));
             CHECK(c.find(1, "a", "")->text == "{new text}");
             CHECK(c.entries() == 1);
             CHECK(c.bytes() == 1 + 10);
         }},
        {"erase_and_clear",
         [](ItemCache& c) {
             c.insert(1, "a", "", "{A}", 1);
             c.insert(1, "b", "", "{B}", 1);
             c.erase(1, "a", "");
             c.erase(1, "missing", "");
             CHECK_FALSE(c.find(1, "a", ""));
             CHECK(c.find(1, "b", ""));
             CHECK(c.bytes() == 1 + 3);
             c.clear();
             CHECK(c.entries() == 0);
             CHECK(c.bytes() == 0);
         }},
        {"an_item_over_the_limit_is_not_held",
         [](ItemCache&) {
             ItemCache c(1 << 20);
             c.insert(1, "big", "", std::string(ItemCache::kMaxItemText + 1, 'x'), 1);
             CHECK_FALSE(c.find(1, "big", ""));
             c.insert(1, "edge", "", std::string(ItemCache::kMaxItemText, 'x'), 1);
             CHECK(c.find(1, "edge", ""));
         }},
        {"an_item_over_the_bound_is_not_held",
         [](ItemCache& c) {
             c.insert(1, "a", "", "{A}", 1);
             c.insert(1, "b", "", std::string(100, 'b'), 1);
             CHECK_FALSE(c.find(1, "b", ""));
             CHECK(c.bytes() == 0);  // emptied all the same
         }},
        {"passing_the_bound_empties_it_first",
         [](ItemCache& c) {
             // The bound is 100 bytes here: keys of 1 byte and texts of 39.
             c.insert(1, "a", "", std::string(39, 'a'), 1);
             c.insert(1, "b", "", std::string(39, 'b'), 1);
             CHECK(c.bytes() == 80);
             c.insert(1, "c", "", std::string(39, 'c'), 1);
             CHECK(c.entries() == 1);
             CHECK(c.find(1, "c", ""));
             CHECK_FALSE(c.find(1, "a", ""));
             CHECK(c.bytes() == 40);
         }},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            ItemCache cache(100);
            c.check(cache);
        }
    }
}

namespace {
// get_text()'s "p", "" without one, nullopt without the item.
std::optional<std::string> text_payload(Storage& s, const testing::OneTable& table, const std::string& id) {
    auto stored = s.get_text(table.t.id, testing::OneTable::key(id));
    if (!stored) return std::nullopt;
    const auto item = nlohmann::json::parse(stored->text);
    return item.contains("p") ? item["p"]["S"].get<std::string>() : std::string();
}
}  // namespace

TEST_CASE("item cache: get_text follows every write, rollback, deleted table and deferred put", "[item_cache][storage]") {
    for (const bool persistent : {false, true}) {
        DYNAMIC_SECTION((persistent ? "with a data directory" : "in memory")) {
            const fs::path dir = testing::temp_dir("item-cache", persistent ? "disk" : "memory");
            Storage s(persistent ? std::optional<fs::path>(dir / "db.sqlite3") : std::nullopt);
            testing::OneTable table;
            table.create(s);
            table.put(s, "a", 10, "one");
            REQUIRE(text_payload(s, table, "a") == "one");  // read: now cached

            SECTION("an overwrite and a removal") {
                table.put(s, "a", 10, "two");
                CHECK(text_payload(s, table, "a") == "two");
                table.write(s, "a", std::nullopt);
                CHECK(text_payload(s, table, "a") == std::nullopt);
            }
            SECTION("a blind put") {
                {
                    Storage::Op op(s);
                    s.put_blind(table.t, testing::OneTable::key("a"), testing::OneTable::item("a", "blind"), 12);
                    op.commit();
                }
                CHECK(text_payload(s, table, "a") == "blind");
            }
            SECTION("an operation rolled back after it wrote, and after a read of what it wrote") {
                {
                    Storage::Op op(s);
                    s.put(table.t, testing::OneTable::key("a"), testing::OneTable::item("a", "rolled back"), 20,
                          s.get(table.t.id, testing::OneTable::key("a")));
                    CHECK(text_payload(s, table, "a") == "rolled back");  // the batch's view, cached
                }  // no commit: rolled back (with a journal, the whole batch, replayed before the next read)
                s.begin_batch();
                CHECK(text_payload(s, table, "a") == "one");
            }
            SECTION("a deferred put, applied before the next read") {
                REQUIRE(s.can_defer() == persistent);  // in memory nothing is deferred
                std::vector<Storage::DeferredPut> puts;
                puts.push_back(table.deferred("a", 14, "deferred"));
                if (persistent) {
                    s.defer(std::move(puts));
                    s.begin_batch();
                    CHECK(text_payload(s, table, "a") == "deferred");
                }
            }
            SECTION("a deleted table whose id the next table gets") {
                const std::int64_t old_id = table.t.id;
                {
                    Storage::Durable d(s);
                    s.delete_table(old_id);
                    d.commit();
                }
                testing::OneTable next;
                next.create(s);
                REQUIRE(next.t.id == old_id);
                CHECK(text_payload(s, next, "a") == std::nullopt);
            }
            fs::remove_all(dir);
        }
    }
}
