// Tests for dynamodb/value: DynamoDB JSON decoding with DynamoDB's exact
// ValidationException / SerializationException messages, encoding back to
// JSON (base64 for binaries), set semantics, the 32-level nesting limit and
// DynamoDB's item-size arithmetic. Each table row has a stable name used as
// the DYNAMIC_SECTION name.
#include "dynamodb/error.hpp"
#include "model/value.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using lowcloud::dynamodb::ApiError;
using lowcloud::dynamodb::AttributeValue;
using lowcloud::dynamodb::Item;
using lowcloud::dynamodb::item_size;
using lowcloud::dynamodb::parse_item;
using lowcloud::dynamodb::parse_value;
using lowcloud::dynamodb::to_json;
using lowcloud::dynamodb::to_json_text;
using lowcloud::dynamodb::Type;
using lowcloud::dynamodb::type_name;
using lowcloud::dynamodb::value_size;
using nlohmann::json;

namespace {

const std::string kEmpty =
    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
const std::string kMultiple =
    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
    "supported datatypes";
const std::string kInvalid = "One or more parameter values were invalid: ";
const std::string kNesting =
    "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels "
    "beyond supported limit";
const std::string kMapHere = "Start of structure or map found where not expected.";
const std::string kListHere = "Start of list found where not expected";

// "Type: message" of the ApiError thrown by f, "" when it succeeds.
template <typename F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const ApiError& e) {
        return e.short_type() + ": " + e.what();
    }
    return "";
}

std::string V(const std::string& m) { return "ValidationException: " + m; }
std::string S(const std::string& m) { return "SerializationException: " + m; }

// A leaf wrapped in `depth` single-member maps (depth 31: leaf at level 32).
json deep_map(int depth) {
    json v = {{"S", "leaf"}};
    for (int i = 0; i < depth; ++i) v = {{"M", {{"n", v}}}};
    return v;
}

json deep_list(int depth) {
    json v = {{"N", "1"}};
    for (int i = 0; i < depth; ++i) v = {{"L", json::array({v})}};
    return v;
}

}  // namespace

TEST_CASE("value: type names", "[value]") {
    CHECK(type_name(Type::S) == "S");
    CHECK(type_name(Type::N) == "N");
    CHECK(type_name(Type::B) == "B");
    CHECK(type_name(Type::BOOL) == "BOOL");
    CHECK(type_name(Type::NUL) == "NULL");
    CHECK(type_name(Type::M) == "M");
    CHECK(type_name(Type::L) == "L");
    CHECK(type_name(Type::SS) == "SS");
    CHECK(type_name(Type::NS) == "NS");
    CHECK(type_name(Type::BS) == "BS");
}

TEST_CASE("value: round trip to canonical JSON", "[value]") {
    struct Row {
        std::string name, input, expected;  // expected "" = same as input
    };
    const std::vector<Row> rows = {
        {"string", R"({"S":"héllo"})", ""},
        {"empty string", R"({"S":""})", ""},
        {"number canonicalized", R"({"N":"1e3"})", R"({"N":"1000"})"},
        {"number fraction", R"({"N":"-1.50"})", R"({"N":"-1.5"})"},
        {"binary", R"({"B":"AAEC/w=="})", ""},
        {"empty binary", R"({"B":""})", ""},
        {"bool", R"({"BOOL":false})", ""},
        {"null", R"({"NULL":true})", ""},
        {"list", R"({"L":[{"S":"a"},{"N":"01"},{"L":[]}]})", R"({"L":[{"S":"a"},{"N":"1"},{"L":[]}]})"},
        {"map", R"({"M":{"a":{"S":"x"},"b":{"M":{}}}})", ""},
        {"string set keeps order", R"({"SS":["b","a",""]})", ""},
        {"number set canonicalized", R"({"NS":["2","1.0",".5"]})", R"({"NS":["2","1","0.5"]})"},
        {"binary set", R"({"BS":["Zm8=","Zg==",""]})", ""},
        {"unknown member ignored", R"({"S":"x","Foo":1})", R"({"S":"x"})"},
        {"null member ignored", R"({"S":"x","N":null})", R"({"S":"x"})"},
    };
    for (const auto& row : rows) {
        DYNAMIC_SECTION(row.name) {
            json expected = json::parse(row.expected.empty() ? row.input : row.expected);
            AttributeValue v = parse_value(json::parse(row.input));
            CHECK(to_json(v) == expected);
            CHECK(parse_value(to_json(v)) == v);
        }
    }
}

TEST_CASE("value: to_json_text writes what to_json(item).dump() writes", "[value]") {
    struct Row {
        std::string name, item;
    };
    const std::vector<Row> rows = {
        {"empty item", R"({})"},
        {"every type", R"({"s":{"S":"x"},"n":{"N":"-1.5e3"},"b":{"B":"AAEC/w=="},"t":{"BOOL":true},"f":{"BOOL":false},)"
                       R"("z":{"NULL":true},"l":{"L":[{"S":"a"},{"L":[]},{"M":{}}]},"m":{"M":{"k":{"N":"1"},"a":{"SS":["q"]}}},)"
                       R"("ss":{"SS":["b","a",""]},"ns":{"NS":["2","1.0"]},"bs":{"BS":["Zm8=",""]}})"},
        {"names sorted as bytes", R"({"b":{"S":"1"},"B":{"S":"2"},"a":{"S":"3"},"é":{"S":"4"},"":{"S":"5"}})"},
        {"escapes", R"({"q\"\\":{"S":"\"\\\/\b\f\n\r\t\u0000\u0001\u001f\u007f"}})"},
        {"unicode kept as it is", R"({"k":{"S":"héllo \u2028 😀 \ud83d\ude00"}})"},
        {"escapes in sets and maps", R"({"m":{"M":{"a\nb":{"SS":["\t","x\"y"]}}}})"},
    };
    for (const auto& row : rows) {
        DYNAMIC_SECTION(row.name) {
            Item item = parse_item(json::parse(row.item));
            std::string text = to_json_text(item);
            CHECK(text == to_json(item).dump());
            CHECK(parse_item(json::parse(text)) == item);
        }
    }
}

TEST_CASE("value: DynamoDB error messages", "[value]") {
    struct Row {
        std::string name, input, error;
    };
    const std::string num = "The parameter cannot be converted to a numeric value";
    const std::vector<Row> rows = {
        // ValidationException
        {"empty value", R"({})", V(kEmpty)},
        {"unknown member only", R"({"a":""})", V(kEmpty)},
        {"null member only", R"({"S":null})", V(kEmpty)},
        {"two datatypes", R"({"S":"a","N":"1"})", V(kMultiple)},
        {"bad number reported before two datatypes", R"({"S":"a","N":"b"})", V(num + ": b")},
        {"empty number", R"({"N":""})", V(num)},
        {"bad number", R"({"N":"abc"})", V(num + ": abc")},
        {"number digits", R"({"N":"1234567890123456789012345678901234567890"})",
         V("Attempting to store more than 38 significant digits in a Number")},
        {"number overflow", R"({"N":"1e126"})",
         V("Number overflow. Attempting to store a number with magnitude larger than supported range")},
        {"number underflow", R"({"N":"-1e-131"})",
         V("Number underflow. Attempting to store a number with magnitude smaller than supported range")},
        {"NULL false", R"({"NULL":false})",
         V(kInvalid + "Null attribute value types must have the value of true")},
        {"empty string set", R"({"SS":[]})", V(kInvalid + "An string set  may not be empty")},
        {"empty number set", R"({"NS":[]})", V(kInvalid + "An number set  may not be empty")},
        {"empty binary set", R"({"BS":[]})", V(kInvalid + "Binary sets should not be empty")},
        {"string set duplicates", R"({"SS":["a","a"]})",
         V(kInvalid + "Input collection [a, a] contains duplicates.")},
        {"string set duplicates lists whole set", R"({"SS":["a","b","a"]})",
         V(kInvalid + "Input collection [a, b, a] contains duplicates.")},
        {"number set duplicates compare numerically", R"({"NS":["1","1.0"]})",
         V("Input collection contains duplicates")},
        {"number set bad element", R"({"NS":["1","b"]})", V(num + ": b")},
        {"number set empty element", R"({"NS":["1",""]})", V(num)},
        {"binary set duplicates", R"({"BS":["Yg==","Yg=="]})",
         V(kInvalid + "Input collection [Yg==, Yg==]of type BS contains duplicates.")},
        {"empty value in map", R"({"M":{"a":{}}})", V(kEmpty)},
        {"empty value in list", R"({"L":[{}]})", V(kEmpty)},
        {"unknown member in list element", R"({"L":[{"a":{}}]})", V(kEmpty)},
        {"null list element", R"({"L":[null]})", V(kEmpty)},
        // SerializationException
        {"string given number", R"({"S":1})", S("NUMBER_VALUE cannot be converted to String")},
        {"string given true", R"({"S":true})", S("TRUE_VALUE cannot be converted to String")},
        {"string given object", R"({"S":{"S":"x"}})", S(kMapHere)},
        {"string given array", R"({"S":[]})", S(kListHere)},
        {"number given number", R"({"N":5})", S("NUMBER_VALUE cannot be converted to String")},
        {"bool given string", R"({"BOOL":"true"})", S("STRING_VALUE cannot be converted to Boolean")},
        {"null given number", R"({"NULL":1})", S("NUMBER_VALUE cannot be converted to Boolean")},
        {"list given string", R"({"L":"x"})", S("Expected list or null")},
        {"list given object", R"({"L":{}})", S(kMapHere)},
        {"map given array", R"({"M":[]})", S(kListHere)},
        {"map given string", R"({"M":"x"})", S("Expected map or null")},
        {"set given string", R"({"SS":"a"})", S("Expected list or null")},
        {"set element given number", R"({"SS":[1]})", S("NUMBER_VALUE cannot be converted to String")},
        {"value given string", R"("x")", S("Expected null")},
        {"value given array", R"([])", S(kListHere)},
        {"binary given number", R"({"B":1})", S("NUMBER_VALUE cannot be converted to Blob")},
        {"base64 bad length", R"({"B":"23456"})",
         S("'23456' can not be converted to a Blob: Base64 encoded length is expected a multiple of "
           "4 bytes but found: 5")},
        {"base64 pad then data", R"({"B":"=+/="})",
         S("'=+/=' can not be converted to a Blob: Invalid Base64 character: '='")},
        {"base64 bad character", R"({"B":"ab!="})",
         S("'ab!=' can not be converted to a Blob: Invalid Base64 character: '!'")},
        {"base64 url alphabet", R"({"B":"ab-_"})",
         S("'ab-_' can not be converted to a Blob: Invalid Base64 character: '-'")},
        {"base64 non-canonical one pad", R"({"B":"+/+="})",
         S("'+/+=' can not be converted to a Blob: Invalid last non-pad Base64 character dectected")},
        {"base64 non-canonical two pads", R"({"B":"AB=="})",
         S("'AB==' can not be converted to a Blob: Invalid last non-pad Base64 character dectected")},
        {"base64 three pads", R"({"B":"A==="})",
         S("'A===' can not be converted to a Blob: Invalid last non-pad Base64 character dectected")},
        {"base64 in binary set", R"({"BS":["Yg=","Yg=="]})",
         S("'Yg=' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 "
           "bytes but found: 3")},
        {"serialization beats earlier validation", R"({"L":[{},{"S":1}]})",
         S("NUMBER_VALUE cannot be converted to String")},
    };
    for (const auto& row : rows) {
        DYNAMIC_SECTION(row.name) {
            json input = json::parse(row.input);
            CHECK(error_of([&] { parse_value(input); }) == row.error);
        }
    }
}

TEST_CASE("value: parse_item", "[value]") {
    SECTION("valid item") {
        Item item = parse_item(json::parse(R"({"id":{"S":"a"},"n":{"N":"1.0"}})"));
        REQUIRE(item.size() == 2);
        CHECK(item.at("id") == AttributeValue::string("a"));
        CHECK(item.at("n") == AttributeValue::number("1"));
        CHECK(to_json(item) == json::parse(R"({"id":{"S":"a"},"n":{"N":"1"}})"));
    }
    SECTION("validation error in any attribute") {
        CHECK(error_of([] { parse_item(json::parse(R"({"a":{"S":"x"},"b":{}})")); }) == V(kEmpty));
    }
    SECTION("null attribute value") {
        CHECK(error_of([] { parse_item(json::parse(R"({"a":null})")); }) == V(kEmpty));
    }
    SECTION("serialization error wins over an earlier validation error") {
        CHECK(error_of([] { parse_item(json::parse(R"({"a":{},"b":{"S":1}})")); }) ==
              S("NUMBER_VALUE cannot be converted to String"));
    }
    SECTION("item given array") {
        CHECK(error_of([] { parse_item(json::parse("[]")); }) == S(kListHere));
    }
    SECTION("item given string") {
        CHECK(error_of([] { parse_item(json::parse(R"("x")")); }) == S("Expected map or null"));
    }
}

TEST_CASE("value: base64", "[value]") {
    SECTION("RFC 4648 vectors") {
        const std::vector<std::pair<std::string, std::string>> vectors = {
            {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
            {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
        };
        for (const auto& [raw, encoded] : vectors) {
            AttributeValue v = parse_value(json{{"B", encoded}});
            CHECK(v.scalar == raw);
            CHECK(to_json(AttributeValue::binary(raw)) == json{{"B", encoded}});
        }
    }
    SECTION("every byte value round trips at every length mod 3") {
        std::string all;
        for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
        for (std::size_t len : {253u, 254u, 255u, 256u}) {
            AttributeValue v = AttributeValue::binary(all.substr(0, len));
            AttributeValue back = parse_value(to_json(v));
            CHECK(back.scalar.size() == len);
            CHECK(back == v);
        }
    }
    SECTION("binary set round trip") {
        AttributeValue v = AttributeValue::make_set(Type::BS, {std::string("\0\1", 2), "xyz", ""});
        CHECK(parse_value(to_json(v)) == v);
    }
}

TEST_CASE("value: equality", "[value]") {
    auto p = [](const char* text) { return parse_value(json::parse(text)); };
    struct Row {
        std::string name, a, b;
        bool equal;
    };
    const std::vector<Row> rows = {
        {"string set order", R"({"SS":["a","b"]})", R"({"SS":["b","a"]})", true},
        {"number set order and spelling", R"({"NS":["1.0","2e0"]})", R"({"NS":["2","1"]})", true},
        {"binary set order", R"({"BS":["YQ==","Yg=="]})", R"({"BS":["Yg==","YQ=="]})", true},
        {"set sizes differ", R"({"SS":["a","b"]})", R"({"SS":["a"]})", false},
        {"SS vs NS", R"({"SS":["1"]})", R"({"NS":["1"]})", false},
        {"list order matters", R"({"L":[{"S":"a"},{"S":"b"}]})", R"({"L":[{"S":"b"},{"S":"a"}]})", false},
        {"map members", R"({"M":{"a":{"N":"1"}}})", R"({"M":{"a":{"N":"1.00"}}})", true},
        {"map values differ", R"({"M":{"a":{"N":"1"}}})", R"({"M":{"a":{"N":"2"}}})", false},
        {"S vs N", R"({"S":"1"})", R"({"N":"1"})", false},
        {"bools", R"({"BOOL":true})", R"({"BOOL":false})", false},
        {"nulls", R"({"NULL":true})", R"({"NULL":true})", true},
    };
    for (const auto& row : rows) {
        DYNAMIC_SECTION(row.name) {
            CHECK((p(row.a.c_str()) == p(row.b.c_str())) == row.equal);
            CHECK((p(row.a.c_str()) != p(row.b.c_str())) == !row.equal);
        }
    }
}

TEST_CASE("value: nesting depth limit", "[value]") {
    struct Row {
        std::string name;
        json input;
        bool accepted;
    };
    // Real DynamoDB (captured): a leaf at level 32 is accepted, at level 33 rejected.
    const std::vector<Row> rows = {
        {"maps, leaf at level 32", deep_map(31), true},
        {"maps, leaf at level 33", deep_map(32), false},
        {"lists, leaf at level 32", deep_list(31), true},
        {"lists, leaf at level 33", deep_list(32), false},
        {"far too deep", deep_list(200), false},
    };
    for (const auto& row : rows) {
        DYNAMIC_SECTION(row.name) {
            CHECK(error_of([&] { parse_value(row.input); }) == (row.accepted ? "" : V(kNesting)));
            CHECK(error_of([&] { parse_item(json{{"a", row.input}}); }) ==
                  (row.accepted ? "" : V(kNesting)));
        }
    }
}

TEST_CASE("value: item size", "[value]") {
    auto item = [](const char* text) { return parse_item(json::parse(text)); };
    struct Row {
        std::string name, item;
        std::size_t size;
    };
    const std::string n38 = std::string(38, '1') + std::string(88, '0');
    // Sizes follow the developer guide's "Item sizes and formats" rules; the
    // number sizes with 125-exponent values are the ones dynalite measured
    // against real DynamoDB's 400 KB limit.
    const std::vector<Row> rows = {
        {"string: name + UTF-8 bytes", R"({"id":{"S":"abc"}})", 5},
        {"UTF-8 name and value", R"({"é":{"S":"ü€"}})", 2 + 5},
        {"empty string", R"({"a":{"S":""}})", 1},
        {"binary: raw bytes", R"({"b":{"B":"AAEC"}})", 1 + 3},
        {"bool", R"({"flag":{"BOOL":true}})", 5},
        {"null", R"({"n":{"NULL":true}})", 2},
        {"empty list", R"({"l":{"L":[]}})", 1 + 3},
        {"empty map", R"({"m":{"M":{}}})", 1 + 3},
        {"list: 3 + 1 per element", R"({"l":{"L":[{"S":"xy"},{"BOOL":true}]}})", 1 + 3 + (1 + 2) + (1 + 1)},
        {"map: 3 + 1 per member + names", R"({"m":{"M":{"k":{"S":"v"},"kk":{"NULL":true}}}})",
         1 + 3 + (1 + 1 + 1) + (1 + 2 + 1)},
        {"nested", R"({"m":{"M":{"l":{"L":[{"M":{}}]}}}})", 1 + 3 + (1 + 1 + (3 + (1 + 3)))},
        {"string set: sum of elements", R"({"ss":{"SS":["a","bc",""]}})", 2 + 3},
        {"binary set", R"({"bs":{"BS":["AAE=","AA=="]}})", 2 + 3},
        {"number set", R"({"ns":{"NS":["1","12","-1"]}})", 2 + 2 + 2 + 3},
        {"several attributes", R"({"id":{"S":"abc"},"n":{"N":"12345"},"flag":{"BOOL":true}})",
         5 + (1 + 4) + 5},
        {"38-digit number at max exponent", (R"({"c":{"N":")" + n38 + R"("}})").c_str(), 1 + 20},
    };
    for (const auto& row : rows) {
        DYNAMIC_SECTION(row.name) { CHECK(item_size(item(row.item.c_str())) == row.size); }
    }
}

TEST_CASE("value: number sizes", "[value]") {
    struct Row {
        std::string name, number;
        std::size_t size;
    };
    auto z = [](std::size_t n) { return std::string(n, '0'); };
    const std::vector<Row> rows = {
        {"zero", "0", 1},
        {"one digit", "5", 2},
        {"two digits", "12", 2},
        {"three digits", "123", 3},
        {"four digits odd exponent", "1234", 3},
        {"five digits", "12345", 4},
        {"even digits even exponent", "1.234", 4},
        {"two digits even exponent", "1.2", 3},
        {"fraction", "0.5", 2},
        {"small fraction", "0.05", 2},
        {"negative adds a byte", "-1", 3},
        {"negative fraction", "-12.34", 4},
        {"trailing zeros free", "1000000", 2},
        {"dynalite 1E125", "1" + z(125), 2},
        {"dynalite 11E124", "11" + z(124), 2},
        {"dynalite 5 digits", "11111" + z(121), 4},
        {"dynalite 6 digits", "111111" + z(120), 4},
        {"dynalite 7 digits", "1111111" + z(119), 5},
        {"38 digits", std::string(38, '1') + z(88), 20},
        {"38 digits, leading digit exponent 37", std::string(38, '1'), 20},
        {"38 digits, leading digit exponent 38", std::string(38, '1') + "0", 21},
        {"38 digits, leading digit exponent 0", "1." + std::string(37, '1'), 21},
    };
    for (const auto& row : rows) {
        DYNAMIC_SECTION(row.name) {
            AttributeValue v = parse_value(json{{"N", row.number}});
            CHECK(value_size(v) == row.size);
        }
    }
}
