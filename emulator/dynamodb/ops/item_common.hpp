// Private to the DynamoDB service: request plumbing shared by the item,
// query/scan, batch and transaction operations. The rules on expressions live
// here once: expression vs legacy parameters may not mix, every
// ExpressionAttributeNames/Values entry must be used, and the legacy
// parameters become the same expression trees. So do the semantics of one
// write (Write below): PutItem, UpdateItem, DeleteItem, BatchWriteItem and
// TransactWriteItems all run the same steps, in the order each reports them.
#pragma once

#include "model/capacity.hpp"
#include "ops/engine.hpp"
#include "expression/expression.hpp"
#include "model/keys.hpp"
#include "model/request.hpp"
#include "storage/storage.hpp"

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

// The members of `entry` named in `names`. Batch and transaction members are
// read through it so that members their shape lacks are ignored, as
// DynamoDB ignores unknown members, rather than read as parameters.
nlohmann::json select_members(const nlohmann::json& entry, std::initializer_list<const char*> names);

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
void add_capacity(nlohmann::json& out, const Common& common, const WriteCapacity& units);

// ---- one write --------------------------------------------------------------
// A write goes through separate steps because the operations run them in
// different orders and report them differently: PutItem answers every
// failure as an exception, a transaction validates its whole request first
// and turns what depends on the table's schema or data (resolve_key,
// evaluate_write) into cancellation reasons.

enum class WriteKind { Put, Update, Delete, ConditionCheck };

struct Write {
    explicit Write(WriteKind k) : kind(k) {}

    WriteKind kind;
    Common common;                          // table name, ReturnValues*, capacity
    Item item;                              // Put: the item; otherwise the Key as sent
    Expressions expressions;                // condition; Update: the update
    std::vector<expr::Path> updated_paths;  // Update: the paths it writes
    const TableDef* table = nullptr;        // set by bind_table
    EncodedKey key;                         // set by resolve_key
    std::int64_t size = 0;                  // Put: the item's size (check_put_size)
    std::string stored_text;                // Put: the item as storage keeps it, when encoded early ("" otherwise)
};

// Parses the expression members a write of this kind accepts from `req`
// (a request or a transaction member): ConditionExpression / Expected, and
// for an Update also UpdateExpression / AttributeUpdates.
void parse_write_expressions(Write& w, const nlohmann::json& req);

// Finds the table: ResourceNotFoundException ("Requested resource not found").
void bind_table(Engine& engine, Write& w);

// Update: rejects writing a key attribute ("Cannot update attribute pk. This
// attribute is part of the key"). Needs bind_table.
void check_update_paths(const Write& w);

// Validates and encodes the key as PutItem/UpdateItem/DeleteItem do: a Put's
// item must carry the key attributes with their declared types ("Missing the
// key pk in the item", "Type mismatch for key ...") and valid index keys; a
// Key must match the schema exactly. Needs bind_table.
void resolve_key(Write& w);

// Put: measures the item and enforces 400 KB ("Item size has exceeded the
// maximum allowed size").
void check_put_size(Write& w);

struct WriteResult {
    std::optional<Storage::Stored> old;  // the item before the write (a blind Put: its size only)
    Item item;                           // Put, Update: the item after it
    std::int64_t size = 0;               // its size; 0 for Delete and ConditionCheck
    bool nothing = false;                // Update: only removals on a missing item; nothing stored
    // A blind Put (no condition, no ALL_OLD, no index or TTL entry to
    // replace): `old` is learned as it is stored, by store_write.
    bool blind = false;
};

// Reads the current item, evaluates the condition (ConditionalCheckFailedException,
// with Item when ReturnValuesOnConditionCheckFailure is ALL_OLD) and computes
// the new item (an Update's runtime ValidationExceptions: update errors, "Item
// size to update has exceeded the maximum allowed size", index key types).
// Writes nothing. Needs resolve_key; the caller holds a sqlite::Transaction.
WriteResult evaluate_write(Storage& storage, const Write& w);

// A checked Put (resolve_key, check_put_size) as Storage::defer() takes
// it: moves the item and its stored text out of `w`.
Storage::DeferredPut take_deferred_put(Write& w);

// Stores what evaluate_write computed: put, remove, or nothing (ConditionCheck).
// A blind Put's `old` is set here (the size of the item it replaced).
void store_write(Storage& storage, const Write& w, WriteResult& r);

// The write's cost: 1 WCU per KB of the larger of the old and new item.
double write_cost(const WriteResult& r);
// The same plus the index writes it caused (capacity.hpp).
WriteCapacity write_capacity_of(const Write& w, const WriteResult& r);

}  // namespace lowcloud::dynamodb
