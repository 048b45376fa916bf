// Mapping templates: the VTL subset API Gateway runs for non-proxy
// integrations (mapping_template.hpp): the console's passthrough template,
// $input / $util / $context / $stageVariables, Velocity's directives,
// operators and Java-style rendering, parse and runtime errors, and the
// limits that keep hostile templates from crashing or hanging the process.
#include "apigateway/mapping_template.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <random>
#include <thread>

using namespace lowcloud::apigateway;
using nlohmann::json;

namespace {

TemplateInput sample() {
    TemplateInput in;
    in.body = R"({"a":{"b":"c"},"list":[1,2,3],"name":"Ann","price":249.99,"ok":true,"items":[{"id":1,"tag":"x"},{"id":2,"tag":"y"}]})";
    in.path = {{"id", "abc"}};
    in.querystring = {{"q", "shoes"}, {"id", "from-query"}};
    in.header = {{"Content-Type", "application/json"}, {"X-Token", "t0k"}};
    in.context = {{"requestId", "req-1"}, {"stage", "prod"}, {"httpMethod", "POST"}, {"identity", {{"sourceIp", "192.0.2.1"}, {"userAgent", "curl/8"}}}};
    in.stage_variables = {{"env", "test"}, {"table name", "t1"}};
    return in;
}

std::string render(std::string_view text, const TemplateInput& in = sample()) { return MappingTemplate::parse(text).render(in); }

// what() of the TemplateError that parsing or rendering throws; "" when none does.
std::string error_of(std::string_view text, const TemplateInput& in = sample()) {
    try {
        render(text, in);
    } catch (const TemplateError& e) {
        return e.what();
    }
    return "";
}

struct Case {
    const char* name;
    const char* text;
    const char* expected;
};

void check_renders(std::initializer_list<Case> cases, const TemplateInput& in = sample()) {
    for (const Case& c : cases) {
        INFO(c.name << ": " << c.text);
        CHECK(render(c.text, in) == c.expected);
    }
}

// The template API Gateway's console offers as "Method Request passthrough".
const char* kPassthrough = R"~(##  See https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html
##  This template will pass through all parameters including path, querystring, header, stage variables, and context through to the integration endpoint via the body/payload
#set($allParams = $input.params())
{
"body-json" : $input.json('$'),
"params" : {
#foreach($type in $allParams.keySet())
    #set($params = $allParams.get($type))
"$type" : {
    #foreach($paramName in $params.keySet())
    "$paramName" : "$util.escapeJavaScript($params.get($paramName))"
        #if($foreach.hasNext),#end
    #end
}
    #if($foreach.hasNext),#end
#end
},
"stage-variables" : {
#foreach($key in $stageVariables.keySet())
"$key" : "$util.escapeJavaScript($stageVariables.get($key))"
    #if($foreach.hasNext),#end
#end
},
"context" : {
    "account-id" : "$context.identity.accountId",
    "api-id" : "$context.apiId",
    "api-key" : "$context.identity.apiKey",
    "authorizer-principal-id" : "$context.authorizer.principalId",
    "caller" : "$context.identity.caller",
    "cognito-authentication-provider" : "$context.identity.cognitoAuthenticationProvider",
    "cognito-authentication-type" : "$context.identity.cognitoAuthenticationType",
    "cognito-identity-id" : "$context.identity.cognitoIdentityId",
    "cognito-identity-pool-id" : "$context.identity.cognitoIdentityPoolId",
    "http-method" : "$context.httpMethod",
    "stage" : "$context.stage",
    "source-ip" : "$context.identity.sourceIp",
    "user" : "$context.identity.user",
    "user-agent" : "$context.identity.userAgent",
    "user-arn" : "$context.identity.userArn",
    "request-id" : "$context.requestId",
    "resource-id" : "$context.resourceId",
    "resource-path" : "$context.resourcePath"
    }
}
)~";

}  // namespace

TEST_CASE("mapping_template/method_request_passthrough") {
    TemplateInput in = sample();
    in.header["X-Quote"] = R"(say "hi" \ bye)";
    auto t = MappingTemplate::parse(kPassthrough);
    json j = json::parse(t.render(in));
    CHECK(j["body-json"] == json::parse(in.body));
    CHECK(j["params"]["path"] == json{{"id", "abc"}});
    CHECK(j["params"]["querystring"] == json{{"id", "from-query"}, {"q", "shoes"}});
    CHECK(j["params"]["header"]["Content-Type"] == "application/json");  // escaped as application\/json
    CHECK(j["params"]["header"]["X-Quote"] == R"(say "hi" \ bye)");
    CHECK(j["stage-variables"] == json{{"env", "test"}, {"table name", "t1"}});
    CHECK(j["context"]["http-method"] == "POST");
    CHECK(j["context"]["source-ip"] == "192.0.2.1");
    CHECK(j["context"]["request-id"] == "req-1");
    CHECK(j["context"]["user"] == "$context.identity.user");  // Velocity: an undefined reference renders as written

    RenderOptions aws;
    aws.null_renders_empty = true;
    json k = json::parse(t.render(in, aws).body);
    CHECK(k["context"]["user"] == "");
    CHECK(k["context"]["api-key"] == "");

    in.path.clear();
    in.querystring.clear();
    in.header.clear();
    in.stage_variables.clear();
    in.body.clear();
    json empty = json::parse(t.render(in));
    CHECK(empty["body-json"] == json::object());  // an empty body is {}
    CHECK(empty["params"] == json{{"path", json::object()}, {"querystring", json::object()}, {"header", json::object()}});
    CHECK(empty["stage-variables"] == json::object());
}

TEST_CASE("mapping_template/passthrough_output_is_tidy") {
    // A line holding only a directive renders nothing, newline included.
    std::string out = render(kPassthrough);
    CHECK(out.rfind("{\n\"body-json\" : {", 0) == 0);
    CHECK(out.find("\"params\" : {\n\"path\" : {\n    \"id\" : \"abc\"\n        \n}\n    ,\n\"querystring\" : {") != std::string::npos);
}

TEST_CASE("mapping_template/aws_documented_examples") {
    TemplateInput in = sample();
    in.body = R"({"things":{"1":{},"2":{},"3":{}}})";
    in.path = {{"id", "abc"}};
    auto out = render(R"~({
    "id" : "$input.params('id')",
    "count" : "$input.path('$.things').size()",
    "things" : $input.json('$.things')
})~",
                      in);
    CHECK(json::parse(out) == json::parse(R"({"id":"abc","count":"3","things":{"1":{},"2":{},"3":{}}})"));

    in.body = R"({"errorMessage":"{\"key1\":\"var1\",\"key2\":{\"arr\":[1,2,3]}}"})";
    out = render(R"(#set ($errorMessageObj = $util.parseJson($input.path('$.errorMessage')))
{
   "errorMessageObjKey2ArrVal" : $errorMessageObj.key2.arr[0]
})",
                 in);
    CHECK(json::parse(out) == json{{"errorMessageObjKey2ArrVal", 1}});
}

TEST_CASE("mapping_template/text_comments_and_escapes") {
    check_renders({
        {"plain text", "hello {\"a\": [1, 2]}", "hello {\"a\": [1, 2]}"},
        {"lone dollar and hash", "cost $5, item #1, 100% $ # $. #(", "cost $5, item #1, 100% $ # $. #("},
        {"line comment eats its newline", "a## note\nb", "ab"},
        {"comment line", "a\n## note\nb", "a\nb"},
        {"block comment", "a#* one\ntwo *#b", "ab"},
        {"escaped dollar", "\\$name and \\${name}", "$name and ${name}"},
        {"escaped hash", "\\#if(true)x\\#end", "#if(true)x#end"},
        {"escaped backslash keeps the reference live", "#set($n = 'Bo')\\\\$n", "\\Bo"},
        {"three backslashes", "\\\\\\$n", "\\$n"},
        {"backslash elsewhere", "a\\b\\n", "a\\b\\n"},
        {"unknown directive is text", "#hello #{world} #fff", "#hello #{world} #fff"},
        {"email", "ann@example.com", "ann@example.com"},
    });
}

TEST_CASE("mapping_template/quiet_and_undefined_references") {
    check_renders({
        {"undefined renders as written", "[$nope]", "[$nope]"},
        {"formal", "[${nope}]", "[${nope}]"},
        {"chain", "[$nope.a.b(1)]", "[$nope.a.b(1)]"},
        {"quiet", "[$!nope]", "[]"},
        {"quiet formal", "[$!{nope}]", "[]"},
        {"defined", "#set($n = 'Bo')[$n][${n}s][$!n]", "[Bo][Bos][Bo]"},
        {"missing map key", "[$context.nope]", "[$context.nope]"},
        {"unknown method", "#set($s = 'x')[$s.frobnicate()]", "[$s.frobnicate()]"},
        {"null in a string", "#set($s = \"a${nope}b\")$s", "a${nope}b"},
        {"trailing dot and dash are text", "#set($n = 'Bo')$n. $n- $n.", "Bo. Bo- Bo."},
    });
    RenderOptions aws;
    aws.null_renders_empty = true;
    CHECK(MappingTemplate::parse("[$nope][$context.nope.x][$input.path('$.zzz')]").render(sample(), aws).body == "[][][]");
}

TEST_CASE("mapping_template/set_and_strings") {
    check_renders({
        {"double quotes interpolate", "#set($a = 1)#set($b = \"v$a-${a}\")$b", "v1-1"},
        {"single quotes do not", "#set($a = 1)#set($b = 'v$a')$b", "v$a"},
        {"doubled quotes", "#set($b = \"say \"\"hi\"\"\")#set($c = 'it''s')$b $c", "say \"hi\" it's"},
        {"backslashes stay as written", "#set($b = \"a\\'b\\\\c\")$b", "a\\'b\\\\c"},
        {"null keeps the old value", "#set($a = 1)#set($a = $nope)$a", "1"},
        {"map property", "#set($m = {})#set($m.k = 1)#set($m['j'] = 'x')$m", "{k=1, j=x}"},
        {"list index", "#set($l = [1, 2])#set($l[0] = 9)$l", "[9, 2]"},
        {"directive in a string", "#set($x = true)#set($s = \"#if($x)yes#{else}no#end\")$s", "yes"},
        {"spaces", "#set( $a = 'x' )$a", "x"},
    });
}

TEST_CASE("mapping_template/if_elseif_else") {
    const char* t = "#if($v == 1)one#elseif($v == 2)two#elseif($v)other#{else}none#end";
    check_renders({
        {"first", "#set($v = 1)", ""},
        {"if", "#set($v = 1)#if($v == 1)one#elseif($v == 2)two#{else}none#end", "one"},
        {"elseif", "#set($v = 2)#if($v == 1)one#elseif($v == 2)two#{else}none#end", "two"},
        {"brace forms", "#{if}(false)a#{elseif}(true)b#{else}c#{end}", "b"},
        {"empty string is true (1.7)", "#if('')t#{else}f#end", "t"},
        {"zero is true", "#if(0)t#{else}f#end", "t"},
        {"null is false", "#if($nope)t#{else}f#end", "f"},
        {"not null", "#if(!$nope)t#{else}f#end", "t"},
        {"words", "#if(1 lt 2 and not false or $nope)t#end", "t"},
        {"nested", "#if(true)a#if(false)b#{else}c#end#end", "ac"},
    });
    CHECK(render(std::string("#set($v = 3)") + t) == "other");
    CHECK(render(std::string("#set($v = false)") + t) == "none");
}

TEST_CASE("mapping_template/whitespace_gobbling") {
    check_renders({
        {"directive lines vanish",
         "#set($x = 1)\n{\n  #if($x == 1)\n  \"one\": true\n  #else\n  \"one\": false\n  #end\n}\n",
         "{\n  \"one\": true\n}\n"},
        {"inline directives keep their line", "a #if(true)b#end c\n", "a b c\n"},
        {"trailing comment goes with the line", "#set($a = 1) ## note\n$a", "1"},
        {"crlf", "#set($a = 1)\r\n$a\r\n", "1\r\n"},
        {"foreach lines", "[\n#foreach($i in [1, 2])\n  $i\n#end\n]", "[\n  1\n  2\n]"},
        {"last line without a newline", "x\n  #set($a = 1)", "x\n"},
    });
}

TEST_CASE("mapping_template/foreach") {
    check_renders({
        {"loop variables", "#foreach($x in ['a', 'b', 'c'])$foreach.index/$foreach.count/$velocityCount/$foreach.first/$foreach.last/$foreach.hasNext() #end",
         "0/1/1/true/false/true 1/2/2/false/false/true 2/3/3/false/true/false "},
        {"a map iterates its values", "#foreach($v in {'a': 1, 'b': 2})$v#end", "12"},
        {"keySet and get", "#set($m = {'a': 1, 'b': 2})#foreach($k in $m.keySet())$k=$m.get($k);#end", "a=1;b=2;"},
        {"entrySet", "#set($m = {'a': 1})#foreach($e in $m.entrySet())$e.key:$e.value:$e.getKey():$e#end", "a:1:a:a=1"},
        {"range", "#foreach($i in [3..1])$i#end", "321"},
        {"break", "#foreach($i in [1..5])#if($i == 3)#break#end$i#end", "12"},
        {"nested", "#foreach($a in [1, 2])#foreach($b in ['x', 'y'])$a$b#end;#end", "1x1y;2x2y;"},
        {"variable restored", "#set($i = 'keep')#foreach($i in [1])#end$i", "keep"},
        {"null and strings do not iterate", "#foreach($i in $nope)x#end#foreach($i in 'abc')y#end.", "."},
        {"stop", "a#foreach($i in [1..3])$i#stop#end b", "a1"},
    });
}

TEST_CASE("mapping_template/foreach_commas_make_valid_json") {
    auto out = render(R"([
#foreach($item in $input.path('$.items'))
  {"id": $item.id, "tag": "$item.tag", "n": $foreach.count}#if($foreach.hasNext),#end
#end
])");
    json j = json::parse(out);
    REQUIRE(j.size() == 2);
    CHECK(j[1] == json{{"id", 2}, {"tag", "y"}, {"n", 2}});
}

TEST_CASE("mapping_template/foreach_stops_past_1000_iterations") {
    CHECK(render("#foreach($i in [1..1000])#end#set($n = $i)done") == "done");
    CHECK(error_of("#foreach($i in [1..1001])#end").find("line 1, column 1: #foreach went past 1000 iterations") == 0);
    TemplateInput in = sample();
    json big = json::array();
    for (int i = 0; i < 1500; ++i) big.push_back(i);
    in.body = big.dump();
    CHECK(error_of("x\n  #foreach($i in $input.path('$'))$i#end", in).find("line 2, column 3:") == 0);
    CHECK(render("#foreach($i in $input.path('$'))#if($i == 999)#break#end#end ok", in) == " ok");
}

namespace {
void check_expressions(std::initializer_list<std::pair<const char*, const char*>> rows) {
    for (const auto& [expr, rendered] : rows) {
        INFO(expr);
        CHECK(render(std::string("#set($r = ") + expr + ")$r") == rendered);
    }
}
}  // namespace

TEST_CASE("mapping_template/arithmetic") {
    check_expressions({
        {"1 + 2", "3"}, {"7 / 2", "3"}, {"-7 / 2", "-3"}, {"7 % 3", "1"}, {"7.0 / 2", "3.5"}, {"2 * 3.5", "7.0"},
        {"1 + 2 * 3", "7"}, {"(1 + 2) * 3", "9"}, {"10 - 2 - 3", "5"}, {"-(2 + 3)", "-5"},
        {"'a' + 1", "a1"}, {"1 + 'a'", "1a"}, {"'n=' + 1.5", "n=1.5"}, {"\"x\" + \"y\"", "xy"},
        {"9223372036854775807 + 1", "9.223372036854776E18"},  // Long overflows into Double
    });
    CHECK(render("#set($r = 'keep')#set($r = 1 / 0)#set($r = 'a' - 1)#set($r = $nope + 1)$r") == "keep");  // null results
}

TEST_CASE("mapping_template/comparisons_and_logic") {
    check_expressions({
        {"1 == 1.0", "true"}, {"'1' == 1", "true"}, {"'a' != 'a'", "false"}, {"[1, 2] == [1, 2]", "true"},
        {"{'a': 1} == {'a': 1}", "true"}, {"$nope == $nope2", "true"}, {"$nope == 1", "false"},
        {"2 > 1 && !(1 > 2)", "true"}, {"1 lt 2 and 3 ge 3", "true"}, {"not true or false", "false"}, {"2 eq 2.0", "true"},
        {"2 ne 3", "true"}, {"1 <= 1 && 2 >= 3", "false"}, {"'b' > 'a'", "false"},  // Velocity 1.7 orders numbers only
        {"true || $nope.explode()", "true"}, {"false && $nope", "false"},
    });
}

TEST_CASE("mapping_template/literals_and_java_numbers") {
    check_expressions({
        {"[1..3]", "[1, 2, 3]"}, {"[3..1]", "[3, 2, 1]"}, {"[]", "[]"}, {"{}", "{}"}, {"{'k': 1, 'j': [true, 'x']}", "{k=1, j=[true, x]}"},
        {"1.5e3", "1500.0"}, {"0.0001", "1.0E-4"}, {"12345678.9", "1.23456789E7"}, {"100.0", "100.0"}, {"0.001", "0.001"},
        {"-0.5", "-0.5"}, {"1e21", "1.0E21"}, {"true", "true"}, {"'it''s'", "it's"},
    });
}

TEST_CASE("mapping_template/java_style_rendering") {
    check_renders({
        {"JSON object as a Map, JSON arrays as JSON", "$input.path('$')",
         R"({a={b=c}, list=[1,2,3], name=Ann, price=249.99, ok=true, items=[{"id":1,"tag":"x"},{"id":2,"tag":"y"}]})"},
        {"template lists as Java", "#set($l = ['a', 1, true, 2.5])$l", "[a, 1, true, 2.5]"},
        {"nested", "#set($m = {'l': [{'x': 1}], 'n': 1.0})$m", "{l=[{x=1}], n=1.0}"},
        {"keySet", "$input.path('$.a').keySet()", "[b]"},
        {"scalars", "$input.path('$.price') $input.path('$.ok') $input.path('$.list[0]') $input.path('$.name')", "249.99 true 1 Ann"},
    });
}

TEST_CASE("mapping_template/string_methods") {
    TemplateInput in = sample();
    in.stage_variables = {{"s", "  Hello World  "}, {"csv", "a,b,,c,,"}, {"mail", "ann@example"}};
    check_renders({
        {"trim, case", "$stageVariables.s.trim().toLowerCase()|$stageVariables.s.toUpperCase()", "hello world|  HELLO WORLD  "},
        {"length, isEmpty, empty", "$stageVariables.s.length() $stageVariables.s.isEmpty() $stageVariables.s.empty", "15 false false"},
        {"contains, startsWith, endsWith", "$stageVariables.s.contains('World') $stageVariables.s.trim().startsWith('He') $stageVariables.s.endsWith('x')", "true true false"},
        {"indexOf", "$stageVariables.s.indexOf('o') $stageVariables.s.indexOf('o', 7) $stageVariables.s.lastIndexOf('o') $stageVariables.s.indexOf('z')", "6 9 9 -1"},
        {"substring, charAt", "$stageVariables.s.substring(2, 7)|$stageVariables.s.substring(8)|$stageVariables.s.charAt(2)", "Hello|World  |H"},
        {"replace", "$stageVariables.s.trim().replace('l', 'L')", "HeLLo WorLd"},
        {"replaceAll", "$stageVariables.s.trim().replaceAll('l+', '_')|$stageVariables.mail.replaceAll(\"(\\w+)@(\\w+)\", \"$2 at $1\")", "He_o Wor_d|example at ann"},
        {"replaceFirst", "$stageVariables.csv.replaceFirst(',', ';')", "a;b,,c,,"},
        {"split drops trailing empties", "$stageVariables.csv.split(',')|$stageVariables.csv.split(',').size()|$stageVariables.csv.split(',', -1).size()", "[a, b, , c]|4|6"},
        {"split by regex", "$stageVariables.s.trim().split('\\s+')", "[Hello, World]"},
        {"matches, equals", "$stageVariables.mail.matches('[a-z]+@[a-z]+') $stageVariables.mail.equals('ann@example') $stageVariables.mail.equalsIgnoreCase('ANN@EXAMPLE')", "true true true"},
        {"concat, toString", "$stageVariables.mail.concat('.com').toString()", "ann@example.com"},
        {"chained on JSON values", "$input.path('$.name').toLowerCase() $input.path('$.list').size()", "ann 3"},
    },
                  in);
    CHECK(error_of("$stageVariables.env.substring(2, 9)").find("line 1, column 1: substring(2, 9) is out of range") == 0);
}

TEST_CASE("mapping_template/list_and_map_methods") {
    check_renders({
        {"list", "#set($l = [1, 'b', 3])$l.size() $l.get(1) $l[0] $l[-1] $l.contains('b') $l.indexOf(3) $l.isEmpty()", "3 b 1 3 true 2 false"},
        {"add", "#set($l = [])#set($ok = $l.add(1))#set($ok = $l.addAll([2, 3]))$l $ok", "[1, 2, 3] true"},
        {"addAll of itself", "#set($l = [1, 2])#set($ok = $l.addAll($l))$l", "[1, 2, 1, 2]"},
        {"map", "#set($m = {'a': 1})$m.a $m['a'] $m.get('a') $m.containsKey('a') $m.containsKey('z') $m.size() $m.isEmpty()", "1 1 1 true false 1 false"},
        {"put and remove", "#set($m = {'a': 1})#set($old = $m.put('a', 2))#set($x = $m.put('b', 3))$old $m #set($x = $m.remove('a'))$m", "1 {a=2, b=3} {b=3}"},
        {"values, getOrDefault, putAll", "#set($m = {'a': 1, 'b': 2})#set($x = $m.putAll({'c': 3}))$m.values() $m.getOrDefault('z', 0)", "[1, 2, 3] 0"},
        {"put renders its previous value", "#set($m = {})$m.put('k', 1)|$m.put('k', 2)", "$m.put('k', 1)|1"},
        {"JSON list by index", "$input.path('$.items')[1].tag $input.path('$.items').get(0).id", "y 1"},
    });
    CHECK(error_of("#set($l = [1])$l.get(5)").find("index 5 is out of range for a list of 1") != std::string::npos);
}

TEST_CASE("mapping_template/input_json") {
    check_renders({
        {"whole body", "$input.json('$')", R"({"a":{"b":"c"},"list":[1,2,3],"name":"Ann","price":249.99,"ok":true,"items":[{"id":1,"tag":"x"},{"id":2,"tag":"y"}]})"},
        {"object", "$input.json('$.a')", R"({"b":"c"})"},
        {"string", "$input.json('$.name')", R"("Ann")"},
        {"number", "$input.json('$.list[0]') $input.json('$.list[-1]')", "1 3"},
        {"bracket names", "$input.json(\"$['a']['b']\")", R"("c")"},
        {"no leading $", "$input.json('name')", R"("Ann")"},
        {"missing is empty", "[$input.json('$.missing')][$input.json('$.a.b.c')][$input.json('$.list[9]')]", "[][][]"},
        {"wildcard", "$input.json('$.items[*].id')", "[1,2]"},
        {"deep scan", "$input.json('$..tag')", R"(["x","y"])"},
        {"deep scan by index", "$input.json('$..[0]')", R"([1,{"id":1,"tag":"x"}])"},
        {"dot star", "$input.json('$.a.*')", R"(["c"])"},
    });
    CHECK(error_of("$input.json('$.items[?(@.id > 1)]')").find("filters are not supported") != std::string::npos);
    CHECK(error_of("x\n $input.json('$.list[0:2]')").find("line 2, column 2: invalid JSONPath '$.list[0:2]': expected ']' (slices and unions are not supported)") == 0);
}

TEST_CASE("mapping_template/input_path") {
    check_renders({
        {"size of a list", "$input.path('$.list').size()", "3"},
        {"size of an object", "$input.path('$.a').size()", "1"},
        {"property chain", "$input.path('$').a.b $input.path('$.items')[0].tag", "c x"},
        {"missing is null", "[$input.path('$.zzz')][$!input.path('$.zzz')]", "[$input.path('$.zzz')][]"},
        {"numbers compare", "#if($input.path('$.price') > 100)dear#end", "dear"},
        {"wildcard gives a list", "$input.path('$.items[*].tag').size()", "2"},
        {"body", "$input.body.length()", "116"},
    });
}

TEST_CASE("mapping_template/input_params") {
    check_renders({
        {"path wins over querystring", "$input.params('id')", "abc"},
        {"querystring", "$input.params('q')", "shoes"},
        {"header ignores case", "$input.params('x-token') $input.params('content-type')", "t0k application/json"},
        {"absent is empty", "[$input.params('nope')]", "[]"},
        {"all", "$input.params()", "{path={id=abc}, querystring={id=from-query, q=shoes}, header={Content-Type=application/json, X-Token=t0k}}"},
        {"by type", "$input.params().header.get('X-Token') $input.params().querystring.q $input.params().path.size()", "t0k shoes 1"},
    });
}

TEST_CASE("mapping_template/util_escape_javascript") {
    struct Row {
        const char* in;
        const char* escaped;
    };
    const Row rows[] = {
        {R"(a"b)", R"(a\"b)"}, {"it's", R"(it\'s)"}, {"a/b", R"(a\/b)"}, {R"(back\slash)", R"(back\\slash)"},
        {"line\nnext\ttab\r", R"(line\nnext\ttab\r)"}, {"\x01\x1f", R"(\u0001\u001F)"}, {"caf\xc3\xa9", R"(caf\u00E9)"},
        {"\xe2\x82\xac", R"(\u20AC)"}, {"\xf0\x9f\x98\x80", R"(\uD83D\uDE00)"}, {"bad \xff!", R"(bad \uFFFD!)"},
    };
    for (const Row& r : rows) {
        TemplateInput in = sample();
        in.header = {{"v", r.in}};
        INFO(r.in);
        CHECK(render("$util.escapeJavaScript($input.params('v'))", in) == r.escaped);
    }
    TemplateInput in = sample();
    in.header = {{"v", "it's"}};
    CHECK(render("$util.escapeJavaScript($input.params('v')).replaceAll(\"\\\\'\",\"'\")", in) == "it's");  // the AWS-documented fix-up
    CHECK(render("[$util.escapeJavaScript($nope)][$util.nope('x')]") == "[$util.escapeJavaScript($nope)][$util.nope('x')]");
}

TEST_CASE("mapping_template/util_url_and_base64") {
    check_renders({
        {"urlEncode", "$util.urlEncode('a b&c=d/\xc3\xa9*~')", "a+b%26c%3Dd%2F%C3%A9*%7E"},
        {"urlDecode", "$util.urlDecode('a+b%26c%3D')", "a b&c="},
        {"base64", "$util.base64Encode('hello') $util.base64Decode('aGVsbG8=')", "aGVsbG8= hello"},
        {"base64 of a parameter", "$util.base64Encode($input.params('q'))", "c2hvZXM="},
    });
    CHECK(error_of("$util.base64Decode('!!')").find("line 1, column 1: $util.base64Decode: the argument is not base64") == 0);
}

TEST_CASE("mapping_template/util_parse_json") {
    check_renders({
        {"object", "#set($o = $util.parseJson('{\"k\":{\"arr\":[1,2,3]}}'))$o.k.arr[2] $o.k.arr $o.k", "3 [1,2,3] {arr=[1,2,3]}"},
        {"scalars", "$util.parseJson('\"s\"') $util.parseJson('1') $util.parseJson('true') $util.parseJson('[]').size()", "s 1 true 0"},
    });
    CHECK(error_of("$util.parseJson('{')").find("$util.parseJson: not JSON") != std::string::npos);
}

TEST_CASE("mapping_template/context_variables") {
    check_renders({
        {"nested", "$context.requestId $context.identity.sourceIp $context.identity.userAgent", "req-1 192.0.2.1 curl/8"},
        {"a map", "$context.identity", "{sourceIp=192.0.2.1, userAgent=curl/8}"},
        {"overrides exist", "$context.requestOverride $context.responseOverride", "{header={}, path={}, querystring={}} {header={}}"},
    });
}

TEST_CASE("mapping_template/stage_variables") {
    check_renders({
        {"forms", "$stageVariables.env $stageVariables['table name'] ${stageVariables['env']} $stageVariables.get('env')", "test t1 test test"},
        {"keys", "$stageVariables.keySet() $stageVariables.size()", "[env, table name] 2"},
    });
}

TEST_CASE("mapping_template/request_and_response_overrides") {
    auto result = MappingTemplate::parse(
                      "#set($context.responseOverride.status = 404)\n"
                      "#set($context.responseOverride.header.X-Reason = 'gone')\n"
                      "#set($context.requestOverride.querystring.page = \"$input.params('q')\")\n"
                      "$context.responseOverride.status")
                      .render(sample(), RenderOptions{});
    CHECK(result.body == "404");
    CHECK(result.response_override == json{{"header", {{"X-Reason", "gone"}}}, {"status", 404}});
    CHECK(result.request_override == json{{"header", json::object()}, {"path", json::object()}, {"querystring", {{"page", "shoes"}}}});
    CHECK(MappingTemplate::parse("x").render(sample(), RenderOptions{}).response_override == json{{"header", json::object()}});
}

TEST_CASE("mapping_template/define") {
    check_renders({
        {"renders when referenced", "#define($hi)Hi $who!#end#set($who = 'Bo')$hi #set($who = 'Al')$hi", "Hi Bo! Hi Al!"},
        {"inside a string", "#define($b)[$who]#end#set($who = 1)#set($s = \"$b$b\")$s", "[1][1]"},
    });
    CHECK(error_of("#define($d)$d#end$d").find("deeper than 20 calls") != std::string::npos);
}

TEST_CASE("mapping_template/macro") {
    check_renders({
        {"arguments by blanks or commas", "#macro(greet $who $punct)Hello $who$punct#end#greet('Ann' '!') #greet('Bo', '?')", "Hello Ann! Hello Bo?"},
        {"arguments are restored", "#set($who = 'x')#macro(m $who)$who#end#m(1)$who", "1x"},
        {"loop macro", "#macro(loop $map){#foreach($k in $map.keySet())\"$k\":\"$map.get($k)\"#if($foreach.hasNext),#end#end}#end#loop($input.params().querystring)",
         R"({"id":"from-query","q":"shoes"})"},
        {"undefined macro is text", "#nomacro('x')", "#nomacro('x')"},
    });
    CHECK(error_of("#macro(r $n)#r($n)#end#r(1)").find("deeper than 20 calls") != std::string::npos);
}

TEST_CASE("mapping_template/parse_errors_report_line_and_column") {
    struct Row {
        const char* text;
        const char* error;
    };
    const Row rows[] = {
        {"#if($a)\nno end", "line 1, column 1: #if without #end"},
        {"ok\n  #end", "line 2, column 3: #end without a matching #if/#foreach/#macro/#define"},
        {"#foreach($x in [1])\n#else\n#end", "line 2, column 1: #else without a matching #if"},
        {"#set($a = )", "line 1, column 11: unexpected ')' in an expression"},
        {"#set($a 1)", "line 1, column 9: expected '=' but found '1'"},
        {"a\nb #set($a.b() = 1)", "line 2, column 8: #set cannot assign to a method call"},
        {"#foreach($x $list)#end", "line 1, column 13: expected 'in' in #foreach"},
        {"#set($x = 'unterminated)", "line 1, column 11: string literal without its closing quote"},
        {"x #* never closed", "line 1, column 3: #* comment without *#"},
        {"#parse('x.vm')", "line 1, column 1: #parse is not supported in mapping templates"},
        {"${a.b", "line 1, column 6: expected '}' to close ${"},
        {"#if true", "line 1, column 5: expected '(' after #if"},
        {"$a.b(1,", "line 1, column 8: expected ')' but the template ended"},
        {"#set($s = \"a\n $b.c( \")", "line 2, column 8: expected ')' but the template ended"},  // inside the string
    };
    for (const Row& r : rows) {
        INFO(r.text);
        try {
            MappingTemplate::parse(r.text);
            FAIL("parsed");
        } catch (const TemplateError& e) {
            CHECK(std::string(e.what()) == r.error);
            CHECK(e.kind == TemplateError::Kind::syntax);
        }
    }
}

TEST_CASE("mapping_template/body_that_is_not_json") {
    TemplateInput in = sample();
    in.body = "name=Ann&x=1";
    auto t = MappingTemplate::parse("{\"raw\": \"$input.body\",\n \"b\": $input.json('$')}");
    try {
        t.render(in);
        FAIL("rendered");
    } catch (const TemplateError& e) {
        CHECK(e.kind == TemplateError::Kind::body_not_json);
        CHECK(std::string(e.what()).find("line 2, column 7: the body is not JSON") == 0);
    }
    CHECK(render("$input.body $input.params('q')", in) == "name=Ann&x=1 shoes");  // only JSONPath needs JSON
}

TEST_CASE("mapping_template/nesting_limit") {
    std::string deep_if, deep_parens = "#set($x = ", shallow;
    for (int i = 0; i < 70; ++i) deep_if += "#if(true)";
    for (int i = 0; i < 70; ++i) deep_if += "#end";
    for (int i = 0; i < 100; ++i) deep_parens += "(";
    deep_parens += "1";
    for (int i = 0; i < 100; ++i) deep_parens += ")";
    deep_parens += ")";
    for (int i = 0; i < 40; ++i) shallow += "#if(true)";
    shallow += "ok";
    for (int i = 0; i < 40; ++i) shallow += "#end";
    CHECK(error_of(deep_if).find("nested deeper than 64 levels") != std::string::npos);
    CHECK(error_of(deep_parens).find("nested deeper than 64 levels") != std::string::npos);
    CHECK(error_of("#set($x = " + std::string(100000, '!') + "true)").find("nested deeper than 64 levels") != std::string::npos);
    std::string chain = "#set($x = 1";
    for (int i = 0; i < 100000; ++i) chain += " + 1";
    CHECK(error_of(chain + ")").find("nested deeper than 64 levels") != std::string::npos);
    CHECK(render(shallow) == "ok");
}

TEST_CASE("mapping_template/output_and_string_limits") {
    CHECK(error_of("#set($s = 'xxxxxxxxxxxxxxxx')#foreach($i in [1..40])#set($s = \"$s$s\")#end").find("10 MiB") != std::string::npos);
    std::string loud = "#foreach($i in [1..1000])";  // 1000 x 100 x 116 bytes
    for (int i = 0; i < 100; ++i) loud += "$input.body";
    CHECK(error_of(loud + "#end").find("the output grew past 10 MiB") != std::string::npos);
    CHECK(error_of(std::string(2 << 20, 'x')).find("line 1, column 1: the template is larger than 1 MiB") == 0);
    CHECK(error_of("#set($l = [1..100001])").find("more than 100000") != std::string::npos);
}

TEST_CASE("mapping_template/evaluation_step_limit") {
    auto started = std::chrono::steady_clock::now();
    std::string error = error_of("#foreach($a in [1..1000])#foreach($b in [1..1000])#foreach($c in [1..1000])#end#end#end");
    CHECK(error.find("line 1, column 51: the template took more than 2000000 evaluation steps") == 0);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(60));
}

TEST_CASE("mapping_template/no_container_inside_itself") {
    CHECK(error_of("#set($l = [])#set($ok = $l.add($l))").find("line 1, column 14: a list or map cannot contain itself") == 0);
    CHECK(error_of("#set($m = {'l': []})#set($x = $m.l.add($m))").find("cannot contain itself") != std::string::npos);
    CHECK(error_of("#set($m = {})#set($m.self = $m)").find("cannot contain itself") != std::string::npos);
    CHECK(render("#set($a = [1])#set($b = [$a, $a])#set($ok = $b.add($a))$b") == "[[1], [1], [1]]");  // sharing is fine
}

TEST_CASE("mapping_template/deep_values_are_freed_without_recursion") {
    std::string chain = "#set($root = {})#set($cur = $root)";  // 100000 maps deep
    for (int i = 0; i < 100; ++i) chain += "#foreach($i in [1..1000])#set($cur.next = {})#set($cur = $cur.next)#{end}";
    CHECK(render(chain + "done") == "done");
    CHECK(error_of(chain + "$root").find("nested deeper than 256 levels") != std::string::npos);
}

TEST_CASE("mapping_template/deeply_nested_json_body") {
    TemplateInput in = sample();
    in.body = std::string(100000, '[') + std::string(100000, ']');
    CHECK(error_of("$input.json('$')", in).find("nested deeper than 256 levels") != std::string::npos);
    in.body = std::string(200, '[') + std::string(200, ']');
    CHECK(render("$input.json('$').length()", in) == "400");
}

TEST_CASE("mapping_template/regular_expressions_are_bounded") {
    TemplateInput in = sample();
    in.body = "{\"s\":\"" + std::string(200000, 'a') + "\"}";  // no backtracking: linear where std::regex can be
    CHECK(render("$input.path('$.s').matches('(a*)*') $input.path('$.s').replaceAll('a', 'b').length() $input.path('$.s').split('a+')", in) == "true 200000 []");
    in.body = "{\"s\":\"" + std::string(10000, 'a') + "\"}";  // its search restarts at each position: metered
    CHECK(error_of("$input.path('$.s').replaceAll('(a|aa)*b', '')", in).find("regular expressions read more than 10 million characters") != std::string::npos);
    CHECK(error_of("$input.body.replaceAll('a{1000}{1000}', '')").find("too complex") != std::string::npos);
    CHECK(error_of("$input.body.replaceAll('(', '')").find("invalid regular expression") != std::string::npos);
}

TEST_CASE("mapping_template/render_without_options_is_velocity_mode") {
    auto t = MappingTemplate::parse("$input.params('q') $nope");
    CHECK(t.render(sample()) == t.render(sample(), RenderOptions{}).body);
    CHECK(t.render(sample()) == "shoes $nope");
}

TEST_CASE("mapping_template/copies_share_and_render_concurrently") {
    auto original = MappingTemplate::parse(kPassthrough);
    MappingTemplate copy = original;
    std::string expected = original.render(sample());
    std::vector<std::thread> threads;
    std::vector<int> mismatches(4, 0);
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 50; ++i) mismatches[t] += copy.render(sample()) != expected;
        });
    for (auto& t : threads) t.join();
    CHECK(mismatches == std::vector<int>(4, 0));
}

TEST_CASE("mapping_template/random_input_never_crashes") {
    // Random token soups and mutations of the passthrough template either
    // render or throw TemplateError; nothing else escapes.
    const char* tokens[] = {"$", "#", "(", ")", "{", "}", "[", "]", "if", "set", "end", "else", "elseif", "foreach", "macro", "define", "break", "'",
                            "\"", "\\", "a", " ", "\n", ".", "..", "1", "=", "==", "in", "!", "*", "#*", "*#", "##", ",", ":", "+", "-", "/",
                            "$input.json('$')", "$input.path('$..*')", "$x", "$foreach.hasNext", "$util.escapeJavaScript(", "$l.add($l)", "#[[", "]]#"};
    std::mt19937 rng(12345);
    int rendered = 0;
    for (int i = 0; i < 3000; ++i) {
        std::string text;
        if (i % 3 == 0) {
            text = kPassthrough;
            for (int k = 0; k < 4; ++k) {
                std::size_t at = rng() % text.size();
                if (rng() % 2) text.erase(at, 1 + rng() % 8);
                else text.insert(at, tokens[rng() % std::size(tokens)]);
            }
        } else {
            for (int k = 0, n = static_cast<int>(rng() % 40); k < n; ++k) text += tokens[rng() % std::size(tokens)];
        }
        try {
            MappingTemplate::parse(text).render(sample());
            ++rendered;
        } catch (const TemplateError&) {
        }
    }
    CHECK(rendered > 100);
}
