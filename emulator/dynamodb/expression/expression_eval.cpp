// Evaluation of conditions against an item, with DynamoDB's semantics:
// a path that does not resolve is "missing"; = is deep equality (numbers
// numerically, sets as sets) and is false when either side is missing, so <>
// is true then; <, <=, >, >= and BETWEEN compare only two values of the same
// type among S (UTF-8 bytes), N (numerically) and B (unsigned bytes) and are
// false otherwise; IN is = against any candidate; attribute_type compares the
// type name; begins_with needs two S or two B; contains finds a substring
// (S, B), a set member of the set's element type, or a list element equal to
// the operand; size is the UTF-16 length of S, the byte length of B, the
// element count of sets, lists and maps, and missing for anything else.
// Also the value helpers shared with the update applier (path resolution,
// ordering, message rendering).
#include "expression/expression.hpp"
#include "expression/expression_internal.hpp"
#include "model/number.hpp"

#include <algorithm>

namespace lowcloud::dynamodb::expr {
namespace detail {

const AttributeValue* resolve(const Item& item, const Path& path) {
    auto it = item.find(path.elements.front().name);
    if (it == item.end()) return nullptr;
    const AttributeValue* v = &it->second;
    for (std::size_t i = 1; i < path.elements.size() && v != nullptr; ++i) {
        const PathElement& e = path.elements[i];
        if (e.is_index()) {
            v = (v->type == Type::L && e.index < v->list.size()) ? &v->list[e.index] : nullptr;
        } else if (v->type == Type::M) {
            auto m = v->map.find(e.name);
            v = m == v->map.end() ? nullptr : &m->second;
        } else {
            v = nullptr;
        }
    }
    return v;
}

std::optional<int> compare_values(const AttributeValue& a, const AttributeValue& b) {
    if (a.type != b.type) return std::nullopt;
    switch (a.type) {
        case Type::S:
        case Type::B: {
            int c = a.scalar.compare(b.scalar);
            return c < 0 ? -1 : c > 0 ? 1 : 0;
        }
        case Type::N: {
            auto c = Number::parse(a.scalar) <=> Number::parse(b.scalar);
            return c < 0 ? -1 : c > 0 ? 1 : 0;
        }
        default: return std::nullopt;
    }
}

std::string render_value(const AttributeValue& v) {
    const std::string type(type_name(v.type));
    const nlohmann::json j = to_json(v)[type];
    return "{" + type + ":" + (j.is_string() ? j.get<std::string>() : j.dump()) + "}";
}

}  // namespace detail

namespace {

using Value = detail::OperandValue;

std::size_t utf16_units(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s) {
        if ((c & 0xC0) != 0x80) n += c >= 0xF0 ? 2 : 1;
    }
    return n;
}

std::optional<std::size_t> size_of(const AttributeValue& v) {
    switch (v.type) {
        case Type::S: return utf16_units(v.scalar);
        case Type::B: return v.scalar.size();
        case Type::SS:
        case Type::NS:
        case Type::BS: return v.set.size();
        case Type::L: return v.list.size();
        case Type::M: return v.map.size();
        default: return std::nullopt;
    }
}

Value eval(const Operand& o, const Item& item) {
    if (const auto* p = o.path()) return Value(detail::resolve(item, *p));
    if (const auto* v = o.value()) return Value(&v->value);
    if (const auto* c = o.call(); c != nullptr && c->function == Function::Size) {
        Value arg = eval(c->args[0], item);
        if (arg.get() == nullptr) return {};
        auto n = size_of(*arg.get());
        if (!n) return {};
        return Value(AttributeValue::number(std::to_string(*n)));
    }
    return {};
}

bool equal(const AttributeValue* a, const AttributeValue* b) {
    return a != nullptr && b != nullptr && *a == *b;
}

bool compare(Comparator op, const AttributeValue* a, const AttributeValue* b) {
    if (op == Comparator::EQ) return equal(a, b);
    if (op == Comparator::NE) return !equal(a, b);
    if (a == nullptr || b == nullptr) return false;
    auto c = detail::compare_values(*a, *b);
    if (!c) return false;
    switch (op) {
        case Comparator::LT: return *c < 0;
        case Comparator::LE: return *c <= 0;
        case Comparator::GT: return *c > 0;
        default: return *c >= 0;
    }
}

Type element_type(Type set) {
    return set == Type::SS ? Type::S : set == Type::NS ? Type::N : Type::B;
}

bool contains(const AttributeValue* haystack, const AttributeValue* needle) {
    if (haystack == nullptr || needle == nullptr) return false;
    switch (haystack->type) {
        case Type::S:
        case Type::B:
            return needle->type == haystack->type &&
                   haystack->scalar.find(needle->scalar) != std::string::npos;
        case Type::L:
            return std::any_of(haystack->list.begin(), haystack->list.end(),
                               [&](const AttributeValue& e) { return e == *needle; });
        case Type::SS:
        case Type::NS:
        case Type::BS:
            return needle->type == element_type(haystack->type) &&
                   std::find(haystack->set.begin(), haystack->set.end(), needle->scalar) !=
                       haystack->set.end();
        default: return false;
    }
}

bool call(const Call& c, const Item& item) {
    Value first = eval(c.args[0], item);
    const AttributeValue* a = first.get();
    switch (c.function) {
        case Function::AttributeExists: return a != nullptr;
        case Function::AttributeNotExists: return a == nullptr;
        case Function::AttributeType: {
            const AttributeValue* t = c.args[1].value() ? &c.args[1].value()->value : nullptr;
            return a != nullptr && t != nullptr && type_name(a->type) == t->scalar;
        }
        case Function::BeginsWith: {
            Value second = eval(c.args[1], item);
            const AttributeValue* b = second.get();
            return a != nullptr && b != nullptr && a->type == b->type &&
                   (a->type == Type::S || a->type == Type::B) &&
                   a->scalar.compare(0, b->scalar.size(), b->scalar) == 0 &&
                   a->scalar.size() >= b->scalar.size();
        }
        case Function::Contains: {
            Value second = eval(c.args[1], item);
            return contains(a, second.get());
        }
        default: return false;  // not boolean functions
    }
}

bool eval_condition(const Condition& c, const Item& item) {
    return std::visit(
        [&](const auto& n) -> bool {
            using T = std::decay_t<decltype(n)>;
            if constexpr (std::is_same_v<T, Compare>) {
                Value l = eval(n.left, item);
                Value r = eval(n.right, item);
                return compare(n.op, l.get(), r.get());
            } else if constexpr (std::is_same_v<T, Between>) {
                Value v = eval(n.value, item);
                Value lo = eval(n.lower, item);
                Value hi = eval(n.upper, item);
                return compare(Comparator::LE, v.get(), hi.get()) &&
                       compare(Comparator::GE, v.get(), lo.get());
            } else if constexpr (std::is_same_v<T, In>) {
                Value v = eval(n.value, item);
                return std::any_of(n.candidates.begin(), n.candidates.end(), [&](const Operand& o) {
                    Value candidate = eval(o, item);
                    return equal(v.get(), candidate.get());
                });
            } else if constexpr (std::is_same_v<T, Call>) {
                return call(n, item);
            } else if constexpr (std::is_same_v<T, Not>) {
                return !eval_condition(*n.operand, item);
            } else if constexpr (std::is_same_v<T, And>) {
                return eval_condition(*n.left, item) && eval_condition(*n.right, item);
            } else {
                return eval_condition(*n.left, item) || eval_condition(*n.right, item);
            }
        },
        c.node);
}

}  // namespace

bool evaluate(const Condition& condition, const Item* item) {
    static const Item kNoItem;
    return eval_condition(condition, item != nullptr ? *item : kNoItem);
}

}  // namespace lowcloud::dynamodb::expr
