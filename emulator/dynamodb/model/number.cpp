// Exact decimal numbers for DynamoDB's N type: parsing with DynamoDB's syntax
// and limits, canonical text, exact addition/subtraction, numeric ordering and
// an order-preserving key encoding. A value is coefficient x 10^exponent with
// the coefficient's trailing zeros stripped, so equal numbers have exactly one
// representation and equality is member-wise. The error texts are the ones
// real DynamoDB answers (checked against dynalite's test suite, which was run
// against the real service, and later captures).
#include "model/number.hpp"

#include "dynamodb/error.hpp"

#include <cstdint>
#include <string>

namespace lowcloud::dynamodb {

namespace {

using boost::multiprecision::cpp_int;

constexpr std::int64_t kMaxDigits = 38;
// Exponent (power of ten) of the most significant digit: 1E-130 .. 9.99E+125.
constexpr std::int64_t kMaxMsdExponent = 125;
constexpr std::int64_t kMinMsdExponent = -130;
// Java's BigDecimal (whose grammar DynamoDB accepts) rejects exponents that
// do not fit an int; so do we.
constexpr std::int64_t kMaxExponentText = 2147483647;
constexpr std::int64_t kMinExponentText = -2147483648LL;

constexpr const char* kOverflow =
    "Number overflow. Attempting to store a number with magnitude larger than supported range";
constexpr const char* kUnderflow =
    "Number underflow. Attempting to store a number with magnitude smaller than supported range";
constexpr const char* kTooPrecise = "Attempting to store more than 38 significant digits in a Number";
constexpr const char* kNotNumeric = "The parameter cannot be converted to a numeric value";

ApiError syntax_error(std::string_view text) {
    // DynamoDB echoes the offending text, except for an empty string.
    if (text.empty()) return validation_error(kNotNumeric);
    return validation_error(std::string(kNotNumeric) + ": " + std::string(text));
}

// Checks DynamoDB's range and precision for a nonzero number whose most
// significant digit has exponent `msd` and that has `digits` significant
// digits. The order (overflow, underflow, precision) is DynamoDB's.
void check_limits(std::int64_t msd, std::int64_t digits) {
    if (msd > kMaxMsdExponent) throw validation_error(kOverflow);
    if (msd < kMinMsdExponent) throw validation_error(kUnderflow);
    if (digits > kMaxDigits) throw validation_error(kTooPrecise);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

cpp_int pow10(std::int64_t k) {
    return boost::multiprecision::pow(cpp_int(10), static_cast<unsigned>(k));
}

// Decimal digits of |c| (no sign).
std::string magnitude_digits(const cpp_int& c) {
    cpp_int magnitude = abs(c);
    return magnitude.str();
}

// A coefficient/exponent pair brought to canonical form (no trailing zeros,
// zero as 0 x 10^0) and checked against DynamoDB's limits.
struct Parts {
    cpp_int coefficient;
    std::int64_t exponent = 0;
};

Parts normalized(cpp_int coefficient, std::int64_t exponent) {
    if (coefficient == 0) return {};
    cpp_int quotient, remainder;
    for (;;) {
        divide_qr(coefficient, cpp_int(10), quotient, remainder);
        if (remainder != 0) break;
        coefficient = quotient;
        ++exponent;
    }
    auto digits = static_cast<std::int64_t>(magnitude_digits(coefficient).size());
    check_limits(exponent + digits - 1, digits);
    return {std::move(coefficient), exponent};
}

// Both coefficients scaled to the smaller of the two exponents.
struct Aligned {
    cpp_int a, b;
    std::int64_t exponent;
};

Aligned align(const cpp_int& ca, std::int64_t ea, const cpp_int& cb, std::int64_t eb) {
    std::int64_t e = ea < eb ? ea : eb;
    return {ca * pow10(ea - e), cb * pow10(eb - e), e};
}

}  // namespace

Number Number::parse(std::string_view text) {
    // Grammar (Java BigDecimal's, which is what DynamoDB accepts):
    //   [+-] ( digits [ '.' [digits] ] | '.' digits ) [ (e|E) [+-] digits ]
    // No whitespace, no "NaN"/"Infinity", no hex.
    const std::size_t n = text.size();
    std::size_t i = 0;
    bool negative = false;
    if (i < n && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';

    std::string digits;  // integer and fraction digits, in order
    std::size_t int_begin = i;
    while (i < n && is_digit(text[i])) ++i;
    digits.append(text.substr(int_begin, i - int_begin));
    std::int64_t fraction_len = 0;
    if (i < n && text[i] == '.') {
        std::size_t frac_begin = ++i;
        while (i < n && is_digit(text[i])) ++i;
        fraction_len = static_cast<std::int64_t>(i - frac_begin);
        digits.append(text.substr(frac_begin, i - frac_begin));
    }
    if (digits.empty()) throw syntax_error(text);

    std::int64_t exponent_text = 0;
    if (i < n && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        bool exp_negative = false;
        if (i < n && (text[i] == '+' || text[i] == '-')) exp_negative = text[i++] == '-';
        if (i == n || !is_digit(text[i])) throw syntax_error(text);
        while (i < n && text[i] == '0') ++i;
        std::size_t significant = 0;
        for (; i < n && is_digit(text[i]); ++i) {
            if (++significant > 10) throw syntax_error(text);
            exponent_text = exponent_text * 10 + (text[i] - '0');
        }
        if (exp_negative) exponent_text = -exponent_text;
        if (exponent_text > kMaxExponentText || exponent_text < kMinExponentText) {
            throw syntax_error(text);
        }
    }
    if (i != n) throw syntax_error(text);

    std::size_t first = digits.find_first_not_of('0');
    if (first == std::string::npos) return Number{};  // any spelling of zero
    std::size_t last = digits.find_last_not_of('0');
    auto significant = static_cast<std::int64_t>(last - first + 1);
    // Exponent of the least significant nonzero digit.
    std::int64_t lsd = exponent_text - fraction_len +
                       static_cast<std::int64_t>(digits.size() - 1 - last);
    check_limits(lsd + significant - 1, significant);

    Number out;
    out.coefficient_ = cpp_int(digits.substr(first, last - first + 1));
    if (negative) out.coefficient_ = -out.coefficient_;
    out.exponent_ = static_cast<int>(lsd);
    return out;
}

std::string Number::to_string() const {
    if (coefficient_ == 0) return "0";
    std::string digits = magnitude_digits(coefficient_);
    std::string out = coefficient_ < 0 ? "-" : "";
    if (exponent_ >= 0) {
        out += digits;
        out.append(static_cast<std::size_t>(exponent_), '0');
        return out;
    }
    auto point = static_cast<std::int64_t>(digits.size()) + exponent_;  // digits before '.'
    if (point > 0) {
        digits.insert(static_cast<std::size_t>(point), 1, '.');
        out += digits;
    } else {
        out += "0.";
        out.append(static_cast<std::size_t>(-point), '0');
        out += digits;
    }
    return out;
}

Number Number::operator+(const Number& o) const {
    if (o.coefficient_ == 0) return *this;
    if (coefficient_ == 0) return o;
    Aligned al = align(coefficient_, exponent_, o.coefficient_, o.exponent_);
    Parts p = normalized(al.a + al.b, al.exponent);
    Number out;
    out.coefficient_ = std::move(p.coefficient);
    out.exponent_ = static_cast<int>(p.exponent);
    return out;
}

Number Number::operator-(const Number& o) const {
    Number negated = o;
    negated.coefficient_ = -negated.coefficient_;
    return *this + negated;
}

std::strong_ordering Number::operator<=>(const Number& o) const {
    int sa = coefficient_.sign(), sb = o.coefficient_.sign();
    if (sa != sb) return sa <=> sb;
    if (sa == 0) return std::strong_ordering::equal;
    Aligned al = align(coefficient_, exponent_, o.coefficient_, o.exponent_);
    int c = al.a.compare(al.b);
    return c <=> 0;
}

std::string Number::key_bytes() const {
    // Layout: class byte (0x01 negative, 0x02 zero, 0x03 positive), then for
    // nonzero values: the most significant digit's exponent biased by 0x8000
    // as two big-endian bytes, each significant digit d as byte d+1, and a
    // 0x00 terminator. Larger exponent means larger magnitude; equal
    // exponents compare digit by digit, and the terminator (lower than any
    // digit byte) makes a shorter digit string sort first. For negatives the
    // body is complemented so that larger magnitudes sort first; the
    // terminator then sorts last, which keeps prefixes correct.
    if (coefficient_ == 0) return std::string(1, '\x02');
    bool negative = coefficient_ < 0;
    std::string digits = magnitude_digits(coefficient_);
    std::int64_t msd = exponent_ + static_cast<std::int64_t>(digits.size()) - 1;
    auto biased = static_cast<std::uint16_t>(msd + 0x8000);

    std::string out;
    out.reserve(digits.size() + 4);
    out.push_back(negative ? '\x01' : '\x03');
    std::string body;
    body.push_back(static_cast<char>(biased >> 8));
    body.push_back(static_cast<char>(biased & 0xFF));
    for (char d : digits) body.push_back(static_cast<char>(d - '0' + 1));
    body.push_back('\x00');
    if (negative) {
        for (char& b : body) b = static_cast<char>(0xFF - static_cast<unsigned char>(b));
    }
    return out + body;
}

std::string canonical_number(std::string_view text) { return Number::parse(text).to_string(); }

}  // namespace lowcloud::dynamodb
