#include "daemon_process.h"
#include "etcd_cluster.h"
#include "required_tool.h"

#include "common/logging.h"
#include "store/etcd_store.h"
#include "store/sqlite_store.h"

#include <sqlite3.h>

#include <QtTest>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <future>
#include <latch>
#include <set>
#include <thread>

using namespace aegis;
using namespace aegis::store;

Q_DECLARE_METATYPE(aegis::store::Transaction)

namespace {

Status statusOf(const Status &status) {
    return status;
}
template <typename T>
Status statusOf(const StatusOr<T> &result) {
    return result.status();
}

} // namespace

// Fails the test with the status's text unless `expr` (a Status or StatusOr) is OK.
#define VERIFY_OK(expr)                                                                            \
    do {                                                                                           \
        const Status verifyOkStatus_ = statusOf(expr);                                             \
        QVERIFY2(verifyOkStatus_.isOk(),                                                           \
                 qPrintable(QString::fromStdString(#expr ": " + verifyOkStatus_.toString())));     \
    } while (false)

namespace {

// The revision the store's keyspace starts from: 0 for a new SQLite file; on etcd, whose
// revisions the cluster shares, the etcd revision when the test began. Expected revisions are
// written as if the store began at 0: r() turns them into the store's, rel() the other way.
Revision g_base = 0;
Revision r(Revision relative) {
    return g_base + relative;
}
Revision rel(Revision revision) {
    return revision == 0 ? 0 : revision - g_base;
}

QString describe(const KeyValue &kv) {
    return QStringLiteral("%1=%2 c%3 m%4 v%5")
        .arg(QString::fromStdString(kv.key), QString::fromStdString(kv.value))
        .arg(rel(kv.createRevision))
        .arg(rel(kv.modRevision))
        .arg(kv.version);
}

QStringList describe(const std::vector<KeyValue> &kvs) {
    QStringList out;
    for (const KeyValue &kv : kvs) {
        out << describe(kv);
    }
    return out;
}

QStringList describe(const std::vector<Event> &events) {
    QStringList out;
    for (const Event &event : events) {
        out << QStringLiteral("%1@%2 %3")
                   .arg(event.type == EventType::Put ? "PUT" : "DEL")
                   .arg(rel(event.revision))
                   .arg(describe(event.kv));
    }
    return out;
}

QStringList keysOf(const std::vector<KeyValue> &kvs) {
    QStringList out;
    for (const KeyValue &kv : kvs) {
        out << QString::fromStdString(kv.key);
    }
    return out;
}

// A plain SQLite connection, for writing files the way an older aegisd would have.
class RawDatabase {
public:
    explicit RawDatabase(const std::filesystem::path &path) {
        if (sqlite3_open(path.c_str(), &m_db) != SQLITE_OK) {
            sqlite3_close(m_db);
            m_db = nullptr;
        }
    }
    ~RawDatabase() { sqlite3_close(m_db); }
    RawDatabase(const RawDatabase &) = delete;
    RawDatabase &operator=(const RawDatabase &) = delete;

    // Empty on success, else SQLite's message.
    QString exec(const std::string &sql) {
        if (m_db == nullptr) {
            return QStringLiteral("not open");
        }
        char *message = nullptr;
        if (sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
            QString text = QString::fromUtf8(message ? message : "error");
            sqlite3_free(message);
            return text;
        }
        return {};
    }

    std::int64_t integer(const std::string &sql) {
        sqlite3_stmt *stmt = nullptr;
        std::int64_t value = -1;
        if (sqlite3_prepare_v2(m_db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
            sqlite3_step(stmt) == SQLITE_ROW) {
            value = sqlite3_column_int64(stmt, 0);
        }
        sqlite3_finalize(stmt);
        return value;
    }

private:
    sqlite3 *m_db = nullptr;
};

// History written straight into a schema-1 (or later) file: revision 1 puts /old/a=1, revision 2
// puts /old/a=2, revision 3 puts /old/b=x and /old/deep/k=d.
// Columns are named, so the same rows fit every later schema that only adds columns.
constexpr const char *kSeedHistory = R"sql(
    INSERT INTO kv (key, value, create_revision, mod_revision, version) VALUES
        (CAST('/old/a' AS BLOB), CAST('2' AS BLOB), 1, 2, 2),
        (CAST('/old/b' AS BLOB), CAST('x' AS BLOB), 3, 3, 1),
        (CAST('/old/deep/k' AS BLOB), CAST('d' AS BLOB), 3, 3, 1);
    INSERT INTO events (revision, seq, type, key, value, create_revision, mod_revision, version)
    VALUES
        (1, 0, 0, CAST('/old/a' AS BLOB), CAST('1' AS BLOB), 1, 1, 1),
        (2, 0, 0, CAST('/old/a' AS BLOB), CAST('2' AS BLOB), 1, 2, 2),
        (3, 0, 0, CAST('/old/b' AS BLOB), CAST('x' AS BLOB), 3, 3, 1),
        (3, 1, 0, CAST('/old/deep/k' AS BLOB), CAST('d' AS BLOB), 3, 3, 1);
    UPDATE meta SET value = 3 WHERE name = 'revision';
)sql";
// From schema version 4 on, each event also records its key's scope (as the store writes it).
constexpr const char *kSeedScopes = R"sql(
    UPDATE events SET scope = key;
    UPDATE events SET scope = CAST('/old/deep/' AS BLOB) WHERE key = CAST('/old/deep/k' AS BLOB);
)sql";

std::unique_ptr<SqliteStore> openOrNull(const std::filesystem::path &path, Status *error) {
    auto store = SqliteStore::open({path});
    if (!store) {
        *error = store.status();
        return nullptr;
    }
    return std::move(*store);
}

} // namespace

enum class Backend { Sqlite, Etcd };

// The Store contract, run once per backend (see main()).
class TestStore : public QObject {
    Q_OBJECT

public:
    explicit TestStore(Backend backend)
        : m_backend(backend) {}

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void putAndGet();
    void prefixEnd_data();
    void prefixEnd();
    void range_data();
    void range();
    void deleteKey();
    void deletePrefix();
    void compares_data();
    void compares();
    void oneRevisionPerTransaction();
    void revisionsAndVersions();
    void eventsAndCompaction();
    void eventsByPrefix_data();
    void eventsByPrefix();
    void closedStoreRefusesWork();
    void subscribersSeeTheirPrefixBeforeCommitCallbacks();
    void concurrentCommitters();

private:
    std::filesystem::path storePath() const { return m_dir->path() / "state.db"; }
    // Opens the test's store (storePath(), or the test's prefix on etcd) again; the test fails
    // (returns nullptr) when it cannot.
    Store *openStore();
    bool isSqlite() const;

    const Backend m_backend;
    std::unique_ptr<testing::EtcdCluster> m_etcd;
    std::unique_ptr<etcd::EtcdClient> m_etcdClient;
    int m_testNumber = 0;
    std::string m_prefix;
    std::unique_ptr<testing::TempDir> m_dir;
    std::unique_ptr<Store> m_store;
};

void TestStore::initTestCase() {
    log::init("warn");
    if (m_backend == Backend::Etcd) {
        AEGIS_REQUIRE_TOOL("etcd", "etcd-server");
        auto started = testing::EtcdCluster::start({}, {.members = 1});
        VERIFY_OK(started);
        m_etcd = std::move(*started);
        etcd::EtcdClientOptions options;
        options.endpoints = {m_etcd->clientAddress(0)};
        auto client = etcd::EtcdClient::create(options);
        VERIFY_OK(client);
        m_etcdClient = std::move(*client);
    }
}

void TestStore::init() {
    m_dir = std::make_unique<testing::TempDir>();
    g_base = 0;
    if (m_backend == Backend::Etcd) {
        // A keyspace of its own per test, in the one etcd; its revisions continue etcd's.
        m_prefix = "/tst-store/" + std::to_string(++m_testNumber) + "/";
        etcdserverpb::RangeRequest request;
        request.set_key("/tst-store/");
        request.set_count_only(true);
        auto now = m_etcdClient->range(request);
        VERIFY_OK(now);
        g_base = now->header().revision();
    }
}

void TestStore::cleanup() {
    m_store.reset();
    m_dir.reset();
}

Store *TestStore::openStore() {
    m_store.reset();
    Status error;
    if (m_backend == Backend::Sqlite) {
        m_store = openOrNull(storePath(), &error);
    } else {
        EtcdStoreOptions options;
        options.client.endpoints = {m_etcd->clientAddress(0)};
        options.prefix = m_prefix;
        auto store = EtcdStore::open(options);
        if (store) {
            m_store = std::move(*store);
        } else {
            error = store.status();
        }
    }
    if (!m_store) {
        qWarning("cannot open the store: %s", error.toString().c_str());
    }
    return m_store.get();
}

bool TestStore::isSqlite() const {
    return m_backend == Backend::Sqlite;
}

// Schema migrations and the writer's batches concern the SQLite file only, so they run once,
// outside the per-backend contract.
class TestSqliteSchema : public QObject {
    Q_OBJECT

private slots:
    void init() {
        m_dir = std::make_unique<testing::TempDir>();
        g_base = 0;
    }
    void cleanup() {
        m_store.reset();
        m_dir.reset();
    }

    void migrations_data();
    void migrations();
    void newerSchemaIsRefused_data();
    void newerSchemaIsRefused();
    void migratedScopesFollowTheWritersRule();
    void aFailingTransactionLeavesItsBatchIntact();
    void theCheckpointThreadCopiesTheWal();
    void theWalStaysWithinItsLimit();

private:
    std::filesystem::path storePath() const { return m_dir->path() / "state.db"; }
    // Opens storePath() again; the test fails (returns nullptr) when it cannot.
    Store *openStore() {
        m_store.reset();
        Status error;
        m_store = openOrNull(storePath(), &error);
        if (!m_store) {
            qWarning("cannot open the store: %s", error.toString().c_str());
        }
        return m_store.get();
    }

    std::unique_ptr<testing::TempDir> m_dir;
    std::unique_ptr<Store> m_store;
};

void TestSqliteSchema::migrations_data() {
    // -1: no file; -2: a zero-byte file; else a file migrated to that version.
    QTest::addColumn<int>("fromVersion");
    QTest::addColumn<bool>("withHistory");

    QTest::newRow("no file") << -1 << false;
    QTest::newRow("zero-byte file") << -2 << false;
    for (int version = 0; version <= SqliteStore::kSchemaVersion; ++version) {
        const QByteArray name = "version " + QByteArray::number(version);
        QTest::newRow(name.constData()) << version << false;
        if (version >= 1) {
            QTest::newRow((name + " with history").constData()) << version << true;
        }
    }
}

void TestSqliteSchema::migrations() {
    QFETCH(int, fromVersion);
    QFETCH(bool, withHistory);
    const auto path = storePath();

    if (fromVersion == -2) {
        std::ofstream(path).flush(); // a zero-byte file, as left by a crash before the first write
    } else if (fromVersion >= 0) {
        VERIFY_OK(SqliteStore::migrateTo(path, fromVersion));
        auto version = SqliteStore::schemaVersionOf(path);
        VERIFY_OK(version);
        QCOMPARE(*version, fromVersion);
        if (withHistory) {
            RawDatabase raw(path);
            QString error = raw.exec(kSeedHistory);
            QVERIFY2(error.isEmpty(), qPrintable(error));
            if (fromVersion >= 4) {
                error = raw.exec(kSeedScopes);
                QVERIFY2(error.isEmpty(), qPrintable(error));
            }
        }
    }

    Store *store = openStore();
    QVERIFY(store);
    const Revision base = withHistory ? 3 : 0;
    QCOMPARE(rel(store->currentRevision()), base);
    QCOMPARE(rel(store->compactRevision()), 0);
    if (withHistory) {
        auto all = store->rangePrefix("/old/");
        VERIFY_OK(all);
        QCOMPARE(describe(all->kvs),
                 QStringList({"/old/a=2 c1 m2 v2", "/old/b=x c3 m3 v1", "/old/deep/k=d c3 m3 v1"}));
        QCOMPARE(rel(all->revision), 3);
        auto events = store->events(r(1), r(3), "", 0);
        VERIFY_OK(events);
        QCOMPARE(describe(*events),
                 QStringList({"PUT@1 /old/a=1 c1 m1 v1", "PUT@2 /old/a=2 c1 m2 v2",
                              "PUT@3 /old/b=x c3 m3 v1", "PUT@3 /old/deep/k=d c3 m3 v1"}));
        auto byKey = store->events(r(1), r(3), "/old/b", 0);
        VERIFY_OK(byKey);
        QCOMPARE(describe(*byKey), QStringList({"PUT@3 /old/b=x c3 m3 v1"}));
        // A prefix with three slashes is read through its scope, which the migration filled in.
        auto byScope = store->events(r(1), r(3), "/old/deep/", 0);
        VERIFY_OK(byScope);
        QCOMPARE(describe(*byScope), QStringList({"PUT@3 /old/deep/k=d c3 m3 v1"}));
    }

    // The migrated file takes new writes, which continue the old history.
    auto put = store->commit(Transaction().put("/old/a", "3").put("/new", "n"));
    VERIFY_OK(put);
    QVERIFY(put->succeeded);
    QCOMPARE(rel(put->revision), base + 1);
    auto a = store->get("/old/a");
    VERIFY_OK(a);
    QCOMPARE(describe(a->kvs), QStringList({withHistory ? QStringLiteral("/old/a=3 c1 m4 v3")
                                                        : QStringLiteral("/old/a=3 c1 m1 v1")}));
    m_store.reset();

    auto version = SqliteStore::schemaVersionOf(path);
    VERIFY_OK(version);
    QCOMPARE(*version, SqliteStore::kSchemaVersion);
    {
        RawDatabase raw(path);
        QCOMPARE(raw.integer("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                             "name = 'events_by_scope'"),
                 1);
        QCOMPARE(raw.integer("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                             "name = 'events_by_key'"),
                 0);
        QCOMPARE(raw.integer("SELECT value FROM meta WHERE name = 'revision'"), base + 1);
        // From version 5 the key space is a rowid table whose keys are unique through an index.
        QCOMPARE(raw.integer("SELECT count(*) FROM sqlite_master WHERE name = 'kv' AND "
                             "sql LIKE '%WITHOUT ROWID%'"),
                 0);
        QCOMPARE(raw.integer("SELECT count(*) FROM pragma_index_list('kv') WHERE \"unique\" = 1"),
                 1);
    }

    // Reopening an up-to-date file changes nothing.
    store = openStore();
    QVERIFY(store);
    QCOMPARE(rel(store->currentRevision()), base + 1);
    auto events = store->events(1, base + 1, "", 0);
    VERIFY_OK(events);
    QCOMPARE(static_cast<int>(events->size()), (withHistory ? 4 : 0) + 2);
}

void TestSqliteSchema::newerSchemaIsRefused_data() {
    QTest::addColumn<int>("version");
    QTest::newRow("one newer") << SqliteStore::kSchemaVersion + 1;
    QTest::newRow("much newer") << SqliteStore::kSchemaVersion + 40;
}

void TestSqliteSchema::newerSchemaIsRefused() {
    QFETCH(int, version);
    const auto path = storePath();
    VERIFY_OK(SqliteStore::migrateTo(path, SqliteStore::kSchemaVersion));
    {
        RawDatabase raw(path);
        const QString error = raw.exec("PRAGMA user_version = " + std::to_string(version));
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }

    auto store = SqliteStore::open({path});
    QVERIFY(!store);
    QCOMPARE(store.status().code(), StatusCode::FailedPrecondition);
    const QString message = QString::fromStdString(store.status().message());
    QVERIFY2(message.contains(QString::number(version)), qPrintable(message));
    QVERIFY2(message.contains(QString::number(SqliteStore::kSchemaVersion)), qPrintable(message));

    // The file is left as it was, for the newer aegisd.
    auto onDisk = SqliteStore::schemaVersionOf(path);
    VERIFY_OK(onDisk);
    QCOMPARE(*onDisk, version);

    // Nor can a migration be asked for a version this build does not know.
    const Status migrated = SqliteStore::migrateTo(storePath().string() + ".other", version);
    QVERIFY(!migrated.isOk());
}

void TestStore::putAndGet() {
    Store *store = openStore();
    QVERIFY(store);

    auto missing = store->get("/a");
    VERIFY_OK(missing);
    QVERIFY(missing->kvs.empty());
    QCOMPARE(rel(missing->revision), 0);

    auto first = store->commit(Transaction().put("/a", "1"));
    VERIFY_OK(first);
    QVERIFY(first->succeeded);
    QCOMPARE(rel(first->revision), 1);
    QCOMPARE(describe(first->events), QStringList({"PUT@1 /a=1 c1 m1 v1"}));

    auto second = store->commit(Transaction().put("/a", "2"));
    VERIFY_OK(second);
    QCOMPARE(rel(second->revision), 2);
    QCOMPARE(describe(second->events), QStringList({"PUT@2 /a=2 c1 m2 v2"}));

    auto got = store->get("/a");
    VERIFY_OK(got);
    QCOMPARE(describe(got->kvs), QStringList({"/a=2 c1 m2 v2"}));
    QCOMPARE(rel(got->revision), 2);
    QCOMPARE(rel(store->currentRevision()), 2);

    // Values are bytes: empty values and embedded NULs survive.
    const std::string binary("x\0y\xff", 4);
    VERIFY_OK(store->commit(Transaction().put("/empty", "").put("/binary", binary)));
    auto empty = store->get("/empty");
    VERIFY_OK(empty);
    QCOMPARE(empty->kvs.size(), 1u);
    QCOMPARE(empty->kvs[0].value, std::string());
    auto bin = store->get("/binary");
    VERIFY_OK(bin);
    QCOMPARE(bin->kvs.size(), 1u);
    QCOMPARE(bin->kvs[0].value, binary);
}

void TestStore::prefixEnd_data() {
    QTest::addColumn<QByteArray>("prefix");
    QTest::addColumn<QByteArray>("end");
    QTest::newRow("plain") << QByteArray("/a/") << QByteArray("/a0");
    QTest::newRow("trailing 0xff") << QByteArray("a\xff") << QByteArray("b");
    QTest::newRow("all 0xff: no upper bound") << QByteArray("\xff\xff") << QByteArray(1, '\0');
    QTest::newRow("empty: no upper bound") << QByteArray() << QByteArray(1, '\0');
}

void TestStore::prefixEnd() {
    QFETCH(QByteArray, prefix);
    QFETCH(QByteArray, end);
    QCOMPARE(QByteArray::fromStdString(store::prefixEnd(prefix.toStdString())), end);
}

void TestStore::range_data() {
    QTest::addColumn<QByteArray>("start");
    QTest::addColumn<QByteArray>("end");
    QTest::addColumn<int>("limit");
    QTest::addColumn<bool>("descending");
    QTest::addColumn<QStringList>("keys");
    QTest::addColumn<bool>("more");

    const QByteArray none;
    QTest::newRow("single key") << QByteArray("/a/2") << none << 0 << false << QStringList{"/a/2"}
                                << false;
    QTest::newRow("single missing key")
        << QByteArray("/a/9") << none << 0 << false << QStringList{} << false;
    QTest::newRow("prefix /a/") << QByteArray("/a/") << QByteArray("/a0") << 0 << false
                                << QStringList{"/a/1", "/a/2", "/a/3"} << false;
    QTest::newRow("prefix /a") << QByteArray("/a") << QByteArray("/b") << 0 << false
                               << QStringList{"/a", "/a/1", "/a/2", "/a/3", "/ab"} << false;
    QTest::newRow("half-open") << QByteArray("/a/1") << QByteArray("/a/3") << 0 << false
                               << QStringList{"/a/1", "/a/2"} << false;
    QTest::newRow("limit cuts short") << QByteArray("/a/") << QByteArray("/a0") << 2 << false
                                      << QStringList{"/a/1", "/a/2"} << true;
    QTest::newRow("limit exact") << QByteArray("/a/") << QByteArray("/a0") << 3 << false
                                 << QStringList{"/a/1", "/a/2", "/a/3"} << false;
    QTest::newRow("descending") << QByteArray("/a/") << QByteArray("/a0") << 0 << true
                                << QStringList{"/a/3", "/a/2", "/a/1"} << false;
    QTest::newRow("descending with limit") << QByteArray("/a/") << QByteArray("/a0") << 2 << true
                                           << QStringList{"/a/3", "/a/2"} << true;
    QTest::newRow("every key") << QByteArray() << QByteArray(1, '\0') << 0 << false
                               << QStringList{"/a", "/a/1", "/a/2", "/a/3", "/ab", "/b/1", "\xff"}
                               << false;
    QTest::newRow("prefix 0xff") << QByteArray("\xff") << QByteArray(1, '\0') << 0 << false
                                 << QStringList{"\xff"} << false;
    QTest::newRow("empty range") << QByteArray("/b") << QByteArray("/a") << 0 << false
                                 << QStringList{} << false;
}

void TestStore::range() {
    QFETCH(QByteArray, start);
    QFETCH(QByteArray, end);
    QFETCH(int, limit);
    QFETCH(bool, descending);
    QFETCH(QStringList, keys);
    QFETCH(bool, more);

    Store *store = openStore();
    QVERIFY(store);
    Transaction txn;
    for (const char *key : {"/a/2", "/ab", "/a/1", "/b/1", "/a", "/a/3", "\xff"}) {
        txn.put(key, "v");
    }
    VERIFY_OK(store->commit(txn));

    auto result = store->range(RangeRequest{start.toStdString(), end.toStdString(),
                                            static_cast<std::size_t>(limit), descending});
    VERIFY_OK(result);
    QCOMPARE(keysOf(result->kvs), keys);
    QCOMPARE(result->more, more);
    QCOMPARE(rel(result->revision), 1);

    // count() ignores the limit and the order.
    auto unlimited = store->range(RangeRequest{start.toStdString(), end.toStdString(), 0, false});
    VERIFY_OK(unlimited);
    auto counted = store->count(RangeRequest{start.toStdString(), end.toStdString(),
                                             static_cast<std::size_t>(limit), descending});
    VERIFY_OK(counted);
    QCOMPARE(*counted, static_cast<std::int64_t>(unlimited->kvs.size()));
}

void TestStore::deleteKey() {
    Store *store = openStore();
    QVERIFY(store);
    VERIFY_OK(store->commit(Transaction().put("/a", "1")));
    VERIFY_OK(store->commit(Transaction().put("/a", "2")));

    auto removed = store->commit(Transaction().remove("/a"));
    VERIFY_OK(removed);
    QVERIFY(removed->succeeded);
    QCOMPARE(rel(removed->revision), 3);
    // A delete event carries the key's last value, with the delete's revision.
    QCOMPARE(describe(removed->events), QStringList({"DEL@3 /a=2 c1 m3 v2"}));
    auto got = store->get("/a");
    VERIFY_OK(got);
    QVERIFY(got->kvs.empty());
    QCOMPARE(rel(got->revision), 3);

    // Deleting a missing key succeeds, changes nothing and takes no revision.
    auto again = store->commit(Transaction().remove("/a"));
    VERIFY_OK(again);
    QVERIFY(again->succeeded);
    QVERIFY(again->events.empty());
    QCOMPARE(rel(again->revision), 3);
    QCOMPARE(rel(store->currentRevision()), 3);

    // Recreating the key starts a new life: new create revision, version 1.
    auto recreated = store->commit(Transaction().put("/a", "3"));
    VERIFY_OK(recreated);
    QCOMPARE(describe(recreated->events), QStringList({"PUT@4 /a=3 c4 m4 v1"}));
}

void TestStore::deletePrefix() {
    Store *store = openStore();
    QVERIFY(store);
    VERIFY_OK(store->commit(
        Transaction().put("/p/2", "b").put("/p/1", "a").put("/p", "self").put("/q", "q")));
    VERIFY_OK(store->commit(Transaction().put("/p/3", "c")));

    auto removed = store->commit(Transaction().removePrefix("/p/"));
    VERIFY_OK(removed);
    QVERIFY(removed->succeeded);
    QCOMPARE(rel(removed->revision), 3);
    QCOMPARE(
        describe(removed->events),
        QStringList({"DEL@3 /p/1=a c1 m3 v1", "DEL@3 /p/2=b c1 m3 v1", "DEL@3 /p/3=c c2 m3 v1"}));
    auto left = store->rangePrefix("");
    VERIFY_OK(left);
    QCOMPARE(keysOf(left->kvs), QStringList({"/p", "/q"}));

    auto nothing = store->commit(Transaction().removePrefix("/p/"));
    VERIFY_OK(nothing);
    QVERIFY(nothing->events.empty());
    QCOMPARE(rel(nothing->revision), 3);

    // The empty prefix is every key.
    auto everything = store->commit(Transaction().removePrefix(""));
    VERIFY_OK(everything);
    QCOMPARE(everything->events.size(), 2u);
    auto none = store->rangePrefix("");
    VERIFY_OK(none);
    QVERIFY(none->kvs.empty());
}

void TestStore::compares_data() {
    QTest::addColumn<Transaction>("compares");
    QTest::addColumn<bool>("succeeds");

    // Before each case /x exists with mod revision 2 and /y does not.
    QTest::newRow("exists holds") << Transaction().ifExists("/x") << true;
    QTest::newRow("exists fails") << Transaction().ifExists("/y") << false;
    QTest::newRow("missing holds") << Transaction().ifMissing("/y") << true;
    QTest::newRow("missing fails") << Transaction().ifMissing("/x") << false;
    QTest::newRow("mod revision holds") << Transaction().ifModRevision("/x", 2) << true;
    QTest::newRow("mod revision stale") << Transaction().ifModRevision("/x", 1) << false;
    QTest::newRow("mod revision ahead") << Transaction().ifModRevision("/x", 3) << false;
    QTest::newRow("mod revision 0 on missing") << Transaction().ifModRevision("/y", 0) << true;
    QTest::newRow("mod revision 0 on existing") << Transaction().ifModRevision("/x", 0) << false;
    QTest::newRow("all hold") << Transaction().ifExists("/x").ifMissing("/y").ifModRevision("/x", 2)
                              << true;
    QTest::newRow("last fails") << Transaction().ifExists("/x").ifMissing("/y").ifModRevision("/x",
                                                                                              1)
                                << false;
    QTest::newRow("first fails") << Transaction().ifMissing("/x").ifMissing("/y").ifModRevision(
                                        "/x", 2)
                                 << false;
    QTest::newRow("no compares") << Transaction() << true;
}

void TestStore::compares() {
    QFETCH(Transaction, compares);
    QFETCH(bool, succeeds);
    for (Compare &compare : compares.compares) {
        compare.modRevision = compare.modRevision == 0 ? 0 : r(compare.modRevision);
    }

    Store *store = openStore();
    QVERIFY(store);
    VERIFY_OK(store->commit(Transaction().put("/x", "0").put("/w", "0")));
    VERIFY_OK(store->commit(Transaction().put("/x", "1")));
    std::atomic<int> published{0};
    const EventSubscription subscription =
        store->subscribe({}, [&](const std::vector<Event> &) { ++published; });

    Transaction txn = compares;
    txn.put("/x", "2").put("/z", "new").remove("/w");
    auto result = store->commit(txn);
    VERIFY_OK(result);
    QCOMPARE(result->succeeded, succeeds);

    auto all = store->rangePrefix("/");
    VERIFY_OK(all);
    if (succeeds) {
        QCOMPARE(rel(result->revision), 3);
        QCOMPARE(
            describe(result->events),
            QStringList({"PUT@3 /x=2 c1 m3 v3", "PUT@3 /z=new c3 m3 v1", "DEL@3 /w=0 c1 m3 v1"}));
        QCOMPARE(describe(all->kvs), QStringList({"/x=2 c1 m3 v3", "/z=new c3 m3 v1"}));
        QCOMPARE(published.load(), 1);
    } else {
        // Nothing at all was written, and no revision was used.
        QCOMPARE(rel(result->revision), 2);
        QVERIFY(result->events.empty());
        QCOMPARE(describe(all->kvs), QStringList({"/w=0 c1 m1 v1", "/x=1 c1 m2 v2"}));
        QCOMPARE(published.load(), 0);
        auto events = store->events(r(3), r(100), "", 0);
        VERIFY_OK(events);
        QVERIFY(events->empty());
    }
    QCOMPARE(rel(store->currentRevision()), succeeds ? 3 : 2);
}

void TestStore::oneRevisionPerTransaction() {
    Store *store = openStore();
    QVERIFY(store);
    VERIFY_OK(store->commit(Transaction().put("/d/1", "x").put("/d/2", "y")));

    Transaction txn =
        Transaction().put("/c", "1").put("/b", "2").remove("/d/1").put("/a", "3").removePrefix(
            "/d/");
    txn.note = "operator";
    auto result = store->commit(txn);
    VERIFY_OK(result);
    QCOMPARE(rel(result->revision), 2);
    QCOMPARE(rel(store->currentRevision()), 2);
    // Every event shares the revision, in operation order.
    QCOMPARE(describe(result->events),
             QStringList({"PUT@2 /c=1 c2 m2 v1", "PUT@2 /b=2 c2 m2 v1", "DEL@2 /d/1=x c1 m2 v1",
                          "PUT@2 /a=3 c2 m2 v1", "DEL@2 /d/2=y c1 m2 v1"}));
    auto logged = store->events(r(2), r(2), "", 0);
    VERIFY_OK(logged);
    QCOMPARE(describe(*logged), describe(result->events));
    // The transaction's note travels with each of its events.
    for (const Event &event : *logged) {
        QCOMPARE(event.note, std::string("operator"));
    }
    for (const Event &event : result->events) {
        QCOMPARE(event.note, std::string("operator"));
    }
}

void TestStore::revisionsAndVersions() {
    Store *store = openStore();
    QVERIFY(store);
    VERIFY_OK(store->commit(Transaction().put("/k", "1")));
    VERIFY_OK(store->commit(Transaction().put("/other", "x")));
    VERIFY_OK(store->commit(Transaction().put("/k", "2")));
    VERIFY_OK(store->commit(Transaction().put("/k", "3")));
    auto k = store->get("/k");
    VERIFY_OK(k);
    QCOMPARE(describe(k->kvs), QStringList({"/k=3 c1 m4 v3"}));
    auto other = store->get("/other");
    VERIFY_OK(other);
    QCOMPARE(describe(other->kvs), QStringList({"/other=x c2 m2 v1"}));

    VERIFY_OK(store->commit(Transaction().remove("/k")));
    VERIFY_OK(store->commit(Transaction().put("/k", "4")));
    k = store->get("/k");
    VERIFY_OK(k);
    QCOMPARE(describe(k->kvs), QStringList({"/k=4 c6 m6 v1"}));

    // All of it survives a reopen.
    store = openStore();
    QVERIFY(store);
    QCOMPARE(rel(store->currentRevision()), 6);
    k = store->get("/k");
    VERIFY_OK(k);
    QCOMPARE(describe(k->kvs), QStringList({"/k=4 c6 m6 v1"}));
}

void TestStore::eventsByPrefix_data() {
    QTest::addColumn<QString>("prefix");
    QTest::addColumn<QStringList>("keys");
    // Keys and prefixes of every depth: the SQLite store reads prefixes of three slashes or more
    // through the scope index, shorter ones through the revisions.
    QTest::newRow("scope") << "/g/s/" << QStringList({"/g/s/1", "/g/s/x/2", "/g/s/1"});
    QTest::newRow("inside a scope") << "/g/s/x" << QStringList({"/g/s/x/2"});
    QTest::newRow("one key") << "/g/s/1" << QStringList({"/g/s/1", "/g/s/1"});
    QTest::newRow("above scopes") << "/g/"
                                  << QStringList({"/g/s", "/g/s/1", "/g/t/1", "/g/s/x/2", "/g/s/1",
                                                  "/g/t"});
    QTest::newRow("a key's own prefix")
        << "/g/s" << QStringList({"/g/s", "/g/s/1", "/g/s/x/2", "/g/s/1"});
    QTest::newRow("nothing") << "/g/u/" << QStringList();
}

void TestStore::eventsByPrefix() {
    QFETCH(QString, prefix);
    QFETCH(QStringList, keys);
    Store *store = openStore();
    QVERIFY(store);
    VERIFY_OK(store->commit(Transaction().put("/g/s", "a").put("/g/s/1", "b").put("/g/t/1", "c")));
    VERIFY_OK(store->commit(Transaction().put("/g/s/x/2", "d")));
    VERIFY_OK(store->commit(Transaction().put("/h/s/1", "e").put("/g/s/1", "f")));
    VERIFY_OK(store->commit(Transaction().put("/g/t", "g")));
    auto events = store->events(r(1), r(4), prefix.toStdString(), 0);
    VERIFY_OK(events);
    QStringList seen;
    for (const Event &event : *events) {
        seen << QString::fromStdString(event.kv.key);
    }
    QCOMPARE(seen, keys);
}

void TestStore::eventsAndCompaction() {
    Store *store = openStore();
    QVERIFY(store);
    for (int i = 1; i <= 10; ++i) {
        const std::string n = std::to_string(i);
        VERIFY_OK(store->commit(Transaction().put("/e/" + n, n).put("/f/" + n, n)));
    }
    auto all = store->events(r(1), r(10), "", 0);
    VERIFY_OK(all);
    QCOMPARE(all->size(), 20u);
    for (std::size_t i = 0; i < all->size(); ++i) {
        QCOMPARE(rel((*all)[i].revision), static_cast<Revision>(i / 2 + 1));
        QCOMPARE((*all)[i].kv.key, std::string(i % 2 ? "/f/" : "/e/") + std::to_string(i / 2 + 1));
    }
    auto window = store->events(r(3), r(5), "/f/", 0);
    VERIFY_OK(window);
    QCOMPARE(describe(*window), QStringList({"PUT@3 /f/3=3 c3 m3 v1", "PUT@4 /f/4=4 c4 m4 v1",
                                             "PUT@5 /f/5=5 c5 m5 v1"}));
    auto limited = store->events(r(2), r(10), "", 3);
    VERIFY_OK(limited);
    QCOMPARE(describe(*limited), QStringList({"PUT@2 /e/2=2 c2 m2 v1", "PUT@2 /f/2=2 c2 m2 v1",
                                              "PUT@3 /e/3=3 c3 m3 v1"}));
    auto beyond = store->events(r(11), r(20), "", 0);
    VERIFY_OK(beyond);
    QVERIFY(beyond->empty());

    VERIFY_OK(store->compact(r(4)));
    QCOMPARE(rel(store->compactRevision()), 4);
    for (Revision from : {1, 4}) {
        auto gone = store->events(r(from), r(10), "", 0);
        QVERIFY(!gone);
        QCOMPARE(gone.status().code(), StatusCode::OutOfRange);
        const QString message = QString::fromStdString(gone.status().message());
        QVERIFY2(message.contains(QString("compact revision is %1").arg(r(4))),
                 qPrintable(message));
    }
    auto kept = store->events(r(5), r(10), "", 0);
    VERIFY_OK(kept);
    QCOMPARE(kept->size(), 12u);
    QCOMPARE(rel(kept->front().revision), 5);
    // Compaction drops history, not keys.
    auto keys = store->rangePrefix("/e/");
    VERIFY_OK(keys);
    QCOMPARE(keys->kvs.size(), 10u);

    // Compacting backwards is a no-op; compacting past the head stops at the head.
    VERIFY_OK(store->compact(r(2)));
    QCOMPARE(rel(store->compactRevision()), 4);
    VERIFY_OK(store->compact(r(1000)));
    QCOMPARE(rel(store->compactRevision()), 10);
    auto after = store->events(r(11), r(20), "", 0);
    VERIFY_OK(after);
    QVERIFY(after->empty());

    store = openStore();
    QVERIFY(store);
    QCOMPARE(rel(store->compactRevision()), 10);
    QCOMPARE(rel(store->currentRevision()), 10);
    auto next = store->commit(Transaction().put("/e/1", "again"));
    VERIFY_OK(next);
    QCOMPARE(rel(next->revision), 11);
    auto fresh = store->events(r(11), r(11), "", 0);
    VERIFY_OK(fresh);
    QCOMPARE(describe(*fresh), QStringList({"PUT@11 /e/1=again c1 m11 v2"}));
}

void TestStore::closedStoreRefusesWork() {
    Store *store = openStore();
    QVERIFY(store);
    VERIFY_OK(store->commit(Transaction().put("/a", "1")));
    store->close();
    store->close(); // idempotent
    auto refused = store->commit(Transaction().put("/a", "2"));
    QVERIFY(!refused);
    QCOMPARE(refused.status().code(), StatusCode::Unavailable);
    QCOMPARE(store->compact(r(1)).code(), StatusCode::Unavailable);
    // Reads still work on a closed store.
    auto got = store->get("/a");
    VERIFY_OK(got);
    QCOMPARE(describe(got->kvs), QStringList({"/a=1 c1 m1 v1"}));
}

void TestStore::subscribersSeeTheirPrefixBeforeCommitCallbacks() {
    Store *store = openStore();
    QVERIFY(store);
    QStringList seenByA;
    QStringList seenByAll;
    EventSubscription a = store->subscribe(
        "/a/", [&](const std::vector<Event> &events) { seenByA += describe(events); });
    EventSubscription all = store->subscribe(
        {}, [&](const std::vector<Event> &events) { seenByAll += describe(events); });

    // The commit callback runs on the writer thread after the subscribers: a cache kept from the
    // stream already holds the write when its writer is told it is durable.
    std::promise<QStringList> seenAtCallback;
    store->commitAsync(Transaction().put("/a/1", "x").put("/b/1", "y"),
                       [&](StatusOr<TransactionResult>) { seenAtCallback.set_value(seenByA); });
    QCOMPARE(seenAtCallback.get_future().get(), QStringList({"PUT@1 /a/1=x c1 m1 v1"}));
    QCOMPARE(seenByAll, QStringList({"PUT@1 /a/1=x c1 m1 v1", "PUT@1 /b/1=y c1 m1 v1"}));

    // A batch with nothing under the prefix is not delivered; an unsubscribed listener never runs.
    VERIFY_OK(store->commit(Transaction().put("/b/2", "z")));
    QCOMPARE(seenByA.size(), 1);
    EventSubscription moved = std::move(a);
    QVERIFY(!a);
    moved.reset();
    QVERIFY(!moved);
    VERIFY_OK(store->commit(Transaction().remove("/a/1")));
    QCOMPARE(seenByA.size(), 1);
    QCOMPARE(seenByAll.size(), 4);
}

void TestStore::concurrentCommitters() {
    Store *store = openStore();
    QVERIFY(store);
    std::atomic<int> batches{0};
    EventSubscription subscription =
        store->subscribe({}, [&](const std::vector<Event> &) { ++batches; });

    // Several threads commit one transaction at a time.
    constexpr int kThreads = 6;
    constexpr int kPerThread = 150;
    std::vector<std::vector<Revision>> revisions(kThreads);
    std::atomic<int> failures{0};
    {
        std::vector<std::jthread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                for (int n = 0; n < kPerThread; ++n) {
                    const std::string key = "/t/" + std::to_string(t) + "/" + std::to_string(n);
                    auto result = store->commit(Transaction().put(key, key));
                    if (!result || !result->succeeded || result->events.size() != 1) {
                        ++failures;
                        continue;
                    }
                    revisions[t].push_back(result->revision);
                }
            });
        }
    }
    QCOMPARE(failures.load(), 0);
    std::set<Revision> seen;
    for (const auto &mine : revisions) {
        QVERIFY(std::is_sorted(mine.begin(), mine.end()));
        seen.insert(mine.begin(), mine.end());
    }
    constexpr int kThreaded = kThreads * kPerThread;
    QCOMPARE(static_cast<int>(seen.size()), kThreaded);
    QCOMPARE(rel(*seen.begin()), 1);
    QCOMPARE(rel(*seen.rbegin()), kThreaded);

    // A burst of queued transactions is committed in a few groups, in submission order.
    constexpr int kBurst = 2000;
    const int batchesBefore = batches.load();
    std::vector<Revision> burst(kBurst, -1);
    std::latch done(kBurst);
    for (int n = 0; n < kBurst; ++n) {
        const std::string key = "/burst/" + std::to_string(n);
        store->commitAsync(Transaction().put(key, key),
                           [&burst, &done, n](StatusOr<TransactionResult> result) {
                               burst[n] = result ? result->revision : -1;
                               done.count_down();
                           });
    }
    done.wait();
    if (isSqlite()) {
        for (int n = 0; n < kBurst; ++n) {
            QCOMPARE(burst[n], r(kThreaded + n + 1));
        }
        const int burstBatches = batches.load() - batchesBefore;
        qInfo("%d concurrent transactions were committed in %d groups", kBurst, burstBatches);
        QVERIFY2(burstBatches <= kBurst / 10, qPrintable(QString::number(burstBatches)));
    } else {
        // etcd applies transactions on different keys concurrently (EtcdStoreOptions::lanes):
        // each still gets a revision of its own.
        const std::set<Revision> distinct(burst.begin(), burst.end());
        QCOMPARE(static_cast<int>(distinct.size()), kBurst);
        QCOMPARE(rel(*distinct.begin()), kThreaded + 1);
        QCOMPARE(rel(*distinct.rbegin()), kThreaded + kBurst);
    }

    // Every acknowledged result is there after a reopen. A subscription must not outlive its store.
    subscription.reset();
    store = openStore();
    QVERIFY(store);
    QCOMPARE(rel(store->currentRevision()), kThreaded + kBurst);
    for (int t = 0; t < kThreads; ++t) {
        auto mine = store->rangePrefix("/t/" + std::to_string(t) + "/");
        VERIFY_OK(mine);
        QCOMPARE(static_cast<int>(mine->kvs.size()), kPerThread);
        for (const KeyValue &kv : mine->kvs) {
            const int n = std::stoi(kv.key.substr(kv.key.rfind('/') + 1));
            QCOMPARE(kv.value, kv.key);
            QCOMPARE(kv.modRevision, revisions[t][n]);
        }
    }
    auto burstKeys = store->rangePrefix("/burst/");
    VERIFY_OK(burstKeys);
    QCOMPARE(static_cast<int>(burstKeys->kvs.size()), kBurst);
    for (const KeyValue &kv : burstKeys->kvs) {
        const int n = std::stoi(kv.key.substr(kv.key.rfind('/') + 1));
        QCOMPARE(kv.modRevision, burst[n]);
    }
}

// Schema version 4 gave every stored event its key's scope; the migration must give the scope the
// writer would have, for keys of every shape the store takes, or reading a prefix's history
// after the upgrade silently misses the events from before it.
void TestSqliteSchema::migratedScopesFollowTheWritersRule() {
    const auto path = storePath();
    VERIFY_OK(SqliteStore::migrateTo(path, 3));
    const std::vector<std::pair<std::string, std::string>> keysAndScopes = {
        {"/caf\xc3\xa9/x/y", "/caf\xc3\xa9/x/"}, // bytes beyond ASCII before the third '/'
        {"a/b/c/d", "a/b/c/"},                   // no leading '/'
        {"/a/b/c", "/a/b/"},
        {"/a/b", "/a/b"}, // fewer than three: the whole key
        {"plain", "plain"},
    };
    {
        RawDatabase raw(path);
        std::string sql;
        int seq = 0;
        for (const auto &[key, scope] : keysAndScopes) {
            sql += "INSERT INTO events (revision, seq, type, key, value, create_revision, "
                   "mod_revision, version) VALUES (1, " +
                   std::to_string(seq++) + ", 0, CAST('" + key +
                   "' AS BLOB), CAST('v' AS BLOB), 1, 1, 1);";
        }
        sql += "UPDATE meta SET value = 1 WHERE name = 'revision';";
        QCOMPARE(raw.exec(sql), QString());
    }
    Store *store = openStore();
    QVERIFY(store);
    {
        RawDatabase raw(path);
        for (const auto &[key, scope] : keysAndScopes) {
            QVERIFY2(raw.integer("SELECT count(*) FROM events WHERE key = CAST('" + key +
                                 "' AS BLOB) AND scope = CAST('" + scope + "' AS BLOB)") == 1,
                     key.c_str());
        }
    }
    for (const auto &[key, scope] : keysAndScopes) {
        auto events = store->events(1, 1, key, 0);
        VERIFY_OK(events);
        QVERIFY2(std::any_of(events->begin(), events->end(),
                             [&key](const Event &event) { return event.kv.key == key; }),
                 key.c_str());
    }
}

// The writer commits queued transactions together. One that fails after some of its writes (here
// a row over the writer's length limit, after a small put) must leave none of its writes behind,
// and every other transaction of its batch must still be committed, each with its own revision.
void TestSqliteSchema::aFailingTransactionLeavesItsBatchIntact() {
    constexpr int kRowLimit = 4096;
    auto opened = SqliteStore::open({.path = storePath(), .maxRowBytes = kRowLimit});
    VERIFY_OK(opened);
    std::unique_ptr<SqliteStore> store = std::move(*opened);

    constexpr int kBurst = 400;
    constexpr int kFailing = kBurst / 2;
    std::vector<StatusOr<TransactionResult>> results(kBurst, internalError("not answered"));
    std::latch done(kBurst);
    for (int n = 0; n < kBurst; ++n) {
        Transaction txn;
        txn.put("/ok/" + std::to_string(n), "value");
        if (n == kFailing) {
            txn.put("/too-big", std::string(2 * kRowLimit, 'x'));
        }
        store->commitAsync(std::move(txn), [&results, &done, n](StatusOr<TransactionResult> r) {
            results[n] = std::move(r);
            done.count_down();
        });
    }
    done.wait();

    QVERIFY(!results[kFailing].isOk());
    QVERIFY2(results[kFailing].status().message().find("too big") != std::string::npos,
             results[kFailing].status().toString().c_str());
    std::set<Revision> revisions;
    for (int n = 0; n < kBurst; ++n) {
        if (n != kFailing) {
            VERIFY_OK(results[n]);
            QVERIFY(results[n]->succeeded);
            revisions.insert(results[n]->revision);
        }
    }
    // Revisions stay contiguous: the failed transaction took none.
    QCOMPARE(static_cast<int>(revisions.size()), kBurst - 1);
    QCOMPARE(*revisions.rbegin() - *revisions.begin(), Revision(kBurst - 2));
    QCOMPARE(store->currentRevision(), *revisions.rbegin());

    auto failedsPut = store->get("/ok/" + std::to_string(kFailing));
    VERIFY_OK(failedsPut);
    QVERIFY(failedsPut->kvs.empty());
    auto all = store->rangePrefix("/");
    VERIFY_OK(all);
    QCOMPARE(static_cast<int>(all->kvs.size()), kBurst - 1);
    auto events = store->events(1, store->currentRevision(), "/", 0);
    VERIFY_OK(events);
    QCOMPARE(static_cast<int>(events->size()), kBurst - 1);
}

namespace {

constexpr std::size_t kValueBytes = 3000;

// Commits `count` transactions one after the other, each putting a kValueBytes value of its own.
void commitValues(Store &store, int count) {
    for (int n = 0; n < count; ++n) {
        auto put = store.commit(Transaction().put("/values/" + std::to_string(n),
                                                  std::string(kValueBytes, 'a' + n % 26)));
        VERIFY_OK(put);
    }
}

std::filesystem::path walOf(const std::filesystem::path &path) {
    return path.string() + "-wal";
}

} // namespace

// Commits leave copying the WAL into the file to the checkpoint thread: once the WAL holds
// checkpointPages pages, the values reach the file without another commit or a close.
void TestSqliteSchema::theCheckpointThreadCopiesTheWal() {
    auto opened =
        SqliteStore::open({.path = storePath(), .checkpointPages = 16, .walLimitPages = 1 << 30});
    VERIFY_OK(opened);
    std::unique_ptr<SqliteStore> store = std::move(*opened);
    const auto fileBefore = std::filesystem::file_size(storePath());
    constexpr int kCommits = 64;
    commitValues(*store, kCommits);
    if (QTest::currentTestFailed()) {
        return;
    }
    // Each value is in the key space and in the event log; most of them must have been copied.
    const auto copied = fileBefore + kCommits * kValueBytes;
    QTRY_VERIFY_WITH_TIMEOUT(std::filesystem::file_size(storePath()) >= copied, 10000);
}

// A load that never lets the checkpoint thread catch up (here: it is never asked) must not grow
// the WAL without end: at walLimitPages the writer copies the WAL itself, and SQLite starts it
// over on the next commit.
void TestSqliteSchema::theWalStaysWithinItsLimit() {
    constexpr int kLimit = 64;
    auto opened = SqliteStore::open(
        {.path = storePath(), .checkpointPages = 1 << 30, .walLimitPages = kLimit});
    VERIFY_OK(opened);
    std::unique_ptr<SqliteStore> store = std::move(*opened);
    constexpr int kCommits = 300; // several pages each: far beyond the limit
    commitValues(*store, kCommits);
    if (QTest::currentTestFailed()) {
        return;
    }
    // A WAL frame is a page and a 24-byte header, after the file's 32-byte header. The limit is
    // checked after each commit, so one commit's pages (about ten here) may come on top; twice
    // the limit leaves room for that, while the 300 commits alone take thousands of frames.
    const auto pageBytes =
        static_cast<std::size_t>(RawDatabase(storePath()).integer("PRAGMA page_size"));
    const auto walBytes = std::filesystem::file_size(walOf(storePath()));
    QVERIFY2(walBytes <= 32 + 2 * kLimit * (pageBytes + 24),
             qPrintable(QString("WAL of %1 bytes").arg(walBytes)));
    auto last = store->get("/values/" + std::to_string(kCommits - 1));
    VERIFY_OK(last);
    QCOMPARE(static_cast<int>(last->kvs.size()), 1);
    auto all = store->rangePrefix("/values/");
    VERIFY_OK(all);
    QCOMPARE(static_cast<int>(all->kvs.size()), kCommits);
}

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    int failures = 0;
    for (Backend backend : {Backend::Sqlite, Backend::Etcd}) {
        qInfo("store backend: %s", backend == Backend::Sqlite ? "sqlite" : "etcd");
        TestStore test(backend);
        failures += QTest::qExec(&test, argc, argv);
    }
    TestSqliteSchema schema;
    failures += QTest::qExec(&schema, argc, argv);
    return failures;
}

#include "tst_store.moc"
