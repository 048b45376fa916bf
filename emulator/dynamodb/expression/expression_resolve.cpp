// From raw syntax tree to the resolved, typed tree of expression_ast.hpp,
// with DynamoDB's validation in DynamoDB's order. After the parser has
// accepted the syntax, two passes run:
//   1. a structure walk in source order (DynamoDB's parse-tree listener):
//      bare names that are reserved words, unknown function names, functions
//      used where they are not allowed ("The function is not allowed to be
//      used this way in an expression; function: size"), list indexes beyond
//      int32, repeated update sections;
//   2. resolution, depth-first with operands before their operator
//      (DynamoDB's validator): paths (depth <= 32, #names defined), :values
//      defined, operand counts and types of each operator and function,
//      distinct first operand, BETWEEN bounds, IN size, the operator count,
//      and for updates and projections the overlap / conflict of paths.
// It also holds the Attributes bookkeeping and the public parse_* entry
// points, which check emptiness and size first.
#include "expression/expression.hpp"
#include "expression/expression_internal.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <utility>

namespace lowcloud::dynamodb::expr {
namespace {

using detail::invalid;
using detail::message;
using detail::RawCond;
using detail::RawOperand;
using detail::RawPath;

enum class Category { Condition, Update, Projection };

// ---- type sets (DynamoDB's TypeSet) ----------------------------------------------

using TypeMask = unsigned;
constexpr TypeMask bit(Type t) { return 1u << static_cast<unsigned>(t); }
constexpr TypeMask kAll = ~0u;
constexpr TypeMask kOrdered = bit(Type::S) | bit(Type::N) | bit(Type::B);
constexpr TypeMask kStringBinary = bit(Type::S) | bit(Type::B);
constexpr TypeMask kIterable = bit(Type::S) | bit(Type::B) | bit(Type::SS) | bit(Type::NS) |
                               bit(Type::BS) | bit(Type::L) | bit(Type::M);
constexpr TypeMask kAddable = bit(Type::N) | bit(Type::SS) | bit(Type::NS) | bit(Type::BS);
constexpr TypeMask kDeletable = bit(Type::SS) | bit(Type::NS) | bit(Type::BS);

// How DynamoDB renders "any type" (a document path) in operand-type errors.
constexpr std::string_view kAnyType =
    "{S,SS,N,NS,B,BS,BOOL,NULL,L,M,HD,DOUBLE,FLOAT,HDS,FS,DOUBLESET,DICT,DECIMAL,INT,DECIMALSET,"
    "INTSET}";

// DynamoDB's internal type names, used by ADD / DELETE operand errors.
std::string_view long_type_name(Type t) {
    switch (t) {
        case Type::S: return "STRING";
        case Type::N: return "NUMBER";
        case Type::B: return "BINARY";
        case Type::BOOL: return "BOOLEAN";
        case Type::NUL: return "NULL";
        case Type::M: return "MAP";
        case Type::L: return "LIST";
        case Type::SS: return "STRING_SET";
        case Type::NS: return "NUMBER_SET";
        case Type::BS: return "BINARY_SET";
    }
    return "NULL";
}

// ---- functions ---------------------------------------------------------------------

struct FunctionInfo {
    std::string_view name;
    Function function;
    bool condition;  // a condition function (else an update value function)
    std::size_t arity;
    TypeMask operand_types;
};

constexpr std::array<FunctionInfo, 8> kFunctions{{
    {"attribute_exists", Function::AttributeExists, true, 1, kAll},
    {"attribute_not_exists", Function::AttributeNotExists, true, 1, kAll},
    {"attribute_type", Function::AttributeType, true, 2, kAll},
    {"begins_with", Function::BeginsWith, true, 2, kStringBinary},
    {"contains", Function::Contains, true, 2, kAll},
    {"size", Function::Size, true, 1, kIterable},
    {"if_not_exists", Function::IfNotExists, false, 2, kAll},
    {"list_append", Function::ListAppend, false, 2, bit(Type::L)},
}};

const FunctionInfo* find_function(std::string_view name) {
    for (const auto& f : kFunctions) {
        if (f.name == name) return &f;
    }
    return nullptr;
}

const FunctionInfo& info(Function f) { return kFunctions[static_cast<std::size_t>(f)]; }

std::size_t utf16_length(std::string_view s) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if ((c & 0xC0) == 0x80) continue;  // continuation byte
        n += c >= 0xF0 ? 2 : 1;            // 4-byte sequences are surrogate pairs
    }
    return n;
}

bool valid_placeholder(std::string_view key, char sigil) {
    if (key.size() < 2 || key[0] != sigil) return false;
    return std::all_of(key.begin() + 1, key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_';
    });
}

// ---- pass 1: structure, in source order ---------------------------------------------

class StructureCheck {
public:
    StructureCheck(std::string_view parameter, Category category)
        : parameter_(parameter), category_(category) {}

    void path(const RawPath& p) const {
        for (const auto& e : p.elems) {
            if (e.kind == detail::RawElem::Kind::Id && detail::is_reserved_word(e.text)) {
                fail(message("Attribute name is a reserved keyword",
                             {{"reserved keyword", e.text}}));
            }
            if (e.kind == detail::RawElem::Kind::Index &&
                (e.text.size() > 10 || std::stoull(e.text) > 2147483647ULL)) {
                fail(message("List index is not within the allowable range",
                             {{"index", "[" + e.text + "]"}}));
            }
        }
    }

    void operand(const RawOperand& o) {
        switch (o.kind) {
            case RawOperand::Kind::Path: path(o.path); break;
            case RawOperand::Kind::Value: break;
            case RawOperand::Kind::Call: call(o); break;
            case RawOperand::Kind::Arith:
                ++nesting_;
                operand(o.args[0]);
                operand(o.args[1]);
                --nesting_;
                break;
        }
    }

    void condition(const RawCond& c) {
        switch (c.kind) {
            case RawCond::Kind::Call: call(c.operands[0]); break;
            case RawCond::Kind::Compare:
            case RawCond::Kind::Between:
            case RawCond::Kind::In:
                ++nesting_;
                for (const auto& o : c.operands) operand(o);
                --nesting_;
                break;
            default:
                for (const auto& child : c.children) condition(child);
                break;
        }
    }

    void update(const detail::RawUpdate& u) {
        std::array<bool, 4> seen{};
        for (const auto& section : u.sections) {
            for (const auto& a : section.actions) {
                path(a.path);
                if (a.kind == ActionKind::Set) operand(a.value);
            }
            auto& flag = seen[static_cast<std::size_t>(section.kind)];
            if (flag) {
                static constexpr std::array<std::string_view, 4> kNames{"SET", "REMOVE", "ADD",
                                                                        "DELETE"};
                fail(message("The \"" +
                             std::string(kNames[static_cast<std::size_t>(section.kind)]) +
                             "\" section can only be used once in an update expression"));
            }
            flag = true;
        }
    }

private:
    void call(const RawOperand& o) {
        const FunctionInfo* f = find_function(o.text);
        if (f == nullptr) fail(message("Invalid function name", {{"function", o.text}}));
        if (category_ == Category::Update) {
            if (f->condition) {
                fail(message("The function is not allowed in an update expression",
                             {{"function", o.text}}));
            }
            if (nesting_ > 0 && f->function != Function::IfNotExists) misused(o.text);
        } else {
            if (!f->condition) {
                fail(message("The function is not allowed in a condition expression",
                             {{"function", o.text}}));
            }
            if (nesting_ == 0 && f->function == Function::Size) misused(o.text);
            if (nesting_ > 0 && f->function != Function::Size) misused(o.text);
        }
        ++nesting_;
        for (const auto& arg : o.args) operand(arg);
        --nesting_;
    }

    [[noreturn]] void misused(const std::string& name) const {
        fail(message("The function is not allowed to be used this way in an expression",
                     {{"function", name}}));
    }

    [[noreturn]] void fail(const std::string& text) const { throw invalid(parameter_, text); }

    std::string_view parameter_;
    Category category_;
    int nesting_ = 0;
};

// ---- overlapping paths (DynamoDB's projection tree) -----------------------------------

class PathTree {
public:
    explicit PathTree(std::string_view parameter) : parameter_(parameter) {}

    void insert(const Path& p) {
        Node* node = &root_;
        for (std::size_t depth = 0;; ++depth) {
            const PathElement& e = p.elements[depth];
            auto it = std::find_if(node->children.begin(), node->children.end(),
                                   [&](const auto& c) { return c.first == e; });
            if (it == node->children.end()) {
                if (!node->children.empty() && node->children.front().first.kind != e.kind) {
                    clash("Two document paths conflict with each other; must remove or rewrite "
                          "one of these paths",
                          p, depth, node);
                }
                node->children.emplace_back(e, chain(p, depth + 1));
                return;
            }
            if (it->second && depth + 1 < p.elements.size()) {
                node = it->second.get();
                continue;
            }
            clash("Two document paths overlap with each other; must remove or rewrite one of "
                  "these paths",
                  p, depth, node);
        }
    }

private:
    struct Node {
        std::vector<std::pair<PathElement, std::unique_ptr<Node>>> children;  // null: leaf
    };

    static std::unique_ptr<Node> chain(const Path& p, std::size_t from) {
        if (from >= p.elements.size()) return nullptr;
        auto n = std::make_unique<Node>();
        n->children.emplace_back(p.elements[from], chain(p, from + 1));
        return n;
    }

    [[noreturn]] void clash(std::string_view base, const Path& p, std::size_t depth,
                            const Node* node) const {
        Path other;
        other.elements.assign(p.elements.begin(), p.elements.begin() + static_cast<long>(depth));
        const Node* cur = node;
        while (cur != nullptr && !cur->children.empty()) {
            other.elements.push_back(cur->children.front().first);
            cur = cur->children.front().second.get();
        }
        throw invalid(parameter_, message(base, {{"path one", other.to_string()},
                                                 {"path two", p.to_string()}}));
    }

    std::string_view parameter_;
    Node root_;
};

// ---- pass 2: resolution and typing ------------------------------------------------------

class Resolver {
public:
    Resolver(std::string_view parameter, Attributes& attrs)
        : parameter_(parameter), attrs_(attrs) {}

    Path path(const RawPath& raw) const {
        if (raw.elems.size() > kMaxPathDepth) {
            fail(message("The document path has too many nesting levels",
                         {{"nesting levels", std::to_string(raw.elems.size())}}));
        }
        Path p;
        for (const auto& e : raw.elems) {
            switch (e.kind) {
                case detail::RawElem::Kind::Id:
                    p.elements.push_back(PathElement::key(e.text));
                    break;
                case detail::RawElem::Kind::NameRef: {
                    const std::string* name = attrs_.use_name(e.text);
                    if (name == nullptr) {
                        fail(message("An expression attribute name used in the document path is "
                                     "not defined",
                                     {{"attribute name", e.text}}));
                    }
                    p.elements.push_back(PathElement::key(*name));
                    break;
                }
                case detail::RawElem::Kind::ValueRef:
                    fail(message("The document path cannot contain attribute value parameters",
                                 {{"attribute value", e.text}}));
                case detail::RawElem::Kind::Index:
                    p.elements.push_back(PathElement::at(std::stoull(e.text)));
                    break;
            }
        }
        return p;
    }

    Operand operand(const RawOperand& o) {
        switch (o.kind) {
            case RawOperand::Kind::Path: return Operand{path(o.path)};
            case RawOperand::Kind::Value: {
                const AttributeValue* v = attrs_.use_value(o.text);
                if (v == nullptr) {
                    fail(message("An expression attribute value used in expression is not defined",
                                 {{"attribute value", o.text}}));
                }
                return Operand{ValueRef{*v, o.text}};
            }
            case RawOperand::Kind::Call: return Operand{call(o)};
            case RawOperand::Kind::Arith: return arithmetic(o);
        }
        return {};
    }

    // Each kind is resolved in its own (non-inlined) function so that the
    // recursion through NOT / AND / OR keeps small stack frames.
    Condition condition(const RawCond& c) {
        switch (c.kind) {
            case RawCond::Kind::Compare: return compare(c);
            case RawCond::Kind::Between: return between(c);
            case RawCond::Kind::In: return in(c);
            case RawCond::Kind::Call: return boolean_call(c);
            case RawCond::Kind::Not: return negation(c);
            case RawCond::Kind::And:
            case RawCond::Kind::Or: return logical(c);
        }
        return {};
    }

    Update update(const detail::RawUpdate& raw) {
        Update u;
        PathTree tree(parameter_);
        for (const auto& section : raw.sections) {
            for (const auto& a : section.actions) {
                UpdateAction action;
                action.kind = a.kind;
                action.path = path(a.path);
                tree.insert(action.path);
                u.actions.push_back(std::move(action));
            }
        }
        std::size_t i = 0;
        for (const auto& section : raw.sections) {
            for (const auto& a : section.actions) {
                UpdateAction& action = u.actions[i++];
                if (a.kind == ActionKind::Remove) continue;
                action.value = operand(a.value);
                if (a.kind == ActionKind::Set) continue;
                const bool add = a.kind == ActionKind::Add;
                const Type t = action.value.value()->value.type;
                if ((bit(t) & (add ? kAddable : kDeletable)) == 0) {
                    fail(message("Incorrect operand type for operator or function",
                                 {{"operator", add ? "ADD" : "DELETE"},
                                  {"operand type", std::string(long_type_name(t))},
                                  {"typeSet", add ? "ALLOWED_FOR_ADD_OPERAND"
                                                  : "ALLOWED_FOR_DELETE_OPERAND"}}));
                }
            }
        }
        return u;
    }

    Projection projection(const std::vector<RawPath>& raw) const {
        Projection p;
        PathTree tree(parameter_);
        for (const auto& r : raw) p.paths.push_back(path(r));
        for (const auto& resolved : p.paths) tree.insert(resolved);
        return p;
    }

private:
    [[gnu::noinline]] Condition compare(const RawCond& c) {
        Operand l = operand(c.operands[0]);
        Operand r = operand(c.operands[1]);
        const std::string symbol(comparator_symbol(c.comparator));
        const bool equality = c.comparator == Comparator::EQ || c.comparator == Comparator::NE;
        check_types(symbol, {&l, &r}, equality ? kAll : kOrdered);
        check_distinct(symbol, {&l, &r});
        count_operator();
        return Condition{Compare{c.comparator, std::move(l), std::move(r)}};
    }

    [[gnu::noinline]] Condition between(const RawCond& c) {
        Operand v = operand(c.operands[0]);
        Operand lo = operand(c.operands[1]);
        Operand hi = operand(c.operands[2]);
        check_types("BETWEEN", {&v, &lo, &hi}, kOrdered);
        check_distinct("BETWEEN", {&v, &lo, &hi});
        check_bounds(lo, hi);
        count_operator();
        return Condition{Between{std::move(v), std::move(lo), std::move(hi)}};
    }

    [[gnu::noinline]] Condition in(const RawCond& c) {
        In in{operand(c.operands[0]), {}};
        for (std::size_t i = 1; i < c.operands.size(); ++i) {
            in.candidates.push_back(operand(c.operands[i]));
        }
        std::vector<const Operand*> all{&in.value};
        for (const auto& o : in.candidates) all.push_back(&o);
        check_distinct("IN", all);
        if (in.candidates.size() > kMaxInOperands) {
            fail(message("The IN operator is provided with too many operands",
                         {{"number of operands", std::to_string(in.candidates.size())}}));
        }
        count_operator();
        return Condition{std::move(in)};
    }

    [[gnu::noinline]] Condition boolean_call(const RawCond& c) {
        return Condition{call(c.operands[0])};
    }

    [[gnu::noinline]] Condition negation(const RawCond& c) {
        Box<Condition> inner(condition(c.children[0]));
        count_operator();
        return Condition{Not{std::move(inner)}};
    }

    [[gnu::noinline]] Condition logical(const RawCond& c) {
        Box<Condition> l(condition(c.children[0]));
        Box<Condition> r(condition(c.children[1]));
        count_operator();
        if (c.kind == RawCond::Kind::And) return Condition{And{std::move(l), std::move(r)}};
        return Condition{Or{std::move(l), std::move(r)}};
    }

    [[gnu::noinline]] Operand arithmetic(const RawOperand& o) {
        Operand left = operand(o.args[0]);
        Operand right = operand(o.args[1]);
        const std::string symbol(1, o.op);
        check_types(symbol, {&left, &right}, bit(Type::N));
        count_operator();
        return Operand{Arithmetic{o.op, std::move(left), std::move(right)}};
    }

    [[gnu::noinline]] Call call(const RawOperand& o) {
        const FunctionInfo& f = *find_function(o.text);  // checked by the structure walk
        Call call{f.function, {}};
        for (const auto& arg : o.args) call.args.push_back(operand(arg));
        if (call.args.size() != f.arity) {
            fail(message("Incorrect number of operands for operator or function",
                         {{"operator or function", o.text},
                          {"number of operands", std::to_string(call.args.size())}}));
        }
        std::vector<const Operand*> args;
        for (const auto& a : call.args) args.push_back(&a);
        check_types(o.text, args, f.operand_types);
        if (f.function != Function::ListAppend) check_distinct(o.text, args);
        switch (f.function) {
            case Function::AttributeExists:
            case Function::AttributeNotExists:
            case Function::IfNotExists:
                if (call.args[0].path() == nullptr) {
                    fail(message("Operator or function requires a document path",
                                 {{"operator or function", o.text}}));
                }
                break;
            case Function::AttributeType: check_type_name(call.args[1]); break;
            default: break;
        }
        count_operator();
        return call;
    }

    // The rendering of an operand's possible types, or "" when `allowed`
    // accepts it (a document path can hold anything, so it always passes).
    static std::string rejected_type(const Operand& o, TypeMask allowed) {
        if (const auto* v = o.value()) {
            return (bit(v->value.type) & allowed) ? "" : std::string(type_name(v->value.type));
        }
        if (const auto* c = o.call()) {
            if (c->function == Function::Size) return (allowed & bit(Type::N)) ? "" : "N";
            if (c->function == Function::ListAppend) return (allowed & bit(Type::L)) ? "" : "L";
            return "";
        }
        if (std::holds_alternative<Arithmetic>(o.node)) return (allowed & bit(Type::N)) ? "" : "N";
        return "";
    }

    void check_types(const std::string& op, const std::vector<const Operand*>& operands,
                     TypeMask allowed) const {
        for (const Operand* o : operands) {
            std::string t = rejected_type(*o, allowed);
            if (!t.empty()) {
                fail(message("Incorrect operand type for operator or function",
                             {{"operator or function", op}, {"operand type", t}}));
            }
        }
    }

    void check_distinct(const std::string& op, const std::vector<const Operand*>& operands) const {
        const Path* first = operands.empty() ? nullptr : operands.front()->path();
        if (first == nullptr) return;
        for (std::size_t i = 1; i < operands.size(); ++i) {
            const Path* p = operands[i]->path();
            if (p != nullptr && *p == *first) {
                fail(message("The first operand must be distinct from the remaining operands for "
                             "this operator or function",
                             {{"operator", op}, {"first operand", first->to_string()}}));
            }
        }
    }

    void check_bounds(const Operand& lo, const Operand& hi) const {
        const ValueRef* a = lo.value();
        const ValueRef* b = hi.value();
        if (a == nullptr || b == nullptr) return;
        const std::pair<std::string_view, std::string> bounds[] = {
            {"lower bound operand", "AttributeValue: " + detail::render_value(a->value)},
            {"upper bound operand", "AttributeValue: " + detail::render_value(b->value)}};
        if (a->value.type != b->value.type) {
            fail(message("The BETWEEN operator requires same data type for lower and upper bounds",
                         {bounds[0], bounds[1]}));
        }
        auto order = detail::compare_values(a->value, b->value);
        if (order && *order > 0) {
            fail(message("The BETWEEN operator requires upper bound to be greater than or equal "
                          "to lower bound",
                          {bounds[0], bounds[1]}));
        }
    }

    void check_type_name(const Operand& o) const {
        const ValueRef* v = o.value();
        if (v == nullptr || v->value.type != Type::S) {
            std::string t = v != nullptr ? std::string(type_name(v->value.type))
                            : o.call() != nullptr ? std::string(rejected_type(o, 0))
                                                  : std::string(kAnyType);
            fail(message("Incorrect operand type for operator or function",
                         {{"operator or function", "attribute_type"}, {"operand type", t}}));
        }
        static constexpr std::array<std::string_view, 10> kTypes{"S", "SS", "N", "NS", "B",
                                                                 "BS", "BOOL", "NULL", "L", "M"};
        if (std::find(kTypes.begin(), kTypes.end(), v->value.scalar) == kTypes.end()) {
            fail(message(
                "Invalid attribute type name found",
                {{"type", v->value.scalar}, {"valid types", "{N,BS,L,B,NULL,M,S,SS,NS,BOOL}"}}));
        }
    }

    void count_operator() {
        if (++operators_ > kMaxOperators) {
            fail(message("The expression contains too many operators",
                         {{"operator count", std::to_string(operators_)}}));
        }
    }

    [[noreturn]] void fail(const std::string& text) const { throw invalid(parameter_, text); }

    std::string_view parameter_;
    Attributes& attrs_;
    std::size_t operators_ = 0;
};

// Emptiness and size, checked before anything else.
void check_text(std::string_view text, std::string_view parameter, bool report_size) {
    if (text.empty()) throw invalid(parameter, message("The expression can not be empty"));
    const std::size_t n = utf16_length(text);
    if (n > kMaxExpressionLength) {
        throw invalid(parameter,
                      report_size
                          ? message("Expression size has exceeded the maximum allowed size",
                                    {{"expression size", std::to_string(n)}})
                          : message("Expression size has exceeded the maximum allowed size"));
    }
}

}  // namespace

// ---- small public helpers ---------------------------------------------------------

std::string_view function_name(Function f) { return info(f).name; }

std::string_view comparator_symbol(Comparator c) {
    static constexpr std::array<std::string_view, 6> kSymbols{"=", "<>", "<", "<=", ">", ">="};
    return kSymbols[static_cast<std::size_t>(c)];
}

std::string Path::to_string() const {
    std::string out = "[";
    for (std::size_t i = 0; i < elements.size(); ++i) {
        if (i > 0) out += ", ";
        const auto& e = elements[i];
        out += e.is_index() ? "[" + std::to_string(e.index) + "]" : e.name;
    }
    return out + "]";
}

// ---- Attributes ---------------------------------------------------------------------

Attributes::Attributes(std::map<std::string, std::string> names,
                       std::map<std::string, AttributeValue> values)
    : names_(std::move(names)), values_(std::move(values)) {
    for (const auto& [key, name] : names_) {
        const std::size_t n = utf16_length(key);
        if (n > kMaxPlaceholderLength) {
            throw validation_error(
                "ExpressionAttributeNames contains invalid key: " +
                message("The expression attribute map contains a key that is too long",
                        {{"size of key", std::to_string(n)}}));
        }
        if (!valid_placeholder(key, '#')) {
            throw validation_error("ExpressionAttributeNames contains invalid key: " +
                                   message("Syntax error", {{"key", "\"" + key + "\""}}));
        }
        if (name.empty()) {
            throw validation_error(
                "ExpressionAttributeNames contains invalid value: Empty attribute name for key " +
                key);
        }
        if (auto problem = attribute_name_problem(name); !problem.empty()) {
            throw validation_error("ExpressionAttributeNames contains invalid value: " + problem +
                                   " for key " + key);
        }
    }
    for (const auto& entry : values_) {
        const std::string& key = entry.first;
        if (utf16_length(key) > kMaxPlaceholderLength) {
            throw validation_error(
                "ExpressionAttributeValues contains invalid key: " +
                message("The expression attribute map contains a key that is too long"));
        }
        if (!valid_placeholder(key, ':')) {
            throw validation_error("ExpressionAttributeValues contains invalid key: " +
                                   message("Syntax error", {{"key", "\"" + key + "\""}}));
        }
    }
}

const std::string* Attributes::use_name(std::string_view placeholder) {
    auto it = names_.find(std::string(placeholder));
    if (it == names_.end()) return nullptr;
    used_names_.insert(it->first);
    return &it->second;
}

const AttributeValue* Attributes::use_value(std::string_view placeholder) {
    auto it = values_.find(std::string(placeholder));
    if (it == values_.end()) return nullptr;
    used_values_.insert(it->first);
    return &it->second;
}

void Attributes::check_all_used() const {
    auto check = [](const auto& map, const auto& used, std::string_view what) {
        std::string keys;
        for (const auto& entry : map) {
            if (used.count(entry.first) != 0) continue;
            if (!keys.empty()) keys += ", ";
            keys += entry.first;
        }
        if (!keys.empty()) {
            throw validation_error("Value provided in " + std::string(what) +
                                   " unused in expressions: keys: {" + keys + "}");
        }
    };
    check(names_, used_names_, "ExpressionAttributeNames");
    check(values_, used_values_, "ExpressionAttributeValues");
}

// ---- entry points ----------------------------------------------------------------------

Condition parse_condition(std::string_view text, std::string_view parameter, Attributes& attrs) {
    check_text(text, parameter, true);
    detail::ParseOptions options{parameter, parameter != "KeyConditionExpression"};
    RawCond raw = detail::parse_raw_condition(text, options);
    StructureCheck(parameter, Category::Condition).condition(raw);
    return Resolver(parameter, attrs).condition(raw);
}

Update parse_update(std::string_view text, Attributes& attrs) {
    constexpr std::string_view kParameter = "UpdateExpression";
    check_text(text, kParameter, false);
    detail::RawUpdate raw = detail::parse_raw_update(text, {kParameter, true});
    StructureCheck(kParameter, Category::Update).update(raw);
    return Resolver(kParameter, attrs).update(raw);
}

Projection parse_projection(std::string_view text, Attributes& attrs) {
    constexpr std::string_view kParameter = "ProjectionExpression";
    check_text(text, kParameter, false);
    std::vector<RawPath> raw = detail::parse_raw_projection(text, {kParameter, true});
    StructureCheck check(kParameter, Category::Projection);
    for (const auto& p : raw) check.path(p);
    return Resolver(kParameter, attrs).projection(raw);
}

}  // namespace lowcloud::dynamodb::expr
