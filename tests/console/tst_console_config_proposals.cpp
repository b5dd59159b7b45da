// Configuration proposals from the console against a real aegisd: ConfigApi lists, approves and
// rejects them (reasons reach the audit log), the model keeps only the pending ones row by row,
// and the proposals dialog asks with what will happen before it decides.
#include "models/config_proposal_model.h"
#include "net/config_api.h"
#include "net/session.h"
#include "views/config_proposals_dialog.h"
#include "views/theme.h"

#include "console_test_support.h"

#include <daemon_process.h>
#include <poll_until.h>

#include <aegis/v1/audit.grpc.pb.h>
#include <aegis/v1/config.grpc.pb.h>
#include <client/connection.h>

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QDir>
#include <QHeaderView>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>

using namespace aegis;
using testing::artifact;
using namespace aegis::console;
using namespace std::chrono_literals;

namespace {

ConfigProposal proposal(const QString &id, int secondsAgo,
                        ProposalState state = ProposalState::Pending) {
    ConfigProposal p;
    p.id = id;
    p.ns = QStringLiteral("payments");
    p.proposer = QStringLiteral("alice");
    p.state = state;
    p.comment = QStringLiteral("raise the limit");
    p.createTime = QDateTime::fromSecsSinceEpoch(1700000000 - secondsAgo, Qt::UTC);
    p.changes = {
        {{QStringLiteral("payments"), QStringLiteral("limits"), QStringLiteral("checkout")},
         ConfigFormat::Json,
         QStringLiteral("{\"max\": 200}"),
         3}};
    return p;
}

// Why `result` failed (QVERIFY2 builds its message whether or not it fails).
template <typename T>
QString failure(const CallResult<T> &result) {
    return result.ok() ? QString() : result.error().describe();
}

// The audit records of `method` (full gRPC name), newest first.
std::vector<v1::AuditRecord> auditOf(const testing::DaemonProcess &daemon,
                                     const std::string &method) {
    auto channel = client::makeChannel(daemon.adminConnection());
    if (!channel) {
        return {};
    }
    auto stub = v1::AuditService::NewStub(*channel);
    grpc::ClientContext context;
    client::setTimeout(context, 5s);
    v1::ListAuditRecordsRequest request;
    request.mutable_filter()->set_method(method);
    v1::ListAuditRecordsResponse response;
    if (!stub->ListAuditRecords(&context, request, &response).ok()) {
        return {};
    }
    return {response.records().begin(), response.records().end()};
}

} // namespace

class TestConsoleConfigProposals : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        applyTheme(*qApp, ThemeMode::Light, QApplication::palette());
    }

    void modelKeepsThePendingOnesOldestFirst() {
        ConfigProposalModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setProposals(QStringLiteral("payments"),
                           {proposal(QStringLiteral("p2"), 60), proposal(QStringLiteral("p1"), 600),
                            proposal(QStringLiteral("p0"), 900, ProposalState::Approved)});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.proposalAt(0).id, QStringLiteral("p1"));
        QCOMPARE(model.index(0, ConfigProposalModel::ChangesColumn).data().toString(),
                 QStringLiteral("limits/checkout (on v3)"));
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        // p1 was decided elsewhere: it leaves; another namespace's rows stay.
        model.setProposals(QStringLiteral("flags"), {proposal(QStringLiteral("f1"), 30)});
        model.setProposals(QStringLiteral("payments"), {proposal(QStringLiteral("p2"), 60)});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.rowOf(QStringLiteral("payments"), QStringLiteral("p1")), -1);
        QCOMPARE(model.proposalAt(model.rowOf(QStringLiteral("flags"), QStringLiteral("f1"))).ns,
                 QStringLiteral("flags"));
        QCOMPARE(resets.count(), 0);

        const ActionConfirmation approve =
            configProposalConfirmation(true, proposal(QStringLiteral("p2"), 60));
        QCOMPARE(approve.effect, QStringLiteral("Publishes limits/checkout (on v3) of payments to "
                                                "every instance that reads it."));
        QVERIFY(!approve.reasonRequired);
        const ActionConfirmation reject =
            configProposalConfirmation(false, proposal(QStringLiteral("p2"), 60));
        QVERIFY(reject.reasonRequired);
        QVERIFY(reject.destructive);
    }

    void approveAndRejectFromTheConsole() {
        auto started = testing::DaemonProcess::start();
        QVERIFY2(started.isOk(), started.status().toString().c_str());
        std::unique_ptr<testing::DaemonProcess> daemon = std::move(*started);
        {
            auto channel = client::makeChannel(daemon->adminConnection());
            QVERIFY(channel.isOk());
            auto stub = v1::ConfigService::NewStub(*channel);
            grpc::ClientContext context;
            client::setTimeout(context, 5s);
            v1::UpdateNamespaceRequest request;
            request.mutable_namespace_()->set_name("payments");
            request.mutable_namespace_()->set_require_approval(true);
            v1::UpdateNamespaceResponse response;
            const grpc::Status status = stub->UpdateNamespace(&context, request, &response);
            QVERIFY2(status.ok(), status.error_message().c_str());
        }
        Session api;
        ConnectionSettings settings;
        settings.address = QString::fromStdString(daemon->grpcAddress());
        settings.token = QString::fromStdString(daemon->adminToken());
        api.connectTo(settings);
        ConfigApi config(&api);
        QStringList proposed;
        for (const char *key : {"checkout", "cart"}) {
            std::optional<CallResult<ConfigPublishResult>> published;
            config.publish(
                {QStringLiteral("payments"), QStringLiteral("limits"), QString::fromLatin1(key)},
                ConfigFormat::Json, QStringLiteral("{\"max\": 200}"), 0,
                QStringLiteral("raise the limit"), this,
                [&published](const CallResult<ConfigPublishResult> &result) {
                    published = result;
                });
            QTRY_VERIFY_WITH_TIMEOUT(published.has_value(), 10000);
            QVERIFY2(published->ok(), qPrintable(failure(*published)));
            QVERIFY(published->value().proposal);
            proposed.append(published->value().proposal->id);
        }

        std::optional<CallResult<ConfigProposalList>> listed;
        config.listProposals(
            QStringLiteral("payments"), false, this,
            [&listed](const CallResult<ConfigProposalList> &result) { listed = result; });
        QTRY_VERIFY_WITH_TIMEOUT(listed.has_value(), 10000);
        QVERIFY2(listed->ok(), qPrintable(failure(*listed)));
        QCOMPARE(listed->value().proposals.size(), 2);
        QCOMPARE(listed->value().ns, QStringLiteral("payments"));

        ConfigProposalsDialog dialog(&api);
        QList<ActionConfirmation> asked;
        QString reason = QStringLiteral("checked with finance");
        dialog.setConfirmation([&](QWidget *, const ActionConfirmation &confirmation) {
            asked.append(confirmation);
            return std::optional<QString>(reason);
        });
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isLoading() && dialog.proposals()->rowCount() == 2, 10000);
        QTRY_VERIFY(dialog.approveButton()->isEnabled());
        // Ids whole: the columns follow their contents.
        const QAbstractItemView *view = dialog.table();
        QTRY_VERIFY(
            dialog.table()->horizontalHeader()->sectionSize(ConfigProposalModel::IdColumn) >=
            view->sizeHintForColumn(ConfigProposalModel::IdColumn));
        QVERIFY(dialog.grab().toImage().save(artifact(QStringLiteral("config-proposals.png"))));

        QSignalSpy decided(&dialog, &ConfigProposalsDialog::decided);
        QVERIFY(dialog.selectProposal(QStringLiteral("payments"), proposed.at(0)));
        dialog.decide(true);
        QVERIFY(decided.wait(10000));
        QCOMPARE(decided.last().at(3).toString(), QString());
        QVERIFY2(asked.last().effect.startsWith(QStringLiteral("Publishes limits/")),
                 qPrintable(asked.last().effect));
        QCOMPARE(dialog.proposals()->rowCount(), 1);
        // The reason is in the audit record of the approval.
        QVERIFY(testing::pollUntil([&] {
            const auto records = auditOf(*daemon, "/aegis.v1.ConfigService/ApproveProposal");
            return !records.empty() && records.front().summary() == "approve: checked with finance";
        }));

        reason = QStringLiteral("not this quarter");
        QVERIFY(dialog.selectProposal(QStringLiteral("payments"), proposed.at(1)));
        dialog.decide(false);
        QVERIFY(decided.wait(10000));
        QCOMPARE(decided.last().at(3).toString(), QString());
        QVERIFY(asked.last().reasonRequired);
        QCOMPARE(dialog.proposals()->rowCount(), 0);
        QVERIFY(testing::pollUntil([&] {
            const auto records = auditOf(*daemon, "/aegis.v1.ConfigService/RejectProposal");
            return !records.empty() && records.front().summary() == "reject: not this quarter";
        }));
        api.shutdown();
    }
};

QTEST_MAIN(TestConsoleConfigProposals)
#include "tst_console_config_proposals.moc"
