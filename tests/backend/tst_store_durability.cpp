#include "daemon_process.h"

#include "common/logging.h"
#include "store/sqlite_store.h"

#include <QtTest>

#include <map>

using namespace aegis;
using namespace aegis::store;

// Crash safety of the SQLite store: a child process (store_writer) commits from several threads
// and reports each acknowledged commit; it is killed with SIGKILL at a random moment, and the file
// must then hold every acknowledged write, with a revision that never goes backwards.
class TestStoreDurability : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void acknowledgedWritesSurviveSigkill();

private:
    quint32 m_seed = 0;
};

void TestStoreDurability::initTestCase() {
    log::init("warn");
    bool fixed = false;
    m_seed = qEnvironmentVariableIntValue("AEGIS_TEST_SEED", &fixed);
    if (!fixed) {
        m_seed = QRandomGenerator::global()->generate();
    }
    qInfo("random seed %u (set AEGIS_TEST_SEED to repeat)", m_seed);
}

void TestStoreDurability::acknowledgedWritesSurviveSigkill() {
    constexpr int kRounds = 14;
    testing::TempDir dir;
    const auto path = dir.path() / "state.db";
    QRandomGenerator random(m_seed);

    std::map<std::string, Revision> acked; // over all rounds
    Revision lastRevision = 0;             // as seen after the last reopen
    int roundsWithAcks = 0;

    for (int round = 0; round < kRounds; ++round) {
        QProcess writer;
        writer.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        writer.start(QStringLiteral(AEGIS_STORE_WRITER_PATH),
                     {QString::fromStdString(path.string()), QStringLiteral("3"),
                      QStringLiteral("r%1").arg(round)});
        QVERIFY2(writer.waitForStarted(10000), qPrintable(writer.errorString()));

        // Some rounds die while the store is still opening, most in the middle of committing.
        const int killAfterMs =
            random.bounded(4) == 0 ? random.bounded(30) : 30 + random.bounded(370);
        QByteArray output;
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < killAfterMs && writer.state() == QProcess::Running) {
            writer.waitForReadyRead(
                static_cast<int>(std::max<qint64>(1, killAfterMs - clock.elapsed())));
            output += writer.readAllStandardOutput();
        }
        QCOMPARE(writer.state(), QProcess::Running); // it must not have stopped by itself
        writer.kill();                               // SIGKILL
        QVERIFY(writer.waitForFinished(10000));
        QCOMPARE(writer.exitStatus(), QProcess::CrashExit);
        output += writer.readAllStandardOutput();

        // Only whole lines count: a line cut by the kill was never fully reported.
        int acksThisRound = 0;
        Revision highestAck = 0;
        const QList<QByteArray> lines = output.left(output.lastIndexOf('\n') + 1).split('\n');
        for (const QByteArray &line : lines) {
            const QList<QByteArray> fields = line.split(' ');
            if (fields.size() == 2 && fields[0] == "open") {
                // The writer found exactly what the last reopen found: nothing lost, nothing new.
                QCOMPARE(fields[1].toLongLong(), lastRevision);
            } else if (fields.size() == 3 && fields[0] == "ack") {
                const Revision revision = fields[2].toLongLong();
                QVERIFY2(revision > lastRevision, line.constData());
                QVERIFY2(acked.emplace(fields[1].toStdString(), revision).second, line.constData());
                highestAck = std::max(highestAck, revision);
                ++acksThisRound;
            } else {
                QVERIFY2(line.isEmpty(), line.constData());
            }
        }
        roundsWithAcks += acksThisRound > 0 ? 1 : 0;

        auto opened = SqliteStore::open({path});
        QVERIFY2(opened, opened.status().toString().c_str());
        SqliteStore &store = **opened;
        const Revision revision = store.currentRevision();
        qInfo("round %d: killed after %d ms, %d acknowledged, revision %lld", round, killAfterMs,
              acksThisRound, static_cast<long long>(revision));
        QVERIFY2(revision >= lastRevision, "the revision went backwards");
        QVERIFY2(revision >= highestAck, "an acknowledged revision is missing");
        lastRevision = revision;

        auto all = store.rangePrefix("/w/");
        QVERIFY2(all, all.status().toString().c_str());
        std::map<std::string, KeyValue> found;
        for (KeyValue &kv : all->kvs) {
            found.emplace(kv.key, std::move(kv));
        }
        for (const auto &[key, ackedRevision] : acked) {
            const auto it = found.find(key);
            QVERIFY2(it != found.end(), ("acknowledged key lost: " + key).c_str());
            QCOMPARE(it->second.value, key + "=value");
            QCOMPARE(it->second.modRevision, ackedRevision);
        }
        // Writes that were committed but not yet reported may be there too; nothing else is.
        QVERIFY(found.size() >= acked.size());
        QCOMPARE(static_cast<Revision>(found.size()), revision);

        // The event log agrees with the keys: one event per revision, without gaps.
        auto events = store.events(1, revision, "", 0);
        QVERIFY2(events, events.status().toString().c_str());
        QCOMPARE(static_cast<Revision>(events->size()), revision);
        for (std::size_t i = 0; i < events->size(); ++i) {
            QCOMPARE((*events)[i].revision, static_cast<Revision>(i + 1));
        }
    }

    qInfo("%zu writes acknowledged over %d rounds", acked.size(), kRounds);
    QVERIFY2(roundsWithAcks >= kRounds / 2, "too few rounds got as far as committing");
    QVERIFY(acked.size() >= 100);
}

QTEST_GUILESS_MAIN(TestStoreDurability)
#include "tst_store_durability.moc"
