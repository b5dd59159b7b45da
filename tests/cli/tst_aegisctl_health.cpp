// aegisctl's health commands end to end: the real aegisctl binary against a real aegisd whose
// checks probe real HTTP servers run by the test, checked by exit codes, stdout and stderr.

#include "aegisctl_fixture.h"
#include "poll_until.h"
#include "test_servers.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <memory>
#include <optional>

using namespace std::chrono_literals;
using aegis::health::testing::TestHttpServer;
using aegis::testing::Args;
using aegis::testing::BackgroundCommand;
using aegis::testing::CommandResult;
using aegis::testing::describe;
using aegis::testing::jsonInt;
using aegis::testing::lines;
using aegis::testing::pollUntil;
using nlohmann::json;

namespace {

bool contains(const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
}

// The line of `text` that contains `part`; empty when none does.
std::string lineWith(const std::string &text, const std::string &part) {
    for (const auto &line : lines(text)) {
        if (contains(line, part)) {
            return line;
        }
    }
    return {};
}

} // namespace

class TestAegisctlHealth : public QObject, private aegis::testing::AegisctlFixture {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void showWithoutCheckListsInstances();
    void showUnknownServiceIsNotFound();
    void setHttpCheckTurnsPassing();
    void failingServerTurnsCritical();
    void instancesListShowsHealth();
    void getShowsLiveCheck();
    void historyListsTransitionsNewestFirst();
    void watchReplaysTransitions();
    void watchFollowsLiveTransitionsUntilSigterm();
    void invalidIntervalIsInvalidArgument();
    void staleExpectRevisionIsAborted();
    void ttlCheckTakesReports();
    void reportToHttpCheckIsFailedPrecondition();
    void deleteCheck();
    void usageErrors_data();
    void usageErrors();
    void help_data();
    void help();

private:
    void registerAt(const std::string &service, const std::string &id, std::uint16_t port);
    // The instance as `health show -o json` lists it.
    std::optional<json> shownInstance(const std::string &service, const std::string &id) const;
    bool waitForStatus(const std::string &service, const std::string &id,
                       const std::string &status) const;
    std::int64_t modRevision(const std::string &service) const;

    // web-1 answers what a test says; web-2 always 200.
    std::unique_ptr<TestHttpServer> m_flaky;
    std::unique_ptr<TestHttpServer> m_steady;
};

void TestAegisctlHealth::initTestCase() {
    startDaemon();
    m_flaky = std::make_unique<TestHttpServer>();
    m_steady = std::make_unique<TestHttpServer>();
    m_flaky->respondWith(200);
    m_steady->respondWith(200);
}

void TestAegisctlHealth::cleanupTestCase() {
    stopDaemon();
    m_flaky.reset();
    m_steady.reset();
}

void TestAegisctlHealth::registerAt(const std::string &service, const std::string &id,
                                    std::uint16_t port) {
    CHECK_EXIT(ctl({"instances", "register", service, id, "127.0.0.1:" + std::to_string(port),
                    "--ttl", "1h"}),
               0);
}

std::optional<json> TestAegisctlHealth::shownInstance(const std::string &service,
                                                      const std::string &id) const {
    const auto shown = ctlJson({"health", "show", service});
    if (!shown.is_object()) {
        return std::nullopt;
    }
    for (const auto &instance : shown.at("instances")) {
        if (instance.at("id") == id) {
            return instance;
        }
    }
    return std::nullopt;
}

bool TestAegisctlHealth::waitForStatus(const std::string &service, const std::string &id,
                                       const std::string &status) const {
    return pollUntil(
        [&] {
            const auto instance = shownInstance(service, id);
            return instance && instance->at("health").at("status") == status;
        },
        20s);
}

std::int64_t TestAegisctlHealth::modRevision(const std::string &service) const {
    const auto shown = ctlJson({"health", "show", service});
    return shown.is_object() ? jsonInt(shown.at("modRevision")) : -1;
}

void TestAegisctlHealth::showWithoutCheckListsInstances() {
    registerAt("web", "web-1", m_flaky->port());
    registerAt("web", "web-2", m_steady->port());
    const auto shown = ctl({"health", "show", "web"});
    CHECK_EXIT(shown, 0);
    QVERIFY2(contains(shown.out, "no health check configured"), shown.out.c_str());
    QVERIFY2(contains(shown.out, "2 instances: 2 unknown; not in panic"), shown.out.c_str());
    QVERIFY2(contains(lineWith(shown.out, "web-1"), "127.0.0.1:"), shown.out.c_str());
    QVERIFY2(!lineWith(shown.out, "web-2").empty(), shown.out.c_str());

    const auto asJson = ctlJson({"health", "show", "web"});
    QVERIFY(asJson.is_object());
    QVERIFY(asJson.at("check").is_null());
    QCOMPARE(asJson.at("instances").size(), std::size_t(2));
    QCOMPARE(asJson.at("counts").at("status").at("unknown").get<int>(), 2);
}

void TestAegisctlHealth::showUnknownServiceIsNotFound() {
    const auto shown = ctl({"health", "show", "nothing-here"});
    CHECK_EXIT(shown, 1);
    QVERIFY2(shown.err.starts_with("error: NOT_FOUND: "), shown.err.c_str());
    QVERIFY(shown.out.empty());
}

void TestAegisctlHealth::setHttpCheckTurnsPassing() {
    const auto set = ctl({"health",
                          "set",
                          "web",
                          "--http",
                          "/healthz",
                          "--interval",
                          "200ms",
                          "--probe-timeout",
                          "150ms",
                          "--rise",
                          "1",
                          "--fall",
                          "1",
                          "--status",
                          "200-399",
                          "--header",
                          "X-Probe=aegisctl",
                          "--jitter",
                          "0s",
                          "--deregister-after",
                          "0s",
                          "--panic-threshold",
                          "0.5"});
    CHECK_EXIT(set, 0);
    QVERIFY2(contains(set.out, "Health check of web set (revision "), set.out.c_str());
    for (const char *row : {"kind", "path", "interval", "timeout", "rise", "fall", "status",
                            "header", "panic threshold", "mod revision"}) {
        QVERIFY2(!lineWith(set.out, row).empty(), set.out.c_str());
    }
    QVERIFY2(contains(lineWith(set.out, "path"), "/healthz"), set.out.c_str());
    QVERIFY2(contains(lineWith(set.out, "interval"), "200ms"), set.out.c_str());
    QVERIFY2(contains(lineWith(set.out, "timeout"), "150ms"), set.out.c_str());
    QVERIFY2(contains(lineWith(set.out, "status"), "200-399"), set.out.c_str());
    QVERIFY2(contains(lineWith(set.out, "header"), "X-Probe: aegisctl"), set.out.c_str());
    QVERIFY2(contains(lineWith(set.out, "deregister after"), "never"), set.out.c_str());

    QVERIFY(waitForStatus("web", "web-1", "HEALTH_STATUS_PASSING"));
    QVERIFY(waitForStatus("web", "web-2", "HEALTH_STATUS_PASSING"));
    QCOMPARE(m_flaky->lastHeader("X-Probe"), std::string("aegisctl"));

    const auto shown = ctl({"health", "show", "web"});
    CHECK_EXIT(shown, 0);
    QVERIFY2(contains(shown.out, "2 instances: 2 passing; not in panic"), shown.out.c_str());
    QVERIFY2(contains(lineWith(shown.out, "kind"), "http"), shown.out.c_str());
    const auto header = lineWith(shown.out, "ROUTABLE");
    for (const char *column : {"ID", "ADDRESS", "STATE", "HEALTH", "ROUTABLE", "SINCE", "REASON"}) {
        QVERIFY2(contains(header, column), shown.out.c_str());
    }
    const auto row = lineWith(shown.out, "web-1");
    QVERIFY2(contains(row, "passing") && contains(row, "yes"), shown.out.c_str());

    const auto asJson = ctlJson({"health", "show", "web"});
    QCOMPARE(asJson.at("check").at("kind").get<std::string>(), std::string("http"));
    QCOMPARE(asJson.at("check").at("options").at("path").get<std::string>(),
             std::string("/healthz"));
    QVERIFY(jsonInt(asJson.at("modRevision")) > 0);
    QCOMPARE(asJson.at("panic").get<bool>(), false);
}

void TestAegisctlHealth::failingServerTurnsCritical() {
    m_flaky->respondWith(503, "down");
    QVERIFY(waitForStatus("web", "web-1", "HEALTH_STATUS_CRITICAL"));
    const auto shown = ctl({"health", "show", "web"});
    CHECK_EXIT(shown, 0);
    // One of two unroutable is not more than the 0.5 threshold: no panic.
    QVERIFY2(contains(shown.out, "2 instances: 1 passing, 1 critical; 1 unroutable; not in panic"),
             shown.out.c_str());
    const auto row = lineWith(shown.out, "web-1");
    QVERIFY2(contains(row, "critical") && contains(row, " no ") && contains(row, "HTTP 503"),
             shown.out.c_str());
    const auto instance = shownInstance("web", "web-1");
    QVERIFY(instance.has_value());
    QCOMPARE(instance->value("routable", true), false);
}

void TestAegisctlHealth::instancesListShowsHealth() {
    // The critical instance is listed too, so that operators see every instance.
    const auto listed = ctl({"instances", "list", "web"});
    CHECK_EXIT(listed, 0);
    const auto rows = lines(listed.out);
    QCOMPARE(rows.size(), std::size_t(3));
    QVERIFY2(contains(rows[0], "HEALTH"), rows[0].c_str());
    QVERIFY2(contains(lineWith(listed.out, "web-1"), "critical"), listed.out.c_str());
    QVERIFY2(contains(lineWith(listed.out, "web-2"), "passing"), listed.out.c_str());

    const auto got = ctl({"services", "get", "web"});
    CHECK_EXIT(got, 0);
    QVERIFY2(contains(lineWith(got.out, "serving"), "2"), got.out.c_str());
    QVERIFY2(contains(lineWith(got.out, "unroutable"), "1"), got.out.c_str());
}

void TestAegisctlHealth::getShowsLiveCheck() {
    const auto got = ctl({"health", "get", "web", "web-1"});
    CHECK_EXIT(got, 0);
    QVERIFY2(contains(lineWith(got.out, "status"), "critical"), got.out.c_str());
    QVERIFY2(contains(lineWith(got.out, "routable"), "no"), got.out.c_str());
    QVERIFY2(
        contains(lineWith(got.out, "check "), "http 127.0.0.1:" + std::to_string(m_flaky->port())),
        got.out.c_str());
    QVERIFY2(contains(lineWith(got.out, "last output"), "HTTP 503"), got.out.c_str());
    QVERIFY2(!lineWith(got.out, "probes").empty(), got.out.c_str());

    const auto asJson = ctlJson({"health", "get", "web", "web-1"});
    QVERIFY(asJson.is_object());
    QCOMPARE(asJson.at("health").at("status").get<std::string>(),
             std::string("HEALTH_STATUS_CRITICAL"));
    QVERIFY(jsonInt(asJson.at("check").at("probeCount")) > 0);

    const auto missing = ctl({"health", "get", "web", "web-9"});
    CHECK_EXIT(missing, 1);
    QVERIFY2(missing.err.starts_with("error: NOT_FOUND: "), missing.err.c_str());
}

void TestAegisctlHealth::historyListsTransitionsNewestFirst() {
    const auto history = ctl({"health", "history", "web", "web-1"});
    CHECK_EXIT(history, 0);
    const auto rows = lines(history.out);
    QVERIFY2(rows.size() >= 3, history.out.c_str());
    for (const char *column : {"TIME", "REVISION", "CHANGE", "REASON", "OUTPUT"}) {
        QVERIFY2(contains(rows[0], column), rows[0].c_str());
    }
    QVERIFY2(contains(rows[1], "passing → critical") && contains(rows[1], "HTTP 503"),
             history.out.c_str());
    QVERIFY2(contains(rows[2], "unknown → passing"), history.out.c_str());

    const auto asJson = ctlJson({"health", "history", "web", "web-1"});
    QVERIFY(asJson.is_object());
    const auto &transitions = asJson.at("transitions");
    QVERIFY(transitions.size() >= 2);
    QCOMPARE(transitions[0].at("from").get<std::string>(), std::string("HEALTH_STATUS_PASSING"));
    QCOMPARE(transitions[0].at("to").get<std::string>(), std::string("HEALTH_STATUS_CRITICAL"));
    QVERIFY(jsonInt(transitions[0].at("revision")) > jsonInt(transitions[1].at("revision")));

    // --limit stops early, says so, and keeps the token to go on from.
    const auto limited = ctl({"health", "history", "web", "web-1", "--limit", "1"});
    CHECK_EXIT(limited, 0);
    QCOMPARE(lines(limited.out).size(), std::size_t(2));
    QVERIFY2(contains(limited.err, "--limit"), limited.err.c_str());
    const auto limitedJson = ctlJson({"health", "history", "web", "web-1", "--limit", "1"});
    QCOMPARE(limitedJson.at("transitions").size(), std::size_t(1));
    QVERIFY(!limitedJson.value("nextPageToken", "").empty());
}

void TestAegisctlHealth::watchReplaysTransitions() {
    const auto history = ctlJson({"health", "history", "web", "web-1"});
    QVERIFY(history.is_object());
    const auto critical = jsonInt(history.at("transitions")[0].at("revision"));
    const auto replayed = ctl({"health", "watch", "web", "--from", std::to_string(critical),
                               "--count", "1", "--for", "20s", "-o", "json"});
    CHECK_EXIT(replayed, 0);
    const auto events = lines(replayed.out);
    QVERIFY2(events.size() == 1, describe(replayed).c_str());
    const auto transition = json::parse(events[0]);
    QCOMPARE(transition.at("instanceId").get<std::string>(), std::string("web-1"));
    QCOMPARE(transition.at("to").get<std::string>(), std::string("HEALTH_STATUS_CRITICAL"));
    QCOMPARE(jsonInt(transition.at("revision")), critical);

    const auto table = ctl({"health", "watch", "web", "--from", std::to_string(critical), "--count",
                            "1", "--for", "20s"});
    CHECK_EXIT(table, 0);
    const auto rows = lines(table.out);
    QVERIFY2(rows.size() == 2, describe(table).c_str());
    QVERIFY2(contains(rows[0], "TIME") && contains(rows[0], "CHANGE"), rows[0].c_str());
    QVERIFY2(contains(rows[1], "web/web-1") && contains(rows[1], "passing → critical"),
             rows[1].c_str());

    // A bounded watch with nothing to show ends quietly at --for.
    const auto quiet = ctl({"health", "watch", "no-transitions", "--for", "500ms"});
    CHECK_EXIT(quiet, 0);
}

void TestAegisctlHealth::watchFollowsLiveTransitionsUntilSigterm() {
    BackgroundCommand watch(withConnection({"health", "watch", "web"}));
    // The header is printed once the stream is established.
    QVERIFY2(pollUntil([&] { return watch.out().starts_with("TIME"); }), watch.describe().c_str());
    m_flaky->respondWith(200);
    QVERIFY2(pollUntil([&] { return contains(watch.out(), "critical → passing"); }, 20s),
             watch.describe().c_str());
    QVERIFY2(contains(lineWith(watch.out(), "critical → passing"), "web/web-1"),
             watch.describe().c_str());
    watch.signal(SIGTERM);
    QVERIFY2(pollUntil([&] { return watch.exited(); }), watch.describe().c_str());
    QVERIFY2(watch.exitCode() == 0, watch.describe().c_str());
}

void TestAegisctlHealth::invalidIntervalIsInvalidArgument() {
    // The server owns the limits: a well-formed but out-of-range value is its INVALID_ARGUMENT,
    // naming the field.
    const auto result = ctl({"health", "set", "web", "--http", "/", "--interval", "10ms"});
    CHECK_EXIT(result, 1);
    QVERIFY2(result.err.starts_with("error: INVALID_ARGUMENT: "), result.err.c_str());
    QVERIFY2(contains(result.err, "interval_ms"), result.err.c_str());
    QVERIFY(result.out.empty());
}

void TestAegisctlHealth::staleExpectRevisionIsAborted() {
    const auto current = modRevision("web");
    QVERIFY(current > 0);
    const Args check = {"health", "set", "web",    "--http", "/healthz", "--interval", "200ms",
                        "--rise", "1",   "--fall", "1",      "--status", "200-399"};
    auto withRevision = [&](std::int64_t revision) {
        Args args = check;
        args.insert(args.end(), {"--expect-revision", std::to_string(revision)});
        return args;
    };
    const auto stale = ctl(withRevision(current - 1));
    CHECK_EXIT(stale, 1);
    QVERIFY2(stale.err.starts_with("error: ABORTED: "), stale.err.c_str());
    QVERIFY2(contains(stale.err, std::to_string(current)), stale.err.c_str());
    // -1 requires that there is no check yet.
    const auto exists = ctl(withRevision(-1));
    CHECK_EXIT(exists, 1);
    QVERIFY2(exists.err.starts_with("error: ABORTED: "), exists.err.c_str());

    const auto updated = ctlJson(withRevision(current));
    QVERIFY(updated.is_object());
    QVERIFY(jsonInt(updated.at("modRevision")) > current);
    QCOMPARE(updated.at("check").at("kind").get<std::string>(), std::string("http"));
    QCOMPARE(modRevision("web"), jsonInt(updated.at("modRevision")));
}

void TestAegisctlHealth::ttlCheckTakesReports() {
    registerAt("batch", "batch-1", 9);
    const auto set = ctlJson({"health", "set", "batch", "--ttl", "30s", "--interval", "200ms",
                              "--rise", "1", "--fall", "1", "--expect-revision", "-1"});
    QVERIFY(set.is_object());
    QCOMPARE(set.at("check").at("options").at("ttl").get<std::string>(), std::string("30s"));

    // The instance's check starts shortly after the configuration; until then there is nothing
    // to report to.
    CommandResult reported;
    QVERIFY(pollUntil([&] {
        reported =
            ctl({"health", "report", "batch", "batch-1", "passing", "--message", "all good"});
        return reported.exitCode == 0;
    }));
    QVERIFY2(contains(reported.out, "Reported passing for batch/batch-1"), reported.out.c_str());
    QVERIFY(waitForStatus("batch", "batch-1", "HEALTH_STATUS_PASSING"));

    CHECK_EXIT(ctl({"health", "report", "batch", "batch-1", "critical", "--message", "disk full"}),
               0);
    QVERIFY(waitForStatus("batch", "batch-1", "HEALTH_STATUS_CRITICAL"));
    const auto got = ctl({"health", "get", "batch", "batch-1"});
    CHECK_EXIT(got, 0);
    QVERIFY2(contains(lineWith(got.out, "output"), "disk full"), got.out.c_str());
    QVERIFY2(contains(lineWith(got.out, "check "), "ttl"), got.out.c_str());

    const auto shown = ctl({"health", "show", "batch"});
    CHECK_EXIT(shown, 0);
    QVERIFY2(contains(lineWith(shown.out, "ttl "), "30s"), shown.out.c_str());
    // The only instance is critical: more than half unroutable, so the service is in panic and
    // discovery hands it out anyway.
    QVERIFY2(contains(shown.out, "1 instance: 1 critical"), shown.out.c_str());
    QVERIFY2(contains(shown.out, "IN PANIC"), shown.out.c_str());
    QVERIFY2(contains(lineWith(shown.out, "batch-1"), "yes (panic)"), shown.out.c_str());
}

void TestAegisctlHealth::reportToHttpCheckIsFailedPrecondition() {
    const auto result = ctl({"health", "report", "web", "web-1", "passing"});
    CHECK_EXIT(result, 1);
    QVERIFY2(result.err.starts_with("error: FAILED_PRECONDITION: "), result.err.c_str());
}

void TestAegisctlHealth::deleteCheck() {
    const auto deleted = ctl({"health", "delete", "web"});
    CHECK_EXIT(deleted, 0);
    QVERIFY2(contains(deleted.out, "Deleted the health check of web"), deleted.out.c_str());
    QVERIFY(waitForStatus("web", "web-1", "HEALTH_STATUS_UNKNOWN"));
    const auto shown = ctl({"health", "show", "web"});
    CHECK_EXIT(shown, 0);
    QVERIFY2(contains(shown.out, "no health check configured"), shown.out.c_str());
    QVERIFY2(contains(shown.out, "2 instances"), shown.out.c_str());

    const auto again = ctl({"health", "delete", "web"});
    CHECK_EXIT(again, 1);
    QVERIFY2(again.err.starts_with("error: NOT_FOUND: "), again.err.c_str());
    QVERIFY(ctlJson({"health", "delete", "batch"}).is_object());
}

void TestAegisctlHealth::usageErrors_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    const QStringList set = {"health", "set", "svc"};
    const QStringList http = set + QStringList{"--http", "/"};
    QTest::newRow("health needs a subcommand") << QStringList{"health"} << "needs a subcommand";
    QTest::newRow("unknown subcommand") << QStringList{"health", "cure"} << "unknown command";
    QTest::newRow("show without service") << QStringList{"health", "show"} << "missing SERVICE";
    QTest::newRow("set without kind") << set << "exactly one of --http";
    QTest::newRow("set two kinds") << http + QStringList{"--tcp"} << "exactly one of --http";
    QTest::newRow("set path without slash") << set + QStringList{"--http", "healthz"} << "--http";
    QTest::newRow("set bad interval") << http + QStringList{"--interval", "soon"} << "--interval";
    QTest::newRow("set zero interval") << http + QStringList{"--interval", "0s"} << "--interval";
    QTest::newRow("set bad probe timeout")
        << http + QStringList{"--probe-timeout", "1 second"} << "--probe-timeout";
    QTest::newRow("set bad jitter") << http + QStringList{"--jitter", "a bit"} << "--jitter";
    QTest::newRow("set bad deregister-after")
        << http + QStringList{"--deregister-after", "later"} << "--deregister-after";
    QTest::newRow("set bad ttl") << set + QStringList{"--ttl", "forever"} << "--ttl";
    QTest::newRow("set bad status") << http + QStringList{"--status", "399-200"} << "--status";
    QTest::newRow("set status on tcp")
        << set + QStringList{"--tcp", "--status", "200"} << "--status";
    QTest::newRow("set bad header") << http + QStringList{"--header", "X-Probe"} << "--header";
    QTest::newRow("set duplicate header")
        << http + QStringList{"--header", "A=1", "--header", "A=2"} << "more than once";
    QTest::newRow("set bad port") << http + QStringList{"--port", "70000"} << "--port";
    QTest::newRow("set port not a number") << http + QStringList{"--port", "http"} << "port";
    QTest::newRow("set zero rise") << http + QStringList{"--rise", "0"} << "--rise";
    QTest::newRow("set rise not a number") << http + QStringList{"--rise", "many"} << "rise";
    QTest::newRow("set bad panic threshold")
        << http + QStringList{"--panic-threshold", "1.5"} << "--panic-threshold";
    QTest::newRow("set bad initial") << http + QStringList{"--initial", "sick"} << "--initial";
    QTest::newRow("set bad expect-revision")
        << http + QStringList{"--expect-revision=-5"} << "--expect-revision";
    QTest::newRow("set bad flap transitions")
        << http + QStringList{"--flap-max-transitions=-1"} << "--flap-max-transitions";
    QTest::newRow("get without instance")
        << QStringList{"health", "get", "svc"} << "missing INSTANCE";
    QTest::newRow("history bad limit")
        << QStringList{"health", "history", "svc", "id-1", "--limit", "0"} << "--limit";
    QTest::newRow("report without status")
        << QStringList{"health", "report", "svc", "id-1"} << "missing STATUS";
    QTest::newRow("report bad status")
        << QStringList{"health", "report", "svc", "id-1", "fine"} << "STATUS";
    QTest::newRow("report unknown")
        << QStringList{"health", "report", "svc", "id-1", "unknown"} << "STATUS";
    QTest::newRow("watch bad count") << QStringList{"health", "watch", "--count=-1"} << "--count";
    QTest::newRow("watch bad from") << QStringList{"health", "watch", "--from=-5"} << "--from";
    QTest::newRow("watch bad for") << QStringList{"health", "watch", "--for", "ever"} << "--for";
}

void TestAegisctlHealth::usageErrors() {
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    checkUsageError(args, message);
}

void TestAegisctlHealth::help_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("expected");
    QTest::newRow("general") << QStringList{"--help"} << "health show";
    QTest::newRow("health group") << QStringList{"health", "--help"} << "health history";
    QTest::newRow("set") << QStringList{"health", "set", "--help"} << "--panic-threshold";
    QTest::newRow("watch") << QStringList{"help", "health", "watch"} << "--from";
    QTest::newRow("report") << QStringList{"health", "report", "-h"} << "--message";
}

void TestAegisctlHealth::help() {
    QFETCH(QStringList, args);
    QFETCH(QString, expected);
    Args argv = {AEGISCTL_PATH};
    for (const auto &arg : args) {
        argv.push_back(arg.toStdString());
    }
    const auto result = aegis::testing::runCommand(argv);
    CHECK_EXIT(result, 0);
    QVERIFY2(contains(result.out, expected.toStdString()), result.out.c_str());
}

QTEST_GUILESS_MAIN(TestAegisctlHealth)
#include "tst_aegisctl_health.moc"
