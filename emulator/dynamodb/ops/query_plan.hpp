// Query's key-condition planning, separate from request plumbing so it can be
// unit-tested: turning a KeyConditionExpression tree or the legacy
// KeyConditions tree into one condition per key attribute (with DynamoDB's
// structural errors), checking those conditions and an ExclusiveStartKey
// against the key schema being queried (a table's or an index's), and mapping
// the sort-key condition onto a range of order-preserving key bytes
// (keys.hpp) for the storage reads. Also the path inspection Query and Scan
// share: which attributes a filter or projection touches, and DynamoDB's
// "Key attributes must be scalars" rule.
//
// Every function is pure; errors are ApiError(ValidationException) with
// DynamoDB's wording (sources: dynalite validations/index.js convertKeyCondition
// and actions/query.js, whose tests were recorded against real DynamoDB).
#pragma once

#include "expression/expression_ast.hpp"
#include "storage/storage.hpp"
#include "model/table.hpp"
#include "model/value.hpp"

#include <optional>
#include <string>
#include <vector>

namespace lowcloud::dynamodb {

// The comparison of one key condition. The last six only come from the
// legacy KeyConditions and are rejected as "not an indexable operation".
enum class KeyOp { EQ, LT, LE, GT, GE, BETWEEN, BEGINS_WITH, NE, IN, IS_NULL, NOT_NULL, CONTAINS, NOT_CONTAINS };

struct KeyCondition {
    std::string attribute;
    KeyOp op = KeyOp::EQ;
    std::vector<AttributeValue> values;  // EQ..GE, BEGINS_WITH: 1; BETWEEN: 2 (lower, upper)
};

// A KeyConditionExpression, after parsing: an AND of comparisons, BETWEEN or
// begins_with on top-level attributes, one per attribute. `attr < :v` and
// `:v > attr` are the same condition. Throws "Invalid operator used in
// KeyConditionExpression: OR", "KeyConditionExpressions cannot contain nested
// operations", "Invalid condition in KeyConditionExpression: Multiple attribute
// names used in one condition", "KeyConditionExpressions must only contain one
// condition per key" and the like, in DynamoDB's order of checking.
std::vector<KeyCondition> key_conditions_from_expression(const expr::Condition& condition);

// The legacy KeyConditions, as converted by expr::from_filter (an AND chain
// of per-attribute conditions; nullopt for an empty map).
std::vector<KeyCondition> key_conditions_from_legacy(const std::optional<expr::Condition>& condition);

// "Conditions can be of length 1 or 2 only".
void check_condition_count(const std::vector<KeyCondition>& conditions);
// The same against the queried schema: a multi-attribute key takes one
// condition per key attribute at most.
void check_condition_count(const std::vector<KeyCondition>& conditions, const KeySchema& schema);

// What a Query reads: one partition, a range of sort keys.
struct KeyPlan {
    std::string partition;              // encoded partition key value
    std::optional<KeyCondition> sort;   // the sort-key condition, if any
    SortRange range;                    // its byte range (unbounded without one)
};

// Checks the conditions against the queried key schema, attribute by
// attribute (hash first), as DynamoDB does, interleaving the ExclusiveStartKey
// checks when there is one: "The provided starting key is invalid" (a key
// attribute missing), "The provided key element does not match the schema"
// (wrong type), "Query key condition not supported", "Query condition missed
// key schema element: X", "Attempted conditional constraint is not an
// indexable operation", "One or more parameter values were invalid: Condition
// parameter type does not match schema type".
//
// Multi-attribute keys (global indexes): every partition attribute needs an
// equality; sort attributes are conditioned left to right, every one before
// the last conditioned one by equality ("RANGE key attributes A must have
// equality conditions specified in the query because a condition is present
// on key attribute B"). `partition` and `range` are then tuple bytes (keys.hpp)
// and `sort` is the last sort condition.
KeyPlan plan_query(const KeySchema& schema, const std::vector<KeyCondition>& conditions, const Item* start_key);

// The ExclusiveStartKey against the plan: outside the partition ("The provided
// starting key is outside query boundaries based on provided conditions"), or
// its sort key failing the sort condition ("... does not match the range key
// predicate", then "The query can return at most one row and cannot be
// restarted" for another partition). Precondition: plan_query accepted it.
void check_start_key(const KeyPlan& plan, const KeySchema& schema, const Item& start_key);

// The byte range of a sort-key condition (EQ..BEGINS_WITH).
SortRange sort_range(const KeyCondition& condition);
// Whether an encoded sort-key value satisfies the condition.
bool sort_matches(const KeyCondition& condition, const std::string& encoded);
// The smallest byte string greater than every string starting with
// `prefix`, or nullopt when there is none (empty or all 0xFF).
std::optional<std::string> prefix_successor(std::string prefix);

// ---- paths ---------------------------------------------------------------------

// Every document path a condition or projection mentions, in source order.
void collect_paths(const expr::Condition& condition, std::vector<const expr::Path*>& out);
void collect_paths(const expr::Projection& projection, std::vector<const expr::Path*>& out);

// "Key attributes must be scalars; list random access '[]' and map lookup '.'
// are not allowed: Key: a" (or "IndexKey: d") when a nested path starts at a
// key attribute of the table or of one of its indexes.
void check_key_paths(const TableDef& table, const std::vector<const expr::Path*>& paths);

}  // namespace lowcloud::dynamodb
