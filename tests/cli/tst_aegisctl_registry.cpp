// aegisctl's service discovery commands end to end: the real aegisctl binary against a real aegisd,
// checked by exit codes, stdout and stderr.

#include "aegisctl_fixture.h"
#include "poll_until.h"

#include "aegis/v1/registry.grpc.pb.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using aegis::testing::Args;
using aegis::testing::BackgroundCommand;
using aegis::testing::CommandResult;
using aegis::testing::describe;
using aegis::testing::jsonInt;
using aegis::testing::lines;
using aegis::testing::pollUntil;
using nlohmann::json;

class TestAegisctlRegistry : public QObject, private aegis::testing::AegisctlFixture {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void registerAndList();
    void selectorAndStateFilters();
    void badSelectorIsInvalidArgument();
    void stateChanges();
    void servicesListAndGet();
    void watchReplaysEventsWithReasons();
    void watchTable();
    void watchLive();
    void watchEndsOnSigterm();
    void watchResumesAcrossADaemonRestart();
    void watchFromCompactedRevision();
    void deregister();
    void leaseExpiresWithoutKeepalive();
    void keepaliveKeepsLeaseAndDeregistersOnSigterm();
    void instanceLogs();
    void usageErrors_data();
    void usageErrors();
    void help_data();
    void help();

private:
    CommandResult registerInstance(const std::string &service, const std::string &id,
                                   const Args &extra = {});
    std::int64_t currentRevision() const;
    // The instances `instances list` prints in JSON for `args`.
    json listInstances(const Args &args = {}) const;
    std::optional<json> findInstance(const std::string &service, const std::string &id) const;
};

void TestAegisctlRegistry::initTestCase() {
    startDaemon();
}

void TestAegisctlRegistry::cleanupTestCase() {
    stopDaemon();
}

CommandResult TestAegisctlRegistry::registerInstance(const std::string &service,
                                                     const std::string &id, const Args &extra) {
    Args args = {"instances", "register", service, id, "10.0.0.1:8080", "--ttl", "1h"};
    args.insert(args.end(), extra.begin(), extra.end());
    return ctl(args);
}

std::int64_t TestAegisctlRegistry::currentRevision() const {
    const auto status = ctlJson({"status"});
    return status.is_object() ? jsonInt(status.at("header").at("revision")) : -1;
}

json TestAegisctlRegistry::listInstances(const Args &args) const {
    Args list = {"instances", "list"};
    list.insert(list.end(), args.begin(), args.end());
    const auto listed = ctlJson(list);
    return listed.is_object() ? listed.value("instances", json::array()) : json();
}

std::optional<json> TestAegisctlRegistry::findInstance(const std::string &service,
                                                       const std::string &id) const {
    for (const auto &instance : listInstances({service})) {
        if (instance.at("id") == id) {
            return instance;
        }
    }
    return std::nullopt;
}

void TestAegisctlRegistry::registerAndList() {
    const auto registered =
        registerInstance("orders", "orders-1",
                         {"--label", "color=green", "--label", "version=1.4.2", "--label", "zone=a",
                          "--meta", "metrics_path=/metrics", "--weight", "50"});
    CHECK_EXIT(registered, 0);
    QVERIFY2(registered.out.find("Registered orders/orders-1") != std::string::npos,
             registered.out.c_str());
    QVERIFY2(registered.out.find("lease ") != std::string::npos, registered.out.c_str());
    QVERIFY2(registered.out.find("TTL 1h") != std::string::npos, registered.out.c_str());
    CHECK_EXIT(
        registerInstance("orders", "orders-2", {"--label", "color=blue", "--label", "zone=b"}), 0);
    CHECK_EXIT(
        registerInstance("orders", "orders-3", {"--label", "color=green", "--label", "zone=b"}), 0);
    const auto asJson =
        ctlJson({"instances", "register", "orders", "orders-4", "10.0.0.4:8080", "--ttl", "1h"});
    QVERIFY(asJson.is_object());
    QVERIFY(jsonInt(asJson.at("leaseId")) > 0);
    QCOMPARE(jsonInt(asJson.at("ttlSeconds")), std::int64_t(3600));

    // The table: its columns, one row per instance, labels split into VERSION, COLOR and LABELS.
    const auto table = ctl({"instances", "list", "orders"});
    CHECK_EXIT(table, 0);
    const auto rows = lines(table.out);
    QCOMPARE(rows.size(), std::size_t(5));
    for (const char *column : {"SERVICE", "ID", "ADDRESS", "VERSION", "COLOR", "STATE", "WEIGHT",
                               "LEASE", "REGISTERED", "LABELS"}) {
        QVERIFY2(rows[0].find(column) != std::string::npos, rows[0].c_str());
    }
    const auto first = rows[1];
    for (const char *cell :
         {"orders-1", "10.0.0.1:8080", "1.4.2", "green", "serving", "50", "1h", "zone=a"}) {
        QVERIFY2(first.find(cell) != std::string::npos, first.c_str());
    }
    QVERIFY2(first.find("just now") != std::string::npos || first.find("ago") != std::string::npos,
             first.c_str());

    // JSON: every field, one document.
    const auto instances = listInstances({"orders"});
    QCOMPARE(instances.size(), std::size_t(4));
    const auto &one = instances[0];
    QCOMPARE(one.at("id").get<std::string>(), std::string("orders-1"));
    QCOMPARE(one.at("labels").at("color").get<std::string>(), std::string("green"));
    QCOMPARE(one.at("metadata").at("metrics_path").get<std::string>(), std::string("/metrics"));
    QCOMPARE(one.at("weight").get<int>(), 50);
    QCOMPARE(one.at("state").get<std::string>(), std::string("INSTANCE_STATE_SERVING"));

    // Small pages are followed; --limit stops early and says so.
    const auto limited = ctl({"instances", "list", "orders", "--limit", "2"});
    CHECK_EXIT(limited, 0);
    QCOMPARE(lines(limited.out).size(), std::size_t(3));
    QVERIFY2(limited.err.find("--limit") != std::string::npos, limited.err.c_str());
    const auto limitedJson = ctlJson({"instances", "list", "orders", "--limit", "3"});
    QCOMPARE(limitedJson.at("instances").size(), std::size_t(3));
    QVERIFY(!limitedJson.value("nextPageToken", "").empty());
}

void TestAegisctlRegistry::selectorAndStateFilters() {
    QVERIFY(findInstance("orders", "orders-3").has_value());
    auto ids = [](const json &instances) {
        std::vector<std::string> result;
        for (const auto &instance : instances) {
            result.push_back(instance.at("id").get<std::string>());
        }
        return result;
    };
    QCOMPARE(ids(listInstances({"orders", "--selector", "color=green,zone!=b"})),
             (std::vector<std::string>{"orders-1"}));
    QCOMPARE(ids(listInstances({"orders", "--selector", "color in (green,blue),zone=b"})),
             (std::vector<std::string>{"orders-2", "orders-3"}));
    QCOMPARE(ids(listInstances({"orders", "-l", "!color"})),
             (std::vector<std::string>{"orders-4"}));
    // Without a service: every service's instances.
    QCOMPARE(ids(listInstances({"--selector", "zone=a"})), (std::vector<std::string>{"orders-1"}));
    QVERIFY(listInstances({"orders", "--state", "maintenance"}).empty());

    const auto table = ctl({"instances", "list", "orders", "--selector", "color=green,zone!=b"});
    CHECK_EXIT(table, 0);
    QCOMPARE(lines(table.out).size(), std::size_t(2));
}

void TestAegisctlRegistry::badSelectorIsInvalidArgument() {
    // The server owns the selector grammar, so a bad selector is its INVALID_ARGUMENT (exit 1).
    const auto result = ctl({"instances", "list", "orders", "--selector", "color in (green"});
    CHECK_EXIT(result, 1);
    QVERIFY2(result.err.starts_with("error: INVALID_ARGUMENT: "), result.err.c_str());
    QVERIFY2(result.err.find("selector") != std::string::npos, result.err.c_str());
    QVERIFY(result.out.empty());
}

void TestAegisctlRegistry::stateChanges() {
    const auto drained = ctl({"instances", "drain", "orders", "orders-2"});
    CHECK_EXIT(drained, 0);
    QVERIFY2(drained.out.find("orders/orders-2 is now draining") != std::string::npos,
             drained.out.c_str());
    const auto table = ctl({"instances", "list", "orders", "--state", "draining"});
    CHECK_EXIT(table, 0);
    const auto rows = lines(table.out);
    QCOMPARE(rows.size(), std::size_t(2));
    QVERIFY2(rows[1].find("orders-2") != std::string::npos &&
                 rows[1].find("draining") != std::string::npos,
             rows[1].c_str());

    const auto maintenance = ctlJson({"instances", "maintenance", "orders", "orders-3"});
    QVERIFY(maintenance.is_object());
    QCOMPARE(maintenance.at("instance").at("state").get<std::string>(),
             std::string("INSTANCE_STATE_MAINTENANCE"));
    QCOMPARE(findInstance("orders", "orders-3")->at("state").get<std::string>(),
             std::string("INSTANCE_STATE_MAINTENANCE"));
    CHECK_EXIT(ctl({"instances", "serve", "orders", "orders-3"}), 0);
    QCOMPARE(findInstance("orders", "orders-3")->at("state").get<std::string>(),
             std::string("INSTANCE_STATE_SERVING"));

    const auto missing = ctl({"instances", "drain", "orders", "no-such-instance"});
    CHECK_EXIT(missing, 1);
    QVERIFY2(missing.err.starts_with("error: NOT_FOUND: "), missing.err.c_str());
}

void TestAegisctlRegistry::servicesListAndGet() {
    CHECK_EXIT(registerInstance("billing", "billing-1"), 0);
    const auto table = ctl({"services", "list"});
    CHECK_EXIT(table, 0);
    const auto rows = lines(table.out);
    QVERIFY(rows.size() >= 3);
    QVERIFY2(rows[0].starts_with("NAME") && rows[0].find("INSTANCES") != std::string::npos,
             rows[0].c_str());
    const auto ordersRow = std::find_if(rows.begin(), rows.end(),
                                        [](const auto &row) { return row.starts_with("orders "); });
    QVERIFY(ordersRow != rows.end());
    QVERIFY2(ordersRow->find(" 4 ") != std::string::npos, ordersRow->c_str());

    const auto listed = ctlJson({"services", "list"});
    QVERIFY(listed.is_object());
    const auto &services = listed.at("services");
    QVERIFY(std::any_of(services.begin(), services.end(), [](const json &service) {
        return service.at("name") == "billing" && jsonInt(service.at("instanceCount")) == 1;
    }));
    QCOMPARE(ctlJson({"services", "list", "--limit", "1"}).at("services").size(), std::size_t(1));

    // get: counts by state (orders-2 is draining since stateChanges).
    const auto got = ctl({"services", "get", "orders"});
    CHECK_EXIT(got, 0);
    std::map<std::string, std::string> fields;
    for (const auto &row : lines(got.out)) {
        const auto gap = row.find("  ");
        if (gap != std::string::npos) {
            fields[row.substr(0, gap)] = row.substr(row.find_first_not_of(' ', gap));
        }
    }
    QCOMPARE(fields["name"], std::string("orders"));
    QCOMPARE(fields["instances"], std::string("4"));
    QCOMPARE(fields["serving"], std::string("3"));
    QCOMPARE(fields["draining"], std::string("1"));
    QCOMPARE(fields["maintenance"], std::string("0"));
    const auto gotJson = ctlJson({"services", "get", "orders"});
    QCOMPARE(jsonInt(gotJson.at("service").at("instanceCount")), std::int64_t(4));
    const auto missing = ctl({"services", "get", "nothing-here"});
    CHECK_EXIT(missing, 1);
    QVERIFY2(missing.err.starts_with("error: NOT_FOUND: "), missing.err.c_str());
}

void TestAegisctlRegistry::watchReplaysEventsWithReasons() {
    const auto before = currentRevision();
    QVERIFY(before > 0);
    CHECK_EXIT(registerInstance("payments", "pay-1"), 0);
    CHECK_EXIT(registerInstance("other", "not-watched"), 0);
    CHECK_EXIT(ctl({"instances", "drain", "payments", "pay-1"}), 0);
    CHECK_EXIT(ctl({"instances", "deregister", "payments", "pay-1"}), 0);

    const auto result = ctl({"watch", "payments", "--from", std::to_string(before + 1), "--count",
                             "3", "--for", "20s", "-o", "json"});
    CHECK_EXIT(result, 0);
    const auto events = lines(result.out);
    QVERIFY2(events.size() == 3, describe(result).c_str());
    const auto added = json::parse(events[0]);
    const auto updated = json::parse(events[1]);
    const auto removed = json::parse(events[2]);
    QCOMPARE(added.at("type").get<std::string>(), std::string("INSTANCE_EVENT_TYPE_ADDED"));
    QCOMPARE(added.at("reason").get<std::string>(), std::string());
    QCOMPARE(added.at("instance").at("id").get<std::string>(), std::string("pay-1"));
    QCOMPARE(updated.at("type").get<std::string>(), std::string("INSTANCE_EVENT_TYPE_UPDATED"));
    QCOMPARE(updated.at("reason").get<std::string>(), std::string("operator"));
    QCOMPARE(updated.at("instance").at("state").get<std::string>(),
             std::string("INSTANCE_STATE_DRAINING"));
    QVERIFY2(removed.at("type") == "INSTANCE_EVENT_TYPE_REMOVED", describe(result).c_str());
    // Removed with an admin token: "deregistered" all the same, as the proto documents (the audit
    // log names who did it).
    QCOMPARE(removed.at("reason").get<std::string>(), std::string("deregistered"));
    QVERIFY(jsonInt(added.at("revision")) < jsonInt(updated.at("revision")));
    QVERIFY(jsonInt(updated.at("revision")) < jsonInt(removed.at("revision")));
}

void TestAegisctlRegistry::watchTable() {
    const auto before = currentRevision();
    CHECK_EXIT(registerInstance("search", "search-1"), 0);
    CHECK_EXIT(ctl({"instances", "maintenance", "search", "search-1"}), 0);
    CHECK_EXIT(ctl({"instances", "deregister", "search", "search-1"}), 0);
    const auto result = ctl(
        {"watch", "search", "--from", std::to_string(before + 1), "--count", "3", "--for", "20s"});
    CHECK_EXIT(result, 0);
    const auto rows = lines(result.out);
    QVERIFY2(rows.size() == 4, describe(result).c_str());
    for (const char *column :
         {"TIME", "REVISION", "TYPE", "INSTANCE", "ADDRESS", "STATE", "REASON"}) {
        QVERIFY2(rows[0].find(column) != std::string::npos, rows[0].c_str());
    }
    auto has = [](const std::string &row, std::initializer_list<const char *> cells) {
        return std::all_of(cells.begin(), cells.end(),
                           [&](const char *cell) { return row.find(cell) != std::string::npos; });
    };
    QVERIFY2(has(rows[1], {"ADDED", "search/search-1", "10.0.0.1:8080", "serving"}),
             rows[1].c_str());
    QVERIFY2(has(rows[2], {"UPDATED", "maintenance", "operator"}), rows[2].c_str());
    QVERIFY2(has(rows[3], {"REMOVED", "deregistered"}), result.out.c_str());

    // A bounded watch with nothing to show ends quietly at --for.
    const auto quiet = ctl({"watch", "search", "--for", "500ms"});
    CHECK_EXIT(quiet, 0);
    QCOMPARE(lines(quiet.out).size(), std::size_t(1));
}

void TestAegisctlRegistry::watchLive() {
    // From now: registrations go on until the watch has seen one, since there is no telling from
    // outside when its stream is established.
    auto watch = std::async(std::launch::async, [this] {
        return ctl({"watch", "live", "--count", "1", "--for", "20s", "-o", "json"});
    });
    int next = 0;
    QVERIFY(pollUntil(
        [&] {
            const auto registered = registerInstance("live", "live-" + std::to_string(next++));
            return registered.exitCode != 0 || watch.wait_for(200ms) == std::future_status::ready;
        },
        20s));
    const auto result = watch.get();
    CHECK_EXIT(result, 0);
    const auto event = json::parse(lines(result.out).at(0));
    QCOMPARE(event.at("type").get<std::string>(), std::string("INSTANCE_EVENT_TYPE_ADDED"));
    QCOMPARE(event.at("instance").at("service").get<std::string>(), std::string("live"));
}

void TestAegisctlRegistry::watchEndsOnSigterm() {
    BackgroundCommand watch(withConnection({"watch"}));
    // The header is printed once the stream is established.
    QVERIFY2(pollUntil([&] { return watch.out().starts_with("TIME"); }), watch.describe().c_str());
    watch.signal(SIGTERM);
    QVERIFY2(pollUntil([&] { return watch.exited(); }), watch.describe().c_str());
    QVERIFY2(watch.exitCode() == 0, watch.describe().c_str());
}

void TestAegisctlRegistry::watchResumesAcrossADaemonRestart() {
    aegis::testing::TempDir dir;
    aegis::testing::DaemonOptions options;
    options.dataDir = dir.path() / "data";
    auto started = aegis::testing::DaemonProcess::start(options);
    QVERIFY2(started.isOk(), started.status().toString().c_str());
    auto daemon = std::move(*started);
    // The restarted daemon comes back at the address the watch already uses.
    options.grpcListen = daemon->grpcAddress();
    const std::string token = daemon->adminToken();
    auto run = [&](const Args &args) {
        Args argv = {AEGISCTL_PATH, "--server", options.grpcListen, "--token", token};
        argv.insert(argv.end(), args.begin(), args.end());
        return aegis::testing::runCommand(argv);
    };
    const auto registerOne = [&](const std::string &id) {
        return run({"instances", "register", "resume", id, "10.0.0.9:80", "--ttl", "1h"});
    };

    BackgroundCommand watch({AEGISCTL_PATH, "--server", options.grpcListen, "--token", token,
                             "watch", "resume", "-o", "json"});
    // From now: register until the watch has printed one, since there is no telling from outside
    // when its stream is established.
    int next = 0;
    CommandResult registered;
    QVERIFY2(pollUntil(
                 [&] {
                     registered = registerOne("before-" + std::to_string(next++));
                     return registered.exitCode != 0 ||
                            watch.out().find("before-") != std::string::npos;
                 },
                 20s),
             watch.describe().c_str());
    CHECK_EXIT(registered, 0);
    // One WatchService stream carries the watch; there is no WatchInstances stream of its own.
    const auto onOneSharedStream = [&] {
        return aegis::testing::grpcStreamsOpen(*daemon, "/aegis.v1.WatchService/Watch") == 1.0 &&
               aegis::testing::grpcStreamsOpen(*daemon,
                                               "/aegis.v1.RegistryService/WatchInstances") == 0.0;
    };
    QVERIFY2(pollUntil(onOneSharedStream), watch.describe().c_str());

    QCOMPARE(daemon->terminate(), 0);
    started = aegis::testing::DaemonProcess::start(options);
    QVERIFY2(started.isOk(), started.status().toString().c_str());
    daemon = std::move(*started);
    QCOMPARE(daemon->grpcAddress(), options.grpcListen);

    const std::vector<std::string> after = {"after-1", "after-2", "after-3"};
    for (const auto &id : after) {
        CHECK_EXIT(registerOne(id), 0);
    }
    QVERIFY2(pollUntil([&] { return watch.out().find("\"after-3\"") != std::string::npos; }, 20s),
             watch.describe().c_str());
    QVERIFY2(!watch.exited(), watch.describe().c_str());
    QVERIFY2(watch.err().find("warning: watch interrupted") != std::string::npos,
             watch.describe().c_str());
    // On the restarted daemon too.
    QVERIFY2(pollUntil(onOneSharedStream), watch.describe().c_str());
    // Resumed after the last event it printed: every registration from the first the watch saw
    // on, each once, in revision order, across the restart.
    std::vector<std::string> printed;
    std::int64_t lastRevision = 0;
    for (const auto &line : lines(watch.out())) {
        const auto event = json::parse(line);
        const std::int64_t revision = jsonInt(event.at("revision"));
        QVERIFY2(revision > lastRevision, line.c_str());
        lastRevision = revision;
        printed.push_back(event.at("instance").at("id").get<std::string>());
    }
    QVERIFY2(!printed.empty() && printed.front().starts_with("before-"), watch.describe().c_str());
    std::vector<std::string> expected;
    for (int i = std::stoi(printed.front().substr(7)); i < next; ++i) {
        expected.push_back("before-" + std::to_string(i));
    }
    expected.insert(expected.end(), after.begin(), after.end());
    QVERIFY2(printed == expected, watch.describe().c_str());
    watch.signal(SIGTERM);
    QVERIFY2(pollUntil([&] { return watch.exited(); }), watch.describe().c_str());
    QVERIFY2(watch.exitCode() == 0, watch.describe().c_str());
}

void TestAegisctlRegistry::watchFromCompactedRevision() {
    aegis::testing::TempDir configDir;
    const auto config = configDir.path() / "aegisd.yaml";
    std::ofstream(config) << "store:\n  event_retention: 100\n  compaction_interval: 1s\n";
    aegis::testing::DaemonOptions options;
    options.extraArgs = {"--config", config.string()};
    auto daemon = aegis::testing::DaemonProcess::start(options);
    QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
    const Args connection = {AEGISCTL_PATH, "--server", (*daemon)->grpcAddress(), "--token",
                             (*daemon)->adminToken()};
    auto run = [&](const Args &args) {
        Args argv = connection;
        argv.insert(argv.end(), args.begin(), args.end());
        return aegis::testing::runCommand(argv);
    };

    {
        // Enough revisions for compaction, made directly rather than by 120 aegisctl processes.
        auto channel = aegis::client::makeChannel((*daemon)->adminConnection());
        QVERIFY(channel.isOk());
        auto stub = aegis::v1::RegistryService::NewStub(*channel);
        for (int i = 0; i < 60; ++i) {
            aegis::v1::RegisterInstanceRequest request;
            request.mutable_instance()->set_service("bulk");
            request.mutable_instance()->set_id("bulk-" + std::to_string(i));
            request.mutable_instance()->set_address("10.1.0.1:80");
            request.set_ttl_seconds(3600);
            aegis::v1::RegisterInstanceResponse registered;
            grpc::ClientContext registering;
            aegis::client::setTimeout(registering, 10s);
            QVERIFY(stub->RegisterInstance(&registering, request, &registered).ok());
            aegis::v1::DeregisterInstanceRequest removal;
            removal.set_service("bulk");
            removal.set_instance_id(request.instance().id());
            aegis::v1::DeregisterInstanceResponse removed;
            grpc::ClientContext removing;
            aegis::client::setTimeout(removing, 10s);
            QVERIFY(stub->DeregisterInstance(&removing, removal, &removed).ok());
        }
    }
    std::int64_t compacted = 0;
    QVERIFY2(pollUntil([&] {
                 const auto status = run({"status", "-o", "json"});
                 if (status.exitCode == 0) {
                     compacted = jsonInt(json::parse(status.out).value("compactRevision", json(0)));
                 }
                 return compacted > 0;
             }),
             "the compact revision did not advance");

    const auto refused = run({"watch", "bulk", "--from", "1", "--for", "10s"});
    const auto fresh = run({"watch", "bulk", "--from", std::to_string(compacted + 1), "--count",
                            "1", "--for", "10s", "-o", "json"});
    QCOMPARE((*daemon)->terminate(), 0);

    CHECK_EXIT(refused, 1);
    QVERIFY2(refused.err.starts_with("error: OUT_OF_RANGE: "), refused.err.c_str());
    QVERIFY2(refused.err.find("compact revision ") != std::string::npos, refused.err.c_str());
    // Names the compact revision (at least the one status reported; compaction may have gone on).
    const auto named = refused.err.find("compact revision ");
    QVERIFY(std::stoll(refused.err.substr(named + 17)) >= compacted);
    QVERIFY2(refused.err.find("--from ") != std::string::npos, refused.err.c_str());
    QVERIFY(refused.out.empty());
    // What the hint says to do works.
    CHECK_EXIT(fresh, 0);
    QCOMPARE(lines(fresh.out).size(), std::size_t(1));
}

void TestAegisctlRegistry::deregister() {
    QVERIFY(findInstance("orders", "orders-4").has_value());
    const auto removed = ctl({"instances", "deregister", "orders", "orders-4"});
    CHECK_EXIT(removed, 0);
    QVERIFY2(removed.out.find("Deregistered orders/orders-4") != std::string::npos,
             removed.out.c_str());
    QVERIFY(!findInstance("orders", "orders-4").has_value());
    const auto again = ctl({"instances", "deregister", "orders", "orders-4"});
    CHECK_EXIT(again, 1);
    QVERIFY2(again.err.starts_with("error: NOT_FOUND: "), again.err.c_str());
}

void TestAegisctlRegistry::leaseExpiresWithoutKeepalive() {
    // The contrast for the keepalive test: without renewals a 1 s lease goes, and says why.
    const auto before = currentRevision();
    const auto registered =
        ctl({"instances", "register", "ephemeral", "eph-1", "10.0.0.9:80", "--ttl", "1s"});
    CHECK_EXIT(registered, 0);
    QVERIFY(pollUntil([&] { return !findInstance("ephemeral", "eph-1").has_value(); }));
    const auto watched = ctl({"watch", "ephemeral", "--from", std::to_string(before + 1), "--count",
                              "2", "--for", "10s", "-o", "json"});
    CHECK_EXIT(watched, 0);
    const auto removed = json::parse(lines(watched.out).at(1));
    QCOMPARE(removed.at("type").get<std::string>(), std::string("INSTANCE_EVENT_TYPE_REMOVED"));
    QCOMPARE(removed.at("reason").get<std::string>(), std::string("lease_expired"));
}

void TestAegisctlRegistry::keepaliveKeepsLeaseAndDeregistersOnSigterm() {
    BackgroundCommand agent(withConnection(
        {"instances", "register", "kept", "kept-1", "10.0.0.7:80", "--ttl", "1s", "--keepalive"}));
    std::optional<json> registered;
    QVERIFY2(pollUntil([&] {
                 registered = findInstance("kept", "kept-1");
                 return registered.has_value();
             }),
             agent.describe().c_str());
    const auto leaseId = jsonInt(registered->at("leaseId"));
    const auto modRevision = jsonInt(registered->at("modRevision"));

    // Three times the TTL later it is still there, under the same lease, never re-registered.
    const auto until = std::chrono::steady_clock::now() + 3s;
    while (std::chrono::steady_clock::now() < until) {
        const auto current = findInstance("kept", "kept-1");
        QVERIFY2(current.has_value(), agent.describe().c_str());
        QCOMPARE(jsonInt(current->at("leaseId")), leaseId);
        QCOMPARE(jsonInt(current->at("modRevision")), modRevision);
        QVERIFY2(!agent.exited(), agent.describe().c_str());
        QTest::qWait(200);
    }

    agent.signal(SIGTERM);
    QVERIFY2(pollUntil([&] { return agent.exited(); }), agent.describe().c_str());
    QVERIFY2(agent.exitCode() == 0, agent.describe().c_str());
    QVERIFY2(agent.out().find("Registered kept/kept-1") != std::string::npos,
             agent.describe().c_str());
    QVERIFY2(agent.err().find("Deregistered kept/kept-1") != std::string::npos,
             agent.describe().c_str());
    QVERIFY(!findInstance("kept", "kept-1").has_value());
}

void TestAegisctlRegistry::instanceLogs() {
    // What the process driver would have written for shop-blue-1 (DeploymentLogs reads the file).
    const auto log = daemon().dataDir() / "deployments" / "shop" / "blue-1.log";
    std::filesystem::create_directories(log.parent_path());
    std::ofstream(log) << "line 1\nline 2\nline 3\nline 4\nline 5\n";

    const auto tail = ctl({"instances", "logs", "shop", "shop-blue-1", "--tail", "2"});
    CHECK_EXIT(tail, 0);
    QCOMPARE(tail.out, std::string("line 4\nline 5\n"));
    const auto grep = ctl({"instances", "logs", "shop", "shop-blue-1", "--grep", "line 3"});
    CHECK_EXIT(grep, 0);
    QCOMPARE(grep.out, std::string("line 3\n"));
    const auto json = ctlJson({"instances", "logs", "shop", "shop-blue-1", "--tail", "1"});
    QCOMPARE(json.value("lines", json::array()), json::array({"line 5"}));

    const auto unknown = ctl({"instances", "logs", "shop", "shop-blue-7"});
    CHECK_EXIT(unknown, 1);
    QVERIFY2(unknown.err.find("NOT_FOUND") != std::string::npos &&
                 unknown.err.find("'shop-blue-7'") != std::string::npos,
             describe(unknown).c_str());

    // --follow prints what is written later, until SIGTERM.
    BackgroundCommand follow(
        withConnection({"instances", "logs", "shop", "shop-blue-1", "--tail", "1", "--follow"}));
    QVERIFY2(pollUntil([&] { return follow.out() == "line 5\n"; }), follow.describe().c_str());
    std::ofstream(log, std::ios::app) << "line 6\n";
    QVERIFY2(pollUntil([&] { return follow.out() == "line 5\nline 6\n"; }),
             follow.describe().c_str());
    follow.signal(SIGTERM);
    QVERIFY2(pollUntil([&] { return follow.exited(); }), follow.describe().c_str());
    QVERIFY2(follow.exitCode() == 0, follow.describe().c_str());
}

void TestAegisctlRegistry::usageErrors_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("services needs a subcommand") << QStringList{"services"} << "needs a subcommand";
    QTest::newRow("instances unknown subcommand")
        << QStringList{"instances", "evict"} << "unknown command";
    QTest::newRow("get without name") << QStringList{"services", "get"} << "missing NAME";
    QTest::newRow("logs tail 0") << QStringList{"instances",   "logs",   "shop",
                                                "shop-blue-1", "--tail", "0"}
                                 << "--tail must be 1 to 10000 (got 0)";
    QTest::newRow("logs without id") << QStringList{"instances", "logs", "shop"} << "missing ID";
    QTest::newRow("register without address")
        << QStringList{"instances", "register", "svc", "id-1"} << "missing ADDRESS";
    QTest::newRow("register bad label")
        << QStringList{"instances", "register", "svc", "id-1", "h:1", "--label", "green"}
        << "--label";
    QTest::newRow("register duplicate label")
        << QStringList{"instances", "register", "svc",     "id-1", "h:1",
                       "--label",   "a=1",      "--label", "a=2"}
        << "more than once";
    QTest::newRow("register bad meta")
        << QStringList{"instances", "register", "svc", "id-1", "h:1", "--meta", "=x"} << "--meta";
    QTest::newRow("register fractional ttl")
        << QStringList{"instances", "register", "svc", "id-1", "h:1", "--ttl", "1500ms"} << "--ttl";
    QTest::newRow("register bad ttl")
        << QStringList{"instances", "register", "svc", "id-1", "h:1", "--ttl", "soon"} << "--ttl";
    QTest::newRow("register bad weight")
        << QStringList{"instances", "register", "svc", "id-1", "h:1", "--weight", "heavy"}
        << "weight";
    QTest::newRow("drain without id") << QStringList{"instances", "drain", "svc"} << "missing ID";
    QTest::newRow("deregister extra argument")
        << QStringList{"instances", "deregister", "svc", "id-1", "more"} << "error:";
    QTest::newRow("list bad state")
        << QStringList{"instances", "list", "--state", "asleep"} << "--state";
    QTest::newRow("list bad limit")
        << QStringList{"instances", "list", "--limit", "0"} << "--limit";
    QTest::newRow("services bad limit")
        << QStringList{"services", "list", "--limit=-1"} << "--limit";
    QTest::newRow("watch bad count") << QStringList{"watch", "--count=-1"} << "--count";
    QTest::newRow("watch bad from") << QStringList{"watch", "--from=-5"} << "--from";
    QTest::newRow("watch bad for") << QStringList{"watch", "--for", "a while"} << "--for";
}

void TestAegisctlRegistry::usageErrors() {
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    checkUsageError(args, message);
}

void TestAegisctlRegistry::help_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("expected");
    QTest::newRow("general") << QStringList{"--help"} << "instances register";
    QTest::newRow("services group") << QStringList{"services", "--help"} << "services get";
    QTest::newRow("instances group") << QStringList{"help", "instances"} << "maintenance";
    QTest::newRow("services list") << QStringList{"services", "list", "--help"} << "--limit";
    QTest::newRow("services get") << QStringList{"services", "get", "--help"} << "NAME";
    QTest::newRow("instances list") << QStringList{"instances", "list", "--help"} << "--selector";
    QTest::newRow("instances register")
        << QStringList{"instances", "register", "--help"} << "--keepalive";
    QTest::newRow("instances deregister")
        << QStringList{"instances", "deregister", "-h"} << "SERVICE ID";
    QTest::newRow("instances drain") << QStringList{"instances", "drain", "--help"} << "draining";
    QTest::newRow("instances maintenance")
        << QStringList{"instances", "maintenance", "--help"} << "maintenance";
    QTest::newRow("instances serve") << QStringList{"instances", "serve", "--help"} << "rotation";
    QTest::newRow("watch") << QStringList{"watch", "--help"} << "--from";
}

void TestAegisctlRegistry::help() {
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

QTEST_GUILESS_MAIN(TestAegisctlRegistry)
#include "tst_aegisctl_registry.moc"
