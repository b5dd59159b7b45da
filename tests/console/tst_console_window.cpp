#include "app/main_window.h"
#include "app/theme_controller.h"
#include "models/audit_record_model.h"
#include "net/api_client.h"
#include "views/audit_detail_pane.h"
#include "views/audit_page.h"
#include "views/overview_page.h"

#include <daemon_process.h>

#include <aegis/v1/auth.grpc.pb.h>
#include <client/connection.h>

#include <QApplication>
#include <QDir>
#include <QItemSelectionModel>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>

#include <memory>

using namespace aegis;
using namespace aegis::console;
using namespace std::chrono_literals;

namespace {

grpc::StatusCode createToken(const testing::DaemonProcess &daemon, const std::string &name) {
    auto channel = client::makeChannel(daemon.adminConnection());
    if (!channel) {
        return grpc::StatusCode::INTERNAL;
    }
    auto stub = v1::AuthService::NewStub(*channel);
    grpc::ClientContext context;
    client::setTimeout(context, 5s);
    v1::CreateTokenRequest request;
    request.set_name(name);
    request.set_role(v1::ROLE_OPERATOR);
    request.set_description("created by tst_console_window");
    v1::CreateTokenResponse response;
    return stub->CreateToken(&context, request, &response).error_code();
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

    void darkThemeRenders() {
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
