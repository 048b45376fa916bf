// Opt-in request authentication: `lowcloud serve --auth sigv4` checks AWS
// Signature Version 4 (common/sigv4.hpp) on every request a real AWS
// endpoint would want signed, against the credentials given with
// `--credentials KEY:SECRET` or in the manifest's `auth:` section:
//
//   auth:
//     mode: sigv4                  # or none (the default, as every local peer)
//     credentials:
//       - access_key_id: AKIDEXAMPLE
//         secret_access_key: wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
//
// Signed: DynamoDB operations, Lambda's control plane and Invoke, API
// Gateway's control planes, IAM and STS. Not signed, as on AWS: DynamoDB's
// `GET /` health text and CORS preflights, the Runtime API (execution
// environments), API Gateway's data plane (API invocations: authorizers and
// API keys are the API's business), and lowcloud's own `/_lowcloud/`
// endpoints. A refused request gets the error its service answers with
// (DynamoDB's JSON 1.0 `__type`, Lambda's and API Gateway's
// x-amzn-ErrorType, IAM's and STS's XML), and changes nothing.
//
// Thread-safety: an Authenticator is immutable after construction; check()
// may be called from any thread.
#pragma once

#include "app/routing.hpp"
#include "common/config.hpp"
#include "http/message.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lowcloud::app {

struct AuthSettings {
    bool sigv4 = false;
    std::map<std::string, std::string> secrets;  // access key id -> secret access key
    std::string first_access_key;                // the one Lambda environments get
};

// The settings from the manifest's `auth:` section (absent: off), then the
// command line: `mode` ("none" or "sigv4", "" to keep the manifest's) and
// `credentials` ("KEY:SECRET" each, added to the manifest's). Throws
// ConfigError for an unknown key or value, a malformed credential, or sigv4
// without any credentials.
AuthSettings load_auth(const ConfigSection& section, const std::string& mode, const std::vector<std::string>& credentials);

// How refused requests are answered, per service family. The app passes the
// services' own error envelopes.
struct AuthEnvelopes {
    std::function<http::Response(const http::Request&, const std::string& type, int status, const std::string& message)> dynamodb;
    std::function<http::Response(const std::string& type, int status, const std::string& message)> lambda;
    std::function<http::Response(const std::string& type, int status, const std::string& message)> apigateway;
    std::function<http::Response(const http::Request&, const std::string& code, int status, const std::string& message)> iam;
};

class Authenticator {
public:
    using Clock = std::function<std::chrono::system_clock::time_point()>;
    Authenticator(AuthSettings settings, AuthEnvelopes envelopes, Clock clock = std::chrono::system_clock::now);

    bool enabled() const { return settings_.sigv4; }

    // The answer to a request whose signature fails, in its service's
    // envelope; nullopt when the request may proceed (always when auth is
    // off, and for requests AWS does not sign).
    std::optional<http::Response> check(const http::Request& request, const Route& route) const;

private:
    AuthSettings settings_;
    AuthEnvelopes envelopes_;
    Clock clock_;
};

}  // namespace lowcloud::app
