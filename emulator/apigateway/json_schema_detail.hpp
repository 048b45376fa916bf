// Private to the JSON Schema validator (json_schema.cpp): the value-level
// helpers it compiles and checks with, implemented in json_schema_values.cpp.
// Everything here is stateless and safe to call from any thread.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <regex>
#include <string>
#include <string_view>

namespace lowcloud::apigateway::schema_detail {

using nlohmann::json;

// ---- text
std::size_t code_points(std::string_view utf8);
std::wstring widen(std::string_view utf8);  // to UTF-32; malformed bytes become U+FFFD
std::string pointer_token(const std::string& key);  // JSON pointer escaping (~0, ~1)
std::string abbreviate(std::string s, std::size_t max = 100);

// ---- numbers
// An integer in JSON Schema's sense: written without fraction or exponent
// (nlohmann's integer types), or an integer literal too large for 64 bits.
bool is_integer(const json& number);
int compare_numbers(const json& a, const json& b);  // -1, 0, 1; exact across int64/uint64/double
bool is_multiple_of(const json& value, const json& divisor);

// ---- JSON equality
struct TooDeep {};  // thrown by compare_json past `max_depth`
// A total order in which numbers compare by value (1 == 1.0), for enum,
// const and uniqueItems; `depth` is the nesting depth of `a`.
int compare_json(const json& a, const json& b, int depth, int max_depth);

// ---- patterns
constexpr std::size_t backtracking_limit = 1000;  // longest string a back-reference pattern may scan
struct Pattern {
    std::string source;
    std::wregex regex;
    bool backtracking = false;  // has back-references: only the recursive matcher handles them
};
Pattern make_pattern(const std::string& source);  // throws std::regex_error
// Unanchored search over code points; nullopt when `s` is too long for a
// back-reference pattern.
std::optional<bool> search(const Pattern& p, std::string_view s);

// ---- formats
enum class Format { none, int32, int64, date_time, date, email, uuid, ipv4, ipv6, hostname, uri, regex };
Format format_named(const std::string& name);  // none for formats that are not checked
const char* format_name(Format format);
bool format_holds(Format format, const json& value);  // formats only constrain their own type

// ---- types
enum TypeBit : unsigned {
    t_null = 1, t_boolean = 2, t_object = 4, t_array = 8, t_number = 16, t_integer = 32, t_string = 64,
};
inline constexpr const char* type_names[] = {"null", "boolean", "object", "array", "number", "integer", "string"};
unsigned type_bits(const json& value);
std::string describe_types(unsigned bits);  // "null or string"

}  // namespace lowcloud::apigateway::schema_detail
