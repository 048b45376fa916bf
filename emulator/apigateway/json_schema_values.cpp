// Value-level helpers of the JSON Schema validator (json_schema.cpp): UTF-8
// and code points, exact number comparison, the JSON equality that enum and
// uniqueItems use, ECMAScript patterns that cannot overflow the stack, and the
// `format` checks. Declared in json_schema_detail.hpp; stateless.
#include "apigateway/json_schema_detail.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <map>

namespace lowcloud::apigateway::schema_detail {

static_assert(sizeof(wchar_t) == 4, "patterns are matched over UTF-32 code points");

// ---------------------------------------------------------------- text

std::size_t code_points(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

// UTF-8 to UTF-32; malformed sequences become U+FFFD.
std::wstring widen(std::string_view s) {
    std::wstring out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        std::uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
        bool ok = len != 0 && i + len <= s.size();
        for (std::size_t k = 1; ok && k < len; ++k) {
            unsigned char cc = static_cast<unsigned char>(s[i + k]);
            ok = (cc & 0xC0) == 0x80;
            cp = (cp << 6) | (cc & 0x3F);
        }
        out.push_back(ok ? static_cast<wchar_t>(cp) : L'\xFFFD');
        i += ok ? len : 1;
    }
    return out;
}

std::string pointer_token(const std::string& key) {
    std::string out;
    for (char c : key) {
        if (c == '~') out += "~0";
        else if (c == '/') out += "~1";
        else out.push_back(c);
    }
    return out;
}

std::string abbreviate(std::string s, std::size_t max) {
    if (s.size() > max) s = s.substr(0, max - 3) + "...";
    return s;
}

// ---------------------------------------------------------------- numbers

// nlohmann parses an integer literal beyond 64 bits as a float; JSON Schema
// still calls it an integer. Floats written with a fraction (1.0) are not.
bool is_integer(const json& j) {
    if (j.is_number_integer()) return true;  // signed and unsigned
    if (!j.is_number_float()) return false;
    double d = j.get<double>();
    return std::isfinite(d) && std::floor(d) == d && (d >= 0x1p64 || d <= -0x1p63);
}

long double as_long_double(const json& j) {
    if (j.is_number_unsigned()) return static_cast<long double>(j.get<std::uint64_t>());
    if (j.is_number_integer()) return static_cast<long double>(j.get<std::int64_t>());
    return j.get<double>();
}

// Exact for any mix of int64, uint64 and double where long double has a
// 64-bit mantissa (x86-64, and quad precision on aarch64).
int compare_numbers(const json& a, const json& b) {
    if (a.is_number_integer() && b.is_number_integer()) {
        bool au = a.is_number_unsigned(), bu = b.is_number_unsigned();
        if (!au && !bu) {
            auto x = a.get<std::int64_t>(), y = b.get<std::int64_t>();
            return x < y ? -1 : x > y;
        }
        if (!au && a.get<std::int64_t>() < 0) return -1;
        if (!bu && b.get<std::int64_t>() < 0) return 1;
        auto x = a.get<std::uint64_t>(), y = b.get<std::uint64_t>();
        return x < y ? -1 : x > y;
    }
    long double x = as_long_double(a), y = as_long_double(b);
    return x < y ? -1 : x > y;
}

bool is_multiple_of(const json& value, const json& divisor) {
    if (value.is_number_integer() && divisor.is_number_integer()) {
        auto magnitude = [](const json& j) {
            if (j.is_number_unsigned()) return j.get<std::uint64_t>();
            auto v = j.get<std::int64_t>();
            return v < 0 ? std::uint64_t(0) - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
        };
        return magnitude(value) % magnitude(divisor) == 0;
    }
    long double q = as_long_double(value) / as_long_double(divisor);
    if (!std::isfinite(q)) return false;
    return std::fabs(q - std::round(q)) <= std::max(1e-9L, std::fabs(q) * 1e-12L);
}

// ---------------------------------------------------------------- JSON equality

int type_rank(const json& j) {
    switch (j.type()) {
        case json::value_t::null: return 0;
        case json::value_t::boolean: return 1;
        case json::value_t::number_integer:
        case json::value_t::number_unsigned:
        case json::value_t::number_float: return 2;
        case json::value_t::string: return 3;
        case json::value_t::array: return 4;
        case json::value_t::object: return 5;
        default: return 6;
    }
}

// A total order in which numbers compare by value (1 == 1.0), for enum,
// const and uniqueItems. Throws TooDeep instead of recursing without bound.
int compare_json(const json& a, const json& b, int depth, int max_depth) {
    if (depth > max_depth) throw TooDeep{};
    int ra = type_rank(a), rb = type_rank(b);
    if (ra != rb) return ra < rb ? -1 : 1;
    switch (ra) {
        case 1: return int(a.get<bool>()) - int(b.get<bool>());
        case 2: return compare_numbers(a, b);
        case 3: {
            int c = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
            return c < 0 ? -1 : c > 0;
        }
        case 4: {
            for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
                if (int c = compare_json(a[i], b[i], depth + 1, max_depth)) return c;
            return a.size() < b.size() ? -1 : a.size() > b.size();
        }
        case 5: {
            auto x = a.begin(), y = b.begin();
            for (; x != a.end() && y != b.end(); ++x, ++y) {
                if (int c = x.key().compare(y.key())) return c < 0 ? -1 : 1;
                if (int c = compare_json(x.value(), y.value(), depth + 1, max_depth)) return c;
            }
            return a.size() < b.size() ? -1 : a.size() > b.size();
        }
        default: return 0;
    }
}

// ---------------------------------------------------------------- patterns


Pattern make_pattern(const std::string& source) {  // throws std::regex_error
    Pattern p{source, {}, false};
    std::wstring wide = widen(source);
#ifdef __GLIBCXX__
    // libstdc++'s default matcher recurses once per character (a 100 kB
    // string overflows the stack); __polynomial selects its breadth-first
    // matcher, which refuses back-references.
    try {
        p.regex.assign(wide, std::regex::ECMAScript | std::regex_constants::__polynomial);
        return p;
    } catch (const std::regex_error&) {
    }
#endif
    p.regex.assign(wide, std::regex::ECMAScript);
    p.backtracking = true;
    return p;
}

// nullopt: the string is too long for a back-reference pattern.
std::optional<bool> search(const Pattern& p, std::string_view s) {
    if (p.backtracking && s.size() > backtracking_limit) return std::nullopt;
    return std::regex_search(widen(s), p.regex);
}

// ---------------------------------------------------------------- formats


Format format_named(const std::string& name) {
    static const std::map<std::string, Format, std::less<>> formats = {
        {"int32", Format::int32},   {"int64", Format::int64}, {"date-time", Format::date_time},
        {"date", Format::date},     {"email", Format::email}, {"uuid", Format::uuid},
        {"ipv4", Format::ipv4},     {"ipv6", Format::ipv6},   {"hostname", Format::hostname},
        {"uri", Format::uri},       {"regex", Format::regex},
    };
    auto it = formats.find(name);
    return it == formats.end() ? Format::none : it->second;
}

namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

// YYYY-MM-DD at the start of s, with a real day of that month.
bool full_date(std::string_view s) {
    int y, m, d;
    if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, m) || s[7] != '-' ||
        !digits(s, 8, 2, d))
        return false;
    static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m >= 1 && m <= 12 && d >= 1 && d <= days[m - 1] + (m == 2 && leap);
}

// RFC 3339 date-time; T and Z in either case; a leap second (60) allowed.
bool date_time(std::string_view s) {
    int h, m, sec;
    if (!full_date(s) || s.size() < 20 || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, h) || s[13] != ':' ||
        !digits(s, 14, 2, m) || s[16] != ':' || !digits(s, 17, 2, sec) || h > 23 || m > 59 || sec > 60)
        return false;
    std::size_t i = 19;
    if (s[i] == '.') {
        std::size_t start = ++i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
        if (i == start) return false;
    }
    if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) return i + 1 == s.size();
    int oh, om;
    return i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && digits(s, i + 1, 2, oh) && s[i + 3] == ':' &&
           digits(s, i + 4, 2, om) && oh <= 23 && om <= 59;
}

bool email(std::string_view s) {
    auto at = s.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == s.size()) return false;
    return std::none_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) <= ' '; });
}

bool uuid(std::string_view s) {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
    }
    return true;
}

bool ip_address(int family, const std::string& s) {
    unsigned char buffer[16];
    return inet_pton(family, s.c_str(), buffer) == 1;
}

// RFC 1123 host name.
bool hostname(std::string_view s) {
    if (s.empty() || s.size() > 253) return false;
    std::size_t start = 0;
    while (true) {
        auto end = s.find('.', start);
        auto label = s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
        for (char c : label)
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
        if (end == std::string_view::npos) return true;
        start = end + 1;
    }
}

// An absolute URI (scheme ":" ...) made of RFC 3986 characters.
bool uri(std::string_view s) {
    auto colon = s.find(':');
    if (colon == std::string_view::npos || colon == 0 || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
    for (std::size_t i = 1; i < colon; ++i)
        if (!std::isalnum(static_cast<unsigned char>(s[i])) && s[i] != '+' && s[i] != '-' && s[i] != '.') return false;
    static constexpr std::string_view allowed = "-._~:/?#[]@!$&'()*+,;=";
    for (std::size_t i = colon + 1; i < s.size(); ++i) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
                !std::isxdigit(static_cast<unsigned char>(s[i + 2])))
                return false;
            i += 2;
        } else if (!std::isalnum(static_cast<unsigned char>(c)) && allowed.find(c) == std::string_view::npos) {
            return false;
        }
    }
    return true;
}

bool regex(const std::string& s) {
    try {
        std::wregex(widen(s), std::regex::ECMAScript);
        return true;
    } catch (const std::regex_error&) {
        return false;
    }
}

}  // namespace

// Whether `value` satisfies `format`; formats only constrain their own type.
bool format_holds(Format format, const json& value) {
    if (format == Format::int32 || format == Format::int64) {
        if (!value.is_number()) return true;
        if (!is_integer(value) || value.is_number_float()) return false;
        if (value.is_number_unsigned())
            return value.get<std::uint64_t>() <=
                   std::uint64_t(format == Format::int32 ? INT32_MAX : INT64_MAX);
        auto v = value.get<std::int64_t>();
        return format == Format::int64 || (v >= INT32_MIN && v <= INT32_MAX);
    }
    if (!value.is_string()) return true;
    const auto& s = value.get_ref<const std::string&>();
    switch (format) {
        case Format::date_time: return date_time(s);
        case Format::date: return s.size() == 10 && full_date(s);
        case Format::email: return email(s);
        case Format::uuid: return uuid(s);
        case Format::ipv4: return ip_address(AF_INET, s);
        case Format::ipv6: return ip_address(AF_INET6, s);
        case Format::hostname: return hostname(s);
        case Format::uri: return uri(s);
        case Format::regex: return regex(s);
        default: return true;
    }
}

const char* format_name(Format format) {
    switch (format) {
        case Format::int32: return "int32";
        case Format::int64: return "int64";
        case Format::date_time: return "date-time";
        case Format::date: return "date";
        case Format::email: return "email";
        case Format::uuid: return "uuid";
        case Format::ipv4: return "ipv4";
        case Format::ipv6: return "ipv6";
        case Format::hostname: return "hostname";
        case Format::uri: return "uri";
        case Format::regex: return "regex";
        default: return "";
    }
}

// ---------------------------------------------------------------- types


unsigned type_bits(const json& j) {
    switch (j.type()) {
        case json::value_t::null: return t_null;
        case json::value_t::boolean: return t_boolean;
        case json::value_t::object: return t_object;
        case json::value_t::array: return t_array;
        case json::value_t::string: return t_string;
        case json::value_t::number_integer:
        case json::value_t::number_unsigned:
        case json::value_t::number_float: return t_number | (is_integer(j) ? t_integer : 0u);
        default: return 0;
    }
}

std::string describe_types(unsigned bits) {
    std::vector<std::string> names;
    for (unsigned i = 0; i < 7; ++i)
        if (bits & (1u << i)) names.emplace_back(type_names[i]);
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i)
        out += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
    return out;
}

}  // namespace lowcloud::apigateway::schema_detail
