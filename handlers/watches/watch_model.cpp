// Watch <-> DynamoDB item, and POST validation (see watch_model.hpp).
#include "watch_model.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace watches {

namespace {

struct EnumField {
    const char* name;
    std::vector<std::string> values;
};

const std::array<EnumField, 3> kEnums = {{
    {"type", {"watch", "chrono"}},
    {"status", {"old", "current", "outlet"}},
    {"gender", {"man", "woman"}},
}};

const std::array<const char*, 6> kOptional = {"dial_material", "dial_color", "case_material", "case_form", "bracelet_material", "movement"};

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
}

}  // namespace

json watch_from_item(const json& item) {
    json w = json::object();
    auto str = [&](const char* name) {
        if (item.contains(name) && item[name].contains("S")) w[name] = item[name]["S"];
    };
    str("sku");
    for (const auto& e : kEnums) str(e.name);
    if (item.contains("year") && item["year"].contains("N")) {
        const std::string& n = item["year"]["N"].get_ref<const std::string&>();
        try {
            std::size_t used = 0;
            long long y = std::stoll(n, &used);
            if (used == n.size()) w["year"] = y;
            else w["year"] = n;
        } catch (const std::exception&) {
            w["year"] = n;  // not an integer in the table: passed on as stored
        }
    }
    for (const char* name : kOptional) str(name);
    return w;
}

std::variant<ValidWatch, std::string> validate_watch(const json& body) {
    if (!body.is_object()) return std::string("the body must be a JSON object (a Watch)");
    ValidWatch v;
    v.item = json::object();
    v.watch = json::object();
    for (const char* required : {"sku", "type", "status", "gender", "year"})
        if (!body.contains(required) || body[required].is_null()) return "missing required field '" + std::string(required) + "'";
    if (!body["sku"].is_string() || body["sku"].get_ref<const std::string&>().empty()) return std::string("'sku' must be a non-empty string");
    const std::string& sku = body["sku"].get_ref<const std::string&>();
    if (sku.size() > 1024) return std::string("'sku' must be at most 1024 bytes");
    v.item["sku"] = {{"S", sku}};
    v.watch["sku"] = sku;
    for (const auto& e : kEnums) {
        const json& value = body[e.name];
        bool ok = value.is_string() && std::find(e.values.begin(), e.values.end(), value.get<std::string>()) != e.values.end();
        if (!ok) return "'" + std::string(e.name) + "' must be one of " + join(e.values) + " (got " + value.dump() + ")";
        v.item[e.name] = {{"S", value}};
        v.watch[e.name] = value;
    }
    const json& year = body["year"];
    if (!year.is_number_integer()) return "'year' must be an integer (got " + year.dump() + ")";
    v.item["year"] = {{"N", year.dump()}};
    v.watch["year"] = year;
    for (const char* name : kOptional) {
        if (!body.contains(name) || body[name].is_null()) continue;
        if (!body[name].is_string()) return "'" + std::string(name) + "' must be a string (got " + body[name].dump() + ")";
        v.item[name] = {{"S", body[name]}};
        v.watch[name] = body[name];
    }
    return v;
}

}  // namespace watches
