// Handlers for the Lambda integration tests, one exported symbol each:
// echo, sleep (past the timeout), crash (SIGSEGV), fail (typed error), throw
// (a C++ exception), counter (global state: proves warm reuse), big (a 5 MB
// response), too_big (over 6 MB), env (selected environment variables),
// log (writes log lines), context (what the Context says), init_count (how
// often the init hook ran in this environment), event (API Gateway: the
// proxy event as the response body), respond (API Gateway: the response the
// client asked for), noop (API Gateway: a fixed 200, for benchmarks),
// dynamodb_get (a GetItem through the SDK's DynamoDB client).
#include <lowcloud/dynamodb.hpp>
#include <lowcloud/lambda.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>

using nlohmann::json;
using lowcloud::sdk::Context;

namespace {

int init_runs = 0;
int calls = 0;

void setup() { ++init_runs; }

json echo(const json& event, Context&) { return event; }

json noop(const json&, Context&) { return {{"statusCode", 200}, {"body", R"({"ok":true})"}}; }

json sleep_for(const json& event, Context&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(event.value("ms", 10000)));
    return {{"slept", true}};
}

json crash(const json&, Context&) {
    std::raise(SIGSEGV);
    return nullptr;
}

json fail(const json& event, Context&) {
    throw lowcloud::sdk::Error(event.value("type", "ValidationError"), event.value("message", "Something went wrong"));
}

json throw_exception(const json&, Context&) { throw std::out_of_range("index 7 is out of range"); }

json counter(const json&, Context&) { return {{"calls", ++calls}, {"pid", static_cast<long>(getpid())}}; }

json big(const json& event, Context&) { return {{"data", std::string(event.value("bytes", 5 * 1024 * 1024), 'x')}}; }

json env(const json& event, Context&) {
    json out = json::object();
    for (const auto& name : event.at("names")) {
        const char* v = std::getenv(name.get<std::string>().c_str());
        out[name.get<std::string>()] = v ? json(v) : json(nullptr);
    }
    return out;
}

json log(const json& event, Context& ctx) {
    for (const auto& line : event.at("lines")) ctx.log(line.get<std::string>());
    std::printf("printed to stdout\n");
    return {{"logged", event.at("lines").size()}};
}

json context(const json&, Context& ctx) {
    return {{"request_id", ctx.request_id},
            {"function_name", ctx.function_name},
            {"function_arn", ctx.function_arn},
            {"memory_mb", ctx.memory_mb},
            {"remaining_ms", ctx.remaining_time().count()},
            {"log_group", ctx.log_group}};
}

json init_count(const json&, Context&) { return {{"init_runs", init_runs}}; }

// API Gateway: answers 200 with the proxy event as its JSON body.
json event(const json& e, Context&) {
    return {{"statusCode", 200}, {"headers", {{"Content-Type", "application/json"}}}, {"body", e.dump()}};
}

// API Gateway: returns, verbatim, the proxy response the client sent as the
// request body (a JSON document), to exercise every response shape.
json respond(const json& e, Context&) { return json::parse(e.at("body").get<std::string>()); }

// DynamoDB through the SDK: GetItem of event.key in event.table, from the
// endpoint event.endpoint ("http://host:port"); the answer, or the error.
json dynamodb_get(const json& e, Context&) {
    try {
        lowcloud::sdk::DynamoDB client(e.at("endpoint").get<std::string>());
        return {{"answer", client.get_item(e.at("table").get<std::string>(), e.at("key"))}};
    } catch (const lowcloud::sdk::DynamoDBError& err) {
        return {{"error", err.type()}, {"message", err.what()}};
    }
}

}  // namespace

LOWCLOUD_INIT(setup)
LOWCLOUD_HANDLER(handler, echo)
LOWCLOUD_HANDLER(echo_handler, echo)
LOWCLOUD_HANDLER(sleep_handler, sleep_for)
LOWCLOUD_HANDLER(crash_handler, crash)
LOWCLOUD_HANDLER(fail_handler, fail)
LOWCLOUD_HANDLER(throw_handler, throw_exception)
LOWCLOUD_HANDLER(counter_handler, counter)
LOWCLOUD_HANDLER(big_handler, big)
LOWCLOUD_HANDLER(env_handler, env)
LOWCLOUD_HANDLER(log_handler, log)
LOWCLOUD_HANDLER(context_handler, context)
LOWCLOUD_HANDLER(init_count_handler, init_count)
LOWCLOUD_HANDLER(event_handler, event)
LOWCLOUD_HANDLER(respond_handler, respond)
LOWCLOUD_HANDLER(noop_handler, noop)
LOWCLOUD_HANDLER(dynamodb_get_handler, dynamodb_get)
