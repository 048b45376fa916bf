// Request member access and constraint collection (see request.hpp).
#include "model/request.hpp"

#include "dynamodb/error.hpp"

#include <cstdint>

namespace lowcloud::dynamodb {

using nlohmann::json;

namespace {

// Coral's words for what it found where another type was expected.
std::string json_kind(const json& j) {
    switch (j.type()) {
        case json::value_t::string: return "STRING_VALUE";
        case json::value_t::boolean: return j.get<bool>() ? "TRUE_VALUE" : "FALSE_VALUE";
        case json::value_t::number_integer:
        case json::value_t::number_unsigned:
        case json::value_t::number_float: return "NUMBER_VALUE";
        case json::value_t::object: return "START_OBJECT";
        case json::value_t::array: return "START_ARRAY";
        default: return "VALUE";
    }
}

const json* present(const json& req, const char* name) {
    auto it = req.find(name);
    if (it == req.end() || it->is_null()) return nullptr;
    return &*it;
}

[[noreturn]] void wrong_type(const json& j, const char* expected) {
    throw serialization_error(json_kind(j) + " cannot be converted to " + expected);
}

}  // namespace

void Constraints::violation(const std::string& shown_value, const std::string& field, const std::string& constraint) {
    add("Value " + shown_value + " at '" + field + "' failed to satisfy constraint: " + constraint);
}

void Constraints::check() const {
    if (errors_.empty()) return;
    std::string message = std::to_string(errors_.size()) + " validation error" + (errors_.size() == 1 ? "" : "s") + " detected: ";
    for (std::size_t i = 0; i < errors_.size(); ++i) message += (i ? "; " : "") + errors_[i];
    throw validation_error(message);
}

std::optional<std::string> opt_string(const json& req, const char* name) {
    const json* j = present(req, name);
    if (!j) return std::nullopt;
    if (!j->is_string()) wrong_type(*j, "String");
    return j->get<std::string>();
}

std::optional<bool> opt_bool(const json& req, const char* name) {
    const json* j = present(req, name);
    if (!j) return std::nullopt;
    if (!j->is_boolean()) wrong_type(*j, "Boolean");
    return j->get<bool>();
}

std::optional<std::int64_t> opt_int(const json& req, const char* name) {
    const json* j = present(req, name);
    if (!j) return std::nullopt;
    if (!j->is_number_integer()) wrong_type(*j, "Long");
    // Beyond a Long (9223372036854775808 and up, which the parser keeps
    // unsigned) is the same SerializationException as 1e30, never a wrapped
    // negative value.
    if (j->is_number_unsigned() && j->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) wrong_type(*j, "Long");
    return j->get<std::int64_t>();
}

const json* opt_object(const json& req, const char* name) {
    const json* j = present(req, name);
    if (j && !j->is_object()) wrong_type(*j, "Structure");
    return j;
}

const json& as_structure(const json& j) {
    if (!j.is_object()) wrong_type(j, "Structure");
    return j;
}

const json* opt_array(const json& req, const char* name) {
    const json* j = present(req, name);
    if (j && !j->is_array()) wrong_type(*j, "List");
    return j;
}

namespace {
bool table_name_char(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
}
}  // namespace

bool valid_table_name(const std::string& name) {
    if (name.size() < 3 || name.size() > 255) return false;
    for (char ch : name)
        if (!table_name_char(ch)) return false;
    return true;
}

void check_table_name(Constraints& c, const std::optional<std::string>& name, const std::string& field) {
    if (!name) {
        if (field == "tableName") throw validation_error("The parameter 'TableName' is required but was not present in the request");
        return c.not_null(field);
    }
    const auto shown = [&name] { return "'" + *name + "'"; };  // only for a violation: this runs on every request
    if (name->size() < 3) c.violation(shown(), field, "Member must have length greater than or equal to 3");
    if (name->size() > 255) c.violation(shown(), field, "Member must have length less than or equal to 255");
    for (char ch : *name) {
        if (!table_name_char(ch)) {
            c.violation(shown(), field, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
            break;
        }
    }
}

void check_key_attribute_name(Constraints& c, const std::string& name, const std::string& field) {
    std::size_t chars = 0;
    for (unsigned char ch : name) chars += (ch & 0xC0) != 0x80;
    if (chars < 1) c.violation("'" + name + "'", field, "Member must have length greater than or equal to 1");
    if (chars > 255) c.violation("'" + name + "'", field, "Member must have length less than or equal to 255");
}

void check_enum(Constraints& c, const std::optional<std::string>& value, std::string_view field,
                std::initializer_list<std::string_view> allowed) {
    if (!value) return;
    for (std::string_view a : allowed)
        if (a == *value) return;
    std::string set;
    for (std::string_view a : allowed) (set += set.empty() ? "" : ", ") += a;
    c.violation("'" + *value + "'", std::string(field), "Member must satisfy enum value set: [" + set + "]");
}

std::map<std::string, std::string> attribute_names(const json& req) {
    std::map<std::string, std::string> out;
    if (const json* names = opt_object(req, "ExpressionAttributeNames")) {
        if (names->empty()) throw validation_error("ExpressionAttributeNames must not be empty");
        for (const auto& [k, v] : names->items()) {
            if (!v.is_string()) wrong_type(v, "String");
            out[k] = v.get<std::string>();
        }
    }
    return out;
}

std::map<std::string, AttributeValue> attribute_values(const json& req) {
    std::map<std::string, AttributeValue> out;
    if (const json* values = opt_object(req, "ExpressionAttributeValues")) {
        if (values->empty()) throw validation_error("ExpressionAttributeValues must not be empty");
        for (const auto& [k, v] : values->items()) {
            try {
                out[k] = parse_value(v);
            } catch (const ApiError& e) {
                if (e.short_type() != "ValidationException") throw;
                throw validation_error("ExpressionAttributeValues contains invalid value: " + std::string(e.what()) +
                                       " for key " + k);
            }
        }
    }
    return out;
}

}  // namespace lowcloud::dynamodb
