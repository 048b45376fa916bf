// Request plumbing shared by the item-level operations, and the steps of one
// write (see item_common.hpp).
#include "ops/item_common.hpp"

#include "model/capacity.hpp"
#include "dynamodb/error.hpp"

namespace lowcloud::dynamodb {

using nlohmann::json;


namespace {
bool has(const json& req, const char* name) {

    auto it = req.find(name);
    return it != req.end() && !it->is_null();
}
}  // namespace

json select_members(const json& entry, std::initializer_list<const char*> names) {
    json out = json::object();
    for (const char* n : names)
        if (auto it = entry.find(n); it != entry.end()) out[n] = *it;
    return out;
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
    note(accepts.filter, accepts.legacy_filter, "FilterExpression");
    note(accepts.key_condition, "KeyConditions", "KeyConditionExpression");
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
    if (accepts.filter && has(req, "ConditionalOperator") && !has(req, accepts.legacy_filter))
        throw validation_error(std::string("ConditionalOperator can only be specified when ") + accepts.legacy_filter + " is specified");

    auto names = attribute_names(req);
    auto values = attribute_values(req);
    if (modern.empty() && has(req, "ExpressionAttributeNames"))
        throw validation_error("ExpressionAttributeNames can only be specified when using expressions");
    bool value_users = (accepts.condition && has(req, "ConditionExpression")) || (accepts.update && has(req, "UpdateExpression")) ||
                       (accepts.filter && has(req, "FilterExpression")) || (accepts.key_condition && has(req, "KeyConditionExpression"));
    if (!value_users && has(req, "ExpressionAttributeValues")) {
        // DynamoDB names the expressions that could have used them.
        std::string which = accepts.update          ? ": UpdateExpression and ConditionExpression are null"
                            : accepts.condition     ? ": ConditionExpression is null"
                            : accepts.key_condition ? ": FilterExpression and KeyConditionExpression are null"
                            : accepts.filter        ? ": FilterExpression is null"
                                                    : "";
        throw validation_error("ExpressionAttributeValues can only be specified when using expressions" + which);
    }

    Expressions out;
    expr::Attributes attrs(std::move(names), std::move(values));
    if (accepts.update)
        if (auto text = opt_string(req, "UpdateExpression")) out.update = expr::parse_update(*text, attrs);
    if (accepts.condition)
        if (auto text = opt_string(req, "ConditionExpression")) out.condition = expr::parse_condition(*text, "ConditionExpression", attrs);
    if (accepts.key_condition)
        if (auto text = opt_string(req, "KeyConditionExpression"))
            out.key_condition = expr::parse_condition(*text, "KeyConditionExpression", attrs);
    if (accepts.filter)
        if (auto text = opt_string(req, "FilterExpression")) out.filter = expr::parse_condition(*text, "FilterExpression", attrs);
    if (accepts.projection)
        if (auto text = opt_string(req, "ProjectionExpression")) out.projection = expr::parse_projection(*text, attrs);
    attrs.check_all_used();

    if (accepts.condition)
        if (const json* expected = opt_object(req, "Expected"))
            out.condition = expr::from_expected(*expected, opt_string(req, "ConditionalOperator").value_or(""));
    if (accepts.update)
        if (const json* updates = opt_object(req, "AttributeUpdates")) out.update = expr::from_attribute_updates(*updates);
    if (accepts.filter)
        if (const json* filter = opt_object(req, accepts.legacy_filter))
            out.filter = expr::from_filter(*filter, opt_string(req, "ConditionalOperator").value_or(""), accepts.legacy_filter);
    if (accepts.key_condition)
        if (const json* conditions = opt_object(req, "KeyConditions"))
            out.key_condition = expr::from_filter(*conditions, "", "KeyConditions");
    if (accepts.projection)
        if (const json* names_list = opt_array(req, "AttributesToGet")) {
            if (names_list->empty())
                throw validation_error("1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have length greater than or equal to 1");
            out.projection = expr::from_attributes_to_get(*names_list);
        }
    return out;
}

Common read_common(Constraints& c, const json& req) {
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

void add_capacity(json& out, const Common& common, const WriteCapacity& units) {
    if (auto cc = consumed_capacity(common.return_capacity, common.table, units)) out["ConsumedCapacity"] = *cc;
}

// ---- one write ----------------------------------------------------------------

void parse_write_expressions(Write& w, const json& req) {
    w.expressions = parse_expressions(req, {.condition = true, .update = w.kind == WriteKind::Update});
    if (w.expressions.update) w.updated_paths = expr::updated_paths(*w.expressions.update);
}

void bind_table(Engine& engine, Write& w) { w.table = &engine.table(w.common.table); }

void check_update_paths(const Write& w) {
    for (const auto& p : w.updated_paths)
        if (w.table->is_key_attribute(p.attribute()))
            throw validation_error("One or more parameter values were invalid: Cannot update attribute " + p.attribute() +
                                   ". This attribute is part of the key");
}

void resolve_key(Write& w) {
    if (w.kind == WriteKind::Put) {
        w.key = key_from_item(w.table->key, w.item);
        check_index_keys(*w.table, w.item);
    } else {
        w.key = key_from_key(w.table->key, w.item);
    }
}

void check_put_size(Write& w) {
    w.size = static_cast<std::int64_t>(item_size(w.item));
    if (w.size > static_cast<std::int64_t>(kMaxItemBytes)) throw validation_error("Item size has exceeded the maximum allowed size");
}

namespace {

// Whether a write needs the old item itself or only its size: a Put with no
// condition, no ALL_OLD and no index or TTL entry to replace overwrites blindly.
bool needs_old_item(const Write& w) {
    if (w.kind != WriteKind::Put || w.expressions.condition || w.common.return_values.value_or("NONE") != "NONE") return true;
    return w.table->has_entries();
}

}  // namespace

WriteResult evaluate_write(Storage& storage, const Write& w) {
    WriteResult r;
    if (needs_old_item(w))
        r.old = storage.get(w.table->id, w.key);
    else
        r.blind = true;  // store_write learns the old size as it writes
    const auto& condition = w.expressions.condition;
    if (condition && !expr::evaluate(*condition, r.old ? &r.old->item : nullptr)) condition_failed(w.common, r.old);
    switch (w.kind) {
        case WriteKind::Put:
            r.item = w.item;
            r.size = w.size;
            break;
        case WriteKind::Update: {
            if (!r.old && w.expressions.update && expr::only_removes(*w.expressions.update)) {
                r.nothing = true;  // nothing to remove from an item that does not exist
                break;
            }
            r.item = r.old ? r.old->item : w.item;
            if (w.expressions.update) r.item = expr::apply(*w.expressions.update, std::move(r.item), r.old.has_value());
            r.size = static_cast<std::int64_t>(item_size(r.item));
            if (r.size > static_cast<std::int64_t>(kMaxItemBytes))
                throw validation_error("Item size to update has exceeded the maximum allowed size");
            check_index_keys(*w.table, r.item);
            break;
        }
        case WriteKind::Delete:
        case WriteKind::ConditionCheck: break;
    }
    return r;
}

void store_write(Storage& storage, const Write& w, WriteResult& r) {
    const std::string* text = w.kind == WriteKind::Put && !w.stored_text.empty() ? &w.stored_text : nullptr;
    switch (w.kind) {
        case WriteKind::Put:
        case WriteKind::Update:
            if (r.nothing) break;
            if (r.blind) {
                if (auto size = storage.put_blind(*w.table, w.key, r.item, r.size, text)) r.old = Storage::Stored{Item{}, *size};
                r.blind = false;
            } else {
                storage.put(*w.table, w.key, r.item, r.size, r.old, text);
            }
            break;
        case WriteKind::Delete:
            if (r.old) storage.remove(*w.table, w.key, *r.old);
            break;
        case WriteKind::ConditionCheck: break;
    }
}

Storage::DeferredPut take_deferred_put(Write& w) {
    return {w.table->id, w.key, std::move(w.item), w.size, std::move(w.stored_text)};
}

double write_cost(const WriteResult& r) { return write_units(r.old ? r.old->size : 0, r.size); }

WriteCapacity write_capacity_of(const Write& w, const WriteResult& r) {
    const Item* before = r.old ? &r.old->item : nullptr;
    const Item* after = (w.kind == WriteKind::Put || w.kind == WriteKind::Update) && !r.nothing ? &r.item : nullptr;
    if (w.kind == WriteKind::ConditionCheck || r.nothing) before = after = nullptr;
    return write_capacity(*w.table, write_cost(r), before, after);
}


}  // namespace lowcloud::dynamodb
