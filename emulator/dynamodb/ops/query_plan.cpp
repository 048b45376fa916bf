// Key-condition planning for Query and path checks shared with Scan (see
// query_plan.hpp).
#include "ops/query_plan.hpp"

#include "dynamodb/error.hpp"
#include "expression/expression.hpp"
#include "model/keys.hpp"

#include <algorithm>

namespace lowcloud::dynamodb {

namespace {

constexpr const char* kStartKeyInvalid = "The provided starting key is invalid";
constexpr const char* kKeyMismatch = "The provided key element does not match the schema";

[[noreturn]] void invalid_operator(std::string_view op) {
    throw validation_error("Invalid operator used in KeyConditionExpression: " + std::string(op));
}

[[noreturn]] void invalid_condition(const std::string& detail) {
    throw validation_error("Invalid condition in KeyConditionExpression: " + detail);
}

KeyOp from_comparator(expr::Comparator c) {
    switch (c) {
        case expr::Comparator::EQ: return KeyOp::EQ;
        case expr::Comparator::NE: return KeyOp::NE;
        case expr::Comparator::LT: return KeyOp::LT;
        case expr::Comparator::LE: return KeyOp::LE;
        case expr::Comparator::GT: return KeyOp::GT;
        case expr::Comparator::GE: return KeyOp::GE;
    }
    return KeyOp::EQ;
}

// `:v < attr` is `attr > :v`.
KeyOp mirrored(KeyOp op) {
    switch (op) {
        case KeyOp::LT: return KeyOp::GT;
        case KeyOp::LE: return KeyOp::GE;
        case KeyOp::GT: return KeyOp::LT;
        case KeyOp::GE: return KeyOp::LE;
        default: return op;
    }
}

bool has_condition(const std::vector<KeyCondition>& out, const std::string& attribute) {
    return std::any_of(out.begin(), out.end(), [&](const KeyCondition& k) { return k.attribute == attribute; });
}

// One leaf of a KeyConditionExpression: exactly one operand is a top-level
// attribute, the others are values (convertKeyCondition's checks, in order).
void add_leaf(KeyOp op, const std::vector<const expr::Operand*>& operands, std::vector<KeyCondition>& out) {
    const expr::Path* attribute = nullptr;
    std::size_t attribute_at = 0;
    std::vector<AttributeValue> values;
    for (std::size_t i = 0; i < operands.size(); ++i) {
        const expr::Operand& o = *operands[i];
        if (const expr::Path* p = o.path()) {
            if (attribute) invalid_condition("Multiple attribute names used in one condition");
            if (p->nested()) throw validation_error("KeyConditionExpressions cannot have conditions on nested attributes");
            attribute = p;
            attribute_at = i;
        } else if (o.call()) {
            throw validation_error("KeyConditionExpressions cannot contain nested operations");
        } else if (const expr::ValueRef* v = o.value()) {
            values.push_back(v->value);
        }
    }
    if (!attribute) invalid_condition("No key attribute specified");
    if (has_condition(out, attribute->attribute()))
        throw validation_error("KeyConditionExpressions must only contain one condition per key");
    out.push_back(KeyCondition{attribute->attribute(), attribute_at == 0 ? op : mirrored(op), std::move(values)});
}

void walk_expression(const expr::Condition& c, std::vector<KeyCondition>& out) {
    if (const auto* a = std::get_if<expr::And>(&c.node)) {
        walk_expression(*a->left, out);
        walk_expression(*a->right, out);
    } else if (std::holds_alternative<expr::Or>(c.node)) {
        invalid_operator("OR");
    } else if (std::holds_alternative<expr::Not>(c.node)) {
        invalid_operator("NOT");
    } else if (std::holds_alternative<expr::In>(c.node)) {
        invalid_operator("IN");
    } else if (const auto* cmp = std::get_if<expr::Compare>(&c.node)) {
        if (cmp->op == expr::Comparator::NE) invalid_operator("<>");
        add_leaf(from_comparator(cmp->op), {&cmp->left, &cmp->right}, out);
    } else if (const auto* b = std::get_if<expr::Between>(&c.node)) {
        if (!b->value.path()) invalid_condition("BETWEEN operator must have the key attribute as its first operand");
        add_leaf(KeyOp::BETWEEN, {&b->value, &b->lower, &b->upper}, out);
    } else if (const auto* call = std::get_if<expr::Call>(&c.node)) {
        if (call->function != expr::Function::BeginsWith) invalid_operator(expr::function_name(call->function));
        if (call->args.empty() || !call->args[0].path())
            invalid_condition("begins_with operator must have the key attribute as its first operand");
        std::vector<const expr::Operand*> operands;
        for (const auto& arg : call->args) operands.push_back(&arg);
        add_leaf(KeyOp::BEGINS_WITH, operands, out);
    }
}

std::vector<AttributeValue> operand_values(const std::vector<const expr::Operand*>& operands) {
    std::vector<AttributeValue> values;
    for (const auto* o : operands)
        if (const expr::ValueRef* v = o->value()) values.push_back(v->value);
    return values;
}

// The legacy tree: expr::from_filter's per-attribute conditions joined by AND.
void walk_legacy(const expr::Condition& c, std::vector<KeyCondition>& out) {
    auto add = [&](const expr::Operand& subject, KeyOp op, std::vector<AttributeValue> values) {
        const expr::Path* p = subject.path();
        out.push_back(KeyCondition{p ? p->attribute() : std::string(), op, std::move(values)});
    };
    if (const auto* a = std::get_if<expr::And>(&c.node)) {
        walk_legacy(*a->left, out);
        walk_legacy(*a->right, out);
    } else if (const auto* cmp = std::get_if<expr::Compare>(&c.node)) {
        add(cmp->left, from_comparator(cmp->op), operand_values({&cmp->right}));
    } else if (const auto* b = std::get_if<expr::Between>(&c.node)) {
        add(b->value, KeyOp::BETWEEN, operand_values({&b->lower, &b->upper}));
    } else if (const auto* in = std::get_if<expr::In>(&c.node)) {
        std::vector<const expr::Operand*> candidates;
        for (const auto& o : in->candidates) candidates.push_back(&o);
        add(in->value, KeyOp::IN, operand_values(candidates));
    } else if (const auto* call = std::get_if<expr::Call>(&c.node)) {
        std::vector<const expr::Operand*> rest;
        for (std::size_t i = 1; i < call->args.size(); ++i) rest.push_back(&call->args[i]);
        KeyOp op = KeyOp::CONTAINS;
        switch (call->function) {
            case expr::Function::AttributeExists: op = KeyOp::NOT_NULL; break;
            case expr::Function::AttributeNotExists: op = KeyOp::IS_NULL; break;
            case expr::Function::BeginsWith: op = KeyOp::BEGINS_WITH; break;
            default: break;
        }
        add(call->args.at(0), op, operand_values(rest));
    } else if (const auto* n = std::get_if<expr::Not>(&c.node)) {
        // NOT_CONTAINS is the only negation from_filter produces.
        std::vector<KeyCondition> inner;
        walk_legacy(*n->operand, inner);
        for (auto& k : inner) {
            k.op = KeyOp::NOT_CONTAINS;
            out.push_back(std::move(k));
        }
    }
}

bool indexable(KeyOp op) {
    switch (op) {
        case KeyOp::NE:
        case KeyOp::IN:
        case KeyOp::IS_NULL:
        case KeyOp::NOT_NULL:
        case KeyOp::CONTAINS:
        case KeyOp::NOT_CONTAINS: return false;
        default: return true;
    }
}

const KeyCondition* find(const std::vector<KeyCondition>& conditions, const std::string& attribute) {
    for (const auto& k : conditions)
        if (k.attribute == attribute) return &k;
    return nullptr;
}

std::string encoded(const Item& item, const std::string& attribute) {
    return encode_key_value(item.at(attribute));
}

}  // namespace

std::vector<KeyCondition> key_conditions_from_expression(const expr::Condition& condition) {
    std::vector<KeyCondition> out;
    walk_expression(condition, out);
    return out;
}

std::vector<KeyCondition> key_conditions_from_legacy(const std::optional<expr::Condition>& condition) {
    std::vector<KeyCondition> out;
    if (condition) walk_legacy(*condition, out);
    return out;
}

void check_condition_count(const std::vector<KeyCondition>& conditions) {
    if (conditions.size() != 1 && conditions.size() != 2) throw validation_error("Conditions can be of length 1 or 2 only");
}

namespace {

// The byte range of the sort conditions on a multi-attribute key: equality on
// every attribute but the last one conditioned, which may take any operator.
// Keys are tuples (keys.hpp), so the equalities make a prefix P and the last
// condition a range within the keys starting with P.
SortRange composite_sort_range(const std::vector<const KeyCondition*>& sorts) {
    SortRange r;
    if (sorts.empty()) return r;
    std::string prefix;
    for (std::size_t i = 0; i + 1 < sorts.size(); ++i) prefix += encode_key_component(sorts[i]->values.at(0));
    const KeyCondition& last = *sorts.back();
    auto with = [&](std::size_t i) { return prefix + encode_key_component(last.values.at(i)); };
    auto after_all = [](const std::string& p) { return prefix_successor(p); };  // first key past every key starting with p
    std::optional<Bound> in_prefix_low, in_prefix_high;
    if (!prefix.empty()) {
        in_prefix_low = Bound{prefix, true};
        if (auto next = after_all(prefix)) in_prefix_high = Bound{std::move(*next), false};
    }
    auto set_upper_after = [&](const std::string& p) {
        if (auto next = after_all(p)) r.upper = Bound{std::move(*next), false};
        else r.upper = in_prefix_high;
    };
    switch (last.op) {
        case KeyOp::EQ:
            r.lower = Bound{with(0), true};
            set_upper_after(with(0));
            break;
        case KeyOp::LT:
            r.lower = in_prefix_low;
            r.upper = Bound{with(0), false};
            break;
        case KeyOp::LE:
            r.lower = in_prefix_low;
            set_upper_after(with(0));
            break;
        case KeyOp::GT:
            if (auto next = after_all(with(0))) r.lower = Bound{std::move(*next), true};
            r.upper = in_prefix_high;
            break;
        case KeyOp::GE:
            r.lower = Bound{with(0), true};
            r.upper = in_prefix_high;
            break;
        case KeyOp::BETWEEN:
            r.lower = Bound{with(0), true};
            set_upper_after(with(1));
            break;
        case KeyOp::BEGINS_WITH: {
            std::string start = prefix + escape_key_bytes(encode_key_value(last.values.at(0)));
            if (start.empty()) break;
            set_upper_after(start);
            r.lower = Bound{std::move(start), true};
            break;
        }
        default: break;
    }
    return r;
}

void check_condition_values(const KeyCondition& k, const KeyAttribute& attr) {
    if (!indexable(k.op)) throw validation_error("Attempted conditional constraint is not an indexable operation");
    for (const auto& v : k.values)
        if (v.type != attr.type)
            throw validation_error("One or more parameter values were invalid: Condition parameter type does not match schema type");
}

// plan_query for a global index with a multi-attribute key. The rules are
// the developer guide's ("you must specify all partition key attributes
// using equality conditions"; sort attributes "left-to-right ... you cannot
// skip attributes in the middle"; the inequality last); the message for a
// skipped or non-equality earlier sort attribute is DynamoDB Local 3.3.1's.
KeyPlan plan_multi_attribute_query(const KeySchema& schema, const std::vector<KeyCondition>& conditions, const Item* start_key) {
    KeyPlan plan;
    if (start_key)
        for (const auto& attr : schema.attributes()) {
            auto it = start_key->find(attr.name);
            if (it == start_key->end()) throw validation_error(kStartKeyInvalid);
            if (it->second.type != attr.type) throw validation_error(kKeyMismatch);
        }
    for (const auto& attr : schema.hash_attributes()) {
        const KeyCondition* k = find(conditions, attr.name);
        if (!k) throw validation_error("Query condition missed key schema element: " + attr.name);
        check_condition_values(*k, attr);
        if (k->op != KeyOp::EQ) throw validation_error("Query key condition not supported");
        plan.partition += encode_key_component(k->values.at(0));
    }
    const auto ranges = schema.range_attributes();
    std::size_t used = schema.hash_attributes().size();
    std::vector<const KeyCondition*> sorts;
    for (std::size_t i = 0; i < ranges.size(); ++i) {
        const KeyCondition* k = find(conditions, ranges[i].name);
        if (!k) continue;
        check_condition_values(*k, ranges[i]);
        for (std::size_t j = 0; j < i; ++j) {
            const KeyCondition* prior = find(conditions, ranges[j].name);
            if (!prior || prior->op != KeyOp::EQ)
                throw validation_error("RANGE key attributes " + ranges[j].name +
                                       " must have equality conditions specified in the query because a condition is present on key attribute " +
                                       ranges[i].name);
        }
        sorts.push_back(k);
        ++used;
    }
    if (used != conditions.size()) {
        for (const auto& attr : ranges)
            if (!find(conditions, attr.name)) throw validation_error("Query condition missed key schema element: " + attr.name);
        throw validation_error("Query key condition not supported");
    }
    if (!sorts.empty()) plan.sort = *sorts.back();
    plan.range = composite_sort_range(sorts);
    return plan;
}

bool in_range(const SortRange& r, const std::string& bytes) {
    if (r.lower && (r.lower->inclusive ? bytes < r.lower->bytes : bytes <= r.lower->bytes)) return false;
    if (r.upper && (r.upper->inclusive ? bytes > r.upper->bytes : bytes >= r.upper->bytes)) return false;
    return true;
}

}  // namespace

void check_condition_count(const std::vector<KeyCondition>& conditions, const KeySchema& schema) {
    if (!schema.multi_attribute()) return check_condition_count(conditions);
    if (conditions.empty() || conditions.size() > schema.attributes().size())
        throw validation_error("Conditions can be of length 1 or " + std::to_string(schema.attributes().size()) + " only");
}

KeyPlan plan_query(const KeySchema& schema, const std::vector<KeyCondition>& conditions, const Item* start_key) {
    if (schema.multi_attribute()) return plan_multi_attribute_query(schema, conditions, start_key);
    KeyPlan plan;
    const KeyAttribute* attrs[2] = {&schema.hash, schema.range ? &*schema.range : nullptr};
    for (int i = 0; i < 2; ++i) {
        const KeyAttribute* attr = attrs[i];
        if (!attr) continue;
        const bool is_hash = i == 0;
        if (start_key) {
            auto it = start_key->find(attr->name);
            if (it == start_key->end()) throw validation_error(kStartKeyInvalid);
            if (it->second.type != attr->type) throw validation_error(kKeyMismatch);
        }
        if (is_hash && !schema.range && conditions.size() > 1) throw validation_error("Query key condition not supported");
        const KeyCondition* k = find(conditions, attr->name);
        if (!k) {
            if (is_hash || conditions.size() > 1)
                throw validation_error("Query condition missed key schema element: " + attr->name);
            continue;
        }
        check_condition_values(*k, *attr);
        if (is_hash && k->op != KeyOp::EQ) throw validation_error("Query key condition not supported");
        if (is_hash) {
            plan.partition = encode_key_value(k->values.at(0));
        } else {
            plan.sort = *k;
            plan.range = sort_range(*k);
        }
    }
    return plan;
}

void check_start_key(const KeyPlan& plan, const KeySchema& schema, const Item& start_key) {
    if (schema.multi_attribute()) {
        const EncodedKey key = key_from_key(schema, key_of(schema, start_key));
        const bool same_partition = key.pk == plan.partition;
        if (!plan.sort) {
            if (!same_partition)
                throw validation_error("The provided starting key is outside query boundaries based on provided conditions");
            return;
        }
        if (!in_range(plan.range, key.sk)) throw validation_error("The provided starting key does not match the range key predicate");
        if (!same_partition) throw validation_error("The query can return at most one row and cannot be restarted");
        return;
    }
    const bool same_partition = encoded(start_key, schema.hash.name) == plan.partition;
    if (!plan.sort) {
        if (!same_partition)
            throw validation_error("The provided starting key is outside query boundaries based on provided conditions");
        return;
    }
    if (!sort_matches(*plan.sort, encoded(start_key, schema.range->name)))
        throw validation_error("The provided starting key does not match the range key predicate");
    if (!same_partition) throw validation_error("The query can return at most one row and cannot be restarted");
}

SortRange sort_range(const KeyCondition& condition) {
    SortRange r;
    const auto& v = condition.values;
    auto bytes = [&](std::size_t i) { return encode_key_value(v.at(i)); };
    switch (condition.op) {
        case KeyOp::EQ:
            r.lower = Bound{bytes(0), true};
            r.upper = Bound{bytes(0), true};
            break;
        case KeyOp::LT: r.upper = Bound{bytes(0), false}; break;
        case KeyOp::LE: r.upper = Bound{bytes(0), true}; break;
        case KeyOp::GT: r.lower = Bound{bytes(0), false}; break;
        case KeyOp::GE: r.lower = Bound{bytes(0), true}; break;
        case KeyOp::BETWEEN:
            r.lower = Bound{bytes(0), true};
            r.upper = Bound{bytes(1), true};
            break;
        case KeyOp::BEGINS_WITH: {
            std::string prefix = bytes(0);
            if (auto next = prefix_successor(prefix)) r.upper = Bound{std::move(*next), false};
            r.lower = Bound{std::move(prefix), true};
            break;
        }
        default: break;
    }
    return r;
}

bool sort_matches(const KeyCondition& condition, const std::string& encoded_value) {
    const auto& v = condition.values;
    auto bytes = [&](std::size_t i) { return encode_key_value(v.at(i)); };
    switch (condition.op) {
        case KeyOp::EQ: return encoded_value == bytes(0);
        case KeyOp::LT: return encoded_value < bytes(0);
        case KeyOp::LE: return encoded_value <= bytes(0);
        case KeyOp::GT: return encoded_value > bytes(0);
        case KeyOp::GE: return encoded_value >= bytes(0);
        case KeyOp::BETWEEN: return encoded_value >= bytes(0) && encoded_value <= bytes(1);
        case KeyOp::BEGINS_WITH: return encoded_value.starts_with(bytes(0));
        default: return false;
    }
}

std::optional<std::string> prefix_successor(std::string prefix) {
    while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xFF) prefix.pop_back();
    if (prefix.empty()) return std::nullopt;
    prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
    return prefix;
}

// ---- paths ---------------------------------------------------------------------------

namespace {

void collect_operand(const expr::Operand& o, std::vector<const expr::Path*>& out) {
    if (const expr::Path* p = o.path()) {
        out.push_back(p);
    } else if (const expr::Call* c = o.call()) {
        for (const auto& arg : c->args) collect_operand(arg, out);
    } else if (const auto* a = std::get_if<expr::Arithmetic>(&o.node)) {
        collect_operand(*a->left, out);
        collect_operand(*a->right, out);
    }
}

}  // namespace

void collect_paths(const expr::Condition& c, std::vector<const expr::Path*>& out) {
    if (const auto* cmp = std::get_if<expr::Compare>(&c.node)) {
        collect_operand(cmp->left, out);
        collect_operand(cmp->right, out);
    } else if (const auto* b = std::get_if<expr::Between>(&c.node)) {
        collect_operand(b->value, out);
        collect_operand(b->lower, out);
        collect_operand(b->upper, out);
    } else if (const auto* in = std::get_if<expr::In>(&c.node)) {
        collect_operand(in->value, out);
        for (const auto& o : in->candidates) collect_operand(o, out);
    } else if (const auto* call = std::get_if<expr::Call>(&c.node)) {
        for (const auto& arg : call->args) collect_operand(arg, out);
    } else if (const auto* n = std::get_if<expr::Not>(&c.node)) {
        collect_paths(*n->operand, out);
    } else if (const auto* a = std::get_if<expr::And>(&c.node)) {
        collect_paths(*a->left, out);
        collect_paths(*a->right, out);
    } else if (const auto* o = std::get_if<expr::Or>(&c.node)) {
        collect_paths(*o->left, out);
        collect_paths(*o->right, out);
    }
}

void collect_paths(const expr::Projection& projection, std::vector<const expr::Path*>& out) {
    for (const auto& p : projection.paths) out.push_back(&p);
}

void check_key_paths(const TableDef& table, const std::vector<const expr::Path*>& paths) {
    auto nested_at = [&](const std::string& attribute) {
        return std::any_of(paths.begin(), paths.end(), [&](const expr::Path* p) { return p->nested() && p->attribute() == attribute; });
    };
    auto fail = [](const char* kind, const std::string& attribute) {
        throw validation_error(
            "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: " + std::string(kind) +
            ": " + attribute);
    };
    for (const auto& name : table.key_names())
        if (nested_at(name)) fail("Key", name);
    // DynamoDB looks at global indexes, then local ones (range keys only), last created first.
    for (auto it = table.global_indexes.rbegin(); it != table.global_indexes.rend(); ++it)
        for (const auto& a : it->key.attributes())
            if (nested_at(a.name)) fail("IndexKey", a.name);
    for (auto it = table.local_indexes.rbegin(); it != table.local_indexes.rend(); ++it)
        if (it->key.range && nested_at(it->key.range->name)) fail("IndexKey", it->key.range->name);
}

}  // namespace lowcloud::dynamodb
