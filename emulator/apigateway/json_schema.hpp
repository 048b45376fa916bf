// JSON Schema validation of request bodies, for API Gateway's request
// validators (`validateRequestBody`). API Gateway validates models with JSON
// Schema draft 4, and OpenAPI 3.0 schemas are a draft-4 dialect, so this is a
// compact draft-04 validator over nlohmann-json (Debian ships no C++ one),
// tested against the official JSON-Schema-Test-Suite (Debian package
// `json-schema-test-suite`).
//
// Contract:
// - A JsonSchema is compiled once from a schema plus the document it lives in
//   (an OpenAPI file, or the schema itself). `$ref`s resolve within that
//   document: JSON pointers (`#/components/schemas/Watch`,
//   `#/definitions/Watch`, `#`) and draft-04 `id`s declared in it. A `$ref`
//   that does not resolve, or a keyword with a malformed value (e.g.
//   `"minLength": -1`, an invalid `pattern`, an unknown type name), throws
//   std::invalid_argument naming the ref or keyword and its location in the
//   document ("schema #/components/schemas/Watch/properties/sku: ...").
//   So does a `$ref` cycle that never descends into the value (`{"$ref":
//   "#"}`). Siblings of `$ref` are ignored (draft 4 and OpenAPI 3.0).
//   Remote references are not fetched. `true`/`false` schemas (draft 6) are
//   accepted.
// - Keywords: type (a name or an array of names), enum, const, required,
//   properties, additionalProperties, patternProperties, minProperties,
//   maxProperties, dependencies, items (schema or array), additionalItems,
//   minItems, maxItems, uniqueItems, minLength/maxLength (Unicode code
//   points), pattern (ECMAScript, unanchored, over code points), minimum/
//   maximum with draft-04 boolean exclusiveMinimum/exclusiveMaximum (a
//   numeric exclusive bound, draft 6 style, is accepted too), multipleOf,
//   allOf, anyOf, oneOf, not, format, and OpenAPI 3.0's `nullable: true`
//   (adds null to an explicit `type`; enum and the rest still apply, per
//   OpenAPI 3.0.3). Other keywords (description, example, title, default,
//   readOnly, writeOnly, xml, deprecated, discriminator, x-...) are ignored.
// - "integer" is a JSON number written without fraction or exponent, as in
//   draft 4: 1.0 is a number but not an integer. An integer literal too large
//   for 64 bits (parsed by nlohmann as a float) still counts as an integer
//   (so does an exponent form beyond 64 bits: nlohmann cannot tell them apart).
// - format: int32/int64 check an integer's range; date-time (RFC 3339),
//   date, email (loosely), uuid, ipv4, ipv6, hostname, uri (absolute) and
//   regex check strings; unknown formats (float, double, byte, password...)
//   always pass.
// - validate() returns nullopt for a valid instance, else a short description
//   of the first failure with its JSON path, e.g. "$.year: expected integer".
//   Instances nested deeper than max_instance_depth fail with a message
//   instead of exhausting the stack; patterns run in libstdc++'s
//   non-recursive matcher, except patterns with back-references, which only
//   match strings up to 1000 characters (longer ones fail with a message).
// - Immutable after construction; copies share the compiled form; validate()
//   may run concurrently from any number of threads.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>

namespace lowcloud::apigateway {

class JsonSchema {
public:
    static constexpr int max_instance_depth = 128;

    // `schema` is usually a sub-object of `document` (then `#` means the
    // document's root); both must stay alive only during construction.
    JsonSchema(const nlohmann::json& schema, const nlohmann::json& document);
    // A self-contained schema: its own `$ref`s resolve against itself.
    explicit JsonSchema(const nlohmann::json& schema);

    std::optional<std::string> validate(const nlohmann::json& instance) const;

    struct Node;   // compiled schema object (json_schema.cpp)
    struct Graph;  // owns every Node of one compiled schema

private:
    std::shared_ptr<const Graph> graph_;
    const Node* root_ = nullptr;
};

}  // namespace lowcloud::apigateway
