// Tag validation (see tags.hpp). Letters and numbers beyond ASCII are
// classified with glibc's C.UTF-8 locale (iswalpha_l / iswdigit_l), which
// follows Unicode's categories; the Z (separator) code points are listed.
#include "model/tags.hpp"

#include "dynamodb/error.hpp"

#include <locale.h>
#include <wctype.h>

#include <set>

namespace lowcloud::dynamodb {

namespace {

constexpr std::size_t kMaxKeyChars = 128;
constexpr std::size_t kMaxValueChars = 256;

// Decodes UTF-8; a malformed sequence comes back as U+FFFD (refused below).
std::vector<char32_t> code_points(std::string_view s) {
    std::vector<char32_t> out;
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b = static_cast<unsigned char>(s[i]);
        const int extra = b < 0x80 ? 0 : (b >> 5) == 0x6 ? 1 : (b >> 4) == 0xE ? 2 : (b >> 3) == 0x1E ? 3 : -1;
        if (extra < 0 || i + static_cast<std::size_t>(extra) >= s.size() + (extra == 0)) {
            out.push_back(0xFFFD);
            ++i;
            continue;
        }
        char32_t cp = extra == 0 ? b : (b & (0x3F >> extra));
        bool ok = true;
        for (int k = 1; k <= extra && ok; ++k) {
            const auto cont = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
            ok = (cont & 0xC0) == 0x80;
            cp = (cp << 6) | (cont & 0x3F);
        }
        if (!ok) {
            out.push_back(0xFFFD);
            ++i;
            continue;
        }
        out.push_back(cp);
        i += static_cast<std::size_t>(extra) + 1;
    }
    return out;
}

bool separator(char32_t c) {
    return c == 0x20 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x3000;
}

locale_t unicode_locale() {
    static const locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
    return loc;
}

bool allowed(char32_t c) {
    if (c < 0x80) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' || c == '_' ||
               c == '.' || c == ':' || c == '/' || c == '=' || c == '+' || c == '-' || c == '@';
    }
    if (separator(c)) return true;
    if (c == 0xFFFD) return false;
    locale_t loc = unicode_locale();
    if (loc == static_cast<locale_t>(nullptr)) return true;  // no Unicode tables: do not refuse what may be a letter
    const auto w = static_cast<wint_t>(c);
    return iswalpha_l(w, loc) || iswdigit_l(w, loc);
}

std::size_t length(std::string_view s) { return code_points(s).size(); }

}  // namespace

bool valid_tag_characters(std::string_view s) {
    for (char32_t c : code_points(s))
        if (!allowed(c)) return false;
    return true;
}

std::string tag_key_problem(const std::optional<std::string>& key) {
    if (!key) return "The Tag Key provided is invalid, Key: null";
    if (key->empty() || length(*key) > kMaxKeyChars || !valid_tag_characters(*key))
        return "The Tag Key provided is invalid, Key: " + *key;
    if (key->rfind("aws:", 0) == 0) return "Tag Key cannot be prefixed with aws:, Key: " + *key;
    return {};
}

std::string tag_problem(const std::vector<TagInput>& tags) {
    std::set<std::string> seen;
    for (const auto& t : tags) {
        if (auto p = tag_key_problem(t.key); !p.empty()) return p;
        if (!t.value) return "The Tag Value provided is invalid, Value: null";
        if (length(*t.value) > kMaxValueChars || !valid_tag_characters(*t.value))
            return "The Tag Value provided is invalid, Value: " + *t.value;
        if (!seen.insert(*t.key).second) return "Duplicate Tag Keys provided as input: Duplicate Tag Key found " + *t.key;
    }
    return {};
}

void check_tags(const std::vector<TagInput>& tags) {
    if (auto p = tag_problem(tags); !p.empty()) throw validation_error(p);
}

void check_tag_count(std::size_t count) {
    if (count > kMaxTagsPerResource) throw validation_error("Number of Tags exceed the current limit for the provided ResourceArn");
}

}  // namespace lowcloud::dynamodb
