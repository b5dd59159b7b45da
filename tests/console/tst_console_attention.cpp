// What needs attention first and who gets traffic, against a real aegisd with the demo fleet
// released through rollouts (a canary of checkout in flight) and in every health state: the
// Overview's problems and rollouts in flight, the Services page sorted worst first with traffic
// shares, the Releases page's instance list; screenshots at 1280x800 and 1920x1080, light and
// dark.
#include "app/main_window.h"
#include "app/theme_controller.h"
#include "models/attention_model.h"
#include "models/instance_filter_model.h"
#include "models/instance_model.h"
#include "net/session.h"
#include "views/instance_detail_pane.h"
#include "views/overview_page.h"
#include "views/releases_page.h"
#include "views/services_page.h"

#include "console_test_support.h"

#include <daemon_process.h>
#include <fleet_seeder.h>

#include <QDir>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>

#include <fstream>
#include <memory>

using namespace aegis;
using testing::artifact;
using namespace aegis::console;
using namespace std::chrono_literals;

class TestConsoleAttention : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("aegis-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_console_attention"));
        m_configDir = std::make_unique<testing::TempDir>();
        auto daemon = testing::startDaemonWithConfig(*m_configDir, testing::demoHealthConfig());
        QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
        m_daemon = std::move(*daemon);
        const Status fleet =
            testing::registerFleet(m_daemon->adminConnection(), testing::demoFleet());
        QVERIFY2(fleet.isOk(), fleet.toString().c_str());
        const Status rollouts = testing::seedDemoRollouts(m_daemon->adminConnection());
        QVERIFY2(rollouts.isOk(), rollouts.toString().c_str());

        m_theme = std::make_unique<ThemeController>();
        m_theme->setMode(ThemeMode::Light);
        SessionOptions options;
        options.statusInterval = 500ms;
        m_api = std::make_unique<Session>(options);
        m_window = std::make_unique<MainWindow>(m_api.get(), m_theme.get());
        m_window->connectWith(testing::adminSettings(*m_daemon), QStringLiteral("test daemon"));
        m_window->resize(1280, 800);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        QVERIFY(m_window->showPage(QStringLiteral("overview")));
        QTRY_VERIFY_WITH_TIMEOUT(m_window->servicesPage()->hasData(), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(m_window->releasesPage()->hasData(), 20000);
    }

    void overviewListsTheRolloutInFlight() {
        OverviewPage *overview = m_window->overviewPage();
        // The canary of checkout waits at 25 % until promoted.
        QTRY_VERIFY_WITH_TIMEOUT(overview->inFlight()->rowCount() >= 1, 20000);
        const AttentionItem canary = overview->inFlight()->itemAt(0);
        QVERIFY2(canary.subject.startsWith(QStringLiteral("checkout-")),
                 qPrintable(canary.subject));
        QCOMPARE(canary.action, QStringLiteral("Promote in Releases"));
        shoot(QStringLiteral("overview-in-flight"));
        overview->openInFlight(0);
        QCOMPARE(m_window->currentPage(), QStringLiteral("releases"));
        QCOMPARE(m_window->releasesPage()->selectedService(), QStringLiteral("checkout"));
    }

    void bothColoursTakeTrafficDuringTheCanary() {
        QVERIFY(m_window->showPage(QStringLiteral("services")));
        ServicesPage *page = m_window->servicesPage();
        QVERIFY(page->selectService(QStringLiteral("checkout")));
        const QAbstractItemModel *rows = page->instanceTable()->model();
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                double blue = 0;
                double green = 0;
                for (int row = 0; row < rows->rowCount(); ++row) {
                    const QModelIndex index = rows->index(row, InstanceModel::TrafficColumn);
                    const QString colour = index.data(InstanceModel::ColourRole).toString();
                    (colour == QLatin1String("green") ? green : blue) +=
                        index.data(InstanceModel::ShareRole).toDouble();
                }
                return qAbs(blue - 75) < 0.01 && qAbs(green - 25) < 0.01;
            }(),
            10000);
        shoot(QStringLiteral("services-canary"));

        QVERIFY(m_window->showPage(QStringLiteral("releases")));
        ReleasesPage *releases = m_window->releasesPage();
        QVERIFY(releases->selectService(QStringLiteral("checkout")));
        const QAbstractItemModel *listed = releases->instanceTable()->model();
        QTRY_VERIFY_WITH_TIMEOUT(listed->rowCount() >= 3, 10000);
        QSet<int> roles;
        for (int row = 0; row < listed->rowCount(); ++row) {
            QCOMPARE(listed->index(row, 0)
                         .data(InstanceModel::InstanceRole)
                         .value<ServiceInstance>()
                         .service,
                     QStringLiteral("checkout"));
            roles.insert(listed->index(row, 0).data(InstanceModel::ColourRoleRole).toInt());
        }
        QCOMPARE(roles, QSet<int>{int(ColourRole::Live)});
        shoot(QStringLiteral("releases-canary"));
        // payments succeeded on green: blue stays warm for undo for an hour.
        QVERIFY(releases->selectService(QStringLiteral("payments")));
        QTRY_VERIFY_WITH_TIMEOUT(listed->rowCount() >= 3, 10000);
        roles.clear();
        for (int row = 0; row < listed->rowCount(); ++row) {
            roles.insert(listed->index(row, 0).data(InstanceModel::ColourRoleRole).toInt());
        }
        QVERIFY(roles.contains(int(ColourRole::Live)));
        shoot(QStringLiteral("releases-payments"));
    }

    void overviewListsProblemsWorstFirst() {
        // The demo health: checkout-3 critical, payments' ejected and flapping ones, checkout in
        // panic.
        const Status health = testing::seedDemoHealth(m_daemon->adminConnection());
        QVERIFY2(health.isOk(), health.toString().c_str());
        QVERIFY(m_window->showPage(QStringLiteral("overview")));
        OverviewPage *overview = m_window->overviewPage();
        const auto statuses = [overview] {
            QStringList list;
            for (int row = 0; row < overview->problems()->rowCount(); ++row) {
                list.append(overview->problems()->itemAt(row).status);
            }
            return list;
        };
        QTRY_VERIFY_WITH_TIMEOUT(statuses().contains(QStringLiteral("critical")) &&
                                     statuses().contains(QStringLiteral("ejected")),
                                 20000);
        // Worst first: an ejected instance before a critical one.
        QVERIFY(statuses().indexOf(QStringLiteral("ejected")) <
                statuses().indexOf(QStringLiteral("critical")));
        shoot(QStringLiteral("overview"));

        // A problem opens where it can be acted on.
        overview->openProblem(statuses().indexOf(QStringLiteral("critical")));
        QCOMPARE(m_window->currentPage(), QStringLiteral("services"));
        const QString status =
            m_window->servicesPage()->detailPane()->fieldText(QStringLiteral("status"));
        QVERIFY2(status.contains(QStringLiteral("critical")), qPrintable(status));
    }

    void servicesShowTheWorstFirstAndWhoGetsTraffic() {
        QVERIFY(m_window->showPage(QStringLiteral("services")));
        ServicesPage *page = m_window->servicesPage();
        QVERIFY(page->selectService(QString()));
        const QAbstractItemModel *rows = page->instanceTable()->model();
        QTRY_VERIFY_WITH_TIMEOUT(rows->index(0, 0).data(InstanceModel::SeverityRole).toInt() >=
                                     badgeSeverity(HealthBadge::Critical),
                                 10000);
        for (int row = 1; row < rows->rowCount(); ++row) {
            QVERIFY(rows->index(row - 1, 0).data(InstanceModel::SeverityRole).toInt() >=
                    rows->index(row, 0).data(InstanceModel::SeverityRole).toInt());
        }
        QVERIFY2(page->problemCountsText().contains(QStringLiteral("critical")),
                 qPrintable(page->problemCountsText()));
        QVERIFY(page->jumpToProblem(HealthBadge::Critical));
        QVERIFY(page->detailPane()
                    ->fieldText(QStringLiteral("status"))
                    .contains(QStringLiteral("critical")));

        shoot(QStringLiteral("services"));

        page->setProblemsOnly(true);
        for (int row = 0; row < rows->rowCount(); ++row) {
            QVERIFY(rows->index(row, 0).data(InstanceModel::SeverityRole).toInt() >=
                    badgeSeverity(HealthBadge::Warning));
        }
        shoot(QStringLiteral("services-problems"));
        page->setProblemsOnly(false);
    }

    void cleanupTestCase() {
        m_window.reset();
        m_api.reset();
        m_daemon.reset();
        m_configDir.reset();
    }

private:
    // The window at 1280x800 and 1920x1080, light and dark, as attention-PAGE-WxH-THEME.png.
    void shoot(const QString &page) {
        for (const ThemeMode mode : {ThemeMode::Light, ThemeMode::Dark}) {
            m_theme->setMode(mode);
            for (const QSize size : {QSize(1280, 800), QSize(1920, 1080)}) {
                m_window->resize(size);
                QTest::qWait(300);
                QVERIFY(m_window->grab().save(
                    artifact(QStringLiteral("attention-%1-%2x%3-%4.png")
                                 .arg(page)
                                 .arg(size.width())
                                 .arg(size.height())
                                 .arg(mode == ThemeMode::Dark ? QStringLiteral("dark")
                                                              : QStringLiteral("light")))));
            }
        }
        m_theme->setMode(ThemeMode::Light);
        m_window->resize(1280, 800);
    }

    std::unique_ptr<testing::TempDir> m_configDir;
    std::unique_ptr<testing::DaemonProcess> m_daemon;
    std::unique_ptr<ThemeController> m_theme;
    std::unique_ptr<Session> m_api;
    std::unique_ptr<MainWindow> m_window;
};

QTEST_MAIN(TestConsoleAttention)
#include "tst_console_attention.moc"
