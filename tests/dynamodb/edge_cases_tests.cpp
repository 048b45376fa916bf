// Tests for the pure rules behind issue #15's DynamoDB edge cases: the
// attribute-name ceiling (value.hpp), tag rules (tags.hpp), index write
// capacity (capacity.hpp) and which updates write nothing on a missing item
// (expression.hpp only_removes). Each table row has a stable name used as the
// DYNAMIC_SECTION name; the integration counterpart is
// tests/integration/test_dynamodb_edge_cases.py.
#include "dynamodb/capacity.hpp"
#include "dynamodb/error.hpp"
#include "dynamodb/expression.hpp"
#include "dynamodb/value.hpp"

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
