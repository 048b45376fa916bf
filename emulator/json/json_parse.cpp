// JSON text to nlohmann::json through RapidJSON's SAX reader (see json_parse.hpp).
#include "json/json_parse.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace lowcloud::jsonparse {

namespace {

using nlohmann::json;

// Builds the tree as the reader reports values: `open_` holds the arrays
// and objects being filled, innermost last; `key_` the last object key read.
class Builder : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Builder> {
public:
    json root;
    // Why a string was refused (the reader only knows the handler stopped it).
    const char* refused = nullptr;
    // A number beyond a double stopped the parse.
    bool overflow = false;

    bool Bool(bool b) { return put(b); }
    // Numbers arrive as their text (kParseNumbersAsStringsFlag) and are
    // converted as nlohmann's lexer does: an integer to uint64 (or int64 when
    // negative) if it fits, else, like every number with a fraction or an
    // exponent, with strtod; one beyond a double stops the parse (`overflow`).
    // RapidJSON 1.1.0's own conversion turns 10e308 into a tiny negative
    // number and 1.8e308 into NaN instead.
    bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
        const char* end = s + n;
        if (std::find_if(s, end, [](char c) { return c == '.' || c == 'e' || c == 'E'; }) == end) {
            if (*s == '-') {
                std::int64_t i = 0;
                if (auto [p, ec] = std::from_chars(s, end, i); ec == std::errc() && p == end) return put(i);
            } else {
                std::uint64_t u = 0;
                if (auto [p, ec] = std::from_chars(s, end, u); ec == std::errc() && p == end) return put(u);
            }
        }
        // `s` is RapidJSON's NUL-terminated copy of the text (no in situ
        // parsing here); strtod in the "C" locale, as the emulator never sets another.
        double d = std::strtod(s, nullptr);
        if (!std::isfinite(d)) {
            overflow = true;
            return false;
        }
        return put(d);
    }
    bool Null() { return put(nullptr); }
    bool String(const char* s, rapidjson::SizeType n, bool) { return text_ok(s, n) && put(std::string(s, n)); }
    bool Key(const char* s, rapidjson::SizeType n, bool) {
        if (!text_ok(s, n)) return false;
        key_.assign(s, n);
        return true;
    }
    bool StartObject() { return start(json::object()); }
    bool EndObject(rapidjson::SizeType) { return end(); }
    bool StartArray() { return start(json::array()); }
    bool EndArray(rapidjson::SizeType) { return end(); }

private:
    std::vector<json*> open_;
    std::string key_;

    // RapidJSON pairs a high surrogate escape with a low one, but writes a
    // lone low one (\udc00) as the UTF-8 of a surrogate (ED B0..BF xx),
    // which is no UTF-8: nlohmann refuses it, and so does this.
    bool text_ok(const char* s, std::size_t n) {
        for (const char* p = s; (p = static_cast<const char*>(std::memchr(p, '\xED', n - (p - s)))) != nullptr; ++p)
            if (p + 1 < s + n && static_cast<unsigned char>(p[1]) >= 0xA0) {
                refused = "invalid string: a lone UTF-16 surrogate escape";
                return false;
            }
        return true;
    }

    json& slot() {
        if (open_.empty()) return root;
        json& top = *open_.back();
        if (top.is_array()) {
            auto& a = top.get_ref<json::array_t&>();
            return a.emplace_back();
        }
        return top.get_ref<json::object_t&>()[std::move(key_)];  // a repeated key: its last value
    }
    template <class V>
    bool put(V&& v) {
        slot() = json(std::forward<V>(v));
        return true;
    }
    bool start(json container) {
        json& s = slot();
        s = std::move(container);
        open_.push_back(&s);
        return true;
    }
    bool end() {
        open_.pop_back();
        return true;
    }
};

constexpr unsigned kFlags = rapidjson::kParseValidateEncodingFlag | rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseIterativeFlag;

}  // namespace

json parse(std::string_view text) {
    // A byte order mark first: skipped, as nlohmann's lexer does.
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    Builder builder;
    rapidjson::Reader reader;
    rapidjson::MemoryStream in(text.data(), text.size());
    rapidjson::ParseResult r = reader.Parse<kFlags>(in, builder);
    // RapidJSON refuses some numbers beyond a double itself (a long
    // exponent), RawNumber the rest.
    if (builder.overflow || r.Code() == rapidjson::kParseErrorNumberTooBig)
        throw json::out_of_range::create(406, "number overflow at byte " + std::to_string(r.Offset()), nullptr);
    // MemoryStream reads a NUL byte as the end of the text, and so does
    // nlohmann's lexer: a request "{...}\0anything" would parse. Refused
    // here (the one difference from json::parse), as text after the value
    // is. That DynamoDB and API Gateway refuse it too is assumed, not
    // checked against the services.
    if (!r.IsError() && in.Tell() != text.size()) r.Set(rapidjson::kParseErrorDocumentRootNotSingular, in.Tell());
    if (r.IsError())
        throw json::parse_error::create(101, r.Offset(), std::string("syntax error while parsing value at byte ") + std::to_string(r.Offset()) + ": " +
                                                            (builder.refused ? builder.refused : rapidjson::GetParseError_En(r.Code())),
                                        nullptr);
    return std::move(builder.root);
}

json parse_or_discarded(std::string_view text) noexcept {
    try {
        return parse(text);
    } catch (...) {
        return json(json::value_t::discarded);
    }
}

}  // namespace lowcloud::jsonparse
