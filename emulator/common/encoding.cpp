// Percent-decoding and base64 (see encoding.hpp).
#include "common/encoding.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstdint>

namespace lowcloud {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

namespace {

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}
}  // namespace

std::string percent_decode(std::string_view s, bool plus_is_space) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '%' && i + 2 < s.size()) {
            int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out += static_cast<char>(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        out += (plus_is_space && c == '+') ? ' ' : c;
    }
    return out;
}

std::string base64_encode(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(bytes.data()),
                            static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::string query_parameter(std::string_view query, std::string_view name) {
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        auto eq = pair.find('=');
        if (percent_decode(pair.substr(0, eq), true) == name) return eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1), true);
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return {};
}

std::optional<std::string> base64_decode(std::string_view text) {
    // A table and whole quanta: deployment packages are tens of MB of base64.
    static const auto table = [] {
        std::array<std::int8_t, 256> t{};
        t.fill(-1);
        for (int c = 0; c < 256; ++c) t[static_cast<std::size_t>(c)] = static_cast<std::int8_t>(base64_value(static_cast<char>(c)));
        return t;
    }();
    while (!text.empty() && text.back() == '=') text.remove_suffix(1);
    if (text.size() % 4 == 1) return std::nullopt;
    std::string out(text.size() / 4 * 3 + (text.size() % 4 ? text.size() % 4 - 1 : 0), '\0');
    auto value = [&](char c) { return table[static_cast<unsigned char>(c)]; };
    std::size_t i = 0, o = 0, whole = text.size() / 4 * 4;
    for (; i < whole; i += 4) {
        int a = value(text[i]), b = value(text[i + 1]), c = value(text[i + 2]), d = value(text[i + 3]);
        if ((a | b | c | d) < 0) return std::nullopt;
        std::uint32_t q = (static_cast<std::uint32_t>(a) << 18) | (static_cast<std::uint32_t>(b) << 12) | (static_cast<std::uint32_t>(c) << 6) |
                          static_cast<std::uint32_t>(d);
        out[o++] = static_cast<char>(q >> 16);
        out[o++] = static_cast<char>((q >> 8) & 0xFF);
        out[o++] = static_cast<char>(q & 0xFF);
    }
    std::uint32_t acc = 0;
    int bits = 0;
    for (; i < text.size(); ++i) {
        int v = value(text[i]);
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = static_cast<char>((acc >> bits) & 0xFF);
        }
    }
    return out;
}

void append_json_string(std::string& out, std::string_view s) {
    out += '"';
    // Runs that need no escaping (nearly all of any text) are appended whole.
    std::size_t run = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default: {
                static constexpr char hex[] = "0123456789abcdef";
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 0xF];
            }
        }
    }
    out.append(s.data() + run, s.size() - run);
    out += '"';
}

}  // namespace lowcloud
