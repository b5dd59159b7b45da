#include "models/rollout_pipeline.h"

#include "models/display_format.h"

#include <QCoreApplication>
#include <QHash>

#include <algorithm>

namespace aegis::console {
namespace {

// The translation context of this file's texts, which belong to no QObject.
struct RolloutPipelineTexts {
    Q_DECLARE_TR_FUNCTIONS(RolloutPipelineTexts)
};

const RolloutPhase kForward[] = {RolloutPhase::Pending,    RolloutPhase::Provisioning,
                                 RolloutPhase::Verifying,  RolloutPhase::AwaitingApproval,
                                 RolloutPhase::Switching,  RolloutPhase::Baking,
                                 RolloutPhase::Finalizing, RolloutPhase::Succeeded};

bool isForward(RolloutPhase phase) {
    return std::find(std::begin(kForward), std::end(kForward), phase) != std::end(kForward);
}

int forwardRank(RolloutPhase phase) {
    const auto *it = std::find(std::begin(kForward), std::end(kForward), phase);
    return it == std::end(kForward) ? -1 : static_cast<int>(it - std::begin(kForward));
}

// What the transitions of the latest attempt say about one phase.
struct PhaseRecord {
    QDateTime entered;
    qint64 elapsedMs = 0;
    QString reason;
};

} // namespace

QString stepStateName(StepState state) {
    switch (state) {
    case StepState::Pending:
        return RolloutPipelineTexts::tr("pending");
    case StepState::Current:
        return RolloutPipelineTexts::tr("current");
    case StepState::Done:
        return RolloutPipelineTexts::tr("done");
    case StepState::Failed:
        return RolloutPipelineTexts::tr("failed");
    case StepState::Skipped:
        return RolloutPipelineTexts::tr("skipped");
    }
    return {};
}

QString pipelineStepTitle(RolloutPhase phase) {
    switch (phase) {
    case RolloutPhase::Pending:
        return RolloutPipelineTexts::tr("Pending");
    case RolloutPhase::Provisioning:
        return RolloutPipelineTexts::tr("Provisioning");
    case RolloutPhase::Verifying:
        return RolloutPipelineTexts::tr("Verifying");
    case RolloutPhase::AwaitingApproval:
        return RolloutPipelineTexts::tr("Awaiting approval");
    case RolloutPhase::Switching:
        return RolloutPipelineTexts::tr("Switching");
    case RolloutPhase::Baking:
        return RolloutPipelineTexts::tr("Baking");
    case RolloutPhase::Finalizing:
        return RolloutPipelineTexts::tr("Finalizing");
    case RolloutPhase::Succeeded:
        return RolloutPipelineTexts::tr("Succeeded");
    case RolloutPhase::Aborting:
        return RolloutPipelineTexts::tr("Aborting");
    case RolloutPhase::RolledBack:
        return RolloutPipelineTexts::tr("Rolled back");
    case RolloutPhase::Failed:
        return RolloutPipelineTexts::tr("Failed");
    case RolloutPhase::Unspecified:
        break;
    }
    return {};
}

const PipelineStep *RolloutPipeline::step(RolloutPhase phase) const {
    for (const PipelineStep &s : steps) {
        if (s.phase == phase) {
            return &s;
        }
    }
    return nullptr;
}

RolloutPipeline derivePipeline(const Rollout &rollout, const QDateTime &now) {
    RolloutPipeline pipeline;
    pipeline.paused = rollout.paused;
    pipeline.finished = isFinishedPhase(rollout.phase);
    if (rollout.phase == RolloutPhase::Unspecified) {
        return pipeline;
    }

    // The latest attempt: from the last entry into Pending (a retry) on.
    QList<RolloutTransition> transitions = rollout.transitions;
    for (qsizetype i = transitions.size() - 1; i > 0; --i) {
        if (transitions.at(i).phase == RolloutPhase::Pending) {
            transitions = transitions.mid(i);
            break;
        }
    }
    if (transitions.isEmpty() || transitions.last().phase != rollout.phase) {
        // The record lags the rollout's phase (or has none): the phase began at phase_time.
        transitions.append({rollout.phase, rollout.phaseTime, rollout.message});
    }

    QHash<int, PhaseRecord> records;
    // The last forward phase entered before the rollout began aborting (or failed outright).
    RolloutPhase interrupted = RolloutPhase::Unspecified;
    bool aborted = false;
    for (qsizetype i = 0; i < transitions.size(); ++i) {
        const RolloutTransition &t = transitions.at(i);
        const int key = static_cast<int>(t.phase);
        PhaseRecord &record = records[key];
        if (!record.entered.isValid()) {
            record.entered = t.time;
            record.reason = t.reason;
        }
        const bool last = i + 1 == transitions.size();
        const QDateTime end = last ? now : transitions.at(i + 1).time;
        if (t.time.isValid() && end.isValid() && !isFinishedPhase(t.phase)) {
            record.elapsedMs += std::max<qint64>(0, t.time.msecsTo(end));
        }
        if (isForward(t.phase) && !aborted) {
            interrupted = t.phase;
        }
        if (t.phase == RolloutPhase::Aborting || (t.phase == RolloutPhase::Failed && !aborted) ||
            (t.phase == RolloutPhase::RolledBack && !aborted)) {
            aborted = true;
        }
    }
    const auto recordOf = [&records](RolloutPhase phase) -> const PhaseRecord * {
        const auto it = records.constFind(static_cast<int>(phase));
        return it == records.cend() ? nullptr : &it.value();
    };
    const bool undone = aborted && interrupted == RolloutPhase::Succeeded;

    const auto makeStep = [&](RolloutPhase phase, StepState state) {
        PipelineStep step;
        step.phase = phase;
        step.title = pipelineStepTitle(phase);
        step.state = state;
        if (const PhaseRecord *record = recordOf(phase)) {
            step.started = record->entered;
            step.reason = record->reason;
            if (!isFinishedPhase(phase)) {
                step.elapsedMs = record->elapsedMs;
            }
        }
        return step;
    };

    // The forward steps.
    const int currentRank = forwardRank(aborted ? interrupted : rollout.phase);
    for (RolloutPhase phase : kForward) {
        const bool entered = recordOf(phase) != nullptr;
        if (phase == RolloutPhase::AwaitingApproval && !rollout.spec.requireApproval && !entered) {
            continue;
        }
        if (phase == RolloutPhase::Succeeded && aborted && !undone) {
            continue;
        }
        const int rank = forwardRank(phase);
        StepState state = StepState::Pending;
        if (rank < currentRank) {
            state = entered ? StepState::Done : StepState::Skipped;
        } else if (rank == currentRank) {
            if (phase == RolloutPhase::Succeeded) {
                state = StepState::Done;
            } else if (aborted) {
                state = StepState::Failed;
            } else {
                state = StepState::Current;
            }
        } else {
            state = aborted ? StepState::Skipped : StepState::Pending;
        }
        pipeline.steps.append(makeStep(phase, state));
    }

    // The way back.
    if (aborted) {
        const bool abortingEntered = recordOf(RolloutPhase::Aborting) != nullptr;
        if (abortingEntered) {
            StepState state = StepState::Done;
            if (rollout.phase == RolloutPhase::Aborting) {
                state = StepState::Current;
            } else if (rollout.phase == RolloutPhase::Failed) {
                state = StepState::Failed;
            }
            pipeline.steps.append(makeStep(RolloutPhase::Aborting, state));
        }
        if (rollout.phase == RolloutPhase::Failed) {
            pipeline.steps.append(makeStep(RolloutPhase::Failed, StepState::Failed));
        } else {
            pipeline.steps.append(makeStep(
                RolloutPhase::RolledBack,
                rollout.phase == RolloutPhase::RolledBack ? StepState::Done : StepState::Pending));
        }
    }

    // Details and the switching step's canary steps.
    const QList<CanaryStep> steps = rollout.spec.effectiveSteps();
    const int wanted = rollout.spec.replicas;
    for (int i = 0; i < pipeline.steps.size(); ++i) {
        PipelineStep &step = pipeline.steps[i];
        switch (step.phase) {
        case RolloutPhase::Verifying:
            if (step.state != StepState::Pending && step.state != StepState::Skipped) {
                step.detail =
                    wanted > 0
                        ? RolloutPipelineTexts::tr("%1/%2 healthy")
                              .arg(rollout.healthyInstances)
                              .arg(wanted)
                        : RolloutPipelineTexts::tr("%1 healthy").arg(rollout.healthyInstances);
            }
            break;
        case RolloutPhase::Switching: {
            const int current =
                std::clamp(rollout.currentStep, 0, static_cast<int>(steps.size()) - 1);
            if (steps.size() > 1) {
                for (int s = 0; s < steps.size(); ++s) {
                    StepState state = StepState::Pending;
                    switch (step.state) {
                    case StepState::Done:
                        state = StepState::Done;
                        break;
                    case StepState::Current:
                        state = s < current    ? StepState::Done
                                : s == current ? StepState::Current
                                               : StepState::Pending;
                        break;
                    case StepState::Failed:
                        state = s < current    ? StepState::Done
                                : s == current ? StepState::Failed
                                               : StepState::Skipped;
                        break;
                    case StepState::Skipped:
                        state = StepState::Skipped;
                        break;
                    case StepState::Pending:
                        break;
                    }
                    step.canary.append({steps.at(s), state});
                }
            }
            if (step.state == StepState::Current || step.state == StepState::Failed) {
                step.detail = steps.size() > 1
                                  ? RolloutPipelineTexts::tr("step %1 of %2 · %3 %")
                                        .arg(current + 1)
                                        .arg(steps.size())
                                        .arg(steps.at(current).weight)
                                  : RolloutPipelineTexts::tr("%1 %").arg(steps.at(current).weight);
            } else if (steps.size() > 1) {
                const int stepCount = static_cast<int>(steps.size());
                step.detail = RolloutPipelineTexts::tr("%n step(s)", nullptr, stepCount);
            }
            break;
        }
        case RolloutPhase::Baking:
            if (rollout.spec.bakeTimeMs > 0 && step.state != StepState::Skipped) {
                step.detail =
                    RolloutPipelineTexts::tr("bake %1").arg(humanDuration(rollout.spec.bakeTimeMs));
            }
            break;
        default:
            break;
        }
        if (step.state == StepState::Current) {
            pipeline.currentIndex = i;
        }
    }
    if (pipeline.currentIndex < 0) {
        // Finished: the last step reached.
        for (int i = static_cast<int>(pipeline.steps.size()) - 1; i >= 0; --i) {
            if (pipeline.steps.at(i).state == StepState::Done ||
                pipeline.steps.at(i).state == StepState::Failed) {
                pipeline.currentIndex = i;
                break;
            }
        }
    }
    return pipeline;
}

} // namespace aegis::console
