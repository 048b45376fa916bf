// Read operations over many items: Query (one partition of a table or
// index, a sort-key range, either direction) and Scan (a whole table or
// index in hash order, optionally one parallel-scan segment of it). Each
// request is checked in DynamoDB's order (member constraints, expression
// parameters, the ExclusiveStartKey, key conditions, then against the table)
// before anything is read; the read itself goes through the bounded storage
// primitives and stops after one page (Limit items read, or 1 MB), so its
// cost follows the page, not the table. Shared plumbing: query_common.hpp;
// key-condition planning: query_plan.hpp.
#include "ops/engine.hpp"
#include "dynamodb/error.hpp"
#include "expression/expression.hpp"
#include "model/keys.hpp"
#include "ops/query_common.hpp"
#include "ops/query_plan.hpp"

#include <set>

namespace lowcloud::dynamodb {

using nlohmann::json;

namespace {

constexpr const char* kStartKeyInvalid = "The provided starting key is invalid";

bool present(const json& req, const char* name) {
    auto it = req.find(name);
    return it != req.end() && !it->is_null();
}

// A Query may not filter on the key it queries by (dynalite test/query.js).
void check_filter_on_keys(const ReadRequest& r, const ReadTarget& t, bool legacy_filter) {
    if (!r.expressions.filter) return;
    std::vector<const expr::Path*> paths;
    collect_paths(*r.expressions.filter, paths);
    std::set<std::string> heads;
    for (const auto* p : paths) heads.insert(p->attribute());
    for (const KeyAttribute& a : t.key().attributes())
        if (heads.count(a.name))
            throw validation_error(std::string(legacy_filter ? "QueryFilter" : "Filter Expression") +
                                   " can only contain non-primary key attributes: Primary key attribute: " + a.name);
}

// Parallel-scan segment s of n covers hashes [floor(s*2^32/n), floor((s+1)*2^32/n) - 1].
std::pair<std::uint32_t, std::uint32_t> segment_hashes(const ReadRequest& r) {
    if (!r.total_segments) return {0, UINT32_MAX};
    const std::uint64_t s = static_cast<std::uint64_t>(*r.segment), n = static_cast<std::uint64_t>(*r.total_segments);
    return {static_cast<std::uint32_t>((s << 32) / n), static_cast<std::uint32_t>(((s + 1) << 32) / n - 1)};
}

// The rest of each operation, against the table (under the engine's lock).
std::string query_page(Engine& engine, const ReadRequest& r, const std::vector<KeyCondition>& conditions, bool legacy_filter);
std::string scan_page(Engine& engine, const ReadRequest& r);

}  // namespace

Prepared<std::string> prepare_query_text(const json& req) {
    // Shared: the closure must be copyable (std::function), and Expressions are deep copies.
    auto request = std::make_shared<ReadRequest>(read_members(req, ReadKind::Query));
    ReadRequest& r = *request;

    // DynamoDB takes the legacy KeyConditions beside FilterExpression and
    // ProjectionExpression; only KeyConditionExpression excludes it.
    const bool legacy_keys = present(req, "KeyConditions") && !present(req, "KeyConditionExpression");
    json without_keys;
    if (legacy_keys) {
        without_keys = req;
        without_keys.erase("KeyConditions");
    }
    std::optional<ApiError> no_keys;
    if (!present(req, "KeyConditions") && !present(req, "KeyConditionExpression"))
        no_keys = validation_error("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.");
    parse_read_expressions(r, legacy_keys ? without_keys : req,
                           {.projection = true, .filter = true, .key_condition = true, .legacy_filter = "QueryFilter"}, std::move(no_keys));
    std::vector<KeyCondition> conditions =
        legacy_keys ? key_conditions_from_legacy(expr::from_filter(req.at("KeyConditions"), "", "KeyConditions"))
                    : key_conditions_from_expression(*r.expressions.key_condition);
    if (conditions.empty() || conditions.size() > kMaxGlobalIndexKeyElements) check_condition_count(conditions);
    return [request, conditions = std::move(conditions), legacy_filter = present(req, "QueryFilter")](Engine& engine) {
        return query_page(engine, *request, conditions, legacy_filter);
    };
}

namespace {

std::string query_page(Engine& engine, const ReadRequest& r, const std::vector<KeyCondition>& conditions, bool legacy_filter) {
    ReadTarget t = resolve_target(engine, r);
    check_condition_count(conditions, t.key());
    const Item* start = r.start_key ? &*r.start_key : nullptr;
    if (start && start->size() != t.start_key_attributes().size()) throw validation_error(kStartKeyInvalid);
    const KeyPlan plan = plan_query(t.key(), conditions, start);
    std::optional<Position> after;
    if (start) {
        EncodedKey base = start_table_key(t, *start);
        check_start_key(plan, t.key(), *start);
        Position p;
        p.pk = std::move(base.pk);
        p.sk = std::move(base.sk);
        if (t.index) {
            EncodedKey ik = start_index_key(t, *start);
            p.ipk = std::move(ik.pk);
            p.isk = std::move(ik.sk);
        }
        after = std::move(p);
    }
    check_projection_paths(r, t);
    check_filter_on_keys(r, t, legacy_filter);
    check_select_against_target(r, t);
    check_filter_paths(r, t);

    PageBuilder page(r, t);
    if (t.index)
        engine.storage.query_index(t.table->id, t.index->name, plan.partition, plan.range, r.forward, after, page.visitor());
    else
        engine.storage.query_table(t.table->id, plan.partition, plan.range, r.forward, after, page.visitor());
    return page.response_text();
}

}  // namespace

Prepared<std::string> prepare_scan_text(const json& req) {
    auto request = std::make_shared<ReadRequest>(read_members(req, ReadKind::Scan));
    ReadRequest& r = *request;

    std::optional<ApiError> segments;
    if (r.segment && !r.total_segments)
        segments = validation_error("The TotalSegments parameter is required but was not present in the request when Segment parameter is present");
    else if (r.total_segments && !r.segment)
        segments = validation_error("The Segment parameter is required but was not present in the request when parameter TotalSegments is present");
    else if (r.segment && *r.segment >= *r.total_segments)
        segments = validation_error("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: " +
                                    std::to_string(*r.segment) + " is not less than TotalSegments: " + std::to_string(*r.total_segments));
    parse_read_expressions(r, req, {.projection = true, .filter = true, .legacy_filter = "ScanFilter"}, std::move(segments));
    return [request](Engine& engine) { return scan_page(engine, *request); };
}

namespace {

std::string scan_page(Engine& engine, const ReadRequest& r) {
    ReadTarget t = resolve_target(engine, r);
    const Item* start = r.start_key ? &*r.start_key : nullptr;
    if (start) {
        if (start->size() != t.start_key_attributes().size())
            throw validation_error(t.index ? std::string(kStartKeyInvalid)
                                           : std::string(kStartKeyInvalid) + ": The provided key element does not match the schema");
        if (t.index)
            for (const KeyAttribute& a : t.index->key.attributes()) {
                auto it = start->find(a.name);
                if (it == start->end()) throw validation_error(kStartKeyInvalid);
                if (it->second.type != a.type) throw validation_error("The provided key element does not match the schema");
            }
    }
    check_select_against_target(r, t);
    const auto [low, high] = segment_hashes(r);
    std::optional<Position> after;
    if (start) {
        EncodedKey base = start_table_key(t, *start);
        Position p;
        p.hash = base.hash;
        p.pk = std::move(base.pk);
        p.sk = std::move(base.sk);
        if (t.index) {
            EncodedKey ik = start_index_key(t, *start);
            p.hash = ik.hash;
            p.ipk = std::move(ik.pk);
            p.isk = std::move(ik.sk);
        }
        if (p.hash < low || p.hash > high)
            throw validation_error(std::string(kStartKeyInvalid) +
                                   ": Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: " +
                                   std::to_string(*r.total_segments) + " Segment: " + std::to_string(*r.segment));
        after = std::move(p);
    }
    check_projection_paths(r, t);
    check_filter_paths(r, t);

    PageBuilder page(r, t);
    if (t.index)
        engine.storage.scan_index(t.table->id, t.index->name, low, high, after, page.visitor());
    else
        engine.storage.scan_table(t.table->id, low, high, after, page.visitor());
    return page.response_text();
}

}  // namespace

}  // namespace lowcloud::dynamodb
