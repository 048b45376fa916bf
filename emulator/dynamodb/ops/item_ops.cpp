// Item operations: PutItem, GetItem, UpdateItem, DeleteItem. Each request is
// parsed into typed values first (item, key, expressions resolved against
// ExpressionAttributeNames/Values, or the legacy Expected / AttributeUpdates
// / AttributesToGet converted to the same trees), then executed as one
// SQLite transaction: read the current item, check the condition, write.
// The steps of a write are shared with the batch and transaction operations
// (Write in item_common.hpp); this file only orders them and shapes the
// response. The engine's mutex (held by the caller) makes check-and-write
// atomic.
#include "model/capacity.hpp"
#include "ops/engine.hpp"
#include "dynamodb/error.hpp"
#include "expression/expression.hpp"
#include "model/keys.hpp"
#include "ops/item_common.hpp"
#include "model/request.hpp"

#include <memory>

namespace lowcloud::dynamodb {

using nlohmann::json;

namespace {

// Runs a validated write as one SQLite transaction: read, check, write.
WriteResult execute(Engine& engine, const Write& w) {
    Storage::Op tx(engine.storage);
    WriteResult r = evaluate_write(engine.storage, w);
    store_write(engine.storage, w, r);
    tx.commit();
    return r;
}

}  // namespace

PreparedWrite prepare_put_item(const json& req) {
    Constraints c;
    auto w = std::make_shared<Write>(WriteKind::Put);
    w->common = read_common(c, req);
    w->item = read_item_member(c, req, "Item", "item");
    c.check();
    check_return_values(w->common, {"NONE", "ALL_OLD"}, "ReturnValues can only be ALL_OLD or NONE");
    parse_write_expressions(*w, req);
    w->stored_text = to_json_text(w->item);
    // What both ways of running it check against the table first.
    auto check = [](Engine& engine, Write& w) {
        bind_table(engine, w);
        resolve_key(w);
        check_put_size(w);
    };
    PreparedWrite out;
    out.step = [w, check](Engine& engine) {
        check(engine, *w);
        WriteResult r = execute(engine, *w);

        json out = json::object();
        if (w->common.return_values == "ALL_OLD" && r.old) out["Attributes"] = to_json(r.old->item);
        add_capacity(out, w->common, write_capacity_of(*w, r));
        return out;
    };
    if (!w->expressions.condition && w->common.return_values.value_or("NONE") == "NONE" &&
        w->common.return_capacity.value_or("NONE") == "NONE")
        out.deferred = [w, check](Engine& engine) {
            check(engine, *w);
            std::vector<Storage::DeferredPut> puts;
            puts.push_back(take_deferred_put(*w));
            engine.storage.defer(std::move(puts));
            return json::object();
        };
    return out;
}

// The stored text is the item's DynamoDB JSON as to_json() wrote it: without
// a projection it is the answer's Item as it is, with no decoding.
Prepared<std::string> prepare_get_item_text(const json& req) {
    Constraints c;
    Common common = read_common(c, req);
    Item key_item = read_item_member(c, req, "Key", "key");
    bool consistent = opt_bool(req, "ConsistentRead").value_or(false);
    c.check();
    auto e = std::make_shared<Expressions>(parse_expressions(req, {.projection = true}));
    return [common = std::move(common), key_item = std::move(key_item), consistent, e](Engine& engine) {
        TableDef& t = engine.table(common.table);
        EncodedKey key = key_from_key(t.key, key_item);
        json out = json::object();
        if (e->projection) {
            auto stored = engine.storage.get(t.id, key);
            if (stored) out["Item"] = to_json(expr::project(stored->item, *e->projection));
            add_capacity(out, common, read_units(stored ? stored->size : 0, consistent));
            return out.dump();
        }
        auto stored = engine.storage.get_text(t.id, key);
        add_capacity(out, common, read_units(stored ? stored->size : 0, consistent));
        std::string text = out.dump();
        if (stored) {
            text.pop_back();  // '}'
            if (text.size() > 1) text += ',';
            text += "\"Item\":";
            text += stored->text;
            text += '}';
        }
        return text;
    };
}

json update_item(Engine& engine, const json& req) {
    Constraints c;
    Write w(WriteKind::Update);
    w.common = read_common(c, req);
    w.item = read_item_member(c, req, "Key", "key");
    c.check();
    parse_write_expressions(w, req);
    bind_table(engine, w);
    resolve_key(w);
    check_update_paths(w);
    WriteResult r = execute(engine, w);

    json out = json::object();
    const std::string rv = w.common.return_values.value_or("NONE");
    expr::Projection changed{w.updated_paths};
    Item attributes;
    if (rv == "ALL_OLD" && r.old) attributes = r.old->item;
    else if (rv == "ALL_NEW") attributes = r.item;
    else if (rv == "UPDATED_OLD" && r.old) attributes = expr::project(r.old->item, changed);
    else if (rv == "UPDATED_NEW") attributes = expr::project(r.item, changed);
    if (!attributes.empty()) out["Attributes"] = to_json(attributes);
    add_capacity(out, w.common, write_capacity_of(w, r));
    return out;
}

json delete_item(Engine& engine, const json& req) {
    Constraints c;
    Write w(WriteKind::Delete);
    w.common = read_common(c, req);
    w.item = read_item_member(c, req, "Key", "key");
    c.check();
    check_return_values(w.common, {"NONE", "ALL_OLD"}, "ReturnValues can only be ALL_OLD or NONE");
    parse_write_expressions(w, req);
    bind_table(engine, w);
    resolve_key(w);
    WriteResult r = execute(engine, w);

    json out = json::object();
    if (w.common.return_values == "ALL_OLD" && r.old) out["Attributes"] = to_json(r.old->item);
    add_capacity(out, w.common, write_capacity_of(w, r));
    return out;
}

}  // namespace lowcloud::dynamodb
