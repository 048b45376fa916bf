// The legacy parameters -- Expected, QueryFilter / ScanFilter / KeyConditions,
// ConditionalOperator, AttributeUpdates, AttributesToGet -- converted into the
// expression trees: their validation messages, and that the converted trees
// evaluate, apply and project with the legacy semantics.
#include "expression_test_util.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace exprtest;
using nlohmann::json;

namespace {

struct CondCase {
    const char* name;
    std::string conditions;  // JSON of Expected / ScanFilter
    const char* op;          // ConditionalOperator
    const char* item;        // DynamoDB JSON item; "null" for a missing item
    std::string expected;    // "true", "false" or the error message
};

std::string eval_expected(const CondCase& c) {
    std::optional<expr::Condition> cond;
    std::string error = error_of([&] { cond = expr::from_expected(json::parse(c.conditions), c.op); });
    if (!error.empty()) return error;
    if (!cond) return "none";
    if (std::string(c.item) == "null") return expr::evaluate(*cond, nullptr) ? "true" : "false";
    Item i = item(c.item);
    return expr::evaluate(*cond, &i) ? "true" : "false";
}

std::string eval_filter(const CondCase& c, const char* parameter = "ScanFilter") {
    std::optional<expr::Condition> cond;
    std::string error =
        error_of([&] { cond = expr::from_filter(json::parse(c.conditions), c.op, parameter); });
    if (!error.empty()) return error;
    if (!cond) return "none";
    Item i = item(c.item);
    return expr::evaluate(*cond, &i) ? "true" : "false";
}

constexpr const char* kItem = R"({"pk":{"S":"k"},"status":{"S":"active"},"n":{"N":"10"},
    "tags":{"SS":["a","b"]},"name":{"S":"hello-world"},"l":{"L":[{"N":"1"}]}})";
constexpr const char* kInvalid = "One or more parameter values were invalid: ";

}  // namespace

TEST_CASE("Expected: Exists, Value and comparison operators", "[expression][legacy]") {
    const std::vector<CondCase> cases = {
        {"Exists false on a new item", R"({"pk":{"Exists":false}})", "", "null", "true"},
        {"Exists false on an existing item", R"({"pk":{"Exists":false}})", "", kItem, "false"},
        {"Exists true with a matching Value", R"({"status":{"Exists":true,"Value":{"S":"active"}}})", "",
         kItem, "true"},
        {"Value alone means equality", R"({"status":{"Value":{"S":"other"}}})", "", kItem, "false"},
        {"EQ with AttributeValueList",
         R"({"status":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"active"}]}})", "", kItem,
         "true"},
        {"EQ with Value", R"({"n":{"ComparisonOperator":"EQ","Value":{"N":"10.0"}}})", "", kItem, "true"},
        {"NE on a missing attribute", R"({"x":{"ComparisonOperator":"NE","AttributeValueList":[{"N":"1"}]}})",
         "", kItem, "true"},
        {"GT numeric", R"({"n":{"ComparisonOperator":"GT","AttributeValueList":[{"N":"9"}]}})", "", kItem,
         "true"},
        {"LE numeric", R"({"n":{"ComparisonOperator":"LE","AttributeValueList":[{"N":"9"}]}})", "", kItem,
         "false"},
        {"NULL", R"({"x":{"ComparisonOperator":"NULL"}})", "", kItem, "true"},
        {"NOT_NULL", R"({"pk":{"ComparisonOperator":"NOT_NULL"}})", "", kItem, "true"},
        {"CONTAINS a set member", R"({"tags":{"ComparisonOperator":"CONTAINS","AttributeValueList":[{"S":"b"}]}})",
         "", kItem, "true"},
        {"NOT_CONTAINS a substring", R"({"name":{"ComparisonOperator":"NOT_CONTAINS","AttributeValueList":[{"S":"xyz"}]}})",
         "", kItem, "true"},
        {"CONTAINS a list element", R"({"l":{"ComparisonOperator":"CONTAINS","AttributeValueList":[{"N":"1"}]}})",
         "", kItem, "true"},
        {"BEGINS_WITH", R"({"name":{"ComparisonOperator":"BEGINS_WITH","AttributeValueList":[{"S":"hello"}]}})",
         "", kItem, "true"},
        {"IN", R"({"n":{"ComparisonOperator":"IN","AttributeValueList":[{"N":"1"},{"N":"10"}]}})", "", kItem,
         "true"},
        {"BETWEEN", R"({"n":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"N":"10"},{"N":"11"}]}})",
         "", kItem, "true"},
        {"AND by default", R"({"status":{"Value":{"S":"active"}},"n":{"Value":{"N":"11"}}})", "", kItem,
         "false"},
        {"AND explicitly", R"({"status":{"Value":{"S":"active"}},"n":{"Value":{"N":"10"}}})", "AND", kItem,
         "true"},
        {"OR", R"({"status":{"Value":{"S":"active"}},"n":{"Value":{"N":"11"}}})", "OR", kItem, "true"},
        {"OR none", R"({"status":{"Value":{"S":"x"}},"n":{"Value":{"N":"11"}}})", "OR", kItem, "false"},
        {"a dotted name is one attribute", R"({"a.b":{"Value":{"S":"v"}}})", "", R"({"a.b":{"S":"v"}})",
         "true"},
        {"empty Expected", R"({})", "", kItem, "none"},
        // validation
        {"Value and AttributeValueList",
         R"({"a":{"ComparisonOperator":"EQ","Value":{"S":"x"},"AttributeValueList":[{"S":"x"}]}})", "", kItem,
         std::string(kInvalid) + "Value and AttributeValueList cannot be used together for Attribute: a"},
        {"Exists and ComparisonOperator", R"({"a":{"ComparisonOperator":"NULL","Exists":false}})", "", kItem,
         std::string(kInvalid) + "Exists and ComparisonOperator cannot be used together for Attribute: a"},
        {"operator without values", R"({"a":{"ComparisonOperator":"EQ"}})", "", kItem,
         std::string(kInvalid) +
             "Value or AttributeValueList must be used with ComparisonOperator: EQ for Attribute: a"},
        {"wrong number of values", R"({"a":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"N":"1"}]}})",
         "", kItem, std::string(kInvalid) + "Invalid number of argument(s) for the BETWEEN ComparisonOperator"},
        {"values for NULL", R"({"a":{"ComparisonOperator":"NULL","AttributeValueList":[{"N":"1"}]}})", "",
         kItem, std::string(kInvalid) + "Invalid number of argument(s) for the NULL ComparisonOperator"},
        {"mixed types", R"({"a":{"ComparisonOperator":"IN","AttributeValueList":[{"N":"1"},{"S":"1"}]}})", "",
         kItem, std::string(kInvalid) + "AttributeValues inside AttributeValueList must be of same type"},
        {"BETWEEN reversed", R"({"a":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"N":"2"},{"N":"1"}]}})",
         "", kItem, "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound"},
        // issue #15: Expected refuses values the operator cannot compare, as the filters do
        {"expected_begins_with_number", R"({"a":{"ComparisonOperator":"BEGINS_WITH","AttributeValueList":[{"N":"3"}]}})",
         "", kItem, std::string(kInvalid) + "ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type"},
        {"expected_begins_with_number_value", R"({"a":{"ComparisonOperator":"BEGINS_WITH","Value":{"N":"3"}}})", "", kItem,
         std::string(kInvalid) + "ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type"},
        {"expected_contains_list", R"({"a":{"ComparisonOperator":"CONTAINS","AttributeValueList":[{"L":[{"N":"1"}]}]}})",
         "", kItem, std::string(kInvalid) + "ComparisonOperator CONTAINS is not valid for L AttributeValue type"},
        {"expected_between_sets", R"({"a":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"SS":["a"]},{"SS":["b"]}]}})",
         "", kItem, std::string(kInvalid) + "ComparisonOperator BETWEEN is not valid for SS AttributeValue type"},
        {"expected_eq_set_allowed", R"({"tags":{"ComparisonOperator":"EQ","AttributeValueList":[{"SS":["b","a"]}]}})", "",
         kItem, "true"},
        {"expected_name_over_65535_bytes", R"({")" + std::string(65536, 'x') + R"(":{"Exists":false}})", "", kItem,
         "Attribute name is too large, must be less than 65536 bytes"},
        {"AttributeValueList without operator", R"({"a":{"AttributeValueList":[{"N":"1"}]}})", "", kItem,
         std::string(kInvalid) + "AttributeValueList can only be used with a ComparisonOperator for Attribute: a"},
        {"no Value, Exists null", R"({"a":{}})", "", kItem,
         std::string(kInvalid) + "Value must be provided when Exists is null for Attribute: a"},
        {"no Value, Exists true", R"({"a":{"Exists":true}})", "", kItem,
         std::string(kInvalid) + "Value must be provided when Exists is true for Attribute: a"},
        {"Value with Exists false", R"({"a":{"Exists":false,"Value":{"S":"x"}}})", "", kItem,
         std::string(kInvalid) + "Value cannot be used when Exists is false for Attribute: a"},
        {"unknown operator", R"({"a":{"ComparisonOperator":"LIKE","AttributeValueList":[{"S":"x"}]}})", "",
         kItem,
         "1 validation error detected: Value 'LIKE' at 'expected.a.member.comparisonOperator' failed to "
         "satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, "
         "EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]"},
        {"unknown ConditionalOperator", R"({"a":{"Exists":false}})", "XOR", kItem,
         "1 validation error detected: Value 'XOR' at 'conditionalOperator' failed to satisfy constraint: "
         "Member must satisfy enum value set: [OR, AND]"},
        {"invalid value", R"({"a":{"Value":{"N":"abc"}}})", "", kItem,
         "The parameter cannot be converted to a numeric value: abc"},
        {"shape: operator is a number", R"({"a":{"ComparisonOperator":5}})", "", kItem,
         "NUMBER_VALUE cannot be converted to String"},
        {"shape: Exists is a string", R"({"a":{"Exists":"no"}})", "", kItem,
         "STRING_VALUE cannot be converted to Boolean"},
        {"shape: condition is a list", R"({"a":[]})", "", kItem, "Start of list found where not expected"},
        {"shape: Expected is a list", R"([])", "", kItem, "Start of list found where not expected"},
        {"shape: AttributeValueList is a map", R"({"a":{"ComparisonOperator":"EQ","AttributeValueList":{}}})",
         "", kItem, "Start of structure or map found where not expected."},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            INFO(c.conditions);
            CHECK(eval_expected(c) == c.expected);
        }
    }
}

TEST_CASE("QueryFilter, ScanFilter and KeyConditions", "[expression][legacy]") {
    const std::vector<CondCase> cases = {
        {"EQ", R"({"n":{"ComparisonOperator":"EQ","AttributeValueList":[{"N":"10"}]}})", "", kItem, "true"},
        {"GT", R"({"n":{"ComparisonOperator":"GT","AttributeValueList":[{"N":"30"}]}})", "", kItem, "false"},
        {"BEGINS_WITH", R"({"name":{"ComparisonOperator":"BEGINS_WITH","AttributeValueList":[{"S":"hello"}]}})",
         "", kItem, "true"},
        {"CONTAINS", R"({"name":{"ComparisonOperator":"CONTAINS","AttributeValueList":[{"S":"two"}]}})", "",
         kItem, "false"},
        {"NOT_NULL and GT with AND",
         R"({"name":{"ComparisonOperator":"NOT_NULL"},"n":{"ComparisonOperator":"GT","AttributeValueList":[{"N":"5"}]}})",
         "AND", kItem, "true"},
        {"EQ sets", R"({"tags":{"ComparisonOperator":"EQ","AttributeValueList":[{"SS":["b","a"]}]}})", "",
         kItem, "true"},
        {"missing operator", R"({"n":{"AttributeValueList":[{"N":"10"}]}})", "", kItem,
         "1 validation error detected: Value null at 'scanFilter.n.member.comparisonOperator' failed to "
         "satisfy constraint: Member must not be null"},
        {"wrong count", R"({"n":{"ComparisonOperator":"EQ","AttributeValueList":[]}})", "", kItem,
         std::string(kInvalid) + "Invalid number of argument(s) for the EQ ComparisonOperator"},
        {"IN needs a value", R"({"n":{"ComparisonOperator":"IN"}})", "", kItem,
         std::string(kInvalid) + "Invalid number of argument(s) for the IN ComparisonOperator"},
        {"ordering a set", R"({"n":{"ComparisonOperator":"LT","AttributeValueList":[{"NS":["1"]}]}})", "",
         kItem, std::string(kInvalid) + "ComparisonOperator LT is not valid for NS AttributeValue type"},
        {"BEGINS_WITH a number", R"({"n":{"ComparisonOperator":"BEGINS_WITH","AttributeValueList":[{"N":"1"}]}})",
         "", kItem, std::string(kInvalid) + "ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type"},
        {"EQ of a list", R"({"l":{"ComparisonOperator":"EQ","AttributeValueList":[{"L":[]}]}})", "", kItem,
         std::string(kInvalid) + "ComparisonOperator EQ is not valid for L AttributeValue type"},
        {"BETWEEN reversed strings",
         R"({"name":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"S":"b"},{"S":"a"}]}})", "", kItem,
         "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            INFO(c.conditions);
            CHECK(eval_filter(c) == c.expected);
        }
    }
    SECTION("the parameter names enum errors") {
        CondCase c{"", R"({"n":{"ComparisonOperator":"NOPE","AttributeValueList":[{"N":"1"}]}})", "", kItem, ""};
        CHECK(eval_filter(c, "QueryFilter") ==
              "1 validation error detected: Value 'NOPE' at 'queryFilter.n.member.comparisonOperator' "
              "failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, "
              "NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]");
    }
    SECTION("KeyConditions become a tree the Query planner can read") {
        auto cond = expr::from_filter(
            json::parse(R"({"pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"p"}]},
                           "sk":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"N":"1"},{"N":"5"}]}})"),
            "", "KeyConditions");
        REQUIRE(cond);
        CHECK(show(*cond) == R"(AND(=(pk,{"S":"p"}),BETWEEN(sk,{"N":"1"},{"N":"5"})))");
    }
}

TEST_CASE("AttributeUpdates: PUT, ADD, DELETE", "[expression][legacy]") {
    struct Case {
        const char* name;
        const char* updates;
        const char* before;
        std::string expected;  // item JSON or error
    };
    const std::vector<Case> cases = {
        {"PUT", R"({"data":{"Action":"PUT","Value":{"S":"new"}}})", R"({"pk":{"S":"k"}})",
         R"({"pk":{"S":"k"},"data":{"S":"new"}})"},
        {"no Action means PUT", R"({"col":{"Value":{"S":"written"}}})", R"({})", R"({"col":{"S":"written"}})"},
        {"DELETE without a value removes", R"({"extra":{"Action":"DELETE"}})",
         R"({"extra":{"S":"x"},"keep":{"N":"1"}})", R"({"keep":{"N":"1"}})"},
        {"DELETE set members", R"({"tags":{"Action":"DELETE","Value":{"SS":["b"]}}})",
         R"({"tags":{"SS":["a","b","c"]}})", R"({"tags":{"SS":["a","c"]}})"},
        {"DELETE all members", R"({"tags":{"Action":"DELETE","Value":{"SS":["a"]}}})", R"({"tags":{"SS":["a"]}})",
         R"({})"},
        {"ADD to a number", R"({"counter":{"Action":"ADD","Value":{"N":"5"}}})", R"({"counter":{"N":"10"}})",
         R"({"counter":{"N":"15"}})"},
        {"ADD creates a number", R"({"counter":{"Action":"ADD","Value":{"N":"-1.5"}}})", R"({})",
         R"({"counter":{"N":"-1.5"}})"},
        {"ADD set members", R"({"tags":{"Action":"ADD","Value":{"SS":["c","a"]}}})", R"({"tags":{"SS":["a","b"]}})",
         R"({"tags":{"SS":["a","b","c"]}})"},
        {"ADD appends to a list", R"({"l":{"Action":"ADD","Value":{"L":[{"N":"2"},{"N":"1"}]}}})",
         R"({"l":{"L":[{"N":"1"}]}})", R"({"l":{"L":[{"N":"1"},{"N":"2"},{"N":"1"}]}})"},
        {"several at once", R"({"name":{"Action":"PUT","Value":{"S":"new"}},"count":{"Action":"ADD","Value":{"N":"9"}},"extra":{"Action":"DELETE"}})",
         R"({"name":{"S":"old"},"count":{"N":"1"},"extra":{"S":"x"}})", R"({"name":{"S":"new"},"count":{"N":"10"}})"},
        {"ADD to another type", R"({"n":{"Action":"ADD","Value":{"N":"1"}}})", R"({"n":{"S":"x"}})",
         "Type mismatch for attribute to update"},
        {"DELETE from another type", R"({"tags":{"Action":"DELETE","Value":{"NS":["1"]}}})",
         R"({"tags":{"SS":["1"]}})", "Type mismatch for attribute to update"},
        {"PUT without a value", R"({"a":{"Action":"PUT"}})", R"({})",
         std::string(kInvalid) + "Only DELETE action is allowed when no attribute value is specified"},
        {"DELETE with a scalar", R"({"a":{"Action":"DELETE","Value":{"S":"x"}}})", R"({})",
         std::string(kInvalid) + "DELETE action with value is not supported for the type S"},
        {"ADD a string", R"({"a":{"Action":"ADD","Value":{"S":"x"}}})", R"({})",
         std::string(kInvalid) + "ADD action is not supported for the type S"},
        {"unknown action", R"({"a":{"Action":"REPLACE","Value":{"S":"x"}}})", R"({})",
         "1 validation error detected: Value 'REPLACE' at 'attributeUpdates.a.member.action' failed to "
         "satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            std::string result;
            const std::string error = error_of([&] {
                expr::Update u = expr::from_attribute_updates(json::parse(c.updates));
                CHECK(u.legacy);
                result = "ok:" + lowcloud::dynamodb::to_json(expr::apply(u, item(c.before))).dump();
            });
            const std::string got = error.empty() ? result : error;
            const std::string want =
                c.expected.rfind('{', 0) == 0
                    ? "ok:" + lowcloud::dynamodb::to_json(item(c.expected)).dump()
                    : c.expected;
            CHECK(got == want);
        }
    }
    SECTION("updated paths are the attribute names") {
        expr::Update u = expr::from_attribute_updates(
            json::parse(R"({"b":{"Action":"DELETE"},"a.x":{"Value":{"N":"1"}}})"));
        auto paths = expr::updated_paths(u);
        REQUIRE(paths.size() == 2);
        CHECK(paths[0].attribute() == "a.x");
        CHECK_FALSE(paths[0].nested());
        CHECK(paths[1].attribute() == "b");
    }
}

TEST_CASE("AttributesToGet", "[expression][legacy]") {
    Item doc = item(R"({"a":{"S":"1"},"b.c":{"S":"2"},"d":{"M":{"e":{"S":"3"}}}})");
    SECTION("names are literal top-level attributes") {
        expr::Projection p = expr::from_attributes_to_get(json::parse(R"(["a", "b.c", "d.e", "zz"])"));
        CHECK(lowcloud::dynamodb::to_json(expr::project(doc, p)).dump() ==
              lowcloud::dynamodb::to_json(item(R"({"a":{"S":"1"},"b.c":{"S":"2"}})")).dump());
    }
    SECTION("duplicates are refused") {
        CHECK(error_of([] { expr::from_attributes_to_get(json::parse(R"(["a", "b", "a"])")); }) ==
              std::string(kInvalid) + "Duplicate value in attribute name: a");
    }
}
