// What Query and Scan share: members, Select, targets, start keys and the
// page builder (see query_common.hpp).
#include "ops/query_common.hpp"

#include "model/capacity.hpp"
#include "expression/expression.hpp"
#include "model/keys.hpp"
#include "ops/query_plan.hpp"

#include <algorithm>
#include <set>

namespace lowcloud::dynamodb {

using nlohmann::json;

namespace {

bool present(const json& req, const char* name) {
    auto it = req.find(name);
    return it != req.end() && !it->is_null();
}

std::string quoted(std::int64_t v) { return "'" + std::to_string(v) + "'"; }

void check_range(Constraints& c, const std::optional<std::int64_t>& v, const char* field, std::int64_t min,
                 std::optional<std::int64_t> max = std::nullopt) {
    if (!v) return;
    if (*v < min) c.violation(quoted(*v), field, "Member must have value greater than or equal to " + std::to_string(min));
    if (max && *v > *max) c.violation(quoted(*v), field, "Member must have value less than or equal to " + std::to_string(*max));
}

// Select against ProjectionExpression / AttributesToGet (messages as real
// DynamoDB answers them, moto's aws_verified test_dynamodb_select.py).
std::optional<std::string> select_error(const json& req, const std::string& select, bool has_index) {
    const bool expression = present(req, "ProjectionExpression");
    const bool projection = expression || present(req, "AttributesToGet");
    if (select == "SPECIFIC_ATTRIBUTES") {
        if (projection) return std::nullopt;
        return "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES";
    }
    if (projection)
        return std::string("Cannot specify the ") + (expression ? "ProjectionExpression" : "AttributesToGet") +
               " when choosing to get " + (select == "COUNT" ? "only the Count" : select);
    if (select == "ALL_PROJECTED_ATTRIBUTES" && !has_index)
        return std::string("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");
    return std::nullopt;
}

// ExclusiveStartKey values are reported as "The provided starting key is
// invalid: <why>", except number and duplicate-set errors, which DynamoDB
// reports bare (dynalite test/query.js, test/scan.js).
ApiError start_key_error(const ApiError& e) {
    if (e.short_type() != "ValidationException") return e;
    const std::string m = e.what();
    for (const char* bare : {"numeric value", "Number overflow", "Number underflow", "significant digits", "An number set",
                             "contains duplicates"})
        if (m.find(bare) != std::string::npos) return e;
    return validation_error("The provided starting key is invalid: " + m);
}

// Whether DynamoDB reports this expression-parameter failure before it
// looks at the ExclusiveStartKey: serialization, member constraints, mixing
// expression and legacy parameters, and the legacy filter's own checks.
bool checked_before_start_key(const ApiError& e, const json& req, const ExpressionMembers& members) {
    if (e.short_type() != "ValidationException") return true;
    if (present(req, members.legacy_filter) || present(req, "AttributesToGet")) return true;
    const std::string m = e.what();
    for (const char* early : {"Can not use both expression and non-expression", "ExpressionAttributeNames can only be specified",
                              "ExpressionAttributeValues can only be specified", "ConditionalOperator can only be specified"})
        if (m.starts_with(early)) return true;
    return m.find("validation error detected") != std::string::npos;
}

Item keys_of(const std::vector<KeyAttribute>& attributes, const Item& item) {
    Item out;
    for (const auto& a : attributes)
        if (auto it = item.find(a.name); it != item.end()) out.emplace(*it);
    return out;
}

std::vector<KeyAttribute> schema_attributes(const KeySchema& key) { return key.attributes(); }

}  // namespace

ReadRequest read_members(const json& req, ReadKind kind) {
    const bool scan = kind == ReadKind::Scan;
    ReadRequest r;
    Constraints c;
    // Members in the order DynamoDB lists their violations.
    r.select = opt_string(req, "Select");
    check_enum(c, r.select, "select", {"SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"});
    r.index = opt_string(req, "IndexName");
    if (r.index) check_table_name(c, r.index, "indexName");
    if (scan) {
        r.total_segments = opt_int(req, "TotalSegments");
        check_range(c, r.total_segments, "totalSegments", 1, 1000000);
    }
    r.return_capacity = opt_string(req, "ReturnConsumedCapacity");
    check_enum(c, r.return_capacity, "returnConsumedCapacity", {"INDEXES", "TOTAL", "NONE"});
    auto name = opt_string(req, "TableName");
    check_table_name(c, name);
    r.table = name.value_or("");
    auto op = opt_string(req, "ConditionalOperator");
    check_enum(c, op, "conditionalOperator", {"OR", "AND"});
    if (scan) {
        r.segment = opt_int(req, "Segment");
        check_range(c, r.segment, "segment", 0, 999999);
    }
    r.limit = opt_int(req, "Limit");
    check_range(c, r.limit, "limit", 1);
    r.consistent = opt_bool(req, "ConsistentRead").value_or(false);
    if (!scan) r.forward = opt_bool(req, "ScanIndexForward").value_or(true);

    static const std::set<std::string> kSelects{"SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"};
    std::optional<std::string> select_problem;
    if (r.select && kSelects.count(*r.select)) select_problem = select_error(req, *r.select, r.index.has_value());
    // Query reports the Select rules among the constraint violations; Scan on their own.
    if (!scan && select_problem) c.add(*select_problem);
    c.check();
    if (scan && select_problem) throw validation_error(*select_problem);
    return r;
}

void parse_read_expressions(ReadRequest& r, const json& req, ExpressionMembers members, std::optional<ApiError> later) {
    std::optional<ApiError> deferred;
    if (const json* start = opt_object(req, "ExclusiveStartKey")) {
        try {
            r.start_key = parse_item(*start);
        } catch (const ApiError& e) {
            deferred = start_key_error(e);
        }
    }
    if (!deferred) deferred = std::move(later);
    try {
        r.expressions = parse_expressions(req, members);
    } catch (const ApiError& e) {
        if (deferred && !checked_before_start_key(e, req, members)) throw *deferred;
        throw;
    }
    if (deferred) throw *deferred;
}

std::vector<KeyAttribute> ReadTarget::start_key_attributes() const {
    std::vector<KeyAttribute> out = schema_attributes(table->key);
    if (index)
        for (const auto& a : schema_attributes(index->key))
            if (std::none_of(out.begin(), out.end(), [&](const KeyAttribute& k) { return k.name == a.name; })) out.push_back(a);
    return out;
}

bool ReadTarget::projects(const std::string& attribute) const {
    if (!index || index->projection.type == "ALL") return true;
    if (table->is_key_attribute(attribute) || index->key.has_attribute(attribute))
        return true;
    const auto& extra = index->projection.non_key_attributes;
    return std::find(extra.begin(), extra.end(), attribute) != extra.end();
}

ReadTarget resolve_target(Engine& engine, const ReadRequest& r) {
    ReadTarget t;
    t.table = &engine.table(r.table);
    if (!r.index) return t;
    for (const auto& i : t.table->local_indexes)
        if (i.name == *r.index) {
            t.index = &i;
            t.local = true;
        }
    for (const auto& i : t.table->global_indexes)
        if (i.name == *r.index) t.index = &i;
    if (!t.index) throw validation_error("The table does not have the specified index: " + *r.index);
    if (!t.local && r.consistent) throw validation_error("Consistent reads are not supported on global secondary indexes");
    return t;
}

void check_select_against_target(const ReadRequest& r, const ReadTarget& t) {
    if (!t.index || t.local || t.index->projection.type == "ALL") return;
    if (r.select == "ALL_ATTRIBUTES")
        throw validation_error("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index " +
                               t.index->name + " because its projection type is not ALL");
    if (!r.expressions.projection) return;
    // A global index can only answer with what it holds (a local one fetches from the table).
    std::vector<std::string> missing;
    for (const auto& p : r.expressions.projection->paths)
        if (!t.projects(p.attribute()) && std::find(missing.begin(), missing.end(), p.attribute()) == missing.end())
            missing.push_back(p.attribute());
    if (missing.empty()) return;
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    throw validation_error("One or more parameter values were invalid: Global secondary index " + t.index->name + " does not project [" + list +
                           "]");
}

void check_projection_paths(const ReadRequest& r, const ReadTarget& t) {
    if (!r.expressions.projection) return;
    std::vector<const expr::Path*> paths;
    collect_paths(*r.expressions.projection, paths);
    check_key_paths(*t.table, paths);
}

void check_filter_paths(const ReadRequest& r, const ReadTarget& t) {
    if (!r.expressions.filter) return;
    std::vector<const expr::Path*> paths;
    collect_paths(*r.expressions.filter, paths);
    check_key_paths(*t.table, paths);
}

EncodedKey start_table_key(const ReadTarget& t, const Item& start_key) {
    try {
        return key_from_key(t.table->key, keys_of(schema_attributes(t.table->key), start_key));
    } catch (const ApiError& e) {
        throw validation_error("The provided starting key is invalid: " + std::string(e.what()));
    }
}

EncodedKey start_index_key(const ReadTarget& t, const Item& start_key) {
    return key_from_key(t.index->key, keys_of(schema_attributes(t.index->key), start_key));
}

// ---- pages -----------------------------------------------------------------------------

PageBuilder::PageBuilder(const ReadRequest& r, const ReadTarget& t)
    : r_(r), t_(t), key_attributes_(t.start_key_attributes()), partial_(t.index && t.index->projection.type != "ALL") {
    const auto& e = r.expressions;
    if (r.select == "COUNT") output_ = Output::Count;
    else if (e.projection) output_ = Output::Specific;
    else if (r.select == "ALL_ATTRIBUTES") output_ = Output::Full;
    else if (r.select == "ALL_PROJECTED_ATTRIBUTES" || t.index) output_ = Output::IndexProjected;

    // A local index fetches the table's item for what it does not hold.
    if (t.local && t.index->projection.type != "ALL") {
        std::vector<const expr::Path*> needed;
        if (e.projection && output_ == Output::Specific) collect_paths(*e.projection, needed);
        if (e.filter) collect_paths(*e.filter, needed);
        fetch_ = output_ == Output::Full ||
                 std::any_of(needed.begin(), needed.end(), [&](const expr::Path* p) { return !t.projects(p->attribute()); });
    }
}

Item PageBuilder::index_view(const Item& item) const {
    Item view;
    for (const auto& [name, value] : item)
        if (t_.projects(name)) view.emplace(name, value);
    return view;
}

bool PageBuilder::visit(Row&& row) {
    if (stopped_) {  // the peek past the page: more items remain
        more_ = true;
        return false;
    }
    ++scanned_;
    std::optional<Item> projected;
    if (partial_) {
        projected = index_view(row.item());
        read_bytes_ += static_cast<std::int64_t>(item_size(*projected));
    } else {
        read_bytes_ += row.size;
    }
    if (fetch_) fetched_bytes_ += row.size;

    // A global index filters what it holds; the table and local indexes see the whole item.
    const auto& filter = r_.expressions.filter;
    if (!filter || expr::evaluate(*filter, partial_ && !t_.local ? &*projected : &row.item())) {
        ++count_;
        auto append = [&](std::string_view text) {
            if (!items_.empty()) items_ += ',';
            items_ += text;
        };
        switch (output_) {
            case Output::Full: append(row.text); break;
            case Output::IndexProjected: append(partial_ ? to_json_text(*projected) : row.text); break;
            case Output::Specific: append(to_json_text(expr::project(row.item(), *r_.expressions.projection))); break;
            case Output::Count: break;
        }
    }
    last_ = std::move(row);
    if ((r_.limit && scanned_ >= *r_.limit) || read_bytes_ >= kPageBytes) stopped_ = true;
    return true;
}

std::string PageBuilder::response_text() const {
    json out = json::object();
    out["Count"] = count_;
    out["ScannedCount"] = scanned_;
    if (stopped_ && more_) out["LastEvaluatedKey"] = to_json(keys_of(key_attributes_, last_.item()));
    std::string tail = capacity(out).dump(-1, ' ', false, json::error_handler_t::replace);
    if (output_ == Output::Count) return tail;
    std::string text;
    text.reserve(items_.size() + tail.size() + 12);
    text.append("{\"Items\":[").append(items_).append("],").append(tail, 1);
    return text;
}

json PageBuilder::capacity(json out) const {
    const auto& mode = r_.return_capacity;
    if (!mode || *mode == "NONE") return out;
    if (!t_.index) {
        if (auto cc = consumed_capacity(mode, r_.table, read_units(read_bytes_, r_.consistent))) out["ConsumedCapacity"] = *cc;
        return out;
    }
    // Reading an index costs its entries' sizes, plus the table's items a local index fetched.
    const double index_units = read_units(read_bytes_, r_.consistent);
    const double table_units = fetch_ ? read_units(fetched_bytes_, r_.consistent) : 0.0;
    json cc = {{"TableName", r_.table}, {"CapacityUnits", index_units + table_units}};
    if (*mode == "INDEXES") {
        cc["Table"] = {{"CapacityUnits", table_units}};
        cc[t_.local ? "LocalSecondaryIndexes" : "GlobalSecondaryIndexes"] = {{t_.index->name, {{"CapacityUnits", index_units}}}};
    }
    out["ConsumedCapacity"] = cc;
    return out;
}

}  // namespace lowcloud::dynamodb
