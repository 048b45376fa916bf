// Applying an update to an item, and projecting an item, the way DynamoDB
// does it: the action paths are merged into a tree (they never overlap), and
// the new item is rebuilt by walking that tree over the old one. This gives
// DynamoDB's semantics for free: every right-hand side reads the item as it
// was before the update ("SET a = :v, b = a" copies the old a); list indexes
// refer to positions in the old list ("REMOVE a[1] SET a[3] = :v" replaces
// the old fourth element); SET beyond the end of a list appends, several such
// SETs in index order; REMOVE of a missing leaf does nothing but a missing or
// wrongly typed parent is "The document path provided in the update
// expression is invalid for update" -- unless the whole item is missing:
// REMOVE and DELETE on a missing item are ignored (and an update made only
// of them creates no item, only_removes). Arithmetic is exact decimal (Number).
// Projection walks the same kind of tree: maps keep the projected keys, lists
// keep the projected elements in index order, compacted.
#include "expression/expression.hpp"
#include "expression/expression_internal.hpp"
#include "model/number.hpp"

#include <algorithm>
#include <map>
#include <memory>

namespace lowcloud::dynamodb::expr {
namespace {

constexpr const char* kInvalidPath =
    "The document path provided in the update expression is invalid for update";
constexpr const char* kMissing =
    "The provided expression refers to an attribute that does not exist in the item";
constexpr const char* kWrongType = "An operand in the update expression has an incorrect data type";
constexpr const char* kLegacyMismatch = "Type mismatch for attribute to update";

// A node of the merged path tree. `action` is set on leaves of an update
// tree; a projection leaf is a node without children.
struct Node {
    std::map<PathElement, std::unique_ptr<Node>> children;
    const UpdateAction* action = nullptr;
    bool leaf = false;  // projection: the whole value at this path
};

Node* descend(Node& root, const Path& path) {
    Node* node = &root;
    for (const auto& e : path.elements) {
        auto& child = node->children[e];
        if (!child) child = std::make_unique<Node>();
        node = child.get();
    }
    return node;
}

using Value = detail::OperandValue;

class Applier {
public:
    Applier(const Item& old_item, bool legacy) : old_(old_item), legacy_(legacy) {}

    Item apply_map(const Node& node, const Item& doc) const {
        Item result = doc;
        for (const auto& [key, child] : node.children) {
            if (key.is_index()) throw validation_error(kInvalidPath);
            auto it = doc.find(key.name);
            const AttributeValue* existing = it == doc.end() ? nullptr : &it->second;
            if (child->action != nullptr) {
                auto r = result_of(*child->action, existing);
                if (r) {
                    result[key.name] = std::move(*r);
                } else {
                    result.erase(key.name);
                }
            } else {
                if (existing == nullptr) throw validation_error(kInvalidPath);
                result[key.name] = apply_container(*child, *existing);
            }
        }
        return result;
    }

private:
    AttributeValue apply_container(const Node& node, const AttributeValue& v) const {
        if (v.type == Type::M) return AttributeValue::make_map(apply_map(node, v.map));
        if (v.type != Type::L) throw validation_error(kInvalidPath);
        std::map<std::size_t, AttributeValue> slots;
        for (std::size_t i = 0; i < v.list.size(); ++i) slots.emplace(i, v.list[i]);
        for (const auto& [key, child] : node.children) {
            if (!key.is_index()) throw validation_error(kInvalidPath);
            const AttributeValue* existing =
                key.index < v.list.size() ? &v.list[key.index] : nullptr;
            if (child->action != nullptr) {
                auto r = result_of(*child->action, existing);
                if (r) {
                    slots[key.index] = std::move(*r);
                } else {
                    slots.erase(key.index);
                }
            } else {
                if (existing == nullptr) throw validation_error(kInvalidPath);
                slots[key.index] = apply_container(*child, *existing);
            }
        }
        List out;
        out.reserve(slots.size());
        for (auto& entry : slots) out.push_back(std::move(entry.second));
        return AttributeValue::make_list(std::move(out));
    }

    // The new value at an action's path; nullopt removes it.
    std::optional<AttributeValue> result_of(const UpdateAction& a,
                                            const AttributeValue* existing) const {
        switch (a.kind) {
            case ActionKind::Set: {
                Value v = eval(a.value);
                if (v.get() == nullptr) throw validation_error(kMissing);
                return std::move(v).take();
            }
            case ActionKind::Remove: return std::nullopt;
            case ActionKind::Add: return add(existing, a.value.value()->value);
            case ActionKind::Delete: return remove_elements(existing, a.value.value()->value);
        }
        return std::nullopt;
    }

    std::optional<AttributeValue> add(const AttributeValue* existing,
                                      const AttributeValue& operand) const {
        if (existing == nullptr) return operand;
        if (existing->type != operand.type) {
            throw validation_error(legacy_ ? kLegacyMismatch : kWrongType);
        }
        if (operand.type == Type::N) {
            return AttributeValue::number(
                (Number::parse(existing->scalar) + Number::parse(operand.scalar)).to_string());
        }
        if (operand.type == Type::L) {  // legacy AttributeUpdates ADD only
            List l = existing->list;
            l.insert(l.end(), operand.list.begin(), operand.list.end());
            return AttributeValue::make_list(std::move(l));
        }
        std::vector<std::string> elements = existing->set;
        for (const auto& e : operand.set) {
            if (std::find(elements.begin(), elements.end(), e) == elements.end())
                elements.push_back(e);
        }
        return AttributeValue::make_set(operand.type, std::move(elements));
    }

    std::optional<AttributeValue> remove_elements(const AttributeValue* existing,
                                                  const AttributeValue& operand) const {
        if (existing == nullptr) return std::nullopt;
        if (existing->type != operand.type) {
            throw validation_error(legacy_ ? kLegacyMismatch : kWrongType);
        }
        std::vector<std::string> kept;
        for (const auto& e : existing->set) {
            if (std::find(operand.set.begin(), operand.set.end(), e) == operand.set.end()) {
                kept.push_back(e);
            }
        }
        if (kept.empty()) return std::nullopt;
        return AttributeValue::make_set(existing->type, std::move(kept));
    }

    // Evaluates a right-hand side against the old item; missing operands of
    // + - list_append and a missing fallback of if_not_exists are errors.
    Value eval(const Operand& o) const {
        if (const auto* p = o.path()) return Value(detail::resolve(old_, *p));
        if (const auto* v = o.value()) return Value(&v->value);
        if (const auto* c = o.call()) {
            Value first = eval(c->args[0]);
            Value second = eval(c->args[1]);
            if (c->function == Function::IfNotExists) {
                if (second.get() == nullptr) throw validation_error(kMissing);
                return first.get() != nullptr ? std::move(first) : std::move(second);
            }
            require(first.get(), Type::L);
            require(second.get(), Type::L);
            List l = first.get()->list;
            l.insert(l.end(), second.get()->list.begin(), second.get()->list.end());
            return Value(AttributeValue::make_list(std::move(l)));
        }
        const auto& a = std::get<Arithmetic>(o.node);
        Value left = eval(*a.left);
        Value right = eval(*a.right);
        require(left.get(), Type::N);
        require(right.get(), Type::N);
        Number l = Number::parse(left.get()->scalar);
        Number r = Number::parse(right.get()->scalar);
        return Value(AttributeValue::number((a.op == '+' ? l + r : l - r).to_string()));
    }

    static void require(const AttributeValue* v, Type t) {
        if (v == nullptr) throw validation_error(kMissing);
        if (v->type != t) throw validation_error(kWrongType);
    }

    const Item& old_;
    bool legacy_;
};

std::optional<AttributeValue> project_value(const Node& node, const AttributeValue& v);

Item project_map(const Node& node, const Item& doc) {
    Item out;
    for (const auto& [key, child] : node.children) {
        if (key.is_index()) continue;
        auto it = doc.find(key.name);
        if (it == doc.end()) continue;
        if (child->leaf) {
            out.emplace(key.name, it->second);
        } else if (auto r = project_value(*child, it->second)) {
            out.emplace(key.name, std::move(*r));
        }
    }
    return out;
}

std::optional<AttributeValue> project_value(const Node& node, const AttributeValue& v) {
    if (v.type == Type::M) {
        Item m = project_map(node, v.map);
        if (m.empty()) return std::nullopt;
        return AttributeValue::make_map(std::move(m));
    }
    if (v.type != Type::L) return std::nullopt;
    List out;
    for (const auto& [key, child] : node.children) {  // index order
        if (!key.is_index() || key.index >= v.list.size()) continue;
        const AttributeValue& element = v.list[key.index];
        if (child->leaf) {
            out.push_back(element);
        } else if (auto r = project_value(*child, element)) {
            out.push_back(std::move(*r));
        }
    }
    if (out.empty()) return std::nullopt;
    return AttributeValue::make_list(std::move(out));
}

}  // namespace

namespace {
bool removes_only(const UpdateAction& a) { return a.kind == ActionKind::Remove || a.kind == ActionKind::Delete; }
}  // namespace

bool only_removes(const Update& update) {
    return !update.actions.empty() && std::all_of(update.actions.begin(), update.actions.end(), removes_only);
}

Item apply(const Update& update, Item item, bool item_exists) {
    Node root;
    for (const auto& action : update.actions) {
        // Removing attributes or set elements from an item that does not
        // exist is silently ignored, nested paths included.
        if (!item_exists && removes_only(action)) continue;
        descend(root, action.path)->action = &action;
    }
    return Applier(item, update.legacy).apply_map(root, item);
}

Item project(const Item& item, const Projection& projection) {
    Node root;
    for (const auto& path : projection.paths) {
        Node* node = &root;
        bool covered = false;  // a shorter path already projects all of it
        for (const auto& e : path.elements) {
            auto& child = node->children[e];
            if (!child) {
                child = std::make_unique<Node>();
            } else if (child->leaf) {
                covered = true;
                break;
            }
            node = child.get();
        }
        if (!covered) {
            node->leaf = true;
            node->children.clear();
        }
    }
    return project_map(root, item);
}

std::vector<Path> updated_paths(const Update& update) {
    std::vector<Path> paths;
    paths.reserve(update.actions.size());
    for (const auto& a : update.actions) paths.push_back(a.path);
    return paths;
}

}  // namespace lowcloud::dynamodb::expr
