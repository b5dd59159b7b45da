#include "store/sqlite_store.h"

#include "store/sqlite_statement.h"
#include "store/store_metrics.h"

#include "common/logging.h"

#include <sqlite3.h>

#include <future>
#include <optional>

namespace aegis::store {
namespace {

// Each entry upgrades the schema from version i to i + 1. Never edit a released entry: add one.
constexpr const char *kMigrations[] = {
    // 1: the key space, the event log and the revision counters.
    R"sql(
    CREATE TABLE kv (
        key BLOB PRIMARY KEY,
        value BLOB NOT NULL,
        create_revision INTEGER NOT NULL,
        mod_revision INTEGER NOT NULL,
        version INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE events (
        revision INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        type INTEGER NOT NULL,
        key BLOB NOT NULL,
        value BLOB NOT NULL,
        create_revision INTEGER NOT NULL,
        mod_revision INTEGER NOT NULL,
        version INTEGER NOT NULL,
        PRIMARY KEY (revision, seq)
    ) WITHOUT ROWID;
    CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO meta (name, value) VALUES ('revision', 0), ('compact_revision', 0);
    )sql",
    // 2: watches on a prefix read the event log by key.
    R"sql(
    CREATE INDEX events_by_key ON events (key, revision);
    )sql",
    // 3: a transaction's note (why it happened, e.g. "lease_expired") travels with its events.
    R"sql(
    ALTER TABLE events ADD COLUMN note TEXT NOT NULL DEFAULT '';
    )sql",
    // 4: the event log is indexed by each key's scope (see keyScope()) instead of the whole key.
    // Keys such as instances land at random places in a key index, so each commit rewrote about
    // one index page per key; a scope's entries follow the revision and share the last page.
    R"sql(
    ALTER TABLE events ADD COLUMN scope BLOB NOT NULL DEFAULT x'';
    UPDATE events SET scope = aegis_key_scope(key);
    DROP INDEX events_by_key;
    CREATE INDEX events_by_scope ON events (scope, revision);
    )sql",
    // 5: the key space is a rowid table with a unique index on the key. As a WITHOUT ROWID
    // table every row lived in a b-tree ordered by key, whose interior pages hold whole rows: a
    // new key rewrote a random leaf, often its siblings, and a chain of wide interior pages. Now
    // a new row is appended, and only the narrow index takes the random insert.
    R"sql(
    CREATE TABLE kv_rows (
        id INTEGER PRIMARY KEY,
        key BLOB NOT NULL UNIQUE,
        value BLOB NOT NULL,
        create_revision INTEGER NOT NULL,
        mod_revision INTEGER NOT NULL,
        version INTEGER NOT NULL
    );
    INSERT INTO kv_rows (key, value, create_revision, mod_revision, version)
        SELECT key, value, create_revision, mod_revision, version FROM kv ORDER BY key;
    DROP TABLE kv;
    ALTER TABLE kv_rows RENAME TO kv;
    )sql",
};
static_assert(std::size(kMigrations) == SqliteStore::kSchemaVersion);

// Scopes group the event log for reading a prefix's history. A prefix's scope is its part up to
// and including its third '/' ("/registry/instances/" of "/registry/instances/shop/"); a prefix
// with fewer slashes has none and is read by revision alone. A key's scope is the same, or the
// whole key when it has fewer slashes, so every key under a prefix shares that prefix's scope.
std::optional<std::string_view> prefixScope(std::string_view prefix) {
    std::size_t slash = std::string_view::npos;
    for (int found = 0; found < 3; ++found) {
        slash = prefix.find('/', slash + 1);
        if (slash == std::string_view::npos) {
            return std::nullopt;
        }
    }
    return prefix.substr(0, slash + 1);
}

std::string_view keyScope(std::string_view key) {
    return prefixScope(key).value_or(key);
}

// keyScope() as the SQL function aegis_key_scope(key), so the migration that added the scope
// column filled it by the very rule the writer uses.
void keyScopeFunction(sqlite3_context *context, int, sqlite3_value **arguments) {
    const auto *bytes = static_cast<const char *>(sqlite3_value_blob(arguments[0]));
    const std::string_view key(bytes != nullptr ? bytes : "",
                               static_cast<std::size_t>(sqlite3_value_bytes(arguments[0])));
    const std::string_view scope = keyScope(key);
    sqlite3_result_blob64(context, scope.data(), scope.size(), SQLITE_TRANSIENT);
}

// `status` with the store file named first, so an operator knows which file to look at.
Status inFile(const std::filesystem::path &path, const Status &status) {
    if (status.isOk()) {
        return status;
    }
    return Status(status.code(), "store " + path.string() + ": " + status.message());
}

StatusOr<sqlite3 *> openConnection(const std::filesystem::path &path) {
    auto db = store::openConnection(path, {"PRAGMA foreign_keys=ON"});
    if (db && sqlite3_create_function_v2(
                  *db, "aegis_key_scope", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                  &keyScopeFunction, nullptr, nullptr, nullptr) != SQLITE_OK) {
        Status status = sqliteError(*db, "registering aegis_key_scope");
        sqlite3_close(*db);
        return status;
    }
    return db;
}

Status migrate(sqlite3 *db, int target) {
    if (target < 0 || target > SqliteStore::kSchemaVersion) {
        return invalidArgument("schema version " + std::to_string(target) +
                               " is unknown; this aegisd knows versions 0 to " +
                               std::to_string(SqliteStore::kSchemaVersion));
    }
    auto current = userVersion(db);
    if (!current) {
        return current.status();
    }
    if (*current > SqliteStore::kSchemaVersion) {
        return failedPrecondition("store schema version " + std::to_string(*current) +
                                  " is newer than this aegisd supports (" +
                                  std::to_string(SqliteStore::kSchemaVersion) +
                                  "); run a newer aegisd");
    }
    for (int version = *current; version < target; ++version) {
        if (Status status = applyMigration(db, kMigrations[version], version + 1); !status.isOk()) {
            return internalError("migrating store schema to version " +
                                 std::to_string(version + 1) + ": " + status.message());
        }
        log::info("store schema migrated", {{"version", version + 1}});
    }
    return Status::ok();
}

StatusOr<std::int64_t> metaValue(sqlite3 *db, const char *name) {
    Statement stmt(db, "SELECT value FROM meta WHERE name = ?");
    stmt.bindText(1, name);
    if (!stmt.prepared() || stmt.step() != SQLITE_ROW) {
        return sqliteError(db, std::string("reading store metadata ") + name);
    }
    return stmt.integer(0);
}

// SQLite's own check of the file's structure (pages, indexes), without the slower full
// cross-check of integrity_check.
Status quickCheck(sqlite3 *db) {
    Statement stmt(db, "PRAGMA quick_check");
    if (!stmt.prepared()) {
        return sqliteError(db, "checking the file");
    }
    std::string problems;
    int rc = stmt.step();
    for (; rc == SQLITE_ROW; rc = stmt.step()) {
        const std::string line = stmt.text(0);
        if (line != "ok" && problems.size() < 500) {
            problems += (problems.empty() ? "" : "; ") + line;
        }
    }
    if (rc != SQLITE_DONE && problems.empty()) {
        problems = sqlite3_errmsg(db);
    }
    if (!problems.empty()) {
        return Status(StatusCode::DataLoss, "the file is damaged (PRAGMA quick_check: " + problems +
                                                "); restore it from a backup");
    }
    return Status::ok();
}

// Commits one small real change, proving that the file, its WAL and the disk take writes now.
// (SQLite skips an UPDATE that changes nothing, so this one counts.)
Status probeWrite(sqlite3 *db) {
    Status status = exec(db, "BEGIN IMMEDIATE;"
                             "INSERT INTO meta (name, value) VALUES ('write_probe', 1) "
                             "ON CONFLICT (name) DO UPDATE SET value = value + 1;"
                             "COMMIT;");
    if (!status.isOk()) {
        exec(db, "ROLLBACK");
        return unavailable("cannot write (" + status.message() +
                           "; is the file or its directory read-only, or the disk full?)");
    }
    return status;
}

// Copies what it can of the WAL into the database file without waiting for readers or the
// writer. False when another checkpoint was already running.
StatusOr<bool> copyWal(sqlite3 *db) {
    const int rc =
        sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    if (rc == SQLITE_BUSY) {
        return false;
    }
    if (rc != SQLITE_OK) {
        return sqliteError(db, "checkpointing the WAL");
    }
    return true;
}

KeyValue readKeyValue(const Statement &stmt, int first) {
    return KeyValue{stmt.blob(first), stmt.blob(first + 1), stmt.integer(first + 2),
                    stmt.integer(first + 3), stmt.integer(first + 4)};
}

} // namespace

class SqliteStore::ReaderLease {
public:
    explicit ReaderLease(const SqliteStore &store)
        : m_store(store)
        , m_db(store.m_readers.acquire()) {}
    ~ReaderLease() { m_store.m_readers.release(m_db); }
    sqlite3 *get() const { return m_db; }

private:
    const SqliteStore &m_store;
    sqlite3 *m_db;
};

// The writer's statements, prepared once: preparing them for every transaction cost more than
// executing them. Used only on the writer thread.
struct SqliteStore::WriterStatements {
    explicit WriterStatements(sqlite3 *db)
        : lookup(db, "SELECT key, value, create_revision, mod_revision, version FROM kv "
                     "WHERE key = ?")
        , upsert(db, "INSERT INTO kv (key, value, create_revision, mod_revision, version) "
                     "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (key) DO UPDATE SET "
                     "value = ?2, mod_revision = ?4, version = ?5")
        , erase(db, "DELETE FROM kv WHERE key = ?")
        , scan(db, "SELECT key, value, create_revision, mod_revision, version FROM kv "
                   "WHERE key >= ?1 AND key < ?2 ORDER BY key")
        , scanToEnd(db, "SELECT key, value, create_revision, mod_revision, version "
                        "FROM kv WHERE key >= ?1 ORDER BY key")
        , record(db, "INSERT INTO events (revision, seq, type, key, value, create_revision, "
                     "mod_revision, version, note, scope) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        , setRevision(db, "UPDATE meta SET value = ? WHERE name = 'revision'")
        , savepoint(db, "SAVEPOINT txn")
        , rollbackToSavepoint(db, "ROLLBACK TO txn")
        , releaseSavepoint(db, "RELEASE txn") {}

    bool prepared() const {
        for (const Statement *statement : all()) {
            if (!statement->prepared()) {
                return false;
            }
        }
        return true;
    }

    // Leaves no statement mid-step, so nothing holds the transaction open.
    void resetAll() {
        for (Statement *statement : all()) {
            statement->reset();
        }
    }

    // Runs a statement without parameters or rows, such as SAVEPOINT.
    static bool run(Statement &statement) {
        statement.reset();
        const bool done = statement.step() == SQLITE_DONE;
        statement.reset();
        return done;
    }

    Statement lookup;
    Statement upsert;
    Statement erase;
    Statement scan;
    Statement scanToEnd;
    Statement record;
    Statement setRevision;
    Statement savepoint;
    Statement rollbackToSavepoint;
    Statement releaseSavepoint;

private:
    std::vector<Statement *> all() const {
        auto *self = const_cast<WriterStatements *>(this);
        return {&self->lookup,
                &self->upsert,
                &self->erase,
                &self->scan,
                &self->scanToEnd,
                &self->record,
                &self->setRevision,
                &self->savepoint,
                &self->rollbackToSavepoint,
                &self->releaseSavepoint};
    }
};

SqliteStore::SqliteStore(SqliteStoreOptions options)
    : m_options(std::move(options)) {}

StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::open(SqliteStoreOptions options) {
    if (options.readers == 0) {
        options.readers = 1;
    }
    if (options.maxBatch == 0) {
        options.maxBatch = 1;
    }
    std::unique_ptr<SqliteStore> store(new SqliteStore(std::move(options)));
    if (Status status = store->initialise(); !status.isOk()) {
        return inFile(store->m_options.path, status);
    }
    return store;
}

Status SqliteStore::migrateTo(const std::filesystem::path &path, int version) {
    auto db = openConnection(path);
    if (!db) {
        return inFile(path, db.status());
    }
    Status status = migrate(*db, version);
    sqlite3_close(*db);
    return inFile(path, status);
}

StatusOr<int> SqliteStore::schemaVersionOf(const std::filesystem::path &path) {
    auto db = openConnection(path);
    if (!db) {
        return inFile(path, db.status());
    }
    auto version = userVersion(*db);
    sqlite3_close(*db);
    if (!version) {
        return inFile(path, version.status());
    }
    return version;
}

Status SqliteStore::initialise() {
    auto writer = openConnection(m_options.path);
    if (!writer) {
        return writer.status();
    }
    m_writer = *writer;
    if (m_options.maxRowBytes > 0) {
        sqlite3_limit(m_writer, SQLITE_LIMIT_LENGTH, m_options.maxRowBytes);
    }
    // A damaged or unwritable file is refused here, before anything reports ready on it.
    if (Status status = quickCheck(m_writer); !status.isOk()) {
        return status;
    }
    if (Status status = migrate(m_writer, kSchemaVersion); !status.isOk()) {
        return status;
    }
    if (Status status = probeWrite(m_writer); !status.isOk()) {
        return status;
    }
    auto revision = metaValue(m_writer, "revision");
    auto compacted = metaValue(m_writer, "compact_revision");
    if (!revision || !compacted) {
        return revision ? compacted.status() : revision.status();
    }
    m_revision = *revision;
    m_compactRevision = *compacted;
    m_statements = std::make_unique<WriterStatements>(m_writer);
    if (!m_statements->prepared()) {
        return sqliteError(m_writer, "preparing the writer's statements");
    }
    if (Status status =
            m_readers.open(m_options.readers, [this] { return openConnection(m_options.path); });
        !status.isOk()) {
        return status;
    }
    auto checkpointer = openConnection(m_options.path);
    if (!checkpointer) {
        return checkpointer.status();
    }
    m_checkpointer = *checkpointer;
    // Replaces SQLite's own checkpoint after commits (the writer would copy the WAL in line).
    sqlite3_wal_hook(m_writer, &SqliteStore::onWalCommit, this);
    m_checkpointThread = std::thread([this] { checkpointLoop(); });
    m_writerThread = std::thread([this] { writerLoop(); });
    log::info("store opened", {{"kind", "sqlite"},
                               {"path", m_options.path.string()},
                               {"revision", m_revision.load()},
                               {"compact_revision", m_compactRevision.load()}});
    return Status::ok();
}

SqliteStore::~SqliteStore() {
    close();
    m_readers.close();
    m_statements.reset();
    if (m_checkpointer != nullptr) {
        sqlite3_close(m_checkpointer);
    }
    if (m_writer != nullptr) {
        sqlite3_close(m_writer);
    }
}

void SqliteStore::close() {
    {
        std::lock_guard lock(m_queueMutex);
        if (m_closing) {
            return;
        }
        m_closing = true;
    }
    m_queueChanged.notify_all();
    if (m_writerThread.joinable()) {
        m_writerThread.join();
    }
    {
        std::lock_guard lock(m_checkpointMutex);
        m_checkpointerClosing = true;
    }
    m_checkpointWanted.notify_all();
    if (m_checkpointThread.joinable()) {
        m_checkpointThread.join();
    }
}

void SqliteStore::commitAsync(Transaction txn, CommitCallback done) {
    {
        std::lock_guard lock(m_queueMutex);
        if (!m_closing) {
            m_queue.push_back(Job{std::move(txn), std::move(done), std::nullopt});
            m_queueChanged.notify_one();
            return;
        }
    }
    done(unavailable("the store is closed"));
}

Status SqliteStore::compact(Revision revision) {
    std::promise<Status> promise;
    auto future = promise.get_future();
    {
        std::lock_guard lock(m_queueMutex);
        if (m_closing) {
            return unavailable("the store is closed");
        }
        m_queue.push_back(Job{
            {},
            [&promise](StatusOr<TransactionResult> result) { promise.set_value(result.status()); },
            revision});
    }
    m_queueChanged.notify_one();
    return future.get();
}

void SqliteStore::reportWriteOutcome(const Status &outcome) {
    const bool failing = !outcome.isOk();
    if (failing == m_writesFailing) {
        return;
    }
    m_writesFailing = failing;
    if (failing) {
        log::error("store writes failing",
                   {{"store", m_options.path.string()}, {"error", outcome.message()}});
    } else {
        log::info("store writes work again", {{"store", m_options.path.string()}});
    }
    reportWriteHealth(outcome);
}

void SqliteStore::writerLoop() {
    // While writes fail, a probe write every second finds out when they work again, even if no
    // client writes meanwhile (a load balancer may send none to a store that is not ready).
    constexpr auto kProbeInterval = std::chrono::seconds(1);
    const auto workOrClosing = [this] { return m_closing || !m_queue.empty(); };
    std::deque<Job> batch;
    for (;;) {
        {
            std::unique_lock lock(m_queueMutex);
            if (!m_writesFailing) {
                m_queueChanged.wait(lock, workOrClosing);
            } else if (!m_queueChanged.wait_for(lock, kProbeInterval, workOrClosing)) {
                lock.unlock();
                reportWriteOutcome(probeWrite(m_writer));
                continue;
            }
            if (m_queue.empty()) {
                return; // closing, and everything queued before close() is done
            }
            while (!m_queue.empty() && batch.size() < m_options.maxBatch) {
                batch.push_back(std::move(m_queue.front()));
                m_queue.pop_front();
            }
        }
        processBatch(batch);
        batch.clear();
    }
}

int SqliteStore::onWalCommit(void *context, sqlite3 *db, const char * /*schema*/, int walPages) {
    auto &store = *static_cast<SqliteStore *>(context);
    if (store.m_metrics) {
        store.m_metrics->walPages(walPages);
    }
    if (walPages >= store.m_options.walLimitPages) {
        // The background thread has usually copied most of it, so this is the short rest. A
        // failure loses nothing (the pages stay in the WAL); the background thread, asked below
        // as well, reports it.
        if (auto copied = copyWal(db); copied && *copied && store.m_metrics) {
            store.m_metrics->checkpointed(StoreMetrics::Checkpointer::Writer);
        }
    }
    if (walPages >= store.m_options.checkpointPages && !store.m_checkpointDue.exchange(true)) {
        // Notified under the mutex, so the thread cannot miss it between its check and its wait.
        std::lock_guard lock(store.m_checkpointMutex);
        store.m_checkpointWanted.notify_one();
    }
    return SQLITE_OK;
}

void SqliteStore::checkpointLoop() {
    // The least time between two checkpoints: under a steady load each then copies enough of
    // the WAL to be worth its two fsyncs.
    constexpr auto kPause = std::chrono::milliseconds(100);
    bool failing = false;
    std::unique_lock lock(m_checkpointMutex);
    for (;;) {
        m_checkpointWanted.wait(lock,
                                [this] { return m_checkpointerClosing || m_checkpointDue.load(); });
        if (m_checkpointerClosing) {
            return;
        }
        m_checkpointDue = false;
        lock.unlock();
        const auto copied = copyWal(m_checkpointer);
        if (copied && *copied && m_metrics) {
            m_metrics->checkpointed(StoreMetrics::Checkpointer::Background);
        }
        if (copied.isOk() == failing) {
            failing = !copied.isOk();
            if (failing) {
                log::warn(
                    "store checkpoints failing: the WAL grows until they work again",
                    {{"store", m_options.path.string()}, {"error", copied.status().message()}});
            } else {
                log::info("store checkpoints work again", {{"store", m_options.path.string()}});
            }
        }
        lock.lock();
        m_checkpointWanted.wait_for(lock, kPause, [this] { return m_checkpointerClosing; });
    }
}

void SqliteStore::exportMetrics(prometheus::Registry &registry) {
    m_metrics = std::make_shared<StoreMetrics>(registry);
    m_metrics->revisions(m_revision.load(), m_compactRevision.load());
}

Status SqliteStore::runBatch(std::deque<Job> &batch, bool isolateJobs, BatchOutcome &outcome) {
    outcome.results.assign(batch.size(), std::nullopt);
    outcome.revision = m_revision.load();
    outcome.compactRevision = m_compactRevision.load();
    outcome.jobFailed = false;
    if (Status begun = exec(m_writer, "BEGIN IMMEDIATE"); !begun.isOk()) {
        return begun;
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
        Job &job = batch[i];
        if (isolateJobs && !WriterStatements::run(m_statements->savepoint)) {
            return sqliteError(m_writer, "opening a savepoint");
        }
        StatusOr<TransactionResult> result = TransactionResult{true, outcome.revision, {}};
        Revision compactedTo = outcome.compactRevision;
        if (job.compactTo) {
            const Revision target = std::min(*job.compactTo, outcome.revision);
            if (target > outcome.compactRevision) {
                Statement drop(m_writer, "DELETE FROM events WHERE revision <= ?");
                Statement meta(m_writer,
                               "UPDATE meta SET value = ? WHERE name = 'compact_revision'");
                drop.bind(1, target);
                meta.bind(1, target);
                if (drop.step() != SQLITE_DONE || meta.step() != SQLITE_DONE) {
                    result = sqliteError(m_writer, "compacting the event log");
                } else {
                    compactedTo = target;
                }
            }
        } else {
            result = applyTransaction(job.txn, outcome.revision);
            m_statements->resetAll();
        }
        if (!result && !isolateJobs) {
            // Some of the job's writes may have happened: only undoing the whole transaction
            // takes them back out.
            outcome.jobFailed = true;
            return Status::ok();
        }
        if (isolateJobs) {
            if (!result) {
                WriterStatements::run(m_statements->rollbackToSavepoint);
            }
            WriterStatements::run(m_statements->releaseSavepoint);
        }
        // Some errors (disk full, I/O) make SQLite roll back the whole transaction: then nothing
        // of this batch may be reported as written, and later jobs must not run in autocommit
        // mode.
        if (sqlite3_get_autocommit(m_writer) != 0) {
            return result ? internalError("the store transaction was rolled back")
                          : result.status();
        }
        if (result) {
            outcome.compactRevision = compactedTo;
        }
        outcome.results[i] = std::move(result);
    }
    Statement &meta = m_statements->setRevision;
    meta.reset();
    meta.bind(1, outcome.revision);
    if (meta.step() != SQLITE_DONE) {
        return sqliteError(m_writer, "recording the revision");
    }
    meta.reset();
    return exec(m_writer, "COMMIT");
}

void SqliteStore::processBatch(std::deque<Job> &batch) {
    const auto started = std::chrono::steady_clock::now();
    // A savepoint per job copies every page the job touches into a statement journal first,
    // which cost more than the jobs' own writes. Jobs fail after writing only on I/O or resource
    // errors, so the batch runs without them, and again with them when a job failed.
    BatchOutcome outcome;
    Status begun = runBatch(batch, false, outcome);
    if (begun.isOk() && outcome.jobFailed) {
        exec(m_writer, "ROLLBACK");
        begun = runBatch(batch, true, outcome);
    }
    auto &results = outcome.results;
    const Revision revision = outcome.revision;
    const Revision compactRevision = outcome.compactRevision;

    if (!begun.isOk()) {
        exec(m_writer, "ROLLBACK");
        log::error("store commit failed", {{"error", begun.message()}});
        if (m_metrics) {
            m_metrics->failed();
        }
        reportWriteOutcome(begun);
        for (Job &job : batch) {
            job.done(unavailable("the change was not applied: the store cannot write (" +
                                 begun.message() + ")"));
        }
        return;
    }
    reportWriteOutcome(Status::ok());

    m_revision = revision;
    m_compactRevision = compactRevision;
    if (m_metrics) {
        m_metrics->committed(batch.size(), std::chrono::steady_clock::now() - started);
        m_metrics->revisions(revision, compactRevision);
    }
    std::vector<Event> events;
    for (auto &result : results) {
        if (result && result->isOk()) {
            for (const Event &event : (*result)->events) {
                events.push_back(event);
            }
        }
    }
    if (!events.empty()) {
        publish(events);
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
        batch[i].done(std::move(*results[i]));
    }
}

StatusOr<TransactionResult> SqliteStore::applyTransaction(const Transaction &txn,
                                                          Revision &revision) {
    Statement &lookup = m_statements->lookup;
    auto find = [&](const std::string &key) -> std::optional<KeyValue> {
        lookup.reset();
        lookup.bindStaticBlob(1, key);
        std::optional<KeyValue> found;
        if (lookup.step() == SQLITE_ROW) {
            found = readKeyValue(lookup, 0);
        }
        lookup.reset();
        return found;
    };

    for (const Compare &compare : txn.compares) {
        const auto existing = find(compare.key);
        bool holds = false;
        switch (compare.kind) {
        case Compare::Kind::Exists:
            holds = existing.has_value();
            break;
        case Compare::Kind::Missing:
            holds = !existing.has_value();
            break;
        case Compare::Kind::ModRevisionEquals:
            holds = (existing ? existing->modRevision : 0) == compare.modRevision;
            break;
        }
        if (!holds) {
            return TransactionResult{false, revision, {}};
        }
    }

    const Revision next = revision + 1;
    std::vector<Event> events;
    Statement &upsert = m_statements->upsert;
    Statement &erase = m_statements->erase;
    Statement &scan = m_statements->scan;
    Statement &scanToEnd = m_statements->scanToEnd;
    for (const Operation &op : txn.operations) {
        switch (op.kind) {
        case Operation::Kind::Put: {
            const auto existing = find(op.key);
            KeyValue kv{op.key, op.value, existing ? existing->createRevision : next, next,
                        existing ? existing->version + 1 : 1};
            upsert.reset();
            upsert.bindStaticBlob(1, kv.key).bindStaticBlob(2, kv.value);
            upsert.bind(3, kv.createRevision).bind(4, kv.modRevision).bind(5, kv.version);
            if (const int rc = upsert.step(); rc != SQLITE_DONE) {
                return sqliteError(m_writer, "writing key", rc);
            }
            upsert.reset();
            events.push_back(Event{EventType::Put, next, std::move(kv), {}});
            break;
        }
        case Operation::Kind::Delete:
        case Operation::Kind::DeletePrefix: {
            std::vector<KeyValue> doomed;
            if (op.kind == Operation::Kind::Delete) {
                if (auto existing = find(op.key)) {
                    doomed.push_back(std::move(*existing));
                }
            } else {
                const std::string end = prefixEnd(op.key);
                Statement &keys = end == kNoEnd ? scanToEnd : scan;
                keys.reset();
                keys.bindBlob(1, op.key);
                if (end != kNoEnd) {
                    keys.bindBlob(2, end);
                }
                int rc;
                while ((rc = keys.step()) == SQLITE_ROW) {
                    doomed.push_back(readKeyValue(keys, 0));
                }
                if (rc != SQLITE_DONE) {
                    return sqliteError(m_writer, "reading keys to delete");
                }
            }
            for (KeyValue &kv : doomed) {
                erase.reset();
                erase.bindBlob(1, kv.key);
                if (const int rc = erase.step(); rc != SQLITE_DONE) {
                    return sqliteError(m_writer, "deleting key", rc);
                }
                kv.modRevision = next;
                events.push_back(Event{EventType::Delete, next, std::move(kv), {}});
            }
            break;
        }
        }
    }
    if (events.empty()) {
        return TransactionResult{true, revision, {}};
    }

    Statement &record = m_statements->record;
    for (std::size_t seq = 0; seq < events.size(); ++seq) {
        const Event &event = events[seq];
        record.reset();
        record.bind(1, next).bind(2, static_cast<std::int64_t>(seq));
        record.bind(3, event.type == EventType::Put ? 0 : 1);
        record.bindStaticBlob(4, event.kv.key).bindStaticBlob(5, event.kv.value);
        record.bind(6, event.kv.createRevision).bind(7, event.kv.modRevision);
        record.bind(8, event.kv.version).bindText(9, txn.note);
        record.bindStaticBlob(10, keyScope(event.kv.key));
        if (const int rc = record.step(); rc != SQLITE_DONE) {
            return sqliteError(m_writer, "appending to the event log", rc);
        }
    }
    for (Event &event : events) {
        event.note = txn.note;
    }
    revision = next;
    return TransactionResult{true, next, std::move(events)};
}

StatusOr<RangeResult> SqliteStore::range(const RangeRequest &request) const {
    ReaderLease reader(*this);
    sqlite3 *db = reader.get();
    // One read transaction, so the revision and the keys come from the same snapshot.
    if (Status status = exec(db, "BEGIN"); !status.isOk()) {
        return status;
    }
    RangeResult result;
    auto revision = metaValue(db, "revision");
    if (!revision) {
        exec(db, "ROLLBACK");
        return revision.status();
    }
    result.revision = *revision;

    std::string sql = "SELECT key, value, create_revision, mod_revision, version FROM kv WHERE ";
    const bool toEnd = request.end == kNoEnd;
    sql += request.end.empty() ? "key = ?1" : toEnd ? "key >= ?1" : "key >= ?1 AND key < ?2";
    sql += request.descending ? " ORDER BY key DESC" : " ORDER BY key";
    sql += " LIMIT ?3";
    Statement stmt(db, sql.c_str());
    if (!stmt.prepared()) {
        Status status = sqliteError(db, "preparing range");
        exec(db, "ROLLBACK");
        return status;
    }
    stmt.bindBlob(1, request.start);
    if (!request.end.empty() && !toEnd) {
        stmt.bindBlob(2, request.end);
    }
    stmt.bind(3, request.limit == 0 ? -1 : static_cast<std::int64_t>(request.limit) + 1);
    int rc;
    while ((rc = stmt.step()) == SQLITE_ROW) {
        if (request.limit != 0 && result.kvs.size() == request.limit) {
            result.more = true;
            break;
        }
        result.kvs.push_back(readKeyValue(stmt, 0));
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        Status status = sqliteError(db, "reading range");
        exec(db, "ROLLBACK");
        return status;
    }
    exec(db, "COMMIT");
    return result;
}

StatusOr<std::int64_t> SqliteStore::count(const RangeRequest &request) const {
    ReaderLease reader(*this);
    sqlite3 *db = reader.get();
    const bool toEnd = request.end == kNoEnd;
    Statement stmt(db, request.end.empty() ? "SELECT count(*) FROM kv WHERE key = ?1"
                       : toEnd             ? "SELECT count(*) FROM kv WHERE key >= ?1"
                               : "SELECT count(*) FROM kv WHERE key >= ?1 AND key < ?2");
    stmt.bindBlob(1, request.start);
    if (!request.end.empty() && !toEnd) {
        stmt.bindBlob(2, request.end);
    }
    if (stmt.step() != SQLITE_ROW) {
        return sqliteError(db, "counting keys");
    }
    return stmt.integer(0);
}

StatusOr<std::vector<Event>> SqliteStore::events(Revision from, Revision to,
                                                 const std::string &prefix,
                                                 std::size_t limit) const {
    ReaderLease reader(*this);
    sqlite3 *db = reader.get();
    if (Status status = exec(db, "BEGIN"); !status.isOk()) {
        return status;
    }
    auto compacted = metaValue(db, "compact_revision");
    if (!compacted) {
        exec(db, "ROLLBACK");
        return compacted.status();
    }
    if (from <= *compacted) {
        exec(db, "ROLLBACK");
        return Status(StatusCode::OutOfRange, "revision " + std::to_string(from) +
                                                  " is compacted; the compact revision is " +
                                                  std::to_string(*compacted) +
                                                  ", so the oldest revision still available is " +
                                                  std::to_string(*compacted + 1));
    }
    const std::string end = prefix.empty() ? std::string() : prefixEnd(prefix);
    std::string sql = "SELECT type, key, value, create_revision, mod_revision, version, revision, "
                      "note FROM events WHERE revision >= ?1 AND revision <= ?2";
    const std::optional<std::string_view> scope = prefixScope(prefix);
    if (!prefix.empty()) {
        sql += end == kNoEnd ? " AND key >= ?4" : " AND key >= ?4 AND key < ?5";
    }
    if (scope) {
        sql += " AND scope = ?6";
    }
    sql += " ORDER BY revision, seq LIMIT ?3";
    Statement stmt(db, sql.c_str());
    stmt.bind(1, from).bind(2, to);
    stmt.bind(3, limit == 0 ? -1 : static_cast<std::int64_t>(limit));
    if (!prefix.empty()) {
        stmt.bindBlob(4, prefix);
        if (end != kNoEnd) {
            stmt.bindBlob(5, end);
        }
    }
    if (scope) {
        stmt.bindBlob(6, *scope);
    }
    std::vector<Event> events;
    int rc;
    while ((rc = stmt.step()) == SQLITE_ROW) {
        events.push_back(Event{stmt.integer(0) == 0 ? EventType::Put : EventType::Delete,
                               stmt.integer(6), readKeyValue(stmt, 1), stmt.text(7)});
    }
    Status status = rc == SQLITE_DONE ? Status::ok() : sqliteError(db, "reading events");
    exec(db, "COMMIT");
    if (!status.isOk()) {
        return status;
    }
    return events;
}

} // namespace aegis::store
