#pragma once

#include "store/sqlite_reader_pool.h"
#include "store/store.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

struct sqlite3;

namespace prometheus {
class Registry;
}

namespace aegis::store {

class StoreMetrics;

struct SqliteStoreOptions {
    std::filesystem::path path;
    // Transactions committed together in one SQLite transaction (one fsync) at most.
    std::size_t maxBatch = 1024;
    // Read-only connections used by range() and events().
    std::size_t readers = 4;
    // The largest row (key, value and bookkeeping) a transaction may write, in bytes; a larger
    // one fails that transaction alone. 0: SQLite's own limit (about 1 GB).
    int maxRowBytes = 0;
    // Copying the WAL back into the database file (a checkpoint) is done by a thread of its own
    // once the WAL holds `checkpointPages` pages, so commits never wait for it. A load that never
    // pauses leaves that copy always a little behind, and SQLite starts the WAL over only once it
    // has caught up; at `walLimitPages` the writer copies the rest itself between two commits,
    // which bounds the WAL file.
    int checkpointPages = 1000;
    int walLimitPages = 10000;
};

// The embedded store: one SQLite file in WAL mode. A single writer thread takes every queued
// transaction at once and commits them in one SQLite transaction with synchronous=FULL, so a
// batch costs one fsync (group commit); each transaction still gets its own revision and its own
// all-or-nothing outcome. Readers use their own connections and never wait for the writer; a
// checkpoint thread with its own connection copies the WAL into the file (see
// SqliteStoreOptions::checkpointPages).
class SqliteStore final : public Store {
public:
    // The schema version this build writes. open() migrates older files up to it and refuses
    // newer ones. It also refuses a file that fails PRAGMA quick_check (DATA_LOSS) or does not
    // take a write (UNAVAILABLE); every error names the file.
    static constexpr int kSchemaVersion = 5;

    static StatusOr<std::unique_ptr<SqliteStore>> open(SqliteStoreOptions options);
    // Creates or upgrades the file at `path` to `version` only; used by tests of migrations.
    static Status migrateTo(const std::filesystem::path &path, int version);
    static StatusOr<int> schemaVersionOf(const std::filesystem::path &path);

    ~SqliteStore() override;

    void commitAsync(Transaction txn, CommitCallback done) override;
    StatusOr<RangeResult> range(const RangeRequest &request) const override;
    StatusOr<std::int64_t> count(const RangeRequest &request) const override;
    StatusOr<std::vector<Event>> events(Revision from, Revision to, const std::string &prefix,
                                        std::size_t limit) const override;
    Revision currentRevision() const override { return m_revision.load(); }
    Revision compactRevision() const override { return m_compactRevision.load(); }
    Status compact(Revision revision) override;
    std::string kind() const override { return "sqlite"; }
    void close() override;

    // Registers the store's metrics (store_metrics.h) in `registry`. Call once, before the first
    // commit.
    void exportMetrics(prometheus::Registry &registry);

private:
    struct Job {
        Transaction txn;
        CommitCallback done;
        // When set, the job is a compaction to this revision instead of a transaction.
        std::optional<Revision> compactTo;
    };
    // Each job's result and the revisions after a batch, as far as it ran.
    struct BatchOutcome {
        std::vector<std::optional<StatusOr<TransactionResult>>> results;
        Revision revision = 0;
        Revision compactRevision = 0;
        bool jobFailed = false; // A job failed with its writes not undone: roll back.
    };
    class ReaderLease;
    struct WriterStatements;

    explicit SqliteStore(SqliteStoreOptions options);
    Status initialise();
    void writerLoop();
    void processBatch(std::deque<Job> &batch);
    // Runs `batch` in one transaction and commits it; with `isolateJobs` each job in a savepoint,
    // so a failing job undoes only its own writes. Not ok when the transaction cannot commit.
    Status runBatch(std::deque<Job> &batch, bool isolateJobs, BatchOutcome &outcome);
    void reportWriteOutcome(const Status &outcome);
    // SQLite's WAL hook on the writer's connection, called after each commit with the pages the
    // WAL holds: asks for a background checkpoint, or at the limit runs one itself.
    static int onWalCommit(void *store, sqlite3 *db, const char *schema, int walPages);
    void checkpointLoop();
    StatusOr<TransactionResult> applyTransaction(const Transaction &txn, Revision &revision);

    SqliteStoreOptions m_options;
    sqlite3 *m_writer = nullptr; // Owned; used only by the writer thread after initialise().
    std::unique_ptr<WriterStatements> m_statements; // Prepared on m_writer.

    SqliteReaderPool m_readers;

    std::mutex m_queueMutex;
    std::condition_variable m_queueChanged;
    std::deque<Job> m_queue;
    bool m_closing = false;
    std::thread m_writerThread;

    bool m_writesFailing = false; // Used only by the writer thread.

    sqlite3 *m_checkpointer = nullptr; // Owned; used only by the checkpoint thread.
    std::mutex m_checkpointMutex;
    std::condition_variable m_checkpointWanted;
    std::atomic<bool> m_checkpointDue{false};
    bool m_checkpointerClosing = false; // Guarded by m_checkpointMutex.
    std::thread m_checkpointThread;

    std::atomic<Revision> m_revision{0};
    std::atomic<Revision> m_compactRevision{0};

    std::shared_ptr<StoreMetrics> m_metrics; // Null until exportMetrics(); writer thread after.
};

} // namespace aegis::store
