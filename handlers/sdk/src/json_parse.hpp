// JSON text to nlohmann::json, faster than nlohmann's own parser: RapidJSON's
// SAX reader builds the tree directly. nlohmann's lexer walks its input one
// character at a time through an iterator adapter and copies every token for
// its error messages; on a handler's event (~2 KB, an API Gateway proxy
// event) it was most of the parse, and the parse a sixth of an in-process
// invocation's CPU. Private to the SDK.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string_view>

namespace lowcloud::sdk::detail {

// The same tree json::parse(text) gives (numbers: non-negative integers
// unsigned, negative ones signed, the rest double; a repeated key keeps its
// last value). Throws nlohmann::json::parse_error (id 101, the byte offset,
// RapidJSON's reason) for text that is not one JSON value, invalid UTF-8
// included. Thread-safe (no shared state).
nlohmann::json parse_json(std::string_view text);

// As parse_json, but a value_t::discarded json instead of the exception.
nlohmann::json parse_json_or_discarded(std::string_view text) noexcept;

}  // namespace lowcloud::sdk::detail
