#pragma once

#include "common/status.h"

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>

namespace aegis::store {

// What every SQLite user of aegisd (the main store, the span store) shares: opening a connection
// with their durability settings, a prepared statement finalised on destruction, statements run
// for their effect, and schema migrations. Callers link SQLite themselves.

inline Status sqliteError(sqlite3 *db, std::string_view what) {
    return internalError(std::string(what) + ": " + sqlite3_errmsg(db));
}

// The same for a statement whose step() returned `rc`: a failed bind leaves its code but not its
// message on the connection.
inline Status sqliteError(sqlite3 *db, std::string_view what, int rc) {
    if (sqlite3_extended_errcode(db) == rc) {
        return sqliteError(db, what);
    }
    return internalError(std::string(what) + ": " + sqlite3_errstr(rc));
}

// A prepared statement, finalised on destruction.
class Statement {
public:
    Statement(sqlite3 *db, const char *sql) {
        m_rc = sqlite3_prepare_v2(db, sql, -1, &m_stmt, nullptr);
    }
    ~Statement() { sqlite3_finalize(m_stmt); }
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;

    bool prepared() const { return m_rc == SQLITE_OK; }
    Statement &bind(int index, std::int64_t value) {
        return noteBind(sqlite3_bind_int64(m_stmt, index, value));
    }
    Statement &bindBlob(int index, std::string_view value) {
        return noteBind(
            sqlite3_bind_blob64(m_stmt, index, value.data(), value.size(), SQLITE_TRANSIENT));
    }
    // The bytes must stay valid until reset(), which clears the bindings.
    Statement &bindStaticBlob(int index, std::string_view value) {
        return noteBind(
            sqlite3_bind_blob64(m_stmt, index, value.data(), value.size(), SQLITE_STATIC));
    }
    Statement &bindText(int index, std::string_view value) {
        return noteBind(sqlite3_bind_text64(m_stmt, index, value.data(), value.size(),
                                            SQLITE_TRANSIENT, SQLITE_UTF8));
    }
    // SQLITE_ROW, SQLITE_DONE or an error code; a failed bind's code (e.g. SQLITE_TOOBIG, with
    // its message in sqlite3_errmsg) without running the statement.
    int step() { return m_bindRc != SQLITE_OK ? m_bindRc : sqlite3_step(m_stmt); }
    void reset() {
        sqlite3_reset(m_stmt);
        sqlite3_clear_bindings(m_stmt);
        m_bindRc = SQLITE_OK;
    }
    std::int64_t integer(int column) const { return sqlite3_column_int64(m_stmt, column); }
    std::string text(int column) const {
        const auto *data = reinterpret_cast<const char *>(sqlite3_column_text(m_stmt, column));
        return data ? std::string(data, sqlite3_column_bytes(m_stmt, column)) : std::string();
    }
    std::string blob(int column) const {
        const auto *data = static_cast<const char *>(sqlite3_column_blob(m_stmt, column));
        return data ? std::string(data, sqlite3_column_bytes(m_stmt, column)) : std::string();
    }
    // The column's bytes without a copy, valid until the next step or reset.
    std::string_view blobView(int column) const {
        const auto *data = static_cast<const char *>(sqlite3_column_blob(m_stmt, column));
        return data ? std::string_view(data, sqlite3_column_bytes(m_stmt, column))
                    : std::string_view();
    }

private:
    // A parameter the SQL does not use (SQLITE_RANGE) is not a failure: queries assembled from
    // optional filters bind every filter's parameter.
    Statement &noteBind(int rc) {
        if (m_bindRc == SQLITE_OK && rc != SQLITE_RANGE) {
            m_bindRc = rc;
        }
        return *this;
    }

    sqlite3_stmt *m_stmt = nullptr;
    int m_rc;
    int m_bindRc = SQLITE_OK; // The first failed bind since the last reset.
};

inline Status exec(sqlite3 *db, const char *sql) {
    char *message = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        Status status = internalError(std::string("sqlite: ") + (message ? message : "error"));
        sqlite3_free(message);
        return status;
    }
    return Status::ok();
}

// Opens (creating) the file at `path` for one thread at a time, in WAL mode with
// synchronous=FULL, so a commit is on disk when it returns, then runs `pragmas`. UNAVAILABLE when
// the file cannot be opened; the failing pragma's error otherwise.
inline StatusOr<sqlite3 *> openConnection(const std::filesystem::path &path,
                                          std::initializer_list<const char *> pragmas) {
    sqlite3 *db = nullptr;
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
        Status status =
            unavailable(std::string("cannot open: ") + (db ? sqlite3_errmsg(db) : "out of memory"));
        sqlite3_close(db);
        return status;
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_extended_result_codes(db, 1);
    const std::initializer_list<const char *> durability = {"PRAGMA journal_mode=WAL",
                                                            "PRAGMA synchronous=FULL"};
    for (const auto &group : {durability, pragmas}) {
        for (const char *pragma : group) {
            if (Status status = exec(db, pragma); !status.isOk()) {
                sqlite3_close(db);
                return status;
            }
        }
    }
    return db;
}

// The file's schema version (PRAGMA user_version).
inline StatusOr<int> userVersion(sqlite3 *db) {
    Statement stmt(db, "PRAGMA user_version");
    if (!stmt.prepared() || stmt.step() != SQLITE_ROW) {
        return sqliteError(db, "reading schema version");
    }
    return static_cast<int>(stmt.integer(0));
}

// Runs `migration`, the step from schema version `version` - 1 to `version`, and records
// `version` as the file's user_version, in one transaction: rolled back when it fails.
inline Status applyMigration(sqlite3 *db, const char *migration, int version) {
    const std::string sql = std::string("BEGIN IMMEDIATE;") + migration +
                            "PRAGMA user_version=" + std::to_string(version) + ";COMMIT;";
    Status status = exec(db, sql.c_str());
    if (!status.isOk()) {
        exec(db, "ROLLBACK");
    }
    return status;
}

} // namespace aegis::store
