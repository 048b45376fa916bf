// The DynamoDB service: AWS JSON 1.0 requests (`X-Amz-Target:
// DynamoDB_20120810.<Operation>`) answered from a SQLite database, so that
// the AWS CLI, boto3 and the JS SDK cannot tell it from DynamoDB.
//
// This is the component's public face: the composition root creates one
// Service, lets it read the manifest's `tables:` section, and hands it HTTP
// requests. Everything else in this folder is private to it.
//
// Threading: handle() is thread-safe and synchronous. Requests are executed
// one at a time against the single SQLite connection (a mutex serializes
// them), so every conditional write is check-and-write in one transaction and
// concurrent clients never lose an update. The request's JSON is parsed
// before the mutex is taken, and for GetItem, PutItem, BatchWriteItem, Query
// and Scan also read and checked (ops/engine.hpp, prepare_*). One
// background thread, owned by the Service and running 5 nice steps above
// the process (its work gives way to requests), sleeps until its next
// deadline: it commits the open batch of
// writes 20 ms after it opened, checkpoints the WAL off the request path
// (in bulk as it grows, and what is left when writes pause for 200 ms), and
// expires TTL items every `ttl_interval`, each under the same mutex
// (checkpoints need none), through tick(); the destructor stops it, then
// commits (with a fake clock there is no thread: the test calls tick()). With a
// data directory a blind PutItem or BatchWriteItem (puts only; no
// condition, ReturnValues or ReturnConsumedCapacity) is checked against its
// table, journaled and answered; I/O threads waiting for requests apply
// small ones (apply_deferred_while_idle()), the background thread the rest a
// few at a time around each commit, and any other operation applies those
// left before its own work. The commit releases the mutex while SQLite
// writes the batch (milliseconds under load): blind puts go on meanwhile,
// every other request waits for the commit's end (Engine::lock(),
// storage.hpp "Deferred writes").
//
// Durability: with a data directory, the database is
// `<data_dir>/dynamodb.sqlite3` in WAL mode plus its journal, two files used
// in turn (`dynamodb.sqlite3.oplog` and `.oplog2`, storage.hpp): each write
// is appended to the journal before it is acknowledged, so it survives the
// process being killed, and committed to SQLite with the others of its
// batch; a start replays what was journaled but not committed. The
// journal's lock keeps a second process off the same data directory.
#pragma once

#include "common/config.hpp"
#include "common/log.hpp"
#include "dynamodb/error.hpp"
#include "http/message.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace lowcloud::dynamodb {

struct Options {
    std::optional<std::filesystem::path> data_dir;  // none: in memory
    std::string region = "us-east-1";
    std::string account_id = "000000000000";
    // How often expired TTL items are deleted (DynamoDB takes up to 48 h;
    // lowcloud expires promptly so tests can rely on it). Zero disables.
    std::chrono::milliseconds ttl_interval{1000};
    // WAL frames (4 KB pages) written since the last copy into the database
    // past which the background thread copies them (beside requests), and
    // WAL frames past which it starts the WAL over (its last copy runs with
    // no batch open, through two fsyncs: 20-300 ms on the benchmark host
    // that every request but a blind put waits for, so rare). Only a
    // sustained write storm reaches restart_frames: when
    // writes pause for 200 ms the background thread copies the rest, and
    // the next write starts the WAL over by itself. Under BatchWriteItem
    // the WAL grows ~240 MB/s on the benchmark host: at
    // 128 MB it started over twice a second (p99 at 1 connection 53-59 ms,
    // 34-40 ms at 512 MB). Tests lower them; at least 1, and restart_frames
    // at least checkpoint_frames.
    int checkpoint_frames = 8000;   // 32 MB
    int restart_frames = 131072;    // 512 MB
    // How long a request waiting for the engine's mutex polls for it before
    // it sleeps (at most 20 µs: common/spin.hpp, SpinningMutex); 0: never
    // (`lowcloud serve --spin-us`).
    std::chrono::microseconds spin{20};
    // The clock the background work is scheduled on; unset: steady_clock.
    // Tests pass a fake one: then no background thread runs, and the test
    // calls Service::tick() after moving the clock. Called from request
    // threads too (a request that opens a batch schedules its commit).
    // Not on it: the time the background thread gives each run of deferred
    // puts (steady_clock) and the TTL sweep's time of day (system_clock).
    std::function<std::chrono::steady_clock::time_point()> clock;
};

class Service {
public:
    // Opens (or creates) the database. Throws std::runtime_error when the
    // database cannot be opened or has an unknown schema version.
    Service(Options options, Logger& logger);
    ~Service();
    Service(const Service&) = delete;
    Service& operator=(const Service&) = delete;

    // Creates the tables declared in the manifest's `tables:` section when
    // missing and seeds empty ones from their data file. Throws ConfigError
    // for a bad section and std::runtime_error for unreadable seed data.
    void configure(const ConfigSection& tables);

    // Answers one DynamoDB HTTP request (GET / health text, OPTIONS / a CORS
    // preflight, or a JSON 1.0 operation, its body possibly compressed with
    // Content-Encoding gzip or deflate), with DynamoDB's Date, Server and
    // CORS headers. Never throws: failures become DynamoDB error responses.
    http::Response handle(const http::Request& request);

    // The answer to a request refused before it reaches an operation (a
    // failed signature check): `error` in DynamoDB's JSON envelope, with the
    // same headers handle() adds. Thread-safe; touches no table.
    http::Response refuse(const http::Request& request, const ApiError& error) const;

    nlohmann::json health() const;

    // Work for an I/O thread with nothing else to do
    // (http::ServerOptions::idle_work): applies the oldest deferred record
    // (one request's puts) when it is small (a few puts) and no one holds
    // the engine, so that the background thread's slices, which requests
    // wait behind, find little left. Never waits; returns whether it
    // applied one. Thread-safe.
    bool apply_deferred_while_idle();

    // Runs the background work due at Options::clock's now: the commit of a
    // batch open for 20 ms, the WAL's copies, the TTL sweep. Returns when
    // work is next due (none: nothing until a request opens a batch, with
    // ttl_interval 0). The background thread calls it; with Options::clock
    // set (no thread), the caller does, one call at a time. Throws
    // std::logic_error when called beside the background thread.
    std::optional<std::chrono::steady_clock::time_point> tick();

    // Deletes every item whose TTL attribute is at or before `now_seconds`
    // (epoch seconds) in tables with TTL enabled; returns how many. The
    // background thread calls it with the current time.
    std::size_t expire_items(std::int64_t now_seconds);

private:
    http::Response answer(const http::Request& request);  // handle() without the common headers
    void run_background();  // the background thread's loop (see Threading)
    static http::Response with_headers(const http::Request& request, http::Response response);
    struct Impl;
    struct Engine& engine_();
    std::unique_ptr<Impl> impl_;
};

}  // namespace lowcloud::dynamodb
