// Table definitions: persistence and DynamoDB's TableDescription (see table.hpp).
#include "model/table.hpp"

namespace lowcloud::dynamodb {

using nlohmann::json;

std::string TableDef::arn(const std::string& region, const std::string& account) const {
    return "arn:aws:dynamodb:" + region + ":" + account + ":table/" + name;
}

std::vector<std::string> TableDef::key_names() const {
    std::vector<std::string> names{key.hash.name};
    if (key.range) names.push_back(key.range->name);
    return names;
}

bool TableDef::is_key_attribute(const std::string& n) const {
    return key.hash.name == n || (key.range && key.range->name == n);
}

std::vector<KeyAttribute> KeySchema::hash_attributes() const {
    std::vector<KeyAttribute> out{hash};
    out.insert(out.end(), more_hash.begin(), more_hash.end());
    return out;
}

std::vector<KeyAttribute> KeySchema::range_attributes() const {
    std::vector<KeyAttribute> out;
    if (range) out.push_back(*range);
    out.insert(out.end(), more_range.begin(), more_range.end());
    return out;
}

std::vector<KeyAttribute> KeySchema::attributes() const {
    std::vector<KeyAttribute> out = hash_attributes();
    for (auto& a : range_attributes()) out.push_back(std::move(a));
    return out;
}

KeySchema::AttributeRefs KeySchema::attribute_refs() const {
    AttributeRefs out{&hash};
    for (const auto& a : more_hash) out.push_back(&a);
    if (range) out.push_back(&*range);
    for (const auto& a : more_range) out.push_back(&a);
    return out;
}

bool KeySchema::has_attribute(const std::string& name) const {
    for (const auto& a : attributes())
        if (a.name == name) return true;
    return false;
}

std::optional<Type> key_type_from_name(std::string_view name) {
    if (name == "S") return Type::S;
    if (name == "N") return Type::N;
    if (name == "B") return Type::B;
    return std::nullopt;
}

namespace {

json key_schema_json(const KeySchema& k) {
    json out = json::array();
    for (const auto& a : k.hash_attributes()) out.push_back({{"AttributeName", a.name}, {"KeyType", "HASH"}});
    for (const auto& a : k.range_attributes()) out.push_back({{"AttributeName", a.name}, {"KeyType", "RANGE"}});
    return out;
}

json attribute_json(const KeyAttribute& a) {
    return {{"AttributeName", a.name}, {"AttributeType", std::string(type_name(a.type))}};
}

KeyAttribute attribute_from(const json& j) {
    return {j.at("name").get<std::string>(), *key_type_from_name(j.at("type").get<std::string>())};
}

json attribute_storage(const KeyAttribute& a) { return {{"name", a.name}, {"type", std::string(type_name(a.type))}}; }

json key_storage(const KeySchema& k) {
    json out = {{"hash", attribute_storage(k.hash)}};
    if (k.range) out["range"] = attribute_storage(*k.range);
    // Multi-attribute GSI keys: the further attributes (absent otherwise, so
    // data dirs written before them read unchanged).
    auto more = [&](const char* name, const std::vector<KeyAttribute>& list) {
        if (list.empty()) return;
        json& a = out[name] = json::array();
        for (const auto& x : list) a.push_back(attribute_storage(x));
    };
    more("more_hash", k.more_hash);
    more("more_range", k.more_range);
    return out;
}

KeySchema key_from(const json& j) {
    KeySchema k{attribute_from(j.at("hash")), std::nullopt, {}, {}};
    if (j.contains("range")) k.range = attribute_from(j.at("range"));
    if (j.contains("more_hash"))
        for (const auto& a : j.at("more_hash")) k.more_hash.push_back(attribute_from(a));
    if (j.contains("more_range"))
        for (const auto& a : j.at("more_range")) k.more_range.push_back(attribute_from(a));
    return k;
}

json index_storage(const SecondaryIndex& i) {
    json out = {{"name", i.name}, {"key", key_storage(i.key)}, {"projection", i.projection.type},
                {"non_key", i.projection.non_key_attributes}};
    if (i.throughput) out["throughput"] = {i.throughput->read, i.throughput->write};
    return out;
}

SecondaryIndex index_from(const json& j) {
    SecondaryIndex i;
    i.name = j.at("name").get<std::string>();
    i.key = key_from(j.at("key"));
    i.projection.type = j.at("projection").get<std::string>();
    i.projection.non_key_attributes = j.at("non_key").get<std::vector<std::string>>();
    if (j.contains("throughput")) i.throughput = Throughput{j["throughput"][0].get<std::int64_t>(), j["throughput"][1].get<std::int64_t>()};
    return i;
}

json projection_json(const IndexProjection& p) {
    json out = {{"ProjectionType", p.type}};
    if (p.type == "INCLUDE") out["NonKeyAttributes"] = p.non_key_attributes;
    return out;
}

double seconds(std::int64_t ms) { return static_cast<double>(ms) / 1000.0; }

json throughput_json(const Throughput& t) {
    return {{"NumberOfDecreasesToday", 0}, {"ReadCapacityUnits", t.read}, {"WriteCapacityUnits", t.write}};
}

}  // namespace

json to_storage(const TableDef& t) {
    json lsis = json::array(), gsis = json::array(), tags = json::array(), defs = json::array();
    for (const auto& i : t.local_indexes) lsis.push_back(index_storage(i));
    for (const auto& i : t.global_indexes) gsis.push_back(index_storage(i));
    for (const auto& [k, v] : t.tags) tags.push_back({k, v});
    for (const auto& a : t.attribute_definitions) defs.push_back(attribute_storage(a));
    json out = {{"name", t.name},
                {"table_id", t.table_id},
                {"key", key_storage(t.key)},
                {"attributes", defs},
                {"billing_mode", t.billing_mode},
                {"throughput", {t.throughput.read, t.throughput.write}},
                {"lsis", lsis},
                {"gsis", gsis},
                {"tags", tags},
                {"deletion_protection", t.deletion_protection},
                {"table_class", t.table_class},
                {"created_ms", t.created_ms},
                {"billing_changed_ms", t.billing_changed_ms}};
    if (t.ttl_attribute) out["ttl_attribute"] = *t.ttl_attribute;
    if (t.pitr_since_ms) out["pitr"] = {{"since_ms", *t.pitr_since_ms}, {"days", t.pitr_days}};
    return out;
}

TableDef from_storage(const json& j) {
    TableDef t;
    t.name = j.at("name").get<std::string>();
    t.table_id = j.at("table_id").get<std::string>();
    t.key = key_from(j.at("key"));
    for (const auto& a : j.at("attributes")) t.attribute_definitions.push_back(attribute_from(a));
    t.billing_mode = j.at("billing_mode").get<std::string>();
    t.throughput = {j.at("throughput")[0].get<std::int64_t>(), j.at("throughput")[1].get<std::int64_t>()};
    for (const auto& i : j.at("lsis")) t.local_indexes.push_back(index_from(i));
    for (const auto& i : j.at("gsis")) t.global_indexes.push_back(index_from(i));
    for (const auto& kv : j.at("tags")) t.tags.emplace_back(kv[0].get<std::string>(), kv[1].get<std::string>());
    if (j.contains("ttl_attribute")) t.ttl_attribute = j["ttl_attribute"].get<std::string>();
    t.deletion_protection = j.value("deletion_protection", false);
    if (j.contains("pitr")) {
        t.pitr_since_ms = j["pitr"].at("since_ms").get<std::int64_t>();
        t.pitr_days = j["pitr"].value("days", std::int64_t{35});
    }
    t.table_class = j.value("table_class", "STANDARD");
    t.created_ms = j.at("created_ms").get<std::int64_t>();
    t.billing_changed_ms = j.value("billing_changed_ms", std::int64_t{0});
    return t;
}

json describe(const TableDef& t, const std::string& region, const std::string& account, const std::string& status) {
    json defs = json::array();
    for (const auto& a : t.attribute_definitions) defs.push_back(attribute_json(a));
    std::string arn = t.arn(region, account);
    json out = {
        {"AttributeDefinitions", defs},
        {"TableName", t.name},
        {"KeySchema", key_schema_json(t.key)},
        {"TableStatus", status},
        {"CreationDateTime", seconds(t.created_ms)},
        {"ProvisionedThroughput", throughput_json(t.throughput)},
        {"TableSizeBytes", t.size_bytes},
        {"ItemCount", t.item_count},
        {"TableArn", arn},
        {"TableId", t.table_id},
        {"DeletionProtectionEnabled", t.deletion_protection},
    };
    json summary = {{"BillingMode", t.billing_mode}};
    if (t.billing_mode == "PAY_PER_REQUEST") summary["LastUpdateToPayPerRequestDateTime"] = seconds(t.billing_changed_ms);
    out["BillingModeSummary"] = summary;
    if (t.table_class != "STANDARD") out["TableClassSummary"] = {{"TableClass", t.table_class}};
    if (!t.local_indexes.empty()) {
        json lsis = json::array();
        for (const auto& i : t.local_indexes)
            lsis.push_back({{"IndexName", i.name},
                            {"KeySchema", key_schema_json(i.key)},
                            {"Projection", projection_json(i.projection)},
                            {"IndexSizeBytes", i.size_bytes},
                            {"ItemCount", i.item_count},
                            {"IndexArn", arn + "/index/" + i.name}});
        out["LocalSecondaryIndexes"] = lsis;
    }
    if (!t.global_indexes.empty()) {
        json gsis = json::array();
        for (const auto& i : t.global_indexes) {
            json g = {{"IndexName", i.name},
                      {"KeySchema", key_schema_json(i.key)},
                      {"Projection", projection_json(i.projection)},
                      {"IndexStatus", "ACTIVE"},
                      {"ProvisionedThroughput", throughput_json(i.throughput.value_or(Throughput{}))},
                      {"IndexSizeBytes", i.size_bytes},
                      {"ItemCount", i.item_count},
                      {"IndexArn", arn + "/index/" + i.name}};
            gsis.push_back(g);
        }
        out["GlobalSecondaryIndexes"] = gsis;
    }
    return out;
}

}  // namespace lowcloud::dynamodb
