// A small driver for the handlers' DynamoDB client (lowcloud/dynamodb.hpp),
// run by tests/integration/test_sdk_dynamodb_client.py against a live
// emulator. It prints one JSON object per line; a step that fails prints the
// DynamoDBError as {"step", "error": type, "status", "message", "body"}.
//
//   ddb_client_check scenario ENDPOINT TABLE
//       put / get / update / conditional put / delete / query / scan /
//       batch write / batch get on TABLE (key: pk S, sk S), plus the
//       client-side errors (unreachable endpoint, https endpoint).
//   ddb_client_check call ENDPOINT OPERATION REQUEST_JSON
//       one generic call; prints {"response": ...} or the error.
//
// ENDPOINT "-" means "from the environment" (the default constructor).
#include "lowcloud/dynamodb.hpp"

#include <functional>
#include <iostream>
#include <string>

using lowcloud::sdk::DynamoDB;
using lowcloud::sdk::DynamoDBError;
using lowcloud::sdk::json;
using lowcloud::sdk::N;
using lowcloud::sdk::S;

namespace {

json error_line(const DynamoDBError& e) {
    return {{"error", e.type()}, {"status", e.status()}, {"message", e.what()}, {"body", e.body()}};
}

void emit(const std::string& step, json fields) {
    fields["step"] = step;
    std::cout << fields.dump() << std::endl;
}

// Runs one step; its result fields, or the DynamoDBError it threw, become a line.
void step(const std::string& name, const std::function<json()>& body) {
    try {
        emit(name, body());
    } catch (const DynamoDBError& e) {
        emit(name, error_line(e));
    }
}

json optional_json(const std::optional<std::string>& value) { return value ? json(*value) : json(nullptr); }

DynamoDB make_client(const std::string& endpoint) { return endpoint == "-" ? DynamoDB() : DynamoDB(endpoint); }

json key(const std::string& pk, const std::string& sk) { return {{"pk", S(pk)}, {"sk", S(sk)}}; }

int scenario(const std::string& endpoint, const std::string& table) {
    DynamoDB db = make_client(endpoint);
    emit("client", {{"endpoint", db.endpoint_url()}, {"region", db.region()}});

    step("put", [&] {
        json item = key("watch#1", "meta");
        item["name"] = S("Seamaster");
        item["price"] = N(4200);
        return json{{"response", db.put_item(table, item)}};
    });
    step("get", [&] {
        json r = db.get_item(table, key("watch#1", "meta"), {{"ConsistentRead", true}});
        const json& item = r.contains("Item") ? r["Item"] : json::object();
        return json{{"found", r.contains("Item")},
                    {"name", optional_json(lowcloud::sdk::string_attribute(item, "name"))},
                    {"price", optional_json(lowcloud::sdk::number_attribute(item, "price"))},
                    {"name_as_number", optional_json(lowcloud::sdk::number_attribute(item, "name"))}};
    });
    step("get_missing", [&] { return json{{"found", db.get_item(table, key("watch#404", "meta")).contains("Item")}}; });
    step("update", [&] {
        json r = db.update_item(table, key("watch#1", "meta"),
                                {{"UpdateExpression", "SET price = price + :inc, #n = :name"},
                                 {"ExpressionAttributeNames", {{"#n", "name"}}},
                                 {"ExpressionAttributeValues", {{":inc", N(-200)}, {":name", S("Seamaster 300")}}},
                                 {"ReturnValues", "UPDATED_NEW"}});
        return json{{"attributes", r.value("Attributes", json::object())}};
    });
    step("conditional_put_existing", [&] {
        json item = key("watch#1", "meta");
        item["name"] = S("overwritten");
        db.put_item(table, item,
                    {{"ConditionExpression", "attribute_not_exists(pk)"}, {"ReturnValuesOnConditionCheckFailure", "ALL_OLD"}});
        return json{{"error", nullptr}};
    });
    step("conditional_put_new", [&] {
        json item = key("watch#2", "meta");
        item["name"] = S("Speedmaster");
        return json{{"response", db.put_item(table, item, {{"ConditionExpression", "attribute_not_exists(pk)"}})}};
    });
    step("missing_table", [&] { return json{{"response", db.get_item(table + "-missing", key("a", "b"))}}; });
    step("bad_key", [&] { return json{{"response", db.get_item(table, {{"pk", S("only-hash")}})}}; });
    step("delete", [&] {
        json r = db.delete_item(table, key("watch#2", "meta"), {{"ReturnValues", "ALL_OLD"}});
        return json{{"old_name", optional_json(lowcloud::sdk::string_attribute(r.value("Attributes", json::object()), "name"))}};
    });
    step("seed", [&] {
        for (int i = 1; i <= 3; ++i) db.put_item(table, key("watch#1", "log#" + std::to_string(i)));
        return json::object();
    });
    step("query", [&] {
        json r = db.query(table, {{"KeyConditionExpression", "pk = :pk AND begins_with(sk, :prefix)"},
                                  {"ExpressionAttributeValues", {{":pk", S("watch#1")}, {":prefix", S("log#")}}},
                                  {"ScanIndexForward", false}});
        json sks = json::array();
        for (const auto& item : r.value("Items", json::array())) sks.push_back(optional_json(lowcloud::sdk::string_attribute(item, "sk")));
        return json{{"count", r.value("Count", -1)}, {"sks", sks}};
    });
    step("scan", [&] {
        json r = db.scan(table, {{"FilterExpression", "begins_with(sk, :prefix)"},
                                 {"ExpressionAttributeValues", {{":prefix", S("log#")}}}});
        return json{{"count", r.value("Count", -1)}, {"scanned", r.value("ScannedCount", -1)}};
    });
    step("batch_write", [&] {
        json writes = json::array();
        for (int i = 1; i <= 3; ++i) {
            json item = key("batch#" + std::to_string(i), "meta");
            item["n"] = N(i);
            writes.push_back({{"PutRequest", {{"Item", item}}}});
        }
        writes.push_back({{"DeleteRequest", {{"Key", key("watch#1", "log#3")}}}});
        json r = db.batch_write_item({{table, writes}});
        return json{{"unprocessed", r.value("UnprocessedItems", json::object())}};
    });
    step("batch_get", [&] {
        json keys = json::array();
        for (int i = 1; i <= 4; ++i) keys.push_back(key("batch#" + std::to_string(i), "meta"));
        json r = db.batch_get_item({{table, {{"Keys", keys}, {"ConsistentRead", true}}}});
        json ns = json::array();
        for (const auto& item : r.value("Responses", json::object()).value(table, json::array()))
            ns.push_back(optional_json(lowcloud::sdk::number_attribute(item, "n")));
        return json{{"ns", ns}, {"unprocessed", r.value("UnprocessedKeys", json::object())}};
    });
    step("unreachable", [&] { return json{{"response", DynamoDB("http://127.0.0.1:1").get_item(table, key("a", "b"))}}; });
    step("https_endpoint", [&] {
        DynamoDB("https://dynamodb.us-east-1.amazonaws.com");
        return json{{"error", nullptr}};
    });
    return 0;
}

int single_call(const std::string& endpoint, const std::string& operation, const std::string& request) {
    step("call", [&] {
        DynamoDB db = make_client(endpoint);
        return json{{"endpoint", db.endpoint_url()}, {"region", db.region()}, {"response", db.call(operation, json::parse(request))}};
    });
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "scenario" && argc == 4) return scenario(argv[2], argv[3]);
    if (mode == "call" && argc == 5) return single_call(argv[2], argv[3], argv[4]);
    std::cerr << "usage: ddb_client_check scenario ENDPOINT TABLE\n"
                 "       ddb_client_check call ENDPOINT OPERATION REQUEST_JSON\n"
                 "ENDPOINT \"-\" reads AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL\n";
    return 2;
}
