// Customized gateway responses: parsing and simple variable substitution
// (gateway_responses.hpp).
#include "apigateway/gateway_responses.hpp"

#include <catch2/catch.hpp>

using namespace lowcloud;
using namespace lowcloud::apigateway;
using nlohmann::json;

namespace {
http::Response base(int status) {
    http::Response r;
    r.status = status;
    r.set_header("Content-Type", "application/json");
    r.body = R"({"message":"x"})";
    return r;
}
GatewayResponses::Context context(std::string type, std::string message, std::string validation = "") {
    GatewayResponses::Context c;
    c.type = std::move(type);
    c.message = std::move(message);
    c.validation_error = std::move(validation);
    c.request_id = "rid";
    c.stage = "dev";
    return c;
}
}  // namespace

TEST_CASE("gateway_responses/template_substitution_and_escaping") {
    struct Case {
        const char* name;
        const char* tmpl;
        const char* expected;
    } cases[] = {
        {"message_string_is_quoted", R"({"m": $context.error.messageString})", R"({"m": "Bad \"thing\""})"},
        {"message_is_escaped_inside_quotes", R"({"m": "$context.error.message"})", R"({"m": "Bad \"thing\""})"},
        {"validation_string", R"({"v": "$context.error.validationErrorString"})", R"({"v": "$.type: must be one of [\"a\"]"})"},
        {"braced_and_full_stop", R"({"t": "${context.error.responseType}. $context.stage."})", R"({"t": "BAD_REQUEST_BODY. dev."})"},
        {"unknown_variable_is_empty", R"({"u": "$context.nope"})", R"({"u": ""})"},
        {"plain_dollar_kept", R"({"p": "$5 and $"})", R"({"p": "$5 and $"})"},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        GatewayResponses g(json{{"BAD_REQUEST_BODY", {{"responseTemplates", {{"application/json", c.tmpl}}}}}});
        auto r = base(400);
        g.apply(r, context("BAD_REQUEST_BODY", "Bad \"thing\"", "$.type: must be one of [\"a\"]"));
        CHECK(r.body == c.expected);
    }
}

TEST_CASE("gateway_responses/status_headers_and_default_fallbacks") {
    GatewayResponses g(json{{"DEFAULT_4XX", {{"statusCode", "418"}, {"responseParameters", {{"gatewayresponse.header.x-a", "'static'"}}}}},
                            {"DEFAULT_5XX", {{"statusCode", 503}}}});
    auto r = base(403);
    g.apply(r, context("INVALID_API_KEY", "Forbidden"));
    CHECK(r.status == 418);
    CHECK(r.header("x-a") == "static");
    CHECK(r.body == R"({"message":"x"})");
    auto r5 = base(502);
    g.apply(r5, context("DEFAULT_5XX", "Internal server error"));
    CHECK(r5.status == 503);
    GatewayResponses none;
    auto r0 = base(400);
    none.apply(r0, context("BAD_REQUEST_BODY", "Invalid request body"));
    CHECK(r0.status == 400);
}

TEST_CASE("gateway_responses/bad_extensions_are_rejected") {
    CHECK_THROWS_AS(GatewayResponses(json{{"NOT_A_TYPE", json::object()}}), std::invalid_argument);
    CHECK_THROWS_AS(GatewayResponses(json{{"THROTTLED", {{"statusCode", "abc"}}}}), std::invalid_argument);
    CHECK_THROWS_AS(GatewayResponses(json{{"THROTTLED", {{"responseParameters", {{"x", "'y'"}}}}}}), std::invalid_argument);
    CHECK_THROWS_AS(GatewayResponses(json{{"THROTTLED", {{"bogus", 1}}}}), std::invalid_argument);
}
