// Non-proxy integrations (integration.hpp): reading the OpenAPI extension,
// request templates and passthrough, parameter mappings, response
// selection and the method response.
#include "apigateway/integration.hpp"

#include <catch2/catch.hpp>

using namespace lowcloud::apigateway;
using nlohmann::json;

namespace {

Integration lambda_integration() {
    return read_integration(json::parse(R"({
        "type": "aws", "httpMethod": "POST", "passthroughBehavior": "WHEN_NO_TEMPLATES",
        "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:f/invocations",
        "requestTemplates": {"application/json": "{\"sku\": \"$input.params('sku')\"}"},
        "responses": {
            "default": {"statusCode": "200", "responseParameters": {"method.response.header.X-Sku": "integration.response.body.sku"}},
            ".*NotFound.*": {"statusCode": "404", "responseTemplates": {"application/json": "{\"error\": \"$input.path('$.errorMessage')\"}"}}
        }})"));
}

lowcloud::http::Request request(std::string content_type, std::string body) {
    lowcloud::http::Request r;
    r.method = "POST";
    r.target = "/watch/A1?color=blue";
    if (!content_type.empty()) r.headers.push_back({"Content-Type", content_type});
    r.body = std::move(body);
    return r;
}

}  // namespace

TEST_CASE("integration/read_extension_errors_name_the_member") {
    struct Case {
        const char* name;
        const char* extension;
        const char* fragment;
    };
    const Case cases[] = {
        {"unknown_type", R"({"type": "websocket"})", "type 'websocket'"},
        {"http_without_url", R"({"type": "http", "httpMethod": "GET", "uri": "ftp://x"})", "not an http:// or https:// URL"},
        {"http_without_method", R"({"type": "http_proxy", "uri": "http://x"})", "httpMethod is required"},
        {"bad_passthrough", R"({"type": "mock", "passthroughBehavior": "SOMETIMES"})", "passthroughBehavior 'SOMETIMES'"},
        {"bad_status", R"({"type": "mock", "responses": {"default": {"statusCode": "2000"}}})", "not an HTTP status code"},
        {"bad_pattern", R"({"type": "mock", "responses": {"(": {"statusCode": "500"}}})", "not a regular expression"},
        {"bad_template", R"({"type": "mock", "requestTemplates": {"application/json": "#if($a"}})", "does not parse"},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        try {
            read_integration(json::parse(c.extension));
            FAIL("accepted");
        } catch (const std::invalid_argument& e) {
            CHECK_THAT(e.what(), Catch::Contains(c.fragment));
        }
    }
}

TEST_CASE("integration/default_response_is_tried_last") {
    Integration i = lambda_integration();
    REQUIRE(i.responses.size() == 2);
    CHECK(i.responses.front().selection_pattern == ".*NotFound.*");
    CHECK(i.responses.back().selection_pattern.empty());
}

TEST_CASE("integration/request_payload_by_content_type_and_passthrough") {
    Integration i = lambda_integration();
    auto req = request("application/json; charset=utf-8", "{}");
    RequestData data;
    data.request = &req;
    data.path_parameters = {{"sku", "A1"}};
    CHECK(request_payload(i, data) == std::optional<std::string>(R"({"sku": "A1"})"));
    auto none = request("", "{}");  // no Content-Type: application/json
    data.request = &none;
    CHECK(request_payload(i, data) == std::optional<std::string>(R"({"sku": "A1"})"));
    auto text = request("text/plain", "hi");
    data.request = &text;
    CHECK_FALSE(request_payload(i, data));  // WHEN_NO_TEMPLATES with templates: 415
    i.passthrough = "WHEN_NO_MATCH";
    CHECK(request_payload(i, data) == std::optional<std::string>("hi"));
    i.passthrough = "NEVER";
    CHECK_FALSE(request_payload(i, data));
}

TEST_CASE("integration/request_parameter_sources") {
    auto req = request("application/json", R"({"item": {"name": "Seamaster"}})");
    req.headers.push_back({"X-Trace", "t1"});
    RequestData data;
    data.request = &req;
    data.path_parameters = {{"sku", "A1"}};
    data.stage_variables = {{"table", "watches"}};
    data.context = {{"stage", "dev"}, {"identity", {{"sourceIp", "127.0.0.1"}}}};
    struct Case {
        const char* source;
        std::optional<std::string> value;
    };
    const Case cases[] = {
        {"method.request.path.sku", "A1"},
        {"method.request.querystring.color", "blue"},
        {"method.request.header.x-trace", "t1"},
        {"method.request.header.missing", std::nullopt},
        {"'static'", "static"},
        {"stageVariables.table", "watches"},
        {"context.identity.sourceIp", "127.0.0.1"},
        {"method.request.body.item.name", "Seamaster"},
        {"method.request.body.$.item.name", "Seamaster"},
        {"something.else", std::nullopt},
    };
    for (const auto& c : cases) {
        INFO(c.source);
        CHECK(request_parameter_value(c.source, data) == c.value);
    }
}

TEST_CASE("integration/selection_by_error_message_or_status") {
    Integration lambda = lambda_integration();
    EndpointResponse ok;
    ok.body = R"({"sku": "A1"})";
    CHECK(select_response(lambda, ok)->status == 200);  // success: the default
    EndpointResponse missing;
    missing.error_message = "NotFound: A1";
    CHECK(select_response(lambda, missing)->status == 404);
    EndpointResponse other;
    other.error_message = "boom";
    CHECK(select_response(lambda, other)->status == 200);  // unmatched errors fall to the default, as on AWS

    Integration http = read_integration(json::parse(R"({"type": "http", "httpMethod": "GET", "uri": "http://x",
        "responses": {"4\\d{2}": {"statusCode": "400"}, "5\\d{2}": {"statusCode": "502"}}})"));
    EndpointResponse backend;
    backend.status = 404;
    CHECK(select_response(http, backend)->status == 400);
    backend.status = 503;
    CHECK(select_response(http, backend)->status == 502);
    backend.status = 200;
    CHECK(select_response(http, backend) == nullptr);  // no default: AWS's configuration error
}

TEST_CASE("integration/method_response_templates_parameters_and_override") {
    Integration i = lambda_integration();
    auto req = request("application/json", "{}");
    RequestData data;
    data.request = &req;
    EndpointResponse endpoint;
    endpoint.body = R"({"sku": "A1"})";
    auto r = method_response(*select_response(i, endpoint), endpoint, data, "application/json");
    CHECK(r.status == 200);
    CHECK(r.body == endpoint.body);  // no template: passed through
    CHECK(r.header("X-Sku") == "A1");
    CHECK(r.header("Content-Type") == "application/json");

    endpoint.error_message = "NotFound: A1";
    endpoint.body = R"({"errorMessage": "NotFound: A1"})";
    r = method_response(*select_response(i, endpoint), endpoint, data, "");
    CHECK(r.status == 404);
    CHECK(r.body == R"({"error": "NotFound: A1"})");

    Integration mock = read_integration(json::parse(R"({"type": "mock", "responses": {"default": {"statusCode": "200",
        "responseTemplates": {"text/html": "<p>hi</p>", "application/json": "#set($context.responseOverride.status = 201){}"}}}})"));
    EndpointResponse empty;
    r = method_response(*select_response(mock, empty), empty, data, "text/html, application/json");
    CHECK((r.status == 200 && r.body == "<p>hi</p>" && r.header("Content-Type") == "text/html"));
    r = method_response(*select_response(mock, empty), empty, data, "image/png");
    CHECK((r.status == 201 && r.body == "{}" && r.header("Content-Type") == "application/json"));
}

TEST_CASE("integration/mock_status_from_the_request_template") {
    struct Case {
        const char* payload;
        std::optional<int> status;
    };
    const Case cases[] = {
        {"", 200}, {"  ", 200}, {R"({"statusCode": 404})", 404}, {R"({"statusCode": "503"})", 503},
        {"{}", 200}, {"not json", std::nullopt}, {R"({"statusCode": true})", std::nullopt},
    };
    for (const auto& c : cases) {
        INFO(c.payload);
        CHECK(mock_status(c.payload) == c.status);
    }
}
