#pragma once

#include "rollout/deploy_driver.h"

#include <boost/asio/any_io_executor.hpp>

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace aegis::rollout {

struct ProcessDriverOptions {
    // Required. Each process appends its stdout and stderr to
    // <logDir>/<service>/<color>-<index>.log.
    std::filesystem::path logDir;
    // A process that exits unexpectedly is restarted after restartBackoff, doubling up to
    // maxRestartBackoff for every further exit, back to restartBackoff once it ran stableAfter.
    std::chrono::milliseconds restartBackoff{std::chrono::seconds(1)};
    std::chrono::milliseconds maxRestartBackoff{std::chrono::seconds(30)};
    std::chrono::milliseconds stableAfter{std::chrono::seconds(60)};
    // Called (on the driver's executor) with a deployment's new state after supervision restarted
    // one of its processes, so the owner can persist it: a state handed back to provision() that
    // still lists the dead process would start a second copy next to the restarted one.
    std::function<void(const std::string &service, Color color, const DriverState &state)>
        onStateChanged;
};

// One supervised process of a deployment, for the API and the console.
struct ProcessInfo {
    enum class State {
        // Started and watched.
        Running,
        // Exited unexpectedly; started again when the backoff has passed.
        Restarting,
        // Being torn down (SIGTERM sent; SIGKILL after the grace period).
        Stopping,
        // Could not be started by provision(); the next provision() tries again.
        Failed,
    };

    int index = 0;
    // <service>-<color>-<index>, also in its environment as AEGIS_INSTANCE_ID.
    std::string instanceId;
    std::string version;
    // 0 while none runs.
    pid_t pid = 0;
    int port = 0;
    // Field 22 of /proc/<pid>/stat.
    std::uint64_t startTime = 0;
    std::vector<std::string> command;
    State state = State::Running;
    // Restarts by supervision since the driver first started or adopted it.
    int restarts = 0;
    // How it ended last ("exited with code 1"), or why it could not start; empty if neither.
    std::string lastExit;
};

std::string_view processStateName(ProcessInfo::State state);

// "process", the embedded default: aegisd itself starts `replicas` local processes and supervises
// them. Parameters:
//   command       required; split like a command line ("double quotes" group words), with the
//                 placeholders {service} {version} {color} {port} {index} {instance_id}
//                 substituted in each argument; argv[0] is an absolute path or a name on PATH.
//   grace_period  how long teardown waits after SIGTERM before SIGKILL; default 10s.
//   working_dir   absolute; placeholders substituted. Default: aegisd's.
//   env.NAME      extra environment variable NAME (placeholders substituted); not AEGIS_*.
// Besides the daemon's environment and targetEnvironment(), each process gets AEGIS_PORT (a free
// loopback port picked for it, kept across restarts), AEGIS_INSTANCE_INDEX (1..replicas) and
// AEGIS_INSTANCE_ID. Processes run in sessions of their own, so they outlive aegisd; the state
// lists them (pid and start time), and provision() with it adopts those still running. `done`s,
// log lines and onStateChanged run on the executor, whose context must outlive the driver.
class ProcessDriver final : public DeployDriver {
public:
    ProcessDriver(boost::asio::any_io_executor executor, ProcessDriverOptions options);
    // Detaches: the processes keep running.
    ~ProcessDriver() override;
    ProcessDriver(const ProcessDriver &) = delete;
    ProcessDriver &operator=(const ProcessDriver &) = delete;

    // What describe() returns, also without an instance.
    static const ExtensionDescription &description();
    const ExtensionDescription &describe() const override { return description(); }
    Status validate(const DeployTarget &target) const override;
    void provision(const DeployTarget &target, const DriverState &previous, LogSink log,
                   std::function<void(StatusOr<DriverState>)> done) override;
    void teardown(const DeployTarget &target, const DriverState &state, LogSink log,
                  std::function<void(Status)> done) override;
    // Forgets every deployment (closes the pidfds, cancels restarts and teardowns, whose `done`s
    // it calls with CANCELLED) and leaves the processes running; provision() adopts them again.
    void detach() override;

    // The processes of `service` on `color` the driver supervises now, by index. Thread-safe.
    std::vector<ProcessInfo> processes(std::string_view service, Color color) const;

private:
    struct Core;
    std::shared_ptr<Core> m_core;
};

} // namespace aegis::rollout
