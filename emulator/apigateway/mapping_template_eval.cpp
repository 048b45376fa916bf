// Mapping templates, part 2: rendering the tree that mapping_template.cpp
// parsed, with Java-like values, Velocity 1.7 operators, API Gateway's
// $input / $util / $context / $stageVariables, and the budgets that keep a
// hostile template from exhausting memory, stack or time (see
// mapping_template.hpp). Errors inside a node carry that node's line/column.
#include "apigateway/mapping_template.hpp"

#include "common/encoding.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <regex>
#include <unordered_set>

namespace lowcloud::apigateway {

namespace {

using namespace vtl;
using Kind = TemplateError::Kind;
using ordered_json = nlohmann::ordered_json;
using ListPtr = std::shared_ptr<ListData>;
using MapPtr = std::shared_ptr<MapData>;

constexpr std::size_t kMaxString = std::size_t{10} << 20;
constexpr std::size_t kMaxForeach = 1000;
constexpr int kMaxCalls = 20;
constexpr int kMaxValueDepth = 256;
constexpr long long kMaxSteps = 2'000'000;
constexpr double kMaxWork = 3e8;  // bytes produced and JSON nodes converted
constexpr double kMaxRegexReads = 1e7;
constexpr double kMaxRange = 100000;

struct Fail {  // a runtime error; node() adds the position and makes it a TemplateError
    Kind kind;
    std::string message;
};
[[noreturn]] void fail(std::string message, Kind kind = Kind::runtime) { throw Fail{kind, std::move(message)}; }

const std::string* as_string(const Value& v) { return std::get_if<std::string>(&v.v); }
ListData* as_list(const Value& v) { return std::holds_alternative<ListPtr>(v.v) ? std::get<ListPtr>(v.v).get() : nullptr; }
MapData* as_map(const Value& v) { return std::holds_alternative<MapPtr>(v.v) ? std::get<MapPtr>(v.v).get() : nullptr; }
const std::int64_t* as_long(const Value& v) { return std::get_if<std::int64_t>(&v.v); }
bool is_number(const Value& v) { return as_long(v) || std::holds_alternative<double>(v.v); }
double as_double(const Value& v) { return as_long(v) ? static_cast<double>(*as_long(v)) : std::get<double>(v.v); }
std::optional<std::int64_t> as_int(const Value& v) {
    if (as_long(v)) return *as_long(v);
    if (auto* d = std::get_if<double>(&v.v); d && std::trunc(*d) == *d && std::fabs(*d) < 9e15) return static_cast<std::int64_t>(*d);
    return std::nullopt;
}
bool truthy(const Value& v) { return !v.is_null() && !(std::holds_alternative<bool>(v.v) && !std::get<bool>(v.v)); }
bool is_input(const Value& v) { return std::holds_alternative<Builtin>(v.v) && std::get<Builtin>(v.v) == Builtin::input; }
bool same_ignoring_case(const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y)); });
}

Value list_value(std::vector<Value> items = {}, bool json = false) { return Value{std::make_shared<ListData>(std::move(items), json)}; }
MapPtr new_map(MapData::Flavor flavor = MapData::Flavor::plain) { return std::make_shared<MapData>(flavor); }
Value string_map(const std::map<std::string, std::string>& from) {
    MapPtr m = new_map();
    for (const auto& [k, v] : from) m->put(k, Value{v});
    return Value{m};
}
Value lookup(const MapData& m, const std::string& key) { return m.find(key) ? *m.find(key) : Value{}; }
Value list_at(const ListData& l, const Value& at) {
    auto i = as_int(at);
    if (!i) return {};
    auto size = static_cast<std::int64_t>(l.items.size());
    std::int64_t k = *i < 0 ? *i + size : *i;  // Velocity 1.7: negative indexes count from the end
    if (k < 0 || k >= size) fail("index " + std::to_string(*i) + " is out of range for a list of " + std::to_string(size));
    return l.items[static_cast<std::size_t>(k)];
}

// Java's Double.toString: 1.0, 0.001, 1.0E7, 1.234E-5.
std::string java_double(double d) {
    if (std::isnan(d)) return "NaN";
    if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
    if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
    char buf[64];
    std::string s(buf, std::to_chars(buf, buf + sizeof buf, std::fabs(d), std::chars_format::scientific).ptr), digits;
    std::size_t e = s.find('e');
    int exp = std::stoi(s.substr(e + 1));
    for (std::size_t i = 0; i < e; ++i)
        if (s[i] != '.') digits += s[i];
    std::string sign = d < 0 ? "-" : "";
    if (std::fabs(d) < 1e-3 || std::fabs(d) >= 1e7) return sign + digits.substr(0, 1) + "." + (digits.size() > 1 ? digits.substr(1) : "0") + "E" + std::to_string(exp);
    if (exp < 0) return sign + "0." + std::string(static_cast<std::size_t>(-exp - 1), '0') + digits;
    auto whole = static_cast<std::size_t>(exp) + 1;
    if (digits.size() < whole) digits.append(whole - digits.size(), '0');
    return sign + digits.substr(0, whole) + "." + (digits.size() > whole ? digits.substr(whole) : "0");
}

// Commons Lang's StringEscapeUtils.escapeJavaScript, over UTF-16 units.
std::string escape_javascript(const std::string& s) {
    static constexpr std::string_view plain = "\b\n\t\f\r'\"\\/", escaped = "bntfr'\"\\/";
    std::string out;
    char b[8];
    auto unit = [&](unsigned u) { out.append(b, static_cast<std::size_t>(std::snprintf(b, sizeof b, "\\u%04X", u))); };
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (len == 1) {
            std::size_t k = plain.find(static_cast<char>(c));
            if (k != std::string_view::npos) out += '\\', out += escaped[k];
            else if (c < 0x20) unit(c);
            else out += static_cast<char>(c);
            ++i;
            continue;
        }
        unsigned cp = c & (0x7F >> len);
        for (std::size_t k = 1; k < len; ++k) {
            auto d = i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0;
            if ((d & 0xC0) != 0x80) len = 0;
            else cp = (cp << 6) | (d & 0x3F);
        }
        if (len == 0) cp = 0xFFFD, len = 1;  // not UTF-8: one replacement character per byte
        i += len;
        if (cp < 0x10000) unit(cp);
        else unit(0xD800 + ((cp - 0x10000) >> 10)), unit(0xDC00 + ((cp - 0x10000) & 0x3FF));
    }
    return out;
}

// java.net.URLEncoder.encode(s, "UTF-8").
std::string url_encode(const std::string& s) {
    std::string out;
    char b[4];
    for (unsigned char c : s) out += std::isalnum(c) || (c && std::strchr(".-*_", c)) ? std::string(1, static_cast<char>(c)) : c == ' ' ? std::string("+") : std::string(b, static_cast<std::size_t>(std::snprintf(b, sizeof b, "%%%02X", c)));
    return out;
}

// A Java regex that matches only its own text ("\\'", "abc", "\\."): that text.
std::optional<std::string> literal_regex(const std::string& re) {
    std::string out;
    for (std::size_t i = 0; i < re.size(); ++i) {
        static constexpr std::string_view controls = "n\nt\tr\rf\f";  // \n \t \r \f
        std::size_t k = i + 1 < re.size() ? controls.find(re[i + 1]) : 0;
        if (re[i] == '\\' && (i + 1 >= re.size() || (std::isalnum(static_cast<unsigned char>(re[i + 1])) && (k == std::string_view::npos || k % 2)))) return std::nullopt;
        if (re[i] == '\\') out += k != std::string_view::npos && k % 2 == 0 ? controls[k + 1] : re[i + 1], ++i;
        else if (re[i] && std::strchr("^$.|?*+()[]{}", re[i])) return std::nullopt;
        else out += re[i];
    }
    return out;
}

// A Java replacement string ($1, \$) in std::regex's ECMAScript format.
std::string ecma_replacement(const std::string& rep) {
    std::string out;
    for (std::size_t i = 0; i < rep.size(); ++i) {
        if (rep[i] == '\\' && i + 1 >= rep.size()) fail("the replacement ends with a lone backslash");
        if (rep[i] == '$' && (i + 1 >= rep.size() || !std::isdigit(static_cast<unsigned char>(rep[i + 1])))) fail("illegal group reference in the replacement");
        if (rep[i] == '\\') ++i, out += rep[i] == '$' ? "$$" : std::string(1, rep[i]);
        else out += rep[i];
    }
    return out;
}

// A const char* that counts the characters std::regex reads. Its search
// restarts at every position, so even the polynomial executor can take
// quadratic time; past the budget the count throws instead.
struct Metered {
    using iterator_category = std::bidirectional_iterator_tag;
    using value_type = char;
    using difference_type = std::ptrdiff_t;
    using reference = const char&;
    const char* p = nullptr;
    double* reads = nullptr;
    reference operator*() const { return ++*reads > kMaxRegexReads ? (fail("regular expressions read more than 10 million characters"), *p) : *p; }
    Metered& operator++() { return ++p, *this; }
    Metered& operator--() { return --p, *this; }
    bool operator==(const Metered& o) const { return p == o.p; }
};

class Renderer {
public:
    Renderer(const Program& program, const TemplateInput& in, const RenderOptions& options) : program_(program), in_(in), options_(options) {}

    RenderResult run() {
        vars_["input"] = Value{Builtin::input};
        vars_["util"] = Value{Builtin::util};
        MapPtr context = in_.context.is_object() ? std::get<MapPtr>(from_json(in_.context, 0).v) : new_map();
        auto ensure = [](MapData& parent, const std::string& key) -> MapData& {
            if (!parent.find(key) || !as_map(*parent.find(key))) parent.put(key, Value{new_map()});
            return *as_map(*parent.find(key));
        };
        for (const char* k : {"header", "path", "querystring"}) ensure(ensure(*context, "requestOverride"), k);
        ensure(ensure(*context, "responseOverride"), "header");
        vars_["context"] = Value{context};
        vars_["stageVariables"] = string_map(in_.stage_variables);
        render(program_.body);
        return {std::move(out_), nlohmann::json(to_json(*context->find("requestOverride"), 0)), nlohmann::json(to_json(*context->find("responseOverride"), 0))};
    }

private:
    const Program& program_;
    const TemplateInput& in_;
    RenderOptions options_;
    std::unordered_map<std::string, Value> vars_;
    std::string out_;
    bool stop_ = false, break_ = false;
    int calls_ = 0;
    long long steps_ = 0;
    double work_ = 0, regex_reads_ = 0;
    std::optional<ordered_json> body_;
    Value params_;

    void tick() { if (++steps_ > kMaxSteps) fail("the template took more than " + std::to_string(kMaxSteps) + " evaluation steps"); }
    void charge(double units) { if ((work_ += units) > kMaxWork) fail("the template did too much work (strings, JSON, regular expressions)"); }
    std::string checked(std::string s) {
        if (s.size() > kMaxString) fail("a string grew past 10 MiB");
        return charge(static_cast<double>(s.size())), s;
    }
    void emit(std::string_view s) {
        if (out_.size() + s.size() > kMaxString) fail("the output grew past 10 MiB");
        charge(static_cast<double>(s.size()));
        out_.append(s);
    }
    void nest(int depth) { if (depth > kMaxValueDepth) fail("a value nested deeper than " + std::to_string(kMaxValueDepth) + " levels"); }

    // `v`, checked before it goes into the list or map `into`: Java allows a
    // container inside itself, but shared_ptr cycles would leak.
    Value insertable(const void* into, Value v) {
        std::vector<const Value*> stack{&v};
        std::unordered_set<const void*> seen;
        while (!stack.empty()) {
            const Value* x = stack.back();
            stack.pop_back();
            const void* id = as_list(*x) ? static_cast<const void*>(as_list(*x)) : as_map(*x);
            if (!id || !seen.insert(id).second) continue;
            if (id == into) fail("a list or map cannot contain itself");
            charge(1);
            for (std::size_t i = 0; as_list(*x) && i < as_list(*x)->items.size(); ++i) stack.push_back(&as_list(*x)->items[i]);
            for (std::size_t i = 0; as_map(*x) && i < as_map(*x)->entries.size(); ++i) stack.push_back(&as_map(*x)->entries[i].second);
        }
        return v;
    }

    // ---- values ----------------------------------------------------------

    template <class Json>
    Value from_json(const Json& j, int depth) {
        nest(depth);
        charge(1);
        if (j.is_structured()) {
            MapPtr m = j.is_object() ? new_map() : nullptr;
            std::vector<Value> items;
            for (auto it = j.begin(); it != j.end(); ++it) m ? void(m->put(it.key(), from_json(*it, depth + 1))) : items.push_back(from_json(*it, depth + 1));
            return m ? Value{m} : list_value(std::move(items), true);
        }
        if (j.is_string()) return Value{j.template get<std::string>()};
        if (j.is_boolean()) return Value{j.template get<bool>()};
        if (j.is_number_unsigned() && j.template get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) return Value{j.template get<double>()};
        if (j.is_number_integer()) return Value{j.template get<std::int64_t>()};
        if (j.is_number_float()) return Value{j.template get<double>()};
        return {};
    }

    ordered_json to_json(const Value& v, int depth) {
        nest(depth);
        ordered_json j = as_list(v) ? ordered_json::array() : ordered_json::object();
        if (auto* l = as_list(v))
            for (const auto& e : l->items) j.push_back(to_json(e, depth + 1));
        if (auto* m = as_map(v))
            for (const auto& [k, e] : m->entries) j[k] = to_json(e, depth + 1);
        if (as_list(v) || as_map(v)) return j;
        if (auto* s = as_string(v)) return *s;
        if (auto* b = std::get_if<bool>(&v.v)) return *b;
        if (as_long(v)) return *as_long(v);
        if (auto* d = std::get_if<double>(&v.v)) return *d;
        return nullptr;
    }

    std::string dump(const ordered_json& j) { return checked(j.dump(-1, ' ', false, ordered_json::error_handler_t::replace)); }

    ordered_json parse_json(const std::string& text, Kind kind, const std::string& what) {
        charge(static_cast<double>(text.size()));
        auto limit = [](int depth, ordered_json::parse_event_t, ordered_json&) { return depth <= kMaxValueDepth || (fail("JSON nested deeper than 256 levels"), false); };
        try { return ordered_json::parse(text, limit); } catch (const nlohmann::json::exception& e) { fail(what + ": " + e.what(), kind); }
    }

    // Java's toString (Velocity's rendering); null inside collections is "null".
    std::string str(const Value& v, int depth = 0) {
        nest(depth);
        if (auto* s = as_string(v)) return *s;
        if (auto* b = std::get_if<bool>(&v.v)) return *b ? "true" : "false";
        if (as_long(v)) return std::to_string(*as_long(v));
        if (auto* d = std::get_if<double>(&v.v)) return java_double(*d);
        std::string out;
        if (auto* l = as_list(v); l && l->json) return dump(to_json(v, depth));
        for (std::size_t i = 0; as_list(v) && i < as_list(v)->items.size() && out.size() <= kMaxString; ++i) out += (i ? ", " : "") + str(as_list(v)->items[i], depth + 1);
        if (as_list(v)) return checked("[" + out + "]");
        if (auto* m = as_map(v); m && m->flavor == MapData::Flavor::entry) return checked(str(lookup(*m, "key"), depth + 1) + "=" + str(lookup(*m, "value"), depth + 1));
        for (std::size_t i = 0; as_map(v) && i < as_map(v)->entries.size() && out.size() <= kMaxString; ++i) out += (i ? ", " : "") + as_map(v)->entries[i].first + "=" + str(as_map(v)->entries[i].second, depth + 1);
        if (as_map(v)) return checked("{" + out + "}");
        if (auto* block = std::get_if<const NodeList*>(&v.v)) {
            if (++calls_ > kMaxCalls) fail("#define blocks and macros nested deeper than " + std::to_string(kMaxCalls) + " calls");
            out = render_to_string(**block);
            return --calls_, out;
        }
        return v.is_null() ? "null" : "";
    }

    bool equals(const Value& a, const Value& b, int depth) {
        nest(depth);
        if (a.is_null() || b.is_null()) return a.is_null() && b.is_null();
        if (is_number(a) && is_number(b)) return as_long(a) && as_long(b) ? *as_long(a) == *as_long(b) : as_double(a) == as_double(b);
        if (a.v.index() != b.v.index() || as_string(a)) return str(a, depth) == str(b, depth);  // Velocity 1.7 compares mixed types as strings
        if (auto* l = as_list(a)) {
            auto* r = as_list(b);
            for (std::size_t i = 0; l->items.size() == r->items.size() && i < l->items.size(); ++i)
                if (!equals(l->items[i], r->items[i], depth + 1)) return false;
            return l->items.size() == r->items.size();
        }
        if (auto* m = as_map(a)) {
            auto* r = as_map(b);
            for (const auto& [k, e] : m->entries)
                if (!r->find(k) || !equals(e, *r->find(k), depth + 1)) return false;
            return m->entries.size() == r->entries.size();
        }
        return a.v == b.v;
    }

    // ---- rendering -------------------------------------------------------

    void render(const NodeList& nodes) {
        for (const Node& n : nodes)
            if (node(n); stop_ || break_) return;
    }

    std::string render_to_string(const NodeList& nodes) {
        std::string saved = std::exchange(out_, {});
        render(nodes);
        return std::exchange(out_, std::move(saved));
    }

    void node(const Node& n) {
        tick();
        try {
            switch (n.kind) {
                case Node::Kind::text: emit(n.text); break;
                case Node::Kind::reference: {
                    Value v = resolve(n.ref, n.ref.steps.size());
                    if (!v.is_null() && !std::holds_alternative<Builtin>(v.v)) emit(str(v));
                    else if (!n.ref.quiet && !options_.null_renders_empty) emit(n.ref.source);
                    break;
                }
                case Node::Kind::set: assign(n); break;
                case Node::Kind::if_: {
                    std::size_t i = 0;
                    while (i < n.exprs.size() && !truthy(eval(n.exprs[i]))) ++i;
                    if (i < n.blocks.size()) render(n.blocks[i]);  // blocks[exprs.size()] is #else
                    break;
                }
                case Node::Kind::foreach: foreach(n); break;
                case Node::Kind::break_: break_ = true; break;
                case Node::Kind::stop: stop_ = true; break;
                case Node::Kind::define: vars_[n.text] = Value{&n.blocks[0]}; break;
                case Node::Kind::macro_call: call_macro(n); break;
            }
        } catch (Fail& f) {
            throw TemplateError(f.kind, "line " + std::to_string(n.line) + ", column " + std::to_string(n.column) + ": " + f.message);
        } catch (const std::regex_error& e) {
            throw TemplateError("line " + std::to_string(n.line) + ", column " + std::to_string(n.column) + ": a regular expression failed: " + e.what());
        }
    }

    // Variables a loop or macro shadows, restored afterwards (as Velocity does).
    using Shadowed = std::vector<std::pair<std::string, std::optional<Value>>>;
    void shadow(Shadowed& s, const std::string& name) { s.emplace_back(name, vars_.count(name) ? std::optional<Value>(vars_.at(name)) : std::nullopt); }
    void unshadow(Shadowed& shadowed) {
        for (auto& [name, value] : shadowed)
            if (value) vars_[name] = std::move(*value);
            else vars_.erase(name);
    }

    void foreach(const Node& n) {
        Value collection = eval(n.exprs[0]);
        std::vector<Value> items;
        std::size_t total = 0;
        if (auto* l = as_list(collection)) {
            total = l->items.size();
            items.assign(l->items.begin(), l->items.begin() + static_cast<std::ptrdiff_t>(std::min(total, kMaxForeach + 1)));
        } else if (auto* m = as_map(collection)) {  // a Map iterates its values
            total = m->entries.size();
            for (std::size_t i = 0; i < total && i <= kMaxForeach; ++i) items.push_back(m->entries[i].second);
        }
        Shadowed saved;
        for (const std::string& k : {std::string("foreach"), std::string("velocityCount"), std::string("velocityHasNext"), n.text}) shadow(saved, k);
        MapPtr scope = new_map(MapData::Flavor::scope);  // one per loop, updated in place (Velocity's ForeachScope)
        for (const char* k : {"hasNext", "index", "count", "first", "last"}) scope->put(k, Value{});
        for (std::size_t i = 0; i < items.size() && !stop_; ++i) {
            tick();
            if (i >= kMaxForeach) fail("#foreach went past " + std::to_string(kMaxForeach) + " iterations (API Gateway's limit)");
            bool has_next = i + 1 < total;
            const Value fields[] = {Value{has_next}, Value{static_cast<std::int64_t>(i)}, Value{static_cast<std::int64_t>(i + 1)}, Value{i == 0}, Value{!has_next}};
            for (std::size_t k = 0; k < std::size(fields); ++k) scope->entries[k].second = fields[k];
            vars_[n.text] = items[i];
            vars_["foreach"] = Value{scope};
            vars_["velocityCount"] = Value{static_cast<std::int64_t>(i + 1)};
            vars_["velocityHasNext"] = Value{has_next};
            render(n.blocks[0]);
            if (std::exchange(break_, false)) break;
        }
        unshadow(saved);
    }

    void call_macro(const Node& n) {
        const Macro& m = program_.macros.at(n.text);
        if (++calls_ > kMaxCalls) fail("macros nested deeper than " + std::to_string(kMaxCalls) + " calls");
        std::vector<Value> args;
        for (const Expr& e : n.exprs) args.push_back(eval(e));
        Shadowed saved;
        for (std::size_t i = 0; i < m.params.size(); ++i) {
            shadow(saved, m.params[i]);
            if (i < args.size() && !args[i].is_null()) vars_[m.params[i]] = args[i];
            else vars_.erase(m.params[i]);
        }
        render(m.body);
        unshadow(saved);
        --calls_;
    }

    void assign(const Node& n) {
        Value v = eval(n.exprs[0]);
        if (v.is_null()) return;  // Velocity 1.7: a null right-hand side leaves the target as it was
        const Reference& r = n.ref;
        if (r.steps.empty()) return void(vars_[r.root] = std::move(v));
        Value target = resolve(r, r.steps.size() - 1);
        const Step& last = r.steps.back();
        Value index = last.kind == Step::Kind::index ? eval(last.args[0]) : Value{last.name};
        if (auto* m = as_map(target)) return void(m->put(str(index), insertable(m, std::move(v))));
        auto* l = as_list(target);
        if (!l || last.kind != Step::Kind::index) return;
        auto i = as_int(index);
        if (!i || *i < 0 || *i >= static_cast<std::int64_t>(l->items.size())) fail("#set: index " + str(index) + " is out of range");
        l->items[static_cast<std::size_t>(*i)] = insertable(l, std::move(v));
    }

    // ---- expressions -----------------------------------------------------

    Value resolve(const Reference& r, std::size_t steps) {
        Value cur;
        if (auto it = vars_.find(r.root); it != vars_.end()) cur = it->second;
        for (std::size_t i = 0; i < steps && !cur.is_null(); ++i) {
            const Step& s = r.steps[i];
            tick();
            if (s.kind == Step::Kind::property) {
                cur = property(cur, s.name);
            } else if (s.kind == Step::Kind::index) {
                Value at = eval(s.args[0]);
                cur = as_list(cur) ? list_at(*as_list(cur), at) : as_map(cur) && !at.is_null() ? lookup(*as_map(cur), str(at)) : Value{};
            } else {
                std::vector<Value> args;
                for (const Expr& a : s.args) args.push_back(eval(a));
                cur = method(cur, s.name, args);
            }
        }
        return cur;
    }

    Value eval(const Expr& e) {
        tick();
        switch (e.kind) {
            case Expr::Kind::literal: return e.value;
            case Expr::Kind::interpolated: return Value{checked(render_to_string(*e.parts))};
            case Expr::Kind::reference: return resolve(e.ref, e.ref.steps.size());
            case Expr::Kind::list: {
                std::vector<Value> items;
                for (const Expr& i : e.items) items.push_back(eval(i));
                return list_value(std::move(items));
            }
            case Expr::Kind::range: {
                auto from = as_int(eval(e.items[0])), to = as_int(eval(e.items[1]));
                if (!from || !to) fail("a range [a..b] needs integer bounds");
                if (std::fabs(static_cast<double>(*to) - static_cast<double>(*from)) >= kMaxRange) fail("a range of more than 100000 elements");
                std::vector<Value> items{Value{*from}};
                for (std::int64_t k = *from; k != *to;) items.push_back(Value{k += *to > *from ? 1 : -1});
                charge(static_cast<double>(items.size()));
                return list_value(std::move(items));
            }
            case Expr::Kind::map: {
                MapPtr m = new_map();
                for (std::size_t i = 0; i + 1 < e.items.size(); i += 2) {
                    std::string key = str(eval(e.items[i]));
                    m->put(key, eval(e.items[i + 1]));
                }
                return Value{m};
            }
            case Expr::Kind::negate: {
                Value v = eval(e.items[0]);
                if (as_long(v)) return *as_long(v) == INT64_MIN ? Value{-as_double(v)} : Value{-*as_long(v)};
                return std::holds_alternative<double>(v.v) ? Value{-as_double(v)} : Value{};
            }
            case Expr::Kind::logical_not: return Value{!truthy(eval(e.items[0]))};
            case Expr::Kind::binary: return binary(e);
        }
        return {};
    }

    Value binary(const Expr& e) {
        using Op = Expr::Op;
        if (e.op == Op::or_) return Value{truthy(eval(e.items[0])) || truthy(eval(e.items[1]))};
        if (e.op == Op::and_) return Value{truthy(eval(e.items[0])) && truthy(eval(e.items[1]))};
        Value a = eval(e.items[0]), b = eval(e.items[1]);
        if (e.op == Op::eq || e.op == Op::ne) return Value{equals(a, b, 0) == (e.op == Op::eq)};
        const std::int64_t *x = as_long(a), *y = as_long(b);
        if (e.op == Op::lt || e.op == Op::le || e.op == Op::gt || e.op == Op::ge) {
            if (!is_number(a) || !is_number(b)) return Value{false};  // Velocity 1.7 orders numbers only
            int c = x && y ? (*x < *y ? -1 : *x > *y) : (as_double(a) < as_double(b) ? -1 : as_double(a) > as_double(b));
            return Value{e.op == Op::lt ? c < 0 : e.op == Op::le ? c <= 0 : e.op == Op::gt ? c > 0 : c >= 0};
        }
        if (a.is_null() || b.is_null()) return {};
        if (e.op == Op::add && (as_string(a) || as_string(b))) return Value{checked(str(a) + str(b))};
        if (!is_number(a) || !is_number(b)) return {};
        std::int64_t r = 0;
        double p = as_double(a), q = as_double(b);
        switch (e.op) {  // Long arithmetic overflows into Double; division by zero is null (Velocity)
            case Op::add: return x && y && !__builtin_add_overflow(*x, *y, &r) ? Value{r} : Value{p + q};
            case Op::sub: return x && y && !__builtin_sub_overflow(*x, *y, &r) ? Value{r} : Value{p - q};
            case Op::mul: return x && y && !__builtin_mul_overflow(*x, *y, &r) ? Value{r} : Value{p * q};
            case Op::div: return q == 0 ? Value{} : x && y && !(*x == INT64_MIN && *y == -1) ? Value{*x / *y} : Value{p / q};
            default: return q == 0 ? Value{} : x && y ? Value{*y == -1 ? 0 : *x % *y} : Value{std::fmod(p, q)};
        }
    }

    Value property(const Value& v, const std::string& name) {
        if (auto* m = as_map(v)) return lookup(*m, name);
        if (name == "empty" && (as_string(v) || as_list(v))) return Value{as_string(v) ? as_string(v)->empty() : as_list(v)->items.empty()};
        return name == "body" && is_input(v) ? Value{in_.body} : Value{};
    }

    Value method(const Value& v, const std::string& name, std::vector<Value>& args) {
        if (std::holds_alternative<Builtin>(v.v)) return is_input(v) ? input_method(name, args) : util_method(name, args);
        if (name == "toString" && args.empty()) return Value{str(v)};
        if (name == "equals" && args.size() == 1) return Value{equals(v, args[0], 0)};
        if (auto* s = as_string(v)) return string_method(*s, name, args);
        if (auto* l = as_list(v)) return list_method(*l, name, args);
        if (auto* m = as_map(v)) return map_method(*m, name, args);
        if (is_number(v) && args.empty() && (name == "intValue" || name == "longValue")) return Value{as_int(v).value_or(static_cast<std::int64_t>(as_double(v)))};
        if (is_number(v) && args.empty() && (name == "doubleValue" || name == "floatValue")) return Value{as_double(v)};
        return std::holds_alternative<bool>(v.v) && name == "booleanValue" && args.empty() ? v : Value{};
    }

    Value string_method(const std::string& s, const std::string& name, std::vector<Value>& args) {
        auto len = static_cast<std::int64_t>(s.size());
        if (args.empty()) {
            std::size_t b = 0, e = s.size();
            if (name == "length") return Value{len};
            if (name == "isEmpty") return Value{s.empty()};
            if (name == "trim") {
                while (b < e && static_cast<unsigned char>(s[b]) <= ' ') ++b;
                while (e > b && static_cast<unsigned char>(s[e - 1]) <= ' ') --e;
                return Value{s.substr(b, e - b)};
            }
            if (name != "toLowerCase" && name != "toUpperCase") return {};
            std::string r = s;
            for (char& c : r) c = static_cast<char>(name == "toLowerCase" ? std::tolower(static_cast<unsigned char>(c)) : std::toupper(static_cast<unsigned char>(c)));
            return Value{checked(std::move(r))};
        }
        for (const Value& a : args)
            if (a.is_null()) return {};
        std::string a0 = str(args[0]), a1 = args.size() > 1 ? str(args[1]) : std::string();
        auto i0 = as_int(args[0]), i1 = args.size() > 1 ? as_int(args[1]) : std::optional<std::int64_t>(len);
        std::size_t n = args.size();
        if ((name == "substring" && n <= 2) || (name == "charAt" && n == 1)) {
            if (name == "charAt" && i0) i1 = *i0 + 1;
            if (!i0 || !i1) return {};
            if (*i0 < 0 || *i1 > len || *i0 > *i1) fail(name + "(" + a0 + (n > 1 ? ", " + a1 : "") + ") is out of range for a string of length " + std::to_string(len));
            return Value{s.substr(static_cast<std::size_t>(*i0), static_cast<std::size_t>(*i1 - *i0))};
        }
        if (n == 2 && name == "startsWith") return Value{i1 && *i1 >= 0 && *i1 <= len && s.compare(static_cast<std::size_t>(*i1), a0.size(), a0) == 0};
        if ((n == 2 && name == "indexOf" && i1) || (n == 1 && (name == "indexOf" || name == "lastIndexOf"))) {
            std::size_t at = name == "lastIndexOf" ? s.rfind(a0) : s.find(a0, static_cast<std::size_t>(std::clamp<std::int64_t>(n == 2 ? *i1 : 0, 0, len)));
            return Value{at == std::string::npos ? std::int64_t{-1} : static_cast<std::int64_t>(at)};
        }
        if (n == 1 && name == "contains") return Value{s.find(a0) != std::string::npos};
        if (n == 1 && name == "startsWith") return Value{s.compare(0, a0.size(), a0) == 0};
        if (n == 1 && name == "endsWith") return Value{s.size() >= a0.size() && s.compare(s.size() - a0.size(), a0.size(), a0) == 0};
        if (n == 1 && name == "concat") return Value{checked(s + a0)};
        if (n == 1 && name == "equalsIgnoreCase") return Value{same_ignoring_case(s, a0)};
        if (n == 1 && name == "matches") {
            if (auto lit = literal_regex(a0)) return Value{s == *lit};
            std::regex rx = compile(a0);
            return Value{std::regex_match(metered(s, 0), metered(s, s.size()), rx)};
        }
        if (name == "split" && n <= 2) return split(s, a0, n == 2 ? i1.value_or(0) : 0);
        if (n == 2 && (name == "replace" || name == "replaceAll" || name == "replaceFirst")) {
            auto lit = name == "replace" ? std::optional<std::string>(a0) : literal_regex(a0);
            if (lit && (name == "replace" || a1.find_first_of("$\\") == std::string::npos)) return Value{replace_literal(s, *lit, a1, name == "replaceFirst")};
            return Value{replace_regex(s, a0, a1, name == "replaceFirst")};
        }
        return {};
    }

    // ---- regular expressions ---------------------------------------------

    Metered metered(const std::string& s, std::size_t at) { return {s.data() + at, &regex_reads_}; }

    // libstdc++'s polynomial (Thompson) executor: no backtracking, no deep
    // recursion. Its automaton grows with {n} repetitions, which it expands.
    std::regex compile(const std::string& re) {
        if (re.size() > 512) fail("a regular expression longer than 512 characters");
        double cost = static_cast<double>(re.size()) + 1;
        for (std::size_t i = 0; i < re.size(); ++i) {
            char* after = nullptr;
            if (re[i] == '\\') ++i;
            else if (re[i] == '{') cost *= std::max(1.0, std::strtod(re.c_str() + i + 1, &after));
            if (after && *after == ',') cost *= std::max(1.0, std::strtod(after + 1, nullptr));
        }
        if (!(cost <= 20000)) fail("the regular expression '" + re + "' is too complex");
        try { return std::regex(re, std::regex::ECMAScript | std::regex_constants::__polynomial); } catch (const std::regex_error& e) { fail("invalid regular expression '" + re + "': " + e.what()); }
    }

    // f(match) for each match of `re` in `s`, or the first only.
    template <class F>
    void each_match(const std::string& s, const std::string& re, bool first_only, F f) {
        std::regex rx = compile(re);
        for (std::regex_iterator<Metered> it(metered(s, 0), metered(s, s.size()), rx), end; it != end; ++it)
            if (f(*it); first_only) break;
    }

    std::string replace_literal(const std::string& s, const std::string& from, const std::string& to, bool first_only) {
        std::string out;
        for (std::size_t i = 0; from.empty() && i < s.size(); ++i)  // Java: "ab".replace("", "-") is "-a-b-"
            if ((out += to + s[i]).size() > kMaxString) fail("a string grew past 10 MiB");
        if (from.empty()) return checked(out + to);
        std::size_t at = 0;
        for (std::size_t hit; (hit = s.find(from, at)) != std::string::npos && out.size() <= kMaxString; at = hit + from.size()) {
            out.append(s, at, hit - at).append(to);
            if (first_only) return checked(out.append(s, hit + from.size()));
        }
        return checked(out.append(s, std::min(at, s.size())));
    }

    std::string replace_regex(const std::string& s, const std::string& re, const std::string& rep, bool first_only) {
        std::string format = ecma_replacement(rep), out;
        const char* last = s.data();
        each_match(s, re, first_only, [&](const std::match_results<Metered>& m) {
            if (out.append(last, m[0].first.p).append(m.format(format)).size() > kMaxString) fail("a string grew past 10 MiB");
            last = m[0].second.p;
        });
        return checked(out.append(last, s.data() + s.size()));
    }

    // Java's String.split: no leading empty piece for a zero-width match at 0;
    // at most `limit` pieces when positive; trailing empty pieces dropped when 0.
    Value split(const std::string& s, const std::string& re, std::int64_t limit) {
        std::vector<std::pair<std::size_t, std::size_t>> matches;
        auto lit = literal_regex(re);
        if (lit && !lit->empty()) {
            for (std::size_t at = s.find(*lit); at != std::string::npos; at = s.find(*lit, at + lit->size())) matches.emplace_back(at, at + lit->size());
        } else {
            each_match(s, re, false, [&](const std::match_results<Metered>& m) { matches.emplace_back(m[0].first.p - s.data(), m[0].second.p - s.data()); });
        }
        std::vector<Value> parts;
        std::size_t index = 0;
        for (auto [b, e] : matches) {
            if (limit > 0 && static_cast<std::int64_t>(parts.size()) >= limit - 1) break;
            if (index == 0 && b == 0 && e == 0) continue;
            parts.push_back(Value{s.substr(index, b - index)});
            index = e;
        }
        if (index == 0 && parts.empty()) return list_value({Value{s}});
        parts.push_back(Value{s.substr(index)});
        while (limit == 0 && !parts.empty() && as_string(parts.back())->empty()) parts.pop_back();
        charge(static_cast<double>(s.size() + parts.size()));
        return list_value(std::move(parts));
    }

    // ---- lists and maps --------------------------------------------------

    Value list_method(ListData& l, const std::string& name, std::vector<Value>& args) {
        auto size = static_cast<std::int64_t>(l.items.size());
        if (args.empty() && name == "size") return Value{size};
        if (args.empty() && name == "isEmpty") return Value{size == 0};
        if (args.size() == 1 && name == "get") return list_at(l, args[0]);
        if (args.size() == 1 && (name == "contains" || name == "indexOf")) {
            std::int64_t i = 0;
            while (i < size && !equals(l.items[static_cast<std::size_t>(i)], args[0], 0)) ++i;
            return name == "contains" ? Value{i < size} : Value{i < size ? i : -1};
        }
        if (args.size() == 1 && (name == "add" || name == "addAll")) {
            if (l.items.size() >= 1'000'000) fail("a list grew past 1000000 elements");
            std::vector<Value> added = name == "add" ? std::vector<Value>{args[0]} : as_list(args[0]) ? as_list(args[0])->items : std::vector<Value>{};
            for (Value& a : added) l.items.push_back(insertable(&l, std::move(a)));
            charge(16);
            return Value{true};
        }
        return {};
    }

    Value map_method(MapData& m, const std::string& name, std::vector<Value>& args) {
        if (args.empty() && name == "size") return Value{static_cast<std::int64_t>(m.entries.size())};
        if (args.empty() && name == "isEmpty") return Value{m.entries.empty()};
        if (args.empty() && (name == "keySet" || name == "values" || name == "entrySet")) {
            std::vector<Value> items;
            for (const auto& [k, v] : m.entries) {
                MapPtr entry = new_map(MapData::Flavor::entry);
                entry->put("key", Value{k});
                entry->put("value", v);
                items.push_back(name == "keySet" ? Value{k} : name == "values" ? v : Value{entry});
            }
            charge(static_cast<double>(items.size()));
            return list_value(std::move(items));
        }
        if (args.empty() && m.flavor != MapData::Flavor::plain) {  // entry.getKey(), $foreach.isLast(), $foreach.hasNext()
            std::string bean = name.rfind("get", 0) == 0 ? name.substr(3) : name.rfind("is", 0) == 0 ? name.substr(2) : name;
            return bean.empty() ? Value{} : lookup(m, static_cast<char>(std::tolower(static_cast<unsigned char>(bean[0]))) + bean.substr(1));
        }
        if (args.empty()) return {};
        std::string key = str(args[0]);
        if (args.size() == 1 && name == "get") return args[0].is_null() ? Value{} : lookup(m, key);
        if (args.size() == 2 && name == "getOrDefault") return m.find(key) ? *m.find(key) : args[1];
        if (args.size() == 1 && name == "containsKey") return Value{m.find(key) != nullptr};
        if (args.size() == 2 && name == "put") return m.put(key, insertable(&m, args[1]));
        if (args.size() == 1 && name == "remove") return m.remove(key);
        if (args.size() == 1 && name == "putAll" && as_map(args[0]))
            for (const auto& [k, v] : std::vector(as_map(args[0])->entries)) m.put(k, insertable(&m, v));
        return {};
    }

    // ---- $input and $util ------------------------------------------------

    const ordered_json& body() {
        bool blank = in_.body.find_first_not_of(" \t\r\n") == std::string::npos;
        if (!body_) body_ = blank ? ordered_json::object() : parse_json(in_.body, Kind::body_not_json, "the body is not JSON");  // AWS: an empty body is {}
        return *body_;
    }

    Value input_method(const std::string& name, std::vector<Value>& args) {
        if (name == "params" && args.empty()) {
            if (params_.is_null()) {
                MapPtr all = new_map();
                for (auto [key, source] : {std::pair{"path", &in_.path}, std::pair{"querystring", &in_.querystring}, std::pair{"header", &in_.header}}) all->put(key, string_map(*source));
                params_ = Value{all};
            }
            return params_;
        }
        if (args.size() != 1 || args[0].is_null()) return {};
        std::string x = str(args[0]);
        if (name == "params") {
            for (const auto* source : {&in_.path, &in_.querystring, &in_.header})
                if (auto it = source->find(x); it != source->end()) return Value{it->second};
            for (const auto& [k, v] : in_.header)
                if (same_ignoring_case(k, x)) return Value{v};
            return Value{std::string()};
        }
        if (name != "json" && name != "path") return {};
        JsonPathMatch match;
        try { match = json_path(body(), x); } catch (const std::invalid_argument& e) { fail(e.what()); }
        charge(static_cast<double>(match.nodes.size()));
        if (name == "json" && match.definite) return Value{match.nodes.empty() ? std::string() : dump(*match.nodes[0])};
        if (match.definite) return match.nodes.empty() ? Value{} : from_json(*match.nodes[0], 0);
        std::vector<Value> items;
        auto all = ordered_json::array();
        for (const auto* node : match.nodes) name == "json" ? all.push_back(*node) : items.push_back(from_json(*node, 0));
        return name == "json" ? Value{dump(all)} : list_value(std::move(items), true);
    }

    Value util_method(const std::string& name, std::vector<Value>& args) {
        if (args.size() != 1 || args[0].is_null()) return {};
        std::string s = str(args[0]);
        if (name == "escapeJavaScript") return Value{checked(escape_javascript(s))};
        if (name == "parseJson") return from_json(parse_json(s, Kind::runtime, "$util.parseJson: not JSON"), 0);
        if (name == "urlEncode") return Value{checked(url_encode(s))};
        if (name == "urlDecode") return Value{percent_decode(s, true)};
        if (name == "base64Encode") return Value{checked(base64_encode(s))};
        if (name != "base64Decode") return {};
        if (auto decoded = base64_decode(s)) return Value{std::move(*decoded)};
        fail("$util.base64Decode: the argument is not base64");
    }
};

}  // namespace

std::string MappingTemplate::render(const TemplateInput& input) const { return render(input, RenderOptions{}).body; }

RenderResult MappingTemplate::render(const TemplateInput& input, const RenderOptions& options) const {
    if (!program_) throw TemplateError("rendering a moved-from MappingTemplate");
    try {
        return Renderer(*program_, input, options).run();
    } catch (const TemplateError&) {
        throw;
    } catch (Fail& f) {  // outside any node (not expected): no position to give
        throw TemplateError(f.kind, f.message);
    } catch (const std::exception& e) {  // e.g. std::bad_alloc: the request fails, the process lives
        throw TemplateError(std::string("the template failed: ") + e.what());
    }
}

}  // namespace lowcloud::apigateway
