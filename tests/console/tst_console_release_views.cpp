// The Releases page's parts offscreen, fed synthetic data: the release and history models
// (checked with QAbstractItemModelTester), the pipeline derived for each way a rollout ends, the
// traffic bar's parts and colours, which actions apply in which phase and the "New release…"
// form's checks; then the page against a real aegisd, following rollouts it starts itself.
#include "daemon_extensions.h"
#include "models/display_names.h"
#include "models/release_model.h"
#include "models/rollout_actions.h"
#include "models/rollout_confirmation.h"
#include "models/rollout_format.h"
#include "models/rollout_history_model.h"
#include "models/rollout_pipeline.h"
#include "models/rollout_spec_validation.h"
#include "net/session.h"
#include "views/action_confirm_dialog.h"
#include "views/canary_steps_editor.h"
#include "views/new_release_dialog.h"
#include "views/releases_page.h"
#include "views/rollout_pipeline_view.h"
#include "views/theme.h"
#include "views/traffic_bar.h"

#include <daemon_process.h>
#include <fleet_seeder.h>
#include <poll_until.h>

#include <aegis/v1/auth.grpc.pb.h>
#include <client/connection.h>

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>

using namespace aegis;
using namespace aegis::console;
using namespace std::chrono_literals;

namespace {

const QDateTime kStart = QDateTime::fromSecsSinceEpoch(1700000000, Qt::UTC);

QDateTime at(int seconds) {
    return kStart.addSecs(seconds);
}

struct Step {
    RolloutPhase phase;
    int second;
    const char *reason;
};

// A rollout of checkout to 2.4.0 on green (blue runs 2.3.1) in `phase`, having gone through
// `steps`.
Rollout rolloutOf(RolloutPhase phase, const QList<Step> &steps, int number = 4) {
    Rollout r;
    r.id = QStringLiteral("checkout-%1").arg(number);
    r.spec.service = QStringLiteral("checkout");
    r.spec.version = QStringLiteral("2.4.0");
    r.spec.replicas = 3;
    r.phase = phase;
    r.stableColor = QStringLiteral("blue");
    r.stableVersion = QStringLiteral("2.3.1");
    r.newColor = QStringLiteral("green");
    r.createdBy = QStringLiteral("alice");
    r.createTime = at(0);
    for (const Step &step : steps) {
        r.transitions.append({step.phase, at(step.second), QString::fromUtf8(step.reason)});
    }
    if (!steps.isEmpty()) {
        r.phaseTime = at(steps.last().second);
    }
    if (isFinishedPhase(phase) && !steps.isEmpty()) {
        r.finishTime = at(steps.last().second);
    }
    r.modRevision = 10 + number;
    return r;
}

// `r` as if it had started `minutesAgo` minutes ago, for pictures that read like today's.
Rollout recent(Rollout r, int minutesAgo) {
    const qint64 shift = kStart.secsTo(QDateTime::currentDateTimeUtc()) - minutesAgo * 60;
    for (QDateTime *time : {&r.createTime, &r.phaseTime, &r.finishTime}) {
        if (time->isValid()) {
            *time = time->addSecs(shift);
        }
    }
    for (RolloutTransition &transition : r.transitions) {
        transition.time = transition.time.addSecs(shift);
    }
    return r;
}

Rollout canary(Rollout r) {
    r.spec.strategy = RolloutStrategy::Canary;
    r.spec.steps = {{10, 60000, false}, {50, 0, true}, {100, 0, false}};
    return r;
}

Release releaseOf(const QString &service, const QString &live, const QString &version,
                  TrafficSplit traffic, qint64 modRevision = 5) {
    Release release;
    release.service = service;
    release.liveColor = live;
    release.liveVersion = version;
    release.traffic = traffic;
    release.lastRolloutId = service + QStringLiteral("-3");
    release.driver = QStringLiteral("external");
    release.driverParams = {{QStringLiteral("note"), QStringLiteral("deployed by CI")}};
    release.router = QStringLiteral("registry");
    release.modRevision = modRevision;
    return release;
}

QStringList titles(const RolloutPipeline &pipeline) {
    QStringList result;
    for (const PipelineStep &step : pipeline.steps) {
        result.append(step.title);
    }
    return result;
}

QStringList states(const RolloutPipeline &pipeline) {
    QStringList result;
    for (const PipelineStep &step : pipeline.steps) {
        result.append(stepStateName(step.state));
    }
    return result;
}

QStringList enabledActions(const RolloutActionSet &set) {
    QStringList result;
    for (RolloutAction action :
         {RolloutAction::Promote, RolloutAction::Pause, RolloutAction::Resume, RolloutAction::Abort,
          RolloutAction::Retry, RolloutAction::Undo}) {
        if (set[action].enabled) {
            result.append(rolloutActionName(action).toLower());
        }
    }
    return result;
}

bool near(QColor actual, QColor expected, int tolerance = 16) {
    return std::abs(actual.red() - expected.red()) <= tolerance &&
           std::abs(actual.green() - expected.green()) <= tolerance &&
           std::abs(actual.blue() - expected.blue()) <= tolerance;
}

QString artifact(const QString &name) {
    return QDir(QCoreApplication::applicationDirPath()).filePath(name);
}

ConnectionSettings nowhere() {
    ConnectionSettings settings;
    settings.address = QStringLiteral("127.0.0.1:1"); // Connection refused at once.
    return settings;
}

grpc::StatusCode createToken(const testing::DaemonProcess &daemon, const std::string &name,
                             v1::Role role, std::string *secret) {
    auto channel = client::makeChannel(daemon.adminConnection());
    if (!channel) {
        return grpc::StatusCode::INTERNAL;
    }
    auto stub = v1::AuthService::NewStub(*channel);
    grpc::ClientContext context;
    client::setTimeout(context, 5s);
    v1::CreateTokenRequest request;
    request.set_name(name);
    request.set_role(role);
    v1::CreateTokenResponse response;
    const grpc::Status status = stub->CreateToken(&context, request, &response);
    *secret = response.secret();
    return status.error_code();
}

} // namespace

class TestConsoleReleaseViews : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        m_platformPalette = QApplication::palette();
        applyTheme(*qApp, ThemeMode::Light, m_platformPalette);
    }

    void releaseModelSyncsRowByRow() {
        ReleaseModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        model.setReleases({releaseOf(QStringLiteral("payments"), QStringLiteral("green"),
                                     QStringLiteral("4.1.0"), {0, 100}),
                           releaseOf(QStringLiteral("checkout"), QStringLiteral("blue"),
                                     QStringLiteral("2.3.1"), {100, 0})});
        QCOMPARE(model.serviceNames(), (QStringList{"checkout", "payments"}));
        const QModelIndex checkout = model.index(0, ReleaseModel::ColourColumn);
        QCOMPARE(checkout.data().toString(), QStringLiteral("blue"));
        QCOMPARE(checkout.data(ReleaseModel::ToneRole).toInt(), int(RolloutTone::Blue));
        QCOMPARE(model.index(1, ReleaseModel::ColourColumn).data(ReleaseModel::ToneRole).toInt(),
                 int(RolloutTone::Green));
        QCOMPARE(model.index(0, ReleaseModel::VersionColumn).data().toString(),
                 QStringLiteral("2.3.1"));
        QCOMPARE(model.index(0, ReleaseModel::TrafficColumn).data().toString(),
                 QStringLiteral("blue 100 % · green 0 %"));
        QVERIFY(
            !model.index(0, ReleaseModel::RolloutColumn).data(ReleaseModel::ToneRole).isValid());
        const QPersistentModelIndex kept(model.index(1, 0));

        // A rollout starts: its release says so, and the rollout's phase shows.
        Release moving = releaseOf(QStringLiteral("checkout"), QStringLiteral("blue"),
                                   QStringLiteral("2.3.1"), {75, 25}, 7);
        moving.activeRolloutId = QStringLiteral("checkout-4");
        model.upsertRelease(moving);
        Rollout switching = canary(rolloutOf(RolloutPhase::Switching, {}));
        switching.traffic = {75, 25};
        model.applyRollout(switching);
        QCOMPARE(model.index(0, ReleaseModel::TrafficColumn).data().toString(),
                 QStringLiteral("blue 75 % · green 25 %"));
        QCOMPARE(model.index(0, ReleaseModel::RolloutColumn).data().toString(),
                 QStringLiteral("switching"));
        QCOMPARE(model.index(0, ReleaseModel::RolloutColumn).data(ReleaseModel::ToneRole).toInt(),
                 int(RolloutTone::Progress));
        // An older rollout does not replace the active one; an older release is ignored.
        model.applyRollout(rolloutOf(RolloutPhase::Succeeded, {}, 3));
        QCOMPARE(model.latestRollout(QStringLiteral("checkout"))->id, QStringLiteral("checkout-4"));
        model.upsertRelease(releaseOf(QStringLiteral("checkout"), QStringLiteral("blue"),
                                      QStringLiteral("2.3.1"), {100, 0}, 6));
        QCOMPARE(model.release(QStringLiteral("checkout"))->traffic, (TrafficSplit{75, 25}));
        switching.paused = true;
        switching.modRevision += 1;
        model.applyRollout(switching);
        QCOMPARE(model.index(0, ReleaseModel::RolloutColumn).data().toString(),
                 QStringLiteral("switching (paused)"));
        QCOMPARE(model.index(0, ReleaseModel::RolloutColumn).data(ReleaseModel::ToneRole).toInt(),
                 int(RolloutTone::Waiting));

        // A service's first rollout arrives before its release: kept until the release does.
        Rollout first = rolloutOf(RolloutPhase::Provisioning, {}, 1);
        first.id = QStringLiteral("inventory-1");
        first.spec.service = QStringLiteral("inventory");
        first.stableColor.clear(); // nothing ran before it
        first.stableVersion.clear();
        model.applyRollout(first);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.latestRollout(QStringLiteral("inventory"))->id, first.id);
        Release inventory = releaseOf(QStringLiteral("inventory"), {}, {}, {0, 0});
        inventory.activeRolloutId = first.id;
        model.upsertRelease(inventory);
        QCOMPARE(model.serviceNames(), (QStringList{"checkout", "inventory", "payments"}));
        QCOMPARE(model.index(1, ReleaseModel::ColourColumn).data().toString(),
                 QStringLiteral("none"));
        QCOMPARE(model.index(1, ReleaseModel::RolloutColumn).data().toString(),
                 QStringLiteral("provisioning"));
        // A fleet deployed before Aegis: until the first rollout succeeds, the colour it adopted
        // as stable is the live one.
        first.stableColor = QStringLiteral("blue");
        first.stableVersion = QStringLiteral("1.12.0");
        first.modRevision += 1;
        model.applyRollout(first);
        QCOMPARE(model.index(1, ReleaseModel::ColourColumn).data().toString(),
                 QStringLiteral("blue"));
        QCOMPARE(model.index(1, ReleaseModel::VersionColumn).data().toString(),
                 QStringLiteral("1.12.0"));
        QVERIFY(model.index(1, ReleaseModel::ColourColumn)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("before its first rollout")));
        QCOMPARE(kept.data().toString(), QStringLiteral("payments"));

        // The list again, without payments: that row goes, the others stay.
        model.setReleases({moving, inventory});
        QVERIFY(!kept.isValid());
        QCOMPARE(model.serviceNames(), (QStringList{"checkout", "inventory"}));
        QCOMPARE(resets.count(), 0);
    }

    void historyModelKeepsNewestFirstAndTicks() {
        RolloutHistoryModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        const Rollout succeeded =
            rolloutOf(RolloutPhase::Succeeded,
                      {{RolloutPhase::Pending, 0, ""}, {RolloutPhase::Succeeded, 150, ""}}, 2);
        Rollout rolledBack =
            rolloutOf(RolloutPhase::RolledBack,
                      {{RolloutPhase::Pending, 0, ""}, {RolloutPhase::RolledBack, 45, ""}}, 3);
        rolledBack.attempt = 2;
        rolledBack.message = QStringLiteral("gate failed: new instance checkout-7 is critical");
        model.setRollouts(QStringLiteral("checkout"), {rolledBack, succeeded});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(0, RolloutHistoryModel::IdColumn).data().toString(),
                 QStringLiteral("checkout-3"));
        QCOMPARE(model.index(0, RolloutHistoryModel::OutcomeColumn).data().toString(),
                 QStringLiteral("rolled back"));
        QCOMPARE(model.index(0, RolloutHistoryModel::OutcomeColumn)
                     .data(RolloutHistoryModel::ToneRole)
                     .toInt(),
                 int(RolloutTone::Warning));
        QVERIFY(model.index(0, RolloutHistoryModel::OutcomeColumn)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .startsWith(QStringLiteral("Attempt 2. gate failed")));
        QCOMPARE(model.index(0, RolloutHistoryModel::DurationColumn).data().toString(),
                 QStringLiteral("45 s"));
        QCOMPARE(model.index(1, RolloutHistoryModel::DurationColumn).data().toString(),
                 QStringLiteral("2 min"));
        QCOMPARE(model.index(1, RolloutHistoryModel::StrategyColumn).data().toString(),
                 QStringLiteral("blue-green"));
        QCOMPARE(model.index(1, RolloutHistoryModel::CreatedByColumn).data().toString(),
                 QStringLiteral("alice"));

        // A new rollout arrives through the watch: on top; its duration runs with the clock.
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        Rollout running = rolloutOf(RolloutPhase::Verifying, {{RolloutPhase::Pending, 0, ""}}, 4);
        running.createTime = at(1000);
        model.applyRollout(running);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.rolloutAt(0).id, QStringLiteral("checkout-4"));
        model.setReferenceTime(at(1090));
        QCOMPARE(model.index(0, RolloutHistoryModel::DurationColumn).data().toString(),
                 QStringLiteral("1 min"));
        QCOMPARE(changed.count(), 1); // only the running rollout's duration cell
        // Its next state updates the row; another service's rollout and a stale state do not.
        Rollout later = running;
        later.phase = RolloutPhase::Switching;
        later.modRevision += 5;
        model.applyRollout(later);
        QCOMPARE(model.rolloutAt(0).phase, RolloutPhase::Switching);
        model.applyRollout(running);
        QCOMPARE(model.rolloutAt(0).phase, RolloutPhase::Switching);
        Rollout other = running;
        other.id = QStringLiteral("payments-9");
        other.spec.service = QStringLiteral("payments");
        model.applyRollout(other);
        QCOMPARE(model.rowCount(), 3);
        // Listing the same service again merges; another service replaces the list.
        model.setRollouts(QStringLiteral("checkout"), {later, rolledBack, succeeded});
        QCOMPARE(model.rowCount(), 3);
        model.setRollouts(QStringLiteral("payments"), {other});
        QCOMPARE(model.rowCount(), 1);
    }

    void pipelineForEachEnding_data() {
        QTest::addColumn<Rollout>("rollout");
        QTest::addColumn<int>("now");
        QTest::addColumn<QStringList>("expectedTitles");
        QTest::addColumn<QStringList>("expectedStates");
        QTest::addColumn<int>("expectedCurrent");

        Rollout succeeded = canary(
            rolloutOf(RolloutPhase::Succeeded,
                      {{RolloutPhase::Pending, 0, "started by alice"},
                       {RolloutPhase::Provisioning, 1, "provisioning 3 instances"},
                       {RolloutPhase::Verifying, 3, "provisioned"},
                       {RolloutPhase::AwaitingApproval, 13, "3/3 new instances passing for 10s"},
                       {RolloutPhase::Switching, 73, "approved: promoted by bob"},
                       {RolloutPhase::Baking, 133, "all traffic on green"},
                       {RolloutPhase::Finalizing, 193, "baked"},
                       {RolloutPhase::Succeeded, 194, "green is live"}}));
        succeeded.spec.requireApproval = true;
        succeeded.currentStep = 2;
        QTest::newRow("succeeded")
            << succeeded << 500
            << QStringList{"Pending",   "Provisioning", "Verifying",  "Awaiting approval",
                           "Switching", "Baking",       "Finalizing", "Succeeded"}
            << QStringList{"done", "done", "done", "done", "done", "done", "done", "done"} << 7;

        const Rollout verifying = rolloutOf(
            RolloutPhase::RolledBack,
            {{RolloutPhase::Pending, 0, "started by alice"},
             {RolloutPhase::Provisioning, 1, ""},
             {RolloutPhase::Verifying, 3, ""},
             {RolloutPhase::Aborting, 33, "gate failed: new instance checkout-7 is critical"},
             {RolloutPhase::RolledBack, 34, "gate failed: new instance checkout-7 is critical"}});
        QTest::newRow("rolled back at verifying")
            << verifying << 500
            << QStringList{"Pending", "Provisioning", "Verifying", "Switching",
                           "Baking",  "Finalizing",   "Aborting",  "Rolled back"}
            << QStringList{"done",    "done",    "failed", "skipped",
                           "skipped", "skipped", "done",   "done"}
            << 7;

        Rollout failed = canary(
            rolloutOf(RolloutPhase::Failed,
                      {{RolloutPhase::Pending, 0, ""},
                       {RolloutPhase::Provisioning, 1, ""},
                       {RolloutPhase::Verifying, 3, ""},
                       {RolloutPhase::Switching, 13, ""},
                       {RolloutPhase::Aborting, 20,
                        "new instance checkout-8 is critical while traffic moves"},
                       {RolloutPhase::Failed, 50, "and the router could not move traffic back"}}));
        failed.currentStep = 1;
        QTest::newRow("failed while switching")
            << failed << 500 << QStringList{"Pending", "Provisioning", "Verifying", "Switching",
                                            "Baking",  "Finalizing",   "Aborting",  "Failed"}
            << QStringList{"done",    "done",    "done",   "failed",
                           "skipped", "skipped", "failed", "failed"}
            << 7;

        Rollout paused =
            canary(rolloutOf(RolloutPhase::Switching, {{RolloutPhase::Pending, 0, ""},
                                                       {RolloutPhase::Provisioning, 1, ""},
                                                       {RolloutPhase::Verifying, 3, ""},
                                                       {RolloutPhase::Switching, 13, ""}}));
        paused.currentStep = 1;
        paused.paused = true;
        QTest::newRow("switching, paused")
            << paused << 43 << QStringList{"Pending", "Provisioning", "Verifying", "Switching",
                                           "Baking",  "Finalizing",   "Succeeded"}
            << QStringList{"done", "done", "done", "current", "pending", "pending", "pending"} << 3;

        const Rollout undone =
            rolloutOf(RolloutPhase::RolledBack, {{RolloutPhase::Pending, 0, ""},
                                                 {RolloutPhase::Provisioning, 1, ""},
                                                 {RolloutPhase::Verifying, 3, ""},
                                                 {RolloutPhase::Switching, 13, ""},
                                                 {RolloutPhase::Baking, 14, ""},
                                                 {RolloutPhase::Finalizing, 15, ""},
                                                 {RolloutPhase::Succeeded, 16, ""},
                                                 {RolloutPhase::Aborting, 100, "undone by bob"},
                                                 {RolloutPhase::RolledBack, 101, "undone by bob"}});
        QTest::newRow("undone") << undone << 500
                                << QStringList{"Pending",   "Provisioning", "Verifying",
                                               "Switching", "Baking",       "Finalizing",
                                               "Succeeded", "Aborting",     "Rolled back"}
                                << QStringList{"done", "done", "done", "done", "done",
                                               "done", "done", "done", "done"}
                                << 8;

        Rollout retried = rolloutOf(RolloutPhase::Provisioning,
                                    {{RolloutPhase::Pending, 0, ""},
                                     {RolloutPhase::Provisioning, 1, ""},
                                     {RolloutPhase::Aborting, 5, "provisioning failed"},
                                     {RolloutPhase::RolledBack, 6, ""},
                                     {RolloutPhase::Pending, 200, "retried by alice"},
                                     {RolloutPhase::Provisioning, 201, ""}});
        retried.attempt = 2;
        QTest::newRow("retried: the latest attempt only")
            << retried << 211 << QStringList{"Pending", "Provisioning", "Verifying", "Switching",
                                             "Baking",  "Finalizing",   "Succeeded"}
            << QStringList{"done", "current", "pending", "pending", "pending", "pending", "pending"}
            << 1;
    }

    void pipelineForEachEnding() {
        QFETCH(Rollout, rollout);
        QFETCH(int, now);
        QFETCH(QStringList, expectedTitles);
        QFETCH(QStringList, expectedStates);
        QFETCH(int, expectedCurrent);
        const RolloutPipeline pipeline = derivePipeline(rollout, at(now));
        QCOMPARE(titles(pipeline), expectedTitles);
        QCOMPARE(states(pipeline), expectedStates);
        QCOMPARE(pipeline.currentIndex, expectedCurrent);
        QCOMPARE(pipeline.finished, isFinishedPhase(rollout.phase));
        QCOMPARE(pipeline.paused, rollout.paused);

        RolloutPipelineView view;
        view.resize(900, view.sizeHint().height());
        view.setPipeline(pipeline);
        QString name = QString::fromLatin1(QTest::currentDataTag()).toLower();
        name.replace(QRegularExpression(QStringLiteral("[^a-z]+")), QStringLiteral("-"));
        QVERIFY(view.grab().toImage().save(
            artifact(QStringLiteral("release-pipeline-%1.png").arg(name))));
    }

    void pipelineTimesComeFromTheTransitions() {
        Rollout failed = canary(
            rolloutOf(RolloutPhase::Failed,
                      {{RolloutPhase::Pending, 0, ""},
                       {RolloutPhase::Provisioning, 1, ""},
                       {RolloutPhase::Verifying, 3, "provisioned"},
                       {RolloutPhase::Switching, 13, "3/3 new instances passing for 10s"},
                       {RolloutPhase::Aborting, 20,
                        "new instance checkout-8 is critical while traffic moves"},
                       {RolloutPhase::Failed, 50, "and the router could not move traffic back"}}));
        failed.currentStep = 1;
        const RolloutPipeline pipeline = derivePipeline(failed, at(500));
        QCOMPARE(pipeline.step(RolloutPhase::Provisioning)->elapsedMs, 2000);
        QCOMPARE(pipeline.step(RolloutPhase::Verifying)->elapsedMs, 10000);
        const PipelineStep *switching = pipeline.step(RolloutPhase::Switching);
        QCOMPARE(switching->elapsedMs, 7000);
        QCOMPARE(switching->reason, QStringLiteral("3/3 new instances passing for 10s"));
        QCOMPARE(switching->started, at(13));
        // The canary steps: the first done, the one it was on failed, the rest skipped.
        QCOMPARE(switching->canary.size(), 3);
        QCOMPARE(switching->canary.at(0).state, StepState::Done);
        QCOMPARE(switching->canary.at(1).state, StepState::Failed);
        QCOMPARE(switching->canary.at(2).state, StepState::Skipped);
        QCOMPARE(switching->detail, QStringLiteral("step 2 of 3 · 50 %"));
        QCOMPARE(pipeline.step(RolloutPhase::Aborting)->elapsedMs, 30000);
        QCOMPARE(pipeline.step(RolloutPhase::Baking)->elapsedMs, -1);
        // The final step takes no time; it shows when it happened.
        QCOMPARE(pipeline.step(RolloutPhase::Failed)->elapsedMs, -1);
        QCOMPARE(pipeline.step(RolloutPhase::Failed)->started, at(50));

        // The current step's time runs to now.
        Rollout verifying = rolloutOf(RolloutPhase::Verifying, {{RolloutPhase::Pending, 0, ""},
                                                                {RolloutPhase::Provisioning, 1, ""},
                                                                {RolloutPhase::Verifying, 3, ""}});
        verifying.healthyInstances = 2;
        const RolloutPipeline live = derivePipeline(verifying, at(48));
        QCOMPARE(live.step(RolloutPhase::Verifying)->elapsedMs, 45000);
        QCOMPARE(live.step(RolloutPhase::Verifying)->detail, QStringLiteral("2/3 healthy"));
        // A blue-green rollout has one step of 100: no canary chips.
        QVERIFY(live.step(RolloutPhase::Switching)->canary.isEmpty());
        // Effective steps, as the controller walks them: a last step below 100 gets one of 100.
        RolloutSpec spec;
        spec.steps = {{20, 0, false}, {60, 1000, false}};
        QCOMPARE(spec.effectiveSteps().size(), 3);
        QCOMPARE(spec.effectiveSteps().last().weight, 100);
    }

    void pipelineViewPaintsStatesAndPulsesOnlyWhileRunning_data() {
        QTest::addColumn<bool>("dark");
        QTest::newRow("light") << false;
        QTest::newRow("dark") << true;
    }

    void pipelineViewPaintsStatesAndPulsesOnlyWhileRunning() {
        QFETCH(bool, dark);
        applyTheme(*qApp, dark ? ThemeMode::Dark : ThemeMode::Light, m_platformPalette);
        const ThemeColors colors = themeColors(QApplication::palette());
        Rollout running =
            canary(rolloutOf(RolloutPhase::Switching, {{RolloutPhase::Pending, 0, ""},
                                                       {RolloutPhase::Provisioning, 1, ""},
                                                       {RolloutPhase::Verifying, 3, ""},
                                                       {RolloutPhase::Switching, 13, ""}}));
        running.currentStep = 1;
        RolloutPipelineView view;
        view.resize(900, view.sizeHint().height());
        view.setPipeline(derivePipeline(running, at(60)));
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QVERIFY(view.isAnimating());
        const QImage image = view.grab().toImage();
        QVERIFY(image.save(artifact(dark ? QStringLiteral("release-pipeline-dark.png")
                                         : QStringLiteral("release-pipeline-light.png"))));
        // A done node is filled with the success colour (off its tick, which is white).
        const QRect done = view.nodeRect(1);
        const QColor doneFill = image.pixelColor(done.center().x(), done.top() + 4);
        QVERIFY2(near(doneFill, colors.success), qPrintable(doneFill.name()));
        // The current node has a ring in the accent colour.
        const QRect current = view.nodeRect(3);
        const QColor ring = image.pixelColor(current.left() + 1, current.center().y());
        QVERIFY2(near(ring, colors.accent, 40), qPrintable(ring.name()));
        // A pending node is not filled with any state's colour.
        const QRect pending = view.nodeRect(4);
        const QColor hollow = image.pixelColor(pending.center());
        QVERIFY2(!near(hollow, colors.success) && !near(hollow, colors.accent),
                 qPrintable(hollow.name()));
        QCOMPARE(view.stepAt(current.center()), 3);

        running.paused = true;
        view.setPipeline(derivePipeline(running, at(60)));
        QVERIFY(!view.isAnimating());
        view.setPipeline(
            derivePipeline(rolloutOf(RolloutPhase::Succeeded, {{RolloutPhase::Pending, 0, ""},
                                                               {RolloutPhase::Succeeded, 20, ""}}),
                           at(60)));
        QVERIFY(!view.isAnimating());
        running.paused = false;
        view.setPipeline(derivePipeline(running, at(60)));
        QVERIFY(view.isAnimating());
        view.hide();
        QVERIFY(!view.isAnimating());
        applyTheme(*qApp, ThemeMode::Light, m_platformPalette);
    }

    void trafficBarShowsTheSplitInThePillColours_data() {
        QTest::addColumn<bool>("dark");
        QTest::newRow("light") << false;
        QTest::newRow("dark") << true;
    }

    void trafficBarShowsTheSplitInThePillColours() {
        QFETCH(bool, dark);
        applyTheme(*qApp, dark ? ThemeMode::Dark : ThemeMode::Light, m_platformPalette);
        const ThemeColors colors = themeColors(QApplication::palette());
        TrafficBar bar;
        bar.resize(600, bar.sizeHint().height());
        bar.setSplit({90, 10}, QStringLiteral("blue"), QStringLiteral("2.3.1"),
                     QStringLiteral("2.4.0"));
        QList<TrafficBar::Segment> parts = bar.segments();
        QCOMPARE(parts.size(), 2);
        QCOMPARE(parts.at(0).colour, QStringLiteral("blue"));
        QCOMPARE(parts.at(0).percent, 90);
        QCOMPARE(parts.at(0).rect.width(), 540);
        QCOMPARE(parts.at(0).label, QStringLiteral("blue 2.3.1 · 90 %"));
        QVERIFY(parts.at(0).labelInside);
        QCOMPARE(parts.at(1).colour, QStringLiteral("green"));
        QCOMPARE(parts.at(1).percent, 10);
        QCOMPARE(parts.at(1).rect.width(), 60);
        QCOMPARE(parts.at(1).rect.left(), 540);
        QCOMPARE(parts.at(1).label, QStringLiteral("green 2.4.0 · 10 %"));
        QVERIFY(!parts.at(1).labelInside); // too narrow: drawn below the bar
        const QImage image = bar.grab().toImage();
        QVERIFY(image.save(artifact(dark ? QStringLiteral("release-traffic-dark.png")
                                         : QStringLiteral("release-traffic-light.png"))));
        const int y = bar.barRect().center().y();
        // Off the label text: near the part's end.
        QVERIFY2(near(image.pixelColor(520, y), colors.deployBlue),
                 qPrintable(image.pixelColor(520, y).name()));
        QVERIFY2(near(image.pixelColor(575, y), colors.deployGreen),
                 qPrintable(image.pixelColor(575, y).name()));

        // Rolled back to green: green (where traffic came from) on the left, with nothing.
        bar.setSplit({100, 0}, QStringLiteral("green"));
        parts = bar.segments();
        QCOMPARE(parts.at(0).colour, QStringLiteral("green"));
        QVERIFY(parts.at(0).rect.isEmpty());
        QCOMPARE(parts.at(1).colour, QStringLiteral("blue"));
        QCOMPARE(parts.at(1).rect, bar.barRect());
        QCOMPARE(parts.at(1).label, QStringLiteral("blue · 100 %"));
        const QImage back = bar.grab().toImage();
        QVERIFY(near(back.pixelColor(20, y), colors.deployBlue));

        // Live requests/s per colour from the metrics backend join the labels.
        bar.setSplit({90, 10}, QStringLiteral("blue"), QStringLiteral("2.3.1"),
                     QStringLiteral("2.4.0"));
        bar.setRates({{QStringLiteral("blue"), 42.25}, {QStringLiteral("green"), 4.5}});
        parts = bar.segments();
        QCOMPARE(parts.at(0).label, QStringLiteral("blue 2.3.1 · 90 % · 42.3 req/s"));
        QCOMPARE(parts.at(1).label, QStringLiteral("green 2.4.0 · 10 % · 4.5 req/s"));
        QVERIFY(bar.grab().toImage().save(
            artifact(dark ? QStringLiteral("release-traffic-rates-dark.png")
                          : QStringLiteral("release-traffic-rates-light.png"))));
        bar.setRates({});
        QCOMPARE(bar.segments().at(0).label, QStringLiteral("blue 2.3.1 · 90 %"));

        // Before anything was routed.
        bar.setSplit({0, 0});
        QVERIFY(bar.segments().at(0).rect.isEmpty() && bar.segments().at(1).rect.isEmpty());
        applyTheme(*qApp, ThemeMode::Light, m_platformPalette);
    }

    // The console shows what the daemon decided (the rules themselves are tested with the
    // controller's policy, tst_rollout_actions): enabled actions say what they will do, disabled
    // ones why not, in the daemon's words.
    void actionsShowWhatTheDaemonDecided_data() {
        QTest::addColumn<Rollout>("rollout");
        QTest::addColumn<QStringList>("enabled");

        const auto judged = [](Rollout rollout, const QStringList &enabled) {
            for (RolloutAction action :
                 {RolloutAction::Promote, RolloutAction::Pause, RolloutAction::Resume,
                  RolloutAction::Abort, RolloutAction::Retry, RolloutAction::Undo}) {
                const bool on = enabled.contains(rolloutActionName(action).toLower());
                rollout.availableActions.append(
                    {action, on, on ? QString() : QStringLiteral("the daemon says no")});
            }
            return rollout;
        };
        QTest::newRow("verifying")
            << judged(canary(rolloutOf(RolloutPhase::Verifying, {})), {"pause", "abort"})
            << QStringList{"pause", "abort"};
        QTest::newRow("awaiting approval")
            << judged(canary(rolloutOf(RolloutPhase::AwaitingApproval, {})),
                      {"promote", "pause", "abort"})
            << QStringList{"promote", "pause", "abort"};
        Rollout succeeded = rolloutOf(RolloutPhase::Succeeded, {});
        succeeded.undoUntil = QDateTime::currentDateTimeUtc().addSecs(600);
        QTest::newRow("succeeded, undo window open")
            << judged(succeeded, {"undo"}) << QStringList{"undo"};
        // The window closed after the daemon answered.
        Rollout cold = succeeded;
        cold.undoUntil = QDateTime::currentDateTimeUtc().addSecs(-5);
        QTest::newRow("succeeded, window closed since") << judged(cold, {"undo"}) << QStringList{};
        QTest::newRow("rolled back")
            << judged(rolloutOf(RolloutPhase::RolledBack, {}), {"retry"}) << QStringList{"retry"};
        // A daemon that does not say: nothing is offered.
        QTest::newRow("not judged") << rolloutOf(RolloutPhase::Verifying, {}) << QStringList{};
    }

    void actionsShowWhatTheDaemonDecided() {
        QFETCH(Rollout, rollout);
        QFETCH(QStringList, enabled);
        const RolloutActionSet set =
            availableRolloutActions(rollout, QDateTime::currentDateTimeUtc());
        QCOMPARE(enabledActions(set), enabled);
        // Every action explains itself, enabled or not.
        for (const RolloutActionState &state : set.states) {
            QVERIFY(!state.reason.isEmpty());
        }
    }

    void actionReasonsSayWhatHappens() {
        Rollout rollout = rolloutOf(RolloutPhase::Verifying, {});
        rollout.availableActions = {
            {RolloutAction::Promote, false,
             QStringLiteral("nothing to promote (promote skips an approval, a canary pause or "
                            "the bake)")},
            {RolloutAction::Abort, true, {}}};
        const RolloutActionSet set = availableRolloutActions(rollout, at(0));
        QCOMPARE(set[RolloutAction::Abort].reason,
                 QStringLiteral("Put all traffic back on blue (2.3.1) at once"));
        QCOMPARE(set[RolloutAction::Promote].reason,
                 QStringLiteral("Nothing to promote (promote skips an approval, a canary pause "
                                "or the bake)"));
    }

    // What each action says it will do, computed from the rollout's state.
    void confirmationsSayWhereTrafficGoes_data() {
        QTest::addColumn<int>("action");
        QTest::addColumn<Rollout>("rollout");
        QTest::addColumn<bool>("asks");
        QTest::addColumn<QString>("effect");
        QTest::addColumn<bool>("destructive");
        QTest::addColumn<QString>("accept");
        const int promote = int(RolloutAction::Promote);
        Rollout approval = rolloutOf(RolloutPhase::AwaitingApproval, {});
        QTest::newRow("approve blue-green")
            << promote << approval << true
            << QStringLiteral("All traffic of checkout moves to green (2.4.0).") << false
            << QStringLiteral("Approve");
        QTest::newRow("approve canary")
            << promote << canary(approval) << true
            << QStringLiteral("Traffic of checkout starts moving to green (2.4.0): 10 % first, "
                              "then step by step to 100 % (3 steps).")
            << false << QStringLiteral("Approve");
        Rollout first = canary(rolloutOf(RolloutPhase::Switching, {}));
        first.currentStep = 0;
        first.stepApplied = true;
        first.traffic = {90, 10};
        QTest::newRow("promote to the next step")
            << promote << first << true
            << QStringLiteral("Traffic of checkout on green (2.4.0) goes from 10 % to 50 % "
                              "(step 2 of 3).")
            << false << QStringLiteral("Promote");
        Rollout half = first;
        half.currentStep = 1;
        half.traffic = {50, 50};
        QTest::newRow("promote to all traffic")
            << promote << half << true
            << QStringLiteral("All traffic of checkout moves to green (2.4.0) (from 50 % now).")
            << false << QStringLiteral("Promote");
        Rollout last = half;
        last.currentStep = 2;
        last.traffic = {0, 100};
        QTest::newRow("promote the last step")
            << promote << last << true
            << QStringLiteral("Traffic of checkout stays at 100 % on green (2.4.0); the "
                              "rollout stops waiting and goes on to bake.")
            << false << QStringLiteral("Promote");
        Rollout baking = rolloutOf(RolloutPhase::Baking, {});
        baking.traffic = {0, 100};
        QTest::newRow("skip the bake")
            << promote << baking << true
            << QStringLiteral("All traffic of checkout stays on green (2.4.0); the rollout "
                              "finishes now, skipping the rest of the bake time.")
            << false << QStringLiteral("Promote");
        QTest::newRow("pause asks nothing")
            << int(RolloutAction::Pause) << half << false
            << QStringLiteral("The rollout of checkout holds where it is; traffic stays as it is.")
            << false << QStringLiteral("Pause");
        Rollout paused = half;
        paused.paused = true;
        QTest::newRow("resume")
            << int(RolloutAction::Resume) << paused << true
            << QStringLiteral("The rollout of checkout to green (2.4.0) goes on from 50 % of "
                              "the traffic; the wait it was in starts over.")
            << false << QStringLiteral("Resume");
        QTest::newRow("abort") << int(RolloutAction::Abort) << half << true
                               << QStringLiteral("All traffic of checkout moves back to blue "
                                                 "(2.3.1) at once.")
                               << true << QStringLiteral("Abort and roll back");
        Rollout firstRelease = rolloutOf(RolloutPhase::Verifying, {});
        firstRelease.stableColor.clear();
        firstRelease.stableVersion.clear();
        QTest::newRow("abort a first release")
            << int(RolloutAction::Abort) << firstRelease << true
            << QStringLiteral("The rollout of checkout ends rolled back; this is its first "
                              "release, so there is no earlier colour to return to.")
            << true << QStringLiteral("Abort and roll back");
        Rollout succeeded = rolloutOf(RolloutPhase::Succeeded, {});
        QTest::newRow("undo") << int(RolloutAction::Undo) << succeeded << true
                              << QStringLiteral("All traffic of checkout moves back to blue "
                                                "(2.3.1) at once.")
                              << true << QStringLiteral("Undo");
        Rollout failed = rolloutOf(RolloutPhase::RolledBack, {});
        failed.attempt = 2;
        QTest::newRow("retry") << int(RolloutAction::Retry) << failed << true
                               << QStringLiteral("The rollout of checkout to 2.4.0 runs again "
                                                 "from the start (attempt 3).")
                               << false << QStringLiteral("Retry");
    }

    void confirmationsSayWhereTrafficGoes() {
        QFETCH(int, action);
        QFETCH(Rollout, rollout);
        QFETCH(bool, asks);
        QFETCH(QString, effect);
        QFETCH(bool, destructive);
        QFETCH(QString, accept);
        const ActionConfirmation c = rolloutConfirmation(RolloutAction(action), rollout);
        QCOMPARE(c.asks, asks);
        QCOMPARE(c.effect, effect);
        QCOMPARE(c.destructive, destructive);
        QCOMPARE(c.acceptLabel, accept);
        QVERIFY(c.title.contains(rollout.id));
    }

    // The dialog shows the effect, takes a reason within the daemon's limit and acts only on a
    // click.
    void actionDialogTakesAReason() {
        Rollout rollout = rolloutOf(RolloutPhase::Succeeded, {});
        ActionConfirmDialog dialog(rolloutConfirmation(RolloutAction::Undo, rollout));
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QCOMPARE(dialog.acceptButton()->text(), QStringLiteral("Undo"));
        QVERIFY(!dialog.acceptButton()->isDefault());
        QCOMPARE(dialog.reasonEdit()->maxLength(), 1024);
        QTest::keyClicks(dialog.reasonEdit(), QStringLiteral("  latency up  "));
        QTest::keyClick(dialog.reasonEdit(), Qt::Key_Return);
        QVERIFY(dialog.isVisible()); // Enter neither acts nor cancels
        QCOMPARE(dialog.reason(), QStringLiteral("latency up"));
        QVERIFY(
            dialog.grab().toImage().save(artifact(QStringLiteral("release-action-dialog.png"))));
        dialog.acceptButton()->click();
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
    }

    void specValidationNamesTheField() {
        RolloutSpec spec;
        spec.service = QStringLiteral("checkout");
        spec.version = QStringLiteral("2.4.0");
        QVERIFY(validateRolloutSpec(spec).isEmpty());
        spec.service = QStringLiteral("Checkout");
        spec.version = QStringLiteral("2.4 beta");
        spec.replicas = 101;
        spec.strategy = RolloutStrategy::Canary;
        spec.healthyForMs = 2 * 3600 * 1000;
        QStringList fields;
        for (const RolloutSpecProblem &problem : validateRolloutSpec(spec)) {
            fields.append(problem.field);
        }
        QCOMPARE(fields,
                 (QStringList{"service", "version", "replicas", "steps", "healthy_for_ms"}));
        spec = {};
        spec.service = QStringLiteral("checkout");
        spec.version = QStringLiteral("2.4.0");
        spec.steps = {{50, 0, false}, {20, 0, false}};
        const auto problems = validateRolloutSpec(spec);
        QCOMPARE(problems.size(), 1);
        QCOMPARE(
            problems.first().message,
            QStringLiteral("Step 2: the weight must not be lower than the step before (50 %)"));

        QCOMPARE(rolloutSpecFieldOf(QStringLiteral("spec.steps[1].weight must be between 1 and "
                                                   "100 (got 0)")),
                 QStringLiteral("steps"));
        QCOMPARE(rolloutSpecFieldOf(QStringLiteral("spec.version must be 1 to 64 characters")),
                 QStringLiteral("version"));
        QCOMPARE(rolloutSpecFieldOf(QStringLiteral("unknown parameter 'foo' (the external driver "
                                                   "takes only 'note')")),
                 QStringLiteral("driver_params"));
        QCOMPARE(rolloutSpecFieldOf(QStringLiteral("haproxy: socket is required")),
                 QStringLiteral("router_params"));

        QString error;
        const auto params =
            parseParameterLines(QStringLiteral(" note = by CI \n\n# comment\nx=1=2"), &error);
        QVERIFY(params);
        QCOMPARE(*params, (QMap<QString, QString>{{"note", "by CI"}, {"x", "1=2"}}));
        QVERIFY(!parseParameterLines(QStringLiteral("note"), &error));
        QCOMPARE(error, QStringLiteral("Line 1 is not key=value"));
        QVERIFY(!parseParameterLines(QStringLiteral("a=1\na=2"), &error));
        QCOMPARE(error, QStringLiteral("Line 2 repeats a"));
    }

    void newReleaseDialogPrefillsAndChecksInline() {
        Session api;
        api.connectTo(nowhere());
        Release checkout = releaseOf(QStringLiteral("checkout"), QStringLiteral("blue"),
                                     QStringLiteral("2.3.1"), {100, 0});
        checkout.routerParams = {{QStringLiteral("label"), QStringLiteral("color")}};
        NewReleaseDialog dialog(&api, {checkout}, QStringLiteral("checkout"));
        // Until the daemon's drivers and routers are known there is nothing to pick or start.
        auto *pending = qobject_cast<QComboBox *>(dialog.fieldEditor(QStringLiteral("driver")));
        QCOMPARE(pending->count(), 0);
        QVERIFY(!pending->isEnabled());
        QVERIFY(!dialog.start());
        dialog.setExtensions(aegis::testing::daemonExtensions());
        QCOMPARE(pending->count(), 3);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto *driver = qobject_cast<QComboBox *>(dialog.fieldEditor(QStringLiteral("driver")));
        auto *driverParams =
            qobject_cast<QPlainTextEdit *>(dialog.fieldEditor(QStringLiteral("driver_params")));
        auto *routerParams =
            qobject_cast<QPlainTextEdit *>(dialog.fieldEditor(QStringLiteral("router_params")));
        auto *version = qobject_cast<QLineEdit *>(dialog.fieldEditor(QStringLiteral("version")));
        auto *strategy = qobject_cast<QComboBox *>(dialog.fieldEditor(QStringLiteral("strategy")));
        auto *healthyFor =
            qobject_cast<QLineEdit *>(dialog.fieldEditor(QStringLiteral("healthy_for_ms")));
        QVERIFY(driver && driverParams && routerParams && version && strategy && healthyFor);
        // Prefilled from the service's last release; the next version of the live one proposed,
        // and no rollout in flight.
        QCOMPARE(version->text(), QStringLiteral("2.3.2"));
        QVERIFY(dialog.inFlightWarning().isEmpty());
        QCOMPARE(driver->currentText(), QStringLiteral("external"));
        QCOMPARE(driverParams->toPlainText(), QStringLiteral("note=deployed by CI"));
        QCOMPARE(routerParams->toPlainText(), QStringLiteral("label=color"));
        // Another driver starts from its own (empty) parameters, with a hint.
        driver->setCurrentIndex(driver->findText(QStringLiteral("exec")));
        QVERIFY(driverParams->toPlainText().isEmpty());
        QVERIFY(driverParams->placeholderText().contains(QStringLiteral("provision=")));
        QVERIFY(driverParams->toolTip().contains(QStringLiteral("provision (required)")));
        driver->setCurrentIndex(driver->findText(QStringLiteral("external")));
        QCOMPARE(driverParams->toPlainText(), QStringLiteral("note=deployed by CI"));

        // Canary starts with editable default steps.
        strategy->setCurrentIndex(1);
        QCOMPARE(dialog.stepsEditor()->stepCount(), 3);
        QVERIFY(dialog.stepsEditor()->isVisibleTo(&dialog));
        dialog.stepsEditor()->setSteps({{60, 0, false}, {30, 5000, false}});

        version->setText(QStringLiteral("2.4 beta"));
        healthyFor->setText(QStringLiteral("ten seconds"));
        driverParams->setPlainText(QStringLiteral("just words"));
        QVERIFY(!dialog.start());
        QCOMPARE(dialog.stage(), NewReleaseDialog::Stage::Editing);
        QCOMPARE(dialog.fieldProblem(QStringLiteral("version")),
                 QStringLiteral("Version may hold letters, digits and . - _ + only"));
        QCOMPARE(dialog.fieldProblem(QStringLiteral("healthy_for_ms")),
                 QStringLiteral("Healthy for must be a duration like 10s or 1m"));
        QCOMPARE(dialog.fieldProblem(QStringLiteral("driver_params")),
                 QStringLiteral("Line 1 is not key=value"));
        QVERIFY(dialog.fieldProblem(QStringLiteral("steps")).contains(QStringLiteral("Step 2")));
        QVERIFY(version->property("invalid").toBool());
        QVERIFY(dialog.messageText().contains(QStringLiteral("4 problems")));

        version->setText(QStringLiteral("2.4.0"));
        healthyFor->setText(QStringLiteral("2s"));
        driverParams->setPlainText(QStringLiteral("note=by hand"));
        dialog.stepsEditor()->setSteps({{30, 5000, false}, {60, 0, true}});
        // Once a start was tried, the marks follow the edits.
        QVERIFY(dialog.fieldProblem(QStringLiteral("version")).isEmpty());
        QVERIFY(dialog.fieldProblem(QStringLiteral("steps")).isEmpty());
        QVERIFY(!version->property("invalid").toBool());
        QVERIFY(dialog.messageText().isEmpty());
        QCOMPARE(dialog.stepsEditor()->stepCount(), 2);
        QList<RolloutSpecProblem> problems;
        const auto spec = dialog.editedSpec(&problems);
        QVERIFY2(spec, problems.isEmpty() ? "" : qPrintable(problems.first().message));
        QCOMPARE(spec->service, QStringLiteral("checkout"));
        QCOMPARE(spec->strategy, RolloutStrategy::Canary);
        QCOMPARE(spec->steps, (QList<CanaryStep>{{30, 5000, false}, {60, 0, true}}));
        QCOMPARE(spec->healthyForMs, std::optional<qint64>(2000));
        QVERIFY(!spec->scaleDownDelayMs); // empty: the daemon's default
        QCOMPARE(spec->driverParams, (QMap<QString, QString>{{"note", "by hand"}}));

        // A new service: no release to prefill from; the defaults. A typed version stays.
        dialog.setService(QStringLiteral("search"));
        QCOMPARE(driver->currentText(), QStringLiteral("process"));
        QVERIFY(driverParams->toPlainText().isEmpty());
        QCOMPARE(version->text(), QStringLiteral("2.4.0"));
        // The whole command shows: the editor grows with what it holds.
        const int shortHeight = driverParams->height();
        driverParams->setPlainText(
            QStringLiteral("command=/opt/aegis/bin/aegis-sample --service checkout --listen "
                           "127.0.0.1:{port} --aegis 127.0.0.1:7400 --token-file "
                           "/var/lib/aegis/demo-fleet.token --ttl 10s --otlp-endpoint "
                           "http://127.0.0.1:4317 --calls inventory,payments\ngrace_period=5s"));
        QTRY_VERIFY(driverParams->height() > shortHeight);
        QVERIFY(driverParams->document()->lineCount() *
                    QFontMetrics(driverParams->font()).lineSpacing() <=
                driverParams->height());
        QTest::qWait(50); // the layouts settle before the picture
        const QImage image = dialog.grab().toImage();
        QVERIFY(image.save(artifact(QStringLiteral("release-dialog.png"))));
    }

    void newReleaseDialogWarnsOfARolloutInFlight() {
        Session api;
        api.connectTo(nowhere());
        Release checkout = releaseOf(QStringLiteral("checkout"), QStringLiteral("blue"),
                                     QStringLiteral("1.5.0"), {50, 50});
        checkout.activeRolloutId = QStringLiteral("checkout-4");
        NewReleaseDialog dialog(&api, {checkout}, QStringLiteral("checkout"));
        dialog.setExtensions(aegis::testing::daemonExtensions());
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QVERIFY2(dialog.inFlightWarning().startsWith(
                     QStringLiteral("checkout-4 is still in progress: the daemon refuses a new "
                                    "rollout of checkout")),
                 qPrintable(dialog.inFlightWarning()));
        QCOMPARE(qobject_cast<QLineEdit *>(dialog.fieldEditor(QStringLiteral("version")))->text(),
                 QStringLiteral("1.5.1"));
        QTest::qWait(50);
        QVERIFY(
            dialog.grab().toImage().save(artifact(QStringLiteral("release-dialog-in-flight.png"))));
        dialog.setService(QStringLiteral("search"));
        QVERIFY(dialog.inFlightWarning().isEmpty());
    }

    void nextVersionRaisesTheLastNumber_data() {
        QTest::addColumn<QString>("version");
        QTest::addColumn<QString>("next");
        QTest::newRow("patch") << "1.5.0"
                               << "1.5.1";
        QTest::newRow("carry") << "1.4.9"
                               << "1.4.10";
        QTest::newRow("prefix") << "v2"
                                << "v3";
        QTest::newRow("pre-release") << "2.4.0-rc1"
                                     << "2.4.0-rc2";
        QTest::newRow("suffix") << "1.2-beta"
                                << "1.3-beta";
        QTest::newRow("no number") << "latest"
                                   << "";
    }

    void nextVersionRaisesTheLastNumber() {
        QFETCH(QString, version);
        QFETCH(QString, next);
        QCOMPARE(nextVersion(version), next);
    }

    void pageShowsAFedRollout() {
        Session api;
        api.connectTo(nowhere());
        ReleasesPage page(&api);
        page.resize(1400, 860);
        Release checkout = releaseOf(QStringLiteral("checkout"), QStringLiteral("blue"),
                                     QStringLiteral("2.3.1"), {50, 50});
        checkout.activeRolloutId = QStringLiteral("checkout-4");
        checkout.lastRolloutId = QStringLiteral("checkout-4");
        page.releases()->setReleases({checkout});
        Rollout rollout =
            canary(rolloutOf(RolloutPhase::Switching, {{RolloutPhase::Pending, 0, ""},
                                                       {RolloutPhase::Provisioning, 1, ""},
                                                       {RolloutPhase::Verifying, 3, ""},
                                                       {RolloutPhase::Switching, 13, ""}}));
        rollout.currentStep = 1;
        rollout.stepApplied = true;
        rollout.traffic = {50, 50};
        rollout.message = QStringLiteral("50 % on green until promoted");
        page.releases()->applyRollout(rollout);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        QVERIFY(page.selectService(QStringLiteral("checkout")));
        QVERIFY(page.shownRollout());
        QCOMPARE(page.shownRollout()->id, QStringLiteral("checkout-4"));
        QCOMPARE(page.pipelineView()->pipeline().currentIndex, 3);
        QCOMPARE(page.trafficBar()->split(), (TrafficSplit{50, 50}));
        QCOMPARE(page.trafficBar()->segments().at(0).colour, QStringLiteral("blue"));
        // Not connected: nothing can be done, and the buttons say so.
        QPushButton *promote = page.actionButton(RolloutAction::Promote);
        QVERIFY(!promote->isEnabled());
        QCOMPARE(promote->toolTip(), QStringLiteral("Not connected"));
        QVERIFY(page.confirmationText(RolloutAction::Abort)
                    .startsWith(QStringLiteral("All traffic of checkout moves back to blue "
                                               "(2.3.1) at once.")));
        QVERIFY(page.confirmationText(RolloutAction::Promote)
                    .startsWith(QStringLiteral("All traffic of checkout moves to green (2.4.0) "
                                               "(from 50 % now).")));
        // Pause asks nothing: traffic stays.
        QVERIFY(page.confirmationText(RolloutAction::Pause).isEmpty());
        QVERIFY(page.grab().toImage().save(artifact(QStringLiteral("release-page-fed.png"))));
    }

    // A rollout in flight at the sizes operators use, light and dark: the page fits beside the
    // sidebar (its buttons on screen), names and ids are whole, the rollout's summary is not
    // cut by the pipeline below it.
    void pageFitsTheScreenWithARolloutInFlight_data() {
        QTest::addColumn<QSize>("screen");
        QTest::addColumn<bool>("dark");
        QTest::newRow("1280x800 light") << QSize(1280, 800) << false;
        QTest::newRow("1280x800 dark") << QSize(1280, 800) << true;
        QTest::newRow("1920x1080 light") << QSize(1920, 1080) << false;
        QTest::newRow("1920x1080 dark") << QSize(1920, 1080) << true;
    }

    void pageFitsTheScreenWithARolloutInFlight() {
        QFETCH(QSize, screen);
        QFETCH(bool, dark);
        applyTheme(*qApp, dark ? ThemeMode::Dark : ThemeMode::Light, m_platformPalette);
        // The main window's sidebar is 210 px wide; its status bar and margins take about 40.
        const QSize size(screen.width() - 210, screen.height() - 40);
        Session api;
        api.connectTo(nowhere());
        ReleasesPage page(&api);
        Release checkout = releaseOf(QStringLiteral("checkout"), QStringLiteral("blue"),
                                     QStringLiteral("2.3.1"), {90, 10});
        checkout.activeRolloutId = QStringLiteral("checkout-14");
        Release gateway = releaseOf(QStringLiteral("payments-gateway-eu-west"),
                                    QStringLiteral("green"), QStringLiteral("10.12.3"), {0, 100});
        Release inventory = releaseOf(QStringLiteral("inventory"), QStringLiteral("blue"),
                                      QStringLiteral("2.1.0"), {100, 0});
        page.releases()->setReleases({checkout, gateway, inventory});
        Rollout rollout = recent(canary(rolloutOf(RolloutPhase::Switching,
                                                  {{RolloutPhase::Pending, 0, ""},
                                                   {RolloutPhase::Provisioning, 1, ""},
                                                   {RolloutPhase::Verifying, 3, ""},
                                                   {RolloutPhase::Switching, 13, ""}},
                                                  14)),
                                 2);
        rollout.createdBy = QStringLiteral("release-automation-ci");
        rollout.spec.description =
            QStringLiteral("new payment provider routing with retries on timeouts");
        rollout.currentStep = 0;
        rollout.stepApplied = true;
        rollout.traffic = {90, 10};
        rollout.message = QStringLiteral("10 % on green for 1m, then 50 % until promoted; "
                                         "3/3 new instances passing");
        rollout.availableActions = {{RolloutAction::Promote, true, {}},
                                    {RolloutAction::Pause, true, {}},
                                    {RolloutAction::Abort, true, {}}};
        page.releases()->applyRollout(rollout);
        page.resize(size);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        QVERIFY(page.selectService(QStringLiteral("checkout")));
        QList<Rollout> history = {rollout};
        for (int n = 13; n >= 10; --n) {
            Rollout old =
                recent(rolloutOf(RolloutPhase::Succeeded, {{RolloutPhase::Succeeded, 60, ""}}, n),
                       60 * 24 * (14 - n));
            history.append(old);
        }
        page.history()->setRollouts(QStringLiteral("checkout"), history);
        QTest::qWait(150); // the columns refit once the rows are there

        QVERIFY(page.grab().toImage().save(
            artifact(QStringLiteral("release-page-%1x%2-%3.png")
                         .arg(screen.width())
                         .arg(screen.height())
                         .arg(dark ? QStringLiteral("dark") : QStringLiteral("light")))));
        QVERIFY2(page.minimumSizeHint().width() <= size.width(),
                 qPrintable(QStringLiteral("minimum width %1 > %2")
                                .arg(page.minimumSizeHint().width())
                                .arg(size.width())));
        for (RolloutAction action : {RolloutAction::Promote, RolloutAction::Retry}) {
            QPushButton *button = page.actionButton(action);
            const QPoint right = button->mapTo(&page, QPoint(button->width(), 0));
            QVERIFY2(right.x() <= page.width(), qPrintable(button->text()));
        }
        const auto whole = [](QTableView *table, int column) {
            return table->horizontalHeader()->sectionSize(column) >=
                   static_cast<QAbstractItemView *>(table)->sizeHintForColumn(column);
        };
        QVERIFY2(whole(page.releaseTable(), ReleaseModel::ServiceColumn),
                 qPrintable(QString::number(page.releaseTable()->horizontalHeader()->sectionSize(
                     ReleaseModel::ServiceColumn))));
        QVERIFY(whole(page.historyTable(), RolloutHistoryModel::IdColumn));
        // Every wrapped line of the summary under the rollout's title has its room.
        QLabel *meta = nullptr;
        for (QLabel *label : page.findChildren<QLabel *>(QStringLiteral("PageSubtitle"))) {
            if (label->text().contains(QStringLiteral(" replacing "))) {
                meta = label;
            }
        }
        QVERIFY(meta);
        QVERIFY2(meta->height() >= meta->heightForWidth(meta->width()),
                 qPrintable(QStringLiteral("%1 < %2")
                                .arg(meta->height())
                                .arg(meta->heightForWidth(meta->width()))));
        applyTheme(*qApp, ThemeMode::Light, m_platformPalette);
    }

    // The page against a real aegisd: it starts rollouts through its own dialog (external driver,
    // registry router), the test registers the new instances as a deployer would, and the page
    // follows each rollout to its end through the watch; then promote, undo and a viewer.
    void pageFollowsARealRollout() {
        auto started = testing::DaemonProcess::start();
        QVERIFY2(started.isOk(), started.status().toString().c_str());
        std::unique_ptr<testing::DaemonProcess> daemon = std::move(*started);
        SessionOptions options;
        options.statusInterval = 500ms;
        Session api(options);
        ConnectionSettings settings;
        settings.address = QString::fromStdString(daemon->grpcAddress());
        settings.tokenFile = QString::fromStdString(daemon->adminTokenFile().string());
        ReleasesPage page(&api);
        page.resize(1440, 900);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        QSignalSpy loaded(&page, &ReleasesPage::dataLoaded);
        api.connectTo(settings);
        QVERIFY(loaded.wait(20000) || page.hasData());
        QTRY_VERIFY_WITH_TIMEOUT(page.isWatchLive(), 10000);
        QCOMPARE(page.releases()->rowCount(), 0);
        QTRY_VERIFY_WITH_TIMEOUT(page.newReleaseButton()->isEnabled(), 5000);

        // A first release of "web", 2 instances; the driver refuses a parameter first.
        NewReleaseDialog *dialog = page.openNewRelease();
        QVERIFY(dialog);
        const auto field = [&dialog](const char *name) {
            return dialog->fieldEditor(QString::fromLatin1(name));
        };
        // The pickers fill once the daemon's extensions arrived (ListExtensions).
        QTRY_VERIFY_WITH_TIMEOUT(qobject_cast<QComboBox *>(field("driver"))->count() == 3, 10000);
        dialog->setService(QStringLiteral("web"));
        qobject_cast<QLineEdit *>(field("version"))->setText(QStringLiteral("1.0.0"));
        qobject_cast<QSpinBox *>(field("replicas"))->setValue(2);
        auto *driver = qobject_cast<QComboBox *>(field("driver"));
        driver->setCurrentIndex(driver->findText(QStringLiteral("external")));
        auto *router = qobject_cast<QComboBox *>(field("router"));
        router->setCurrentIndex(router->findText(QStringLiteral("registry")));
        qobject_cast<QLineEdit *>(field("healthy_for_ms"))->setText(QStringLiteral("300ms"));
        qobject_cast<QLineEdit *>(field("scale_down_delay_ms"))->setText(QStringLiteral("10m"));
        auto *driverParams = qobject_cast<QPlainTextEdit *>(field("driver_params"));
        driverParams->setPlainText(QStringLiteral("image=web:1.0.0"));
        QVERIFY(dialog->start());
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->messageText().isEmpty(), 10000);
        QCOMPARE(dialog->stage(), NewReleaseDialog::Stage::Editing);
        QVERIFY2(dialog->messageText().contains(QStringLiteral("image")),
                 qPrintable(dialog->messageText()));
        QVERIFY2(!dialog->fieldProblem(QStringLiteral("driver_params")).isEmpty(),
                 qPrintable(dialog->messageText()));
        driverParams->setPlainText(QStringLiteral("note=deployed by tst_console_release_views"));
        QSignalSpy startedSpy(dialog, &NewReleaseDialog::started);
        QVERIFY(dialog->start());
        QVERIFY(startedSpy.wait(10000));
        const Rollout first = startedSpy.first().first().value<Rollout>();
        QCOMPARE(first.id, QStringLiteral("web-1"));
        QTRY_COMPARE_WITH_TIMEOUT(page.selectedService(), QStringLiteral("web"), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(page.shownRollout() && page.shownRollout()->id == first.id, 10000);
        // Waiting for its instances: it can be aborted, there is nothing to promote.
        QTRY_VERIFY_WITH_TIMEOUT(page.shownRollout()->phase == RolloutPhase::Verifying, 10000);
        QVERIFY(page.actionButton(RolloutAction::Abort)->isEnabled());
        QVERIFY(!page.actionButton(RolloutAction::Promote)->isEnabled());
        // In the daemon's words.
        QVERIFY2(page.actionButton(RolloutAction::Promote)
                     ->toolTip()
                     .startsWith(QStringLiteral("Nothing to promote (")),
                 qPrintable(page.actionButton(RolloutAction::Promote)->toolTip()));
        const QString firstColour = page.shownRollout()->newColor;
        QVERIFY(!firstColour.isEmpty());
        const auto instances = [](const QString &colour, const QString &version, int count,
                                  int port) {
            std::vector<testing::FleetInstance> fleet;
            for (int i = 1; i <= count; ++i) {
                fleet.push_back(
                    {"web",
                     QStringLiteral("web-%1-%2").arg(colour).arg(i).toStdString(),
                     "127.0.0.1:" + std::to_string(port + i),
                     {{"color", colour.toStdString()}, {"version", version.toStdString()}}});
            }
            return fleet;
        };
        const Status registered = testing::registerFleet(
            daemon->adminConnection(), instances(firstColour, QStringLiteral("1.0.0"), 2, 9100));
        QVERIFY2(registered.isOk(), registered.toString().c_str());
        QTRY_COMPARE_WITH_TIMEOUT(page.shownRollout()->phase, RolloutPhase::Succeeded, 20000);
        const RolloutPipeline done = page.pipelineView()->pipeline();
        QCOMPARE(done.steps.last().title, QStringLiteral("Succeeded"));
        for (const PipelineStep &step : done.steps) {
            QVERIFY2(step.state == StepState::Done, qPrintable(step.title));
        }
        QTRY_COMPARE_WITH_TIMEOUT(page.trafficBar()->split().share(firstColour), 100, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(page.history()->rowCount(), 1, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(!page.logView()->toPlainText().isEmpty(), 10000);
        QCOMPARE(page.releases()->rowCount(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(
            page.releases()->index(0, ReleaseModel::ColourColumn).data().toString(), firstColour,
            10000);
        // The first release replaced nothing: no undo; a succeeded rollout is not retried.
        QVERIFY(!page.actionButton(RolloutAction::Undo)->isEnabled());
        QVERIFY(!page.actionButton(RolloutAction::Retry)->isEnabled());

        // A canary to 1.1.0 that waits at 50 % until promoted; driver and router as last time.
        dialog = page.openNewRelease();
        QVERIFY(dialog);
        QCOMPARE(qobject_cast<QComboBox *>(field("driver"))->currentText(),
                 QStringLiteral("external"));
        QCOMPARE(qobject_cast<QPlainTextEdit *>(field("driver_params"))->toPlainText(),
                 QStringLiteral("note=deployed by tst_console_release_views"));
        qobject_cast<QLineEdit *>(field("version"))->setText(QStringLiteral("1.1.0"));
        qobject_cast<QSpinBox *>(field("replicas"))->setValue(1);
        qobject_cast<QComboBox *>(field("strategy"))->setCurrentIndex(1);
        dialog->stepsEditor()->setSteps({{50, 0, true}});
        qobject_cast<QLineEdit *>(field("healthy_for_ms"))->setText(QStringLiteral("300ms"));
        qobject_cast<QLineEdit *>(field("scale_down_delay_ms"))->setText(QStringLiteral("10m"));
        QSignalSpy secondSpy(dialog, &NewReleaseDialog::started);
        QVERIFY(dialog->start());
        QVERIFY(secondSpy.wait(10000));
        const Rollout second = secondSpy.first().first().value<Rollout>();
        QCOMPARE(second.id, QStringLiteral("web-2"));
        QTRY_VERIFY_WITH_TIMEOUT(page.shownRollout() && page.shownRollout()->id == second.id,
                                 10000);
        const QString secondColour = page.shownRollout()->newColor;
        QVERIFY(secondColour != firstColour);
        const Status more = testing::registerFleet(
            daemon->adminConnection(), instances(secondColour, QStringLiteral("1.1.0"), 1, 9200));
        QVERIFY2(more.isOk(), more.toString().c_str());
        QTRY_VERIFY_WITH_TIMEOUT(page.shownRollout()->phase == RolloutPhase::Switching &&
                                     page.trafficBar()->split().share(secondColour) == 50,
                                 20000);
        QTRY_VERIFY_WITH_TIMEOUT(page.actionButton(RolloutAction::Promote)->isEnabled(), 10000);
        QVERIFY(page.actionButton(RolloutAction::Pause)->isEnabled());
        QVERIFY(!page.actionButton(RolloutAction::Resume)->isEnabled());
        const RolloutPipeline switching = page.pipelineView()->pipeline();
        QCOMPARE(switching.steps.at(switching.currentIndex).phase, RolloutPhase::Switching);
        QCOMPARE(switching.steps.at(switching.currentIndex).canary.size(), 2);
        QVERIFY(page.grab().toImage().save(artifact(QStringLiteral("release-page-live.png"))));

        // Every action but Pause asks first, saying what it will do, and takes a reason.
        QList<ActionConfirmation> asked;
        QString reason = QStringLiteral("error budget fine");
        page.setConfirmation([&asked, &reason](QWidget *, const ActionConfirmation &confirmation) {
            asked.append(confirmation);
            return std::optional<QString>(reason);
        });
        // Pause holds it (only resume and abort then), resume and promote move it on.
        QSignalSpy finished(&page, &ReleasesPage::actionFinished);
        page.requestAction(RolloutAction::Pause);
        QVERIFY(finished.wait(10000));
        QCOMPARE(finished.last().at(2).toString(), QString());
        QTRY_VERIFY_WITH_TIMEOUT(page.shownRollout()->paused, 10000);
        QVERIFY(page.actionButton(RolloutAction::Resume)->isEnabled());
        QVERIFY(!page.actionButton(RolloutAction::Promote)->isEnabled());
        QVERIFY(page.pipelineView()->pipeline().paused);
        page.requestAction(RolloutAction::Resume);
        QVERIFY(finished.wait(10000));
        QTRY_VERIFY_WITH_TIMEOUT(!page.shownRollout()->paused &&
                                     page.actionButton(RolloutAction::Promote)->isEnabled(),
                                 10000);
        QVERIFY(asked.size() == 1 && asked.last().title.startsWith(QStringLiteral("Resume")));
        page.requestAction(RolloutAction::Promote);
        QCOMPARE(asked.size(), 2);
        QCOMPARE(asked.last().effect,
                 QStringLiteral("All traffic of web moves to %1 (1.1.0) (from 50 % now).")
                     .arg(secondColour));
        QVERIFY(finished.wait(10000));
        QCOMPARE(finished.last().at(2).toString(), QString());
        // The reason reaches the rollout's log with who gave it.
        const auto logged = [&page](const QString &action) {
            const QStringList lines = page.logView()->toPlainText().split(QLatin1Char('\n'));
            return std::any_of(lines.cbegin(), lines.cend(), [&action](const QString &line) {
                return line.contains(action + QStringLiteral(" by ")) &&
                       line.endsWith(QStringLiteral(": error budget fine"));
            });
        };
        QTRY_VERIFY_WITH_TIMEOUT(logged(QStringLiteral("promoted")), 10000);
        QVERIFY2(logged(QStringLiteral("resumed")), qPrintable(page.logView()->toPlainText()));
        QTRY_COMPARE_WITH_TIMEOUT(page.shownRollout()->phase, RolloutPhase::Succeeded, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(page.trafficBar()->split().share(secondColour), 100, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(page.history()->rowCount(), 2, 10000);

        // Undo asks, naming where traffic goes, then puts it back.
        QTRY_VERIFY_WITH_TIMEOUT(page.actionButton(RolloutAction::Undo)->isEnabled(), 10000);
        reason.clear();
        page.requestAction(RolloutAction::Undo);
        QVERIFY(asked.last().destructive);
        QCOMPARE(asked.last().effect,
                 QStringLiteral("All traffic of web moves back to %1 (1.0.0) at once.")
                     .arg(firstColour));
        QVERIFY(finished.wait(10000));
        QCOMPARE(finished.last().at(2).toString(), QString());
        QTRY_COMPARE_WITH_TIMEOUT(page.shownRollout()->phase, RolloutPhase::RolledBack, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(page.trafficBar()->split().share(firstColour), 100, 10000);
        const RolloutPipeline undone = page.pipelineView()->pipeline();
        QCOMPARE(undone.steps.last().title, QStringLiteral("Rolled back"));
        QVERIFY(undone.step(RolloutPhase::Succeeded));
        QTRY_VERIFY_WITH_TIMEOUT(page.actionButton(RolloutAction::Retry)->isEnabled(), 10000);
        // The first rollout, picked in the history, is shown as it ended.
        QVERIFY(page.showRollout(first.id));
        QCOMPARE(page.shownRollout()->id, first.id);
        QVERIFY(!page.actionButton(RolloutAction::Retry)->isEnabled());

        // A viewer sees the same, with every action disabled and the reason in the tooltip.
        std::string secret;
        QCOMPARE(createToken(*daemon, "auditor", v1::ROLE_VIEWER, &secret), grpc::StatusCode::OK);
        Session viewerApi(options);
        ReleasesPage viewerPage(&viewerApi);
        ConnectionSettings viewer = settings;
        viewer.tokenFile.clear();
        viewer.token = QString::fromStdString(secret);
        viewerApi.connectTo(viewer);
        QTRY_VERIFY_WITH_TIMEOUT(viewerPage.hasData() && viewerPage.identity().isViewer(), 20000);
        QVERIFY(viewerPage.selectService(QStringLiteral("web")));
        QTRY_VERIFY_WITH_TIMEOUT(viewerPage.shownRollout(), 10000);
        QPushButton *retry = viewerPage.actionButton(RolloutAction::Retry);
        QVERIFY(!retry->isEnabled());
        QVERIFY2(retry->toolTip().contains(QStringLiteral("viewer role")),
                 qPrintable(retry->toolTip()));
        QVERIFY(!viewerPage.newReleaseButton()->isEnabled());
        QVERIFY(!viewerPage.openNewRelease());
        viewerApi.shutdown();
        api.shutdown();
    }

private:
    QPalette m_platformPalette;
};

QTEST_MAIN(TestConsoleReleaseViews)
#include "tst_console_release_views.moc"
