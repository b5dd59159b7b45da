#pragma once

#include "net/api_types.h"

#include <QDateTime>
#include <QString>

#include <array>
#include <optional>

namespace aegis::console {

// Whether one action applies to a rollout now, and a sentence for its button's tooltip: what it
// will do, or why it does not apply.
struct RolloutActionState {
    bool enabled = false;
    QString reason;
};

// The six actions on one rollout, as the daemon decides them (RolloutService's comments and the
// controller's checks): each is refused with FAILED_PRECONDITION when it does not apply, so the
// console offers only those that do.
struct RolloutActionSet {
    std::array<RolloutActionState, 6> states;

    const RolloutActionState &operator[](RolloutAction action) const {
        return states[static_cast<std::size_t>(action)];
    }
    RolloutActionState &operator[](RolloutAction action) {
        return states[static_cast<std::size_t>(action)];
    }
};

// `release` is the rollout's service as last seen (retry and undo apply to its latest rollout
// only, and only while none is active); without it those checks rest on the rollout alone.
// `now` decides whether an undo is still possible (until undo_until).
RolloutActionSet availableRolloutActions(const Rollout &rollout,
                                         const std::optional<Release> &release,
                                         const QDateTime &now);

// Whether a switching rollout waits on a canary step's pause (or on a promotion): the step's
// weight is applied and the step has a wait to skip.
bool isWaitingOnCanaryStep(const Rollout &rollout);

} // namespace aegis::console
