#include "daemon_process.h"

#include "common/logging.h"
#include "store/sqlite_store.h"
#include "store/watch_hub.h"

#include <QtTest>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

using namespace aegis;
using namespace aegis::store;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

QString describe(const Event &event) {
    return QStringLiteral("%1@%2 %3=%4 c%5 m%6 v%7")
        .arg(event.type == EventType::Put ? "PUT" : "DEL")
        .arg(event.revision)
        .arg(QString::fromStdString(event.kv.key), QString::fromStdString(event.kv.value))
        .arg(event.kv.createRevision)
        .arg(event.kv.modRevision)
        .arg(event.kv.version);
}

QStringList describe(const std::vector<Event> &events) {
    QStringList out;
    for (const Event &event : events) {
        out << describe(event);
    }
    return out;
}

// Counts a watcher's notify callbacks, so a consumer can wait for the next one.
class Signal {
public:
    void raise() {
        {
            std::lock_guard lock(m_mutex);
            ++m_count;
        }
        m_changed.notify_all();
    }
    std::uint64_t count() const {
        std::lock_guard lock(m_mutex);
        return m_count;
    }
    // True when raised after `seen` was read, before `deadline`.
    bool waitBeyond(std::uint64_t seen, Clock::time_point deadline) {
        std::unique_lock lock(m_mutex);
        return m_changed.wait_until(lock, deadline, [&] { return m_count > seen; });
    }

private:
    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    std::uint64_t m_count = 0;
};

// One watch as a client holds it: the watcher and its notify counter.
struct Watch {
    std::shared_ptr<Signal> signal = std::make_shared<Signal>();
    WatcherPtr watcher;
    Status status; // of watch()
};

Watch startWatch(WatchHub &hub, const std::string &prefix, Revision start) {
    Watch watch;
    auto watcher = hub.watch(prefix, start, [signal = watch.signal] { signal->raise(); });
    if (watcher) {
        watch.watcher = std::move(*watcher);
    } else {
        watch.status = watcher.status();
    }
    return watch;
}

// Takes from `watch` into `received` until `enough()` holds, the watch ends (its status is
// returned) or `timeout` passes (DEADLINE_EXCEEDED). Records in `splitRevisions` every batch
// boundary that cut a revision in two.
Status receive(Watch &watch, std::vector<Event> &received, std::size_t maxEvents,
               const std::function<bool()> &enough, std::chrono::milliseconds timeout,
               int *splitRevisions = nullptr) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        const std::uint64_t seen = watch.signal->count();
        Watcher::Batch batch = watch.watcher->take(maxEvents);
        if (!batch.ended.isOk()) {
            return batch.ended;
        }
        if (!batch.events.empty()) {
            if (splitRevisions != nullptr && !received.empty() &&
                received.back().revision == batch.events.front().revision) {
                ++*splitRevisions;
            }
            received.insert(received.end(), batch.events.begin(), batch.events.end());
        }
        if (enough()) {
            return Status::ok();
        }
        if (Clock::now() > deadline) {
            return Status(StatusCode::DeadlineExceeded,
                          "still waiting after " + std::to_string(received.size()) + " events");
        }
        if (batch.events.empty()) {
            // `enough` may turn true without a notification (it can depend on other threads),
            // so the wait is short and the loop checks again.
            watch.signal->waitBeyond(seen, std::min(deadline, Clock::now() + 10ms));
        }
    }
}

// A transaction of one to four random operations on a small key space, sometimes with a compare
// that fails, sometimes changing nothing.
Transaction randomTransaction(QRandomGenerator &random) {
    Transaction txn;
    const int operations = 1 + random.bounded(4);
    for (int i = 0; i < operations; ++i) {
        const std::string key = "/k/" + std::to_string(random.bounded(20));
        switch (random.bounded(10)) {
        case 0:
        case 1:
        case 2:
        case 3:
        case 4:
            txn.put(key, std::to_string(random.generate()));
            break;
        case 5:
        case 6:
            txn.remove(key);
            break;
        case 7:
            txn.removePrefix("/k/1");
            break;
        default:
            txn.put("/other/" + std::to_string(random.bounded(3)), "o");
            break;
        }
    }
    if (random.bounded(8) == 0) {
        txn.ifMissing("/k/5");
    }
    return txn;
}

quint32 seedFromEnvironment() {
    bool fixed = false;
    const quint32 seed = qEnvironmentVariableIntValue("AEGIS_TEST_SEED", &fixed);
    return fixed ? seed : QRandomGenerator::global()->generate();
}

} // namespace

class TestWatchHub : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();

    void catchUpThenLive_data();
    void catchUpThenLive();
    void prefixFiltering_data();
    void prefixFiltering();
    void manyPrefixesAtOnce();
    void takeKeepsRevisionsWhole_data();
    void takeKeepsRevisionsWhole();
    void resumeAcrossDisconnects_data();
    void resumeAcrossDisconnects();
    void goingLiveFarBehindIsNotCutOff();
    void commitsBeforeAttachAreNotLost();
    void compactedStartIsOutOfRange();
    void compactionWhileCatchingUpIsOutOfRange();
    void slowWatcherIsCutOffWhileOthersKeepUp();
    void queuesAreBoundedInBytes();
    void largeEventIsHeldOnceForEveryWatcher();
    void cancelStopsDelivery();
    void workAfterNotificationsRunsOncePerRound();
    void watchersOfOneAffinityShareANotifier();
    void shutdownEndsAllWatchers();
    void hubDetachesOnDestruction();

private:
    // Opens a fresh store and a hub on it; the test fails when the store cannot open.
    bool setUp(WatchHubOptions options = {}, bool attach = true);
    // Every event of the store under `prefix` from `from` on.
    std::vector<Event> history(const std::string &prefix, Revision from = 1);

    quint32 m_seed = 0;
    std::unique_ptr<testing::TempDir> m_dir;
    std::unique_ptr<SqliteStore> m_store;
    std::unique_ptr<WatchHub> m_hub;
};

void TestWatchHub::initTestCase() {
    log::init("warn");
    m_seed = seedFromEnvironment();
    qInfo("random seed %u (set AEGIS_TEST_SEED to repeat)", m_seed);
}

void TestWatchHub::cleanup() {
    m_hub.reset();
    m_store.reset();
    m_dir.reset();
}

bool TestWatchHub::setUp(WatchHubOptions options, bool attach) {
    m_dir = std::make_unique<testing::TempDir>();
    auto store = SqliteStore::open({m_dir->path() / "state.db"});
    if (!store) {
        qWarning("cannot open the store: %s", store.status().toString().c_str());
        return false;
    }
    m_store = std::move(*store);
    m_hub = std::make_unique<WatchHub>(*m_store, options);
    if (attach) {
        m_hub->attach();
    }
    return true;
}

std::vector<Event> TestWatchHub::history(const std::string &prefix, Revision from) {
    auto events = m_store->events(from, m_store->currentRevision(), prefix, 0);
    if (!events) {
        qWarning("reading history: %s", events.status().toString().c_str());
        return {};
    }
    return std::move(*events);
}

void TestWatchHub::catchUpThenLive_data() {
    QTest::addColumn<int>("ringCapacity");
    QTest::addColumn<int>("maxEvents");
    QTest::newRow("history from the store") << 8 << 5;
    QTest::newRow("history from the ring") << 100000 << 7;
    QTest::newRow("take one at a time") << 8 << 1;
}

void TestWatchHub::catchUpThenLive() {
    QFETCH(int, ringCapacity);
    QFETCH(int, maxEvents);
    QVERIFY(setUp({static_cast<std::size_t>(ringCapacity), 4096}));
    QRandomGenerator random(m_seed);

    for (int i = 0; i < 150; ++i) {
        QVERIFY(m_store->commit(randomTransaction(random)));
    }
    Watch watch = startWatch(*m_hub, "", 1);
    QVERIFY(watch.watcher);

    // More commits land while the watcher is catching up, so it has to switch to live delivery
    // at some point in the middle of them.
    std::atomic<bool> committed{false};
    std::atomic<int> failures{0};
    std::jthread committer([&, seed = random.generate()] {
        QRandomGenerator mine(seed);
        for (int i = 0; i < 150; ++i) {
            failures += m_store->commit(randomTransaction(mine)) ? 0 : 1;
        }
        committed = true;
    });
    std::vector<Event> received;
    int splits = 0;
    const Status status = receive(
        watch, received, maxEvents,
        [&] {
            return committed && !received.empty() &&
                   received.back().revision == m_store->currentRevision();
        },
        30s, &splits);
    committer.join();
    QVERIFY2(status.isOk(), status.toString().c_str());
    QCOMPARE(failures.load(), 0);
    QCOMPARE(describe(received), describe(history("")));
    QCOMPARE(splits, 0);

    // Now live: a new commit arrives through the notify callback.
    const std::uint64_t seen = watch.signal->count();
    auto last = m_store->commit(Transaction().put("/live", "1"));
    QVERIFY(last);
    QVERIFY(watch.signal->waitBeyond(seen, Clock::now() + 5s));
    Watcher::Batch batch = watch.watcher->take(100);
    QCOMPARE(describe(batch.events), describe(last->events));
    QCOMPARE(watch.watcher->nextRevision(), last->revision + 1);
}

void TestWatchHub::prefixFiltering_data() {
    QTest::addColumn<QString>("prefix");
    QTest::newRow("/k/1 (also matches /k/1x)") << "/k/1";
    QTest::newRow("/k/1/ (nothing)") << "/k/1/";
    QTest::newRow("/other/") << "/other/";
    QTest::newRow("/k/") << "/k/";
    QTest::newRow("everything") << "";
}

void TestWatchHub::prefixFiltering() {
    QFETCH(QString, prefix);
    const std::string wanted = prefix.toStdString();
    QVERIFY(setUp({64, 4096}));
    QRandomGenerator random(m_seed + 1);

    for (int i = 0; i < 100; ++i) {
        QVERIFY(m_store->commit(randomTransaction(random)));
    }
    const Revision middle = m_store->currentRevision();
    Watch fromHistory = startWatch(*m_hub, wanted, 1);
    Watch fromNow = startWatch(*m_hub, wanted, 0);
    QVERIFY(fromHistory.watcher && fromNow.watcher);
    QCOMPARE(fromNow.watcher->nextRevision(), middle + 1);
    for (int i = 0; i < 100; ++i) {
        QVERIFY(m_store->commit(randomTransaction(random)));
    }

    const std::pair<Watch *, Revision> watches[] = {{&fromHistory, 1}, {&fromNow, middle + 1}};
    for (auto [watch, from] : watches) {
        const std::vector<Event> expected = history(wanted, from);
        std::vector<Event> received;
        const Status status = receive(
            *watch, received, 16, [&] { return received.size() >= expected.size(); }, 10s);
        QVERIFY2(status.isOk(), status.toString().c_str());
        QCOMPARE(describe(received), describe(expected));
        for (const Event &event : received) {
            QVERIFY(event.kv.key.starts_with(wanted));
        }
        QCOMPARE(watch->watcher->pendingEvents(), 0u);
    }
}

// Live watchers of many prefixes at once, nested, of equal and different lengths, some sharing a
// prefix, some ending meanwhile: each gets exactly its prefix's events.
void TestWatchHub::manyPrefixesAtOnce() {
    QVERIFY(setUp({64, 4096}));
    QRandomGenerator random(m_seed + 2);
    const std::vector<std::string> prefixes = {"",      "/k/",  "/k/1", "/k/1/",     "/k/12",
                                               "/k/3",  "/k/3", "/k/1", "/other/",   "/o",
                                               "/k/19", "/k/7", "/k/",  "/nothing/", "/other/1"};
    std::vector<Watch> watches;
    for (const auto &prefix : prefixes) {
        watches.push_back(startWatch(*m_hub, prefix, 0));
        QVERIFY(watches.back().watcher);
        // Taken from once: live from here, so the commits below reach it through publish().
        QVERIFY(watches.back().watcher->take(1).events.empty());
    }
    const Revision from = m_store->currentRevision() + 1;
    for (int i = 0; i < 60; ++i) {
        QVERIFY(m_store->commit(randomTransaction(random)));
    }
    // Watches ending take their prefixes (or their share of one) out of the matching.
    for (const std::size_t ended : {std::size_t{2}, std::size_t{6}, std::size_t{13}}) {
        watches[ended].watcher->cancel();
    }
    for (int i = 0; i < 60; ++i) {
        QVERIFY(m_store->commit(randomTransaction(random)));
    }
    for (std::size_t index = 0; index < watches.size(); ++index) {
        if (index == 2 || index == 6 || index == 13) {
            continue;
        }
        const std::vector<Event> expected = history(prefixes[index], from);
        std::vector<Event> received;
        const Status status = receive(
            watches[index], received, 16, [&] { return received.size() >= expected.size(); }, 10s);
        QVERIFY2(status.isOk(), (prefixes[index] + ": " + status.toString()).c_str());
        QCOMPARE(describe(received), describe(expected));
        QCOMPARE(watches[index].watcher->pendingEvents(), 0u);
    }
}

void TestWatchHub::takeKeepsRevisionsWhole_data() {
    QTest::addColumn<bool>("live");
    QTest::newRow("catching up") << false;
    QTest::newRow("live") << true;
}

void TestWatchHub::takeKeepsRevisionsWhole() {
    QFETCH(bool, live);
    QVERIFY(setUp({2, 4096}));
    Watch watch = startWatch(*m_hub, "/", live ? 0 : 1);
    QVERIFY(watch.watcher);
    if (live) {
        QVERIFY(watch.watcher->take(10).events.empty()); // goes live, nothing yet
    }
    for (int round = 0; round < 3; ++round) {
        Transaction txn;
        for (int i = 0; i < 10; ++i) {
            txn.put("/r/" + std::to_string(round) + "/" + std::to_string(i), "v");
        }
        QVERIFY(m_store->commit(std::move(txn)));
    }
    // A revision bigger than the limit comes whole; smaller limits never split one.
    for (int round = 0; round < 3; ++round) {
        Watcher::Batch batch = watch.watcher->take(3);
        QVERIFY(batch.ended.isOk());
        QCOMPARE(batch.events.size(), 10u);
        QCOMPARE(batch.events.front().revision, round + 1);
        QCOMPARE(batch.events.back().revision, round + 1);
    }
    QCOMPARE(watch.watcher->nextRevision(), 4);
}

void TestWatchHub::resumeAcrossDisconnects_data() {
    QTest::addColumn<QString>("prefix");
    QTest::addColumn<quint32>("seed");
    QTest::newRow("everything, sequence 1") << "" << m_seed;
    QTest::newRow("everything, sequence 2") << "" << m_seed + 17;
    QTest::newRow("prefix /k/1, sequence 3") << "/k/1" << m_seed + 31;
}

void TestWatchHub::resumeAcrossDisconnects() {
    QFETCH(QString, prefix);
    QFETCH(quint32, seed);
    const std::string wanted = prefix.toStdString();
    // A small ring and queue, so watchers keep switching between history and live delivery and a
    // paused one overflows.
    constexpr std::size_t kQueueLimit = 32;
    QVERIFY(setUp({64, kQueueLimit}));
    QRandomGenerator random(seed);

    constexpr int kTransactions = 700;
    std::atomic<bool> committed{false};
    std::atomic<int> failures{0};
    std::jthread committer([&, seed = random.generate()] {
        QRandomGenerator mine(seed);
        for (int i = 0; i < kTransactions; ++i) {
            failures += m_store->commit(randomTransaction(mine)) ? 0 : 1;
        }
        committed = true;
    });

    std::vector<Event> received;
    int resumes = 0;
    int cutOffs = 0;
    Watch watch = startWatch(*m_hub, wanted, 1);
    QVERIFY(watch.watcher);
    // Watches again from where the old watcher stopped; false if that is not possible.
    auto resume = [&] {
        const Revision next = watch.watcher->nextRevision();
        if (!received.empty() && next <= received.back().revision) {
            qWarning("nextRevision() %lld is not past the last delivered revision %lld",
                     static_cast<long long>(next),
                     static_cast<long long>(received.back().revision));
            return false;
        }
        watch = startWatch(*m_hub, wanted, next);
        ++resumes;
        return watch.watcher != nullptr;
    };

    const auto deadline = Clock::now() + 40s;
    std::vector<Event> expected;
    while (Clock::now() < deadline) {
        if (committed && expected.empty()) {
            expected = history(wanted);
        }
        if (committed && received.size() >= expected.size()) {
            break;
        }
        const int action = random.bounded(100);
        if (action < 8) {
            watch.watcher->cancel(); // a client disconnects cleanly...
            QVERIFY(resume());
        } else if (action < 12) {
            QVERIFY(resume()); // ...or just goes away, dropping the old watcher
        } else if (action < 15) {
            // A client stops reading for a while.
            const Revision until = m_store->currentRevision() + random.bounded(120);
            while (!committed && m_store->currentRevision() < until && Clock::now() < deadline) {
                std::this_thread::sleep_for(1ms); // polls the revision
            }
        } else {
            const std::uint64_t seen = watch.signal->count();
            Watcher::Batch batch = watch.watcher->take(1 + random.bounded(16));
            if (batch.ended.code() == StatusCode::ResourceExhausted) {
                ++cutOffs;
                QVERIFY(resume());
            } else {
                QVERIFY2(batch.ended.isOk(), batch.ended.toString().c_str());
                received.insert(received.end(), batch.events.begin(), batch.events.end());
                if (batch.events.empty() && !committed) {
                    watch.signal->waitBeyond(seen, Clock::now() + 20ms);
                }
            }
        }
    }
    committer.join();
    QCOMPARE(failures.load(), 0);
    qInfo("%zu events received over %d resumes, %d of them after a cut-off", received.size(),
          resumes, cutOffs);
    QVERIFY(!expected.empty());
    // Exactly the store's event log: nothing lost, nothing twice, in order.
    QCOMPARE(describe(received), describe(expected));
    // Cut-offs depend on timing; slowWatcherIsCutOffWhileOthersKeepUp() covers them for sure.
    QVERIFY(resumes >= 5);
}

void TestWatchHub::goingLiveFarBehindIsNotCutOff() {
    // The ring holds far more than a watcher's queue: a watcher starting at the beginning of the
    // ring must not be handed all of it at once and then cut off while it keeps taking.
    QVERIFY(setUp({1000, 64}));
    for (int i = 0; i < 300; ++i) {
        QVERIFY(m_store->commit(Transaction().put("/a/" + std::to_string(i), "v")));
    }
    Watch watch = startWatch(*m_hub, "", 1);
    QVERIFY(watch.watcher);
    std::vector<Event> received;
    for (int i = 0; i < 60; ++i) {
        Watcher::Batch batch = watch.watcher->take(10);
        QVERIFY2(batch.ended.isOk(), batch.ended.toString().c_str());
        QVERIFY(watch.watcher->pendingEvents() <= 64);
        received.insert(received.end(), batch.events.begin(), batch.events.end());
        QVERIFY(m_store->commit(Transaction().put("/b/" + std::to_string(i), "v")));
    }
    const Status status = receive(
        watch, received, 10, [&] { return received.size() == 360; }, 10s);
    QVERIFY2(status.isOk(), status.toString().c_str());
    QCOMPARE(describe(received), describe(history("")));
}

void TestWatchHub::commitsBeforeAttachAreNotLost() {
    QVERIFY(setUp({}, false));
    for (int i = 1; i <= 8; ++i) {
        QVERIFY(m_store->commit(Transaction().put("/a/" + std::to_string(i), "v")));
    }
    // The hub was created at revision 0; revisions 1 to 8 never reached it.
    Watch early = startWatch(*m_hub, "", 0);
    QVERIFY(early.watcher);
    QVERIFY(early.watcher->take(10).events.empty()); // live from revision 1
    m_hub->attach();
    Watch fromStart = startWatch(*m_hub, "", 1);
    Watch fromMiddle = startWatch(*m_hub, "", 5);
    QVERIFY(fromStart.watcher && fromMiddle.watcher);
    for (int i = 9; i <= 10; ++i) {
        QVERIFY(m_store->commit(Transaction().put("/a/" + std::to_string(i), "v")));
    }

    const std::pair<Watch *, Revision> watches[] = {{&early, 1}, {&fromStart, 1}, {&fromMiddle, 5}};
    for (auto [watch, from] : watches) {
        const auto expected = static_cast<std::size_t>(11 - from);
        std::vector<Event> received;
        const Status status = receive(
            *watch, received, 100, [&] { return received.size() >= expected; }, 10s);
        QVERIFY2(status.isOk(), status.toString().c_str());
        QCOMPARE(describe(received), describe(history("", from)));
    }
}

void TestWatchHub::compactedStartIsOutOfRange() {
    QVERIFY(setUp({4, 4096}));
    for (int i = 1; i <= 20; ++i) {
        QVERIFY(m_store->commit(Transaction().put("/a/" + std::to_string(i), "v")));
    }
    QVERIFY(m_store->compact(10).isOk());

    for (Revision start : {1, 9, 10}) {
        Watch refused = startWatch(*m_hub, "", start);
        QVERIFY(!refused.watcher);
        QCOMPARE(refused.status.code(), StatusCode::OutOfRange);
        const QString message = QString::fromStdString(refused.status.message());
        QVERIFY2(message.contains("compact revision is 10"), qPrintable(message));
    }

    // The client lists again and watches from just after the compact revision.
    Watch watch = startWatch(*m_hub, "", 11);
    QVERIFY(watch.watcher);
    std::vector<Event> received;
    const Status status = receive(
        watch, received, 4, [&] { return received.size() == 10; }, 10s);
    QVERIFY2(status.isOk(), status.toString().c_str());
    QCOMPARE(received.front().revision, 11);
    QCOMPARE(describe(received), describe(history("", 11)));
}

void TestWatchHub::compactionWhileCatchingUpIsOutOfRange() {
    QVERIFY(setUp({4, 4096}));
    for (int i = 1; i <= 20; ++i) {
        QVERIFY(m_store->commit(Transaction().put("/a/" + std::to_string(i), "v")));
    }
    Watch watch = startWatch(*m_hub, "", 3);
    QVERIFY(watch.watcher);
    Watcher::Batch first = watch.watcher->take(2);
    QCOMPARE(describe(first.events), describe(history("", 3)).mid(0, 2));

    QVERIFY(m_store->compact(10).isOk());
    Watcher::Batch batch = watch.watcher->take(2);
    QCOMPARE(batch.ended.code(), StatusCode::OutOfRange);
    QVERIFY(batch.events.empty());
    const QString message = QString::fromStdString(batch.ended.message());
    QVERIFY2(message.contains("compact revision is 10"), qPrintable(message));
    // The end is final.
    QCOMPARE(watch.watcher->take(2).ended.code(), StatusCode::OutOfRange);
}

void TestWatchHub::slowWatcherIsCutOffWhileOthersKeepUp() {
    constexpr std::size_t kQueueLimit = 256;
    constexpr int kProducers = 2;
    constexpr int kPerProducer = 1000;
    constexpr std::size_t kTotal = kProducers * kPerProducer;

    // The hub's share of the latency starts when the store hands it a committed batch; the
    // listener stamps each revision then.
    QVERIFY(setUp({1024, kQueueLimit}, false));
    std::vector<std::atomic<std::int64_t>> publishedAt(kTotal + 1);
    EventSubscription subscription = m_store->subscribe({}, [&](const std::vector<Event> &events) {
        const auto now = std::chrono::nanoseconds(Clock::now().time_since_epoch()).count();
        for (const Event &event : events) {
            if (event.revision <= Revision(kTotal)) {
                publishedAt[event.revision].store(now, std::memory_order_release);
            }
        }
        m_hub->publish(events);
    });
    const auto detach = qScopeGuard([&] { subscription.reset(); });

    // The slow watcher goes live and then never takes again.
    Watch slow = startWatch(*m_hub, "", 0);
    QVERIFY(slow.watcher);
    QVERIFY(slow.watcher->take(1).events.empty());
    constexpr int kFast = 3;
    struct FastConsumer {
        Watch watch;
        std::vector<Event> received;
        std::vector<double> latencyMs;       // from the hub's publish
        std::vector<double> commitLatencyMs; // from the commit's start
        Status status;
    };
    std::vector<FastConsumer> fast(kFast);
    for (FastConsumer &consumer : fast) {
        consumer.watch = startWatch(*m_hub, "", 0);
        QVERIFY(consumer.watch.watcher);
    }

    std::atomic<std::size_t> mostPending{0};
    std::atomic<int> failures{0};
    {
        std::vector<std::jthread> threads;
        for (FastConsumer &consumer : fast) {
            threads.emplace_back([&consumer, &publishedAt] {
                const auto deadline = Clock::now() + 30s;
                while (consumer.received.size() < kTotal && Clock::now() < deadline) {
                    const std::uint64_t seen = consumer.watch.signal->count();
                    Watcher::Batch batch = consumer.watch.watcher->take(64);
                    if (!batch.ended.isOk()) {
                        consumer.status = batch.ended;
                        return;
                    }
                    const auto now = Clock::now().time_since_epoch();
                    for (const Event &event : batch.events) {
                        const auto sent = std::chrono::nanoseconds(std::stoll(event.kv.value));
                        const auto published = std::chrono::nanoseconds(
                            publishedAt[event.revision].load(std::memory_order_acquire));
                        consumer.commitLatencyMs.push_back(
                            std::chrono::duration<double, std::milli>(now - sent).count());
                        consumer.latencyMs.push_back(
                            std::chrono::duration<double, std::milli>(now - published).count());
                    }
                    consumer.received.insert(consumer.received.end(), batch.events.begin(),
                                             batch.events.end());
                    if (batch.events.empty()) {
                        consumer.watch.signal->waitBeyond(seen, deadline);
                    }
                }
            });
        }
        for (int p = 0; p < kProducers; ++p) {
            threads.emplace_back([&, p] {
                for (int i = 0; i < kPerProducer; ++i) {
                    const auto sent = Clock::now().time_since_epoch();
                    auto result = m_store->commit(Transaction().put(
                        "/load/" + std::to_string(p) + "/" + std::to_string(i % 50),
                        std::to_string(std::chrono::nanoseconds(sent).count())));
                    failures += result ? 0 : 1;
                    const std::size_t pending = slow.watcher->pendingEvents();
                    std::size_t most = mostPending.load();
                    while (pending > most && !mostPending.compare_exchange_weak(most, pending)) {
                    }
                }
            });
        }
    }
    QCOMPARE(failures.load(), 0);

    // The slow watcher was cut off, having held at most its queue limit.
    Watcher::Batch slowBatch = slow.watcher->take(10);
    QCOMPARE(slowBatch.ended.code(), StatusCode::ResourceExhausted);
    const QString message = QString::fromStdString(slowBatch.ended.message());
    QVERIFY2(message.contains(QString::number(kQueueLimit)), qPrintable(message));
    QCOMPARE(slow.watcher->pendingEvents(), 0u);
    QVERIFY2(mostPending.load() <= kQueueLimit, qPrintable(QString::number(mostPending.load())));
    QVERIFY(mostPending.load() > 0);

    // The fast ones got everything, in order, quickly.
    const QStringList expected = describe(history(""));
    QCOMPARE(expected.size(), qsizetype(kTotal));
    std::vector<double> latencies;
    std::vector<double> commitLatencies;
    for (FastConsumer &consumer : fast) {
        QVERIFY2(consumer.status.isOk(), consumer.status.toString().c_str());
        QCOMPARE(describe(consumer.received), expected);
        latencies.insert(latencies.end(), consumer.latencyMs.begin(), consumer.latencyMs.end());
        commitLatencies.insert(commitLatencies.end(), consumer.commitLatencyMs.begin(),
                               consumer.commitLatencyMs.end());
    }
    std::sort(latencies.begin(), latencies.end());
    std::sort(commitLatencies.begin(), commitLatencies.end());
    const double p50 = latencies[latencies.size() / 2];
    const double p99 = latencies[latencies.size() * 99 / 100];
    qInfo("fast watchers: publish-to-delivery latency p50 %.2f ms, p99 %.2f ms, max %.2f ms; "
          "commit-to-delivery (with the fsync) p50 %.2f ms, p99 %.2f ms",
          p50, p99, latencies.back(), commitLatencies[commitLatencies.size() / 2],
          commitLatencies[commitLatencies.size() * 99 / 100]);
    QVERIFY2(p99 < 50.0, qPrintable(QString::number(p99)));

    // The slow client resumes where it was cut off and loses nothing.
    const Revision next = slow.watcher->nextRevision();
    QCOMPARE(next, 1);
    Watch resumed = startWatch(*m_hub, "", next);
    QVERIFY(resumed.watcher);
    std::vector<Event> received;
    const Status status = receive(
        resumed, received, 500, [&] { return received.size() == kTotal; }, 10s);
    QVERIFY2(status.isOk(), status.toString().c_str());
    QCOMPARE(describe(received), expected);
}

void TestWatchHub::queuesAreBoundedInBytes() {
    // Few events, but large ones: the byte bound cuts the slow watcher off long before the
    // event bound would, and the ring keeps only what its byte bound allows.
    WatchHubOptions options;
    options.watcherQueueLimit = 10000;
    options.watcherQueueBytes = 64 * 1024;
    options.ringBytes = 32 * 1024;
    QVERIFY(setUp(options));
    Watch slow = startWatch(*m_hub, "", 0);
    Watch fast = startWatch(*m_hub, "", 0);
    QVERIFY(slow.watcher && fast.watcher);
    QVERIFY(slow.watcher->take(1).events.empty());
    QVERIFY(fast.watcher->take(1).events.empty());

    const std::string value(8 * 1024, 'v');
    std::size_t mostPendingBytes = 0;
    for (int i = 0; i < 20; ++i) {
        QVERIFY(m_store->commit(Transaction().put("/big/" + std::to_string(i), value)));
        mostPendingBytes = std::max(mostPendingBytes, slow.watcher->pendingBytes());
        QVERIFY(slow.watcher->pendingBytes() >= slow.watcher->pendingEvents() * value.size());
        QCOMPARE(fast.watcher->take(100).events.size(), std::size_t(1));
        QCOMPARE(fast.watcher->pendingBytes(), std::size_t(0));
    }
    QVERIFY2(mostPendingBytes <= options.watcherQueueBytes,
             qPrintable(QString::number(mostPendingBytes)));
    QVERIFY(mostPendingBytes > options.watcherQueueBytes / 2);
    Watcher::Batch batch = slow.watcher->take(100);
    QCOMPARE(batch.ended.code(), StatusCode::ResourceExhausted);
    const QString message = QString::fromStdString(batch.ended.message());
    QVERIFY2(message.contains("65536 bytes"), qPrintable(message));
    QCOMPARE(slow.watcher->pendingEvents(), 0u);
    QCOMPARE(slow.watcher->pendingBytes(), std::size_t(0));

    // A watcher from the start reads what the ring no longer holds from the store.
    Watch late = startWatch(*m_hub, "", 1);
    QVERIFY(late.watcher);
    std::vector<Event> received;
    const Status status = receive(
        late, received, 4, [&] { return received.size() == 20; }, 10s);
    QVERIFY2(status.isOk(), status.toString().c_str());
    QCOMPARE(describe(received), describe(history("")));
}

void TestWatchHub::largeEventIsHeldOnceForEveryWatcher() {
    // A 1 MiB value delivered to 1,000 watchers counts whole against each one's byte bound but is
    // in memory once; only the watchers of its prefix get it; a watcher that cannot keep up is
    // cut off by the byte bound and resumes from the revision its message names.
    WatchHubOptions options;
    options.watcherQueueBytes = 3 * 1024 * 1024;
    QVERIFY(setUp(options));
    constexpr int kWatchers = 1000;
    std::vector<Watch> watches;
    for (int i = 0; i < kWatchers; ++i) {
        watches.push_back(startWatch(*m_hub, "/big/", 0));
        QVERIFY(watches.back().watcher);
        QVERIFY(watches.back().watcher->take(1).events.empty());
    }
    Watch other = startWatch(*m_hub, "/other/", 0);
    QVERIFY(other.watcher && other.watcher->take(1).events.empty());

    const std::string value(1024 * 1024, 'v');
    QVERIFY(m_store->commit(Transaction().put("/big/item", value)));
    const Event *shared = nullptr;
    for (Watch &watch : watches) {
        QVERIFY(watch.watcher->pendingBytes() >= value.size());
        Watcher::SharedBatch batch = watch.watcher->takeShared(10);
        QVERIFY(batch.ended.isOk());
        QCOMPARE(batch.events.size(), std::size_t(1));
        QCOMPARE(batch.events.front()->kv.value.size(), value.size());
        if (shared == nullptr) {
            shared = batch.events.front().get();
        }
        QCOMPARE(batch.events.front().get(), shared); // one copy for all
    }
    QCOMPARE(other.watcher->pendingEvents(), 0u);

    // The first watcher stops taking: the fourth 1 MiB event exceeds its 3 MiB.
    Watch &slow = watches.front();
    for (int i = 0; i < 4; ++i) {
        QVERIFY(m_store->commit(Transaction().put("/big/item", value + std::to_string(i))));
    }
    Watcher::Batch cut = slow.watcher->take(10);
    QCOMPARE(cut.ended.code(), StatusCode::ResourceExhausted);
    const std::string message = cut.ended.message();
    const auto from = message.rfind("revision ");
    QVERIFY2(from != std::string::npos, message.c_str());
    const Revision resumeFrom = std::stoll(message.substr(from + 9));
    QCOMPARE(slow.watcher->pendingBytes(), std::size_t(0));
    Watch resumed = startWatch(*m_hub, "/big/", resumeFrom);
    QVERIFY(resumed.watcher);
    std::vector<Event> received;
    const Status status = receive(
        resumed, received, 10, [&] { return received.size() == 4; }, 10s);
    QVERIFY2(status.isOk(), status.toString().c_str());
    QCOMPARE(describe(received), describe(history("/big/", resumeFrom)));
}

void TestWatchHub::cancelStopsDelivery() {
    QVERIFY(setUp());
    Watch watch = startWatch(*m_hub, "", 0);
    QVERIFY(watch.watcher);
    QVERIFY(watch.watcher->take(1).events.empty());
    QVERIFY(m_store->commit(Transaction().put("/a", "1")));
    QCOMPARE(watch.watcher->pendingEvents(), 1u);
    QCOMPARE(m_hub->watcherCount(), 1u);
    // Notifications arrive on the hub's notifier thread, after the commit returns.
    QTRY_VERIFY_WITH_TIMEOUT(watch.signal->count() >= 1u, 5000);

    watch.watcher->cancel();
    watch.watcher->cancel(); // idempotent
    QCOMPARE(watch.watcher->pendingEvents(), 0u);
    const std::uint64_t seen = watch.signal->count();
    QVERIFY(m_store->commit(Transaction().put("/a", "2")));
    Watcher::Batch batch = watch.watcher->take(10);
    QCOMPARE(batch.ended.code(), StatusCode::Cancelled);
    QVERIFY(batch.events.empty());
    QCOMPARE(watch.signal->count(), seen);
    QCOMPARE(watch.watcher->nextRevision(), 1);

    watch.watcher.reset();
    QCOMPARE(m_hub->watcherCount(), 0u);
}

// A consumer woken for many watchers (a stream carrying many watches) defers its write to the end
// of the notifier's round: the write then sees every watcher of the change, and the round counts as
// done only once it ran.
void TestWatchHub::workAfterNotificationsRunsOncePerRound() {
    WatchHubOptions options;
    options.notifierThreads = 1;
    QVERIFY(setUp(options));
    constexpr int kWatchers = 20;
    std::atomic<int> notified{0};
    std::mutex mutex;
    std::vector<int> notifiedWhenDeferredRan;
    std::vector<WatcherPtr> watchers;
    for (int i = 0; i < kWatchers; ++i) {
        auto watcher = m_hub->watch("/a", 0, [&] {
            ++notified;
            afterNotifications([&] {
                std::lock_guard lock(mutex);
                notifiedWhenDeferredRan.push_back(notified.load());
            });
        });
        QVERIFY(watcher);
        QVERIFY((*watcher)->take(1).events.empty());
        watchers.push_back(std::move(*watcher));
    }
    QVERIFY(m_store->commit(Transaction().put("/a/1", "v")));
    QTRY_COMPARE_WITH_TIMEOUT(m_hub->notificationsInFlight(), 0u, 5000);
    {
        std::lock_guard lock(mutex);
        QCOMPARE(notifiedWhenDeferredRan, std::vector<int>(kWatchers, kWatchers));
    }

    bool ranAtOnce = false;
    afterNotifications([&] { ranAtOnce = true; }); // not on a notifier thread
    QVERIFY(ranAtOnce);
}

// A stream carrying many watches opens them in one NotifierAffinity so that one thread wakes them
// all: one flush per round. Watchers outside any affinity still take the notifiers in turn, and an
// affinity ends with its scope (nested ones restore the outer one).
void TestWatchHub::watchersOfOneAffinityShareANotifier() {
    WatchHubOptions options;
    options.notifierThreads = 4;
    QVERIFY(setUp(options));
    std::mutex mutex;
    std::map<std::string, std::set<std::thread::id>> threadsByGroup;
    std::vector<WatcherPtr> watchers;
    const auto open = [&](const std::string &group) {
        auto watcher = m_hub->watch("/a", 0, [&, group] {
            std::lock_guard lock(mutex);
            threadsByGroup[group].insert(std::this_thread::get_id());
        });
        QVERIFY(watcher);
        QVERIFY((*watcher)->take(1).events.empty());
        watchers.push_back(std::move(*watcher));
    };
    {
        const NotifierAffinity outer(7);
        for (int i = 0; i < 4; ++i) {
            open("outer");
        }
        {
            const NotifierAffinity inner(8);
            for (int i = 0; i < 4; ++i) {
                open("inner");
            }
        }
        for (int i = 0; i < 4; ++i) {
            open("outer");
        }
    }
    for (int i = 0; i < 8; ++i) {
        open("none");
    }
    QVERIFY(m_store->commit(Transaction().put("/a/1", "v")));
    QTRY_COMPARE_WITH_TIMEOUT(m_hub->notificationsInFlight(), 0u, 5000);
    std::lock_guard lock(mutex);
    QCOMPARE(threadsByGroup["outer"].size(), 1u);
    QCOMPARE(threadsByGroup["inner"].size(), 1u);
    QVERIFY(threadsByGroup["inner"] != threadsByGroup["outer"]);
    QCOMPARE(threadsByGroup["none"].size(), 4u);
}

void TestWatchHub::shutdownEndsAllWatchers() {
    QVERIFY(setUp({4, 4096}));
    for (int i = 1; i <= 10; ++i) {
        QVERIFY(m_store->commit(Transaction().put("/a/" + std::to_string(i), "v")));
    }
    Watch idle = startWatch(*m_hub, "", 0);
    Watch pending = startWatch(*m_hub, "", 0);
    Watch catchingUp = startWatch(*m_hub, "", 1);
    Watch cancelled = startWatch(*m_hub, "", 0);
    QVERIFY(idle.watcher && pending.watcher && catchingUp.watcher && cancelled.watcher);
    QVERIFY(idle.watcher->take(10).events.empty());
    QVERIFY(pending.watcher->take(10).events.empty());
    QVERIFY(m_store->commit(Transaction().put("/b", "v")));
    QCOMPARE(pending.watcher->pendingEvents(), 1u);
    QCOMPARE(idle.watcher->take(10).events.size(), 1u);
    cancelled.watcher->cancel();
    QCOMPARE(m_hub->watcherCount(), 4u);

    const Status shutdown(StatusCode::Unavailable, "aegisd is shutting down");
    // The wake-ups for /b run on the notifier threads; let them land first.
    QTRY_COMPARE(m_hub->notificationsInFlight(), std::size_t(0));
    std::vector<std::uint64_t> before;
    for (Watch *watch : {&idle, &pending, &catchingUp}) {
        before.push_back(watch->signal->count());
    }
    m_hub->shutdown(shutdown);

    int i = 0;
    for (Watch *watch : {&idle, &pending, &catchingUp}) {
        QCOMPARE(watch->signal->count(), before[i++] + 1); // told to come and look
        Watcher::Batch batch = watch->watcher->take(10);
        QCOMPARE(batch.ended, shutdown);
        QVERIFY(batch.events.empty());
        QCOMPARE(watch->watcher->pendingEvents(), 0u);
    }
    QCOMPARE(cancelled.watcher->take(10).ended.code(), StatusCode::Cancelled);

    Watch refused = startWatch(*m_hub, "", 0);
    QVERIFY(!refused.watcher);
    QCOMPARE(refused.status, shutdown);
    // Commits go on; nobody receives them.
    QVERIFY(m_store->commit(Transaction().put("/c", "v")));
    QCOMPARE(idle.watcher->take(10).ended, shutdown);
}

void TestWatchHub::hubDetachesOnDestruction() {
    QVERIFY(setUp());
    Watch watch = startWatch(*m_hub, "", 0);
    QVERIFY(watch.watcher);
    watch.watcher.reset();
    m_hub.reset();
    // The store must not call into the destroyed hub.
    auto result = m_store->commit(Transaction().put("/a", "1"));
    QVERIFY(result);
    QCOMPARE(result->revision, 1);
}

QTEST_GUILESS_MAIN(TestWatchHub)
#include "tst_watch_hub.moc"
