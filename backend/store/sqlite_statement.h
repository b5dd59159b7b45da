#pragma once

#include "common/status.h"

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace aegis::store {

// What every SQLite user of aegisd (the main store, the span store) shares: a prepared statement
// finalised on destruction, and statements run for their effect. Callers link SQLite themselves.

inline Status sqliteError(sqlite3 *db, std::string_view what) {
    return internalError(std::string(what) + ": " + sqlite3_errmsg(db));
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
        sqlite3_bind_int64(m_stmt, index, value);
        return *this;
    }
    Statement &bindBlob(int index, std::string_view value) {
        sqlite3_bind_blob(m_stmt, index, value.data(), static_cast<int>(value.size()),
                          SQLITE_TRANSIENT);
        return *this;
    }
    // The bytes must stay valid until the statement is reset or stepped to its end.
    Statement &bindStaticBlob(int index, std::string_view value) {
        sqlite3_bind_blob(m_stmt, index, value.data(), static_cast<int>(value.size()),
                          SQLITE_STATIC);
        return *this;
    }
    Statement &bindText(int index, std::string_view value) {
        sqlite3_bind_text(m_stmt, index, value.data(), static_cast<int>(value.size()),
                          SQLITE_TRANSIENT);
        return *this;
    }
    // SQLITE_ROW, SQLITE_DONE or an error code.
    int step() { return sqlite3_step(m_stmt); }
    void reset() {
        sqlite3_reset(m_stmt);
        sqlite3_clear_bindings(m_stmt);
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
    sqlite3_stmt *m_stmt = nullptr;
    int m_rc;
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

} // namespace aegis::store
