// TransactWriteItems and TransactGetItems: up to 100 actions, all or nothing.
// Validation runs in DynamoDB's phases, and where a failure is reported
// depends on the phase:
//   1. member constraints, one "N validation errors detected" message;
//   2. each action's values and expressions, in request order;
//   3. tables (ResourceNotFoundException), what the request alone decides
//      (empty key values, a Put's 400 KB limit, updates of key attributes)
//      and the one-action-per-item rule: ValidationException;
//   4. per action, inside one SQLite transaction: the key against the
//      schema, the condition, the new item. Failures here cancel the
//      transaction: TransactionCanceledException with one CancellationReason
//      per action, in order ({"Code":"None"} for the fine ones).
// Each write action runs the same steps as PutItem/UpdateItem/DeleteItem
// (Write in item_common.hpp); nothing is stored unless every action passes.
// ClientRequestToken makes a successful TransactWriteItems idempotent for
// 10 minutes (Engine::transaction_tokens). Transactions cost double. The
// aggregate size (items put and keys written; items read) is held to 4 MB.
#include "model/capacity.hpp"
#include "ops/engine.hpp"
#include "dynamodb/error.hpp"
#include "ops/item_common.hpp"
#include "model/keys.hpp"
#include "model/request.hpp"

#include <chrono>
#include <cstdio>
#include <functional>

namespace lowcloud::dynamodb {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxActions = 100;
constexpr auto kTokenLifetime = std::chrono::minutes(10);
constexpr std::size_t kMaxTokenLength = 36;
// "The aggregate size of the items in the transaction cannot exceed 4 MB."
constexpr std::size_t kMaxTransactionBytes = 4 * 1024 * 1024;

void check_transaction_size(std::size_t total) {
    if (total > kMaxTransactionBytes) throw validation_error("Transaction request cannot be larger than 4 MB");
}

// TransactItems: required, 1-100 elements. Over 100, DynamoDB echoes the
// list the way Java prints it.
void check_action_count(Constraints& c, const json* items, const char* element_type) {
    if (!items) return c.not_null("transactItems");
    if (items->empty()) return c.violation("'[]'", "transactItems", "Member must have length greater than or equal to 1");
    if (items->size() <= kMaxActions) return;
    std::string echo;
    for (const auto& item : *items) {
        char hash[16];
        std::snprintf(hash, sizeof hash, "%08x", static_cast<unsigned>(std::hash<std::string>{}(item.dump()) & 0xffffffffu));
        echo += (echo.empty() ? "" : ", ") + std::string("com.amazonaws.dynamodb.v20120810.") + element_type + "@" + hash;
    }
    c.violation("'[" + echo + "]'", "transactItems", "Member must have length less than or equal to 100");
}

// Which item an action targets, for "no two actions on one item".
struct Target {
    std::string table;
    Item key;
    bool operator==(const Target&) const = default;
};

void check_distinct(const std::vector<Target>& targets) {
    for (std::size_t i = 0; i < targets.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (targets[i] == targets[j]) throw validation_error("Transaction request cannot include multiple operations on one item");
}

// Runs `step` for every action; its ValidationException or
// ConditionalCheckFailedException becomes that action's cancellation reason.
// Throws TransactionCanceledException when any action failed.
void run_actions(std::size_t count, const std::function<void(std::size_t)>& step) {
    json reasons = json::array();
    std::string codes;
    bool failed = false;
    for (std::size_t i = 0; i < count; ++i) {
        json reason = {{"Code", "None"}};
        try {
            step(i);
        } catch (const ApiError& e) {
            if (e.short_type() == "ConditionalCheckFailedException") {
                reason = {{"Code", "ConditionalCheckFailed"}, {"Message", e.what()}};
                if (e.extra.contains("Item")) reason["Item"] = e.extra["Item"];
            } else if (e.short_type() == "ValidationException") {
                reason = {{"Code", "ValidationError"}, {"Message", e.what()}};
            } else {
                throw;
            }
            failed = true;
        }
        codes += (i ? ", " : "") + reason["Code"].get<std::string>();
        reasons.push_back(std::move(reason));
    }
    if (!failed) return;
    ApiError e = dynamodb_error("TransactionCanceledException",
                                "Transaction cancelled, please refer cancellation reasons for specific reasons [" + codes + "]");
    e.extra["CancellationReasons"] = std::move(reasons);
    throw e;
}

// Capacity units per table, in the order the tables first appear.
class TableUnits {
public:
    void add(const std::string& table, double units) {
        WriteCapacity c;
        c.table = units;
        add(table, c);
    }
    void add(const std::string& table, const WriteCapacity& units) {
        for (auto& [name, total] : totals_)
            if (name == table) {
                total += units;
                return;
            }
        totals_.emplace_back(table, units);
    }
    void add_to(json& out, const std::optional<std::string>& mode) const {
        json list = json::array();
        for (const auto& [name, total] : totals_)
            if (auto cc = consumed_capacity(mode, name, total)) list.push_back(*cc);
        if (!list.empty()) out["ConsumedCapacity"] = std::move(list);
    }

private:
    std::vector<std::pair<std::string, WriteCapacity>> totals_;
};

// ---- TransactWriteItems -----------------------------------------------------

struct ActionKind {
    const char* member;  // "Put"
    const char* field;   // "put"
    WriteKind kind;
};
constexpr ActionKind kActionKinds[] = {
    {"ConditionCheck", "conditionCheck", WriteKind::ConditionCheck},
    {"Put", "put", WriteKind::Put},
    {"Delete", "delete", WriteKind::Delete},
    {"Update", "update", WriteKind::Update},
};

struct WriteAction {
    WriteAction(const json* b, WriteKind kind) : body(b), write(kind) {}

    const json* body;  // the Put / Update / Delete / ConditionCheck structure
    Write write;
};

// Member constraints of one TransactWriteItem; returns its actions.
std::vector<WriteAction> read_action(Constraints& c, const json& element, std::size_t index) {
    std::vector<WriteAction> found;
    for (const auto& k : kActionKinds) {
        const json* body = opt_object(element, k.member);
        if (!body) continue;
        const std::string path = "transactItems." + std::to_string(index + 1) + ".member." + k.field + ".";
        WriteAction a(body, k.kind);
        auto table = opt_string(*body, "TableName");
        check_table_name(c, table, path + "tableName");
        a.write.common.table = table.value_or("");
        if (!opt_object(*body, k.kind == WriteKind::Put ? "Item" : "Key")) c.not_null(path + (k.kind == WriteKind::Put ? "item" : "key"));
        if (k.kind == WriteKind::Update && !opt_string(*body, "UpdateExpression")) c.not_null(path + "updateExpression");
        if (k.kind == WriteKind::ConditionCheck && !opt_string(*body, "ConditionExpression")) c.not_null(path + "conditionExpression");
        auto on_failure = opt_string(*body, "ReturnValuesOnConditionCheckFailure");
        check_enum(c, on_failure, path + "returnValuesOnConditionCheckFailure", {"ALL_OLD", "NONE"});
        a.write.common.return_old_on_failure = on_failure == "ALL_OLD";
        found.push_back(std::move(a));
    }
    return found;
}

std::vector<WriteAction> read_write_actions(const json& req) {
    Constraints c;
    if (auto token = opt_string(req, "ClientRequestToken")) {
        if (token->empty()) c.violation("''", "clientRequestToken", "Member must have length greater than or equal to 1");
        if (token->size() > kMaxTokenLength)
            c.violation("'" + *token + "'", "clientRequestToken", "Member must have length less than or equal to 36");
    }
    check_enum(c, opt_string(req, "ReturnConsumedCapacity"), "returnConsumedCapacity", {"INDEXES", "TOTAL", "NONE"});
    check_enum(c, opt_string(req, "ReturnItemCollectionMetrics"), "returnItemCollectionMetrics", {"SIZE", "NONE"});
    const json* items = opt_array(req, "TransactItems");
    check_action_count(c, items, "TransactWriteItem");
    std::vector<std::vector<WriteAction>> per_element;
    if (items && !items->empty() && items->size() <= kMaxActions)
        for (std::size_t i = 0; i < items->size(); ++i) per_element.push_back(read_action(c, as_structure((*items)[i]), i));
    c.check();

    std::vector<WriteAction> actions;
    for (auto& found : per_element) {
        if (found.size() != 1) throw validation_error("TransactItems can only contain one of Check, Put, Update or Delete");
        actions.push_back(std::move(found.front()));
    }
    return actions;
}

// Phases 2 and 3 (see the top of the file).
void prepare_writes(Engine& engine, std::vector<WriteAction>& actions) {
    for (auto& a : actions) {
        Write& w = a.write;
        w.item = parse_item(a.body->at(w.kind == WriteKind::Put ? "Item" : "Key"));
        parse_write_expressions(w, select_members(*a.body, {"ConditionExpression", "UpdateExpression", "ExpressionAttributeNames",
                                                  "ExpressionAttributeValues"}));
    }
    std::vector<Target> targets;
    std::size_t total = 0;  // the items put and the keys of the other actions
    for (auto& a : actions) {
        Write& w = a.write;
        bind_table(engine, w);
        check_key_values_not_empty(w.table->key, w.item);
        if (w.kind == WriteKind::Put) check_put_size(w);
        if (w.kind == WriteKind::Update) check_update_paths(w);
        targets.push_back({w.common.table, key_of(w.table->key, w.item)});
        total += item_size(w.item);
    }
    check_distinct(targets);
    check_transaction_size(total);
}

// What a request looks like for ClientRequestToken: everything but the token
// (object members are sorted, so member order does not matter).
std::string fingerprint(const json& req) {
    json copy = req;
    copy.erase("ClientRequestToken");
    return copy.dump();
}

// A repeated request within the token's window: nothing is written again;
// the capacity reported is that of reading the items.
json replay(Engine& engine, std::vector<WriteAction>& actions, const std::optional<std::string>& mode) {
    TableUnits units;
    for (auto& a : actions) {
        resolve_key(a.write);
        auto stored = engine.storage.get(a.write.table->id, a.write.key);
        units.add(a.write.common.table, read_units(stored ? stored->size : 0, true));
    }
    json out = json::object();
    units.add_to(out, mode);
    return out;
}

}  // namespace

json transact_write_items(Engine& engine, const json& req) {
    std::vector<WriteAction> actions = read_write_actions(req);
    prepare_writes(engine, actions);
    auto mode = opt_string(req, "ReturnConsumedCapacity");

    auto token = opt_string(req, "ClientRequestToken");
    const auto now = std::chrono::steady_clock::now();
    std::erase_if(engine.transaction_tokens, [&](const auto& entry) { return entry.second.expires <= now; });
    if (token) {
        auto it = engine.transaction_tokens.find(*token);
        if (it != engine.transaction_tokens.end()) {
            if (it->second.fingerprint != fingerprint(req))
                throw dynamodb_error("IdempotentParameterMismatchException",
                                     "The request uses the same client token as a previous, but non-identical request.");
            return replay(engine, actions, mode);
        }
    }

    std::vector<WriteResult> results(actions.size());
    Storage::Op tx(engine.storage);
    run_actions(actions.size(), [&](std::size_t i) {
        resolve_key(actions[i].write);
        results[i] = evaluate_write(engine.storage, actions[i].write);
    });
    TableUnits units;
    for (std::size_t i = 0; i < actions.size(); ++i) {
        store_write(engine.storage, actions[i].write, results[i]);
        units.add(actions[i].write.common.table, write_capacity_of(actions[i].write, results[i]).scaled(2));
    }
    tx.commit();
    if (token) engine.transaction_tokens[*token] = {fingerprint(req), now + kTokenLifetime};

    json out = json::object();
    units.add_to(out, mode);
    return out;
}

namespace {

// ---- TransactGetItems -------------------------------------------------------

struct GetAction {
    const json* body = nullptr;  // the Get structure
    std::string table_name;
    Item key_item;
    Expressions expressions;
    const TableDef* table = nullptr;
    EncodedKey key;
};

std::vector<GetAction> read_get_actions(const json& req) {
    Constraints c;
    check_enum(c, opt_string(req, "ReturnConsumedCapacity"), "returnConsumedCapacity", {"INDEXES", "TOTAL", "NONE"});
    const json* items = opt_array(req, "TransactItems");
    check_action_count(c, items, "TransactGetItem");
    std::vector<GetAction> actions;
    if (items && !items->empty() && items->size() <= kMaxActions) {
        for (std::size_t i = 0; i < items->size(); ++i) {
            const std::string path = "transactItems." + std::to_string(i + 1) + ".member.get";
            GetAction a;
            a.body = opt_object(as_structure((*items)[i]), "Get");
            if (!a.body) {
                c.not_null(path);
                continue;
            }
            auto table = opt_string(*a.body, "TableName");
            check_table_name(c, table, path + ".tableName");
            a.table_name = table.value_or("");
            if (!opt_object(*a.body, "Key")) c.not_null(path + ".key");
            actions.push_back(std::move(a));
        }
    }
    c.check();
    return actions;
}

}  // namespace

json transact_get_items(Engine& engine, const json& req) {
    std::vector<GetAction> actions = read_get_actions(req);
    for (auto& a : actions) {
        a.key_item = parse_item(a.body->at("Key"));
        a.expressions = parse_expressions(select_members(*a.body, {"ProjectionExpression", "ExpressionAttributeNames"}), {.projection = true});
    }
    std::vector<Target> targets;
    for (auto& a : actions) {
        a.table = &engine.table(a.table_name);
        check_key_values_not_empty(a.table->key, a.key_item);
        targets.push_back({a.table_name, key_of(a.table->key, a.key_item)});
    }
    check_distinct(targets);
    run_actions(actions.size(), [&](std::size_t i) { actions[i].key = key_from_key(actions[i].table->key, actions[i].key_item); });

    std::vector<std::optional<Storage::Stored>> read;
    std::size_t total = 0;
    for (const auto& a : actions) {
        read.push_back(engine.storage.get(a.table->id, a.key));
        if (read.back()) total += static_cast<std::size_t>(read.back()->size);
    }
    check_transaction_size(total);

    json responses = json::array();
    TableUnits units;
    for (std::size_t i = 0; i < actions.size(); ++i) {
        const auto& a = actions[i];
        const auto& stored = read[i];
        json response = json::object();
        if (stored) response["Item"] = to_json(a.expressions.projection ? expr::project(stored->item, *a.expressions.projection) : stored->item);
        responses.push_back(std::move(response));
        units.add(a.table_name, 2 * read_units(stored ? stored->size : 0, true));
    }
    json out = {{"Responses", std::move(responses)}};
    units.add_to(out, opt_string(req, "ReturnConsumedCapacity"));
    return out;
}

}  // namespace lowcloud::dynamodb
