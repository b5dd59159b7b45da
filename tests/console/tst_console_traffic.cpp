// Who gets traffic and what needs attention first: the traffic-share maths (weights, 0 %, both
// colours during a canary step), the colours' roles through a rollout, and instances sorted and
// filtered by severity.
#include "models/display_format.h"
#include "models/instance_filter_model.h"
#include "models/instance_model.h"
#include "models/release_model.h"
#include "models/traffic_share.h"

#include <QAbstractItemModelTester>
#include <QTest>

using namespace aegis::console;

namespace {

const QDateTime kNow = QDateTime::fromSecsSinceEpoch(1800000000, Qt::UTC);

ServiceInstance instance(const QString &id, const QString &colour, int weight = 100,
                         HealthStatus status = HealthStatus::Passing) {
    ServiceInstance i;
    i.service = QStringLiteral("checkout");
    i.id = id;
    i.address = QStringLiteral("127.0.0.1:8080");
    if (!colour.isEmpty()) {
        i.labels.insert(QStringLiteral("color"), colour);
    }
    i.weight = weight;
    i.state = InstanceState::Serving;
    i.health.status = status;
    i.health.checked = true;
    i.routable = status != HealthStatus::Critical;
    i.modRevision = 1;
    return i;
}

Release release(const QString &live, int blue, int green) {
    Release r;
    r.service = QStringLiteral("checkout");
    r.liveColor = live;
    r.liveVersion = QStringLiteral("1.4.0");
    r.traffic = TrafficSplit{blue, green};
    r.lastRolloutId = QStringLiteral("checkout-3");
    r.modRevision = 10;
    return r;
}

Rollout rollout(RolloutPhase phase, int blue, int green) {
    Rollout r;
    r.id = QStringLiteral("checkout-3");
    r.spec.service = QStringLiteral("checkout");
    r.spec.version = QStringLiteral("1.5.0");
    r.phase = phase;
    r.stableColor = QStringLiteral("blue");
    r.stableVersion = QStringLiteral("1.4.0");
    r.newColor = QStringLiteral("green");
    r.traffic = TrafficSplit{blue, green};
    r.modRevision = 11;
    return r;
}

double shareOf(const QHash<QString, InstanceTraffic> &shares, const QString &id) {
    return shares.value(QStringLiteral("checkout/") + id).share;
}

} // namespace

class TestConsoleTraffic : public QObject {
    Q_OBJECT

private slots:
    void sharesFollowWeightsWithinAColour() {
        // All traffic on blue; its three instances weigh 100, 100 and 200.
        const QList<ServiceInstance> fleet = {
            instance(QStringLiteral("b1"), QStringLiteral("blue")),
            instance(QStringLiteral("b2"), QStringLiteral("blue")),
            instance(QStringLiteral("b3"), QStringLiteral("blue"), 200),
            instance(QStringLiteral("g1"), QStringLiteral("green"))};
        const ServiceRolloutState state{release(QStringLiteral("blue"), 100, 0), std::nullopt};
        const auto shares = trafficShares(fleet, state, kNow);
        QCOMPARE(shareOf(shares, QStringLiteral("b1")), 25.0);
        QCOMPARE(shareOf(shares, QStringLiteral("b2")), 25.0);
        QCOMPARE(shareOf(shares, QStringLiteral("b3")), 50.0);
        // The idle colour takes nothing, and says why.
        QCOMPARE(shareOf(shares, QStringLiteral("g1")), 0.0);
        QVERIFY(shares.value(QStringLiteral("checkout/g1"))
                    .zeroReason.contains(QStringLiteral("green takes 0 %")));
        QCOMPARE(shares.value(QStringLiteral("checkout/g1")).role, ColourRole::Idle);
        QCOMPARE(shares.value(QStringLiteral("checkout/b1")).role, ColourRole::Live);
    }

    void bothColoursShareDuringACanaryStep() {
        // A canary step at 20 %: green's two instances split 20, blue's two split 80.
        const QList<ServiceInstance> fleet = {
            instance(QStringLiteral("b1"), QStringLiteral("blue")),
            instance(QStringLiteral("b2"), QStringLiteral("blue")),
            instance(QStringLiteral("g1"), QStringLiteral("green"), 300),
            instance(QStringLiteral("g2"), QStringLiteral("green"), 100)};
        const ServiceRolloutState state{release(QStringLiteral("blue"), 100, 0),
                                        rollout(RolloutPhase::Switching, 80, 20)};
        const auto shares = trafficShares(fleet, state, kNow);
        QCOMPARE(shareOf(shares, QStringLiteral("b1")), 40.0);
        QCOMPARE(shareOf(shares, QStringLiteral("b2")), 40.0);
        QCOMPARE(shareOf(shares, QStringLiteral("g1")), 15.0);
        QCOMPARE(shareOf(shares, QStringLiteral("g2")), 5.0);
        for (const QString &id : {QStringLiteral("b1"), QStringLiteral("g1")}) {
            QCOMPARE(shares.value(QStringLiteral("checkout/") + id).role, ColourRole::Live);
        }
    }

    void instancesThatTakeNoTrafficGetZeroAndTheRestShareTheirPart() {
        ServiceInstance draining = instance(QStringLiteral("b2"), QStringLiteral("blue"));
        draining.state = InstanceState::Draining;
        const QList<ServiceInstance> fleet = {
            instance(QStringLiteral("b1"), QStringLiteral("blue")), draining,
            instance(QStringLiteral("b3"), QStringLiteral("blue"), 100, HealthStatus::Critical),
            instance(QStringLiteral("b4"), QStringLiteral("blue"), 0)};
        const ServiceRolloutState state{release(QStringLiteral("blue"), 100, 0), std::nullopt};
        const auto shares = trafficShares(fleet, state, kNow);
        QCOMPARE(shareOf(shares, QStringLiteral("b1")), 100.0);
        QCOMPARE(shareOf(shares, QStringLiteral("b2")), 0.0);
        QVERIFY(shares.value(QStringLiteral("checkout/b2"))
                    .zeroReason.startsWith(QStringLiteral("draining")));
        QCOMPARE(shareOf(shares, QStringLiteral("b3")), 0.0);
        QVERIFY(shares.value(QStringLiteral("checkout/b3"))
                    .zeroReason.startsWith(QStringLiteral("not routed")));
        QCOMPARE(shareOf(shares, QStringLiteral("b4")), 0.0);
        QCOMPARE(shares.value(QStringLiteral("checkout/b4")).zeroReason,
                 QStringLiteral("traffic weight 0"));
    }

    void withoutAReleaseTheServiceIsSharedByWeight() {
        const QList<ServiceInstance> fleet = {instance(QStringLiteral("a"), {}, 100),
                                              instance(QStringLiteral("b"), {}, 300)};
        const auto shares = trafficShares(fleet, std::nullopt, kNow);
        QCOMPARE(shareOf(shares, QStringLiteral("a")), 25.0);
        QCOMPARE(shareOf(shares, QStringLiteral("b")), 75.0);
        QCOMPARE(shares.value(QStringLiteral("checkout/a")).role, ColourRole::None);
    }

    void colourRolesFollowTheRollout_data() {
        QTest::addColumn<int>("phase");
        QTest::addColumn<int>("blue");
        QTest::addColumn<int>("green");
        QTest::addColumn<bool>("undoOpen");
        QTest::addColumn<int>("blueRole");
        QTest::addColumn<int>("greenRole");
        const auto row = [](const char *name, RolloutPhase phase, int blue, int green,
                            bool undoOpen, ColourRole blueRole, ColourRole greenRole) {
            QTest::newRow(name) << int(phase) << blue << green << undoOpen << int(blueRole)
                                << int(greenRole);
        };
        row("verifying: the new colour waits", RolloutPhase::Verifying, 100, 0, false,
            ColourRole::Live, ColourRole::Idle);
        row("awaiting approval", RolloutPhase::AwaitingApproval, 100, 0, false, ColourRole::Live,
            ColourRole::Idle);
        row("a canary step: both live", RolloutPhase::Switching, 90, 10, false, ColourRole::Live,
            ColourRole::Live);
        row("baking: the old colour stays warm", RolloutPhase::Baking, 0, 100, false,
            ColourRole::WarmForUndo, ColourRole::Live);
        row("finalizing: the old colour goes", RolloutPhase::Finalizing, 0, 100, false,
            ColourRole::TearingDown, ColourRole::Live);
        row("succeeded, undo window open", RolloutPhase::Succeeded, 0, 100, true,
            ColourRole::WarmForUndo, ColourRole::Live);
        row("succeeded, undo window closed", RolloutPhase::Succeeded, 0, 100, false,
            ColourRole::TearingDown, ColourRole::Live);
        row("aborting: the new colour goes", RolloutPhase::Aborting, 100, 0, false,
            ColourRole::Live, ColourRole::TearingDown);
        row("failed", RolloutPhase::Failed, 100, 0, false, ColourRole::Live,
            ColourRole::TearingDown);
    }

    void colourRolesFollowTheRollout() {
        QFETCH(int, phase);
        QFETCH(int, blue);
        QFETCH(int, green);
        QFETCH(bool, undoOpen);
        QFETCH(int, blueRole);
        QFETCH(int, greenRole);
        Rollout latest = rollout(RolloutPhase(phase), blue, green);
        latest.undoUntil = undoOpen ? kNow.addSecs(300) : kNow.addSecs(-1);
        // A finished rollout's split is the release's.
        const ServiceRolloutState state{release(green > 0 && !latest.isActive()
                                                    ? QStringLiteral("green")
                                                    : QStringLiteral("blue"),
                                                blue, green),
                                        latest};
        QCOMPARE(int(colourRole(QStringLiteral("blue"), state, kNow)), blueRole);
        QCOMPARE(int(colourRole(QStringLiteral("green"), state, kNow)), greenRole);
        QCOMPARE(colourRole(QStringLiteral("red"), state, kNow), ColourRole::None);
    }

    void sharesReadWithoutRoundingToZero() {
        QCOMPARE(formatShare(0), QStringLiteral("0 %"));
        QCOMPARE(formatShare(100), QStringLiteral("100 %"));
        QCOMPARE(formatShare(33.333), QLocale().toString(33.3, 'f', 1) + QStringLiteral(" %"));
        QCOMPARE(formatShare(25.01), QStringLiteral("25 %"));
        QCOMPARE(formatShare(8.25), QLocale().toString(8.3, 'f', 1) + QStringLiteral(" %"));
        QCOMPARE(formatShare(0.04), QLocale().toString(0.04, 'f', 3) + QStringLiteral(" %"));
        QVERIFY(formatShare(0.0001) != QStringLiteral("0 %"));
    }

    void instanceModelShowsTrafficFromTheReleases() {
        ReleaseModel releases;
        InstanceModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setReferenceTime(kNow);
        model.sync({instance(QStringLiteral("b1"), QStringLiteral("blue")),
                    instance(QStringLiteral("g1"), QStringLiteral("green"))});
        // Without rollout state the service's traffic is shared by weight.
        QCOMPARE(model.index(0, InstanceModel::TrafficColumn).data().toString(),
                 QStringLiteral("50 %"));
        model.setReleaseModel(&releases);
        releases.setReleases({release(QStringLiteral("blue"), 100, 0)});
        QCOMPARE(model.index(0, InstanceModel::TrafficColumn).data().toString(),
                 QStringLiteral("100 %"));
        QCOMPARE(model.index(0, InstanceModel::ColourColumn).data().toString(),
                 QStringLiteral("blue · live"));
        QCOMPARE(model.index(1, InstanceModel::TrafficColumn).data().toString(),
                 QStringLiteral("0 %"));
        QCOMPARE(model.index(1, InstanceModel::ColourColumn).data(InstanceModel::ColourRoleRole),
                 QVariant(int(ColourRole::Idle)));
        QVERIFY(model.index(1, InstanceModel::TrafficColumn)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .startsWith(QStringLiteral("No traffic")));
        // A canary step moves a fifth to green.
        releases.applyRollout(rollout(RolloutPhase::Switching, 80, 20));
        QCOMPARE(
            model.index(0, InstanceModel::TrafficColumn).data(InstanceModel::ShareRole).toDouble(),
            80.0);
        QCOMPARE(model.index(1, InstanceModel::TrafficColumn).data().toString(),
                 QStringLiteral("20 %"));
        QCOMPARE(model.index(1, InstanceModel::ColourColumn).data().toString(),
                 QStringLiteral("green · live"));
    }

    void instancesSortWorstFirstAndFilterToProblems() {
        InstanceModel model;
        InstanceFilterModel filter;
        filter.setSourceModel(&model);
        QAbstractItemModelTester tester(&filter,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        ServiceInstance ejected = instance(QStringLiteral("e"), QStringLiteral("blue"));
        ejected.health.ejected = true;
        ServiceInstance flapping =
            instance(QStringLiteral("f"), QStringLiteral("blue"), 100, HealthStatus::Passing);
        flapping.health.flapping = true;
        model.sync(
            {instance(QStringLiteral("a"), QStringLiteral("blue")),
             instance(QStringLiteral("c"), QStringLiteral("blue"), 100, HealthStatus::Critical),
             ejected, flapping,
             instance(QStringLiteral("w"), QStringLiteral("blue"), 100, HealthStatus::Warning),
             instance(QStringLiteral("z"), QStringLiteral("blue"))});
        filter.sort(InstanceModel::HealthColumn, Qt::DescendingOrder);
        const auto order = [&filter] {
            QStringList ids;
            for (int row = 0; row < filter.rowCount(); ++row) {
                ids.append(filter.index(row, InstanceModel::InstanceColumn).data().toString());
            }
            return ids;
        };
        QCOMPARE(order(),
                 (QStringList{QStringLiteral("e"), QStringLiteral("c"), QStringLiteral("f"),
                              QStringLiteral("w"), QStringLiteral("a"), QStringLiteral("z")}));
        filter.setProblemsOnly(true);
        QCOMPARE(order(), (QStringList{QStringLiteral("e"), QStringLiteral("c"),
                                       QStringLiteral("f"), QStringLiteral("w")}));
        // An instance that recovers leaves the problems; one that fails joins them, in order.
        model.applyChanges({InstanceChange{InstanceChange::Type::Updated,
                                           instance(QStringLiteral("c"), QStringLiteral("blue")),
                                           {},
                                           5}});
        ServiceInstance failing =
            instance(QStringLiteral("z"), QStringLiteral("blue"), 100, HealthStatus::Critical);
        model.applyChanges({InstanceChange{InstanceChange::Type::Updated, failing, {}, 6}});
        QCOMPARE(order(), (QStringList{QStringLiteral("e"), QStringLiteral("z"),
                                       QStringLiteral("f"), QStringLiteral("w")}));
    }
};

QTEST_MAIN(TestConsoleTraffic)
#include "tst_console_traffic.moc"
