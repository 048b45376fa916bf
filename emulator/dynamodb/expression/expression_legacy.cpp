// The legacy (pre-expression) request parameters, validated with DynamoDB's
// legacy messages and converted into the same trees the expression parser
// produces, so a single evaluator and update applier serve both:
//   Expected          {a: {Value, Exists} | {ComparisonOperator, AttributeValueList | Value}}
//   QueryFilter, ScanFilter, KeyConditions
//                     {a: {ComparisonOperator, AttributeValueList}}
//   ConditionalOperator  AND (default) | OR, joining the per-attribute conditions
//   AttributeUpdates  {a: {Action: PUT (default) | ADD | DELETE, Value}}
//   AttributesToGet   ["a", "b"]
// Attribute names here are literal top-level names (a "." is part of the
// name). Comparison operators map onto expression nodes: EQ/NE/LT/LE/GT/GE
// -> comparisons, NULL / NOT_NULL -> attribute_not_exists / attribute_exists,
// CONTAINS / NOT_CONTAINS -> contains / NOT contains, BEGINS_WITH ->
// begins_with, IN, BETWEEN; Expected without an operator is Exists:false ->
// attribute_not_exists, else "= Value".
#include "expression/expression.hpp"
#include "expression/expression_internal.hpp"

#include <algorithm>
#include <array>
#include <set>

namespace lowcloud::dynamodb::expr {
namespace {

using nlohmann::json;

constexpr const char* kInvalid = "One or more parameter values were invalid: ";

constexpr std::array<std::string_view, 13> kOperators{
    "IN", "NULL", "BETWEEN", "LT", "NOT_CONTAINS", "EQ", "GT",
    "NOT_NULL", "NE", "LE", "BEGINS_WITH", "GE", "CONTAINS"};

// ---- wire shapes (SerializationException, worded like value.cpp) ------------------

std::string token_name(const json& j) {
    if (j.is_string()) return "STRING_VALUE";
    if (j.is_boolean()) return j.get<bool>() ? "TRUE_VALUE" : "FALSE_VALUE";
    return "NUMBER_VALUE";
}

[[noreturn]] void not_scalar(const json& j, std::string_view type) {
    if (j.is_object())
        throw serialization_error("Start of structure or map found where not expected.");
    if (j.is_array()) throw serialization_error("Start of list found where not expected");
    throw serialization_error(token_name(j) + " cannot be converted to " + std::string(type));
}

std::string string_of(const json& j) {
    if (!j.is_string()) not_scalar(j, "String");
    return j.get<std::string>();
}

bool bool_of(const json& j) {
    if (!j.is_boolean()) not_scalar(j, "Boolean");
    return j.get<bool>();
}

void expect_map(const json& j) {
    if (j.is_object()) return;
    if (j.is_array()) throw serialization_error("Start of list found where not expected");
    throw serialization_error("Expected map or null");
}

void expect_structure(const json& j) {
    if (j.is_object()) return;
    if (j.is_array()) throw serialization_error("Start of list found where not expected");
    throw serialization_error("Expected null");
}

std::string lower_first(std::string_view s) {
    std::string out(s);
    if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z')
        out[0] = static_cast<char>(out[0] - 'A' + 'a');
    return out;
}

[[noreturn]] void enum_error(const std::string& value, const std::string& where,
                             std::string_view allowed) {
    throw validation_error("1 validation error detected: Value '" + value + "' at '" + where +
                           "' failed to satisfy constraint: Member must satisfy enum value set: [" +
                           std::string(allowed) + "]");
}

std::string operators_list() {
    std::string out;
    for (auto op : kOperators) {
        if (!out.empty()) out += ", ";
        out += op;
    }
    return out;
}

Path top_level(const std::string& name) { return Path{{PathElement::key(name)}}; }
Operand path_operand(const std::string& name) { return Operand{top_level(name)}; }
Operand value_operand(AttributeValue v) { return Operand{ValueRef{std::move(v), {}}}; }

Condition call(Function f, std::vector<Operand> args) {
    return Condition{Call{f, std::move(args)}};
}

// The condition for one attribute: operator + values.
Condition make_condition(const std::string& name, std::string_view op,
                         std::vector<AttributeValue> v) {
    auto cmp = [&](Comparator c) {
        return Condition{Compare{c, path_operand(name), value_operand(std::move(v[0]))}};
    };
    if (op == "EQ") return cmp(Comparator::EQ);
    if (op == "NE") return cmp(Comparator::NE);
    if (op == "LT") return cmp(Comparator::LT);
    if (op == "LE") return cmp(Comparator::LE);
    if (op == "GT") return cmp(Comparator::GT);
    if (op == "GE") return cmp(Comparator::GE);
    if (op == "NULL") return call(Function::AttributeNotExists, {path_operand(name)});
    if (op == "NOT_NULL") return call(Function::AttributeExists, {path_operand(name)});
    if (op == "BEGINS_WITH") {
        return call(Function::BeginsWith, {path_operand(name), value_operand(std::move(v[0]))});
    }
    if (op == "CONTAINS" || op == "NOT_CONTAINS") {
        Condition c =
            call(Function::Contains, {path_operand(name), value_operand(std::move(v[0]))});
        if (op == "CONTAINS") return c;
        return Condition{Not{std::move(c)}};
    }
    if (op == "BETWEEN") {
        return Condition{Between{path_operand(name), value_operand(std::move(v[0])),
                                 value_operand(std::move(v[1]))}};
    }
    In in{path_operand(name), {}};
    for (auto& value : v) in.candidates.push_back(value_operand(std::move(value)));
    return Condition{std::move(in)};
}

// Required number of values per operator (IN: at least one).
bool valid_count(std::string_view op, std::size_t n) {
    if (op == "NULL" || op == "NOT_NULL") return n == 0;
    if (op == "IN") return n >= 1;
    if (op == "BETWEEN") return n == 2;
    return n == 1;
}

std::vector<AttributeValue> value_list(const json& j) {
    if (j.is_object())
        throw serialization_error("Start of structure or map found where not expected.");
    if (!j.is_array()) throw serialization_error("Expected list or null");
    std::vector<AttributeValue> out;
    for (const auto& v : j) out.push_back(parse_value(v));
    return out;
}

void check_same_type(const std::vector<AttributeValue>& v) {
    for (const auto& value : v) {
        if (value.type != v.front().type) {
            throw validation_error(
                std::string(kInvalid) +
                "AttributeValues inside AttributeValueList must be of same type");
        }
    }
}

void check_bounds(std::string_view op, const std::vector<AttributeValue>& v) {
    if (op != "BETWEEN" || v.size() != 2) return;
    auto order = detail::compare_values(v[0], v[1]);
    if (order && *order > 0) {
        throw validation_error(
            "The BETWEEN condition was provided a range where the lower bound is greater than the "
            "upper bound");
    }
}

// Which value types an operator accepts in filters.
bool filter_type_ok(std::string_view op, Type t) {
    const bool scalar = t == Type::S || t == Type::N || t == Type::B;
    if (op == "EQ" || op == "NE") return scalar || t == Type::SS || t == Type::NS || t == Type::BS;
    if (op == "BEGINS_WITH") return t == Type::S || t == Type::B;
    return scalar;
}

// Expected, QueryFilter and ScanFilter refuse a value of a type the
// operator cannot compare (e.g. BEGINS_WITH with a number, CONTAINS with a
// list) before looking at any item.
void check_value_types(std::string_view op, const std::vector<AttributeValue>& values) {
    for (const auto& v : values) {
        if (!filter_type_ok(op, v.type)) {
            throw validation_error(std::string(kInvalid) + "ComparisonOperator " + std::string(op) +
                                   " is not valid for " + std::string(type_name(v.type)) +
                                   " AttributeValue type");
        }
    }
}

std::optional<Condition> join(std::vector<Condition> parts, std::string_view conditional_operator) {
    if (conditional_operator != "" && conditional_operator != "AND" &&
        conditional_operator != "OR") {
        enum_error(std::string(conditional_operator), "conditionalOperator", "OR, AND");
    }
    if (parts.empty()) return std::nullopt;
    Condition result = std::move(parts.front());
    for (std::size_t i = 1; i < parts.size(); ++i) {
        if (conditional_operator == "OR") {
            result = Condition{Or{std::move(result), std::move(parts[i])}};
        } else {
            result = Condition{And{std::move(result), std::move(parts[i])}};
        }
    }
    return result;
}

const json* member(const json& j, const char* key) {
    auto it = j.find(key);
    return it == j.end() || it->is_null() ? nullptr : &*it;
}

}  // namespace

std::optional<Condition> from_expected(const json& expected,
                                       std::string_view conditional_operator) {
    std::vector<Condition> parts;
    if (expected.is_null()) return std::nullopt;
    expect_map(expected);
    for (const auto& [name, c] : expected.items()) {
        expect_structure(c);
        check_attribute_name(name);
        const json* list = member(c, "AttributeValueList");
        const json* value = member(c, "Value");
        const json* op_json = member(c, "ComparisonOperator");
        const json* exists = member(c, "Exists");
        const std::string for_attr = " for Attribute: " + name;
        if (list != nullptr && value != nullptr) {
            throw validation_error(std::string(kInvalid) +
                                   "Value and AttributeValueList cannot be used together" +
                                   for_attr);
        }
        if (op_json != nullptr) {
            const std::string op = string_of(*op_json);
            if (std::find(kOperators.begin(), kOperators.end(), op) == kOperators.end()) {
                enum_error(op, "expected." + name + ".member.comparisonOperator", operators_list());
            }
            if (exists != nullptr) {
                throw validation_error(std::string(kInvalid) +
                                       "Exists and ComparisonOperator cannot be used together" +
                                       for_attr);
            }
            if (op != "NULL" && op != "NOT_NULL" && list == nullptr && value == nullptr) {
                throw validation_error(std::string(kInvalid) +
                                       "Value or AttributeValueList must be used with "
                                       "ComparisonOperator: " + op + for_attr);
            }
            std::vector<AttributeValue> values =
                list != nullptr ? value_list(*list) : std::vector<AttributeValue>{};
            if (value != nullptr) values.push_back(parse_value(*value));
            if (!valid_count(op, values.size())) {
                throw validation_error(std::string(kInvalid) +
                                       "Invalid number of argument(s) for the " + op +
                                       " ComparisonOperator");
            }
            if (list != nullptr && !values.empty()) check_same_type(values);
            check_value_types(op, values);
            if (list != nullptr && !values.empty()) check_bounds(op, values);
            parts.push_back(make_condition(name, op, std::move(values)));
            continue;
        }
        if (list != nullptr) {
            throw validation_error(std::string(kInvalid) +
                                   "AttributeValueList can only be used with a ComparisonOperator" +
                                   for_attr);
        }
        const bool should_exist = exists == nullptr || bool_of(*exists);
        if (should_exist && value == nullptr) {
            throw validation_error(std::string(kInvalid) +
                                   "Value must be provided when Exists is " +
                                   (exists == nullptr ? "null" : "true") + for_attr);
        }
        if (!should_exist && value != nullptr) {
            throw validation_error(std::string(kInvalid) +
                                   "Value cannot be used when Exists is false" + for_attr);
        }
        if (!should_exist) {
            parts.push_back(call(Function::AttributeNotExists, {path_operand(name)}));
        } else {
            parts.push_back(make_condition(name, "EQ", {parse_value(*value)}));
        }
    }
    return join(std::move(parts), conditional_operator);
}

std::optional<Condition> from_filter(const json& conditions, std::string_view conditional_operator,
                                     std::string_view parameter) {
    std::vector<Condition> parts;
    const std::string where = lower_first(parameter);
    if (conditions.is_null()) return std::nullopt;
    expect_map(conditions);
    for (const auto& [name, c] : conditions.items()) {
        expect_structure(c);
        check_attribute_name(name);
        const json* op_json = member(c, "ComparisonOperator");
        if (op_json == nullptr) {
            throw validation_error(
                "1 validation error detected: Value null at '" + where + "." + name +
                ".member.comparisonOperator' failed to satisfy constraint: Member "
                "must not be null");
        }
        const std::string op = string_of(*op_json);
        if (std::find(kOperators.begin(), kOperators.end(), op) == kOperators.end()) {
            enum_error(op, where + "." + name + ".member.comparisonOperator", operators_list());
        }
        const json* list = member(c, "AttributeValueList");
        std::vector<AttributeValue> values =
            list != nullptr ? value_list(*list) : std::vector<AttributeValue>{};
        if (!valid_count(op, values.size())) {
            throw validation_error(std::string(kInvalid) +
                                   "Invalid number of argument(s) for the " + op +
                                   " ComparisonOperator");
        }
        if (!values.empty()) {
            check_same_type(values);
            check_value_types(op, values);
            check_bounds(op, values);
        }
        parts.push_back(make_condition(name, op, std::move(values)));
    }
    return join(std::move(parts), conditional_operator);
}

Update from_attribute_updates(const json& attribute_updates) {
    Update u;
    u.legacy = true;
    if (attribute_updates.is_null()) return u;
    expect_map(attribute_updates);
    for (const auto& [name, spec] : attribute_updates.items()) {
        expect_structure(spec);
        check_attribute_name(name);
        const json* action_json = member(spec, "Action");
        const std::string action = action_json != nullptr ? string_of(*action_json) : "PUT";
        if (action != "PUT" && action != "ADD" && action != "DELETE") {
            enum_error(action, "attributeUpdates." + name + ".member.action", "ADD, PUT, DELETE");
        }
        const json* value_json = member(spec, "Value");
        std::optional<AttributeValue> value;
        if (value_json != nullptr) value = parse_value(*value_json);
        if (!value && action != "DELETE") {
            throw validation_error(
                std::string(kInvalid) +
                "Only DELETE action is allowed when no attribute value is specified");
        }
        if (value && action == "DELETE" && !value->is_set()) {
            throw validation_error(std::string(kInvalid) +
                                   "DELETE action with value is not supported for the type " +
                                   std::string(type_name(value->type)));
        }
        if (value && action == "ADD" && !value->is_set() && value->type != Type::N &&
            value->type != Type::L) {
            throw validation_error(std::string(kInvalid) +
                                   "ADD action is not supported for the type " +
                                   std::string(type_name(value->type)));
        }
        UpdateAction a;
        a.path = top_level(name);
        if (action == "PUT") {
            a.kind = ActionKind::Set;
        } else if (action == "ADD") {
            a.kind = ActionKind::Add;
        } else {
            a.kind = value ? ActionKind::Delete : ActionKind::Remove;
        }
        if (value) a.value = value_operand(std::move(*value));
        u.actions.push_back(std::move(a));
    }
    return u;
}

Projection from_attributes_to_get(const json& names) {
    if (names.is_object())
        throw serialization_error("Start of structure or map found where not expected.");
    if (!names.is_array()) throw serialization_error("Expected list or null");
    Projection p;
    std::set<std::string> seen;
    for (const auto& n : names) {
        const std::string name = string_of(n);
        check_attribute_name(name);
        if (!seen.insert(name).second) {
            throw validation_error(std::string(kInvalid) +
                                   "Duplicate value in attribute name: " + name);
        }
        p.paths.push_back(top_level(name));
    }
    return p;
}

}  // namespace lowcloud::dynamodb::expr
