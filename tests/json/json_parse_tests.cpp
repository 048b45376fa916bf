// The shared JSON parser (emulator/json/json_parse.hpp) against nlohmann's
// own: the same tree, number types included, for what parses; the same
// exception types for what does not.
#include "json/json_parse.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using nlohmann::json;
using lowcloud::jsonparse::parse;
using lowcloud::jsonparse::parse_or_discarded;

namespace {

// Equal values of equal types, all the way down (json's == calls 1 and 1u equal).
bool same(const json& a, const json& b) {
    if (a.type() != b.type()) return false;
    if (a.is_object()) {
        if (a.size() != b.size()) return false;
        for (auto it = a.begin(); it != a.end(); ++it)
            if (!b.contains(it.key()) || !same(*it, b.at(it.key()))) return false;
        return true;
    }
    if (a.is_array()) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i)
            if (!same(a[i], b[i])) return false;
        return true;
    }
    return a == b;
}

struct Case {
    const char* name;
    std::string text;
};

}  // namespace

TEST_CASE("json_parse: the tree nlohmann's parser gives", "[json_parse]") {
    const std::vector<Case> cases = {
        {"empty_object", "{}"},
        {"empty_array", " [ ] "},
        {"literals", "[null,true,false]"},
        {"zero_and_negative_zero", "[0,-0]"},
        {"unsigned_and_signed", "[1,-1,4294967296,-4294967296]"},
        {"integer_limits", "[18446744073709551615,-9223372036854775808]"},
        {"beyond_uint64_is_a_double", "[18446744073709551616,-9223372036854775809]"},
        {"doubles", "[0.1,1.5e300,-2.5E-3,1e-320,3.0]"},
        {"largest_double", "[1.7976931348623157e308,-1.7976931348623157e308]"},
        {"integer_forms", "[-0,0,70e-1,1E2,1e+2,-9223372036854775809,12345678901234567890123]"},
        {"underflow_is_zero", "[1e-400,-1e-400]"},
        {"byte_order_mark_skipped", "\xEF\xBB\xBF{\"a\":1}"},
        {"escapes", R"(["a\"b\\c\/d\b\f\n\r\t","\u00e9\ud83d\ude00","a\u0000b"])"},
        {"utf8_text", "\"caf\xc3\xa9 \xf0\x9f\x98\x80\""},
        {"hangul_starts_with_ed_as_a_surrogate_would", "[\"\\ud7a3\", \"\xed\x9e\xa3\"]"},
        {"repeated_key_keeps_the_last", R"({"a":1,"b":2,"a":[3]})"},
        {"nesting", R"({"a":{"b":[{"c":[[],[{}]]}]},"d":null})"},
        {"proxy_event",
         R"({"resource":"/watch/{sku}","path":"/watch/CV2115.FC6186","httpMethod":"GET","headers":{"Host":"127.0.0.1:7232","Accept":"*/*"},)"
         R"("multiValueHeaders":{"Host":["127.0.0.1:7232"],"Accept":["*/*"]},"queryStringParameters":null,"pathParameters":{"sku":"CV2115.FC6186"},)"
         R"("requestContext":{"accountId":"000000000000","requestTimeEpoch":1796496156356,"identity":{"sourceIp":"127.0.0.1","user":null}},)"
         R"("body":null,"isBase64Encoded":false})"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            json expected = json::parse(c.text);
            CHECK(same(parse(c.text), expected));
            CHECK(same(parse_or_discarded(c.text), expected));
        }
    }
}

TEST_CASE("json_parse: what is not one JSON value is a parse_error", "[json_parse]") {
    const std::vector<Case> cases = {
        {"empty", ""},
        {"unterminated_object", "{"},
        {"trailing_comma", "[1,]"},
        {"missing_colon", R"({"a" 1})"},
        {"two_values", "1 2"},
        {"bad_literal", "nul"},
        {"lone_high_surrogate", R"("\ud800")"},
        {"lone_low_surrogate", R"("\udc00")"},
        {"lone_low_surrogate_in_a_key", R"({"a\udfff":1})"},
        {"invalid_utf8", "\"\xff\""},
        {"control_character_in_a_string", "\"a\nb\""},
        {"leading_zero", "01"},
        {"byte_order_mark_alone", "\xEF\xBB\xBF"},
        {"byte_order_mark_after_a_space", " \xEF\xBB\xBF{}"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            CHECK_THROWS_AS(json::parse(c.text), json::parse_error);  // the reference agrees
            CHECK_THROWS_AS(parse(c.text), json::parse_error);
            CHECK(parse_or_discarded(c.text).is_discarded());
        }
    }
}

// DynamoDB answers a number beyond a double with its own message
// (dynamodb/service.cpp), told apart by this exception type.
TEST_CASE("json_parse: a number beyond a double is out_of_range 406, as nlohmann's", "[json_parse]") {
    const std::vector<Case> cases = {
        {"positive", "[1e400]"},
        {"negative", "{\"a\":-1e400}"},
        {"integer_of_401_digits", "[1" + std::string(400, '0') + "]"},
        {"just_above_the_largest_double", "[1.8e308]"},
        {"exponent_one_past", "[10e308]"},
        {"last_digit_past", "[1.7976931348623159e308]"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            CHECK_THROWS_MATCHES(json::parse(c.text), json::out_of_range, Catch::Predicate<const json::out_of_range&>([](const auto& e) { return e.id == 406; }));
            CHECK_THROWS_MATCHES(parse(c.text), json::out_of_range, Catch::Predicate<const json::out_of_range&>([](const auto& e) { return e.id == 406; }));
            CHECK(parse_or_discarded(c.text).is_discarded());
        }
    }
}

// The one difference: nlohmann's lexer takes a NUL byte for the end of the
// text, so "{}\0anything" parses there; here it is a parse_error.
TEST_CASE("json_parse: a NUL byte after the value is a parse_error", "[json_parse]") {
    const std::vector<Case> cases = {
        {"then_text", std::string("{}\0x", 4)},
        {"alone", std::string("[1]\0", 4)},
        {"after_a_space", std::string("{\"a\":1} \0", 9)},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            CHECK_NOTHROW(json::parse(c.text));  // nlohmann stops at the NUL
            CHECK_THROWS_AS(parse(c.text), json::parse_error);
            CHECK(parse_or_discarded(c.text).is_discarded());
        }
    }
}
