// Opt-in SigV4 in front of the services: which requests must be signed, the
// envelope a refusal comes in, and the settings from the command line and the
// manifest. Signatures are made with sigv4::sign at a fixed time, and the
// authenticator runs on a fake clock.
#include "app/auth.hpp"
#include "app/manifest.hpp"
#include "common/sigv4.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace lowcloud;
using namespace lowcloud::app;

namespace {

const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1764763200));  // 2025-12-03T12:00:00Z

AuthSettings settings() {
    AuthSettings s;
    s.sigv4 = true;
    s.secrets = {{"AKID", "secret"}};
    s.first_access_key = "AKID";
    return s;
}

// Each envelope answers with its family's name as the body, the type in a header.
AuthEnvelopes envelopes() {
    auto make = [](const char* family, const std::string& type, int status, const std::string& message) {
        http::Response r = http::Response::text(status, std::string(family) + ": " + message);
        r.set_header("Type", type);
        return r;
    };
    return {[=](const http::Request&, const std::string& t, int s, const std::string& m) { return make("dynamodb", t, s, m); },
            [=](const std::string& t, int s, const std::string& m) { return make("lambda", t, s, m); },
            [=](const std::string& t, int s, const std::string& m) { return make("apigateway", t, s, m); },
            [=](const http::Request&, const std::string& t, int s, const std::string& m) { return make("iam", t, s, m); }};
}

http::Request request(std::string method, std::string target, std::vector<http::Header> headers = {}) {
    http::Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.headers = std::move(headers);
    r.headers.push_back({"Host", "127.0.0.1:4566"});
    return r;
}

// Signs `r` as an SDK would for `service` at `when` with the given secret.
void sign(http::Request& r, const std::string& service, const std::string& secret = "secret",
          std::chrono::system_clock::time_point when = kNow) {
    sigv4::Request s{r.method, r.path(), r.query(), {}, r.body};
    for (const auto& h : r.headers) s.headers.emplace_back(h.name, h.value);
    sigv4::Signed out = sigv4::sign(s, {"AKID", secret, ""}, "us-east-1", service, when);
    r.headers.push_back({"X-Amz-Date", out.amz_date});
    r.headers.push_back({"Authorization", out.authorization});
}

}  // namespace

TEST_CASE("auth: which requests must be signed", "[auth]") {
    Authenticator auth(settings(), envelopes(), [] { return kNow; });
    struct Case {
        const char* name;
        http::Request request;
        Route route;
        bool must_sign;
    };
    const std::vector<Case> cases = {
        {"dynamodb operation", request("POST", "/", {{"X-Amz-Target", "DynamoDB_20120810.ListTables"}}), {Family::dynamodb, "ListTables"}, true},
        {"dynamodb health text", request("GET", "/"), {Family::dynamodb, "health"}, false},
        {"dynamodb preflight", request("OPTIONS", "/"), {Family::dynamodb, "preflight"}, false},
        {"lambda invoke", request("POST", "/2015-03-31/functions/f/invocations"), {Family::lambda, "POST /2015-03-31/functions/f/invocations"}, true},
        {"lambda runtime api", request("GET", "/2018-06-01/runtime/invocation/next"), {Family::lambda, "GET /2018-06-01/runtime/invocation/next"}, false},
        {"lambda environment port", request("GET", "/_lowcloud/runtime/f/1/2018-06-01/runtime/invocation/next"), {Family::lambda, "x"}, false},
        {"apigateway control plane", request("GET", "/restapis"), {Family::apigateway, "GET /restapis"}, true},
        {"apigateway v2 control plane", request("GET", "/v2/apis"), {Family::apigateway, "GET /v2/apis"}, true},
        {"apigateway invocation", request("GET", "/restapis/abc/test/_user_request_/watch"), {Family::apigateway, "x"}, false},
        {"apigateway base path", request("GET", "/info/v2/watch/1"), {Family::apigateway, "x"}, false},
        {"iam", request("POST", "/"), {Family::iam, "ListRoles"}, true},
        {"lowcloud health", request("GET", "/_lowcloud/health"), {Family::lowcloud, "x"}, false},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        auto refused = auth.check(c.request, c.route);
        CHECK(refused.has_value() == c.must_sign);
    }
}

TEST_CASE("auth: refusals in each service's envelope", "[auth]") {
    Authenticator auth(settings(), envelopes(), [] { return kNow; });
    struct Case {
        const char* name;
        Route route;
        std::string target;
        std::string service;
        std::string secret;
        std::chrono::system_clock::time_point when;
        int status;
        std::string type;
        std::string body_prefix;
    };
    const auto late = kNow - std::chrono::minutes(16);
    const std::vector<Case> cases = {
        {"dynamodb signed", {Family::dynamodb, "ListTables"}, "/", "dynamodb", "secret", kNow, 0, "", ""},
        {"dynamodb wrong secret", {Family::dynamodb, "ListTables"}, "/", "dynamodb", "nope", kNow, 400, "InvalidSignatureException",
         "dynamodb: The request signature we calculated does not match"},
        {"dynamodb expired", {Family::dynamodb, "ListTables"}, "/", "dynamodb", "secret", late, 400, "InvalidSignatureException",
         "dynamodb: Signature expired: "},
        {"dynamodb unsigned", {Family::dynamodb, "ListTables"}, "/", "", "", kNow, 400, "MissingAuthenticationTokenException",
         "dynamodb: Request is missing Authentication Token"},
        {"lambda wrong secret", {Family::lambda, "x"}, "/2015-03-31/functions/", "lambda", "nope", kNow, 403, "InvalidSignatureException", "lambda: "},
        {"lambda unsigned", {Family::lambda, "x"}, "/2015-03-31/functions/", "", "", kNow, 403, "MissingAuthenticationTokenException",
         "lambda: Missing Authentication Token"},
        {"apigateway wrong secret", {Family::apigateway, "x"}, "/restapis", "apigateway", "nope", kNow, 403, "InvalidSignatureException", "apigateway: "},
        {"sts wrong secret", {Family::iam, "GetCallerIdentity"}, "/", "sts", "nope", kNow, 403, "SignatureDoesNotMatch", "iam: "},
        {"iam unsigned", {Family::iam, "ListRoles"}, "/", "", "", kNow, 403, "MissingAuthenticationToken", "iam: "},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        http::Request r = request("POST", c.target);
        r.body = "{}";
        if (!c.service.empty()) sign(r, c.service, c.secret, c.when);
        auto refused = auth.check(r, c.route);
        if (c.status == 0) {
            CHECK_FALSE(refused);
            continue;
        }
        REQUIRE(refused);
        CHECK(refused->status == c.status);
        CHECK(refused->header("Type") == c.type);
        CHECK(refused->body.substr(0, c.body_prefix.size()) == c.body_prefix);
    }
}

TEST_CASE("auth: off lets everything through", "[auth]") {
    Authenticator auth(AuthSettings{}, envelopes());
    CHECK_FALSE(auth.check(request("POST", "/"), {Family::dynamodb, "ListTables"}));
}

TEST_CASE("auth: settings from the manifest and the command line", "[auth]") {
    auto dir = std::filesystem::temp_directory_path() / "lowcloud-auth-tests";
    std::filesystem::create_directories(dir);
    auto section = [&](const std::string& name, const std::string& text) {
        std::ofstream(dir / name) << text;
        return load_manifest(dir / name).auth;
    };
    const auto none = section("none.yaml", "tables: []\n");
    const auto on = section("on.yaml", "auth:\n  mode: sigv4\n  credentials:\n    - access_key_id: A\n      secret_access_key: S\n");

    CHECK_FALSE(load_auth(none, "", {}).sigv4);
    auto s = load_auth(on, "", {"B:T"});
    CHECK(s.sigv4);
    CHECK(s.first_access_key == "A");
    CHECK(s.secrets == std::map<std::string, std::string>{{"A", "S"}, {"B", "T"}});
    CHECK_FALSE(load_auth(on, "none", {}).sigv4);
    CHECK(load_auth(none, "sigv4", {"K:a:b"}).secrets.at("K") == "a:b");  // secrets may hold ':'

    struct Case {
        const char* name;
        std::string yaml, mode;
        std::vector<std::string> credentials;
        std::string error;
    };
    const std::vector<Case> errors = {
        {"sigv4 without credentials", "tables: []\n", "sigv4", {}, "--auth sigv4 needs credentials"},
        {"unknown mode", "tables: []\n", "strict", {}, "--auth: unknown mode 'strict'"},
        {"credential without colon", "tables: []\n", "sigv4", {"AKID"}, "expected ACCESS_KEY_ID:SECRET_ACCESS_KEY"},
        {"unknown key", "auth:\n  mode: sigv4\n  keys: []\n", "", {}, "auth.keys: unknown key"},
        {"missing secret", "auth:\n  credentials:\n    - access_key_id: A\n", "", {}, "secret_access_key"},
        {"bad mode in manifest", "auth:\n  mode: on\n", "", {}, "auth.mode"},
    };
    int n = 0;
    for (const auto& c : errors) {
        INFO(c.name);
        auto sec = section("error" + std::to_string(n++) + ".yaml", c.yaml);
        try {
            load_auth(sec, c.mode, c.credentials);
            FAIL("no error");
        } catch (const ConfigError& e) {
            CHECK(std::string(e.what()).find(c.error) != std::string::npos);
        }
    }
}
