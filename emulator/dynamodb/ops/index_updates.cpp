// UpdateTable's GlobalSecondaryIndexUpdates: creating a GSI on an existing
// table (backfilled at once from the table's items; items whose key has the
// wrong type or is empty are left out, as DynamoDB's backfill does),
// deleting one, and changing a GSI's provisioned throughput. Like DynamoDB,
// at most one index is created or deleted per call. The index is ACTIVE when
// the call returns.
#include "ops/engine.hpp"
#include "dynamodb/error.hpp"
#include "model/keys.hpp"
#include "model/request.hpp"

#include <algorithm>
#include <set>

namespace lowcloud::dynamodb {

using nlohmann::json;

namespace {

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
}

SecondaryIndex* find_gsi(TableDef& t, const std::string& name) {
    for (auto& i : t.global_indexes)
        if (i.name == name) return &i;
    return nullptr;
}

bool has_index(const TableDef& t, const std::string& name) {
    auto named = [&](const SecondaryIndex& i) { return i.name == name; };
    return std::any_of(t.local_indexes.begin(), t.local_indexes.end(), named) ||
           std::any_of(t.global_indexes.begin(), t.global_indexes.end(), named);
}

std::optional<Throughput> throughput_of(const json& j) {
    const json* pt = opt_object(j, "ProvisionedThroughput");
    if (!pt) return std::nullopt;
    auto r = opt_int(*pt, "ReadCapacityUnits");
    auto w = opt_int(*pt, "WriteCapacityUnits");
    if (!r || !w || *r < 1 || *w < 1)
        throw validation_error("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified and at least 1");
    return Throughput{*r, *w};
}

// The key attributes any index or the table itself still uses.
std::set<std::string> used_attributes(const TableDef& t) {
    std::set<std::string> used;
    auto add = [&](const KeySchema& k) {
        for (const auto& a : k.attributes()) used.insert(a.name);
    };
    add(t.key);
    for (const auto& i : t.local_indexes) add(i.key);
    for (const auto& i : t.global_indexes) add(i.key);
    return used;
}

SecondaryIndex parse_create(const TableDef& t, const json& create, const json& request) {
    SecondaryIndex index;
    auto name = opt_string(create, "IndexName");
    Constraints c;
    if (!name) c.not_null("globalSecondaryIndexUpdates.1.member.create.indexName");
    else check_table_name(c, name, "globalSecondaryIndexUpdates.1.member.create.indexName");
    c.check();
    index.name = *name;
    if (has_index(t, index.name)) throw validation_error("One or more parameter values were invalid: Index with name " + index.name + " already exists");

    // Key attributes must be (re)declared in this request's AttributeDefinitions.
    std::map<std::string, Type> defs;
    std::vector<std::string> def_names;
    if (const json* list = opt_array(request, "AttributeDefinitions"))
        for (const auto& d : *list) {
            auto n = opt_string(d, "AttributeName");
            auto ty = opt_string(d, "AttributeType");
            if (!n || !ty || !key_type_from_name(*ty)) throw validation_error("One or more parameter values were invalid: Invalid AttributeDefinitions");
            defs[*n] = *key_type_from_name(*ty);
            def_names.push_back(*n);
        }
    const json* ks = opt_array(create, "KeySchema");
    if (!ks || ks->empty() || ks->size() > kMaxGlobalIndexKeyElements)
        throw validation_error("One or more parameter values were invalid: Invalid KeySchema for index " + index.name);
    std::vector<KeySchemaElement> elements;
    std::vector<std::string> key_names;
    for (const auto& k : *ks) {
        elements.push_back({opt_string(k, "AttributeName").value_or(""), opt_string(k, "KeyType").value_or("")});
        key_names.push_back(elements.back().name);
    }
    for (const auto& k : key_names)
        if (!defs.count(k))
            throw validation_error(
                "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [" +
                join(key_names) + "], AttributeDefinitions: [" + join(def_names) + "]");
    const bool multi = is_multi_attribute(elements);
    if (!multi) {
        for (std::size_t i = 0; i < elements.size(); ++i) {
            if (i == 0 && elements[i].key_type != "HASH") throw validation_error("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
            if (i == 1 && elements[i].key_type != "RANGE") throw validation_error("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
        }
        if (key_names.size() == 2 && key_names[0] == key_names[1])
            throw validation_error("Both the Hash Key and the Range Key element in the KeySchema have the same name");
    }
    for (const auto& existing : t.attribute_definitions)
        if (defs.count(existing.name) && defs[existing.name] != existing.type)
            throw validation_error(
                "One or more parameter values were invalid: Attributes cannot be redefined. Please check that your attribute has the same type as previously defined. Attribute: " +
                existing.name);
    if (multi) {
        index.key = multi_attribute_key_schema(index.name, elements, defs);
    } else {
        index.key.hash = {key_names[0], defs[key_names[0]]};
        if (key_names.size() == 2) index.key.range = KeyAttribute{key_names[1], defs[key_names[1]]};
    }

    const json* projection = opt_object(create, "Projection");
    auto type = projection ? opt_string(*projection, "ProjectionType") : std::nullopt;
    if (!type) throw validation_error("One or more parameter values were invalid: Unknown ProjectionType: null");
    if (*type != "ALL" && *type != "KEYS_ONLY" && *type != "INCLUDE")
        throw validation_error("One or more parameter values were invalid: Unknown ProjectionType: " + *type);
    index.projection.type = *type;
    if (const json* nk = opt_array(*projection, "NonKeyAttributes")) {
        if (*type != "INCLUDE")
            throw validation_error("One or more parameter values were invalid: ProjectionType is " + *type + ", but NonKeyAttributes is specified");
        for (const auto& a : *nk) index.projection.non_key_attributes.push_back(a.get<std::string>());
    }
    index.throughput = throughput_of(create);
    if (t.billing_mode == "PAY_PER_REQUEST" && index.throughput)
        throw validation_error("One or more parameter values were invalid: ProvisionedThroughput should not be specified for index: " + index.name +
                               " when BillingMode is PAY_PER_REQUEST");
    if (t.billing_mode == "PROVISIONED" && !index.throughput)
        throw validation_error("One or more parameter values were invalid: ProvisionedThroughput must be specified for index: " + index.name);
    return index;
}

}  // namespace

// Applies GlobalSecondaryIndexUpdates to `updated` (a copy of the table) and
// to storage, inside the caller's transaction. Returns whether there were any.
bool apply_index_updates(Engine& engine, TableDef& updated, const json& req) {
    const json* updates = opt_array(req, "GlobalSecondaryIndexUpdates");
    if (!updates || updates->empty()) return false;
    int creates_or_deletes = 0;
    for (const auto& u : *updates) {
        if (!u.is_object()) throw serialization_error("Unexpected value in GlobalSecondaryIndexUpdates");
        int members = 0;
        for (const char* m : {"Create", "Update", "Delete"}) members += u.contains(m) && !u[m].is_null();
        if (members != 1 || u.size() != 1)
            throw validation_error(
                "One or more parameter values were invalid: One and only one of GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Update or GlobalSecondaryIndexUpdate.Delete must be specified");
        if (u.contains("Create") || u.contains("Delete")) ++creates_or_deletes;
    }
    if (creates_or_deletes > 1)
        throw dynamodb_error("LimitExceededException",
                             "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table");

    for (const auto& u : *updates) {
        if (const json* create = opt_object(u, "Create")) {
            SecondaryIndex index = parse_create(updated, *create, req);
            if (updated.global_indexes.size() >= 20)
                throw dynamodb_error("LimitExceededException", "One or more parameter values were invalid: GlobalSecondaryIndex count exceeds the per-table limit of 20");
            for (const KeyAttribute& k : index.key.attributes())
                if (std::none_of(updated.attribute_definitions.begin(), updated.attribute_definitions.end(),
                                 [&](const KeyAttribute& a) { return a.name == k.name; }))
                    updated.attribute_definitions.push_back(k);
            engine.storage.backfill_index(updated, index);
            updated.global_indexes.push_back(std::move(index));
        } else if (const json* del = opt_object(u, "Delete")) {
            std::string name = opt_string(*del, "IndexName").value_or("");
            if (std::any_of(updated.local_indexes.begin(), updated.local_indexes.end(), [&](const SecondaryIndex& i) { return i.name == name; }))
                throw validation_error("One or more parameter values were invalid: Cannot delete local secondary index: " + name);
            if (!find_gsi(updated, name)) throw resource_not_found("Requested resource not found: Index: " + name + " not found");
            std::erase_if(updated.global_indexes, [&](const SecondaryIndex& i) { return i.name == name; });
            engine.storage.drop_index(updated.id, name);
            auto used = used_attributes(updated);
            std::erase_if(updated.attribute_definitions, [&](const KeyAttribute& a) { return !used.count(a.name); });
        } else if (const json* change = opt_object(u, "Update")) {
            std::string name = opt_string(*change, "IndexName").value_or("");
            SecondaryIndex* index = find_gsi(updated, name);
            if (!index) throw resource_not_found("Requested resource not found: Index: " + name + " not found");
            auto throughput = throughput_of(*change);
            if (!throughput) throw validation_error("One or more parameter values were invalid: ProvisionedThroughput must be specified for index: " + name);
            if (updated.billing_mode == "PAY_PER_REQUEST")
                throw validation_error("One or more parameter values were invalid: ProvisionedThroughput should not be specified for index: " + name +
                                       " when BillingMode is PAY_PER_REQUEST");
            index->throughput = throughput;
        }
    }
    return true;
}

}  // namespace lowcloud::dynamodb
