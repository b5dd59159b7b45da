// The one policy for operator actions on a rollout (rollout_actions.h): a table of rollouts in
// every phase and what may be done with them, as the controller refuses and clients show it.

#include "rollout/rollout_actions.h"

#include <QtTest>

using namespace aegis;
using namespace aegis::rollout;
using namespace std::chrono_literals;

namespace {

const std::chrono::system_clock::time_point kNow{std::chrono::hours(24 * 365 * 56)};

Rollout canaryIn(Phase phase) {
    Rollout r;
    r.id = "checkout-4";
    r.spec.service = "checkout";
    r.spec.version = "2.4.0";
    r.spec.replicas = 3;
    r.spec.strategy = Strategy::Canary;
    r.spec.steps = {{10, 60s, false}, {50, 0ms, true}, {100, 0ms, false}};
    r.phase = phase;
    r.stableColor = Color::Blue;
    r.stableVersion = "2.3.1";
    r.newColor = Color::Green;
    return r;
}

Release activeRelease() {
    Release release;
    release.service = "checkout";
    release.liveColor = Color::Blue;
    release.liveVersion = "2.3.1";
    release.activeRolloutId = "checkout-4";
    release.lastRolloutId = "checkout-4";
    return release;
}

Release idleRelease() {
    Release release = activeRelease();
    release.activeRolloutId.clear();
    return release;
}

// The replaced colour still runs, for ten more minutes.
Release warmRelease() {
    Release release = idleRelease();
    release.liveColor = Color::Green;
    release.scaleDownColor = Color::Blue;
    release.scaleDownTime = kNow + 10min;
    return release;
}

QStringList enabledOf(const std::vector<ActionAvailability> &actions) {
    QStringList enabled;
    for (const ActionAvailability &action : actions) {
        if (action.enabled) {
            enabled.append(QString::fromStdString(std::string(actionName(action.action))));
        }
    }
    return enabled;
}

} // namespace

Q_DECLARE_METATYPE(aegis::rollout::Rollout)
Q_DECLARE_METATYPE(aegis::rollout::Release)

class RolloutActionsTest : public QObject {
    Q_OBJECT

private slots:
    void actionsApplyPerPhase_data();
    void actionsApplyPerPhase();
    void reasonsNameWhatIsMissing();
    void busyControllerRefusesWhatItCannotDoYet();
};

void RolloutActionsTest::actionsApplyPerPhase_data() {
    QTest::addColumn<Rollout>("rollout");
    QTest::addColumn<Release>("release");
    QTest::addColumn<QStringList>("enabled");

    QTest::newRow("pending") << canaryIn(Phase::Pending) << activeRelease()
                             << QStringList{"pause", "abort"};
    QTest::newRow("provisioning") << canaryIn(Phase::Provisioning) << activeRelease()
                                  << QStringList{"pause", "abort"};
    Rollout paused = canaryIn(Phase::Verifying);
    paused.paused = true;
    QTest::newRow("verifying, paused")
        << paused << activeRelease() << QStringList{"resume", "abort"};
    QTest::newRow("awaiting approval") << canaryIn(Phase::AwaitingApproval) << activeRelease()
                                       << QStringList{"promote", "pause", "abort"};
    Rollout waiting = canaryIn(Phase::Switching);
    waiting.currentStep = 1; // 50 % until promoted
    waiting.stepApplied = true;
    waiting.traffic = {50, 50};
    QTest::newRow("switching, waiting until promoted")
        << waiting << activeRelease() << QStringList{"promote", "pause", "abort"};
    Rollout moving = waiting;
    moving.traffic = {90, 10}; // the step's weight is not applied yet
    moving.stepApplied = false;
    QTest::newRow("switching, traffic moving")
        << moving << activeRelease() << QStringList{"pause", "abort"};
    QTest::newRow("baking") << canaryIn(Phase::Baking) << activeRelease()
                            << QStringList{"promote", "pause", "abort"};
    QTest::newRow("finalizing") << canaryIn(Phase::Finalizing) << activeRelease()
                                << QStringList{"abort"};
    QTest::newRow("aborting") << canaryIn(Phase::Aborting) << activeRelease() << QStringList{};

    Rollout succeeded = canaryIn(Phase::Succeeded);
    succeeded.undoUntil = kNow + 10min;
    QTest::newRow("succeeded, undo window open")
        << succeeded << warmRelease() << QStringList{"undo"};
    Release cold = warmRelease();
    cold.scaleDownTime = kNow - 5s;
    QTest::newRow("succeeded, scaled down") << succeeded << cold << QStringList{};
    Release scaledDown = idleRelease();
    QTest::newRow("succeeded, scale-down done") << succeeded << scaledDown << QStringList{};
    Release newer = warmRelease();
    newer.lastRolloutId = "checkout-5";
    QTest::newRow("succeeded, not the latest") << succeeded << newer << QStringList{};
    Rollout first = succeeded;
    first.stableColor.reset();
    first.stableVersion.clear();
    QTest::newRow("succeeded first release") << first << warmRelease() << QStringList{};

    QTest::newRow("rolled back, latest")
        << canaryIn(Phase::RolledBack) << idleRelease() << QStringList{"retry"};
    Release busy = idleRelease();
    busy.activeRolloutId = "checkout-5";
    QTest::newRow("failed, another active") << canaryIn(Phase::Failed) << busy << QStringList{};
    QTest::newRow("failed, latest")
        << canaryIn(Phase::Failed) << idleRelease() << QStringList{"retry"};
}

void RolloutActionsTest::actionsApplyPerPhase() {
    QFETCH(Rollout, rollout);
    QFETCH(Release, release);
    QFETCH(QStringList, enabled);
    ActionContext context;
    context.release = &release;
    context.now = kNow;
    const auto actions = availableActions(rollout, context);
    QCOMPARE(actions.size(), kActions.size());
    QCOMPARE(enabledOf(actions), enabled);
    for (std::size_t i = 0; i < actions.size(); ++i) {
        QVERIFY(actions[i].action == kActions[i]);
        // A disabled action says why; an enabled one has nothing to explain.
        QCOMPARE(actions[i].disabledReason.empty(), actions[i].enabled);
        QCOMPARE(availability(kActions[i], rollout, context), actions[i]);
    }
}

void RolloutActionsTest::reasonsNameWhatIsMissing() {
    const Release release = activeRelease();
    ActionContext context;
    context.release = &release;
    context.now = kNow;
    const Rollout verifying = canaryIn(Phase::Verifying);
    QCOMPARE(refusal(verifying, availability(Action::Promote, verifying, context)),
             std::string("rollout checkout-4 is verifying: nothing to promote (promote skips an "
                         "approval, a canary pause or the bake)"));
    Rollout paused = canaryIn(Phase::AwaitingApproval);
    paused.paused = true;
    QCOMPARE(refusal(paused, availability(Action::Promote, paused, context)),
             std::string("rollout checkout-4 is paused: resume it first"));
    const Rollout rolledBack = canaryIn(Phase::RolledBack);
    QCOMPARE(refusal(rolledBack, availability(Action::Abort, rolledBack, context)),
             std::string("rollout checkout-4 is rolled_back: it has finished"));

    Rollout succeeded = canaryIn(Phase::Succeeded);
    Release newer = warmRelease();
    newer.lastRolloutId = "checkout-5";
    context.release = &newer;
    QCOMPARE(availability(Action::Undo, succeeded, context).disabledReason,
             std::string("only the latest rollout of checkout (checkout-5) can be undone"));
    const Release cold = idleRelease();
    context.release = &cold;
    QCOMPARE(availability(Action::Undo, succeeded, context).disabledReason,
             std::string("blue (2.3.1) has been scaled down; start a new rollout of 2.3.1 "
                         "instead"));

    // Without the release, the rollout's own undo_until decides.
    context.release = nullptr;
    succeeded.undoUntil = kNow + 1s;
    QVERIFY(availability(Action::Undo, succeeded, context).enabled);
    context.now = kNow + 1s;
    QVERIFY(!availability(Action::Undo, succeeded, context).enabled);
}

void RolloutActionsTest::busyControllerRefusesWhatItCannotDoYet() {
    const Release release = warmRelease();
    ActionContext context;
    context.release = &release;
    context.now = kNow;
    Rollout waiting = canaryIn(Phase::Switching);
    waiting.currentStep = 1;
    waiting.stepApplied = true;
    QVERIFY(availability(Action::Promote, waiting, context).enabled);
    context.routerBusy = true;
    QVERIFY(!availability(Action::Promote, waiting, context).enabled);

    const Rollout succeeded = canaryIn(Phase::Succeeded);
    QVERIFY(availability(Action::Undo, succeeded, context).enabled);
    context.scaleDownUnderWay = true;
    QVERIFY(!availability(Action::Undo, succeeded, context).enabled);
}

QTEST_GUILESS_MAIN(RolloutActionsTest)
#include "tst_rollout_actions.moc"
