#include "app/main_window.h"
#include "app/theme_controller.h"
#include "models/applied_status_model.h"
#include "models/audit_record_model.h"
#include "models/config_tree_filter_model.h"
#include "models/config_tree_model.h"
#include "models/config_version_model.h"
#include "models/health_timeline_model.h"
#include "models/instance_filter_model.h"
#include "models/instance_model.h"
#include "models/service_summary_model.h"
#include "net/session.h"
#include "views/audit_detail_pane.h"
#include "views/audit_page.h"
#include "views/code_editor.h"
#include "views/config_applied_panel.h"
#include "views/config_gray_panel.h"
#include "views/config_history_panel.h"
#include "views/config_page.h"
#include "views/config_publish_dialog.h"
#include "views/diff_view.h"
#include "views/health_check_dialog.h"
#include "views/health_timeline_view.h"
#include "views/instance_detail_pane.h"
#include "views/live_badge.h"
#include "views/metrics_page.h"
#include "views/overview_page.h"
#include "views/page_skeleton.h"
#include "views/selected_instance_health.h"
#include "views/services_page.h"

#include "console_test_support.h"

#include <daemon_process.h>
#include <fleet_seeder.h>

#include <aegis/v1/auth.grpc.pb.h>
#include <aegis/v1/config.grpc.pb.h>
#include <aegis/v1/health.grpc.pb.h>
#include <client/connection.h>

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>

#include <fstream>
#include <memory>

using namespace aegis;
using testing::artifact;
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

HealthBadge badgeOf(const ServicesPage &page, const QString &service, const QString &id) {
    const int row = page.instances()->rowOf(service, id);
    return row < 0 ? HealthBadge::Unknown : healthBadge(page.instances()->instanceAt(row).health);
}

// The check as the daemon has it now, straight over gRPC.
v1::GetHealthCheckResponse currentCheck(const testing::DaemonProcess &daemon,
                                        const std::string &service) {
    v1::GetHealthCheckResponse response;
    auto channel = client::makeChannel(daemon.adminConnection());
    if (!channel) {
        return response;
    }
    auto stub = v1::HealthService::NewStub(*channel);
    grpc::ClientContext context;
    client::setTimeout(context, 5s);
    v1::GetHealthCheckRequest request;
    request.set_service(service);
    stub->GetHealthCheck(&context, request, &response);
    return response;
}

// Someone else edits the check meanwhile.
grpc::StatusCode changeCheckElsewhere(const testing::DaemonProcess &daemon,
                                      const std::string &service, int rise) {
    auto channel = client::makeChannel(daemon.adminConnection());
    if (!channel) {
        return grpc::StatusCode::INTERNAL;
    }
    v1::UpdateHealthCheckRequest request;
    request.set_service(service);
    *request.mutable_check() = currentCheck(daemon, service).check();
    request.mutable_check()->set_rise(rise);
    auto stub = v1::HealthService::NewStub(*channel);
    grpc::ClientContext context;
    client::setTimeout(context, 5s);
    v1::UpdateHealthCheckResponse response;
    return stub->UpdateHealthCheck(&context, request, &response).error_code();
}

// The config item as the daemon has it now, straight over gRPC.
v1::ConfigItem currentConfig(const testing::DaemonProcess &daemon, const std::string &group,
                             const std::string &key, const std::string &ns = "prod") {
    auto channel = client::makeChannel(daemon.adminConnection());
    if (!channel) {
        return {};
    }
    auto stub = v1::ConfigService::NewStub(*channel);
    grpc::ClientContext context;
    client::setTimeout(context, 5s);
    v1::GetConfigItemRequest request;
    request.mutable_ref()->set_namespace_(ns);
    request.mutable_ref()->set_group(group);
    request.mutable_ref()->set_key(key);
    v1::GetConfigItemResponse response;
    stub->GetConfigItem(&context, request, &response);
    return response.item();
}

// Another operator publishes with their own token.
grpc::StatusCode publishElsewhere(const testing::DaemonProcess &daemon, const std::string &token,
                                  const std::string &content, std::int64_t baseVersion,
                                  const std::string &comment) {
    client::ConnectionOptions options = daemon.adminConnection();
    options.tokenFile.clear();
    options.token = token;
    auto channel = client::makeChannel(options);
    if (!channel) {
        return grpc::StatusCode::INTERNAL;
    }
    auto stub = v1::ConfigService::NewStub(*channel);
    grpc::ClientContext context;
    client::setTimeout(context, 5s);
    v1::PublishConfigRequest request;
    auto *change = request.mutable_change();
    change->mutable_ref()->set_namespace_("prod");
    change->mutable_ref()->set_group("checkout");
    change->mutable_ref()->set_key("app.yaml");
    change->set_content(content);
    change->set_base_version(baseVersion);
    request.set_comment(comment);
    v1::PublishConfigResponse response;
    return stub->PublishConfig(&context, request, &response).error_code();
}

QString replaced(QString text, const QString &from, const QString &to) {
    return text.replace(from, to);
}

const ConfigItemRef kCheckoutApp{QStringLiteral("prod"), QStringLiteral("checkout"),
                                 QStringLiteral("app.yaml")};

// Artifacts go next to the test binary, i.e. into the test's build directory.
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
        m_configDir = std::make_unique<testing::TempDir>();
        auto daemon = testing::startDaemonWithConfig(*m_configDir, testing::demoHealthConfig());
        QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
        m_daemon = std::move(*daemon);
        QCOMPARE(createToken(*m_daemon, "deploy-bot"), grpc::StatusCode::OK);
        QCOMPARE(createToken(*m_daemon, "ci-runner"), grpc::StatusCode::OK);
        // A failed mutation is audited too.
        QCOMPARE(createToken(*m_daemon, "deploy-bot"), grpc::StatusCode::ALREADY_EXISTS);
        const Status fleet =
            testing::registerFleet(m_daemon->adminConnection(), testing::demoFleet());
        QVERIFY2(fleet.isOk(), fleet.toString().c_str());
        const Status health = testing::seedDemoHealth(m_daemon->adminConnection());
        QVERIFY2(health.isOk(), health.toString().c_str());
        const Status seeded = testing::seedDemoConfig(m_daemon->adminConnection());
        QVERIFY2(seeded.isOk(), seeded.toString().c_str());

        m_theme = std::make_unique<ThemeController>();
        m_theme->setMode(ThemeMode::Light);
        SessionOptions options;
        options.statusInterval = 500ms;
        m_api = std::make_unique<Session>(options);
        m_window = std::make_unique<MainWindow>(m_api.get(), m_theme.get());
        m_window->connectWith(testing::adminSettings(*m_daemon), QStringLiteral("test daemon"));
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
        // The control plane: one aegisd on SQLite, which leads.
        const auto *plane = overview->findChild<QLabel *>(QStringLiteral("controlPlane"));
        QVERIFY(plane != nullptr);
        QTRY_VERIFY_WITH_TIMEOUT(plane->text().contains(QStringLiteral("SQLite")), 20000);
        QVERIFY(plane->text().contains(QStringLiteral("Leader: ")));
        QVERIFY(plane->text().contains(QStringLiteral("leader, this connection")));
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
        QTRY_VERIFY_WITH_TIMEOUT(m_window->auditPage()->isWatchLive(), 20000);
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
        QTRY_VERIFY_WITH_TIMEOUT(m_window->servicesPage()->isWatchLive(), 20000);
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

    void servicesPageShowsHealth() {
        QVERIFY(m_window->showPage(QStringLiteral("services")));
        ServicesPage *page = m_window->servicesPage();
        QTRY_VERIFY_WITH_TIMEOUT(page->hasData(), 20000);
        const QString checkout = QStringLiteral("checkout");
        const QString payments = QStringLiteral("payments");
        // Every badge, as the daemon's checks and the callers' reports decided them, arrives
        // through the list and the watch (critical and ejected ones included).
        QTRY_COMPARE_WITH_TIMEOUT(badgeOf(*page, checkout, QStringLiteral("checkout-1")),
                                  HealthBadge::Passing, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(badgeOf(*page, checkout, QStringLiteral("checkout-2")),
                                  HealthBadge::Warning, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(badgeOf(*page, checkout, QStringLiteral("checkout-3")),
                                  HealthBadge::Critical, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(badgeOf(*page, payments, QStringLiteral("payments-2")),
                                  HealthBadge::Flapping, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(badgeOf(*page, payments, QStringLiteral("payments-3")),
                                  HealthBadge::Ejected, 10000);
        QCOMPARE(badgeOf(*page, QStringLiteral("inventory"), QStringLiteral("inventory-1")),
                 HealthBadge::Unknown);
        const int critical = page->instances()->rowOf(checkout, QStringLiteral("checkout-3"));
        const QString tip = page->instances()
                                ->index(critical, InstanceModel::HealthColumn)
                                .data(Qt::ToolTipRole)
                                .toString();
        QVERIFY2(tip.contains(QStringLiteral("database unreachable")), qPrintable(tip));
        // A third of checkout is critical, over its 30 % threshold: panic, so still routed.
        QVERIFY2(tip.contains(QStringLiteral("Routed")), qPrintable(tip));
        const int checkoutRow = page->services()->rowOf(checkout);
        QTRY_VERIFY_WITH_TIMEOUT(page->services()
                                     ->index(checkoutRow, ServiceSummaryModel::NameColumn)
                                     .data(ServiceSummaryModel::PanicRole)
                                     .toBool(),
                                 10000);
        QCOMPARE(page->services()
                     ->index(checkoutRow, ServiceSummaryModel::UnhealthyColumn)
                     .data()
                     .toString(),
                 QStringLiteral("1"));
        QVERIFY(!page->services()
                     ->index(page->services()->rowOf(payments), ServiceSummaryModel::NameColumn)
                     .data(ServiceSummaryModel::PanicRole)
                     .toBool());

        // The detail pane: the live check detail and the transitions of the last hour.
        QVERIFY(page->selectService(checkout));
        QVERIFY(page->selectInstance(checkout, QStringLiteral("checkout-3")));
        InstanceDetailPane *detail = page->detailPane();
        QTRY_VERIFY_WITH_TIMEOUT(
            detail->fieldText(QStringLiteral("check")).startsWith(QStringLiteral("ttl")), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(page->selectedHealth()->hasHistory(), 10000);
        HealthTimelineModel *timeline = page->selectedHealth()->timeline();
        QVERIFY(timeline->rowCount() >= 1);
        QCOMPARE(
            timeline->index(timeline->rowCount() - 1).data(HealthTimelineModel::BadgeRole).toInt(),
            int(HealthBadge::Critical));
        QVERIFY(detail->fieldText(QStringLiteral("output"))
                    .contains(QStringLiteral("database unreachable")));

        // The Overview counts the same fleet.
        const HealthCounts counts = page->services()->healthCounts(0);
        QCOMPARE(m_window->overviewPage()->cardValue(QStringLiteral("unhealthy")),
                 QString::number(counts.unhealthy));
        QCOMPARE(m_window->overviewPage()->cardValue(QStringLiteral("healthy")),
                 QString::number(counts.passing));

        QImage image = m_window->grab().toImage();
        QVERIFY(hasContent(image));
        QVERIFY(image.save(artifact(QStringLiteral("console-services-health.png"))));
        QVERIFY(m_window->showPage(QStringLiteral("overview")));
        QVERIFY(m_window->grab().toImage().save(
            artifact(QStringLiteral("console-overview-health.png"))));
        QVERIFY(m_window->showPage(QStringLiteral("services")));

        // A fleet that has run for an hour, for the look of the strip: synthetic transitions in
        // the pane's own model (the next refresh replaces them).
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const auto at = [&now](int minutesAgo) { return now.addSecs(-60 * minutesAgo); };
        const auto step = [&at](HealthStatus from, HealthStatus to, int minutesAgo,
                                bool flapping = false) {
            HealthTransition t;
            t.from = from;
            t.to = to;
            t.time = at(minutesAgo);
            t.flapping = flapping;
            t.reason = QStringLiteral("1 consecutive result");
            return t;
        };
        timeline->setHistory({step(HealthStatus::Passing, HealthStatus::Critical, 4),
                              step(HealthStatus::Warning, HealthStatus::Passing, 18),
                              step(HealthStatus::Passing, HealthStatus::Warning, 22),
                              step(HealthStatus::Critical, HealthStatus::Passing, 31, true),
                              step(HealthStatus::Passing, HealthStatus::Critical, 36, true),
                              step(HealthStatus::Unknown, HealthStatus::Passing, 58)},
                             page->instances()->instanceAt(critical).health, at(59), now);
        QVERIFY(detail->grab().toImage().save(
            artifact(QStringLiteral("console-instance-timeline.png"))));
    }

    void healthCheckEditorLoadsSavesAndSeesConflicts() {
        QVERIFY(m_window->showPage(QStringLiteral("services")));
        ServicesPage *page = m_window->servicesPage();
        QVERIFY(page->selectService(QString()));
        QVERIFY(page->openHealthCheckEditor() == nullptr); // "All services" has no check
        QVERIFY(page->selectService(QStringLiteral("checkout")));
        QPointer<HealthCheckDialog> dialog = page->openHealthCheckEditor();
        QVERIFY(dialog);
        QTRY_COMPARE_WITH_TIMEOUT(dialog->stage(), HealthCheckDialog::Stage::Editing, 10000);
        const qint64 loadedAt = currentCheck(*m_daemon, "checkout").mod_revision();
        QCOMPARE(dialog->baseRevision(), loadedAt);
        auto *kind = dialog->findChild<QComboBox *>(QStringLiteral("kind"));
        QCOMPARE(kind->currentData().toString(), QStringLiteral("ttl"));
        QCOMPARE(dialog->findChild<QLineEdit *>(QStringLiteral("ttl"))->text(),
                 QStringLiteral("1h"));
        QCOMPARE(dialog->findChild<QSpinBox *>(QStringLiteral("panic_threshold"))->value(), 30);
        QVERIFY(
            dialog->grab().toImage().save(artifact(QStringLiteral("console-health-check.png"))));

        // Saved through the daemon, conditioned on the loaded revision; the dialog closes.
        dialog->findChild<QSpinBox *>(QStringLiteral("fall"))->setValue(2);
        QVERIFY(dialog->save());
        QTRY_VERIFY_WITH_TIMEOUT(dialog.isNull(), 10000);
        const auto saved = currentCheck(*m_daemon, "checkout");
        QCOMPARE(saved.check().fall(), 2);
        QCOMPARE(saved.check().kind(), std::string("ttl"));
        QVERIFY(saved.mod_revision() > loadedAt);

        // Someone else saves in between: this one is refused, not silently overwritten.
        dialog = page->openHealthCheckEditor();
        QTRY_COMPARE_WITH_TIMEOUT(dialog->stage(), HealthCheckDialog::Stage::Editing, 10000);
        QCOMPARE(changeCheckElsewhere(*m_daemon, "checkout", 3), grpc::StatusCode::OK);
        dialog->findChild<QSpinBox *>(QStringLiteral("fall"))->setValue(4);
        QVERIFY(dialog->save());
        QTRY_VERIFY_WITH_TIMEOUT(dialog->hasConflict(), 10000);
        QVERIFY2(
            dialog->messageText().contains(QStringLiteral("Someone changed this health check")),
            qPrintable(dialog->messageText()));
        QVERIFY(!dialog->save());
        QVERIFY(dialog->grab().toImage().save(
            artifact(QStringLiteral("console-health-check-conflict.png"))));
        QCOMPARE(currentCheck(*m_daemon, "checkout").check().fall(), 2);
        dialog->reload();
        QTRY_COMPARE_WITH_TIMEOUT(dialog->stage(), HealthCheckDialog::Stage::Editing, 10000);
        QVERIFY(!dialog->hasConflict());
        QCOMPARE(dialog->findChild<QSpinBox *>(QStringLiteral("rise"))->value(), 3);
        QCOMPARE(dialog->baseRevision(), currentCheck(*m_daemon, "checkout").mod_revision());
        dialog->reject();
        QTRY_VERIFY_WITH_TIMEOUT(dialog.isNull(), 5000);
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
        Session api;
        ServicesPage page(&api);
        ConnectionSettings settings;
        settings.address = QString::fromStdString(m_daemon->grpcAddress());
        settings.token = QString::fromStdString(secret);
        api.connectTo(settings);
        QTRY_VERIFY_WITH_TIMEOUT(page.hasData(), 20000);
        QVERIFY(page.selectInstance(QStringLiteral("checkout"), QStringLiteral("checkout-1")));

        // The role comes with the session's identity: every action that changes an instance is
        // disabled, and its tooltip says why; the health check can still be read.
        QTRY_VERIFY_WITH_TIMEOUT(api.identity() && api.identity()->isViewer(), 10000);
        const QStringList mutating = {QStringLiteral("Drain"), QStringLiteral("Maintenance"),
                                      QStringLiteral("Serve"), QStringLiteral("Deregister…")};
        int checked = 0;
        for (QAction *action : page.findChildren<QAction *>()) {
            if (!mutating.contains(action->text())) {
                continue;
            }
            ++checked;
            QVERIFY2(!action->isEnabled(), qPrintable(action->text()));
            QVERIFY2(action->toolTip().contains(QStringLiteral("viewer role")),
                     qPrintable(action->toolTip()));
            QVERIFY2(action->toolTip().contains(QStringLiteral("dashboard")),
                     qPrintable(action->toolTip()));
        }
        QCOMPARE(checked, mutating.size());
        page.resize(1440, 900);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        QVERIFY(page.grab().save(artifact(QStringLiteral("console-services-viewer.png"))));
        page.hide();

        // The daemon is the authority: an action sent anyway is refused and the refusal shown.
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

        // A viewer may read the check but not change it; the daemon's reason is shown.
        QVERIFY(page.selectService(QStringLiteral("checkout")));
        QPointer<HealthCheckDialog> dialog = page.openHealthCheckEditor();
        QTRY_COMPARE_WITH_TIMEOUT(dialog->stage(), HealthCheckDialog::Stage::Editing, 10000);
        QAbstractButton *save = nullptr;
        for (QAbstractButton *button : dialog->findChild<QDialogButtonBox *>()->buttons()) {
            save = button->text() == QStringLiteral("Save") ? button : save;
        }
        QVERIFY(save);
        QVERIFY(!save->isEnabled());
        QVERIFY2(save->toolTip().contains(QStringLiteral("viewer role")),
                 qPrintable(save->toolTip()));
        QVERIFY(dialog->save());
        QTRY_COMPARE_WITH_TIMEOUT(dialog->stage(), HealthCheckDialog::Stage::Editing, 10000);
        QVERIFY2(dialog->messageText().contains(QStringLiteral("PERMISSION_DENIED")),
                 qPrintable(dialog->messageText()));
        QVERIFY(!dialog->hasConflict());
        dialog->reject();
        api.shutdown();
    }

    void configPageEditsPublishesAndSeesConflicts() {
        QVERIFY(m_window->showPage(QStringLiteral("config")));
        ConfigPage *page = m_window->configPage();
        QTRY_VERIFY_WITH_TIMEOUT(page->hasData(), 20000);
        // aegis-alerting holds the default rule file aegisd creates at its first start.
        QCOMPARE(page->tree()->namespaceNames(),
                 (QStringList{"aegis-alerting", "prod", "staging"}));
        QCOMPARE(page->tree()->itemCount(), 6);
        QTRY_VERIFY_WITH_TIMEOUT(m_window->configPage()->isWatchLive(), 20000);
        QVERIFY(page->selectItem(kCheckoutApp));
        QTRY_VERIFY_WITH_TIMEOUT(page->openItem() && page->openItem()->ref == kCheckoutApp, 10000);
        QCOMPARE(page->openItem()->version, 3);
        CodeEditor *editor = page->editor();
        const QString published = QString::fromStdString(testing::demoCheckoutYaml());
        QCOMPARE(editor->toPlainText(), published);
        QCOMPARE(editor->contentFormat(), ConfigFormat::Yaml);
        QVERIFY(!editor->isReadOnly());
        QVERIFY(page->writeBlockedReason().isEmpty());

        // Search narrows the tree.
        page->setSearchText(QStringLiteral("gateway"));
        QCOMPARE(page->filteredTree()->rowCount(), 1);
        page->setSearchText(QString());
        QCOMPARE(page->filteredTree()->rowCount(), 3);

        // A YAML error: marked on its line after a short pause, explained under the editor.
        editor->setPlainText(replaced(published, QStringLiteral("  pool: 20\n"),
                                      QStringLiteral("  pool: 20\n bad: indent\n")));
        QTRY_COMPARE_WITH_TIMEOUT(editor->problemLine(), 10, 5000);
        QVERIFY2(page->problemText().startsWith(QStringLiteral("Line 10")),
                 qPrintable(page->problemText()));
        QVERIFY(page->openReview() == nullptr);
        QVERIFY(m_window->grab().save(artifact(QStringLiteral("console-config-error.png"))));

        // A good edit, reviewed and published with base_version = 3.
        const QString edit =
            replaced(published, QStringLiteral("pool: 20"), QStringLiteral("pool: 40"));
        editor->setPlainText(edit);
        QTRY_VERIFY_WITH_TIMEOUT(!editor->problem(), 5000);
        QVERIFY(page->isDirty());
        QPointer<ConfigPublishDialog> dialog = page->openReview();
        QVERIFY(dialog);
        QCOMPARE(dialog->baseVersion(), 3);
        const SideBySideDiff &diff = dialog->diffView()->diff();
        QCOMPARE(diff.added, 1);
        QCOMPARE(diff.removed, 1);
        const auto changed = std::find_if(diff.rows.cbegin(), diff.rows.cend(), [](const auto &r) {
            return r.kind == DiffRow::Kind::Changed;
        });
        QVERIFY(changed != diff.rows.cend());
        QCOMPARE(changed->left.trimmed(), QStringLiteral("pool: 20"));
        QCOMPARE(changed->right.trimmed(), QStringLiteral("pool: 40"));
        QCOMPARE(changed->leftLine, changed->rightLine);
        QVERIFY(dialog->grab().save(artifact(QStringLiteral("console-config-review.png"))));
        QVERIFY(!dialog->publish()); // a comment is required
        QVERIFY(dialog->messageText().contains(QStringLiteral("comment is required")));
        dialog->setComment(QStringLiteral("pool 40 for the sale"));
        QVERIFY(dialog->publish());
        QTRY_VERIFY_WITH_TIMEOUT(dialog.isNull(), 10000);
        auto now = currentConfig(*m_daemon, "checkout", "app.yaml");
        QCOMPARE(now.version(), 4);
        QCOMPARE(QString::fromStdString(now.content()), edit);
        QCOMPARE(now.comment(), std::string("pool 40 for the sale"));
        QTRY_COMPARE_WITH_TIMEOUT(page->openItem()->version, 4, 5000);
        QVERIFY(!page->isDirty());
        QTRY_COMPARE_WITH_TIMEOUT(
            page->tree()->itemAt(page->tree()->indexOf(kCheckoutApp))->version, 4, 5000);

        // Someone else publishes while this edit is open: the page says so and keeps the edit.
        std::string aliceToken;
        QCOMPARE(createToken(*m_daemon, "alice", v1::ROLE_OPERATOR, &aliceToken),
                 grpc::StatusCode::OK);
        const QString mine = replaced(edit, QStringLiteral("pool: 40"), QStringLiteral("pool: 45"));
        editor->setPlainText(mine);
        const QString theirs =
            replaced(edit, QStringLiteral("gift_cards: false"), QStringLiteral("gift_cards: true"));
        QCOMPARE(
            publishElsewhere(*m_daemon, aliceToken, theirs.toStdString(), 4, "gift cards back on"),
            grpc::StatusCode::OK);
        QTRY_VERIFY_WITH_TIMEOUT(page->noticeText().contains(QStringLiteral("alice published v5")),
                                 10000);
        QCOMPARE(editor->toPlainText(), mine);
        QCOMPARE(page->openItem()->version, 4);

        // Publishing from v4 is refused; the dialog shows their v5 against the edit.
        dialog = page->openReview();
        QVERIFY(dialog);
        QCOMPARE(dialog->baseVersion(), 4);
        dialog->setComment(QStringLiteral("pool 45"));
        QVERIFY(dialog->publish());
        QTRY_COMPARE_WITH_TIMEOUT(dialog->stage(), ConfigPublishDialog::Stage::Conflict, 10000);
        QVERIFY(dialog->theirs());
        QCOMPARE(dialog->theirs()->version, 5);
        QCOMPARE(dialog->theirs()->author, QStringLiteral("alice"));
        QVERIFY2(dialog->messageText().contains(QStringLiteral("gift cards back on")),
                 qPrintable(dialog->messageText()));
        QVERIFY(dialog->messageText().contains(QStringLiteral("Someone else published first")));
        // Re-diffed: their gift_cards line against the edit's, and the edit's pool line.
        const SideBySideDiff &rediff = dialog->diffView()->diff();
        QCOMPARE(rediff.added, 2);
        QCOMPARE(rediff.removed, 2);
        QCOMPARE(currentConfig(*m_daemon, "checkout", "app.yaml").version(), 5);
        QVERIFY(dialog->grab().save(artifact(QStringLiteral("console-config-conflict.png"))));
        QVERIFY(dialog->publishOverTheirs());
        QTRY_VERIFY_WITH_TIMEOUT(dialog.isNull(), 10000);
        now = currentConfig(*m_daemon, "checkout", "app.yaml");
        QCOMPARE(now.version(), 6);
        QCOMPARE(QString::fromStdString(now.content()), mine);
        QTRY_COMPARE_WITH_TIMEOUT(page->openItem()->version, 6, 5000);
        QVERIFY(page->noticeText().isEmpty());
    }

    void configConflictCanDiscardTheEdit() {
        ConfigPage *page = m_window->configPage();
        CodeEditor *editor = page->editor();
        const qint64 base = page->openItem()->version;
        editor->setPlainText(editor->toPlainText() + QStringLiteral("# mine\n"));
        std::string token;
        QCOMPARE(createToken(*m_daemon, "bob", v1::ROLE_OPERATOR, &token), grpc::StatusCode::OK);
        const std::string theirs =
            currentConfig(*m_daemon, "checkout", "app.yaml").content() + "# theirs\n";
        QCOMPARE(publishElsewhere(*m_daemon, token, theirs, base, "bob's note"),
                 grpc::StatusCode::OK);
        QPointer<ConfigPublishDialog> dialog = page->openReview();
        QVERIFY(dialog);
        dialog->setComment(QStringLiteral("note"));
        QVERIFY(dialog->publish());
        QTRY_COMPARE_WITH_TIMEOUT(dialog->stage(), ConfigPublishDialog::Stage::Conflict, 10000);
        dialog->discardEdit();
        QTRY_VERIFY_WITH_TIMEOUT(dialog.isNull(), 5000);
        QCOMPARE(page->openItem()->version, base + 1);
        QCOMPARE(editor->toPlainText(), QString::fromStdString(theirs));
        QVERIFY(!page->isDirty());
    }

    void configHistoryDiffsAndRollsBack() {
        ConfigPage *page = m_window->configPage();
        page->showTab(ConfigPage::Tab::History);
        ConfigHistoryPanel *history = page->historyPanel();
        const qint64 latest = page->openItem()->version;
        QTRY_COMPARE_WITH_TIMEOUT(history->versions()->rowCount(), int(latest), 10000);
        QCOMPARE(history->versions()->versionAt(0).version, latest);
        QCOMPARE(history->versions()->versionAt(int(latest) - 3).comment,
                 QStringLiteral("bigger pool for the sale; gift cards off"));
        QVERIFY(history->selectVersions({3, 6}));
        QTRY_COMPARE_WITH_TIMEOUT(history->diffedVersions(), (QPair<qint64, qint64>(3, 6)), 10000);
        QVERIFY(history->diffView()->diff().added > 0);
        QVERIFY(m_window->grab().save(artifact(QStringLiteral("console-config-history.png"))));

        history->setCommentPrompt(
            [](QWidget *, const QString &, const QString &) -> std::optional<QString> {
                return QStringLiteral("back to the sale config");
            });
        QVERIFY(history->selectVersions({3}));
        history->requestRollback();
        QTRY_COMPARE_WITH_TIMEOUT(currentConfig(*m_daemon, "checkout", "app.yaml").version(),
                                  latest + 1, 10000);
        QCOMPARE(currentConfig(*m_daemon, "checkout", "app.yaml").content(),
                 testing::demoCheckoutYaml());
        QTRY_COMPARE_WITH_TIMEOUT(page->openItem()->version, latest + 1, 5000);
        QCOMPARE(page->editor()->toPlainText(),
                 QString::fromStdString(testing::demoCheckoutYaml()));
        QTRY_COMPARE_WITH_TIMEOUT(history->versions()->rowCount(), int(latest) + 1, 10000);
        QCOMPARE(history->versions()->versionAt(0).kind, ConfigVersionKind::Rollback);
        QCOMPARE(history->versions()->versionAt(0).restores, 3);
    }

    void configGrayReleaseStartsAndCancels() {
        ConfigPage *page = m_window->configPage();
        page->showTab(ConfigPage::Tab::Gray);
        ConfigGrayPanel *gray = page->grayPanel();
        QVERIFY(!gray->isInProgress());
        const QString published = page->editor()->toPlainText();
        page->editor()->setPlainText(
            replaced(published, QStringLiteral("pool: 20"), QStringLiteral("pool: 30")));
        gray->setTarget(ConfigGrayPanel::Target::Selector, QStringLiteral("zone=a"));
        QVERIFY(!gray->start()); // no comment
        gray->setComment(QStringLiteral("try pool 30 in zone a"));
        QVERIFY(gray->start());
        QTRY_VERIFY_WITH_TIMEOUT(gray->isInProgress(), 10000);
        const auto item = currentConfig(*m_daemon, "checkout", "app.yaml");
        QVERIFY(item.has_gray());
        QCOMPARE(item.gray().selector(), std::string("zone=a"));
        QVERIFY(m_window->grab().save(artifact(QStringLiteral("console-config-gray.png"))));
        QVERIFY(gray->cancel());
        QTRY_VERIFY_WITH_TIMEOUT(!gray->isInProgress(), 10000);
        QVERIFY(!currentConfig(*m_daemon, "checkout", "app.yaml").has_gray());

        page->showTab(ConfigPage::Tab::Applied);
        ConfigAppliedPanel *applied = page->appliedPanel();
        QTRY_VERIFY_WITH_TIMEOUT(applied->model()->rowCount() == 3, 10000);
        QVERIFY2(applied->summaryText().contains(QStringLiteral("checkout-3")),
                 qPrintable(applied->summaryText()));
        QVERIFY(m_window->grab().save(artifact(QStringLiteral("console-config-applied.png"))));
        page->showTab(ConfigPage::Tab::Editor);
        // Leave the page clean for the other tests.
        page->selectItem(kCheckoutApp);
        if (page->isDirty()) {
            page->editor()->setPlainText(page->openItem()->content);
        }
    }

    void configPageIsReadOnlyForViewers() {
        std::string secret;
        QCOMPARE(createToken(*m_daemon, "config-reader", v1::ROLE_VIEWER, &secret),
                 grpc::StatusCode::OK);
        Session api;
        ConfigPage page(&api);
        page.resize(1200, 800);
        ConnectionSettings settings;
        settings.address = QString::fromStdString(m_daemon->grpcAddress());
        settings.token = QString::fromStdString(secret);
        api.connectTo(settings);
        QTRY_VERIFY_WITH_TIMEOUT(page.hasData(), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(page.identity().isViewer(), 10000);
        // The secret arrives masked, and the editor is read-only for a viewer in any case.
        QVERIFY(page.selectItem(
            {QStringLiteral("prod"), QStringLiteral("payments"), QStringLiteral("api-key")}));
        QTRY_VERIFY_WITH_TIMEOUT(page.openItem() && page.openItem()->ref.key == "api-key", 10000);
        QVERIFY(page.openItem()->masked);
        QCOMPARE(page.editor()->toPlainText(), QStringLiteral("********"));
        QVERIFY(page.editor()->isReadOnly());
        QVERIFY2(page.writeBlockedReason().contains(QStringLiteral("viewer")),
                 qPrintable(page.writeBlockedReason()));
        QVERIFY(page.selectItem(kCheckoutApp));
        QTRY_VERIFY_WITH_TIMEOUT(page.openItem() && page.openItem()->ref == kCheckoutApp, 10000);
        QVERIFY(page.editor()->isReadOnly());
        QVERIFY(page.openReview() == nullptr);
        auto *review = page.findChild<QPushButton *>(QStringLiteral("reviewAndPublish"));
        QVERIFY(review && !review->isEnabled());
        QVERIFY(review->toolTip().contains(QStringLiteral("viewer")));
        api.shutdown();
    }

    // Every page is built in the same skeleton: its status line says loading, failure, not
    // loaded or the summary, in that order, with the last action's note after; its error banner
    // stays until dismissed; its badge follows the session and the page's watch.
    void pageSkeletonStates() {
        Session session;
        PageSkeleton skeleton(&session, QStringLiteral("Title"), QStringLiteral("Subtitle"));
        skeleton.addLiveBadge(QStringLiteral("live tip"), QStringLiteral("offline tip"));
        skeleton.setBody(new QLabel(QStringLiteral("body")));
        PageStatus status;
        status.summary = QStringLiteral("3 things");
        skeleton.showStatus(status);
        QCOMPARE(skeleton.statusText(), QStringLiteral("Not loaded yet"));
        status.loading = true;
        status.failure = QStringLiteral("Could not list: down");
        skeleton.showStatus(status);
        QCOMPARE(skeleton.statusText(), QStringLiteral("Loading…"));
        status.loading = false;
        skeleton.showStatus(status);
        QCOMPARE(skeleton.statusText(), QStringLiteral("Could not list: down"));
        status.failure.clear();
        status.loaded = true;
        status.note = QStringLiteral("Drained a/1");
        skeleton.showStatus(status);
        QCOMPARE(skeleton.statusText(), QStringLiteral("3 things  ·  Drained a/1"));

        skeleton.showError(QStringLiteral("Could not drain"));
        QCOMPARE(skeleton.errorText(), QStringLiteral("Could not drain"));
        QSignalSpy dismissed(&skeleton, &PageSkeleton::errorDismissed);
        QPushButton *dismiss = nullptr;
        for (QPushButton *button : skeleton.findChildren<QPushButton *>()) {
            dismiss = button->text() == QStringLiteral("Dismiss") ? button : dismiss;
        }
        QVERIFY(dismiss);
        dismiss->click();
        QCOMPARE(dismissed.count(), 1);
        QVERIFY(skeleton.errorText().isEmpty());

        auto *badge = skeleton.findChild<LiveBadge *>();
        QVERIFY(badge);
        QVERIFY(badge->text().contains(QStringLiteral("Paused")));
        skeleton.setWatchState(false, QStringLiteral("connection refused"));
        QVERIFY(badge->text().contains(QStringLiteral("Reconnecting")));
        QCOMPARE(badge->toolTip(), QStringLiteral("connection refused"));
        skeleton.setWatchState(true, {});
        QVERIFY(skeleton.isWatchLive());
        QVERIFY(badge->text().contains(QStringLiteral("Live")));
        QCOMPARE(badge->toolTip(), QStringLiteral("live tip"));
    }

    // The test daemon runs with metrics.backend none: the page says so instead of empty charts
    // (the page with data: tst_console_metrics).
    void metricsPageWithoutMetrics() {
        QVERIFY(m_window->showPage(QStringLiteral("metrics")));
        QCOMPARE(m_window->currentPage(), QStringLiteral("metrics"));
        QTRY_VERIFY_WITH_TIMEOUT(m_window->pageHasData(QStringLiteral("metrics")), 10000);
        QVERIFY(!m_window->metricsPage()->backendNote().isEmpty());
        QTest::qWait(100);
        for (const QSize size : {QSize(1280, 800), QSize(1920, 1080)}) {
            m_window->resize(size);
            QTest::qWait(200);
            QVERIFY(m_window->grab().save(artifact(QStringLiteral("console-metrics-off-%1x%2.png")
                                                       .arg(size.width())
                                                       .arg(size.height()))));
        }
        m_window->resize(1440, 900);
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
        QVERIFY(m_window->servicesPage()->selectService(QStringLiteral("payments")));
        QPointer<HealthCheckDialog> dialog = m_window->servicesPage()->openHealthCheckEditor();
        QTRY_COMPARE_WITH_TIMEOUT(dialog->stage(), HealthCheckDialog::Stage::Editing, 10000);
        QVERIFY(dialog->grab().toImage().save(
            artifact(QStringLiteral("console-health-check-dark.png"))));
        dialog->reject();

        // The Config page with an error marker, in the dark.
        QVERIFY(m_window->showPage(QStringLiteral("config")));
        ConfigPage *config = m_window->configPage();
        QVERIFY(config->selectItem(kCheckoutApp));
        QTRY_VERIFY_WITH_TIMEOUT(config->openItem() && config->openItem()->ref == kCheckoutApp,
                                 10000);
        const QString published = config->openItem()->content;
        config->editor()->setPlainText(replaced(published, QStringLiteral("  pool: 20\n"),
                                                QStringLiteral("  pool: 20\n bad: indent\n")));
        config->editor()->validateNow();
        QCOMPARE(config->editor()->problemLine(), 10);
        QCoreApplication::processEvents();
        image = m_window->grab().toImage();
        QVERIFY(qGray(image.pixel(image.width() / 2, image.height() - 60)) < 128);
        QVERIFY(image.save(artifact(QStringLiteral("console-config-error-dark.png"))));
        config->editor()->setPlainText(published);
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
        m_configDir.reset();
    }

private:
    std::unique_ptr<testing::TempDir> m_configDir;
    std::unique_ptr<testing::DaemonProcess> m_daemon;
    std::unique_ptr<ThemeController> m_theme;
    std::unique_ptr<Session> m_api;
    std::unique_ptr<MainWindow> m_window;
};

QTEST_MAIN(TestConsoleWindow)
#include "tst_console_window.moc"
