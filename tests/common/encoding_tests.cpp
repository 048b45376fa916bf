// Percent-decoding and base64: a table of inputs and what they mean.
#include "common/encoding.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace lowcloud;

TEST_CASE("encoding: percent_decode", "[encoding]") {
    const std::vector<std::tuple<const char*, std::string, bool, std::string>> cases = {
        {"plain", "abc", false, "abc"},
        {"escapes", "a%20b%2Fc", false, "a b/c"},
        {"lower_hex", "%c3%a9", false, "\xc3\xa9"},
        {"malformed_kept", "100%", false, "100%"},
        {"bad_hex_kept", "%zz1", false, "%zz1"},
        {"plus_kept_in_paths", "a+b", false, "a+b"},
        {"plus_is_space_in_queries", "a+b%2B", true, "a b+"},
        {"short_escape_kept", "%4", true, "%4"},
        {"utf8_escapes", "%e2%82%ac", true, "\xe2\x82\xac"},
        {"sku_untouched", "CV2115.FC6186", false, "CV2115.FC6186"},
    };
    for (const auto& [name, in, plus, out] : cases) {
        DYNAMIC_SECTION(name) { CHECK(percent_decode(in, plus) == out); }
    }
}

TEST_CASE("encoding: base64 round trip and rejects", "[encoding]") {
    for (std::string s : {std::string(), std::string("f"), std::string("fo"), std::string("foo"), std::string("\x00\xff\x10", 3)}) {
        CHECK(base64_decode(base64_encode(s)) == s);
    }
    CHECK(base64_encode("foob") == "Zm9vYg==");
    CHECK(base64_decode("Zm9vYg") == "foob");  // padding optional
    CHECK_FALSE(base64_decode("Zm9v YmFy"));
    CHECK_FALSE(base64_decode("Z"));
}

TEST_CASE("encoding: append_json_string writes what nlohmann's dump() writes", "[encoding]") {
    struct Row {
        const char* name;
        std::string text;
    };
    const Row rows[] = {
        {"empty", ""},
        {"plain", "hello world"},
        {"quote and backslash", "a\"b\\c"},
        {"named escapes", "\b\f\n\r\t"},
        {"other control characters", std::string("\x00\x01\x1f", 3)},
        {"DEL and slash kept", "\x7f/"},
        {"UTF-8 kept", "h\xc3\xa9llo \xe2\x80\xa8 \xf0\x9f\x98\x80"},
        {"escapes at both ends", "\"middle\n"},
    };
    for (const auto& row : rows) {
        DYNAMIC_SECTION(row.name) {
            std::string out = "x";
            append_json_string(out, row.text);
            CHECK(out == "x" + nlohmann::json(row.text).dump());
        }
    }
}
