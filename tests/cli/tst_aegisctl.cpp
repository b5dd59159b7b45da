// aegisctl end to end: every case runs the real aegisctl binary against a real aegisd and checks
// exit codes, stdout and stderr the way a script or a person would read them.

#include "aegisctl_fixture.h"
#include "loopback_ports.h"
#include "poll_until.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <sys/resource.h>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using aegis::testing::Args;
using aegis::testing::BackgroundCommand;
using aegis::testing::CommandResult;
using aegis::testing::lines;
using aegis::testing::pollUntil;
using nlohmann::json;

class TestAegisctl : public QObject, private aegis::testing::AegisctlFixture {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void statusTable();
    void statusJson();
    void defaultsFromEnvironment();
    void tokenLifecycle();
    void createPrintsSecretOnce();
    void serviceTokenBoundToServices();
    void revokeUnknownIsNotFound();
    void auditListFilters();
    void auditListFollowsPages();
    void logLevel();
    void extensionsList();
    void auditWatch();
    void auditWatchResumesAcrossADaemonRestart();
    void watchesShareTheWatchService();
    void usageErrors_data();
    void usageErrors();
    void helpForEveryCommand_data();
    void helpForEveryCommand();
    void unreachableServer();
    void serverSideUnavailableHasNoReachabilityHint();

private:
    std::string createToken(const std::string &name, const std::string &role);
};

void TestAegisctl::initTestCase() {
    startDaemon();
}

void TestAegisctl::cleanupTestCase() {
    stopDaemon();
}

std::string TestAegisctl::createToken(const std::string &name, const std::string &role) {
    const auto created = ctlJson({"tokens", "create", name, "--role", role});
    return created.is_object() ? created.value("secret", "") : std::string();
}

void TestAegisctl::statusTable() {
    const auto result = ctl({"status"});
    CHECK_EXIT(result, 0);
    QVERIFY(result.err.empty());
    const auto rows = lines(result.out);
    QVERIFY(rows.size() >= 8);
    // Aligned columns: every value starts where the header's VALUE does.
    const auto valueColumn = rows[0].find("VALUE");
    QCOMPARE(rows[0].substr(0, 5), std::string("FIELD"));
    QVERIFY(valueColumn != std::string::npos);
    std::map<std::string, std::string> fields;
    for (std::size_t i = 1; i < rows.size(); ++i) {
        QVERIFY2(rows[i].size() > valueColumn && rows[i][valueColumn - 1] == ' ' &&
                     rows[i][valueColumn] != ' ',
                 rows[i].c_str());
        auto key = rows[i].substr(0, valueColumn);
        key.erase(key.find_last_not_of(' ') + 1);
        fields[key] = rows[i].substr(valueColumn);
    }
    QCOMPARE(fields["server"], daemon().grpcAddress());
    QCOMPARE(fields["store"], std::string("sqlite"));
    QVERIFY(!fields["version"].empty());
    QVERIFY(std::all_of(fields["revision"].begin(), fields["revision"].end(), ::isdigit));
    QVERIFY2(fields["started"].find("ago") != std::string::npos ||
                 fields["started"].find("just now") != std::string::npos,
             fields["started"].c_str());
}

void TestAegisctl::statusJson() {
    const auto result = ctl({"status", "-o", "json"});
    CHECK_EXIT(result, 0);
    const auto status = json::parse(result.out);
    QVERIFY(status.is_object());
    QCOMPARE(status.at("storeKind").get<std::string>(), std::string("sqlite"));
    QVERIFY(!status.at("version").get<std::string>().empty());
    QVERIFY(status.at("header").contains("revision"));
    QVERIFY(status.contains("startTime"));
    QVERIFY(status.contains("logLevel"));
    // The global flag may come before the command too.
    const auto before = ctl({"-o", "json", "status"});
    CHECK_EXIT(before, 0);
    QVERIFY(json::parse(before.out).is_object());
}

void TestAegisctl::defaultsFromEnvironment() {
    // With no flags, aegisctl finds the server in AEGIS_SERVER and the token in the local
    // daemon's admin.token under XDG_DATA_HOME.
    aegis::testing::TempDir dataHome;
    std::filesystem::create_directories(dataHome.path() / "aegis");
    std::filesystem::copy_file(daemon().adminTokenFile(), dataHome.path() / "aegis/admin.token");
    const std::string oldDataHome =
        std::getenv("XDG_DATA_HOME") ? std::getenv("XDG_DATA_HOME") : "";
    ::setenv("XDG_DATA_HOME", dataHome.path().c_str(), 1);
    ::setenv("AEGIS_SERVER", daemon().grpcAddress().c_str(), 1);
    const auto withFile = aegis::testing::runCommand({AEGISCTL_PATH, "whoami", "-o", "json"});

    // AEGIS_TOKEN beats the default file; a missing default file means no token at all.
    std::filesystem::remove(dataHome.path() / "aegis/admin.token");
    const auto withoutToken = aegis::testing::runCommand({AEGISCTL_PATH, "status"});
    ::setenv("AEGIS_TOKEN", adminToken().c_str(), 1);
    const auto withEnvToken = aegis::testing::runCommand({AEGISCTL_PATH, "status"});

    ::unsetenv("AEGIS_TOKEN");
    ::unsetenv("AEGIS_SERVER");
    if (oldDataHome.empty()) {
        ::unsetenv("XDG_DATA_HOME");
    } else {
        ::setenv("XDG_DATA_HOME", oldDataHome.c_str(), 1);
    }

    CHECK_EXIT(withFile, 0);
    QCOMPARE(json::parse(withFile.out).at("token").at("role").get<std::string>(),
             std::string("ROLE_ADMIN"));
    CHECK_EXIT(withoutToken, 1);
    QVERIFY2(withoutToken.err.starts_with("error: UNAUTHENTICATED: "), withoutToken.err.c_str());
    QVERIFY2(withoutToken.err.find("AEGIS_TOKEN") != std::string::npos, withoutToken.err.c_str());
    CHECK_EXIT(withEnvToken, 0);
}

void TestAegisctl::tokenLifecycle() {
    const auto created = ctlJson({"tokens", "create", "ci-viewer", "--role", "viewer",
                                  "--description", "CI dashboards", "--ttl", "24h"});
    QVERIFY(created.is_object());
    const auto secret = created.value("secret", "");
    QVERIFY(!secret.empty());
    QCOMPARE(created.at("token").at("name").get<std::string>(), std::string("ci-viewer"));
    QCOMPARE(created.at("token").at("role").get<std::string>(), std::string("ROLE_VIEWER"));
    QVERIFY(created.at("token").contains("expireTime"));

    // Listed, in both formats, without the secret.
    const auto table = ctl({"tokens", "list"});
    CHECK_EXIT(table, 0);
    QVERIFY(table.out.starts_with("NAME"));
    QVERIFY(table.out.find("ci-viewer") != std::string::npos);
    QVERIFY(table.out.find("CI dashboards") != std::string::npos);
    QVERIFY(table.out.find("in 23h") != std::string::npos);
    QVERIFY(table.out.find(secret) == std::string::npos);
    const auto listed = ctl({"tokens", "list", "-o", "json"});
    CHECK_EXIT(listed, 0);
    QVERIFY(listed.out.find(secret) == std::string::npos);
    const auto tokens = json::parse(listed.out).at("tokens");
    QVERIFY(std::any_of(tokens.begin(), tokens.end(),
                        [](const json &token) { return token.at("name") == "ci-viewer"; }));

    // The viewer may read but not manage tokens.
    CHECK_EXIT(ctl({"status"}, secret), 0);
    const auto denied = ctl({"tokens", "create", "sneaky", "--role", "admin"}, secret);
    CHECK_EXIT(denied, 1);
    QVERIFY2(denied.err.starts_with("error: PERMISSION_DENIED: "), denied.err.c_str());
    QVERIFY(denied.out.empty());

    // Revoked, it is refused.
    const auto revoked = ctl({"tokens", "revoke", "ci-viewer"});
    CHECK_EXIT(revoked, 0);
    QVERIFY(revoked.out.find("ci-viewer") != std::string::npos);
    CommandResult refused;
    QVERIFY(pollUntil([&] {
        refused = ctl({"status"}, secret);
        return refused.exitCode != 0;
    }));
    CHECK_EXIT(refused, 1);
    QVERIFY2(refused.err.starts_with("error: UNAUTHENTICATED: "), refused.err.c_str());
    QVERIFY(ctl({"tokens", "list"}).out.find("ci-viewer") == std::string::npos);
}

void TestAegisctl::serviceTokenBoundToServices() {
    const auto created = ctlJson({"tokens", "create", "orders-fleet", "--role", "service",
                                  "--service", "orders,payments", "--namespace", "shared"});
    QVERIFY(created.is_object());
    const auto &token = created.at("token");
    QCOMPARE(token.at("services"), json::array({"orders", "payments"}));
    QCOMPARE(token.at("namespaces"), json::array({"shared"}));
    const auto secret = created.value("secret", "");

    // The scope shows in the listing and in whoami.
    const auto table = ctl({"tokens", "list"});
    CHECK_EXIT(table, 0);
    QVERIFY2(table.out.find("services orders, payments; namespaces shared") != std::string::npos,
             table.out.c_str());
    const auto whoami = ctl({"whoami"}, secret);
    CHECK_EXIT(whoami, 0);
    QVERIFY2(whoami.out.find("services orders, payments") != std::string::npos, whoami.out.c_str());

    // The daemon checks names like it does everywhere else.
    const auto badName =
        ctl({"tokens", "create", "bad-fleet", "--role", "service", "--service", "Orders"});
    CHECK_EXIT(badName, 1);
    QVERIFY2(badName.err.starts_with("error: INVALID_ARGUMENT: services[0]"), badName.err.c_str());
}

void TestAegisctl::createPrintsSecretOnce() {
    const auto result = ctl({"tokens", "create", "deploy-bot", "--role", "operator"});
    CHECK_EXIT(result, 0);
    QVERIFY(result.out.find("deploy-bot") != std::string::npos);
    QVERIFY(result.out.find("cannot be shown again") != std::string::npos);
    // The secret stands on a line of its own, and it works.
    std::string secret;
    for (const auto &line : lines(result.out)) {
        if (line.starts_with("    ")) {
            secret = line.substr(4);
        }
    }
    QVERIFY(!secret.empty());
    const auto whoami = ctl({"whoami"}, secret);
    CHECK_EXIT(whoami, 0);
    QVERIFY(whoami.out.find("operator") != std::string::npos);

    const auto again = ctl({"tokens", "create", "deploy-bot", "--role", "operator"});
    CHECK_EXIT(again, 1);
    QVERIFY2(again.err.starts_with("error: ALREADY_EXISTS: "), again.err.c_str());
}

void TestAegisctl::revokeUnknownIsNotFound() {
    const auto result = ctl({"tokens", "revoke", "nobody-by-this-name"});
    CHECK_EXIT(result, 1);
    QVERIFY2(result.err.starts_with("error: NOT_FOUND: "), result.err.c_str());
}

void TestAegisctl::auditListFilters() {
    const std::string viewer = createToken("audit-viewer", "viewer");
    QVERIFY(!viewer.empty());
    CHECK_EXIT(ctl({"tokens", "create", "not-allowed", "--role", "viewer"}, viewer), 1);

    // Successful creations, by method and resource.
    json created;
    QVERIFY(pollUntil([&] {
        created = ctlJson({"audit", "list", "--method", "CreateToken", "--outcome", "ok",
                           "--resource", "tokens/audit-viewer"});
        return created.is_object() && created.contains("records") && !created["records"].empty();
    }));
    for (const auto &record : created.at("records")) {
        QVERIFY(record.at("method").get<std::string>().find("CreateToken") != std::string::npos);
        QCOMPARE(record.at("resource").get<std::string>(), std::string("tokens/audit-viewer"));
        QCOMPARE(record.value("code", 0), 0);
        // Secrets never reach the audit log.
        QVERIFY(record.dump().find(viewer) == std::string::npos);
    }

    // The refused call, by actor and outcome.
    json failed;
    QVERIFY(pollUntil([&] {
        failed = ctlJson({"audit", "list", "--actor", "audit-viewer", "--outcome", "failed"});
        return failed.is_object() && failed.contains("records") && !failed["records"].empty();
    }));
    for (const auto &record : failed.at("records")) {
        QCOMPARE(record.at("actor").get<std::string>(), std::string("audit-viewer"));
        QCOMPARE(record.at("code").get<int>(), 7); // PERMISSION_DENIED
    }

    // Time bounds: a relative --since and an absolute one.
    const auto recent = ctlJson({"audit", "list", "--since", "1h", "--actor", "audit-viewer"});
    QVERIFY(recent.is_object() && !recent.at("records").empty());
    const auto future =
        ctlJson({"audit", "list", "--since", "2200-01-01T00:00:00Z", "--actor", "audit-viewer"});
    QVERIFY(future.is_object());
    QVERIFY(!future.contains("records") || future.at("records").empty());

    // The table names its columns and shows the refusal.
    const auto table = ctl({"audit", "list", "--actor", "audit-viewer"});
    CHECK_EXIT(table, 0);
    const auto header = lines(table.out).at(0);
    for (const char *column : {"TIME", "ACTOR", "METHOD", "RESOURCE", "OUTCOME"}) {
        QVERIFY2(header.find(column) != std::string::npos, header.c_str());
    }
    QVERIFY(table.out.find("PERMISSION_DENIED") != std::string::npos);
}

void TestAegisctl::auditListFollowsPages() {
    for (int i = 0; i < 5; ++i) {
        QVERIFY(!createToken("paged-" + std::to_string(i), "viewer").empty());
    }
    const auto onePage = ctlJson({"audit", "list", "--limit", "5"});
    const auto smallPages = ctlJson({"audit", "list", "--limit", "5", "--page-size", "2"});
    QVERIFY(onePage.is_object() && smallPages.is_object());
    QCOMPARE(onePage.at("records").size(), std::size_t(5));
    QCOMPARE(smallPages.at("records").size(), std::size_t(5));
    for (std::size_t i = 0; i < 5; ++i) {
        QCOMPARE(smallPages["records"][i].at("id"), onePage["records"][i].at("id"));
    }
    const auto limited = ctlJson({"audit", "list", "--limit", "1"});
    QCOMPARE(limited.at("records").size(), std::size_t(1));
}

void TestAegisctl::logLevel() {
    const auto changed = ctlJson({"log-level", "debug"});
    QVERIFY(changed.is_object());
    const auto previous = changed.at("previousLevel").get<std::string>();
    QCOMPARE(ctlJson({"status"}).at("logLevel").get<std::string>(), std::string("debug"));
    const auto restored = ctl({"log-level", previous});
    CHECK_EXIT(restored, 0);
    QVERIFY2(restored.out.find("from debug to " + previous) != std::string::npos,
             restored.out.c_str());
    QVERIFY(pollUntil([&] {
        const auto audited = ctlJson({"audit", "list", "--method", "SetLogLevel"});
        return audited.is_object() && audited.contains("records") && audited["records"].size() >= 2;
    }));
}

void TestAegisctl::extensionsList() {
    // Every embedded extension, by kind and name, with its parameters and their defaults.
    const auto table = ctl({"extensions", "list"});
    CHECK_EXIT(table, 0);
    const auto rows = lines(table.out);
    QVERIFY2(rows.size() == 10, table.out.c_str());
    QVERIFY(rows[0].starts_with("KIND"));
    const auto rowOf = [&](const std::string &kind, const std::string &name) {
        for (const auto &row : rows) {
            if (row.starts_with(kind + " ") && row.find(" " + name + " ") != std::string::npos) {
                return row;
            }
        }
        return std::string();
    };
    for (const auto &name : {"process", "exec", "external"}) {
        QVERIFY2(!rowOf("driver", name).empty(), name);
    }
    QVERIFY(rowOf("driver", "process").find("command (required)") != std::string::npos);
    QVERIFY(rowOf("driver", "process").find("grace_period=10s") != std::string::npos);
    QVERIFY(rowOf("driver", "process").find("env.NAME") != std::string::npos);
    QVERIFY(rowOf("router", "registry").ends_with("-"));
    QVERIFY(rowOf("router", "haproxy").find("socket (required)") != std::string::npos);
    for (const auto &name : {"http", "tcp", "grpc", "ttl"}) {
        QVERIFY2(!rowOf("prober", name).empty(), name);
    }

    // --kind narrows it; JSON carries the typed parameters; a viewer may read it.
    const std::string viewer = createToken("extensions-viewer", "viewer");
    const auto routers = ctlJson({"extensions", "list", "--kind", "router"}, viewer);
    QVERIFY(routers.is_object());
    const auto &extensions = routers.at("extensions");
    QCOMPARE(extensions.size(), std::size_t(2));
    QCOMPARE(extensions[0].at("name").get<std::string>(), std::string("haproxy"));
    QCOMPARE(extensions[0].at("kind").get<std::string>(),
             std::string("EXTENSION_KIND_TRAFFIC_ROUTER"));
    QCOMPARE(extensions[1].at("name").get<std::string>(), std::string("registry"));
    bool sawTimeout = false;
    for (const auto &parameter : extensions[0].at("parameters")) {
        if (parameter.at("name") == "timeout") {
            sawTimeout = true;
            QCOMPARE(parameter.at("type").get<std::string>(),
                     std::string("PARAMETER_TYPE_DURATION"));
            QCOMPARE(parameter.at("defaultValue").get<std::string>(), std::string("2s"));
        }
    }
    QVERIFY(sawTimeout);
    // The router a spec without one gets.
    QVERIFY(!extensions[0].value("isDefault", false));
    QVERIFY(extensions[1].value("isDefault", false));
}

void TestAegisctl::auditWatch() {
    // The watch ends after its first record; mutations go on until it has seen one, because
    // there is no telling from outside when its stream is established.
    auto watch = std::async(std::launch::async, [this] {
        return ctl({"audit", "watch", "--method", "SetLogLevel", "--count", "1", "--for", "20s",
                    "-o", "json"});
    });
    QVERIFY(pollUntil(
        [&] {
            const auto mutation = ctl({"log-level", "info"});
            return mutation.exitCode != 0 || watch.wait_for(200ms) == std::future_status::ready;
        },
        20s));
    const auto result = watch.get();
    CHECK_EXIT(result, 0);
    const auto record = json::parse(lines(result.out).at(0));
    QVERIFY(record.at("method").get<std::string>().find("SetLogLevel") != std::string::npos);

    // --from replays what was written since a revision, with no new mutation; --start-revision
    // is its older name and still works (both at once: usageErrors).
    const auto status = ctlJson({"status"});
    QVERIFY2(status.is_object() && status.contains("header") &&
                 status["header"].value("revision", "").size() > 0,
             status.dump().c_str());
    const auto from =
        std::to_string(std::stoll(status["header"]["revision"].get<std::string>()) + 1);
    CHECK_EXIT(ctl({"log-level", "warn"}), 0);
    for (const auto &flag : {"--from", "--start-revision"}) {
        const auto replayed = ctl({"audit", "watch", "--method", "SetLogLevel", flag, from,
                                   "--count", "1", "--for", "20s", "-o", "json"});
        CHECK_EXIT(replayed, 0);
        // The first record from that revision on is the change to warning.
        const auto printed = lines(replayed.out);
        QVERIFY2(!printed.empty() && printed.front().find("warning") != std::string::npos,
                 replayed.out.c_str());
    }
}

void TestAegisctl::auditWatchResumesAcrossADaemonRestart() {
    aegis::testing::TempDir dir;
    aegis::testing::DaemonOptions options;
    options.dataDir = dir.path() / "data";
    auto started = aegis::testing::DaemonProcess::start(options);
    QVERIFY2(started.isOk(), started.status().toString().c_str());
    auto restarting = std::move(*started);
    // The restarted daemon comes back at the address the watch already uses.
    options.grpcListen = restarting->grpcAddress();
    const std::string token = restarting->adminToken();
    const Args connection = {AEGISCTL_PATH, "--server", options.grpcListen, "--token", token};
    const auto setLevel = [&](const std::string &level) {
        Args argv = connection;
        argv.insert(argv.end(), {"log-level", level});
        return aegis::testing::runCommand(argv);
    };
    Args watchArgs = connection;
    watchArgs.insert(watchArgs.end(), {"audit", "watch", "--method", "SetLogLevel", "-o", "json"});
    BackgroundCommand watch(watchArgs);
    // From now: change the level until the watch has printed a record, since there is no telling
    // from outside when its stream is established.
    QVERIFY2(pollUntil(
                 [&] {
                     return setLevel("info").exitCode != 0 ||
                            watch.out().find("SetLogLevel") != std::string::npos;
                 },
                 20s),
             watch.describe().c_str());
    // The last record before the restart: the watch resumes after it, so it is printed once.
    CHECK_EXIT(setLevel("warn"), 0);
    QVERIFY2(pollUntil([&] { return watch.out().find("-\\u003e warning") != std::string::npos; }),
             watch.describe().c_str());

    QCOMPARE(restarting->terminate(), 0);
    started = aegis::testing::DaemonProcess::start(options);
    QVERIFY2(started.isOk(), started.status().toString().c_str());
    restarting = std::move(*started);
    QCOMPARE(restarting->grpcAddress(), options.grpcListen);

    const std::vector<std::string> after = {"debug", "critical", "error"};
    for (const auto &level : after) {
        CHECK_EXIT(setLevel(level), 0);
    }
    const auto printedSummaries = [&] {
        std::vector<std::string> summaries;
        for (const auto &line : lines(watch.out())) {
            const auto record = json::parse(line, nullptr, false);
            if (!record.is_discarded()) { // not a line still being written
                summaries.push_back(record.value("summary", ""));
            }
        }
        return summaries;
    };
    QVERIFY2(pollUntil(
                 [&] {
                     const auto summaries = printedSummaries();
                     return summaries.size() >= 5 && summaries.back().ends_with("-> error");
                 },
                 20s),
             watch.describe().c_str());
    QVERIFY2(!watch.exited(), watch.describe().c_str());
    QVERIFY2(watch.err().find("warning: watch interrupted") != std::string::npos,
             watch.describe().c_str());
    // The change before the restart and the three after it, once each and in order: none
    // missed, none repeated.
    const auto summaries = printedSummaries();
    const std::vector<std::string> last(summaries.end() - 4, summaries.end());
    QVERIFY2(last[0].ends_with("-> warning"), watch.describe().c_str());
    for (std::size_t i = 0; i < after.size(); ++i) {
        QVERIFY2(last[i + 1].ends_with("-> " + after[i]), watch.describe().c_str());
    }
    for (std::size_t i = 0; i + 4 < summaries.size(); ++i) {
        QVERIFY2(summaries[i].ends_with("-> info"), watch.describe().c_str());
    }
    watch.signal(SIGTERM);
    QVERIFY2(pollUntil([&] { return watch.exited(); }), watch.describe().c_str());
    QVERIFY2(watch.exitCode() == 0, watch.describe().c_str());
}

void TestAegisctl::watchesShareTheWatchService() {
    // Each watch command holds one WatchService stream (one per command run), never a stream of
    // the watch's own RPC.
    const std::vector<std::pair<Args, std::string>> watches = {
        {{"watch"}, "/aegis.v1.RegistryService/WatchInstances"},
        {{"config", "watch", "shop"}, "/aegis.v1.ConfigService/WatchConfig"},
        {{"health", "watch"}, "/aegis.v1.HealthService/WatchHealth"},
        {{"rollout", "watch"}, "/aegis.v1.RolloutService/WatchRollouts"},
        {{"audit", "watch"}, "/aegis.v1.AuditService/WatchAuditRecords"},
    };
    std::vector<std::unique_ptr<BackgroundCommand>> running;
    for (const auto &[args, rpc] : watches) {
        running.push_back(std::make_unique<BackgroundCommand>(withConnection(args)));
    }
    const auto describeAll = [&] {
        std::string text;
        for (const auto &command : running) {
            text += command->describe() + "\n";
        }
        return text;
    };
    const std::string shared = "/aegis.v1.WatchService/Watch";
    QVERIFY2(pollUntil([&] {
                 return aegis::testing::grpcStreamsOpen(daemon(), shared) == double(watches.size());
             }),
             describeAll().c_str());
    for (const auto &[args, rpc] : watches) {
        QVERIFY2(aegis::testing::grpcStreamsOpen(daemon(), rpc) == 0.0, rpc.c_str());
    }
    // Each ends cleanly on SIGTERM.
    for (std::size_t i = 0; i < running.size(); ++i) {
        running[i]->signal(SIGTERM);
        QVERIFY2(pollUntil([&] { return running[i]->exited(); }), running[i]->describe().c_str());
        QVERIFY2(running[i]->exitCode() == 0, running[i]->describe().c_str());
    }
    running.clear();
    QVERIFY2(pollUntil([&] { return aegis::testing::grpcStreamsOpen(daemon(), shared) == 0.0; }),
             "the watches' streams outlived them");
}

void TestAegisctl::usageErrors_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("no command") << QStringList{} << "missing command";
    QTest::newRow("unknown command") << QStringList{"frobnicate"} << "unknown command";
    QTest::newRow("group without subcommand") << QStringList{"tokens"} << "needs a subcommand";
    QTest::newRow("unknown subcommand") << QStringList{"tokens", "burn"} << "unknown command";
    QTest::newRow("unknown flag") << QStringList{"status", "--colour"} << "--colour";
    QTest::newRow("bad output") << QStringList{"status", "-o", "yaml"} << "--output";
    QTest::newRow("audit watch from twice")
        << QStringList{"audit", "watch", "--from", "5", "--start-revision", "5"} << "give one";
    QTest::newRow("bad timeout") << QStringList{"status", "--timeout", "soon"} << "--timeout";
    QTest::newRow("missing name") << QStringList{"tokens", "create", "--role", "viewer"}
                                  << "missing NAME";
    QTest::newRow("missing role") << QStringList{"tokens", "create", "x"} << "--role";
    QTest::newRow("bad role") << QStringList{"tokens", "create", "x", "--role", "king"} << "--role";
    QTest::newRow("bad ttl") << QStringList{"tokens", "create", "x",      "--role",
                                            "viewer", "--ttl",  "forever"}
                             << "--ttl";
    QTest::newRow("service role without services")
        << QStringList{"tokens", "create", "x", "--role", "service"} << "--service";
    QTest::newRow("services for a viewer")
        << QStringList{"tokens", "create", "x", "--role", "viewer", "--service", "orders"}
        << "--service";
    QTest::newRow("empty service name")
        << QStringList{"tokens", "create", "x", "--role", "service", "--service", "orders,"}
        << "--service";
    QTest::newRow("extra argument") << QStringList{"tokens", "revoke", "a", "b"} << "error:";
    QTest::newRow("bad outcome") << QStringList{"audit", "list", "--outcome", "maybe"}
                                 << "--outcome";
    QTest::newRow("bad since") << QStringList{"audit", "list", "--since", "yesterday"} << "--since";
    QTest::newRow("bad limit") << QStringList{"audit", "list", "--limit", "0"} << "--limit";
    QTest::newRow("non-numeric limit") << QStringList{"audit", "list", "--limit", "ten"} << "limit";
    QTest::newRow("bad log level") << QStringList{"log-level", "loud"} << "LEVEL";
    QTest::newRow("bad extension kind")
        << QStringList{"extensions", "list", "--kind", "notifier"} << "--kind";
}

void TestAegisctl::usageErrors() {
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    checkUsageError(args, message);
}

void TestAegisctl::helpForEveryCommand_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("expected");
    QTest::newRow("general") << QStringList{"--help"} << "tokens create";
    QTest::newRow("help command") << QStringList{"help", "audit", "list"} << "--outcome";
    QTest::newRow("group") << QStringList{"tokens", "--help"} << "revoke";
    QTest::newRow("status") << QStringList{"status", "--help"} << "usage: aegisctl status";
    QTest::newRow("tokens create") << QStringList{"tokens", "create", "--help"} << "--service";
    QTest::newRow("tokens list") << QStringList{"tokens", "list", "-h"} << "usage:";
    QTest::newRow("tokens revoke") << QStringList{"tokens", "revoke", "--help"} << "NAME";
    QTest::newRow("audit list") << QStringList{"audit", "list", "--help"} << "--limit";
    QTest::newRow("audit watch") << QStringList{"audit", "watch", "--help"} << "--count";
    QTest::newRow("log-level") << QStringList{"log-level", "--help"} << "LEVEL";
    QTest::newRow("extensions list") << QStringList{"extensions", "list", "--help"} << "--kind";
    // A token on the command line is readable by every user in the process list.
    QTest::newRow("token advice") << QStringList{"--help"}
                                  << "never pass a secret on the command line";
    QTest::newRow("token environment") << QStringList{"--help"} << "AEGIS_TOKEN";
    QTest::newRow("token flag warning") << QStringList{"status", "--help"} << "UNSAFE:";
}

void TestAegisctl::helpForEveryCommand() {
    QFETCH(QStringList, args);
    QFETCH(QString, expected);
    Args argv = {AEGISCTL_PATH};
    for (const auto &arg : args) {
        argv.push_back(arg.toStdString());
    }
    const auto result = aegis::testing::runCommand(argv);
    CHECK_EXIT(result, 0);
    QVERIFY2(result.out.find(expected.toStdString()) != std::string::npos, result.out.c_str());
}

void TestAegisctl::unreachableServer() {
    const aegis::testing::RefusingLoopbackAddress nowhere;
    const std::string &address = nowhere.address();
    const auto started = std::chrono::steady_clock::now();
    const auto result = aegis::testing::runCommand(
        {AEGISCTL_PATH, "--server", address, "--token", "x", "--timeout", "3s", "status"});
    const auto elapsed = std::chrono::steady_clock::now() - started;
    CHECK_EXIT(result, 1);
    QVERIFY2(result.err.starts_with("error: UNAVAILABLE: ") ||
                 result.err.starts_with("error: DEADLINE_EXCEEDED: "),
             result.err.c_str());
    QVERIFY2(result.err.find(address) != std::string::npos, result.err.c_str());
    QVERIFY(result.out.empty());
    QVERIFY2(elapsed < 3s + 2s, "aegisctl overran its --timeout");
}

// aegisd answered (its store could not write): the error is its own, not "is it running?".
void TestAegisctl::serverSideUnavailableHasNoReachabilityHint() {
    // A file-size limit of 0 makes every write of aegisd's fail, as a full disk would.
    rlimit limit{};
    QCOMPARE(::prlimit(daemon().pid(), RLIMIT_FSIZE, nullptr, &limit), 0);
    const rlimit none{0, limit.rlim_max};
    QCOMPARE(::prlimit(daemon().pid(), RLIMIT_FSIZE, &none, nullptr), 0);
    const auto result = ctl({"tokens", "create", "disk-full-bot", "--role", "viewer"});
    QCOMPARE(::prlimit(daemon().pid(), RLIMIT_FSIZE, &limit, nullptr), 0);

    CHECK_EXIT(result, 1);
    QVERIFY2(result.err.starts_with("error: UNAVAILABLE: the change was not applied"),
             result.err.c_str());
    QVERIFY2(result.err.find("is it running?") == std::string::npos, result.err.c_str());
    // The store finds out by itself that writes work again.
    QVERIFY(aegis::testing::pollUntil(
        [&] {
            return ctl({"tokens", "create", "after-disk-full", "--role", "viewer"}).exitCode == 0;
        },
        10s));
}

QTEST_GUILESS_MAIN(TestAegisctl)
#include "tst_aegisctl.moc"
