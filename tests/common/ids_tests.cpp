// Random identifiers (common/ids.hpp): shapes, alphabets, and that draws
// differ.
#include "common/ids.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>

TEST_CASE("ids: alphanumeric ids have the length asked, from A-Z and 0-9", "[ids]") {
    for (std::size_t length : {0u, 1u, 7u, 8u, 9u, 52u}) {
        std::string id = lowcloud::random_alnum_id(length);
        INFO("length " << length << ": " << id);
        CHECK(id.size() == length);
        CHECK(id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == std::string::npos);
    }
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) seen.insert(lowcloud::random_alnum_id(52));
    CHECK(seen.size() == 1000);
    // Every position varies (each character is its own byte of a draw).
    std::set<char> column[52];
    for (const auto& id : seen)
        for (std::size_t i = 0; i < 52; ++i) column[i].insert(id[i]);
    for (std::size_t i = 0; i < 52; ++i) CHECK(column[i].size() > 20);
}

TEST_CASE("ids: UUIDs are version 4, variant 1, lower-case hex", "[ids]") {
    std::string u = lowcloud::random_uuid();
    REQUIRE(u.size() == 36);
    CHECK(u[8] == '-');
    CHECK(u[13] == '-');
    CHECK(u[14] == '4');
    CHECK(u[18] == '-');
    CHECK(std::string("89ab").find(u[19]) != std::string::npos);
    CHECK(u[23] == '-');
    CHECK(u.find_first_not_of("0123456789abcdef-") == std::string::npos);
}
