// The Lambda proxy integration's events and responses against AWS: events
// are built for sample requests and compared field by field with AWS's
// documented sample events (REST "Input format of a Lambda function for
// proxy integration", HTTP API "payload format 2.0"), with events AWS
// recorded (LocalStack's AWS-validated snapshots) and with real HTTP API
// events users published; request-specific values are substituted. The
// response tables replay the outputs AWS-validated tests fed API Gateway,
// plus every malformed shape.
#include "apigateway/proxy.hpp"
#include "apigateway/builtin_responses.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace lowcloud::apigateway;
using lowcloud::http::Header;
using lowcloud::http::Request;
using lowcloud::http::Response;
using nlohmann::json;

namespace {

// 22/Nov/2026:10:00:00 +0000
const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1795341600));
const std::string kRestId = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef";
const std::string kTrace = "Root=1-6b02bd20-c6af9ac67b6111e69a4193e8";  // from kNow and kRestId
const std::string kExtended = "xq+axnthEeaaQZM=";                      // from kRestId

// Every path where the two documents differ, "$.requestContext.stage: ...".
void diff(const json& actual, const json& expected, const std::string& path, std::vector<std::string>& out) {
    if (actual.is_object() && expected.is_object()) {
        for (const auto& [k, v] : expected.items()) {
            if (!actual.contains(k)) out.push_back(path + "." + k + ": missing, expected " + v.dump());
            else diff(actual[k], v, path + "." + k, out);
        }
        for (const auto& [k, v] : actual.items())
            if (!expected.contains(k)) out.push_back(path + "." + k + ": unexpected " + v.dump());
        return;
    }
    if (actual != expected) out.push_back(path + ": " + actual.dump() + ", expected " + expected.dump());
}

void check_event(const json& actual, const std::string& expected_text) {
    std::vector<std::string> differences;
    diff(actual, json::parse(expected_text), "$", differences);
    INFO("actual: " << actual.dump(2));
    for (const auto& d : differences) FAIL_CHECK(d);
    CHECK(differences.empty());
}

Request request(std::string method, std::string target, std::vector<Header> headers, std::string body = "",
                std::string remote = "192.168.196.186") {
    Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.headers = std::move(headers);
    r.body = std::move(body);
    r.remote_address = std::move(remote);
    return r;
}

RouteMatch rest_match() {
    RouteMatch m;
    m.flavor = ApiFlavor::rest;
    m.api_id = "gy415nuibc";
    m.account_id = "123456789012";
    m.stage = "testStage";
    m.resource = "/{proxy+}";
    m.path = "/hello/world";
    m.stage_path = "/testStage/hello/world";
    m.path_parameters = {{"proxy", "hello/world"}};
    m.domain_name = "gy415nuibc.execute-api.us-east-1.amazonaws.com";
    m.resource_id = "roq9wj";
    m.deployment_id = "3ql5v0";
    return m;
}

std::string header_value(const Response& r, std::string_view name) { return std::string(r.header(name)); }

std::vector<std::string> header_values(const Response& r, std::string_view name) {
    std::vector<std::string> out;
    for (const auto& h : r.headers)
        if (lowcloud::http::iequals(h.name, name)) out.push_back(h.value);
    return out;
}

}  // namespace

// ------------------------------------------------------------ 1.0, REST ----

TEST_CASE("REST event: AWS's documented POST /testStage/hello/world?name=me", "[proxy][event][v1]") {
    auto req = request("POST", "/testStage/hello/world?name=me",
                       {{"Host", "gy415nuibc.execute-api.us-east-1.amazonaws.com"},
                        {"Content-Type", "application/json"},
                        {"headerName", "headerValue"},
                        {"User-Agent", "PostmanRuntime/2.4.5"},
                        {"Accept", "*/*"},
                        {"Content-Length", "14"},
                        {"Connection", "keep-alive"}},
                       "{\r\n\t\"a\": 1\r\n}");
    auto m = rest_match();
    m.stage_variables = {{"stageVariableName", "stageVariableValue"}};
    check_event(event_v1(req, m, kRestId, kNow), R"({
      "resource": "/{proxy+}",
      "path": "/hello/world",
      "httpMethod": "POST",
      "headers": {
        "Accept": "*/*",
        "Content-Type": "application/json",
        "headerName": "headerValue",
        "Host": "gy415nuibc.execute-api.us-east-1.amazonaws.com",
        "User-Agent": "PostmanRuntime/2.4.5",
        "X-Amzn-Trace-Id": ")" + kTrace + R"(",
        "X-Forwarded-For": "192.168.196.186",
        "X-Forwarded-Port": "80",
        "X-Forwarded-Proto": "http"
      },
      "multiValueHeaders": {
        "Accept": ["*/*"],
        "Content-Type": ["application/json"],
        "headerName": ["headerValue"],
        "Host": ["gy415nuibc.execute-api.us-east-1.amazonaws.com"],
        "User-Agent": ["PostmanRuntime/2.4.5"],
        "X-Amzn-Trace-Id": [")" + kTrace + R"("],
        "X-Forwarded-For": ["192.168.196.186"],
        "X-Forwarded-Port": ["80"],
        "X-Forwarded-Proto": ["http"]
      },
      "queryStringParameters": {"name": "me"},
      "multiValueQueryStringParameters": {"name": ["me"]},
      "pathParameters": {"proxy": "hello/world"},
      "stageVariables": {"stageVariableName": "stageVariableValue"},
      "requestContext": {
        "accountId": "123456789012",
        "apiId": "gy415nuibc",
        "deploymentId": "3ql5v0",
        "domainName": "gy415nuibc.execute-api.us-east-1.amazonaws.com",
        "domainPrefix": "gy415nuibc",
        "extendedRequestId": ")" + kExtended + R"(",
        "httpMethod": "POST",
        "identity": {
          "accessKey": null,
          "accountId": null,
          "caller": null,
          "cognitoAuthenticationProvider": null,
          "cognitoAuthenticationType": null,
          "cognitoIdentityId": null,
          "cognitoIdentityPoolId": null,
          "principalOrgId": null,
          "sourceIp": "192.168.196.186",
          "user": null,
          "userAgent": "PostmanRuntime/2.4.5",
          "userArn": null
        },
        "path": "/testStage/hello/world",
        "protocol": "HTTP/1.1",
        "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "requestTime": "22/Nov/2026:10:00:00 +0000",
        "requestTimeEpoch": 1795341600000,
        "resourceId": "roq9wj",
        "resourcePath": "/{proxy+}",
        "stage": "testStage"
      },
      "body": "{\r\n\t\"a\": 1\r\n}",
      "isBase64Encoded": false
    })");
}

TEST_CASE("REST event: AWS-recorded GET without query or body has nulls", "[proxy][event][v1]") {
    auto req = request("GET", "/test/test-path",
                       {{"Host", "abc123defg.execute-api.localhost:4566"},
                        {"User-Agent", "python-requests/testing"},
                        {"aUThorization", "random-value"},
                        {"tEsT-HEADeR", "aValUE"}},
                       "", "10.0.0.7");
    auto m = rest_match();
    m.api_id = "abc123defg";
    m.stage = "test";
    m.path = "/test-path";
    m.stage_path = "/test/test-path";
    m.path_parameters = {{"proxy", "test-path"}};
    m.domain_name = "abc123defg.execute-api.localhost";
    check_event(event_v1(req, m, kRestId, kNow), R"({
      "body": null,
      "headers": {
        "Authorization": "random-value",
        "Host": "abc123defg.execute-api.localhost:4566",
        "User-Agent": "python-requests/testing",
        "X-Amzn-Trace-Id": ")" + kTrace + R"(",
        "X-Forwarded-For": "10.0.0.7",
        "X-Forwarded-Port": "4566",
        "X-Forwarded-Proto": "http",
        "tEsT-HEADeR": "aValUE"
      },
      "httpMethod": "GET",
      "isBase64Encoded": false,
      "multiValueHeaders": {
        "Authorization": ["random-value"],
        "Host": ["abc123defg.execute-api.localhost:4566"],
        "User-Agent": ["python-requests/testing"],
        "X-Amzn-Trace-Id": [")" + kTrace + R"("],
        "X-Forwarded-For": ["10.0.0.7"],
        "X-Forwarded-Port": ["4566"],
        "X-Forwarded-Proto": ["http"],
        "tEsT-HEADeR": ["aValUE"]
      },
      "multiValueQueryStringParameters": null,
      "path": "/test-path",
      "pathParameters": {"proxy": "test-path"},
      "queryStringParameters": null,
      "requestContext": {
        "accountId": "123456789012",
        "apiId": "abc123defg",
        "deploymentId": "3ql5v0",
        "domainName": "abc123defg.execute-api.localhost",
        "domainPrefix": "abc123defg",
        "extendedRequestId": ")" + kExtended + R"(",
        "httpMethod": "GET",
        "identity": {
          "accessKey": null,
          "accountId": null,
          "caller": null,
          "cognitoAuthenticationProvider": null,
          "cognitoAuthenticationType": null,
          "cognitoIdentityId": null,
          "cognitoIdentityPoolId": null,
          "principalOrgId": null,
          "sourceIp": "10.0.0.7",
          "user": null,
          "userAgent": "python-requests/testing",
          "userArn": null
        },
        "path": "/test/test-path",
        "protocol": "HTTP/1.1",
        "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "requestTime": "22/Nov/2026:10:00:00 +0000",
        "requestTimeEpoch": 1795341600000,
        "resourceId": "roq9wj",
        "resourcePath": "/{proxy+}",
        "stage": "test"
      },
      "resource": "/{proxy+}",
      "stageVariables": null
    })");
}

TEST_CASE("REST event: query decoding as AWS recorded it", "[proxy][event][v1]") {
    // The query LocalStack's AWS-validated test sent (requests encodes the space as %20).
    auto req = request("GET",
                       "/test/test-path/api?dateTimeOffset=2023-06-12T18:05:10.123456+00:00&email=test%2Balias@gmail.com"
                       "&plus=test+alias@gmail.com&url=https://www.google.com/&whitespace=foo%20bar&zhash=abort/",
                       {{"Host", "localhost"}});
    auto event = event_v1(req, rest_match(), kRestId, kNow);
    CHECK(event["queryStringParameters"] == json::parse(R"({
      "dateTimeOffset": "2023-06-12T18:05:10.123456 00:00",
      "email": "test+alias@gmail.com",
      "plus": "test alias@gmail.com",
      "url": "https://www.google.com/",
      "whitespace": "foo bar",
      "zhash": "abort/"
    })"));
    CHECK(event["multiValueQueryStringParameters"]["plus"] == json::array({"test alias@gmail.com"}));
}

TEST_CASE("REST event: repeated query keys and headers as AWS recorded them", "[proxy][event][v1]") {
    auto req = request("POST", "/test/test-path?category=electronics&category=books&price=10&price=20&price=30",
                       {{"Host", "localhost"},
                        {"Content-Type", "application/json;charset=utf-8"},
                        {"X-Multi", "one"},
                        {"x-multi", "two"}},
                       R"({"message": "hello world"})");
    auto event = event_v1(req, rest_match(), kRestId, kNow);
    CHECK(event["queryStringParameters"] == json::parse(R"({"category": "books", "price": "30"})"));
    CHECK(event["multiValueQueryStringParameters"] ==
          json::parse(R"({"category": ["electronics", "books"], "price": ["10", "20", "30"]})"));
    CHECK(event["headers"]["X-Multi"] == "two");
    CHECK(event["multiValueHeaders"]["X-Multi"] == json::array({"one", "two"}));
    CHECK_FALSE(event["headers"].contains("x-multi"));
    CHECK(event["body"] == R"({"message": "hello world"})");
}

TEST_CASE("REST event: odd query strings", "[proxy][event][v1]") {
    struct Case {
        const char* name;
        const char* target;
        const char* single;  // JSON
        const char* multi;   // JSON
    };
    const Case cases[] = {
        {"flag without value", "/p?flag", R"({"flag": ""})", R"({"flag": [""]})"},
        {"empty value", "/p?a=", R"({"a": ""})", R"({"a": [""]})"},
        {"empty pairs skipped", "/p?&a=1&&b=2&", R"({"a": "1", "b": "2"})", R"({"a": ["1"], "b": ["2"]})"},
        {"encoded key", "/p?a%20b=c%26d", R"({"a b": "c&d"})", R"({"a b": ["c&d"]})"},
        {"bad escape kept", "/p?a=%zz%4", R"({"a": "%zz%4"})", R"({"a": ["%zz%4"]})"},
        {"equals in value", "/p?a=b=c", R"({"a": "b=c"})", R"({"a": ["b=c"]})"},
        {"bare question mark", "/p?", "null", "null"},
    };
    for (const auto& c : cases) {
        SECTION(c.name) {
            auto event = event_v1(request("GET", c.target, {{"Host", "localhost"}}), rest_match(), kRestId, kNow);
            CHECK(event["queryStringParameters"] == json::parse(c.single));
            CHECK(event["multiValueQueryStringParameters"] == json::parse(c.multi));
        }
    }
}

TEST_CASE("REST event: binary body, API key, X-Forwarded-For chain, no User-Agent", "[proxy][event][v1]") {
    auto req = request("PUT", "/dev/image", {{"Host", "localhost:4566"}, {"X-Forwarded-For", "203.0.113.9"},
                                             {"X-Amzn-Trace-Id", "Root=1-client"}, {"Content-Type", "image/png"}},
                       std::string("\x89PNG\r\n\x1a\n\0\xff", 10), "127.0.0.1");
    auto m = rest_match();
    m.binary = true;
    m.api_key = "key1";
    m.api_key_id = "k3y1d0";
    m.path_parameters.clear();
    auto event = event_v1(req, m, kRestId, kNow);
    CHECK(event["body"] == "iVBORw0KGgoA/w==");
    CHECK(event["isBase64Encoded"] == true);
    CHECK(event["pathParameters"].is_null());
    CHECK(event["requestContext"]["identity"]["apiKey"] == "key1");
    CHECK(event["requestContext"]["identity"]["apiKeyId"] == "k3y1d0");
    CHECK(event["requestContext"]["identity"]["userAgent"].is_null());
    CHECK(event["headers"]["X-Forwarded-For"] == "203.0.113.9, 127.0.0.1");
    CHECK(event["headers"]["X-Amzn-Trace-Id"] == "Root=1-client");
    CHECK(event["headers"]["X-Forwarded-Port"] == "4566");
}

TEST_CASE("REST event: text bodies that are not UTF-8 still serialise", "[proxy][event][v1]") {
    auto req = request("POST", "/dev/x", {{"Host", "localhost"}}, std::string("caf\xc3\xa9 \xff\xfe ok\xe2\x82", 13));
    auto event = event_v1(req, rest_match(), kRestId, kNow);
    CHECK(event["body"] == "caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd ok\xef\xbf\xbd");
    CHECK_NOTHROW(event.dump());
}

// The event an invocation sends is written as text directly (event_v1_text);
// its strings must come out as nlohmann::json would write them.
TEST_CASE("REST event text: every string escaped as JSON, invalid UTF-8 replaced", "[proxy][event][v1]") {
    const std::string nasty = std::string("q\"b\\s/\x01\x1f\b\f\n\r\t \xc3\xa9 \x7f", 21);
    const std::string invalid = std::string("x\xff\xc3", 3);
    auto req = request("POST", "/dev/x?k=" + std::string("%22%5C%01%0A%FF") + "&k=2&" + "%E2%82%AC=euro",
                       {{"Host", "localhost"}, {"X-Nasty", nasty}, {"X-Invalid", invalid}, {"User-Agent", nasty}}, nasty);
    auto match = rest_match();
    match.path_parameters = {{"p", nasty}, {invalid, invalid}};
    match.stage_variables = {{"v", "\x02"}};
    std::string text = event_v1_text(req, match, kRestId, kNow);
    json event = json::parse(text);  // valid JSON
    CHECK(event["headers"]["X-Nasty"] == nasty);
    CHECK(event["multiValueHeaders"]["X-Nasty"] == json::array({nasty}));
    CHECK(event["headers"]["X-Invalid"] == "x\xef\xbf\xbd\xef\xbf\xbd");
    CHECK(event["queryStringParameters"] == json{{"k", "2"}, {"\xe2\x82\xac", "euro"}});
    CHECK(event["multiValueQueryStringParameters"]["k"] == json::array({"\"\\\x01\n\xef\xbf\xbd", "2"}));
    CHECK(event["pathParameters"]["p"] == nasty);
    CHECK(event["pathParameters"].size() == 2);
    CHECK(event["stageVariables"]["v"] == "\x02");
    CHECK(event["requestContext"]["identity"]["userAgent"] == nasty);
    CHECK(event["body"] == nasty);
    // Byte for byte what nlohmann writes for the same document.
    CHECK(text.find(json(nasty).dump()) != std::string::npos);
}

TEST_CASE("REST event: a request without any header", "[proxy][event][v1]") {
    auto req = request("GET", "/dev/x", {}, "", "");
    auto event = event_v1(req, rest_match(), kRestId, kNow);
    // The gateway's own headers are always there.
    CHECK(event["headers"] == json::parse(R"({"X-Amzn-Trace-Id": ")" + kTrace +
                                          R"(", "X-Forwarded-Port": "80", "X-Forwarded-Proto": "http"})"));
    req.version = 10;
    CHECK(event_v1(req, rest_match(), kRestId, kNow)["requestContext"]["protocol"] == "HTTP/1.0");
}

// ------------------------------------------------------- 1.0, HTTP APIs ----

TEST_CASE("HTTP API 1.0 event: the real event published for POST /handler/", "[proxy][event][v1]") {
    auto req = request("POST", "/handler/",
                       {{"Host", "9pyofn5yi9.execute-api.eu-central-1.amazonaws.com"},
                        {"User-Agent", "curl/7.77.0"},
                        {"accept", "*/*"},
                        {"Content-Length", "0"}},
                       "", "93.136.72.29");
    RouteMatch m;
    m.flavor = ApiFlavor::http;
    m.api_id = "9pyofn5yi9";
    m.account_id = "052548195718";
    m.stage = "$default";
    m.route_key = "ANY /handler/{proxy+}";
    m.resource = "/handler/{proxy+}";
    m.path = "/handler/";
    m.stage_path = "/handler/";
    m.path_parameters = {{"proxy", ""}};
    m.domain_name = "9pyofn5yi9.execute-api.eu-central-1.amazonaws.com";
    const std::string id = "NIKr1jmIFiAEJmw=";
    std::string trace = event_v1(req, m, id, kNow)["headers"]["X-Amzn-Trace-Id"];  // derived from the id
    CHECK(trace.rfind("Root=1-6b02bd20-", 0) == 0);
    CHECK(trace.size() == std::string("Root=1-6b02bd20-").size() + 24);
    check_event(event_v1(req, m, id, kNow), R"({
      "body": null,
      "headers": {
        "Content-Length": "0",
        "Host": "9pyofn5yi9.execute-api.eu-central-1.amazonaws.com",
        "User-Agent": "curl/7.77.0",
        "X-Amzn-Trace-Id": ")" + trace + R"(",
        "X-Forwarded-For": "93.136.72.29",
        "X-Forwarded-Port": "80",
        "X-Forwarded-Proto": "http",
        "accept": "*/*"
      },
      "httpMethod": "POST",
      "isBase64Encoded": false,
      "multiValueHeaders": {
        "Content-Length": ["0"],
        "Host": ["9pyofn5yi9.execute-api.eu-central-1.amazonaws.com"],
        "User-Agent": ["curl/7.77.0"],
        "X-Amzn-Trace-Id": [")" + trace + R"("],
        "X-Forwarded-For": ["93.136.72.29"],
        "X-Forwarded-Port": ["80"],
        "X-Forwarded-Proto": ["http"],
        "accept": ["*/*"]
      },
      "multiValueQueryStringParameters": null,
      "path": "/handler/",
      "pathParameters": {"proxy": ""},
      "queryStringParameters": null,
      "requestContext": {
        "accountId": "052548195718",
        "apiId": "9pyofn5yi9",
        "domainName": "9pyofn5yi9.execute-api.eu-central-1.amazonaws.com",
        "domainPrefix": "9pyofn5yi9",
        "extendedRequestId": "NIKr1jmIFiAEJmw=",
        "httpMethod": "POST",
        "identity": {
          "accessKey": null,
          "accountId": null,
          "caller": null,
          "cognitoAmr": null,
          "cognitoAuthenticationProvider": null,
          "cognitoAuthenticationType": null,
          "cognitoIdentityId": null,
          "cognitoIdentityPoolId": null,
          "principalOrgId": null,
          "sourceIp": "93.136.72.29",
          "user": null,
          "userAgent": "curl/7.77.0",
          "userArn": null
        },
        "path": "/handler/",
        "protocol": "HTTP/1.1",
        "requestId": "NIKr1jmIFiAEJmw=",
        "requestTime": "22/Nov/2026:10:00:00 +0000",
        "requestTimeEpoch": 1795341600000,
        "resourceId": "ANY /handler/{proxy+}",
        "resourcePath": "/handler/{proxy+}",
        "stage": "$default"
      },
      "resource": "/handler/{proxy+}",
      "stageVariables": null,
      "version": "1.0"
    })");
}

// ----------------------------------------------------------------- 2.0 ----

TEST_CASE("2.0 event: AWS's documented sample", "[proxy][event][v2]") {
    auto req = request("POST", "/my/path?parameter1=value1&parameter1=value2&parameter2=value",
                       {{"Header1", "value1"},
                        {"Header2", "value1"},
                        {"header2", "value2"},
                        {"Cookie", "cookie1; cookie2"},
                        {"User-Agent", "agent"}},
                       "Hello from Lambda", "198.51.100.4");
    RouteMatch m;
    m.flavor = ApiFlavor::http;
    m.api_id = "api-id";
    m.account_id = "123456789012";
    m.stage = "$default";
    m.route_key = "$default";
    m.path = "/my/path";
    m.path_parameters = {{"parameter1", "value1"}};
    m.stage_variables = {{"stageVariable1", "value1"}, {"stageVariable2", "value2"}};
    m.domain_name = "id.execute-api.us-east-1.amazonaws.com";
    const std::string id = "NILjoi6FFiAEJ6A=";
    std::string trace = event_v2(req, m, id, kNow)["headers"]["x-amzn-trace-id"];
    check_event(event_v2(req, m, id, kNow), R"({
      "version": "2.0",
      "routeKey": "$default",
      "rawPath": "/my/path",
      "rawQueryString": "parameter1=value1&parameter1=value2&parameter2=value",
      "cookies": ["cookie1", "cookie2"],
      "headers": {
        "header1": "value1",
        "header2": "value1,value2",
        "user-agent": "agent",
        "x-amzn-trace-id": ")" + trace + R"(",
        "x-forwarded-for": "198.51.100.4",
        "x-forwarded-port": "80",
        "x-forwarded-proto": "http"
      },
      "queryStringParameters": {
        "parameter1": "value1,value2",
        "parameter2": "value"
      },
      "requestContext": {
        "accountId": "123456789012",
        "apiId": "api-id",
        "domainName": "id.execute-api.us-east-1.amazonaws.com",
        "domainPrefix": "id",
        "http": {
          "method": "POST",
          "path": "/my/path",
          "protocol": "HTTP/1.1",
          "sourceIp": "198.51.100.4",
          "userAgent": "agent"
        },
        "requestId": "NILjoi6FFiAEJ6A=",
        "routeKey": "$default",
        "stage": "$default",
        "time": "22/Nov/2026:10:00:00 +0000",
        "timeEpoch": 1795341600000
      },
      "body": "Hello from Lambda",
      "pathParameters": {"parameter1": "value1"},
      "isBase64Encoded": false,
      "stageVariables": {
        "stageVariable1": "value1",
        "stageVariable2": "value2"
      }
    })");
}

TEST_CASE("2.0 event: the GET / AWS sends without authorizer, body, query or cookies", "[proxy][event][v2]") {
    // aws-lambda-go's apigw-v2-request-no-authorizer.json, from a real curl.
    auto req = request("GET", "/",
                       {{"Host", "aaaaaaaaaa.execute-api.us-west-2.amazonaws.com"},
                        {"User-Agent", "curl/7.58.0"},
                        {"Accept", "*/*"},
                        {"Content-Length", "0"},
                        {"X-Amzn-Trace-Id", "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c"}},
                       "", "1.2.3.4");
    RouteMatch m;
    m.flavor = ApiFlavor::http;
    m.api_id = "aaaaaaaaaa";
    m.account_id = "123456789012";
    m.stage = "$default";
    m.route_key = "$default";
    m.path = "/";
    m.domain_name = "aaaaaaaaaa.execute-api.us-west-2.amazonaws.com";
    check_event(event_v2(req, m, "LV7fzho-PHcEJPw=", kNow), R"({
      "version": "2.0",
      "routeKey": "$default",
      "rawPath": "/",
      "rawQueryString": "",
      "headers": {
        "accept": "*/*",
        "content-length": "0",
        "host": "aaaaaaaaaa.execute-api.us-west-2.amazonaws.com",
        "user-agent": "curl/7.58.0",
        "x-amzn-trace-id": "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c",
        "x-forwarded-for": "1.2.3.4",
        "x-forwarded-port": "80",
        "x-forwarded-proto": "http"
      },
      "requestContext": {
        "accountId": "123456789012",
        "apiId": "aaaaaaaaaa",
        "domainName": "aaaaaaaaaa.execute-api.us-west-2.amazonaws.com",
        "domainPrefix": "aaaaaaaaaa",
        "http": {
          "method": "GET",
          "path": "/",
          "protocol": "HTTP/1.1",
          "sourceIp": "1.2.3.4",
          "userAgent": "curl/7.58.0"
        },
        "requestId": "LV7fzho-PHcEJPw=",
        "routeKey": "$default",
        "stage": "$default",
        "time": "22/Nov/2026:10:00:00 +0000",
        "timeEpoch": 1795341600000
      },
      "isBase64Encoded": false
    })");
}

TEST_CASE("2.0 event: named stage, cookies, query decoding, binary body", "[proxy][event][v2]") {
    auto req = request("POST", "/dev/watch/CV2115.FC6186?q=a+b&q=c%2Bd&empty",
                       {{"Host", "abc123defg.execute-api.localhost:4566"},
                        {"Cookie", "a=1;b=2"},
                        {"cookie", " c=3 ; ;d=4 "},
                        {"Content-Type", "application/octet-stream"}},
                       std::string("\0\1\2", 3));
    RouteMatch m;
    m.flavor = ApiFlavor::http;
    m.api_id = "abc123defg";
    m.stage = "dev";
    m.route_key = "POST /watch/{sku}";
    m.path = "/watch/CV2115.FC6186";
    m.raw_path = "/dev/watch/CV2115.FC6186";
    m.path_parameters = {{"sku", "CV2115.FC6186"}};
    m.domain_name = "abc123defg.execute-api.localhost";
    m.binary = true;
    auto event = event_v2(req, m, "NILjoi6FFiAEJ6A=", kNow);
    CHECK(event["rawPath"] == "/dev/watch/CV2115.FC6186");
    CHECK(event["requestContext"]["http"]["path"] == "/dev/watch/CV2115.FC6186");
    CHECK(event["rawQueryString"] == "q=a+b&q=c%2Bd&empty");
    CHECK(event["queryStringParameters"] == json::parse(R"({"q": "a b,c+d", "empty": ""})"));
    CHECK(event["cookies"] == json::parse(R"(["a=1", "b=2", "c=3", "d=4"])"));
    CHECK_FALSE(event["headers"].contains("cookie"));
    CHECK(event["headers"]["x-forwarded-port"] == "4566");
    CHECK(event["body"] == "AAEC");
    CHECK(event["isBase64Encoded"] == true);
    CHECK(event["pathParameters"] == json::parse(R"({"sku": "CV2115.FC6186"})"));
    CHECK_FALSE(event.contains("stageVariables"));
    CHECK(event["requestContext"]["http"]["userAgent"] == "");
}

// ------------------------------------------------------------ responses ----

namespace {

struct ResponseCase {
    const char* name;
    const char* payload;
    int status;  // 0: malformed (the gateway's 502/500)
    const char* body = "";
    std::vector<Header> headers = {};  // expected, in order, when `exact`; else each must be present
    bool exact = false;
};

void check_response(const std::optional<Response>& actual, const ResponseCase& c) {
    INFO("payload: " << c.payload);
    if (c.status == 0) {
        CHECK_FALSE(actual.has_value());
        return;
    }
    REQUIRE(actual.has_value());
    CHECK(actual->status == c.status);
    CHECK(actual->body == c.body);
    if (c.exact) {
        REQUIRE(actual->headers.size() == c.headers.size());
        for (std::size_t i = 0; i < c.headers.size(); ++i) {
            CHECK(actual->headers[i].name == c.headers[i].name);
            CHECK(actual->headers[i].value == c.headers[i].value);
        }
    } else {
        for (const auto& h : c.headers) {
            INFO("header " << h.name);
            CHECK(header_value(*actual, h.name) == h.value);
        }
    }
}

const Header kJson{"Content-Type", "application/json"};
const Header kText{"Content-Type", "text/plain; charset=utf-8"};

}  // namespace

TEST_CASE("REST responses (1.0)", "[proxy][response][v1]") {
    const ResponseCase cases[] = {
        // The outputs of AWS's validated REST test, with AWS's answers.
        {"no body", R"({"statusCode": 200})", 200, "", {kJson}, true},
        {"headers with a boolean", R"({"statusCode": 200, "headers": {"test-header": "value", "header-bool": true}})",
         200, "", {kJson, {"header-bool", "true"}, {"test-header", "value"}}, true},
        {"headers null", R"({"statusCode": 200, "headers": null})", 200, "", {kJson}, true},
        {"unknown key", R"({"statusCode": 200, "wrongValue": "value"})", 0},
        {"base64 true", R"({"statusCode": 200, "body": "dGVzdC1kYXRh", "isBase64Encoded": true})", 200, "test-data"},
        {"base64 false", R"({"statusCode": 200, "body": "dGVzdC1kYXRh"})", 200, "dGVzdC1kYXRh"},
        {"multi-value headers", R"({"statusCode": 200, "multiValueHeaders": {"test-multi": ["value1", "value2"]}})",
         200, "", {kJson, {"test-multi", "value1"}, {"test-multi", "value2"}}, true},
        {"multi-value overrides single",
         R"({"statusCode": 200, "multiValueHeaders": {"test-multi": ["value-multi"]}, "headers": {"test-multi": "value-solo"}})",
         200, "", {kJson, {"test-multi", "value-multi"}}, true},
        {"multi-value overrides single whatever the case",
         R"({"statusCode": 200, "multiValueHeaders": {"tesT-Multi": ["value-multi"]}, "headers": {"test-multi": "value-solo"}})",
         200, "", {kJson, {"tesT-Multi", "value-multi"}}, true},
        {"multi-value not an array", R"({"statusCode": 200, "multiValueHeaders": {"test-multi-invalid": "value1"}})", 0},
        {"statusCode not a number", R"({"statusCode": "test"})", 0},
        {"statusCode as a string", R"({"statusCode": "201"})", 201},
        {"just a string", R"("justAString")", 0},
        {"only headers", R"({"headers": {"test-header": "value"}})", 200, "", {kJson, {"test-header", "value"}}, true},
        // Shapes around them.
        {"empty object", R"({})", 200, "", {kJson}, true},
        {"statusCode null", R"({"statusCode": null, "body": "x"})", 200, "x"},
        {"statusCode float integral", R"({"statusCode": 404.0})", 404},
        {"statusCode float fractional", R"({"statusCode": 200.5})", 0},
        {"statusCode boolean", R"({"statusCode": true})", 0},
        {"statusCode below 100", R"({"statusCode": 99})", 0},
        {"statusCode above 599", R"({"statusCode": 600})", 0},
        {"statusCode string with spaces", R"({"statusCode": " 200"})", 0},
        {"body text", R"({"statusCode": 200, "body": "Hello, jane!"})", 200, "Hello, jane!"},
        {"body null", R"({"statusCode": 204, "body": null})", 204, ""},
        {"body object", R"({"statusCode": 200, "body": {"message": "hi"}})", 0},
        {"body number", R"({"statusCode": 200, "body": 5})", 0},
        {"isBase64Encoded not a boolean", R"({"statusCode": 200, "body": "eA==", "isBase64Encoded": "true"})", 0},
        {"invalid base64", R"({"statusCode": 200, "body": "not base64!", "isBase64Encoded": true})", 0},
        {"base64 without padding", R"({"statusCode": 200, "body": "eHk", "isBase64Encoded": true})", 200, "xy"},
        {"headers not an object", R"({"statusCode": 200, "headers": ["a"]})", 0},
        {"header value an object", R"({"statusCode": 200, "headers": {"a": {"b": 1}}})", 0},
        {"header value a number", R"({"statusCode": 200, "headers": {"X-Count": 5}})", 200, "", {{"X-Count", "5"}}},
        {"null content type suppresses the default", R"({"statusCode": 200, "headers": {"Content-Type": null}})", 200,
         "", {}, true},
        {"own content type", R"({"statusCode": 200, "headers": {"content-type": "text/html"}, "body": "<p>"})", 200,
         "<p>", {{"content-type", "text/html"}}, true},
        {"multiValueHeaders not an object", R"({"statusCode": 200, "multiValueHeaders": "x"})", 0},
        {"multi-value element an array", R"({"statusCode": 200, "multiValueHeaders": {"a": [["b"]]}})", 0},
        {"framing headers remapped",
         R"({"statusCode": 200, "headers": {"Content-Length": "3", "Date": "d", "Server": "fn", "WWW-Authenticate": "Basic", "Transfer-Encoding": "chunked", "X-Ok": "1"}})",
         200, "", {{"x-amzn-Remapped-Content-Length", "3"}, {"x-amzn-Remapped-Date", "d"},
                   {"x-amzn-Remapped-Server", "fn"}, {"x-amzn-Remapped-WWW-Authenticate", "Basic"}, {"X-Ok", "1"}}},
        {"function error shape", R"({"errorMessage": "boom", "errorType": "Error"})", 0},
        {"cookies are not 1.0", R"({"statusCode": 200, "cookies": ["a=1"]})", 0},
        {"array", R"([{"statusCode": 200}])", 0},
        {"null", "null", 0},
        {"number", "200", 0},
        {"not JSON", "Hello", 0},
        {"empty output", "", 0},
        {"truncated JSON", R"({"statusCode": 200)", 0},
    };
    for (const auto& c : cases)
        SECTION(c.name) { check_response(response_v1(c.payload), c); }
}

TEST_CASE("REST responses: base64 passes through unless binary is accepted", "[proxy][response][v1]") {
    auto r = response_v1(R"({"statusCode": 200, "body": "dGVzdC1kYXRh", "isBase64Encoded": true})", ApiFlavor::rest,
                         false);
    REQUIRE(r);
    CHECK(r->body == "dGVzdC1kYXRh");
    // Not validated when passed through.
    CHECK(response_v1(R"({"statusCode": 200, "body": "%%%", "isBase64Encoded": true})", ApiFlavor::rest, false));
    // Binary bytes survive decoding.
    auto bin = response_v1(R"({"statusCode": 200, "body": "iVBORw0KGgoA/w==", "isBase64Encoded": true})");
    REQUIRE(bin);
    CHECK(bin->body == std::string("\x89PNG\r\n\x1a\n\0\xff", 10));
}

TEST_CASE("HTTP API responses, payload 1.0", "[proxy][response][v1]") {
    const ResponseCase cases[] = {
        // The outputs of AWS's validated HTTP API 1.0 test, with AWS's answers.
        {"no body", R"({"statusCode": 200})", 200, "", {kText}, true},
        {"headers with a boolean", R"({"statusCode": 200, "headers": {"test-header": "value", "header-bool": true}})",
         200, "", {{"header-bool", "true"}, {"test-header", "value"}}},
        {"unknown keys ignored", R"({"statusCode": 200, "wrongValue": "value"})", 200},
        {"empty object", R"({})", 0},
        {"base64 true", R"({"statusCode": 200, "body": "dGVzdC1kYXRh", "isBase64Encoded": true})", 200, "test-data"},
        {"base64 false", R"({"statusCode": 200, "body": "dGVzdC1kYXRh"})", 200, "dGVzdC1kYXRh"},
        {"multi-value headers", R"({"statusCode": 200, "multiValueHeaders": {"test-multi": ["value1", "value2"]}})",
         200, "", {kText, {"test-multi", "value1"}, {"test-multi", "value2"}}, true},
        {"multi-value overrides single",
         R"({"statusCode": 200, "multiValueHeaders": {"test-multi": ["value-multi"]}, "headers": {"test-multi": "value-solo"}})",
         200, "", {kText, {"test-multi", "value-multi"}}, true},
        {"multi-value not an array", R"({"statusCode": 200, "multiValueHeaders": {"test-multi-invalid": "value1"}})", 0},
        {"statusCode not a number", R"({"statusCode": "test"})", 0},
        {"statusCode as a string", R"({"statusCode": "201"})", 201},
        {"just a string", R"("justAString")", 0},
        {"only headers", R"({"headers": {"test-header": "value"}})", 0},
        // Shapes around them.
        {"framing headers dropped", R"({"statusCode": 200, "headers": {"Content-Length": "3", "Connection": "close"}})",
         200, "", {kText}, true},
        {"body object", R"({"statusCode": 200, "body": {}})", 0},
        {"not JSON", "oops", 0},
    };
    for (const auto& c : cases)
        SECTION(c.name) { check_response(response_v1(c.payload, ApiFlavor::http), c); }
}

TEST_CASE("HTTP API responses, payload 2.0", "[proxy][response][v2]") {
    const ResponseCase cases[] = {
        // AWS's documented inference examples.
        {"documented string", R"("Hello from Lambda!")", 200, "Hello from Lambda!", {kJson}, true},
        {"documented object", R"({ "message": "Hello from Lambda!" })", 200, R"({ "message": "Hello from Lambda!" })",
         {kJson}, true},
        // The outputs of AWS's validated HTTP API 2.0 test, with AWS's answers.
        {"no body", R"({"statusCode": 200})", 200, "", {kText}, true},
        {"headers with a boolean", R"({"statusCode": 200, "headers": {"test-header": "value", "header-bool": true}})",
         200, "", {{"header-bool", "true"}, {"test-header", "value"}}},
        {"unknown keys ignored", R"({"statusCode": 200, "wrongValue": "value"})", 200},
        {"empty object inferred", R"({})", 200, "{}", {kJson}, true},
        {"base64 true", R"({"statusCode": 200, "body": "dGVzdC1kYXRh", "isBase64Encoded": true})", 200, "test-data"},
        {"base64 false", R"({"statusCode": 200, "body": "dGVzdC1kYXRh"})", 200, "dGVzdC1kYXRh"},
        {"cookies", R"({"statusCode": 200, "cookies": ["test-cookie=value", "test-cookie2=value1", "test-cookie3=value2"]})",
         200, "", {kText, {"Set-Cookie", "test-cookie=value"}, {"Set-Cookie", "test-cookie2=value1"},
                   {"Set-Cookie", "test-cookie3=value2"}}, true},
        {"cookies not an array", R"({"statusCode": 200, "cookies": {"test-cookies-invalid": "value1"}})", 0},
        {"statusCode not a number", R"({"statusCode": "test"})", 0},
        {"statusCode as a string", R"({"statusCode": "201"})", 201},
        {"just a string", R"("justAString")", 200, "justAString", {kJson}, true},
        {"only headers inferred", R"({"headers": {"test-header": "value"}})", 200, R"({"headers": {"test-header": "value"}})",
         {kJson}, true},
        {"any JSON object inferred", R"({"random": {"json-body": "value"}})", 200, R"({"random": {"json-body": "value"}})"},
        {"errorMessage is a function error", R"({"errorMessage": "test fake error message"})", 0},
        {"the string null", R"("null")", 200, "null", {kJson}, true},
        {"empty string", R"("")", 200, "", {kJson}, true},
        {"the string errorMessage", R"("errorMessage")", 200, "errorMessage"},
        // Shapes around them.
        {"number inferred", "42", 200, "42", {kJson}, true},
        {"array inferred", R"([1, 2])", 200, "[1, 2]", {kJson}, true},
        {"JSON null inferred", "null", 200, "null", {kJson}, true},
        {"multiValueHeaders ignored", R"({"statusCode": 200, "multiValueHeaders": {"X-A": ["1"]}, "headers": {"X-B": "2"}})",
         200, "", {kText, {"X-B", "2"}}, true},
        {"multiValueHeaders malformed but ignored", R"({"statusCode": 200, "multiValueHeaders": "x"})", 200},
        {"cookie not a string", R"({"statusCode": 200, "cookies": [1]})", 0},
        {"cookies null", R"({"statusCode": 200, "cookies": null})", 200},
        {"cookies alongside Set-Cookie header",
         R"({"statusCode": 302, "headers": {"Location": "/x", "Set-Cookie": "a=1"}, "cookies": ["b=2"]})", 302, "",
         {kText, {"Location", "/x"}, {"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}}, true},
        {"body object with statusCode", R"({"statusCode": 200, "body": {"a": 1}})", 0},
        {"invalid base64", R"({"statusCode": 200, "body": "***", "isBase64Encoded": true})", 0},
        {"statusCode out of range", R"({"statusCode": 1000})", 0},
        {"statusCode null inferred", R"({"statusCode": null})", 200, R"({"statusCode": null})", {kJson}, true},
        {"not JSON", "Hello", 0},
        {"empty output", "", 0},
    };
    for (const auto& c : cases)
        SECTION(c.name) { check_response(response_v2(c.payload), c); }
}

// ---------------------------------------------------- gateway responses ----

TEST_CASE("gateway responses are AWS's, byte for byte", "[proxy][gateway]") {
    struct Case {
        const char* name;
        Response response;
        int status;
        const char* body;
        const char* error_type;  // nullptr: an HTTP API response (no x-amzn-ErrorType)
    };
    const std::string id = kRestId;
    const Case cases[] = {
        {"no route (REST)", missing_authentication_token(id), 403, R"({"message":"Missing Authentication Token"})",
         "MissingAuthenticationTokenException"},
        {"API key", forbidden(id), 403, R"({"message":"Forbidden"})", "ForbiddenException"},
        {"malformed output (REST)", rest_internal_server_error(id), 502, R"({"message": "Internal server error"})",
         "InternalServerErrorException"},
        {"timeout", endpoint_request_timed_out(id), 504, R"({"message": "Endpoint request timed out"})",
         "InternalServerErrorException"},
        {"invalid body", invalid_request_body(id), 400, R"({"message": "Invalid request body"})", "BadRequestException"},
        {"missing parameters", missing_request_parameters("sku", id), 400,
         R"({"message": "Missing required request parameters: [sku]"})", "BadRequestException"},
        {"throttled", too_many_requests(id), 429, R"({"message":"Too Many Requests"})", "TooManyRequestsException"},
        {"custom", gateway_response(413, "RequestTooLargeException", "Request \"too\" large", id), 413,
         R"({"message":"Request \"too\" large"})", "RequestTooLargeException"},
        {"no route (HTTP API)", http_not_found("NIKr1jmIFiAEJmw="), 404, R"({"message":"Not Found"})", nullptr},
        {"malformed output (HTTP API)", http_internal_server_error("NIKr1jmIFiAEJmw="), 500,
         R"({"message":"Internal Server Error"})", nullptr},
    };
    for (const auto& c : cases) {
        SECTION(c.name) {
            CHECK(c.response.status == c.status);
            CHECK(c.response.body == c.body);
            CHECK(header_value(c.response, "content-type") == "application/json");
            if (c.error_type) {
                CHECK(header_value(c.response, "x-amzn-RequestId") == id);
                CHECK(header_value(c.response, "x-amzn-ErrorType") == c.error_type);
                CHECK(header_value(c.response, "x-amz-apigw-id") == kExtended);
            } else {
                CHECK(header_value(c.response, "apigw-requestid") == "NIKr1jmIFiAEJmw=");
                CHECK(header_values(c.response, "x-amzn-ErrorType").empty());
            }
        }
    }
}

TEST_CASE("request id headers on proxied responses", "[proxy][gateway]") {
    Response rest;
    add_request_id_headers(rest, ApiFlavor::rest, kRestId);
    CHECK(header_value(rest, "x-amzn-RequestId") == kRestId);
    CHECK(header_value(rest, "x-amz-apigw-id") == kExtended);
    Response http;
    add_request_id_headers(http, ApiFlavor::http, "NIKr1jmIFiAEJmw=");
    CHECK(header_value(http, "Apigw-Requestid") == "NIKr1jmIFiAEJmw=");
    CHECK(http.headers.size() == 1);
}

// -------------------------------------------------------------- helpers ----

TEST_CASE("request time format", "[proxy][helpers]") {
    CHECK(clf_time(kNow) == "22/Nov/2026:10:00:00 +0000");
    CHECK(clf_time(std::chrono::system_clock::time_point(std::chrono::milliseconds(1583348638390))) ==
          "04/Mar/2020:19:03:58 +0000");
}
