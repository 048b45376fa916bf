// DynamoDB's expression language: the public contract the service calls.
//
// Pipeline: parse -> resolve names and values -> evaluate. parse_condition,
// parse_update and parse_projection take the raw expression text plus the
// request's ExpressionAttributeNames / ExpressionAttributeValues (an
// Attributes object) and either return a fully resolved tree
// (expression_ast.hpp) or throw ApiError(ValidationException) with the exact
// message DynamoDB gives, in the order DynamoDB checks things:
//   1. empty text, then size (4096 characters);
//   2. syntax (`Syntax error; token: "x", near: "a x b"`) and redundant
//      parentheses (ConditionExpression, FilterExpression, UpdateExpression);
//      more than 300 operators or 100 levels of nesting stop the parser;
//   3. structure, in source order: reserved words used as bare names,
//      function names, functions used in the wrong place, list index range,
//      repeated update sections;
//   4. resolution and typing, depth-first: undefined #names / :values, path
//      depth (32), operand counts and types, BETWEEN bounds, IN size (100),
//      overlapping / conflicting paths, operator count (300).
// Every message from these functions is prefixed with "Invalid <Parameter>: ".
// After all expressions of one request are parsed, the service calls
// Attributes::check_all_used(). Evaluation never throws for conditions;
// apply() throws DynamoDB's runtime update errors (unprefixed).
//
// Thread-safety: all functions are pure apart from the Attributes object they
// are handed, which records usage for one request.
#pragma once

#include "expression/expression_ast.hpp"
#include "model/value.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace lowcloud::dynamodb::expr {

// DynamoDB's limits on expressions.
inline constexpr std::size_t kMaxExpressionLength = 4096;  // UTF-16 code units
inline constexpr std::size_t kMaxOperators = 300;
inline constexpr std::size_t kMaxInOperands = 100;
inline constexpr std::size_t kMaxPathDepth = 32;
inline constexpr std::size_t kMaxPlaceholderLength = 255;
// Nesting of parentheses / NOT / function calls the parser accepts before
// answering a ValidationException (protects the stack; not a DynamoDB limit).
inline constexpr std::size_t kMaxNesting = 100;

// One request's ExpressionAttributeNames and ExpressionAttributeValues, and
// which of them the request's expressions used.
class Attributes {
public:
    Attributes() = default;
    // Validates the placeholder keys as DynamoDB does and throws
    // ValidationException: "ExpressionAttributeNames contains invalid key:
    // Syntax error; key: \"a\"", "... The expression attribute map contains a
    // key that is too long; size of key: 256" (values: no size suffix),
    // "ExpressionAttributeNames contains invalid value: Empty attribute name
    // for key #a". Emptiness of the maps themselves ("... must not be empty")
    // and "can only be specified when using expressions" are the caller's.
    Attributes(std::map<std::string, std::string> names,
               std::map<std::string, AttributeValue> values);

    // Looks a placeholder up and marks it used. nullptr when undefined.
    const std::string* use_name(std::string_view placeholder);
    const AttributeValue* use_value(std::string_view placeholder);

    // Throws ValidationException when a name or value was never used:
    // "Value provided in ExpressionAttributeNames unused in expressions:
    // keys: {#a, #b}" (names are checked before values; keys sorted).
    void check_all_used() const;

    const std::map<std::string, std::string>& names() const { return names_; }
    const std::map<std::string, AttributeValue>& values() const { return values_; }

private:
    std::map<std::string, std::string> names_;
    std::map<std::string, AttributeValue> values_;
    std::set<std::string, std::less<>> used_names_;
    std::set<std::string, std::less<>> used_values_;
};

// Parses a condition. `parameter` is the request parameter it came from
// ("ConditionExpression", "FilterExpression" or "KeyConditionExpression");
// it prefixes every message and decides whether redundant parentheses are an
// error (KeyConditionExpression accepts them, as DynamoDB does).
Condition parse_condition(std::string_view text, std::string_view parameter, Attributes& attrs);

// Parses an UpdateExpression (SET / REMOVE / ADD / DELETE, each at most
// once). Paths of different actions never overlap in the result.
Update parse_update(std::string_view text, Attributes& attrs);

// Parses a ProjectionExpression (comma-separated, non-overlapping paths).
// Only ExpressionAttributeNames are consulted.
Projection parse_projection(std::string_view text, Attributes& attrs);

// Evaluates a condition against an item (nullptr: the item does not exist,
// so every path is missing). DynamoDB semantics: comparing values of
// different types is false; <, <=, >, >=, BETWEEN only order S, N, B;
// size() of a missing or non-sized value is missing, so comparisons with it
// are false; contains() works on strings, binaries, sets and lists.
bool evaluate(const Condition& condition, const Item* item);

// Applies an update to an item and returns the new item. Right-hand sides
// read the item as it was before the update. `item_exists` false means the
// item is being created (it then holds only the key): REMOVE of paths inside
// it is a no-op rather than an invalid path. Throws ValidationException:
// "The provided expression refers to an attribute that does not exist in the
// item", "An operand in the update expression has an incorrect data type",
// "The document path provided in the update expression is invalid for
// update", legacy "Type mismatch for attribute to update", and Number's
// overflow errors from arithmetic. Deleting the last element of a set removes
// the attribute; SET beyond the end of a list appends (in index order).
Item apply(const Update& update, Item item, bool item_exists = true);
// True when every action of a non-empty update removes an attribute or set
// elements (REMOVE, DELETE, legacy DELETE): on a missing item DynamoDB then
// writes nothing at all.
bool only_removes(const Update& update);

// Keeps only the projected paths of an item, nested values in shape: map
// paths keep their maps, list elements are kept in index order and compacted.
// Paths that do not resolve are skipped.
Item project(const Item& item, const Projection& projection);

// The paths an update writes, in action order (for ReturnValues UPDATED_OLD /
// UPDATED_NEW via project(), and for rejecting updates of key attributes).
std::vector<Path> updated_paths(const Update& update);

// ---- legacy parameters, converted to the same trees ------------------------

// Expected + ConditionalOperator ("AND" / "OR" / "" for AND). Validates with
// DynamoDB's legacy messages ("One or more parameter values were invalid:
// ..."). nullopt when `expected` is empty.
std::optional<Condition> from_expected(const nlohmann::json& expected,
                                       std::string_view conditional_operator);

// QueryFilter / ScanFilter / KeyConditions: {attr: {ComparisonOperator,
// AttributeValueList}} + ConditionalOperator. `parameter` names the request
// parameter in enum-validation messages. nullopt when `conditions` is empty.
std::optional<Condition> from_filter(const nlohmann::json& conditions,
                                     std::string_view conditional_operator,
                                     std::string_view parameter = "ScanFilter");

// AttributeUpdates: {attr: {Action: PUT|ADD|DELETE, Value}}.
Update from_attribute_updates(const nlohmann::json& attribute_updates);

// AttributesToGet: ["a", "b"] (names taken literally, no paths).
Projection from_attributes_to_get(const nlohmann::json& names);

}  // namespace lowcloud::dynamodb::expr
