#pragma once

#include "common/extension_description.h"
#include "common/status.h"
#include "rollout/color.h"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace aegis::rollout {

// One version of a service on one colour, as a driver is asked to run it.
struct DeployTarget {
    std::string service;
    std::string version;
    Color color = Color::Green;
    int replicas = 1;
    // Driver-specific parameters ("command", "provision", ...), validated by the driver.
    std::map<std::string, std::string> params;
    // The rollout this happens for (for log lines and the environment); empty when the driver
    // adopts a running deployment at start-up.
    std::string rolloutId;
};

// Receives the driver's log lines (hook output, process starts and exits) for the rollout log.
// Called from any thread; must be quick.
using LogSink = std::function<void(std::string line)>;

// Driver state the controller persists with a deployment, so that a restarted daemon hands it back
// and the driver finds what it started (process ids, ...). Opaque to everyone but the driver.
using DriverState = std::string;

// Brings versions of a service up and down. Implementations are registered by name and shared by
// every rollout; all calls are asynchronous and thread-safe, and each `done` is called exactly
// once, from a thread of the driver's choosing, never from inside the call itself.
class DeployDriver {
public:
    virtual ~DeployDriver() = default;
    // The name the driver registers under and the parameters it takes; the same for the driver's
    // lifetime. validate() checks the parameters against it first (validateExtensionParameters).
    virtual const ExtensionDescription &describe() const = 0;
    std::string_view name() const { return describe().name; }

    // Checks parameters before a rollout starts: INVALID_ARGUMENT naming the parameter and what
    // is expected.
    virtual Status validate(const DeployTarget &target) const = 0;

    // Makes `target` run: idempotent, so it is also how a restarted daemon adopts a deployment
    // (`previous` is the state last returned for the same target, empty the first time). Completes
    // once the instances are started (not necessarily registered or healthy: the rollout's gates
    // wait for that) with the state to persist.
    virtual void provision(const DeployTarget &target, const DriverState &previous, LogSink log,
                           std::function<void(StatusOr<DriverState>)> done) = 0;

    // Stops everything `provision` started for `target` (idempotent; OK when nothing runs).
    virtual void teardown(const DeployTarget &target, const DriverState &state, LogSink log,
                          std::function<void(Status)> done) = 0;

    // Stops supervising without stopping anything (daemon shutdown: deployments outlive aegisd and
    // are adopted again at the next start). Synchronous; no callback runs after it returns.
    virtual void detach() {}
};

using DeployDriverPtr = std::shared_ptr<DeployDriver>;

} // namespace aegis::rollout
