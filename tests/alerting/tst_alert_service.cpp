// AlertService against a real aegisd whose metrics backend is a real Prometheus and whose
// Alertmanager is a real prometheus-alertmanager: validation at the edge, rule files through the
// config center (exact bytes, compare-and-set, history), expression checks, permissions, audit,
// silences, Alertmanager's configuration, alerts and their watch.

#include "aegis/v1/alerting.grpc.pb.h"
#include "aegis/v1/audit.grpc.pb.h"
#include "aegis/v1/config.grpc.pb.h"
#include "alertmanager_process.h"
#include "api_test_helpers.h"
#include "daemon_process.h"
#include "poll_until.h"
#include "prometheus_process.h"

#include <QtTest>

#include <grpcpp/client_context.h>

#include <memory>
#include <string>

using namespace aegis;
using namespace std::chrono_literals;
namespace v1 = aegis::v1;

namespace {

void withDeadline(grpc::ClientContext &context, std::chrono::milliseconds timeout = 15s) {
    context.set_deadline(std::chrono::system_clock::now() + timeout);
}

std::string describe(const grpc::Status &status) {
    return std::to_string(status.error_code()) + ": " + status.error_message();
}

bool mentions(const grpc::Status &status, const std::string &text) {
    return status.error_message().find(text) != std::string::npos;
}

// A rule file with comments and uneven spacing: what is put comes back byte for byte.
const std::string kTeamRules = R"yaml(# Team rules, kept as written.
groups:
  - name: api
    interval: 1s
    rules:
      - alert: AlwaysOn   # fires at once
        expr: vector(1)
        labels:
          severity: page
          service: checkout
        annotations:
          summary: "always on ({{ $value }})"
)yaml";

v1::Matcher matcher(const std::string &name, const std::string &value) {
    v1::Matcher m;
    m.set_name(name);
    m.set_value(value);
    m.set_is_equal(true);
    return m;
}

} // namespace

class AlertServiceTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void putValidatesAtTheEdge_data();
    void putValidatesAtTheEdge();
    void ruleProblemsNameTheirPlace();
    void putThenGetReturnsTheExactBytes();
    void baseVersionIsCompareAndSet();
    void configServiceKeepsHistoryAndRollback();
    void defaultRulesAreShipped();
    void viewersReadButDoNotWrite();
    void mutationsAreAudited();
    void firingAlertIsListedWatchedAndSilenced();
    void silencesAreValidated();
    void alertmanagerConfigIsValidatedAndVersioned();
    void testRuleEvaluatesADraft();
    void statusNamesTheAlertmanagers();
    void withoutAlertmanagerOrMetrics();

private:
    grpc::Status put(v1::AlertService::Stub &stub, const std::string &name,
                     const std::string &content, std::int64_t base,
                     v1::PutRuleFileResponse *out = nullptr,
                     const std::string &comment = "test put");
    std::unique_ptr<v1::AlertService::Stub> stubFor(const std::string &name, v1::Role role);

    std::unique_ptr<testing::TempDir> m_dir;
    std::unique_ptr<testing::PrometheusProcess> m_prometheus;
    std::unique_ptr<testing::AlertmanagerProcess> m_alertmanager;
    std::unique_ptr<testing::DaemonProcess> m_daemon;
    std::shared_ptr<grpc::Channel> m_admin;
    std::unique_ptr<v1::AlertService::Stub> m_operator;
};

void AlertServiceTest::initTestCase() {
    m_dir = std::make_unique<testing::TempDir>();
    testing::PrometheusProcess::Options options;
    options.scrapeConfigs = [](std::uint16_t port) {
        return testing::PrometheusProcess::staticJob("prometheus",
                                                     {"127.0.0.1:" + std::to_string(port)});
    };
    auto prometheus = testing::PrometheusProcess::start(m_dir->path() / "prometheus", options);
    QVERIFY2(prometheus.isOk(), prometheus.status().message().c_str());
    m_prometheus = std::move(*prometheus);
    auto alertmanager = testing::AlertmanagerProcess::start(
        m_dir->path() / "alertmanager",
        testing::AlertmanagerProcess::webhookConfig("http://127.0.0.1:9/hook"));
    QVERIFY2(alertmanager.isOk(), alertmanager.status().message().c_str());
    m_alertmanager = std::move(*alertmanager);

    testing::DaemonOptions daemonOptions;
    daemonOptions.extraArgs = {"--metrics-backend",  "external",           "--metrics-url",
                               m_prometheus->url(),  "--alertmanager",     "external",
                               "--alertmanager-url", m_alertmanager->url()};
    auto daemon = testing::DaemonProcess::start(daemonOptions);
    QVERIFY2(daemon.isOk(), daemon.status().message().c_str());
    m_daemon = std::move(*daemon);
    m_admin = testing::channelFor(m_daemon->grpcAddress(), m_daemon->adminToken());
    m_operator = stubFor("ann", v1::ROLE_OPERATOR);
    QVERIFY(m_operator != nullptr);
}

void AlertServiceTest::cleanupTestCase() {
    m_operator.reset();
    m_admin.reset();
    if (m_daemon) {
        QCOMPARE(m_daemon->terminate(), 0);
    }
}

std::unique_ptr<v1::AlertService::Stub> AlertServiceTest::stubFor(const std::string &name,
                                                                  v1::Role role) {
    std::string secret;
    if (!testing::createToken(m_admin, name, role, &secret).ok()) {
        return nullptr;
    }
    return v1::AlertService::NewStub(testing::channelFor(m_daemon->grpcAddress(), secret));
}

grpc::Status AlertServiceTest::put(v1::AlertService::Stub &stub, const std::string &name,
                                   const std::string &content, std::int64_t base,
                                   v1::PutRuleFileResponse *out, const std::string &comment) {
    v1::PutRuleFileRequest request;
    request.set_name(name);
    request.set_content(content);
    request.set_base_version(base);
    request.set_comment(comment);
    v1::PutRuleFileResponse response;
    grpc::ClientContext context;
    withDeadline(context);
    const auto status = stub.PutRuleFile(&context, request, &response);
    if (out != nullptr) {
        *out = response;
    }
    return status;
}

void AlertServiceTest::putValidatesAtTheEdge_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("content");
    QTest::addColumn<QString>("comment");
    QTest::addColumn<qint64>("base");
    QTest::addColumn<QStringList>("mentions");

    const QString good = QString::fromStdString(kTeamRules);
    QTest::newRow("no name") << "" << good << "c" << qint64(0) << QStringList{"name", "required"};
    QTest::newRow("name with a slash")
        << "team/rules" << good << "c" << qint64(0) << QStringList{"name", "A-Z"};
    QTest::newRow("name too long")
        << QString(129, 'a') << good << "c" << qint64(0) << QStringList{"name", "129", "128"};
    QTest::newRow("no content") << "team"
                                << ""
                                << "c" << qint64(0) << QStringList{"content", "required"};
    QTest::newRow("content over 1 MiB") << "team" << QString(1024 * 1024 + 1, 'x') << "c"
                                        << qint64(0) << QStringList{"content", "1 MiB"};
    QTest::newRow("no comment") << "team" << good << "" << qint64(0)
                                << QStringList{"comment", "1024"};
    QTest::newRow("comment with a newline")
        << "team" << good << "two\nlines" << qint64(0) << QStringList{"comment"};
    QTest::newRow("negative base version")
        << "team" << good << "c" << qint64(-1) << QStringList{"base_version"};
    QTest::newRow("not a rule file") << "team"
                                     << "groups: ["
                                     << "c" << qint64(0) << QStringList{"content"};
}

void AlertServiceTest::putValidatesAtTheEdge() {
    QFETCH(QString, name);
    QFETCH(QString, content);
    QFETCH(QString, comment);
    QFETCH(qint64, base);
    QFETCH(QStringList, mentions);
    const auto status = put(*m_operator, name.toStdString(), content.toStdString(), base, nullptr,
                            comment.toStdString());
    QCOMPARE(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    for (const QString &mention : mentions) {
        QVERIFY2(::mentions(status, mention.toStdString()), status.error_message().c_str());
    }
}

void AlertServiceTest::ruleProblemsNameTheirPlace() {
    // A bad `for` is the rule file's own problem: the parser names group, rule, line and column.
    const std::string badFor = "groups:\n"
                               "  - name: api\n"
                               "    rules:\n"
                               "      - alert: Slow\n"
                               "        expr: up == 0\n"
                               "        for: soon\n";
    auto status = put(*m_operator, "bad-for", badFor, 0);
    QCOMPARE(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    for (const char *part : {"content", "api", "Slow", "line 6"}) {
        QVERIFY2(mentions(status, part), status.error_message().c_str());
    }
    // An expression Prometheus cannot parse: checked against the metrics backend.
    const std::string badExpr = "groups:\n"
                                "  - name: api\n"
                                "    rules:\n"
                                "      - alert: Broken\n"
                                "        expr: sum(rate(http_requests_total[5m]) by\n";
    status = put(*m_operator, "bad-expr", badExpr, 0);
    QCOMPARE(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    for (const char *part : {"content", "api", "Broken", "line 5"}) {
        QVERIFY2(mentions(status, part), status.error_message().c_str());
    }
    // Nothing was published.
    v1::GetRuleFileRequest get;
    get.set_name("bad-expr");
    v1::GetRuleFileResponse got;
    grpc::ClientContext context;
    withDeadline(context);
    QCOMPARE(m_operator->GetRuleFile(&context, get, &got).error_code(),
             grpc::StatusCode::NOT_FOUND);
}

void AlertServiceTest::putThenGetReturnsTheExactBytes() {
    v1::PutRuleFileResponse created;
    const auto status = put(*m_operator, "team", kTeamRules, 0, &created);
    QVERIFY2(status.ok(), describe(status).c_str());
    QCOMPARE(created.file().name(), std::string("team"));
    QCOMPARE(created.file().version(), std::int64_t(1));
    QCOMPARE(created.file().author(), std::string("ann"));
    QCOMPARE(created.file().group_count(), 1);
    QCOMPARE(created.file().rule_count(), 1);

    v1::GetRuleFileRequest get;
    get.set_name("team");
    v1::GetRuleFileResponse got;
    grpc::ClientContext context;
    withDeadline(context);
    QVERIFY(m_operator->GetRuleFile(&context, get, &got).ok());
    QCOMPARE(got.content(), kTeamRules);
    QCOMPARE(got.file().version(), std::int64_t(1));

    v1::ListRulesRequest list;
    v1::ListRulesResponse listed;
    grpc::ClientContext listContext;
    withDeadline(listContext);
    QVERIFY(m_operator->ListRules(&listContext, list, &listed).ok());
    bool fileListed = false;
    for (const auto &file : listed.files()) {
        fileListed = fileListed || (file.name() == "team" && file.rule_count() == 1);
    }
    QVERIFY(fileListed);
    QVERIFY(testing::pollUntil(
        [&] {
            v1::ListRulesRequest one;
            one.set_file("team");
            v1::ListRulesResponse rules;
            grpc::ClientContext c;
            withDeadline(c);
            if (!m_operator->ListRules(&c, one, &rules).ok() || rules.rules_size() != 1) {
                return false;
            }
            const auto &rule = rules.rules(0);
            return rule.group() == "api" && rule.name() == "AlwaysOn" &&
                   rule.expr() == "vector(1)" && rule.interval_ms() == 1000;
        },
        10s));
}

void AlertServiceTest::baseVersionIsCompareAndSet() {
    const std::string v1Content = "groups:\n  - name: cas\n    rules: []\n";
    QVERIFY(put(*m_operator, "cas", v1Content, 0).ok());
    // 0 creates: the file exists now.
    auto status = put(*m_operator, "cas", v1Content, 0);
    QCOMPARE(status.error_code(), grpc::StatusCode::ABORTED);
    QVERIFY(put(*m_operator, "cas", v1Content + "# two\n", 1).ok());
    status = put(*m_operator, "cas", v1Content + "# stale\n", 1);
    QCOMPARE(status.error_code(), grpc::StatusCode::ABORTED);
    QVERIFY2(mentions(status, "version 2"), status.error_message().c_str());
}

void AlertServiceTest::configServiceKeepsHistoryAndRollback() {
    const std::string first = "groups:\n  - name: hist\n    rules: []\n";
    QVERIFY(put(*m_operator, "hist", first, 0).ok());
    QVERIFY(put(*m_operator, "hist", first + "# second\n", 1).ok());
    auto config = v1::ConfigService::NewStub(m_admin);
    v1::ConfigItemRef ref;
    ref.set_namespace_("aegis-alerting");
    ref.set_group("rules");
    ref.set_key("hist");
    v1::ListConfigVersionsRequest versions;
    *versions.mutable_ref() = ref;
    v1::ListConfigVersionsResponse listed;
    grpc::ClientContext listContext;
    withDeadline(listContext);
    QVERIFY(config->ListConfigVersions(&listContext, versions, &listed).ok());
    QCOMPARE(listed.versions_size(), 2);
    v1::RollbackConfigRequest rollback;
    *rollback.mutable_ref() = ref;
    rollback.set_to_version(1);
    rollback.set_base_version(2);
    rollback.set_comment("back");
    v1::RollbackConfigResponse rolled;
    grpc::ClientContext rollbackContext;
    withDeadline(rollbackContext);
    const auto status = config->RollbackConfig(&rollbackContext, rollback, &rolled);
    QVERIFY2(status.ok(), describe(status).c_str());
    v1::GetRuleFileRequest get;
    get.set_name("hist");
    v1::GetRuleFileResponse got;
    grpc::ClientContext getContext;
    withDeadline(getContext);
    QVERIFY(m_operator->GetRuleFile(&getContext, get, &got).ok());
    QCOMPARE(got.content(), first);
    QCOMPARE(got.file().version(), std::int64_t(3));
}

void AlertServiceTest::defaultRulesAreShipped() {
    v1::GetRuleFileRequest get;
    get.set_name("aegis-defaults");
    v1::GetRuleFileResponse got;
    grpc::ClientContext context;
    withDeadline(context);
    const auto status = m_operator->GetRuleFile(&context, get, &got);
    QVERIFY2(status.ok(), describe(status).c_str());
    QCOMPARE(got.file().author(), std::string("aegisd"));
    QCOMPARE(got.file().version(), std::int64_t(1));
    QVERIFY(got.file().rule_count() >= 5);
}

void AlertServiceTest::viewersReadButDoNotWrite() {
    auto viewer = stubFor("vic", v1::ROLE_VIEWER);
    QVERIFY(viewer != nullptr);
    auto status = put(*viewer, "viewer-file", kTeamRules, 0);
    QCOMPARE(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    v1::ListRulesRequest list;
    v1::ListRulesResponse listed;
    grpc::ClientContext context;
    withDeadline(context);
    QVERIFY(viewer->ListRules(&context, list, &listed).ok());
    v1::CreateSilenceRequest silence;
    *silence.add_matchers() = matcher("service", "checkout");
    silence.set_duration_ms(3600000);
    silence.set_comment("viewer");
    v1::CreateSilenceResponse created;
    grpc::ClientContext silenceContext;
    withDeadline(silenceContext);
    QCOMPARE(viewer->CreateSilence(&silenceContext, silence, &created).error_code(),
             grpc::StatusCode::PERMISSION_DENIED);
}

void AlertServiceTest::mutationsAreAudited() {
    QVERIFY(put(*m_operator, "audited", "groups: []\n", 0, nullptr, "first audited put").ok());
    QCOMPARE(put(*m_operator, "audited", "groups: []\n", 0).error_code(),
             grpc::StatusCode::ABORTED);
    auto audit = v1::AuditService::NewStub(m_admin);
    v1::ListAuditRecordsRequest request;
    request.set_page_size(1000);
    v1::ListAuditRecordsResponse response;
    grpc::ClientContext context;
    withDeadline(context);
    QVERIFY(audit->ListAuditRecords(&context, request, &response).ok());
    bool published = false;
    bool aborted = false;
    for (const auto &record : response.records()) {
        if (record.method() != "/aegis.v1.AlertService/PutRuleFile" ||
            record.resource() != "alerting/rules/audited") {
            continue;
        }
        published = published || (record.code() == 0 && record.actor() == "ann" &&
                                  record.summary().find("first audited put") != std::string::npos);
        aborted = aborted || record.code() == static_cast<int>(grpc::StatusCode::ABORTED);
    }
    QVERIFY(published);
    QVERIFY(aborted);
}

void AlertServiceTest::firingAlertIsListedWatchedAndSilenced() {
    // The "team" file fires AlwaysOn every second (putThenGetReturnsTheExactBytes put it).
    grpc::ClientContext watchContext;
    withDeadline(watchContext, 30s);
    v1::WatchAlertsRequest watchRequest;
    *watchRequest.add_matchers() = matcher("alertname", "AlwaysOn");
    auto reader = m_operator->WatchAlerts(&watchContext, watchRequest);
    v1::WatchAlertsResponse first;
    QVERIFY(reader->Read(&first));
    QVERIFY(first.snapshot());
    QVERIFY(first.header().revision() > 0);
    bool firing = false;
    for (const auto &event : first.events()) {
        firing = firing || event.alert().state() == v1::ALERT_STATE_FIRING;
    }
    v1::WatchAlertsResponse next;
    while (!firing && reader->Read(&next)) {
        QVERIFY(!next.snapshot());
        for (const auto &event : next.events()) {
            firing = firing || (event.type() == v1::ALERT_EVENT_TYPE_CHANGED &&
                                event.alert().state() == v1::ALERT_STATE_FIRING);
        }
    }
    QVERIFY(firing);
    watchContext.TryCancel();

    v1::CreateSilenceRequest silence;
    *silence.add_matchers() = matcher("alertname", "AlwaysOn");
    silence.set_duration_ms(3600000);
    silence.set_comment("known, being fixed");
    v1::CreateSilenceResponse created;
    grpc::ClientContext createContext;
    withDeadline(createContext);
    auto status = m_operator->CreateSilence(&createContext, silence, &created);
    QVERIFY2(status.ok(), describe(status).c_str());
    QVERIFY(!created.silence().id().empty());
    QCOMPARE(created.silence().created_by(), std::string("ann"));

    // Marked as silenced once aegisd has fetched the silence.
    QVERIFY(testing::pollUntil(
        [&] {
            v1::ListAlertsRequest list;
            *list.add_matchers() = matcher("alertname", "AlwaysOn");
            v1::ListAlertsResponse listed;
            grpc::ClientContext c;
            withDeadline(c);
            return m_operator->ListAlerts(&c, list, &listed).ok() && listed.alerts_size() == 1 &&
                   listed.alerts(0).silenced_by_size() == 1 &&
                   listed.alerts(0).silenced_by(0) == created.silence().id();
        },
        15s));
    {
        v1::ListAlertsRequest list;
        list.set_exclude_silenced(true);
        *list.add_matchers() = matcher("alertname", "AlwaysOn");
        v1::ListAlertsResponse listed;
        grpc::ClientContext c;
        withDeadline(c);
        QVERIFY(m_operator->ListAlerts(&c, list, &listed).ok());
        QCOMPARE(listed.alerts_size(), 0);
    }

    v1::ListSilencesRequest list;
    v1::ListSilencesResponse silences;
    grpc::ClientContext listContext;
    withDeadline(listContext);
    QVERIFY(m_operator->ListSilences(&listContext, list, &silences).ok());
    QCOMPARE(silences.silences_size(), 1);
    QCOMPARE(silences.silences(0).comment(), std::string("known, being fixed"));

    v1::ExpireSilenceRequest expire;
    expire.set_id(created.silence().id());
    v1::ExpireSilenceResponse expired;
    grpc::ClientContext expireContext;
    withDeadline(expireContext);
    status = m_operator->ExpireSilence(&expireContext, expire, &expired);
    QVERIFY2(status.ok(), describe(status).c_str());
    v1::ListSilencesRequest again;
    again.set_include_expired(true);
    v1::ListSilencesResponse after;
    grpc::ClientContext againContext;
    withDeadline(againContext);
    QVERIFY(m_operator->ListSilences(&againContext, again, &after).ok());
    QCOMPARE(after.silences_size(), 1);
    QCOMPARE(after.silences(0).state(), v1::SILENCE_STATE_EXPIRED);

    // History of the rule: inactive → firing (for 0: at once) at least.
    v1::GetAlertHistoryRequest history;
    history.set_rule("team/api/AlwaysOn");
    v1::GetAlertHistoryResponse transitions;
    grpc::ClientContext historyContext;
    withDeadline(historyContext);
    QVERIFY(m_operator->GetAlertHistory(&historyContext, history, &transitions).ok());
    QVERIFY(transitions.transitions_size() >= 1);
    QCOMPARE(transitions.transitions(0).to(), v1::ALERT_STATE_FIRING);
}

void AlertServiceTest::silencesAreValidated() {
    const auto create = [&](const v1::CreateSilenceRequest &request) {
        v1::CreateSilenceResponse created;
        grpc::ClientContext context;
        withDeadline(context);
        return m_operator->CreateSilence(&context, request, &created);
    };
    v1::CreateSilenceRequest none;
    none.set_duration_ms(3600000);
    none.set_comment("c");
    auto status = create(none);
    QCOMPARE(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    QVERIFY2(mentions(status, "matchers"), status.error_message().c_str());

    v1::CreateSilenceRequest everything = none;
    v1::Matcher any;
    any.set_name("service");
    any.set_value(".*");
    any.set_is_regex(true);
    any.set_is_equal(true);
    *everything.add_matchers() = any;
    status = create(everything);
    QCOMPARE(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    QVERIFY2(mentions(status, "empty string"), status.error_message().c_str());

    v1::CreateSilenceRequest brief = none;
    *brief.add_matchers() = matcher("service", "checkout");
    brief.set_duration_ms(10000);
    status = create(brief);
    QCOMPARE(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    QVERIFY2(mentions(status, "duration") && mentions(status, "1m"),
             status.error_message().c_str());

    v1::CreateSilenceRequest uncommented = brief;
    uncommented.set_duration_ms(3600000);
    uncommented.clear_comment();
    status = create(uncommented);
    QCOMPARE(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    QVERIFY2(mentions(status, "comment"), status.error_message().c_str());
}

void AlertServiceTest::alertmanagerConfigIsValidatedAndVersioned() {
    const auto putConfig = [&](const std::string &content, std::int64_t base,
                               v1::PutAlertmanagerConfigResponse *out) {
        v1::PutAlertmanagerConfigRequest request;
        request.set_content(content);
        request.set_base_version(base);
        request.set_comment("route to the team");
        grpc::ClientContext context;
        withDeadline(context);
        return m_operator->PutAlertmanagerConfig(&context, request, out);
    };
    v1::PutAlertmanagerConfigResponse response;
    auto status = putConfig("route:\n  receiver: nobody\n", 0, &response);
    QCOMPARE(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    QVERIFY2(mentions(status, "content"), status.error_message().c_str());

    const std::string good = testing::AlertmanagerProcess::webhookConfig("http://127.0.0.1:9/x");
    status = putConfig(good, 0, &response);
    QVERIFY2(status.ok(), describe(status).c_str());
    QCOMPARE(response.version(), std::int64_t(1));
    QCOMPARE(putConfig(good, 0, &response).error_code(), grpc::StatusCode::ABORTED);

    v1::GetAlertmanagerConfigRequest get;
    v1::GetAlertmanagerConfigResponse got;
    grpc::ClientContext context;
    withDeadline(context);
    QVERIFY(m_operator->GetAlertmanagerConfig(&context, get, &got).ok());
    QCOMPARE(got.content(), good);
    QCOMPARE(got.version(), std::int64_t(1));
}

void AlertServiceTest::testRuleEvaluatesADraft() {
    v1::TestRuleRequest request;
    request.set_rule("alert: PrometheusUp\nexpr: up == 1\nlabels:\n  severity: info\n");
    request.set_interval_ms(1000);
    QVERIFY(testing::pollUntil(
        [&] {
            v1::TestRuleResponse response;
            grpc::ClientContext context;
            withDeadline(context);
            const auto status = m_operator->TestRule(&context, request, &response);
            return status.ok() && response.series_count() >= 1 && response.alerts_size() >= 1 &&
                   response.alerts(0).state() == v1::ALERT_STATE_FIRING;
        },
        15s));
    v1::TestRuleRequest recording;
    recording.set_rule("record: job:up\nexpr: sum(up)\n");
    v1::TestRuleResponse response;
    grpc::ClientContext context;
    withDeadline(context);
    QCOMPARE(m_operator->TestRule(&context, recording, &response).error_code(),
             grpc::StatusCode::INVALID_ARGUMENT);
}

void AlertServiceTest::statusNamesTheAlertmanagers() {
    QVERIFY(testing::pollUntil(
        [&] {
            v1::GetAlertingStatusRequest request;
            v1::GetAlertingStatusResponse response;
            grpc::ClientContext context;
            withDeadline(context);
            return m_operator->GetAlertingStatus(&context, request, &response).ok() &&
                   response.mode() == "external" && response.alertmanagers_size() == 1 &&
                   response.alertmanagers(0).url() == m_alertmanager->url() &&
                   response.alertmanagers(0).up() && response.rule_count() >= 1;
        },
        15s));
}

// A daemon started with --alertmanager none and --metrics-backend none: silences are refused
// with the setting to change, rule files are still validated and published.
void AlertServiceTest::withoutAlertmanagerOrMetrics() {
    auto daemon = testing::DaemonProcess::start();
    QVERIFY2(daemon.isOk(), daemon.status().message().c_str());
    auto stub = v1::AlertService::NewStub(
        testing::channelFor((*daemon)->grpcAddress(), (*daemon)->adminToken()));
    v1::CreateSilenceRequest silence;
    *silence.add_matchers() = matcher("service", "checkout");
    silence.set_duration_ms(3600000);
    silence.set_comment("no Alertmanager");
    v1::CreateSilenceResponse created;
    grpc::ClientContext createContext;
    withDeadline(createContext);
    auto status = stub->CreateSilence(&createContext, silence, &created);
    QCOMPARE(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    QVERIFY2(mentions(status, "alerting.alertmanager"), status.error_message().c_str());
    v1::ListSilencesRequest list;
    v1::ListSilencesResponse listed;
    grpc::ClientContext listContext;
    withDeadline(listContext);
    QCOMPARE(stub->ListSilences(&listContext, list, &listed).error_code(),
             grpc::StatusCode::FAILED_PRECONDITION);

    status = put(*stub, "offline", kTeamRules, 0);
    QVERIFY2(status.ok(), describe(status).c_str());
    v1::GetAlertingStatusRequest request;
    v1::GetAlertingStatusResponse response;
    grpc::ClientContext statusContext;
    withDeadline(statusContext);
    QVERIFY(stub->GetAlertingStatus(&statusContext, request, &response).ok());
    QCOMPARE(response.mode(), std::string("none"));
    QCOMPARE(response.alertmanagers_size(), 0);
    stub.reset();
    QCOMPARE((*daemon)->terminate(), 0);
}

QTEST_GUILESS_MAIN(AlertServiceTest)

#include "tst_alert_service.moc"
