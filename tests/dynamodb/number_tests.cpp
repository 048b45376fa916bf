// Tests for dynamodb/number: DynamoDB's number syntax, canonical text, the
// 38-digit and 1E-130..9.99E+125 limits with DynamoDB's messages, exact
// arithmetic, numeric ordering, and key_bytes order agreeing with <=>.
// Each table row has a stable name used as the DYNAMIC_SECTION name.
#include "dynamodb/error.hpp"
#include "model/number.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using lowcloud::dynamodb::ApiError;
using lowcloud::dynamodb::canonical_number;
using lowcloud::dynamodb::Number;

namespace {

const std::string kOverflow =
    "Number overflow. Attempting to store a number with magnitude larger than supported range";
const std::string kUnderflow =
    "Number underflow. Attempting to store a number with magnitude smaller than supported range";
const std::string kTooPrecise = "Attempting to store more than 38 significant digits in a Number";
const std::string kNotNumeric = "The parameter cannot be converted to a numeric value";

std::string zeros(std::size_t n) { return std::string(n, '0'); }
std::string nines(std::size_t n) { return std::string(n, '9'); }

// "ValidationException: message" for a failing parse, "" on success.
template <typename F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const ApiError& e) {
        return e.short_type() + ": " + e.what();
    }
    return "";
}

std::string validation(const std::string& message) { return "ValidationException: " + message; }

const std::string kMax = "9." + nines(37) + "E+125";  // largest magnitude DynamoDB stores

}  // namespace

TEST_CASE("number: canonical text", "[number]") {
    struct Row {
        std::string name, input, expected;
    };
    const std::vector<Row> rows = {
        {"integer", "1", "1"},
        {"negative trailing fraction zero", "-1.50", "-1.5"},
        {"leading dot", ".5", "0.5"},
        {"negative leading dot", "-.5", "-0.5"},
        {"exponent", "1e3", "1000"},
        {"upper exponent with plus", "1.5E+3", "1500"},
        {"exponent plus", "1e+2", "100"},
        {"negative exponent", "1E-3", "0.001"},
        {"minus zero", "-0", "0"},
        {"plus zero", "+0", "0"},
        {"zero with fraction", "0.000", "0"},
        {"negative zero fraction", "-0.0e5", "0"},
        {"zero huge exponent", "0e999", "0"},
        {"plus sign", "+2", "2"},
        {"plus fraction", "+1.5", "1.5"},
        {"plus exponent", "+1e2", "100"},
        {"leading zeros", "00012.3400", "12.34"},
        {"trailing dot", "5.", "5"},
        {"fraction shifted by exponent", "123.456e-2", "1.23456"},
        {"fraction to integer", "1.25e2", "125"},
        {"integer to fraction", "125e-4", "0.0125"},
        {"negative small", "-0.0001", "-0.0001"},
        {"trailing zeros kept in integer", "1000", "1000"},
        {"exponent with leading zeros", "1e0003", "1000"},
        {"38 digits", "12345678901234567890123456789012345678",
         "12345678901234567890123456789012345678"},
        {"max magnitude", kMax, nines(38) + zeros(88)},
        {"max magnitude negative", "-" + kMax, "-" + nines(38) + zeros(88)},
        {"1E125", "1E125", "1" + zeros(125)},
        {"min magnitude", "1E-130", "0." + zeros(129) + "1"},
        {"min magnitude negative", "-1e-130", "-0." + zeros(129) + "1"},
        {"min magnitude written long", "0.1E-129", "0." + zeros(129) + "1"},
        {"38 digits at the bottom", "1." + zeros(36) + "1E-130", "0." + zeros(129) + "1" + zeros(36) + "1"},
    };
    for (const auto& row : rows) {
        DYNAMIC_SECTION(row.name) {
            CHECK(Number::parse(row.input).to_string() == row.expected);
            CHECK(canonical_number(row.input) == row.expected);
            // The canonical form is a fixed point.
            CHECK(canonical_number(row.expected) == row.expected);
        }
    }
}

TEST_CASE("number: syntax errors", "[number]") {
    struct Row {
        std::string name, input;
    };
    const std::vector<Row> rows = {
        {"letters", "abc"},        {"lone dot", "."},           {"lone minus", "-"},
        {"lone plus", "+"},        {"exponent only", "e5"},     {"missing exponent", "1e"},
        {"exponent sign only", "1e+"}, {"two dots", "1.2.3"},   {"leading space", " 1"},
        {"trailing space", "1 "},  {"fractional exponent", "1e1.5"}, {"hex", "0x10"},
        {"NaN", "NaN"},            {"Infinity", "Infinity"},   {"thousands separator", "1,000"},
        {"double minus", "--1"},   {"plus minus", "+-1"},      {"dot exponent", ".e1"},
        {"inner sign", "1+2"},     {"exponent beyond int", "1e99999999999"},
        {"exponent beyond int negative", "1e-2147483649"},
    };
    for (const auto& row : rows) {
        DYNAMIC_SECTION(row.name) {
            CHECK(error_of([&] { Number::parse(row.input); }) ==
                  validation(kNotNumeric + ": " + row.input));
        }
    }
    SECTION("empty string has no echo") {
        CHECK(error_of([] { Number::parse(""); }) == validation(kNotNumeric));
    }
}

TEST_CASE("number: limits", "[number]") {
    struct Row {
        std::string name, input, error;  // error "" = accepted
    };
    const std::string d38 = "12345678901234567890123456789012345678";
    const std::vector<Row> rows = {
        {"38 digits", d38, ""},
        {"39 digits", d38 + "9", kTooPrecise},
        {"38 digits plus trailing zeros", d38 + zeros(50), ""},
        {"38 digits with leading zeros", "0000" + d38, ""},
        {"38 digits fraction with trailing zeros", "0.000" + d38 + "000000", ""},
        {"39 digits fraction", "-1.23456789012345678901234567890123456789", kTooPrecise},
        {"max magnitude", kMax, ""},
        {"max magnitude with 39 nines", "9." + nines(38) + "E+125", kTooPrecise},
        {"1E126", "1e126", kOverflow},
        {"-1E126", "-1e126", kOverflow},
        {"10E125", "10E125", kOverflow},
        {"overflow checked before precision", "1." + nines(40) + "E+130", kOverflow},
        {"1E-130", "1e-130", ""},
        {"1E-131", "1e-131", kUnderflow},
        {"-1E-131", "-1e-131", kUnderflow},
        {"0.01E-129", "0.01E-129", kUnderflow},
        {"underflow checked before precision", "1." + nines(40) + "E-140", kUnderflow},
        {"99.9E124 is below max", "99.9E124", ""},
        {"exponent at int minimum is a number", "1e-2147483648", kUnderflow},
    };
    for (const auto& row : rows) {
        DYNAMIC_SECTION(row.name) {
            std::string expected = row.error.empty() ? "" : validation(row.error);
            CHECK(error_of([&] { Number::parse(row.input); }) == expected);
        }
    }
}

TEST_CASE("number: exact arithmetic", "[number]") {
    struct Row {
        std::string name, a, op, b, expected;  // expected starting with '!' = error message
    };
    const std::vector<Row> rows = {
        {"0.1 + 0.2", "0.1", "+", "0.2", "0.3"},
        {"0.3 - 0.1", "0.3", "-", "0.1", "0.2"},
        {"cancel to zero", "1", "+", "-1", "0"},
        {"cancel max", kMax, "-", kMax, "0"},
        {"negative result", "-5", "-", "3", "-8"},
        {"subtract negative", "5", "-", "-3", "8"},
        {"fraction minus itself", "1.5", "-", "1.5", "0"},
        {"add zero", "12.5", "+", "0", "12.5"},
        {"zero minus", "0", "-", "12.5", "-12.5"},
        {"carry into 39th digit stays 1 digit", nines(38), "+", "1", "1" + zeros(38)},
        {"big plus tiny needs 39 digits", "1e38", "+", "1", "!" + kTooPrecise},
        {"38 digits plus a tenth", "12345678901234567890123456789012345678", "+", "0.1",
         "!" + kTooPrecise},
        {"big plus tiny far apart", "1e100", "+", "1e-100", "!" + kTooPrecise},
        {"max plus one unit overflows", kMax, "+", "1E88", "!" + kOverflow},
        {"min minus max overflows", "-" + kMax, "-", "1E88", "!" + kOverflow},
        {"difference underflows", "1." + zeros(36) + "1E-130", "-", "1E-130", "!" + kUnderflow},
        {"two min minus min", "2E-130", "-", "1E-130", "0." + zeros(129) + "1"},
        {"exponents align", "1.05e2", "+", "0.0001", "105.0001"},
        {"trailing zeros stripped", "0.25", "+", "0.75", "1"},
    };
    for (const auto& row : rows) {
        DYNAMIC_SECTION(row.name) {
            Number a = Number::parse(row.a), b = Number::parse(row.b);
            std::string got;
            std::string error = error_of([&] { got = (row.op == "+" ? a + b : a - b).to_string(); });
            if (row.expected.front() == '!') {
                CHECK(error == validation(row.expected.substr(1)));
            } else {
                CHECK(error.empty());
                CHECK(got == row.expected);
            }
        }
    }
    SECTION("sum equals parsed literal") {
        CHECK(Number::parse("0.1") + Number::parse("0.2") == Number::parse("0.3"));
    }
}

TEST_CASE("number: comparison", "[number]") {
    struct Row {
        std::string name, a, b;
        int expected;  // sign of a <=> b
    };
    const std::vector<Row> rows = {
        {"equal spellings", "1e3", "1000", 0},
        {"equal zeros", "-0", "0.000", 0},
        {"fraction vs integer", "0.5", "1", -1},
        {"negative vs zero", "-0.0001", "0", -1},
        {"zero vs tiny", "0", "1e-130", -1},
        {"negatives by magnitude", "-2", "-10", 1},
        {"prefix digits", "1", "1.2", -1},
        {"negative prefix digits", "-1", "-1.2", 1},
        {"exponent dominates", "9", "10", -1},
        {"negative exponent dominates", "-9", "-10", 1},
        {"huge vs huge", kMax, "1e125", 1},
        {"tiny negatives", "-1e-130", "-2e-130", 1},
    };
    for (const auto& row : rows) {
        DYNAMIC_SECTION(row.name) {
            Number a = Number::parse(row.a), b = Number::parse(row.b);
            auto c = a <=> b;
            int sign = c < 0 ? -1 : c > 0 ? 1 : 0;
            CHECK(sign == row.expected);
            int key = std::memcmp(a.key_bytes().data(), b.key_bytes().data(),
                                  std::min(a.key_bytes().size(), b.key_bytes().size()));
            if (key == 0) key = a.key_bytes().size() < b.key_bytes().size() ? -1
                                : a.key_bytes().size() > b.key_bytes().size() ? 1 : 0;
            CHECK((key < 0 ? -1 : key > 0 ? 1 : 0) == row.expected);
            CHECK((a == b) == (row.expected == 0));
        }
    }
}

TEST_CASE("number: key_bytes order agrees with numeric order", "[number]") {
    // Ascending; equal values appear as neighbours.
    const std::vector<std::string> ascending = {
        "-" + kMax, "-1E+125", "-12345678901234567890123456789012345678", "-1000", "-999.999",
        "-100", "-12.5", "-12", "-10", "-9.99", "-2", "-1.2", "-1.1", "-1.01", "-1", "-0.5",
        "-0.1", "-0.099", "-0.01", "-2E-130", "-1E-130", "0", "-0", "1E-130",
        "1." + zeros(36) + "1E-130", "2E-130", "0.01", "0.099", "0.1", "0.10", "0.5", "1", "1.01",
        "1.1", "1.2", "2", "9.99", "10", "12", "12.5", "100", "999.999", "1000", "1e3",
        "12345678901234567890123456789012345678", "1E+125", kMax,
    };
    std::vector<std::string> expected;
    for (const auto& s : ascending) expected.push_back(canonical_number(s));

    std::vector<Number> shuffled;
    for (const auto& s : ascending) shuffled.push_back(Number::parse(s));
    std::mt19937 rng(20240601);  // fixed seed: the test is deterministic
    std::shuffle(shuffled.begin(), shuffled.end(), rng);

    auto canon = [](const std::vector<Number>& v) {
        std::vector<std::string> out;
        for (const auto& n : v) out.push_back(n.to_string());
        return out;
    };
    auto bytes_less = [](const Number& a, const Number& b) {
        std::string x = a.key_bytes(), y = b.key_bytes();
        int c = std::memcmp(x.data(), y.data(), std::min(x.size(), y.size()));
        return c < 0 || (c == 0 && x.size() < y.size());
    };

    SECTION("sorting with <=>") {
        auto v = shuffled;
        std::sort(v.begin(), v.end(), [](const Number& a, const Number& b) { return a < b; });
        CHECK(canon(v) == expected);
    }
    SECTION("sorting with key_bytes") {
        auto v = shuffled;
        std::sort(v.begin(), v.end(), bytes_less);
        CHECK(canon(v) == expected);
    }
    SECTION("every pair agrees") {
        std::vector<std::string> mismatches;
        for (const auto& a : shuffled) {
            for (const auto& b : shuffled) {
                bool numeric_less = a < b;
                bool byte_less = bytes_less(a, b);
                bool same_bytes = a.key_bytes() == b.key_bytes();
                if (numeric_less != byte_less || (a == b) != same_bytes) {
                    mismatches.push_back(a.to_string() + " vs " + b.to_string());
                }
            }
        }
        CHECK(mismatches.empty());
    }
}
