#include "models/rollout_actions.h"

#include "models/display_format.h"
#include "models/rollout_format.h"

#include <QCoreApplication>

namespace aegis::console {
namespace {

QString tr(const char *text) {
    return QCoreApplication::translate("RolloutActions", text);
}

} // namespace

bool isWaitingOnCanaryStep(const Rollout &rollout) {
    if (rollout.phase != RolloutPhase::Switching) {
        return false;
    }
    const QList<CanaryStep> steps = rollout.spec.effectiveSteps();
    if (rollout.currentStep < 0 || rollout.currentStep >= steps.size()) {
        return false;
    }
    const CanaryStep &step = steps.at(rollout.currentStep);
    return rollout.stepApplied && (step.pauseMs > 0 || step.untilPromoted);
}

RolloutActionSet availableRolloutActions(const Rollout &rollout,
                                         const std::optional<Release> &release,
                                         const QDateTime &now) {
    RolloutActionSet set;
    const bool active = rollout.isActive();
    const QString phase = rolloutPhaseName(rollout.phase);
    const QString stable = colourVersionText(rollout.stableColor, rollout.stableVersion);
    const QString incoming = colourVersionText(rollout.newColor, rollout.spec.version);

    RolloutActionState &promote = set[RolloutAction::Promote];
    if (!active) {
        promote.reason = tr("The rollout has finished");
    } else if (rollout.paused) {
        promote.reason = tr("The rollout is paused: resume it first");
    } else if (rollout.phase == RolloutPhase::AwaitingApproval) {
        promote = {true, tr("Approve: start moving traffic to %1").arg(incoming)};
    } else if (rollout.phase == RolloutPhase::Baking) {
        promote = {true, tr("Skip the rest of the bake time and finish the rollout")};
    } else if (isWaitingOnCanaryStep(rollout)) {
        promote = {true, tr("Skip this step's wait and move on to the next step")};
    } else {
        promote.reason = tr("Nothing to promote while %1: promote skips an approval, a canary "
                            "pause or the bake")
                             .arg(phase);
    }

    RolloutActionState &pause = set[RolloutAction::Pause];
    if (!active) {
        pause.reason = tr("The rollout has finished");
    } else if (rollout.paused) {
        pause.reason = tr("The rollout is already paused");
    } else if (rollout.phase == RolloutPhase::Aborting ||
               rollout.phase == RolloutPhase::Finalizing) {
        pause.reason = tr("A rollout cannot be paused while %1").arg(phase);
    } else {
        pause = {true, tr("Hold the rollout where it is; traffic stays as it is")};
    }

    RolloutActionState &resume = set[RolloutAction::Resume];
    if (active && rollout.paused) {
        resume = {true, tr("Continue the rollout; the wait it was in starts over")};
    } else {
        resume.reason = active ? tr("The rollout is not paused") : tr("The rollout has finished");
    }

    RolloutActionState &abort = set[RolloutAction::Abort];
    if (!active) {
        abort.reason = tr("The rollout has finished");
    } else if (rollout.phase == RolloutPhase::Aborting) {
        abort.reason = tr("The rollout is already rolling back");
    } else if (rollout.stableColor.isEmpty()) {
        abort = {true, tr("End the rollout rolled back (the service's first release: there is "
                          "no earlier colour to return to)")};
    } else {
        abort = {true, tr("Put all traffic back on %1 at once").arg(stable)};
    }

    const bool latest =
        !release || release->lastRolloutId.isEmpty() || release->lastRolloutId == rollout.id;
    const bool serviceBusy =
        release && !release->activeRolloutId.isEmpty() && release->activeRolloutId != rollout.id;

    RolloutActionState &retry = set[RolloutAction::Retry];
    if (rollout.phase != RolloutPhase::RolledBack && rollout.phase != RolloutPhase::Failed) {
        retry.reason = tr("Only a rolled back or failed rollout can be retried");
    } else if (!latest) {
        retry.reason = tr("Only the latest rollout of %1 (%2) can be retried")
                           .arg(rollout.spec.service, release->lastRolloutId);
    } else if (serviceBusy) {
        retry.reason =
            tr("%1 has an active rollout (%2)").arg(rollout.spec.service, release->activeRolloutId);
    } else {
        retry = {true, tr("Run this rollout of %1 again from the start").arg(rollout.spec.version)};
    }

    RolloutActionState &undo = set[RolloutAction::Undo];
    if (rollout.phase != RolloutPhase::Succeeded) {
        undo.reason = tr("Only a succeeded rollout can be undone");
    } else if (rollout.stableColor.isEmpty()) {
        undo.reason = tr("The service's first release replaced nothing to go back to");
    } else if (!latest) {
        undo.reason = tr("Only the latest rollout of %1 (%2) can be undone")
                          .arg(rollout.spec.service, release->lastRolloutId);
    } else if (serviceBusy) {
        undo.reason =
            tr("%1 has an active rollout (%2)").arg(rollout.spec.service, release->activeRolloutId);
    } else if (!rollout.undoUntil.isValid() || rollout.undoUntil <= now) {
        undo.reason = tr("%1 has been scaled down; start a new rollout of %2 instead")
                          .arg(stable, rollout.stableVersion);
    } else {
        undo = {true, tr("Put all traffic back on %1 at once (possible for %2 more)")
                          .arg(stable, humanDuration(now.msecsTo(rollout.undoUntil)))};
    }
    return set;
}

} // namespace aegis::console
