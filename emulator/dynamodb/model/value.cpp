// DynamoDB attribute values: factories, equality, the DynamoDB JSON codec and
// DynamoDB's item-size arithmetic.
//
// Decoding mirrors how DynamoDB processes a request: deserialization problems
// (a member of the wrong JSON type, bad base64) are SerializationExceptions
// and win over everything else, so they are thrown at once; validation
// problems (empty or multiple types, bad numbers, bad sets, nesting) are
// ValidationExceptions, and the first one met is reported after the whole
// value has been read. Unknown members and JSON nulls inside an
// AttributeValue are ignored, as DynamoDB's deserializer ignores them.
// The messages are DynamoDB's own, typos included (value_tests.cpp pins
// them).
#include "model/value.hpp"

#include "dynamodb/error.hpp"
#include "model/number.hpp"
#include "common/encoding.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

namespace lowcloud::dynamodb {

using nlohmann::json;

std::string_view type_name(Type t) {
    switch (t) {
        case Type::S: return "S";
        case Type::N: return "N";
        case Type::B: return "B";
        case Type::BOOL: return "BOOL";
        case Type::NUL: return "NULL";
        case Type::M: return "M";
        case Type::L: return "L";
        case Type::SS: return "SS";
        case Type::NS: return "NS";
        case Type::BS: return "BS";
    }
    return "";
}

// ---- factories ------------------------------------------------------------

AttributeValue AttributeValue::string(std::string s) {
    AttributeValue v;
    v.type = Type::S;
    v.scalar = std::move(s);
    return v;
}

AttributeValue AttributeValue::number(std::string canonical) {
    AttributeValue v;
    v.type = Type::N;
    v.scalar = std::move(canonical);
    return v;
}

AttributeValue AttributeValue::binary(std::string bytes) {
    AttributeValue v;
    v.type = Type::B;
    v.scalar = std::move(bytes);
    return v;
}

AttributeValue AttributeValue::boolean_value(bool b) {
    AttributeValue v;
    v.type = Type::BOOL;
    v.boolean = b;
    return v;
}

AttributeValue AttributeValue::null() {
    AttributeValue v;
    v.type = Type::NUL;
    return v;
}

AttributeValue AttributeValue::make_list(List l) {
    AttributeValue v;
    v.type = Type::L;
    v.list = std::move(l);
    return v;
}

AttributeValue AttributeValue::make_map(Item m) {
    AttributeValue v;
    v.type = Type::M;
    v.map = std::move(m);
    return v;
}

AttributeValue AttributeValue::make_set(Type set_type, std::vector<std::string> elements) {
    AttributeValue v;
    v.type = set_type;
    v.set = std::move(elements);
    return v;
}

bool operator==(const AttributeValue& a, const AttributeValue& b) {
    if (a.type != b.type) return false;
    switch (a.type) {
        case Type::S:
        case Type::N:
        case Type::B: return a.scalar == b.scalar;
        case Type::BOOL: return a.boolean == b.boolean;
        case Type::NUL: return true;
        case Type::L: return a.list == b.list;
        case Type::M: return a.map == b.map;
        case Type::SS:
        case Type::NS:
        case Type::BS: {
            if (a.set.size() != b.set.size()) return false;
            std::vector<std::string_view> x(a.set.begin(), a.set.end());
            std::vector<std::string_view> y(b.set.begin(), b.set.end());
            std::sort(x.begin(), x.end());
            std::sort(y.begin(), y.end());
            return x == y;
        }
    }
    return false;
}

namespace {

// ---- messages -------------------------------------------------------------

constexpr int kMaxNestingLevel = 32;  // the attribute value itself is level 1

constexpr const char* kEmpty =
    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
constexpr const char* kMultiple =
    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
    "supported datatypes";
constexpr const char* kInvalid = "One or more parameter values were invalid: ";
constexpr const char* kNullFalse = "Null attribute value types must have the value of true";
constexpr const char* kNesting =
    "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels "
    "beyond supported limit";
constexpr const char* kMapWhereNotExpected = "Start of structure or map found where not expected.";
constexpr const char* kListWhereNotExpected = "Start of list found where not expected";

// The deserializer's name for a JSON scalar token, as in
// "NUMBER_VALUE cannot be converted to String".
std::string token_name(const json& j) {
    if (j.is_string()) return "STRING_VALUE";
    if (j.is_boolean()) return j.get<bool>() ? "TRUE_VALUE" : "FALSE_VALUE";
    return "NUMBER_VALUE";
}

// ---- shape checks (SerializationException) --------------------------------

const std::string& expect_string(const json& j) {
    if (j.is_string()) return j.get_ref<const std::string&>();
    if (j.is_object()) throw serialization_error(kMapWhereNotExpected);
    if (j.is_array()) throw serialization_error(kListWhereNotExpected);
    throw serialization_error(token_name(j) + " cannot be converted to String");
}

bool expect_bool(const json& j) {
    if (j.is_boolean()) return j.get<bool>();
    if (j.is_object()) throw serialization_error(kMapWhereNotExpected);
    if (j.is_array()) throw serialization_error(kListWhereNotExpected);
    throw serialization_error(token_name(j) + " cannot be converted to Boolean");
}

void expect_list(const json& j) {
    if (j.is_array()) return;
    if (j.is_object()) throw serialization_error(kMapWhereNotExpected);
    throw serialization_error("Expected list or null");
}

void expect_map(const json& j) {
    if (j.is_object()) return;
    if (j.is_array()) throw serialization_error(kListWhereNotExpected);
    throw serialization_error("Expected map or null");
}

// An AttributeValue is a structure on the wire.
void expect_structure(const json& j) {
    if (j.is_object()) return;
    if (j.is_array()) throw serialization_error(kListWhereNotExpected);
    throw serialization_error("Expected null");
}

// ---- base64 ---------------------------------------------------------------

int base64_digit(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// The whole UTF-8 character starting at text[i] (one byte if malformed).
std::string character_at(const std::string& text, std::size_t i) {
    auto lead = static_cast<unsigned char>(text[i]);
    std::size_t len = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return text.substr(i, len);
}

// Strict standard base64 (RFC 4648, padded, canonical final bits), decoded
// with OpenSSL. Checks and messages in DynamoDB's order.
std::string decode_base64(const json& j) {
    if (j.is_object()) throw serialization_error(kMapWhereNotExpected);
    if (j.is_array()) throw serialization_error(kListWhereNotExpected);
    if (!j.is_string()) throw serialization_error(token_name(j) + " cannot be converted to Blob");
    const std::string& text = j.get_ref<const std::string&>();
    auto fail = [&text](const std::string& detail) {
        return serialization_error("'" + text + "' can not be converted to a Blob: " + detail);
    };
    const std::size_t n = text.size();
    if (n % 4 != 0) {
        throw fail("Base64 encoded length is expected a multiple of 4 bytes but found: " +
                   std::to_string(n));
    }
    for (std::size_t i = 0; i < n; ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        bool pad_then_data = c == '=' && i + 1 < n && text[i + 1] != '=';
        if ((c != '=' && base64_digit(c) < 0) || pad_then_data) {
            throw fail("Invalid Base64 character: '" + character_at(text, i) + "'");
        }
    }
    std::size_t data_end = text.find_last_not_of('=');
    std::size_t pad = n - (data_end == std::string::npos ? 0 : data_end + 1);
    constexpr const char* kLastChar = "Invalid last non-pad Base64 character dectected";  // sic
    if (pad > 2) throw fail(kLastChar);
    if (pad > 0) {
        int last = base64_digit(static_cast<unsigned char>(text[n - pad - 1]));
        int unused_bits_mask = pad == 1 ? 0x3 : 0xF;
        if ((last & unused_bits_mask) != 0) throw fail(kLastChar);
    }
    if (n == 0) return {};
    std::string out(n / 4 * 3, '\0');
    int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()),
                                  static_cast<int>(n));
    if (written < 0) throw fail(kLastChar);  // unreachable after the checks above
    out.resize(static_cast<std::size_t>(written) - pad);
    return out;
}

// ---- decoding -------------------------------------------------------------

bool type_from_key(const std::string& key, Type& out) {
    static constexpr std::pair<std::string_view, Type> kTypes[] = {
        {"S", Type::S},   {"N", Type::N},       {"B", Type::B},   {"BOOL", Type::BOOL},
        {"NULL", Type::NUL}, {"M", Type::M},    {"L", Type::L},   {"SS", Type::SS},
        {"NS", Type::NS}, {"BS", Type::BS},
    };
    for (const auto& [name, type] : kTypes) {
        if (key == name) {
            out = type;
            return true;
        }
    }
    return false;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i) out += sep;
        out += parts[i];
    }
    return out;
}

bool has_duplicates(const std::vector<std::string>& values) {
    std::set<std::string_view> seen;
    for (const auto& v : values) {
        if (!seen.insert(v).second) return true;
    }
    return false;
}

// One decoding pass over a request fragment. Serialization errors are thrown
// immediately; the first validation error is remembered and thrown by
// finish() once the whole fragment has been read.
class Decoder {
public:
    AttributeValue value(const json& j, int level) {
        if (j.is_null()) {
            fail(kEmpty);
            return {};
        }
        expect_structure(j);
        if (level > kMaxNestingLevel) {
            fail(kNesting);
            return {};
        }
        AttributeValue out;
        int present = 0;
        for (const auto& [key, member] : j.items()) {
            Type t;
            if (member.is_null() || !type_from_key(key, t)) continue;
            AttributeValue v = typed(t, member, level);
            if (++present == 1) out = std::move(v);
        }
        if (present == 0) fail(kEmpty);
        if (present > 1) fail(kMultiple);
        return out;
    }

    void finish() const {
        if (first_error_) throw validation_error(*first_error_);
    }

private:
    void fail(std::string message) {
        if (!first_error_) first_error_ = std::move(message);
    }

    // A number in canonical form, or "0" after recording why it is invalid.
    std::string number(const std::string& text) {
        try {
            return canonical_number(text);
        } catch (const ApiError& e) {
            fail(e.what());
            return "0";
        }
    }

    AttributeValue typed(Type t, const json& member, int level) {
        switch (t) {
            case Type::S: return AttributeValue::string(expect_string(member));
            case Type::N: return AttributeValue::number(number(expect_string(member)));
            case Type::B: return AttributeValue::binary(decode_base64(member));
            case Type::BOOL: return AttributeValue::boolean_value(expect_bool(member));
            case Type::NUL:
                if (!expect_bool(member)) fail(std::string(kInvalid) + kNullFalse);
                return AttributeValue::null();
            case Type::L: {
                expect_list(member);
                List list;
                list.reserve(member.size());
                for (const auto& e : member) list.push_back(value(e, level + 1));
                return AttributeValue::make_list(std::move(list));
            }
            case Type::M: {
                expect_map(member);
                Item map;
                for (const auto& [name, e] : member.items()) map.emplace(name, value(e, level + 1));
                return AttributeValue::make_map(std::move(map));
            }
            case Type::SS: return string_set(member);
            case Type::NS: return number_set(member);
            case Type::BS: return binary_set(member);
        }
        return {};
    }

    AttributeValue string_set(const json& member) {
        expect_list(member);
        std::vector<std::string> elements;
        for (const auto& e : member) {
            if (e.is_null()) {
                fail(std::string(kInvalid) + "An string set may not have a null string as a member");
                continue;
            }
            elements.push_back(expect_string(e));
        }
        if (member.empty()) {
            fail(std::string(kInvalid) + "An string set  may not be empty");  // sic: two spaces
        } else if (has_duplicates(elements)) {
            fail(std::string(kInvalid) + "Input collection [" + join(elements, ", ") +
                 "] contains duplicates.");
        }
        return AttributeValue::make_set(Type::SS, std::move(elements));
    }

    AttributeValue number_set(const json& member) {
        expect_list(member);
        std::vector<std::string> elements;
        for (const auto& e : member) {
            if (e.is_null()) {
                fail("The parameter cannot be converted to a numeric value");
                continue;
            }
            elements.push_back(number(expect_string(e)));
        }
        if (member.empty()) {
            fail(std::string(kInvalid) + "An number set  may not be empty");  // sic
        } else if (has_duplicates(elements)) {
            // Canonical forms, so "1" and "1.0" are duplicates. DynamoDB's
            // message for NS carries neither prefix nor collection.
            fail("Input collection contains duplicates");
        }
        return AttributeValue::make_set(Type::NS, std::move(elements));
    }

    AttributeValue binary_set(const json& member) {
        expect_list(member);
        std::vector<std::string> elements;
        std::vector<std::string> wire;  // base64 as sent, for the message
        for (const auto& e : member) {
            if (e.is_null()) {
                fail(std::string(kInvalid) + "Binary sets may not contain null or empty values");
                continue;
            }
            elements.push_back(decode_base64(e));
            wire.push_back(e.get<std::string>());
        }
        if (member.empty()) {
            fail(std::string(kInvalid) + "Binary sets should not be empty");
        } else if (has_duplicates(elements)) {
            // sic: no space before "of type BS".
            fail(std::string(kInvalid) + "Input collection [" + join(wire, ", ") +
                 "]of type BS contains duplicates.");
        }
        return AttributeValue::make_set(Type::BS, std::move(elements));
    }

    std::optional<std::string> first_error_;
};

// DynamoDB's stored size of a number given in canonical form: one exponent
// byte, one byte per base-100 digit pair (pairs aligned on the decimal
// point), and one terminator byte for negatives; zero takes one byte. This
// is the exact form of the developer guide's "1 byte per two significant
// digits + 1 byte" (as measured by dynalite against the real service).
std::size_t number_size(std::string_view canonical) {
    bool negative = !canonical.empty() && canonical.front() == '-';
    if (negative) canonical.remove_prefix(1);
    if (canonical == "0" || canonical.empty()) return 1;
    std::size_t dot = canonical.find('.');
    std::string_view int_part = canonical.substr(0, dot);
    std::string_view frac_part = dot == std::string_view::npos ? "" : canonical.substr(dot + 1);
    long msd;            // exponent of the most significant digit
    std::size_t digits;  // significant digits
    if (int_part != "0") {
        msd = static_cast<long>(int_part.size()) - 1;
        digits = frac_part.empty() ? int_part.find_last_not_of('0') + 1
                                   : int_part.size() + frac_part.size();
    } else {
        std::size_t zeros = frac_part.find_first_not_of('0');
        msd = -static_cast<long>(zeros) - 1;
        digits = frac_part.size() - zeros;
    }
    std::size_t pairs = (digits + 1) / 2;
    // An even digit count starting on the low half of a pair spills into
    // one more pair.
    if (digits % 2 == 0 && msd % 2 == 0) ++pairs;
    return 1 + pairs + (negative ? 1 : 0);
}

}  // namespace

AttributeValue parse_value(const json& j) {
    Decoder decoder;
    AttributeValue v = decoder.value(j, 1);
    decoder.finish();
    return v;
}

std::string attribute_name_problem(std::string_view name) {
    if (name.size() <= kMaxAttributeNameBytes) return {};
    return "Attribute name is too large, must be less than " + std::to_string(kMaxAttributeNameBytes + 1) + " bytes";
}

void check_attribute_name(std::string_view name) {
    if (auto problem = attribute_name_problem(name); !problem.empty()) throw validation_error(problem);
}

Item parse_item(const json& j) {
    Item item;
    if (j.is_null()) return item;
    expect_map(j);
    Decoder decoder;
    for (const auto& [name, v] : j.items()) {
        check_attribute_name(name);
        item.emplace(name, decoder.value(v, 1));
    }
    decoder.finish();
    return item;
}

json to_json(const AttributeValue& v) {
    switch (v.type) {
        case Type::S: return {{"S", v.scalar}};
        case Type::N: return {{"N", v.scalar}};
        case Type::B: return {{"B", base64_encode(v.scalar)}};
        case Type::BOOL: return {{"BOOL", v.boolean}};
        case Type::NUL: return {{"NULL", true}};
        case Type::L: {
            json list = json::array();
            for (const auto& e : v.list) list.push_back(to_json(e));
            return {{"L", std::move(list)}};
        }
        case Type::M: return {{"M", to_json(v.map)}};
        case Type::SS:
        case Type::NS: return {{std::string(type_name(v.type)), v.set}};
        case Type::BS: {
            json set = json::array();
            for (const auto& e : v.set) set.push_back(base64_encode(e));
            return {{"BS", std::move(set)}};
        }
    }
    return json::object();
}

json to_json(const Item& item) {
    json out = json::object();
    for (const auto& [name, v] : item) out[name] = to_json(v);
    return out;
}

namespace {

void append_item_text(std::string& out, const Item& item);

void append_strings(std::string& out, const std::vector<std::string>& values, bool base64) {
    out += '[';
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) out += ',';
        append_json_string(out, base64 ? base64_encode(values[i]) : values[i]);
    }
    out += ']';
}

void append_value_text(std::string& out, const AttributeValue& v) {
    out += "{\"";
    out += type_name(v.type);
    out += "\":";
    switch (v.type) {
        case Type::S:
        case Type::N: append_json_string(out, v.scalar); break;
        case Type::B: append_json_string(out, base64_encode(v.scalar)); break;
        case Type::BOOL: out += v.boolean ? "true" : "false"; break;
        case Type::NUL: out += "true"; break;
        case Type::L:
            out += '[';
            for (std::size_t i = 0; i < v.list.size(); ++i) {
                if (i) out += ',';
                append_value_text(out, v.list[i]);
            }
            out += ']';
            break;
        case Type::M: append_item_text(out, v.map); break;
        case Type::SS:
        case Type::NS: append_strings(out, v.set, false); break;
        case Type::BS: append_strings(out, v.set, true); break;
    }
    out += '}';
}

void append_item_text(std::string& out, const Item& item) {
    out += '{';
    bool first = true;
    for (const auto& [name, v] : item) {
        if (!first) out += ',';
        first = false;
        append_json_string(out, name);
        out += ':';
        append_value_text(out, v);
    }
    out += '}';
}

}  // namespace

std::string to_json_text(const Item& item) {
    std::string out;
    out.reserve(256);
    append_item_text(out, item);
    return out;
}

std::size_t value_size(const AttributeValue& v) {
    switch (v.type) {
        case Type::S:
        case Type::B: return v.scalar.size();
        case Type::N: return number_size(v.scalar);
        case Type::BOOL:
        case Type::NUL: return 1;
        case Type::L: {
            std::size_t size = 3;
            for (const auto& e : v.list) size += 1 + value_size(e);
            return size;
        }
        case Type::M: {
            std::size_t size = 3;
            for (const auto& [name, e] : v.map) size += 1 + name.size() + value_size(e);
            return size;
        }
        case Type::SS:
        case Type::BS: {
            std::size_t size = 0;
            for (const auto& e : v.set) size += e.size();
            return size;
        }
        case Type::NS: {
            std::size_t size = 0;
            for (const auto& e : v.set) size += number_size(e);
            return size;
        }
    }
    return 0;
}

std::size_t item_size(const Item& item) {
    std::size_t size = 0;
    for (const auto& [name, v] : item) size += name.size() + value_size(v);
    return size;
}

}  // namespace lowcloud::dynamodb
