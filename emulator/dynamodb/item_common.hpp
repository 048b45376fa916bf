// Private to the DynamoDB service: request plumbing shared by the item,
// query/scan, batch and transaction operations. The rules on expressions live
// here once: expression vs legacy parameters may not mix, every
// ExpressionAttributeNames/Values entry must be used, and the legacy
// parameters become the same expression trees.
#pragma once

#include "dynamodb/expression.hpp"
#include "dynamodb/request.hpp"
#include "dynamodb/storage.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace lowcloud::dynamodb {

constexpr std::size_t kMaxItemBytes = 400 * 1024;

// The expression-related members of one request, parsed and resolved.
struct Expressions {
    std::optional<expr::Condition> condition;      // ConditionExpression / Expected
    std::optional<expr::Update> update;            // UpdateExpression / AttributeUpdates
    std::optional<expr::Projection> projection;    // ProjectionExpression / AttributesToGet
    std::optional<expr::Condition> filter;         // FilterExpression / QueryFilter / ScanFilter
    std::optional<expr::Condition> key_condition;  // KeyConditionExpression (KeyConditions: see from_filter)
};

// Which of those members an operation accepts.
struct ExpressionMembers {
    bool condition = false;
    bool update = false;
    bool projection = false;
    bool filter = false;         // FilterExpression + the legacy filter named below
    bool key_condition = false;  // KeyConditionExpression + KeyConditions
    const char* legacy_filter = "ScanFilter";  // or "QueryFilter"
};

// Parses the members `accepts` names; enforces DynamoDB's rules on mixing
// expression and legacy parameters and on unused names/values.
Expressions parse_expressions(const nlohmann::json& req, ExpressionMembers accepts);

// Members common to item operations.
struct Common {
    std::string table;
    std::optional<std::string> return_values;
    std::optional<std::string> return_capacity;
    bool return_old_on_failure = false;
};

// Reads TableName, ReturnValues, ReturnConsumedCapacity,
// ReturnItemCollectionMetrics, ReturnValuesOnConditionCheckFailure and
// ConditionalOperator with their enum constraints.
Common read_common(Constraints& c, const nlohmann::json& req);

// Throws ValidationException `message` unless ReturnValues is absent or allowed.
void check_return_values(const Common& common, const std::vector<std::string>& allowed, const char* message);

// A required item-shaped member (Item, Key); records a null violation.
Item read_item_member(Constraints& c, const nlohmann::json& req, const char* member, const char* field);

// ConditionalCheckFailedException, with the old item when asked for.
[[noreturn]] void condition_failed(const Common& common, const std::optional<Storage::Stored>& old);

// Adds ConsumedCapacity when ReturnConsumedCapacity asks for it.
void add_capacity(nlohmann::json& out, const Common& common, double units);

}  // namespace lowcloud::dynamodb
