#include "models/rollout_actions.h"

#include "models/display_format.h"
#include "models/rollout_format.h"

#include <QCoreApplication>

namespace aegis::console {
namespace {

// The translation context of this file's texts, which belong to no QObject.
struct RolloutActions {
    Q_DECLARE_TR_FUNCTIONS(RolloutActions)
};

// The daemon's reasons follow "rollout <id> is <phase>: " in its messages; a tooltip starts a
// sentence.
QString sentence(const QString &reason) {
    return reason.isEmpty() ? reason : reason.at(0).toUpper() + reason.mid(1);
}

// What an action the daemon allows will do.
QString whatItDoes(RolloutAction action, const Rollout &rollout, const QDateTime &now) {
    const QString stable = colourVersionText(rollout.stableColor, rollout.stableVersion);
    switch (action) {
    case RolloutAction::Promote:
        if (rollout.phase == RolloutPhase::AwaitingApproval) {
            return RolloutActions::tr("Approve: start moving traffic to %1")
                .arg(colourVersionText(rollout.newColor, rollout.spec.version));
        }
        if (rollout.phase == RolloutPhase::Baking) {
            return RolloutActions::tr("Skip the rest of the bake time and finish the rollout");
        }
        return RolloutActions::tr("Skip this step's wait and move on to the next step");
    case RolloutAction::Pause:
        return RolloutActions::tr("Hold the rollout where it is; traffic stays as it is");
    case RolloutAction::Resume:
        return RolloutActions::tr("Continue the rollout; the wait it was in starts over");
    case RolloutAction::Abort:
        if (rollout.stableColor.isEmpty()) {
            return RolloutActions::tr(
                "End the rollout rolled back (the service's first release: there is no "
                "earlier colour to return to)");
        }
        return RolloutActions::tr("Put all traffic back on %1 at once").arg(stable);
    case RolloutAction::Retry:
        return RolloutActions::tr("Run this rollout of %1 again from the start")
            .arg(rollout.spec.version);
    case RolloutAction::Undo:
        if (rollout.undoUntil.isValid()) {
            return RolloutActions::tr("Put all traffic back on %1 at once (possible for %2 more)")
                .arg(stable, humanDuration(now.msecsTo(rollout.undoUntil)));
        }
        return RolloutActions::tr("Put all traffic back on %1 at once").arg(stable);
    }
    return {};
}

} // namespace

RolloutActionSet availableRolloutActions(const Rollout &rollout, const QDateTime &now) {
    RolloutActionSet set;
    for (RolloutActionState &state : set.states) {
        state = {false, RolloutActions::tr("The daemon did not say whether this applies now")};
    }
    for (const AvailableAction &available : rollout.availableActions) {
        RolloutActionState &state = set[available.action];
        if (!available.enabled) {
            state = {false, sentence(available.disabledReason)};
        } else if (available.action == RolloutAction::Undo && rollout.undoUntil.isValid() &&
                   rollout.undoUntil <= now) {
            state = {false, RolloutActions::tr(
                                "%1 has been scaled down; start a new rollout of %2 instead")
                                .arg(colourVersionText(rollout.stableColor, rollout.stableVersion),
                                     rollout.stableVersion)};
        } else {
            state = {true, whatItDoes(available.action, rollout, now)};
        }
    }
    return set;
}

} // namespace aegis::console
