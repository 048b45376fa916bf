// The draft-04 JSON Schema validator behind API Gateway's request-body
// validation (contract in json_schema.hpp). Compilation turns every schema
// object reachable from the root into one Node, memoized by the address of
// its JSON object, so a `$ref` to a schema already being compiled (recursive
// schemas) simply points at its Node; `id`s are collected by one walk over the
// document first. Cycles that never descend into the instance (`{"$ref":"#"}`
// at the root, `allOf` of itself) are rejected at compile time. Validation is
// a recursive walk of Node and instance that builds no strings unless
// something fails; paths are a linked list on the stack.
#include "apigateway/json_schema.hpp"

#include "apigateway/json_schema_detail.hpp"
#include "common/encoding.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <deque>
#include <map>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace lowcloud::apigateway {

using nlohmann::json;
using Result = std::optional<std::string>;
using namespace schema_detail;

namespace {
constexpr int max_schema_depth = 256;  // nesting of schema objects (and refs) while compiling
constexpr int max_frames = 1024;       // validation steps on one path through schema and instance
constexpr int max_depth = JsonSchema::max_instance_depth;
}  // namespace

// ---------------------------------------------------------------- compiled form

struct JsonSchema::Node {
    std::string where;              // location in the document, for compile errors
    const Node* ref = nullptr;      // a `$ref`: the rest is unused
    bool never = false;             // the boolean schema `false`
    unsigned types = 0;             // TypeBit set; 0 = any type
    std::optional<std::vector<json>> enum_values;
    std::optional<json> const_value;
    // numbers
    std::optional<json> minimum, maximum;  // inclusive unless the flag says otherwise
    bool exclusive_minimum = false, exclusive_maximum = false;
    std::optional<json> multiple_of;
    Format format = Format::none;
    // strings
    std::optional<std::size_t> min_length, max_length;
    std::optional<Pattern> pattern;
    // arrays
    const Node* items = nullptr;        // every item
    std::vector<const Node*> tuple;     // `items` as an array
    bool tuple_form = false;
    bool additional_items_allowed = true;
    const Node* additional_items = nullptr;
    std::optional<std::size_t> min_items, max_items;
    bool unique_items = false;
    // objects
    std::vector<std::string> required;
    std::map<std::string, const Node*, std::less<>> properties;
    std::vector<std::pair<Pattern, const Node*>> pattern_properties;
    bool additional_properties_allowed = true;
    const Node* additional_properties = nullptr;
    std::optional<std::size_t> min_properties, max_properties;
    std::map<std::string, std::vector<std::string>> property_dependencies;
    std::map<std::string, const Node*> schema_dependencies;
    // combinators
    std::vector<const Node*> all_of, any_of, one_of;
    const Node* not_schema = nullptr;
};

struct JsonSchema::Graph {
    std::deque<Node> nodes;  // stable addresses
};

namespace {

using Node = JsonSchema::Node;

[[noreturn]] void schema_error(const std::string& where, const std::string& what) {
    throw std::invalid_argument("schema " + where + ": " + what);
}

// ---------------------------------------------------------------- URIs

std::string strip_fragment(const std::string& uri) { return uri.substr(0, uri.find('#')); }

bool has_scheme(std::string_view s) {
    auto colon = s.find(':');
    if (colon == std::string_view::npos || colon == 0 || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
    return std::all_of(s.begin() + 1, s.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
    });
}

// RFC 3986 reference resolution, without dot-segment removal.
std::string resolve_uri(const std::string& base, const std::string& ref) {
    if (has_scheme(ref)) return ref;
    std::string b = strip_fragment(base);
    if (ref.empty()) return b;
    if (ref[0] == '#') return b + ref;
    auto scheme_end = b.find(':');
    if (ref.rfind("//", 0) == 0) return (scheme_end == std::string::npos ? "" : b.substr(0, scheme_end + 1)) + ref;
    if (ref[0] == '/') {
        auto authority = b.find("://");
        auto path = authority == std::string::npos ? std::string::npos : b.find('/', authority + 3);
        if (authority == std::string::npos) return (scheme_end == std::string::npos ? "" : b.substr(0, scheme_end + 1)) + ref;
        return (path == std::string::npos ? b : b.substr(0, path)) + ref;
    }
    auto slash = b.rfind('/');
    return (slash == std::string::npos ? "" : b.substr(0, slash + 1)) + ref;
}

// ---------------------------------------------------------------- compiler

class Compiler {
public:
    Compiler(const json& document, JsonSchema::Graph& graph) : document_(document), graph_(graph) {
        walk(document, "", "#", 0);
    }

    const Node* compile_root(const json& schema) {
        if (!places_.count(&schema)) walk(schema, "", "#", 0);  // a schema copied out of its document
        auto place = places_.find(&schema);  // absent for a boolean schema
        const Node* root = compile(schema, place == places_.end() ? "#" : place->second.pointer, 0);
        check_cycles();
        return root;
    }

private:
    // Records every object's base URI and location, and every declared
    // `id`, skipping members that hold data rather than schemas.
    void walk(const json& j, const std::string& base, const std::string& pointer, int depth) {
        if (depth > max_schema_depth) return;
        if (j.is_array()) {
            for (std::size_t i = 0; i < j.size(); ++i) walk(j[i], base, pointer + "/" + std::to_string(i), depth + 1);
            return;
        }
        if (!j.is_object()) return;
        std::string b = base;
        for (const char* key : {"id", "$id"}) {
            auto it = j.find(key);
            if (it != j.end() && it->is_string()) {
                b = resolve_uri(base, it->get<std::string>());
                std::string id = b.size() > 1 && b.back() == '#' ? b.substr(0, b.size() - 1) : b;
                ids_.emplace(id, &j);
                break;
            }
        }
        places_.emplace(&j, Place{b, pointer});
        for (const auto& [key, value] : j.items())
            if (key != "enum" && key != "const" && key != "default" && key != "example" && key != "examples")
                walk(value, b, pointer + "/" + pointer_token(key), depth + 1);
    }

    std::string base_of(const json& s) const {
        auto it = places_.find(&s);
        return it == places_.end() ? "" : it->second.base;
    }

    // The schema a `$ref` names; `where` receives its location.
    const json& resolve(const std::string& ref, const std::string& base, const std::string& at, std::string& where) {
        const json& target = resolve_ref(ref, base, at, where);
        if (auto it = places_.find(&target); it != places_.end()) where = it->second.pointer;
        return target;
    }

    const json& resolve_ref(const std::string& ref, const std::string& base, const std::string& at, std::string& where) {
        auto unresolvable = [&](const std::string& why) -> const json& {
            schema_error(at, "$ref '" + ref + "' does not resolve (" + why + ")");
        };
        std::string full = resolve_uri(base, ref);
        if (auto it = ids_.find(full); it != ids_.end()) {
            where = full;
            return *it->second;
        }
        auto hash = full.find('#');
        std::string uri = full.substr(0, hash);
        std::string fragment = hash == std::string::npos ? "" : percent_decode(full.substr(hash + 1));
        const json* node = &document_;
        if (!uri.empty()) {
            auto it = ids_.find(uri);
            if (it == ids_.end()) return unresolvable("no schema in this document has id '" + uri + "'; remote references are not supported");
            node = it->second;
        }
        where = uri + "#" + (fragment.empty() ? "" : full.substr(hash + 1));
        if (fragment.empty()) return *node;
        if (fragment[0] != '/') return unresolvable("no schema has id '" + full + "'");
        std::size_t pos = 1;
        while (true) {
            auto slash = fragment.find('/', pos);
            std::string token = fragment.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos);
            for (std::size_t i = 0; (i = token.find('~', i)) != std::string::npos; ++i) {
                if (i + 1 >= token.size() || (token[i + 1] != '0' && token[i + 1] != '1'))
                    return unresolvable("bad JSON pointer escape");
                token.replace(i, 2, token[i + 1] == '0' ? "~" : "/");
            }
            if (node->is_object() && node->contains(token)) {
                node = &(*node)[token];
            } else if (node->is_array() && !token.empty() && token.size() < 10 &&
                       std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
                       std::stoul(token) < node->size()) {
                node = &(*node)[std::stoul(token)];
            } else {
                return unresolvable("no member '" + token + "'");
            }
            if (slash == std::string::npos) return *node;
            pos = slash + 1;
        }
    }

    static std::size_t count(const json& v, const std::string& where, const char* keyword) {
        if (!is_integer(v) || v.is_number_float() || (!v.is_number_unsigned() && v.get<std::int64_t>() < 0))
            schema_error(where, std::string(keyword) + " must be a non-negative integer");
        return static_cast<std::size_t>(v.get<std::uint64_t>());
    }

    static json number(const json& v, const std::string& where, const char* keyword) {
        if (!v.is_number()) schema_error(where, std::string(keyword) + " must be a number");
        return v;
    }

    static Pattern pattern(const std::string& source, const std::string& where) {
        try {
            return make_pattern(source);
        } catch (const std::regex_error& e) {
            schema_error(where, "invalid pattern '" + source + "': " + e.what());
        }
    }

    const Node* compile(const json& s, const std::string& where, int depth) {
        if (depth > max_schema_depth) schema_error(where, "schemas nested deeper than " + std::to_string(max_schema_depth) + " levels");
        if (auto it = compiled_.find(&s); it != compiled_.end()) return it->second;
        if (!s.is_object() && !s.is_boolean()) schema_error(where, "a schema must be an object");
        Node& n = graph_.nodes.emplace_back();
        n.where = where;
        compiled_.emplace(&s, &n);
        if (s.is_boolean()) {
            n.never = !s.get<bool>();
            return &n;
        }
        auto at = [&](const char* keyword) { return where + "/" + keyword; };
        auto child = [&](const json& v, const std::string& w) { return compile(v, w, depth + 1); };
        auto schema_list = [&](const json& v, const char* keyword) {
            if (!v.is_array() || v.empty()) schema_error(where, std::string(keyword) + " must be a non-empty array of schemas");
            std::vector<const Node*> out;
            for (std::size_t i = 0; i < v.size(); ++i) out.push_back(child(v[i], at(keyword) + "/" + std::to_string(i)));
            return out;
        };
        auto string_list = [&](const json& v, const std::string& w) {
            std::vector<std::string> out;
            if (!v.is_array()) schema_error(w, "must be an array of strings");
            for (const auto& e : v) {
                if (!e.is_string()) schema_error(w, "must be an array of strings");
                out.push_back(e.get<std::string>());
            }
            return out;
        };

        if (auto it = s.find("$ref"); it != s.end()) {
            if (!it->is_string()) schema_error(where, "$ref must be a string");
            std::string target_where;
            const json& target = resolve(it->get<std::string>(), base_of(s), where, target_where);
            n.ref = compile(target, target_where, depth + 1);
            return &n;
        }
        for (const auto& [key, v] : s.items()) {
            if (key == "type") {
                for (const auto& name : v.is_array() ? v : json::array({v})) {
                    auto found = name.is_string() ? std::find(std::begin(type_names), std::end(type_names), name.get<std::string>())
                                                  : std::end(type_names);
                    if (found == std::end(type_names)) schema_error(where, "unknown type " + name.dump());
                    n.types |= 1u << (found - std::begin(type_names));
                }
            } else if (key == "enum") {
                if (!v.is_array()) schema_error(where, "enum must be an array");
                n.enum_values = v.get<std::vector<json>>();
            } else if (key == "const") {
                n.const_value = v;
            } else if (key == "multipleOf") {
                if (!v.is_number() || compare_numbers(v, json(0)) <= 0) schema_error(where, "multipleOf must be a number above 0");
                n.multiple_of = v;
            } else if (key == "format") {
                if (!v.is_string()) schema_error(where, "format must be a string");
                n.format = format_named(v.get<std::string>());
            } else if (key == "minLength" || key == "maxLength") {
                (key == "minLength" ? n.min_length : n.max_length) = count(v, where, key.c_str());
            } else if (key == "pattern") {
                if (!v.is_string()) schema_error(where, "pattern must be a string");
                n.pattern = pattern(v.get<std::string>(), where);
            } else if (key == "items") {
                if (v.is_array()) {
                    n.tuple_form = true;
                    for (std::size_t i = 0; i < v.size(); ++i) n.tuple.push_back(child(v[i], at("items") + "/" + std::to_string(i)));
                } else {
                    n.items = child(v, at("items"));
                }
            } else if (key == "additionalItems" || key == "additionalProperties") {
                bool items = key == "additionalItems";
                if (v.is_boolean()) (items ? n.additional_items_allowed : n.additional_properties_allowed) = v.get<bool>();
                else (items ? n.additional_items : n.additional_properties) = child(v, at(key.c_str()));
            } else if (key == "minItems" || key == "maxItems") {
                (key == "minItems" ? n.min_items : n.max_items) = count(v, where, key.c_str());
            } else if (key == "uniqueItems") {
                if (!v.is_boolean()) schema_error(where, "uniqueItems must be a boolean");
                n.unique_items = v.get<bool>();
            } else if (key == "required") {
                n.required = string_list(v, at("required"));
            } else if (key == "properties" || key == "patternProperties" || key == "dependencies") {
                if (!v.is_object()) schema_error(where, key + " must be an object");
                for (const auto& [name, sub] : v.items()) {
                    std::string w = at(key.c_str()) + "/" + pointer_token(name);
                    if (key == "properties") n.properties.emplace(name, child(sub, w));
                    else if (key == "patternProperties") n.pattern_properties.emplace_back(pattern(name, w), child(sub, w));
                    else if (sub.is_array()) n.property_dependencies.emplace(name, string_list(sub, w));
                    else n.schema_dependencies.emplace(name, child(sub, w));
                }
            } else if (key == "minProperties" || key == "maxProperties") {
                (key == "minProperties" ? n.min_properties : n.max_properties) = count(v, where, key.c_str());
            } else if (key == "allOf" || key == "anyOf" || key == "oneOf") {
                (key == "allOf" ? n.all_of : key == "anyOf" ? n.any_of : n.one_of) = schema_list(v, key.c_str());
            } else if (key == "not") {
                n.not_schema = child(v, at("not"));
            }
        }
        for (bool lower : {true, false}) {
            auto& bound = lower ? n.minimum : n.maximum;
            bool& exclusive = lower ? n.exclusive_minimum : n.exclusive_maximum;
            const char* name = lower ? "minimum" : "maximum";
            const char* exclusive_name = lower ? "exclusiveMinimum" : "exclusiveMaximum";
            if (auto it = s.find(name); it != s.end()) bound = number(*it, where, name);
            auto it = s.find(exclusive_name);
            if (it == s.end()) continue;
            if (it->is_boolean()) {
                exclusive = it->get<bool>() && bound;
            } else if (it->is_number()) {  // draft 6+: the exclusive bound itself, unless `name` is stricter
                if (!bound || compare_numbers(*it, *bound) != (lower ? -1 : 1)) {
                    bound = *it;
                    exclusive = true;
                }
            } else {
                schema_error(where, std::string(exclusive_name) + " must be a boolean");
            }
        }
        if (auto it = s.find("nullable"); it != s.end()) {  // OpenAPI 3.0
            if (!it->is_boolean()) schema_error(where, "nullable must be a boolean");
            if (it->get<bool>() && n.types != 0) n.types |= t_null;
        }
        return &n;
    }

    // Rejects cycles through $ref/allOf/anyOf/oneOf/not/dependencies, which
    // would re-check the same instance forever.
    void check_cycles() const {
        enum Color { white, grey, black };
        std::unordered_map<const Node*, Color> color;
        auto edges = [](const Node* n) {
            std::vector<const Node*> out(n->all_of);
            out.insert(out.end(), n->any_of.begin(), n->any_of.end());
            out.insert(out.end(), n->one_of.begin(), n->one_of.end());
            if (n->ref) out.push_back(n->ref);
            if (n->not_schema) out.push_back(n->not_schema);
            for (const auto& [name, dep] : n->schema_dependencies) out.push_back(dep);
            return out;
        };
        for (const Node& start : graph_.nodes) {
            if (color[&start] != white) continue;
            std::vector<std::pair<const Node*, std::vector<const Node*>>> stack;
            stack.emplace_back(&start, edges(&start));
            color[&start] = grey;
            while (!stack.empty()) {
                auto& [node, next] = stack.back();
                if (next.empty()) {
                    color[node] = black;
                    stack.pop_back();
                    continue;
                }
                const Node* to = next.back();
                next.pop_back();
                if (color[to] == grey) schema_error(to->where, "circular $ref that never descends into the value");
                if (color[to] == white) {
                    color[to] = grey;
                    stack.emplace_back(to, edges(to));
                }
            }
        }
    }

    const json& document_;
    JsonSchema::Graph& graph_;
    struct Place {
        std::string base;     // URI that relative refs resolve against
        std::string pointer;  // "#/components/schemas/Watch"
    };
    std::unordered_map<const json*, Place> places_;
    std::map<std::string, const json*> ids_;
    std::unordered_map<const json*, const Node*> compiled_;
};

// ---------------------------------------------------------------- validation

struct Path {
    const Path* parent = nullptr;
    const std::string* key = nullptr;  // member name, else `index`
    std::size_t index = 0;
    int depth = 0;
};

std::string format_path(const Path& path) {
    std::vector<const Path*> chain;
    for (const Path* p = &path; p->parent; p = p->parent) chain.push_back(p);
    std::string out = "$";
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        const Path& p = **it;
        if (!p.key) {
            out += "[" + std::to_string(p.index) + "]";
            continue;
        }
        const std::string& k = *p.key;
        bool plain = !k.empty() && !std::isdigit(static_cast<unsigned char>(k[0])) &&
                     std::all_of(k.begin(), k.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; });
        if (plain) {
            out += "." + k;
        } else {
            out += "['";
            for (char c : k) out += c == '\'' || c == '\\' ? std::string{'\\', c} : std::string{c};
            out += "']";
        }
    }
    return abbreviate(out, 200);
}

Result fail(const Path& path, const std::string& message) { return format_path(path) + ": " + message; }

std::string count_of(std::size_t n, const char* one, const char* many) { return std::to_string(n) + " " + (n == 1 ? one : many); }

Result check(const Node& n, const json& v, const Path& path, int frames);

Result descend(const Node& n, const json& v, const Path& child, int frames) {
    if (child.depth > JsonSchema::max_instance_depth)
        return fail(child, "nested deeper than " + std::to_string(JsonSchema::max_instance_depth) + " levels");
    return check(n, v, child, frames + 1);
}

Result check_number(const Node& n, const json& v, const Path& path) {
    if (n.minimum) {
        int c = compare_numbers(v, *n.minimum);
        if (c < 0 || (c == 0 && n.exclusive_minimum))
            return fail(path, std::string("must be ") + (n.exclusive_minimum ? "> " : ">= ") + n.minimum->dump());
    }
    if (n.maximum) {
        int c = compare_numbers(v, *n.maximum);
        if (c > 0 || (c == 0 && n.exclusive_maximum))
            return fail(path, std::string("must be ") + (n.exclusive_maximum ? "< " : "<= ") + n.maximum->dump());
    }
    if (n.multiple_of && !is_multiple_of(v, *n.multiple_of)) return fail(path, "must be a multiple of " + n.multiple_of->dump());
    return std::nullopt;
}

Result check_string(const Node& n, const std::string& s, const Path& path) {
    if (n.min_length || n.max_length) {
        std::size_t length = code_points(s);
        if (n.min_length && length < *n.min_length)
            return fail(path, "shorter than " + count_of(*n.min_length, "character", "characters"));
        if (n.max_length && length > *n.max_length)
            return fail(path, "longer than " + count_of(*n.max_length, "character", "characters"));
    }
    if (n.pattern) {
        auto found = search(*n.pattern, s);
        if (!found) return fail(path, "too long to match pattern with back-references '" + abbreviate(n.pattern->source) + "'");
        if (!*found) return fail(path, "does not match pattern '" + abbreviate(n.pattern->source) + "'");
    }
    return std::nullopt;
}

Result check_array(const Node& n, const json& v, const Path& path, int frames) {
    if (n.min_items && v.size() < *n.min_items) return fail(path, "fewer than " + count_of(*n.min_items, "item", "items"));
    if (n.max_items && v.size() > *n.max_items) return fail(path, "more than " + count_of(*n.max_items, "item", "items"));
    if (n.unique_items && v.size() > 1) {
        std::vector<std::size_t> order(v.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        try {
            std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
                return compare_json(v[a], v[b], path.depth + 1, max_depth) < 0;
            });
            for (std::size_t i = 1; i < order.size(); ++i)
                if (compare_json(v[order[i - 1]], v[order[i]], path.depth + 1, max_depth) == 0)
                    return fail(path, "items " + std::to_string(std::min(order[i - 1], order[i])) + " and " +
                                          std::to_string(std::max(order[i - 1], order[i])) + " are equal");
        } catch (const TooDeep&) {
            return fail(path, "items nested deeper than " + std::to_string(JsonSchema::max_instance_depth) + " levels");
        }
    }
    for (std::size_t i = 0; i < v.size(); ++i) {
        const Node* item = n.items;
        if (n.tuple_form) {
            item = i < n.tuple.size() ? n.tuple[i] : n.additional_items;
            if (i >= n.tuple.size() && !n.additional_items_allowed)
                return fail(Path{&path, nullptr, i, path.depth + 1}, "additional item not allowed");
        }
        if (item)
            if (auto r = descend(*item, v[i], Path{&path, nullptr, i, path.depth + 1}, frames)) return r;
    }
    return std::nullopt;
}

Result check_object(const Node& n, const json& v, const Path& path, int frames) {
    if (n.min_properties && v.size() < *n.min_properties)
        return fail(path, "fewer than " + count_of(*n.min_properties, "property", "properties"));
    if (n.max_properties && v.size() > *n.max_properties)
        return fail(path, "more than " + count_of(*n.max_properties, "property", "properties"));
    for (const auto& name : n.required)
        if (!v.contains(name)) return fail(path, "missing required property '" + name + "'");
    for (const auto& [name, needed] : n.property_dependencies)
        if (v.contains(name))
            for (const auto& other : needed)
                if (!v.contains(other)) return fail(path, "property '" + name + "' requires property '" + other + "'");
    for (const auto& [name, dep] : n.schema_dependencies)
        if (v.contains(name))
            if (auto r = check(*dep, v, path, frames + 1)) return r;
    for (auto it = v.begin(); it != v.end(); ++it) {
        Path child{&path, &it.key(), 0, path.depth + 1};
        bool matched = false;
        if (auto p = n.properties.find(it.key()); p != n.properties.end()) {
            matched = true;
            if (auto r = descend(*p->second, it.value(), child, frames)) return r;
        }
        for (const auto& [pattern, schema] : n.pattern_properties) {
            auto found = search(pattern, it.key());
            if (!found) return fail(child, "name too long to match pattern with back-references '" + abbreviate(pattern.source) + "'");
            if (!*found) continue;
            matched = true;
            if (auto r = descend(*schema, it.value(), child, frames)) return r;
        }
        if (matched) continue;
        if (!n.additional_properties_allowed) return fail(child, "property not allowed");
        if (n.additional_properties)
            if (auto r = descend(*n.additional_properties, it.value(), child, frames)) return r;
    }
    return std::nullopt;
}

Result check(const Node& n, const json& v, const Path& path, int frames) {
    if (frames > max_frames) return fail(path, "schema evaluation deeper than " + std::to_string(max_frames) + " steps");
    if (n.ref) return check(*n.ref, v, path, frames + 1);
    if (n.never) return fail(path, "no value is allowed here");
    if (n.types && !(n.types & type_bits(v))) return fail(path, "expected " + describe_types(n.types));
    try {
        if (n.enum_values && std::none_of(n.enum_values->begin(), n.enum_values->end(),
                                          [&](const json& e) { return compare_json(v, e, path.depth, max_depth) == 0; }))
            return fail(path, "must be one of " + abbreviate(json(*n.enum_values).dump()));
        if (n.const_value && compare_json(v, *n.const_value, path.depth, max_depth) != 0)
            return fail(path, "must be " + abbreviate(n.const_value->dump()));
    } catch (const TooDeep&) {
        return fail(path, "nested deeper than " + std::to_string(JsonSchema::max_instance_depth) + " levels");
    }
    if (n.format != Format::none && !format_holds(n.format, v)) {
        return fail(path, std::string("not a valid ") + format_name(n.format));
    }
    Result r;
    if (v.is_number()) r = check_number(n, v, path);
    else if (v.is_string()) r = check_string(n, v.get_ref<const std::string&>(), path);
    else if (v.is_array()) r = check_array(n, v, path, frames);
    else if (v.is_object()) r = check_object(n, v, path, frames);
    if (r) return r;

    for (const Node* s : n.all_of)
        if (auto r = check(*s, v, path, frames + 1)) return r;
    if (!n.any_of.empty() &&
        std::none_of(n.any_of.begin(), n.any_of.end(), [&](const Node* s) { return !check(*s, v, path, frames + 1); }))
        return fail(path, "does not match any schema in anyOf");
    if (!n.one_of.empty()) {
        auto matches = std::count_if(n.one_of.begin(), n.one_of.end(), [&](const Node* s) { return !check(*s, v, path, frames + 1); });
        if (matches == 0) return fail(path, "does not match any schema in oneOf");
        if (matches > 1) return fail(path, "matches more than one schema in oneOf");
    }
    if (n.not_schema && !check(*n.not_schema, v, path, frames + 1)) return fail(path, "must not match the schema in not");
    return std::nullopt;
}

}  // namespace

// ---------------------------------------------------------------- JsonSchema

JsonSchema::JsonSchema(const json& schema, const json& document) {
    auto graph = std::make_shared<Graph>();
    root_ = Compiler(document, *graph).compile_root(schema);
    graph_ = std::move(graph);
}

JsonSchema::JsonSchema(const json& schema) : JsonSchema(schema, schema) {}

std::optional<std::string> JsonSchema::validate(const json& instance) const {
    return check(*root_, instance, Path{}, 0);
}

}  // namespace lowcloud::apigateway
