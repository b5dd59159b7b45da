// Two configuration centers on one store, as two aegisd replicas would share one: what one
// writes shows up in the other's reads and domain watches, because each follows the store's
// event stream rather than its own commits.

#include "config/config_center.h"
#include "config/item_watcher.h"
#include "daemon_process.h"
#include "poll_until.h"
#include "store/sqlite_store.h"
#include "store/watch_hub.h"

#include <QtTest>

#include <future>

using namespace aegis;
using namespace aegis::config;

namespace {

const ItemRef kDb{"prod", "checkout", "db.json"};
const ItemRef kToken{"prod", "checkout", "token"};

Change change(const ItemRef &ref, std::string content, std::int64_t base) {
    Change c;
    c.ref = ref;
    c.format = Format::Json;
    c.content = std::move(content);
    c.baseVersion = base;
    return c;
}

template <typename Result, typename Call>
Result await(Call call) {
    std::promise<Result> promise;
    call([&promise](Result result) { promise.set_value(std::move(result)); });
    return promise.get_future().get();
}

// What a watcher has heard so far, in order.
struct Heard {
    ItemWatcherPtr watcher;
    std::vector<ConfigEvent> events;

    void drain() {
        for (;;) {
            auto batch = watcher->take(256);
            QVERIFY2(batch.ended.isOk(), batch.ended.message().c_str());
            if (batch.events.empty()) {
                return;
            }
            std::move(batch.events.begin(), batch.events.end(), std::back_inserter(events));
        }
    }
    // Waits until the last event heard satisfies `what`.
    bool lastIs(const std::function<bool(const ConfigEvent &)> &what) {
        return testing::pollUntil([&] {
            drain();
            return !events.empty() && what(events.back());
        });
    }
};

} // namespace

class ConfigReplicasTest : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void writesOfOneReplicaReachTheOther();
    void loadSkipsWhatItRead();

private:
    Heard watchOnA(const std::string &instanceId, store::Revision from = 0);

    std::unique_ptr<testing::TempDir> m_dir;
    std::unique_ptr<store::SqliteStore> m_store;
    std::unique_ptr<SecretBox> m_secrets;
    std::unique_ptr<store::WatchHub> m_hub;
    std::unique_ptr<ConfigCenter> m_a;
    std::unique_ptr<ConfigCenter> m_b;
};

void ConfigReplicasTest::init() {
    m_dir = std::make_unique<testing::TempDir>();
    auto store = store::SqliteStore::open({m_dir->path() / "aegis.db"});
    QVERIFY2(store.isOk(), store.status().message().c_str());
    m_store = std::move(*store);
    auto secrets = SecretBox::openOrCreate(m_dir->path() / "config.key");
    QVERIFY2(secrets.isOk(), secrets.status().message().c_str());
    m_secrets = std::move(*secrets);
    m_hub = std::make_unique<store::WatchHub>(*m_store);
    m_hub->attach();
    m_a = std::make_unique<ConfigCenter>(*m_store, *m_secrets, std::make_shared<SystemClock>());
    m_b = std::make_unique<ConfigCenter>(*m_store, *m_secrets, std::make_shared<SystemClock>());
    QVERIFY(m_a->load().isOk());
    QVERIFY(m_b->load().isOk());
}

void ConfigReplicasTest::cleanup() {
    m_hub->shutdown(Status(StatusCode::Unavailable, "test over"));
    m_store->close();
    m_a.reset();
    m_b.reset();
    m_hub.reset();
    m_store.reset();
    m_dir.reset();
}

Heard ConfigReplicasTest::watchOnA(const std::string &instanceId, store::Revision from) {
    ConfigWatchRequest request;
    request.scope = {"prod", "checkout", ""};
    request.service = instanceId.empty() ? "" : "checkout";
    request.instanceId = instanceId;
    request.labels = [] { return std::make_shared<const Labels>(); };
    request.startRevision = from;
    auto watcher = m_a->watch(*m_hub, std::move(request), [] {});
    if (!watcher) {
        qFatal("watch: %s", watcher.status().message().c_str());
    }
    return Heard{std::move(*watcher), {}};
}

void ConfigReplicasTest::writesOfOneReplicaReachTheOther() {
    Heard canary = watchOnA("c-1");
    Heard console = watchOnA("");
    const Author ann{"ann", false};

    // A publish through B: A reads it and both of A's watchers hear it.
    auto published = await<StatusOr<PublishResult>>(
        [&](auto done) { m_b->publish({change(kDb, R"({"v":1})", 0)}, "first", ann, done); });
    QVERIFY2(published.isOk(), published.status().message().c_str());
    QVERIFY(testing::pollUntil([&] { return m_a->item(kDb) && m_a->item(kDb)->version == 1; }));
    // What B adopted of its own write is what A decoded from it, to the millisecond kept.
    QVERIFY(m_a->item(kDb)->updateTime == m_b->item(kDb)->updateTime);
    QCOMPARE(m_a->item(kDb)->sha256, m_b->item(kDb)->sha256);
    QVERIFY(canary.lastIs([](const ConfigEvent &e) { return e.version() == 1 && !e.gray; }));
    QVERIFY(console.lastIs([](const ConfigEvent &e) { return e.version() == 1; }));

    // A secret sealed by B opens in A.
    Change secret = change(kToken, R"({"key":"s3cret"})", 0);
    secret.updateAttributes = true;
    secret.secret = true;
    QVERIFY(await<StatusOr<PublishResult>>([&](auto done) {
                m_b->publish({secret}, "a secret", ann, done);
            }).isOk());
    QVERIFY(testing::pollUntil([&] { return m_a->item(kToken).has_value(); }));
    QCOMPARE(m_a->item(kToken)->content, std::string(R"({"key":"s3cret"})"));
    QCOMPARE(m_a->item(kToken)->sha256, m_b->item(kToken)->sha256);

    // A gray release started through B targets the canary in A's watch, not the console.
    GrayRelease targeting;
    targeting.instanceIds = {"c-1"};
    QVERIFY(await<StatusOr<PublishResult>>([&](auto done) {
                m_b->startGray(kDb, R"({"v":2})", 1, targeting, "try it", ann, done);
            }).isOk());
    QVERIFY(testing::pollUntil([&] { return m_a->item(kDb)->gray.has_value(); }));
    QCOMPARE(m_a->item(kDb)->gray->version, std::int64_t(2));
    QVERIFY(m_a->item(kDb)->gray->startTime == m_b->item(kDb)->gray->startTime);
    QVERIFY(canary.lastIs([](const ConfigEvent &e) {
        return e.ref == kDb && e.gray && e.version() == 2 && e.content() == R"({"v":2})";
    }));
    QVERIFY(console.lastIs([](const ConfigEvent &e) {
        return e.ref == kDb && !e.gray && e.version() == 1 && e.item->gray;
    }));

    // A rollback through B: a new published version with the old content.
    QVERIFY(await<StatusOr<PublishResult>>([&](auto done) {
                m_b->rollback(kDb, 1, 1, "back", ann, done);
            }).isOk());
    QVERIFY(testing::pollUntil([&] { return m_a->item(kDb)->version == 3; }));
    QCOMPARE(m_a->item(kDb)->content, std::string(R"({"v":1})"));
    QVERIFY(console.lastIs([](const ConfigEvent &e) { return e.version() == 3; }));
    // The gray release goes on, so the canary still uses v2: nothing new for it.
    canary.drain();
    QVERIFY(canary.events.back().gray && canary.events.back().version() == 2);

    // Settings, proposals and applied records written through B are in A too.
    QVERIFY(await<StatusOr<NamespaceSettings>>([&](auto done) {
                m_b->setNamespace({"staging", true, "needs approval", 0}, done);
            }).isOk());
    QVERIFY(testing::pollUntil([&] {
        for (const auto &settings : m_a->namespaces()) {
            if (settings.name == "staging" && settings.requireApproval) {
                return true;
            }
        }
        return false;
    }));
    const auto proposed = await<StatusOr<PublishResult>>([&](auto done) {
        m_b->publish({change({"staging", "checkout", "db.json"}, R"({"v":1})", 0)}, "propose", ann,
                     done);
    });
    QVERIFY(proposed.isOk() && proposed->proposal);
    QVERIFY(testing::pollUntil([&] { return m_a->proposals("staging", false).size() == 1; }));
    QVERIFY(m_a->proposals("staging", false).front().createTime ==
            m_b->proposals("staging", false).front().createTime);
    QVERIFY(await<StatusOr<store::Revision>>([&](auto done) {
                m_b->ack(kDb, "checkout", "c-1", 3, "", done);
            }).isOk());
    QVERIFY(testing::pollUntil([&] { return m_a->applied(kDb).instances.size() == 1; }));

    // A delete through B: gone from A, and both watchers hear it.
    QVERIFY(await<StatusOr<store::Revision>>([&](auto done) {
                m_b->remove(kDb, 3, ann, done);
            }).isOk());
    QVERIFY(testing::pollUntil([&] { return !m_a->item(kDb); }));
    QVERIFY(m_a->applied(kDb).instances.empty());
    const auto deleted = [](const ConfigEvent &e) {
        return e.type == ConfigEvent::Type::Delete && e.ref == kDb;
    };
    QVERIFY(canary.lastIs(deleted));
    QVERIFY(console.lastIs(deleted));

    // A's reads claim a revision only once they reflect it: a watch from the next one misses
    // nothing and repeats nothing.
    store::Revision at = 0;
    m_a->item(kToken, &at);
    QCOMPARE(at, m_store->currentRevision());
}

void ConfigReplicasTest::loadSkipsWhatItRead() {
    // B was loaded before these writes; a third center loaded after them reads them from the
    // store and skips their events, yet follows what comes next.
    const Author ann{"ann", false};
    QVERIFY(await<StatusOr<PublishResult>>([&](auto done) {
                m_b->publish({change(kDb, R"({"v":1})", 0)}, "first", ann, done);
            }).isOk());
    ConfigCenter late(*m_store, *m_secrets, std::make_shared<SystemClock>());
    QVERIFY(late.load().isOk());
    QCOMPARE(late.item(kDb)->version, std::int64_t(1));
    QVERIFY(await<StatusOr<PublishResult>>([&](auto done) {
                m_a->publish({change(kDb, R"({"v":2})", 1)}, "second", ann, done);
            }).isOk());
    QVERIFY(testing::pollUntil([&] { return late.item(kDb)->version == 2; }));
    QVERIFY(testing::pollUntil([&] { return m_b->item(kDb)->version == 2; }));
    store::Revision at = 0;
    QCOMPARE(late.item(kDb, &at)->content, std::string(R"({"v":2})"));
    QCOMPARE(at, m_store->currentRevision());
}

QTEST_GUILESS_MAIN(ConfigReplicasTest)
#include "tst_config_replicas.moc"
