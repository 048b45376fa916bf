// Mapping templates, part 1: the parsers. The template parser turns template
// text into the tree that mapping_template_eval.cpp renders (see
// mapping_template.hpp for the language): recursive descent over the raw
// text, where text mode scans for `$`, `#` and `\` and directives and
// references switch to expression mode. Every recursion (blocks,
// expressions, operators, interpolated strings) counts against one nesting
// limit, so no template can exhaust the stack. The JSONPath parser selects
// nodes of a request body for $input.json / $input.path.
#include "apigateway/mapping_template.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <iterator>
#include <optional>
#include <stdexcept>

namespace lowcloud::apigateway {

namespace vtl {

namespace {
// Empties containers this value holds the last reference to, without recursion.
void dismantle(std::vector<Value> pending) {
    while (!pending.empty()) {
        Value v = std::move(pending.back());
        pending.pop_back();
        if (auto* l = std::get_if<std::shared_ptr<ListData>>(&v.v); l && l->use_count() == 1) std::move((*l)->items.begin(), (*l)->items.end(), std::back_inserter(pending)), (*l)->items.clear();
        if (auto* m = std::get_if<std::shared_ptr<MapData>>(&v.v); m && m->use_count() == 1)
            for (auto& e : std::exchange((*m)->entries, {})) pending.push_back(std::move(e.second));
    }  // v, if last, dies here with nothing left inside
}
}  // namespace

ListData::~ListData() { dismantle(std::move(items)); }

MapData::~MapData() {
    std::vector<Value> values;
    for (auto& e : entries) values.push_back(std::move(e.second));
    dismantle(std::move(values));
}

const Value* MapData::find(const std::string& key) const {
    auto it = index.find(key);
    return it == index.end() ? nullptr : &entries[it->second].second;
}

Value MapData::put(const std::string& key, Value value) {
    auto it = index.find(key);
    if (it != index.end()) return std::exchange(entries[it->second].second, std::move(value));
    index.emplace(key, entries.size());
    entries.emplace_back(key, std::move(value));
    return {};
}

Value MapData::remove(const std::string& key) {
    auto it = index.find(key);
    if (it == index.end()) return {};
    std::size_t at = it->second;
    Value old = std::move(entries[at].second);
    entries.erase(entries.begin() + static_cast<std::ptrdiff_t>(at));
    index.erase(it);
    for (auto& [k, i] : index)
        if (i > at) --i;
    return old;
}

}  // namespace vtl

namespace {

using namespace vtl;
using Kind = TemplateError::Kind;

constexpr std::size_t kMaxTemplate = std::size_t{1} << 20;
constexpr int kMaxNesting = 64;

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool ident_char(char c) { return word_char(c) || c == '-'; }
bool digit(char c) { return c >= '0' && c <= '9'; }

Expr literal(Value v) {
    Expr e;
    e.kind = Expr::Kind::literal;
    e.value = std::move(v);
    return e;
}

// How a block ended: the end of the text, #end, #else or #elseif(condition).
struct BlockEnd {
    enum class How { eof, end, else_, elseif } how = How::eof;
    Expr condition;
};

class Parser {
public:
    Parser(std::string_view text, Program& program, int depth, int line0 = 1, int column0 = 1)
        : s_(text), program_(program), depth_(depth), line0_(line0), column0_(column0) {
        line_starts_.push_back(0);
        for (std::size_t i = 0; i < s_.size(); ++i)
            if (s_[i] == '\n') line_starts_.push_back(i + 1);
    }

    NodeList parse_template() {
        NodeList nodes;
        parse_block(nodes, nullptr, false, 0);
        return nodes;
    }

private:
    std::string_view s_;
    Program& program_;
    int depth_;
    int line0_, column0_;
    std::vector<std::size_t> line_starts_;
    std::size_t p_ = 0;
    std::string text_;  // text not yet flushed into a node

    std::pair<int, int> line_col(std::size_t at) const {
        auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), at);
        auto row = static_cast<std::size_t>(it - line_starts_.begin()) - 1;
        int col = static_cast<int>(at - line_starts_[row]) + 1;
        return {line0_ + static_cast<int>(row), row == 0 ? column0_ + col - 1 : col};
    }

    [[noreturn]] void fail(std::size_t at, const std::string& message) const {
        auto [line, col] = line_col(std::min(at, s_.size()));
        throw TemplateError(Kind::syntax, "line " + std::to_string(line) + ", column " + std::to_string(col) + ": " + message);
    }

    void enter(std::size_t at) {
        if (++depth_ > kMaxNesting) fail(at, "nested deeper than " + std::to_string(kMaxNesting) + " levels");
    }
    void leave() { --depth_; }

    char peek(std::size_t ahead = 0) const { return p_ + ahead < s_.size() ? s_[p_ + ahead] : '\0'; }
    bool at_end() const { return p_ >= s_.size(); }

    void skip_ws() { while (!at_end() && std::strchr(" \t\r\n", s_[p_]) && s_[p_]) ++p_; }
    void skip_blanks() { while (!at_end() && (s_[p_] == ' ' || s_[p_] == '\t')) ++p_; }

    void expect(char c) {
        if (at_end()) fail(p_, std::string("expected '") + c + "' but the template ended");
        if (s_[p_] != c) fail(p_, std::string("expected '") + c + "' but found '" + s_[p_] + "'");
        ++p_;
    }

    bool match(std::string_view token) {
        bool found = s_.compare(p_, token.size(), token) == 0;
        if (found) p_ += token.size();
        return found;
    }
    bool match_word(std::string_view word) {
        bool found = s_.compare(p_, word.size(), word) == 0 && !(p_ + word.size() < s_.size() && word_char(s_[p_ + word.size()]));
        if (found) p_ += word.size();
        return found;
    }

    // [A-Za-z_][A-Za-z0-9_-]*, without a trailing '-' (so "$a-" in text is $a then "-").
    std::string identifier() {
        std::size_t start = p_;
        while (!at_end() && ident_char(s_[p_])) ++p_;
        while (p_ > start + 1 && s_[p_ - 1] == '-') --p_;
        return std::string(s_.substr(start, p_ - start));
    }

    void set_position(Node& n, std::size_t at) const { std::tie(n.line, n.column) = line_col(at); }

    void flush(NodeList& out) {
        if (text_.empty()) return;
        out.emplace_back().text = std::exchange(text_, {});
    }

    // ---- text mode -------------------------------------------------------

    // Parses nodes into `out` until the text ends or (inside a block opened by
    // #`opener` at `opened`) a #end, #else or #elseif.
    BlockEnd parse_block(NodeList& out, const char* opener, bool in_if, std::size_t opened) {
        enter(opened);
        while (!at_end()) {
            char c = s_[p_];
            if (c == '\\') {
                backslashes();
            } else if (c == '$') {
                if (!reference_node(out)) text_ += s_[p_++];
            } else if (c == '#') {
                if (auto end = hash(out, opener != nullptr, in_if)) {
                    leave();
                    return std::move(*end);
                }
            } else {
                std::size_t q = s_.find_first_of("\\$#", p_);
                if (q == std::string_view::npos) q = s_.size();
                text_.append(s_.substr(p_, q - p_));
                p_ = q;
            }
        }
        if (opener) fail(opened, std::string("#") + opener + " without #end");
        flush(out);
        leave();
        return {};
    }

    // A run of n backslashes before `$` or `#` gives n/2 of them; an odd run escapes the `$`/`#`.
    void backslashes() {
        std::size_t q = p_;
        while (q < s_.size() && s_[q] == '\\') ++q;
        std::size_t n = q - p_;
        bool escapes = q < s_.size() && (s_[q] == '$' || s_[q] == '#');
        text_.append(escapes ? n / 2 : n, '\\');
        if (escapes && n % 2) text_ += s_[q++];
        p_ = q;
    }

    bool reference_node(NodeList& out) {
        std::size_t start = p_;
        auto ref = parse_reference();
        if (!ref) return false;
        flush(out);
        Node n;
        n.kind = Node::Kind::reference;
        set_position(n, start);
        n.ref = std::move(*ref);
        out.push_back(std::move(n));
        return true;
    }

    // $name, $!name, ${name}, $!{name} and a chain of .property, .method(args)
    // and [index]; nullopt (nothing consumed) when `$` does not start one.
    std::optional<Reference> parse_reference() {
        std::size_t start = p_, q = p_ + 1;
        Reference r;
        bool formal = false;
        if (q < s_.size() && s_[q] == '!') r.quiet = true, ++q;
        if (q < s_.size() && s_[q] == '{') formal = true, ++q;
        if (q >= s_.size() || !ident_start(s_[q])) return std::nullopt;
        p_ = q;
        r.root = identifier();
        while (!at_end()) {
            if (s_[p_] == '.' && p_ + 1 < s_.size() && ident_start(s_[p_ + 1])) {
                ++p_;
                Step step;
                step.name = identifier();
                if (peek() == '(') {
                    step.kind = Step::Kind::method;
                    ++p_;
                    step.args = arguments(')', true);
                }
                r.steps.push_back(std::move(step));
            } else if (s_[p_] == '[') {
                std::size_t save = p_;
                int saved_depth = depth_;
                try {
                    ++p_;
                    enter(save);
                    Step step;
                    step.kind = Step::Kind::index;
                    skip_ws();
                    step.args.push_back(expression());
                    skip_ws();
                    expect(']');
                    leave();
                    r.steps.push_back(std::move(step));
                } catch (const TemplateError&) {  // "$price[USD]": the bracket is text
                    p_ = save;
                    depth_ = saved_depth;
                    break;
                }
            } else {
                break;
            }
        }
        if (formal) {
            if (peek() != '}') fail(p_, "expected '}' to close ${");
            ++p_;
        }
        r.source = std::string(s_.substr(start, p_ - start));
        return r;
    }

    // Arguments up to `close`: comma-separated, or (macro calls) blank-separated.
    std::vector<Expr> arguments(char close, bool commas_only) {
        enter(p_);
        std::vector<Expr> args;
        skip_ws();
        while (peek() != close) {
            if (at_end()) fail(p_, std::string("expected '") + close + "' but the template ended");
            args.push_back(expression());
            skip_ws();
            if (peek() == ',') ++p_, skip_ws();
            else if (commas_only && peek() != close) fail(p_, std::string("expected ',' or '") + close + "'");
        }
        ++p_;
        leave();
        return args;
    }

    // Leading blanks on the directive's line, or npos when other text precedes it.
    std::size_t leading_blanks(std::size_t hash_at) const {
        std::size_t q = hash_at;
        while (q > 0 && (s_[q - 1] == ' ' || s_[q - 1] == '\t')) --q;
        return (q == 0 || s_[q - 1] == '\n') ? hash_at - q : std::string_view::npos;
    }

    // After a directive: flush the text before it, first dropping the whole
    // line ("lines" gobbling) when the directive is alone on it.
    void end_directive(NodeList& out, std::size_t hash_at) {
        std::size_t lead = leading_blanks(hash_at);
        if (lead != std::string_view::npos) {
            std::size_t q = p_, next = std::string_view::npos;
            while (q < s_.size() && (s_[q] == ' ' || s_[q] == '\t')) ++q;
            if (q >= s_.size()) next = q;
            else if (s_[q] == '\n') next = q + 1;
            else if (s_.compare(q, 2, "\r\n") == 0) next = q + 2;
            else if (s_.compare(q, 2, "##") == 0) next = std::min(s_.find('\n', q), s_.size() - 1) + 1;  // a trailing comment goes too
            if (next != std::string_view::npos) {
                p_ = next;
                text_.resize(text_.size() - std::min(lead, text_.size()));
            }
        }
        flush(out);
    }

    Expr paren_expression(const std::string& directive) {
        expect_open(directive);
        Expr e = expression();
        skip_ws();
        expect(')');
        return e;
    }

    void expect_open(const std::string& directive) {
        skip_blanks();
        if (peek() != '(') fail(p_, "expected '(' after #" + directive);
        ++p_;
        skip_ws();
    }

    std::string variable(const std::string& directive) {
        if (peek() != '$' || !ident_start(peek(1))) fail(p_, "#" + directive + " expects a $variable");
        ++p_;
        return identifier();
    }

    // At '#': a comment, a directive, a macro call or plain text.
    // Returns how the current block ends when this is #end / #else / #elseif.
    std::optional<BlockEnd> hash(NodeList& out, bool in_block, bool in_if) {
        std::size_t start = p_;
        if (peek(1) == '#') {
            p_ = std::min(s_.find('\n', p_), s_.size() - 1) + 1;
            return std::nullopt;
        }
        if (peek(1) == '*') {
            std::size_t close = s_.find("*#", p_ + 2);
            if (close == std::string_view::npos) fail(start, "#* comment without *#");
            p_ = close + 2;
            return std::nullopt;
        }
        std::size_t q = p_ + 1;
        bool braced = q < s_.size() && s_[q] == '{';
        if (braced) ++q;
        std::size_t name_at = q;
        while (q < s_.size() && word_char(s_[q])) ++q;
        std::string name(s_.substr(name_at, q - name_at));
        if (braced && q < s_.size() && s_[q] == '}') ++q;
        else if (braced) name.clear();
        if (name.empty() || !ident_start(name[0])) return text_ += s_[p_++], std::nullopt;
        p_ = q;
        if (name == "end" || name == "else" || name == "elseif") {
            if (!in_block || (name != "end" && !in_if)) fail(start, "#" + name + " without a matching #if" + (name == "end" ? "/#foreach/#macro/#define" : ""));
            BlockEnd be;
            be.how = name == "end" ? BlockEnd::How::end : name == "else" ? BlockEnd::How::else_ : BlockEnd::How::elseif;
            if (be.how == BlockEnd::How::elseif) be.condition = paren_expression(name);
            end_directive(out, start);
            return be;
        }
        Node n;
        set_position(n, start);
        if (name == "set") {
            n.kind = Node::Kind::set;
            expect_open(name);
            std::size_t at = p_;
            auto ref = peek() == '$' ? parse_reference() : std::nullopt;
            if (!ref) fail(at, "#set expects a reference to assign to");
            if (!ref->steps.empty() && ref->steps.back().kind == Step::Kind::method) fail(at, "#set cannot assign to a method call");
            n.ref = std::move(*ref);
            skip_ws();
            expect('=');
            skip_ws();
            n.exprs.push_back(expression());
            skip_ws();
            expect(')');
            end_directive(out, start);
        } else if (name == "if") {
            n.kind = Node::Kind::if_;
            n.exprs.push_back(paren_expression(name));
            end_directive(out, start);
            BlockEnd be = parse_block(n.blocks.emplace_back(), "if", true, start);
            while (be.how == BlockEnd::How::elseif) {
                n.exprs.push_back(std::move(be.condition));
                be = parse_block(n.blocks.emplace_back(), "if", true, start);
            }
            if (be.how == BlockEnd::How::else_) parse_block(n.blocks.emplace_back(), "if", false, start);
        } else if (name == "foreach") {
            n.kind = Node::Kind::foreach;
            expect_open(name);
            n.text = variable(name);
            skip_ws();
            if (!match_word("in")) fail(p_, "expected 'in' in #foreach");
            skip_ws();
            n.exprs.push_back(expression());
            skip_ws();
            expect(')');
            end_directive(out, start);
            parse_block(n.blocks.emplace_back(), "foreach", false, start);
        } else if (name == "break" || name == "stop") {
            n.kind = name == "break" ? Node::Kind::break_ : Node::Kind::stop;
            end_directive(out, start);
        } else if (name == "define") {
            n.kind = Node::Kind::define;
            expect_open(name);
            n.text = variable(name);
            skip_ws();
            expect(')');
            end_directive(out, start);
            parse_block(n.blocks.emplace_back(), "define", false, start);
        } else if (name == "macro") {
            expect_open(name);
            std::size_t at = p_;
            while (!at_end() && word_char(s_[p_])) ++p_;
            std::string macro(s_.substr(at, p_ - at));
            if (macro.empty() || !ident_start(macro[0])) fail(at, "#macro expects a name");
            std::vector<std::string> params;
            for (;;) {
                while (!at_end() && (s_[p_] == ',' || s_[p_] == ' ' || s_[p_] == '\t' || s_[p_] == '\n' || s_[p_] == '\r')) ++p_;
                if (peek() == ')') break;
                params.push_back(variable(name));
            }
            ++p_;
            end_directive(out, start);
            program_.macros[macro].params = params;  // registered first: the body may call itself
            NodeList body;
            parse_block(body, "macro", false, start);
            program_.macros[macro].body = std::move(body);
            return std::nullopt;
        } else if (name == "parse" || name == "include" || name == "evaluate") {
            fail(start, "#" + name + " is not supported in mapping templates");
        } else if (program_.macros.count(name)) {
            skip_blanks();
            if (peek() != '(') return p_ = start + 1, text_ += '#', std::nullopt;
            ++p_;
            n.kind = Node::Kind::macro_call;
            n.text = name;
            n.exprs = arguments(')', false);
            flush(out);
        } else {
            return p_ = start + 1, text_ += '#', std::nullopt;
        }
        out.push_back(std::move(n));
        return std::nullopt;
    }

    // ---- expressions -----------------------------------------------------

    Expr expression() {
        enter(p_);
        Expr e = binary_level(0);
        leave();
        return e;
    }

    static Expr binary(Expr::Op op, Expr lhs, Expr rhs) {
        Expr e;
        e.kind = Expr::Kind::binary;
        e.op = op;
        e.items.push_back(std::move(lhs));
        e.items.push_back(std::move(rhs));
        return e;
    }

    // The operator at precedence `level` (0: ||, 1: &&, 2: == !=, 3: < <= > >=,
    // 4: + -, 5: * / %) that starts at p_, consumed; nullopt when none does.
    std::optional<Expr::Op> binary_operator(int level) {
        using Op = Expr::Op;
        switch (level) {
            case 0: if (match("||") || match_word("or")) return Op::or_; break;
            case 1: if (match("&&") || match_word("and")) return Op::and_; break;
            case 2:
                if (match("==") || match_word("eq")) return Op::eq;
                if (match("!=") || match_word("ne")) return Op::ne;
                break;
            case 3:
                if (match("<=") || match_word("le")) return Op::le;
                if (match(">=") || match_word("ge")) return Op::ge;
                if (match("<") || match_word("lt")) return Op::lt;
                if (match(">") || match_word("gt")) return Op::gt;
                break;
            case 4:
                if (match("+")) return Op::add;
                if (match("-")) return Op::sub;
                break;
            default:
                if (match("*")) return Op::mul;
                if (match("/")) return Op::div;
                if (match("%")) return Op::mod;
        }
        return std::nullopt;
    }

    Expr binary_level(int level) {
        if (level > 5) return unary();
        Expr lhs = binary_level(level + 1);
        int chained = 0;
        for (;;) {
            std::size_t save = p_;
            skip_ws();
            auto op = binary_operator(level);
            if (!op) {
                p_ = save;
                break;
            }
            enter(save);  // a chain a+b+c... nests left-deep: each operator is a level
            ++chained;
            lhs = binary(*op, std::move(lhs), binary_level(level + 1));
        }
        depth_ -= chained;
        return lhs;
    }

    Expr unary() {
        skip_ws();
        std::size_t at = p_;
        bool bang = peek() == '!' && peek(1) != '=';
        bool negate = peek() == '-';
        if (bang || negate) ++p_;
        else if (!match_word("not")) return primary();
        enter(at);
        Expr operand = unary();
        leave();
        if (negate && operand.kind == Expr::Kind::literal) {
            if (auto* i = std::get_if<std::int64_t>(&operand.value.v); i && *i != INT64_MIN) return literal(Value{-*i});
            if (auto* d = std::get_if<double>(&operand.value.v)) return literal(Value{-*d});
        }
        Expr e;
        e.kind = negate ? Expr::Kind::negate : Expr::Kind::logical_not;
        e.items.push_back(std::move(operand));
        return e;
    }

    Expr primary() {
        skip_ws();
        if (at_end()) fail(p_, "expected an expression but the template ended");
        char c = s_[p_];
        std::size_t at = p_;
        if (c == '(') {
            ++p_;
            Expr e = expression();
            skip_ws();
            expect(')');
            return e;
        }
        if (c == '$') {
            auto ref = parse_reference();
            if (!ref) fail(at, "expected a reference after '$'");
            Expr e;
            e.kind = Expr::Kind::reference;
            e.ref = std::move(*ref);
            return e;
        }
        if (c == '"' || c == '\'') return string_literal();
        if (digit(c)) return number();
        if (c == '[') return list();
        if (c == '{') return map();
        if (match_word("true")) return literal(Value{true});
        if (match_word("false")) return literal(Value{false});
        if (match_word("null")) return literal(Value{});
        fail(at, std::string("unexpected '") + c + "' in an expression");
    }

    Expr number() {
        std::size_t start = p_;
        bool decimal = false;
        while (digit(peek())) ++p_;
        if (peek() == '.' && digit(peek(1))) {
            decimal = true;
            ++p_;
            while (digit(peek())) ++p_;
        }
        if (peek() == 'e' || peek() == 'E') {
            std::size_t q = p_ + 1;
            if (q < s_.size() && (s_[q] == '+' || s_[q] == '-')) ++q;
            if (q < s_.size() && digit(s_[q])) {
                decimal = true;
                p_ = q;
                while (digit(peek())) ++p_;
            }
        }
        const char* b = s_.data() + start;
        const char* e = s_.data() + p_;
        if (!decimal) {
            std::int64_t i = 0;
            if (std::from_chars(b, e, i).ec == std::errc{}) return literal(Value{i});
        }
        double d = 0;
        std::from_chars(b, e, d);
        return literal(Value{d});
    }

    // '...' is raw ('' is a quote); "..." keeps backslash pairs as written,
    // "" is a quote, and $references / #directives in it are rendered.
    Expr string_literal() {
        char quote = s_[p_];
        std::size_t start = p_++;
        std::string content;
        for (;;) {
            if (at_end()) fail(start, "string literal without its closing quote");
            char c = s_[p_];
            if (c == quote && peek(1) != quote) break;
            std::size_t take = c == quote || (quote == '"' && c == '\\' && p_ + 1 < s_.size()) ? 2 : 1;
            content.append(c == quote ? s_.substr(p_, 1) : s_.substr(p_, take));
            p_ += take;
        }
        ++p_;
        if (quote == '\'' || content.find_first_of("$#") == std::string::npos) return literal(Value{std::move(content)});
        auto [line, col] = line_col(start + 1);
        Parser inner(content, program_, depth_, line, col);
        Expr e;
        e.kind = Expr::Kind::interpolated;
        e.parts = std::make_shared<NodeList>(inner.parse_template());
        return e;
    }

    Expr list() {
        std::size_t start = p_++;
        enter(start);
        Expr e;
        e.kind = Expr::Kind::list;
        skip_ws();
        if (peek() != ']') {
            e.items.push_back(expression());
            skip_ws();
            if (match("..")) {
                e.kind = Expr::Kind::range;
                e.items.push_back(expression());
                skip_ws();
            } else {
                while (peek() == ',') {
                    ++p_;
                    e.items.push_back(expression());
                    skip_ws();
                }
            }
        }
        expect(']');
        leave();
        return e;
    }

    Expr map() {
        std::size_t start = p_++;
        enter(start);
        Expr e;
        e.kind = Expr::Kind::map;
        skip_ws();
        if (peek() != '}') {
            for (;;) {
                e.items.push_back(expression());
                skip_ws();
                expect(':');
                e.items.push_back(expression());
                skip_ws();
                if (peek() != ',') break;
                ++p_;
            }
        }
        expect('}');
        leave();
        return e;
    }
};

}  // namespace

namespace vtl {

JsonPathMatch json_path(const nlohmann::ordered_json& root, const std::string& path) {
    auto bad = [&](const std::string& why) { throw std::invalid_argument("invalid JSONPath '" + path + "': " + why); };
    JsonPathMatch match;
    match.nodes.push_back(&root);
    std::size_t i = 0, n = path.size();
    bool implicit_dot = n > 0 && path[0] != '$' && path[0] != '.' && path[0] != '[';  // Jayway: "a.b" is "$.a.b"
    if (n > 0 && path[0] == '$') i = 1;
    auto blanks = [&] { while (i < n && path[i] == ' ') ++i; };
    while (i < n || implicit_dot) {
        bool deep = false, all = false;
        std::vector<std::string> keys;
        std::vector<std::int64_t> indexes;
        if (implicit_dot || path[i] == '.') {
            if (!implicit_dot && ++i < n && path[i] == '.') deep = true, ++i;
            implicit_dot = false;
            std::size_t start = i;
            if (i < n && path[i] == '*') all = true, ++i;
            else while (i < n && path[i] != '.' && path[i] != '[') ++i;
            if (!all && i > start) keys.push_back(path.substr(start, i - start));
            else if (!all && (!deep || i >= n)) bad("expected a name");  // only "..[" may omit it
        } else if (path[i] != '[') {
            bad(std::string("unexpected '") + path[i] + "'");
        }
        if (!all && keys.empty()) {  // ['name'], ["name"], [*] or [index]
            ++i;
            blanks();
            std::int64_t v = 0;
            auto parsed = i < n ? std::from_chars(path.data() + i, path.data() + n, v) : std::from_chars_result{nullptr, std::errc::invalid_argument};
            if (i < n && (path[i] == '\'' || path[i] == '"')) {
                std::size_t close = path.find(path[i], i + 1);
                if (close == std::string::npos) bad("unterminated quote");
                keys.push_back(path.substr(i + 1, close - i - 1));
                i = close + 1;
            } else if (i < n && path[i] == '*') {
                all = true, ++i;
            } else if (parsed.ec == std::errc{}) {
                indexes.push_back(v);
                i = static_cast<std::size_t>(parsed.ptr - path.data());
            } else {
                bad(i < n && path[i] == '?' ? "filters are not supported" : "expected a quoted name, * or an index");
            }
            blanks();
            if (i >= n || path[i] != ']') bad("expected ']' (slices and unions are not supported)");
            ++i;
        }
        if (deep || all) match.definite = false;
        std::vector<const nlohmann::ordered_json*> targets, next;
        for (const auto* node : match.nodes) {
            std::vector<const nlohmann::ordered_json*> stack{node};
            while (!stack.empty()) {  // the node and, after "..", its descendants (preorder)
                const auto* t = stack.back();
                stack.pop_back();
                targets.push_back(t);
                if (deep && t->is_structured())
                    for (auto it = t->crbegin(); it != t->crend(); ++it) stack.push_back(&*it);
            }
        }
        for (const auto* t : targets) {
            if (all && t->is_structured()) {
                for (const auto& child : *t) next.push_back(&child);
            } else if (t->is_object()) {
                for (const auto& k : keys)
                    if (auto it = t->find(k); it != t->end()) next.push_back(&*it);
            } else if (t->is_array()) {
                auto size = static_cast<std::int64_t>(t->size());
                for (std::int64_t k : indexes)
                    if (k + (k < 0 ? size : 0) >= 0 && k + (k < 0 ? size : 0) < size) next.push_back(&(*t)[static_cast<std::size_t>(k + (k < 0 ? size : 0))]);
            }
        }
        match.nodes = std::move(next);
    }
    return match;
}

}  // namespace vtl

MappingTemplate MappingTemplate::parse(std::string_view text) {
    if (text.size() > kMaxTemplate) throw TemplateError(Kind::syntax, "line 1, column 1: the template is larger than 1 MiB");
    auto program = std::make_shared<Program>();
    Parser parser(text, *program, 0);
    program->body = parser.parse_template();
    return MappingTemplate(std::move(program));
}

}  // namespace lowcloud::apigateway
