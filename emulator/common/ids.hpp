// Random identifiers in the formats AWS uses (request ids, UUIDs). They name
// things, they protect nothing: each thread draws from its own 64-bit
// generator seeded once from OpenSSL's CSPRNG (one id per response, so no
// system call per id). Thread-safe.
#pragma once

#include <cstddef>
#include <string>

namespace lowcloud {

// "e148ce21-2886-4ff8-926f-e887741e1167" (version 4).
std::string random_uuid();
// `length` characters of A-Z0-9, like DynamoDB's 52-character request ids.
std::string random_alnum_id(std::size_t length);

}  // namespace lowcloud
