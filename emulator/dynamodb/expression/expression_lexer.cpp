// Lexical analysis of DynamoDB expressions, and the formatting of the
// messages the whole expression component throws. The token rules follow
// DynamoDB's grammar exactly because they decide what a user sees in syntax
// errors: keywords (SET, AND, IN, ...) are case-insensitive and only match a
// whole identifier; identifiers start with a letter; `#` and `:` must be
// followed by [A-Za-z0-9_]+; list indexes are `0` or digits without a leading
// zero; anything else is a one-character "unknown" token. Syntax errors name
// the offending token and render `near` as the previous token, the offending
// one and the next one with the whitespace between them, e.g.
// `Syntax error; token: "-", near: "a-b"`, `token: "<EOF>", near: ","`.
#include "expression/expression_internal.hpp"

#include <array>

namespace lowcloud::dynamodb::expr::detail {
namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_id_char(char c) { return is_alpha(c) || is_digit(c) || c == '_'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
        if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
        if (x != y) return false;
    }
    return true;
}

Tok keyword_or_id(std::string_view word) {
    static constexpr std::array<std::pair<std::string_view, Tok>, 9> kKeywords{{
        {"IN", Tok::In}, {"BETWEEN", Tok::Between}, {"NOT", Tok::Not}, {"AND", Tok::And},
        {"OR", Tok::Or}, {"SET", Tok::Set}, {"ADD", Tok::Add}, {"DELETE", Tok::Delete},
        {"REMOVE", Tok::Remove},
    }};
    for (const auto& [text, kind] : kKeywords) {
        if (iequals(word, text)) return kind;
    }
    return Tok::Id;
}

// Length of the UTF-8 sequence starting at text[i] (1 for invalid bytes).
std::size_t code_point_length(std::string_view text, std::size_t i) {
    auto c = static_cast<unsigned char>(text[i]);
    std::size_t n = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xE  ? 3
                    : (c >> 3) == 0x1E ? 4
                                       : 1;
    if (i + n > text.size()) return 1;
    for (std::size_t k = 1; k < n; ++k) {
        if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return 1;
    }
    return n;
}

}  // namespace

std::vector<Token> tokenize(std::string_view text) {
    std::vector<Token> out;
    std::size_t i = 0;
    auto push = [&](Tok kind, std::size_t begin, std::size_t end) {
        out.push_back(Token{kind, text.substr(begin, end - begin), begin, end});
    };
    while (i < text.size()) {
        const std::size_t start = i;
        const char c = text[i];
        if (is_space(c)) {
            while (i < text.size() && is_space(text[i])) ++i;
            push(Tok::Whitespace, start, i);
            continue;
        }
        if (is_alpha(c)) {
            while (i < text.size() && is_id_char(text[i])) ++i;
            push(keyword_or_id(text.substr(start, i - start)), start, i);
            continue;
        }
        if (is_digit(c)) {
            ++i;
            if (c != '0') {
                while (i < text.size() && is_digit(text[i])) ++i;
            }
            push(Tok::Index, start, i);
            continue;
        }
        if (c == '#' || c == ':') {
            std::size_t j = i + 1;
            while (j < text.size() && is_id_char(text[j])) ++j;
            if (j > i + 1) {
                i = j;
                push(c == '#' ? Tok::NameRef : Tok::ValueRef, start, i);
            } else {
                ++i;
                push(Tok::Unknown, start, i);
            }
            continue;
        }
        Tok kind = Tok::Unknown;
        std::size_t len = 1;
        switch (c) {
            case ',': kind = Tok::Comma; break;
            case '(': kind = Tok::LParen; break;
            case ')': kind = Tok::RParen; break;
            case '.': kind = Tok::Dot; break;
            case '[': kind = Tok::LBracket; break;
            case ']': kind = Tok::RBracket; break;
            case '=': kind = Tok::Eq; break;
            case '+': kind = Tok::Plus; break;
            case '-': kind = Tok::Minus; break;
            case '<':
                kind = Tok::Lt;
                if (i + 1 < text.size() && text[i + 1] == '>') kind = Tok::Ne, len = 2;
                else if (i + 1 < text.size() && text[i + 1] == '=') kind = Tok::Le, len = 2;
                break;
            case '>':
                kind = Tok::Gt;
                if (i + 1 < text.size() && text[i + 1] == '=') kind = Tok::Ge, len = 2;
                break;
            default: len = code_point_length(text, i); break;
        }
        i += len;
        push(kind, start, i);
    }
    out.push_back(Token{Tok::End, {}, text.size(), text.size()});
    return out;
}

std::string message(std::string_view base,
                    std::initializer_list<std::pair<std::string_view, std::string>> pairs) {
    std::string out(base);
    out += ';';
    bool first = true;
    for (const auto& [key, value] : pairs) {
        if (!first) out += ',';
        first = false;
        out += ' ';
        out += key;
        out += ": ";
        out += value;
    }
    return out;
}

ApiError invalid(std::string_view parameter, std::string_view text) {
    std::string m = "Invalid ";
    m += parameter;
    m += ": ";
    m += text;
    return validation_error(std::move(m));
}

void throw_syntax_error(std::string_view parameter, const std::vector<Token>& tokens,
                        std::size_t index) {
    const Token& current = tokens[index];
    const bool at_end = current.kind == Tok::End;
    auto hidden = [&](std::size_t k) { return tokens[k].kind == Tok::Whitespace; };

    // Previous significant token, and the whitespace between it and `current`.
    std::string near;
    std::size_t left = index;
    while (left > 0 && hidden(left - 1)) --left;
    if (left > 0) near += tokens[left - 1].text;
    for (std::size_t k = left; k < index; ++k) near += tokens[k].text;
    near += current.text;
    if (!at_end) {
        std::size_t right = index + 1;
        while (right < tokens.size() && hidden(right)) near += tokens[right++].text;
        if (right < tokens.size()) near += tokens[right].text;  // End renders as ""
    }
    const std::string token = at_end ? std::string("<EOF>") : std::string(current.text);
    throw invalid(parameter, message("Syntax error", {{"token", "\"" + token + "\""},
                                                      {"near", "\"" + near + "\""}}));
}

}  // namespace lowcloud::dynamodb::expr::detail
