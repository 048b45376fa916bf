// Exact decimal numbers with DynamoDB's rules: at most 38 significant
// digits, magnitude between 1E-130 and 9.99...E+125, canonical text form
// (plain decimal, no exponent, no '+', no leading or trailing zeros, -0 -> 0),
// exact addition and subtraction, numeric ordering, and an order-preserving
// byte encoding for keys. Built on Boost.Multiprecision's cpp_int: a value is
// coefficient x 10^exponent, so there is no binary floating point anywhere.
// Values are immutable and thread-compatible.
#pragma once

#include <boost/multiprecision/cpp_int.hpp>

#include <compare>
#include <string>
#include <string_view>

namespace lowcloud::dynamodb {

class Number {
public:
    Number() = default;  // zero

    // Parses DynamoDB's accepted number syntax ("1", "-1.50", ".5", "1e3",
    // "1E-3", "+2"). Throws ApiError(ValidationException) with DynamoDB's
    // messages for syntax, > 38 significant digits, overflow and underflow.
    static Number parse(std::string_view text);

    // Canonical text: "1000", "0.5", "-12.345", "0".
    std::string to_string() const;

    // Exact; throws ApiError(ValidationException) when the result is out of
    // DynamoDB's range or needs more than 38 significant digits.
    Number operator+(const Number& o) const;
    Number operator-(const Number& o) const;

    std::strong_ordering operator<=>(const Number& o) const;
    bool operator==(const Number& o) const { return (*this <=> o) == 0; }

    // Bytes whose unsigned lexicographic (memcmp) order equals numeric order.
    std::string key_bytes() const;

private:
    boost::multiprecision::cpp_int coefficient_;  // no trailing zeros, 0 iff value 0
    int exponent_ = 0;
};

// Canonicalize a wire number string (parse + to_string).
std::string canonical_number(std::string_view text);

}  // namespace lowcloud::dynamodb
