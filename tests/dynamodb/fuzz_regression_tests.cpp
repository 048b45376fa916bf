// Regression tests for what the fuzzers (tests/fuzz, tools/fuzz.sh) and the
// robustness work around them found: one named case per finding, replayed
// through dynamodb::Service::handle as the fuzz target does, starting from
// the same kind of table. Each reproducer is also in the fuzz seed corpus
// (tests/fuzz/corpus/<target>/regression_<name>), so the fuzzers keep
// exploring around it.
#include "dynamodb/service.hpp"

#include <catch2/catch.hpp>

#include <sstream>

using namespace lowcloud;
using nlohmann::json;

namespace {

http::Response call(dynamodb::Service& service, const std::string& op, const std::string& body) {
    http::Request r;
    r.method = "POST";
    r.target = "/";
    r.headers = {{"X-Amz-Target", "DynamoDB_20120810." + op}, {"Content-Type", "application/x-amz-json-1.0"}};
    r.body = body;
    return service.handle(r);
}

}  // namespace

TEST_CASE("fuzz findings: each answers as DynamoDB does, never 5xx", "[service][fuzz]") {
    struct Case {
        const char* name;  // the finding, as in the corpus file regression_<name>
        std::string op;
        std::string body;
        int status;
        std::string type;     // expected __type
        std::string message;  // expected message (Message for Coral's serialization errors)
    };
    const std::string serialization = "com.amazon.coral.service#SerializationException";
    const std::vector<Case> cases = {
        // opt_int read an integer beyond a Long as a wrapped negative:
        // "Value '-1' at 'limit' failed to satisfy constraint...".
        {"limit_beyond_long", "Scan", R"({"TableName":"fuzz","Limit":18446744073709551615})", 400, serialization,
         "NUMBER_VALUE cannot be converted to Long"},
        {"segment_beyond_long", "Scan", R"({"TableName":"fuzz","Segment":9223372036854775808,"TotalSegments":2})", 400,
         serialization, "NUMBER_VALUE cannot be converted to Long"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            std::ostringstream log_stream;
            Logger logger{LogLevel::off, log_stream};
            dynamodb::Service service{{}, logger};
            auto created = call(service, "CreateTable", R"({"TableName":"fuzz","BillingMode":"PAY_PER_REQUEST",
                "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],
                "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}]})");
            REQUIRE(created.status == 200);
            auto r = call(service, c.op, c.body);
            INFO(r.body);
            CHECK(r.status == c.status);
            json body = json::parse(r.body);
            CHECK(body["__type"] == c.type);
            CHECK(body.value(body.contains("Message") ? "Message" : "message", "") == c.message);
        }
    }
}
