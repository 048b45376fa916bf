// The SQLite wrappers (storage/sqlite.hpp): the statement cache, by SQL text
// and by a C string's address.
#include "storage/sqlite.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <string>

using namespace lowcloud::dynamodb::sqlite;

TEST_CASE("sqlite: a statement cached by C string is the one cached by its text", "[sqlite]") {
    Database db(":memory:");
    db.exec("CREATE TABLE t(x)");
    const char* literal = "SELECT count(*) FROM t";
    Statement& by_text = db.cached(std::string(literal));
    Statement& by_address = db.cached(literal);
    CHECK(&by_text == &by_address);
    CHECK(&db.cached(literal) == &by_address);
    CHECK(std::string(by_address.sql()) == literal);
}

TEST_CASE("sqlite: a reused buffer with other SQL gets that SQL's statement", "[sqlite]") {
    Database db(":memory:");
    db.exec("CREATE TABLE t(x)");
    db.exec("INSERT INTO t VALUES(1), (2)");
    char buffer[64];
    std::strcpy(buffer, "SELECT count(*) FROM t");
    Statement& count = db.cached(buffer);
    REQUIRE(count.step());
    CHECK(count.column_int(0) == 2);
    count.reset();
    std::strcpy(buffer, "SELECT max(x) FROM t");  // same address, other text
    Statement& max = db.cached(buffer);
    CHECK(&max != &count);
    REQUIRE(max.step());
    CHECK(max.column_int(0) == 2);
    max.reset();
    std::strcpy(buffer, "SELECT count(*) FROM t");  // and back
    CHECK(&db.cached(buffer) == &count);
}
