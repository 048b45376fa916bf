// Private plumbing shared by the expression implementation files (not part
// of the public contract in expression.hpp): the token stream, the raw
// syntax tree the parser produces before names and values are resolved,
// DynamoDB's error-message formatting, and small value helpers used by both
// the evaluator and the update applier.
//
// The grammar mirrors DynamoDB's own (an ANTLR grammar whose lexer and
// parser rules are reproduced here by hand):
//   condition : operand comparator operand | operand IN '(' operand (',' operand)* ')'
//             | operand BETWEEN operand AND operand | function | '(' condition ')'
//             | NOT condition | condition AND condition | condition OR condition
//   operand   : path | ':value' | function | '(' operand ')'
//   function  : ID '(' operand (',' operand)* ')'
//   path      : (ID | '#name') ('.' (ID | '#name') | '[' INDEX ']')*
//   update    : (SET set_action (',' set_action)* | REMOVE path (',' path)*
//               | ADD path ':value' (',' ...)* | DELETE path ':value' (',' ...)*)+
//   set_action: path '=' (operand | arithmetic)
//   arithmetic: operand ('+' | '-') operand | '(' arithmetic ')'
//   projection: path (',' path)*
#pragma once

#include "dynamodb/error.hpp"
#include "expression/expression_ast.hpp"

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lowcloud::dynamodb::expr::detail {

// An operand's value while evaluating or updating: a reference into the item
// or the expression, a computed value (size(), arithmetic), or missing.
class OperandValue {
public:
    OperandValue() = default;
    explicit OperandValue(const AttributeValue* ref) : ref_(ref) {}
    explicit OperandValue(AttributeValue owned) : owned_(std::move(owned)), has_owned_(true) {}
    const AttributeValue* get() const { return has_owned_ ? &owned_ : ref_; }
    AttributeValue take() && { return has_owned_ ? std::move(owned_) : *ref_; }

private:
    const AttributeValue* ref_ = nullptr;
    AttributeValue owned_;
    bool has_owned_ = false;
};


// ---- lexer -------------------------------------------------------------------

enum class Tok : unsigned char {
    Comma, LParen, RParen, Dot, LBracket, RBracket, Whitespace,
    Eq, Ne, Lt, Le, Gt, Ge, Plus, Minus,
    In, Between, Not, And, Or, Set, Add, Delete, Remove,
    Index,     // 0 | [1-9][0-9]*
    Id,        // [A-Za-z][A-Za-z0-9_]*  (not a keyword)
    NameRef,   // #[A-Za-z0-9_]+
    ValueRef,  // :[A-Za-z0-9_]+
    Unknown,   // any other single character
    End,       // end of input
};

struct Token {
    Tok kind = Tok::End;
    std::string_view text;  // empty for End
    std::size_t begin = 0;  // byte offsets into the expression
    std::size_t end = 0;
};

// Splits an expression into tokens (whitespace tokens included, as the
// "hidden channel" DynamoDB uses to render `near`), ending with Tok::End.
std::vector<Token> tokenize(std::string_view text);

// ---- messages ----------------------------------------------------------------

// DynamoDB's formatting: base + ";" then " key: value" pairs joined by ",".
std::string message(std::string_view base,
                    std::initializer_list<std::pair<std::string_view, std::string>> pairs = {});

// ValidationException "Invalid <parameter>: <text>".
ApiError invalid(std::string_view parameter, std::string_view text);

// The syntax error DynamoDB reports for the token at `index` (into the full
// token list): `Syntax error; token: "x", near: "<prev> x <next>"`.
[[noreturn]] void throw_syntax_error(std::string_view parameter, const std::vector<Token>& tokens,
                                     std::size_t index);

// True for the ~570 words DynamoDB reserves (case-insensitive).
bool is_reserved_word(std::string_view word);

// ---- raw tree (before resolution) ------------------------------------------------

struct RawElem {
    enum class Kind : unsigned char { Id, NameRef, ValueRef, Index };
    Kind kind = Kind::Id;
    std::string text;  // identifier, "#n", ":v" or the index digits
};

struct RawPath {
    std::vector<RawElem> elems;
};

struct RawOperand {
    enum class Kind : unsigned char { Path, Value, Call, Arith };
    Kind kind = Kind::Path;
    RawPath path;                  // Path
    std::string text;              // Value: ":v"; Call: function name
    std::vector<RawOperand> args;  // Call: arguments; Arith: {left, right}
    char op = 0;                   // Arith: '+' or '-'
    int parens = 0;                // enclosing parentheses
};

struct RawCond {
    enum class Kind : unsigned char { Compare, Between, In, Call, Not, And, Or };
    Kind kind = Kind::Compare;
    Comparator comparator = Comparator::EQ;
    std::vector<RawOperand> operands;  // Compare 2, Between 3, In 1+n, Call 1 (the call)
    std::vector<RawCond> children;     // Not 1, And / Or 2
    bool grouped = false;              // wrapped in parentheses
};

struct RawAction {
    ActionKind kind = ActionKind::Set;
    RawPath path;
    RawOperand value;  // Set: right-hand side; Add / Delete: the value
};

struct RawSection {
    ActionKind kind = ActionKind::Set;
    std::vector<RawAction> actions;
};

struct RawUpdate {
    std::vector<RawSection> sections;
};

struct ParseOptions {
    std::string_view parameter;     // for messages
    bool redundant_parens = true;   // "The expression has redundant parentheses;"
};

RawCond parse_raw_condition(std::string_view text, const ParseOptions& options);
RawUpdate parse_raw_update(std::string_view text, const ParseOptions& options);
std::vector<RawPath> parse_raw_projection(std::string_view text, const ParseOptions& options);

// ---- values ---------------------------------------------------------------------

// The value at a path in an item, or nullptr.
const AttributeValue* resolve(const Item& item, const Path& path);

// DynamoDB's ordering of two values of the same type S, N or B (<0, 0, >0);
// nullopt for different or unordered types.
std::optional<int> compare_values(const AttributeValue& a, const AttributeValue& b);

// "{N:5}"-style rendering used in BETWEEN messages.
std::string render_value(const AttributeValue& v);

}  // namespace lowcloud::dynamodb::expr::detail
