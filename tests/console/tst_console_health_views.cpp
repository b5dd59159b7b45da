// The health widgets offscreen, fed synthetic data: the timeline strip, the check editor's
// validation and refusals, the instance detail pane and the critical-health notifier.
#include "app/critical_health_notifier.h"
#include "daemon_extensions.h"
#include "models/display_format.h"
#include "models/health_timeline_model.h"
#include "models/instance_model.h"
#include "net/session.h"
#include "views/health_check_dialog.h"
#include "views/health_timeline_view.h"
#include "views/instance_delegate.h"
#include "views/instance_detail_pane.h"
#include "views/theme.h"

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>

using namespace aegis::console;

namespace {

const QDateTime kNow = QDateTime::fromSecsSinceEpoch(1700010000, Qt::UTC);

QDateTime minutesAgo(int minutes) {
    return kNow.addSecs(-60 * minutes);
}

HealthTransition transition(HealthStatus from, HealthStatus to, int minutes,
                            const QString &reason) {
    HealthTransition t;
    t.from = from;
    t.to = to;
    t.time = minutesAgo(minutes);
    t.reason = reason;
    return t;
}

InstanceHealth healthOf(HealthStatus status, const QString &reason = {}) {
    InstanceHealth health;
    health.status = status;
    health.reason = reason;
    health.checked = true;
    return health;
}

ServiceInstance instance(const QString &service, int n) {
    ServiceInstance i;
    i.service = service;
    i.id = QStringLiteral("%1-%2").arg(service).arg(n);
    i.address = QStringLiteral("10.0.0.%1:8080").arg(n);
    i.state = InstanceState::Serving;
    i.modRevision = 1;
    return i;
}

InstanceChange healthChange(ServiceInstance i, const InstanceHealth &health, qint64 revision) {
    i.health = health;
    return {InstanceChange::Type::Updated, i, QStringLiteral("health"), revision};
}

// How close two colours are, channel by channel.
bool near(QColor actual, QColor expected, int tolerance = 12) {
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

} // namespace

class TestConsoleHealthViews : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        m_platformPalette = QApplication::palette();
        applyTheme(*qApp, ThemeMode::Light, m_platformPalette);
    }

    void timelinePaintsEachStateInItsColour_data() {
        QTest::addColumn<bool>("dark");
        QTest::newRow("light") << false;
        QTest::newRow("dark") << true;
    }

    void timelinePaintsEachStateInItsColour() {
        QFETCH(bool, dark);
        applyTheme(*qApp, dark ? ThemeMode::Dark : ThemeMode::Light, m_platformPalette);
        HealthTimelineModel model;
        model.setHistory({transition(HealthStatus::Critical, HealthStatus::Passing, 15,
                                     QStringLiteral("2 consecutive passing results")),
                          transition(HealthStatus::Passing, HealthStatus::Critical, 40,
                                     QStringLiteral("3 consecutive failing results: HTTP 503"))},
                         healthOf(HealthStatus::Passing), minutesAgo(50), kNow);
        HealthTimelineView view;
        view.setModel(&model);
        view.resize(600, view.sizeHint().height());
        const QImage image = view.grab().toImage();
        QVERIFY(image.save(artifact(dark ? QStringLiteral("health-timeline-dark.png")
                                         : QStringLiteral("health-timeline-light.png"))));

        const ThemeColors colors = themeColors(QApplication::palette());
        const QRect track = view.trackRect();
        const int y = track.center().y();
        const auto xAt = [&track](int minutes) {
            return track.left() + track.width() * (60 - minutes) / 60;
        };
        // Nothing before registration, 50 min ago: the empty track, not a state's colour.
        const QColor before = image.pixelColor(xAt(55), y);
        QVERIFY2(!near(before, colors.success) && !near(before, colors.danger),
                 qPrintable(before.name()));
        QVERIFY2(near(image.pixelColor(xAt(45), y), colors.success),
                 qPrintable(image.pixelColor(xAt(45), y).name()));
        QVERIFY2(near(image.pixelColor(xAt(30), y), colors.danger),
                 qPrintable(image.pixelColor(xAt(30), y).name()));
        QVERIFY2(near(image.pixelColor(xAt(5), y), colors.success),
                 qPrintable(image.pixelColor(xAt(5), y).name()));

        // Hovering tells what the colour means.
        QCOMPARE(view.rowAtX(xAt(30)), 1);
        const QString tip = view.toolTipAtX(xAt(30));
        QVERIFY2(tip.startsWith(QStringLiteral("critical")), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("(25 min)")), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("HTTP 503")), qPrintable(tip));
        QVERIFY(view.toolTipAtX(xAt(55)).isEmpty());
        applyTheme(*qApp, ThemeMode::Light, m_platformPalette);
    }

    void timelineShowsWhyItIsEmpty() {
        HealthTimelineModel model;
        HealthTimelineView view;
        view.setModel(&model);
        view.setPlaceholder(QStringLiteral("This daemon does not report health"));
        view.resize(500, view.sizeHint().height());
        QCOMPARE(view.rowAtX(250), -1);
        QVERIFY(view.toolTipAtX(250).isEmpty());
        // The placeholder is painted: the track's middle has text-coloured pixels.
        const QImage image = view.grab().toImage();
        const QRect track = view.trackRect();
        const QColor fill = image.pixelColor(track.left() + 4, track.center().y());
        bool drawn = false;
        for (int x = track.left(); x < track.right() && !drawn; ++x) {
            drawn = !near(image.pixelColor(x, track.center().y()), fill, 30);
        }
        QVERIFY(drawn);
    }

    // The kinds and their option fields come from the daemon's probers: until they are there,
    // the dialog waits (without blocking), whatever else has loaded.
    void checkEditorWaitsForTheKinds() {
        Session api;
        HealthCheckDialog dialog(&api, QStringLiteral("payments"));
        HealthCheckRevision loaded;
        loaded.service = QStringLiteral("payments");
        loaded.check.kind = QStringLiteral("grpc");
        loaded.check.options = {{QStringLiteral("service"), QStringLiteral("pay.v1.Pay")}};
        dialog.setCheck(loaded, true);
        QCOMPARE(dialog.stage(), HealthCheckDialog::Stage::Loading);
        QVERIFY(!dialog.save());
        auto *kind = dialog.findChild<QComboBox *>(QStringLiteral("kind"));
        QVERIFY(kind);
        QCOMPARE(kind->count(), 0);

        dialog.setExtensions(aegis::testing::daemonExtensions());
        QCOMPARE(dialog.stage(), HealthCheckDialog::Stage::Editing);
        QStringList kinds;
        for (int i = 0; i < kind->count(); ++i) {
            kinds.append(kind->itemData(i).toString());
        }
        QCOMPARE(kinds, (QStringList{"grpc", "http", "tcp", "ttl"}));
        QCOMPARE(kind->currentData().toString(), QStringLiteral("grpc"));
        // One field per option the kind describes, its placeholder and help from there too.
        auto *service = dialog.findChild<QLineEdit *>(QStringLiteral("service"));
        QVERIFY(service);
        QCOMPARE(service->text(), QStringLiteral("pay.v1.Pay"));
        QVERIFY(!service->toolTip().isEmpty());
        auto *status = dialog.findChild<QLineEdit *>(QStringLiteral("status"));
        QVERIFY(status);
        QCOMPARE(status->placeholderText(), QStringLiteral("200-299"));
        QVERIFY(!status->isVisibleTo(&dialog));
        auto edited = dialog.editedCheck();
        QVERIFY(edited);
        QCOMPARE(edited->options, loaded.check.options);
    }

    // Every option of `aegisctl health set` is in the form: headers, jitter, flap detection and
    // the initial status beside the rest.
    void checkEditorOffersEveryCliOption() {
        Session api;
        HealthCheckDialog dialog(&api, QStringLiteral("payments"));
        dialog.setExtensions(aegis::testing::daemonExtensions());
        HealthCheckRevision loaded;
        loaded.service = QStringLiteral("payments");
        loaded.check.options = {{QStringLiteral("path"), QStringLiteral("/healthz")},
                                {QStringLiteral("header.Host"), QStringLiteral("pay.internal")}};
        dialog.setCheck(loaded, true);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto *headers = dialog.findChild<QPlainTextEdit *>(QStringLiteral("header."));
        auto *jitter = dialog.findChild<QLineEdit *>(QStringLiteral("jitter"));
        auto *flaps = dialog.findChild<QSpinBox *>(QStringLiteral("flap_max_transitions"));
        auto *window = dialog.findChild<QLineEdit *>(QStringLiteral("flap_window"));
        auto *initial = dialog.findChild<QComboBox *>(QStringLiteral("initial_status"));
        QVERIFY(headers && jitter && flaps && window && initial);
        QCOMPARE(headers->toPlainText(), QStringLiteral("Host=pay.internal"));
        QVERIFY(jitter->text().isEmpty()); // the daemon's default
        QCOMPARE(flaps->value(), 5);

        // Nothing touched: nothing the daemon defaults is sent as a value.
        QList<HealthCheckProblem> problems;
        auto untouched = dialog.editedCheck(&problems);
        QVERIFY2(untouched, qPrintable(problems.value(0).message));
        QVERIFY(!untouched->jitterMs && !untouched->flapMaxTransitions);
        QCOMPARE(untouched->flapWindowMs, 0);

        headers->setPlainText(QStringLiteral("Host=pay.internal\nX-Probe=aegis"));
        jitter->setText(QStringLiteral("1s"));
        flaps->setValue(3);
        window->setText(QStringLiteral("2m"));
        initial->setCurrentIndex(initial->findData(int(HealthStatus::Passing)));
        auto edited = dialog.editedCheck(&problems);
        QVERIFY2(edited, qPrintable(problems.value(0).message));
        QCOMPARE(edited->options.value(QStringLiteral("header.X-Probe")), QStringLiteral("aegis"));
        QCOMPARE(edited->options.value(QStringLiteral("header.Host")),
                 QStringLiteral("pay.internal"));
        QCOMPARE(edited->jitterMs, std::optional<qint64>(1000));
        QCOMPARE(edited->flapMaxTransitions, std::optional<int>(3));
        QCOMPARE(edited->flapWindowMs, 120000);
        QCOMPARE(edited->initialStatus, HealthStatus::Passing);
        QVERIFY(
            dialog.grab().toImage().save(artifact(QStringLiteral("health-check-dialog-all.png"))));

        // Each is checked like the daemon checks it, and named.
        headers->setPlainText(QStringLiteral("Host"));
        jitter->setText(QStringLiteral("9s")); // more than half the 10s interval
        QVERIFY(!dialog.save());
        QVERIFY2(dialog.messageText().contains(QStringLiteral("Line 1 is not key=value")),
                 qPrintable(dialog.messageText()));
        QVERIFY2(dialog.messageText().contains(QStringLiteral("check.jitter_ms must be between 0s "
                                                              "and half the interval")),
                 qPrintable(dialog.messageText()));
        QVERIFY(jitter->property("invalid").toBool());
        QVERIFY(headers->property("invalid").toBool());
    }

    void checkEditorRefusesInvalidInputWithReasons() {
        Session api;
        HealthCheckDialog dialog(&api, QStringLiteral("payments"));
        QCOMPARE(dialog.stage(), HealthCheckDialog::Stage::Loading);
        QVERIFY(!dialog.save()); // nothing to save before it loaded
        dialog.setExtensions(aegis::testing::daemonExtensions());

        HealthCheckRevision loaded;
        loaded.service = QStringLiteral("payments");
        loaded.check.options = {{QStringLiteral("path"), QStringLiteral("/healthz")},
                                {QStringLiteral("header.Host"), QStringLiteral("pay.internal")}};
        loaded.check.jitterMs = 250;
        loaded.modRevision = 41;
        dialog.setCheck(loaded, true);
        QCOMPARE(dialog.stage(), HealthCheckDialog::Stage::Editing);
        QCOMPARE(dialog.baseRevision(), 41);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));

        auto *interval = dialog.findChild<QLineEdit *>(QStringLiteral("interval"));
        auto *timeout = dialog.findChild<QLineEdit *>(QStringLiteral("timeout"));
        auto *status = dialog.findChild<QLineEdit *>(QStringLiteral("status"));
        auto *path = dialog.findChild<QLineEdit *>(QStringLiteral("path"));
        QVERIFY(interval && timeout && status && path);
        QCOMPARE(interval->text(), QStringLiteral("10s"));
        QCOMPARE(path->text(), QStringLiteral("/healthz"));

        interval->setText(QStringLiteral("5s"));
        timeout->setText(QStringLiteral("6s"));
        status->setText(QStringLiteral("2xx"));
        path->setText(QStringLiteral("healthz"));
        QVERIFY(!dialog.save());
        QCOMPARE(dialog.stage(), HealthCheckDialog::Stage::Editing);
        const QString message = dialog.messageText();
        // The daemon's own words.
        QVERIFY2(message.contains(QStringLiteral("check.timeout_ms must be between 10ms and the "
                                                 "interval, 5s (got 6s)")),
                 qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("status must be a code or a range such as "
                                                 "200-399 within 100-599, got '2xx'")),
                 qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("path must start with '/', got 'healthz'")),
                 qPrintable(message));
        QVERIFY(timeout->property("invalid").toBool());
        QVERIFY(status->property("invalid").toBool());
        QVERIFY(!interval->property("invalid").toBool());
        QImage image = dialog.grab().toImage();
        QVERIFY(image.save(artifact(QStringLiteral("health-check-dialog-invalid.png"))));

        // Not a duration at all.
        interval->setText(QStringLiteral("ten seconds"));
        QVERIFY(!dialog.save());
        QVERIFY2(dialog.messageText().contains(
                     QStringLiteral("Interval: \"ten seconds\" is not a duration")),
                 qPrintable(dialog.messageText()));

        // A ttl check needs its ttl, and ignores the timeout.
        auto *kind = dialog.findChild<QComboBox *>(QStringLiteral("kind"));
        kind->setCurrentIndex(kind->findData(QStringLiteral("ttl")));
        interval->setText(QStringLiteral("10s"));
        QVERIFY(!timeout->isEnabled());
        QVERIFY(!dialog.save());
        QVERIFY2(dialog.messageText().contains(QStringLiteral("ttl: required")),
                 qPrintable(dialog.messageText()));
        dialog.findChild<QLineEdit *>(QStringLiteral("ttl"))->setText(QStringLiteral("30s"));
        QList<HealthCheckProblem> problems;
        auto ttl = dialog.editedCheck(&problems);
        QVERIFY2(ttl.has_value(), qPrintable(problems.value(0).message));
        QCOMPARE(ttl->options,
                 (QMap<QString, QString>{{QStringLiteral("ttl"), QStringLiteral("30s")}}));

        // Back to http: what was loaded and not edited is kept (the header, the jitter).
        kind->setCurrentIndex(kind->findData(QStringLiteral("http")));
        path->setText(QStringLiteral("/ready"));
        status->setText(QStringLiteral("200-399"));
        dialog.findChild<QSpinBox *>(QStringLiteral("fall"))->setValue(5);
        auto http = dialog.editedCheck(&problems);
        QVERIFY2(http.has_value(), qPrintable(problems.value(0).message));
        QCOMPARE(http->options.value(QStringLiteral("header.Host")),
                 QStringLiteral("pay.internal"));
        QCOMPARE(http->options.value(QStringLiteral("status")), QStringLiteral("200-399"));
        QCOMPARE(http->jitterMs, std::optional<qint64>(250));
        QCOMPARE(http->fall, 5);
        QCOMPARE(http->timeoutMs, 6000);
        QVERIFY(!http->panicThreshold.has_value()); // untouched: the daemon's default stays

        // Valid: it is sent (off the GUI thread), and a daemon that cannot be reached is
        // reported without closing the dialog or losing the edits.
        api.connectTo(nowhere());
        QVERIFY(dialog.save());
        QCOMPARE(dialog.stage(), HealthCheckDialog::Stage::Saving);
        QVERIFY(dialog.messageText().isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(dialog.stage(), HealthCheckDialog::Stage::Editing, 10000);
        QVERIFY2(dialog.messageText().startsWith(QStringLiteral("The daemon refused the change")),
                 qPrintable(dialog.messageText()));
        QVERIFY(!dialog.hasConflict());
        QVERIFY(dialog.isVisible());
        QCOMPARE(path->text(), QStringLiteral("/ready"));
        image = dialog.grab().toImage();
        QVERIFY(image.save(artifact(QStringLiteral("health-check-dialog-refused.png"))));
        api.shutdown();
    }

    void checkEditorReportsALoadFailure() {
        Session api;
        api.connectTo(nowhere());
        HealthCheckDialog dialog(&api, QStringLiteral("payments"));
        dialog.reload();
        QTRY_COMPARE_WITH_TIMEOUT(dialog.stage(), HealthCheckDialog::Stage::LoadFailed, 10000);
        QVERIFY2(dialog.messageText().contains(QStringLiteral("Could not load the health check")),
                 qPrintable(dialog.messageText()));
        QVERIFY(!dialog.save());
        api.shutdown();
    }

    void criticalAndEjectedHaveTheirOwnColours() {
        // The legend and the badges tell critical and ejected apart in both themes.
        for (const QColor window : {QColor(0xf4, 0xf5, 0xf7), QColor(0x17, 0x19, 0x1e)}) {
            QPalette palette;
            palette.setColor(QPalette::Window, window);
            const ThemeColors colors = themeColors(palette);
            const QColor critical = healthBadgeTone(HealthBadge::Critical, colors);
            const QColor ejected = healthBadgeTone(HealthBadge::Ejected, colors);
            QVERIFY(critical != ejected);
            QVERIFY(ejected != healthBadgeTone(HealthBadge::Flapping, colors));
            QVERIFY2(std::abs(critical.hslHue() - ejected.hslHue()) >= 20,
                     qPrintable(critical.name() + QLatin1Char(' ') + ejected.name()));
        }
    }

    void detailPaneShowsHealthAndCheck() {
        InstanceDetailPane pane;
        HealthTimelineModel timeline;
        pane.setTimelineModel(&timeline);
        ServiceInstance shown = instance(QStringLiteral("payments"), 2);
        shown.health = healthOf(HealthStatus::Critical,
                                QStringLiteral("3 consecutive failing results: HTTP 503"));
        shown.health.output = QStringLiteral("HTTP 503");
        shown.routable = false;
        pane.showInstance(shown, kNow);
        // The title's status is the worst state: critical, not a green "serving".
        const QString status = pane.fieldText(QStringLiteral("status"));
        QVERIFY2(status.contains(QStringLiteral("● critical · not routed")), qPrintable(status));
        QVERIFY2(!status.contains(QStringLiteral("serving")), qPrintable(status));
        QVERIFY2(status.contains(themeColors(pane.palette()).danger.name()), qPrintable(status));
        QVERIFY(pane.fieldText(QStringLiteral("health")).contains(QStringLiteral("critical")));
        QVERIFY(pane.fieldText(QStringLiteral("health"))
                    .contains(QStringLiteral("3 consecutive failing results")));
        QVERIFY(pane.fieldText(QStringLiteral("health")).contains(QStringLiteral("Not routed")));
        QCOMPARE(pane.fieldText(QStringLiteral("output")), QStringLiteral("HTTP 503"));
        QCOMPARE(pane.fieldText(QStringLiteral("check")), QStringLiteral("Loading…"));

        InstanceHealthReport report;
        report.service = shown.service;
        report.instanceId = shown.id;
        report.health = shown.health;
        report.check = CheckDetail{QStringLiteral("http"),
                                   QStringLiteral("10.0.0.2:8080"),
                                   HealthStatus::Critical,
                                   QStringLiteral("HTTP 503 Service Unavailable"),
                                   0,
                                   4,
                                   1234,
                                   0,
                                   2};
        pane.showHealthReport(report, {});
        QCOMPARE(pane.fieldText(QStringLiteral("check")),
                 QStringLiteral("http → 10.0.0.2:8080 · check says critical"));
        const QString probes = pane.fieldText(QStringLiteral("probes"));
        QVERIFY2(probes.contains(formatCount(1234) + QStringLiteral(" probes")),
                 qPrintable(probes));
        QVERIFY2(probes.contains(QStringLiteral("4 failing in a row")), qPrintable(probes));
        QVERIFY2(probes.contains(QStringLiteral("ejected 2 times")), qPrintable(probes));
        QCOMPARE(pane.fieldText(QStringLiteral("output")),
                 QStringLiteral("HTTP 503 Service Unavailable"));

        // A report for another instance (a late answer) is ignored.
        report.instanceId = QStringLiteral("payments-3");
        report.check->kind = QStringLiteral("tcp");
        pane.showHealthReport(report, {});
        QVERIFY(pane.fieldText(QStringLiteral("check")).startsWith(QStringLiteral("http")));

        timeline.setHistory({}, shown.health, minutesAgo(30), kNow);
        pane.resize(900, 380);
        QVERIFY(pane.grab().toImage().save(artifact(QStringLiteral("health-detail-pane.png"))));
    }

    void notifierTellsOnceWhenInstancesGoCritical() {
        InstanceModel instances;
        instances.sync({instance(QStringLiteral("api"), 1), instance(QStringLiteral("api"), 2),
                        instance(QStringLiteral("api"), 3)});
        CriticalHealthNotifier notifier(&instances);
        QList<QPair<QString, QString>> shown;
        notifier.setSink([&shown](const QString &title, const QString &text) {
            shown.append({title, text});
        });
        notifier.setBatchDelay(20);

        // Off by default: api-1 going critical now is never mentioned (see the first message).
        QVERIFY(!notifier.isEnabled());
        instances.applyChanges({healthChange(instance(QStringLiteral("api"), 1),
                                             healthOf(HealthStatus::Critical), 5)});

        notifier.setEnabled(true);
        // Critical again (now flapping) is not news; two others going critical make one message.
        InstanceHealth flapping = healthOf(HealthStatus::Critical);
        flapping.flapping = true;
        instances.applyChanges(
            {healthChange(instance(QStringLiteral("api"), 1), flapping, 6),
             healthChange(instance(QStringLiteral("api"), 2),
                          healthOf(HealthStatus::Critical, QStringLiteral("timed out")), 7),
             healthChange(instance(QStringLiteral("api"), 3),
                          healthOf(HealthStatus::Critical, QStringLiteral("refused")), 8)});
        QTRY_COMPARE(shown.size(), 1);
        QCOMPARE(shown.first().first, QStringLiteral("2 instance(s) went critical"));
        QCOMPARE(shown.first().second,
                 QStringLiteral("api/api-2 — timed out\napi/api-3 — refused"));

        // Recovering is not announced; going critical again is, alone.
        instances.applyChanges(
            {healthChange(instance(QStringLiteral("api"), 2), healthOf(HealthStatus::Passing), 9)});
        instances.applyChanges(
            {healthChange(instance(QStringLiteral("api"), 2),
                          healthOf(HealthStatus::Critical, QStringLiteral("HTTP 500")), 10)});
        QTRY_COMPARE(shown.size(), 2);
        QCOMPARE(shown.last().first, QStringLiteral("api/api-2 is critical"));
        QCOMPARE(shown.last().second, QStringLiteral("HTTP 500"));
    }

private:
    QPalette m_platformPalette;
};

QTEST_MAIN(TestConsoleHealthViews)
#include "tst_console_health_views.moc"
