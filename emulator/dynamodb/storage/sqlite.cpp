// RAII wrappers over SQLite (see sqlite.hpp).
#include "storage/sqlite.hpp"

#include <cstring>

namespace lowcloud::dynamodb::sqlite {

namespace {
[[noreturn]] void fail(sqlite3* db, const std::string& what) {
    throw Error(what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}
}  // namespace

Statement::Statement(Database& db, std::string_view sql) : db_(db.handle()) {
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK)
        fail(db_, "prepare '" + std::string(sql) + "'");
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, std::int64_t value) {
    if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) fail(db_, "bind");
    return *this;
}

Statement& Statement::bind_text(int index, std::string_view value) {
    if (sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8) != SQLITE_OK) fail(db_, "bind");
    return *this;
}

Statement& Statement::bind_blob(int index, std::string_view value) {
    // A zero-length blob must still be a blob, not NULL: pass a non-null pointer.
    static const char empty = 0;
    if (sqlite3_bind_blob64(stmt_, index, value.empty() ? &empty : value.data(), value.size(), SQLITE_TRANSIENT) != SQLITE_OK)
        fail(db_, "bind");
    return *this;
}

Statement& Statement::bind_null(int index) {
    if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) fail(db_, "bind");
    return *this;
}

bool Statement::step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    std::string sql = sqlite3_sql(stmt_) ? sqlite3_sql(stmt_) : "";
    sqlite3_reset(stmt_);
    fail(db_, "step '" + sql + "'");
}

void Statement::run() {
    while (step()) {
    }
}

const char* Statement::sql() const {
    const char* text = sqlite3_sql(stmt_);
    return text ? text : "";
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::column_int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string_view Statement::column_blob(int column) const {
    const void* p = sqlite3_column_blob(stmt_, column);
    int n = sqlite3_column_bytes(stmt_, column);
    return p ? std::string_view(static_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string_view{};
}

std::string Statement::column_text(int column) const {
    const unsigned char* p = sqlite3_column_text(stmt_, column);
    int n = sqlite3_column_bytes(stmt_, column);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string{};
}

bool Statement::column_is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

void configure() {
    // Once per process, before SQLite initializes: no memory statistics,
    // which would take a global mutex around every allocation SQLite makes.
    static const bool configured = [] {
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);  // SQLITE_MISUSE if initialized already: harmless
        return true;
    }();
    (void)configured;
}

Database::Database(const std::string& path, const char* vfs) {
    configure();
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path.c_str(), &db_, flags, vfs) != SQLITE_OK) {
        std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        throw Error("cannot open database " + path + ": " + message);
    }
    sqlite3_busy_timeout(db_, 5000);
}

Database::~Database() {
    cache_.clear();  // statements must be finalized before the connection closes
    sqlite3_close(db_);
}

void Database::exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        std::string text = message ? message : "unknown error";
        sqlite3_free(message);
        throw Error("exec '" + sql + "': " + text);
    }
}

Statement& Database::cached(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) it = cache_.emplace(sql, std::make_unique<Statement>(*this, sql)).first;
    it->second->reset();
    return *it->second;
}

Statement& Database::cached(const char* sql) {
    if (auto it = by_address_.find(sql); it != by_address_.end() && std::strcmp(it->second->sql(), sql) == 0) {
        it->second->reset();
        return *it->second;
    }
    Statement& s = cached(std::string(sql));
    by_address_[sql] = &s;
    return s;
}

Transaction::Transaction(Database& db) : db_(db) { db_.cached("BEGIN IMMEDIATE").run(); }

Transaction::~Transaction() {
    if (!done_) {
        try {
            db_.cached("ROLLBACK").run();
        } catch (...) {
        }
    }
}

void Transaction::commit() {
    db_.cached("COMMIT").run();
    done_ = true;
}

}  // namespace lowcloud::dynamodb::sqlite
