// The typed syntax tree of DynamoDB's expression language, as handed out by
// the parser (expression.hpp) once an expression is fully validated: names
// are substituted (`#n` is gone, the path holds the real attribute name),
// `:v` placeholders carry their AttributeValue, function names are enums.
// Every node is plain, copyable data with no back-references, so callers can
// inspect trees freely: the Query planner reads a KeyConditionExpression's
// tree to find the partition key `=` and the sort-key condition; the service
// reads update paths to reject writes to key attributes. The legacy request
// parameters (Expected, QueryFilter, AttributeUpdates...) are converted into
// these same nodes, so one evaluator serves both.
#pragma once

#include "model/value.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace lowcloud::dynamodb::expr {

// A heap-allocated T with value semantics (deep copy), used where a node
// contains a node of its own kind. Never null once constructed.
template <class T>
class Box {
public:
    Box(T value) : ptr_(std::make_unique<T>(std::move(value))) {}  // NOLINT(implicit)
    Box(const Box& other) : ptr_(std::make_unique<T>(*other.ptr_)) {}
    Box(Box&& other) noexcept = default;
    Box& operator=(const Box& other) {
        if (this != &other) ptr_ = std::make_unique<T>(*other.ptr_);
        return *this;
    }
    Box& operator=(Box&& other) noexcept = default;
    ~Box() = default;

    T& operator*() { return *ptr_; }
    const T& operator*() const { return *ptr_; }
    T* operator->() { return ptr_.get(); }
    const T* operator->() const { return ptr_.get(); }

private:
    std::unique_ptr<T> ptr_;
};

// ---- document paths --------------------------------------------------------

// One step of a document path: a map key / attribute name (`.name`) or a
// list index (`[3]`).
struct PathElement {
    enum class Kind : std::uint8_t { Name, Index };
    Kind kind = Kind::Name;
    std::string name;       // Kind::Name: the real (substituted) name
    std::size_t index = 0;  // Kind::Index

    static PathElement key(std::string n) { return {Kind::Name, std::move(n), 0}; }
    static PathElement at(std::size_t i) { return {Kind::Index, {}, i}; }
    bool is_index() const { return kind == Kind::Index; }

    friend bool operator==(const PathElement&, const PathElement&) = default;
    // Names order before indexes; names by bytes, indexes numerically.
    friend bool operator<(const PathElement& a, const PathElement& b) {
        if (a.kind != b.kind) return a.kind < b.kind;
        return a.kind == Kind::Name ? a.name < b.name : a.index < b.index;
    }
};

// A document path: a top-level attribute name followed by zero or more
// elements, e.g. a.b[3].c = {a, b, [3], c}. elements.front() is always a
// Name (the grammar guarantees it).
struct Path {
    std::vector<PathElement> elements;

    const std::string& attribute() const { return elements.front().name; }
    bool nested() const { return elements.size() > 1; }
    // DynamoDB's rendering in error messages: "[a, b, [3], c]".
    std::string to_string() const;

    friend bool operator==(const Path&, const Path&) = default;
};

// ---- operands ---------------------------------------------------------------

enum class Function : std::uint8_t {
    AttributeExists,     // condition, 1 path
    AttributeNotExists,  // condition, 1 path
    AttributeType,       // condition, (path, :type)
    BeginsWith,          // condition, (operand, operand)
    Contains,            // condition, (operand, operand)
    Size,                // condition operand, (operand) -> N
    IfNotExists,         // update value, (path, operand)
    ListAppend,          // update value, (operand, operand)
};
// The name as written in expressions, e.g. "attribute_exists".
std::string_view function_name(Function f);

struct Operand;

// A resolved `:placeholder` (placeholder is empty for values that came from
// legacy parameters).
struct ValueRef {
    AttributeValue value;
    std::string placeholder;
};

struct Call {
    Function function = Function::Size;
    std::vector<Operand> args;
};

// `x + y` / `x - y` on the right-hand side of SET (update expressions only).
struct Arithmetic {
    char op = '+';  // '+' or '-'
    Box<Operand> left;
    Box<Operand> right;
};

struct Operand {
    std::variant<Path, ValueRef, Call, Arithmetic> node;

    const Path* path() const { return std::get_if<Path>(&node); }
    const ValueRef* value() const { return std::get_if<ValueRef>(&node); }
    const Call* call() const { return std::get_if<Call>(&node); }
};

// ---- conditions --------------------------------------------------------------

enum class Comparator : std::uint8_t { EQ, NE, LT, LE, GT, GE };
// "=", "<>", "<", "<=", ">", ">=".
std::string_view comparator_symbol(Comparator c);

struct Condition;

struct Compare {
    Comparator op = Comparator::EQ;
    Operand left;
    Operand right;
};

struct Between {
    Operand value;
    Operand lower;
    Operand upper;
};

struct In {
    Operand value;
    std::vector<Operand> candidates;  // 1..100
};

struct Not {
    Box<Condition> operand;
};

struct And {
    Box<Condition> left;
    Box<Condition> right;
};

struct Or {
    Box<Condition> left;
    Box<Condition> right;
};

// A boolean expression. A Call here is one of the boolean functions
// (attribute_exists, attribute_not_exists, attribute_type, begins_with,
// contains); size() only appears inside operands.
struct Condition {
    std::variant<Compare, Between, In, Call, Not, And, Or> node;
};

// ---- updates and projections ---------------------------------------------------

enum class ActionKind : std::uint8_t { Set, Remove, Add, Delete };

struct UpdateAction {
    ActionKind kind = ActionKind::Set;
    Path path;
    // Set: the right-hand side. Add / Delete: a ValueRef. Remove: unused.
    Operand value;
};

// Actions in source order (SET actions of the expression first if it was
// written first, and so on). No two action paths overlap (the parser rejects
// that), so the order does not change the result.
struct Update {
    std::vector<UpdateAction> actions;
    // Converted from AttributeUpdates: ADD also appends lists, and type
    // mismatches use the legacy wording.
    bool legacy = false;
};

struct Projection {
    std::vector<Path> paths;  // non-overlapping
};

}  // namespace lowcloud::dynamodb::expr
