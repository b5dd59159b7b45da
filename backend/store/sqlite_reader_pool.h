#pragma once

#include "common/status.h"

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <vector>

struct sqlite3;

namespace aegis::store {

// The reader connections of a SQLite file (the main store's, the span store's), shared by the
// threads that query it: acquire() hands out an idle one, waiting while all are leased. The pool
// owns the connections; close() (or destruction) closes them, when none is leased.
class SqliteReaderPool {
public:
    SqliteReaderPool() = default;
    ~SqliteReaderPool() { close(); }
    SqliteReaderPool(const SqliteReaderPool &) = delete;
    SqliteReaderPool &operator=(const SqliteReaderPool &) = delete;

    // Adds `count` connections made by `connect`; its first error otherwise (those made until
    // then stay in the pool).
    Status open(std::size_t count, const std::function<StatusOr<sqlite3 *>()> &connect);
    // An idle connection, for one thread until release().
    sqlite3 *acquire() const;
    void release(sqlite3 *db) const;
    void close();

private:
    mutable std::mutex m_mutex;
    mutable std::condition_variable m_available;
    mutable std::vector<sqlite3 *> m_idle; // Owned.
    std::vector<sqlite3 *> m_all;          // Owned.
};

} // namespace aegis::store
