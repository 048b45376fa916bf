// The DynamoDB service's handler called directly with HTTP request values
// (no socket): protocol behaviour and one request of each kind end to end.
#include "dynamodb/service.hpp"
#include "storage_test_util.hpp"

#include <catch2/catch.hpp>
#include <zlib.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

using namespace lowcloud;
using nlohmann::json;

namespace {
struct Fixture {
    Fixture() = default;
    explicit Fixture(dynamodb::Options o) : service(std::move(o), logger) {}

    std::ostringstream log_stream;
    Logger logger{LogLevel::off, log_stream};
    dynamodb::Service service{{}, logger};

    http::Response call(const std::string& op, const std::string& body) {
        http::Request r;
        r.method = "POST";
        r.target = "/";
        r.headers = {{"X-Amz-Target", "DynamoDB_20120810." + op}, {"Content-Type", "application/x-amz-json-1.0"}};
        r.body = body;
        return service.handle(r);
    }
    json ok(const std::string& op, const json& body) {
        auto r = call(op, body.dump());
        INFO(r.body);
        REQUIRE(r.status == 200);
        return json::parse(r.body);
    }
    json error(const std::string& op, const std::string& body) {
        auto r = call(op, body);
        REQUIRE(r.status == 400);
        return json::parse(r.body);
    }
    // Creates an on-demand table `name` keyed by the string attribute id.
    void create_id_table(const std::string& name) {
        ok("CreateTable", {{"TableName", name},
                           {"KeySchema", {{{"AttributeName", "id"}, {"KeyType", "HASH"}}}},
                           {"AttributeDefinitions", {{{"AttributeName", "id"}, {"AttributeType", "S"}}}},
                           {"BillingMode", "PAY_PER_REQUEST"}});
    }
};
}  // namespace

TEST_CASE("service: GET / is the health text", "[service]") {
    Fixture f;
    http::Request r;
    r.method = "GET";
    r.target = "/";
    auto res = f.service.handle(r);
    CHECK(res.status == 200);
    CHECK(res.body == "healthy: dynamodb.us-east-1.amazonaws.com ");
}

TEST_CASE("service: every response has a request id and a correct crc32", "[service]") {
    Fixture f;
    for (const auto& res : {f.call("ListTables", "{}"), f.call("DescribeTable", R"({"TableName":"missing"})")}) {
        CHECK(res.header("x-amzn-RequestId").size() == 52);
        auto crc = crc32(0L, reinterpret_cast<const Bytef*>(res.body.data()), static_cast<uInt>(res.body.size()));
        CHECK(res.header("x-amz-crc32") == std::to_string(crc));
        CHECK(res.header("Content-Type") == "application/x-amz-json-1.0");
    }
}

TEST_CASE("service: protocol errors", "[service]") {
    Fixture f;
    struct Case {
        const char* name;
        std::string op;
        std::string body;
        std::string type;
        std::string message_key;
    };
    const std::vector<Case> cases = {
        {"malformed_json", "ListTables", "{nope", "com.amazon.coral.service#SerializationException", "Message"},
        {"body_not_an_object", "ListTables", "[1]", "com.amazon.coral.service#SerializationException", "Message"},
        {"unknown_operation", "Frobnicate", "{}", "com.amazon.coral.service#UnknownOperationException", "message"},
        {"missing_table", "DescribeTable", R"({"TableName":"missing"})", "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", "message"},
        {"invalid_table_name", "DescribeTable", R"({"TableName":"a"})", "com.amazon.coral.validate#ValidationException", "message"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            json e = f.error(c.op, c.body);
            CHECK(e["__type"] == c.type);
            CHECK(e.contains(c.message_key));
        }
    }
}

TEST_CASE("service: a table and an item round trip", "[service]") {
    Fixture f;
    f.ok("CreateTable", {{"TableName", "tbl"},
                         {"AttributeDefinitions", {{{"AttributeName", "id"}, {"AttributeType", "S"}}}},
                         {"KeySchema", {{{"AttributeName", "id"}, {"KeyType", "HASH"}}}},
                         {"BillingMode", "PAY_PER_REQUEST"}});
    f.ok("PutItem", {{"TableName", "tbl"}, {"Item", {{"id", {{"S", "a"}}}, {"n", {{"N", "1.50"}}}}}});
    json got = f.ok("GetItem", {{"TableName", "tbl"}, {"Key", {{"id", {{"S", "a"}}}}}});
    CHECK(got["Item"]["n"]["N"] == "1.5");
    json described = f.ok("DescribeTable", {{"TableName", "tbl"}});
    CHECK(described["Table"]["ItemCount"] == 1);
    CHECK(described["Table"]["TableStatus"] == "ACTIVE");
    CHECK(described["Table"]["TableArn"] == "arn:aws:dynamodb:us-east-1:000000000000:table/tbl");
}

// Query and Scan splice stored items into their answer as text (no decoding):
// every output form must still answer what the items' values say.
TEST_CASE("service: Query and Scan answer stored items in every output form", "[service]") {
    Fixture f;
    f.ok("CreateTable", json::parse(R"({"TableName":"tbl","BillingMode":"PAY_PER_REQUEST",
        "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"},
                                {"AttributeName":"g","AttributeType":"S"},{"AttributeName":"n","AttributeType":"N"}],
        "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],
        "GlobalSecondaryIndexes":[{"IndexName":"by_g","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],
                                   "Projection":{"ProjectionType":"KEYS_ONLY"}},
                                  {"IndexName":"all_g","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],
                                   "Projection":{"ProjectionType":"ALL"}}],
        "LocalSecondaryIndexes":[{"IndexName":"by_n","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"n","KeyType":"RANGE"}],
                                  "Projection":{"ProjectionType":"KEYS_ONLY"}}]})"));
    // Every type, with a number and a string that come back normalized/escaped.
    const json first = json::parse(R"({"pk":{"S":"p"},"sk":{"N":"1"},"g":{"S":"x"},"s":{"S":"q\"uote\u00e9\n"},
        "n":{"N":"01.50"},"b":{"B":"AAEC"},"t":{"BOOL":true},"z":{"NULL":true},"ss":{"SS":["b","a"]},
        "ns":{"NS":["2","1"]},"bs":{"BS":["AQ=="]},"l":{"L":[{"S":"x"},{"N":"3"}]},"m":{"M":{"k":{"S":"v"}}}})");
    f.ok("PutItem", {{"TableName", "tbl"}, {"Item", first}});
    f.ok("PutItem", {{"TableName", "tbl"}, {"Item", {{"pk", {{"S", "p"}}}, {"sk", {{"N", "2"}}}, {"g", {{"S", "x"}}}}}});
    auto query = [&](json extra) {
        json body = {{"TableName", "tbl"}, {"KeyConditionExpression", "pk = :p"}, {"ExpressionAttributeValues", {{":p", {{"S", "p"}}}}}};
        body.update(extra);
        return f.ok("Query", body);
    };

    json all = query(json::object());
    REQUIRE(all["Items"].size() == 2);
    CHECK(all["Items"][0] == f.ok("GetItem", {{"TableName", "tbl"}, {"Key", {{"pk", {{"S", "p"}}}, {"sk", {{"N", "1"}}}}}})["Item"]);
    CHECK(all["Items"][0]["s"] == first["s"]);
    CHECK(all["Items"][0]["n"]["N"] == "1.5");
    CHECK(all["Items"][0]["m"] == first["m"]);
    CHECK(all["Items"][0]["l"] == first["l"]);
    CHECK(all["Items"][0]["ss"]["SS"].size() == 2);
    CHECK(all["Items"][0]["bs"] == first["bs"]);
    CHECK(all["Items"][0]["z"] == first["z"]);
    CHECK(all["Count"] == 2);
    CHECK(all["ScannedCount"] == 2);
    CHECK_FALSE(all.contains("LastEvaluatedKey"));

    json page = query({{"Limit", 1}, {"ReturnConsumedCapacity", "TOTAL"}});
    CHECK(page["Items"].size() == 1);
    CHECK(page["LastEvaluatedKey"] == json::parse(R"({"pk":{"S":"p"},"sk":{"N":"1"}})"));
    CHECK(page["ConsumedCapacity"]["TableName"] == "tbl");

    json count = query({{"Select", "COUNT"}});
    CHECK_FALSE(count.contains("Items"));
    CHECK(count["Count"] == 2);

    json projected = query({{"ProjectionExpression", "m.k, sk"}});
    CHECK(projected["Items"][0] == json::parse(R"({"m":{"M":{"k":{"S":"v"}}},"sk":{"N":"1"}})"));

    json filtered = query({{"FilterExpression", "attribute_exists(m)"}});
    CHECK(filtered["Count"] == 1);
    CHECK(filtered["ScannedCount"] == 2);
    CHECK(filtered["Items"][0]["b"] == first["b"]);

    json none = query({{"FilterExpression", "attribute_exists(nothing)"}});
    CHECK(none["Items"] == json::array());

    json index = f.ok("Query", {{"TableName", "tbl"}, {"IndexName", "by_g"}, {"KeyConditionExpression", "g = :g"},
                                {"ExpressionAttributeValues", {{":g", {{"S", "x"}}}}}, {"Limit", 1}});
    CHECK(index["Items"][0] == json::parse(R"({"pk":{"S":"p"},"sk":{"N":"1"},"g":{"S":"x"}})"));
    CHECK(index["LastEvaluatedKey"] == json::parse(R"({"pk":{"S":"p"},"sk":{"N":"1"},"g":{"S":"x"}})"));

    json scan = f.ok("Scan", {{"TableName", "tbl"}});
    CHECK(scan["Items"] == all["Items"]);
    json empty = f.ok("Scan", {{"TableName", "tbl"}, {"Limit", 1}, {"ExclusiveStartKey", page["LastEvaluatedKey"]},
                               {"FilterExpression", "attribute_exists(m)"}});
    CHECK(empty["Items"] == json::array());
    CHECK(empty["ScannedCount"] == 1);

    // An index that projects ALL answers the stored items themselves.
    json whole = f.ok("Query", {{"TableName", "tbl"}, {"IndexName", "all_g"}, {"KeyConditionExpression", "g = :g"},
                                {"ExpressionAttributeValues", {{":g", {{"S", "x"}}}}}});
    CHECK(whole["Items"] == all["Items"]);
    // A local index: its own keys, or the table's item fetched (and paid for) for ALL_ATTRIBUTES.
    json lsi = {{"TableName", "tbl"}, {"IndexName", "by_n"}, {"KeyConditionExpression", "pk = :p"},
                {"ExpressionAttributeValues", {{":p", {{"S", "p"}}}}}, {"ReturnConsumedCapacity", "INDEXES"}};
    json keys_only = f.ok("Query", lsi);
    CHECK(keys_only["Items"] == json::parse(R"([{"pk":{"S":"p"},"sk":{"N":"1"},"n":{"N":"1.5"}}])"));
    CHECK(keys_only["ConsumedCapacity"]["Table"]["CapacityUnits"] == 0.0);
    lsi["Select"] = "ALL_ATTRIBUTES";
    json fetched = f.ok("Query", lsi);
    CHECK(fetched["Items"] == json::array({all["Items"][0]}));
    CHECK(fetched["ConsumedCapacity"]["Table"]["CapacityUnits"] == 0.5);
    CHECK(fetched["ConsumedCapacity"]["LocalSecondaryIndexes"]["by_n"]["CapacityUnits"] == 0.5);
    json index_scan = f.ok("Scan", {{"TableName", "tbl"}, {"IndexName", "by_g"}});
    CHECK(index_scan["Items"].size() == 2);
    CHECK(index_scan["Items"][1] == json::parse(R"({"pk":{"S":"p"},"sk":{"N":"2"},"g":{"S":"x"}})"));

    // The request is read before the table is looked up, as before: a bad
    // member of a request for a missing table is the validation error.
    const json key_condition = {{"KeyConditionExpression", "pk = :p"}, {"ExpressionAttributeValues", {{":p", {{"S", "p"}}}}}};
    for (const std::string op : {"Query", "Scan"}) {
        json body = {{"TableName", "missing"}};
        if (op == "Query") body.update(key_condition);
        json missing = f.error(op, body.dump());
        CHECK(missing["__type"] == "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException");
        body["Limit"] = 0;
        json bad = f.error(op, body.dump());
        CHECK(bad["__type"] == "com.amazon.coral.validate#ValidationException");
    }
}

// The WAL's header counts its restarts (the checkpoint sequence number,
// bytes 12-15, big-endian): SQLite increments it each time the WAL starts over.
static std::uint32_t wal_restarts(const std::filesystem::path& wal) {
    std::ifstream in(wal, std::ios::binary);
    unsigned char h[16] = {};
    if (!in.read(reinterpret_cast<char*>(h), sizeof h)) return 0;
    return (std::uint32_t{h[12]} << 24) | (std::uint32_t{h[13]} << 16) | (std::uint32_t{h[14]} << 8) | h[15];
}

TEST_CASE("service: the WAL starts over past restart_frames and not at every checkpoint", "[service]") {
    const auto dir = dynamodb::testing::temp_dir("service", "wal-restart");
    // Writes 12,000 items in a write storm (a batch is always open, as
    // SQLite needs none to start the WAL over after a complete copy), the
    // background thread committing every 20 ms and copying meanwhile;
    // returns how many times the WAL started over and the largest size its
    // file reached.
    struct Outcome {
        std::uint32_t restarts = 0;
        std::uintmax_t wal_bytes = 0;
    };
    auto storm = [&](int restart_frames) {
        dynamodb::Options o;
        o.data_dir = dir / std::to_string(restart_frames);
        std::filesystem::create_directories(*o.data_dir);
        o.ttl_interval = std::chrono::milliseconds(0);
        o.checkpoint_frames = 20;
        o.restart_frames = restart_frames;
        Fixture f(o);
        f.create_id_table("storm");
        const auto wal = *o.data_dir / "dynamodb.sqlite3-wal";
        const std::uint32_t before = wal_restarts(wal);  // creating the table may have started it over already
        const std::string filler(600, 'x');
        // Puts that ask for their consumed capacity are applied on the
        // request path, not deferred (storage.hpp): blind puts would end the
        // loop ahead of the background thread's commits, whose number, and
        // with it the restarts counted, would depend on the machine's load.
        for (int written = 0; written < 12000; ++written)
            f.ok("PutItem", {{"TableName", "storm"},
                             {"Item", {{"id", {{"S", "k" + std::to_string(written)}}}, {"v", {{"S", filler}}}}},
                             {"ReturnConsumedCapacity", "TOTAL"}});
        Outcome out;
        out.restarts = wal_restarts(wal) - before;  // the header is rewritten with the first frame after each restart
        out.wal_bytes = std::filesystem::file_size(wal);  // SQLite reuses the file from its start, never shrinks it
        return out;
    };
    Outcome small = storm(100), large = storm(1000000);
    INFO("restarts " << small.restarts << " / " << large.restarts << ", WAL bytes " << small.wal_bytes << " / " << large.wal_bytes);
    // Past restart_frames the WAL starts over after a round of commits and
    // copies (about every third commit here); below it, it does not start
    // over at every copy, as it did before (SQLite may still start it over
    // by itself, when a copy completes before the next batch opens: more
    // often on a loaded machine, 3 in 20 with CPU hogs running). Counts,
    // not sizes: how many items a 20 ms batch holds depends on the machine,
    // and with it how large the WAL grows between restarts (the test
    // compared sizes until CI found it 2.7x where it asked for 3x).
    CHECK(small.restarts >= 3);
    CHECK(large.restarts * 2 < small.restarts);
    // Without a restart the file holds every frame written.
    CHECK(large.wal_bytes > small.wal_bytes);
    std::filesystem::remove_all(dir);
}

TEST_CASE("service: a batch of writes commits 20 ms after it opened, and TTL sweeps run every ttl_interval", "[service]") {
    using namespace std::chrono_literals;
    const auto dir = dynamodb::testing::temp_dir("service", "tick");
    const std::chrono::steady_clock::time_point start{};
    auto now = start;  // a fake clock: no background thread, the test calls tick()
    dynamodb::Options o;
    o.data_dir = dir;
    o.ttl_interval = 1000ms;
    o.clock = [&now] { return now; };
    Fixture f(o);
    CHECK(f.service.tick() == start + 1000ms);  // only the sweep is scheduled
    f.create_id_table("tick");
    now += 20ms;
    f.service.tick();  // whatever creating the table left open
    const auto wal = dir / "dynamodb.sqlite3-wal";
    const auto committed = std::filesystem::file_size(wal);
    now += 5ms;
    f.ok("PutItem", {{"TableName", "tick"}, {"Item", {{"id", {{"S", "a"}}}}}});
    now += 19ms;
    CHECK(f.service.tick() == now + 1ms);  // the commit, 20 ms after the put opened the batch
    CHECK(std::filesystem::file_size(wal) == committed);
    // Journaled and answered at once, the item is read before its commit
    // (the read applies it to the open batch).
    CHECK(f.ok("GetItem", {{"TableName", "tick"}, {"Key", {{"id", {{"S", "a"}}}}}}).contains("Item"));
    now += 1ms;
    f.service.tick();
    CHECK(std::filesystem::file_size(wal) > committed);
    // An item whose TTL passed stays until the sweep (which reads the real
    // time of day; DynamoDB ignores TTLs more than five years past).
    f.ok("UpdateTimeToLive", {{"TableName", "tick"}, {"TimeToLiveSpecification", {{"Enabled", true}, {"AttributeName", "expires"}}}});
    const std::string past = std::to_string(std::time(nullptr) - 10);
    f.ok("PutItem", {{"TableName", "tick"}, {"Item", {{"id", {{"S", "old"}}}, {"expires", {{"N", past}}}}}});
    const json old_key = {{"TableName", "tick"}, {"Key", {{"id", {{"S", "old"}}}}}};
    now = start + 999ms;
    f.service.tick();
    CHECK(f.ok("GetItem", old_key).contains("Item"));
    now = start + 1000ms;
    CHECK(f.service.tick() == start + 1019ms);  // the sweep ran; next, the commit of the batch the read at 999 ms opened
    CHECK_FALSE(f.ok("GetItem", old_key).contains("Item"));
    now = start + 2000ms;
    auto next = f.service.tick();
    while (next && *next < start + 3000ms) {  // the commit and the copy that the reads left
        now = *next;
        next = f.service.tick();
    }
    CHECK(next == start + 3000ms);  // then only the sweep, every ttl_interval
    std::filesystem::remove_all(dir);
}

TEST_CASE("service: an idle I/O thread applies small deferred records, oldest first, and leaves large ones", "[service]") {
    using namespace std::chrono_literals;
    const auto dir = dynamodb::testing::temp_dir("service", "idle");
    std::chrono::steady_clock::time_point now{};  // a fake clock: no background thread applies anything
    dynamodb::Options o;
    o.data_dir = dir;
    o.ttl_interval = 0ms;
    o.clock = [&now] { return now; };
    Fixture f(o);
    f.create_id_table("idle");
    auto put = [&f](const std::string& id) { f.ok("PutItem", {{"TableName", "idle"}, {"Item", {{"id", {{"S", id}}}}}}); };
    auto batch = [&f](const std::string& prefix) {
        json writes = json::array();
        for (int i = 0; i < 25; ++i) writes.push_back({{"PutRequest", {{"Item", {{"id", {{"S", prefix + std::to_string(i)}}}}}}}});
        f.ok("BatchWriteItem", {{"RequestItems", {{"idle", writes}}}});
    };
    CHECK_FALSE(f.service.apply_deferred_while_idle());  // nothing deferred
    put("a");
    put("b");
    CHECK(f.service.apply_deferred_while_idle());  // a
    CHECK(f.service.apply_deferred_while_idle());  // b
    CHECK_FALSE(f.service.apply_deferred_while_idle());
    batch("x");  // 25 puts: left to the background thread's slices
    put("c");    // behind it
    CHECK_FALSE(f.service.apply_deferred_while_idle());
    now += 20ms;
    f.service.tick();  // the commit's slices apply them
    CHECK_FALSE(f.service.apply_deferred_while_idle());
    for (const char* id : {"a", "b", "c", "x0", "x24"})
        CHECK(f.ok("GetItem", {{"TableName", "idle"}, {"Key", {{"id", {{"S", id}}}}}}).contains("Item"));
    CHECK(f.ok("DescribeTable", {{"TableName", "idle"}})["Table"]["ItemCount"] == 28);
    std::filesystem::remove_all(dir);
}

TEST_CASE("service: in memory an idle I/O thread finds nothing deferred", "[service]") {
    Fixture f;
    f.create_id_table("mem");
    f.ok("PutItem", {{"TableName", "mem"}, {"Item", {{"id", {{"S", "a"}}}}}});
    CHECK_FALSE(f.service.apply_deferred_while_idle());
}

namespace {
// The nice value of each thread of this process (/proc/self/task/*/stat, field 19).
std::vector<int> thread_nices() {
    std::vector<int> out;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
        std::ifstream in(task.path() / "stat");
        std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const auto end = stat.rfind(')');
        if (end == std::string::npos) continue;
        std::istringstream fields(stat.substr(end + 2));  // from field 3 (state)
        std::string field;
        for (int i = 3; i <= 19 && fields >> field; ++i)
            if (i == 19) out.push_back(std::stoi(field));
    }
    return out;
}
}  // namespace

TEST_CASE("service: the background thread runs 5 nice steps below the requests", "[service]") {
    const auto before = thread_nices();
    REQUIRE(!before.empty());
    const int own = before.front();  // the main thread's: the process's (below 15 to be seen to move)
    REQUIRE(std::count(before.begin(), before.end(), own) == static_cast<long>(before.size()));
    REQUIRE(own <= 14);
    Fixture f;  // the real clock: the background thread runs
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    std::vector<int> nices;
    do {
        nices = thread_nices();
        if (std::count(nices.begin(), nices.end(), own + 5) == 1) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    } while (std::chrono::steady_clock::now() < deadline);
    CHECK(std::count(nices.begin(), nices.end(), own + 5) == 1);
    CHECK(std::count(nices.begin(), nices.end(), own) == static_cast<long>(before.size()));  // the others keep theirs
}

TEST_CASE("service: tick() is refused beside the background thread", "[service]") {
    Fixture f;  // the real clock: the background thread runs the work
    CHECK_THROWS_AS(f.service.tick(), std::logic_error);
}

// Bug: the background thread copied the WAL only every checkpoint_frames, so
// the frames a burst of writes left uncopied stayed, and the next burst
// continued the same WAL: bursts added up to restart_frames, whose
// start-over holds the engine's mutex for tens of milliseconds (the
// benchmark's PutItem rounds at one connection met it in their third round).
TEST_CASE("service: a pause in writes copies the WAL, and the next write starts it over", "[service]") {
    using namespace std::chrono_literals;
    const auto dir = dynamodb::testing::temp_dir("service", "wal-pause");
    std::chrono::steady_clock::time_point now{};  // a fake clock: no background thread, the test calls tick()
    dynamodb::Options o;
    o.data_dir = dir;
    o.ttl_interval = 0ms;
    o.checkpoint_frames = 1000000;  // no bulk copy: only a pause copies
    o.restart_frames = 1000000;
    o.clock = [&now] { return now; };
    Fixture f(o);
    f.create_id_table("burst");
    const auto wal = dir / "dynamodb.sqlite3-wal";
    const std::string filler(600, 'x');
    auto burst = [&](const std::string& prefix, int items) {
        for (int i = 0; i < items; ++i)
            f.ok("PutItem", {{"TableName", "burst"}, {"Item", {{"id", {{"S", prefix + std::to_string(i)}}}, {"v", {{"S", filler}}}}}});
    };
    burst("a", 500);
    now += 20ms;  // the batch's commit is due; the copy is due 200 ms after it
    CHECK(f.service.tick() == now + 200ms);
    const std::uint32_t before = wal_restarts(wal);
    CHECK(f.ok("GetItem", {{"TableName", "burst"}, {"Key", {{"id", {{"S", "a499"}}}}}}).contains("Item"));

    // Writes that go on (no pause of 200 ms) continue the same WAL.
    now += 150ms;
    burst("b", 1);
    now += 20ms;
    CHECK(f.service.tick() == now + 200ms);  // the copy moves with the writes (it was due at 220 ms)

    // A pause: the copy, then one write, whose commit starts the WAL over.
    now += 199ms;
    CHECK(f.service.tick() == now + 1ms);  // not yet
    now += 1ms;
    CHECK_FALSE(f.service.tick());  // copied; nothing is due until a write
    burst("c", 1);
    CHECK(wal_restarts(wal) == before);
    now += 20ms;
    CHECK(f.service.tick() == now + 200ms);  // its frames copied at the next pause
    CHECK(wal_restarts(wal) == before + 1);
    CHECK(f.ok("GetItem", {{"TableName", "burst"}, {"Key", {{"id", {{"S", "c0"}}}}}}).contains("Item"));
    std::filesystem::remove_all(dir);
}
