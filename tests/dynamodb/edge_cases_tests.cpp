// Tests for the pure rules behind issue #15's DynamoDB edge cases: the
// attribute-name ceiling (value.hpp), tag rules (tags.hpp), index write
// capacity (capacity.hpp) and which updates write nothing on a missing item
// (expression.hpp only_removes). Each table row has a stable name used as the
// DYNAMIC_SECTION name; the integration counterpart is
// tests/integration/test_dynamodb_edge_cases.py.
#include "model/capacity.hpp"
#include "dynamodb/error.hpp"
#include "expression/expression.hpp"
#include "model/tags.hpp"
#include "model/value.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

using namespace lowcloud::dynamodb;
using nlohmann::json;

namespace {

Item item(const std::string& text) { return parse_item(json::parse(text)); }

}  // namespace

TEST_CASE("attribute names are limited to 65535 bytes", "[dynamodb][limits]") {
    struct Case {
        const char* name;
        std::string attribute;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {"short", "a", ""},
        {"65535_bytes", std::string(65535, 'x'), ""},
        {"65536_bytes", std::string(65536, 'x'), "Attribute name is too large, must be less than 65536 bytes"},
        {"multibyte_over", std::string(21846 * 3, '\xe0'), "Attribute name is too large, must be less than 65536 bytes"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) { CHECK(attribute_name_problem(c.attribute) == c.expected); }
    }
}

TEST_CASE("tag rules", "[dynamodb][tags]") {
    struct Case {
        const char* name;
        std::vector<TagInput> tags;
        std::string expected;
    };
    const std::string k129(129, 'k');
    const std::string v257(257, 'v');
    const std::vector<Case> cases = {
        {"plain", {{"env", "dev"}}, ""},
        {"allowed_punctuation", {{"a+b-c=d.e_f:g/h@i", "x y"}}, ""},
        {"empty_value", {{"k", ""}}, ""},
        {"unicode_letters", {{"ключ", "café"}, {"表", "\xd7\x90"}}, ""},
        {"unicode_spaces", {{"a\u00a0b\u3000c", "v"}}, ""},
        {"key_128_chars", {{std::string(128, 'k'), "v"}}, ""},
        {"key_128_unicode_chars", {{[] { std::string s; for (int i = 0; i < 128; ++i) s += "\xd7\x90"; return s; }(), "v"}}, ""},
        {"key_missing", {{std::nullopt, "v"}}, "The Tag Key provided is invalid, Key: null"},
        {"key_empty", {{"", "v"}}, "The Tag Key provided is invalid, Key: "},
        {"key_129", {{k129, "v"}}, "The Tag Key provided is invalid, Key: " + k129},
        {"key_bang", {{"hi!", "v"}}, "The Tag Key provided is invalid, Key: hi!"},
        {"key_emoji", {{"\xf0\x9f\x94\x91", "v"}}, "The Tag Key provided is invalid, Key: \xf0\x9f\x94\x91"},
        {"key_comma", {{"a,b", "v"}}, "The Tag Key provided is invalid, Key: a,b"},
        {"key_bad_utf8", {{"a\xff", "v"}}, "The Tag Key provided is invalid, Key: a\xff"},
        {"key_aws_prefix", {{"aws:cost", "v"}}, "Tag Key cannot be prefixed with aws:, Key: aws:cost"},
        {"value_missing", {{"k", std::nullopt}}, "The Tag Value provided is invalid, Value: null"},
        {"value_257", {{"k", v257}}, "The Tag Value provided is invalid, Value: " + v257},
        {"value_percent", {{"k", "100%"}}, "The Tag Value provided is invalid, Value: 100%"},
        {"duplicate", {{"d", "1"}, {"d", "2"}}, "Duplicate Tag Keys provided as input: Duplicate Tag Key found d"},
        {"first_problem_wins", {{"ok", "v"}, {"bad!", "v"}, {"ok", "w"}}, "The Tag Key provided is invalid, Key: bad!"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) { CHECK(tag_problem(c.tags) == c.expected); }
    }
    SECTION("count_50_ok_51_refused") {
        CHECK_NOTHROW(check_tag_count(50));
        CHECK_THROWS_WITH(check_tag_count(51), "Number of Tags exceed the current limit for the provided ResourceArn");
    }
}

TEST_CASE("index write capacity", "[dynamodb][capacity]") {
    TableDef t;
    t.name = "t";
    t.key = {{"pk", Type::S}, KeyAttribute{"sk", Type::S}, {}, {}};
    SecondaryIndex gsi;
    gsi.name = "gsi";
    gsi.key = {{"g", Type::S}, std::nullopt, {}, {}};
    gsi.projection = {"INCLUDE", {"proj"}};
    SecondaryIndex lsi;
    lsi.name = "lsi";
    lsi.key = {{"pk", Type::S}, KeyAttribute{"l", Type::S}, {}, {}};
    lsi.projection = {"ALL", {}};
    t.global_indexes = {gsi};
    t.local_indexes = {lsi};

    const std::string full = R"({"pk":{"S":"a"},"sk":{"S":"1"},"g":{"S":"g1"},"l":{"S":"L1"},"proj":{"S":"p"},"other":{"S":"o"}})";
    struct Case {
        const char* name;
        const char* before;  // "" for no item
        std::string after;   // "" for no item
        double total;
        std::map<std::string, double> global, local;
    };
    const std::vector<Case> cases = {
        {"new_item_both_indexes", "", full, 3, {{"gsi", 1}}, {{"lsi", 1}}},
        {"new_sparse_item", "", R"({"pk":{"S":"a"},"sk":{"S":"1"}})", 1, {}, {}},
        {"identical_overwrite", full.c_str(), full, 1, {}, {}},
        {"non_projected_change", full.c_str(),
         R"({"pk":{"S":"a"},"sk":{"S":"1"},"g":{"S":"g1"},"l":{"S":"L1"},"proj":{"S":"p"},"other":{"S":"o2"}})", 2, {}, {{"lsi", 1}}},
        {"projected_change", full.c_str(),
         R"({"pk":{"S":"a"},"sk":{"S":"1"},"g":{"S":"g1"},"l":{"S":"L1"},"proj":{"S":"p2"},"other":{"S":"o"}})", 3, {{"gsi", 1}},
         {{"lsi", 1}}},
        {"gsi_key_change", full.c_str(),
         R"({"pk":{"S":"a"},"sk":{"S":"1"},"g":{"S":"g2"},"l":{"S":"L1"},"proj":{"S":"p"},"other":{"S":"o"}})", 4, {{"gsi", 2}},
         {{"lsi", 1}}},
        {"gsi_key_removed", full.c_str(), R"({"pk":{"S":"a"},"sk":{"S":"1"},"l":{"S":"L1"},"proj":{"S":"p"},"other":{"S":"o"}})", 3,
         {{"gsi", 1}}, {{"lsi", 1}}},
        {"deleted", full.c_str(), "", 3, {{"gsi", 1}}, {{"lsi", 1}}},
        {"big_entry_two_kb", "", R"({"pk":{"S":"a"},"sk":{"S":"1"},"g":{"S":")" + std::string(1500, 'x') + R"("}})", 4, {{"gsi", 2}}, {}},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            Item before = *c.before ? item(c.before) : Item{};
            Item after = c.after.empty() ? Item{} : item(c.after);
            const double table_units = c.name == std::string("big_entry_two_kb") ? 2 : 1;
            WriteCapacity w = write_capacity(t, table_units, *c.before ? &before : nullptr, c.after.empty() ? nullptr : &after);
            CHECK(w.total() == c.total);
            CHECK(w.global == c.global);
            CHECK(w.local == c.local);
        }
    }
    SECTION("indexes_mode_lists_only_arms_that_cost") {
        Item after = item(R"({"pk":{"S":"a"},"sk":{"S":"1"},"g":{"S":"g1"}})");
        auto cc = consumed_capacity(std::string("INDEXES"), "t", write_capacity(t, 1, nullptr, &after));
        CHECK(*cc == json::parse(R"({"TableName":"t","CapacityUnits":2.0,"Table":{"CapacityUnits":1.0},
                                     "GlobalSecondaryIndexes":{"gsi":{"CapacityUnits":1.0}}})"));
        auto total = consumed_capacity(std::string("TOTAL"), "t", write_capacity(t, 1, nullptr, &after));
        CHECK(*total == json::parse(R"({"TableName":"t","CapacityUnits":2.0})"));
        CHECK_FALSE(consumed_capacity(std::string("NONE"), "t", write_capacity(t, 1, nullptr, &after)));
    }
}

TEST_CASE("updates that only remove write nothing to a missing item", "[dynamodb][update]") {
    auto update_of = [](const std::string& text, const std::string& values) {
        Item v = values.empty() ? Item{} : item(values);
        expr::Attributes attrs({}, std::map<std::string, AttributeValue>(v.begin(), v.end()));
        return expr::parse_update(text, attrs);
    };
    struct Case {
        const char* name;
        const char* expression;
        const char* values;
        bool only_removes;
    };
    const std::vector<Case> cases = {
        {"remove", "REMOVE a", "", true},
        {"remove_nested", "REMOVE a.b, c[0]", "", true},
        {"delete_nested", "DELETE a.b :s", R"({":s":{"SS":["x"]}})", true},
        {"remove_and_set", "REMOVE a SET b = :v", R"({":v":{"N":"1"}})", false},
        {"add", "ADD n :v", R"({":v":{"N":"1"}})", false},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            expr::Update u = update_of(c.expression, c.values);
            CHECK(expr::only_removes(u) == c.only_removes);
            if (c.only_removes) CHECK(expr::apply(u, Item{}, false).empty());
        }
    }
    SECTION("empty_attribute_updates_creates") { CHECK_FALSE(expr::only_removes(expr::from_attribute_updates(json::object()))); }
}
