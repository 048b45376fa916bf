// JSON text to nlohmann::json, faster than nlohmann's own parser: RapidJSON's
// SAX reader builds the tree directly. nlohmann's lexer walks its input one
// character at a time through an iterator adapter and copies every token for
// its error messages; on a handler's event (~2 KB, an API Gateway proxy
// event) it was most of the parse, and the parse a sixth of an in-process
// invocation's CPU. Shared by both sides of the Runtime API: the handler SDK
// (events, DynamoDB answers) and the emulator (DynamoDB requests, Lambda
// results). Its own static, position-independent library (lowcloud_json),
// since handler libraries link it in; RapidJSON is header-only, so they need
// no library of it.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string_view>

namespace lowcloud::jsonparse {

// The same tree json::parse(text) gives (numbers: non-negative integers
// unsigned, negative ones signed, the rest double; a repeated key keeps its
// last value; a leading UTF-8 byte order mark skipped). Throws
// nlohmann::json::parse_error (id 101, the byte offset, RapidJSON's reason)
// for text that is not one JSON value, invalid UTF-8 included, and
// nlohmann::json::out_of_range (id 406) for a number beyond a double (1e400),
// as json::parse does. One difference: a NUL byte after the value is a
// parse_error, where nlohmann's lexer takes it for the end of the text.
// Thread-safe (no shared state).
nlohmann::json parse(std::string_view text);

// As parse, but a value_t::discarded json instead of either exception.
nlohmann::json parse_or_discarded(std::string_view text) noexcept;

}  // namespace lowcloud::jsonparse
