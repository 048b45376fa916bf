// Opt-in SigV4 checks in front of the services (see auth.hpp).
#include "app/auth.hpp"

#include "common/sigv4.hpp"

#include <string_view>

namespace lowcloud::app {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// The signing service of a request AWS wants signed, or "" for one it does
// not (see auth.hpp for the list).
std::string_view signing_service(const http::Request& request, const Route& route) {
    std::string_view path = request.path();
    switch (route.family) {
        case Family::dynamodb:
            return route.operation == "health" || request.method == "OPTIONS" ? "" : "dynamodb";
        case Family::lambda:
            // The control plane and Invoke; not the Runtime API (execution
            // environments) nor lowcloud's own log endpoints.
            return starts_with(path, "/2018-06-01/runtime/") || starts_with(path, "/_lowcloud/") ? "" : "lambda";
        case Family::apigateway: {
            if (is_execute_api_host(request.header("Host"))) return "";  // an API invocation
            const bool control = (starts_with(path, "/restapis") && path.find("/_user_request_") == std::string_view::npos) ||
                                 starts_with(path, "/domainnames") || starts_with(path, "/v2/apis") ||
                                 starts_with(path, "/v2/domainnames");
            return control ? "apigateway" : "";
        }
        case Family::iam: return "iam";
        case Family::lowcloud:
        case Family::none: break;
    }
    return "";
}

}  // namespace

AuthSettings load_auth(const ConfigSection& section, const std::string& mode, const std::vector<std::string>& credentials) {
    AuthSettings s;
    auto add = [&](const std::string& key, const std::string& secret) {
        if (s.secrets.empty()) s.first_access_key = key;
        s.secrets[key] = secret;
    };
    if (section.present()) {
        if (!section.node.IsMap())
            throw ConfigError(config_location(section, section.node) + ": auth: expected a mapping with mode: and credentials:");
        ConfigReader r(section, section.node, "auth");
        s.sigv4 = r.optional_enum("mode", {"none", "sigv4"}).value_or("none") == "sigv4";
        YAML::Node list = r.node("credentials");
        if (list.IsDefined() && !list.IsNull()) {
            if (!list.IsSequence()) r.fail(list, "auth.credentials", "expected a list of {access_key_id, secret_access_key}");
            for (std::size_t i = 0; i < list.size(); ++i) {
                if (!list[i].IsMap()) r.fail(list[i], "auth.credentials[" + std::to_string(i) + "]", "expected a mapping");
                ConfigReader c(section, list[i], "auth.credentials[" + std::to_string(i) + "]");
                std::string key = c.required_string("access_key_id");
                std::string secret = c.required_string("secret_access_key");
                c.finish();
                add(key, secret);
            }
        }
        r.finish();
    }
    if (mode == "sigv4") s.sigv4 = true;
    else if (mode == "none") s.sigv4 = false;
    else if (!mode.empty()) throw ConfigError("--auth: unknown mode '" + mode + "' (expected none or sigv4)");
    for (const auto& c : credentials) {
        auto colon = c.find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == c.size())
            throw ConfigError("--credentials: expected ACCESS_KEY_ID:SECRET_ACCESS_KEY, got '" + c + "'");
        add(c.substr(0, colon), c.substr(colon + 1));
    }
    if (s.sigv4 && s.secrets.empty())
        throw ConfigError(
            "--auth sigv4 needs credentials: --credentials ACCESS_KEY_ID:SECRET_ACCESS_KEY, or auth.credentials in the manifest");
    return s;
}

Authenticator::Authenticator(AuthSettings settings, AuthEnvelopes envelopes, Clock clock)
    : settings_(std::move(settings)), envelopes_(std::move(envelopes)), clock_(std::move(clock)) {}

std::optional<http::Response> Authenticator::check(const http::Request& request, const Route& route) const {
    if (!settings_.sigv4) return std::nullopt;
    const std::string_view service = signing_service(request, route);
    if (service.empty()) return std::nullopt;

    sigv4::Request r{request.method, request.path(), request.query(), {}, request.body};
    r.headers.reserve(request.headers.size());
    for (const auto& h : request.headers) r.headers.emplace_back(h.name, h.value);
    sigv4::Options options = sigv4::options_for(service);
    if (route.family == Family::iam) options.service.clear();  // IAM or STS, one endpoint here
    auto secret_for = [this](std::string_view key) -> std::optional<std::string> {
        auto it = settings_.secrets.find(std::string(key));
        if (it == settings_.secrets.end()) return std::nullopt;
        return it->second;
    };
    sigv4::Verdict verdict = sigv4::verify(r, secret_for, clock_(), options);
    if (verdict) return std::nullopt;

    const sigv4::AwsError e = sigv4::aws_error(verdict.failure, service);
    const std::string type(e.type);
    switch (route.family) {
        case Family::dynamodb: return envelopes_.dynamodb(request, type, e.status, verdict.message);
        case Family::lambda: return envelopes_.lambda(type, e.status, verdict.message);
        case Family::apigateway: return envelopes_.apigateway(type, e.status, verdict.message);
        case Family::iam: return envelopes_.iam(request, type, e.status, verdict.message);
        default: break;
    }
    return std::nullopt;
}

}  // namespace lowcloud::app
