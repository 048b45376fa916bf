// Reading members of a DynamoDB JSON request with DynamoDB's validation.
// Two kinds of failure, as DynamoDB reports them:
//  - a member of the wrong JSON type is a SerializationException;
//  - values that break a constraint are collected into one
//    ValidationException: "1 validation error detected: Value null at
//    'tableName' failed to satisfy constraint: Member must not be null"
//    ("N validation errors detected: A; B" for several).
#pragma once

#include "model/value.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

namespace lowcloud::dynamodb {

class Constraints {
public:
    void add(std::string message) { errors_.push_back(std::move(message)); }
    // "Value 'x' at 'field' failed to satisfy constraint: <constraint>"
    void violation(const std::string& shown_value, const std::string& field, const std::string& constraint);
    void not_null(const std::string& field) { violation("null", field, "Member must not be null"); }
    // Throws the collected ValidationException, if any.
    void check() const;

private:
    std::vector<std::string> errors_;
};

// Members by JSON type; absent or JSON null gives nullopt / nullptr.
// A present member of another type throws SerializationException.
std::optional<std::string> opt_string(const nlohmann::json& req, const char* name);
std::optional<bool> opt_bool(const nlohmann::json& req, const char* name);
std::optional<std::int64_t> opt_int(const nlohmann::json& req, const char* name);
const nlohmann::json* opt_object(const nlohmann::json& req, const char* name);
const nlohmann::json* opt_array(const nlohmann::json& req, const char* name);
// A list element or map value that must be a structure; SerializationException otherwise.
const nlohmann::json& as_structure(const nlohmann::json& j);

// DynamoDB's table-name rule: 3-255 chars of [a-zA-Z0-9_.-].
bool valid_table_name(const std::string& name);

// TableName: required, 3-255 chars of [a-zA-Z0-9_.-]. `field` is the
// lower-camel name used in messages ("tableName").
void check_table_name(Constraints& c, const std::optional<std::string>& name, const std::string& field = "tableName");

// A key attribute name (KeySchema, AttributeDefinitions, an index's
// KeySchema) or a projected NonKeyAttributes name: 1-255 characters, as
// DynamoDB's model constrains KeySchemaAttributeName / NonKeyAttributeName.
void check_key_attribute_name(Constraints& c, const std::string& name, const std::string& field);

// A string member that must be one of `allowed` (enum constraint).
// Builds no string unless it finds a violation (it runs several times on
// every request).
void check_enum(Constraints& c, const std::optional<std::string>& value, std::string_view field,
                std::initializer_list<std::string_view> allowed);

// ExpressionAttributeNames / ExpressionAttributeValues, parsed.
std::map<std::string, std::string> attribute_names(const nlohmann::json& req);
std::map<std::string, AttributeValue> attribute_values(const nlohmann::json& req);

}  // namespace lowcloud::dynamodb
