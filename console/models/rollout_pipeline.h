#pragma once

#include "net/api_types.h"

#include <QDateTime>
#include <QList>
#include <QString>

namespace aegis::console {

// Where a step of a rollout's pipeline stands.
enum class StepState { Pending, Current, Done, Failed, Skipped };

// "pending", "current", "done", "failed", "skipped".
QString stepStateName(StepState state);

// One canary step inside the switching step.
struct CanaryStepProgress {
    CanaryStep step;
    StepState state = StepState::Pending;
    friend bool operator==(const CanaryStepProgress &, const CanaryStepProgress &) = default;
};

// One step of the pipeline: a phase of the rollout.
struct PipelineStep {
    RolloutPhase phase = RolloutPhase::Unspecified;
    // "Verifying", "Awaiting approval", "Rolled back".
    QString title;
    StepState state = StepState::Pending;
    // When the step was first entered in this attempt; invalid when it was not.
    QDateTime started;
    // Time spent in the step (to now for the current one); -1 for a step not entered and for the
    // final one (succeeded, rolled back, failed), which takes no time.
    qint64 elapsedMs = -1;
    // The recorded reason of entering it ("2/2 new instances passing for 10s").
    QString reason;
    // A short line under the title: "2/3 healthy", "step 2 of 3 · 50 %".
    QString detail;
    // The switching step's canary steps (the effective ones), when there is more than one.
    QList<CanaryStepProgress> canary;
};

// A rollout as a pipeline: Pending → Provisioning → Verifying → (Awaiting approval) → Switching
// → Baking → Finalizing → Succeeded, or, once it aborts, the forward steps up to the one that
// failed (later ones skipped) followed by Aborting → Rolled back, or → Failed. An undone rollout
// keeps its succeeded steps and ends Aborting → Rolled back. Derived from the rollout's recorded
// transitions of its latest attempt (a retry starts over at Pending), so elapsed times are the
// daemon's; `now` ends the current step's time.
struct RolloutPipeline {
    QList<PipelineStep> steps;
    // The step the rollout is in (or ended in); -1 when there are no steps.
    int currentIndex = -1;
    bool paused = false;
    bool finished = false;

    const PipelineStep *step(RolloutPhase phase) const;
};

RolloutPipeline derivePipeline(const Rollout &rollout, const QDateTime &now);

// The step title of `phase` ("Awaiting approval").
QString pipelineStepTitle(RolloutPhase phase);

} // namespace aegis::console
