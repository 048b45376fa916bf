// Private to the DynamoDB service: the state every operation works on, and
// the operation functions themselves (one file per family: table_ops.cpp,
// item_ops.cpp). Operations receive the parsed JSON request, parse it into
// typed values, and return the JSON response or throw ApiError.
// Precondition for every operation: the caller holds Engine::mutex.
#pragma once

#include "common/log.hpp"
#include "common/spin.hpp"
#include "dynamodb/service.hpp"
#include "storage/storage.hpp"
#include "model/table.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <variant>

namespace lowcloud::dynamodb {

struct Engine {
    Engine(Options o, Logger& l);

    Options options;
    Logger& logger;
    SpinningMutex mutex;  // serializes every operation; waiters poll for up to options.spin first
    // Notified when a commit ends. The background thread's commit releases
    // the mutex while SQLite commits (Storage::begin_commit(), "Deferred
    // writes" in storage.hpp); only deferred puts may use the storage then.
    std::condition_variable_any commit_done;
    // The mutex, taken once no commit runs: how everything but a deferred
    // put (and health, which reads only `tables`) holds it.
    std::unique_lock<SpinningMutex> lock();
    // With the mutex held: waits until no commit runs (releasing the mutex meanwhile).
    void wait_for_commit(std::unique_lock<SpinningMutex>& lock);
    // Before storage: the storage's destructor commits, and a failed commit
    // replays the journal against these definitions.
    std::map<std::string, TableDef> tables;  // by name, with counters left at 0 (read from storage)
    Storage storage;

    // TransactWriteItems' ClientRequestToken idempotency (transact_ops.cpp):
    // each token a successful transaction used in the last 10 minutes, with
    // the fingerprint of its request. In memory only, like DynamoDB's window.
    struct TransactionToken {
        std::string fingerprint;
        std::chrono::steady_clock::time_point expires;
    };
    std::map<std::string, TransactionToken> transaction_tokens;

    // The table named in a request, or ResourceNotFoundException. Table
    // operations (`detailed`) name the table in the message, as DynamoDB does:
    // "Requested resource not found: Table: X not found"; item operations say
    // only "Requested resource not found".
    TableDef& table(const std::string& name, bool detailed = false);
    // Finds a table by ARN (tag operations). ValidationException for an ARN
    // that is not a DynamoDB table ARN; ResourceNotFoundException for a
    // missing table ("...: ResourcArn: ARN not found" when `detailed`, with
    // DynamoDB's own spelling).
    TableDef& table_by_arn(const std::string& arn, bool detailed = false);
    std::string arn(const TableDef& t) const { return t.arn(options.region, options.account_id); }
    nlohmann::json describe(const TableDef& t, const std::string& status = "ACTIVE");
};

// An operation run whole under the engine's lock.
using Operation = nlohmann::json (*)(Engine&, const nlohmann::json& request);

// table_ops.cpp
nlohmann::json create_table(Engine&, const nlohmann::json&);
nlohmann::json describe_table(Engine&, const nlohmann::json&);
nlohmann::json list_tables(Engine&, const nlohmann::json&);
nlohmann::json delete_table(Engine&, const nlohmann::json&);
nlohmann::json update_table(Engine&, const nlohmann::json&);
nlohmann::json tag_resource(Engine&, const nlohmann::json&);
nlohmann::json untag_resource(Engine&, const nlohmann::json&);
nlohmann::json list_tags_of_resource(Engine&, const nlohmann::json&);
nlohmann::json describe_time_to_live(Engine&, const nlohmann::json&);
nlohmann::json update_time_to_live(Engine&, const nlohmann::json&);
nlohmann::json describe_limits(Engine&, const nlohmann::json&);
nlohmann::json describe_endpoints(Engine&, const nlohmann::json&);
nlohmann::json describe_continuous_backups(Engine&, const nlohmann::json&);
nlohmann::json update_continuous_backups(Engine&, const nlohmann::json&);

// index_updates.cpp: UpdateTable's GlobalSecondaryIndexUpdates applied to
// `updated` and to storage in the caller's transaction; false when absent.
bool apply_index_updates(Engine&, TableDef& updated, const nlohmann::json& request);

// PutItem, GetItem, BatchWriteItem, Query and Scan in two steps: prepare_* reads and
// checks the request without the engine (the service runs it outside the
// engine's lock, so concurrent requests decode their input in parallel),
// reporting errors in the order the whole operation does, and returns the
// rest of the operation, to run under the lock.
template <class Answer>
using Prepared = std::function<Answer(Engine&)>;

using Prepare = Prepared<nlohmann::json> (*)(const nlohmann::json&);
using PrepareText = Prepared<std::string> (*)(const nlohmann::json&);

// A blind write (PutItem, BatchWriteItem): the step, and when the request
// allows it (no condition, nothing to return: no ReturnValues, no
// ConsumedCapacity), `deferred`, which the service runs instead with a data
// directory (Storage::can_defer()), commit or not: it checks the request
// against the table like the step and hands the puts to Storage::defer()
// (journaled, applied later, before anything reads them), answering as the
// step would.
struct PreparedWrite {
    Prepared<nlohmann::json> step;
    Prepared<nlohmann::json> deferred;  // empty: the request runs the step (waiting for any commit)
};
using PrepareWrite = PreparedWrite (*)(const nlohmann::json&);

// How the service runs an operation: whole under the lock (Operation), or
// read first and finished under the lock, answering JSON (Prepare,
// PrepareWrite) or JSON text (PrepareText).
using OperationEntry = std::variant<Operation, Prepare, PrepareText, PrepareWrite>;

// item_ops.cpp. GetItem answers JSON text, the stored item spliced in (no re-encoding).
PreparedWrite prepare_put_item(const nlohmann::json&);
Prepared<std::string> prepare_get_item_text(const nlohmann::json&);
nlohmann::json update_item(Engine&, const nlohmann::json&);
nlohmann::json delete_item(Engine&, const nlohmann::json&);

// query_ops.cpp: the answers as JSON text, stored items spliced in.
Prepared<std::string> prepare_query_text(const nlohmann::json&);
Prepared<std::string> prepare_scan_text(const nlohmann::json&);

// batch_ops.cpp
nlohmann::json batch_get_item(Engine&, const nlohmann::json&);
PreparedWrite prepare_batch_write_item(const nlohmann::json&);

// transact_ops.cpp
nlohmann::json transact_write_items(Engine&, const nlohmann::json&);
nlohmann::json transact_get_items(Engine&, const nlohmann::json&);

}  // namespace lowcloud::dynamodb
