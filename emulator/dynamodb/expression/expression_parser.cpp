// Recursive-descent parser for DynamoDB's condition, update and projection
// grammars (see expression_internal.hpp for the grammar). It only checks
// syntax and builds a raw tree; names, values, functions and types are
// resolved afterwards (expression_resolve.cpp), because DynamoDB reports
// every syntax error before any of those. Two things happen during parsing,
// as in DynamoDB: redundant parentheses -- "((a = :v))", "((a)) = :v",
// "SET a = ((b + c))" -- are rejected when the closing parenthesis is read,
// and the offending token of a syntax error is the first token the grammar
// cannot accept (rendered by throw_syntax_error). A parenthesis at the start
// of a condition may open either a nested condition or a parenthesized
// operand ("(a) = :v"); parse_primary parses the inside once and decides by
// what it found, so the parser never backtracks. Nesting (parentheses, NOT,
// function calls) is bounded by kMaxNesting and the number of operators by
// DynamoDB's own limit of 300 (reported as DynamoDB does, "operator count:
// 301"), so hostile input cannot exhaust the stack in any later pass.
#include "expression/expression.hpp"
#include "expression/expression_internal.hpp"

#include <variant>

namespace lowcloud::dynamodb::expr::detail {
namespace {

bool is_comparator(Tok t) {
    return t == Tok::Eq || t == Tok::Ne || t == Tok::Lt || t == Tok::Le || t == Tok::Gt ||
           t == Tok::Ge;
}

Comparator comparator_of(Tok t) {
    switch (t) {
        case Tok::Ne: return Comparator::NE;
        case Tok::Lt: return Comparator::LT;
        case Tok::Le: return Comparator::LE;
        case Tok::Gt: return Comparator::GT;
        case Tok::Ge: return Comparator::GE;
        default: return Comparator::EQ;
    }
}

bool is_section_keyword(Tok t) {
    return t == Tok::Set || t == Tok::Remove || t == Tok::Add || t == Tok::Delete;
}

// What a parenthesized or bare piece of a condition turned out to be.
using CondOrOperand = std::variant<RawCond, RawOperand>;

class Parser {
public:
    Parser(std::string_view text, const ParseOptions& options)
        : tokens_(tokenize(text)), options_(options) {
        for (std::size_t i = 0; i < tokens_.size(); ++i) {
            if (tokens_[i].kind != Tok::Whitespace) significant_.push_back(i);
        }
    }

    RawCond condition() {
        RawCond c = to_condition(parse_or());
        expect(Tok::End);
        return c;
    }

    RawUpdate update() {
        RawUpdate u;
        do {
            if (!is_section_keyword(kind())) fail();
            u.sections.push_back(section());
        } while (is_section_keyword(kind()));
        expect(Tok::End);
        return u;
    }

    std::vector<RawPath> projection() {
        std::vector<RawPath> paths;
        paths.push_back(path());
        while (kind() == Tok::Comma) {
            advance();
            paths.push_back(path());
        }
        expect(Tok::End);
        return paths;
    }

private:
    // Counts one level of nesting for the lifetime of the guard.
    class Nest {
    public:
        explicit Nest(Parser& p) : p_(p) {
            if (++p_.depth_ > kMaxNesting) {
                throw invalid(p_.options_.parameter,
                              message("The expression has too many nesting levels",
                                      {{"nesting levels", std::to_string(p_.depth_)}}));
            }
        }
        ~Nest() { --p_.depth_; }
        Nest(const Nest&) = delete;
        Nest& operator=(const Nest&) = delete;

    private:
        Parser& p_;
    };

    Tok kind() const { return tokens_[significant_[pos_]].kind; }
    const Token& token() const { return tokens_[significant_[pos_]]; }
    void advance() {
        if (pos_ + 1 < significant_.size()) ++pos_;
    }
    [[noreturn]] void fail() const {
        throw_syntax_error(options_.parameter, tokens_, significant_[pos_]);
    }
    void expect(Tok t) {
        if (kind() != t) fail();
        advance();
    }
    // DynamoDB counts operators after parsing and stops at the 301st; the
    // parser stops there too, which also bounds the depth of the tree.
    void count_operator() {
        if (++operators_ > kMaxOperators) {
            throw invalid(options_.parameter,
                          message("The expression contains too many operators",
                                  {{"operator count", std::to_string(operators_)}}));
        }
    }

    void redundant() const {
        if (options_.redundant_parens) {
            throw invalid(options_.parameter, message("The expression has redundant parentheses"));
        }
    }

    // ---- conditions --------------------------------------------------------

    CondOrOperand parse_or() {
        CondOrOperand left = parse_and();
        while (kind() == Tok::Or) {
            RawCond l = to_condition(std::move(left));
            advance();
            RawCond r = to_condition(parse_and());
            count_operator();
            left = binary(RawCond::Kind::Or, std::move(l), std::move(r));
        }
        return left;
    }

    CondOrOperand parse_and() {
        CondOrOperand left = parse_not();
        while (kind() == Tok::And) {
            RawCond l = to_condition(std::move(left));
            advance();
            RawCond r = to_condition(parse_not());
            count_operator();
            left = binary(RawCond::Kind::And, std::move(l), std::move(r));
        }
        return left;
    }

    CondOrOperand parse_not() {
        if (kind() != Tok::Not) return parse_primary();
        Nest nest(*this);
        advance();
        RawCond c;
        c.kind = RawCond::Kind::Not;
        c.children.push_back(to_condition(parse_not()));
        count_operator();
        return c;
    }

    CondOrOperand parse_primary() {
        if (kind() != Tok::LParen) return after_operand(operand());
        Nest nest(*this);
        advance();
        CondOrOperand inner = parse_or();
        expect(Tok::RParen);
        if (auto* c = std::get_if<RawCond>(&inner)) {
            if (c->grouped) redundant();
            c->grouped = true;
            return inner;
        }
        auto& op = std::get<RawOperand>(inner);
        if (op.parens > 0) redundant();
        ++op.parens;
        return after_operand(std::move(op));
    }

    // An operand may be followed by a comparator, IN or BETWEEN; otherwise
    // it is handed back (a function call can stand as a condition).
    CondOrOperand after_operand(RawOperand first) {
        RawCond c;
        if (is_comparator(kind()) || kind() == Tok::In || kind() == Tok::Between) count_operator();
        if (is_comparator(kind())) {
            c.kind = RawCond::Kind::Compare;
            c.comparator = comparator_of(kind());
            advance();
            c.operands.push_back(std::move(first));
            c.operands.push_back(operand());
            return c;
        }
        if (kind() == Tok::In) {
            c.kind = RawCond::Kind::In;
            advance();
            expect(Tok::LParen);
            c.operands.push_back(std::move(first));
            c.operands.push_back(operand());
            while (kind() == Tok::Comma) {
                advance();
                c.operands.push_back(operand());
            }
            expect(Tok::RParen);
            return c;
        }
        if (kind() == Tok::Between) {
            c.kind = RawCond::Kind::Between;
            advance();
            c.operands.push_back(std::move(first));
            c.operands.push_back(operand());
            expect(Tok::And);
            c.operands.push_back(operand());
            return c;
        }
        return first;
    }

    RawCond to_condition(CondOrOperand x) {
        if (auto* c = std::get_if<RawCond>(&x)) return std::move(*c);
        auto& op = std::get<RawOperand>(x);
        if (op.kind != RawOperand::Kind::Call) fail();
        RawCond c;
        c.kind = RawCond::Kind::Call;
        c.grouped = op.parens > 0;
        op.parens = 0;
        c.operands.push_back(std::move(op));
        return c;
    }

    static RawCond binary(RawCond::Kind k, RawCond l, RawCond r) {
        RawCond c;
        c.kind = k;
        c.children.push_back(std::move(l));
        c.children.push_back(std::move(r));
        return c;
    }

    // ---- operands and paths -------------------------------------------------

    RawOperand operand() {
        RawOperand op;
        switch (kind()) {
            case Tok::LParen: {
                Nest nest(*this);
                advance();
                op = operand();
                expect(Tok::RParen);
                if (op.parens > 0) redundant();
                ++op.parens;
                return op;
            }
            case Tok::ValueRef:
                op.kind = RawOperand::Kind::Value;
                op.text = token().text;
                advance();
                return op;
            case Tok::Id:
                if (tokens_[significant_[pos_ + 1]].kind == Tok::LParen) return call();
                [[fallthrough]];
            case Tok::NameRef:
                op.kind = RawOperand::Kind::Path;
                op.path = path();
                return op;
            default: fail();
        }
    }

    RawOperand call() {
        Nest nest(*this);
        RawOperand op;
        op.kind = RawOperand::Kind::Call;
        op.text = token().text;
        advance();  // name
        advance();  // '('
        op.args.push_back(operand());
        while (kind() == Tok::Comma) {
            advance();
            op.args.push_back(operand());
        }
        expect(Tok::RParen);
        count_operator();
        return op;
    }

    RawPath path() {
        RawPath p;
        if (kind() != Tok::Id && kind() != Tok::NameRef) fail();
        p.elems.push_back(element());
        for (;;) {
            if (kind() == Tok::Dot) {
                advance();
                if (kind() == Tok::Id || kind() == Tok::NameRef || kind() == Tok::ValueRef) {
                    p.elems.push_back(element());
                } else {
                    fail();
                }
            } else if (kind() == Tok::LBracket) {
                advance();
                if (kind() != Tok::Index) fail();
                p.elems.push_back(RawElem{RawElem::Kind::Index, std::string(token().text)});
                advance();
                expect(Tok::RBracket);
            } else {
                return p;
            }
        }
    }

    RawElem element() {
        RawElem e;
        e.kind = kind() == Tok::Id        ? RawElem::Kind::Id
                 : kind() == Tok::NameRef ? RawElem::Kind::NameRef
                                          : RawElem::Kind::ValueRef;
        e.text = token().text;
        advance();
        return e;
    }

    // ---- updates -----------------------------------------------------------------

    RawSection section() {
        RawSection s;
        switch (kind()) {
            case Tok::Set: s.kind = ActionKind::Set; break;
            case Tok::Remove: s.kind = ActionKind::Remove; break;
            case Tok::Add: s.kind = ActionKind::Add; break;
            default: s.kind = ActionKind::Delete; break;
        }
        advance();
        s.actions.push_back(action(s.kind));
        while (kind() == Tok::Comma) {
            advance();
            s.actions.push_back(action(s.kind));
        }
        return s;
    }

    RawAction action(ActionKind k) {
        RawAction a;
        a.kind = k;
        a.path = path();
        switch (k) {
            case ActionKind::Set:
                expect(Tok::Eq);
                a.value = set_value();
                break;
            case ActionKind::Remove: break;
            case ActionKind::Add:
            case ActionKind::Delete:
                if (kind() != Tok::ValueRef) fail();
                a.value.kind = RawOperand::Kind::Value;
                a.value.text = token().text;
                advance();
                break;
        }
        return a;
    }

    // operand | operand ('+'|'-') operand | '(' arithmetic ')'
    RawOperand set_value() {
        RawOperand first = term();
        if (first.kind != RawOperand::Kind::Arith &&
            (kind() == Tok::Plus || kind() == Tok::Minus)) {
            RawOperand a;
            a.kind = RawOperand::Kind::Arith;
            a.op = kind() == Tok::Plus ? '+' : '-';
            advance();
            a.args.push_back(std::move(first));
            a.args.push_back(operand());
            count_operator();
            return a;
        }
        return first;
    }

    RawOperand term() {
        if (kind() != Tok::LParen) return operand();
        Nest nest(*this);
        advance();
        RawOperand inner = set_value();
        expect(Tok::RParen);
        if (inner.parens > 0) redundant();
        ++inner.parens;
        return inner;
    }

    std::vector<Token> tokens_;
    std::vector<std::size_t> significant_;  // indexes of non-whitespace tokens
    std::size_t pos_ = 0;                   // index into significant_
    std::size_t depth_ = 0;
    std::size_t operators_ = 0;
    ParseOptions options_;
};

}  // namespace

RawCond parse_raw_condition(std::string_view text, const ParseOptions& options) {
    return Parser(text, options).condition();
}

RawUpdate parse_raw_update(std::string_view text, const ParseOptions& options) {
    return Parser(text, options).update();
}

std::vector<RawPath> parse_raw_projection(std::string_view text, const ParseOptions& options) {
    return Parser(text, options).projection();
}

}  // namespace lowcloud::dynamodb::expr::detail
