#include "rollout/rollout_actions.h"

namespace aegis::rollout {
namespace {

std::string colourVersion(const Rollout &rollout) {
    return rollout.stableColor
               ? std::string(colorName(*rollout.stableColor)) + " (" + rollout.stableVersion + ")"
               : std::string("the replaced colour");
}

// A switching rollout waits on its current step: the step's weight is in effect and the step
// has a pause or waits for a promotion.
bool waitsOnStep(const Rollout &rollout) {
    const auto steps = rollout.spec.effectiveSteps();
    if (rollout.phase != Phase::Switching || !rollout.stepApplied || rollout.currentStep < 0 ||
        rollout.currentStep >= static_cast<int>(steps.size())) {
        return false;
    }
    const CanaryStep &step = steps[static_cast<std::size_t>(rollout.currentStep)];
    return step.untilPromoted || step.pause.count() > 0;
}

// Retry and undo apply to the service's latest rollout only, while none is active.
std::string latestOnly(const Rollout &rollout, const ActionContext &context,
                       std::string_view done) {
    const Release *release = context.release;
    if (release == nullptr) {
        return {};
    }
    if (!release->lastRolloutId.empty() && release->lastRolloutId != rollout.id) {
        return "only the latest rollout of " + rollout.spec.service + " (" +
               release->lastRolloutId + ") can be " + std::string(done);
    }
    if (!release->activeRolloutId.empty() && release->activeRolloutId != rollout.id) {
        return rollout.spec.service + " has an active rollout (" + release->activeRolloutId + ")";
    }
    return {};
}

std::string whyNot(Action action, const Rollout &rollout, const ActionContext &context) {
    const bool finished = isFinished(rollout.phase);
    const std::string hasFinished = "it has finished";
    switch (action) {
    case Action::Promote:
        if (finished) {
            return hasFinished;
        }
        if (rollout.paused) {
            return "resume it first";
        }
        if (rollout.phase == Phase::AwaitingApproval || rollout.phase == Phase::Baking ||
            (waitsOnStep(rollout) && !context.routerBusy)) {
            return {};
        }
        return "nothing to promote (promote skips an approval, a canary pause or the bake)";
    case Action::Pause:
        if (finished) {
            return hasFinished;
        }
        if (rollout.paused) {
            return "it is already paused";
        }
        if (rollout.phase == Phase::Aborting || rollout.phase == Phase::Finalizing) {
            return "it cannot be paused now";
        }
        return {};
    case Action::Resume:
        if (finished) {
            return hasFinished;
        }
        return rollout.paused ? std::string() : "it is not paused";
    case Action::Abort:
        if (finished) {
            return hasFinished;
        }
        return rollout.phase == Phase::Aborting ? "it is already rolling back" : std::string();
    case Action::Retry:
        if (rollout.phase != Phase::RolledBack && rollout.phase != Phase::Failed) {
            return "only a rolled back or failed rollout can be retried";
        }
        return latestOnly(rollout, context, "retried");
    case Action::Undo: {
        if (rollout.phase != Phase::Succeeded) {
            return "only a succeeded rollout can be undone";
        }
        if (!rollout.stableColor) {
            return "the service's first release replaced nothing to go back to";
        }
        if (std::string latest = latestOnly(rollout, context, "undone"); !latest.empty()) {
            return latest;
        }
        // The replaced colour still runs: its scale-down neither due nor under way.
        const Release *release = context.release;
        const bool warm = release != nullptr ? release->scaleDownColor == rollout.stableColor &&
                                                   context.now < release->scaleDownTime &&
                                                   !context.scaleDownUnderWay
                                             : context.now < rollout.undoUntil;
        if (!warm) {
            return colourVersion(rollout) + " has been scaled down; start a new rollout of " +
                   rollout.stableVersion + " instead";
        }
        return {};
    }
    }
    return "unknown action";
}

} // namespace

std::string_view actionName(Action action) {
    switch (action) {
    case Action::Promote:
        return "promote";
    case Action::Pause:
        return "pause";
    case Action::Resume:
        return "resume";
    case Action::Abort:
        return "abort";
    case Action::Retry:
        return "retry";
    case Action::Undo:
        return "undo";
    }
    return "unknown";
}

ActionAvailability availability(Action action, const Rollout &rollout,
                                const ActionContext &context) {
    std::string reason = whyNot(action, rollout, context);
    const bool enabled = reason.empty();
    return {action, enabled, std::move(reason)};
}

std::string refusal(const Rollout &rollout, const ActionAvailability &availability) {
    const std::string state = rollout.paused && !isFinished(rollout.phase)
                                  ? std::string("paused")
                                  : std::string(phaseName(rollout.phase));
    return "rollout " + rollout.id + " is " + state + ": " + availability.disabledReason;
}

std::vector<ActionAvailability> availableActions(const Rollout &rollout,
                                                 const ActionContext &context) {
    std::vector<ActionAvailability> result;
    result.reserve(kActions.size());
    for (Action action : kActions) {
        result.push_back(availability(action, rollout, context));
    }
    return result;
}

} // namespace aegis::rollout
