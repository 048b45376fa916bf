// The handlers' DynamoDB client (see lowcloud/dynamodb.hpp): builds AWS JSON
// 1.0 requests signed with SigV4 (signing.hpp), sends them over one
// keep-alive HttpClient (or through host->send, without a socket, when the
// handler runs in-process in the emulator it calls) and turns error answers
// into DynamoDBError with the short `__type`, the message, the status and
// the body.
#include "lowcloud/dynamodb.hpp"

#include "current_call.hpp"
#include "json/json_parse.hpp"
#include "signing.hpp"

#include <cstdlib>
#include <ctime>
#include <stdexcept>
#include <string_view>

namespace lowcloud::sdk {

namespace {

constexpr std::string_view kTargetPrefix = "DynamoDB_20120810.";
constexpr std::string_view kContentType = "application/x-amz-json-1.0";
constexpr std::string_view kUserAgent = "lowcloud-sdk-cpp/0.1";

std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value ? value : "";
}

std::string first_env(std::initializer_list<const char*> names) {
    for (const char* name : names)
        if (auto value = env(name); !value.empty()) return value;
    return {};
}

DynamoDBError configuration_error(const std::string& message) { return DynamoDBError("ConfigurationError", message); }

// Checks the scheme and parses; "http://host:port", "host:port" and a base
// path are accepted, anything needing TLS is not.
Endpoint parse_endpoint(const std::string& url) {
    if (url.empty())
        throw configuration_error(
            "no DynamoDB endpoint configured: set AWS_ENDPOINT_URL_DYNAMODB or AWS_ENDPOINT_URL to the emulator "
            "(this client speaks plain HTTP without SigV4 signing and cannot reach real AWS)");
    auto scheme_end = url.find("://");
    if (scheme_end != std::string::npos && url.compare(0, scheme_end + 3, "http://") != 0)
        throw configuration_error("unsupported DynamoDB endpoint " + url +
                                  ": only http:// endpoints are supported (no TLS)");
    try {
        return Endpoint::parse(url);
    } catch (const std::exception& e) {
        throw configuration_error(std::string("invalid DynamoDB endpoint: ") + e.what());
    }
}

// "20240102T030405Z"
std::string amz_date() {
    std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &utc);
    return buffer;
}

// The request members of `extra` plus `fixed`, which win.
json merged(const json& extra, json fixed) {
    if (!extra.is_object()) throw std::invalid_argument("DynamoDB request extras must be a JSON object, got " + extra.dump());
    json request = extra;
    for (auto& [name, value] : fixed.items()) request[name] = std::move(value);
    return request;
}

std::string short_type(std::string_view type) {
    if (auto hash = type.rfind('#'); hash != std::string_view::npos) type.remove_prefix(hash + 1);
    return std::string(type);
}

DynamoDBError error_from(const HttpResponse& response) {
    json body = response.body.empty() ? json(nullptr) : json::parse(response.body, nullptr, false);
    if (body.is_discarded()) body = response.body;  // not JSON: keep the text

    std::string type;
    if (body.is_object() && body.contains("__type") && body["__type"].is_string())
        type = short_type(body["__type"].get<std::string>());
    if (type.empty()) {
        // x-amzn-ErrorType: "Type:http://internal.amazon.com/..." in AWS.
        std::string header = response.header("x-amzn-ErrorType");
        type = short_type(header.substr(0, header.find(':')));
    }
    if (type.empty()) type = "UnknownError";

    std::string message;
    if (body.is_object()) {
        for (const char* member : {"message", "Message"})
            if (body.contains(member) && body[member].is_string()) {
                message = body[member].get<std::string>();
                break;
            }
    } else if (body.is_string()) {
        message = body.get<std::string>().substr(0, 512);
    }
    if (message.empty()) message = "DynamoDB answered HTTP " + std::to_string(response.status);
    return DynamoDBError(std::move(type), message, response.status, std::move(body));
}

// Through host->send when the handler runs inside the emulator it calls
// (in-process isolation): no socket, same answer. False when the host
// cannot take it; the caller then uses the network.
// `endpoint` is "host:port", also sent as the Host header (as the network
// client does).
bool send_through_host(const std::string& endpoint, const std::string& target, const Headers& headers, const std::string& body,
                       HttpResponse& out) {
    const detail::CurrentCall& call = detail::current_call();
    if (!detail::host_can_send(call.host)) return false;
    std::vector<lowcloud_header> wire;
    wire.reserve(headers.size() + 1);
    wire.push_back({"Host", 4, endpoint.data(), endpoint.size()});
    for (const auto& [name, value] : headers) wire.push_back({name.data(), name.size(), value.data(), value.size()});
    lowcloud_http_request request{sizeof(lowcloud_http_request), endpoint.c_str(), "POST", target.c_str(), wire.data(), wire.size(),
                                  body.data(), body.size()};
    auto on_response = [](void* context, int status, const lowcloud_header* hs, std::size_t count, const char* data, std::size_t size) {
        auto& response = *static_cast<HttpResponse*>(context);
        response.status = status;
        for (std::size_t i = 0; i < count; ++i)
            response.headers.emplace_back(std::string(hs[i].name, hs[i].name_size), std::string(hs[i].value, hs[i].value_size));
        response.body.assign(data ? data : "", data ? size : 0);
    };
    return call.host->send(call.result, &request, on_response, &out) == 0;
}

}  // namespace

// ---- DynamoDB -------------------------------------------------------------------

DynamoDB::DynamoDB() : DynamoDB(first_env({"AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL"})) {}

DynamoDB::DynamoDB(const std::string& endpoint_url)
    : endpoint_url_(endpoint_url),
      region_(first_env({"AWS_REGION", "AWS_DEFAULT_REGION"})),
      access_key_(env("AWS_ACCESS_KEY_ID")),
      secret_key_(env("AWS_SECRET_ACCESS_KEY")),
      session_token_(env("AWS_SESSION_TOKEN")) {
    Endpoint endpoint = parse_endpoint(endpoint_url);
    host_ = endpoint.host + ":" + endpoint.port;
    path_ = endpoint.base_path + "/";
    http_ = std::make_unique<HttpClient>(std::move(endpoint));
    if (region_.empty()) region_ = "us-east-1";
    if (access_key_.empty()) access_key_ = "lowcloud";
}

DynamoDB::~DynamoDB() = default;
DynamoDB::DynamoDB(DynamoDB&&) noexcept = default;
DynamoDB& DynamoDB::operator=(DynamoDB&&) noexcept = default;

json DynamoDB::call(const std::string& operation, const json& request) {
    if (!http_) throw std::logic_error("DynamoDB client used after being moved from");
    const std::string body = request.dump();  // throws json::type_error on invalid UTF-8
    const std::string date = amz_date();
    // Signed as AWS SDKs sign (signing.hpp): these headers, Host and the body.
    Headers signed_headers = {
        {"Content-Type", std::string(kContentType)},
        {"Host", host_},
        {"X-Amz-Date", date},
        {"X-Amz-Target", std::string(kTargetPrefix) + operation},
    };
    if (!session_token_.empty()) signed_headers.emplace_back("X-Amz-Security-Token", session_token_);
    Headers headers;
    for (const auto& h : signed_headers)
        if (h.first != "Host") headers.push_back(h);  // the HTTP client sends Host itself
    headers.emplace_back("User-Agent", std::string(kUserAgent));
    headers.emplace_back("Accept-Encoding", "identity");
    headers.emplace_back("Authorization", signing::authorization("POST", path_, signed_headers, body,
                                                                 {access_key_, secret_key_, session_token_}, region_, "dynamodb", date));

    HttpResponse response;
    if (!send_through_host(host_, path_, headers, body, response)) {
        try {
            response = http_->request("POST", "/", headers, body);
        } catch (const std::exception& e) {
            throw DynamoDBError("NetworkingError", std::string(e.what()));
        }
    }
    if (response.status != 200) throw error_from(response);
    if (response.body.empty()) return json::object();
    json parsed = jsonparse::parse_or_discarded(response.body);
    if (parsed.is_discarded() || !parsed.is_object())
        throw DynamoDBError("InvalidResponseError", "DynamoDB " + operation + " answered 200 with a body that is not a JSON object",
                            response.status, parsed.is_discarded() ? json(response.body) : parsed);
    return parsed;
}

json DynamoDB::get_item(const std::string& table, const json& key, const json& extra) {
    return call("GetItem", merged(extra, {{"TableName", table}, {"Key", key}}));
}

json DynamoDB::put_item(const std::string& table, const json& item, const json& extra) {
    return call("PutItem", merged(extra, {{"TableName", table}, {"Item", item}}));
}

json DynamoDB::update_item(const std::string& table, const json& key, const json& extra) {
    return call("UpdateItem", merged(extra, {{"TableName", table}, {"Key", key}}));
}

json DynamoDB::delete_item(const std::string& table, const json& key, const json& extra) {
    return call("DeleteItem", merged(extra, {{"TableName", table}, {"Key", key}}));
}

json DynamoDB::query(const std::string& table, const json& extra) {
    return call("Query", merged(extra, {{"TableName", table}}));
}

json DynamoDB::scan(const std::string& table, const json& extra) {
    return call("Scan", merged(extra, {{"TableName", table}}));
}

json DynamoDB::batch_get_item(const json& request_items, const json& extra) {
    return call("BatchGetItem", merged(extra, {{"RequestItems", request_items}}));
}

json DynamoDB::batch_write_item(const json& request_items, const json& extra) {
    return call("BatchWriteItem", merged(extra, {{"RequestItems", request_items}}));
}

// ---- Helpers ----------------------------------------------------------------------

json S(std::string value) { return {{"S", std::move(value)}}; }
json N(std::string value) { return {{"N", std::move(value)}}; }
json N(const char* value) { return N(std::string(value)); }

namespace {
std::optional<std::string> typed_attribute(const json& item, const std::string& name, const char* type) {
    if (!item.is_object()) return std::nullopt;
    auto attribute = item.find(name);
    if (attribute == item.end() || !attribute->is_object()) return std::nullopt;
    auto value = attribute->find(type);
    if (value == attribute->end() || !value->is_string()) return std::nullopt;
    return value->get<std::string>();
}
}  // namespace

std::optional<std::string> string_attribute(const json& item, const std::string& name) { return typed_attribute(item, name, "S"); }
std::optional<std::string> number_attribute(const json& item, const std::string& name) { return typed_attribute(item, name, "N"); }

}  // namespace lowcloud::sdk
