// The Watch of the Info Service v2: its attributes, the conversion between
// a DynamoDB item and the API's JSON, and the validation of a POST body.
//
//   Watch: required sku (string), type (watch | chrono), status (old |
//   current | outlet), gender (man | woman), year (integer, int64);
//   optional strings dial_material, dial_color, case_material, case_form,
//   bracelet_material, movement.
//
// In the table every attribute is S except year (N); absent optional
// attributes are absent, never null or "null". Pure functions, no I/O.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <variant>

namespace watches {

using nlohmann::json;

// DynamoDB item (attribute -> {"S": ...} / {"N": ...}) -> Watch JSON, year
// as an integer. Attributes outside the model are left out.
json watch_from_item(const json& item);

// A POST body that passed validation, as a DynamoDB item.
struct ValidWatch {
    json item;   // sku, type, ... as S; year as N
    json watch;  // the JSON echoed to the client (unknown members dropped)
};

// Validates a POST body. On failure, a message naming the field, e.g.
// "'type' must be one of watch, chrono" or "missing required field 'year'".
std::variant<ValidWatch, std::string> validate_watch(const json& body);

}  // namespace watches
