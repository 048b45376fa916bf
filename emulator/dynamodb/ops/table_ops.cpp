// Table operations: CreateTable, DescribeTable, ListTables, DeleteTable,
// UpdateTable, tagging, TTL settings, DescribeLimits and DescribeEndpoints.
// Each parses its request into typed values (TableDef and friends) with
// DynamoDB's validation messages, then changes the catalog and storage in one
// transaction. Tables are ACTIVE at once.
#include "common/ids.hpp"
#include "ops/engine.hpp"
#include "dynamodb/error.hpp"
#include "model/keys.hpp"
#include "model/request.hpp"
#include "model/tags.hpp"

#include <algorithm>
#include <chrono>
#include <set>

namespace lowcloud::dynamodb {

using nlohmann::json;

namespace {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
}

// Constraint checks of a ProvisionedThroughput member; returns the values.
std::optional<Throughput> read_throughput(Constraints& c, const json& parent, const std::string& field) {
    const json* pt = opt_object(parent, "ProvisionedThroughput");
    if (!pt) return std::nullopt;
    auto r = opt_int(*pt, "ReadCapacityUnits");
    auto w = opt_int(*pt, "WriteCapacityUnits");
    if (!w) c.not_null(field + ".writeCapacityUnits");
    else if (*w < 1) c.violation("'" + std::to_string(*w) + "'", field + ".writeCapacityUnits", "Member must have value greater than or equal to 1");
    if (!r) c.not_null(field + ".readCapacityUnits");
    else if (*r < 1) c.violation("'" + std::to_string(*r) + "'", field + ".readCapacityUnits", "Member must have value greater than or equal to 1");
    return Throughput{r.value_or(0), w.value_or(0)};
}

using KeyElement = KeySchemaElement;

std::vector<KeyElement> read_key_schema(Constraints& c, const json& parent, const std::string& field, std::size_t max_elements = 2) {
    std::vector<KeyElement> out;
    const json* ks = opt_array(parent, "KeySchema");
    if (!ks) {
        c.not_null(field);
        return out;
    }
    if (ks->empty()) c.violation("[]", field, "Member must have length greater than or equal to 1");
    if (ks->size() > max_elements)
        c.violation("[...]", field, "Member must have length less than or equal to " + std::to_string(max_elements));
    for (std::size_t i = 0; i < ks->size(); ++i) {
        const json& e = (*ks)[i];
        if (!e.is_object()) throw serialization_error("Unexpected value in KeySchema");
        auto name = opt_string(e, "AttributeName");
        auto type = opt_string(e, "KeyType");
        std::string at = field + "." + std::to_string(i + 1) + ".member";
        if (!name) c.not_null(at + ".attributeName");
        else check_key_attribute_name(c, *name, at + ".attributeName");
        if (!type) c.not_null(at + ".keyType");
        check_enum(c, type, at + ".keyType", {"HASH", "RANGE"});
        out.push_back({name.value_or(""), type.value_or("")});
    }
    return out;
}

// Checks the HASH/RANGE structure and definitions; builds the typed schema.
// `index` names a global index, whose key may have several attributes per part.
KeySchema build_key_schema(const std::vector<KeyElement>& keys, const std::map<std::string, Type>& defs,
                           const std::vector<std::string>& def_names, const std::string* global_index = nullptr) {
    std::vector<std::string> names;
    for (const auto& k : keys) names.push_back(k.name);
    bool undefined = std::any_of(names.begin(), names.end(), [&](const std::string& n) { return !defs.count(n); });
    if (undefined && keys.size() == 2) throw validation_error("Invalid KeySchema: Some index key attribute have no definition");
    if (global_index && is_multi_attribute(keys) && !undefined) return multi_attribute_key_schema(*global_index, keys, defs);
    if (undefined)
        throw validation_error(
            "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [" +
            join(names) + "], AttributeDefinitions: [" + join(def_names) + "]");
    if (keys.size() == 2 && keys[0].name == keys[1].name)
        throw validation_error("Both the Hash Key and the Range Key element in the KeySchema have the same name");
    if (keys[0].key_type != "HASH") throw validation_error("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
    if (keys.size() == 2 && keys[1].key_type != "RANGE")
        throw validation_error("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
    KeySchema schema{{keys[0].name, defs.at(keys[0].name)}, std::nullopt, {}, {}};
    if (keys.size() == 2) schema.range = KeyAttribute{keys[1].name, defs.at(keys[1].name)};
    return schema;
}

struct IndexRequest {
    std::string name;
    std::vector<KeyElement> keys;
    IndexProjection projection;
    bool has_non_key = false;
    std::optional<std::string> projection_type;
    std::optional<Throughput> throughput;
};

std::vector<IndexRequest> read_indexes(Constraints& c, const json& req, const char* member, const std::string& field, bool global) {
    std::vector<IndexRequest> out;
    const json* list = opt_array(req, member);
    if (!list) return out;
    for (std::size_t i = 0; i < list->size(); ++i) {
        const json& e = (*list)[i];
        if (!e.is_object()) throw serialization_error(std::string("Unexpected value in ") + member);
        std::string at = field + "." + std::to_string(i + 1) + ".member";
        IndexRequest r;
        auto name = opt_string(e, "IndexName");
        if (!name) c.not_null(at + ".indexName");
        else check_table_name(c, name, at + ".indexName");
        r.name = name.value_or("");
        r.keys = read_key_schema(c, e, at + ".keySchema", global ? kMaxGlobalIndexKeyElements : 2);
        const json* projection = opt_object(e, "Projection");
        if (!projection) {
            c.not_null(at + ".projection");
        } else {
            r.projection_type = opt_string(*projection, "ProjectionType");
            check_enum(c, r.projection_type, at + ".projection.projectionType", {"ALL", "INCLUDE", "KEYS_ONLY"});
            if (const json* nk = opt_array(*projection, "NonKeyAttributes")) {
                r.has_non_key = true;
                for (const auto& a : *nk) {
                    if (!a.is_string()) throw serialization_error("Unexpected value in NonKeyAttributes");
                    check_key_attribute_name(c, a.get<std::string>(), at + ".projection.nonKeyAttributes");
                    r.projection.non_key_attributes.push_back(a.get<std::string>());
                }
            }
        }
        if (global) r.throughput = read_throughput(c, e, at + ".provisionedThroughput");
        out.push_back(std::move(r));
    }
    return out;
}

SecondaryIndex build_index(const IndexRequest& r, const std::map<std::string, Type>& defs, const std::vector<std::string>& def_names,
                           bool global) {
    SecondaryIndex index;
    index.name = r.name;
    index.key = build_key_schema(r.keys, defs, def_names, global ? &r.name : nullptr);
    if (!r.projection_type) throw validation_error("One or more parameter values were invalid: Unknown ProjectionType: null");
    if (r.has_non_key && *r.projection_type != "INCLUDE")
        throw validation_error("One or more parameter values were invalid: ProjectionType is " + *r.projection_type +
                               ", but NonKeyAttributes is specified");
    index.projection.type = *r.projection_type;
    index.projection.non_key_attributes = r.projection.non_key_attributes;
    index.throughput = r.throughput;
    return index;
}

// Tags as sent; their rules (tags.hpp) are checked after the member constraints.
std::vector<std::pair<std::string, std::string>> read_tags(const json& req) {
    std::vector<TagInput> inputs;
    if (const json* list = opt_array(req, "Tags"))
        for (const auto& e : *list) {
            if (!e.is_object()) throw serialization_error("Unexpected value in Tags");
            inputs.push_back({opt_string(e, "Key"), opt_string(e, "Value")});
        }
    check_tags(inputs);
    std::vector<std::pair<std::string, std::string>> tags;
    for (auto& t : inputs) tags.emplace_back(std::move(*t.key), std::move(*t.value));
    return tags;
}

void apply_tags(TableDef& t, const std::vector<std::pair<std::string, std::string>>& tags) {
    for (const auto& [k, v] : tags) {
        auto it = std::find_if(t.tags.begin(), t.tags.end(), [&key = k](const auto& p) { return p.first == key; });
        if (it != t.tags.end()) it->second = v;
        else t.tags.emplace_back(k, v);
    }
    check_tag_count(t.tags.size());
}

// Billing-mode and throughput combination rules shared by Create/UpdateTable.
void check_billing(const std::string& mode, const std::optional<Throughput>& throughput) {
    if (mode == "PAY_PER_REQUEST" && throughput)
        throw validation_error(
            "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
    if (mode == "PROVISIONED" && !throughput)
        throw validation_error(
            "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
    if (throughput && (throughput->read > 1000000000000 || throughput->write > 1000000000000))
        throw validation_error("Given value " + std::to_string(std::max(throughput->read, throughput->write)) +
                               " for " + (throughput->read > 1000000000000 ? "ReadCapacityUnits" : "WriteCapacityUnits") +
                               " is out of bounds");
}

}  // namespace

json create_table(Engine& engine, const json& req) {
    Constraints c;
    auto name = opt_string(req, "TableName");
    check_table_name(c, name);
    const json* defs_json = opt_array(req, "AttributeDefinitions");
    if (!defs_json) c.not_null("attributeDefinitions");
    std::map<std::string, Type> defs;
    std::vector<std::string> def_names;
    std::vector<KeyAttribute> definitions;
    if (defs_json) {
        for (std::size_t i = 0; i < defs_json->size(); ++i) {
            const json& e = (*defs_json)[i];
            if (!e.is_object()) throw serialization_error("Unexpected value in AttributeDefinitions");
            std::string at = "attributeDefinitions." + std::to_string(i + 1) + ".member";
            auto an = opt_string(e, "AttributeName");
            auto at_type = opt_string(e, "AttributeType");
            if (!an) c.not_null(at + ".attributeName");
            else check_key_attribute_name(c, *an, at + ".attributeName");
            if (!at_type) c.not_null(at + ".attributeType");
            check_enum(c, at_type, at + ".attributeType", {"B", "N", "S"});
            if (an && at_type && key_type_from_name(*at_type)) {
                if (defs.count(*an)) throw validation_error("Cannot have two attributes with the same name");
                defs[*an] = *key_type_from_name(*at_type);
                def_names.push_back(*an);
                definitions.push_back({*an, *key_type_from_name(*at_type)});
            }
        }
    }
    auto keys = read_key_schema(c, req, "keySchema");
    auto lsis = read_indexes(c, req, "LocalSecondaryIndexes", "localSecondaryIndexes", false);
    auto gsis = read_indexes(c, req, "GlobalSecondaryIndexes", "globalSecondaryIndexes", true);
    auto billing = opt_string(req, "BillingMode");
    check_enum(c, billing, "billingMode", {"PROVISIONED", "PAY_PER_REQUEST"});
    auto throughput = read_throughput(c, req, "provisionedThroughput");
    auto table_class = opt_string(req, "TableClass");
    check_enum(c, table_class, "tableClass", {"STANDARD", "STANDARD_INFREQUENT_ACCESS"});
    auto protection = opt_bool(req, "DeletionProtectionEnabled");
    c.check();
    auto tags = read_tags(req);

    TableDef t;
    t.name = *name;
    t.billing_mode = billing.value_or("PROVISIONED");
    check_billing(t.billing_mode, throughput);
    t.key = build_key_schema(keys, defs, def_names);
    t.attribute_definitions = definitions;
    if (throughput) t.throughput = *throughput;

    std::set<std::string> used{t.key.hash.name};
    if (t.key.range) used.insert(t.key.range->name);
    std::set<std::string> index_names;
    if (req.contains("LocalSecondaryIndexes") && lsis.empty())
        throw validation_error("One or more parameter values were invalid: List of LocalSecondaryIndexes is empty");
    for (const auto& r : lsis) {
        if (!t.key.range)
            throw validation_error(
                "One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex");
        SecondaryIndex index = build_index(r, defs, def_names, false);
        if (!index.key.range)
            throw validation_error("One or more parameter values were invalid: Index KeySchema does not have a range key for index: " + index.name);
        if (index.key.hash.name != t.key.hash.name)
            throw validation_error(
                "One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: " +
                index.name + ". index hash key: " + index.key.hash.name + ", table hash key: " + t.key.hash.name);
        if (!index_names.insert(index.name).second)
            throw validation_error("One or more parameter values were invalid: Duplicate index name: " + index.name);
        used.insert(index.key.range->name);
        t.local_indexes.push_back(std::move(index));
    }
    if (t.local_indexes.size() > 5)
        throw validation_error("One or more parameter values were invalid: Number of LocalSecondaryIndexes exceeds per-table limit of 5");
    if (req.contains("GlobalSecondaryIndexes") && gsis.empty())
        throw validation_error("One or more parameter values were invalid: List of GlobalSecondaryIndexes is empty");
    for (const auto& r : gsis) {
        SecondaryIndex index = build_index(r, defs, def_names, true);
        if (t.billing_mode == "PAY_PER_REQUEST" && index.throughput)
            throw validation_error(
                "One or more parameter values were invalid: ProvisionedThroughput should not be specified for index: " + index.name +
                " when BillingMode is PAY_PER_REQUEST");
        if (t.billing_mode == "PROVISIONED" && !index.throughput)
            throw validation_error("One or more parameter values were invalid: ProvisionedThroughput must be specified for index: " + index.name);
        if (!index_names.insert(index.name).second)
            throw validation_error("One or more parameter values were invalid: Duplicate index name: " + index.name);
        for (const auto& a : index.key.attributes()) used.insert(a.name);
        t.global_indexes.push_back(std::move(index));
    }
    if (t.global_indexes.size() > 20)
        throw validation_error("One or more parameter values were invalid: GlobalSecondaryIndex count exceeds the per-table limit of 20");
    if (t.local_indexes.empty() && t.global_indexes.empty() && def_names.size() != keys.size())
        throw validation_error(
            "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions");
    if (used.size() != def_names.size()) {
        std::vector<std::string> used_list(used.begin(), used.end());
        throw validation_error("One or more parameter values were invalid: Some AttributeDefinitions are not used. AttributeDefinitions: [" +
                               join(def_names) + "], keys used: [" + join(used_list) + "]");
    }
    if (engine.tables.count(t.name)) throw dynamodb_error("ResourceInUseException", "Table already exists: " + t.name);

    t.table_id = random_uuid();
    t.created_ms = now_ms();
    if (t.billing_mode == "PAY_PER_REQUEST") t.billing_changed_ms = t.created_ms;
    t.table_class = table_class.value_or("STANDARD");
    t.deletion_protection = protection.value_or(false);
    apply_tags(t, tags);

    Storage::Durable tx(engine.storage);
    engine.storage.insert_table(t);
    tx.commit();
    auto& stored = engine.tables.emplace(t.name, t).first->second;
    return {{"TableDescription", engine.describe(stored)}};
}

json describe_table(Engine& engine, const json& req) {
    Constraints c;
    auto name = opt_string(req, "TableName");
    check_table_name(c, name);
    c.check();
    return {{"Table", engine.describe(engine.table(*name, true))}};
}

json list_tables(Engine& engine, const json& req) {
    Constraints c;
    auto start = opt_string(req, "ExclusiveStartTableName");
    if (start) check_table_name(c, start, "exclusiveStartTableName");
    auto limit = opt_int(req, "Limit");
    if (limit && *limit < 1) c.violation("'" + std::to_string(*limit) + "'", "limit", "Member must have value greater than or equal to 1");
    if (limit && *limit > 100) c.violation("'" + std::to_string(*limit) + "'", "limit", "Member must have value less than or equal to 100");
    c.check();
    std::size_t max = static_cast<std::size_t>(limit.value_or(100));
    json names = json::array();
    auto it = start ? engine.tables.upper_bound(*start) : engine.tables.begin();
    for (; it != engine.tables.end() && names.size() < max; ++it) names.push_back(it->first);
    json out = {{"TableNames", names}};
    if (it != engine.tables.end() && !names.empty()) out["LastEvaluatedTableName"] = names.back();
    return out;
}

json delete_table(Engine& engine, const json& req) {
    Constraints c;
    auto name = opt_string(req, "TableName");
    check_table_name(c, name);
    c.check();
    TableDef& t = engine.table(*name, true);
    if (t.deletion_protection)
        throw validation_error("Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.");
    json description = engine.describe(t, "DELETING");
    Storage::Durable tx(engine.storage);
    engine.storage.delete_table(t.id);
    tx.commit();
    engine.tables.erase(*name);
    return {{"TableDescription", description}};
}

json update_table(Engine& engine, const json& req) {
    Constraints c;
    auto name = opt_string(req, "TableName");
    check_table_name(c, name);
    auto billing = opt_string(req, "BillingMode");
    check_enum(c, billing, "billingMode", {"PROVISIONED", "PAY_PER_REQUEST"});
    auto throughput = read_throughput(c, req, "provisionedThroughput");
    auto protection = opt_bool(req, "DeletionProtectionEnabled");
    auto table_class = opt_string(req, "TableClass");
    check_enum(c, table_class, "tableClass", {"STANDARD", "STANDARD_INFREQUENT_ACCESS"});
    c.check();
    for (const char* unsupported : {"ReplicaUpdates", "StreamSpecification", "SSESpecification"})
        if (req.contains(unsupported) && !req[unsupported].is_null())
            throw validation_error(std::string("lowcloud does not support ") + unsupported + " in UpdateTable yet");

    TableDef& t = engine.table(*name, true);
    TableDef updated = t;
    Storage::Durable tx(engine.storage);
    bool index_updates = apply_index_updates(engine, updated, req);
    if (!billing && !throughput && !protection && !table_class && !index_updates)
        throw validation_error(
            "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required");
    std::string mode = billing.value_or(t.billing_mode);
    if (billing || throughput) {
        if (mode == "PAY_PER_REQUEST" && throughput)
            throw validation_error(
                "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
        if (mode == "PROVISIONED" && t.billing_mode == "PAY_PER_REQUEST" && !throughput)
            throw validation_error(
                "One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED");
        if (mode == "PROVISIONED" && throughput && t.billing_mode == "PROVISIONED" && throughput->read == t.throughput.read &&
            throughput->write == t.throughput.write)
            throw validation_error("The provisioned throughput for the table will not change. The requested value equals the current value. "
                                   "Current ReadCapacityUnits provisioned for the table: " + std::to_string(t.throughput.read) +
                                   ". Requested ReadCapacityUnits: " + std::to_string(throughput->read) +
                                   ". Current WriteCapacityUnits provisioned for the table: " + std::to_string(t.throughput.write) +
                                   ". Requested WriteCapacityUnits: " + std::to_string(throughput->write) + ". Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.");
        if (mode == "PAY_PER_REQUEST" && t.billing_mode != "PAY_PER_REQUEST") updated.billing_changed_ms = now_ms();
        updated.billing_mode = mode;
        updated.throughput = mode == "PAY_PER_REQUEST" ? Throughput{} : throughput.value_or(t.throughput);
    }
    if (protection) updated.deletion_protection = *protection;
    if (table_class) updated.table_class = *table_class;
    engine.storage.save_table(updated);
    tx.commit();
    t = std::move(updated);
    return {{"TableDescription", engine.describe(t)}};
}

namespace {
std::string resource_arn(Constraints& c, const json& req) {
    auto arn = opt_string(req, "ResourceArn");
    if (!arn) c.not_null("resourceArn");
    else if (arn->empty() || arn->size() > 1283)
        c.violation("'" + *arn + "'", "resourceArn", arn->empty() ? "Member must have length greater than or equal to 1"
                                                                  : "Member must have length less than or equal to 1283");
    return arn.value_or("");
}
}  // namespace

json tag_resource(Engine& engine, const json& req) {
    Constraints c;
    std::string arn = resource_arn(c, req);
    if (!opt_array(req, "Tags")) c.not_null("tags");
    c.check();
    if (opt_array(req, "Tags")->empty()) throw validation_error("Atleast one Tag needs to be provided as Input.");
    auto tags = read_tags(req);
    TableDef& t = engine.table_by_arn(arn, true);
    TableDef updated = t;
    apply_tags(updated, tags);
    Storage::Durable tx(engine.storage);
    engine.storage.save_table(updated);
    tx.commit();
    t = std::move(updated);
    return json::object();
}

json untag_resource(Engine& engine, const json& req) {
    Constraints c;
    std::string arn = resource_arn(c, req);
    const json* keys = opt_array(req, "TagKeys");
    if (!keys) c.not_null("tagKeys");
    c.check();
    if (keys->empty()) throw validation_error("Atleast one Tag Key needs to be provided as Input.");
    for (const auto& k : *keys) {
        if (!k.is_string()) throw serialization_error("Unexpected value in TagKeys");
        if (auto p = tag_key_problem(k.get<std::string>()); !p.empty() && p.rfind("Tag Key cannot", 0) != 0) throw validation_error(p);
    }
    TableDef& t = engine.table_by_arn(arn);
    TableDef updated = t;
    for (const auto& k : *keys) {
        if (!k.is_string()) throw serialization_error("Unexpected value in TagKeys");
        std::erase_if(updated.tags, [&](const auto& p) { return p.first == k.get<std::string>(); });
    }
    Storage::Durable tx(engine.storage);
    engine.storage.save_table(updated);
    tx.commit();
    t = std::move(updated);
    return json::object();
}

json list_tags_of_resource(Engine& engine, const json& req) {
    Constraints c;
    std::string arn = resource_arn(c, req);
    c.check();
    const TableDef& t = engine.table_by_arn(arn, true);
    json tags = json::array();
    for (const auto& [k, v] : t.tags) tags.push_back({{"Key", k}, {"Value", v}});
    return {{"Tags", tags}};
}

json describe_time_to_live(Engine& engine, const json& req) {
    Constraints c;
    auto name = opt_string(req, "TableName");
    check_table_name(c, name);
    c.check();
    const TableDef& t = engine.table(*name);
    if (!t.ttl_attribute) return {{"TimeToLiveDescription", {{"TimeToLiveStatus", "DISABLED"}}}};
    return {{"TimeToLiveDescription", {{"TimeToLiveStatus", "ENABLED"}, {"AttributeName", *t.ttl_attribute}}}};
}

json update_time_to_live(Engine& engine, const json& req) {
    Constraints c;
    auto name = opt_string(req, "TableName");
    check_table_name(c, name);
    const json* spec = opt_object(req, "TimeToLiveSpecification");
    std::optional<bool> enabled;
    std::optional<std::string> attribute;
    if (!spec) {
        c.not_null("timeToLiveSpecification");
    } else {
        enabled = opt_bool(*spec, "Enabled");
        attribute = opt_string(*spec, "AttributeName");
        if (!attribute) c.not_null("timeToLiveSpecification.attributeName");
        else if (attribute->empty() || attribute->size() > 255)
            c.violation("'" + *attribute + "'", "timeToLiveSpecification.attributeName",
                        attribute->empty() ? "Member must have length greater than or equal to 1"
                                           : "Member must have length less than or equal to 255");
        if (!enabled) c.not_null("timeToLiveSpecification.enabled");
    }
    c.check();
    TableDef& t = engine.table(*name);
    TableDef updated = t;
    if (*enabled) {
        if (t.ttl_attribute) throw validation_error("TimeToLive is already enabled");
        updated.ttl_attribute = *attribute;
    } else {
        if (!t.ttl_attribute) throw validation_error("TimeToLive is already disabled");
        if (*t.ttl_attribute != *attribute)
            throw validation_error("The provided TTL attribute name does not match the configured TTL attribute name");
        updated.ttl_attribute.reset();
    }
    Storage::Durable tx(engine.storage);
    engine.storage.save_table(updated);
    engine.storage.rebuild_ttl(updated);
    tx.commit();
    t = std::move(updated);
    return {{"TimeToLiveSpecification", {{"Enabled", *enabled}, {"AttributeName", *attribute}}}};
}

json describe_limits(Engine&, const json&) {
    return {{"AccountMaxReadCapacityUnits", 80000},
            {"AccountMaxWriteCapacityUnits", 80000},
            {"TableMaxReadCapacityUnits", 40000},
            {"TableMaxWriteCapacityUnits", 40000}};
}

json describe_endpoints(Engine& engine, const json&) {
    return {{"Endpoints", json::array({{{"Address", "dynamodb." + engine.options.region + ".amazonaws.com"}, {"CachePeriodInMinutes", 1440}}})}};
}

// Continuous backups and point-in-time recovery: the setting is recorded and
// described as DynamoDB describes it; nothing is restored from it.
namespace {

TableDef& backup_table(Engine& engine, const std::string& name) {
    if (name.rfind("arn:", 0) == 0) return engine.table_by_arn(name);
    auto it = engine.tables.find(name);
    if (it == engine.tables.end()) throw dynamodb_error("TableNotFoundException", "Table not found: " + name);
    return it->second;
}

json backups_description(const TableDef& t) {
    json pitr = {{"PointInTimeRecoveryStatus", t.pitr_since_ms ? "ENABLED" : "DISABLED"}};
    if (t.pitr_since_ms) {
        double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
        double earliest = std::max(static_cast<double>(*t.pitr_since_ms) / 1000.0, now - static_cast<double>(t.pitr_days) * 86400.0);
        pitr["EarliestRestorableDateTime"] = earliest;
        pitr["LatestRestorableDateTime"] = std::max(earliest, now - 300.0);  // typically 5 minutes before now
        pitr["RecoveryPeriodInDays"] = t.pitr_days;
    }
    return {{"ContinuousBackupsDescription", {{"ContinuousBackupsStatus", "ENABLED"}, {"PointInTimeRecoveryDescription", pitr}}}};
}

}  // namespace

json describe_continuous_backups(Engine& engine, const json& req) {
    Constraints c;
    auto name = opt_string(req, "TableName");
    if (!name) c.not_null("tableName");
    c.check();
    return backups_description(backup_table(engine, *name));
}

json update_continuous_backups(Engine& engine, const json& req) {
    Constraints c;
    auto name = opt_string(req, "TableName");
    if (!name) c.not_null("tableName");
    const json* spec = opt_object(req, "PointInTimeRecoverySpecification");
    std::optional<bool> enabled;
    std::optional<std::int64_t> days;
    if (!spec) {
        c.not_null("pointInTimeRecoverySpecification");
    } else {
        enabled = opt_bool(*spec, "PointInTimeRecoveryEnabled");
        if (!enabled) c.not_null("pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled");
        days = opt_int(*spec, "RecoveryPeriodInDays");
        if (days && (*days < 1 || *days > 35))
            c.violation(std::to_string(*days), "pointInTimeRecoverySpecification.recoveryPeriodInDays",
                        *days < 1 ? "Member must have value greater than or equal to 1" : "Member must have value less than or equal to 35");
    }
    c.check();
    TableDef& t = backup_table(engine, *name);
    if (days && !*enabled) throw validation_error("RecoveryPeriodInDays can only be set when point in time recovery is enabled");
    TableDef updated = t;
    if (*enabled) {
        if (!updated.pitr_since_ms)
            updated.pitr_since_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
        updated.pitr_days = days.value_or(updated.pitr_days);
    } else {
        updated.pitr_since_ms.reset();
        updated.pitr_days = 35;
    }
    Storage::Durable tx(engine.storage);
    engine.storage.save_table(updated);
    tx.commit();
    t = std::move(updated);
    return backups_description(t);
}

}  // namespace lowcloud::dynamodb
