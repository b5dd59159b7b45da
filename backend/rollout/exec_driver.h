#pragma once

#include "rollout/deploy_driver.h"

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <string_view>

namespace aegis::rollout {

// "exec": operator hooks, for what aegisd does not run itself (systemd units, kubectl, ansible).
// Parameters:
//   provision  required; a command line split like the process driver's ("double quotes" group
//              words), with {service} {version} {color} {replicas} {rollout_id} substituted in
//              each argument; argv[0] is an absolute path or a name on PATH. It must bring
//              `replicas` instances of the version up on the colour, and register them.
//   teardown   optional, the same for removing them; without it teardown() does nothing.
//   timeout    for each run of a hook; default 5m. At the timeout the hook's process group is
//              killed (SIGKILL) and the call fails with DEADLINE_EXCEEDED.
// A hook runs in a session of its own with aegisd's environment plus targetEnvironment(); its
// stdout and stderr go to the rollout log line by line ("provision: ..."). A non-zero exit fails
// the call (UNKNOWN) with the exit code and the hook's last output line. The state is empty: hooks
// must be idempotent, since a resumed rollout runs them again. `done`s and log lines run on the
// executor, whose context must outlive the driver.
class ExecDriver final : public DeployDriver {
public:
    explicit ExecDriver(boost::asio::any_io_executor executor);
    // Detaches.
    ~ExecDriver() override;
    ExecDriver(const ExecDriver &) = delete;
    ExecDriver &operator=(const ExecDriver &) = delete;

    // What describe() returns, also without an instance.
    static const ExtensionDescription &description();
    const ExtensionDescription &describe() const override { return description(); }
    Status validate(const DeployTarget &target) const override;
    void provision(const DeployTarget &target, const DriverState &previous, LogSink log,
                   std::function<void(StatusOr<DriverState>)> done) override;
    void teardown(const DeployTarget &target, const DriverState &state, LogSink log,
                  std::function<void(Status)> done) override;
    // Stops waiting for running hooks and reading their output; their calls complete with
    // CANCELLED. The hooks are not killed (one still writing output gets SIGPIPE).
    void detach() override;

private:
    struct Core;
    std::shared_ptr<Core> m_core;
};

} // namespace aegis::rollout
