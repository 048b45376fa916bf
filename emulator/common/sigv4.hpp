// AWS Signature Version 4: verifying a request's signature the way AWS's
// non-S3 services do, and signing requests (tests, lowcloud's own clients).
// Pure functions over a plain description of the request (no HTTP library,
// no clock, no key store: the caller passes the time and a secret lookup).
// Both forms are verified: the Authorization header ("AWS4-HMAC-SHA256
// Credential=AKID/20150830/us-east-1/dynamodb/aws4_request, SignedHeaders=
// host;x-amz-date, Signature=..."; commas and/or spaces between the
// parameters) and presigned query strings (X-Amz-Algorithm, X-Amz-Credential,
// X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Signature). Thread-safe.
//
// Canonical request, as botocore's SigV4Auth builds it for every service but S3:
//  - URI: the path as received (still percent-encoded), dot segments and empty
//    segments removed, then percent-encoded once more (every byte but A-Z a-z
//    0-9 - . _ ~ and '/'), so "/a%20b" is signed as "/a%2520b"; "" is "/".
//  - query: each name and value percent-decoded ('+' stays '+') and re-encoded
//    (RFC 3986, uppercase hex), sorted by name then value; a name without '='
//    gets "name="; X-Amz-Signature is left out of a presigned request's query.
//  - headers: the SignedHeaders names, lowercased, each "name:value" with the
//    value trimmed and runs of whitespace collapsed to one space; a header
//    received several times has its values joined with ',' in arrival order.
//  - payload: X-Amz-Content-Sha256's value when the request has one (including
//    UNSIGNED-PAYLOAD; a 64-hex value must also be the body's SHA-256), else
//    the hex SHA-256 of the body.
// The time comes from X-Amz-Date (ISO 8601 basic, 20150830T123600Z), else from
// Date (that form or RFC 1123, "Sun, 30 Aug 2015 12:36:00 GMT"); presigned
// requests use the X-Amz-Date query parameter. It must lie within max_skew of
// `now` on either side. A presigned request also expires X-Amz-Expires seconds
// after its date, but never later than max_skew after it: AWS's non-S3
// services ignore longer X-Amz-Expires values (aws-sdk-go#2167).
//
// Failures and their messages, in AWS's words and in the order AWS checks
// (as recorded against DynamoDB and Kinesis by dynalite, kinesalite and
// ScyllaDB Alternator's tests, and in SDK issue reports for Lambda, API
// Gateway, IAM and STS). The caller picks the envelope and the status, e.g.
// with aws_error():
//  missing_token         no Authorization header (or one not starting with
//                        "AWS4-") and no X-Amz-Algorithm query parameter:
//                        options.missing_token_message, "Request is missing
//                        Authentication Token" (DynamoDB, IAM, STS) or "Missing
//                        Authentication Token" (Lambda, API Gateway).
//  invalid_signature     both forms at once: "Found both 'X-Amz-Algorithm' as a
//                        query-string param and 'Authorization' as HTTP header."
//  incomplete_signature  "'x' not a valid key=value pair (missing equal-sign) in
//                        Authorization header: '<header>'."
//                        "Authorization header requires 'Credential' parameter. "
//                        ... 'Signature' ... 'SignedHeaders' ... "Authorization
//                        header requires existence of either a 'X-Amz-Date' or
//                        a 'Date' header. Authorization=<header>" (those missing)
//                        "AWS query-string parameters must include 'X-Amz-...'. "
//                        (each missing) "Re-examine the query-string parameters."
//                        "Date must be in ISO-8601 'basic format'. Got '<date>'.
//                        See http://en.wikipedia.org/wiki/ISO_8601"
//                        "X-Amz-Expires should be a number" / "... must be
//                        non-negative" / "... must be less than a week (in
//                        seconds) that is 604800" (S3's wording)
//  signature_expired     "Signature expired: 20150830T122000Z is now earlier
//                        than 20150830T122100Z (20150830T123600Z - 15 min.)"
//                        "Signature not yet current: 20150830T125200Z is still
//                        later than 20150830T125100Z (20150830T123600Z + 15 min.)"
//                        (the minutes are options.max_skew; an X-Amz-Expires
//                        shorter than max_skew gives "- N sec." when it is not a
//                        whole number of minutes)
//  invalid_signature     "'Host' must be a 'SignedHeader' in the AWS Authorization."
//  incomplete_signature  "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA1' (only
//                        AWS4-HMAC-SHA256 for now). "
//                        "Credential must have exactly 5 slash-delimited
//                        elements, e.g. keyid/date/region/service/term, got
//                        '<credential>'" (trailing slashes ignored)
//  invalid_signature     each of "Credential should be scoped to a valid region,
//                        not 'x'. " "Credential should be scoped to correct
//                        service: 'dynamodb'. " "Credential should be scoped with
//                        a valid terminator: 'aws4_request', not 'x'. " "Date in
//                        Credential scope does not match YYYYMMDD from ISO-8601
//                        version of date from HTTP: '20150831' != '20150830',
//                        from '20150830T123600Z'." that applies, concatenated
//  unrecognized_client   unknown access key: "The security token included in
//                        the request is invalid." (A caller that checks session
//                        tokens answers a bad one with the same failure and AWS's
//                        message without the final period.)
//  invalid_signature     "The request signature we calculated does not match
//                        the signature you provided. Check your AWS Secret Access
//                        Key and signing method. Consult the service
//                        documentation for details." (also for a body that does
//                        not hash to X-Amz-Content-Sha256)
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lowcloud::sigv4 {

// What the verifier needs of an HTTP request. Views: they must outlive the call.
struct Request {
    std::string_view method;  // "GET", "POST", ...
    std::string_view path;    // raw, as sent (percent-encoded), without the query
    std::string_view query;   // raw, without '?'
    // As received: names in any case, repeated names kept in arrival order.
    std::vector<std::pair<std::string_view, std::string_view>> headers;
    std::string_view body;
};

enum class Failure {
    none,
    missing_token,         // MissingAuthenticationToken(Exception)
    incomplete_signature,  // IncompleteSignature(Exception)
    unrecognized_client,   // UnrecognizedClientException / InvalidClientTokenId
    invalid_signature,     // InvalidSignatureException / SignatureDoesNotMatch
    signature_expired,     // the same types as invalid_signature; the date is outside the window
};

struct Options {
    // The credential scope's service must be this one ("dynamodb", "lambda",
    // "apigateway", "execute-api", "iam", "sts"); empty accepts any.
    std::string service;
    // The credential scope's region must be this one; empty accepts any non-empty region.
    std::string region;
    // How far X-Amz-Date may be from `now` either way: 15 minutes for DynamoDB,
    // IAM and STS, 5 for Lambda and API Gateway.
    std::chrono::seconds max_skew{15 * 60};
    std::string missing_token_message = "Request is missing Authentication Token";
};

// AWS's settings for a service named as in credential scopes: the service, its
// clock skew and its missing-token message. Unknown names get the defaults above
// with `service` set.
Options options_for(std::string_view service);

struct Verdict {
    Failure failure = Failure::none;
    std::string message;  // AWS's wording, "" when failure is none
    // Filled as far as parsing got (all of them when failure is none).
    std::string access_key, region, service;
    std::string session_token;  // X-Amz-Security-Token (header or query), "" when absent
    bool presigned = false;     // the query-string form
    // Filled once the signature is computed (for logs and "should have been" messages).
    std::string canonical_request, string_to_sign;

    explicit operator bool() const { return failure == Failure::none; }
};

// The secret access key of an access key id, or nullopt when the key is unknown.
using SecretLookup = std::function<std::optional<std::string>(std::string_view access_key)>;

Verdict verify(const Request& request, const SecretLookup& secret_for, std::chrono::system_clock::time_point now,
               const Options& options = {});

// The error type (`__type` after '#', x-amzn-ErrorType, or the Query protocol's
// <Code>) and HTTP status AWS answers a failure with, per service (as in
// Options::service). DynamoDB: *Exception types, all 400. Lambda, API Gateway
// (apigateway, execute-api): *Exception types, all 403. IAM and STS:
// MissingAuthenticationToken 403, IncompleteSignature 400, InvalidClientTokenId
// 403, SignatureDoesNotMatch 403. Failure::none gives {"", 200}.
struct AwsError {
    std::string_view type;
    int status;
};
AwsError aws_error(Failure failure, std::string_view service);

struct Credentials {
    std::string access_key, secret_key;
    std::string session_token;  // "" for long-term keys
};

struct Signed {
    std::string amz_date;       // X-Amz-Date value, 20150830T123600Z
    std::string authorization;  // Authorization value (header signing), "" for presign()
    std::string query;          // presign(): the full query string to send; sign(): request.query
    std::string signature;
    std::string canonical_request, string_to_sign;
};

// Signs as botocore's SigV4Auth does: every header of `request` (which must
// include Host) but Authorization, User-Agent, Expect and X-Amzn-Trace-Id, plus
// X-Amz-Date (replacing any in `request`) and, with a session token,
// X-Amz-Security-Token. The caller sends X-Amz-Date, X-Amz-Security-Token (when
// a token is set) and Authorization with the request.
Signed sign(const Request& request, const Credentials& credentials, std::string_view region, std::string_view service,
            std::chrono::system_clock::time_point when);

// Presigns as botocore's SigV4QueryAuth does: signs `request`'s headers (at
// least Host) and returns in `query` the request's own query followed by the
// X-Amz-* parameters (with X-Amz-Security-Token when a token is set) and
// X-Amz-Signature. `expires` must be 1..604800 seconds.
Signed presign(const Request& request, const Credentials& credentials, std::string_view region,
               std::string_view service, std::chrono::system_clock::time_point when, std::chrono::seconds expires);

// The canonical forms described above, exposed for tests and diagnostics.
std::string canonical_uri(std::string_view raw_path);
std::string canonical_query(std::string_view raw_query, bool drop_signature = false);
// RFC 3986 percent-encoding: every byte but A-Z a-z 0-9 - . _ ~ (and '/' when
// keep_slash) becomes %XX with uppercase hex.
std::string uri_encode(std::string_view bytes, bool keep_slash = false);

}  // namespace lowcloud::sigv4
