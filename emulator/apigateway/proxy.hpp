// The Lambda proxy integration's wire formats: the event API Gateway sends a
// function for a client request (payload format 1.0 for REST APIs and for
// HTTP APIs that select it, 2.0 for HTTP APIs), the translation of the
// function's output back into the client's response (including the 2.0
// inference and cookies), (the gateway's own error responses are in
// builtin_responses.hpp). Pure
// functions of their inputs (the router's match, the request, a request id
// and a clock reading), so they are thread-safe and tested field by field
// against AWS's documented and recorded sample events.
//
// Contract, event side:
//  - Headers. REST (1.0): names as the client sent them (Authorization and
//    User-Agent canonicalised, as CloudFront does), `headers` keeps the last
//    value of a repeated name, `multiValueHeaders` all of them; hop-by-hop
//    headers and Content-Length are dropped; X-Forwarded-For (client address
//    appended), X-Forwarded-Port (from Host, else 80), X-Forwarded-Proto
//    (http) and X-Amzn-Trace-Id (unless the client sent one) are added.
//    HTTP API 1.0: the same, but names exactly as sent and Content-Length
//    kept. 2.0: as HTTP API 1.0, then names lower-cased, repeated values
//    joined with ",", Cookie headers moved to `cookies` (split at ";").
//  - Query strings are split at "&", keys and values percent-decoded with
//    "+" as a space. 1.0: `queryStringParameters` (last value) and
//    `multiValueQueryStringParameters`; 2.0: values joined with ",".
//  - Empty maps: JSON null in 1.0; the key is absent in 2.0 (as are
//    `cookies` and an empty `body`). An empty 1.0 body is null.
//  - Bodies: text as received (invalid UTF-8 replaced by U+FFFD so the
//    event always serialises); base64 with isBase64Encoded=true when
//    RouteMatch::binary is set.
//
// Contract, response side: see response_v1 / response_v2 below. nullopt
// means the output is malformed and the caller answers the integration
// failure (REST: rest_internal_server_error(), 502; HTTP API:
// http_internal_server_error(), 500).
#pragma once

#include "http/message.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace lowcloud::apigateway {

// Which kind of API the request came through: REST APIs (API Gateway v1)
// and HTTP APIs (v2) differ in event details and in how strictly they read
// the function's output, even for the same payload format.
enum class ApiFlavor { rest, http };

// What the router knows about a matched request; filled by the caller.
struct RouteMatch {
    ApiFlavor flavor = ApiFlavor::rest;
    std::string api_id;                  // 10 chars [a-z0-9]
    std::string account_id = "000000000000";
    std::string stage;                   // "dev", or "$default" (HTTP APIs)
    std::string resource;                // REST: matched template "/watch/{sku}"; HTTP API 1.0: the route's path
    std::string route_key;               // HTTP API: "GET /watch/{sku}" or "$default" (1.0: also resourceId)
    std::string path;                    // the path the API sees, as sent (not decoded): "/watch/CV2115.FC6186"
    std::string stage_path;              // 1.0 requestContext.path: "/dev/watch/X", "/info/v2/watch/X" (custom domain)
    std::string raw_path;                // 2.0 rawPath and http.path: "/dev/watch/X" at the execute-api host for a
                                         // named stage, the base path left out on custom domains; "" = `path`
    std::map<std::string, std::string> path_parameters;  // already URL-decoded
    std::map<std::string, std::string> stage_variables;
    std::string domain_name;             // from Host without the port: "abc123.execute-api.localhost", "localhost"
    std::string resource_id;             // REST: 6 chars [a-z0-9]
    std::string deployment_id;           // REST: 6 chars [a-z0-9]
    std::string api_key;                 // REST: the x-api-key value when the method requires a key, else ""
    std::string api_key_id;              //       and that key's id (both appear in identity only then)
    bool binary = false;                 // body is binary (content type in the binary media types): base64
};

// 1.0 event: REST shape for ApiFlavor::rest, the HTTP API 1.0 shape
// ("version": "1.0", resourceId = route key, identity.cognitoAmr, no
// deploymentId) for ApiFlavor::http. `request_id`: REST a UUID; HTTP APIs
// AWS's short form ("NIKr1jmIFiAEJmw="), also used as extendedRequestId.
nlohmann::json event_v1(const http::Request& request, const RouteMatch& match, const std::string& request_id,
                        std::chrono::system_clock::time_point now);
// The same event as JSON text, written without building the document (what
// an invocation sends; event_v1 parses it).
std::string event_v1_text(const http::Request& request, const RouteMatch& match, const std::string& request_id,
                          std::chrono::system_clock::time_point now);
// 2.0 event (HTTP APIs).
nlohmann::json event_v2(const http::Request& request, const RouteMatch& match, const std::string& request_id,
                        std::chrono::system_clock::time_point now);

// The function's 1.0 output → the client's response. Accepted:
// {statusCode, headers, multiValueHeaders, body, isBase64Encoded}, all
// optional for REST (statusCode defaults to 200), statusCode required for
// HTTP APIs. statusCode: an integer 100-599, or a string of one ("201").
// Header values: strings, booleans ("true"/"false") or numbers; a null value
// drops the header. multiValueHeaders values must be arrays of those and
// replace a same-named (case-insensitive) entry of `headers`. body: string
// or null. Malformed (nullopt): not JSON, not an object, a bad statusCode,
// headers not an object of scalars, body not a string, isBase64Encoded not a
// boolean, invalid base64, and for REST any other key. REST decodes a
// base64 body only when `decode_base64` (the caller's check that the first
// Accept type is a binary media type), else passes the base64 text through;
// HTTP APIs always decode. Content-Type defaults to application/json (REST)
// or "text/plain; charset=utf-8" (HTTP APIs) unless the function named it.
// Headers the gateway owns: REST renames Authorization, Connection,
// Content-Length, Date, Server and WWW-Authenticate to
// x-amzn-Remapped-<name>; HTTP APIs drop Connection and Content-Length;
// Transfer-Encoding never passes.
std::optional<http::Response> response_v1(std::string_view payload, ApiFlavor flavor = ApiFlavor::rest,
                                          bool decode_base64 = true);

// The function's 2.0 output → the client's response. An object with a
// statusCode is read like a 1.0 HTTP API response, except that
// multiValueHeaders and unknown keys are ignored and `cookies` (an array of
// strings) becomes one Set-Cookie header each. Any other valid JSON is
// inferred as 200, content-type application/json, body = the output (a
// JSON string's value, otherwise the JSON text as returned). An object
// without statusCode but with errorMessage is treated as a function error
// (nullopt), as AWS does.
std::optional<http::Response> response_v2(std::string_view payload);

// Headers AWS puts on every response of a proxied request: REST
// x-amzn-RequestId and x-amz-apigw-id; HTTP APIs Apigw-Requestid.
void add_request_id_headers(http::Response& response, ApiFlavor flavor, const std::string& request_id);

// Helpers exposed for tests.
// "22/Nov/2026:10:00:00 +0000" (UTC).
std::string clf_time(std::chrono::system_clock::time_point t);

}  // namespace lowcloud::apigateway
