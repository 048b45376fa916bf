// libFuzzer target over whole DynamoDB requests (issue #15): request decoding,
// validation and every operation, handled by an in-memory dynamodb::Service
// exactly as the HTTP server hands it requests. A finding is a crash, a
// sanitizer report, an exception out of Service::handle, any answer with
// status >= 500 (but DynamoDB's 500 for a body that does not decompress), an
// answer whose body is not JSON (but TagResource's and UntagResource's empty
// success), or whose x-amz-crc32 is wrong. After the
// requests, the TTL sweep runs over what they wrote.
//
// Input: one or more requests separated by a line "---" ("\n---\n"; a valid
// JSON body never contains it). Each request is one byte choosing the
// operation, (byte - 'a') modulo the 24 operations below, so 'a' is
// CreateTable, 'o' PutItem, 's' Query, 't' Scan..., followed by the JSON body.
// The same letter in upper case sends the body as "Content-Encoding: gzip"
// (the seeds gzip_* hold real gzip). Every request accepts gzip
// answers, which are decoded before they are checked.
// Every input starts from the tables and items of World, so item operations
// get past "table not found", and a finding reproduces from its file alone:
// the service is made afresh (about 7 ms under the sanitizers) only after an
// input in which a writing operation succeeded; a failed request, like a
// read, must leave the state as it was. LOWCLOUD_FUZZ_VERBOSE=1 prints each
// request's answer (replaying a reproducer or the seeds).
#include "common/compression.hpp"
#include "common/log.hpp"
#include "dynamodb/service.hpp"

#include <nlohmann/json.hpp>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>

namespace {

using namespace lowcloud;

constexpr const char* kOperations[] = {
    "CreateTable",                // a
    "DescribeTable",              // b
    "ListTables",                 // c
    "DeleteTable",                // d
    "UpdateTable",                // e
    "TagResource",                // f
    "UntagResource",              // g
    "ListTagsOfResource",         // h
    "DescribeTimeToLive",         // i
    "UpdateTimeToLive",           // j
    "DescribeLimits",             // k
    "DescribeEndpoints",          // l
    "DescribeContinuousBackups",  // m
    "UpdateContinuousBackups",    // n
    "PutItem",                    // o
    "GetItem",                    // p
    "UpdateItem",                 // q
    "DeleteItem",                 // r
    "Query",                      // s
    "Scan",                       // t
    "BatchGetItem",               // u
    "BatchWriteItem",             // v
    "TransactWriteItems",         // w
    "TransactGetItems",           // x
};
constexpr std::size_t kOperationCount = sizeof kOperations / sizeof kOperations[0];
constexpr std::size_t kMaxRequestsPerInput = 16;

http::Request request(std::string_view operation, std::string body, bool gzip = false) {
    http::Request r;
    r.method = "POST";
    r.target = "/";
    r.headers = {{"X-Amz-Target", "DynamoDB_20120810." + std::string(operation)},
                 {"Content-Type", "application/x-amz-json-1.0"},
                 {"Accept-Encoding", "gzip"}};
    if (gzip) r.headers.push_back({"Content-Encoding", "gzip"});
    r.body = std::move(body);
    return r;
}

[[noreturn]] void finding(std::string_view what, std::string_view operation, std::string_view body,
                          const http::Response& response) {
    std::fprintf(stderr, "\n==== FINDING: %.*s\n  operation: %.*s\n  request:   %.*s\n  status:    %d\n  answer:    %s\n",
                 static_cast<int>(what.size()), what.data(), static_cast<int>(operation.size()), operation.data(),
                 static_cast<int>(body.size()), body.data(), response.status, response.body.c_str());
    std::abort();
}

// One service with the tables every input starts from:
//  - "fuzz": pk (S) + sk (N), an LSI on lsk (S), a GSI on g (S) + gsk (N)
//    projecting INCLUDE, TTL on "ttl", a tag;
//  - "hash": id (S) alone, a KEYS_ONLY GSI on b (B);
// and a few items of every attribute type in each.
struct World {
    std::ostringstream log_sink;
    Logger logger{LogLevel::off, log_sink};
    dynamodb::Service service;

    World() : service(dynamodb::Options{.ttl_interval = std::chrono::milliseconds(0)}, logger) {
        setup("CreateTable", R"({"TableName":"fuzz","BillingMode":"PAY_PER_REQUEST",
            "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"},
              {"AttributeName":"lsk","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"},{"AttributeName":"gsk","AttributeType":"N"}],
            "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],
            "LocalSecondaryIndexes":[{"IndexName":"lsi","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"lsk","KeyType":"RANGE"}],
              "Projection":{"ProjectionType":"ALL"}}],
            "GlobalSecondaryIndexes":[{"IndexName":"gsi","KeySchema":[{"AttributeName":"g","KeyType":"HASH"},{"AttributeName":"gsk","KeyType":"RANGE"}],
              "Projection":{"ProjectionType":"INCLUDE","NonKeyAttributes":["n","l"]}}],
            "Tags":[{"Key":"team","Value":"fuzz"}]})");
        setup("UpdateTimeToLive", R"({"TableName":"fuzz","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"ttl"}})");
        setup("CreateTable", R"({"TableName":"hash","ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":5},
            "AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"},{"AttributeName":"b","AttributeType":"B"}],
            "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],
            "GlobalSecondaryIndexes":[{"IndexName":"by_b","KeySchema":[{"AttributeName":"b","KeyType":"HASH"}],
              "Projection":{"ProjectionType":"KEYS_ONLY"},"ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}]})");
        setup("BatchWriteItem", R"({"RequestItems":{
            "fuzz":[
              {"PutRequest":{"Item":{"pk":{"S":"a"},"sk":{"N":"1"},"lsk":{"S":"x"},"g":{"S":"g1"},"gsk":{"N":"10"},"n":{"N":"3.5"},
                "l":{"L":[{"S":"s"},{"N":"-1"},{"B":"AAE="},{"BOOL":true},{"NULL":true},{"M":{"k":{"SS":["a","b"]}}}]},
                "m":{"M":{"a":{"M":{"b":{"L":[{"N":"1"},{"N":"2"}]}}},"ns":{"NS":["1","2.5"]},"bs":{"BS":["AQ==","Ag=="]}}},
                "ttl":{"N":"4000000000"}}}},
              {"PutRequest":{"Item":{"pk":{"S":"a"},"sk":{"N":"2"},"lsk":{"S":"y"},"s":{"S":"hello"},"ss":{"SS":["x","y"]}}}},
              {"PutRequest":{"Item":{"pk":{"S":"a"},"sk":{"N":"-7.25"},"g":{"S":"g1"},"gsk":{"N":"1E+10"},"n":{"N":"0"}}}},
              {"PutRequest":{"Item":{"pk":{"S":"b"},"sk":{"N":"1"},"lsk":{"S":"x"},"g":{"S":"g2"},"gsk":{"N":"-1"},"t":{"BOOL":false}}}}],
            "hash":[
              {"PutRequest":{"Item":{"id":{"S":"1"},"b":{"B":"AAEC"},"n":{"N":"1"},"m":{"M":{}},"l":{"L":[]}}}},
              {"PutRequest":{"Item":{"id":{"S":"2"},"b":{"B":"AAEC"},"s":{"S":"two"}}}},
              {"PutRequest":{"Item":{"id":{"S":"3"},"ns":{"NS":["1","2","3"]}}}}]}})");
    }

    void setup(std::string_view operation, std::string body) {
        http::Response r = service.handle(request(operation, std::move(body)));
        if (r.status != 200) {
            std::fprintf(stderr, "fuzz_dynamodb_request: setup %.*s failed: %d %s\n", static_cast<int>(operation.size()),
                         operation.data(), r.status, r.body.c_str());
            std::abort();
        }
    }

    int run(std::string_view operation, std::string_view body, bool gzip) {
        http::Response r = service.handle(request(operation, std::string(body), gzip));
        const bool undecodable = gzip && r.status == 500 && r.body.find("could not be decoded") != std::string::npos;
        if (r.status >= 500 && !undecodable) finding("status >= 500", operation, body, r);
        uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(r.body.data()), static_cast<uInt>(r.body.size()));
        if (r.header("x-amz-crc32") != std::to_string(crc)) finding("wrong x-amz-crc32", operation, body, r);
        if (!r.header("Content-Encoding").empty()) {
            DecodedBody d = decode_content(r.body, r.header("Content-Encoding"), 64 * 1024 * 1024);
            if (d.status != DecodedBody::Status::ok) finding("answer does not decompress", operation, body, r);
            r.body = std::move(d.body);
        }
        // TagResource and UntagResource succeed with an empty body, as DynamoDB answers them.
        const bool empty_ok = r.status == 200 && r.body.empty() && (operation == "TagResource" || operation == "UntagResource");
        if (!empty_ok && !nlohmann::json::accept(r.body)) finding("answer is not JSON", operation, body, r);
        static const bool verbose = std::getenv("LOWCLOUD_FUZZ_VERBOSE") != nullptr;
        if (verbose)
            std::fprintf(stderr, "%.*s -> %d %.300s\n", static_cast<int>(operation.size()), operation.data(), r.status,
                         r.body.c_str());
        return r.status;
    }
};

bool reads_only(std::string_view operation) {
    for (std::string_view read : {"DescribeTable", "ListTables", "ListTagsOfResource", "DescribeTimeToLive", "DescribeLimits",
                                  "DescribeEndpoints", "DescribeContinuousBackups", "GetItem", "Query", "Scan",
                                  "BatchGetItem", "TransactGetItems"})
        if (operation == read) return true;
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    static std::unique_ptr<World> world;
    static bool changed = true;
    if (changed) {
        world.reset();
        world = std::make_unique<World>();
        changed = false;
    }
    constexpr std::string_view separator = "\n---\n";
    for (std::size_t n = 0; n < kMaxRequestsPerInput && !input.empty(); ++n) {
        std::size_t end = input.find(separator);
        std::string_view one = input.substr(0, end);
        input = end == std::string_view::npos ? std::string_view{} : input.substr(end + separator.size());
        if (one.empty()) continue;
        const bool gzip = one[0] >= 'A' && one[0] <= 'Z';
        const char letter = gzip ? static_cast<char>(one[0] - 'A' + 'a') : one[0];
        const char* operation = kOperations[static_cast<unsigned char>(letter - 'a') % kOperationCount];
        if (world->run(operation, one.substr(1), gzip) == 200 && !reads_only(operation)) changed = true;
    }
    // The TTL sweep over what the input wrote (the seeded item's ttl is later).
    if (changed) world->service.expire_items(3'000'000'000);
    return 0;
}
