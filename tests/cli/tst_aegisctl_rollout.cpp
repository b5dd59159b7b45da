// aegisctl's rollout commands end to end: the real aegisctl binary against a real aegisd whose
// rollouts use the external driver (the test registers the new instances itself) and the registry
// router, checked by exit codes, stdout and stderr.

#include "aegisctl_fixture.h"
#include "poll_until.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <chrono>
#include <csignal>
#include <fstream>

using namespace std::chrono_literals;
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

// The FIELD / VALUE row of `field` in `rollout status` output; empty when there is none.
std::string row(const std::string &text, const std::string &field) {
    for (const auto &line : lines(text)) {
        if (line.starts_with(field + "  ")) {
            return line;
        }
    }
    return {};
}

std::size_t occurrences(const std::string &text, const std::string &part) {
    std::size_t count = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
        ++count;
    }
    return count;
}

// What every rollout of these tests is started with: someone else deploys (the test), and the
// registry's traffic policy moves the traffic.
Args startArgs(const std::string &service, const Args &extra) {
    Args args = {"rollout", "start",    service,    "--version", "2.0",      "--replicas",
                 "1",       "--driver", "external", "--router",  "registry", "--healthy-for",
                 "200ms"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

} // namespace

class TestAegisctlRollout : public QObject, private aegis::testing::AegisctlFixture {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void startWaitsUntilSucceeded();
    void statusShowsSplitStepsAndTransitions();
    void listShowsRollouts();
    void releasesShowLiveColour();
    void logListsLines();
    void promoteFinishedRolloutFails();
    void abortWhileAwaitingApprovalRollsBack();
    void retryIsFollowedByWatchAndLog();
    void canaryWaitsAtStepUntilPromoted();
    void undoReturnsToReplacedColour();
    void watchReplaysFromRevision();
    void serverRejectsBadInput();
    void analysisFileIsCheckedAndSent();
    void usageErrors_data();
    void usageErrors();
    void help_data();
    void help();

private:
    void registerInstance(const std::string &service, const std::string &id,
                          const std::string &version, const std::string &colour);
    // The rollout as `rollout status -o json` prints it; null when that fails.
    json rollout(const std::string &id) const;
    bool waitForPhase(const std::string &id, const std::string &phase) const;
};

void TestAegisctlRollout::initTestCase() {
    startDaemon();
    registerInstance("web", "web-blue-1", "1.0", "blue");
    registerInstance("web", "web-blue-2", "1.0", "blue");
}

void TestAegisctlRollout::cleanupTestCase() {
    stopDaemon();
}

void TestAegisctlRollout::registerInstance(const std::string &service, const std::string &id,
                                           const std::string &version, const std::string &colour) {
    CHECK_EXIT(ctl({"instances", "register", service, id, "127.0.0.1:9", "--ttl", "1h", "--label",
                    "version=" + version, "--label", "color=" + colour}),
               0);
}

json TestAegisctlRollout::rollout(const std::string &id) const {
    const auto result = ctl({"rollout", "status", id, "-o", "json"});
    return result.exitCode == 0 ? json::parse(result.out).at("rollout") : json();
}

bool TestAegisctlRollout::waitForPhase(const std::string &id, const std::string &phase) const {
    return pollUntil(
        [&] {
            const auto found = rollout(id);
            return found.is_object() && found.at("phase") == phase;
        },
        20s);
}

void TestAegisctlRollout::startWaitsUntilSucceeded() {
    BackgroundCommand start(withConnection(startArgs(
        "web", {"--scale-down-delay", "5m", "--description", "fixes the tax rounding", "--wait"})));
    QVERIFY2(pollUntil([&] { return contains(start.out(), "Started rollout web-1: "); }),
             start.describe().c_str());
    // The new version registers itself, as whoever deploys it would.
    registerInstance("web", "web-green-1", "2.0", "green");
    QVERIFY2(pollUntil([&] { return start.exited(); }, 30s), start.describe().c_str());
    QVERIFY2(start.exitCode() == 0, start.describe().c_str());

    const auto out = start.out();
    QVERIFY2(contains(lineWith(out, "Started rollout web-1"), "blue 1.0 → green 2.0"), out.c_str());
    QVERIFY2(contains(out, "State: pending (started by "), out.c_str());
    // Progress as it happens: phases and the driver's log lines.
    for (const char *phase : {"provisioning", "verifying", "switching", "baking", "succeeded"}) {
        QVERIFY2(!lineWith(out, std::string("  ") + phase + "  ").empty(), out.c_str());
    }
    QVERIFY2(contains(lineWith(out, "rollout created"), "(log)"), out.c_str());
    QVERIFY2(!lineWith(out, "waiting for 1 instances of web 2.0 on green").empty(), out.c_str());
    QVERIFY2(lines(out).back().starts_with("Rollout web-1 succeeded: 2.0 is live on green"),
             out.c_str());
    QVERIFY2(contains(start.err(), "Waiting for web-1 to finish"), start.err().c_str());
}

void TestAegisctlRollout::statusShowsSplitStepsAndTransitions() {
    const auto status = ctl({"rollout", "status", "web-1"});
    CHECK_EXIT(status, 0);
    const auto &out = status.out;
    QVERIFY2(contains(row(out, "phase"), "succeeded"), out.c_str());
    QVERIFY2(contains(row(out, "colours"), "blue 1.0 → green 2.0"), out.c_str());
    QVERIFY2(contains(row(out, "traffic"), "blue ░░░░░░░░░░ 0%  green 100%"), out.c_str());
    QVERIFY2(contains(row(out, "instances"), "1/1 healthy, 1 registered"), out.c_str());
    QVERIFY2(contains(row(out, "driver"), "external"), out.c_str());
    QVERIFY2(contains(row(out, "description"), "fixes the tax rounding"), out.c_str());
    QVERIFY2(contains(row(out, "undo until"), "'aegisctl rollout undo web-1'"), out.c_str());
    QVERIFY2(contains(lineWith(out, "WEIGHT"), "STEP"), out.c_str());
    QVERIFY2(contains(out, "100% (implied)"), out.c_str());
    // Which actions the daemon would take now, and why not the others.
    QVERIFY2(contains(lineWith(out, "ACTION"), "WHY NOT"), out.c_str());
    const auto undo = lineWith(out, "undo  ");
    QVERIFY2(undo.starts_with("undo") && contains(undo, "yes"), out.c_str());
    const auto retry = lineWith(out, "retry  ");
    QVERIFY2(retry.starts_with("retry") &&
                 contains(retry, "only a rolled back or failed rollout can be retried"),
             out.c_str());
    for (const char *phase : {"pending", "provisioning", "verifying", "switching", "baking",
                              "finalizing", "succeeded"}) {
        QVERIFY2(!lineWith(out, std::string("  ") + phase + "  ").empty(), out.c_str());
    }

    const auto asJson = ctlJson({"rollout", "status", "web-1"});
    QVERIFY(asJson.is_object());
    const auto &rollout = asJson.at("rollout");
    QCOMPARE(rollout.at("phase").get<std::string>(), std::string("ROLLOUT_PHASE_SUCCEEDED"));
    QCOMPARE(rollout.at("traffic").at("blue").get<int>(), 0);
    QCOMPARE(rollout.at("traffic").at("green").get<int>(), 100);
    QCOMPARE(rollout.at("newColor").get<std::string>(), std::string("green"));
    QCOMPARE(rollout.at("spec").at("driver").get<std::string>(), std::string("external"));
    QCOMPARE(jsonInt(rollout.at("spec").at("healthyForMs")), std::int64_t(200));
    QVERIFY(rollout.contains("undoUntil"));
    QVERIFY(rollout.at("transitions").size() >= 7);
    QCOMPARE(rollout.at("availableActions").size(), std::size_t{6});
}

void TestAegisctlRollout::listShowsRollouts() {
    const auto listed = ctl({"rollout", "list"});
    CHECK_EXIT(listed, 0);
    const auto rows = lines(listed.out);
    QVERIFY2(rows.size() == 2, listed.out.c_str());
    for (const char *column : {"ID", "SERVICE", "VERSION", "STRATEGY", "PHASE", "TRAFFIC",
                               "STARTED", "DURATION", "BY"}) {
        QVERIFY2(contains(rows[0], column), rows[0].c_str());
    }
    const auto createdBy = rollout("web-1").at("createdBy").get<std::string>();
    QVERIFY(!createdBy.empty());
    for (const std::string &cell : std::vector<std::string>{"web-1", "web", "2.0", "blue-green",
                                                            "succeeded", "green 100%", createdBy}) {
        QVERIFY2(contains(rows[1], cell), rows[1].c_str());
    }

    const auto active = ctl({"rollout", "list", "--active"});
    CHECK_EXIT(active, 0);
    QCOMPARE(lines(active.out).size(), std::size_t(1));
    QVERIFY2(contains(active.err, "(no active rollouts)"), active.err.c_str());

    const auto asJson = ctlJson({"rollout", "list", "web"});
    QVERIFY(asJson.is_object());
    QCOMPARE(asJson.at("rollouts").size(), std::size_t(1));
    QCOMPARE(asJson.at("rollouts")[0].at("id").get<std::string>(), std::string("web-1"));
    const auto none = ctlJson({"rollout", "list", "nothing-here"});
    QVERIFY(none.is_object());
    QVERIFY(none.value("rollouts", json::array()).empty());
}

void TestAegisctlRollout::releasesShowLiveColour() {
    const auto releases = ctl({"rollout", "releases"});
    CHECK_EXIT(releases, 0);
    const auto rows = lines(releases.out);
    QVERIFY2(rows.size() == 2, releases.out.c_str());
    for (const char *column :
         {"SERVICE", "LIVE", "VERSION", "TRAFFIC", "ACTIVE ROLLOUT", "DRIVER", "ROUTER"}) {
        QVERIFY2(contains(rows[0], column), rows[0].c_str());
    }
    for (const char *cell : {"web", "green", "2.0", "green 100%", "external", "registry"}) {
        QVERIFY2(contains(rows[1], cell), rows[1].c_str());
    }

    const auto asJson = ctlJson({"rollout", "releases"});
    QVERIFY(asJson.is_object());
    const auto &release = asJson.at("releases")[0];
    QCOMPARE(release.at("liveColor").get<std::string>(), std::string("green"));
    QCOMPARE(release.at("lastRolloutId").get<std::string>(), std::string("web-1"));
}

void TestAegisctlRollout::logListsLines() {
    const auto log = ctl({"rollout", "log", "web-1"});
    CHECK_EXIT(log, 0);
    const auto rows = lines(log.out);
    QVERIFY2(rows.size() >= 3, log.out.c_str());
    QVERIFY2(rows[0].ends_with("  rollout created"), log.out.c_str());
    QVERIFY2(!lineWith(log.out, "waiting for 1 instances of web 2.0 on green").empty(),
             log.out.c_str());
    QVERIFY2(!lineWith(log.out, "traffic: blue 0% / green 100%").empty(), log.out.c_str());

    const auto asJson = ctlJson({"rollout", "log", "web-1"});
    QVERIFY(asJson.is_object());
    const auto &logLines = asJson.at("lines");
    QCOMPARE(logLines.size(), rows.size());
    for (std::size_t i = 1; i < logLines.size(); ++i) {
        QVERIFY(jsonInt(logLines[i].at("sequence")) > jsonInt(logLines[i - 1].at("sequence")));
    }

    // The log of a rollout that does not exist is an error, not an empty log.
    const auto missing = ctl({"rollout", "log", "web-99"});
    CHECK_EXIT(missing, 1);
    QVERIFY2(missing.err.starts_with("error: NOT_FOUND: "), missing.err.c_str());
}

void TestAegisctlRollout::promoteFinishedRolloutFails() {
    const auto promoted = ctl({"rollout", "promote", "web-1"});
    CHECK_EXIT(promoted, 1);
    QVERIFY(promoted.out.empty());
    // The daemon's words, naming the phase.
    QVERIFY2(promoted.err.starts_with("error: FAILED_PRECONDITION: rollout web-1 is succeeded"),
             promoted.err.c_str());
    const auto retried = ctl({"rollout", "retry", "web-1"});
    CHECK_EXIT(retried, 1);
    QVERIFY2(retried.err.starts_with("error: FAILED_PRECONDITION: rollout web-1 is succeeded"),
             retried.err.c_str());
}

void TestAegisctlRollout::abortWhileAwaitingApprovalRollsBack() {
    registerInstance("shop", "shop-blue-1", "1.0", "blue");
    BackgroundCommand start(withConnection(startArgs("shop", {"--approval", "--wait"})));
    QVERIFY2(pollUntil([&] { return contains(start.out(), "Started rollout shop-1: "); }),
             start.describe().c_str());
    registerInstance("shop", "shop-green-1", "2.0", "green");
    QVERIFY2(waitForPhase("shop-1", "ROLLOUT_PHASE_AWAITING_APPROVAL"), start.describe().c_str());
    QVERIFY(!start.exited());

    const auto active = ctl({"rollout", "list", "--active"});
    CHECK_EXIT(active, 0);
    QVERIFY2(contains(lineWith(active.out, "shop-1"), "awaiting_approval"), active.out.c_str());
    const auto releases = ctl({"rollout", "releases"});
    QVERIFY2(contains(lineWith(releases.out, "shop "), "shop-1"), releases.out.c_str());

    // One rollout at a time per service.
    const auto second = ctl(startArgs("shop", {}));
    CHECK_EXIT(second, 1);
    QVERIFY2(second.err.starts_with("error: FAILED_PRECONDITION: "), second.err.c_str());
    QVERIFY2(contains(second.err, "already has an active rollout (shop-1"), second.err.c_str());

    const auto aborted = ctl({"rollout", "abort", "shop-1", "--reason", "not today"});
    CHECK_EXIT(aborted, 0);
    QVERIFY2(aborted.out.starts_with("shop-1 is now aborting: aborted by ") ||
                 aborted.out.starts_with("shop-1 is now rolled_back: aborted by "),
             aborted.out.c_str());
    QVERIFY2(contains(aborted.out, "not today"), aborted.out.c_str());

    QVERIFY2(pollUntil([&] { return start.exited(); }, 20s), start.describe().c_str());
    QVERIFY2(start.exitCode() == 3, start.describe().c_str());
    QVERIFY2(contains(start.out(), "awaiting_approval"), start.describe().c_str());
    QVERIFY2(lines(start.out()).back().starts_with("Rollout shop-1 was rolled back: aborted by "),
             start.describe().c_str());
    QVERIFY2(contains(lines(start.out()).back(), "not today"), start.describe().c_str());

    const auto rolledBack = rollout("shop-1");
    QCOMPARE(rolledBack.at("phase").get<std::string>(), std::string("ROLLOUT_PHASE_ROLLED_BACK"));
    QCOMPARE(rolledBack.at("traffic").at("blue").get<int>(), 100);
    const auto status = ctl({"rollout", "status", "shop-1"});
    QVERIFY2(contains(row(status.out, "traffic"), "blue ██████████ 100%  green 0%"),
             status.out.c_str());
    QVERIFY2(row(status.out, "undo until").empty(), status.out.c_str());
}

void TestAegisctlRollout::retryIsFollowedByWatchAndLog() {
    BackgroundCommand watch(withConnection({"rollout", "watch", "shop"}));
    BackgroundCommand log(withConnection({"rollout", "log", "shop-1", "--follow"}));
    // The header comes once the stream is established; the log listing once the follow's is.
    QVERIFY2(pollUntil([&] { return watch.out().starts_with("TIME"); }), watch.describe().c_str());
    QVERIFY2(pollUntil([&] { return contains(log.out(), "rollout created"); }),
             log.describe().c_str());

    const auto retried = ctl({"rollout", "retry", "shop-1"});
    CHECK_EXIT(retried, 0);
    QVERIFY2(retried.out.starts_with("shop-1 is now pending: "), retried.out.c_str());
    // The green instance still runs, so it verifies again and waits for approval.
    QVERIFY(waitForPhase("shop-1", "ROLLOUT_PHASE_AWAITING_APPROVAL"));
    const auto promoted = ctl({"rollout", "promote", "shop-1"});
    CHECK_EXIT(promoted, 0);
    QVERIFY2(promoted.out.starts_with("shop-1 is now switching: approved: "), promoted.out.c_str());
    QVERIFY(waitForPhase("shop-1", "ROLLOUT_PHASE_SUCCEEDED"));
    QCOMPARE(rollout("shop-1").at("attempt").get<int>(), 2);

    QVERIFY2(pollUntil([&] { return contains(watch.out(), "live green 2.0"); }),
             watch.describe().c_str());
    const auto watched = watch.out();
    for (const char *phase : {"pending", "awaiting_approval", "switching", "succeeded"}) {
        QVERIFY2(contains(lineWith(watched, std::string("  ") + phase + "  "), "shop-1"),
                 watched.c_str());
    }
    QVERIFY2(contains(lineWith(watched, "  log  "), "shop-1"), watched.c_str());
    QVERIFY2(contains(lineWith(watched, "live green 2.0"), "traffic green 100%"), watched.c_str());
    // Writes that change nothing shown (the deployment recorded, the driver's state) are left
    // out: provisioning is one line, not one per write.
    QCOMPARE(occurrences(watched, "  provisioning  "), std::size_t(1));

    QVERIFY2(pollUntil([&] { return contains(log.out(), "traffic: blue 0% / green 100%"); }),
             log.describe().c_str());
    // Listed lines and followed ones meet without a gap or a repeat.
    QCOMPARE(occurrences(log.out(), "rollout created"), std::size_t(1));
    QCOMPARE(occurrences(log.out(), "traffic: blue 100% / green 0%"), std::size_t(1));

    for (auto *command : {&watch, &log}) {
        command->signal(SIGTERM);
        QVERIFY2(pollUntil([&] { return command->exited(); }), command->describe().c_str());
        QVERIFY2(command->exitCode() == 0, command->describe().c_str());
    }
}

void TestAegisctlRollout::canaryWaitsAtStepUntilPromoted() {
    registerInstance("cart", "cart-blue-1", "1.0", "blue");
    BackgroundCommand start(
        withConnection(startArgs("cart", {"--strategy", "canary", "--step", "20:promote", "--step",
                                          "50:200ms", "--wait", "-o", "json"})));
    registerInstance("cart", "cart-green-1", "2.0", "green");
    QVERIFY2(pollUntil(
                 [&] {
                     const auto found = rollout("cart-1");
                     return found.is_object() && found.at("traffic").at("green") == 20;
                 },
                 20s),
             start.describe().c_str());

    const auto status = ctl({"rollout", "status", "cart-1"});
    CHECK_EXIT(status, 0);
    QVERIFY2(contains(row(status.out, "traffic"), "blue ████████░░ 80%  green 20%"),
             status.out.c_str());
    QVERIFY2(contains(row(status.out, "version"), "canary"), status.out.c_str());
    const auto current = lineWith(status.out, "→ 1");
    QVERIFY2(contains(current, "20%") && contains(current, "until promoted"), status.out.c_str());
    QVERIFY2(contains(lineWith(status.out, "50%"), "pause 200ms"), status.out.c_str());
    QVERIFY2(contains(status.out, "100% (implied)"), status.out.c_str());

    const auto paused = ctl({"rollout", "pause", "cart-1", "--reason", "checking graphs"});
    CHECK_EXIT(paused, 0);
    QVERIFY2(paused.out.starts_with("cart-1 is now switching,paused: paused by "),
             paused.out.c_str());
    QVERIFY2(contains(row(ctl({"rollout", "status", "cart-1"}).out, "phase"), "paused"),
             "status does not say paused");
    const auto refused = ctl({"rollout", "promote", "cart-1"});
    CHECK_EXIT(refused, 1);
    QVERIFY2(refused.err.starts_with("error: FAILED_PRECONDITION: rollout cart-1 is paused"),
             refused.err.c_str());
    const auto resumed = ctl({"rollout", "resume", "cart-1"});
    CHECK_EXIT(resumed, 0);
    QVERIFY2(resumed.out.starts_with("cart-1 is now switching: resumed by "), resumed.out.c_str());
    const auto notPaused = ctl({"rollout", "resume", "cart-1"});
    CHECK_EXIT(notPaused, 1);
    QVERIFY2(notPaused.err.starts_with("error: FAILED_PRECONDITION: "), notPaused.err.c_str());

    const auto promoted = ctlJson({"rollout", "promote", "cart-1", "--reason", "graphs fine"});
    QVERIFY(promoted.is_object());
    QCOMPARE(promoted.at("rollout").at("id").get<std::string>(), std::string("cart-1"));
    QVERIFY(jsonInt(promoted.at("header").at("revision")) > 0);

    // With -o json, --wait prints the finished rollout only.
    QVERIFY2(pollUntil([&] { return start.exited(); }, 20s), start.describe().c_str());
    QVERIFY2(start.exitCode() == 0, start.describe().c_str());
    const auto finished = json::parse(start.out());
    QCOMPARE(finished.at("rollout").at("phase").get<std::string>(),
             std::string("ROLLOUT_PHASE_SUCCEEDED"));
    QCOMPARE(finished.at("rollout").at("traffic").at("green").get<int>(), 100);
}

void TestAegisctlRollout::undoReturnsToReplacedColour() {
    const auto undone = ctl({"rollout", "undo", "web-1", "--reason", "tax is off"});
    CHECK_EXIT(undone, 0);
    QVERIFY2(contains(undone.out, "web-1 is now "), undone.out.c_str());
    QVERIFY2(contains(undone.out, "'aegisctl rollout watch web'"), undone.out.c_str());
    QVERIFY(waitForPhase("web-1", "ROLLOUT_PHASE_ROLLED_BACK"));
    const auto status = ctl({"rollout", "status", "web-1"});
    QVERIFY2(contains(row(status.out, "traffic"), "blue ██████████ 100%  green 0%"),
             status.out.c_str());
    const auto releases = ctl({"rollout", "releases"});
    const auto web = lineWith(releases.out, "web ");
    QVERIFY2(contains(web, "blue") && contains(web, "1.0") && contains(web, "blue 100%"),
             releases.out.c_str());

    const auto again = ctl({"rollout", "undo", "web-1"});
    CHECK_EXIT(again, 1);
    QVERIFY2(again.err.starts_with("error: FAILED_PRECONDITION: rollout web-1 is rolled_back"),
             again.err.c_str());
}

void TestAegisctlRollout::watchReplaysFromRevision() {
    const auto created = jsonInt(rollout("web-1").at("createRevision"));
    QVERIFY(created > 0);
    const auto replayed = ctl({"rollout", "watch", "web", "--from", std::to_string(created),
                               "--count", "3", "--for", "20s", "-o", "json"});
    CHECK_EXIT(replayed, 0);
    const auto events = lines(replayed.out);
    QVERIFY2(events.size() == 3, describe(replayed).c_str());
    const auto first = json::parse(events[0]);
    QCOMPARE(jsonInt(first.at("revision")), created);
    QCOMPARE(first.at("rollout").at("id").get<std::string>(), std::string("web-1"));
    QCOMPARE(first.at("rollout").at("phase").get<std::string>(),
             std::string("ROLLOUT_PHASE_PENDING"));
    for (const auto &line : events) {
        const auto event = json::parse(line);
        QVERIFY(event.contains("rollout") || event.contains("release") ||
                event.contains("logLine"));
    }

    const auto table = ctl({"rollout", "watch", "web", "--from", std::to_string(created), "--count",
                            "1", "--for", "20s"});
    CHECK_EXIT(table, 0);
    const auto rows = lines(table.out);
    QVERIFY2(rows.size() == 2, describe(table).c_str());
    QVERIFY2(contains(rows[0], "REVISION") && contains(rows[0], "DETAIL"), rows[0].c_str());
    QVERIFY2(contains(rows[1], "web-1") && contains(rows[1], "pending"), rows[1].c_str());

    // A bounded watch with nothing to show ends quietly at --for.
    CHECK_EXIT(ctl({"rollout", "watch", "quiet", "--for", "300ms"}), 0);
}

void TestAegisctlRollout::serverRejectsBadInput() {
    // The daemon owns the limits and names the field.
    const auto badVersion = ctl({"rollout", "start", "bad", "--version", "2 0"});
    CHECK_EXIT(badVersion, 1);
    QVERIFY2(badVersion.err.starts_with("error: INVALID_ARGUMENT: spec.version"),
             badVersion.err.c_str());
    const auto canary =
        ctl({"rollout", "start", "bad", "--version", "2.0", "--strategy", "canary"});
    CHECK_EXIT(canary, 1);
    QVERIFY2(canary.err.starts_with("error: INVALID_ARGUMENT: spec.steps"), canary.err.c_str());
    const auto falling =
        ctl({"rollout", "start", "bad", "--version", "2.0", "--step", "50", "--step", "20"});
    CHECK_EXIT(falling, 1);
    QVERIFY2(contains(falling.err, "spec.steps[1].weight"), falling.err.c_str());
    const auto driver = ctl({"rollout", "start", "bad", "--version", "2.0", "--driver", "nope"});
    CHECK_EXIT(driver, 1);
    QVERIFY2(contains(driver.err, "no deploy driver 'nope'"), driver.err.c_str());
    const auto param = ctl(startArgs("bad", {"--param", "image=x"}));
    CHECK_EXIT(param, 1);
    QVERIFY2(param.err.starts_with("error: INVALID_ARGUMENT: "), param.err.c_str());
    QVERIFY(ctlJson({"rollout", "list", "bad"}).value("rollouts", json::array()).empty());

    const auto missing = ctl({"rollout", "status", "web-99"});
    CHECK_EXIT(missing, 1);
    QVERIFY2(missing.err.starts_with("error: NOT_FOUND: "), missing.err.c_str());
    const auto malformed = ctl({"rollout", "abort", "web"});
    CHECK_EXIT(malformed, 1);
    QVERIFY2(malformed.err.starts_with("error: INVALID_ARGUMENT: "), malformed.err.c_str());
}

void TestAegisctlRollout::analysisFileIsCheckedAndSent() {
    aegis::testing::TempDir dir;
    const auto write = [&](const std::string &name, const std::string &text) {
        const std::string path = (dir.path() / name).string();
        std::ofstream(path) << text;
        return QString::fromStdString(path);
    };
    const QStringList start = {"rollout", "start", "svc", "--version", "2.0", "--analysis"};
    // What aegisctl reads itself: the file, its shape, durations and names, with the line.
    checkUsageError(start + QStringList{(dir.path() / "missing.yaml").c_str()}, "cannot be read");
    const QString typo = write("typo.yaml", "checks:\n"
                                            "  - name: errors\n"
                                            "    query: vector(0)\n"
                                            "    success_condition: result < 0.01\n"
                                            "    intervall: 30s\n");
    checkUsageError(start + QStringList{typo},
                    typo + ":5: checks[0].intervall is not a known field (known: count, ");
    checkUsageError(start + QStringList{write("duration.yaml", "checks:\n"
                                                               "  - name: errors\n"
                                                               "    query: vector(0)\n"
                                                               "    success_condition: result < 1\n"
                                                               "    interval: soon\n")},
                    "checks[0].interval must be a duration such as 30s");
    checkUsageError(start + QStringList{write("stage.yaml", "checks:\n"
                                                            "  - name: errors\n"
                                                            "    query: vector(0)\n"
                                                            "    success_condition: result < 1\n"
                                                            "    run_during: [canary]\n")},
                    "checks[0].run_during[0] must be verification, canary_steps or bake");
    checkUsageError(start + QStringList{write("noquery.yaml", "checks:\n  - name: errors\n")},
                    "checks[0].query is required");
    checkUsageError(
        start + QStringList{write("metric.json", R"({"canary_comparison": {"metrics": ["cpu"]}})")},
        "canary_comparison.metrics[0] must be error_ratio or latency_p99");
    checkUsageError(start + QStringList{write("broken.yaml", "checks: [\n")},
                    "not valid YAML or JSON");

    // What the daemon checks (conditions, limits), naming the spec's field; a valid file reaches
    // it whole, and this test daemon has metrics off.
    const QString conditionFile =
        write("condition.json", "{\"checks\": [{\"name\": \"errors\", \"query\": \"vector(0)\", "
                                "\"success_condition\": \"result is fine\"}]}");
    const auto condition = ctl(startArgs("bad", {"--analysis", conditionFile.toStdString()}));
    CHECK_EXIT(condition, 1);
    QVERIFY2(contains(condition.err,
                      "INVALID_ARGUMENT: spec.analysis.checks[0].success_condition has no "
                      "comparison after `result`"),
             condition.err.c_str());
    const auto valid = ctl(
        startArgs("bad", {"--analysis",
                          write("valid.yaml", "checks:\n"
                                              "  - name: errors\n"
                                              "    query: sum(rate(x{color=\"{new_color}\"}[1m]))\n"
                                              "    success_condition: result < 0.01\n"
                                              "    interval: 30s\n"
                                              "    count: 5\n"
                                              "    failure_limit: 1\n"
                                              "    run_during: [verification, bake]\n"
                                              "canary_comparison:\n"
                                              "  window: 5m\n"
                                              "  metrics: [error_ratio]\n")
                              .toStdString()}));
    CHECK_EXIT(valid, 1);
    QVERIFY2(contains(valid.err, "FAILED_PRECONDITION: spec.analysis needs a metrics backend"),
             valid.err.c_str());
}

void TestAegisctlRollout::usageErrors_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    const QStringList start = {"rollout", "start", "svc", "--version", "2.0"};
    QTest::newRow("rollout needs a subcommand") << QStringList{"rollout"} << "needs a subcommand";
    QTest::newRow("unknown subcommand") << QStringList{"rollout", "deploy"} << "unknown command";
    QTest::newRow("start without service")
        << QStringList{"rollout", "start", "--version", "2.0"} << "missing SERVICE";
    QTest::newRow("start without version") << QStringList{"rollout", "start", "svc"} << "--version";
    QTest::newRow("bogus strategy")
        << start + QStringList{"--strategy", "bogus"} << "--strategy must be blue-green or canary";
    QTest::newRow("zero step") << start + QStringList{"--step", "0"} << "--step must be WEIGHT";
    QTest::newRow("step over 100") << start + QStringList{"--step", "101"} << "--step";
    QTest::newRow("step not a number") << start + QStringList{"--step", "half"} << "--step";
    QTest::newRow("step bad pause") << start + QStringList{"--step", "20:soon"} << "--step";
    QTest::newRow("step empty pause") << start + QStringList{"--step", "20:"} << "--step";
    QTest::newRow("zero replicas") << start + QStringList{"--replicas", "0"} << "--replicas";
    QTest::newRow("replicas not a number")
        << start + QStringList{"--replicas", "many"} << "replicas";
    QTest::newRow("bad param") << start + QStringList{"--param", "image"} << "--param";
    QTest::newRow("duplicate param")
        << start + QStringList{"--param", "a=1", "--param", "a=2"} << "more than once";
    QTest::newRow("bad router param")
        << start + QStringList{"--router-param", "label"} << "--router-param";
    QTest::newRow("bad healthy-for")
        << start + QStringList{"--healthy-for", "later"} << "--healthy-for";
    QTest::newRow("bad bake") << start + QStringList{"--bake", "long"} << "--bake";
    QTest::newRow("zero progress deadline")
        << start + QStringList{"--progress-deadline", "0s"} << "--progress-deadline";
    QTest::newRow("status without id") << QStringList{"rollout", "status"} << "missing ID";
    QTest::newRow("abort without id") << QStringList{"rollout", "abort"} << "missing ID";
    QTest::newRow("log for without follow")
        << QStringList{"rollout", "log", "svc-1", "--for", "1s"} << "--for goes with --follow";
    QTest::newRow("list bad limit") << QStringList{"rollout", "list", "--limit", "0"} << "--limit";
    QTest::newRow("watch bad count") << QStringList{"rollout", "watch", "--count=-1"} << "--count";
    QTest::newRow("watch bad from") << QStringList{"rollout", "watch", "--from=-5"} << "--from";
    QTest::newRow("watch bad for") << QStringList{"rollout", "watch", "--for", "ever"} << "--for";
}

void TestAegisctlRollout::usageErrors() {
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    checkUsageError(args, message);
}

void TestAegisctlRollout::help_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("expected");
    QTest::newRow("general") << QStringList{"--help"} << "rollout start";
    QTest::newRow("rollout group") << QStringList{"rollout", "--help"} << "rollout undo";
    QTest::newRow("start") << QStringList{"rollout", "start", "--help"} << "--progress-deadline";
    QTest::newRow("start exit codes") << QStringList{"rollout", "start", "--help"} << "--wait";
    QTest::newRow("watch") << QStringList{"help", "rollout", "watch"} << "--from";
    QTest::newRow("log") << QStringList{"rollout", "log", "-h"} << "--follow";
    QTest::newRow("abort") << QStringList{"rollout", "abort", "--help"} << "--reason";
}

void TestAegisctlRollout::help() {
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

QTEST_GUILESS_MAIN(TestAegisctlRollout)
#include "tst_aegisctl_rollout.moc"
