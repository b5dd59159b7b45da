#pragma once

#include "rollout/rollout.h"

#include <array>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace aegis::rollout {

// An operator's action on a rollout. Numeric values + 1 match aegis.v1.RolloutActionKind.
enum class Action { Promote, Pause, Resume, Abort, Retry, Undo };
inline constexpr std::array<Action, 6> kActions = {Action::Promote, Action::Pause, Action::Resume,
                                                   Action::Abort,   Action::Retry, Action::Undo};
// "promote", "pause", ...
std::string_view actionName(Action action);

// Whether an action applies to a rollout now, and if not, why (in lower case, to follow
// "rollout <id> is <phase>: ", as refusal() puts it).
struct ActionAvailability {
    Action action = Action::Promote;
    bool enabled = false;
    std::string disabledReason;
    bool operator==(const ActionAvailability &) const = default;
};

// What the policy looks at besides the rollout itself.
struct ActionContext {
    // The rollout's service (its latest and active rollout, the replaced colour's scale-down);
    // null when unknown: retry and undo then rest on the rollout alone.
    const Release *release = nullptr;
    std::chrono::system_clock::time_point now;
    // Known to the controller only: a router call of the active rollout is in flight (a canary
    // step is not waited on yet), and a driver is already tearing down the replaced colour.
    bool routerBusy = false;
    bool scaleDownUnderWay = false;
};

// The one policy for operator actions: RolloutController::act() refuses with its reason, and
// every rollout the API returns carries its answer for each action, so clients show it instead
// of deciding it again.
ActionAvailability availability(Action action, const Rollout &rollout,
                                const ActionContext &context);
// The FAILED_PRECONDITION message refusing a disabled action: "rollout <id> is <phase, or
// paused>: <reason>".
std::string refusal(const Rollout &rollout, const ActionAvailability &availability);
// Every action, in kActions order.
std::vector<ActionAvailability> availableActions(const Rollout &rollout,
                                                 const ActionContext &context);

} // namespace aegis::rollout
