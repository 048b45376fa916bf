// Evaluation of condition expressions against items: every comparator,
// BETWEEN, IN, AND / OR / NOT with precedence, every function, nested paths
// and list indexes, missing attributes and missing items, and DynamoDB's
// rule that values of different types never compare.
#include "expression_test_util.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace exprtest;

namespace {

struct Case {
    const char* name;
    const char* expression;
    const char* values;  // DynamoDB JSON of :placeholders
    const char* item;    // DynamoDB JSON item; "null" for a missing item
    bool expected;
};

bool run(const Case& c, const Names& names = {}) {
    expr::Attributes a = attrs(names, c.values);
    expr::Condition cond = expr::parse_condition(c.expression, "ConditionExpression", a);
    a.check_all_used();
    if (std::string(c.item) == "null") return expr::evaluate(cond, nullptr);
    Item i = item(c.item);
    return expr::evaluate(cond, &i);
}

void check_table(const std::vector<Case>& cases) {
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            INFO(c.expression << " on " << c.item);
            CHECK(run(c) == c.expected);
        }
    }
}

constexpr const char* kNum = R"({"a":{"N":"10"},"s":{"S":"abc"},"b":{"B":"AQID"}})";

}  // namespace

TEST_CASE("comparisons: numbers numerically, strings and binaries by bytes",
          "[expression][eval]") {
    check_table({
        {"= numbers", "a = :v", R"({":v":{"N":"10"}})", kNum, true},
        {"= equal numbers written differently", "a = :v", R"({":v":{"N":"1.00E1"}})", kNum, true},
        {"= different numbers", "a = :v", R"({":v":{"N":"11"}})", kNum, false},
        {"<> different numbers", "a <> :v", R"({":v":{"N":"11"}})", kNum, true},
        {"<> equal numbers", "a <> :v", R"({":v":{"N":"10"}})", kNum, false},
        {"< is numeric, not textual", "a < :v", R"({":v":{"N":"9"}})", kNum, false},
        {"< numeric", "a < :v", R"({":v":{"N":"100"}})", kNum, true},
        {"<= equal", "a <= :v", R"({":v":{"N":"10"}})", kNum, true},
        {"> negative", "a > :v", R"({":v":{"N":"-20.5"}})", kNum, true},
        {">= decimals", "a >= :v", R"({":v":{"N":"10.000001"}})", kNum, false},
        {"value on the left", ":v < a", R"({":v":{"N":"2"}})", kNum, true},
        {"< strings", "s < :v", R"({":v":{"S":"abd"}})", kNum, true},
        {"< prefix is smaller", "s > :v", R"({":v":{"S":"ab"}})", kNum, true},
        {"uppercase sorts before lowercase", "s > :v", R"({":v":{"S":"ABC"}})", kNum, true},
        {"strings by UTF-8 bytes", "s < :v", R"({":v":{"S":"é"}})", kNum, true},
        {"= binaries", "b = :v", R"({":v":{"B":"AQID"}})", kNum, true},
        {"< binaries unsigned", "b < :v", R"({":v":{"B":"/w=="}})", kNum, true},
        {"= across types is false", "a = :v", R"({":v":{"S":"10"}})", kNum, false},
        {"<> across types is true", "a <> :v", R"({":v":{"S":"10"}})", kNum, true},
        {"< across types is false", "a < :v", R"({":v":{"S":"z"}})", kNum, false},
        {">= across types is false", "s >= :v", R"({":v":{"N":"1"}})", kNum, false},
        {"two paths", "a < c", "", R"({"a":{"N":"1"},"c":{"N":"2"}})", true},
        {"ordering booleans is false", "a < c", "", R"({"a":{"BOOL":false},"c":{"BOOL":true}})",
         false},
        {"= booleans", "a = :v", R"({":v":{"BOOL":true}})", R"({"a":{"BOOL":true}})", true},
        {"= null", "a = :v", R"({":v":{"NULL":true}})", R"({"a":{"NULL":true}})", true},
        {"= lists in order", "a = :v", R"({":v":{"L":[{"N":"1"},{"S":"x"}]}})",
         R"({"a":{"L":[{"N":"1"},{"S":"x"}]}})", true},
        {"= lists out of order", "a = :v", R"({":v":{"L":[{"S":"x"},{"N":"1"}]}})",
         R"({"a":{"L":[{"N":"1"},{"S":"x"}]}})", false},
        {"= maps deeply", "a = :v", R"({":v":{"M":{"x":{"N":"1"},"y":{"L":[{"NULL":true}]}}}})",
         R"({"a":{"M":{"y":{"L":[{"NULL":true}]},"x":{"N":"1.0"}}}})", true},
        {"= sets in any order", "a = :v", R"({":v":{"SS":["b","a"]}})", R"({"a":{"SS":["a","b"]}})",
         true},
        {"= number sets numerically", "a = :v", R"({":v":{"NS":["1.0","2"]}})",
         R"({"a":{"NS":["2","1"]}})", true},
        {"= sets of different size", "a = :v", R"({":v":{"SS":["a"]}})",
         R"({"a":{"SS":["a","b"]}})", false},
    });
}

TEST_CASE("missing attributes and missing items", "[expression][eval]") {
    check_table({
        {"= missing", "x = :v", R"({":v":{"N":"1"}})", kNum, false},
        {"<> missing", "x <> :v", R"({":v":{"N":"1"}})", kNum, true},
        {"< missing", "x < :v", R"({":v":{"N":"1"}})", kNum, false},
        {"no item: =", "a = :v", R"({":v":{"N":"1"}})", "null", false},
        {"no item: <>", "a <> :v", R"({":v":{"N":"1"}})", "null", true},
        {"no item: attribute_not_exists", "attribute_not_exists(pk)", "", "null", true},
        {"no item: attribute_exists", "attribute_exists(pk)", "", "null", false},
        {"missing = missing is false", "x = y", "", kNum, false},
        {"missing <> missing is true", "x <> y", "", kNum, true},
        {"index into a non-list", "s[0] = :v", R"({":v":{"S":"a"}})", kNum, false},
        {"key into a non-map", "s.x <> :v", R"({":v":{"S":"a"}})", kNum, true},
        {"index past the end", "attribute_exists(l[3])", "", R"({"l":{"L":[{"N":"1"}]}})", false},
    });
}

TEST_CASE("BETWEEN and IN", "[expression][eval]") {
    const char* bounds = R"({":lo":{"N":"5"},":hi":{"N":"10"}})";
    check_table({
        {"BETWEEN inside", "a BETWEEN :lo AND :hi", bounds, R"({"a":{"N":"7"}})", true},
        {"BETWEEN lower bound included", "a BETWEEN :lo AND :hi", bounds, R"({"a":{"N":"5"}})",
         true},
        {"BETWEEN upper bound included", "a BETWEEN :lo AND :hi", bounds, R"({"a":{"N":"10"}})",
         true},
        {"BETWEEN below", "a BETWEEN :lo AND :hi", bounds, R"({"a":{"N":"4.99"}})", false},
        {"BETWEEN above", "a BETWEEN :lo AND :hi", bounds, R"({"a":{"N":"10.5"}})", false},
        {"BETWEEN numeric not textual", "a BETWEEN :lo AND :hi", bounds, R"({"a":{"N":"9"}})",
         true},
        {"BETWEEN other type", "a BETWEEN :lo AND :hi", bounds, R"({"a":{"S":"7"}})", false},
        {"BETWEEN missing", "x BETWEEN :lo AND :hi", bounds, R"({"a":{"N":"7"}})", false},
        {"BETWEEN strings", "a BETWEEN :lo AND :hi", R"({":lo":{"S":"b"},":hi":{"S":"d"}})",
         R"({"a":{"S":"c9"}})", true},
        {"NOT BETWEEN", "NOT a BETWEEN :lo AND :hi", bounds, R"({"a":{"N":"11"}})", true},
        {"IN match", "a IN (:x, :y)", R"({":x":{"S":"p"},":y":{"N":"2"}})", R"({"a":{"N":"2.0"}})",
         true},
        {"IN no match", "a IN (:x, :y)", R"({":x":{"S":"p"},":y":{"N":"2"}})", R"({"a":{"S":"2"}})",
         false},
        {"IN missing", "x IN (:x)", R"({":x":{"S":"p"}})", R"({"a":{"S":"p"}})", false},
        {"IN a path candidate", "a IN (b, :x)", R"({":x":{"S":"p"}})",
         R"({"a":{"S":"q"},"b":{"S":"q"}})", true},
        {"IN sets", "a IN (:x)", R"({":x":{"NS":["2","1"]}})", R"({"a":{"NS":["1","2"]}})", true},
    });
}

TEST_CASE("AND, OR, NOT and their precedence", "[expression][eval]") {
    const char* one = R"({":one":{"N":"1"}})";
    const char* abc = R"({"a":{"N":"1"},"b":{"N":"0"},"c":{"N":"0"}})";
    check_table({
        {"AND both", "a = :one AND a <> b", one, abc, true},
        {"AND one", "a = :one AND b = :one", one, abc, false},
        {"OR one", "b = :one OR a = :one", one, abc, true},
        {"OR none", "b = :one OR c = :one", one, abc, false},
        {"AND before OR", "a = :one OR b = :one AND c = :one", one, abc, true},
        {"parentheses change it", "(a = :one OR b = :one) AND c = :one", one, abc, false},
        {"NOT", "NOT b = :one", one, abc, true},
        {"NOT before AND", "NOT a = :one AND b = :one", one, abc, false},
        {"NOT before OR", "NOT b = :one OR c = :one", one, abc, true},
        {"NOT of a group", "NOT (a = :one AND b = :one)", one, abc, true},
        {"NOT NOT", "NOT NOT a = :one", one, abc, true},
        {"long chain", "b = :one OR c = :one OR b = c AND NOT a = b", one, abc, true},
        {"lower-case keywords", "not b = :one and (a = :one or c = :one)", one, abc, true},
    });
}

TEST_CASE("functions: existence, type, begins_with, contains, size", "[expression][eval]") {
    const char* doc = R"({
        "s": {"S": "héllo wörld"}, "e": {"S": "😀"}, "b": {"B": "AQIDBA=="},
        "ss": {"SS": ["red", "green"]}, "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": ["AQ==", "Ag=="]},
        "l": {"L": [{"S": "x"}, {"N": "2"}, {"M": {"k": {"S": "v"}}}]},
        "m": {"M": {"a": {"N": "1"}, "b": {"L": [{"N": "1"}, {"M": {"c": {"S": "deep"}}}]}}},
        "n": {"N": "12"}, "t": {"BOOL": true}, "z": {"NULL": true}, "el": {"L": []}, "em": {"M": {}}
    })";
    check_table({
        {"attribute_exists", "attribute_exists(s)", "", doc, true},
        {"attribute_exists missing", "attribute_exists(x)", "", doc, false},
        {"attribute_exists of NULL", "attribute_exists(z)", "", doc, true},
        {"attribute_exists nested", "attribute_exists(m.b[1].c)", "", doc, true},
        {"attribute_exists nested missing", "attribute_exists(m.b[2])", "", doc, false},
        {"attribute_not_exists nested", "attribute_not_exists(m.x.y)", "", doc, true},
        {"attribute_type S", "attribute_type(s, :t)", R"({":t":{"S":"S"}})", doc, true},
        {"attribute_type N", "attribute_type(n, :t)", R"({":t":{"S":"N"}})", doc, true},
        {"attribute_type wrong", "attribute_type(n, :t)", R"({":t":{"S":"S"}})", doc, false},
        {"attribute_type SS", "attribute_type(ss, :t)", R"({":t":{"S":"SS"}})", doc, true},
        {"attribute_type NULL", "attribute_type(z, :t)", R"({":t":{"S":"NULL"}})", doc, true},
        {"attribute_type BOOL", "attribute_type(t, :t)", R"({":t":{"S":"BOOL"}})", doc, true},
        {"attribute_type L", "attribute_type(l, :t)", R"({":t":{"S":"L"}})", doc, true},
        {"attribute_type M nested", "attribute_type(m.b[1], :t)", R"({":t":{"S":"M"}})", doc, true},
        {"attribute_type missing", "attribute_type(x, :t)", R"({":t":{"S":"S"}})", doc, false},
        {"begins_with string", "begins_with(s, :p)", R"({":p":{"S":"hé"}})", doc, true},
        {"begins_with whole string", "begins_with(s, :p)", R"({":p":{"S":"héllo wörld"}})", doc,
         true},
        {"begins_with too long", "begins_with(s, :p)", R"({":p":{"S":"héllo wörld!"}})", doc,
         false},
        {"begins_with is case-sensitive", "begins_with(s, :p)", R"({":p":{"S":"Hé"}})", doc, false},
        {"begins_with binary", "begins_with(b, :p)", R"({":p":{"B":"AQI="}})", doc, true},
        {"begins_with other type", "begins_with(n, :p)", R"({":p":{"S":"1"}})", doc, false},
        {"begins_with missing", "begins_with(x, :p)", R"({":p":{"S":"1"}})", doc, false},
        {"begins_with empty prefix", "begins_with(s, :p)", R"({":p":{"S":""}})", doc, true},
        {"contains substring", "contains(s, :p)", R"({":p":{"S":"wö"}})", doc, true},
        {"contains no substring", "contains(s, :p)", R"({":p":{"S":"xyz"}})", doc, false},
        {"contains binary", "contains(b, :p)", R"({":p":{"B":"AgM="}})", doc, true},
        {"contains string set", "contains(ss, :p)", R"({":p":{"S":"green"}})", doc, true},
        {"contains string set, partial", "contains(ss, :p)", R"({":p":{"S":"gre"}})", doc, false},
        {"contains number set numerically", "contains(ns, :p)", R"({":p":{"N":"2.50"}})", doc,
         true},
        {"contains number set, string", "contains(ns, :p)", R"({":p":{"S":"1"}})", doc, false},
        {"contains binary set", "contains(bs, :p)", R"({":p":{"B":"Ag=="}})", doc, true},
        {"contains list element", "contains(l, :p)", R"({":p":{"N":"2"}})", doc, true},
        {"contains list map element", "contains(l, :p)", R"({":p":{"M":{"k":{"S":"v"}}}})", doc,
         true},
        {"contains list, no element", "contains(l, :p)", R"({":p":{"S":"y"}})", doc, false},
        {"contains of a number", "contains(n, :p)", R"({":p":{"N":"1"}})", doc, false},
        {"contains of a map", "contains(m, :p)", R"({":p":{"S":"a"}})", doc, false},
        {"contains missing", "contains(x, :p)", R"({":p":{"S":"a"}})", doc, false},
        {"contains a path", "contains(ss, m.b[1].c)", "",
         R"({"ss":{"SS":["deep"]},"m":{"M":{"b":{"L":[{"N":"0"},{"M":{"c":{"S":"deep"}}}]}}}})",
         true},
        {"size of a string in UTF-16 units", "size(s) = :n", R"({":n":{"N":"11"}})", doc, true},
        {"size of an astral character", "size(e) = :n", R"({":n":{"N":"2"}})", doc, true},
        {"size of a binary", "size(b) = :n", R"({":n":{"N":"4"}})", doc, true},
        {"size of a set", "size(ss) = :n", R"({":n":{"N":"2"}})", doc, true},
        {"size of a list", "size(l) = :n", R"({":n":{"N":"3"}})", doc, true},
        {"size of a map", "size(m) = :n", R"({":n":{"N":"2"}})", doc, true},
        {"size of an empty list", "size(el) = :n", R"({":n":{"N":"0"}})", doc, true},
        {"size of an empty map", "size(em) < :n", R"({":n":{"N":"1"}})", doc, true},
        {"size of a nested list", "size(m.b) > :n", R"({":n":{"N":"1"}})", doc, true},
        {"size of a number is missing", "size(n) = :n", R"({":n":{"N":"2"}})", doc, false},
        {"size of a number is not equal", "size(n) <> :n", R"({":n":{"N":"2"}})", doc, true},
        {"size of missing", "size(x) >= :n", R"({":n":{"N":"0"}})", doc, false},
        {"size on both sides", "size(ss) = size(l[0])", "",
         R"({"ss":{"SS":["a"]},"l":{"L":[{"S":"b"}]}})", true},
        {"size BETWEEN", "size(s) BETWEEN :lo AND :hi", R"({":lo":{"N":"10"},":hi":{"N":"12"}})",
         doc, true},
        {"size IN", "size(l) IN (:a, :b)", R"({":a":{"N":"1"},":b":{"N":"3"}})", doc, true},
    });
}

TEST_CASE("document paths: nested maps, list indexes, substituted names", "[expression][eval]") {
    const char* doc = R"({
        "a": {"M": {"b": {"L": [{"N": "0"}, {"M": {"c": {"S": "found"}}}]}}},
        "a.b": {"S": "dotted"}, "list": {"L": [{"L": [{"N": "7"}]}]}
    })";
    Names names{{"#dot", "a.b"}, {"#c", "c"}, {"#l", "list"}};
    const std::vector<Case> cases = {
        {"nested path", "a.b[1].c = :v", R"({":v":{"S":"found"}})", doc, true},
        {"nested path with names", "a.b[1].#c = :v", R"({":v":{"S":"found"}})", doc, true},
        {"a dotted name is one attribute", "#dot = :v", R"({":v":{"S":"dotted"}})", doc, true},
        {"list of lists", "#l[0][0] = :v", R"({":v":{"N":"7"}})", doc, true},
        {"whole nested value", "a.b[0] = :v", R"({":v":{"N":"0"}})", doc, true},
        {"wrong container", "a.b.c = :v", R"({":v":{"S":"found"}})", doc, false},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            Names used;
            for (const auto& [k, v] : names) {
                if (std::string(c.expression).find(k) != std::string::npos) used.emplace(k, v);
            }
            CHECK(run(c, used) == c.expected);
        }
    }
}

TEST_CASE("legacy-built conditions evaluate like expressions", "[expression][eval]") {
    // A tree built by hand, as the Query planner or legacy conversion would.
    expr::Condition c{expr::And{
        expr::Condition{expr::Compare{expr::Comparator::EQ,
                                      expr::Operand{expr::Path{{expr::PathElement::key("pk")}}},
                                      expr::Operand{expr::ValueRef{value(R"({"S":"p"})"), ""}}}},
        expr::Condition{
            expr::Call{expr::Function::BeginsWith,
                       {expr::Operand{expr::Path{{expr::PathElement::key("sk")}}},
                        expr::Operand{expr::ValueRef{value(R"({"S":"2024-"})"), ""}}}}}}};
    Item yes = item(R"({"pk":{"S":"p"},"sk":{"S":"2024-05"}})");
    Item no = item(R"({"pk":{"S":"p"},"sk":{"S":"2023-05"}})");
    CHECK(expr::evaluate(c, &yes));
    CHECK_FALSE(expr::evaluate(c, &no));
    expr::Condition copy = c;  // trees are copyable values
    CHECK(expr::evaluate(copy, &yes));
}
