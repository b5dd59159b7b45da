#pragma once

// The controller's in-memory state per service, shared by the files that implement
// RolloutController (not part of its interface).

#include "rollout/rollout_controller.h"

#include <chrono>
#include <deque>
#include <optional>
#include <set>
#include <vector>

namespace aegis::rollout {

struct RolloutController::Active {
    Rollout rollout;
    // Unique across the controller, renewed whenever the phase changes: completions of steps
    // started in another generation record what they did but move nothing.
    std::uint64_t generation = 0;
    // A router call in flight.
    bool routerBusy = false;
    // Since when every new instance has been healthy (in memory: a restart restarts the window).
    std::optional<std::chrono::steady_clock::time_point> healthySince;
    int routerFailures = 0;
    std::chrono::steady_clock::time_point retryAt{};
    // When the current abort began failing to reach the router.
    std::optional<std::chrono::steady_clock::time_point> abortTroubleSince;
    // Analysis queries in flight: "<stage>/<check>" of each measurement, and a comparison.
    std::set<std::string> measuring;
    bool comparing = false;
};

struct RolloutController::ReleaseState {
    Release release;
    std::optional<Active> active;
    // Colours with a driver call in flight (provision, teardown, adoption, scale-down): one at a
    // time per colour, whoever started it.
    std::set<Color> driverBusy;
    // Writes of this service, one at a time, in order.
    struct Write {
        Change change;
        std::vector<store::Operation> alsoWrite;
        std::function<void(Status)> done;
    };
    std::deque<Write> writes;
    bool writing = false;
    // Colours whose recorded deployment still has to be adopted after the start.
    std::vector<Color> toAdopt;
};

} // namespace aegis::rollout
