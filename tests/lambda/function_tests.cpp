// Function: Lambda's execution model for one function version, driven with a
// fake clock (timeouts, idle reaping, retries happen when the test advances
// time and calls tick(), never by sleeping). Environments are in-process
// workers running the test handler library (handlers/test).
#include "lambda/function.hpp"
#include "lambda/runtimes.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <fstream>
#include <future>
#include <mutex>
#include <vector>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using lowcloud::Logger;
using lowcloud::LogLevel;
using lowcloud::lambda::Function;
using lowcloud::lambda::FunctionConfig;
using lowcloud::lambda::Host;
using lowcloud::lambda::InvokeRequest;
using lowcloud::lambda::InvokeResult;
using lowcloud::lambda::Isolation;
using lowcloud::lambda::Runtimes;
using nlohmann::json;
using Status = InvokeResult::Status;

namespace {

struct Fixture {
    std::atomic<std::int64_t> elapsed_ms{0};
    std::ostringstream log_out;
    Logger logger{LogLevel::error, log_out};
    Host host;

    Fixture() {
        host.scratch = fs::temp_directory_path() / ("lowcloud-fn-tests-" + std::to_string(::getpid()));
        host.idle_timeout = 60s;
        auto start = std::chrono::steady_clock::now();
        host.clock = [this, start] { return start + std::chrono::milliseconds(elapsed_ms.load()); };
    }
    ~Fixture() {
        std::error_code ec;
        fs::remove_all(host.scratch, ec);
    }
    void advance(std::chrono::milliseconds d) { elapsed_ms += d.count(); }

    static FunctionConfig config(const std::string& symbol) {
        FunctionConfig c;
        c.name = "unit";
        c.library = LOWCLOUD_TEST_HANDLERS;
        c.handler = symbol;
        c.isolation = Isolation::in_process;
        c.timeout = 1000ms;
        return c;
    }
};

std::future<InvokeResult> start(Function& f, json payload, bool async = false) {
    auto promise = std::make_shared<std::promise<InvokeResult>>();
    auto future = promise->get_future();
    InvokeRequest r;
    r.payload = payload.dump();
    r.async = async;
    f.invoke(std::move(r), [promise](InvokeResult result) { promise->set_value(std::move(result)); });
    return future;
}

InvokeResult call(Function& f, json payload) {
    auto fut = start(f, std::move(payload));
    REQUIRE(fut.wait_for(10s) == std::future_status::ready);
    return fut.get();
}

// Waits (for another thread, not for time to pass) until `pred` holds, up
// to 30 s of real time: generous, for a loaded machine.
template <class Pred>
bool eventually(Pred pred) {
    const auto until = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < until) {
        if (pred()) return true;
        std::this_thread::sleep_for(1ms);
    }
    return pred();
}

// A thread that runs the tasks given to it one at a time, each
// run() returning once its task has.
class OtherThread {
public:
    OtherThread() : thread_([this] { loop(); }) {}
    ~OtherThread() {
        {
            std::lock_guard lock(m_);
            done_ = true;
        }
        cv_.notify_one();
        thread_.join();
    }
    void run(std::function<void()> task) {
        std::packaged_task<void()> job(std::move(task));
        auto fut = job.get_future();
        {
            std::lock_guard lock(m_);
            tasks_.push_back(std::move(job));
        }
        cv_.notify_one();
        fut.get();
    }

private:
    void loop() {
        for (;;) {
            std::unique_lock lock(m_);
            cv_.wait(lock, [&] { return done_ || !tasks_.empty(); });
            if (tasks_.empty()) return;
            auto job = std::move(tasks_.front());
            tasks_.pop_front();
            lock.unlock();
            job();
        }
    }
    std::mutex m_;
    std::condition_variable cv_;
    std::deque<std::packaged_task<void()>> tasks_;
    bool done_ = false;
    std::thread thread_;
};

}  // namespace

TEST_CASE("function: a warm environment serves the next invocation", "[lambda][function]") {
    Fixture fx;
    Function f(Fixture::config("counter_handler"), fx.host, fx.logger, 1);
    auto first = call(f, json::object());
    auto second = call(f, json::object());
    REQUIRE(first.status == Status::success);
    CHECK(json::parse(first.payload)["calls"] == 1);
    CHECK(json::parse(second.payload)["calls"] == 2);
    CHECK(f.health()["environments"] == 1);
}

TEST_CASE("function: an in-process environment polling for work takes the next invocation and a stop", "[lambda][function][spin]") {
    Fixture fx;
    fx.host.spin = 120s;  // longer than the test: every wake-up below reaches a polling worker
    Function f(Fixture::config("counter_handler"), fx.host, fx.logger, 1);
    auto first = call(f, json::object());
    auto second = call(f, json::object());
    REQUIRE(second.status == Status::success);
    CHECK(json::parse(second.payload)["calls"] == json::parse(first.payload)["calls"].get<int>() + 1);  // the same environment
    fx.advance(61s);
    f.tick();
    // Within eventually()'s 30 seconds, not after the 120 s window.
    CHECK(eventually([&] { return f.health()["environments"] == 0; }));
}

TEST_CASE("function_counts_no_runaway_handler_for_an_invocation_timed_out_before_its_handler_ran", "[lambda][function]") {
    // The deadline passes (tick) between the invocation's delivery to a warm
    // environment and its worker waking up: the worker never runs the
    // handler, so no handler runs away.
    Fixture fx;
    Function f(Fixture::config("echo_handler"), fx.host, fx.logger, 1);
    for (int i = 0; i < 30; ++i) {
        REQUIRE(call(f, {{"warm", i}}).status == Status::success);  // an idle, warm environment
        auto late = start(f, {{"late", i}});
        fx.advance(2s);  // past the 1 s timeout, likely before the worker has woken
        f.tick();
        REQUIRE(late.wait_for(10s) == std::future_status::ready);
    }
    CHECK(eventually([&] { return f.health()["runaway_handlers"] == 0; }));
}

TEST_CASE("function: an idle environment is stopped after the idle timeout", "[lambda][function]") {
    Fixture fx;
    Function f(Fixture::config("echo_handler"), fx.host, fx.logger, 1);
    REQUIRE(call(f, {{"a", 1}}).status == Status::success);
    fx.advance(59s);
    f.tick();
    CHECK(f.health()["environments"] == 1);
    fx.advance(2s);
    f.tick();
    CHECK(eventually([&] { return f.health()["environments"] == 0; }));
}

TEST_CASE("function: a handler past its timeout fails the invocation with Lambda's message", "[lambda][function]") {
    Fixture fx;
    Function f(Fixture::config("sleep_handler"), fx.host, fx.logger, 1);
    auto fut = start(f, {{"ms", 3000}});  // still sleeping when checked, however loaded the machine
    REQUIRE(eventually([&] { return f.health()["busy"] == 1; }));
    f.tick();
    CHECK(fut.wait_for(0s) == std::future_status::timeout);  // not yet: no time has passed
    fx.advance(1001ms);
    f.tick();
    REQUIRE(fut.wait_for(1s) == std::future_status::ready);
    auto r = fut.get();
    CHECK(r.status == Status::function_error);
    CHECK_THAT(json::parse(r.payload)["errorMessage"].get<std::string>(), Catch::EndsWith("Task timed out after 1.00 seconds"));
    CHECK(f.health()["runaway_handlers"] == 1);  // a thread cannot be killed: reported until it returns
    CHECK(eventually([&] { return f.health()["runaway_handlers"] == 0; }));
}

// A runaway in-process handler returned into a destroyed Function (its
// mutex, its maps): deleting or replacing a function while a handler ran on
// past its timeout was a use after free. Its thread now keeps the Function.
TEST_CASE("function_outlives_its_runaway_handler", "[lambda][function]") {
    Fixture fx;
    auto f = std::make_shared<Function>(Fixture::config("sleep_handler"), fx.host, fx.logger, 1);
    auto fut = start(*f, {{"ms", 3000}});
    REQUIRE(eventually([&] { return f->health()["busy"] == 1; }));
    fx.advance(1001ms);
    f->tick();
    REQUIRE(fut.wait_for(1s) == std::future_status::ready);
    REQUIRE(f->health()["runaway_handlers"] == 1);
    std::weak_ptr<Function> weak = f;
    f.reset();                    // DeleteFunction, or an update's old version, while the handler sleeps on
    CHECK_FALSE(weak.expired());  // kept by the handler's thread
    CHECK(eventually([&] { return weak.expired(); }));  // and released when the handler returns
}

TEST_CASE("function: a synchronous call over the concurrency cap is throttled", "[lambda][function]") {
    Fixture fx;
    auto c = Fixture::config("sleep_handler");
    c.reserved_concurrency = 1;
    Function f(c, fx.host, fx.logger, 1);
    auto busy = start(f, {{"ms", 2000}});
    REQUIRE(eventually([&] { return f.health()["busy"] == 1; }));
    CHECK(call(f, {{"ms", 1}}).status == Status::throttled);
    REQUIRE(busy.wait_for(10s) == std::future_status::ready);
    CHECK(busy.get().status == Status::success);
}

TEST_CASE("function: a failed Event invocation is retried twice, on the clock", "[lambda][function]") {
    Fixture fx;
    Function f(Fixture::config("fail_handler"), fx.host, fx.logger, 1);
    auto accepted = start(f, json::object(), true);
    REQUIRE(accepted.wait_for(1s) == std::future_status::ready);
    CHECK(accepted.get().status == Status::success);  // accepted before it runs
    auto starts = [&] {
        int n = 0;
        for (const auto& line : f.recent_logs()) n += line.rfind("START ", 0) == 0;
        return n;
    };
    auto reports = [&] {
        int n = 0;
        for (const auto& line : f.recent_logs()) n += line.rfind("REPORT ", 0) == 0;
        return n;
    };
    REQUIRE(eventually([&] { return reports() == 1; }));
    f.tick();
    CHECK(starts() == 1);  // the retry waits for its delay
    fx.advance(250ms);
    f.tick();
    REQUIRE(eventually([&] { return reports() == 2; }));
    fx.advance(450ms);
    f.tick();
    REQUIRE(eventually([&] { return reports() == 3; }));
    fx.advance(10s);
    f.tick();
    std::this_thread::sleep_for(20ms);
    CHECK(starts() == 3);  // two retries, then it gives up
}

TEST_CASE("function: an update applies to the next invocation and stops idle environments", "[lambda][function]") {
    Fixture fx;
    Function f(Fixture::config("echo_handler"), fx.host, fx.logger, 1);
    REQUIRE(call(f, {{"a", 1}}).status == Status::success);
    std::string revision = f.revision_id();
    auto c = f.config();
    c.timeout = 7000ms;
    c.description = "new";
    f.update(c);
    CHECK(f.configuration()["Timeout"] == 7);
    CHECK(f.configuration()["Description"] == "new");
    CHECK(f.revision_id() != revision);
    CHECK(eventually([&] { return f.health()["environments"] == 0; }));
    CHECK(call(f, {{"a", 2}}).payload == R"({"a":2})");
}

namespace {

// DynamoDB's answer to the test handler's GetItem.
lowcloud::http::Response get_item_answer() {
    lowcloud::http::Response r;
    r.set_header("Content-Type", "application/x-amz-json-1.0");
    r.body = R"({"Item":{"id":{"S":"w-1"}}})";
    return r;
}

// Stands in for the emulator's dispatcher: records what reaches it.
struct RecordingHandler : lowcloud::http::Handler {
    std::mutex mutex;
    std::vector<lowcloud::http::Request> seen;
    std::size_t body_limit(const lowcloud::http::Request&) const override { return 1024; }
    std::atomic<bool> drop{false};   // forget the answer (a dispatcher bug)
    std::atomic<bool> fail{false};   // throw from handle() (a dispatcher bug)
    void handle(lowcloud::http::Request request, lowcloud::http::Respond respond) override {
        {
            std::lock_guard lock(mutex);
            seen.push_back(request);
        }
        if (drop) return;
        if (fail) throw std::runtime_error("the dispatcher failed");
        // Answered later, from another thread, as API Gateway answers.
        std::thread([respond] { respond(get_item_answer()); }).detach();
    }
};

}  // namespace

// The handler SDK's DynamoDB client, in-process, hands its request to the
// emulator's own handler (host->send) instead of the loopback network:
// nothing listens on the endpoint here, so the network would have failed.
TEST_CASE("function: an in-process handler's SDK request to the emulator takes no socket", "[lambda][function][send]") {
    Fixture fx;
    RecordingHandler dispatcher;
    fx.host.runtime_api = "127.0.0.1:1";
    fx.host.local_handler = &dispatcher;
    Function f(Fixture::config("dynamodb_get_handler"), fx.host, fx.logger, 1);

    auto got = call(f, {{"endpoint", "http://127.0.0.1:1"}, {"table", "watches"}, {"key", {{"id", {{"S", "w-1"}}}}}});
    REQUIRE(got.status == Status::success);
    CHECK(json::parse(got.payload) == json{{"answer", {{"Item", {{"id", {{"S", "w-1"}}}}}}}});
    REQUIRE(dispatcher.seen.size() == 1);
    const auto& r = dispatcher.seen[0];
    CHECK(r.method == "POST");
    CHECK(r.target == "/");
    CHECK(r.header("Host") == "127.0.0.1:1");
    CHECK(r.header("X-Amz-Target") == "DynamoDB_20120810.GetItem");
    CHECK(r.header("Authorization").substr(0, 16) == "AWS4-HMAC-SHA256");
    CHECK(json::parse(r.body) == json{{"TableName", "watches"}, {"Key", {{"id", {{"S", "w-1"}}}}}});

    SECTION("localhost names the same endpoint") {
        auto again = call(f, {{"endpoint", "http://localhost:1"}, {"table", "watches"}, {"key", {{"id", {{"S", "w-1"}}}}}});
        CHECK(json::parse(again.payload).contains("answer"));
        CHECK(dispatcher.seen.size() == 2);
    }
    SECTION("an answer the dispatcher drops is a 500, not a crash, a hang or a resend") {
        dispatcher.drop = true;
        auto dropped = call(f, {{"endpoint", "http://127.0.0.1:1"}, {"table", "watches"}, {"key", {{"id", {{"S", "w-1"}}}}}});
        CHECK(json::parse(dropped.payload)["error"] == "UnknownError");
        CHECK(dispatcher.seen.size() == 2);
    }
    SECTION("a dispatcher that throws answers the handler's SDK with its 500, as the server does") {
        dispatcher.fail = true;
        auto failed = call(f, {{"endpoint", "http://127.0.0.1:1"}, {"table", "watches"}, {"key", {{"id", {{"S", "w-1"}}}}}});
        json answer = json::parse(failed.payload);
        CHECK(answer["error"] == "UnknownError");
        CHECK(answer["message"].get<std::string>().find("internal error: the dispatcher failed") != std::string::npos);
        CHECK(dispatcher.seen.size() == 2);
    }
    SECTION("another endpoint goes over the network") {
        auto other = call(f, {{"endpoint", "http://127.0.0.1:2"}, {"table", "watches"}, {"key", {{"id", {{"S", "w-1"}}}}}});
        CHECK(json::parse(other.payload)["error"] == "NetworkingError");
        CHECK(dispatcher.seen.size() == 1);
    }
    SECTION("a body over the handler's limit gets its 413, as from the server") {
        auto big = call(f, {{"endpoint", "http://127.0.0.1:1"}, {"table", std::string(2000, 't')}, {"key", {{"id", {{"S", "w-1"}}}}}});
        json answer = json::parse(big.payload);
        CHECK(answer["error"] == "UnknownError");  // a text body, as the server's 413
        CHECK(answer["message"].get<std::string>().find("larger than the limit of 1024 bytes") != std::string::npos);
        CHECK(dispatcher.seen.size() == 1);
    }
}

namespace {

// A dispatcher whose handle() and answer wait for the test's signal.
struct GatedHandler : lowcloud::http::Handler {
    std::atomic<bool> entered{false}, release_handle{false}, release_answer{false};
    std::size_t body_limit(const lowcloud::http::Request&) const override { return 1 << 20; }
    void handle(lowcloud::http::Request, lowcloud::http::Respond respond) override {
        entered = true;
        while (!release_handle) std::this_thread::sleep_for(1ms);
        std::thread([this, respond] {
            while (!release_answer) std::this_thread::sleep_for(1ms);
            respond(get_item_answer());
        }).detach();
    }
};

}  // namespace

// Lambda's shutdown clears Host::local_handler and then waits until no
// request is inside the dispatcher, which the composition root destroys
// next: a runaway in-process handler's request could otherwise run on in a
// destroyed dispatcher. Counted is the call into the dispatcher, not the
// wait for its answer (shutdown must not wait for an invocation's deadline).
TEST_CASE("function: a request is counted while inside the dispatcher, not while waiting for its answer", "[lambda][function][send]") {
    Fixture fx;
    GatedHandler dispatcher;
    fx.host.runtime_api = "127.0.0.1:1";
    fx.host.local_handler = &dispatcher;
    Function f(Fixture::config("dynamodb_get_handler"), fx.host, fx.logger, 1);
    json payload = {{"endpoint", "http://127.0.0.1:1"}, {"table", "watches"}, {"key", {{"id", {{"S", "w-1"}}}}}};

    SECTION("inside handle(), then waiting") {
        auto fut = start(f, payload);
        REQUIRE(eventually([&] { return dispatcher.entered.load(); }));
        CHECK(fx.host.local_calls == 1);
        dispatcher.release_handle = true;
        CHECK(eventually([&] { return fx.host.local_calls == 0; }));
        CHECK(fut.wait_for(0s) == std::future_status::timeout);  // the answer is still to come
        dispatcher.release_answer = true;
        REQUIRE(fut.wait_for(5s) == std::future_status::ready);
        CHECK(json::parse(fut.get().payload).contains("answer"));
    }
    SECTION("once cleared, requests go over the network and are not counted") {
        fx.host.local_handler = nullptr;
        auto r = call(f, payload);
        CHECK(json::parse(r.payload)["error"] == "NetworkingError");
        CHECK_FALSE(dispatcher.entered);
        CHECK(fx.host.local_calls == 0);
    }
}

// Process isolation, driven by hand: the environments run a bootstrap that
// only sleeps, and the test plays their Runtime API calls (runtime_next,
// runtime_response) from the threads it chooses, as the server's I/O threads
// would. Set up in `fx.host` (which must not outlive it).
struct SleepingEnvironments {
    explicit SleepingEnvironments(Fixture& fx) : runtimes(fx.host.scratch / "runtimes", "/bin/true") {
        fs::path code = fx.host.scratch / "code";
        fs::create_directories(code);
        std::ofstream(code / "bootstrap") << "#!/bin/sh\nexec sleep 30\n";
        fs::permissions(code / "bootstrap", fs::perms::owner_all);
        fx.host.runtimes = &runtimes;
        fx.host.runtime_api = "127.0.0.1:9";
        config = Fixture::config("unused");
        config.isolation = Isolation::process;
        config.runtime = "provided.al2023";
        config.package = lowcloud::lambda::CodePackage{};
        config.package->dir = code;
    }
    Runtimes runtimes;
    FunctionConfig config;
};

TEST_CASE("function: an idle environment whose /next waits on the caller's thread is preferred", "[lambda][function]") {
    Fixture fx;
    SleepingEnvironments sleeping(fx);
    FunctionConfig c = sleeping.config;
    c.reserved_concurrency = 2;
    // Declared before the function: it answers the parked /next requests
    // (410) when it is destroyed.
    std::mutex m;
    std::map<unsigned, std::vector<std::string>> delivered;  // environment -> request ids it was given
    auto next_for = [&](unsigned env) {
        return [&, env](lowcloud::http::Response r) {
            std::lock_guard lock(m);
            delivered[env].emplace_back(r.header("Lambda-Runtime-Aws-Request-Id"));
        };
    };
    auto last = [&](unsigned env) {
        std::lock_guard lock(m);
        return delivered[env].empty() ? std::string() : delivered[env].back();
    };
    auto ignore = [](lowcloud::http::Response) {};

    Function f(c, fx.host, fx.logger, 1);

    // A second thread, alive for the whole test (a finished thread's id may
    // be given to a new one).
    OtherThread other;
    auto on_other = [&](std::function<void()> task) { other.run(std::move(task)); };

    // Two invocations at once start environments 1 and 2.
    auto a = start(f, json::object());
    auto b = start(f, json::object());
    f.runtime_next(1, next_for(1));                      // environment 1 asks from this thread
    on_other([&] { f.runtime_next(2, next_for(2)); });  // environment 2 from the other one
    REQUIRE(!last(1).empty());
    REQUIRE(!last(2).empty());
    on_other([&] {
        f.runtime_response(2, last(2), "{}", ignore);
        f.runtime_next(2, next_for(2));
    });
    fx.advance(1s);  // environment 1 becomes the most recently used one
    f.runtime_response(1, last(1), "{}", ignore);
    f.runtime_next(1, next_for(1));
    REQUIRE(a.wait_for(10s) == std::future_status::ready);
    REQUIRE(b.wait_for(10s) == std::future_status::ready);

    SECTION("called on the other thread: environment 2, though 1 was used last") {
        std::future<InvokeResult> c1;
        on_other([&] { c1 = start(f, json::object()); });
        std::lock_guard lock(m);
        CHECK(delivered[1].size() == 1);
        CHECK(delivered[2].size() == 2);
    }
    SECTION("called on this thread: environment 1, though 2 was used last") {
        fx.advance(1s);  // environment 2 serves a call from the other thread, and becomes the most recently used one
        std::future<InvokeResult> c1;
        on_other([&] {
            c1 = start(f, json::object());
            f.runtime_response(2, last(2), "{}", ignore);
            f.runtime_next(2, next_for(2));
        });
        REQUIRE(c1.wait_for(10s) == std::future_status::ready);
        auto c0 = start(f, json::object());
        std::lock_guard lock(m);
        CHECK(delivered[1].size() == 2);
        CHECK(delivered[2].size() == 2);
    }
}

// A caller's callback (API Gateway building and writing its answer) runs
// after the function's mutex is released, so the other environments'
// answers do not queue behind it. The callback asks another thread for the
// function's health (which takes the mutex) and waits for it: it got it
// while the callback still ran.
TEST_CASE("function: a process environment's result reaches its caller without the function's mutex held", "[lambda][function]") {
    Fixture fx;
    SleepingEnvironments sleeping(fx);
    FunctionConfig c = sleeping.config;
    std::string request_id;
    auto next = [&](lowcloud::http::Response r) { request_id = std::string(r.header("Lambda-Runtime-Aws-Request-Id")); };
    auto ignore = [](lowcloud::http::Response) {};
    std::future<json> health;  // outlives the callback: its destructor would wait
    std::promise<bool> reached;

    Function f(c, fx.host, fx.logger, 1);
    InvokeRequest r;
    r.payload = "{}";
    f.invoke(std::move(r), [&](InvokeResult) {
        health = std::async(std::launch::async, [&f] { return f.health(); });
        reached.set_value(health.wait_for(5s) == std::future_status::ready);
    });
    f.runtime_next(1, next);
    REQUIRE(!request_id.empty());
    auto done = reached.get_future();
    f.runtime_response(1, request_id, "{}", ignore);
    REQUIRE(done.wait_for(10s) == std::future_status::ready);
    CHECK(done.get());
    health.wait();
}

// A runtime's /error body: Lambda's error object passes through as it is;
// anything else becomes one, typed by the Lambda-Runtime-Function-Error-Type
// header (Runtime.Unknown without it). Table of cases with stable names.
TEST_CASE("function: a runtime's error body becomes the invocation's error payload", "[lambda][function]") {
    struct Case {
        const char* name;
        std::string type, body;
        json payload;
    };
    const Case cases[] = {
        {"error object passes through", "BashError", R"({"errorMessage":"failed","errorType":"BashError"})",
         {{"errorMessage", "failed"}, {"errorType", "BashError"}}},
        {"any object passes through", "", R"({"x":1})", {{"x", 1}}},
        {"text is wrapped with the header's type", "BashError", "oops", {{"errorMessage", "oops"}, {"errorType", "BashError"}}},
        {"an array is wrapped", "BashError", "[1]", {{"errorMessage", "[1]"}, {"errorType", "BashError"}}},
        {"no header: Runtime.Unknown", "", "oops", {{"errorMessage", "oops"}, {"errorType", "Runtime.Unknown"}}},
    };
    Fixture fx;
    SleepingEnvironments sleeping(fx);
    std::string request_id;
    auto next = [&](lowcloud::http::Response r) { request_id = std::string(r.header("Lambda-Runtime-Aws-Request-Id")); };
    auto ignore = [](lowcloud::http::Response) {};
    Function f(sleeping.config, fx.host, fx.logger, 1);
    for (const Case& c : cases) {
        INFO(c.name);
        request_id.clear();
        auto result = start(f, json::object());
        f.runtime_next(1, next);
        REQUIRE(!request_id.empty());
        f.runtime_error(1, request_id, c.body, c.type, ignore);
        REQUIRE(result.wait_for(10s) == std::future_status::ready);
        InvokeResult r = result.get();
        CHECK(r.status == InvokeResult::Status::function_error);
        CHECK(json::parse(r.payload) == c.payload);
    }
}

// integration/test_lambda's hot reload under load failed on this: a process
// environment loads its library snapshot after it has started, and a reload
// meanwhile removed the file, so that invocation failed with
// Runtime.ImportModuleError. The runtime here only sleeps: the environment
// stays starting, on the first build, for the whole test.
TEST_CASE("function_keeps_a_replaced_snapshot_while_an_environment_started_on_it_lives", "[lambda][function]") {
    Fixture fx;
    fs::create_directories(fx.host.scratch);
    fs::path library = fx.host.scratch / "handler.so";
    fs::copy_file(LOWCLOUD_TEST_HANDLERS, library);
    fs::path runtime = fx.host.scratch / "runtime";  // stands in for `lowcloud runtime`
    std::ofstream(runtime) << "#!/bin/sh\nexec sleep 30\n";
    fs::permissions(runtime, fs::perms::owner_all);
    Runtimes runtimes(fx.host.scratch / "runtimes", runtime.string());
    fx.host.runtimes = &runtimes;
    fx.host.executable = "/bin/true";  // every build passes its check
    fx.host.runtime_api = "127.0.0.1:9";
    FunctionConfig c = Fixture::config("echo_handler");
    c.library = library;
    c.isolation = Isolation::process;
    c.reserved_concurrency = 2;
    fs::path first, second;
    {
        Function f(c, fx.host, fx.logger, 1);
        f.check_library();
        first = f.code_path();
        auto a = start(f, json::object());  // environment 1 starts on the first build
        REQUIRE(f.health()["environments"] == 1);
        std::ofstream(library, std::ios::app) << "rebuilt";  // a new build: another size
        auto b = start(f, json::object());  // the next invocation takes it, in environment 2
        REQUIRE(f.health()["environments"] == 2);
        second = f.code_path();
        CHECK(second != first);
        CHECK(fs::exists(second));
        CHECK(fs::exists(first));  // environment 1 has yet to load it
    }
    // Gone with the function and its environments.
    CHECK_FALSE(fs::exists(first));
    CHECK_FALSE(fs::exists(second));
}

// The suite aborted once on this ("terminate called after throwing
// std::system_error: Invalid argument"): ~Function checked an in-process
// worker joinable and joined it outside the lock, while the worker, told to
// stop, detached itself under the lock in between. A race, so tried many
// times, with a polling worker (it reacts at once to its stop).
TEST_CASE("function_destroyed_while_its_in_process_worker_stops_does_not_abort", "[lambda][function][spin]") {
    Fixture fx;
    fx.host.spin = 120s;
    for (int i = 0; i < 100; ++i) {  // it aborted within the first 50 before the mend
        Function f(Fixture::config("echo_handler"), fx.host, fx.logger, 1);
        REQUIRE(call(f, {{"i", i}}).status == Status::success);
    }
}
