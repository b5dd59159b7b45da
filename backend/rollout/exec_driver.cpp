#include "rollout/exec_driver.h"

#include "common/duration.h"
#include "common/input_text.h"
#include "common/logging.h"
#include "registry/registry.h"
#include "rollout/callback_queue.h"
#include "rollout/command_line.h"
#include "rollout/process_spawn.h"
#include "validation/extension_parameters.h"

#include <boost/asio/buffer.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <set>

namespace aegis::rollout {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr milliseconds kDefaultTimeout = std::chrono::minutes(5);
// How long the output of a hook that exited is still read while a process it left behind keeps
// the pipe open.
constexpr milliseconds kOutputDrain = std::chrono::seconds(2);
// Longer output lines are split, so a hook cannot make the driver buffer without bound.
constexpr std::size_t kMaxLine = 4096;

struct ExecSpec {
    std::string provision;
    std::optional<std::string> teardown;
    milliseconds timeout = kDefaultTimeout;
};

Placeholders placeholdersFor(const DeployTarget &target) {
    return {
        {"service", target.service},
        {"version", target.version},
        {"color", std::string(colorName(target.color))},
        {"replicas", std::to_string(target.replicas)},
        {"rollout_id", target.rolloutId},
    };
}

// The hook's argv, placeholders substituted and argv[0] an absolute path.
StatusOr<std::vector<std::string>> hookCommand(const std::string &line, std::string_view param,
                                               const DeployTarget &target) {
    auto argv = splitCommandLine(line, param);
    if (!argv) {
        return argv.status();
    }
    const Placeholders values = placeholdersFor(target);
    for (auto &arg : *argv) {
        auto substituted = substitutePlaceholders(arg, values, param);
        if (!substituted) {
            return substituted.status();
        }
        arg = std::move(*substituted);
    }
    const char *path = std::getenv("PATH");
    auto program = findExecutable(argv->front(),
                                  path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin", param);
    if (!program) {
        return program.status();
    }
    argv->front() = std::move(*program);
    return argv;
}

const ExtensionDescription &execDriverDescription() {
    static const ExtensionDescription description{
        ExtensionKind::DeployDriver,
        "exec",
        "Operator hooks",
        "Operator hooks deploy and remove each version (systemd, kubectl, ansible); aegisd waits "
        "for the instances to register.",
        {
            {.name = "provision",
             .type = ParameterType::Command,
             .required = true,
             .description = "the hook that deploys the version; placeholders {service}, {version}, "
                            "{color}, {replicas}, {rollout_id}",
             .placeholder = "/usr/local/bin/deploy {service} {version} {color}"},
            {.name = "teardown",
             .type = ParameterType::Command,
             .description = "the hook that removes a version (none: nothing to remove)",
             .placeholder = "/usr/local/bin/undeploy {service} {color}"},
            {.name = "timeout",
             .type = ParameterType::Duration,
             .defaultValue = "5m",
             .description = "how long a hook may run before it is stopped and counts as failed",
             .placeholder = "5m"},
        }};
    return description;
}

StatusOr<ExecSpec> parseSpec(const DeployTarget &target) {
    if (Status s = registry::Registry::validateServiceName(target.service, "service"); !s.isOk()) {
        return s;
    }
    if (target.replicas < 1) {
        return invalidArgument("replicas: must be at least 1 (got " +
                               std::to_string(target.replicas) + ")");
    }
    if (Status s = validation::validateExtensionParameters(execDriverDescription(), target.params);
        !s.isOk()) {
        return s;
    }
    ExecSpec spec;
    for (const auto &[key, value] : target.params) {
        if (key == "provision") {
            spec.provision = value;
        } else if (key == "teardown") {
            spec.teardown = value;
        } else if (key == "timeout") {
            auto timeout = parseDuration(value, "timeout");
            if (!timeout) {
                return timeout.status();
            }
            if (*timeout <= milliseconds(0)) {
                return invalidArgument("timeout: must be positive (got " + quoteInput(value) + ")");
            }
            spec.timeout = *timeout;
        }
    }
    if (auto argv = hookCommand(spec.provision, "provision", target); !argv) {
        return argv.status();
    }
    if (spec.teardown) {
        if (auto argv = hookCommand(*spec.teardown, "teardown", target); !argv) {
            return argv.status();
        }
    }
    return spec;
}

} // namespace

struct ExecDriver::Core : std::enable_shared_from_this<Core> {
    // One run of a hook: its exit (through a pidfd), its output (one pipe for stdout and stderr)
    // and its timeout. Complete once it exited and its output is read.
    struct Run {
        explicit Run(const asio::any_io_executor &executor)
            : pidfd(executor)
            , output(executor)
            , timer(executor) {}

        // "provision" or "teardown".
        std::string stage;
        DeployTarget target;
        LogSink log;
        std::function<void(Status)> done;
        milliseconds timeout{0};
        SteadyClock::time_point started;
        pid_t pid = -1;
        asio::posix::stream_descriptor pidfd;
        asio::posix::stream_descriptor output;
        // The timeout until the hook exited, then the output drain limit.
        asio::steady_timer timer;
        std::array<char, 4096> buffer{};
        std::string partialLine;
        std::string lastLine;
        ProcessExit exit;
        bool exited = false;
        bool outputOpen = true;
        bool timedOut = false;
        bool finished = false;
    };
    using RunPtr = std::shared_ptr<Run>;

    explicit Core(asio::any_io_executor executor)
        : executor(executor)
        , callbacks(executor) {}

    log::Fields fieldsOf(const Run &run) {
        log::Fields fields{{"driver", "exec"},
                           {"hook", run.stage},
                           {"service", run.target.service},
                           {"version", run.target.version},
                           {"color", colorName(run.target.color)}};
        if (!run.target.rolloutId.empty()) {
            fields["rollout"] = run.target.rolloutId;
        }
        return fields;
    }

    void toSink(const Run &run, std::string line) {
        if (run.log) {
            callbacks.post([sink = run.log, line = std::move(line)] { sink(line); });
        }
    }

    void outputLine(Run &run, std::string line) {
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        if (!line.empty()) {
            run.lastLine = line;
        }
        auto fields = fieldsOf(run);
        fields["pid"] = run.pid;
        log::debug(run.stage + ": " + line, fields);
        toSink(run, run.stage + ": " + line);
    }

    void start(std::string stage, std::vector<std::string> argv, const DeployTarget &target,
               milliseconds timeout, LogSink sink, std::function<void(Status)> done) {
        const auto fail = [&](Status status) {
            callbacks.post([done = std::move(done), status = std::move(status)] { done(status); });
        };
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            return fail(
                internalError(stage + " hook: cannot create a pipe: " + std::strerror(errno)));
        }
        OwnedFd readEnd(fds[0]);
        OwnedFd writeEnd(fds[1]);
        SpawnRequest request;
        request.argv = argv;
        request.environment = environmentWith(targetEnvironment(target));
        request.outputFd = writeEnd.get();
        auto spawned = spawnProcess(request);
        if (!spawned) {
            return fail(
                Status(spawned.status().code(), stage + " hook: " + spawned.status().message()));
        }
        writeEnd.reset();

        std::lock_guard lock(mutex);
        auto run = std::make_shared<Run>(executor);
        run->stage = std::move(stage);
        run->target = target;
        run->log = std::move(sink);
        run->done = std::move(done);
        run->timeout = timeout;
        run->started = SteadyClock::now();
        run->pid = spawned->pid;
        run->pidfd.assign(spawned->pidfd.release());
        run->output.assign(readEnd.release());
        runs.insert(run);

        const std::string line = "running " + run->stage + " hook (pid " +
                                 std::to_string(run->pid) + "): " + joinCommandLine(argv);
        log::info(line, fieldsOf(*run));
        toSink(*run, line);

        const std::weak_ptr<Run> weak = run;
        run->timer.expires_after(timeout);
        run->timer.async_wait([self = shared_from_this(), weak](boost::system::error_code error) {
            self->onTimeout(weak, error);
        });
        run->pidfd.async_wait(asio::posix::descriptor_base::wait_read,
                              [self = shared_from_this(), weak](boost::system::error_code error) {
                                  self->onExit(weak, error);
                              });
        readOutput(run);
    }

    void readOutput(const RunPtr &run) {
        run->output.async_read_some(asio::buffer(run->buffer),
                                    [self = shared_from_this(), weak = std::weak_ptr(run)](
                                        boost::system::error_code error, std::size_t size) {
                                        self->onOutput(weak, error, size);
                                    });
    }

    void onOutput(const std::weak_ptr<Run> &weak, boost::system::error_code error,
                  std::size_t size) {
        std::lock_guard lock(mutex);
        const RunPtr run = weak.lock();
        if (!run || run->finished || !run->outputOpen) {
            return;
        }
        std::string &partial = run->partialLine;
        for (std::size_t i = 0; i < size; ++i) {
            const char c = run->buffer[i];
            if (c == '\n') {
                outputLine(*run, std::exchange(partial, {}));
            } else {
                partial += c;
                if (partial.size() >= kMaxLine) {
                    outputLine(*run, std::exchange(partial, {}));
                }
            }
        }
        if (!error) {
            readOutput(run);
            return;
        }
        // End of file once every writer is gone; any other error ends the reading too.
        closeOutput(*run);
        maybeFinish(run);
    }

    void closeOutput(Run &run) {
        if (!run.partialLine.empty()) {
            outputLine(run, std::exchange(run.partialLine, {}));
        }
        run.outputOpen = false;
        boost::system::error_code ignored;
        run.output.close(ignored);
    }

    void onExit(const std::weak_ptr<Run> &weak, boost::system::error_code error) {
        std::lock_guard lock(mutex);
        const RunPtr run = weak.lock();
        if (error || !run || run->finished || run->exited) {
            return;
        }
        run->exit = reapProcess(run->pidfd.native_handle());
        run->exited = true;
        boost::system::error_code ignored;
        run->pidfd.close(ignored);
        if (!run->outputOpen) {
            maybeFinish(run);
            return;
        }
        run->timer.expires_after(kOutputDrain);
        run->timer.async_wait([self = shared_from_this(), weak](boost::system::error_code error) {
            self->onDrainOver(weak, error);
        });
    }

    void onTimeout(const std::weak_ptr<Run> &weak, boost::system::error_code error) {
        std::lock_guard lock(mutex);
        const RunPtr run = weak.lock();
        if (error || !run || run->finished || run->exited) {
            return;
        }
        run->timedOut = true;
        const std::string line = run->stage + " hook timed out after " +
                                 formatDuration(run->timeout) + "; killing its process group";
        log::warn(line, fieldsOf(*run));
        toSink(*run, line);
        // Not reaped yet, so the pid, and the group id it is, are still the hook's.
        ::kill(-run->pid, SIGKILL);
    }

    void onDrainOver(const std::weak_ptr<Run> &weak, boost::system::error_code error) {
        std::lock_guard lock(mutex);
        const RunPtr run = weak.lock();
        if (error || !run || run->finished || !run->outputOpen) {
            return;
        }
        closeOutput(*run);
        toSink(*run, run->stage +
                         " hook exited but a process it started keeps its output open; no longer "
                         "reading it");
        maybeFinish(run);
    }

    Status outcome(const Run &run) const {
        const std::string lastLine =
            run.lastLine.empty() ? std::string(" (no output)") : ": " + run.lastLine;
        if (run.timedOut) {
            return Status(StatusCode::DeadlineExceeded, run.stage + " hook timed out after " +
                                                            formatDuration(run.timeout) + lastLine);
        }
        if (!run.exit.known) {
            return Status(StatusCode::Unknown,
                          run.stage + " hook ended with an unknown status (reaped elsewhere)");
        }
        if (run.exit.signal != 0 || run.exit.code != 0) {
            return Status(StatusCode::Unknown,
                          run.stage + " hook " + run.exit.describe() + lastLine);
        }
        return Status::ok();
    }

    void maybeFinish(const RunPtr &run) {
        if (run->finished || !run->exited || run->outputOpen) {
            return;
        }
        run->finished = true;
        run->timer.cancel();
        runs.erase(run);
        Status status = outcome(*run);
        const auto took =
            std::chrono::duration_cast<milliseconds>(SteadyClock::now() - run->started);
        const std::string line = status.isOk()
                                     ? run->stage + " hook succeeded in " + formatDuration(took)
                                     : status.message();
        auto fields = fieldsOf(*run);
        fields["duration_ms"] = took.count();
        if (status.isOk()) {
            log::info(line, fields);
        } else {
            log::warn(line, fields);
        }
        toSink(*run, line);
        callbacks.post([done = std::move(run->done), status = std::move(status)] { done(status); });
    }

    void detach() {
        {
            std::lock_guard lock(mutex);
            for (const auto &run : runs) {
                run->finished = true;
                run->timer.cancel();
                boost::system::error_code ignored;
                run->pidfd.close(ignored);
                run->output.close(ignored);
                callbacks.post(
                    [done = std::move(run->done),
                     status = Status(StatusCode::Cancelled,
                                     run->stage + " hook still running when the driver was "
                                                  "detached; it was left running")] {
                        done(status);
                    });
            }
            runs.clear();
        }
        callbacks.flush();
    }

    asio::any_io_executor executor;
    // Guards `runs` and everything in them, including their I/O objects. No callback of a caller
    // runs under it: they go through `callbacks`.
    std::mutex mutex;
    std::set<RunPtr> runs;
    CallbackQueue callbacks;
};

ExecDriver::ExecDriver(asio::any_io_executor executor)
    : m_core(std::make_shared<Core>(std::move(executor))) {}

ExecDriver::~ExecDriver() {
    m_core->detach();
}

const ExtensionDescription &ExecDriver::description() {
    return execDriverDescription();
}

Status ExecDriver::validate(const DeployTarget &target) const {
    return parseSpec(target).status();
}

void ExecDriver::provision(const DeployTarget &target, const DriverState &, LogSink log,
                           std::function<void(StatusOr<DriverState>)> done) {
    auto spec = parseSpec(target);
    auto argv = spec ? hookCommand(spec->provision, "provision", target)
                     : StatusOr<std::vector<std::string>>(spec.status());
    auto finish = [done = std::move(done)](Status status) {
        if (status.isOk()) {
            done(DriverState());
        } else {
            done(std::move(status));
        }
    };
    if (!argv) {
        m_core->callbacks.post([finish, status = argv.status()] { finish(status); });
        return;
    }
    m_core->start("provision", std::move(*argv), target, spec->timeout, std::move(log),
                  std::move(finish));
}

void ExecDriver::teardown(const DeployTarget &target, const DriverState &, LogSink log,
                          std::function<void(Status)> done) {
    auto spec = parseSpec(target);
    if (spec && !spec->teardown) {
        const std::string line = "no teardown hook configured; nothing to do";
        m_core->callbacks.post([sink = std::move(log), done = std::move(done), line] {
            if (sink) {
                sink(line);
            }
            done(Status::ok());
        });
        return;
    }
    auto argv = spec ? hookCommand(*spec->teardown, "teardown", target)
                     : StatusOr<std::vector<std::string>>(spec.status());
    if (!argv) {
        m_core->callbacks.post([done = std::move(done), status = argv.status()] { done(status); });
        return;
    }
    m_core->start("teardown", std::move(*argv), target, spec->timeout, std::move(log),
                  std::move(done));
}

void ExecDriver::detach() {
    m_core->detach();
}

} // namespace aegis::rollout
