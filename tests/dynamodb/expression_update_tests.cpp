// Applying UpdateExpressions to items, and projecting items: SET with + - if_not_exists
// list_append, REMOVE of attributes and list elements, ADD of numbers and sets,
// DELETE from sets, nested paths and list indexes (old positions, appends
// beyond the end), exact decimal arithmetic, and the runtime errors DynamoDB
// gives for missing operands, wrong types and invalid document paths.
#include "expression_test_util.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace exprtest;

namespace {

struct Case {
    const char* name;
    const char* expression;
    Names names;
    const char* values;
    const char* before;    // DynamoDB JSON item
    std::string expected;  // DynamoDB JSON of the new item, or the error message
    bool exists = true;    // whether the item existed before the update
};

constexpr const char* kMissing =
    "The provided expression refers to an attribute that does not exist in the item";
constexpr const char* kWrongType = "An operand in the update expression has an incorrect data type";
constexpr const char* kBadPath =
    "The document path provided in the update expression is invalid for update";

std::string run(const Case& c) {
    expr::Attributes a = attrs(c.names, c.values);
    expr::Update u = expr::parse_update(c.expression, a);
    a.check_all_used();
    std::string error;
    Item after;
    error = error_of([&] { after = expr::apply(u, item(c.before), c.exists); });
    if (!error.empty()) return error;
    return lowcloud::dynamodb::to_json(after).dump();
}

// Normalizes an expected item through the codec (canonical numbers, key order).
std::string expect_item(const std::string& json_text) {
    return lowcloud::dynamodb::to_json(item(json_text)).dump();
}

void check_table(const std::vector<Case>& cases) {
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            INFO(c.expression << " on " << c.before);
            const std::string want = c.expected.rfind('{', 0) == 0 ? expect_item(c.expected) : c.expected;
            CHECK(run(c) == want);
        }
    }
}

}  // namespace

TEST_CASE("SET values, paths and functions", "[expression][update]") {
    check_table({
        {"set a new attribute", "SET b = :v", {}, R"({":v":{"N":"4"}})", R"({"p":{"S":"k"}})",
         R"({"p":{"S":"k"},"b":{"N":"4"}})"},
        {"replace keeps other attributes", "SET a = :v", {}, R"({":v":{"S":"hey"}})",
         R"({"p":{"S":"k"},"a":{"S":"hi"},"b":{"S":"hello"}})",
         R"({"p":{"S":"k"},"a":{"S":"hey"},"b":{"S":"hello"}})"},
        {"replace with another type", "SET a.c = :v", {}, R"({":v":{"N":"7"}})",
         R"({"a":{"M":{"b":{"N":"3"},"c":{"M":{"one":{"N":"1"}}}}}})",
         R"({"a":{"M":{"b":{"N":"3"},"c":{"N":"7"}}}})"},
        {"copy an attribute", "SET b = a", {}, "", R"({"a":{"S":"hello"}})",
         R"({"a":{"S":"hello"},"b":{"S":"hello"}})"},
        {"copy a missing attribute", "SET c = z", {}, "", R"({"a":{"S":"hello"}})", kMissing},
        {"right-hand sides read the old item", "SET x = :v, y = x", {}, R"({":v":{"N":"4"}})",
         R"({"a":{"S":"h"}})", kMissing},
        {"SET a = a", "SET a = a", {}, "", R"({"a":{"S":"h"}})", R"({"a":{"S":"h"}})"},
        {"names on both sides", "SET #one = #two", {{"#one", "c"}, {"#two", "a"}}, "",
         R"({"a":{"S":"h"}})", R"({"a":{"S":"h"},"c":{"S":"h"}})"},
        {"a dotted name is a top-level attribute", "SET #a = :v", {{"#a", "a.b"}}, R"({":v":{"N":"3"}})",
         R"({})", R"({"a.b":{"N":"3"}})"},
        {"nested map member", "SET a.c = :v", {}, R"({":v":{"N":"7"}})",
         R"({"a":{"M":{"b":{"N":"3"},"c":{"N":"4"}}},"d":{"N":"5"}})",
         R"({"a":{"M":{"b":{"N":"3"},"c":{"N":"7"}}},"d":{"N":"5"}})"},
        {"new nested map member", "SET a.d = :v", {}, R"({":v":{"N":"3"}})", R"({"a":{"M":{"b":{"N":"3"}}}})",
         R"({"a":{"M":{"b":{"N":"3"},"d":{"N":"3"}}}})"},
        {"deep path with names", "SET a.c[1].#name.y[1] = :v", {{"#name", "x"}}, R"({":v":{"N":"9"}})",
         R"({"a":{"M":{"b":{"N":"3"},"c":{"L":[{"S":"hi"},{"M":{"x":{"M":{"y":{"L":[{"N":"3"},{"N":"5"},{"N":"7"}]}}}}}]}}}})",
         R"({"a":{"M":{"b":{"N":"3"},"c":{"L":[{"S":"hi"},{"M":{"x":{"M":{"y":{"L":[{"N":"3"},{"N":"9"},{"N":"7"}]}}}}}]}}}})"},
        {"deep path on the right", "SET a.z = a.c[1].x", {}, "",
         R"({"a":{"M":{"c":{"L":[{"S":"hi"},{"M":{"x":{"N":"9"}}}]}}}})",
         R"({"a":{"M":{"c":{"L":[{"S":"hi"},{"M":{"x":{"N":"9"}}}]},"z":{"N":"9"}}}})"},
        {"missing parent map", "SET #a.#b.#c = :v", {{"#a", "missing"}, {"#b", "nested"}, {"#c", "deep"}},
         R"({":v":{"S":"test"}})", R"({"topLevel":{"S":"val"}})", kBadPath},
        {"parent is a string", "SET a.c = :v", {}, R"({":v":{"N":"7"}})", R"({"a":{"S":"hello"}})", kBadPath},
        {"parent is a list", "SET b.c = :v", {}, R"({":v":{"N":"7"}})", R"({"b":{"L":[{"S":"hi"}]}})",
         kBadPath},
        {"missing parent on a new item", "SET c.c = :v", {}, R"({":v":{"N":"7"}})", R"({"p":{"S":"k"}})",
         kBadPath, false},
        {"index into a string", "SET a[0] = :v", {}, R"({":v":{"N":"7"}})", R"({"a":{"S":"hello"}})",
         kBadPath},
        {"index into a missing list", "SET b[0] = :v", {}, R"({":v":{"N":"7"}})", R"({"a":{"S":"hello"}})",
         kBadPath},
        {"index into a map", "SET a[0] = :v", {}, R"({":v":{"N":"7"}})", R"({"a":{"M":{"0":{"N":"1"}}}})",
         kBadPath},
        {"list element", "SET a[1] = :v", {}, R"({":v":{"S":"hello"}})",
         R"({"a":{"L":[{"S":"one"},{"S":"two"},{"S":"three"}]}})",
         R"({"a":{"L":[{"S":"one"},{"S":"hello"},{"S":"three"}]}})"},
        {"beyond the end appends", "SET a[7] = :v", {}, R"({":v":{"S":"hello"}})",
         R"({"a":{"L":[{"S":"one"},{"S":"two"},{"S":"three"}]}})",
         R"({"a":{"L":[{"S":"one"},{"S":"two"},{"S":"three"},{"S":"hello"}]}})"},
        {"several appends in index order", "SET a[84] = :v1, a[37] = :v2, a[17] = :v3, a[50] = :v4", {},
         R"({":v1":{"S":"a1"},":v2":{"S":"a2"},":v3":{"S":"a3"},":v4":{"S":"a4"}})",
         R"({"a":{"L":[{"S":"one"}]}})",
         R"({"a":{"L":[{"S":"one"},{"S":"a3"},{"S":"a2"},{"S":"a4"},{"S":"a1"}]}})"},
        {"index 0 of an empty list", "SET #l[0] = :v", {{"#l", "mylist"}}, R"({":v":{"S":"first"}})",
         R"({"mylist":{"L":[]}})", R"({"mylist":{"L":[{"S":"first"}]}})"},
        {"empty values are allowed", "SET d = :v1, e = :v2, f = :v3", {},
         R"({":v1":{"L":[]},":v2":{"M":{}},":v3":{"S":""}})", R"({})",
         R"({"d":{"L":[]},"e":{"M":{}},"f":{"S":""}})"},
        {"if_not_exists when missing", "SET a = if_not_exists(a, :v)", {}, R"({":v":{"N":"2"}})", R"({})",
         R"({"a":{"N":"2"}})"},
        {"if_not_exists when present", "SET a = if_not_exists(a, :v)", {}, R"({":v":{"N":"3"}})",
         R"({"a":{"N":"2"}})", R"({"a":{"N":"2"}})"},
        {"if_not_exists of another attribute", "SET b = if_not_exists(a, :v)", {}, R"({":v":{"N":"6"}})",
         R"({"a":{"N":"2"},"b":{"N":"5"}})", R"({"a":{"N":"2"},"b":{"N":"2"}})"},
        {"if_not_exists with a missing fallback", "SET b = if_not_exists(a, c)", {}, "",
         R"({"a":{"N":"2"}})", kMissing},
        {"if_not_exists nested in if_not_exists", "SET a = if_not_exists(b, if_not_exists(c, :v))", {},
         R"({":v":{"N":"3"}})", R"({})", R"({"a":{"N":"3"}})"},
        {"list_append at the end", "SET a = list_append(a, :v)", {}, R"({":v":{"L":[{"N":"4"},{"S":"hello"}]}})",
         R"({"a":{"L":[{"S":"hi"},{"N":"2"}]}})",
         R"({"a":{"L":[{"S":"hi"},{"N":"2"},{"N":"4"},{"S":"hello"}]}})"},
        {"list_append at the front", "SET a = list_append(:v, a)", {}, R"({":v":{"L":[{"S":"dog"}]}})",
         R"({"a":{"L":[{"S":"hi"}]}})", R"({"a":{"L":[{"S":"dog"},{"S":"hi"}]}})"},
        {"list_append of two attributes", "SET c = list_append(a, b)", {}, "",
         R"({"a":{"L":[{"N":"1"}]},"b":{"L":[]}})",
         R"({"a":{"L":[{"N":"1"}]},"b":{"L":[]},"c":{"L":[{"N":"1"}]}})"},
        {"list_append of a missing list", "SET a = list_append(b, :v)", {}, R"({":v":{"L":[]}})", R"({})",
         kMissing},
        {"list_append of a non-list", "SET a = list_append(b, :v)", {}, R"({":v":{"L":[]}})",
         R"({"b":{"SS":["x"]}})", kWrongType},
        {"list_append onto if_not_exists", "SET a = list_append(if_not_exists(a, :e), :v)", {},
         R"({":e":{"L":[]},":v":{"L":[{"S":"x"}]}})", R"({})", R"({"a":{"L":[{"S":"x"}]}})"},
    });
}

TEST_CASE("SET arithmetic is exact decimal", "[expression][update]") {
    check_table({
        {"add to an attribute", "SET a = a + :v", {}, R"({":v":{"N":"3"}})", R"({"a":{"N":"2"}})",
         R"({"a":{"N":"5"}})"},
        {"add an attribute", "SET a = :v + a", {}, R"({":v":{"N":"4"}})", R"({"a":{"N":"5"}})",
         R"({"a":{"N":"9"}})"},
        {"two attributes", "SET b = a + c", {}, "", R"({"a":{"N":"9"},"c":{"N":"10"}})",
         R"({"a":{"N":"9"},"b":{"N":"19"},"c":{"N":"10"}})"},
        {"subtract", "SET nn = :seven - #n", {{"#n", "n"}}, R"({":seven":{"N":"7"}})", R"({"n":{"N":"2"}})",
         R"({"n":{"N":"2"},"nn":{"N":"5"}})"},
        {"two values", "SET b = :x + :y", {}, R"({":x":{"N":"4"},":y":{"N":"3"}})", R"({})",
         R"({"b":{"N":"7"}})"},
        {"0.1 + 0.2 is 0.3", "SET a = a + :v", {}, R"({":v":{"N":"0.2"}})", R"({"a":{"N":"0.1"}})",
         R"({"a":{"N":"0.3"}})"},
        {"negative result", "SET a = a - :v", {}, R"({":v":{"N":"10.5"}})", R"({"a":{"N":"0.25"}})",
         R"({"a":{"N":"-10.25"}})"},
        {"cancelling to zero", "SET a = a - :v", {}, R"({":v":{"N":"1e2"}})", R"({"a":{"N":"100"}})",
         R"({"a":{"N":"0"}})"},
        {"38 significant digits", "SET a = a + :v", {}, R"({":v":{"N":"1"}})",
         R"({"a":{"N":"1234567890123456789012345678901234567"}})",
         R"({"a":{"N":"1234567890123456789012345678901234568"}})"},
        {"big and small", "SET a = a + :v", {}, R"({":v":{"N":"0.000000001"}})",
         R"({"a":{"N":"1000000000"}})", R"({"a":{"N":"1000000000.000000001"}})"},
        {"nested counter", "SET #m.#c = #m.#c + :inc", {{"#m", "mymap"}, {"#c", "counter"}},
         R"({":inc":{"N":"5"}})", R"({"mymap":{"M":{"counter":{"N":"10"}}}})",
         R"({"mymap":{"M":{"counter":{"N":"15"}}}})"},
        {"if_not_exists then add", "SET b = if_not_exists(b, :zero) + :v", {},
         R"({":zero":{"N":"0"},":v":{"N":"3"}})", R"({})", R"({"b":{"N":"3"}})"},
        {"missing operand", "SET a = b + :v", {}, R"({":v":{"N":"3"}})", R"({})", kMissing},
        {"string operand", "SET a = b + :v", {}, R"({":v":{"N":"3"}})", R"({"b":{"S":"x"}})", kWrongType},
        {"type error before the missing operand", "SET a = b - c", {}, "", R"({"b":{"S":"x"}})", kWrongType},
        {"overflow", "SET a = a + :v", {}, R"({":v":{"N":"9E125"}})", R"({"a":{"N":"9E125"}})",
         "Number overflow. Attempting to store a number with magnitude larger than supported range"},
    });
}

TEST_CASE("REMOVE attributes, map members and list elements", "[expression][update]") {
    check_table({
        {"remove an attribute", "REMOVE a", {}, "", R"({"a":{"S":"hello"},"b":{"S":"hi"}})",
         R"({"b":{"S":"hi"}})"},
        {"remove a missing attribute", "REMOVE c", {}, "", R"({"a":{"N":"1"}})", R"({"a":{"N":"1"}})"},
        {"remove a map member", "REMOVE #m.#n", {{"#m", "mymap"}, {"#n", "nested"}}, "",
         R"({"mymap":{"M":{"nested":{"S":"gone"},"keep":{"S":"stay"}}}})",
         R"({"mymap":{"M":{"keep":{"S":"stay"}}}})"},
        {"remove the only member leaves an empty map", "REMOVE a.b", {}, "", R"({"a":{"M":{"b":{"N":"1"}}}})",
         R"({"a":{"M":{}}})"},
        {"remove a missing member", "REMOVE a.y", {}, "", R"({"a":{"M":{"x":{"N":"3"}}}})",
         R"({"a":{"M":{"x":{"N":"3"}}}})"},
        {"remove from a missing map", "REMOVE c.c", {}, "", R"({"a":{"S":"hello"}})", kBadPath},
        {"remove a member of a string", "REMOVE a.c", {}, "", R"({"a":{"S":"hello"}})", kBadPath},
        {"remove an element of a string", "REMOVE a[0]", {}, "", R"({"a":{"S":"hello"}})", kBadPath},
        {"remove paths of an item being created", "REMOVE x.y, z[0]", {}, "", R"({"p":{"S":"k"}})",
         R"({"p":{"S":"k"}})", false},
        {"remove a list element shifts the rest", "REMOVE #l[1]", {{"#l", "mylist"}}, "",
         R"({"mylist":{"L":[{"S":"a"},{"S":"b"},{"S":"c"},{"S":"d"}]}})",
         R"({"mylist":{"L":[{"S":"a"},{"S":"c"},{"S":"d"}]}})"},
        {"remove the last element", "REMOVE #l[1]", {{"#l", "mylist"}}, "",
         R"({"mylist":{"L":[{"S":"x"},{"S":"y"}]}})", R"({"mylist":{"L":[{"S":"x"}]}})"},
        {"remove the only element", "REMOVE a[0]", {}, "", R"({"a":{"L":[{"N":"1"}]}})", R"({"a":{"L":[]}})"},
        {"remove beyond the end", "REMOVE a[17]", {}, "", R"({"a":{"L":[{"N":"4"},{"N":"5"}]}})",
         R"({"a":{"L":[{"N":"4"},{"N":"5"}]}})"},
        {"indexes refer to the old list", "REMOVE a[1], a[3]", {}, "",
         R"({"a":{"L":[{"N":"0"},{"N":"1"},{"N":"2"},{"N":"3"},{"N":"4"}]}})",
         R"({"a":{"L":[{"N":"0"},{"N":"2"},{"N":"4"}]}})"},
        {"REMOVE then SET by old index", "REMOVE a[1] SET a[3] = :v", {}, R"({":v":{"N":"17"}})",
         R"({"a":{"L":[{"N":"2"},{"N":"3"},{"N":"4"},{"N":"5"},{"N":"6"},{"N":"7"}]}})",
         R"({"a":{"L":[{"N":"2"},{"N":"4"},{"N":"17"},{"N":"6"},{"N":"7"}]}})"},
        {"SET then REMOVE by old index", "SET a[3] = :v REMOVE a[1]", {}, R"({":v":{"N":"17"}})",
         R"({"a":{"L":[{"N":"2"},{"N":"3"},{"N":"4"},{"N":"5"},{"N":"6"},{"N":"7"}]}})",
         R"({"a":{"L":[{"N":"2"},{"N":"4"},{"N":"17"},{"N":"6"},{"N":"7"}]}})"},
        {"nested list elements and members", "REMOVE a.c[1].x.y[1], a.c[1].q", {}, "",
         R"({"a":{"M":{"b":{"N":"3"},"c":{"L":[{"S":"hi"},{"M":{"x":{"M":{"y":{"L":[{"N":"3"},{"N":"5"},{"N":"7"}]}}},"q":{"N":"2"}}}]}}}})",
         R"({"a":{"M":{"b":{"N":"3"},"c":{"L":[{"S":"hi"},{"M":{"x":{"M":{"y":{"L":[{"N":"3"},{"N":"7"}]}}}}}]}}}})"},
        {"REMOVE and SET read the old value", "REMOVE a SET b = a", {}, "", R"({"a":{"S":"hello"}})",
         R"({"b":{"S":"hello"}})"},
        {"several sections together", "SET a.b = :v1, a.c.d = :v2, b.x = :v3 REMOVE a.x, b.y", {},
         R"({":v1":{"N":"10"},":v2":{"S":"dog"},":v3":{"N":"17"}})",
         R"({"a":{"M":{"x":{"N":"3"},"y":{"N":"4"},"c":{"M":{"y":{"N":"3"}}}}},"b":{"M":{"x":{"N":"1"},"y":{"N":"2"}}}})",
         R"({"a":{"M":{"y":{"N":"4"},"b":{"N":"10"},"c":{"M":{"y":{"N":"3"},"d":{"S":"dog"}}}}},"b":{"M":{"x":{"N":"17"}}}})"},
    });
}

TEST_CASE("ADD numbers and sets, DELETE from sets", "[expression][update]") {
    check_table({
        {"ADD to a number", "ADD a :v", {}, R"({":v":{"N":"4"}})", R"({"a":{"N":"3"},"b":{"S":"hi"}})",
         R"({"a":{"N":"7"},"b":{"S":"hi"}})"},
        {"ADD creates a number", "ADD b :v", {}, R"({":v":{"N":"7"}})", R"({"a":{"S":"hello"}})",
         R"({"a":{"S":"hello"},"b":{"N":"7"}})"},
        {"ADD exact decimals", "ADD a :v", {}, R"({":v":{"N":"0.2"}})", R"({"a":{"N":"0.1"}})",
         R"({"a":{"N":"0.3"}})"},
        {"ADD a number to a string", "ADD b :v", {}, R"({":v":{"N":"1"}})", R"({"b":{"S":"hi"}})", kWrongType},
        {"ADD to a set", "ADD a :v", {}, R"({":v":{"SS":["pig"]}})", R"({"a":{"SS":["dog","cat"]}})",
         R"({"a":{"SS":["dog","cat","pig"]}})"},
        {"ADD keeps sets free of duplicates", "ADD a :v", {}, R"({":v":{"SS":["coati","badger"]}})",
         R"({"a":{"SS":["beaver","lynx","coati"]}})", R"({"a":{"SS":["beaver","lynx","coati","badger"]}})"},
        {"ADD to a number set numerically", "ADD a :v", {}, R"({":v":{"NS":["1.0","3"]}})",
         R"({"a":{"NS":["1","2"]}})", R"({"a":{"NS":["1","2","3"]}})"},
        {"ADD creates a set", "ADD b :v", {}, R"({":v":{"SS":["cat"]}})", R"({})", R"({"b":{"SS":["cat"]}})"},
        {"ADD a string set to a number set", "ADD a :v", {}, R"({":v":{"SS":["x"]}})",
         R"({"a":{"NS":["1"]}})", kWrongType},
        {"ADD a set to a list", "ADD a :v", {}, R"({":v":{"NS":["3"]}})", R"({"a":{"L":[{"N":"1"}]}})",
         kWrongType},
        {"ADD nested", "ADD m.n :v", {}, R"({":v":{"N":"2"}})", R"({"m":{"M":{"n":{"N":"5"}}}})",
         R"({"m":{"M":{"n":{"N":"7"}}}})"},
        {"DELETE from a set", "DELETE a :v", {}, R"({":v":{"SS":["cat","mouse"]}})",
         R"({"a":{"SS":["dog","cat","mouse"]},"b":{"S":"hi"}})", R"({"a":{"SS":["dog"]},"b":{"S":"hi"}})"},
        {"DELETE a non-member", "DELETE a :v", {}, R"({":v":{"SS":["pig"]}})", R"({"a":{"SS":["dog"]}})",
         R"({"a":{"SS":["dog"]}})"},
        {"DELETE the last members removes the set", "DELETE a :v", {}, R"({":v":{"SS":["dog"]}})",
         R"({"a":{"SS":["dog"]},"b":{"S":"hi"}})", R"({"b":{"S":"hi"}})"},
        {"DELETE from a missing set", "DELETE a :v", {}, R"({":v":{"SS":["dog"]}})", R"({"b":{"S":"hi"}})",
         R"({"b":{"S":"hi"}})"},
        {"DELETE numbers numerically", "DELETE a :v", {}, R"({":v":{"NS":["2.0"]}})",
         R"({"a":{"NS":["1","2"]}})", R"({"a":{"NS":["1"]}})"},
        {"DELETE binaries", "DELETE a :v", {}, R"({":v":{"BS":["AQ=="]}})", R"({"a":{"BS":["AQ==","Ag=="]}})",
         R"({"a":{"BS":["Ag=="]}})"},
        {"DELETE from another set type", "DELETE a :v", {}, R"({":v":{"NS":["1"]}})",
         R"({"a":{"SS":["1"]}})", kWrongType},
        {"ADD and DELETE on different sets", "ADD #s1 :a DELETE #s2 :d", {{"#s1", "ss1"}, {"#s2", "ss2"}},
         R"({":a":{"SS":["c"]},":d":{"SS":["a"]}})", R"({"ss1":{"SS":["a"]},"ss2":{"SS":["a","b"]}})",
         R"({"ss1":{"SS":["a","c"]},"ss2":{"SS":["b"]}})"},
    });
}

TEST_CASE("projection keeps nested values in shape", "[expression][update]") {
    const char* doc = R"({
        "pk": {"S": "k"}, "a": {"M": {"b": {"S": "bb"}, "c": {"N": "1"}, "d": {"M": {"e": {"N": "2"}}}}},
        "l": {"L": [{"S": "l0"}, {"M": {"x": {"N": "1"}, "y": {"N": "2"}}}, {"S": "l2"}]},
        "s": {"S": "str"}
    })";
    struct P {
        const char* name;
        const char* projection;
        const char* expected;
    };
    const std::vector<P> cases = {
        {"top-level attributes", "pk, s", R"({"pk":{"S":"k"},"s":{"S":"str"}})"},
        {"missing attributes are skipped", "pk, nope", R"({"pk":{"S":"k"}})"},
        {"nothing found", "nope", R"({})"},
        {"a map member keeps its map", "a.b", R"({"a":{"M":{"b":{"S":"bb"}}}})"},
        {"several members of one map", "a.b, a.d.e", R"({"a":{"M":{"b":{"S":"bb"},"d":{"M":{"e":{"N":"2"}}}}}})"},
        {"list elements compacted in index order", "l[2], l[0]", R"({"l":{"L":[{"S":"l0"},{"S":"l2"}]}})"},
        {"list element beyond the end", "l[5]", R"({})"},
        {"member of a list element", "l[1].y", R"({"l":{"L":[{"M":{"y":{"N":"2"}}}]}})"},
        {"member of a string", "s.x", R"({})"},
        {"index into a map", "a[0]", R"({})"},
        {"missing member", "a.zz", R"({})"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            expr::Attributes a = attrs({}, "");
            Item projected = expr::project(item(doc), expr::parse_projection(c.projection, a));
            CHECK(lowcloud::dynamodb::to_json(projected).dump() == expect_item(c.expected));
        }
    }
}

TEST_CASE("updated paths project the old and new values", "[expression][update]") {
    expr::Attributes a = attrs({}, R"({":v":{"N":"1"},":s":{"SS":["x"]}})");
    expr::Update u = expr::parse_update("SET m.c = m.c + :v, l[0] = :v REMOVE gone ADD s :s", a);
    Item before = item(R"({"pk":{"S":"k"},"m":{"M":{"c":{"N":"1"},"keep":{"N":"9"}}},
                           "l":{"L":[{"N":"5"},{"N":"6"}]},"gone":{"S":"x"},"other":{"S":"o"}})");
    Item after = expr::apply(u, before);
    expr::Projection changed{expr::updated_paths(u)};
    CHECK(lowcloud::dynamodb::to_json(expr::project(before, changed)).dump() ==
          expect_item(R"({"m":{"M":{"c":{"N":"1"}}},"l":{"L":[{"N":"5"}]},"gone":{"S":"x"}})"));
    CHECK(lowcloud::dynamodb::to_json(expr::project(after, changed)).dump() ==
          expect_item(R"({"m":{"M":{"c":{"N":"2"}}},"l":{"L":[{"N":"1"}]},"s":{"SS":["x"]}})"));
}
