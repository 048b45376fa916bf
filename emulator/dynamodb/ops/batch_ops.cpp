// BatchGetItem and BatchWriteItem: many keys or writes across tables in one
// call. Validation follows DynamoDB's order: member constraints (one
// "N validation errors detected" message), then the request's own rules
// (counts, duplicate keys, item sizes, expressions), then the tables and
// their key schemas. A batch that fails any of them reads or writes nothing;
// a valid BatchWriteItem runs as one SQLite transaction, each write with
// the same steps as PutItem/DeleteItem (Write in item_common.hpp).
// Nothing is ever throttled here, so UnprocessedItems is always {} and
// UnprocessedKeys holds only what the 16 MB response limit left out.
#include "model/capacity.hpp"
#include "ops/engine.hpp"
#include "dynamodb/error.hpp"
#include "ops/item_common.hpp"
#include "model/keys.hpp"
#include "model/request.hpp"

#include <memory>
#include <set>

namespace lowcloud::dynamodb {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxGetKeys = 100;
constexpr std::size_t kMaxWrites = 25;
constexpr std::int64_t kMaxGetResponseBytes = 16 * 1024 * 1024;

const char* const kMapKeysConstraint =
    "Map keys must satisfy constraint: [Member must have length less than or equal to 255, Member must have length "
    "greater than or equal to 3, Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+]";

[[noreturn]] void duplicate_keys() { throw validation_error("Provided list of item keys contains duplicates"); }

// ---- BatchGetItem -------------------------------------------------------------

struct TableGet {
    std::string name;
    const json* entry = nullptr;  // the table's KeysAndAttributes
    std::vector<Item> keys;
    std::vector<EncodedKey> encoded;
    Expressions expressions;
    bool consistent = false;
    const TableDef* table = nullptr;
};

// Member constraints. The map-keys echo is the request as JSON, as DynamoDB's
// current validation prints it; the other members use its generic wording.
std::vector<TableGet> read_get_request(const json& req) {
    Constraints c;
    const json* items = opt_object(req, "RequestItems");
    auto capacity = opt_string(req, "ReturnConsumedCapacity");
    std::vector<TableGet> tables;
    if (!items) {
        c.not_null("requestItems");
    } else if (items->empty()) {
        c.add("Value at 'RequestItems' failed to satisfy constraint: Member must have length greater than or equal to 1");
    } else {
        for (const auto& [name, value] : items->items())
            if (!valid_table_name(name)) {
                c.violation("'" + items->dump() + "'", "requestItems", kMapKeysConstraint);
                break;
            }
        for (const auto& [name, value] : items->items()) {
            TableGet g;
            g.name = name;
            g.entry = opt_object(*items, name.c_str());
            if (!g.entry) {
                c.not_null("requestItems." + name + ".member");
                continue;
            }
            const std::string member = "RequestItems." + name + ".member.";
            const json* keys = opt_array(*g.entry, "Keys");
            if (!keys) c.add("Value at '" + member + "Keys' failed to satisfy constraint: Member must not be null");
            else if (keys->empty()) c.add("Value at '" + member + "Keys' failed to satisfy constraint: Member must have length greater than or equal to 1");
            else if (keys->size() > kMaxGetKeys)
                c.add("Value at '" + member + "Keys' failed to satisfy constraint: Member must have length less than or equal to 100");
            if (const json* names = opt_array(*g.entry, "AttributesToGet"); names && names->empty())
                c.add("Value at '" + member + "AttributesToGet' failed to satisfy constraint: Member must have length greater than or equal to 1");
            g.consistent = opt_bool(*g.entry, "ConsistentRead").value_or(false);
            tables.push_back(std::move(g));
        }
    }
    check_enum(c, capacity, "returnConsumedCapacity", {"INDEXES", "TOTAL", "NONE"});
    c.check();
    return tables;
}

// The request's own rules: projections, duplicate keys, the 100-key total.
void parse_gets(std::vector<TableGet>& tables) {
    std::size_t total = 0;
    bool legacy = false, modern = false;
    for (auto& g : tables) {
        g.expressions = parse_expressions(select_members(*g.entry, {"ProjectionExpression", "ExpressionAttributeNames", "AttributesToGet"}),
                                          {.projection = true});
        legacy = legacy || g.entry->contains("AttributesToGet");
        modern = modern || g.entry->contains("ProjectionExpression");
        for (const auto& k : g.entry->at("Keys")) {
            Item key = parse_item(k);
            for (const auto& seen : g.keys)
                if (seen == key) duplicate_keys();
            g.keys.push_back(std::move(key));
            if (++total > kMaxGetKeys) throw validation_error("Too many items requested for the BatchGetItem call");
        }
    }
    if (legacy && modern)
        throw validation_error("Can not use both expression and non-expression parameters in the same request: "
                               "Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}");
}

}  // namespace

json batch_get_item(Engine& engine, const json& req) {
    std::vector<TableGet> tables = read_get_request(req);
    parse_gets(tables);
    for (auto& g : tables) {
        g.table = &engine.table(g.name);
        for (const auto& k : g.keys) g.encoded.push_back(key_from_key(g.table->key, k));
    }

    json responses = json::object(), unprocessed = json::object(), capacity = json::array();
    auto mode = opt_string(req, "ReturnConsumedCapacity");
    std::int64_t bytes = 0;
    for (const auto& g : tables) {
        json& found = responses[g.name] = json::array();
        json left = json::array();
        double units = 0;
        for (std::size_t i = 0; i < g.keys.size(); ++i) {
            if (bytes > kMaxGetResponseBytes) {
                left.push_back(to_json(g.keys[i]));
                continue;
            }
            auto stored = engine.storage.get(g.table->id, g.encoded[i]);
            std::int64_t size = stored ? stored->size : 0;
            if (bytes + size > kMaxGetResponseBytes) {
                // DynamoDB stops at 16 MB and hands back the rest to retry.
                bytes += size;
                left.push_back(to_json(g.keys[i]));
                continue;
            }
            bytes += size;
            units += read_units(size, g.consistent);
            if (stored) found.push_back(to_json(g.expressions.projection ? expr::project(stored->item, *g.expressions.projection) : stored->item));
        }
        if (!left.empty()) {
            json rest = *g.entry;
            rest["Keys"] = std::move(left);
            unprocessed[g.name] = std::move(rest);
        }
        if (auto cc = consumed_capacity(mode, g.name, units)) capacity.push_back(*cc);
    }
    json out = {{"Responses", std::move(responses)}, {"UnprocessedKeys", std::move(unprocessed)}};
    if (!capacity.empty()) out["ConsumedCapacity"] = std::move(capacity);
    return out;
}

namespace {

// ---- BatchWriteItem -----------------------------------------------------------

struct TableWrites {
    std::string name;
    const json* requests = nullptr;  // the table's WriteRequest list
    std::vector<Write> writes;
    const TableDef* table = nullptr;
};

// A WriteRequest as DynamoDB's validation echoes it (Java's toString).
std::string echo_write_request(const json& r) {
    auto part = [&](const char* member, const char* field, const char* shape, const char* inner) {
        const json* p = r.is_object() ? opt_object(r, member) : nullptr;
        if (!p) return std::string(field) + "=null";
        std::string s = std::string(field) + "=" + shape + "(" + inner + "={";
        if (const json* m = opt_object(*p, member[0] == 'P' ? "Item" : "Key")) {
            bool first = true;
            for (const auto& [k, v] : m->items()) {
                s += (first ? "" : ", ") + k + "=" + v.dump();
                first = false;
            }
        }
        return s + "})";
    };
    return "WriteRequest(" + part("PutRequest", "putRequest", "PutRequest", "item") + ", " +
           part("DeleteRequest", "deleteRequest", "DeleteRequest", "key") + ")";
}

std::string echo_request_items(const json& items) {
    std::string s = "{";
    bool first_table = true;
    for (const auto& [name, list] : items.items()) {
        s += (first_table ? "" : ", ") + name + "=[";
        first_table = false;
        if (list.is_array())
            for (std::size_t i = 0; i < list.size(); ++i) s += (i ? ", " : "") + echo_write_request(list[i]);
        s += "]";
    }
    return s + "}";
}

// Member constraints: the enums first (reported alone), then the shape of
// RequestItems (table names, 1-25 requests per table, required members).
std::vector<TableWrites> read_write_request(const json& req) {
    Constraints c;
    auto capacity = opt_string(req, "ReturnConsumedCapacity");
    auto metrics = opt_string(req, "ReturnItemCollectionMetrics");
    const json* items = opt_object(req, "RequestItems");
    check_enum(c, capacity, "returnConsumedCapacity", {"INDEXES", "TOTAL", "NONE"});
    check_enum(c, metrics, "returnItemCollectionMetrics", {"SIZE", "NONE"});
    if (!items) c.not_null("requestItems");
    c.check();
    if (items->empty()) throw validation_error("The requestItems parameter is required for BatchWriteItem");

    Constraints shape;
    std::vector<TableWrites> tables;
    bool bad_name = false, bad_count = false;
    for (const auto& [name, value] : items->items()) {
        TableWrites t;
        t.name = name;
        t.requests = opt_array(*items, name.c_str());
        bad_name = bad_name || !valid_table_name(name);
        bad_count = bad_count || !t.requests || t.requests->empty() || t.requests->size() > kMaxWrites;
        tables.push_back(std::move(t));
    }
    const std::string echo = bad_name || bad_count ? "'" + echo_request_items(*items) + "'" : "";
    if (bad_name) shape.violation(echo, "requestItems", kMapKeysConstraint);
    if (bad_count)
        shape.violation(echo, "requestItems",
                        "Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have "
                        "length greater than or equal to 1]");
    for (const auto& t : tables) {
        if (!t.requests) continue;
        for (std::size_t i = 0; i < t.requests->size(); ++i) {
            const json& r = as_structure((*t.requests)[i]);
            const std::string path = "requestItems." + t.name + ".member." + std::to_string(i + 1) + ".member.";
            if (const json* d = opt_object(r, "DeleteRequest"); d && !opt_object(*d, "Key")) shape.not_null(path + "deleteRequest.key");
            if (const json* p = opt_object(r, "PutRequest"); p && !opt_object(*p, "Item")) shape.not_null(path + "putRequest.item");
        }
    }
    shape.check();
    return tables;
}

// The request's own rules: the 25-write total, one action per request,
// valid values, the item size limit.
void parse_writes(std::vector<TableWrites>& tables) {
    std::size_t total = 0;
    for (const auto& t : tables) total += t.requests->size();
    if (total > kMaxWrites) throw validation_error("Too many items requested for the BatchWriteItem call");
    for (auto& t : tables) {
        for (const auto& r : *t.requests) {
            const json* put = opt_object(r, "PutRequest");
            const json* del = opt_object(r, "DeleteRequest");
            if ((put == nullptr) == (del == nullptr))
                throw validation_error("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes");
            Write w(put ? WriteKind::Put : WriteKind::Delete);
            w.common.table = t.name;
            w.item = parse_item(put ? put->at("Item") : del->at("Key"));
            if (put) {
                check_put_size(w);
                w.stored_text = to_json_text(w.item);
            }
            t.writes.push_back(std::move(w));
        }
    }
}

// The tables and their key schemas. A put's item that lacks a key attribute
// or carries it with another type is "The provided key element does not
// match the schema" here, unlike PutItem.
void resolve_writes(Engine& engine, std::vector<TableWrites>& tables) {
    for (auto& t : tables) {
        t.table = &engine.table(t.name);
        std::set<std::pair<std::string, std::string>> seen;
        for (auto& w : t.writes) {
            w.table = t.table;
            if (w.kind == WriteKind::Put) {
                w.key = key_from_key(t.table->key, key_of(t.table->key, w.item));
                check_index_keys(*t.table, w.item);
            } else {
                resolve_key(w);
            }
            if (!seen.emplace(w.key.pk, w.key.sk).second) duplicate_keys();
        }
    }
}

}  // namespace

// `req` must outlive the step returned (the writes point into it).
PreparedWrite prepare_batch_write_item(const json& req) {
    auto tables = std::make_shared<std::vector<TableWrites>>(read_write_request(req));
    parse_writes(*tables);
    auto mode = opt_string(req, "ReturnConsumedCapacity");
    PreparedWrite out;
    bool only_puts = true;
    for (const auto& t : *tables)
        for (const auto& w : t.writes) only_puts = only_puts && w.kind == WriteKind::Put;
    if (only_puts && mode.value_or("NONE") == "NONE")
        out.deferred = [tables](Engine& engine) {
            resolve_writes(engine, *tables);
            std::vector<Storage::DeferredPut> puts;
            for (auto& t : *tables)
                for (auto& w : t.writes) puts.push_back(take_deferred_put(w));
            engine.storage.defer(std::move(puts));
            return json{{"UnprocessedItems", json::object()}};
        };
    out.step = [tables, mode](Engine& engine) {
        resolve_writes(engine, *tables);
        json capacity = json::array();
        Storage::Op tx(engine.storage);
        for (const auto& t : *tables) {
            WriteCapacity units;
            for (const auto& w : t.writes) {
                WriteResult r = evaluate_write(engine.storage, w);
                store_write(engine.storage, w, r);
                units += write_capacity_of(w, r);
            }
            if (auto cc = consumed_capacity(mode, t.name, units)) capacity.push_back(*cc);
        }
        tx.commit();

        json out = {{"UnprocessedItems", json::object()}};
        if (!capacity.empty()) out["ConsumedCapacity"] = std::move(capacity);
        return out;
    };
    return out;
}

}  // namespace lowcloud::dynamodb
