// libFuzzer target over DynamoDB's expression language (issue #15): parse,
// resolve names and values, then use the tree the way the service does
// (evaluate a condition, apply an update, project, plan a Query's key
// condition against three key schemas). A finding is a crash, a sanitizer
// report, or any exception other than the typed ApiError that
// expression.hpp and query_plan.hpp promise (and any exception at all from
// the steps promised not to throw: evaluate, project, sort_matches).
//
// Input: one byte choosing the expression kind, then the expression text:
//   'c' ConditionExpression, 'f' FilterExpression, 'k' KeyConditionExpression,
//   'u' UpdateExpression, 'p' ProjectionExpression (other bytes: the kind at
//   that byte modulo 5 in this order, counted from 'c'... see kind_of()).
// Optionally the text ends at a NUL byte followed by a JSON object with any
// of "ExpressionAttributeNames", "ExpressionAttributeValues" and "Item"
// (DynamoDB JSON) that replace the defaults below; input whose JSON part does
// not parse is skipped. LOWCLOUD_FUZZ_VERBOSE=1 prints each step's outcome.
#include "dynamodb/error.hpp"
#include "expression/expression.hpp"
#include "model/keys.hpp"
#include "ops/query_plan.hpp"
#include "model/request.hpp"
#include "model/value.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

namespace {

using namespace lowcloud::dynamodb;
using nlohmann::json;

enum class Kind { Condition, Filter, KeyCondition, Update, Projection };

Kind kind_of(unsigned char c) {
    switch (c) {
        case 'c': return Kind::Condition;
        case 'f': return Kind::Filter;
        case 'k': return Kind::KeyCondition;
        case 'u': return Kind::Update;
        case 'p': return Kind::Projection;
        default: return static_cast<Kind>(c % 5);
    }
}

// Placeholders for the usual spellings, values of every type and the edges
// of numbers, and an item that has something at most of those paths.
const json& defaults() {
    static const json d = json::parse(R"({
      "ExpressionAttributeNames": {"#a":"a","#b":"b","#l":"l","#m":"m","#n":"n","#s":"s","#pk":"pk","#sk":"sk",
                                   "#dot":"a.b","#sp":"with space","#size":"size","#ttl":"ttl"},
      "ExpressionAttributeValues": {":s":{"S":"x"},":e":{"S":"a"},":n":{"N":"1"},":n2":{"N":"-1.5E+10"},
        ":big":{"N":"9.9999999999999999999999999999999999999E+125"},":tiny":{"N":"-1E-130"},
        ":b":{"B":"AAEC"},":t":{"BOOL":true},":null":{"NULL":true},
        ":l":{"L":[{"S":"a"},{"N":"2"},{"L":[]}]},":m":{"M":{"k":{"S":"v"},"n":{"M":{"x":{"N":"0"}}}}},
        ":ss":{"SS":["x","y"]},":ns":{"NS":["1","2"]},":bs":{"BS":["AQ=="]},":type":{"S":"N"}},
      "Item": {"pk":{"S":"p"},"sk":{"N":"5"},"a":{"M":{"b":{"L":[{"N":"1"},{"S":"x"},{"M":{"c":{"SS":["q"]}}}]}}},
        "a.b":{"S":"dotted"},"l":{"L":[{"N":"1"},{"L":[{"S":"deep"}]},{"NULL":true}]},
        "m":{"M":{"k":{"S":"v"},"n":{"N":"2"}}},"n":{"N":"3"},"s":{"S":"string"},"ss":{"SS":["x","z"]},
        "ns":{"NS":["1","9.99E+125"]},"bs":{"BS":["AQ==","AAEC"]},"b":{"B":"AAEC"},"t":{"BOOL":false},"z":{"NULL":true}}
    })");
    return d;
}

// The key schemas a key condition is planned against: a numeric sort key,
// a string one and a binary one, and a global index's multi-attribute key.
const std::vector<KeySchema>& schemas() {
    static const std::vector<KeySchema> s = {
        {{"pk", Type::S}, KeyAttribute{"sk", Type::N}, {}, {}},
        {{"a", Type::S}, KeyAttribute{"s", Type::S}, {}, {}},
        {{"n", Type::N}, KeyAttribute{"b", Type::B}, {}, {}},
        {{"pk", Type::S}, KeyAttribute{"n", Type::N}, {{"a", Type::S}}, {{"s", Type::S}, {"b", Type::B}}},
    };
    return s;
}

// As the service writes answers: invalid UTF-8 in names replaced, never thrown.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

[[noreturn]] void finding(std::string_view step, std::string_view text, const char* what) {
    std::fprintf(stderr, "\n==== FINDING: untyped exception in %.*s\n  expression: %.*s\n  what: %s\n",
                 static_cast<int>(step.size()), step.data(), static_cast<int>(text.size()), text.data(), what);
    std::abort();
}

// Runs one step: an ApiError is DynamoDB's answer and ends only that step;
// any other exception is a finding.
template <class F>
bool step(std::string_view name, std::string_view text, F&& f) {
    static const bool verbose = std::getenv("LOWCLOUD_FUZZ_VERBOSE") != nullptr;
    try {
        f();
        if (verbose) std::fprintf(stderr, "%.*s: ok\n", static_cast<int>(name.size()), name.data());
        return true;
    } catch (const ApiError& e) {
        if (verbose) std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(name.size()), name.data(), e.what());
        return false;
    } catch (const std::exception& e) {
        finding(name, text, e.what());
    } catch (...) {
        finding(name, text, "(not a std::exception)");
    }
}

// Runs a step whose contract is not to throw at all (evaluate, project,
// sort_matches): even an ApiError is a finding.
template <class F>
void total(std::string_view name, std::string_view text, F&& f) {
    try {
        f();
    } catch (const std::exception& e) {
        finding(name, text, e.what());
    } catch (...) {
        finding(name, text, "(not a std::exception)");
    }
}

void key_condition(const expr::Condition& condition, const Item& item, std::string_view text) {
    std::vector<KeyCondition> conditions;
    if (!step("key_conditions_from_expression", text, [&] {
            conditions = key_conditions_from_expression(condition);
            check_condition_count(conditions);
        }))
        return;
    for (const auto& schema : schemas()) {
        KeyPlan plan;
        if (!step("plan_query", text, [&] { plan = plan_query(schema, conditions, nullptr); })) continue;
        step("plan_query with a start key", text, [&] {
            Item start = key_of(schema, item);
            KeyPlan with_start = plan_query(schema, conditions, &start);
            check_start_key(with_start, schema, start);
        });
        if (plan.sort) {
            total("sort_matches", text, [&] {
                for (const auto& v : plan.sort->values) sort_matches(*plan.sort, encode_key_value(v));
            });
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    const Kind kind = kind_of(data[0]);
    std::string_view text = input.substr(0, input.find('\0'));

    json context = defaults();
    if (text.size() < input.size()) {
        json given = json::parse(input.substr(text.size() + 1), nullptr, false);
        if (!given.is_object()) return 0;
        for (const char* member : {"ExpressionAttributeNames", "ExpressionAttributeValues", "Item"})
            if (given.contains(member)) context[member] = given[member];
    }

    // Reading the maps and the item is request decoding: typed errors only.
    std::optional<expr::Attributes> attrs;
    Item item;
    if (!step("attribute maps", text, [&] {
            attrs.emplace(attribute_names(context), attribute_values(context));
            item = parse_item(context["Item"]);
        }))
        return 0;

    switch (kind) {
        case Kind::Condition:
        case Kind::Filter: {
            expr::Condition condition;
            const char* parameter = kind == Kind::Condition ? "ConditionExpression" : "FilterExpression";
            if (!step("parse_condition", text, [&] { condition = expr::parse_condition(text, parameter, *attrs); }))
                return 0;
            step("check_all_used", text, [&] { attrs->check_all_used(); });
            total("evaluate", text, [&] {
                expr::evaluate(condition, &item);
                expr::evaluate(condition, nullptr);
            });
            break;
        }
        case Kind::KeyCondition: {
            expr::Condition condition;
            if (!step("parse_condition", text,
                      [&] { condition = expr::parse_condition(text, "KeyConditionExpression", *attrs); }))
                return 0;
            key_condition(condition, item, text);
            break;
        }
        case Kind::Update: {
            expr::Update update;
            if (!step("parse_update", text, [&] { update = expr::parse_update(text, *attrs); })) return 0;
            step("check_all_used", text, [&] { attrs->check_all_used(); });
            Item updated;
            if (step("apply to an existing item", text, [&] { updated = expr::apply(update, item, true); })) {
                total("project the updated paths", text, [&] {
                    dump(to_json(expr::project(updated, expr::Projection{expr::updated_paths(update)})));
                    dump(to_json(updated));
                });
            }
            step("apply to a new item", text, [&] {
                expr::apply(update, Item{{"pk", item.count("pk") ? item.at("pk") : AttributeValue::string("p")}}, false);
            });
            break;
        }
        case Kind::Projection: {
            expr::Projection projection;
            if (!step("parse_projection", text, [&] { projection = expr::parse_projection(text, *attrs); })) return 0;
            total("project", text, [&] { dump(to_json(expr::project(item, projection))); });
            break;
        }
    }
    return 0;
}
