// Lambda handlers of the Watches Info Service v2 (API Gateway REST proxy
// events, payload 1.0):
//   get_watch   GET  /watch/{sku} -> 200 Watch JSON with Cache-Control,
//                                    404 {"message": "Watch not found"}
//   post_watch  POST /watch       -> 200 the stored Watch; 400 naming the
//                                    field, or when the SKU already exists
//                                    (a conditional put: of two racing POSTs
//                                    exactly one wins); nothing is written
//                                    on any 400.
// The table is $TABLE (default project1), reached through the DynamoDB
// endpoint Lambda's environment gives (AWS_ENDPOINT_URL_DYNAMODB).
//
// Threading: one DynamoDB client per thread (thread_local), so the handlers
// also work with in-process isolation, where environments share globals.
#include "watch_model.hpp"

#include <lowcloud/dynamodb.hpp>
#include <lowcloud/lambda.hpp>

#include <cstdlib>
#include <string>

namespace {

using nlohmann::json;
using lowcloud::sdk::Context;
using lowcloud::sdk::DynamoDB;
using lowcloud::sdk::DynamoDBError;

// Watches change rarely; clients and CDNs may keep a GET for five minutes.
constexpr const char* kCacheControl = "public, max-age=300";

std::string table_name() {
    const char* t = std::getenv("TABLE");
    return t && *t ? t : "project1";
}

DynamoDB& dynamodb() {
    thread_local DynamoDB client;
    return client;
}

json respond(int status, const json& body, json headers = json::object()) {
    headers["Content-Type"] = "application/json";
    return {{"statusCode", status}, {"headers", headers}, {"body", body.dump(-1, ' ', false, json::error_handler_t::replace)}, {"isBase64Encoded", false}};
}

json message(int status, const std::string& text) { return respond(status, {{"message", text}}); }

json handle_get(const json& event, Context& ctx) {
    const json& params = event.value("pathParameters", json());
    if (!params.is_object() || !params.contains("sku") || !params["sku"].is_string()) return message(400, "missing path parameter 'sku'");
    std::string sku = params["sku"];
    try {
        json got = dynamodb().get_item(table_name(), {{"sku", lowcloud::sdk::S(sku)}});
        if (!got.contains("Item")) return message(404, "Watch not found");
        return respond(200, watches::watch_from_item(got["Item"]), {{"Cache-Control", kCacheControl}});
    } catch (const DynamoDBError& e) {
        ctx.log("GetItem " + sku + " failed: " + e.type() + ": " + e.what());
        return message(500, "Internal server error");
    }
}

json handle_post(const json& event, Context& ctx) {
    if (event.value("isBase64Encoded", false)) return message(400, "Invalid request body: expected a JSON document");
    const json& raw = event.value("body", json());
    if (!raw.is_string()) return message(400, "Invalid request body: a Watch is required");
    json body = json::parse(raw.get<std::string>(), nullptr, false);
    if (body.is_discarded()) return message(400, "Invalid request body: not valid JSON");
    auto checked = watches::validate_watch(body);
    if (auto* problem = std::get_if<std::string>(&checked)) return message(400, "Invalid request body: " + *problem);
    const auto& watch = std::get<watches::ValidWatch>(checked);
    std::string sku = watch.watch["sku"];
    try {
        dynamodb().put_item(table_name(), watch.item, {{"ConditionExpression", "attribute_not_exists(sku)"}});
    } catch (const DynamoDBError& e) {
        if (e.type() == "ConditionalCheckFailedException") return message(400, "Watch " + sku + " already exists");
        if (e.type() == "ValidationException") return message(400, "Invalid request body: " + std::string(e.what()));
        ctx.log("PutItem " + sku + " failed: " + e.type() + ": " + e.what());
        return message(500, "Internal server error");
    }
    ctx.log("created watch " + sku);
    return respond(200, watch.watch);
}

}  // namespace

LOWCLOUD_HANDLER(get_watch, handle_get)
LOWCLOUD_HANDLER(post_watch, handle_post)
