// Passive outlier detection (consecutive failures, back-off, max share) and the panic threshold.

#include "health/outlier_detector.h"
#include "registry/routing.h"

#include <QtTest>

#include <algorithm>

using namespace aegis;
using namespace aegis::health;
using namespace std::chrono_literals;

namespace {

OutlierDetectorOptions options(double share) {
    OutlierDetectorOptions o;
    o.consecutiveFailures = 3;
    o.baseEjectionTime = 10s;
    o.maxEjectionTime = 25s;
    o.maxEjectedShare = share;
    return o;
}

void failTimes(OutlierDetector &detector, const std::string &instance, int times) {
    for (int i = 0; i < times; ++i) {
        detector.recordOutcome("svc", instance, false);
    }
}

} // namespace

class TestOutlierDetector : public QObject {
    Q_OBJECT

private slots:
    void consecutiveFailuresEject() {
        auto clock = std::make_shared<ManualClock>();
        OutlierDetector detector(options(1.0), clock);
        detector.setInstances("svc", {"a", "b"});
        failTimes(detector, "a", 2);
        detector.recordOutcome("svc", "a", true); // resets the run
        failTimes(detector, "a", 2);
        QVERIFY(!detector.isEjected("svc", "a"));
        QVERIFY(detector.recordOutcome("svc", "a", false));
        QVERIFY(detector.isEjected("svc", "a"));
        QCOMPARE(detector.ejectedInstances("svc"), std::vector<std::string>{"a"});
        QVERIFY(!detector.isEjected("svc", "b"));
    }

    void ejectionBacksOffAndIsCapped() {
        auto clock = std::make_shared<ManualClock>();
        OutlierDetector detector(options(1.0), clock);
        detector.setInstances("svc", {"a", "b"});
        // base × ejections: 10 s, 20 s, then capped at 25 s.
        for (auto expected : {10s, 20s, 25s}) {
            failTimes(detector, "a", 3);
            QVERIFY(detector.isEjected("svc", "a"));
            clock->advance(expected - 1ms);
            QVERIFY(detector.isEjected("svc", "a"));
            clock->advance(1ms);
            QCOMPARE(detector.sweep(), std::vector<std::string>{"svc/a"});
            QVERIFY(!detector.isEjected("svc", "a"));
        }
        QCOMPARE(detector.ejectionCount("svc", "a"), 3u);
    }

    void unEjectedInstanceStartsAFreshRun() {
        auto clock = std::make_shared<ManualClock>();
        OutlierDetector detector(options(1.0), clock);
        detector.setInstances("svc", {"a"});
        failTimes(detector, "a", 3);
        clock->advance(10s);
        QVERIFY(!detector.isEjected("svc", "a"));
        failTimes(detector, "a", 2);
        QVERIFY(!detector.isEjected("svc", "a"));
    }

    void neverEjectsMoreThanTheShare() {
        auto clock = std::make_shared<ManualClock>();
        OutlierDetector detector(options(0.5), clock);
        detector.setInstances("svc", {"a", "b", "c", "d", "e"});
        for (const char *instance : {"a", "b", "c", "d"}) {
            failTimes(detector, instance, 3);
        }
        // 50 % of 5 rounds down to 2.
        QCOMPARE(detector.ejectedInstances("svc"), (std::vector<std::string>{"a", "b"}));
        // When an ejection ends, the next failure of a waiting instance takes the free slot.
        clock->advance(10s);
        QVERIFY(detector.ejectedInstances("svc").empty());
        QVERIFY(detector.recordOutcome("svc", "c", false));
        QVERIFY(detector.isEjected("svc", "c"));
    }

    void smallServicesCanEjectOne() {
        // 10 % of 4 rounds down to none, but a failing instance of a small service still goes.
        OutlierDetector detector(options(0.1), std::make_shared<ManualClock>());
        detector.setInstances("svc", {"a", "b", "c", "d"});
        failTimes(detector, "a", 3);
        failTimes(detector, "b", 3);
        QCOMPARE(detector.ejectedInstances("svc"), std::vector<std::string>{"a"});
        // A single instance is never ejected by the floor: it would leave nothing.
        OutlierDetector single(options(0.1), std::make_shared<ManualClock>());
        single.setInstances("svc", {"a"});
        failTimes(single, "a", 3);
        QVERIFY(!single.isEjected("svc", "a"));
    }

    void zeroShareNeverEjects() {
        OutlierDetector detector(options(0.0), std::make_shared<ManualClock>());
        detector.setInstances("svc", {"a"});
        failTimes(detector, "a", 10);
        QVERIFY(!detector.isEjected("svc", "a"));
    }

    void panicThreshold_data() {
        QTest::addColumn<QString>("health"); // '+' healthy, '-' unhealthy
        QTest::addColumn<double>("threshold");
        QTest::addColumn<bool>("panic");
        QTest::addColumn<int>("returned");
        QTest::newRow("all healthy") << "++++" << 0.5 << false << 4;
        QTest::newRow("half unhealthy is not more than half") << "++--" << 0.5 << false << 2;
        QTest::newRow("more than half unhealthy") << "+---" << 0.5 << true << 4;
        QTest::newRow("all unhealthy") << "----" << 0.5 << true << 4;
        QTest::newRow("threshold 1 disables") << "----" << 1.0 << false << 0;
        QTest::newRow("empty service") << "" << 0.5 << false << 0;
        QTest::newRow("low threshold") << "+++++++++-" << 0.05 << true << 10;
    }
    void panicThreshold() {
        QFETCH(QString, health);
        QFETCH(double, threshold);
        QFETCH(bool, panic);
        QFETCH(int, returned);
        std::vector<registry::Instance> instances;
        for (QChar c : health) {
            instances.emplace_back().health.status = c == QLatin1Char('+')
                                                         ? registry::HealthStatus::Passing
                                                         : registry::HealthStatus::Critical;
        }
        const auto routing = registry::routeService(instances, threshold, nullptr);
        QCOMPARE(routing.panic, panic);
        QCOMPARE(static_cast<int>(std::count_if(routing.instances.begin(), routing.instances.end(),
                                                [](const auto &i) { return i.routable; })),
                 returned);
        for (const auto &instance : routing.instances) {
            QVERIFY(!instance.routable || panic || !instance.health.isUnhealthy());
        }
    }
};

QTEST_GUILESS_MAIN(TestOutlierDetector)
#include "tst_outlier_detector.moc"
