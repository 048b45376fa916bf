// Key extraction, validation and order-preserving encoding: SQLite's BLOB
// order over encoded keys must be DynamoDB's order.
#include "dynamodb/error.hpp"
#include "model/keys.hpp"
#include "model/number.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <random>
#include <thread>

using namespace lowcloud::dynamodb;

namespace {
int memcmp_order(const std::string& a, const std::string& b) {
    int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
    if (c != 0) return c < 0 ? -1 : 1;
    return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}
KeySchema hash_range(Type h, Type r) { return {{"pk", h}, KeyAttribute{"sk", r}, {}, {}}; }
}  // namespace

TEST_CASE("keys: encoded numbers sort numerically", "[keys]") {
    std::vector<std::string> sorted = {"-1e125", "-1000", "-999.5", "-10", "-1", "-0.5", "-0.0001", "0", "1e-130",
                                       "0.0001", "0.5", "1", "1.5", "2", "9", "10", "10.01", "99", "100", "12345678901234567890123456789012345678", "1e125"};
    std::vector<std::string> shuffled = sorted;
    std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(42));
    std::sort(shuffled.begin(), shuffled.end(), [](const std::string& a, const std::string& b) {
        return memcmp_order(encode_key_value(AttributeValue::number(canonical_number(a))),
                            encode_key_value(AttributeValue::number(canonical_number(b)))) < 0;
    });
    CHECK(shuffled == sorted);
}

TEST_CASE("keys: strings and binaries sort by unsigned bytes", "[keys]") {
    const std::vector<std::string> sorted = {"", "A", "B", "a", "ab", "b", "z", "\xc3\xa9", "\xe3\x82\xad", "\xef\xbb\xbf"};
    for (std::size_t i = 1; i < sorted.size(); ++i) {
        CHECK(memcmp_order(encode_key_value(AttributeValue::string(sorted[i - 1])), encode_key_value(AttributeValue::string(sorted[i]))) < 0);
        CHECK(memcmp_order(encode_key_value(AttributeValue::binary(sorted[i - 1])), encode_key_value(AttributeValue::binary(sorted[i]))) < 0);
    }
}

TEST_CASE("keys: equal numbers are the same key", "[keys]") {
    CHECK(encode_key_value(AttributeValue::number(canonical_number("1e3"))) ==
          encode_key_value(AttributeValue::number(canonical_number("1000.00"))));
}

TEST_CASE("keys: validation messages", "[keys]") {
    KeySchema s = hash_range(Type::S, Type::N);
    struct Case {
        const char* name;
        Item item;
        bool as_key;
        std::string message;
    };
    const std::vector<Case> cases = {
        {"item_missing_hash", {{"sk", AttributeValue::number("1")}}, false,
         "One or more parameter values were invalid: Missing the key pk in the item"},
        {"item_wrong_type", {{"pk", AttributeValue::number("1")}, {"sk", AttributeValue::number("1")}}, false,
         "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"},
        {"item_empty_string_key", {{"pk", AttributeValue::string("")}, {"sk", AttributeValue::number("1")}}, false,
         "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"},
        {"item_hash_too_long", {{"pk", AttributeValue::string(std::string(2049, 'x'))}, {"sk", AttributeValue::number("1")}}, false,
         "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"},
        {"key_extra_attribute", {{"pk", AttributeValue::string("a")}, {"sk", AttributeValue::number("1")}, {"x", AttributeValue::string("y")}}, true,
         "The provided key element does not match the schema"},
        {"key_missing_range", {{"pk", AttributeValue::string("a")}}, true, "The provided key element does not match the schema"},
        {"key_wrong_type", {{"pk", AttributeValue::string("a")}, {"sk", AttributeValue::string("1")}}, true,
         "The provided key element does not match the schema"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            if (c.as_key) CHECK_THROWS_WITH(key_from_key(s, c.item), c.message);
            else CHECK_THROWS_WITH(key_from_item(s, c.item), c.message);
        }
    }
}

TEST_CASE("keys: hash-only tables have an empty sort key", "[keys]") {
    KeySchema s{{"id", Type::S}, std::nullopt, {}, {}};
    auto k = key_from_item(s, {{"id", AttributeValue::string("x")}, {"other", AttributeValue::string("y")}});
    CHECK(k.pk == "x");
    CHECK(k.sk.empty());
    CHECK(key_of(s, {{"id", AttributeValue::string("x")}, {"other", AttributeValue::string("y")}}).size() == 1);
}

// partition_hash() is stored in every item's row: it must stay the first four
// bytes of the key's MD5, big-endian, on every thread (each keeps its own
// digest context).
TEST_CASE("keys: the partition hash is the MD5's first four bytes on any thread", "[keys]") {
    struct Case {
        const char* name;
        std::string pk;
        std::uint32_t hash;
    };
    const Case cases[] = {
        {"empty", "", 0xd41d8cd9u},  // MD5("") = d41d8cd98f00b204e9800998ecf8427e
        {"abc", "abc", 0x90015098u},  // MD5("abc") = 900150983cd24fb0d6963f7d28e17f72
        {"fox", "The quick brown fox jumps over the lazy dog", 0x9e107d9du},
    };
    for (const auto& c : cases) DYNAMIC_SECTION(c.name) {
        CHECK(partition_hash(c.pk) == c.hash);
        std::uint32_t other = 0;
        std::thread([&] { other = partition_hash(c.pk); }).join();
        CHECK(other == c.hash);
    }
}
