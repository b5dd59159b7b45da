// The deploy drivers against real processes: the process driver starting, supervising, adopting
// and tearing down /bin/sh scripts; the exec driver running hooks; the external driver. Drivers
// run on an io_context of two threads, as in aegisd.

#include "../sample/child_process.h"
#include "poll_until.h"
#include "rollout/exec_driver.h"
#include "rollout/extension_registry.h"
#include "rollout/external_driver.h"
#include "rollout/haproxy_router.h"
#include "rollout/process_driver.h"
#include "rollout/process_spawn.h"

#include <QTemporaryDir>
#include <QtTest>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <set>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace aegis;
using namespace aegis::rollout;
using namespace std::chrono_literals;
using aegis::testing::pollUntil;
using aegis::testing::readFile;
namespace asio = boost::asio;
using json = nlohmann::json;

namespace {

// An io_context run by two threads; drivers must be destroyed before it.
class IoThreads {
public:
    IoThreads()
        : m_work(asio::make_work_guard(m_io)) {
        for (int i = 0; i < 2; ++i) {
            m_threads.emplace_back([this] { m_io.run(); });
        }
    }
    ~IoThreads() {
        m_work.reset();
        m_io.stop();
        for (auto &thread : m_threads) {
            thread.join();
        }
    }
    asio::any_io_executor executor() { return m_io.get_executor(); }

private:
    asio::io_context m_io;
    asio::executor_work_guard<asio::io_context::executor_type> m_work;
    std::vector<std::thread> m_threads;
};

// Collects a driver's log lines, from whichever thread.
class LogLines {
public:
    LogSink sink() {
        return [this](std::string line) {
            std::lock_guard lock(m_mutex);
            m_lines.push_back(std::move(line));
        };
    }
    bool contains(std::string_view text) const { return count(text) > 0; }
    int count(std::string_view text) const {
        std::lock_guard lock(m_mutex);
        return static_cast<int>(std::count_if(m_lines.begin(), m_lines.end(), [&](const auto &l) {
            return l.find(text) != std::string::npos;
        }));
    }
    std::vector<std::string> matching(std::string_view text) const {
        std::lock_guard lock(m_mutex);
        std::vector<std::string> lines;
        for (const auto &line : m_lines) {
            if (line.find(text) != std::string::npos) {
                lines.push_back(line);
            }
        }
        return lines;
    }
    std::string all() const {
        std::lock_guard lock(m_mutex);
        std::string text;
        for (const auto &line : m_lines) {
            text += line + "\n";
        }
        return text;
    }

private:
    mutable std::mutex m_mutex;
    std::vector<std::string> m_lines;
};

// Calls provision() and waits for its `done`, which must not run on the calling thread (the
// drivers' io threads are the only others).
StatusOr<DriverState> provisionNow(DeployDriver &driver, const DeployTarget &target,
                                   const DriverState &previous, LogSink sink) {
    auto promise = std::make_shared<std::promise<StatusOr<DriverState>>>();
    auto future = promise->get_future();
    const auto caller = std::this_thread::get_id();
    driver.provision(target, previous, std::move(sink),
                     [promise, caller](StatusOr<DriverState> result) {
                         if (std::this_thread::get_id() == caller) {
                             result = internalError("done ran inside provision()");
                         }
                         promise->set_value(std::move(result));
                     });
    if (future.wait_for(15s) != std::future_status::ready) {
        return Status(StatusCode::DeadlineExceeded, "provision did not complete");
    }
    return future.get();
}

Status teardownNow(DeployDriver &driver, const DeployTarget &target, const DriverState &state,
                   LogSink sink) {
    auto promise = std::make_shared<std::promise<Status>>();
    auto future = promise->get_future();
    const auto caller = std::this_thread::get_id();
    driver.teardown(target, state, std::move(sink), [promise, caller](Status status) {
        if (std::this_thread::get_id() == caller) {
            status = internalError("done ran inside teardown()");
        }
        promise->set_value(std::move(status));
    });
    if (future.wait_for(20s) != std::future_status::ready) {
        return Status(StatusCode::DeadlineExceeded, "teardown did not complete");
    }
    return future.get();
}

struct StateEntry {
    int index = 0;
    pid_t pid = 0;
    std::uint64_t startTime = 0;
    int port = 0;
    std::vector<std::string> command;
};

// The process driver's state, by index.
std::vector<StateEntry> entriesOf(const DriverState &state) {
    std::vector<StateEntry> entries;
    const json document = json::parse(state);
    for (const auto &process : document.at("processes")) {
        entries.push_back({process.at("index").get<int>(), process.at("pid").get<pid_t>(),
                           process.at("start_time").get<std::uint64_t>(),
                           process.at("port").get<int>(),
                           process.at("command").get<std::vector<std::string>>()});
    }
    return entries;
}

std::vector<pid_t> pidsOf(const DriverState &state) {
    std::vector<pid_t> pids;
    for (const auto &entry : entriesOf(state)) {
        pids.push_back(entry.pid);
    }
    return pids;
}

// No such process any more, or only its zombie (an orphan whose reaper is slow).
bool processGone(pid_t pid) {
    const std::string stat = readFile("/proc/" + std::to_string(pid) + "/stat");
    const auto nameEnd = stat.rfind(')');
    return nameEnd == std::string::npos || stat.substr(nameEnd + 2, 1) == "Z";
}

bool allGone(const std::vector<pid_t> &pids) {
    return std::all_of(pids.begin(), pids.end(), processGone);
}

int occurrences(const std::string &text, const std::string &needle) {
    int count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
        ++count;
    }
    return count;
}

// A long-running instance announcing its environment.
constexpr const char *kServe =
    "/bin/sh -c \"echo started $AEGIS_PORT $AEGIS_INSTANCE_INDEX $AEGIS_INSTANCE_ID; exec sleep "
    "1000\"";

DeployTarget processTarget(const std::string &command, int replicas = 2) {
    DeployTarget target;
    target.service = "shop";
    target.version = "v2";
    target.color = Color::Green;
    target.replicas = replicas;
    target.rolloutId = "r-7";
    target.params["command"] = command;
    target.params["grace_period"] = "5s";
    return target;
}

DeployTarget execTarget(std::map<std::string, std::string> params) {
    DeployTarget target;
    target.service = "shop";
    target.version = "v2";
    target.color = Color::Green;
    target.replicas = 3;
    target.rolloutId = "r-7";
    target.params = std::move(params);
    return target;
}

} // namespace

class TestDeployDrivers : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;

    std::filesystem::path dir() const { return m_dir->path().toStdString(); }
    std::filesystem::path logFile(int index, Color color = Color::Green) const {
        return dir() / "logs" / "shop" /
               (std::string(colorName(color)) + "-" + std::to_string(index) + ".log");
    }
    ProcessDriverOptions options() const {
        ProcessDriverOptions options;
        options.logDir = dir() / "logs";
        return options;
    }

private slots:
    void init() {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
    }

    // What a failed test left running: the drivers start their processes as children of this one.
    void cleanup() {
        const pid_t self = ::getpid();
        for (const auto &entry : std::filesystem::directory_iterator("/proc")) {
            const std::string name = entry.path().filename();
            if (name.find_first_not_of("0123456789") != std::string::npos) {
                continue;
            }
            const std::string stat = readFile(entry.path() / "stat");
            const auto nameEnd = stat.rfind(')');
            if (nameEnd == std::string::npos) {
                continue;
            }
            std::istringstream fields(stat.substr(nameEnd + 2));
            std::string state;
            pid_t parent = 0;
            fields >> state >> parent;
            if (parent == self) {
                const pid_t pid = std::stoi(name);
                ::kill(pid, SIGKILL);
                ::waitpid(pid, nullptr, 0);
            }
        }
        m_dir.reset();
    }

    // Each driver (and the haproxy router) describes its name and parameters, registers under
    // that name, and refuses parameters by that description: the unknown ones naming the known.
    void extensionsDescribeWhatTheyValidate() {
        IoThreads io;
        const auto process = std::make_shared<ProcessDriver>(io.executor(), options());
        const auto exec = std::make_shared<ExecDriver>(io.executor());
        const auto external = std::make_shared<ExternalDriver>(io.executor());
        const auto haproxy = std::make_shared<HaproxyRouter>(io.executor());
        ExtensionRegistry registry;
        for (const DeployDriverPtr &driver :
             std::vector<DeployDriverPtr>{process, exec, external}) {
            const ExtensionDescription &description = driver->describe();
            QCOMPARE(description.kind, ExtensionKind::DeployDriver);
            QVERIFY(!description.displayName.empty() && !description.description.empty());
            QVERIFY(registry.addDriver(driver).isOk());
            QCOMPARE(registry.driver(description.name), driver.get());
            QCOMPARE(driver->name(), std::string_view(description.name));

            DeployTarget target = processTarget("/bin/true");
            target.params = {{"no_such_parameter", "1"}};
            const Status unknown = driver->validate(target);
            QCOMPARE(unknown.code(), StatusCode::InvalidArgument);
            for (const ExtensionParameter &parameter : description.parameters) {
                QVERIFY2(unknown.message().find(parameter.name) != std::string::npos,
                         unknown.message().c_str());
            }
            target.params = {};
            for (const ExtensionParameter &parameter : description.parameters) {
                if (parameter.required) {
                    const Status missing = driver->validate(target);
                    QVERIFY2(missing.message().starts_with(parameter.name + ": required"),
                             missing.message().c_str());
                }
            }
        }
        QVERIFY(registry.addRouter(haproxy).isOk());
        QCOMPARE(haproxy->describe().kind, ExtensionKind::TrafficRouter);
        QCOMPARE(registry.router("haproxy"), haproxy.get());
        QCOMPARE(registry.addDriver(std::make_shared<ExecDriver>(io.executor())).code(),
                 StatusCode::AlreadyExists);
        const Status bindAddresses = haproxy->validate({{"socket", "/run/haproxy.sock"},
                                                        {"backend", "app"},
                                                        {"blue_servers", "b1"},
                                                        {"green_servers", "g1"},
                                                        {"bind_addresses", "yes"}});
        QVERIFY2(bindAddresses.message().starts_with("bind_addresses: must be 'true' or 'false'"),
                 bindAddresses.message().c_str());

        // The defaults the controller falls back to are registered names, and every description
        // is listed, drivers first.
        QCOMPARE(registry.setDefaultDriver("kubernetes").code(), StatusCode::NotFound);
        QVERIFY(registry.setDefaultDriver("process").isOk());
        QCOMPARE(registry.defaultDriver(), std::string("process"));
        std::vector<std::string> listed;
        for (const ExtensionDescription *description : registry.descriptions()) {
            listed.push_back(description->name);
        }
        QCOMPARE(listed, (std::vector<std::string>{"exec", "external", "process", "haproxy"}));
    }

    void processRejectsBadParameters() {
        IoThreads io;
        ProcessDriver driver(io.executor(), options());
        struct Case {
            const char *name;
            std::map<std::string, std::string> params;
            int replicas;
            const char *expected;
        };
        const std::vector<Case> cases = {
            {"missing command", {}, 1, "command: required"},
            {"empty command", {{"command", "  "}}, 1, "command: the command line is empty"},
            {"open quote", {{"command", "/bin/sh -c \"echo"}}, 1, "command: a double quote"},
            {"unknown placeholder", {{"command", "/bin/echo {colour}"}}, 1, "{colour}"},
            {"relative program", {{"command", "bin/server"}}, 1, "absolute path or a name"},
            {"program not on PATH", {{"command", "aegis-no-such-program"}}, 1, "not found on PATH"},
            {"bad grace_period",
             {{"command", "/bin/true"}, {"grace_period", "soon"}},
             1,
             "grace_period: 'soon' is not a duration"},
            {"relative working_dir",
             {{"command", "/bin/true"}, {"working_dir", "srv"}},
             1,
             "working_dir: must be an absolute path"},
            {"env placeholder", {{"command", "/bin/true"}, {"env.X", "{nope}"}}, 1, "env.X"},
            {"env name", {{"command", "/bin/true"}, {"env.1X", "a"}}, 1, "env.1X"},
            {"env AEGIS_",
             {{"command", "/bin/true"}, {"env.AEGIS_PORT", "1"}},
             1,
             "env.AEGIS_PORT: AEGIS_ variables are set by the driver"},
            {"unknown parameter",
             {{"command", "/bin/true"}, {"replica", "3"}},
             1,
             "unknown parameter 'replica'"},
            {"no replicas", {{"command", "/bin/true"}}, 0, "replicas"},
        };
        for (const auto &c : cases) {
            DeployTarget target = processTarget("", c.replicas);
            target.params = c.params;
            const Status status = driver.validate(target);
            QVERIFY2(status.code() == StatusCode::InvalidArgument, c.name);
            QVERIFY2(status.message().find(c.expected) != std::string::npos,
                     (std::string(c.name) + ": " + status.message()).c_str());
        }

        DeployTarget good = processTarget("sh -c \"exec sleep {index}\"");
        good.params["working_dir"] = "/tmp/{service}";
        good.params["env.NAME"] = "{instance_id}";
        good.params["env.PATH"] = "/usr/bin:/bin";
        QVERIFY2(driver.validate(good).isOk(), driver.validate(good).message().c_str());

        // provision() checks too, and answers through `done`.
        DeployTarget bad = processTarget("/bin/echo {colour}");
        auto result = provisionNow(driver, bad, "", {});
        QCOMPARE(result.status().code(), StatusCode::InvalidArgument);
        result = provisionNow(driver, processTarget(kServe), "{\"not\": \"a state\"}", {});
        QCOMPARE(result.status().code(), StatusCode::InvalidArgument);
    }

    void processStartsReplicasWithEnvironmentAndLogs() {
        IoThreads io;
        ProcessDriver driver(io.executor(), options());
        LogLines log;
        const auto workDir = dir() / "work-shop";
        std::filesystem::create_directories(workDir);
        DeployTarget target = processTarget(
            "/bin/sh -c \"echo started $AEGIS_PORT $AEGIS_INSTANCE_INDEX $AEGIS_INSTANCE_ID "
            "$AEGIS_SERVICE $AEGIS_VERSION $AEGIS_COLOR $AEGIS_REPLICAS $AEGIS_ROLLOUT_ID "
            "$GREETING $(pwd); exec sleep 1000\"",
            3);
        target.params["env.GREETING"] = "hello-{instance_id}";
        target.params["working_dir"] = (dir() / "work-{service}").string();
        target.params["grace_period"] = "20s";

        auto state = provisionNow(driver, target, "", log.sink());
        QVERIFY2(state.isOk(), state.status().message().c_str());
        const auto entries = entriesOf(*state);
        QCOMPARE(entries.size(), std::size_t(3));
        std::set<int> ports;
        std::set<pid_t> pids;
        for (int i = 0; i < 3; ++i) {
            const StateEntry &entry = entries[i];
            QCOMPARE(entry.index, i + 1);
            QVERIFY(entry.port > 0);
            ports.insert(entry.port);
            pids.insert(entry.pid);
            QVERIFY(processStartTime(entry.pid) == entry.startTime);
            // A session of its own, so that it outlives the daemon.
            QCOMPARE(::getsid(entry.pid), entry.pid);
            const std::string id = "shop-green-" + std::to_string(i + 1);
            const std::string expected = "started " + std::to_string(entry.port) + " " +
                                         std::to_string(i + 1) + " " + id + " shop v2 green 3 " +
                                         "r-7 hello-" + id + " " +
                                         std::filesystem::canonical(workDir).string();
            QVERIFY2(pollUntil([&] {
                         return readFile(logFile(i + 1)).find(expected) != std::string::npos;
                     }),
                     readFile(logFile(i + 1)).c_str());
            QVERIFY(log.contains("started " + id + " (pid " + std::to_string(entry.pid)));
        }
        QCOMPARE(ports.size(), std::size_t(3));
        QCOMPARE(pids.size(), std::size_t(3));

        const auto processes = driver.processes("shop", Color::Green);
        QCOMPARE(processes.size(), std::size_t(3));
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(processes[i].pid, entries[i].pid);
            QCOMPARE(processes[i].port, entries[i].port);
            QCOMPARE(processes[i].instanceId, "shop-green-" + std::to_string(i + 1));
            QCOMPARE(processes[i].state, ProcessInfo::State::Running);
        }
        QVERIFY(driver.processes("shop", Color::Blue).empty());

        // Processes that honour SIGTERM are gone well before the grace period.
        const auto started = std::chrono::steady_clock::now();
        QVERIFY(teardownNow(driver, target, *state, log.sink()).isOk());
        QVERIFY(std::chrono::steady_clock::now() - started < 5s);
        QVERIFY(allGone(pidsOf(*state)));
        QVERIFY(driver.processes("shop", Color::Green).empty());
        QVERIFY(log.contains("stopped shop-green-2"));
        // Idempotent: nothing left to stop.
        QVERIFY(teardownNow(driver, target, *state, log.sink()).isOk());
    }

    void processSubstitutesPlaceholders() {
        IoThreads io;
        ProcessDriver driver(io.executor(), options());
        DeployTarget target = processTarget(
            "sh -c \"echo args $0 $1 $2 $3 $4 $5 $6; exec sleep 1000\" {service} {version} "
            "{color} {port} {index} {instance_id} {{literal}}",
            1);
        auto state = provisionNow(driver, target, "", {});
        QVERIFY2(state.isOk(), state.status().message().c_str());
        const StateEntry entry = entriesOf(*state).at(0);
        const std::string port = std::to_string(entry.port);
        const std::string expected = "args shop v2 green " + port + " 1 shop-green-1 {literal}";
        QVERIFY2(
            pollUntil([&] { return readFile(logFile(1)).find(expected) != std::string::npos; }),
            readFile(logFile(1)).c_str());
        // argv[0] was looked up on PATH.
        QVERIFY(entry.command.at(0).front() == '/');
        QCOMPARE(entry.command.at(6), port);
        QCOMPARE(entry.command.at(9), std::string("{literal}"));
        QVERIFY(teardownNow(driver, target, *state, {}).isOk());
    }

    void processProvisionIsIdempotentAndScales() {
        IoThreads io;
        ProcessDriver driver(io.executor(), options());
        LogLines log;
        DeployTarget target = processTarget(kServe, 2);
        auto first = provisionNow(driver, target, "", log.sink());
        QVERIFY2(first.isOk(), first.status().message().c_str());

        auto again = provisionNow(driver, target, *first, log.sink());
        QVERIFY(again.isOk());
        QCOMPARE(pidsOf(*again), pidsOf(*first));
        auto fromMemory = provisionNow(driver, target, "", log.sink());
        QVERIFY(fromMemory.isOk());
        QCOMPARE(pidsOf(*fromMemory), pidsOf(*first));

        target.replicas = 3;
        auto up = provisionNow(driver, target, *again, log.sink());
        QVERIFY(up.isOk());
        const auto upPids = pidsOf(*up);
        QCOMPARE(upPids.size(), std::size_t(3));
        QCOMPARE(upPids[0], pidsOf(*first)[0]);
        QCOMPARE(upPids[1], pidsOf(*first)[1]);

        target.replicas = 1;
        auto down = provisionNow(driver, target, *up, log.sink());
        QVERIFY(down.isOk());
        QCOMPARE(pidsOf(*down), std::vector<pid_t>{upPids[0]});
        QVERIFY(processGone(upPids[1]) && processGone(upPids[2]));
        QVERIFY(!processGone(upPids[0]));

        // Another version on the same colour must be torn down first.
        DeployTarget other = target;
        other.version = "v3";
        QCOMPARE(provisionNow(driver, other, "", {}).status().code(),
                 StatusCode::FailedPrecondition);
        QCOMPARE(provisionNow(driver, other, *down, {}).status().code(),
                 StatusCode::FailedPrecondition);
        QVERIFY(teardownNow(driver, target, *down, {}).isOk());
    }

    void processRestartsKilledProcess() {
        IoThreads io;
        std::mutex mutex;
        std::vector<DriverState> changes;
        std::vector<std::string> changedDeployments;
        ProcessDriverOptions opts = options();
        opts.onStateChanged = [&](const std::string &service, Color color,
                                  const DriverState &state) {
            std::lock_guard lock(mutex);
            changes.push_back(state);
            changedDeployments.push_back(service + " " + std::string(colorName(color)));
        };
        ProcessDriver driver(io.executor(), opts);
        LogLines log;
        DeployTarget target = processTarget(kServe, 2);
        auto state = provisionNow(driver, target, "", log.sink());
        QVERIFY(state.isOk());
        const auto before = entriesOf(*state);
        const std::string startLine =
            "started " + std::to_string(before[0].port) + " 1 shop-green-1";
        QVERIFY(pollUntil([&] { return occurrences(readFile(logFile(1)), startLine) == 1; }));

        QCOMPARE(::kill(before[0].pid, SIGKILL), 0);
        const auto restarted = [&] {
            const auto processes = driver.processes("shop", Color::Green);
            return processes.size() == 2 && processes[0].pid > 0 &&
                   processes[0].pid != before[0].pid &&
                   processes[0].state == ProcessInfo::State::Running;
        };
        QVERIFY2(pollUntil(restarted, 5s), log.all().c_str());
        const auto processes = driver.processes("shop", Color::Green);
        QCOMPARE(processes[0].restarts, 1);
        QCOMPARE(processes[0].port, before[0].port);
        QVERIFY2(processes[0].lastExit.find("killed by signal 9") != std::string::npos,
                 processes[0].lastExit.c_str());
        QCOMPARE(processes[1].pid, before[1].pid);
        QCOMPARE(processes[1].restarts, 0);
        // Reaped, not left as a zombie.
        QVERIFY(!std::filesystem::exists("/proc/" + std::to_string(before[0].pid)));
        QVERIFY2(log.contains("was killed by signal 9") && log.contains("restarting in 1s"),
                 log.all().c_str());
        // Both runs appended to the same log file, on the same port.
        QVERIFY(pollUntil([&] { return occurrences(readFile(logFile(1)), startLine) == 2; }));

        // The new state went to the owner and is what provision() returns now.
        DriverState changed;
        QVERIFY(pollUntil([&] {
            std::lock_guard lock(mutex);
            return !changes.empty();
        }));
        {
            std::lock_guard lock(mutex);
            changed = changes.back();
            QCOMPARE(changedDeployments.back(), std::string("shop green"));
        }
        QCOMPARE(pidsOf(changed)[0], processes[0].pid);
        auto current = provisionNow(driver, target, changed, log.sink());
        QVERIFY(current.isOk());
        QCOMPARE(pidsOf(*current), pidsOf(changed));
        QVERIFY(teardownNow(driver, target, changed, {}).isOk());
    }

    void processRestartBackoffDoublesAndResets() {
        IoThreads io;
        ProcessDriverOptions opts = options();
        opts.restartBackoff = 50ms;
        opts.maxRestartBackoff = 200ms;
        opts.stableAfter = 250ms;
        ProcessDriver driver(io.executor(), opts);

        LogLines crashing;
        DeployTarget target = processTarget("/bin/sh -c \"exit 3\"", 1);
        QVERIFY(provisionNow(driver, target, "", crashing.sink()).isOk());
        QVERIFY2(pollUntil([&] { return crashing.count("restarting in") >= 5; }, 5s),
                 crashing.all().c_str());
        const auto lines = crashing.matching("restarting in");
        const std::vector<std::string> delays = {"in 50ms", "in 100ms", "in 200ms", "in 200ms",
                                                 "in 200ms"};
        for (std::size_t i = 0; i < delays.size(); ++i) {
            QVERIFY2(lines[i].find(delays[i]) != std::string::npos, lines[i].c_str());
            QVERIFY2(lines[i].find("exited with code 3") != std::string::npos, lines[i].c_str());
        }
        QVERIFY(teardownNow(driver, target, "", {}).isOk());
        QVERIFY(driver.processes("shop", Color::Green).empty());

        // A process that ran longer than stableAfter is restarted after restartBackoff again.
        LogLines stable;
        DeployTarget blue = processTarget("/bin/sh -c \"sleep 0.3; exit 1\"", 1);
        blue.color = Color::Blue;
        QVERIFY(provisionNow(driver, blue, "", stable.sink()).isOk());
        QVERIFY2(pollUntil([&] { return stable.count("restarting in") >= 3; }, 5s),
                 stable.all().c_str());
        for (const auto &line : stable.matching("restarting in")) {
            QVERIFY2(line.find("restarting in 50ms") != std::string::npos, line.c_str());
        }
        QVERIFY(teardownNow(driver, blue, "", {}).isOk());
    }

    void processAdoptsAfterDaemonRestart() {
        IoThreads io;
        DeployTarget target = processTarget(kServe, 2);
        DriverState saved;
        {
            ProcessDriver first(io.executor(), options());
            auto state = provisionNow(first, target, "", {});
            QVERIFY(state.isOk());
            saved = *state;
            first.detach();
            QVERIFY(first.processes("shop", Color::Green).empty());
        }
        const auto pids = pidsOf(saved);
        QVERIFY(!processGone(pids[0]) && !processGone(pids[1]));

        DriverState current;
        {
            ProcessDriver second(io.executor(), options());
            LogLines log;
            auto adopted = provisionNow(second, target, saved, log.sink());
            QVERIFY2(adopted.isOk(), adopted.status().message().c_str());
            QCOMPARE(pidsOf(*adopted), pids);
            QVERIFY2(log.contains("adopted shop-green-1 (pid " + std::to_string(pids[0])),
                     log.all().c_str());
            QVERIFY(!log.contains("started shop-green"));

            // Still supervised.
            QCOMPARE(::kill(pids[0], SIGKILL), 0);
            QVERIFY2(pollUntil(
                         [&] {
                             const auto processes = second.processes("shop", Color::Green);
                             return processes.size() == 2 && processes[0].pid > 0 &&
                                    processes[0].pid != pids[0] &&
                                    processes[0].state == ProcessInfo::State::Running;
                         },
                         5s),
                     log.all().c_str());
            auto state = provisionNow(second, target, *adopted, {});
            QVERIFY(state.isOk());
            current = *state;
            second.detach();
        }

        // A driver that knows nothing tears down what a state lists.
        ProcessDriver third(io.executor(), options());
        QVERIFY(teardownNow(third, target, current, {}).isOk());
        QVERIFY(allGone(pidsOf(current)));
    }

    void processDoesNotAdoptForeignOrDeadPids() {
        IoThreads io;
        ProcessDriver driver(io.executor(), options());
        auto foreign = aegis::testing::ChildProcess::start(
            {"/bin/sleep", "1000"}, dir() / "foreign.out", dir() / "foreign.err");
        QVERIFY(foreign);
        auto finished = aegis::testing::ChildProcess::start({"/bin/true"}, dir() / "true.out",
                                                            dir() / "true.err");
        QVERIFY(finished);
        const int deadPid = finished->pid();
        QVERIFY(finished->wait(5s) == 0);
        const auto foreignStart = processStartTime(foreign->pid());
        QVERIFY(foreignStart);

        // Index 1: a live pid with another start time (a recycled pid); index 2: a dead pid.
        json processes = json::array();
        processes.push_back({{"index", 1},
                             {"pid", foreign->pid()},
                             {"start_time", *foreignStart + 1},
                             {"port", 47011}});
        processes.push_back({{"index", 2}, {"pid", deadPid}, {"start_time", 1}, {"port", 47012}});
        const json state = {
            {"service", "shop"}, {"color", "green"}, {"version", "v2"}, {"processes", processes}};
        DeployTarget target = processTarget(kServe, 2);
        LogLines log;
        auto provisioned = provisionNow(driver, target, state.dump(), log.sink());
        QVERIFY2(provisioned.isOk(), provisioned.status().message().c_str());
        const auto entries = entriesOf(*provisioned);
        QCOMPARE(entries.size(), std::size_t(2));
        QVERIFY(entries[0].pid != foreign->pid());
        QVERIFY(entries[1].pid != deadPid);
        // The recorded ports are kept.
        QCOMPARE(entries[0].port, 47011);
        QCOMPARE(entries[1].port, 47012);
        QVERIFY(!log.contains("adopted"));

        QVERIFY(teardownNow(driver, target, state.dump(), {}).isOk());
        QVERIFY(allGone(pidsOf(*provisioned)));
        QVERIFY(!processGone(foreign->pid()));

        // A state of another version, or of another colour, is refused.
        json otherVersion = state;
        otherVersion["version"] = "v1";
        QCOMPARE(provisionNow(driver, target, otherVersion.dump(), {}).status().code(),
                 StatusCode::FailedPrecondition);
        json otherColor = state;
        otherColor["color"] = "blue";
        QCOMPARE(provisionNow(driver, target, otherColor.dump(), {}).status().code(),
                 StatusCode::InvalidArgument);
        QVERIFY(driver.processes("shop", Color::Green).empty());
    }

    void processTeardownKillsAfterGracePeriod() {
        IoThreads io;
        ProcessDriver driver(io.executor(), options());
        LogLines log;
        DeployTarget target =
            processTarget("/bin/sh -c \"trap '' TERM; echo ready; exec sleep 1000\"", 2);
        target.params["grace_period"] = "500ms";
        auto state = provisionNow(driver, target, "", log.sink());
        QVERIFY(state.isOk());
        // SIGTERM is ignored only once the trap is set. (The driver's banner line before the
        // process's output quotes the command, "echo ready" included.)
        QVERIFY(pollUntil([&] {
            return readFile(logFile(1)).find("\nready\n") != std::string::npos &&
                   readFile(logFile(2)).find("\nready\n") != std::string::npos;
        }));

        const auto started = std::chrono::steady_clock::now();
        QVERIFY(teardownNow(driver, target, *state, log.sink()).isOk());
        const auto took = std::chrono::steady_clock::now() - started;
        QVERIFY2(took >= 500ms && took < 5s, std::to_string((took / 1ms)).c_str());
        QVERIFY(allGone(pidsOf(*state)));
        QVERIFY2(log.contains("did not stop within 500ms: SIGKILL"), log.all().c_str());
        QVERIFY(log.contains("stopped shop-green-1"));
        // Not restarted: supervision stopped first.
        QVERIFY(driver.processes("shop", Color::Green).empty());
    }

    void processDetachCancelsTeardownAndLeavesProcesses() {
        IoThreads io;
        ProcessDriver driver(io.executor(), options());
        DeployTarget target =
            processTarget("/bin/sh -c \"trap '' TERM; echo ready; exec sleep 1000\"", 1);
        target.params["grace_period"] = "1m";
        auto state = provisionNow(driver, target, "", {});
        QVERIFY(state.isOk());
        QVERIFY(
            pollUntil([&] { return readFile(logFile(1)).find("\nready\n") != std::string::npos; }));

        std::atomic<bool> called{false};
        Status result;
        driver.teardown(target, *state, {}, [&](Status status) {
            result = status;
            called = true;
        });
        QVERIFY(pollUntil([&] {
            const auto processes = driver.processes("shop", Color::Green);
            return !processes.empty() && processes[0].state == ProcessInfo::State::Stopping;
        }));
        driver.detach();
        // Completed before detach() returned.
        QVERIFY(called);
        QCOMPARE(result.code(), StatusCode::Cancelled);
        QVERIFY(!processGone(pidsOf(*state)[0]));
    }

    void execRunsHookWithEnvironmentAndCapturesOutput() {
        IoThreads io;
        ExecDriver driver(io.executor());
        LogLines log;
        DeployTarget target = execTarget(
            {{"provision", "/bin/sh -c \"echo out $AEGIS_SERVICE $AEGIS_VERSION $AEGIS_COLOR "
                           "$AEGIS_REPLICAS $AEGIS_ROLLOUT_ID; echo err {service}-{color}-"
                           "{replicas}-{rollout_id} >&2; printf partial\""},
             {"teardown", "sh -c \"echo removing {service} {version} $AEGIS_COLOR\""}});
        QVERIFY(driver.validate(target).isOk());
        auto state = provisionNow(driver, target, "", log.sink());
        QVERIFY2(state.isOk(), state.status().message().c_str());
        QVERIFY(state->empty());
        QVERIFY2(log.contains("provision: out shop v2 green 3 r-7"), log.all().c_str());
        QVERIFY(log.contains("provision: err shop-green-3-r-7"));
        QVERIFY(log.contains("provision: partial"));
        QVERIFY(log.contains("provision hook succeeded"));

        QVERIFY(teardownNow(driver, target, "", log.sink()).isOk());
        QVERIFY2(log.contains("teardown: removing shop v2 green"), log.all().c_str());

        target.params.erase("teardown");
        QVERIFY(teardownNow(driver, target, "", log.sink()).isOk());
        QVERIFY(log.contains("no teardown hook"));
    }

    void execReportsFailingHook() {
        IoThreads io;
        ExecDriver driver(io.executor());
        LogLines log;
        DeployTarget target = execTarget(
            {{"provision", "/bin/sh -c \"echo first; echo deploy failed: disk full; exit 3\""}});
        auto state = provisionNow(driver, target, "", log.sink());
        QCOMPARE(state.status().code(), StatusCode::Unknown);
        QVERIFY2(state.status().message().find("provision hook exited with code 3") !=
                         std::string::npos &&
                     state.status().message().find("deploy failed: disk full") != std::string::npos,
                 state.status().message().c_str());
        QVERIFY(log.contains("provision: first"));

        // A hook that cannot start.
        target.params["provision"] = dir().string() + "/missing-hook";
        QCOMPARE(provisionNow(driver, target, "", {}).status().code(), StatusCode::InvalidArgument);
    }

    void execTimeoutKillsProcessGroup() {
        IoThreads io;
        ExecDriver driver(io.executor());
        LogLines log;
        const auto pidFile = dir() / "background.pid";
        DeployTarget target =
            execTarget({{"provision", "/bin/sh -c \"sleep 1000 & echo $! > " + pidFile.string() +
                                          "; echo waiting; wait\""},
                        {"timeout", "300ms"}});
        const auto started = std::chrono::steady_clock::now();
        auto state = provisionNow(driver, target, "", log.sink());
        QVERIFY(std::chrono::steady_clock::now() - started < 5s);
        QCOMPARE(state.status().code(), StatusCode::DeadlineExceeded);
        QVERIFY2(state.status().message().find("provision hook timed out after 300ms") !=
                     std::string::npos,
                 state.status().message().c_str());
        QVERIFY(log.contains("provision: waiting"));
        const pid_t background = std::stoi(readFile(pidFile));
        QVERIFY(background > 0);
        QVERIFY(pollUntil([&] { return processGone(background); }));
    }

    void execDetachCancelsRunningHook() {
        IoThreads io;
        ExecDriver driver(io.executor());
        LogLines log;
        DeployTarget target =
            execTarget({{"provision", "/bin/sh -c \"echo deploying; exec sleep 1000\""}});
        std::atomic<bool> called{false};
        Status result;
        driver.provision(target, "", log.sink(), [&](StatusOr<DriverState> outcome) {
            result = outcome.status();
            called = true;
        });
        QVERIFY(pollUntil([&] { return log.contains("provision: deploying"); }));
        QVERIFY(!called);
        driver.detach();
        // Completed before detach() returned; the hook is left running (cleanup() kills it).
        QVERIFY(called);
        QCOMPARE(result.code(), StatusCode::Cancelled);
    }

    void execRejectsBadParameters() {
        IoThreads io;
        ExecDriver driver(io.executor());
        struct Case {
            const char *name;
            std::map<std::string, std::string> params;
            const char *expected;
        };
        const std::vector<Case> cases = {
            {"missing provision", {{"teardown", "/bin/true"}}, "provision: required"},
            {"bad timeout", {{"provision", "/bin/true"}, {"timeout", "forever"}}, "timeout"},
            {"zero timeout", {{"provision", "/bin/true"}, {"timeout", "0s"}}, "timeout"},
            {"unknown parameter", {{"provision", "/bin/true"}, {"command", "x"}}, "'command'"},
            {"unknown placeholder", {{"provision", "/bin/echo {port}"}}, "{port}"},
            {"teardown not found",
             {{"provision", "/bin/true"}, {"teardown", "aegis-nope"}},
             "teardown: program 'aegis-nope' not found"},
        };
        for (const auto &c : cases) {
            const Status status = driver.validate(execTarget(c.params));
            QVERIFY2(status.code() == StatusCode::InvalidArgument, c.name);
            QVERIFY2(status.message().find(c.expected) != std::string::npos,
                     (std::string(c.name) + ": " + status.message()).c_str());
        }
    }

    void externalCompletesAtOnce() {
        IoThreads io;
        ExternalDriver driver(io.executor());
        LogLines log;
        DeployTarget target = execTarget({{"note", "deployed by the CD pipeline"}});
        QVERIFY(driver.validate(target).isOk());
        QCOMPARE(driver.validate(execTarget({{"command", "x"}})).code(),
                 StatusCode::InvalidArgument);
        auto state = provisionNow(driver, target, "", log.sink());
        QVERIFY(state.isOk());
        QVERIFY(state->empty());
        QVERIFY2(log.contains("waiting for 3 instances of shop v2 on green to register"),
                 log.all().c_str());
        QVERIFY(teardownNow(driver, target, "", log.sink()).isOk());
        QVERIFY(log.contains("the external deployer must remove shop v2 from green"));
    }
};

QTEST_GUILESS_MAIN(TestDeployDrivers)
#include "tst_deploy_drivers.moc"
