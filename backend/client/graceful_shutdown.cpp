#include "client/graceful_shutdown.h"

#include <thread>

namespace aegis::client {

using namespace std::chrono_literals;

GracefulShutdownResult shutDownGracefully(Registration &registration,
                                          const GracefulShutdownOptions &options,
                                          const StopAndDrain &stopAndDrain,
                                          const ShutdownStepListener &onStep) {
    GracefulShutdownResult result;
    if (options.propagationDelay < 0ms || options.propagationDelay > 5min) {
        result.markedDraining = invalidArgument(
            "GracefulShutdownOptions.propagationDelay must be between 0 and 5 minutes");
        return result;
    }
    if (options.gracePeriod < 0ms || options.gracePeriod > 1h) {
        result.markedDraining =
            invalidArgument("GracefulShutdownOptions.gracePeriod must be between 0 and 1 hour");
        return result;
    }
    const auto started = std::chrono::steady_clock::now();
    const auto step = [&onStep](std::string_view name, const Status &outcome) {
        if (onStep) {
            onStep(name, outcome);
        }
    };
    result.markedDraining = registration.setState(InstanceState::Draining);
    step("draining", result.markedDraining);
    result.deregistered = registration.deregister();
    step("deregistered", result.deregistered);
    // The one wait that is not a condition: nothing tells this process when every caller's
    // Discovery has seen the removal.
    std::this_thread::sleep_for(options.propagationDelay);
    step("propagated", Status::ok());
    result.drained = !stopAndDrain || stopAndDrain(options.gracePeriod);
    step("drained", result.drained
                        ? Status::ok()
                        : Status(StatusCode::DeadlineExceeded,
                                 "requests were still in flight when the grace period ended"));
    result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    return result;
}

} // namespace aegis::client
