#include "store/sqlite_reader_pool.h"

#include <sqlite3.h>

namespace aegis::store {

Status SqliteReaderPool::open(std::size_t count,
                              const std::function<StatusOr<sqlite3 *>()> &connect) {
    for (std::size_t i = 0; i < count; ++i) {
        auto reader = connect();
        if (!reader) {
            return reader.status();
        }
        std::lock_guard lock(m_mutex);
        m_all.push_back(*reader);
        m_idle.push_back(*reader);
    }
    return Status::ok();
}

sqlite3 *SqliteReaderPool::acquire() const {
    std::unique_lock lock(m_mutex);
    m_available.wait(lock, [this] { return !m_idle.empty(); });
    sqlite3 *db = m_idle.back();
    m_idle.pop_back();
    return db;
}

void SqliteReaderPool::release(sqlite3 *db) const {
    {
        std::lock_guard lock(m_mutex);
        m_idle.push_back(db);
    }
    m_available.notify_one();
}

void SqliteReaderPool::close() {
    std::lock_guard lock(m_mutex);
    for (sqlite3 *db : m_all) {
        sqlite3_close(db);
    }
    m_all.clear();
    m_idle.clear();
}

} // namespace aegis::store
