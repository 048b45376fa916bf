// Percent-decoding and base64: a table of inputs and what they mean.
#include "common/encoding.hpp"

#include <catch2/catch.hpp>

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
