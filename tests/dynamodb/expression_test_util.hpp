// Helpers shared by the expression test files: building items, values and
// Attributes from DynamoDB JSON literals, capturing an ApiError's message,
// and rendering condition trees as compact strings for structural checks.
#pragma once

#include "dynamodb/error.hpp"
#include "expression/expression.hpp"
#include "model/value.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <variant>

namespace exprtest {

using lowcloud::dynamodb::ApiError;
using lowcloud::dynamodb::AttributeValue;
using lowcloud::dynamodb::Item;
namespace expr = lowcloud::dynamodb::expr;

inline Item item(const std::string& json_text) {
    if (json_text.empty()) return {};
    return lowcloud::dynamodb::parse_item(nlohmann::json::parse(json_text));
}

inline AttributeValue value(const std::string& json_text) {
    return lowcloud::dynamodb::parse_value(nlohmann::json::parse(json_text));
}

using Names = std::map<std::string, std::string>;

inline expr::Attributes attrs(Names names, const std::string& values_json) {
    Item v = item(values_json);
    return expr::Attributes(std::move(names),
                            std::map<std::string, AttributeValue>(v.begin(), v.end()));
}

// The message of the ApiError `f` throws, or "" when it does not throw.
template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const ApiError& e) {
        return e.what();
    }
    return "";
}

inline std::string show(const expr::Operand& o);

inline std::string show_path(const expr::Path& p) {
    std::string out;
    for (const auto& e : p.elements) {
        if (e.is_index()) {
            out += "[" + std::to_string(e.index) + "]";
        } else {
            if (!out.empty()) out += ".";
            out += e.name;
        }
    }
    return out;
}

inline std::string show(const expr::Operand& o) {
    if (const auto* p = o.path()) return show_path(*p);
    if (const auto* v = o.value()) {
        return v->placeholder.empty() ? lowcloud::dynamodb::to_json(v->value).dump()
                                      : v->placeholder;
    }
    if (const auto* c = o.call()) {
        std::string out(expr::function_name(c->function));
        out += "(";
        for (std::size_t i = 0; i < c->args.size(); ++i) out += (i ? "," : "") + show(c->args[i]);
        return out + ")";
    }
    const auto& a = std::get<expr::Arithmetic>(o.node);
    return "(" + show(*a.left) + a.op + show(*a.right) + ")";
}

inline std::string show(const expr::Condition& c) {
    return std::visit(
        [](const auto& n) -> std::string {
            using T = std::decay_t<decltype(n)>;
            if constexpr (std::is_same_v<T, expr::Compare>) {
                return std::string(expr::comparator_symbol(n.op)) + "(" + show(n.left) + "," +
                       show(n.right) + ")";
            } else if constexpr (std::is_same_v<T, expr::Between>) {
                return "BETWEEN(" + show(n.value) + "," + show(n.lower) + "," + show(n.upper) + ")";
            } else if constexpr (std::is_same_v<T, expr::In>) {
                std::string out = "IN(" + show(n.value);
                for (const auto& c : n.candidates) out += "," + show(c);
                return out + ")";
            } else if constexpr (std::is_same_v<T, expr::Call>) {
                return show(expr::Operand{n});
            } else if constexpr (std::is_same_v<T, expr::Not>) {
                return "NOT(" + show(*n.operand) + ")";
            } else if constexpr (std::is_same_v<T, expr::And>) {
                return "AND(" + show(*n.left) + "," + show(*n.right) + ")";
            } else {
                return "OR(" + show(*n.left) + "," + show(*n.right) + ")";
            }
        },
        c.node);
}

}  // namespace exprtest
