// The log view of a deployed instance: the bounded, searchable line model and the widget around it
// (search, next/previous, follow), rendered for a look in both themes at the sizes operators use.

#include "daemon_process.h"
#include "models/log_lines_model.h"
#include "net/session.h"
#include "views/deployment_log_view.h"
#include "views/theme.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QCheckBox>
#include <QDir>
#include <QLineEdit>
#include <QListView>
#include <QSignalSpy>
#include <QTest>

#include <filesystem>
#include <fstream>

using namespace aegis::console;

namespace {

QString artifact(const QString &name) {
    return QDir(QCoreApplication::applicationDirPath()).filePath(name);
}

QStringList numberedLines(int first, int last) {
    QStringList lines;
    for (int n = first; n <= last; ++n) {
        lines << QStringLiteral("line %1%2").arg(n).arg(n % 10 == 0 ? " ERROR timeout" : "");
    }
    return lines;
}

// What a sample instance writes: its start banner, JSON request lines, an error now and then.
QStringList sampleLog() {
    QStringList lines;
    lines << QStringLiteral("--- 2026-12-05T14:02:11Z aegisd starts checkout-blue-1 (version "
                            "1.4.2, port 41237): aegis-sample --service checkout --id "
                            "checkout-blue-1 --version 1.4.2 --color blue");
    for (int i = 0; i < 60; ++i) {
        const bool failed = i % 13 == 7;
        lines << QStringLiteral("{\"time\":\"2026-12-05T14:%1:%2Z\",\"level\":\"%3\",\"msg\":"
                                "\"%4\",\"path\":\"/\",\"status\":%5,\"duration_ms\":%6,"
                                "\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e%7\"}")
                     .arg(10 + i * 7 / 60, 2, 10, QLatin1Char('0'))
                     .arg(i * 7 % 60, 2, 10, QLatin1Char('0'))
                     .arg(failed ? "error" : "info")
                     .arg(failed ? "request failed: payments timeout" : "request")
                     .arg(failed ? 500 : 200)
                     .arg(8 + (i * 5) % 11)
                     .arg(4736 + i, 4, 16, QLatin1Char('0'));
    }
    return lines;
}

} // namespace

class TestDeploymentLogView : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        m_platformPalette = QApplication::palette();
        applyTheme(*qApp, ThemeMode::Light, m_platformPalette);
    }

    void modelKeepsTheNewestLines() {
        LogLinesModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setMaxLines(100);
        model.appendLines(numberedLines(1, 60));
        model.appendLines(numberedLines(61, 130));
        QCOMPARE(model.rowCount(), 100);
        QCOMPARE(model.index(0).data().toString(), QStringLiteral("line 31"));
        QCOMPARE(model.index(99).data().toString(), QStringLiteral("line 130 ERROR timeout"));
        QCOMPARE(model.droppedLines(), qint64(30));
        // A batch larger than the bound keeps only its newest lines.
        model.appendLines(numberedLines(131, 400));
        QCOMPARE(model.rowCount(), 100);
        QCOMPARE(model.index(0).data().toString(), QStringLiteral("line 301"));
        model.setLines(numberedLines(1, 5));
        QCOMPARE(model.rowCount(), 5);
        QCOMPARE(model.droppedLines(), qint64(0));
        model.setMaxLines(2);
        QCOMPARE(model.index(0).data().toString(), QStringLiteral("line 4"));
    }

    void searchFindsAndStepsThroughMatches() {
        LogLinesModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setLines(numberedLines(1, 50));
        QSignalSpy changed(&model, &LogLinesModel::matchesChanged);
        model.setSearch(QStringLiteral("error"));
        QVERIFY(changed.count() >= 1);
        QCOMPARE(model.matchCount(), 5);
        // The newest match is current; next wraps to the oldest, previous comes back.
        QCOMPARE(model.currentMatchRow(), 49);
        QVERIFY(model.index(49).data(LogLinesModel::CurrentMatchRole).toBool());
        QVERIFY(model.index(9).data(LogLinesModel::MatchRole).toBool());
        QVERIFY(!model.index(8).data(LogLinesModel::MatchRole).toBool());
        QCOMPARE(model.nextMatch(), 9);
        QCOMPARE(model.nextMatch(), 19);
        QCOMPARE(model.previousMatch(), 9);
        QCOMPARE(model.previousMatch(), 49);
        QCOMPARE(model.currentMatchIndex(), 4);

        // New lines that match are found too; dropped lines take their matches with them.
        model.setMaxLines(50);
        model.appendLines(numberedLines(51, 60));
        QCOMPARE(model.matchCount(), 5);
        QCOMPARE(model.index(49).data().toString(), QStringLiteral("line 60 ERROR timeout"));
        QVERIFY(model.index(49).data(LogLinesModel::MatchRole).toBool());
        QCOMPARE(model.currentMatchRow(), 39); // still "line 50"
        QCOMPARE(model.index(model.currentMatchRow()).data().toString(),
                 QStringLiteral("line 50 ERROR timeout"));

        model.setSearch(QStringLiteral("nothing like this"));
        QCOMPARE(model.matchCount(), 0);
        QCOMPARE(model.currentMatchRow(), -1);
        QCOMPARE(model.nextMatch(), -1);
        model.setSearch({});
        QCOMPARE(model.matchCount(), 0);
    }

    void viewSearchesAndStopsFollowingAtAMatch() {
        DeploymentLogView view(nullptr);
        view.resize(900, 400);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.model()->setLines(numberedLines(1, 300));
        QVERIFY(view.followBox()->isChecked());
        QTest::keyClicks(view.searchField(), QStringLiteral("ERROR"));
        QCOMPARE(view.matchText(), QStringLiteral("30 of 30"));
        // The newest match is the last line: following goes on.
        QVERIFY(view.followBox()->isChecked());
        QTest::keyClick(view.searchField(), Qt::Key_Return);
        QCOMPARE(view.matchText(), QStringLiteral("1 of 30"));
        QCOMPARE(view.list()->currentIndex().row(), 9);
        // Reading an older match stops following, so new lines do not pull the view away.
        QVERIFY(!view.followBox()->isChecked());
        QVERIFY(!view.isStreaming());
        QTest::keyClick(view.searchField(), Qt::Key_Return, Qt::ShiftModifier);
        QCOMPARE(view.matchText(), QStringLiteral("30 of 30"));
        view.searchField()->clear();
        QCOMPARE(view.matchText(), QString());
    }

    // The view on a real aegisd: the tail, a line written later, another instance's missing log.
    void followsTheDaemonsLog() {
        aegis::testing::TempDir dir;
        aegis::testing::DaemonOptions options;
        options.dataDir = dir.path() / "data";
        auto daemon = aegis::testing::DaemonProcess::start(options);
        QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
        // What the process driver would have written for shop-blue-1.
        const auto log = options.dataDir / "deployments" / "shop" / "blue-1.log";
        std::filesystem::create_directories(log.parent_path());
        {
            std::ofstream out(log);
            for (const QString &line : numberedLines(1, 1500)) {
                out << line.toStdString() << "\n";
            }
        }
        Session session;
        ConnectionSettings settings;
        settings.address = QString::fromStdString((*daemon)->grpcAddress());
        settings.token = QString::fromStdString((*daemon)->adminToken());
        session.connectTo(settings);

        DeploymentLogView view(&session);
        view.resize(900, 400);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setInstance(QStringLiteral("shop"), QStringLiteral("shop-blue-1"));
        QVERIFY(view.isStreaming());
        QTRY_COMPARE_WITH_TIMEOUT(view.model()->rowCount(), DeploymentLogView::kTailLines, 10000);
        QCOMPARE(view.model()->index(0).data().toString(), QStringLiteral("line 501"));
        QTRY_VERIFY_WITH_TIMEOUT(view.statusText().startsWith(QStringLiteral("Following")), 10000);
        std::ofstream(log, std::ios::app) << "written later\n";
        QTRY_COMPARE_WITH_TIMEOUT(
            view.model()->index(view.model()->rowCount() - 1).data().toString(),
            QStringLiteral("written later"), 10000);

        // Hidden, it stops streaming; shown again, it starts over from the tail.
        view.hide();
        QVERIFY(!view.isStreaming());
        view.show();
        QVERIFY(view.isStreaming());

        view.setInstance(QStringLiteral("shop"), QStringLiteral("shop-blue-9"));
        QTRY_VERIFY_WITH_TIMEOUT(view.statusText().contains(QStringLiteral("shop-blue-9")) &&
                                     view.statusText().startsWith(QStringLiteral("Not following")),
                                 10000);
        QCOMPARE(view.model()->rowCount(), 0);
    }

    void renders_data() {
        QTest::addColumn<bool>("dark");
        QTest::addColumn<QSize>("size");
        QTest::newRow("light 1280x800") << false << QSize(1280, 800);
        QTest::newRow("dark 1280x800") << true << QSize(1280, 800);
        QTest::newRow("light 1920x1080") << false << QSize(1920, 1080);
        QTest::newRow("dark 1920x1080") << true << QSize(1920, 1080);
    }

    void renders() {
        QFETCH(bool, dark);
        QFETCH(QSize, size);
        applyTheme(*qApp, dark ? ThemeMode::Dark : ThemeMode::Light, m_platformPalette);
        DeploymentLogDialog dialog(nullptr, QStringLiteral("checkout"),
                                   {QStringLiteral("checkout-blue-1"),
                                    QStringLiteral("checkout-blue-2"),
                                    QStringLiteral("checkout-green-1")});
        dialog.resize(size);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        dialog.view()->model()->setLines(sampleLog());
        QTest::keyClicks(dialog.view()->searchField(), QStringLiteral("timeout"));
        QTest::keyClick(dialog.view()->searchField(), Qt::Key_Return);
        QCoreApplication::processEvents();
        const QImage image = dialog.grab().toImage();
        QCOMPARE(image.size(), size);
        QVERIFY(image.save(artifact(QStringLiteral("deployment-log-%1-%2x%3.png")
                                        .arg(dark ? "dark" : "light")
                                        .arg(size.width())
                                        .arg(size.height()))));
        applyTheme(*qApp, ThemeMode::Light, m_platformPalette);
    }

private:
    QPalette m_platformPalette;
};

QTEST_MAIN(TestDeploymentLogView)
#include "tst_deployment_log_view.moc"
