// DynamoDB attribute values as typed C++ values, and their wire (DynamoDB
// JSON) codec. Every request's items, keys and expression values are parsed
// into AttributeValue once, at the service boundary, with DynamoDB's own
// validation messages; everything below works on these types.
//
// Representation: one struct with a type tag. Numbers are kept as their
// canonical decimal string (see number.hpp), binaries as raw bytes (not
// base64), sets as vectors of those strings in insertion order without
// duplicates. Values are plain data: copyable, no shared state.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace lowcloud::dynamodb {

enum class Type { S, N, B, BOOL, NUL, M, L, SS, NS, BS };

// "S", "N", ..., "NULL" as on the wire.
std::string_view type_name(Type t);

struct AttributeValue;
using Item = std::map<std::string, AttributeValue>;  // also the M payload
using List = std::vector<AttributeValue>;

struct AttributeValue {
    Type type = Type::NUL;
    std::string scalar;              // S: UTF-8; N: canonical decimal; B: raw bytes
    bool boolean = false;            // BOOL
    List list;                       // L
    Item map;                        // M
    std::vector<std::string> set;    // SS / NS (canonical) / BS (raw bytes)

    static AttributeValue string(std::string s);
    static AttributeValue number(std::string canonical);  // precondition: canonical
    static AttributeValue binary(std::string bytes);
    static AttributeValue boolean_value(bool b);
    static AttributeValue null();
    static AttributeValue make_list(List l);
    static AttributeValue make_map(Item m);
    static AttributeValue make_set(Type set_type, std::vector<std::string> elements);

    bool is_set() const { return type == Type::SS || type == Type::NS || type == Type::BS; }
};

// Deep equality with DynamoDB semantics: numbers compare numerically (they
// are canonical, so string equality suffices); sets compare as sets
// (order-insensitive).
bool operator==(const AttributeValue& a, const AttributeValue& b);
inline bool operator!=(const AttributeValue& a, const AttributeValue& b) { return !(a == b); }

// ---- wire codec -----------------------------------------------------------
// Parse one attribute value from DynamoDB JSON (`{"S": "x"}`), validating as
// DynamoDB does: exactly one type key, numbers (number.hpp rules), base64,
// non-empty sets without duplicates, nesting depth <= 32. Throws ApiError
// (ValidationException / SerializationException) with DynamoDB's message.
AttributeValue parse_value(const nlohmann::json& j);
// Parse an item (a JSON object of name -> value).
Item parse_item(const nlohmann::json& j);

// DynamoDB's attribute-name ceiling: 65535 bytes is the last accepted size.
constexpr std::size_t kMaxAttributeNameBytes = 65535;
// The reason DynamoDB gives for a longer name ("Attribute name is too large,
// must be less than 65536 bytes"), or empty when `name` is short enough.
std::string attribute_name_problem(std::string_view name);
// Throws the ValidationException for a name over kMaxAttributeNameBytes.
void check_attribute_name(std::string_view name);

nlohmann::json to_json(const AttributeValue& v);
nlohmann::json to_json(const Item& item);
// The text of to_json(item).dump(), byte for byte, written directly (no JSON
// tree built on the way): what PutItem stores and GetItem answers.
// Precondition: strings are valid UTF-8 (as parse_value leaves them).
std::string to_json_text(const Item& item);

// DynamoDB's item size: sum over attributes of UTF-8 name length plus value
// size (strings: UTF-8 bytes; binaries: bytes; numbers: DynamoDB's
// digit-based estimate; containers: 3 bytes overhead + members; BOOL/NULL 1).
std::size_t item_size(const Item& item);
std::size_t value_size(const AttributeValue& v);

}  // namespace lowcloud::dynamodb
