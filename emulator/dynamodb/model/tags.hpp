// DynamoDB's rules for resource tags (CreateTable's Tags, TagResource,
// UntagResource), as pure functions so they can be tested alone. What
// DynamoDB answers, each a ValidationException:
//   - a key that is absent, empty, over 128 characters or has a character
//     outside ^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$: "The Tag Key provided is
//     invalid, Key: <key>" ("null" when absent);
//   - a key starting with "aws:": "Tag Key cannot be prefixed with aws:, Key: <key>";
//   - a value that is absent, over 256 characters or has such a character:
//     "The Tag Value provided is invalid, Value: <value>" (empty is fine);
//   - the same key twice in one request: "Duplicate Tag Keys provided as
//     input: Duplicate Tag Key found <key>";
//   - more than 50 tags on the resource: "Number of Tags exceed the current
//     limit for the provided ResourceArn".
// Lengths count Unicode characters, not bytes.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lowcloud::dynamodb {

constexpr std::size_t kMaxTagsPerResource = 50;

struct TagInput {
    std::optional<std::string> key;
    std::optional<std::string> value;
};

// True when every character of `s` is a letter, a number, a separator
// (space) or one of _ . : / = + - @.
bool valid_tag_characters(std::string_view s);

// The message for the first invalid tag of a request, or empty when all are
// valid (UntagResource passes its keys with a value of "").
std::string tag_problem(const std::vector<TagInput>& tags);
std::string tag_key_problem(const std::optional<std::string>& key);

// Throws the ValidationException for the first problem, if any.
void check_tags(const std::vector<TagInput>& tags);
void check_tag_count(std::size_t count);

}  // namespace lowcloud::dynamodb
