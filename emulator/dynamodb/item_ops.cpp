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
#include "dynamodb/item_common.hpp"
#include "dynamodb/request.hpp"

namespace lowcloud::dynamodb {

using nlohmann::json;

json put_item(Engine& engine, const json& req) {
    Constraints c;
    Common common = read_common(c, req);
    Item item = read_item_member(c, req, "Item", "item");
    c.check();
    check_return_values(common, {"NONE", "ALL_OLD"}, "ReturnValues can only be ALL_OLD or NONE");
    Expressions e = parse_expressions(req, {.condition = true});
    TableDef& t = engine.table(common.table);
    EncodedKey key = key_from_item(t.key, item);
    check_index_keys(t, item);
    std::int64_t size = static_cast<std::int64_t>(item_size(item));
    if (size > static_cast<std::int64_t>(kMaxItemBytes)) throw validation_error("Item size has exceeded the maximum allowed size");

    sqlite::Transaction tx(engine.storage.db());
    auto old = engine.storage.get(t.id, key);
    if (e.condition && !expr::evaluate(*e.condition, old ? &old->item : nullptr)) condition_failed(common, old);
    engine.storage.put(t, key, item, size, old);
    tx.commit();

    json out = json::object();
    if (common.return_values == "ALL_OLD" && old) out["Attributes"] = to_json(old->item);
    add_capacity(out, common, write_units(old ? old->size : 0, size));
    return out;
}

json get_item(Engine& engine, const json& req) {
    Constraints c;
    Common common = read_common(c, req);
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
    Common common = read_common(c, req);
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
    check_index_keys(t, updated);
    engine.storage.put(t, key, updated, size, old);
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
    Common common = read_common(c, req);
    Item key_item = read_item_member(c, req, "Key", "key");
    c.check();
    check_return_values(common, {"NONE", "ALL_OLD"}, "ReturnValues can only be ALL_OLD or NONE");
    Expressions e = parse_expressions(req, {.condition = true});
    TableDef& t = engine.table(common.table);
    EncodedKey key = key_from_key(t.key, key_item);

    sqlite::Transaction tx(engine.storage.db());
    auto old = engine.storage.get(t.id, key);
    if (e.condition && !expr::evaluate(*e.condition, old ? &old->item : nullptr)) condition_failed(common, old);
    if (old) engine.storage.remove(t, key, *old);
    tx.commit();

    json out = json::object();
    if (common.return_values == "ALL_OLD" && old) out["Attributes"] = to_json(old->item);
    add_capacity(out, common, write_units(old ? old->size : 0, 0));
    return out;
}

}  // namespace lowcloud::dynamodb
