// Query's key-condition planning: structural errors of KeyConditionExpression,
// the legacy KeyConditions, the per-key checks against a schema (with an
// ExclusiveStartKey), sort-key byte ranges, and the key-path rule. Messages
// are DynamoDB's (dynalite test/query.js, recorded against real DynamoDB).
#include "dynamodb/error.hpp"
#include "expression/expression.hpp"
#include "model/keys.hpp"
#include "model/number.hpp"
#include "ops/query_plan.hpp"

#include "expression_test_util.hpp"

#include <catch2/catch.hpp>

#include <cstdio>

using namespace lowcloud::dynamodb;
using exprtest::error_of;
using exprtest::item;

namespace {

std::vector<KeyCondition> from_text(const std::string& text, const std::string& values = "{}", exprtest::Names names = {}) {
    auto a = exprtest::attrs(std::move(names), values);
    expr::Condition c = expr::parse_condition(text, "KeyConditionExpression", a);
    return key_conditions_from_expression(c);
}

std::vector<KeyCondition> from_legacy(const std::string& json_text) {
    return key_conditions_from_legacy(expr::from_filter(nlohmann::json::parse(json_text), "", "KeyConditions"));
}

const std::string kVals = R"({":a": {"S": "x"}, ":b": {"S": "y"}, ":n": {"N": "1"}})";

KeySchema hash_only() { return {{"a", Type::S}, std::nullopt, {}, {}}; }
KeySchema hash_range(Type range = Type::S) { return {{"a", Type::S}, KeyAttribute{"b", range}, {}, {}}; }

std::string enc(const std::string& s) { return encode_key_value(AttributeValue::string(s)); }

}  // namespace

TEST_CASE("query plan: expression conditions are flattened and mirrored", "[query_plan]") {
    auto k = from_text(":b >= b AND a = :a", kVals);
    REQUIRE(k.size() == 2);
    CHECK(k[0].attribute == "b");
    CHECK(k[0].op == KeyOp::LE);  // :b >= b is b <= :b
    CHECK(k[0].values.at(0).scalar == "y");
    CHECK(k[1].attribute == "a");
    CHECK(k[1].op == KeyOp::EQ);

    auto between = from_text("a = :a and b between :a and :b", kVals);
    CHECK(between[1].op == KeyOp::BETWEEN);
    CHECK(between[1].values.size() == 2);
    auto prefix = from_text("a = :a and begins_with(#b, :b)", kVals, {{"#b", "b"}});
    CHECK(prefix[1].op == KeyOp::BEGINS_WITH);
    CHECK(prefix[1].attribute == "b");
    CHECK(from_text("((a = :a))", R"({":a": {"S": "x"}})").size() == 1);  // parentheses are fine here
}

TEST_CASE("query plan: structural errors in DynamoDB's order", "[query_plan]") {
    const std::string v = R"({":a": {"S": "1"}, ":b": {"S": "1"}})";
    auto err = [&](const std::string& text, const std::string& values = "{}") { return error_of([&] { from_text(text, values); }); };
    CHECK(err("a > b and size(b) > c or a > c") == "Invalid operator used in KeyConditionExpression: OR");
    CHECK(err("a in (b, size(c), d)") == "Invalid operator used in KeyConditionExpression: IN");
    CHECK(err("attribute_exists(a)") == "Invalid operator used in KeyConditionExpression: attribute_exists");
    CHECK(err("attribute_not_exists(a)") == "Invalid operator used in KeyConditionExpression: attribute_not_exists");
    CHECK(err("contains(a.d, b)") == "Invalid operator used in KeyConditionExpression: contains");
    CHECK(err("not a > b") == "Invalid operator used in KeyConditionExpression: NOT");
    CHECK(err("a <> b") == "Invalid operator used in KeyConditionExpression: <>");
    CHECK(err(":a between size(b) and size(a) and b > :b", v) ==
          "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand");
    CHECK(err("begins_with(:a, b) and a > :b", v) ==
          "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand");
    CHECK(err("size(b) > a AND a.b > b AND b > c") == "KeyConditionExpressions cannot contain nested operations");
    CHECK(err("a > size(b.d)") == "KeyConditionExpressions cannot contain nested operations");
    CHECK(err("b > a.b") == "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition");
    CHECK(err("begins_with(a, b)") == "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition");
    CHECK(err("a.d > c") == "KeyConditionExpressions cannot have conditions on nested attributes");
    CHECK(err("b[0] > a") == "KeyConditionExpressions cannot have conditions on nested attributes");
    CHECK(err(":a > :b AND a < :b", v) == "Invalid condition in KeyConditionExpression: No key attribute specified");
    CHECK(err("b > :a AND b < :a and c = :a", v) == "KeyConditionExpressions must only contain one condition per key");
}

TEST_CASE("query plan: condition count", "[query_plan]") {
    const std::string v = R"({":a": {"S": "a"}})";
    CHECK(error_of([&] { check_condition_count(from_text(":a = a and b = :a and :a = c", v)); }) ==
          "Conditions can be of length 1 or 2 only");
    CHECK(error_of([] { check_condition_count(from_legacy("{}")); }) == "Conditions can be of length 1 or 2 only");
    CHECK(error_of([&] { check_condition_count(from_text("a = :a", v)); }).empty());
}

TEST_CASE("query plan: legacy KeyConditions keep their operators", "[query_plan]") {
    auto k = from_legacy(R"({"a": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "x"}]},
                             "b": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"S": "y"}]}})");
    REQUIRE(k.size() == 2);
    CHECK(k[0].op == KeyOp::EQ);
    CHECK(k[1].op == KeyOp::NOT_CONTAINS);
    CHECK(from_legacy(R"({"a": {"ComparisonOperator": "NULL"}})").at(0).op == KeyOp::IS_NULL);
    CHECK(from_legacy(R"({"a": {"ComparisonOperator": "NOT_NULL"}})").at(0).op == KeyOp::NOT_NULL);
    CHECK(from_legacy(R"({"a": {"ComparisonOperator": "IN", "AttributeValueList": [{"S": "x"}]}})").at(0).op == KeyOp::IN);
    CHECK(from_legacy(R"({"a": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "x"}]}})").at(0).op ==
          KeyOp::BEGINS_WITH);
}

TEST_CASE("query plan: checks against the key schema", "[query_plan]") {
    auto plan_err = [](const KeySchema& s, const std::vector<KeyCondition>& k, const Item* start = nullptr) {
        return error_of([&] { plan_query(s, k, start); });
    };
    const std::string v = R"({":a": {"S": "1"}, ":n": {"N": "1"}})";
    CHECK(plan_err(hash_only(), from_text("a > :a", v)) == "Query key condition not supported");
    CHECK(plan_err(hash_only(), from_text("begins_with(a, :a)", v)) == "Query key condition not supported");
    CHECK(plan_err(hash_only(), from_text("a = :a AND b = :a", v)) == "Query key condition not supported");
    CHECK(plan_err(hash_only(), from_text("y = :a and z = :a", v)) == "Query key condition not supported");
    CHECK(plan_err(hash_only(), from_text(":n > a", v)) ==
          "One or more parameter values were invalid: Condition parameter type does not match schema type");
    CHECK(plan_err(hash_range(), from_text("b = :a", v)) == "Query condition missed key schema element: a");
    CHECK(plan_err(hash_range(), from_text("a = :a and c = :a", v)) == "Query condition missed key schema element: b");
    CHECK(plan_err(hash_range(Type::N), from_text("a = :a and begins_with(b, :a)", v)) ==
          "One or more parameter values were invalid: Condition parameter type does not match schema type");
    for (const char* op : {"NULL", "NOT_NULL"})
        CHECK(plan_err(hash_only(), from_legacy(std::string(R"({"a": {"ComparisonOperator": ")") + op + "\"}}")) ==
              "Attempted conditional constraint is not an indexable operation");
    CHECK(plan_err(hash_only(), from_legacy(R"({"a": {"ComparisonOperator": "NE", "AttributeValueList": [{"N": "1"}]}})")) ==
          "Attempted conditional constraint is not an indexable operation");

    // The ExclusiveStartKey is checked key by key before the conditions.
    Item missing = item(R"({"b": {"S": "x"}})");
    CHECK(plan_err(hash_range(), from_text("b = :a", v), &missing) == "The provided starting key is invalid");
    Item wrong = item(R"({"a": {"N": "1"}, "b": {"S": "x"}})");
    CHECK(plan_err(hash_range(), from_text("a = :a", v), &wrong) == "The provided key element does not match the schema");

    KeyPlan p = plan_query(hash_range(), from_text("a = :a and b < :a", v), nullptr);
    CHECK(p.partition == enc("1"));
    REQUIRE(p.sort);
    CHECK(!p.range.lower);
    CHECK(p.range.upper->bytes == enc("1"));
    CHECK(!p.range.upper->inclusive);
}

TEST_CASE("query plan: start key against the conditions", "[query_plan]") {
    const std::string v = R"({":a": {"S": "b"}})";
    auto check = [&](const std::string& text, const std::string& start) {
        Item s = item(start);
        return error_of([&] { check_start_key(plan_query(hash_range(), from_text(text, v), &s), hash_range(), s); });
    };
    CHECK(check("a = :a", R"({"a": {"S": "a"}, "b": {"S": "a"}})") ==
          "The provided starting key is outside query boundaries based on provided conditions");
    CHECK(check("a = :a and b > :a", R"({"a": {"S": "a"}, "b": {"S": "a"}})") ==
          "The provided starting key does not match the range key predicate");
    CHECK(check("a = :a and b < :a", R"({"a": {"S": "a"}, "b": {"S": "a"}})") ==
          "The query can return at most one row and cannot be restarted");
    CHECK(check("a = :a and b < :a", R"({"a": {"S": "b"}, "b": {"S": "a"}})").empty());
}

TEST_CASE("query plan: sort ranges on encoded bytes", "[query_plan]") {
    auto cond = [](KeyOp op, std::vector<std::string> vals) {
        KeyCondition k{"b", op, {}};
        for (auto& s : vals) k.values.push_back(AttributeValue::string(s));
        return k;
    };
    SortRange between = sort_range(cond(KeyOp::BETWEEN, {"ab", "ac"}));
    CHECK(between.lower->bytes == "ab");
    CHECK(between.upper->bytes == "ac");
    CHECK((between.lower->inclusive && between.upper->inclusive));

    SortRange prefix = sort_range(cond(KeyOp::BEGINS_WITH, {"a\xff"}));
    CHECK(prefix.lower->bytes == "a\xff");
    CHECK(prefix.upper->bytes == "b");
    CHECK(!prefix.upper->inclusive);
    CHECK(!sort_range(cond(KeyOp::BEGINS_WITH, {"\xff\xff"})).upper);
    CHECK(prefix_successor("") == std::nullopt);
    CHECK(prefix_successor("ab") == "ac");

    CHECK(sort_matches(cond(KeyOp::BEGINS_WITH, {"aa"}), "aab"));
    CHECK(!sort_matches(cond(KeyOp::BEGINS_WITH, {"aa"}), "ab"));
    CHECK(sort_matches(cond(KeyOp::GT, {"a"}), "b"));
    CHECK(!sort_matches(cond(KeyOp::GT, {"a"}), "a"));
    CHECK(sort_matches(cond(KeyOp::BETWEEN, {"a", "c"}), "c"));

    // Numbers compare numerically through their encoding.
    KeyCondition n{"b", KeyOp::LT, {AttributeValue::number(canonical_number("10"))}};
    CHECK(sort_matches(n, encode_key_value(AttributeValue::number(canonical_number("9.5")))));
    CHECK(!sort_matches(n, encode_key_value(AttributeValue::number(canonical_number("100")))));
}

TEST_CASE("query plan: nested paths into key attributes", "[query_plan]") {
    TableDef t;
    t.key = hash_range();
    SecondaryIndex gsi;
    gsi.name = "g";
    gsi.key = {{"c", Type::S}, KeyAttribute{"d", Type::S}, {}, {}};
    t.global_indexes.push_back(gsi);
    SecondaryIndex lsi;
    lsi.name = "l";
    lsi.key = {{"a", Type::S}, KeyAttribute{"e", Type::S}, {}, {}};
    t.local_indexes.push_back(lsi);

    auto paths_err = [&](const std::string& text) {
        auto a = exprtest::attrs({}, R"({":v": {"N": "1"}})");
        expr::Condition c = expr::parse_condition(text, "FilterExpression", a);
        std::vector<const expr::Path*> paths;
        collect_paths(c, paths);
        return error_of([&] { check_key_paths(t, paths); });
    };
    const std::string prefix = "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: ";
    CHECK(paths_err("attribute_exists(a.b.c)") == prefix + "Key: a");
    CHECK(paths_err("b[1] = :v") == prefix + "Key: b");
    CHECK(paths_err("attribute_exists(d.c) AND c = :v") == prefix + "IndexKey: d");
    CHECK(paths_err("e.x = :v") == prefix + "IndexKey: e");
    CHECK(paths_err("a = :v and x.y = :v").empty());
}

// ---- multi-attribute keys (global indexes) ----------------------------------------

namespace {

// Partition (t, r), sort (n: N, s: S, m: N).
KeySchema multi() {
    KeySchema k{{"t", Type::S}, KeyAttribute{"n", Type::N}, {{"r", Type::S}}, {{"s", Type::S}, {"m", Type::N}}};
    return k;
}

const std::string kMultiVals =
    R"({":t": {"S": "T"}, ":r": {"S": "EU"}, ":n": {"N": "2"}, ":n2": {"N": "5"}, ":s": {"S": "UP"}, ":m": {"N": "1"}, ":bad": {"S": "2"}})";

std::string tuple_of(const Item& values, const std::vector<std::string>& order) {
    std::string out;
    for (const auto& name : order) out += encode_key_component(values.at(name));
    return out;
}

// Whether the sort-key tuple (n, s, m) falls in the plan's range.
bool in_plan(const KeyPlan& p, double n, const std::string& s, double m) {
    auto num = [](double d) {
        char text[32];
        std::snprintf(text, sizeof text, "%g", d);
        return AttributeValue::number(text);
    };
    Item v{{"n", num(n)}, {"s", AttributeValue::string(s)}, {"m", num(m)}};
    std::string bytes = tuple_of(v, {"n", "s", "m"});
    const auto& r = p.range;
    if (r.lower && (r.lower->inclusive ? bytes < r.lower->bytes : bytes <= r.lower->bytes)) return false;
    if (r.upper && (r.upper->inclusive ? bytes > r.upper->bytes : bytes >= r.upper->bytes)) return false;
    return true;
}

}  // namespace

TEST_CASE("query plan: multi-attribute key tuples compare value by value", "[query_plan][multi]") {
    // Escaping keeps tuple order whatever bytes the values hold.
    auto t = [](const std::string& a, const std::string& b) {
        return encode_key_component(AttributeValue::string(a)) + encode_key_component(AttributeValue::string(b));
    };
    struct Case { const char* name; std::string lo_a, lo_b, hi_a, hi_b; };
    const Case cases[] = {
        {"first value decides", "a", "z", "b", "a"},
        {"prefix before longer", "a", "z", "ab", "a"},
        {"zero byte after prefix", "a", "z", std::string("a\0", 2), "a"},
        {"zero byte before one", std::string("a\0", 2), "z", std::string("a\x01", 2), "a"},
        {"second value decides", "a", "a", "a", "b"},
        {"empty second value", "a", "", "a", std::string("\0", 1)},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        CHECK(t(c.lo_a, c.lo_b) < t(c.hi_a, c.hi_b));
    }
    CHECK(escape_key_bytes(std::string("a\0b", 3)) == std::string("a\0\xFF" "b", 4));
}

TEST_CASE("query plan: multi-attribute key conditions", "[query_plan][multi]") {
    const KeySchema k = multi();
    const std::string pk = "t = :t AND r = :r";
    struct Case { const char* name; std::string sort; std::string error; };
    const Case cases[] = {
        {"partition only", "", ""},
        {"first sort attribute range", "n > :n", ""},
        {"two equalities and a range", "n = :n AND s = :s AND m <= :m", ""},
        {"begins_with on the second", "n = :n AND begins_with(s, :s)", ""},
        {"skipping the first", "s = :s",
         "RANGE key attributes n must have equality conditions specified in the query because a condition is present on key attribute s"},
        {"range before another", "n > :n AND s = :s",
         "RANGE key attributes n must have equality conditions specified in the query because a condition is present on key attribute s"},
        {"skipping the middle", "n = :n AND m = :m",
         "RANGE key attributes s must have equality conditions specified in the query because a condition is present on key attribute m"},
        {"wrong value type", "n = :bad", "One or more parameter values were invalid: Condition parameter type does not match schema type"},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        auto conditions = from_text(pk + (c.sort.empty() ? "" : " AND " + c.sort), kMultiVals);
        std::string error = error_of([&] { plan_query(k, conditions, nullptr); });
        CHECK(error == c.error);
    }
    CHECK(error_of([&] { plan_query(k, from_text("t = :t", kMultiVals), nullptr); }) == "Query condition missed key schema element: r");
    CHECK(error_of([&] { plan_query(k, from_text("t = :t AND r > :r", kMultiVals), nullptr); }) == "Query key condition not supported");
    CHECK(error_of([&] { plan_query(k, from_text(pk + " AND x = :s", kMultiVals), nullptr); }) ==
          "Query condition missed key schema element: n");
    CHECK(error_of([&] { check_condition_count(from_text(pk + " AND n = :n AND s = :s AND m = :m", kMultiVals), k); }).empty());
    CHECK_FALSE(error_of([&] { check_condition_count(from_text(pk + " AND n = :n AND s = :s AND m = :m", kMultiVals), hash_range()); }).empty());
}

TEST_CASE("query plan: multi-attribute sort ranges", "[query_plan][multi]") {
    const KeySchema k = multi();
    auto plan = [&](const std::string& sort) {
        return plan_query(k, from_text("t = :t AND r = :r" + (sort.empty() ? "" : " AND " + sort), kMultiVals), nullptr);
    };
    struct Probe { double n; const char* s; double m; bool in; };
    struct Case { const char* name; std::string sort; std::vector<Probe> probes; };
    const std::vector<Case> cases = {
        {"none", "", {{-1, "", 0, true}, {9, "zz", 9, true}}},
        {"n = 2", "n = :n", {{2, "", 0, true}, {2, "ZZ", 7, true}, {1, "UP", 1, false}, {3, "", 0, false}}},
        {"n < 2", "n < :n", {{1, "zz", 9, true}, {2, "", 0, false}}},
        {"n <= 2", "n <= :n", {{2, "zz", 9, true}, {2.5, "", 0, false}}},
        {"n > 2", "n > :n", {{2, "zz", 9, false}, {2.5, "", 0, true}}},
        {"n >= 2", "n >= :n", {{2, "", 0, true}, {1.5, "zz", 0, false}}},
        {"n between 2 and 5", "n BETWEEN :n AND :n2", {{2, "", 0, true}, {5, "zz", 9, true}, {5.5, "", 0, false}, {1, "", 0, false}}},
        {"n = 2, s begins UP", "n = :n AND begins_with(s, :s)", {{2, "UP", 0, true}, {2, "UPPER", 3, true}, {2, "U", 1, false}, {2, "UQ", 0, false}, {3, "UP", 0, false}}},
        {"n = 2, s = UP, m > 1", "n = :n AND s = :s AND m > :m", {{2, "UP", 1, false}, {2, "UP", 1.5, true}, {2, "UPPER", 0, false}, {2, "UO", 9, false}}},
        {"n = 2, s < UP", "n = :n AND s < :s", {{2, "UO", 9, true}, {2, "UP", 0, false}, {1, "A", 0, false}}},
        {"n = 2, s >= UP", "n = :n AND s >= :s", {{2, "UP", 0, true}, {2, "Z", 0, true}, {3, "A", 0, false}}},
    };
    for (const auto& c : cases) {
        KeyPlan p = plan(c.sort);
        for (const auto& probe : c.probes) {
            INFO(c.name << ": (" << probe.n << ", " << probe.s << ", " << probe.m << ")");
            CHECK(in_plan(p, probe.n, probe.s, probe.m) == probe.in);
        }
    }
}
