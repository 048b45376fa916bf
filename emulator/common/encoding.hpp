// Text encodings every part needs: percent-decoding of URL components,
// base64 and JSON string escaping. One implementation each, shared by the
// services. Pure functions, thread-safe. (DynamoDB's strict base64 decoding
// with DynamoDB's own error messages lives in dynamodb/model/value.cpp; this
// decoder is the lenient one.)
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lowcloud {

// A hexadecimal digit's value (either case), or -1.
int hex_value(char c);

// Decodes %XX escapes (malformed escapes are kept as they are); with
// `plus_is_space`, '+' becomes ' ' (query strings).
std::string percent_decode(std::string_view s, bool plus_is_space = false);

// The first value of query parameter `name` in a raw query string
// ("a=1&b=x%20y"), percent-decoded with '+' as a space; "" when absent.
std::string query_parameter(std::string_view query, std::string_view name);

// Standard alphabet, with padding.
std::string base64_encode(std::string_view bytes);

// Standard alphabet; padding optional; any other character (whitespace
// included) or an impossible length gives nullopt.
std::optional<std::string> base64_decode(std::string_view text);

// Appends `s` as a JSON string, quoted and escaped exactly as
// nlohmann::json's dump() does (", \\ and control characters; \\u00xx in
// lowercase; nothing else). Precondition: `s` is valid UTF-8 (dump() would
// throw otherwise; check first where the text comes from outside).
void append_json_string(std::string& out, std::string_view s);

}  // namespace lowcloud
