#include "rollout/process_driver.h"

#include "common/duration.h"
#include "common/input_text.h"
#include "common/logging.h"
#include "registry/registry.h"
#include "rollout/callback_queue.h"
#include "rollout/command_line.h"
#include "rollout/process_spawn.h"
#include "validation/extension_parameters.h"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

namespace aegis::rollout {

namespace asio = boost::asio;
using json = nlohmann::json;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

std::string_view processStateName(ProcessInfo::State state) {
    switch (state) {
    case ProcessInfo::State::Running:
        return "running";
    case ProcessInfo::State::Restarting:
        return "restarting";
    case ProcessInfo::State::Stopping:
        return "stopping";
    case ProcessInfo::State::Failed:
        return "failed";
    }
    return "unknown";
}

namespace {

constexpr milliseconds kDefaultGracePeriod = std::chrono::seconds(10);
// How long teardown waits after SIGKILL before it reports a process that will not die (one stuck
// in uninterruptible sleep).
constexpr milliseconds kKillWait = std::chrono::seconds(10);
constexpr int kMaxReplicas = 100;

struct ProcessSpec {
    // Placeholders not substituted yet.
    std::vector<std::string> command;
    milliseconds gracePeriod = kDefaultGracePeriod;
    std::string workingDir;
    std::map<std::string, std::string> env;
};

std::string instanceIdOf(const std::string &service, Color color, int index) {
    return service + "-" + std::string(colorName(color)) + "-" + std::to_string(index);
}

Placeholders placeholdersFor(const DeployTarget &target, int port, int index) {
    return {
        {"service", target.service},
        {"version", target.version},
        {"color", std::string(colorName(target.color))},
        {"port", std::to_string(port)},
        {"index", std::to_string(index)},
        {"instance_id", instanceIdOf(target.service, target.color, index)},
    };
}

bool isEnvName(std::string_view name) {
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
}

// Where programs are looked up: env.PATH when the deployment sets it, else aegisd's PATH.
std::string searchPathFor(const std::map<std::string, std::string> &env) {
    if (auto it = env.find("PATH"); it != env.end()) {
        return it->second;
    }
    const char *path = std::getenv("PATH");
    return path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
}

const ExtensionDescription &processDriverDescription() {
    static const ExtensionDescription description{
        ExtensionKind::DeployDriver,
        "process",
        "Local processes",
        "aegisd starts and supervises the instances as local processes, restarting any that exit.",
        {
            {.name = "command",
             .type = ParameterType::Command,
             .required = true,
             .description = "the program to run and its arguments; placeholders {service}, "
                            "{version}, {color}, {port}, {index}, {instance_id}",
             .placeholder = "/usr/bin/server --port {port}"},
            {.name = "grace_period",
             .type = ParameterType::Duration,
             .defaultValue = "10s",
             .description = "how long a process may take to exit after SIGTERM before it is killed",
             .placeholder = "10s"},
            {.name = "working_dir",
             .type = ParameterType::String,
             .description = "the absolute directory the processes start in (placeholders allowed)",
             .placeholder = "/srv/{service}"},
            {.name = "env.",
             .type = ParameterType::String,
             .prefix = true,
             .description = "an environment variable of the processes (env.NAME=value; AEGIS_ "
                            "names are set by the driver)",
             .placeholder = "LOG_LEVEL=info"},
        }};
    return description;
}

// Parses and checks the parameters; the placeholders and the program are checked with the values
// of instance 1.
StatusOr<ProcessSpec> parseSpec(const DeployTarget &target) {
    if (Status s = registry::Registry::validateServiceName(target.service, "service"); !s.isOk()) {
        return s;
    }
    if (target.version.empty()) {
        return invalidArgument("version: must not be empty");
    }
    if (target.replicas < 1 || target.replicas > kMaxReplicas) {
        return invalidArgument("replicas: must be 1 to " + std::to_string(kMaxReplicas) +
                               " for the process driver (got " + std::to_string(target.replicas) +
                               ")");
    }
    if (Status s =
            validation::validateExtensionParameters(processDriverDescription(), target.params);
        !s.isOk()) {
        return s;
    }
    ProcessSpec spec;
    std::optional<std::string> commandLine;
    for (const auto &[key, value] : target.params) {
        if (key == "command") {
            commandLine = value;
        } else if (key == "grace_period") {
            auto grace = parseDuration(value, "grace_period");
            if (!grace) {
                return grace.status();
            }
            spec.gracePeriod = *grace;
        } else if (key == "working_dir") {
            spec.workingDir = value;
        } else if (key.rfind("env.", 0) == 0) {
            const std::string name = key.substr(4);
            if (!isEnvName(name)) {
                return invalidArgument(key +
                                       ": not an environment variable name (letters, digits and "
                                       "'_', not starting with a digit)");
            }
            if (name.rfind("AEGIS_", 0) == 0) {
                return invalidArgument(key + ": AEGIS_ variables are set by the driver");
            }
            spec.env[name] = value;
        }
    }
    auto argv = splitCommandLine(*commandLine, "command");
    if (!argv) {
        return argv.status();
    }
    spec.command = std::move(*argv);

    const Placeholders sample = placeholdersFor(target, 1, 1);
    std::map<std::string, std::string> sampleEnv;
    for (const auto &[name, value] : spec.env) {
        auto substituted = substitutePlaceholders(value, sample, "env." + name);
        if (!substituted) {
            return substituted.status();
        }
        sampleEnv[name] = std::move(*substituted);
    }
    for (const auto &arg : spec.command) {
        if (auto substituted = substitutePlaceholders(arg, sample, "command"); !substituted) {
            return substituted.status();
        }
    }
    auto program = substitutePlaceholders(spec.command.front(), sample, "command");
    if (auto found = findExecutable(*program, searchPathFor(sampleEnv), "command"); !found) {
        return found.status();
    }
    if (!spec.workingDir.empty()) {
        auto dir = substitutePlaceholders(spec.workingDir, sample, "working_dir");
        if (!dir) {
            return dir.status();
        }
        if (dir->empty() || dir->front() != '/') {
            return invalidArgument("working_dir: must be an absolute path (got " +
                                   quoteInput(*dir) + ")");
        }
    }
    return spec;
}

// A free loopback port, not one of `taken`: bound on 127.0.0.1:0, read and closed again. 0 when
// none can be had.
int pickFreePort(const std::set<int> &taken) {
    for (int attempt = 0; attempt < 20; ++attempt) {
        OwnedFd socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (!socket.valid() ||
            ::bind(socket.get(), reinterpret_cast<sockaddr *>(&address), length) != 0 ||
            ::getsockname(socket.get(), reinterpret_cast<sockaddr *>(&address), &length) != 0) {
            return 0;
        }
        const int port = ntohs(address.sin_port);
        if (taken.count(port) == 0) {
            return port;
        }
    }
    return 0;
}

std::string timestampNow() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

// A process as a state lists it.
struct RecordedProcess {
    int index = 0;
    pid_t pid = 0;
    std::uint64_t startTime = 0;
    int port = 0;
    std::vector<std::string> command;
};

struct RecordedState {
    std::string service;
    Color color = Color::Green;
    std::string version;
    std::vector<RecordedProcess> processes;
};

StatusOr<RecordedState> decodeState(const DriverState &text) {
    const auto invalid = [](const std::string &why) {
        return invalidArgument("previous state: not a process driver state (" + why + ")");
    };
    const json document = json::parse(text, nullptr, false);
    if (document.is_discarded() || !document.is_object()) {
        return invalid("not a JSON object");
    }
    try {
        RecordedState state;
        state.service = document.at("service").get<std::string>();
        const auto color = parseColor(document.at("color").get<std::string>());
        if (!color) {
            return invalid("bad color");
        }
        state.color = *color;
        state.version = document.at("version").get<std::string>();
        for (const auto &entry : document.at("processes")) {
            RecordedProcess process;
            process.index = entry.at("index").get<int>();
            process.pid = entry.at("pid").get<pid_t>();
            process.startTime = entry.at("start_time").get<std::uint64_t>();
            process.port = entry.at("port").get<int>();
            process.command = entry.value("command", std::vector<std::string>());
            if (process.index < 1 || process.port < 0 || process.port > 65535) {
                return invalid("bad index or port");
            }
            state.processes.push_back(std::move(process));
        }
        return state;
    } catch (const json::exception &error) {
        return invalid(error.what());
    }
}

} // namespace

struct ProcessDriver::Core : std::enable_shared_from_this<Core> {
    struct StopOperation;
    using StopOperationPtr = std::shared_ptr<StopOperation>;
    using DeploymentKey = std::pair<std::string, Color>;

    struct Instance {
        explicit Instance(const asio::any_io_executor &executor)
            : restartTimer(executor) {}

        DeploymentKey key;
        int index = 0;
        std::string instanceId;
        int port = 0;
        std::vector<std::string> command;
        // 0 while none runs.
        pid_t pid = 0;
        std::uint64_t startTime = 0;
        // Watched while the process runs.
        std::unique_ptr<asio::posix::stream_descriptor> pidfd;
        ProcessInfo::State state = ProcessInfo::State::Running;
        SteadyClock::time_point startedAt;
        milliseconds nextBackoff{0};
        asio::steady_timer restartTimer;
        int restarts = 0;
        std::string lastExit;
        // Bumped at every start and scheduled restart, so that completions of an earlier watch or
        // timer are recognised.
        std::uint64_t generation = 0;
        // The stop operations waiting for this process to exit.
        std::vector<StopOperationPtr> stopWaiters;
    };
    using InstancePtr = std::shared_ptr<Instance>;

    // SIGTERM, the grace period, SIGKILL: for a teardown, or the extra processes of a provision
    // that scaled down.
    struct StopOperation {
        explicit StopOperation(const asio::any_io_executor &executor)
            : timer(executor) {}

        std::string what;
        milliseconds gracePeriod{0};
        // The processes still running.
        std::vector<InstancePtr> instances;
        bool killed = false;
        bool finished = false;
        asio::steady_timer timer;
        // Run under the lock when the operation ends; queues the caller's `done`.
        std::function<void(Status)> onFinished;
    };

    struct Deployment {
        DeployTarget target;
        ProcessSpec spec;
        LogSink log;
        // By index; a teardown may add a second, stale copy of an index it found in a state.
        std::vector<InstancePtr> instances;
        bool tearingDown = false;
    };

    Core(asio::any_io_executor executor, ProcessDriverOptions options)
        : executor(executor)
        , options(std::move(options))
        , callbacks(executor) {
        const ProcessDriverOptions defaults;
        if (this->options.restartBackoff <= milliseconds(0)) {
            this->options.restartBackoff = defaults.restartBackoff;
        }
        if (this->options.maxRestartBackoff < this->options.restartBackoff) {
            this->options.maxRestartBackoff =
                std::max(this->options.restartBackoff, defaults.maxRestartBackoff);
        }
        if (this->options.stableAfter <= milliseconds(0)) {
            this->options.stableAfter = defaults.stableAfter;
        }
    }

    enum class Level { Info, Warn, Error };

    // Logs to spdlog and to the deployment's sink.
    void note(const Deployment &deployment, Level level, std::string line, json fields = {}) {
        fields["driver"] = "process";
        fields["service"] = deployment.target.service;
        fields["color"] = colorName(deployment.target.color);
        fields["version"] = deployment.target.version;
        if (!deployment.target.rolloutId.empty()) {
            fields["rollout"] = deployment.target.rolloutId;
        }
        switch (level) {
        case Level::Info:
            log::info(line, fields);
            break;
        case Level::Warn:
            log::warn(line, fields);
            break;
        case Level::Error:
            log::error(line, fields);
            break;
        }
        if (deployment.log) {
            callbacks.post([sink = deployment.log, line = std::move(line)] { sink(line); });
        }
    }

    Deployment *find(const DeploymentKey &key) {
        auto it = deployments.find(key);
        return it == deployments.end() ? nullptr : &it->second;
    }

    InstancePtr makeInstance(const Deployment &deployment, int index, int port) {
        auto instance = std::make_shared<Instance>(executor);
        instance->key = {deployment.target.service, deployment.target.color};
        instance->index = index;
        instance->instanceId =
            instanceIdOf(deployment.target.service, deployment.target.color, index);
        instance->port = port;
        instance->nextBackoff = options.restartBackoff;
        return instance;
    }

    std::set<int> portsInUse() const {
        std::set<int> ports;
        for (const auto &[key, deployment] : deployments) {
            for (const auto &instance : deployment.instances) {
                ports.insert(instance->port);
            }
        }
        return ports;
    }

    DriverState encodeState(const Deployment &deployment) const {
        json processes = json::array();
        for (const auto &instance : deployment.instances) {
            processes.push_back({{"index", instance->index},
                                 {"instance_id", instance->instanceId},
                                 {"pid", instance->pid},
                                 {"start_time", instance->startTime},
                                 {"port", instance->port},
                                 {"command", instance->command}});
        }
        return json{{"driver", "process"},
                    {"service", deployment.target.service},
                    {"color", colorName(deployment.target.color)},
                    {"version", deployment.target.version},
                    {"processes", std::move(processes)}}
            .dump();
    }

    // The deployment's state, also kept beside its logs: a daemon killed after starting processes
    // but before persisting what provision() returned finds them there (provision() and
    // teardown() read it when they are given no state).
    std::filesystem::path stateFile(const DeployTarget &target) const {
        return options.logDir / target.service / (std::string(colorName(target.color)) + ".state");
    }
    void saveState(const Deployment &deployment) const {
        const auto path = stateFile(deployment.target);
        const auto temporary = path.string() + ".tmp";
        {
            std::ofstream out(temporary, std::ios::trunc);
            out << encodeState(deployment);
            if (!out) {
                return;
            }
        }
        std::error_code ignored;
        std::filesystem::rename(temporary, path, ignored);
    }
    DriverState savedState(const DeployTarget &target) const {
        std::ifstream in(stateFile(target));
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    }

    // Starts the process of `instance` (on its recorded port, or a new one) and watches it.
    Status start(Deployment &deployment, const InstancePtr &instance) {
        if (options.logDir.empty()) {
            return failedPrecondition(
                "the process driver has no log directory configured; it cannot start processes");
        }
        if (instance->port == 0) {
            instance->port = pickFreePort(portsInUse());
            if (instance->port == 0) {
                return unavailable("no free loopback port for " + instance->instanceId);
            }
        }
        const DeployTarget &target = deployment.target;
        const Placeholders values = placeholdersFor(target, instance->port, instance->index);
        std::vector<std::string> argv;
        for (const auto &arg : deployment.spec.command) {
            auto substituted = substitutePlaceholders(arg, values, "command");
            if (!substituted) {
                return substituted.status();
            }
            argv.push_back(std::move(*substituted));
        }
        std::map<std::string, std::string> env;
        for (const auto &[name, value] : deployment.spec.env) {
            auto substituted = substitutePlaceholders(value, values, "env." + name);
            if (!substituted) {
                return substituted.status();
            }
            env[name] = std::move(*substituted);
        }
        auto program = findExecutable(argv.front(), searchPathFor(env), "command");
        if (!program) {
            return program.status();
        }
        env.merge(targetEnvironment(target));
        env["AEGIS_PORT"] = std::to_string(instance->port);
        env["AEGIS_INSTANCE_INDEX"] = std::to_string(instance->index);
        env["AEGIS_INSTANCE_ID"] = instance->instanceId;

        SpawnRequest request;
        if (!deployment.spec.workingDir.empty()) {
            auto dir = substitutePlaceholders(deployment.spec.workingDir, values, "working_dir");
            if (!dir) {
                return dir.status();
            }
            struct stat info {};
            if (::stat(dir->c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
                return failedPrecondition("working_dir: '" + *dir + "' is not a directory");
            }
            // Else the shell of a script would find aegisd's PWD, which is not its directory.
            env.try_emplace("PWD", *dir);
            request.workingDir = std::move(*dir);
        }

        const auto logDir = options.logDir / target.service;
        std::error_code error;
        std::filesystem::create_directories(logDir, error);
        const auto logFile = logDir / (std::string(colorName(target.color)) + "-" +
                                       std::to_string(instance->index) + ".log");
        OwnedFd output(::open(logFile.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
        if (!output.valid()) {
            return failedPrecondition("cannot open the log file " + logFile.string() + ": " +
                                      std::strerror(errno));
        }
        const std::string banner = "--- " + timestampNow() + " aegisd starts " +
                                   instance->instanceId + " (version " + target.version +
                                   ", port " + std::to_string(instance->port) +
                                   "): " + joinCommandLine(argv) + "\n";
        [[maybe_unused]] const auto written = ::write(output.get(), banner.data(), banner.size());

        argv.front() = *program;
        request.argv = argv;
        request.environment = environmentWith(env);
        request.outputFd = output.get();
        auto spawned = spawnProcess(request);
        if (!spawned) {
            return spawned.status();
        }
        instance->command = std::move(argv);
        instance->pid = spawned->pid;
        instance->startTime = processStartTime(spawned->pid).value_or(0);
        instance->pidfd =
            std::make_unique<asio::posix::stream_descriptor>(executor, spawned->pidfd.release());
        instance->state = ProcessInfo::State::Running;
        instance->startedAt = SteadyClock::now();
        watch(instance);
        saveState(deployment);
        note(
            deployment, Level::Info,
            "started " + instance->instanceId + " (pid " + std::to_string(instance->pid) +
                ", port " + std::to_string(instance->port) + ")",
            {{"instance", instance->instanceId}, {"pid", instance->pid}, {"port", instance->port}});
        return Status::ok();
    }

    // Takes over a process a state lists if it still runs; false when it does not.
    bool adopt(Deployment &deployment, const InstancePtr &instance, const RecordedProcess &record) {
        OwnedFd pidfd = openProcess(record.pid, record.startTime);
        if (!pidfd.valid()) {
            return false;
        }
        instance->pid = record.pid;
        instance->startTime = record.startTime;
        instance->command = record.command;
        instance->pidfd =
            std::make_unique<asio::posix::stream_descriptor>(executor, pidfd.release());
        instance->state = ProcessInfo::State::Running;
        instance->startedAt = SteadyClock::now();
        watch(instance);
        note(deployment, Level::Info,
             "adopted " + instance->instanceId + " (pid " + std::to_string(record.pid) + ", port " +
                 std::to_string(record.port) + ")",
             {{"instance", instance->instanceId}, {"pid", record.pid}, {"port", record.port}});
        return true;
    }

    void watch(const InstancePtr &instance) {
        ++instance->generation;
        instance->pidfd->async_wait(
            asio::posix::descriptor_base::wait_read,
            [self = shared_from_this(), weak = std::weak_ptr(instance),
             generation = instance->generation](boost::system::error_code error) {
                self->onExit(weak, generation, error);
            });
    }

    void onExit(const std::weak_ptr<Instance> &weak, std::uint64_t generation,
                boost::system::error_code error) {
        std::lock_guard lock(mutex);
        const InstancePtr instance = weak.lock();
        if (error || !instance || instance->generation != generation || !instance->pidfd) {
            return;
        }
        const ProcessExit exit = reapProcess(instance->pidfd->native_handle());
        instance->pidfd.reset();
        instance->lastExit = exit.describe();
        const pid_t pid = std::exchange(instance->pid, 0);
        instance->startTime = 0;
        Deployment *deployment = find(instance->key);
        if (deployment == nullptr) {
            return;
        }
        if (instance->state == ProcessInfo::State::Stopping) {
            note(*deployment, Level::Info,
                 "stopped " + instance->instanceId + " (pid " + std::to_string(pid) + " " +
                     instance->lastExit + ")",
                 {{"instance", instance->instanceId}, {"pid", pid}});
            std::erase(deployment->instances, instance);
            for (const auto &operation : std::exchange(instance->stopWaiters, {})) {
                std::erase(operation->instances, instance);
                if (operation->instances.empty()) {
                    finish(operation, Status::ok());
                }
            }
            return;
        }
        const auto ranFor =
            std::chrono::duration_cast<milliseconds>(SteadyClock::now() - instance->startedAt);
        scheduleRestart(*deployment, instance,
                        instance->instanceId + " (pid " + std::to_string(pid) + ") " +
                            instance->lastExit + " after " + formatDuration(ranFor),
                        ranFor >= options.stableAfter);
    }

    void scheduleRestart(Deployment &deployment, const InstancePtr &instance,
                         const std::string &why, bool ranLongEnough) {
        const milliseconds delay = ranLongEnough ? options.restartBackoff : instance->nextBackoff;
        instance->nextBackoff = std::min(delay * 2, options.maxRestartBackoff);
        instance->state = ProcessInfo::State::Restarting;
        note(deployment, Level::Warn, why + "; restarting in " + formatDuration(delay),
             {{"instance", instance->instanceId}, {"delay_ms", delay.count()}});
        const std::uint64_t generation = ++instance->generation;
        instance->restartTimer.expires_after(delay);
        instance->restartTimer.async_wait(
            [self = shared_from_this(), weak = std::weak_ptr(instance), generation](
                boost::system::error_code error) { self->onRestartDue(weak, generation, error); });
    }

    void onRestartDue(const std::weak_ptr<Instance> &weak, std::uint64_t generation,
                      boost::system::error_code error) {
        std::lock_guard lock(mutex);
        const InstancePtr instance = weak.lock();
        if (error || !instance || instance->generation != generation ||
            instance->state != ProcessInfo::State::Restarting) {
            return;
        }
        Deployment *deployment = find(instance->key);
        if (deployment == nullptr) {
            return;
        }
        if (Status status = start(*deployment, instance); !status.isOk()) {
            instance->lastExit = status.message();
            scheduleRestart(*deployment, instance,
                            "cannot restart " + instance->instanceId + ": " + status.message(),
                            false);
            return;
        }
        ++instance->restarts;
        if (options.onStateChanged) {
            callbacks.post([callback = options.onStateChanged, service = deployment->target.service,
                            color = deployment->target.color,
                            state = encodeState(*deployment)] { callback(service, color, state); });
        }
    }

    // SIGTERMs `victims` (those not stopping already), SIGKILLs what still runs after the grace
    // period, and calls `onFinished` under the lock once all are gone. Processes not running are
    // dropped at once.
    void stop(Deployment &deployment, const std::vector<InstancePtr> &victims,
              milliseconds gracePeriod, std::string what, std::function<void(Status)> onFinished) {
        auto operation = std::make_shared<StopOperation>(executor);
        operation->what = std::move(what);
        operation->gracePeriod = gracePeriod;
        operation->onFinished = std::move(onFinished);
        for (const auto &instance : victims) {
            instance->restartTimer.cancel();
            if (!instance->pidfd) {
                std::erase(deployment.instances, instance);
                continue;
            }
            if (instance->state != ProcessInfo::State::Stopping) {
                instance->state = ProcessInfo::State::Stopping;
                note(deployment, Level::Info,
                     "stopping " + instance->instanceId + " (pid " + std::to_string(instance->pid) +
                         "): SIGTERM",
                     {{"instance", instance->instanceId}, {"pid", instance->pid}});
                signalProcessGroup(instance->pid, instance->pidfd->native_handle(), SIGTERM);
            }
            instance->stopWaiters.push_back(operation);
            operation->instances.push_back(instance);
        }
        stopOperations.insert(operation);
        if (operation->instances.empty()) {
            finish(operation, Status::ok());
            return;
        }
        operation->timer.expires_after(gracePeriod);
        operation->timer.async_wait(
            [self = shared_from_this(), weak = std::weak_ptr(operation)](
                boost::system::error_code error) { self->onStopTimer(weak, error); });
    }

    void onStopTimer(const std::weak_ptr<StopOperation> &weak, boost::system::error_code error) {
        std::lock_guard lock(mutex);
        const StopOperationPtr operation = weak.lock();
        if (error || !operation || operation->finished) {
            return;
        }
        if (operation->killed) {
            std::string pids;
            for (const auto &instance : operation->instances) {
                pids += (pids.empty() ? "" : ", ") + std::to_string(instance->pid);
            }
            finish(operation, Status(StatusCode::DeadlineExceeded,
                                     operation->what + ": process(es) " + pids + " still run " +
                                         formatDuration(kKillWait) + " after SIGKILL"));
            return;
        }
        operation->killed = true;
        for (const auto &instance : operation->instances) {
            if (Deployment *deployment = find(instance->key); deployment && instance->pidfd) {
                note(*deployment, Level::Warn,
                     instance->instanceId + " (pid " + std::to_string(instance->pid) +
                         ") did not stop within " + formatDuration(operation->gracePeriod) +
                         ": SIGKILL",
                     {{"instance", instance->instanceId}, {"pid", instance->pid}});
                signalProcessGroup(instance->pid, instance->pidfd->native_handle(), SIGKILL);
            }
        }
        operation->timer.expires_after(kKillWait);
        operation->timer.async_wait(
            [self = shared_from_this(), weak](boost::system::error_code error) {
                self->onStopTimer(weak, error);
            });
    }

    void finish(const StopOperationPtr &operation, Status status) {
        if (operation->finished) {
            return;
        }
        operation->finished = true;
        operation->timer.cancel();
        for (const auto &instance : std::exchange(operation->instances, {})) {
            std::erase(instance->stopWaiters, operation);
        }
        stopOperations.erase(operation);
        if (auto onFinished = std::exchange(operation->onFinished, nullptr)) {
            onFinished(std::move(status));
        }
    }

    void provision(const DeployTarget &target, const DriverState &previous, LogSink log,
                   std::function<void(StatusOr<DriverState>)> done) {
        const auto fail = [&](Status status) {
            callbacks.post([done = std::move(done), status = std::move(status)] { done(status); });
        };
        auto spec = parseSpec(target);
        if (!spec) {
            return fail(spec.status());
        }
        std::optional<RecordedState> recorded;
        const DriverState known = previous.empty() ? savedState(target) : previous;
        if (!known.empty()) {
            auto decoded = decodeState(known);
            if (!decoded) {
                return fail(decoded.status());
            }
            if (decoded->service != target.service || decoded->color != target.color) {
                return fail(invalidArgument("previous state: it is of " + decoded->service +
                                            " on " + std::string(colorName(decoded->color)) +
                                            ", not of " + target.service + " on " +
                                            std::string(colorName(target.color))));
            }
            if (decoded->version != target.version && !previous.empty()) {
                return fail(failedPrecondition(
                    "previous state: it is of version " + decoded->version + " of " +
                    target.service + " on " + std::string(colorName(target.color)) +
                    "; tear that down before provisioning version " + target.version));
            }
            if (decoded->version == target.version) {
                recorded = std::move(*decoded);
            }
        }

        std::lock_guard lock(mutex);
        const DeploymentKey key{target.service, target.color};
        Deployment *deployment = find(key);
        if (deployment != nullptr && deployment->tearingDown) {
            return fail(unavailable(target.service + " on " + std::string(colorName(target.color)) +
                                    " is being torn down; provision again once that completed"));
        }
        if (deployment != nullptr && deployment->target.version != target.version) {
            return fail(
                failedPrecondition(target.service + " on " + std::string(colorName(target.color)) +
                                   " runs version " + deployment->target.version +
                                   "; tear it down before provisioning version " + target.version));
        }
        if (deployment == nullptr) {
            deployment = &deployments[key];
        }
        deployment->target = target;
        deployment->spec = std::move(*spec);
        deployment->log = std::move(log);

        const auto atIndex = [&](int index) -> InstancePtr {
            for (const auto &instance : deployment->instances) {
                if (instance->index == index) {
                    return instance;
                }
            }
            return nullptr;
        };
        std::vector<InstancePtr> extras;
        if (recorded) {
            for (const auto &record : recorded->processes) {
                const InstancePtr known = atIndex(record.index);
                if (known && known->pid == record.pid) {
                    continue;
                }
                auto instance = makeInstance(*deployment, record.index, record.port);
                if (adopt(*deployment, instance, record)) {
                    deployment->instances.push_back(instance);
                    // A second copy of a running index, or one the target no longer needs.
                    if (known || record.index > target.replicas) {
                        extras.push_back(instance);
                    }
                } else if (!known && record.index <= target.replicas) {
                    if (record.pid > 0) {
                        note(*deployment, Level::Info,
                             instance->instanceId + " (pid " + std::to_string(record.pid) +
                                 ") no longer runs; starting it again",
                             {{"instance", instance->instanceId}, {"pid", record.pid}});
                    }
                    deployment->instances.push_back(instance);
                }
            }
        }
        std::optional<Status> firstError;
        for (int index = 1; index <= target.replicas; ++index) {
            InstancePtr instance = atIndex(index);
            if (!instance) {
                instance = makeInstance(*deployment, index, 0);
                deployment->instances.push_back(instance);
            }
            if (instance->pidfd || instance->state == ProcessInfo::State::Restarting) {
                continue;
            }
            if (Status status = start(*deployment, instance); !status.isOk()) {
                instance->state = ProcessInfo::State::Failed;
                instance->lastExit = status.message();
                note(*deployment, Level::Error,
                     "cannot start " + instance->instanceId + ": " + status.message(),
                     {{"instance", instance->instanceId}});
                if (!firstError) {
                    firstError =
                        Status(status.code(), instance->instanceId + ": " + status.message());
                }
            }
        }
        for (const auto &instance : deployment->instances) {
            if (instance->index > target.replicas &&
                std::find(extras.begin(), extras.end(), instance) == extras.end()) {
                extras.push_back(instance);
            }
        }
        std::sort(deployment->instances.begin(), deployment->instances.end(),
                  [](const InstancePtr &a, const InstancePtr &b) { return a->index < b->index; });
        if (firstError) {
            return fail(*firstError);
        }
        if (extras.empty()) {
            callbacks.post(
                [done = std::move(done), state = encodeState(*deployment)] { done(state); });
            return;
        }
        stop(*deployment, extras, deployment->spec.gracePeriod,
             "scaling " + target.service + " on " + std::string(colorName(target.color)) +
                 " down to " + std::to_string(target.replicas),
             [this, key, done = std::move(done)](Status status) mutable {
                 Deployment *deployment = find(key);
                 if (status.isOk() && deployment == nullptr) {
                     status = Status(StatusCode::Aborted, "the deployment went away");
                 }
                 if (!status.isOk()) {
                     callbacks.post([done = std::move(done), status] { done(status); });
                     return;
                 }
                 callbacks.post(
                     [done = std::move(done), state = encodeState(*deployment)] { done(state); });
             });
    }

    void teardown(const DeployTarget &target, const DriverState &state, LogSink log,
                  std::function<void(Status)> done) {
        std::lock_guard lock(mutex);
        const DeploymentKey key{target.service, target.color};
        Deployment *deployment = find(key);
        if (deployment == nullptr) {
            deployment = &deployments[key];
            deployment->target = target;
        }
        deployment->log = std::move(log);
        deployment->spec.gracePeriod = kDefaultGracePeriod;
        if (auto it = target.params.find("grace_period"); it != target.params.end()) {
            if (auto grace = parseDuration(it->second, "grace_period"); grace) {
                deployment->spec.gracePeriod = *grace;
            } else {
                note(*deployment, Level::Warn,
                     grace.status().message() + "; using " + formatDuration(kDefaultGracePeriod));
            }
        }
        const DriverState known = state.empty() ? savedState(target) : state;
        if (!known.empty()) {
            auto recorded = decodeState(known);
            if (!recorded) {
                note(*deployment, Level::Warn,
                     recorded.status().message() + "; stopping only the processes supervised now");
            } else if (recorded->service == target.service && recorded->color == target.color) {
                for (const auto &record : recorded->processes) {
                    const bool known =
                        std::any_of(deployment->instances.begin(), deployment->instances.end(),
                                    [&](const InstancePtr &instance) {
                                        return instance->pidfd && instance->pid == record.pid;
                                    });
                    if (known) {
                        continue;
                    }
                    auto instance = makeInstance(*deployment, record.index, record.port);
                    if (adopt(*deployment, instance, record)) {
                        deployment->instances.push_back(instance);
                    }
                }
            }
        }
        deployment->tearingDown = true;
        note(*deployment, Level::Info,
             "tearing down " + target.service + " on " + std::string(colorName(target.color)) +
                 " (grace period " + formatDuration(deployment->spec.gracePeriod) + ")");
        const std::vector<InstancePtr> victims = deployment->instances;
        stop(*deployment, victims, deployment->spec.gracePeriod,
             "teardown of " + target.service + " on " + std::string(colorName(target.color)),
             [this, key, done = std::move(done)](Status status) mutable {
                 if (Deployment *deployment = find(key);
                     deployment && deployment->tearingDown && deployment->instances.empty()) {
                     std::error_code ignored;
                     std::filesystem::remove(stateFile(deployment->target), ignored);
                     deployments.erase(key);
                 }
                 callbacks.post([done = std::move(done), status] { done(status); });
             });
    }

    void detach() {
        {
            std::lock_guard lock(mutex);
            for (auto &[key, deployment] : deployments) {
                for (const auto &instance : deployment.instances) {
                    instance->restartTimer.cancel();
                    instance->stopWaiters.clear();
                    if (instance->pidfd) {
                        boost::system::error_code ignored;
                        instance->pidfd->close(ignored);
                    }
                }
            }
            for (const auto &operation : std::set(stopOperations)) {
                finish(operation, Status(StatusCode::Cancelled,
                                         operation->what +
                                             " cancelled: the driver was detached and leaves the "
                                             "processes running"));
            }
            deployments.clear();
        }
        callbacks.flush();
    }

    std::vector<ProcessInfo> processes(std::string_view service, Color color) const {
        std::lock_guard lock(mutex);
        std::vector<ProcessInfo> result;
        auto it = deployments.find(DeploymentKey{std::string(service), color});
        if (it == deployments.end()) {
            return result;
        }
        for (const auto &instance : it->second.instances) {
            ProcessInfo info;
            info.index = instance->index;
            info.instanceId = instance->instanceId;
            info.version = it->second.target.version;
            info.pid = instance->pid;
            info.port = instance->port;
            info.startTime = instance->startTime;
            info.command = instance->command;
            info.state = instance->state;
            info.restarts = instance->restarts;
            info.lastExit = instance->lastExit;
            result.push_back(std::move(info));
        }
        return result;
    }

    asio::any_io_executor executor;
    ProcessDriverOptions options;
    // Guards everything below and every I/O object of the instances and stop operations. No
    // callback of a caller runs under it: they go through `callbacks`.
    mutable std::mutex mutex;
    std::map<DeploymentKey, Deployment> deployments;
    std::set<StopOperationPtr> stopOperations;
    CallbackQueue callbacks;
};

ProcessDriver::ProcessDriver(asio::any_io_executor executor, ProcessDriverOptions options)
    : m_core(std::make_shared<Core>(std::move(executor), std::move(options))) {}

ProcessDriver::~ProcessDriver() {
    m_core->detach();
}

const ExtensionDescription &ProcessDriver::description() {
    return processDriverDescription();
}

Status ProcessDriver::validate(const DeployTarget &target) const {
    return parseSpec(target).status();
}

void ProcessDriver::provision(const DeployTarget &target, const DriverState &previous, LogSink log,
                              std::function<void(StatusOr<DriverState>)> done) {
    m_core->provision(target, previous, std::move(log), std::move(done));
}

void ProcessDriver::teardown(const DeployTarget &target, const DriverState &state, LogSink log,
                             std::function<void(Status)> done) {
    m_core->teardown(target, state, std::move(log), std::move(done));
}

void ProcessDriver::detach() {
    m_core->detach();
}

std::vector<ProcessInfo> ProcessDriver::processes(std::string_view service, Color color) const {
    return m_core->processes(service, color);
}

} // namespace aegis::rollout
