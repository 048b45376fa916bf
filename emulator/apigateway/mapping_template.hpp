// Mapping templates: the Velocity Template Language (VTL) subset that API
// Gateway runs for non-proxy integrations (requestTemplates and
// responseTemplates). A template is parsed once, when the integration is
// configured, and rendered once per request against what the request (or
// the integration's response) carries: the body, the method's parameters,
// $context and $stageVariables.
//
//   MappingTemplate t = MappingTemplate::parse(R"({"name": "$input.params('name')", "body": $input.json('$')})");
//   std::string payload = t.render(input);
//
// The language (Apache Velocity 1.7 semantics unless noted):
//   text passes through; `## line` and `#* block *#` comments;
//   `\$` and `\#` escape (a run of 2n backslashes gives n and leaves the `$`/`#` live);
//   references $a, ${a}, quiet $!a / $!{a}, chains $a.b.c, $a.m(x, y), $a[0], $a['k'];
//   #set($a = e) / #set($a.b = e) / #set($a['k'] = e) (a null right-hand side leaves
//   the target unchanged, as in 1.7), #if / #elseif / #else / #end (and #{if} ... #{end}),
//   #foreach($x in e) with $foreach.hasNext / index / count / first / last and
//   $velocityCount, #break, #stop, #define($block) ... #end, #macro(name $a $b) ... #end
//   (arguments by value, macros must be defined before use);
//   expressions: 'raw' and "interpolated $strings" ("" and '' double the quote;
//   backslashes stay as written, so replaceAll("\\'", "'") works as on AWS), integers,
//   decimals, true / false / null, [a, b], [1..3], {"k": v}, ( ), ! - * / % + (a String
//   operand concatenates) < <= > >= == != && || and the words not lt le gt ge eq ne and or;
//   only null and false are false.
// Whitespace follows Velocity's "lines" gobbling: a line holding nothing but
// one #set / #if / #elseif / #else / #end / #foreach / #break / #stop / #macro /
// #define (and optionally a trailing ## comment) renders nothing, newline
// included, which keeps the console's "Method Request passthrough" output tidy.
//
// Values behave like the Java objects AWS hands to Velocity: null, Boolean,
// Long, Double, String, List, Map (insertion-ordered). Rendered as Java's
// toString: 3, 2.5, 1.0E7, true, [a, b], {k=v, k2=v2}; except that a list that
// came out of JSON ($input.path, $util.parseJson) renders as compact JSON, as
// AWS's JSON-smart arrays do: $input.path('$') of {"a":1,"b":[{"c":5}]} gives
// {a=1, b=[{"c":5}]}. String methods: length isEmpty contains startsWith endsWith
// indexOf lastIndexOf substring charAt concat toLowerCase toUpperCase trim replace
// replaceAll replaceFirst split matches equals equalsIgnoreCase toString (indexes
// and lengths count UTF-8 bytes, not UTF-16 units; case mapping is ASCII-only;
// regexes are ECMAScript, not java.util.regex, and may read 10 million characters
// per render). Lists: size isEmpty get contains indexOf add addAll. Maps: size
// isEmpty get getOrDefault containsKey keySet values entrySet (entries: key /
// value / getKey() / getValue()) put putAll remove; $map.k reads key "k".
// Numbers: intValue longValue doubleValue. Any other method or property gives
// null. Java exceptions (index out of range, bad regex, bad base64, ...) become
// TemplateError, as they make API Gateway fail the request; so does making a
// list or map contain itself.
//
// Undefined references: Velocity renders a null, non-quiet reference as its
// source text ("$foo.bar") and a quiet one as "". RenderOptions::null_renders_empty
// makes every null render "" instead, which is what API Gateway is reported to
// do (not in AWS's documentation; third-party emulators and users observe
// "user": "" from the passthrough template); the default stays Velocity's.
//
// API Gateway's variables:
//   $input.body          the raw body.
//   $input.json(p)       JSON text of the JSONPath p's value ('$' is the whole body,
//                        re-serialised compactly); "" when p matches nothing; with *
//                        or .. the JSON array of every match.
//   $input.path(p)       the value itself: object -> Map, array -> List, scalars as is;
//                        null when p matches nothing; with * or .. a List. Both treat an
//                        empty (or blank) body as {}; a body that is not JSON throws
//                        TemplateError with kind body_not_json: the caller should answer
//                        400 Bad Request (AWS documents a 400 for a payload its mapping
//                        cannot parse, without the exact message).
//                        JSONPath: $ .name ['name'] ["name"] [0] [-1] [*] .* ..name ..[0];
//                        a path without the leading $ is taken as $.path (Jayway).
//   $input.params()      Map {path: {...}, querystring: {...}, header: {...}}.
//   $input.params(x)     x from the path, then the query string, then the headers
//                        (searched in that order, as AWS documents; header names
//                        ignore case); "" when absent.
//   $util.escapeJavaScript(s)  Java's StringEscapeUtils.escapeJavaScript: \" \\ \/ \'
//                        \b \f \n \r \t, other control and all non-ASCII characters
//                        as \uXXXX (UTF-16 units). As AWS documents, \' is not valid
//                        JSON: templates add .replaceAll("\\'", "'").
//   $util.parseJson(s) / urlEncode(s) (Java's URLEncoder: space -> +) / urlDecode(s) /
//                        base64Encode(s) / base64Decode(s) (invalid base64 -> TemplateError).
//   $context.a.b         TemplateInput::context, objects as Maps. $context.requestOverride
//                        ({header, path, querystring}) and $context.responseOverride
//                        ({header}, status) always exist; what a template #sets there comes
//                        back in RenderResult.
//   $stageVariables.x, $stageVariables['x']
//
// Limits (a template is user input; nothing it does crashes or hangs the
// process): #foreach stops with TemplateError past 1000 iterations (API
// Gateway's documented quota); templates over 1 MiB, expressions or blocks
// nested deeper than 64, macro / #define recursion deeper than 20 (Velocity's
// default), output or any string over 10 MiB, values or JSON nested deeper than
// 256, ranges over 100000 elements and lists over 1000000, more than 2 million
// evaluation steps, about 300 MB of string and JSON work, and regular
// expressions longer than 512 characters, with too large an automaton, or
// reading more than 10 million characters in all, raise TemplateError.
//
// Not supported: #parse, #include, #evaluate (TemplateError at parse), #[[raw]]#,
// block macros (#@name), $foreach.parent, Velocity's pass-by-name macro
// arguments, JSONPath filters ([?(...)]), slices, unions and functions, Java
// reflection ($x.getClass()).
//
// Threading: parse() gives an immutable template; render() is const and
// thread-safe; copies share the parsed tree.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace lowcloud::apigateway {

// A template's failure. what() starts with "line L, column C: " (1-based,
// columns in bytes) for parse errors and for errors raised while rendering
// a node (all of them but a $context nested deeper than 256 levels).
struct TemplateError : std::runtime_error {
    enum class Kind {
        syntax,         // parse(): the template is not valid
        body_not_json,  // render(): $input.json / $input.path on a body that is not JSON (answer 400)
        runtime,        // render(): a failing method, a limit exceeded (answer 500)
    };
    using std::runtime_error::runtime_error;
    TemplateError(Kind k, const std::string& what) : std::runtime_error(what), kind(k) {}
    Kind kind = Kind::runtime;
};

// What a template reads.
struct TemplateInput {
    std::string body;  // $input.body; $input.json(...) / $input.path(...) parse it as JSON
    std::map<std::string, std::string> path, querystring, header;  // $input.params()
    nlohmann::json context = nlohmann::json::object();  // $context.* (nested objects: $context.identity.sourceIp)
    std::map<std::string, std::string> stage_variables;  // $stageVariables.*
};

struct RenderOptions {
    bool null_renders_empty = false;  // true: null references render "" (AWS), not their source text (Velocity)
};

struct RenderResult {
    std::string body;
    nlohmann::json request_override;   // $context.requestOverride afterwards: {"header":{},"path":{},"querystring":{}}
    nlohmann::json response_override;  // $context.responseOverride afterwards: {"header":{}} plus "status" when set
};

namespace vtl {
struct Program;
}

class MappingTemplate {
public:
    static MappingTemplate parse(std::string_view text);  // throws TemplateError
    std::string render(const TemplateInput& input) const;  // throws TemplateError; thread-safe (const)
    RenderResult render(const TemplateInput& input, const RenderOptions& options) const;

private:
    explicit MappingTemplate(std::shared_ptr<const vtl::Program> program) : program_(std::move(program)) {}
    std::shared_ptr<const vtl::Program> program_;
};

// ---------------------------------------------------------------------------
// Implementation detail shared by mapping_template.cpp (parser) and
// mapping_template_eval.cpp (evaluator); not part of the contract.
namespace vtl {

struct Node;
struct Expr;
using NodeList = std::vector<Node>;
struct ListData;
struct MapData;
enum class Builtin { input, util };

struct Value {
    std::variant<std::monostate, bool, std::int64_t, double, std::string, std::shared_ptr<ListData>,
                 std::shared_ptr<MapData>, Builtin, const NodeList*>  // NodeList: a #define block
        v;
    bool is_null() const { return v.index() == 0; }
};

// Lists and maps are shared (Java references) and never cyclic; they are
// destroyed iteratively, however deep a template nests them.
struct ListData {
    explicit ListData(std::vector<Value> items_ = {}, bool json_ = false) : items(std::move(items_)), json(json_) {}
    ~ListData();
    std::vector<Value> items;
    bool json = false;  // from JSON: renders as compact JSON text
};

struct MapData {
    enum class Flavor { plain, entry, scope };  // entry: entrySet() element; scope: $foreach
    explicit MapData(Flavor flavor_ = Flavor::plain) : flavor(flavor_) {}
    ~MapData();
    std::vector<std::pair<std::string, Value>> entries;
    std::unordered_map<std::string, std::size_t> index;
    Flavor flavor = Flavor::plain;
    const Value* find(const std::string& key) const;
    Value put(const std::string& key, Value value);  // the previous value (null when new)
    Value remove(const std::string& key);
};

struct Step {
    enum class Kind { property, method, index } kind = Kind::property;
    std::string name;
    std::vector<Expr> args;  // method arguments; index: the one index expression
};

struct Reference {
    std::string root;
    std::vector<Step> steps;
    bool quiet = false;
    std::string source;  // as written, rendered when the value is null
};

struct Expr {
    enum class Kind { literal, interpolated, reference, list, range, map, negate, logical_not, binary } kind = Kind::literal;
    enum class Op { or_, and_, eq, ne, lt, le, gt, ge, add, sub, mul, div, mod } op = Op::add;
    Value value;                      // literal
    std::shared_ptr<NodeList> parts;  // interpolated string
    Reference ref;                    // reference
    std::vector<Expr> items;          // list; map (k, v, k, v...); range, binary (lhs, rhs); negate, not (operand)
};

struct Node {
    enum class Kind { text, reference, set, if_, foreach, break_, stop, define, macro_call } kind = Kind::text;
    int line = 0, column = 0;
    std::string text;              // text; foreach variable; define variable; macro name
    Reference ref;                 // reference; #set target
    std::vector<Expr> exprs;       // set: value; if: conditions; foreach: collection; macro_call: arguments
    std::vector<NodeList> blocks;  // if: one per condition, then #else; foreach, define: body
};

struct Macro {
    std::vector<std::string> params;
    NodeList body;
};

struct Program {
    NodeList body;
    std::map<std::string, Macro> macros;
};

// JSONPath `path` evaluated on `root` (mapping_template.cpp). Definite paths
// (no wildcard or deep scan) select at most one node. Throws
// std::invalid_argument for a path it cannot parse.
struct JsonPathMatch {
    std::vector<const nlohmann::ordered_json*> nodes;
    bool definite = true;
};
JsonPathMatch json_path(const nlohmann::ordered_json& root, const std::string& path);

}  // namespace vtl
}  // namespace lowcloud::apigateway
