// Item operations: PutItem, GetItem, UpdateItem, DeleteItem. Each request is
// parsed into typed values first (item, key, expressions resolved against
// ExpressionAttributeNames/Values, or the legacy Expected / AttributeUpdates
// / AttributesToGet converted to the same trees), then executed as one
// SQLite transaction: read the current item, check the condition, write.
// The engine's mutex (held by the caller) makes check-and-write atomic.
#include "dynamodb/capacity.hpp"
#include "dynamodb/engine.hpp"
#include "dynamodb/error.hpp"
#include "dynamodb/expression.hpp"
#include "dynamodb/keys.hpp"
#include "dynamodb/request.hpp"

namespace lowcloud::dynamodb {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxItemBytes = 400 * 1024;

// The expression-related members of one request, parsed and resolved.
struct Expressions {
    std::optional<expr::Condition> condition;
    std::optional<expr::Update> update;
    std::optional<expr::Projection> projection;
};

struct ExpressionMembers {
    bool condition = false;   // ConditionExpression / Expected
    bool update = false;      // UpdateExpression / AttributeUpdates
    bool projection = false;  // ProjectionExpression / AttributesToGet
};

bool has(const json& req, const char* name) {
    auto it = req.find(name);
    return it != req.end() && !it->is_null();
}

// Parses the members this operation accepts; enforces DynamoDB's rules on
// mixing expression and legacy parameters and on unused names/values.
Expressions parse_expressions(const json& req, ExpressionMembers accepts) {
    std::vector<std::string> legacy, modern;
    auto note = [&](bool accepted, const char* legacy_name, const char* modern_name) {
        if (!accepted) return;
        if (has(req, legacy_name)) legacy.push_back(legacy_name);
        if (has(req, modern_name)) modern.push_back(modern_name);
    };
    note(accepts.projection, "AttributesToGet", "ProjectionExpression");
    note(accepts.update, "AttributeUpdates", "UpdateExpression");
    note(accepts.condition, "Expected", "ConditionExpression");
    if (!legacy.empty() && !modern.empty()) {
        auto braces = [](const std::vector<std::string>& v) {
            std::string s;
            for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
            return "{" + s + "}";
        };
        throw validation_error("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: " +
                               braces(legacy) + " Expression parameters: " + braces(modern));
    }
    if (accepts.condition && has(req, "ConditionalOperator") && !has(req, "Expected"))
        throw validation_error("ConditionalOperator can only be specified when Expected is specified");

    auto names = attribute_names(req);
    auto values = attribute_values(req);
    if (modern.empty() && has(req, "ExpressionAttributeNames"))
        throw validation_error("ExpressionAttributeNames can only be specified when using expressions");
    bool value_users = (accepts.condition && has(req, "ConditionExpression")) || (accepts.update && has(req, "UpdateExpression"));
    if (!value_users && has(req, "ExpressionAttributeValues")) {
        // DynamoDB names the expressions that could have used them.
        std::string which = accepts.update      ? ": UpdateExpression and ConditionExpression are null"
                            : accepts.condition ? ": ConditionExpression is null"
                                                : "";
        throw validation_error("ExpressionAttributeValues can only be specified when using expressions" + which);
    }

    Expressions out;
    expr::Attributes attrs(std::move(names), std::move(values));
    if (accepts.update)
        if (auto text = opt_string(req, "UpdateExpression")) out.update = expr::parse_update(*text, attrs);
    if (accepts.condition)
        if (auto text = opt_string(req, "ConditionExpression")) out.condition = expr::parse_condition(*text, "ConditionExpression", attrs);
    if (accepts.projection)
        if (auto text = opt_string(req, "ProjectionExpression")) out.projection = expr::parse_projection(*text, attrs);
    attrs.check_all_used();

    if (accepts.condition)
        if (const json* expected = opt_object(req, "Expected"))
            out.condition = expr::from_expected(*expected, opt_string(req, "ConditionalOperator").value_or(""));
    if (accepts.update)
        if (const json* updates = opt_object(req, "AttributeUpdates")) out.update = expr::from_attribute_updates(*updates);
    if (accepts.projection)
        if (const json* names_list = opt_array(req, "AttributesToGet")) {
            if (names_list->empty())
                throw validation_error("1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have length greater than or equal to 1");
            out.projection = expr::from_attributes_to_get(*names_list);
        }
    return out;
}

// Members common to item operations.
struct Common {
    std::string table;
    std::optional<std::string> return_values;
    std::optional<std::string> return_capacity;
    bool return_old_on_failure = false;
};

Common read_common(Constraints& c, const json& req, const std::vector<std::string>& return_values_allowed) {
    Common common;
    auto name = opt_string(req, "TableName");
    check_table_name(c, name);
    common.table = name.value_or("");
    common.return_values = opt_string(req, "ReturnValues");
    check_enum(c, common.return_values, "returnValues", {"ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"});
    common.return_capacity = opt_string(req, "ReturnConsumedCapacity");
    check_enum(c, common.return_capacity, "returnConsumedCapacity", {"INDEXES", "TOTAL", "NONE"});
    auto metrics = opt_string(req, "ReturnItemCollectionMetrics");
    check_enum(c, metrics, "returnItemCollectionMetrics", {"SIZE", "NONE"});
    auto on_failure = opt_string(req, "ReturnValuesOnConditionCheckFailure");
    check_enum(c, on_failure, "returnValuesOnConditionCheckFailure", {"ALL_OLD", "NONE"});
    common.return_old_on_failure = on_failure == "ALL_OLD";
    auto op = opt_string(req, "ConditionalOperator");
    check_enum(c, op, "conditionalOperator", {"AND", "OR"});
    (void)return_values_allowed;
    return common;
}

void check_return_values(const Common& common, const std::vector<std::string>& allowed, const char* message) {
    if (!common.return_values) return;
    for (const auto& a : allowed)
        if (a == *common.return_values) return;
    throw validation_error(message);
}

Item read_item_member(Constraints& c, const json& req, const char* member, const char* field) {
    const json* j = opt_object(req, member);
    if (!j) {
        c.not_null(field);
        return {};
    }
    return parse_item(*j);
}

[[noreturn]] void condition_failed(const Common& common, const std::optional<Storage::Stored>& old) {
    ApiError e = dynamodb_error("ConditionalCheckFailedException", "The conditional request failed");
    if (common.return_old_on_failure && old) e.extra["Item"] = to_json(old->item);
    throw e;
}

void add_capacity(json& out, const Common& common, double units) {
    if (auto cc = consumed_capacity(common.return_capacity, common.table, units)) out["ConsumedCapacity"] = *cc;
}

}  // namespace

json put_item(Engine& engine, const json& req) {
    Constraints c;
    Common common = read_common(c, req, {"NONE", "ALL_OLD"});
    Item item = read_item_member(c, req, "Item", "item");
    c.check();
    check_return_values(common, {"NONE", "ALL_OLD"}, "ReturnValues can only be ALL_OLD or NONE");
    Expressions e = parse_expressions(req, {.condition = true});
    TableDef& t = engine.table(common.table);
    EncodedKey key = key_from_item(t.key, item);
    std::int64_t size = static_cast<std::int64_t>(item_size(item));
    if (size > static_cast<std::int64_t>(kMaxItemBytes)) throw validation_error("Item size has exceeded the maximum allowed size");

    sqlite::Transaction tx(engine.storage.db());
    auto old = engine.storage.get(t.id, key);
    if (e.condition && !expr::evaluate(*e.condition, old ? &old->item : nullptr)) condition_failed(common, old);
    engine.storage.put(t.id, key, item, size, old);
    tx.commit();

    json out = json::object();
    if (common.return_values == "ALL_OLD" && old) out["Attributes"] = to_json(old->item);
    add_capacity(out, common, write_units(old ? old->size : 0, size));
    return out;
}

json get_item(Engine& engine, const json& req) {
    Constraints c;
    Common common = read_common(c, req, {});
    Item key_item = read_item_member(c, req, "Key", "key");
    bool consistent = opt_bool(req, "ConsistentRead").value_or(false);
    c.check();
    Expressions e = parse_expressions(req, {.projection = true});
    TableDef& t = engine.table(common.table);
    EncodedKey key = key_from_key(t.key, key_item);
    auto stored = engine.storage.get(t.id, key);
    json out = json::object();
    if (stored) out["Item"] = to_json(e.projection ? expr::project(stored->item, *e.projection) : stored->item);
    add_capacity(out, common, read_units(stored ? stored->size : 0, consistent));
    return out;
}

json update_item(Engine& engine, const json& req) {
    Constraints c;
    Common common = read_common(c, req, {});
    Item key_item = read_item_member(c, req, "Key", "key");
    c.check();
    Expressions e = parse_expressions(req, {.condition = true, .update = true});
    TableDef& t = engine.table(common.table);
    EncodedKey key = key_from_key(t.key, key_item);
    std::vector<expr::Path> paths;
    if (e.update) {
        paths = expr::updated_paths(*e.update);
        for (const auto& p : paths)
            if (t.is_key_attribute(p.attribute()))
                throw validation_error("One or more parameter values were invalid: Cannot update attribute " + p.attribute() +
                                       ". This attribute is part of the key");
    }

    sqlite::Transaction tx(engine.storage.db());
    auto old = engine.storage.get(t.id, key);
    if (e.condition && !expr::evaluate(*e.condition, old ? &old->item : nullptr)) condition_failed(common, old);
    Item updated = old ? old->item : key_item;
    if (e.update) updated = expr::apply(*e.update, std::move(updated), old.has_value());
    std::int64_t size = static_cast<std::int64_t>(item_size(updated));
    if (size > static_cast<std::int64_t>(kMaxItemBytes)) throw validation_error("Item size to update has exceeded the maximum allowed size");
    engine.storage.put(t.id, key, updated, size, old);
    tx.commit();

    json out = json::object();
    const std::string rv = common.return_values.value_or("NONE");
    expr::Projection changed{paths};
    Item attributes;
    if (rv == "ALL_OLD" && old) attributes = old->item;
    else if (rv == "ALL_NEW") attributes = updated;
    else if (rv == "UPDATED_OLD" && old) attributes = expr::project(old->item, changed);
    else if (rv == "UPDATED_NEW") attributes = expr::project(updated, changed);
    if (!attributes.empty()) out["Attributes"] = to_json(attributes);
    add_capacity(out, common, write_units(old ? old->size : 0, size));
    return out;
}

json delete_item(Engine& engine, const json& req) {
    Constraints c;
    Common common = read_common(c, req, {});
    Item key_item = read_item_member(c, req, "Key", "key");
    c.check();
    check_return_values(common, {"NONE", "ALL_OLD"}, "ReturnValues can only be ALL_OLD or NONE");
    Expressions e = parse_expressions(req, {.condition = true});
    TableDef& t = engine.table(common.table);
    EncodedKey key = key_from_key(t.key, key_item);

    sqlite::Transaction tx(engine.storage.db());
    auto old = engine.storage.get(t.id, key);
    if (e.condition && !expr::evaluate(*e.condition, old ? &old->item : nullptr)) condition_failed(common, old);
    if (old) engine.storage.remove(t.id, key, *old);
    tx.commit();

    json out = json::object();
    if (common.return_values == "ALL_OLD" && old) out["Attributes"] = to_json(old->item);
    add_capacity(out, common, write_units(old ? old->size : 0, 0));
    return out;
}

}  // namespace lowcloud::dynamodb
