// The configuration center against a real SQLite store: validation with positions, publishing
// with compare-and-set, atomic change sets, history and rollback, gray targeting, approval,
// secrets encrypted at rest, export/import, applied status and the line diff.

#include "common/sha256.h"
#include "config/config_center.h"
#include "config/line_diff.h"
#include "daemon_process.h"
#include "store/sqlite_store.h"

#include <QtTest>

#include <algorithm>
#include <fstream>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <vector>

using namespace aegis;
using namespace aegis::config;

namespace {

const ItemRef kDb{"prod", "checkout", "db.json"};
// Every item of an array is again such an array, to any depth.
const std::string kRecursiveSchema = "{\"items\": {\"$ref\": \"#\"}}";

Change change(const ItemRef &ref, std::string content, std::int64_t base,
              Format format = Format::Json) {
    Change c;
    c.ref = ref;
    c.format = format;
    c.content = std::move(content);
    c.baseVersion = base;
    return c;
}

std::string readAll(const std::filesystem::path &path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A store whose commits become durable at once but whose event stream and callbacks wait until
// release(): the moment between a change being in the store and in the configuration center's
// cache, held open.
class HeldCallbackStore final : public store::Store {
public:
    explicit HeldCallbackStore(store::Store &inner)
        : m_inner(inner) {}

    void commitAsync(store::Transaction txn, store::CommitCallback done) override {
        auto result = m_inner.commit(std::move(txn));
        std::lock_guard lock(m_mutex);
        m_held.emplace_back([result = std::move(result), done = std::move(done)]() mutable {
            done(std::move(result));
        });
    }
    // Runs the held event deliveries and callbacks, oldest first.
    void release() {
        std::vector<std::function<void()>> held;
        {
            std::lock_guard lock(m_mutex);
            held.swap(m_held);
        }
        for (auto &callback : held) {
            callback();
        }
    }
    // Runs the oldest held delivery or callback; false when none is held.
    bool releaseOne() {
        std::function<void()> oldest;
        {
            std::lock_guard lock(m_mutex);
            if (m_held.empty()) {
                return false;
            }
            oldest = std::move(m_held.front());
            m_held.erase(m_held.begin());
        }
        oldest();
        return true;
    }
    // Called once a subscriber is registered, before subscribe() returns.
    std::function<void()> onSubscribe;
    StatusOr<store::RangeResult> range(const store::RangeRequest &request) const override {
        return m_inner.range(request);
    }
    StatusOr<std::int64_t> count(const store::RangeRequest &request) const override {
        return m_inner.count(request);
    }
    StatusOr<std::vector<store::Event>> events(store::Revision from, store::Revision to,
                                               const std::string &prefix,
                                               std::size_t limit) const override {
        return m_inner.events(from, to, prefix, limit);
    }
    store::Revision currentRevision() const override { return m_inner.currentRevision(); }
    store::Revision compactRevision() const override { return m_inner.compactRevision(); }
    Status compact(store::Revision revision) override { return m_inner.compact(revision); }
    store::EventSubscription subscribe(std::string prefix, store::EventListener listener) override {
        auto subscription = m_inner.subscribe(
            std::move(prefix),
            [this, listener = std::move(listener)](const std::vector<store::Event> &events) {
                std::lock_guard lock(m_mutex);
                m_held.emplace_back([&listener, events] { listener(events); });
            });
        if (onSubscribe) {
            onSubscribe();
        }
        return subscription;
    }
    std::string kind() const override { return "held"; }
    void close() override {}

private:
    store::Store &m_inner;
    std::mutex m_mutex;
    std::vector<std::function<void()>> m_held;
};

} // namespace

class ConfigCenterTest : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void validationSaysWhere_data();
    void validationSaysWhere();
    void schemaIsEnforced();
    void propertiesParse();
    void publishIsVersionedAndCompareAndSet();
    void changeSetsAreAllOrNothing();
    void rollbackIsANewVersion();
    void grayTargeting();
    void grayReleaseLifecycle();
    void approvalNeedsSomeoneElse();
    void secretsAreEncryptedAtRest();
    void exportImportRoundTrip();
    void appliedStatusSummarises();
    void appliedStatusCountsOnlyRegisteredInstances();
    void unifiedDiff();
    void hostileSchemasAndDocumentsAreRefused();
    void approvalCannotBeBypassed();
    void aLostKeyStopsTheStart();
    void secretFingerprintsAreKeyed();
    void readsServeTheRevisionTheyReflect();
    void loadSkipsEventsItAlreadyRead();

private:
    void open();
    Status ackNow(const ItemRef &ref, const std::string &instance, std::int64_t version);
    StatusOr<PublishResult> publishNow(std::vector<Change> changes,
                                       const std::string &author = "ann");

    std::unique_ptr<testing::TempDir> m_dir;
    std::unique_ptr<store::SqliteStore> m_store;
    std::unique_ptr<SecretBox> m_secrets;
    std::unique_ptr<ConfigCenter> m_config;
};

void ConfigCenterTest::open() {
    auto store = store::SqliteStore::open({m_dir->path() / "aegis.db"});
    QVERIFY2(store.isOk(), store.status().message().c_str());
    m_store = std::move(*store);
    auto secrets = SecretBox::openOrCreate(m_dir->path() / "config.key");
    QVERIFY2(secrets.isOk(), secrets.status().message().c_str());
    m_secrets = std::move(*secrets);
    m_config =
        std::make_unique<ConfigCenter>(*m_store, *m_secrets, std::make_shared<SystemClock>());
    QVERIFY(m_config->load().isOk());
}

void ConfigCenterTest::init() {
    m_dir = std::make_unique<testing::TempDir>();
    open();
}

void ConfigCenterTest::cleanup() {
    m_store->close();
    m_config.reset();
    m_store.reset();
    m_dir.reset();
}

Status ConfigCenterTest::ackNow(const ItemRef &ref, const std::string &instance,
                                std::int64_t version) {
    std::promise<Status> promise;
    m_config->ack(ref, "checkout", instance, version, "",
                  [&](StatusOr<store::Revision> result) { promise.set_value(result.status()); });
    return promise.get_future().get();
}

StatusOr<PublishResult> ConfigCenterTest::publishNow(std::vector<Change> changes,
                                                     const std::string &author) {
    std::promise<StatusOr<PublishResult>> promise;
    m_config->publish(
        std::move(changes), "test change", Author{author, false},
        [&](StatusOr<PublishResult> result) { promise.set_value(std::move(result)); });
    return promise.get_future().get();
}

void ConfigCenterTest::validationSaysWhere_data() {
    QTest::addColumn<int>("format");
    QTest::addColumn<QString>("content");
    QTest::addColumn<QString>("expected");
    QTest::newRow("json missing value") << int(Format::Json) << "{\n  \"a\": 1,\n  \"b\": \n}"
                                        << "content: line 4, column 1";
    QTest::newRow("json bad literal") << int(Format::Json) << "{\"a\": tru}"
                                      << "content: line 1, column 10";
    QTest::newRow("yaml bad indentation") << int(Format::Yaml) << "a: 1\nb:\n  - x\n - y\n"
                                          << "content: line 4, column 2";
    QTest::newRow("yaml map in a plain value") << int(Format::Yaml) << "a: 1\nb: c: d\n"
                                               << "content: line 2, column";
    QTest::newRow("properties bad escape") << int(Format::Properties) << "a=1\nname=\\u12G4\n"
                                           << "content: line 2, column 6";
}

void ConfigCenterTest::validationSaysWhere() {
    QFETCH(int, format);
    QFETCH(QString, content);
    QFETCH(QString, expected);
    const Status status = validateContent(static_cast<Format>(format), content.toStdString());
    QCOMPARE(status.code(), StatusCode::InvalidArgument);
    QVERIFY2(QString::fromStdString(status.message()).startsWith(expected),
             status.message().c_str());
    // And nothing is published.
    auto result = publishNow({change(kDb, content.toStdString(), 0, static_cast<Format>(format))});
    QCOMPARE(result.status().code(), StatusCode::InvalidArgument);
    QVERIFY(!m_config->item(kDb));
}

void ConfigCenterTest::schemaIsEnforced() {
    const std::string schema =
        R"({"type":"object","required":["pool"],"properties":{"pool":{"type":"object",)"
        R"("properties":{"size":{"type":"integer","minimum":1}}}}})";
    QVERIFY(validateContent(Format::Json, R"({"pool":{"size":4}})", schema).isOk());
    const Status tooSmall = validateContent(Format::Json, R"({"pool":{"size":0}})", schema);
    QCOMPARE(tooSmall.code(), StatusCode::InvalidArgument);
    QVERIFY2(tooSmall.message().find("/pool/size") != std::string::npos,
             tooSmall.message().c_str());
    QCOMPARE(validateContent(Format::Json, R"({"other":1})", schema).code(),
             StatusCode::InvalidArgument);
    // YAML is validated as the JSON it denotes.
    QVERIFY(validateContent(Format::Yaml, "pool:\n  size: 8\n", schema).isOk());
    QCOMPARE(validateContent(Format::Yaml, "pool:\n  size: \"8\"\n", schema).code(),
             StatusCode::InvalidArgument);
    // A broken schema is reported as such, and does not take the process down.
    const Status badSchema = validateContent(Format::Json, "{}", R"({"type": 12})");
    QCOMPARE(badSchema.code(), StatusCode::InvalidArgument);
    QVERIFY2(badSchema.message().rfind("schema:", 0) == 0, badSchema.message().c_str());
    QCOMPARE(validateSchema("{not json").code(), StatusCode::InvalidArgument);

    Change withSchema = change(kDb, R"({"pool":{"size":0}})", 0);
    withSchema.updateAttributes = true;
    withSchema.schema = schema;
    QCOMPARE(publishNow({withSchema}).status().code(), StatusCode::InvalidArgument);
    withSchema.content = R"({"pool":{"size":2}})";
    QVERIFY(publishNow({withSchema}).isOk());
    // The schema stays with the item.
    QCOMPARE(publishNow({change(kDb, R"({"pool":{}, "x": 1})", 1)}).status().code(),
             StatusCode::Ok);
    QCOMPARE(publishNow({change(kDb, R"({"x": 1})", 2)}).status().code(),
             StatusCode::InvalidArgument);
}

void ConfigCenterTest::propertiesParse() {
    const auto parsed = parseProperties("# comment\n! also\nurl = jdbc:pg://db\\\n    :5432/app\n"
                                        "greeting:hello world\nkey\\ with\\ spaces=v\n"
                                        "unicode=caf\\u00e9\nempty\n");
    QVERIFY2(parsed.isOk(), parsed.status().message().c_str());
    QCOMPARE(parsed->at("url"), std::string("jdbc:pg://db:5432/app"));
    QCOMPARE(parsed->at("greeting"), std::string("hello world"));
    QCOMPARE(parsed->at("key with spaces"), std::string("v"));
    QCOMPARE(parsed->at("unicode"), std::string("caf\xc3\xa9"));
    QCOMPARE(parsed->at("empty"), std::string());
    QCOMPARE(parsed->size(), std::size_t(5));
}

void ConfigCenterTest::publishIsVersionedAndCompareAndSet() {
    auto first = publishNow({change(kDb, R"({"pool": 4})", 0)});
    QVERIFY2(first.isOk(), first.status().message().c_str());
    QCOMPARE(first->items.front().version, std::int64_t(1));
    QCOMPARE(first->items.front().sha256, aegis::sha256Hex(R"({"pool": 4})"));
    // Creating it again from version 0 is a conflict, not an overwrite.
    auto again = publishNow({change(kDb, R"({"pool": 5})", 0)}, "bob");
    QCOMPARE(again.status().code(), StatusCode::Aborted);
    QVERIFY2(again.status().message().find("is at version 1") != std::string::npos,
             again.status().message().c_str());
    auto second = publishNow({change(kDb, R"({"pool": 8})", 1)}, "bob");
    QVERIFY(second.isOk());
    QCOMPARE(second->items.front().version, std::int64_t(2));
    QCOMPARE(second->items.front().author, std::string("bob"));
    // Ann still edits from version 1: refused, naming Bob's version.
    auto stale = publishNow({change(kDb, R"({"pool": 6})", 1)});
    QCOMPARE(stale.status().code(), StatusCode::Aborted);
    QVERIFY2(stale.status().message().find("version 2") != std::string::npos &&
                 stale.status().message().find("bob") != std::string::npos,
             stale.status().message().c_str());
    QCOMPARE(m_config->item(kDb)->content, std::string(R"({"pool": 8})"));

    auto history = m_config->versions(kDb, 10, {});
    QVERIFY(history.isOk());
    QCOMPARE(history->items.size(), std::size_t(2));
    QCOMPARE(history->items[0].number, std::int64_t(2)); // newest first
    QCOMPARE(history->items[1].content, std::string(R"({"pool": 4})"));
    auto one = m_config->version(kDb, 1);
    QVERIFY(one.isOk());
    QCOMPARE(one->author, std::string("ann"));
    QCOMPARE(m_config->version(kDb, 9).status().code(), StatusCode::NotFound);

    // The cache is rebuilt from the store.
    m_store->close();
    m_config.reset();
    m_store.reset();
    open();
    QCOMPARE(m_config->item(kDb)->version, std::int64_t(2));
}

void ConfigCenterTest::changeSetsAreAllOrNothing() {
    const ItemRef a{"prod", "checkout", "a.json"};
    const ItemRef b{"prod", "checkout", "b.yaml"};
    const ItemRef c{"prod", "payments", "c.properties"};
    const auto before = m_store->currentRevision();
    auto broken = publishNow({change(a, R"({"x":1})", 0), change(b, "k: [1, 2", 0, Format::Yaml),
                              change(c, "x=1", 0, Format::Properties)});
    QCOMPARE(broken.status().code(), StatusCode::InvalidArgument);
    QVERIFY2(broken.status().message().find("b.yaml") != std::string::npos,
             broken.status().message().c_str());
    QVERIFY(!m_config->item(a) && !m_config->item(c));
    QCOMPARE(m_store->currentRevision(), before);

    auto set = publishNow({change(a, R"({"x":1})", 0), change(b, "k: [1, 2]", 0, Format::Yaml),
                           change(c, "x=1", 0, Format::Properties)});
    QVERIFY2(set.isOk(), set.status().message().c_str());
    QCOMPARE(set->items.size(), std::size_t(3));
    QCOMPARE(m_store->currentRevision(), before + 1); // one revision for the whole set
    // One stale base version refuses the whole set.
    auto stale = publishNow({change(a, R"({"x":2})", 1), change(c, "x=2", 0, Format::Properties)});
    QCOMPARE(stale.status().code(), StatusCode::Aborted);
    QCOMPARE(m_config->item(a)->content, std::string(R"({"x":1})"));
    QCOMPARE(publishNow({change(a, "{}", 1), change(a, "{}", 1)}).status().code(),
             StatusCode::InvalidArgument);
}

void ConfigCenterTest::rollbackIsANewVersion() {
    QVERIFY(publishNow({change(kDb, R"({"v":1})", 0)}).isOk());
    QVERIFY(publishNow({change(kDb, R"({"v":2})", 1)}).isOk());
    std::promise<StatusOr<PublishResult>> promise;
    m_config->rollback(kDb, 1, 2, "v2 broke checkout", Author{"ann", false},
                       [&](auto result) { promise.set_value(std::move(result)); });
    auto rolled = promise.get_future().get();
    QVERIFY2(rolled.isOk(), rolled.status().message().c_str());
    QCOMPARE(rolled->items.front().version, std::int64_t(3));
    QCOMPARE(rolled->items.front().content, std::string(R"({"v":1})"));
    const auto v3 = m_config->version(kDb, 3);
    QCOMPARE(v3->kind, VersionKind::Rollback);
    QCOMPARE(v3->restores, std::int64_t(1));
    QVERIFY(v3->comment.rfind("rollback to v1", 0) == 0);
}

void ConfigCenterTest::grayTargeting() {
    GrayRelease bySelector;
    bySelector.selector = "color=green";
    QVERIFY(ConfigCenter::grayTargets(bySelector, kDb, "c-1", {{"color", "green"}}));
    QVERIFY(!ConfigCenter::grayTargets(bySelector, kDb, "c-2", {{"color", "blue"}}));
    // Releases with different selectors resolved in turn (a thread keeps the last it parsed).
    GrayRelease byOther;
    byOther.selector = "color=blue";
    QVERIFY(ConfigCenter::grayTargets(byOther, kDb, "c-2", {{"color", "blue"}}));
    QVERIFY(!ConfigCenter::grayTargets(bySelector, kDb, "c-2", {{"color", "blue"}}));
    QVERIFY(!ConfigCenter::grayTargets(byOther, kDb, "c-1", {{"color", "green"}}));
    GrayRelease unreadable; // as a damaged record could hold: targets nobody
    unreadable.selector = "color in (";
    QVERIFY(!ConfigCenter::grayTargets(unreadable, kDb, "c-1", {{"color", "green"}}));
    QVERIFY(ConfigCenter::grayTargets(bySelector, kDb, "c-1", {{"color", "green"}}));
    GrayRelease byIds;
    byIds.instanceIds = {"c-1", "c-3"};
    QVERIFY(ConfigCenter::grayTargets(byIds, kDb, "c-3", {}));
    QVERIFY(!ConfigCenter::grayTargets(byIds, kDb, "c-2", {}));
    QVERIFY(!ConfigCenter::grayTargets(byIds, kDb, "", {})); // anonymous watchers: published

    GrayRelease byShare;
    byShare.percent = 20;
    int targeted = 0;
    std::vector<bool> first;
    for (int i = 0; i < 2000; ++i) {
        const bool hit = ConfigCenter::grayTargets(byShare, kDb, "inst-" + std::to_string(i), {});
        first.push_back(hit);
        targeted += hit ? 1 : 0;
    }
    QVERIFY2(targeted > 300 && targeted < 500, std::to_string(targeted).c_str());
    // Stable: the same instances every time (and so across restarts: no state involved).
    for (int i = 0; i < 2000; ++i) {
        QCOMPARE(ConfigCenter::grayTargets(byShare, kDb, "inst-" + std::to_string(i), {}),
                 bool(first[static_cast<std::size_t>(i)]));
    }
    // Raising the share only adds instances.
    byShare.percent = 50;
    for (int i = 0; i < 2000; ++i) {
        if (first[static_cast<std::size_t>(i)]) {
            QVERIFY(ConfigCenter::grayTargets(byShare, kDb, "inst-" + std::to_string(i), {}));
        }
    }
    // Pinned buckets: a running gray release must keep its instances across an upgrade, so the
    // bucket of an item and instance never changes (inst-0..inst-7 fall in 54 65 32 43 10 21 88
    // 99).
    byShare.percent = 44;
    std::vector<bool> pinned;
    for (int i = 0; i < 8; ++i) {
        pinned.push_back(ConfigCenter::grayTargets(byShare, kDb, "inst-" + std::to_string(i), {}));
    }
    QCOMPARE(pinned, (std::vector<bool>{false, false, true, true, true, true, false, false}));
}

void ConfigCenterTest::grayReleaseLifecycle() {
    QVERIFY(publishNow({change(kDb, R"({"v":1})", 0)}).isOk());
    auto start = [&](std::string content, std::int64_t base, GrayRelease targeting) {
        std::promise<StatusOr<PublishResult>> promise;
        m_config->startGray(kDb, std::move(content), base, std::move(targeting), "try it",
                            Author{"ann", false},
                            [&](auto result) { promise.set_value(std::move(result)); });
        return promise.get_future().get();
    };
    GrayRelease none;
    QCOMPARE(start(R"({"v":2})", 1, none).status().code(), StatusCode::InvalidArgument);
    GrayRelease green;
    green.selector = "color=green";
    QCOMPARE(start("{oops", 1, green).status().code(), StatusCode::InvalidArgument);
    auto started = start(R"({"v":2})", 1, green);
    QVERIFY2(started.isOk(), started.status().message().c_str());
    const Item item = *m_config->item(kDb);
    QVERIFY(item.gray);
    QCOMPARE(item.gray->version, std::int64_t(2));
    QCOMPARE(item.version, std::int64_t(1)); // the published version is unchanged
    QCOMPARE(m_config->version(kDb, 2)->kind, VersionKind::Gray);
    QCOMPARE(start(R"({"v":3})", 1, green).status().code(), StatusCode::FailedPrecondition);

    // A publish during the gray release takes the next number.
    QVERIFY(publishNow({change(kDb, R"({"v":1,"fix":true})", 1)}).isOk());
    QCOMPARE(m_config->item(kDb)->version, std::int64_t(3));
    QVERIFY(m_config->item(kDb)->gray);

    std::promise<StatusOr<PublishResult>> promoted;
    m_config->promoteGray(kDb, "green looks good", Author{"ann", false},
                          [&](auto result) { promoted.set_value(std::move(result)); });
    auto result = promoted.get_future().get();
    QVERIFY2(result.isOk(), result.status().message().c_str());
    QCOMPARE(result->items.front().version, std::int64_t(4));
    QCOMPARE(result->items.front().content, std::string(R"({"v":2})"));
    QVERIFY(!m_config->item(kDb)->gray);
    QCOMPARE(m_config->version(kDb, 4)->kind, VersionKind::Promotion);
    QCOMPARE(m_config->version(kDb, 4)->restores, std::int64_t(2));

    std::promise<StatusOr<PublishResult>> cancelled;
    m_config->cancelGray(kDb, [&](auto r) { cancelled.set_value(std::move(r)); });
    QCOMPARE(cancelled.get_future().get().status().code(), StatusCode::FailedPrecondition);
}

void ConfigCenterTest::approvalNeedsSomeoneElse() {
    std::promise<StatusOr<NamespaceSettings>> set;
    m_config->setNamespace({"prod", true, "production", 0}, [&](auto r) { set.set_value(r); });
    QVERIFY(set.get_future().get().isOk());
    auto proposed = publishNow({change(kDb, R"({"v":1})", 0)}, "ann");
    QVERIFY2(proposed.isOk(), proposed.status().message().c_str());
    QVERIFY(proposed->proposal);
    QVERIFY(proposed->items.empty());
    QVERIFY(!m_config->item(kDb)); // nothing published yet
    const std::string id = proposed->proposal->id;
    QCOMPARE(m_config->proposals("prod", false).size(), std::size_t(1));

    auto approve = [&](const std::string &who, bool admin) {
        std::promise<StatusOr<PublishResult>> promise;
        m_config->approve("prod", id, Author{who, admin},
                          [&](auto r) { promise.set_value(std::move(r)); });
        return promise.get_future().get();
    };
    QCOMPARE(approve("ann", false).status().code(), StatusCode::PermissionDenied);
    auto approved = approve("bob", false);
    QVERIFY2(approved.isOk(), approved.status().message().c_str());
    QCOMPARE(m_config->item(kDb)->version, std::int64_t(1));
    QCOMPARE(m_config->item(kDb)->author, std::string("ann"));
    QCOMPARE(approve("bob", false).status().code(), StatusCode::FailedPrecondition);
    QVERIFY(m_config->proposals("prod", false).empty());
    QCOMPARE(m_config->proposals("prod", true).front().decidedBy, std::string("bob"));

    // A proposal whose base went stale is refused at approval time.
    auto first = publishNow({change(kDb, R"({"v":2})", 1)}, "ann");
    auto second = publishNow({change(kDb, R"({"v":3})", 1)}, "carl");
    QVERIFY(first->proposal && second->proposal);
    std::promise<StatusOr<PublishResult>> one;
    m_config->approve("prod", first->proposal->id, Author{"bob", false},
                      [&](auto r) { one.set_value(std::move(r)); });
    QVERIFY(one.get_future().get().isOk());
    std::promise<StatusOr<PublishResult>> two;
    m_config->approve("prod", second->proposal->id, Author{"bob", false},
                      [&](auto r) { two.set_value(std::move(r)); });
    QCOMPARE(two.get_future().get().status().code(), StatusCode::Aborted);
}

void ConfigCenterTest::secretsAreEncryptedAtRest() {
    const std::string password = "correct-horse-battery-staple-4711";
    Change secret = change({"prod", "payments", "db.password"}, password, 0, Format::Text);
    secret.updateAttributes = true;
    secret.secret = true;
    QVERIFY(publishNow({secret}).isOk());
    Change again = secret;
    again.content = password + "-v2";
    again.baseVersion = 1;
    QVERIFY(publishNow({again}).isOk());
    QCOMPARE(m_config->item(secret.ref)->content, password + "-v2");
    QCOMPARE(m_config->version(secret.ref, 1)->content, password);

    m_store->close();
    for (const char *file : {"aegis.db", "aegis.db-wal"}) {
        const std::string bytes = readAll(m_dir->path() / file);
        QVERIFY2(bytes.find(password) == std::string::npos, file);
    }
    m_config.reset();
    m_store.reset();
    open();
    QCOMPARE(m_config->item(secret.ref)->content, password + "-v2");

    // Another key cannot read them: a copied database alone reveals nothing.
    std::array<unsigned char, 32> otherKey{};
    otherKey.fill(7);
    const auto other = SecretBox::withKey(otherKey);
    QCOMPARE(other->open(m_secrets->seal("x")).status().code(), StatusCode::DataLoss);
    QCOMPARE(m_secrets->open(m_secrets->seal("x")).value(), std::string("x"));
}

void ConfigCenterTest::secretFingerprintsAreKeyed() {
    const std::string password = "hunter2";
    const std::string unkeyed = aegis::sha256Hex(password);
    Change secret = change({"prod", "payments", "api.key"}, password, 0, Format::Text);
    secret.updateAttributes = true;
    secret.secret = true;
    const auto published = publishNow({secret});
    QVERIFY(published.isOk());
    const std::string fingerprint = published->items.front().sha256;
    QCOMPARE(fingerprint, m_secrets->fingerprint(password));
    QVERIFY(fingerprint != unkeyed);
    QCOMPARE(fingerprint.size(), std::size_t(64));
    // Change detection still works: the same content under the same key, the same fingerprint.
    QCOMPARE(m_config->version(secret.ref, 1)->sha256, fingerprint);
    // Another key gives another fingerprint.
    std::array<unsigned char, 32> otherKey{};
    otherKey.fill(9);
    QVERIFY(SecretBox::withKey(otherKey)->fingerprint(password) != fingerprint);

    auto recordsHold = [&](const std::string &text) {
        for (const char *prefix : {"/config/items/", "/config/versions/"}) {
            const auto records = m_store->rangePrefix(prefix);
            for (const auto &kv : records->kvs) {
                if (kv.value.find(text) != std::string::npos) {
                    return true;
                }
            }
        }
        return false;
    };
    QVERIFY(!recordsHold(unkeyed));

    // Records written before fingerprints were keyed are rekeyed when the configuration loads.
    for (const char *key : {"/config/items/prod/payments/api.key",
                            "/config/versions/prod/payments/api.key/0000000001"}) {
        const auto stored = m_store->get(key);
        QVERIFY(stored.isOk() && stored->kvs.size() == 1);
        std::string legacy = stored->kvs.front().value;
        legacy.replace(legacy.find(fingerprint), fingerprint.size(), unkeyed);
        store::Transaction txn;
        txn.put(key, legacy);
        QVERIFY(m_store->commit(std::move(txn)).isOk());
    }
    QVERIFY(recordsHold(unkeyed));
    m_store->close();
    m_config.reset();
    m_store.reset();
    open();
    QVERIFY(!recordsHold(unkeyed));
    QCOMPARE(m_config->item(secret.ref)->sha256, fingerprint);
    QCOMPARE(m_config->version(secret.ref, 1)->sha256, fingerprint);
    Change next = secret;
    next.content = "hunter3";
    next.baseVersion = 1;
    QVERIFY2(publishNow({next}).isOk(), "the rekeyed item is still published with its revision");
}

void ConfigCenterTest::readsServeTheRevisionTheyReflect() {
    HeldCallbackStore held(*m_store);
    ConfigCenter config(held, *m_secrets, std::make_shared<SystemClock>());
    QVERIFY(config.load().isOk());
    auto publish = [&](const std::string &content, std::int64_t base) {
        auto result = std::make_shared<std::optional<StatusOr<PublishResult>>>();
        config.publish({change(kDb, content, base)}, "test", Author{"ann", false},
                       [result](StatusOr<PublishResult> published) { *result = published; });
        return result;
    };
    const auto first = publish(R"({"v":1})", 0);
    held.release();
    QVERIFY(*first && (*first)->isOk());
    const store::Revision firstRevision = (**first)->revision;

    // The second version is durable, but not yet in the cache: reads answer the first version
    // with a revision before the second, so a watch from revision + 1 delivers it.
    const auto second = publish(R"({"v":2})", 1);
    QVERIFY(!*second);
    const store::Revision secondRevision = m_store->currentRevision();
    QVERIFY(secondRevision > firstRevision);
    store::Revision at = 0;
    QCOMPARE(config.item(kDb, &at)->version, std::int64_t(1));
    QVERIFY2(at >= firstRevision && at < secondRevision, std::to_string(at).c_str());
    const auto page = config.listItems("prod", "", 10, "");
    QVERIFY(page.isOk());
    QCOMPARE(page->items.front().version, std::int64_t(1));
    QVERIFY2(page->revision < secondRevision, std::to_string(page->revision).c_str());
    QVERIFY(config.applied(kDb).revision < secondRevision);
    config.namespaces(&at);
    QVERIFY(at < secondRevision);

    held.release();
    QVERIFY(*second && (*second)->isOk());
    QCOMPARE(config.item(kDb, &at)->version, std::int64_t(2));
    QVERIFY(at >= secondRevision);
    QVERIFY(config.listItems("prod", "", 10, "")->revision >= secondRevision);
}

void ConfigCenterTest::loadSkipsEventsItAlreadyRead() {
    // Another writer creates and deletes an item between the load's subscription and its read;
    // the events arrive after the read, which shows no item. Applying the create then would
    // show an item that no longer exists.
    HeldCallbackStore held(*m_store);
    held.onSubscribe = [&] {
        QVERIFY(publishNow({change(kDb, R"({"v":1})", 0)}).isOk());
        std::promise<StatusOr<store::Revision>> removed;
        m_config->remove(kDb, 1, Author{"ann", false},
                         [&](auto result) { removed.set_value(std::move(result)); });
        QVERIFY(removed.get_future().get().isOk());
    };
    ConfigCenter late(held, *m_secrets, std::make_shared<SystemClock>());
    QVERIFY(late.load().isOk());
    QVERIFY(!late.item(kDb));
    QVERIFY(held.releaseOne()); // the create
    QVERIFY(!late.item(kDb));
    held.release(); // the delete
    QVERIFY(!late.item(kDb));

    // What comes after the read is applied.
    held.onSubscribe = nullptr;
    QVERIFY(publishNow({change(kDb, R"({"v":2})", 0)}).isOk());
    held.release();
    QCOMPARE(late.item(kDb)->content, std::string(R"({"v":2})"));
    store::Revision at = 0;
    late.item(kDb, &at);
    QCOMPARE(at, m_store->currentRevision());
}

void ConfigCenterTest::exportImportRoundTrip() {
    Change a = change({"prod", "checkout", "app.yaml"}, "greeting: hello\nlatency: 8ms\n", 0,
                      Format::Yaml);
    a.updateAttributes = true;
    a.labels = {{"team", "shop"}};
    a.description = "checkout behaviour";
    QVERIFY(
        publishNow({a, change({"prod", "checkout", "flags.json"}, R"({"beta": true})", 0)}).isOk());
    auto exported = m_config->exportNamespace("prod", false);
    QVERIFY2(exported.isOk(), exported.status().message().c_str());
    QVERIFY(exported->find("checkout behaviour") != std::string::npos);

    int unchanged = 0;
    auto same = m_config->importChanges("prod", *exported, unchanged);
    QVERIFY(same.isOk());
    QVERIFY(same->empty());
    QCOMPARE(unchanged, 2);
    // Into another namespace everything is new, attributes included.
    auto copy = m_config->importChanges("staging", *exported, unchanged);
    QVERIFY(copy.isOk());
    QCOMPARE(copy->size(), std::size_t(2));
    QVERIFY(publishNow(*copy).isOk());
    const auto imported = m_config->item({"staging", "checkout", "app.yaml"});
    QCOMPARE(imported->content, std::string("greeting: hello\nlatency: 8ms\n"));
    QCOMPARE(imported->labels.at("team"), std::string("shop"));
    QCOMPARE(imported->format, Format::Yaml);
    QCOMPARE(m_config->importChanges("prod", "items: [", unchanged).status().code(),
             StatusCode::InvalidArgument);
}

void ConfigCenterTest::appliedStatusSummarises() {
    QVERIFY(publishNow({change(kDb, R"({"v":1})", 0)}).isOk());
    QVERIFY(publishNow({change(kDb, R"({"v":2})", 1)}).isOk());
    for (int i = 1; i <= 3; ++i) {
        QVERIFY(ackNow(kDb, "checkout-" + std::to_string(i), 2).isOk());
    }
    QVERIFY(ackNow(kDb, "checkout-4", 1).isOk());
    const auto status = m_config->applied(kDb);
    QCOMPARE(status.instances.size(), std::size_t(4));
    QCOMPARE(status.summary, std::string("3 of 4 on v2; checkout-4 still on v1"));
    QCOMPARE(ackNow({"prod", "x", "nothing"}, "i", 1).code(), StatusCode::NotFound);
    // A version that was never given out is no acknowledgement.
    const Status ghost = ackNow(kDb, "checkout-5", 3);
    QCOMPARE(ghost.code(), StatusCode::NotFound);
    QVERIFY2(ghost.message().find("no version 3") != std::string::npos, ghost.message().c_str());

    // Durable once acknowledged: a reopened store has it.
    m_store->close();
    m_config.reset();
    m_store.reset();
    open();
    QCOMPARE(m_config->applied(kDb).summary, std::string("3 of 4 on v2; checkout-4 still on v1"));
}

void ConfigCenterTest::appliedStatusCountsOnlyRegisteredInstances() {
    QVERIFY(publishNow({change(kDb, R"({"v":1})", 0)}).isOk());
    for (int i = 1; i <= 3; ++i) {
        QVERIFY(ackNow(kDb, "checkout-" + std::to_string(i), 1).isOk());
    }
    // checkout-3 is gone (torn down); checkout-1 and 2 registered again (restarted processes)
    // after their records were written.
    const store::Revision registeredAt = m_store->currentRevision() + 1;
    const RegistrationOf registered =
        [&](const std::string &service,
            const std::string &instanceId) -> std::optional<store::Revision> {
        if (service == "checkout" && (instanceId == "checkout-1" || instanceId == "checkout-2")) {
            return registeredAt;
        }
        return std::nullopt;
    };
    // What the earlier processes of checkout-1 and 2 acknowledged is not theirs.
    QVERIFY(m_config->applied(kDb, registered).instances.empty());
    QCOMPARE(m_config->applied(kDb).instances.size(), std::size_t(3));

    // The same acknowledgement from the process registered now is written again (it is its
    // own, not its predecessor's); from the same registration it is not.
    const auto ackRevision = [&](store::Revision at) {
        std::promise<StatusOr<store::Revision>> promise;
        m_config->ack(
            kDb, "checkout", "checkout-1", 1, "",
            [&](StatusOr<store::Revision> result) { promise.set_value(result); }, at);
        return promise.get_future().get();
    };
    const auto before = m_store->currentRevision();
    const auto refreshed = ackRevision(registeredAt);
    QVERIFY(refreshed.isOk());
    QCOMPARE(*refreshed, before + 1);
    // The cache follows the store before the ack's callback runs.
    const auto status = m_config->applied(kDb, registered);
    QCOMPARE(status.instances.size(), std::size_t(1));
    QCOMPARE(status.instances.front().instanceId, std::string("checkout-1"));
    QCOMPARE(status.instances.front().modRevision, *refreshed);
    QCOMPARE(status.summary, std::string("1 of 1 on v1"));
    QCOMPARE(*ackRevision(registeredAt), *refreshed);
}

void ConfigCenterTest::unifiedDiff() {
    const auto diff = config::unifiedDiff("a\nb\nc\nd\ne\nf\ng\nh\n", "a\nb\nC\nd\ne\nf\ng\nh\ni\n",
                                          "v1", "v2", 1);
    QCOMPARE(diff.added, 2);
    QCOMPARE(diff.removed, 1);
    QCOMPARE(QString::fromStdString(diff.text),
             QStringLiteral(
                 "--- v1\n+++ v2\n@@ -2,3 +2,3 @@\n b\n-c\n+C\n d\n@@ -8,1 +8,2 @@\n h\n+i\n"));
    QVERIFY(config::unifiedDiff("same\n", "same\n", "a", "b").text.empty());
    // Two large texts that differ everywhere: bounded work, everything replaced.
    std::string left;
    std::string right;
    for (int i = 0; i < 200000; ++i) {
        left += "l" + std::to_string(i) + "\n";
        right += "r" + std::to_string(i) + "\n";
    }
    const auto whole = config::unifiedDiff(left, right, "a", "b");
    QCOMPARE(whole.removed, 200000);
    QCOMPARE(whole.added, 200000);
    const auto fromEmpty = config::unifiedDiff("", "x\ny\n", "v0", "v1");
    QCOMPARE(QString::fromStdString(fromEmpty.text),
             QStringLiteral("--- v0\n+++ v1\n@@ -0,0 +1,2 @@\n+x\n+y\n"));
}

void ConfigCenterTest::hostileSchemasAndDocumentsAreRefused() {
    const std::string anyObject = R"({"type": "object"})";
    // A self-referential YAML alias, an alias bomb and a complex key: refused, never followed.
    for (const char *yaml :
         {"a: &x [*x]\n",
          "a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
          "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
          "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n",
          "? [a, b]\n: 1\n"}) {
        QCOMPARE(validateContent(Format::Yaml, yaml, anyObject).code(),
                 StatusCode::InvalidArgument);
    }
    // Regular expressions in schemas are refused; deep documents are not walked.
    QCOMPARE(validateSchema("{\"type\": \"string\", \"pattern\": \"(\"}").code(),
             StatusCode::InvalidArgument);
    QCOMPARE(validateContent(Format::Json, R"("x")", "{\"patternProperties\": {\"(\": {}}}").code(),
             StatusCode::InvalidArgument);
    const std::string deep = std::string(1000, '[') + std::string(1000, ']');
    QCOMPARE(validateContent(Format::Json, deep, kRecursiveSchema).code(),
             StatusCode::InvalidArgument);
    QVERIFY(validateContent(Format::Json, deep).isOk()); // without a schema it is just JSON
}

void ConfigCenterTest::approvalCannotBeBypassed() {
    const ItemRef secret{"prod", "payments", "token"};
    Change created = change(secret, "s3cr3t-one", 0, Format::Text);
    created.updateAttributes = true;
    created.secret = true;
    QVERIFY(publishNow({created}).isOk());
    std::promise<StatusOr<NamespaceSettings>> set;
    m_config->setNamespace({"prod", true, "", 0}, [&](auto r) { set.set_value(r); });
    QVERIFY(set.get_future().get().isOk());

    // A change set reaching into prod from elsewhere does not slip past approval.
    auto mixed = publishNow({change(ItemRef{"dev", "x", "a.json"}, "{}", 0), change(kDb, "{}", 0)});
    QCOMPARE(mixed.status().code(), StatusCode::InvalidArgument);
    QVERIFY(!m_config->item(kDb));

    // New content for a secret, without restating its attributes, is proposed sealed.
    auto proposed = publishNow({change(secret, "s3cr3t-two", 1, Format::Unspecified)});
    QVERIFY2(proposed.isOk(), proposed.status().message().c_str());
    QVERIFY(proposed->proposal);
    QVERIFY(proposed->proposal->changes.front().secret);
    m_store->close();
    for (const char *file : {"aegis.db", "aegis.db-wal"}) {
        QVERIFY2(readAll(m_dir->path() / file).find("s3cr3t-two") == std::string::npos, file);
    }
    m_config.reset();
    m_store.reset();
    open();

    // A rollback there is a proposal too; gray releases and deletions are for admins.
    std::promise<StatusOr<PublishResult>> rolled;
    m_config->rollback(secret, 1, 1, "back", Author{"ann", false},
                       [&](auto r) { rolled.set_value(std::move(r)); });
    auto rollback = rolled.get_future().get();
    QVERIFY2(rollback.isOk(), rollback.status().message().c_str());
    QVERIFY(rollback->proposal);
    GrayRelease some;
    some.percent = 10;
    std::promise<StatusOr<PublishResult>> gray;
    m_config->startGray(secret, "x", 1, some, "try", Author{"ann", false},
                        [&](auto r) { gray.set_value(std::move(r)); });
    QCOMPARE(gray.get_future().get().status().code(), StatusCode::PermissionDenied);
    std::promise<StatusOr<store::Revision>> removed;
    m_config->remove(secret, 1, Author{"ann", false}, [&](auto r) { removed.set_value(r); });
    QCOMPARE(removed.get_future().get().status().code(), StatusCode::PermissionDenied);
    std::promise<StatusOr<store::Revision>> byAdmin;
    m_config->remove(secret, 1, Author{"root", true}, [&](auto r) { byAdmin.set_value(r); });
    QVERIFY(byAdmin.get_future().get().isOk());
}

void ConfigCenterTest::aLostKeyStopsTheStart() {
    Change secret = change({"prod", "payments", "token"}, "s3cr3t", 0, Format::Text);
    secret.updateAttributes = true;
    secret.secret = true;
    QVERIFY(publishNow({secret}).isOk());
    m_store->close();
    m_config.reset();
    m_store.reset();
    std::filesystem::remove(m_dir->path() / "config.key");
    auto store = store::SqliteStore::open({m_dir->path() / "aegis.db"});
    QVERIFY(store.isOk());
    m_store = std::move(*store);
    m_secrets = SecretBox::openOrCreate(m_dir->path() / "config.key").value();
    m_config =
        std::make_unique<ConfigCenter>(*m_store, *m_secrets, std::make_shared<SystemClock>());
    const Status loaded = m_config->load();
    QCOMPARE(loaded.code(), StatusCode::DataLoss);
    QVERIFY2(loaded.message().find("config.key") != std::string::npos, loaded.message().c_str());
}

QTEST_GUILESS_MAIN(ConfigCenterTest)
#include "tst_config_center.moc"
