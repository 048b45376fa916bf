// JsonSchema, the request-body validator: (1) the official
// JSON-Schema-Test-Suite's draft-4 cases from Debian's
// `json-schema-test-suite` package, every file run, with an explicit list of
// the cases skipped and why; (2) OpenAPI-style cases around the reference
// application's Watch schema (components, $ref, enums, int64, nullable), the
// compile-time errors, and the guards against pathological input.
#include "apigateway/json_schema.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>
#include <vector>

using lowcloud::apigateway::JsonSchema;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// ---------------------------------------------------------------- the official suite

constexpr const char* remote_metaschema = "$ref to the draft-04 meta-schema at json-schema.org (a remote document)";

// What the suite runner skips. Keys name a file, "file | group" or
// "file | group | test" (descriptions as in the suite); every entry must match
// something, so the list cannot go stale silently.
const std::map<std::string, std::string> skipped = {
    // Remote references: the suite serves remotes/ on http://localhost:1234;
    // the emulator resolves refs only within the OpenAPI document.
    {"refRemote.json", "remote refs need the suite's HTTP server on localhost:1234"},
    {"definitions.json | valid definition", remote_metaschema},
    {"definitions.json | invalid definition", remote_metaschema},
    {"ref.json | remote ref, containing refs itself", remote_metaschema},
    // format "regex": std::regex, like the Annex B grammar every browser
    // implements, accepts \Z as an identity escape (it then matches "Z").
    {"optional/ecmascript-regex.json | ECMA 262 regex non-compliance",
     "std::regex accepts \\Z as an identity escape (ECMAScript Annex B)"},
};

fs::path suite_directory() {
    if (const char* env = std::getenv("LOWCLOUD_JSON_SCHEMA_SUITE")) return env;
    return "/usr/share/json-schema-test-suite/tests/draft4";
}

json load(const fs::path& file) {
    std::ifstream in(file);
    return json::parse(in);
}

}  // namespace

TEST_CASE("json schema: the official draft-4 test suite", "[json_schema][suite]") {
    fs::path dir = suite_directory();
    if (!fs::is_directory(dir))
        FAIL("the JSON-Schema-Test-Suite is missing at " << dir.string()
                                                         << ": install Debian's json-schema-test-suite package "
                                                            "(tools/install-deps.sh lists it)");
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(dir))
        if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    REQUIRE(files.size() >= 25);

    std::set<std::string> used;
    auto skip_reason = [&](std::initializer_list<std::string> keys) -> const std::string* {
        for (const auto& key : keys)
            if (auto it = skipped.find(key); it != skipped.end()) {
                used.insert(key);
                return &it->second;
            }
        return nullptr;
    };

    int passed = 0, failed = 0, skipped_count = 0;
    for (const auto& file : files) {
        std::string name = fs::relative(file, dir).generic_string();
        for (const auto& group : load(file)) {
            std::string group_key = name + " | " + group["description"].get<std::string>();
            std::optional<JsonSchema> schema;
            std::string compile_error;
            if (!skip_reason({name, group_key})) {
                try {
                    schema.emplace(group["schema"]);
                } catch (const std::invalid_argument& e) {
                    compile_error = e.what();
                }
            }
            for (const auto& test : group["tests"]) {
                std::string test_key = group_key + " | " + test["description"].get<std::string>();
                if (skip_reason({name, group_key, test_key})) {
                    ++skipped_count;
                    continue;
                }
                if (!schema) {
                    ++failed;
                    FAIL_CHECK(test_key << ": schema rejected: " << compile_error);
                    continue;
                }
                auto error = schema->validate(test["data"]);
                bool expected = test["valid"].get<bool>();
                if (!error == expected) {
                    ++passed;
                } else {
                    ++failed;
                    FAIL_CHECK(test_key << ": expected " << (expected ? "valid" : "invalid") << ", got "
                                        << (error ? *error : std::string("valid")) << " for " << test["data"].dump());
                }
            }
        }
    }
    for (const auto& [key, reason] : skipped) {
        INFO("skip-list entry matches nothing in the suite: " << key);
        CHECK(used.count(key) == 1);
    }
    WARN("JSON-Schema-Test-Suite draft4 (" << files.size() << " files): " << passed << " passed, " << failed
                                           << " failed, " << skipped_count << " skipped");
    CHECK(passed >= 350);  // 354 with the Debian 12 package (2.0.0); every case runs or is listed above
}

// ---------------------------------------------------------------- OpenAPI: the Watch schema

namespace {

// The reference application's spec (shared/reference/watches.md), reduced to
// what validation reads, plus a few schemas for the other cases.
const json watch_document = json::parse(R"({
  "openapi": "3.0.1",
  "info": {"title": "Watch info service", "version": "2.0"},
  "paths": {
    "/watch": {"post": {
      "requestBody": {"required": true,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Watch"}}}},
      "responses": {"200": {"description": "ok"}}}}
  },
  "components": {"schemas": {
    "Watch": {
      "type": "object",
      "description": "a watch of the catalogue",
      "required": ["sku", "type", "status", "gender", "year"],
      "properties": {
        "sku": {"type": "string", "example": "CV2115.FC6186"},
        "type": {"type": "string", "enum": ["watch", "chrono"]},
        "status": {"type": "string", "enum": ["old", "current", "outlet"]},
        "gender": {"type": "string", "enum": ["man", "woman"]},
        "year": {"type": "integer", "format": "int64"},
        "dial_material": {"type": "string"},
        "dial_color": {"type": "string"},
        "case_material": {"type": "string"},
        "case_form": {"type": "string"},
        "bracelet_material": {"type": "string"},
        "movement": {"type": "string", "readOnly": false, "xml": {"name": "movement"}}
      }
    },
    "Watches": {"type": "array", "items": {"$ref": "#/components/schemas/Watch"}, "maxItems": 2},
    "Tree": {
      "type": "object", "required": ["name"],
      "properties": {
        "name": {"type": "string"},
        "children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}
      }
    }
  }}
})");

const json& schema_at(const std::string& pointer) { return watch_document.at(json::json_pointer(pointer)); }

JsonSchema component(const std::string& name) { return JsonSchema(schema_at("/components/schemas/" + name), watch_document); }

json valid_watch() {
    return json::parse(R"({"sku": "CV2115.FC6186", "type": "chrono", "status": "old", "gender": "man", "year": 2004,
        "dial_material": "MOTHER OF PEARL", "dial_color": "WHITE", "case_material": "STEEL", "case_form": "ROUND",
        "bracelet_material": "LEATHER ALLIGATOR", "movement": "CALIBRE_17_AUTO"})");
}

json with(json body, const std::string& key, const json& value) {
    body[key] = value;
    return body;
}

json without(json body, const std::string& key) {
    body.erase(key);
    return body;
}

}  // namespace

TEST_CASE("json schema: the Watch request body", "[json_schema][openapi]") {
    JsonSchema schema(schema_at("/paths/~1watch/post/requestBody/content/application~1json/schema"), watch_document);
    struct Case {
        const char* what;
        json body;
        std::optional<std::string> error;
    };
    const json minimal = json::parse(R"({"sku": "CAR2A8A.BF0707-AM", "type": "watch", "status": "current", "gender": "woman", "year": 2018})");
    const std::vector<Case> cases = {
        {"the sample record", valid_watch(), std::nullopt},
        {"required members only", minimal, std::nullopt},
        {"unknown members are allowed", with(minimal, "colour", "red"), std::nullopt},
        {"Japanese movement", with(minimal, "movement", "キャリバーホイヤー01"), std::nullopt},
        {"largest int64", with(minimal, "year", 9223372036854775807LL), std::nullopt},
        {"smallest int64", with(minimal, "year", json::parse("-9223372036854775808")), std::nullopt},
        {"sku missing", without(minimal, "sku"), "$: missing required property 'sku'"},
        {"year missing", without(minimal, "year"), "$: missing required property 'year'"},
        {"year as a string (as in the seed file)", with(minimal, "year", "1995"), "$.year: expected integer"},
        {"year with a fraction", with(minimal, "year", 2004.5), "$.year: expected integer"},
        {"year written 2004.0", json::parse(R"({"sku":"a","type":"watch","status":"old","gender":"man","year":2004.0})"),
         "$.year: expected integer"},
        {"year beyond int64", with(minimal, "year", json::parse("9223372036854775808")), "$.year: not a valid int64"},
        {"year far beyond 64 bits", with(minimal, "year", json::parse("123456789012345678901234567890")),
         "$.year: not a valid int64"},
        {"type outside its enum", with(minimal, "type", "clock"), R"($.type: must be one of ["watch","chrono"])"},
        {"enums are case-sensitive", with(minimal, "gender", "Man"), R"($.gender: must be one of ["man","woman"])"},
        {"status null", with(minimal, "status", nullptr), "$.status: expected string"},
        {"a null optional string (the seed file's nulls)", with(minimal, "dial_material", nullptr),
         "$.dial_material: expected string"},
        {"sku as a number", with(minimal, "sku", 42), "$.sku: expected string"},
        {"an array body", json::array({minimal}), "$: expected object"},
        {"an empty body object", json::object(), "$: missing required property 'sku'"},
    };
    for (const auto& c : cases) {
        INFO(c.what << ": " << c.body.dump());
        CHECK(schema.validate(c.body) == c.error);
    }
}

TEST_CASE("json schema: $ref to components, arrays and recursion", "[json_schema][openapi]") {
    auto watches = component("Watches");
    CHECK_FALSE(watches.validate(json::array({valid_watch(), valid_watch()})));
    CHECK(watches.validate(json::array({valid_watch(), with(valid_watch(), "year", "x")})) == "$[1].year: expected integer");
    CHECK(watches.validate(json::array({valid_watch(), valid_watch(), valid_watch()})) == "$: more than 2 items");

    auto tree = component("Tree");
    auto nested = json::parse(R"({"name": "a", "children": [{"name": "b"}, {"name": "c", "children": [{"name": "d"}]}]})");
    CHECK_FALSE(tree.validate(nested));
    nested["children"][1]["children"][0]["name"] = 4;
    CHECK(tree.validate(nested) == "$.children[1].children[0].name: expected string");

    // A schema copied out of its document still resolves refs against it.
    json copy = schema_at("/components/schemas/Watches");
    CHECK(JsonSchema(copy, watch_document).validate(json::array({json::object()})) == "$[0]: missing required property 'sku'");

    // Plain draft-04 style: definitions and `#` within the schema itself.
    JsonSchema self(json::parse(R"({"definitions": {"n": {"type": "integer", "minimum": 1}},
        "type": "object", "properties": {"count": {"$ref": "#/definitions/n"}, "next": {"$ref": "#"}}})"));
    CHECK_FALSE(self.validate(json::parse(R"({"count": 1, "next": {"count": 2}})")));
    CHECK(self.validate(json::parse(R"({"count": 1, "next": {"count": 0}})")) == "$.next.count: must be >= 1");
}

TEST_CASE("json schema: nullable (OpenAPI 3.0)", "[json_schema][openapi]") {
    CHECK_FALSE(JsonSchema(json::parse(R"({"type": "string", "nullable": true})")).validate(nullptr));
    CHECK_FALSE(JsonSchema(json::parse(R"({"type": "string", "nullable": true})")).validate("x"));
    CHECK(JsonSchema(json::parse(R"({"type": "string", "nullable": true})")).validate(1) == "$: expected null or string");
    CHECK(JsonSchema(json::parse(R"({"type": "string", "nullable": false})")).validate(nullptr) == "$: expected string");
    CHECK(JsonSchema(json::parse(R"({"type": "string"})")).validate(nullptr) == "$: expected string");
    // OpenAPI 3.0.3: nullable widens `type` only; an enum must list null itself.
    CHECK(JsonSchema(json::parse(R"({"type": "string", "nullable": true, "enum": ["a"]})")).validate(nullptr) ==
          R"($: must be one of ["a"])");
    CHECK_FALSE(JsonSchema(json::parse(R"({"type": "string", "nullable": true, "enum": ["a", null]})")).validate(nullptr));
    // Through a $ref in an object.
    JsonSchema object(json::parse(R"({"type": "object", "properties": {"d": {"$ref": "#/definitions/s"}},
        "definitions": {"s": {"type": "string", "nullable": true}}})"));
    CHECK_FALSE(object.validate(json::parse(R"({"d": null})")));
}

TEST_CASE("json schema: formats", "[json_schema][format]") {
    auto check = [](const char* format, const json& value) {
        return !JsonSchema(json{{"format", format}}).validate(value);
    };
    CHECK(check("int32", 2147483647));
    CHECK(check("int32", -2147483648LL));
    CHECK_FALSE(check("int32", 2147483648LL));
    CHECK_FALSE(check("int32", -2147483649LL));
    CHECK_FALSE(check("int32", 1.5));
    CHECK(check("int64", json::parse("9223372036854775807")));
    CHECK_FALSE(check("int64", json::parse("18446744073709551615")));
    CHECK(check("int64", "not a number: formats only constrain their own type"));
    CHECK(check("date-time", "2024-02-29T23:59:59.5+01:00"));
    CHECK_FALSE(check("date-time", "2023-02-29T00:00:00Z"));
    CHECK_FALSE(check("date-time", "2024-01-01 00:00:00Z"));
    CHECK(check("date", "2000-02-29"));
    CHECK_FALSE(check("date", "1900-02-29"));
    CHECK_FALSE(check("date", "2000-2-1"));
    CHECK(check("email", "someone@example.com"));
    CHECK_FALSE(check("email", "someone"));
    CHECK_FALSE(check("email", "some one@example.com"));
    CHECK(check("uuid", "123e4567-E89B-12d3-a456-426614174000"));
    CHECK_FALSE(check("uuid", "123e4567e89b12d3a456426614174000"));
    CHECK(check("float", "unknown formats pass"));
    CHECK(check("byte", 12));
    CHECK(JsonSchema(json{{"type", "integer"}, {"format", "int32"}}).validate(1LL << 40) == "$: not a valid int32");
}

TEST_CASE("json schema: strings count code points; patterns are unanchored ECMAScript", "[json_schema]") {
    JsonSchema two(json::parse(R"({"minLength": 2, "maxLength": 2})"));
    CHECK_FALSE(two.validate("日本"));
    CHECK(two.validate("日本語") == "$: longer than 2 characters");
    CHECK(two.validate("日") == "$: shorter than 2 characters");
    CHECK(JsonSchema(json{{"maxLength", 1}}).validate("ab") == "$: longer than 1 character");
    CHECK_FALSE(JsonSchema(json(true)).validate(json::object()));  // boolean schemas (draft 6) are accepted
    CHECK_FALSE(JsonSchema(json{{"pattern", "^.{2}$"}}).validate("日本"));
    CHECK_FALSE(JsonSchema(json{{"pattern", "[0-9]"}}).validate("abc1def"));
    CHECK(JsonSchema(json{{"pattern", "^[A-Z0-9.-]+$"}}).validate("cv2115") == "$: does not match pattern '^[A-Z0-9.-]+$'");
    CHECK(JsonSchema(json::parse(R"({"properties": {"a b": {"type": "string"}, "x'y": {"type": "string"}}})"))
              .validate(json::parse(R"({"a b": 1})")) == "$['a b']: expected string");
    CHECK(JsonSchema(json::parse(R"({"additionalProperties": false, "properties": {"a": {}}})"))
              .validate(json::parse(R"({"a": 1, "b": 2})")) == "$.b: property not allowed");
}

TEST_CASE("json schema: bad schemas fail at compile time, naming the problem", "[json_schema][errors]") {
    json document = watch_document;
    document["components"]["schemas"]["Broken"] = {{"$ref", "#/components/schemas/Nope"}};
    CHECK_THROWS_WITH(JsonSchema(document["components"]["schemas"]["Broken"], document),
                      Catch::Equals("schema #/components/schemas/Broken: $ref '#/components/schemas/Nope' does not "
                                    "resolve (no member 'Nope')"));
    // Errors name the location in the document, also below a $ref.
    document["components"]["schemas"]["Watch"]["properties"]["sku"]["maxLength"] = "ten";
    CHECK_THROWS_WITH(JsonSchema(schema_at("/paths/~1watch/post/requestBody/content/application~1json/schema"), document),
                      Catch::StartsWith("schema #/components/schemas/Watch/properties/sku: maxLength"));
    document["paths"]["/watch"]["post"]["requestBody"]["content"]["application/json"]["schema"] = {{"type", "text"}};
    CHECK_THROWS_WITH(JsonSchema(document["paths"]["/watch"]["post"]["requestBody"]["content"]["application/json"]["schema"], document),
                      Catch::StartsWith("schema #/paths/~1watch/post/requestBody/content/application~1json/schema: unknown type"));
    CHECK_THROWS_WITH(JsonSchema(json{{"$ref", "other.yaml#/Watch"}}), Catch::Contains("other.yaml#/Watch"));
    CHECK_THROWS_WITH(JsonSchema(json{{"$ref", "http://example.com/s.json"}}), Catch::Contains("remote references"));
    CHECK_THROWS_WITH(JsonSchema(json::parse(R"({"properties": {"a": {"minLength": -1}}})")),
                      Catch::Contains("#/properties/a") && Catch::Contains("minLength"));
    CHECK_THROWS_WITH(JsonSchema(json{{"pattern", "(unclosed"}}), Catch::Contains("invalid pattern"));
    CHECK_THROWS_WITH(JsonSchema(json{{"type", "text"}}), Catch::Contains("unknown type \"text\""));
    CHECK_THROWS_WITH(JsonSchema(json{{"required", true}}), Catch::Contains("required"));
    CHECK_THROWS_WITH(JsonSchema(json{{"multipleOf", 0}}), Catch::Contains("multipleOf"));
    // Cycles that never descend into the value would recurse forever.
    CHECK_THROWS_WITH(JsonSchema(json{{"$ref", "#"}}), Catch::Contains("circular"));
    CHECK_THROWS_WITH(JsonSchema(json::parse(R"({"definitions": {"a": {"allOf": [{"$ref": "#/definitions/b"}]},
        "b": {"anyOf": [{"$ref": "#/definitions/a"}]}}, "$ref": "#/definitions/a"})")),
                      Catch::Contains("circular"));
}

TEST_CASE("json schema: pathological instances fail cleanly", "[json_schema][limits]") {
    // (Built by parsing: nlohmann's parser is iterative, its copies recursive.)
    std::string deep_text = std::string(5000, '[') + std::string(5000, ']');
    json deep = json::parse(deep_text);
    auto error = JsonSchema(json::parse(R"({"items": {"$ref": "#"}})")).validate(deep);
    REQUIRE(error);
    CHECK_THAT(*error, Catch::Contains("nested deeper than 128 levels"));
    // Comparisons for uniqueItems and enum are bounded too.
    json twins = json::parse("[" + deep_text + "," + deep_text + "]");
    CHECK_THAT(JsonSchema(json{{"uniqueItems", true}}).validate(twins).value_or(""), Catch::Contains("deeper than 128"));
    CHECK_THAT(JsonSchema(json{{"enum", json::array({1})}}).validate(deep).value_or(""), Catch::Contains("one of"));
    // Unconstrained depth is fine: nothing descends.
    CHECK_FALSE(JsonSchema(json{{"type", "array"}}).validate(deep));

    // A megabyte string against a repeating pattern (libstdc++'s backtracking
    // matcher would overflow the stack).
    std::string big(1 << 20, 'a');
    CHECK_FALSE(JsonSchema(json{{"pattern", "^(a|b)*$"}}).validate(big));
    CHECK(JsonSchema(json{{"pattern", "^[a-z]*$"}}).validate(big + "1") == "$: does not match pattern '^[a-z]*$'");
    // Back-references need the backtracking matcher: bounded input length.
    JsonSchema backref(json{{"pattern", "^(a)\\1*$"}});
    CHECK_FALSE(backref.validate("aaaa"));
    CHECK_THAT(backref.validate(big).value_or(""), Catch::Contains("too long to match pattern with back-references"));

    // Many unique items sort instead of comparing every pair.
    json many = json::array();
    for (int i = 0; i < 200000; ++i) many.push_back(i);
    CHECK_FALSE(JsonSchema(json{{"uniqueItems", true}}).validate(many));
    many.push_back(1.0);
    CHECK(JsonSchema(json{{"uniqueItems", true}}).validate(many) == "$: items 1 and 200000 are equal");
}

TEST_CASE("json schema: one compiled schema validates from many threads", "[json_schema][threads]") {
    auto schema = component("Watches");
    json good = json::array({valid_watch()});
    json bad = json::array({with(valid_watch(), "type", "clock")});
    std::vector<std::thread> threads;
    std::vector<int> failures(8, 0);
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 500; ++i)
                if (schema.validate(good) || schema.validate(bad) != R"($[0].type: must be one of ["watch","chrono"])")
                    ++failures[t];
        });
    for (auto& t : threads) t.join();
    CHECK(std::count(failures.begin(), failures.end(), 0) == 8);
}
