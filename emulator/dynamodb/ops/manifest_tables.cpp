// The manifest's `tables:` section: tables declared in lowcloud.yaml are
// created at startup when missing (through CreateTable itself, so the same
// validation applies) and, when empty, seeded from a JSON data file. Format:
//
//   tables:
//     - name: project1
//       key: {sku: S}              # partition key, then optional sort key
//       billing_mode: PAY_PER_REQUEST   # or PROVISIONED (then read/write)
//       read_capacity: 5
//       write_capacity: 5
//       seed:
//         file: watches.json       # a JSON array of plain objects
//         types: {year: N}         # attribute -> S | N | BOOL; default S
//
// Seed values: JSON null is omitted; strings and numbers are converted to the
// declared type (a number stored as N keeps its exact digits); nested arrays
// and objects become L and M. The whole file goes in one transaction.
#include "ops/engine.hpp"
#include "dynamodb/error.hpp"
#include "model/keys.hpp"
#include "model/number.hpp"

#include <chrono>
#include <fstream>
#include <sstream>

namespace lowcloud::dynamodb {

using nlohmann::json;

namespace {

struct SeedSpec {
    std::filesystem::path file;
    std::map<std::string, std::string> types;
};

struct TableSpec {
    std::string name;
    json create_request;
    std::optional<SeedSpec> seed;
};

TableSpec read_table_spec(const ConfigSection& section, const YAML::Node& node, std::size_t index) {
    std::string path = "tables[" + std::to_string(index) + "]";
    ConfigReader r(section, node, path);
    TableSpec spec;
    spec.name = r.required_string("name");
    YAML::Node key = r.node("key");
    if (!key.IsDefined() || !key.IsMap() || key.size() < 1 || key.size() > 2)
        r.fail(key, r.child_path("key"), "expected a mapping of 1 or 2 key attributes to S, N or B, e.g. {sku: S}");
    json defs = json::array(), schema = json::array();
    for (const auto& kv : key) {
        std::string type = kv.second.IsScalar() ? kv.second.Scalar() : "";
        if (type != "S" && type != "N" && type != "B")
            r.fail(kv.second, r.child_path("key") + "." + kv.first.Scalar(), "key type must be S, N or B");
        defs.push_back({{"AttributeName", kv.first.Scalar()}, {"AttributeType", type}});
        schema.push_back({{"AttributeName", kv.first.Scalar()}, {"KeyType", schema.empty() ? "HASH" : "RANGE"}});
    }
    std::string billing = r.optional_enum("billing_mode", {"PAY_PER_REQUEST", "PROVISIONED"}).value_or("PAY_PER_REQUEST");
    auto read = r.optional_int("read_capacity", 1, 1000000);
    auto write = r.optional_int("write_capacity", 1, 1000000);
    spec.create_request = {{"TableName", spec.name}, {"AttributeDefinitions", defs}, {"KeySchema", schema}, {"BillingMode", billing}};
    if (billing == "PROVISIONED")
        spec.create_request["ProvisionedThroughput"] = {{"ReadCapacityUnits", read.value_or(5)}, {"WriteCapacityUnits", write.value_or(5)}};
    else if (read || write)
        r.fail(node, path, "read_capacity and write_capacity need billing_mode: PROVISIONED");

    YAML::Node seed = r.node("seed");
    if (seed.IsDefined() && !seed.IsNull()) {
        ConfigReader s(section, seed, r.child_path("seed"));
        SeedSpec seed_spec;
        seed_spec.file = *s.optional_path("file");
        if (seed_spec.file.empty()) s.fail(seed, s.child_path("file"), "required key is missing");
        seed_spec.types = s.optional_string_map("types").value_or(std::map<std::string, std::string>{});
        for (const auto& [attr, type] : seed_spec.types)
            if (type != "S" && type != "N" && type != "BOOL")
                s.fail(seed["types"][attr], s.child_path("types") + "." + attr, "type must be S, N or BOOL");
        s.finish();
        spec.seed = seed_spec;
    }
    r.finish();
    return spec;
}

AttributeValue natural_value(const json& v, int depth);

AttributeValue seed_value(const json& v, const std::string& type) {
    if (type == "N") {
        if (v.is_string()) return AttributeValue::number(canonical_number(v.get<std::string>()));
        if (v.is_number_integer() || v.is_number_unsigned()) return AttributeValue::number(canonical_number(v.dump()));
        throw std::runtime_error("expected a number");
    }
    if (type == "BOOL") {
        if (!v.is_boolean()) throw std::runtime_error("expected true or false");
        return AttributeValue::boolean_value(v.get<bool>());
    }
    if (v.is_string()) return AttributeValue::string(v.get<std::string>());
    if (v.is_number()) return AttributeValue::string(v.dump());
    return natural_value(v, 0);
}

AttributeValue natural_value(const json& v, int depth) {
    if (depth > 32) throw std::runtime_error("nesting deeper than 32 levels");
    if (v.is_string()) return AttributeValue::string(v.get<std::string>());
    if (v.is_boolean()) return AttributeValue::boolean_value(v.get<bool>());
    if (v.is_null()) return AttributeValue::null();
    if (v.is_number_integer() || v.is_number_unsigned()) return AttributeValue::number(canonical_number(v.dump()));
    if (v.is_number_float()) throw std::runtime_error("floating-point JSON numbers are ambiguous; give the value as a string typed N");
    if (v.is_array()) {
        List l;
        for (const auto& e : v) l.push_back(natural_value(e, depth + 1));
        return AttributeValue::make_list(std::move(l));
    }
    Item m;
    for (const auto& [k, e] : v.items()) m[k] = natural_value(e, depth + 1);
    return AttributeValue::make_map(std::move(m));
}

std::size_t seed_table(Engine& engine, const TableDef& t, const SeedSpec& seed) {
    std::ifstream in(seed.file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read seed file " + seed.file.string() + " for table " + t.name);
    json data;
    try {
        data = json::parse(in);
    } catch (const json::exception& e) {
        throw std::runtime_error("seed file " + seed.file.string() + ": invalid JSON: " + e.what());
    }
    if (!data.is_array()) throw std::runtime_error("seed file " + seed.file.string() + ": expected a JSON array of objects");
    Storage::Durable tx(engine.storage);
    std::size_t n = 0;
    for (const auto& object : data) {
        std::string where = seed.file.string() + ": element " + std::to_string(n);
        if (!object.is_object()) throw std::runtime_error(where + ": expected a JSON object");
        Item item;
        for (const auto& [name, value] : object.items()) {
            if (value.is_null()) continue;
            auto type = seed.types.find(name);
            try {
                item[name] = seed_value(value, type == seed.types.end() ? "S" : type->second);
            } catch (const ApiError& e) {
                throw std::runtime_error(where + ": attribute " + name + ": " + e.what());
            } catch (const std::runtime_error& e) {
                throw std::runtime_error(where + ": attribute " + name + ": " + e.what());
            }
        }
        try {
            EncodedKey key = key_from_item(t.key, item);
            auto old = engine.storage.get(t.id, key);
            check_index_keys(t, item);
            engine.storage.put(t, key, item, static_cast<std::int64_t>(item_size(item)), old);
        } catch (const ApiError& e) {
            throw std::runtime_error(where + ": " + e.what());
        }
        ++n;
    }
    tx.commit();
    return n;
}

}  // namespace

void Service::configure(const ConfigSection& section) {
    std::vector<TableSpec> specs;
    std::set<std::string> names;
    auto nodes = config_sequence(section);
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        specs.push_back(read_table_spec(section, nodes[i], i));
        if (!names.insert(specs.back().name).second)
            throw ConfigError(config_location(section, nodes[i]) + ": tables[" + std::to_string(i) + "].name: duplicate table " + specs.back().name);
    }
    Engine& engine = engine_();
    auto lock = engine.lock();
    for (std::size_t i = 0; i < specs.size(); ++i) {
        const TableSpec& spec = specs[i];
        if (!engine.tables.count(spec.name)) {
            try {
                create_table(engine, spec.create_request);
            } catch (const ApiError& e) {
                throw ConfigError(config_location(section, nodes[i]) + ": tables[" + std::to_string(i) + "]: " + e.what());
            }
            engine.logger.info("created table " + spec.name);
        }
        const TableDef& t = engine.tables.at(spec.name);
        if (spec.seed && engine.storage.counters(t.id).first == 0) {
            auto start = std::chrono::steady_clock::now();
            std::size_t n = seed_table(engine, t, *spec.seed);
            auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
            engine.logger.info("seeded table " + spec.name + " with " + std::to_string(n) + " items from " +
                               spec.seed->file.filename().string() + " in " + std::to_string(ms) + " ms");
        }
    }
}

}  // namespace lowcloud::dynamodb
