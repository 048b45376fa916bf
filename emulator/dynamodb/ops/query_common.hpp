// Private to the DynamoDB service: what Query and Scan share. The request
// members both accept (with DynamoDB's constraint messages and its order of
// checks), Select and its interplay with projections, the table or index
// being read, the ExclusiveStartKey / LastEvaluatedKey key set, and the page
// builder: the storage Visit callback that counts items read (Limit and the
// 1 MB rule apply before the filter), filters, projects per Select and the
// index projection, sums sizes for ConsumedCapacity, and stops after peeking
// one item past the page so LastEvaluatedKey appears only when more remain.
#pragma once

#include "ops/engine.hpp"
#include "dynamodb/error.hpp"
#include "ops/item_common.hpp"
#include "model/request.hpp"
#include "storage/storage.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lowcloud::dynamodb {

// DynamoDB stops a page once the items read add up to 1 MB.
constexpr std::int64_t kPageBytes = 1024 * 1024;

enum class ReadKind { Query, Scan };

// Members common to Query and Scan, typed and constraint-checked.
struct ReadRequest {
    std::string table;
    std::optional<std::string> index;
    std::optional<std::string> select;
    std::optional<std::int64_t> limit;
    std::optional<std::int64_t> segment, total_segments;  // Scan only
    bool consistent = false;
    bool forward = true;  // Query's ScanIndexForward
    std::optional<std::string> return_capacity;
    std::optional<Item> start_key;  // ExclusiveStartKey
    Expressions expressions;
};

// Reads the members with their constraints (one "N validation errors
// detected" message, in DynamoDB's member order for the operation), then the
// Select rules. Leaves start_key and expressions to parse_read_expressions.
ReadRequest read_members(const nlohmann::json& req, ReadKind kind);

// Parses the ExclusiveStartKey ("The provided starting key is invalid: ..."
// for malformed values) and the expressions, reporting whichever failure
// DynamoDB checks first: constraints on the expression parameters (mixing,
// unused names...) come before the start key, the start key before
// `later` (the first of the operation's next checks that failed, if any),
// and those before the expressions themselves.
void parse_read_expressions(ReadRequest& r, const nlohmann::json& req, ExpressionMembers members,
                            std::optional<ApiError> later = std::nullopt);

// The table or index a request reads.
struct ReadTarget {
    TableDef* table = nullptr;
    const SecondaryIndex* index = nullptr;
    bool local = false;  // a local secondary index

    const KeySchema& key() const { return index ? index->key : table->key; }
    // Table keys, then index keys not among them: LastEvaluatedKey's members.
    std::vector<KeyAttribute> start_key_attributes() const;
    // Whether the index holds `attribute` (always true for ALL and the table).
    bool projects(const std::string& attribute) const;
};

// Looks the table and index up: ResourceNotFoundException, "The table does
// not have the specified index: X", "Consistent reads are not supported on
// global secondary indexes".
ReadTarget resolve_target(Engine& engine, const ReadRequest& r);

// The checks both operations make once the target is known, in DynamoDB's
// order relative to each other: nested paths into key attributes (projection
// first), ALL_ATTRIBUTES on a GSI that does not project ALL, projecting
// attributes a GSI does not hold.
void check_select_against_target(const ReadRequest& r, const ReadTarget& t);
void check_projection_paths(const ReadRequest& r, const ReadTarget& t);
void check_filter_paths(const ReadRequest& r, const ReadTarget& t);

// The ExclusiveStartKey's table-key part as a storage key, or "The provided
// starting key is invalid: <why>".
EncodedKey start_table_key(const ReadTarget& t, const Item& start_key);
// Its index-key part (precondition: present with the right types).
EncodedKey start_index_key(const ReadTarget& t, const Item& start_key);

// Collects one page from a storage read (pass visitor() as the Visit).
class PageBuilder {
public:
    PageBuilder(const ReadRequest& r, const ReadTarget& t);

    Visit visitor() {
        return [this](Row&& row) { return visit(std::move(row)); };
    }
    // The response as JSON text: Items (unless COUNT), Count, ScannedCount,
    // LastEvaluatedKey, ConsumedCapacity. Whole items are the stored text,
    // spliced in unchanged (no decoding, no re-encoding).
    std::string response_text() const;

private:
    enum class Output { Full, IndexProjected, Specific, Count };

    bool visit(Row&& row);
    Item index_view(const Item& item) const;
    nlohmann::json capacity(nlohmann::json out) const;  // `out` with ConsumedCapacity when asked for

    const ReadRequest& r_;
    const ReadTarget& t_;
    Output output_ = Output::Full;
    std::vector<KeyAttribute> key_attributes_;  // of LastEvaluatedKey
    bool partial_;        // the index holds part of each item: what is read and returned is its view
    bool fetch_ = false;  // an LSI read that needs the base item (capacity)
    std::string items_;  // the Items array's members, comma-separated
    std::int64_t count_ = 0, scanned_ = 0;
    std::int64_t read_bytes_ = 0, fetched_bytes_ = 0;
    bool stopped_ = false, more_ = false;
    Row last_;  // the page's last item read (LastEvaluatedKey, decoded only when more remain)
};

}  // namespace lowcloud::dynamodb
