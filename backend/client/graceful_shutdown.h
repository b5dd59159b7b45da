#pragma once

#include "client/registration.h"
#include "common/status.h"

#include <chrono>
#include <functional>
#include <string_view>

namespace aegis::client {

struct GracefulShutdownOptions {
    // How long callers get to see the instance gone before it stops accepting: their Discovery
    // follows the registry's watch (milliseconds on one network), and a caller may have picked
    // the instance just before the removal reached it. Meanwhile requests are served as usual.
    // 0..5 min.
    std::chrono::milliseconds propagationDelay{std::chrono::seconds(2)};
    // How long the work in flight gets once the instance stops accepting. 0..1 h.
    std::chrono::milliseconds gracePeriod{std::chrono::seconds(10)};
};

// The step that is the service's own: stop accepting new connections and requests, then wait at
// most `grace` for those in flight; true when they all finished. gRPC's
// `Server::Shutdown(deadline)` and SampleHttpServer::shutdown() are such a step.
using StopAndDrain = std::function<bool(std::chrono::milliseconds grace)>;

// Told each step as it completes ("draining", "deregistered", "propagated", "drained"), with its
// outcome. Called on the thread that runs the shutdown.
using ShutdownStepListener = std::function<void(std::string_view step, const Status &outcome)>;

struct GracefulShutdownResult {
    // Marking the instance draining (pickers stop choosing it).
    Status markedDraining;
    // Removing it from the registry.
    Status deregistered;
    // Every request in flight finished within the grace period.
    bool drained = false;
    std::chrono::milliseconds elapsed{0};
};

// The shutdown sequence of a registered service, in the order that loses no request of a caller
// without retries:
//  1. mark the instance draining, so callers' pickers stop choosing it at once;
//  2. deregister it (stops renewing the lease);
//  3. wait `propagationDelay` while still serving, so a caller that picked it before the removal
//     reached its Discovery still gets an answer instead of "connection refused";
//  4. stopAndDrain(gracePeriod): stop accepting, finish what is in flight.
// A failed step is reported and the sequence goes on: a daemon that cannot be reached must not
// keep the process from draining (its lease then expires on its own). Blocks for about
// propagationDelay plus what stopAndDrain takes; call it from the thread that handles SIGTERM.
// INVALID_ARGUMENT (in markedDraining, nothing done) when an option is out of range.
GracefulShutdownResult shutDownGracefully(Registration &registration,
                                          const GracefulShutdownOptions &options,
                                          const StopAndDrain &stopAndDrain,
                                          const ShutdownStepListener &onStep = {});

} // namespace aegis::client
