// RAII over SQLite's C API, just what the DynamoDB storage needs: a
// connection, prepared statements (cached per connection), and
// transactions that roll back unless committed.
// Not thread-safe: a Database and its statements belong to one thread at a
// time (the storage layer serializes access with a mutex).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

namespace lowcloud::dynamodb::sqlite {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Database;

// Applies the process's SQLite settings once; they take effect only before
// SQLite initializes, so anything that may initialize it (opening a
// database, registering a VFS) calls this first.
void configure();

class Statement {
public:
    Statement(Database& db, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Parameters are 1-based. Text and blobs are copied (SQLITE_TRANSIENT).
    Statement& bind(int index, std::int64_t value);
    Statement& bind_text(int index, std::string_view value);
    Statement& bind_blob(int index, std::string_view value);
    Statement& bind_null(int index);

    // Advances: true when a row is available, false when done. Throws Error.
    bool step();
    // Runs to completion (for statements that return no rows).
    void run();
    // Ready for re-use with new bindings.
    void reset();
    // The SQL text it was prepared from.
    const char* sql() const;

    std::int64_t column_int(int column) const;
    // Valid until the next step/reset.
    std::string_view column_blob(int column) const;
    std::string column_text(int column) const;
    bool column_is_null(int column) const;

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

class Database {
public:
    // Opens or creates `path` (":memory:" for an in-memory database),
    // through the VFS named `vfs` (the default one when null).
    explicit Database(const std::string& path, const char* vfs = nullptr);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    sqlite3* handle() const { return db_; }
    void exec(const std::string& sql);
    // A prepared statement kept for the connection's lifetime, reset and
    // ready for new bindings.
    Statement& cached(const std::string& sql);
    // The same for SQL text given as a C string (a literal, as most callers
    // pass): found by its address, then checked against the statement's
    // text, so no std::string is built and hashed per call. Any non-null
    // pointer is safe: a different text at a reused address is looked up by
    // text.
    Statement& cached(const char* sql);
    std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

private:
    sqlite3* db_ = nullptr;
    std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
    std::unordered_map<const char*, Statement*> by_address_;  // into cache_, whose entries live as long as it
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless commit().
class Transaction {
public:
    explicit Transaction(Database& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    Database& db_;
    bool done_ = false;
};

}  // namespace lowcloud::dynamodb::sqlite
