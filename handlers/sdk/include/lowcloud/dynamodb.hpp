// A DynamoDB client for Lambda handlers: the AWS JSON 1.0 protocol over plain
// HTTP to the endpoint in AWS_ENDPOINT_URL_DYNAMODB or AWS_ENDPOINT_URL (the
// emulator sets the latter for every function). This is how handlers reach
// the emulated tables, the same requests code sends to DynamoDB in the cloud:
// `POST /` with `Content-Type: application/x-amz-json-1.0`,
// `X-Amz-Target: DynamoDB_20120810.<Operation>` and a JSON body. Called
// from a handler running in-process in the emulator that endpoint belongs
// to, the same request is handed over without a socket (host->send in
// lowcloud/handler.h); elsewhere it goes over the network.
//
// Values are DynamoDB JSON (`{"S": "x"}`, `{"N": "42"}`...) as nlohmann::json;
// responses are returned whole, exactly as DynamoDB sends them.
//
//   #include <lowcloud/dynamodb.hpp>
//   using namespace lowcloud::sdk;
//   // One client per thread: an environment runs one invocation at a time,
//   // but in-process environments of one function share the process, so a
//   // function-local `static` would be shared by their threads (a data race).
//   static DynamoDB& db() { thread_local DynamoDB client; return client; }
//
//   json got = db().get_item("Watches", {{"id", S("w-1")}});
//   if (got.contains("Item")) name = string_attribute(got["Item"], "name");
//   try {
//       db().put_item("Watches", item, {{"ConditionExpression", "attribute_not_exists(id)"}});
//   } catch (const DynamoDBError& e) {
//       if (e.type() != "ConditionalCheckFailedException") throw;
//   }
//
// Scope, stated plainly: this client talks to an emulator. It does not speak
// TLS (https:// endpoints are rejected), so it cannot reach real AWS. It
// signs with SigV4 (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN, the region), so lowcloud's `--auth sigv4` accepts it;
// libcrypto is looked up at run time rather than linked (the process's, else
// libcrypto.so.3), and without one the signature is zeros. It does not paginate (Query / Scan return one page with
// LastEvaluatedKey; loop with ExclusiveStartKey), does not retry throttling
// or UnprocessedItems / UnprocessedKeys (they are returned to the caller),
// and retries nothing except a keep-alive connection the server had closed.
#pragma once

#include "lowcloud/http_client.hpp"
#include "lowcloud/lambda.hpp"

#include <nlohmann/json.hpp>

#include <concepts>
#include <memory>
#include <optional>
#include <string>

namespace lowcloud::sdk {

using json = nlohmann::json;

// A DynamoDB error answer, or a failure to get one. Derives from Error, so
// one a handler does not catch becomes a function error whose errorType is
// the DynamoDB type (e.g. "ConditionalCheckFailedException").
//  - type(): the short error type, the part of `__type` after '#'
//    ("ResourceNotFoundException", "ValidationException", ...);
//    "NetworkingError" when the endpoint could not be reached (status 0);
//    "ConfigurationError" when no usable endpoint is configured (status 0);
//    "InvalidResponseError" when a 200 answer is not a JSON object.
//  - what(): the message (`message` or `Message` of the body).
//  - status(): the HTTP status, 0 when there was no answer.
//  - body(): the whole error body, for members such as Item
//    (ReturnValuesOnConditionCheckFailure) or CancellationReasons; null
//    when there was none, a JSON string when it was not JSON.
class DynamoDBError : public Error {
public:
    DynamoDBError(std::string type, const std::string& message, int status = 0, json body = nullptr)
        : Error(std::move(type), message), status_(status), body_(std::move(body)) {}
    int status() const { return status_; }
    const json& body() const { return body_; }

private:
    int status_;
    json body_;
};

// One client, one keep-alive connection. NOT thread-safe: use one DynamoDB
// object per thread. In a handler that means a `thread_local` client: with
// `isolation: process` each environment is its own process, but with
// `isolation: in-process` the environments of a function are threads of one
// process, and a plain function-local `static` client would be used by all
// of them at once.
//
// Every operation sends one request and either returns the parsed response
// object (an empty object when the body is empty) or throws DynamoDBError.
// `extra` is a JSON object of further request members (ConditionExpression,
// ExpressionAttributeNames, ExpressionAttributeValues, ReturnValues,
// ProjectionExpression, Limit, ExclusiveStartKey, ...); the members named by
// the arguments (TableName, Key, Item, RequestItems) take precedence over the
// same names in `extra`. A non-object `extra` throws std::invalid_argument; a
// request holding invalid UTF-8 throws nlohmann::json::type_error.
class DynamoDB {
public:
    // From the environment: endpoint AWS_ENDPOINT_URL_DYNAMODB, else
    // AWS_ENDPOINT_URL; region AWS_REGION, else AWS_DEFAULT_REGION, else
    // us-east-1; access key AWS_ACCESS_KEY_ID ("lowcloud" when unset) and
    // AWS_SESSION_TOKEN if set.
    // Throws DynamoDBError "ConfigurationError" when neither endpoint
    // variable is set, since real AWS would need TLS and SigV4.
    DynamoDB();
    // An explicit endpoint, "http://host:port" (or "host:port"); region and
    // credentials still come from the environment. Throws DynamoDBError
    // "ConfigurationError" for an https:// or otherwise unusable URL.
    explicit DynamoDB(const std::string& endpoint_url);
    ~DynamoDB();
    DynamoDB(DynamoDB&&) noexcept;
    DynamoDB& operator=(DynamoDB&&) noexcept;

    // The response: "Item" is present only when the key exists.
    json get_item(const std::string& table, const json& key, const json& extra = json::object());
    json put_item(const std::string& table, const json& item, const json& extra = json::object());
    // The update itself goes in `extra` (UpdateExpression, ...).
    json update_item(const std::string& table, const json& key, const json& extra = json::object());
    json delete_item(const std::string& table, const json& key, const json& extra = json::object());
    // KeyConditionExpression etc. go in `extra`. One page per call.
    json query(const std::string& table, const json& extra = json::object());
    json scan(const std::string& table, const json& extra = json::object());
    // `request_items` is the RequestItems map: table name → request.
    json batch_get_item(const json& request_items, const json& extra = json::object());
    json batch_write_item(const json& request_items, const json& extra = json::object());

    // Any operation by name ("TransactWriteItems", "DescribeTable", ...)
    // with a full request object.
    json call(const std::string& operation, const json& request);

    const std::string& endpoint_url() const { return endpoint_url_; }
    const std::string& region() const { return region_; }

private:
    std::string endpoint_url_;
    std::string region_;
    std::string access_key_;
    std::string secret_key_;
    std::string session_token_;
    std::string host_;  // the Host header the client sends, which is signed
    std::string path_;  // the endpoint's path ("/" or "/base/")
    std::unique_ptr<HttpClient> http_;
};

// ---- Helpers for building and reading DynamoDB JSON ---------------------------

// {"S": value}
json S(std::string value);
// {"N": value}; the string is sent as given (DynamoDB validates it).
json N(std::string value);
json N(const char* value);
template <std::integral T>
    requires(!std::same_as<T, bool>)
json N(T value) {
    return N(std::to_string(value));
}

// The string of an attribute of type S in an item ({"name": {"S": "x"}}), or
// nullopt when the item lacks it or it has another type.
std::optional<std::string> string_attribute(const json& item, const std::string& name);
// The digits of an attribute of type N (DynamoDB numbers are decimal strings
// of up to 38 digits; convert with std::stoll / std::stod as fits), or
// nullopt when the item lacks it or it has another type.
std::optional<std::string> number_attribute(const json& item, const std::string& name);

}  // namespace lowcloud::sdk
