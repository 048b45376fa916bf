// Parsing and validation of condition, update and projection expressions:
// the trees the parser builds (precedence, parentheses, functions, paths)
// and every error DynamoDB gives, with its exact wording and in DynamoDB's
// order of checks (syntax, then structure, then resolution and types).
#include "expression_test_util.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace exprtest;

namespace {

enum class Kind { Condition, Update, Projection };

struct Case {
    const char* name;
    Kind kind;
    const char* parameter;  // for conditions
    std::string expression;
    Names names;
    const char* values;    // DynamoDB JSON object of :placeholders, "" for none
    std::string expected;  // error message; "" when the expression is valid
};

std::string run(const Case& c) {
    expr::Attributes a = attrs(c.names, c.values);
    return error_of([&] {
        switch (c.kind) {
            case Kind::Condition: expr::parse_condition(c.expression, c.parameter, a); break;
            case Kind::Update: expr::parse_update(c.expression, a); break;
            case Kind::Projection: expr::parse_projection(c.expression, a); break;
        }
    });
}

constexpr const char* kCond = "ConditionExpression";
constexpr const char* kFilter = "FilterExpression";
constexpr const char* kKey = "KeyConditionExpression";
constexpr const char* kV = R"({":v":{"S":"x"}})";
constexpr const char* kVW = R"({":v":{"S":"x"},":w":{"S":"y"}})";

std::string repeat(const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
}

std::string chain(const std::string& term, const std::string& op, int n) {
    std::string out = term;
    for (int i = 1; i < n; ++i) out += " " + op + " " + term;
    return out;
}

std::string in_list(int n) {
    std::string out = "a IN (";
    for (int i = 0; i < n; ++i) out += (i ? ", :v" : ":v");
    return out + ")";
}

// "a0=:n+:n,a1=:n+:n,..." : one operator per action.
std::string many_sums(int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += (i ? ",a" : "a") + std::to_string(i) + "=:n+:n";
    return out;
}

std::string deep_path(int elements) {
    std::string out = "a";
    for (int i = 1; i < elements; ++i) out += ".b";
    return out;
}

const std::vector<Case>& syntax_cases() {
    static const std::vector<Case> cases = {
        {"empty condition", Kind::Condition, kCond, "", {}, "",
         "Invalid ConditionExpression: The expression can not be empty;"},
        {"empty key condition", Kind::Condition, kKey, "", {}, "",
         "Invalid KeyConditionExpression: The expression can not be empty;"},
        {"empty update", Kind::Update, "", "", {}, "",
         "Invalid UpdateExpression: The expression can not be empty;"},
        {"empty projection", Kind::Projection, "", "", {}, "",
         "Invalid ProjectionExpression: The expression can not be empty;"},
        {"whitespace only", Kind::Condition, kCond, "  ", {}, "",
         R"(Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "  ")"},
        {"missing right operand", Kind::Condition, kCond, "a =", {}, "",
         R"(Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "=")"},
        {"missing right operand, trailing space", Kind::Condition, kCond, "a = ", {}, "",
         R"(Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "= ")"},
        {"bare name is not a condition", Kind::Condition, kCond, "foo", {}, "",
         R"(Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "foo")"},
        {"hyphen splits names", Kind::Condition, kCond, "a-b", {}, "",
         R"(Invalid ConditionExpression: Syntax error; token: "-", near: "a-b")"},
        {"hyphen in filter", Kind::Condition, kFilter, "a-b", {}, "",
         R"(Invalid FilterExpression: Syntax error; token: "-", near: "a-b")"},
        {"hyphen in key condition", Kind::Condition, kKey, "a-b", {}, "",
         R"(Invalid KeyConditionExpression: Syntax error; token: "-", near: "a-b")"},
        {"unclosed function", Kind::Condition, kCond, "attribute_not_exists(", {}, "",
         R"(Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "(")"},
        {"unclosed function after operand", Kind::Condition, kFilter, "contains (themes, :theme", {},
         "", R"(Invalid FilterExpression: Syntax error; token: "<EOF>", near: ":theme")"},
        {"unclosed parenthesis", Kind::Condition, kCond, "(a = :v", {}, kV,
         R"(Invalid ConditionExpression: Syntax error; token: "<EOF>", near: ":v")"},
        {"extra token", Kind::Condition, kCond, "a = :v extra", {}, kV,
         R"(Invalid ConditionExpression: Syntax error; token: "extra", near: ":v extra")"},
        {"extra closing parenthesis", Kind::Condition, kCond, "a = :v )", {}, kV,
         R"~(Invalid ConditionExpression: Syntax error; token: ")", near: ":v )")~"},
        {"BETWEEN without AND", Kind::Condition, kCond, "a BETWEEN :a :b", {}, "",
         R"(Invalid ConditionExpression: Syntax error; token: ":b", near: ":a :b")"},
        {"IN with no operands", Kind::Condition, kCond, "a IN ()", {}, "",
         R"~(Invalid ConditionExpression: Syntax error; token: ")", near: "()")~"},
        {"function with no operands", Kind::Condition, kCond, "size() = :v", {}, "",
         R"~(Invalid ConditionExpression: Syntax error; token: ")", near: "() =")~"},
        {"arithmetic in a condition", Kind::Condition, kCond, "a = b + c", {}, "",
         R"(Invalid ConditionExpression: Syntax error; token: "+", near: "b + c")"},
        {"dangling NOT", Kind::Condition, kCond, "NOT", {}, "",
         R"(Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "NOT")"},
        {"dangling AND", Kind::Condition, kCond, "a = :v AND", {}, kV,
         R"(Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "AND")"},
        {"keyword as a path element", Kind::Condition, kCond, "a.in = :v", {}, kV,
         R"(Invalid ConditionExpression: Syntax error; token: "in", near: ".in =")"},
        {"parenthesized operand alone", Kind::Condition, kCond, "(a)", {}, "",
         R"~(Invalid ConditionExpression: Syntax error; token: "<EOF>", near: ")")~"},
        {"operand before AND", Kind::Condition, kCond, "a AND b = :v", {}, kV,
         R"(Invalid ConditionExpression: Syntax error; token: "AND", near: "a AND b")"},
        {"index with a leading zero", Kind::Condition, kCond, "a[01] = :v", {}, kV,
         R"(Invalid ConditionExpression: Syntax error; token: "1", near: "01]")"},
        {"placeholder as index", Kind::Update, "", "SET a[:i] = :v", {}, R"({":v":{"N":"1"}})",
         R"(Invalid UpdateExpression: Syntax error; token: ":i", near: "[:i]")"},
        {"not an update clause", Kind::Update, "", "INVALID SYNTAX HERE", {}, "",
         R"(Invalid UpdateExpression: Syntax error; token: "INVALID", near: "INVALID SYNTAX")"},
        {"lone colon", Kind::Update, "", "ADD hits : incr", {}, "",
         R"(Invalid UpdateExpression: Syntax error; token: ":", near: "hits : incr")"},
        {"trailing comma", Kind::Update, "", "SET #attr1 = :val1, #attr2 = :val2,", {}, "",
         R"(Invalid UpdateExpression: Syntax error; token: "<EOF>", near: ",")"},
        {"name starting with underscore", Kind::Update, "", "SET _123 = :val1", {}, "",
         R"(Invalid UpdateExpression: Syntax error; token: "_", near: "SET _123")"},
        {"value on the left of SET", Kind::Update, "", "SET :a = :b", {}, "",
         R"(Invalid UpdateExpression: Syntax error; token: ":a", near: "SET :a =")"},
        {"three operands of +", Kind::Update, "", "SET a = b + c + d", {}, "",
         R"(Invalid UpdateExpression: Syntax error; token: "+", near: "c + d")"},
        {"arithmetic inside a function", Kind::Update, "", "SET c = if_not_exists(c, :v1+:v2)", {},
         "", R"(Invalid UpdateExpression: Syntax error; token: "+", near: ":v1+:v2")"},
        {"SET without =", Kind::Update, "", "SET a", {}, "",
         R"(Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "a")"},
        {"REMOVE without path", Kind::Update, "", "REMOVE", {}, "",
         R"(Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "REMOVE")"},
        {"ADD needs a value", Kind::Update, "", "ADD a b", {}, "",
         R"(Invalid UpdateExpression: Syntax error; token: "b", near: "a b")"},
        {"lone hash", Kind::Update, "", "SET # = :v", {}, "",
         R"(Invalid UpdateExpression: Syntax error; token: "#", near: "SET # =")"},
        {"projection of punctuation", Kind::Projection, "", "!!", {}, "",
         R"(Invalid ProjectionExpression: Syntax error; token: "!", near: "!!")"},
        {"projection with a dash", Kind::Projection, "", "foo-bar", {}, "",
         R"(Invalid ProjectionExpression: Syntax error; token: "-", near: "foo-bar")"},
        {"projection parentheses", Kind::Projection, "", "(a)", {}, "",
         R"(Invalid ProjectionExpression: Syntax error; token: "(", near: "(a")"},
        {"unicode is one token", Kind::Condition, kCond, "é = :v", {}, kV,
         R"(Invalid ConditionExpression: Syntax error; token: "é", near: "é =")"},
    };
    return cases;
}

const std::vector<Case>& structure_cases() {
    static const std::vector<Case> cases = {
        // redundant parentheses
        {"double parentheses around a condition", Kind::Condition, kCond, "((a = :v))", {}, kV,
         "Invalid ConditionExpression: The expression has redundant parentheses;"},
        {"double parentheses around an operand", Kind::Condition, kCond, "((a)) = :v", {}, kV,
         "Invalid ConditionExpression: The expression has redundant parentheses;"},
        {"double parentheses around a function", Kind::Condition, kCond, "((attribute_exists(a)))", {},
         "", "Invalid ConditionExpression: The expression has redundant parentheses;"},
        {"redundant parentheses in a filter", Kind::Condition, kFilter, "((a = :v))", {}, kV,
         "Invalid FilterExpression: The expression has redundant parentheses;"},
        {"key conditions accept double parentheses", Kind::Condition, kKey,
         "((#pk = :v)) AND ((#sk = :w))", {{"#pk", "pk"}, {"#sk", "sk"}}, kVW, ""},
        {"single parentheses are fine", Kind::Condition, kCond, "(a = :v) AND ((b = :v) OR (c) = :w)",
         {}, kVW, ""},
        {"nested non-redundant parentheses", Kind::Condition, kCond,
         "(attribute_exists(pk) AND (#s = :v))", {{"#s", "status"}}, kV, ""},
        {"redundant arithmetic parentheses", Kind::Update, "", "SET a = ((b + :n))", {},
         R"({":n":{"N":"1"}})", "Invalid UpdateExpression: The expression has redundant parentheses;"},
        {"redundant value parentheses", Kind::Update, "", "SET a = ((:n))", {}, R"({":n":{"N":"1"}})",
         "Invalid UpdateExpression: The expression has redundant parentheses;"},
        {"parenthesized arithmetic", Kind::Update, "", "SET a = (b + :n), c = (b) - (:n)", {},
         R"({":n":{"N":"1"}})", ""},
        {"redundant parentheses before a later syntax error", Kind::Condition, kCond, "((a = :v)) b",
         {}, kV, "Invalid ConditionExpression: The expression has redundant parentheses;"},
        // size limits
        {"condition of 4097 characters", Kind::Condition, kCond, "a = :v" + std::string(4091, ' '), {},
         kV,
         "Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; "
         "expression size: 4097"},
        {"condition of 4096 characters", Kind::Condition, kCond, "a = :v" + std::string(4090, ' '), {},
         kV, ""},
        {"update of 4097 characters", Kind::Update, "", "SET a = :v" + std::string(4087, ' '), {}, kV,
         "Invalid UpdateExpression: Expression size has exceeded the maximum allowed size;"},
        {"projection of 4097 characters", Kind::Projection, "", "a" + std::string(4096, ' '), {}, "",
         "Invalid ProjectionExpression: Expression size has exceeded the maximum allowed size;"},
        // reserved words
        {"reserved word in a condition", Kind::Condition, kCond, "status = :v", {}, kV,
         "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status"},
        {"reserved word keeps its case", Kind::Condition, kFilter, "a.Name = :v", {}, kV,
         "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: Name"},
        {"reserved word in an update", Kind::Update, "", "SET status = :v", {}, kV,
         "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status"},
        {"reserved word in a projection", Kind::Projection, "", "pk, status", {}, "",
         "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: status"},
        {"reserved word through a name is fine", Kind::Condition, kCond, "#status = :v",
         {{"#status", "status"}}, kV, ""},
        {"function names are not reserved words", Kind::Condition, kCond, "size(a) > :n", {},
         R"({":n":{"N":"1"}})", ""},
        {"reserved word beats an undefined name", Kind::Condition, kCond, "#undefined = :v AND data = :v",
         {}, kV,
         "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: data"},
        // functions
        {"unknown function", Kind::Condition, kCond, "foo(a)", {}, "",
         "Invalid ConditionExpression: Invalid function name; function: foo"},
        {"function names are case-sensitive", Kind::Condition, kCond, "ATTRIBUTE_EXISTS(a)", {}, "",
         "Invalid ConditionExpression: Invalid function name; function: ATTRIBUTE_EXISTS"},
        {"size as a condition", Kind::Condition, kCond, "size(a)", {}, "",
         "Invalid ConditionExpression: The function is not allowed to be used this way in an "
         "expression; function: size"},
        {"size under NOT", Kind::Condition, kCond, "NOT size(a)", {}, "",
         "Invalid ConditionExpression: The function is not allowed to be used this way in an "
         "expression; function: size"},
        {"boolean function compared", Kind::Condition, kCond, "attribute_exists(a) = :v", {}, kV,
         "Invalid ConditionExpression: The function is not allowed to be used this way in an "
         "expression; function: attribute_exists"},
        {"boolean function as an argument", Kind::Condition, kCond,
         "contains(attribute_type(a, :v), :v)", {}, kV,
         "Invalid ConditionExpression: The function is not allowed to be used this way in an "
         "expression; function: attribute_type"},
        {"update function in a condition", Kind::Condition, kCond, "if_not_exists(a, :v) = :v", {}, kV,
         "Invalid ConditionExpression: The function is not allowed in a condition expression; "
         "function: if_not_exists"},
        {"condition function in an update", Kind::Update, "", "SET a = size(b)", {}, "",
         "Invalid UpdateExpression: The function is not allowed in an update expression; function: "
         "size"},
        {"unknown function in an update", Kind::Update, "", "SET a = f(b, c, d)", {}, "",
         "Invalid UpdateExpression: Invalid function name; function: f"},
        {"nested list_append", Kind::Update, "", "SET a = list_append(list_append(:a, :b), :c)", {}, "",
         "Invalid UpdateExpression: The function is not allowed to be used this way in an "
         "expression; function: list_append"},
        {"list_append under +", Kind::Update, "", "SET a = list_append(a, :l) + :n", {}, "",
         "Invalid UpdateExpression: The function is not allowed to be used this way in an "
         "expression; function: list_append"},
        {"if_not_exists nests anywhere", Kind::Update, "",
         "SET a = list_append(if_not_exists(a, :e), :l), b = if_not_exists(b, :n) + :n", {},
         R"({":e":{"L":[]},":l":{"L":[{"N":"1"}]},":n":{"N":"1"}})", ""},
        {"size nests in conditions", Kind::Condition, kCond, "size(a) BETWEEN :n AND size(b)", {},
         R"({":n":{"N":"1"}})", ""},
        // update sections
        {"SET twice", Kind::Update, "", "SET a = :v SET b = :v", {}, kV,
         R"(Invalid UpdateExpression: The "SET" section can only be used once in an update expression;)"},
        {"ADD twice around SET", Kind::Update, "", "ADD x :one SET a = :a ADD y :one", {}, "",
         R"(Invalid UpdateExpression: The "ADD" section can only be used once in an update expression;)"},
        {"REMOVE twice", Kind::Update, "", "REMOVE #ulist[0] SET u = :v REMOVE p", {}, "",
         R"(Invalid UpdateExpression: The "REMOVE" section can only be used once in an update expression;)"},
        {"DELETE twice", Kind::Update, "", "DELETE a :s DELETE b :s", {}, "",
         R"(Invalid UpdateExpression: The "DELETE" section can only be used once in an update expression;)"},
        {"sections in any order and case", Kind::Update, "", "remove x sEt a = :v ADD n :n DELETE s :s",
         {}, R"({":v":{"S":"x"},":n":{"N":"1"},":s":{"SS":["a"]}})", ""},
        {"list index beyond int32", Kind::Condition, kCond, "a[2147483648] = :v", {}, kV,
         "Invalid ConditionExpression: List index is not within the allowable range; index: "
         "[2147483648]"},
        {"largest list index", Kind::Condition, kCond, "a[2147483647] = :v", {}, kV, ""},
    };
    return cases;
}

const std::vector<Case>& resolution_cases() {
    static const std::vector<Case> cases = {
        {"undefined name", Kind::Condition, kCond, "#n = :v", {}, kV,
         "Invalid ConditionExpression: An expression attribute name used in the document path is "
         "not defined; attribute name: #n"},
        {"undefined value", Kind::Condition, kFilter, "a = :x", {}, "",
         "Invalid FilterExpression: An expression attribute value used in expression is not "
         "defined; attribute value: :x"},
        {"undefined value in an update", Kind::Update, "", "SET attr1 = :v", {}, "",
         "Invalid UpdateExpression: An expression attribute value used in expression is not "
         "defined; attribute value: :v"},
        {"undefined name in a projection", Kind::Projection, "", "#undef", {}, "",
         "Invalid ProjectionExpression: An expression attribute name used in the document path is "
         "not defined; attribute name: #undef"},
        {"update paths are resolved before values", Kind::Update, "", "SET a = :undef, #undef = :v",
         {}, kV,
         "Invalid UpdateExpression: An expression attribute name used in the document path is not "
         "defined; attribute name: #undef"},
        {"operands before their operator", Kind::Condition, kCond, "begins_with(a, :n) AND b = :undef",
         {}, R"({":n":{"N":"1"}})",
         "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or "
         "function: begins_with, operand type: N"},
        {"value in a path", Kind::Condition, kCond, "a.:v = :v", {}, kV,
         "Invalid ConditionExpression: The document path cannot contain attribute value parameters; "
         "attribute value: :v"},
        {"path of 33 elements", Kind::Condition, kCond, deep_path(33) + " = :v", {}, kV,
         "Invalid ConditionExpression: The document path has too many nesting levels; nesting "
         "levels: 33"},
        {"path of 32 elements", Kind::Condition, kCond, deep_path(32) + " = :v", {}, kV, ""},
        // operand counts and types
        {"size with two operands", Kind::Condition, kCond, "size(a, b) > :n", {}, R"({":n":{"N":"1"}})",
         "Invalid ConditionExpression: Incorrect number of operands for operator or function; "
         "operator or function: size, number of operands: 2"},
        {"list_append with one operand", Kind::Update, "", "SET a = list_append(:l)", {},
         R"({":l":{"L":[]}})",
         "Invalid UpdateExpression: Incorrect number of operands for operator or function; operator "
         "or function: list_append, number of operands: 1"},
        {"attribute_exists of a value", Kind::Condition, kCond, "attribute_exists(:v)", {}, kV,
         "Invalid ConditionExpression: Operator or function requires a document path; operator or "
         "function: attribute_exists"},
        {"if_not_exists of a value", Kind::Update, "", "SET b = if_not_exists(:v, :v)", {}, kV,
         "Invalid UpdateExpression: Operator or function requires a document path; operator or "
         "function: if_not_exists"},
        {"attribute_type with a number", Kind::Condition, kCond, "attribute_type(a, :n)", {},
         R"({":n":{"N":"1"}})",
         "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or "
         "function: attribute_type, operand type: N"},
        {"attribute_type with a path", Kind::Condition, kCond, "attribute_type(a, b)", {}, "",
         "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or "
         "function: attribute_type, operand type: "
         "{S,SS,N,NS,B,BS,BOOL,NULL,L,M,HD,DOUBLE,FLOAT,HDS,FS,DOUBLESET,DICT,DECIMAL,INT,DECIMALSET,"
         "INTSET}"},
        {"attribute_type with an unknown type", Kind::Condition, kCond, "attribute_type(a, :t)", {},
         R"({":t":{"S":"STRING"}})",
         "Invalid ConditionExpression: Invalid attribute type name found; type: STRING, valid types: "
         "{N,BS,L,B,NULL,M,S,SS,NS,BOOL}"},
        {"ordering a list", Kind::Condition, kCond, "a < :l", {}, R"({":l":{"L":[]}})",
         "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or "
         "function: <, operand type: L"},
        {"BETWEEN a boolean", Kind::Condition, kCond, "a BETWEEN :b AND :v", {},
         R"({":b":{"BOOL":true},":v":{"S":"x"}})",
         "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or "
         "function: BETWEEN, operand type: BOOL"},
        {"size of a number", Kind::Condition, kCond, "size(:n) = :n", {}, R"({":n":{"N":"1"}})",
         "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or "
         "function: size, operand type: N"},
        {"equality accepts any type", Kind::Condition, kCond, "a = :l AND b <> :m", {},
         R"({":l":{"L":[]},":m":{"M":{}}})", ""},
        {"adding a string", Kind::Update, "", "SET b = :s + :n", {}, R"({":s":{"S":"dog"},":n":{"N":"3"}})",
         "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or "
         "function: +, operand type: S"},
        {"subtracting a list", Kind::Update, "", "SET b = a - :l", {}, R"({":l":{"L":[]}})",
         "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or "
         "function: -, operand type: L"},
        {"list_append of a string", Kind::Update, "", "SET a = list_append(:l, :s)", {},
         R"({":l":{"L":[]},":s":{"S":"hi"}})",
         "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or "
         "function: list_append, operand type: S"},
        {"ADD a string", Kind::Update, "", "ADD a :s", {}, R"({":s":{"S":"hello"}})",
         "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, "
         "operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND"},
        {"ADD a list", Kind::Update, "", "ADD a :l", {}, R"({":l":{"L":[{"N":"3"}]}})",
         "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, "
         "operand type: LIST, typeSet: ALLOWED_FOR_ADD_OPERAND"},
        {"DELETE a number", Kind::Update, "", "DELETE a :n", {}, R"({":n":{"N":"3"}})",
         "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: "
         "DELETE, operand type: NUMBER, typeSet: ALLOWED_FOR_DELETE_OPERAND"},
        {"DELETE a string", Kind::Update, "", "DELETE a :s", {}, R"({":s":{"S":"x"}})",
         "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: "
         "DELETE, operand type: STRING, typeSet: ALLOWED_FOR_DELETE_OPERAND"},
        // distinct operands
        {"comparing a path with itself", Kind::Condition, kCond, "a = a", {}, "",
         "Invalid ConditionExpression: The first operand must be distinct from the remaining "
         "operands for this operator or function; operator: =, first operand: [a]"},
        {"same path through a name", Kind::Condition, kCond, "#a <> a", {{"#a", "a"}}, "",
         "Invalid ConditionExpression: The first operand must be distinct from the remaining "
         "operands for this operator or function; operator: <>, first operand: [a]"},
        {"contains of itself", Kind::Condition, kCond, "contains(a.b[1], a.b[1])", {}, "",
         "Invalid ConditionExpression: The first operand must be distinct from the remaining "
         "operands for this operator or function; operator: contains, first operand: [a, b, [1]]"},
        {"different paths are fine", Kind::Condition, kCond, "a = b AND a.c = a", {}, "", ""},
        // BETWEEN bounds
        {"BETWEEN bounds of different types", Kind::Condition, kCond, "a BETWEEN :lo AND :hi", {},
         R"({":lo":{"N":"1"},":hi":{"S":"a"}})",
         "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower and "
         "upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: "
         "AttributeValue: {S:a}"},
        {"BETWEEN bounds reversed", Kind::Condition, kCond, "a BETWEEN :lo AND :hi", {},
         R"({":lo":{"N":"5"},":hi":{"N":"10e-1"}})",
         "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than "
         "or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: "
         "AttributeValue: {N:1}"},
        {"BETWEEN numeric bounds in order", Kind::Condition, kCond, "a BETWEEN :lo AND :hi", {},
         R"({":lo":{"N":"9"},":hi":{"N":"10"}})", ""},
        {"BETWEEN equal bounds", Kind::Condition, kCond, "a BETWEEN :lo AND :lo", {},
         R"({":lo":{"S":"x"}})", ""},
        // IN and operator limits
        {"IN with 101 operands", Kind::Condition, kCond, in_list(101), {}, kV,
         "Invalid ConditionExpression: The IN operator is provided with too many operands; number of "
         "operands: 101"},
        {"IN with 100 operands", Kind::Condition, kCond, in_list(100), {}, kV, ""},
        {"301 operators", Kind::Condition, kFilter, chain("a = :v", "OR", 151), {}, kV,
         "Invalid FilterExpression: The expression contains too many operators; operator count: 301"},
        {"300 operators", Kind::Condition, kFilter, chain("a = :v", "OR", 149) + " AND NOT b = :v", {},
         kV, ""},
        {"301 operators in an update", Kind::Update, "", "SET " + many_sums(301), {},
         R"({":n":{"N":"1"}})",
         "Invalid UpdateExpression: The expression contains too many operators; operator count: 301"},
        {"300 operators in an update", Kind::Update, "", "SET " + many_sums(300), {},
         R"({":n":{"N":"1"}})", ""},
        // overlapping paths
        {"SET a path and its child", Kind::Update, "", "SET a = :v, a.b = :w", {}, kVW,
         "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
         "rewrite one of these paths; path one: [a], path two: [a, b]"},
        {"SET a child and its parent", Kind::Update, "", "SET a.b = :v, a = :w", {}, kVW,
         "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
         "rewrite one of these paths; path one: [a, b], path two: [a]"},
        {"same path through names", Kind::Update, "", "SET #s = :v, #s = :v", {{"#s", "string_set"}}, kV,
         "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
         "rewrite one of these paths; path one: [string_set], path two: [string_set]"},
        {"same nested path", Kind::Update, "", "SET string_set.nested = :h, string_set.nested = :h", {},
         R"({":h":{"S":"H"}})",
         "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
         "rewrite one of these paths; path one: [string_set, nested], path two: [string_set, nested]"},
        {"REMOVE and SET of one path", Kind::Update, "", "REMOVE a SET a = :v", {}, kV,
         "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
         "rewrite one of these paths; path one: [a], path two: [a]"},
        {"ADD and DELETE of one set", Kind::Update, "", "ADD #s :a DELETE #s :d", {{"#s", "string_set"}},
         R"({":a":{"SS":["c"]},":d":{"SS":["a"]}})",
         "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
         "rewrite one of these paths; path one: [string_set], path two: [string_set]"},
        {"list indexes overlap", Kind::Update, "", "SET a[1][1] = :v, a[1] = :w", {}, kVW,
         "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
         "rewrite one of these paths; path one: [a, [1], [1]], path two: [a, [1]]"},
        {"map key and list index conflict", Kind::Update, "", "SET a.b = :v, a[1] = :w", {}, kVW,
         "Invalid UpdateExpression: Two document paths conflict with each other; must remove or "
         "rewrite one of these paths; path one: [a, b], path two: [a, [1]]"},
        {"a name containing a dot is one attribute", Kind::Update, "", "SET string_set = :h, #n = :h",
         {{"#n", "string_set.nested"}}, R"({":h":{"S":"H"}})", ""},
        {"siblings do not overlap", Kind::Update, "", "SET #r.#c1 = :k1, #r.#c2 = :k2",
         {{"#r", "nested"}, {"#c1", "key1"}, {"#c2", "key2"}}, R"({":k1":{"S":"1"},":k2":{"S":"2"}})",
         ""},
        {"projection overlap", Kind::Projection, "", "#a, #a.#b", {{"#a", "a"}, {"#b", "b"}}, "",
         "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or "
         "rewrite one of these paths; path one: [a], path two: [a, b]"},
        {"projection duplicate", Kind::Projection, "", "body, subject, body", {}, "",
         "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or "
         "rewrite one of these paths; path one: [body], path two: [body]"},
        {"projection conflict", Kind::Projection, "", "a[0], a.b", {}, "",
         "Invalid ProjectionExpression: Two document paths conflict with each other; must remove or "
         "rewrite one of these paths; path one: [a, [0]], path two: [a, b]"},
        {"projection of list elements", Kind::Projection, "", "#l[2], #l[0], m.x, m.y",
         {{"#l", "l"}}, "", ""},
    };
    return cases;
}

void check_table(const std::vector<Case>& cases) {
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            INFO("expression: " << c.expression);
            CHECK(run(c) == c.expected);
        }
    }
}

struct TreeCase {
    const char* name;
    const char* expression;
    Names names;
    std::string expected;
};

}  // namespace

TEST_CASE("expression syntax errors name the token and its neighbours", "[expression][parser]") {
    check_table(syntax_cases());
}

TEST_CASE("expression structure: parentheses, limits, reserved words, functions, sections",
          "[expression][parser]") {
    check_table(structure_cases());
}

TEST_CASE("expression resolution: names, values, types, bounds, limits, overlaps",
          "[expression][parser]") {
    check_table(resolution_cases());
}

TEST_CASE("condition trees: precedence NOT > AND > OR, parentheses, functions",
          "[expression][parser]") {
    const char* values =
        R"({":v":{"S":"x"},":w":{"S":"y"},":n":{"N":"3"},":t":{"S":"SS"},":lo":{"N":"1"},":hi":{"N":"2"}})";
    const std::vector<TreeCase> cases = {
        {"comparison", "a = :v", {}, "=(a,:v)"},
        {"every comparator", "a <> :v AND a < :v AND a <= :v AND a > :v AND a >= :v", {},
         "AND(AND(AND(AND(<>(a,:v),<(a,:v)),<=(a,:v)),>(a,:v)),>=(a,:v))"},
        {"AND binds tighter than OR", "a = :v OR b = :v AND c = :v", {}, "OR(=(a,:v),AND(=(b,:v),=(c,:v)))"},
        {"NOT binds tighter than AND", "NOT a = :v AND b = :v", {}, "AND(NOT(=(a,:v)),=(b,:v))"},
        {"parentheses group", "(a = :v OR b = :v) AND c = :v", {}, "AND(OR(=(a,:v),=(b,:v)),=(c,:v))"},
        {"double NOT", "NOT NOT a = :v", {}, "NOT(NOT(=(a,:v)))"},
        {"keywords in any case", "a between :lo and :hi or not a in (:v, :w)", {},
         "OR(BETWEEN(a,:lo,:hi),NOT(IN(a,:v,:w)))"},
        {"parenthesized operands", "(a) = (:v)", {}, "=(a,:v)"},
        {"value on the left", ":lo <= sk", {}, "<=(:lo,sk)"},
        {"functions", "attribute_exists(a) AND attribute_not_exists(b.c) AND attribute_type(d, :t)", {},
         "AND(AND(attribute_exists(a),attribute_not_exists(b.c)),attribute_type(d,:t))"},
        {"begins_with and contains", "begins_with(a, :v) OR contains(b, :v)", {},
         "OR(begins_with(a,:v),contains(b,:v))"},
        {"size in comparisons", "size(a) > :n", {}, ">(size(a),:n)"},
        {"nested paths and names", "#x.y[3].#z = :v", {{"#x", "a.b"}, {"#z", "c"}}, "=(a.b.y[3].c,:v)"},
        {"whitespace everywhere", "\t a\n=\r:v ", {}, "=(a,:v)"},
        {"names may start with digits", "#0 = :1", {{"#0", "pk"}}, "=(pk,:1)"},
        {"SDK-style parentheses", "( ( ( size ( #A )) < #B.Maximum ) AND ( #C > :n ) )",
         {{"#A", "Attendance"}, {"#B", "PostInformation"}, {"#C", "TTL"}},
         "AND(<(size(Attendance),PostInformation.Maximum),>(TTL,:n))"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            Item v = item(values);
            std::map<std::string, AttributeValue> vals(v.begin(), v.end());
            vals.emplace(":1", value(R"({"N":"1"})"));
            expr::Attributes a(c.names, vals);
            CHECK(show(expr::parse_condition(c.expression, "ConditionExpression", a)) == c.expected);
        }
    }
}

TEST_CASE("update trees keep action order, kinds and values", "[expression][parser]") {
    expr::Attributes a = attrs({{"#n", "name"}},
                               R"({":v":{"S":"x"},":n":{"N":"1"},":s":{"SS":["a"]},":l":{"L":[]}})");
    expr::Update u = expr::parse_update(
        "SET #n = :v, c = c + :n, d = list_append(if_not_exists(d, :l), :l) REMOVE e[2], f.g "
        "ADD h :n DELETE i :s",
        a);
    REQUIRE(u.actions.size() == 7);
    CHECK(u.actions[0].kind == expr::ActionKind::Set);
    CHECK(show(u.actions[0].value) == ":v");
    CHECK(show_path(u.actions[0].path) == "name");
    CHECK(show(u.actions[1].value) == "(c+:n)");
    CHECK(show(u.actions[2].value) == "list_append(if_not_exists(d,:l),:l)");
    CHECK(u.actions[3].kind == expr::ActionKind::Remove);
    CHECK(show_path(u.actions[3].path) == "e[2]");
    CHECK(show_path(u.actions[4].path) == "f.g");
    CHECK(u.actions[5].kind == expr::ActionKind::Add);
    CHECK(u.actions[6].kind == expr::ActionKind::Delete);
    CHECK(u.actions[6].value.value()->value.type == lowcloud::dynamodb::Type::SS);
    CHECK_FALSE(u.legacy);

    std::vector<expr::Path> paths = expr::updated_paths(u);
    REQUIRE(paths.size() == 7);
    CHECK(paths[0].to_string() == "[name]");
    CHECK(paths[3].to_string() == "[e, [2]]");
    CHECK(paths[4].attribute() == "f");
    CHECK(paths[4].nested());
    CHECK_NOTHROW(a.check_all_used());
}

TEST_CASE("projection paths are resolved in order", "[expression][parser]") {
    expr::Attributes a = attrs({{"#l", "list"}}, "");
    expr::Projection p = expr::parse_projection("a, #l[2].b, c.d", a);
    REQUIRE(p.paths.size() == 3);
    CHECK(p.paths[0].to_string() == "[a]");
    CHECK(p.paths[1].to_string() == "[list, [2], b]");
    CHECK(p.paths[2].to_string() == "[c, d]");
}

TEST_CASE("ExpressionAttributeNames and Values: keys, limits, unused entries",
          "[expression][attributes]") {
    using Values = std::map<std::string, AttributeValue>;
    const AttributeValue x = value(R"({"S":"x"})");
    SECTION("name key without #") {
        CHECK(error_of([&] { expr::Attributes a({{"a", "a"}}, {}); }) ==
              R"(ExpressionAttributeNames contains invalid key: Syntax error; key: "a")");
    }
    SECTION("name key with a dash") {
        CHECK(error_of([&] { expr::Attributes a({{"#a-b", "a"}}, {}); }) ==
              R"(ExpressionAttributeNames contains invalid key: Syntax error; key: "#a-b")");
    }
    SECTION("lone #") {
        CHECK(error_of([&] { expr::Attributes a({{"#", "a"}}, {}); }) ==
              R"(ExpressionAttributeNames contains invalid key: Syntax error; key: "#")");
    }
    SECTION("value key without :") {
        CHECK(error_of([&] { expr::Attributes a({}, Values{{"v", x}}); }) ==
              R"(ExpressionAttributeValues contains invalid key: Syntax error; key: "v")");
    }
    SECTION("name key of 256 characters") {
        CHECK(error_of([&] { expr::Attributes a({{"#" + std::string(255, 'a'), "a"}}, {}); }) ==
              "ExpressionAttributeNames contains invalid key: The expression attribute map contains a "
              "key that is too long; size of key: 256");
    }
    SECTION("value key of 256 characters") {
        CHECK(error_of([&] { expr::Attributes a({}, Values{{":" + std::string(255, 'a'), x}}); }) ==
              "ExpressionAttributeValues contains invalid key: The expression attribute map contains a "
              "key that is too long;");
    }
    SECTION("keys of 255 characters") {
        CHECK(error_of([&] {
                  expr::Attributes a({{"#" + std::string(254, 'a'), "a"}},
                                     Values{{":" + std::string(254, 'a'), x}});
              }) == "");
    }
    SECTION("empty attribute name") {
        CHECK(error_of([&] { expr::Attributes a({{"#a", ""}}, {}); }) ==
              "ExpressionAttributeNames contains invalid value: Empty attribute name for key #a");
    }
    SECTION("unused name") {
        expr::Attributes a = attrs({{"#n", "n"}, {"#unused", "someattr"}}, kV);
        expr::parse_condition("#n = :v", "ConditionExpression", a);
        CHECK(error_of([&] { a.check_all_used(); }) ==
              "Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}");
    }
    SECTION("unused names are listed sorted, before unused values") {
        expr::Attributes a = attrs({{"#count", "count"}, {"#b", "b"}, {"#limit", "limit"}},
                                   R"({":limit":{"S":"l"},":countChange":{"N":"1"}})");
        expr::parse_update("SET spec.#limit = :limit", a);
        CHECK(error_of([&] { a.check_all_used(); }) ==
              "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b, #count}");
    }
    SECTION("unused value") {
        expr::Attributes a = attrs({}, R"({":v":{"S":"val"},":unused":{"S":"extra"}})");
        expr::parse_update("SET attr1 = :v", a);
        CHECK(error_of([&] { a.check_all_used(); }) ==
              "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}");
    }
    SECTION("usage spans all expressions of a request") {
        expr::Attributes a = attrs({{"#a", "a"}, {"#p", "p"}}, R"({":v":{"S":"x"},":w":{"S":"y"}})");
        expr::parse_update("SET #a = :v", a);
        expr::parse_condition("attribute_exists(#p) AND #a <> :w", "ConditionExpression", a);
        expr::parse_projection("#a", a);
        CHECK_NOTHROW(a.check_all_used());
    }
    SECTION("names used only on the right of SET count as used") {
        expr::Attributes a = attrs({{"#one", "c"}, {"#two", "a"}}, "");
        expr::parse_update("SET #one = #two", a);
        CHECK_NOTHROW(a.check_all_used());
    }
}

TEST_CASE("deep nesting is refused, never a stack overflow", "[expression][parser]") {
    expr::Attributes a = attrs({}, kV);
    for (const char* parameter : {"ConditionExpression", "KeyConditionExpression"}) {
        INFO(parameter);
        const std::string parens = std::string(2000, '(') + "a = :v" + std::string(2000, ')');
        CHECK(error_of([&] { expr::parse_condition(parens, parameter, a); })
                  .find("The expression has too many nesting levels;") != std::string::npos);
    }
    CHECK(error_of([&] { expr::parse_condition(repeat("NOT ", 1000) + "a = :v", "FilterExpression", a); }) ==
          "Invalid FilterExpression: The expression has too many nesting levels; nesting levels: 101");
    CHECK(error_of([&] {
              expr::parse_condition(repeat("size(", 600) + "a" + repeat(")", 600) + " = :v",
                                    "FilterExpression", a);
          }).find("too many nesting levels") != std::string::npos);
    CHECK(error_of([&] { expr::parse_update("SET a = " + repeat("(", 3000) + ":v", a); })
              .find("Invalid UpdateExpression: The expression has too many nesting levels") == 0);
    // 100 levels is fine where redundant parentheses are allowed.
    expr::Attributes k = attrs({}, kV);
    CHECK_NOTHROW(expr::parse_condition(std::string(100, '(') + "pk = :v" + std::string(100, ')'),
                                        "KeyConditionExpression", k));
    CHECK(error_of([&] {
              expr::parse_condition(std::string(101, '(') + "pk = :v" + std::string(101, ')'),
                                    "KeyConditionExpression", k);
          }) == "Invalid KeyConditionExpression: The expression has too many nesting levels; "
                "nesting levels: 101");
}
