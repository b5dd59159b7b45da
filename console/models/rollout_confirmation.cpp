#include "models/rollout_confirmation.h"

#include "models/rollout_format.h"

#include <QCoreApplication>

#include <algorithm>

namespace aegis::console {
namespace {

// The translation context of this file's texts, which belong to no QObject.
struct RolloutConfirmation {
    Q_DECLARE_TR_FUNCTIONS(RolloutConfirmation)
};

// A sentence may start with a colour ("green (2.4.0) stops taking traffic").
QString sentence(const QString &text) {
    return text.isEmpty() ? text : text.at(0).toUpper() + text.mid(1);
}

// Where Promote takes the rollout from its current wait.
void describePromote(const Rollout &rollout, ActionConfirmation &c) {
    const QString service = rollout.spec.service;
    const QString incoming = colourVersionText(rollout.newColor, rollout.spec.version);
    const QString stable = colourVersionText(rollout.stableColor, rollout.stableVersion);
    const QList<CanaryStep> steps = rollout.spec.effectiveSteps();
    c.acceptLabel = RolloutConfirmation::tr("Promote");
    switch (rollout.phase) {
    case RolloutPhase::AwaitingApproval:
        c.title = RolloutConfirmation::tr("Approve %1?").arg(rollout.id);
        c.acceptLabel = RolloutConfirmation::tr("Approve");
        if (steps.size() <= 1) {
            c.effect =
                RolloutConfirmation::tr("All traffic of %1 moves to %2.").arg(service, incoming);
        } else {
            c.effect = RolloutConfirmation::tr(
                           "Traffic of %1 starts moving to %2: %3 % first, then step by step to "
                           "100 % (%4 steps).")
                           .arg(service, incoming)
                           .arg(steps.first().weight)
                           .arg(steps.size());
        }
        c.details = rollout.stableColor.isEmpty()
                        ? RolloutConfirmation::tr("This is the first release of %1.").arg(service)
                        : RolloutConfirmation::tr(
                              "%1 keeps running after the switch, so the rollout can still be "
                              "undone.")
                              .arg(stable);
        return;
    case RolloutPhase::Baking:
        c.effect = RolloutConfirmation::tr(
                       "All traffic of %1 stays on %2; the rollout finishes now, skipping the "
                       "rest of the bake time.")
                       .arg(service, incoming);
        c.details = rollout.stableColor.isEmpty()
                        ? QString()
                        : RolloutConfirmation::tr(
                              "A new instance going critical no longer rolls back; %1 is scaled "
                              "down after the scale-down delay.")
                              .arg(stable);
        return;
    default:
        break;
    }
    // Waiting on a canary step: the next step's weight applies, or the last one's wait ends.
    const int current = std::clamp(rollout.currentStep, 0, int(steps.size()) - 1);
    const int now = rollout.traffic.share(rollout.newColor);
    if (current + 1 < steps.size()) {
        const int next = steps.at(current + 1).weight;
        c.effect = next >= 100
                       ? RolloutConfirmation::tr("All traffic of %1 moves to %2 (from %3 % now).")
                             .arg(service, incoming)
                             .arg(now)
                       : RolloutConfirmation::tr(
                             "Traffic of %1 on %2 goes from %3 % to %4 % (step %5 of %6).")
                             .arg(service, incoming)
                             .arg(now)
                             .arg(next)
                             .arg(current + 2)
                             .arg(steps.size());
        c.details = RolloutConfirmation::tr("Skips the rest of this step's wait.");
    } else {
        c.effect = RolloutConfirmation::tr(
                       "Traffic of %1 stays at %2 % on %3; the rollout stops waiting and goes "
                       "on to bake.")
                       .arg(service)
                       .arg(now)
                       .arg(incoming);
    }
}

} // namespace

ActionConfirmation rolloutConfirmation(RolloutAction action, const Rollout &rollout) {
    ActionConfirmation c;
    c.asks = true;
    c.reasonHint = RolloutConfirmation::tr("Why: recorded in the rollout's log and the audit log");
    const QString service = rollout.spec.service;
    const QString incoming = colourVersionText(rollout.newColor, rollout.spec.version);
    const QString stable = colourVersionText(rollout.stableColor, rollout.stableVersion);
    switch (action) {
    case RolloutAction::Promote:
        c.title = RolloutConfirmation::tr("Promote %1?").arg(rollout.id);
        describePromote(rollout, c);
        break;
    case RolloutAction::Pause:
        c.asks = false;
        c.title = RolloutConfirmation::tr("Pause %1").arg(rollout.id);
        c.effect =
            RolloutConfirmation::tr("The rollout of %1 holds where it is; traffic stays as it is.")
                .arg(service);
        c.acceptLabel = RolloutConfirmation::tr("Pause");
        break;
    case RolloutAction::Resume: {
        c.title = RolloutConfirmation::tr("Resume %1?").arg(rollout.id);
        const int now = rollout.traffic.share(rollout.newColor);
        c.effect = RolloutConfirmation::tr(
                       "The rollout of %1 to %2 goes on from %3 % of the traffic; the wait it was "
                       "in starts over.")
                       .arg(service, incoming)
                       .arg(now);
        c.details = RolloutConfirmation::tr("Traffic then moves as the rollout's steps say.");
        c.acceptLabel = RolloutConfirmation::tr("Resume");
        break;
    }
    case RolloutAction::Abort:
        c.title = RolloutConfirmation::tr("Abort %1?").arg(rollout.id);
        c.destructive = true;
        c.acceptLabel = RolloutConfirmation::tr("Abort and roll back");
        if (rollout.stableColor.isEmpty()) {
            c.effect = RolloutConfirmation::tr(
                           "The rollout of %1 ends rolled back; this is its first release, so "
                           "there is no earlier colour to return to.")
                           .arg(service);
            c.details =
                RolloutConfirmation::tr("%1 keeps running until the next rollout replaces it.")
                    .arg(incoming);
        } else {
            c.effect = RolloutConfirmation::tr("All traffic of %1 moves back to %2 at once.")
                           .arg(service, stable);
            c.details = RolloutConfirmation::tr(
                            "%1 keeps running for inspection until the next rollout of %2 "
                            "replaces it; the rollout ends rolled back.")
                            .arg(incoming, service);
        }
        break;
    case RolloutAction::Undo:
        c.title = RolloutConfirmation::tr("Undo %1?").arg(rollout.id);
        c.destructive = true;
        c.acceptLabel = RolloutConfirmation::tr("Undo");
        c.effect = RolloutConfirmation::tr("All traffic of %1 moves back to %2 at once.")
                       .arg(service, stable);
        c.details =
            RolloutConfirmation::tr("%1 stops taking traffic; the rollout ends rolled back.")
                .arg(incoming);
        break;
    case RolloutAction::Retry:
        c.title = RolloutConfirmation::tr("Retry %1?").arg(rollout.id);
        c.acceptLabel = RolloutConfirmation::tr("Retry");
        c.effect = RolloutConfirmation::tr(
                       "The rollout of %1 to %2 runs again from the start (attempt %3).")
                       .arg(service, rollout.spec.version)
                       .arg(rollout.attempt + 1);
        c.details = RolloutConfirmation::tr(
            "The new version is deployed on the idle colour and verified again; "
            "traffic then moves to it as the rollout's steps say.");
        break;
    }
    c.effect = sentence(c.effect);
    c.details = sentence(c.details);
    return c;
}

} // namespace aegis::console
