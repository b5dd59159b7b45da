#include "app/main_window.h"
#include "app/theme_controller.h"
#include "models/audit_record_model.h"
#include "models/instance_filter_model.h"
#include "models/instance_model.h"
#include "models/service_summary_model.h"
#include "net/api_client.h"
#include "views/audit_detail_pane.h"
#include "views/audit_page.h"
#include "views/instance_detail_pane.h"
#include "views/overview_page.h"
#include "views/services_page.h"

#include <daemon_process.h>
#include <fleet_seeder.h>

#include <aegis/v1/auth.grpc.pb.h>
#include <client/connection.h>

#include <QApplication>
#include <QDir>
#include <QItemSelectionModel>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>

#include <memory>

using namespace aegis;
using namespace aegis::console;
using namespace std::chrono_literals;

namespace {

grpc::StatusCode createToken(const testing::DaemonProcess &daemon, const std::string &name,
                             v1::Role role = v1::ROLE_OPERATOR, std::string *secret = nullptr) {
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
    request.set_description("created by tst_console_window");
    v1::CreateTokenResponse response;
    const grpc::Status status = stub->CreateToken(&context, request, &response);
    if (secret) {
        *secret = response.secret();
    }
    return status.error_code();
}

QString selectedInstanceKey(const ServicesPage &page) {
    const QModelIndexList rows = page.instanceTable()->selectionModel()->selectedRows();
    return rows.size() == 1
               ? rows.first().data(InstanceModel::InstanceRole).value<ServiceInstance>().key()
               : QString();
}

InstanceState stateOf(const ServicesPage &page, const QString &service, const QString &id) {
    const int row = page.instances()->rowOf(service, id);
    return row < 0 ? InstanceState::Unspecified : page.instances()->instanceAt(row).state;
}

// Artifacts go next to the test binary, i.e. into the test's build directory.
QString artifact(const QString &name) {
    return QDir(QCoreApplication::applicationDirPath()).filePath(name);
}

// Whether the image has more than one colour, i.e. something was drawn.
bool hasContent(const QImage &image) {
    const QRgb first = image.pixel(0, 0);
    for (int y = 0; y < image.height(); y += 7) {
        for (int x = 0; x < image.width(); x += 7) {
            if (image.pixel(x, y) != first) {
                return true;
            }
        }
    }
    return false;
}

} // namespace

class TestConsoleWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("aegis-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_console_window"));
        auto daemon = testing::DaemonProcess::start();
        QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
        m_daemon = std::move(*daemon);
        QCOMPARE(createToken(*m_daemon, "deploy-bot"), grpc::StatusCode::OK);
        QCOMPARE(createToken(*m_daemon, "ci-runner"), grpc::StatusCode::OK);
        // A failed mutation is audited too.
        QCOMPARE(createToken(*m_daemon, "deploy-bot"), grpc::StatusCode::ALREADY_EXISTS);
        const Status fleet =
            testing::registerFleet(m_daemon->adminConnection(), testing::demoFleet());
        QVERIFY2(fleet.isOk(), fleet.toString().c_str());

        m_theme = std::make_unique<ThemeController>();
        m_theme->setMode(ThemeMode::Light);
        ApiClientOptions options;
        options.statusInterval = 500ms;
        m_api = std::make_unique<ApiClient>(options);
        m_window = std::make_unique<MainWindow>(m_api.get(), m_theme.get());
        ConnectionSettings settings;
        settings.address = QString::fromStdString(m_daemon->grpcAddress());
        settings.tokenFile = QString::fromStdString(m_daemon->adminTokenFile().string());
        m_window->connectWith(settings, QStringLiteral("test daemon"));
        m_window->resize(1440, 900);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    }

    void overviewShowsTheDaemonStatus() {
        QVERIFY(m_window->showPage(QStringLiteral("overview")));
        QTRY_VERIFY_WITH_TIMEOUT(m_window->pageHasData(QStringLiteral("overview")), 20000);
        OverviewPage *overview = m_window->overviewPage();
        QVERIFY(overview->cardValue(QStringLiteral("version")) != QStringLiteral("—"));
        QVERIFY(!overview->cardValue(QStringLiteral("uptime")).isEmpty());
        QVERIFY(!overview->cardValue(QStringLiteral("store")).isEmpty());
        QCOMPARE(m_api->state(), ConnectionState::Connected);
        QTRY_COMPARE_WITH_TIMEOUT(overview->cardValue(QStringLiteral("services")),
                                  QStringLiteral("3"), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(overview->cardValue(QStringLiteral("instances")),
                                  QStringLiteral("9"), 10000);
        const QImage image = m_window->grab().toImage();
        QVERIFY(!image.isNull());
        QVERIFY(hasContent(image));
        QVERIFY(image.save(artifact(QStringLiteral("console-overview.png"))));
    }

    void auditShowsRecordsAndGrowsLive() {
        QVERIFY(m_window->showPage(QStringLiteral("audit")));
        AuditPage *audit = m_window->auditPage();
        QTRY_VERIFY_WITH_TIMEOUT(audit->hasData(), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(m_api->isAuditWatchLive(), 20000);
        AuditRecordModel *model = audit->model();
        QVERIFY(model->rowCount() >= 3);
        const int failedRow = [&] {
            for (int row = 0; row < model->rowCount(); ++row) {
                if (!model->entryAt(row).succeeded()) {
                    return row;
                }
            }
            return -1;
        }();
        QVERIFY(failedRow >= 0);

        // Select a record; it stays selected while new ones arrive above it.
        QTableView *table = audit->table();
        table->selectRow(1);
        const QString selected = table->selectionModel()
                                     ->selectedRows()
                                     .first()
                                     .data(AuditRecordModel::EntryRole)
                                     .value<AuditEntry>()
                                     .id;
        const int before = model->rowCount();
        QCOMPARE(createToken(*m_daemon, "release-manager"), grpc::StatusCode::OK);
        QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() > before, 10000);
        QCOMPARE(model->entryAt(0).resource, QStringLiteral("tokens/release-manager"));
        const QModelIndexList rows = table->selectionModel()->selectedRows();
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows.first().data(AuditRecordModel::EntryRole).value<AuditEntry>().id, selected);
        QCOMPARE(rows.first().row(), 1 + (model->rowCount() - before));

        const QImage image = m_window->grab().toImage();
        QVERIFY(hasContent(image));
        QVERIFY(image.save(artifact(QStringLiteral("console-audit.png"))));
    }

    void servicesPageShowsTheFleetLive() {
        QVERIFY(m_window->showPage(QStringLiteral("services")));
        ServicesPage *page = m_window->servicesPage();
        QTRY_VERIFY_WITH_TIMEOUT(page->hasData(), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(m_api->isInstanceWatchLive(), 20000);
        QCOMPARE(page->instances()->rowCount(), 9);
        QCOMPARE(page->services()->rowCount(), 4); // all + 3 services
        QCOMPARE(page->filteredInstances()->rowCount(), 9);

        QVERIFY(page->selectService(QStringLiteral("payments")));
        QCOMPARE(page->filteredInstances()->rowCount(), 3);
        QVERIFY(page->selectInstance(QStringLiteral("payments"), QStringLiteral("payments-2")));
        const QString selected = QStringLiteral("payments/payments-2");
        QCOMPARE(selectedInstanceKey(*page), selected);

        // Drain through the page: confirmed, sent off the GUI thread, and seen back through
        // the watch; the selection stays on the instance.
        QString confirmation;
        page->setConfirmation(
            [&confirmation](QWidget *, const QString &, const QString &text, const QString &) {
                confirmation = text;
                return true;
            });
        QSignalSpy finished(page, &ServicesPage::actionFinished);
        page->requestAction(ServicesPage::Action::Drain);
        QVERIFY2(confirmation.contains(selected), qPrintable(confirmation));
        QVERIFY(finished.wait(10000));
        QCOMPARE(finished.first().at(2).toString(), QString());
        QTRY_COMPARE_WITH_TIMEOUT(
            stateOf(*page, QStringLiteral("payments"), QStringLiteral("payments-2")),
            InstanceState::Draining, 10000);
        QCOMPARE(selectedInstanceKey(*page), selected);
        QTRY_VERIFY_WITH_TIMEOUT(page->detailPane()->instance() &&
                                     page->detailPane()->instance()->state ==
                                         InstanceState::Draining,
                                 5000);
        const int paymentsRow = page->services()->rowOf(QStringLiteral("payments"));
        QCOMPARE(page->services()
                     ->index(paymentsRow, ServiceSummaryModel::DrainingColumn)
                     .data()
                     .toString(),
                 QStringLiteral("1"));

        // Maintenance for another one, declined first: nothing is sent.
        QVERIFY(page->selectInstance(QStringLiteral("payments"), QStringLiteral("payments-3")));
        page->setConfirmation(
            [](QWidget *, const QString &, const QString &, const QString &) { return false; });
        page->requestAction(ServicesPage::Action::Maintenance);
        page->setConfirmation(
            [](QWidget *, const QString &, const QString &, const QString &) { return true; });
        page->requestAction(ServicesPage::Action::Maintenance);
        QTRY_COMPARE_WITH_TIMEOUT(
            stateOf(*page, QStringLiteral("payments"), QStringLiteral("payments-3")),
            InstanceState::Maintenance, 10000);
        QCOMPARE(finished.count(), 2);

        // Registered elsewhere: a new row appears without disturbing the selection.
        const Status added =
            testing::registerFleet(m_daemon->adminConnection(),
                                   {{"payments",
                                     "payments-4",
                                     "10.0.1.40:7070",
                                     {{"version", "4.1.0"}, {"color", "green"}, {"zone", "a"}}}});
        QVERIFY2(added.isOk(), added.toString().c_str());
        QTRY_COMPARE_WITH_TIMEOUT(page->filteredInstances()->rowCount(), 4, 10000);
        QCOMPARE(selectedInstanceKey(*page), QStringLiteral("payments/payments-3"));

        QVERIFY(page->selectService(QString()));
        QVERIFY(page->selectInstance(QStringLiteral("payments"), QStringLiteral("payments-2")));
        const QImage image = m_window->grab().toImage();
        QVERIFY(hasContent(image));
        QVERIFY(image.save(artifact(QStringLiteral("console-services.png"))));
    }

    void servicesSelectorFilter() {
        ServicesPage *page = m_window->servicesPage();
        QVERIFY(page->selectService(QString()));
        QCOMPARE(page->filteredInstances()->rowCount(), 10);
        QVERIFY(page->setSelectorText(QStringLiteral("color=green")));
        QCOMPARE(page->filteredInstances()->rowCount(), 4);
        QVERIFY(page->setSelectorText(QStringLiteral("zone in (b,c),color!=green")));
        QCOMPARE(page->filteredInstances()->rowCount(), 3);
        QVERIFY(page->setSelectorText(QStringLiteral("!zone")));
        QCOMPARE(page->filteredInstances()->rowCount(), 0);
        QVERIFY(page->setSelectorText(QStringLiteral("zone=a")));
        QCOMPARE(page->filteredInstances()->rowCount(), 4);
        // A bad selector is explained inline and leaves the last good filter in place.
        QVERIFY(!page->setSelectorText(QStringLiteral("zone in (a,b")));
        QVERIFY(page->selectorError().contains(QStringLiteral("zone in (a,b")));
        QCOMPARE(page->filteredInstances()->rowCount(), 4);
        QVERIFY(page->setSelectorText(QString()));
        QVERIFY(page->selectorError().isEmpty());
        QCOMPARE(page->filteredInstances()->rowCount(), 10);
    }

    void servicesActionRefusedForAViewer() {
        std::string secret;
        QCOMPARE(createToken(*m_daemon, "dashboard", v1::ROLE_VIEWER, &secret),
                 grpc::StatusCode::OK);
        ApiClient api;
        ServicesPage page(&api);
        ConnectionSettings settings;
        settings.address = QString::fromStdString(m_daemon->grpcAddress());
        settings.token = QString::fromStdString(secret);
        api.connectTo(settings);
        QTRY_VERIFY_WITH_TIMEOUT(page.hasData(), 20000);
        QVERIFY(page.selectInstance(QStringLiteral("checkout"), QStringLiteral("checkout-1")));
        page.setConfirmation(
            [](QWidget *, const QString &, const QString &, const QString &) { return true; });
        QSignalSpy finished(&page, &ServicesPage::actionFinished);
        page.requestAction(ServicesPage::Action::Deregister);
        QVERIFY(finished.wait(10000));
        const QString error = finished.first().at(2).toString();
        QVERIFY2(error.contains(QStringLiteral("PERMISSION_DENIED")), qPrintable(error));
        QVERIFY2(error.contains(QStringLiteral("checkout/checkout-1")), qPrintable(error));
        QCOMPARE(page.actionError(), error);
        QCOMPARE(stateOf(page, QStringLiteral("checkout"), QStringLiteral("checkout-1")),
                 InstanceState::Serving);
        api.shutdown();
    }

    void darkThemeRenders() {
        QVERIFY(m_window->showPage(QStringLiteral("audit")));
        m_theme->setMode(ThemeMode::Dark);
        QVERIFY(m_theme->isDark());
        QCoreApplication::processEvents();
        QImage image = m_window->grab().toImage();
        QVERIFY(hasContent(image));
        QVERIFY(qGray(image.pixel(image.width() / 2, image.height() - 60)) < 128);
        QVERIFY(image.save(artifact(QStringLiteral("console-audit-dark.png"))));
        QVERIFY(m_window->showPage(QStringLiteral("overview")));
        image = m_window->grab().toImage();
        QVERIFY(image.save(artifact(QStringLiteral("console-overview-dark.png"))));
        QVERIFY(m_window->showPage(QStringLiteral("services")));
        image = m_window->grab().toImage();
        QVERIFY(qGray(image.pixel(image.width() / 2, image.height() - 60)) < 128);
        QVERIFY(image.save(artifact(QStringLiteral("console-services-dark.png"))));
        m_theme->setMode(ThemeMode::Light);
    }

    void bannerWhenUnreachable() {
        QVERIFY(m_window->showPage(QStringLiteral("overview")));
        QCOMPARE(m_daemon->terminate(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(m_api->state(), ConnectionState::Unreachable, 20000);
        // Stale data stays on the page.
        QVERIFY(m_window->overviewPage()->cardValue(QStringLiteral("version")) !=
                QStringLiteral("—"));
        const QImage image = m_window->grab().toImage();
        QVERIFY(image.save(artifact(QStringLiteral("console-unreachable.png"))));
    }

    void cleanupTestCase() {
        m_window.reset();
        m_api.reset();
        m_daemon.reset();
    }

private:
    std::unique_ptr<testing::DaemonProcess> m_daemon;
    std::unique_ptr<ThemeController> m_theme;
    std::unique_ptr<ApiClient> m_api;
    std::unique_ptr<MainWindow> m_window;
};

QTEST_MAIN(TestConsoleWindow)
#include "tst_console_window.moc"
