#pragma once

#include "net/api_types.h"

#include <QDateTime>
#include <QString>

#include <array>

namespace aegis::console {

// Whether one action applies to a rollout now, and a sentence for its button's tooltip: what it
// will do, or why it does not apply.
struct RolloutActionState {
    bool enabled = false;
    QString reason;
};

// The six actions on one rollout as the daemon judged them (Rollout::availableActions): the
// console shows them and does not decide them again.
struct RolloutActionSet {
    std::array<RolloutActionState, 6> states;

    const RolloutActionState &operator[](RolloutAction action) const {
        return states[static_cast<std::size_t>(action)];
    }
    RolloutActionState &operator[](RolloutAction action) {
        return states[static_cast<std::size_t>(action)];
    }
};

// An enabled action's reason says what it will do; a disabled one's is the daemon's. `now` only
// closes an undo whose window (undo_until) has passed since the daemon answered.
RolloutActionSet availableRolloutActions(const Rollout &rollout, const QDateTime &now);

} // namespace aegis::console
