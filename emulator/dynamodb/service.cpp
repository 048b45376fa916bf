// The DynamoDB service's protocol front: AWS JSON 1.0 over HTTP. Parses the
// body once, dispatches on X-Amz-Target to an operation (engine.hpp), and
// writes every response, success or ApiError, in one place with DynamoDB's
// headers: x-amzn-RequestId and x-amz-crc32 (which botocore verifies).
#include "dynamodb/service.hpp"

#include "common/checksum.hpp"
#include "common/compression.hpp"

#include "common/ids.hpp"
#include "ops/engine.hpp"
#include "dynamodb/error.hpp"
#include "json/json_parse.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <thread>
#include <unordered_map>

namespace lowcloud::dynamodb {

using nlohmann::json;

namespace {

// How long writes may wait in the open batch before it commits (they are
// durable in the journal already), and how many operations it may hold.
constexpr auto kFlushDelay = std::chrono::milliseconds(20);
constexpr std::size_t kMaxBatchOperations = 20000;
// How many deferred puts (storage.hpp, "Deferred writes") the background
// thread applies per hold of the engine's mutex, before and after each
// commit: a few hundred microseconds of work on a large table. Before, the
// first request after a commit applied all that was deferred during it (up
// to Storage::kMaxDeferredPuts, 70-160 ms under BatchWriteItem at 32
// connections, every other request waiting). What the slices leave when
// writes outpace them the first request that is not a blind put still
// applies in one hold; the commit leaves it to the next batch.
constexpr std::size_t kApplySlice = 64;
// How long the background thread waits between slices for the requests
// waiting for the mutex to take it (a sleeping one must be woken first).
constexpr auto kHandOver = std::chrono::microseconds(200);
// The largest deferred record (one request's puts) an idle I/O thread
// applies (Service::apply_deferred_while_idle), one per call: a request
// arriving meanwhile waits for it. A BatchWriteItem of 25 puts takes
// ~100 us: applied there, it cost BatchWriteItem at one connection 5-9%;
// larger records, and the smaller ones behind them, are left to the
// background thread.
constexpr std::size_t kIdleRecordPuts = 4;
// How long writes must pause before the background thread copies what the
// WAL holds beyond the last bulk copy. Only a complete copy lets the WAL
// start over by itself (storage.hpp): without it each burst of writes
// continued the last one's WAL until a sustained total reached
// restart_frames, and every request but a blind put waits tens of
// milliseconds for that start-over. One copy per pause, none while idle.
constexpr auto kQuietCopyDelay = std::chrono::milliseconds(200);
// How many steps the background thread raises its nice value by: its work
// (commits, slices of deferred puts, WAL copies, TTL sweeps) gives way to
// requests. At the process's own value, a client woken onto the core where
// it ran waited for it: under PutItem at one connection, one request per
// commit waited 0.5-1 ms. At +5, PutItem at one connection +1-5% and its
// p99 1.0-1.3 -> 0.65-0.94 ms; +10 took the p99 to 0.3 ms but cost PutItem
// at 32 connections 7% (its slices fell behind; ~2% at +5, within noise).
// An unprivileged thread cannot lower it again.
constexpr int kBackgroundNice = 5;

// DynamoDB's request limit, which a compressed body must respect once decoded.
constexpr std::size_t kRequestBodyLimit = 16 * 1024 * 1024;
// DynamoDB compresses answers larger than this when the client accepts it.
constexpr std::size_t kCompressAbove = 4096;

const std::unordered_map<std::string, OperationEntry>& operations() {
    static const std::unordered_map<std::string, OperationEntry> ops = {
        {"CreateTable", create_table},
        {"DescribeTable", describe_table},
        {"ListTables", list_tables},
        {"DeleteTable", delete_table},
        {"UpdateTable", update_table},
        {"TagResource", tag_resource},
        {"UntagResource", untag_resource},
        {"ListTagsOfResource", list_tags_of_resource},
        {"DescribeTimeToLive", describe_time_to_live},
        {"UpdateTimeToLive", update_time_to_live},
        {"DescribeLimits", describe_limits},
        {"DescribeEndpoints", describe_endpoints},
        {"DescribeContinuousBackups", describe_continuous_backups},
        {"UpdateContinuousBackups", update_continuous_backups},
        {"PutItem", prepare_put_item},
        {"GetItem", prepare_get_item_text},
        {"UpdateItem", update_item},
        {"DeleteItem", delete_item},
        {"Query", prepare_query_text},
        {"Scan", prepare_scan_text},
        {"BatchGetItem", batch_get_item},
        {"BatchWriteItem", prepare_batch_write_item},
        {"TransactWriteItems", transact_write_items},
        {"TransactGetItems", transact_get_items},
    };
    return ops;
}

// The Date header's value for this second. Formatted once a second per
// thread: gmtime_r() takes glibc's time zone lock, which the I/O threads
// would otherwise contend for on every answer.
const std::string& http_date_now() {
    thread_local std::time_t formatted_at = -1;
    thread_local std::string value;
    std::time_t now = std::time(nullptr);
    if (now != formatted_at) {
        char date[64];
        std::tm tm{};
        gmtime_r(&now, &tm);
        std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        value = date;
        formatted_at = now;
    }
    return value;
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

http::Response finish(int status, std::string body, std::string_view content_type = "application/x-amz-json-1.0") {
    http::Response r;
    r.status = status;
    r.set_header("Content-Type", std::string(content_type));
    r.set_header("x-amzn-RequestId", random_alnum_id(52));
    r.set_header("x-amz-crc32", std::to_string(crc32_of(body)));
    r.body = std::move(body);
    return r;
}

http::Response error_response(const ApiError& e, std::string_view content_type) {
    json body = e.extra;
    body["__type"] = e.type();
    // Coral's service-level exceptions spell the member "Message", and so
    // does TransactionCanceledException (next to its CancellationReasons).
    const bool capital = e.short_type() == "SerializationException" || e.short_type() == "TransactionCanceledException";
    body[capital ? "Message" : "message"] = e.what();
    return finish(e.status(), dump(body), content_type);
}

// DynamoDB answers in the JSON flavour the client asked in.
std::string_view answer_content_type(const http::Request& request) {
    return request.header("Content-Type").substr(0, 16) == "application/json" ? "application/json" : "application/x-amz-json-1.0";
}

}  // namespace

Engine::Engine(Options o, Logger& l)
    : options(std::move(o)), logger(l), mutex(options.spin), storage(options.data_dir ? std::optional(*options.data_dir / "dynamodb.sqlite3") : std::nullopt) {
    if (const auto& m = storage.migrated())
        logger.info("dynamodb: migrated " + storage.file()->string() + " from schema version " + std::to_string(m->from) +
                    " to " + std::to_string(Storage::kSchemaVersion) + " (" + std::to_string(m->items) + " items)");
    for (auto& t : storage.load_tables()) {
        std::string name = t.name;
        tables.emplace(std::move(name), std::move(t));
    }
    std::size_t replayed = storage.recover([this](std::int64_t id) -> const TableDef* {
        for (const auto& [name, t] : tables)
            if (t.id == id) return &t;
        return nullptr;
    });
    if (replayed) logger.info("dynamodb: recovered " + std::to_string(replayed) + " journaled write(s) not yet committed");
}

std::unique_lock<SpinningMutex> Engine::lock() {
    std::unique_lock lock(mutex);
    wait_for_commit(lock);
    return lock;
}

void Engine::wait_for_commit(std::unique_lock<SpinningMutex>& lock) {
    if (storage.committing()) commit_done.wait(lock, [this] { return !storage.committing(); });
}

TableDef& Engine::table(const std::string& name, bool detailed) {
    auto it = tables.find(name);
    if (it == tables.end())
        throw resource_not_found(detailed ? "Requested resource not found: Table: " + name + " not found" : "Requested resource not found");
    return it->second;
}

TableDef& Engine::table_by_arn(const std::string& arn_text, bool detailed) {
    // arn:aws:dynamodb:REGION:ACCOUNT:table/NAME
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t i = 0; i < 5; ++i) {
        auto colon = arn_text.find(':', start);
        if (colon == std::string::npos) break;
        parts.push_back(arn_text.substr(start, colon - start));
        start = colon + 1;
    }
    parts.push_back(arn_text.substr(start));
    if (parts.size() != 6 || parts[0] != "arn" || parts[2] != "dynamodb" || parts[5].rfind("table/", 0) != 0 || parts[5].size() <= 6)
        throw validation_error("Invalid TableArn: Invalid ResourceArn provided as input " + arn_text);
    // An index's ARN (table/NAME/index/INDEX) names no taggable resource.
    if (parts[5].find("/index/") != std::string::npos)
        throw validation_error(
            "One or more parameter values were invalid: Invalid resource arn provided, only table or stream is accepted. "
            "Provided resource arn: " + arn_text);
    for (auto& [name, t] : tables)
        if (arn(t) == arn_text) return t;
    throw resource_not_found(detailed ? "Requested resource not found: ResourcArn: " + arn_text + " not found" : "Requested resource not found");
}

json Engine::describe(const TableDef& t, const std::string& status) {
    TableDef with_counters = t;
    std::tie(with_counters.item_count, with_counters.size_bytes) = storage.counters(t.id);
    for (auto* indexes : {&with_counters.local_indexes, &with_counters.global_indexes})
        for (auto& i : *indexes) std::tie(i.item_count, i.size_bytes) = storage.index_counters(t.id, i.name);
    return dynamodb::describe(with_counters, options.region, options.account_id, status);
}

struct Service::Impl {
    using time_point = std::chrono::steady_clock::time_point;
    Impl(Options o, Logger& l) : engine(std::move(o), l) {}
    Engine engine;

    // The background thread (run_background): commits the batch kFlushDelay
    // after it opened, checkpoints the WAL, and expires TTL items every
    // ttl_interval. It sleeps until the next of those deadlines and runs
    // what is due with tick(). None with a fake clock (Options::clock): the
    // test calls tick().
    std::mutex background_mutex;
    std::condition_variable background_wake;
    std::optional<time_point> flush_at;  // guarded by background_mutex
    bool stopping = false;               // guarded by background_mutex
    std::thread background;

    // tick()'s own state: one caller at a time (the background thread, or
    // the test), so no lock.
    time_point next_sweep;
    // Set after a commit that left frames uncopied: when writes pause this
    // long, with no batch open, the rest is copied (see kQuietCopyDelay).
    std::optional<time_point> quiet_copy_at;
    std::int64_t checkpointed_frames = 0;  // WAL frames the last bulk checkpoint copied
    std::int64_t last_frames = 0;          // wal_frames() at the previous flush

    time_point now() const { return engine.options.clock ? engine.options.clock() : std::chrono::steady_clock::now(); }
    // The earliest of the commit, the sweep and the quiet copy; none when
    // none is set. Under background_mutex.
    std::optional<time_point> next_deadline() const {
        std::optional<time_point> deadline = flush_at;
        if (engine.options.ttl_interval.count() > 0 && (!deadline || next_sweep < *deadline)) deadline = next_sweep;
        if (quiet_copy_at && (!deadline || *quiet_copy_at < *deadline)) deadline = quiet_copy_at;
        return deadline;
    }
};

Service::Service(Options options, Logger& logger) : impl_(std::make_unique<Impl>(std::move(options), logger)) {
    // Called under the engine's mutex; the background thread never holds
    // background_mutex while it takes the engine's.
    impl_->engine.storage.on_batch_open([impl = impl_.get()] {
        {
            std::lock_guard lock(impl->background_mutex);
            if (!impl->flush_at) impl->flush_at = impl->now() + kFlushDelay;
        }
        impl->background_wake.notify_one();
    });
    impl_->next_sweep = impl_->now() + impl_->engine.options.ttl_interval;
    if (!impl_->engine.options.clock) impl_->background = std::thread([this] { run_background(); });
}

namespace {

// Applies the deferred puts a slice at a time (kApplySlice), releasing the
// mutex between slices, until none is left or kFlushDelay has passed
// (whatever is left, the next operation or commit applies).
void apply_slices(Engine& engine) {
    Storage& storage = engine.storage;
    const auto until = std::chrono::steady_clock::now() + kFlushDelay;
    for (;;) {
        {
            std::lock_guard lock(engine.mutex);
            if (!storage.apply_deferred_some(kApplySlice)) break;
        }
        if (std::chrono::steady_clock::now() >= until) break;
        // The requests that waited for the slice go first: without this the
        // thread took the mutex again before a woken request ran, and
        // requests waited for all the slices (up to 17 ms: PutItem's p99 at
        // one connection rose from 2-3 to 4-8 ms).
        engine.mutex.hand_over(kHandOver);
    }
}

// Commits the batch, if open, releasing the engine's mutex while SQLite
// commits: puts that need no answer from the store are deferred meanwhile
// (storage.hpp); every other request waits for the commit, as it would for
// the mutex. The deferred puts are applied in slices before and after;
// what the slices before leave is not in the batch (Storage::begin_commit()
// moves it to the next one: applying it under the mutex took 4-45 ms at one
// connection when writes kept coming). With `then_copy`,
// the WAL is copied into the database before the commit ends, so that no
// batch opens before the copy completes and the WAL starts over at the next
// write (Storage::checkpoint()); the copy's fsyncs do not hold the mutex.
void commit(Engine& engine, bool then_copy = false) {
    Storage& storage = engine.storage;
    apply_slices(engine);
    {
        std::lock_guard lock(engine.mutex);
        if (!storage.begin_commit()) {
            // No batch is open, and none opens while the mutex is held: blind
            // puts wait for this copy too (rare: nothing was written since
            // the commit before).
            if (then_copy) storage.checkpoint();
            return;
        }
    }
    storage.run_commit();
    std::exception_ptr error;
    if (then_copy) {
        try {
            storage.checkpoint();
        } catch (const std::exception& e) {
            // The commit stands; the WAL goes on and the next start-over retries.
            engine.logger.error(std::string("dynamodb WAL copy failed: ") + e.what());
        }
    }
    {
        std::lock_guard lock(engine.mutex);
        try {
            storage.end_commit();
        } catch (...) {
            error = std::current_exception();
        }
    }
    engine.commit_done.notify_all();
    if (error) std::rethrow_exception(error);
    apply_slices(engine);
}

}  // namespace

void Service::run_background() {
    Impl& impl = *impl_;
    const auto tid = static_cast<id_t>(::gettid());
    errno = 0;
    const int nice = ::getpriority(PRIO_PROCESS, tid);  // the process's, which may be raised already
    if (errno != 0 || ::setpriority(PRIO_PROCESS, tid, std::min(19, nice + kBackgroundNice)) != 0)
        impl.engine.logger.debug(std::string("dynamodb: the background thread keeps its priority: ") + std::strerror(errno));
    std::unique_lock lock(impl.background_mutex);
    while (!impl.stopping) {
        const auto deadline = impl.next_deadline();
        if (!deadline) {
            impl.background_wake.wait(lock);
            continue;
        }
        if (impl.now() < *deadline) {
            impl.background_wake.wait_until(lock, *deadline);
            continue;
        }
        lock.unlock();
        tick();
        lock.lock();
    }
}

std::optional<std::chrono::steady_clock::time_point> Service::tick() {
    Impl& impl = *impl_;
    if (impl.background.joinable() && std::this_thread::get_id() != impl.background.get_id())
        throw std::logic_error("dynamodb: Service::tick() called beside the background thread (set Options::clock)");
    const Options& options = impl.engine.options;
    const auto interval = options.ttl_interval;
    const std::int64_t checkpoint_frames = std::max(1, options.checkpoint_frames);
    const std::int64_t restart_frames = std::max<std::int64_t>(checkpoint_frames, options.restart_frames);
    const auto now = impl.now();
    bool flush = false, quiet_copy = false;
    const bool sweep = interval.count() > 0 && now >= impl.next_sweep;
    if (sweep) impl.next_sweep = now + interval;
    const bool pause_over = impl.quiet_copy_at && now >= *impl.quiet_copy_at;
    if (pause_over) impl.quiet_copy_at.reset();
    {
        std::lock_guard lock(impl.background_mutex);
        flush = impl.flush_at && now >= *impl.flush_at;
        // A batch open means writes go on: its commit sets the deadline again.
        quiet_copy = pause_over && !impl.flush_at;
        if (flush) impl.flush_at.reset();
    }
    // Each job on its own: a failing sweep must not stop the commits.
    if (flush) {
        Storage& storage = impl.engine.storage;
        try {
            commit(impl.engine);
            const std::int64_t frames = storage.wal_frames();
            // The WAL started over (after a restart below, or by itself
            // after a bulk copy completed with no batch open).
            if (frames < impl.last_frames) impl.checkpointed_frames = 0;
            impl.last_frames = frames;
            // The bulk every checkpoint_frames (a larger WAL copies a page
            // written many times once); the WAL starts over past
            // restart_frames only: that last copy runs with no batch
            // open, through two fsyncs, milliseconds every request but
            // a blind put waits (the PutItem p99 at one connection was
            // 12 ms when it ran every 32 MB).
            if (frames >= impl.checkpointed_frames + checkpoint_frames || frames >= restart_frames) {
                storage.checkpoint();  // the bulk, while requests go on
                impl.checkpointed_frames = frames;
            }
            if (frames >= restart_frames) {
                // Catch up first: commit what arrived during the bulk
                // (tens of milliseconds of writes) and copy it, so that
                // the last copy, which requests other than blind puts
                // wait for, is smaller (PutItem p99 at 32 connections 46
                // -> 25-28 ms when it held the mutex).
                commit(impl.engine);
                storage.checkpoint();
                commit(impl.engine, true);  // the last batch: the WAL starts over at the next write
                impl.checkpointed_frames = 0;
            } else if (frames > impl.checkpointed_frames) {
                impl.quiet_copy_at = impl.now() + kQuietCopyDelay;
            }
        } catch (const std::exception& e) {
            impl.engine.logger.error(std::string("dynamodb commit failed (journaled writes are replayed): ") + e.what());
        }
    }
    if (quiet_copy) {
        // The WAL starts over at the next write if no batch opens before
        // this copy completes.
        try {
            if (impl.engine.storage.checkpoint()) impl.checkpointed_frames = impl.last_frames;
        } catch (const std::exception& e) {
            impl.engine.logger.error(std::string("dynamodb WAL copy failed: ") + e.what());
        }
    }
    if (sweep) {
        try {
            expire_items(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
        } catch (const std::exception& e) {
            impl.engine.logger.error(std::string("dynamodb TTL sweep failed: ") + e.what());
        }
    }
    std::lock_guard lock(impl.background_mutex);
    return impl.next_deadline();
}

Service::~Service() {
    {
        std::lock_guard lock(impl_->background_mutex);
        impl_->stopping = true;
    }
    impl_->background_wake.notify_all();
    if (impl_->background.joinable()) impl_->background.join();
    try {
        std::lock_guard lock(impl_->engine.mutex);
        impl_->engine.storage.flush();
        impl_->engine.storage.checkpoint();
    } catch (const std::exception& e) {
        impl_->engine.logger.error(std::string("dynamodb: final commit failed (with a data dir the journal keeps the writes for the next start): ") + e.what());
    }
}

std::size_t Service::expire_items(std::int64_t now_seconds) {
    Engine& engine = impl_->engine;
    auto lock = engine.lock();
    const bool any_ttl = std::any_of(engine.tables.begin(), engine.tables.end(), [](const auto& e) { return e.second.ttl_attribute.has_value(); });
    if (!any_ttl) return 0;  // nothing to do, and the deferred puts are left to the background thread's slices
    engine.storage.catch_up();  // deferred puts carry TTL entries too
    std::size_t total = 0;
    std::string failures;
    for (auto& [name, t] : engine.tables) {
        if (!t.ttl_attribute) continue;
        try {  // one table's failure does not stop the others' expiry
            for (;;) {
                auto keys = engine.storage.expired(t.id, now_seconds, 500);
                if (keys.empty()) break;
                std::size_t removed = 0;
                Storage::Op tx(engine.storage);
                for (const auto& key : keys)
                    if (auto old = engine.storage.get(t.id, key)) {
                        engine.storage.remove(t, key, *old);
                        ++removed;
                    }
                tx.commit();
                total += removed;
                if (keys.size() < 500 || removed == 0) break;  // entries without their item: no progress to make
            }
        } catch (const std::exception& e) {
            failures += (failures.empty() ? "" : "; ") + name + ": " + e.what();
        }
        if (total) engine.logger.debug("dynamodb TTL expired items in " + name);
    }
    if (!failures.empty()) throw std::runtime_error(failures);
    return total;
}

Engine& Service::engine_() { return impl_->engine; }

// DynamoDB's own headers on every answer: Date, "Server: Server", and for a
// browser's request (an Origin) the CORS headers DynamoDB sends; a
// preflight also echoes what it asks for.
http::Response Service::handle(const http::Request& request) {
    return with_headers(request, request.method == "OPTIONS" ? http::Response::text(200, "", "text/plain") : answer(request));
}

bool Service::apply_deferred_while_idle() {
    Engine& engine = impl_->engine;
    const auto small = [&engine] {
        const std::size_t puts = engine.storage.oldest_deferred_record();
        return puts > 0 && puts <= kIdleRecordPuts;
    };
    // First as a hint, without the mutex (taking it for nothing delayed the
    // background thread's slices: BatchWriteItem at one connection -5%),
    // then again under it: the oldest record may have been applied since.
    if (!small()) return false;
    std::unique_lock lock(engine.mutex, std::try_to_lock);
    if (!lock || engine.storage.committing() || !small()) return false;
    try {
        engine.storage.apply_deferred_some(1);
    } catch (const std::exception& e) {
        // The batch is dropped and the journal replayed before the next
        // operation, which reports what still fails.
        engine.logger.error(std::string("dynamodb: applying deferred puts failed (journaled writes are replayed): ") + e.what());
        return false;
    }
    return true;
}

http::Response Service::refuse(const http::Request& request, const ApiError& error) const {
    return with_headers(request, error_response(error, answer_content_type(request)));
}

http::Response Service::with_headers(const http::Request& request, http::Response r) {
    r.set_header("Date", http_date_now());
    r.set_header("Server", "Server");
    // Compressed answers over 4 KB for clients that accept them, as DynamoDB
    // does; x-amz-crc32 covers the bytes sent.
    if (r.body.size() > kCompressAbove && request.has_header("Accept-Encoding")) {
        std::string coding = choose_encoding(request.header("Accept-Encoding"));
        if (!coding.empty()) {
            r.body = encode_content(r.body, coding);
            r.set_header("Content-Encoding", coding);
            r.set_header("x-amz-crc32", std::to_string(crc32_of(r.body)));
        }
    }
    if (request.has_header("Origin")) {
        r.set_header("Access-Control-Allow-Origin", "*");
        r.set_header("Access-Control-Expose-Headers", "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date");
        if (request.method == "OPTIONS") {
            r.set_header("Access-Control-Max-Age", "172800");
            if (request.has_header("Access-Control-Request-Method"))
                r.set_header("Access-Control-Allow-Methods", std::string(request.header("Access-Control-Request-Method")));
            if (request.has_header("Access-Control-Request-Headers"))
                r.set_header("Access-Control-Allow-Headers", std::string(request.header("Access-Control-Request-Headers")));
        }
    }
    return r;
}

http::Response Service::answer(const http::Request& request) {
    if (request.method == "GET" && request.path() == "/")
        return finish(200, "healthy: dynamodb." + impl_->engine.options.region + ".amazonaws.com ", "text/plain");
    std::string_view content_type = answer_content_type(request);
    try {
        std::string_view target = request.header("X-Amz-Target");
        auto dot = target.find('.');
        std::string name(dot == std::string_view::npos ? std::string_view{} : target.substr(dot + 1));
        auto it = operations().find(name);
        if (it == operations().end() || target.substr(0, dot) != "DynamoDB_20120810")
            throw unknown_operation_error(name.empty() ? "Missing X-Amz-Target" : "lowcloud does not implement " + std::string(target));
        // A compressed body (Content-Encoding: gzip or deflate), as DynamoDB
        // accepts it; what cannot be decoded is DynamoDB's 500, never applied.
        std::string decoded;
        const std::string* text = &request.body;
        if (request.has_header("Content-Encoding")) {
            DecodedBody d = decode_content(request.body, request.header("Content-Encoding"), kRequestBodyLimit);
            if (d.status == DecodedBody::Status::too_large) return http::Response::text(413, "Request Entity Too Large: " + d.reason + "\n");
            if (d.status != DecodedBody::Status::ok) throw internal_error("The request body could not be decoded: " + d.reason);
            decoded = std::move(d.body);
            text = &decoded;
        }
        json body;
        try {
            body = jsonparse::parse(*text);
        } catch (const json::parse_error&) {
            throw serialization_error("Malformed JSON in the request body");
        } catch (const json::exception&) {
            // E.g. 1e400: a number beyond a double is the client's error, never a 500.
            throw serialization_error("NUMBER_VALUE cannot be converted: a number in the request body is out of range");
        }
        if (!body.is_object()) throw serialization_error("Start of structure or map found where not expected");
        const OperationEntry& op = it->second;
        json result;
        std::string answer_text;
        // The busiest operations read their request before taking the lock.
        Prepared<std::string> text_step;
        Prepared<json> step;
        if (const auto* prepare_text = std::get_if<PrepareText>(&op)) text_step = (*prepare_text)(body);
        if (const auto* prepare = std::get_if<Prepare>(&op)) step = (*prepare)(body);
        Prepared<json> deferred;
        if (const auto* prepare = std::get_if<PrepareWrite>(&op)) {
            PreparedWrite w = (*prepare)(body);
            step = std::move(w.step);
            deferred = std::move(w.deferred);
        }
        {
            std::unique_lock lock(impl_->engine.mutex);
            Storage& storage = impl_->engine.storage;
            // A blind put is journaled and answered: its insert is applied
            // later, and it does not wait for a commit (storage.hpp, "Deferred writes").
            bool defer = deferred && storage.can_defer();
            if (deferred && !defer) {
                // In memory nothing is deferred (make_room() is false).
                // With a data directory, Storage::kMaxDeferredPuts are
                // waiting (the background thread was busy, e.g. copying the
                // WAL): this request applies a slice of them and joins the
                // rest. Before, it applied all of them (60-120 ms under
                // BatchWriteItem at one connection, during every bulk copy
                // of the WAL).
                impl_->engine.wait_for_commit(lock);
                defer = storage.make_room(kApplySlice);
            }
            if (!defer) {
                impl_->engine.wait_for_commit(lock);
                impl_->engine.storage.begin_batch();
            }
            if (defer)
                result = deferred(impl_->engine);
            else if (text_step)
                answer_text = text_step(impl_->engine);
            else if (step)
                result = step(impl_->engine);
            else
                result = std::get<Operation>(op)(impl_->engine, body);
            if (!defer && impl_->engine.storage.batch_operations() >= kMaxBatchOperations) {
                try {
                    impl_->engine.storage.flush();
                } catch (const std::exception& e) {  // the operation itself succeeded (journaled with a data dir; flush() replays)
                    impl_->engine.logger.error(std::string("dynamodb commit failed (with a data dir the journal keeps the writes; in memory they are lost): ") + e.what());
                }
            }
        }
        if (text_step) return finish(200, std::move(answer_text), content_type);
        // TagResource and UntagResource answer an empty body, as DynamoDB does.
        if (result.empty() && (name == "TagResource" || name == "UntagResource")) return finish(200, "", content_type);
        return finish(200, dump(result), content_type);
    } catch (const ApiError& e) {
        return error_response(e, content_type);
    } catch (const std::exception& e) {
        impl_->engine.logger.error(std::string("dynamodb internal error: ") + e.what());
        return error_response(internal_error("Internal server error: " + std::string(e.what())), content_type);
    }
}

nlohmann::json Service::health() const {
    std::lock_guard lock(impl_->engine.mutex);
    return {{"status", "running"},
            {"tables", impl_->engine.tables.size()},
            {"storage", impl_->engine.options.data_dir ? (*impl_->engine.options.data_dir / "dynamodb.sqlite3").string() : ":memory:"}};
}

}  // namespace lowcloud::dynamodb
