// The phase steps: what each phase of an active rollout does on a tick, and what it observes
// (the new instances, the endpoints a split would route to).

#include "rollout/rollout_controller.h"
#include "rollout/rollout_controller_state.h"

#include "common/duration.h"
#include "common/logging.h"

#include <boost/asio/post.hpp>

#include <algorithm>

namespace aegis::rollout {

namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

std::string percent(TrafficSplit split) {
    return "blue " + std::to_string(split.blue) + "% / green " + std::to_string(split.green) + "%";
}

std::string shortDuration(milliseconds value) {
    return formatDuration(value);
}

} // namespace

RolloutController::NewInstances RolloutController::newInstances(const Active &active) const {
    const Rollout &rollout = active.rollout;
    NewInstances result;
    const auto instances = m_instances.instances(rollout.spec.service);
    if (!instances) {
        return result;
    }
    for (const SourceInstance &instance : *instances) {
        const auto color = instance.labels.find(std::string(kColorLabel));
        const auto version = instance.labels.find(std::string(kVersionLabel));
        if (color == instance.labels.end() || color->second != colorName(rollout.newColor) ||
            version == instance.labels.end() || version->second != rollout.spec.version) {
            continue;
        }
        ++result.registered;
        if (instance.critical || instance.ejected) {
            if (result.failing.empty()) {
                result.failing = instance.id;
                result.failingWhy = instance.ejected ? "ejected by callers' failures" : "critical";
                if (!instance.healthOutput.empty()) {
                    result.failingWhy += " (" + instance.healthOutput + ")";
                }
            }
            continue;
        }
        if (instance.passing && instance.routable && instance.serving) {
            ++result.healthy;
        }
    }
    return result;
}

std::vector<RouteEndpoint> RolloutController::endpoints(const std::string &service,
                                                        Color color) const {
    std::vector<RouteEndpoint> result;
    const auto instances = m_instances.instances(service);
    if (!instances) {
        return result;
    }
    for (const SourceInstance &instance : *instances) {
        const auto label = instance.labels.find(std::string(kColorLabel));
        if (label != instance.labels.end() && label->second == colorName(color) &&
            instance.routable && instance.serving) {
            result.push_back({instance.id, instance.address});
        }
    }
    return result;
}

Status RolloutController::checkReachable(const std::string &service, TrafficSplit split) const {
    for (Color color : {Color::Blue, Color::Green}) {
        if (split.share(color) > 0 && endpoints(service, color).empty()) {
            return failedPrecondition(std::string(colorName(color)) +
                                      " has no routable instance of " + service + " to take " +
                                      std::to_string(split.share(color)) + "% of the traffic");
        }
    }
    return Status::ok();
}

void RolloutController::applySplit(ReleaseState &state, TrafficSplit split,
                                   std::function<void(Status)> done) {
    const Release &release = state.release;
    TrafficRouter *router = m_extensions.router(release.router);
    if (router == nullptr) {
        return boost::asio::post(m_strand, [done = std::move(done), name = release.router] {
            done(failedPrecondition("traffic router '" + name + "' is not available"));
        });
    }
    RouteRequest request;
    request.service = release.service;
    request.params = release.routerParams;
    request.split = split;
    request.blue = endpoints(release.service, Color::Blue);
    request.green = endpoints(release.service, Color::Green);
    router->apply(request, [this, term = m_term, done = std::move(done)](Status status) mutable {
        boost::asio::post(m_strand,
                          [this, term, done = std::move(done), status = std::move(status)] {
                              // An answer to an earlier term's call: its state was reloaded.
                              if (term == m_term) {
                                  done(status);
                              }
                          });
    });
}

void RolloutController::reconcileRollout(ReleaseState &state, Active &active) {
    if (active.rollout.paused && active.rollout.phase != Phase::Aborting) {
        return;
    }
    if (m_clock->steadyNow() < active.retryAt) {
        return;
    }
    switch (active.rollout.phase) {
    case Phase::Pending:
        return holdTraffic(state, active);
    case Phase::Provisioning:
        return provision(state, active);
    case Phase::Verifying:
    case Phase::AwaitingApproval:
        return verify(state, active);
    case Phase::Switching:
        return switchTraffic(state, active);
    case Phase::Baking:
        return bake(state, active);
    case Phase::Finalizing:
        return finalize(state, active);
    case Phase::Aborting:
        return rollBack(state, active);
    default:
        return;
    }
}

// Before anything is provisioned, the rollout's starting split is put in effect: all on the live
// colour, or on neither colour for a service's first release. So the new colour's instances
// register into 0 % whatever the router held before; a service whose live colour was registered
// some other way has no split yet, and every instance would take traffic by its own weight.
void RolloutController::holdTraffic(ReleaseState &state, Active &active) {
    const Rollout &rollout = active.rollout;
    const TrafficSplit split =
        rollout.stableColor ? TrafficSplit::allOn(*rollout.stableColor) : TrafficSplit::neither();
    const std::string failing = " to hold traffic at " + percent(split) + " before provisioning";
    applyRolloutSplit(
        state, active, split, failing, [this, split](ReleaseState &state, Active &active) {
            const Rollout &r = active.rollout;
            appendLog(r.id, "traffic held at " + percent(split) + " until " +
                                std::string(colorName(r.newColor)) + " is verified");
            transition(state, Phase::Provisioning,
                       "provisioning " + std::to_string(r.spec.replicas) + " × " + r.spec.version +
                           " on " + std::string(colorName(r.newColor)) + " with the " +
                           state.release.driver + " driver",
                       [split](Rollout &r, Release &release) {
                           r.traffic = split;
                           release.traffic = split;
                       });
        });
}

RolloutController::ReleaseState *RolloutController::routerAnswered(const std::string &service,
                                                                   const std::string &id,
                                                                   TrafficSplit split,
                                                                   std::uint64_t generation,
                                                                   const Status &status) {
    auto found = m_services.find(service);
    if (found == m_services.end() || !found->second->active) {
        return nullptr;
    }
    ReleaseState &state = *found->second;
    state.active->routerBusy = false;
    if (state.active->generation != generation) {
        // Aborted or moved on meanwhile: whoever did re-applies its own split after this one;
        // until then this one is what is in effect.
        if (status.isOk()) {
            recordTraffic(state, id, split);
        }
        reconcile(service);
        return nullptr;
    }
    return &state;
}

void RolloutController::applyRolloutSplit(ReleaseState &state, Active &active, TrafficSplit split,
                                          std::string failing,
                                          std::function<void(ReleaseState &, Active &)> applied) {
    active.routerBusy = true;
    const std::uint64_t generation = active.generation;
    const std::string service = active.rollout.spec.service;
    const std::string id = active.rollout.id;
    applySplit(state, split,
               [this, service, id, split, generation, failing = std::move(failing),
                applied = std::move(applied)](Status status) {
                   ReleaseState *current = routerAnswered(service, id, split, generation, status);
                   if (current == nullptr) {
                       return;
                   }
                   ReleaseState &state = *current;
                   Active &active = *state.active;
                   if (!status.isOk()) {
                       appendLog(id, "router: " + status.message());
                       if (++active.routerFailures >= m_options.routerAttempts) {
                           return transition(state, Phase::Aborting,
                                             "traffic router failed " +
                                                 std::to_string(active.routerFailures) + " times" +
                                                 failing + ": " + status.message());
                       }
                       active.retryAt = m_clock->steadyNow() + m_options.routerRetryInterval;
                       return;
                   }
                   active.routerFailures = 0;
                   applied(state, active);
               });
}

void RolloutController::provision(ReleaseState &state, Active &active) {
    const Rollout &rollout = active.rollout;
    const std::string service = rollout.spec.service;
    const std::string id = rollout.id;
    if (m_clock->now() >= rollout.deadline) {
        return transition(state, Phase::Aborting,
                          "progress deadline of " + shortDuration(rollout.spec.progressDeadline) +
                              " passed while provisioning");
    }
    auto logSink = [this, id](std::string line) {
        boost::asio::post(m_strand, [this, id, line = std::move(line)]() mutable {
            appendLog(id, std::move(line));
        });
    };
    const Color color = rollout.newColor;
    const auto existing = state.release.deployments.find(color);
    // Whatever an earlier release left on the idle colour goes first.
    if (existing != state.release.deployments.end() && existing->second.rolloutId != id) {
        const ColorDeployment old = existing->second;
        DeployDriver *driver = m_extensions.driver(old.driver);
        auto forget = [color, old](std::optional<Rollout> &, Release &r) {
            if (const auto it = r.deployments.find(color);
                it != r.deployments.end() && it->second.rolloutId == old.rolloutId) {
                r.deployments.erase(it);
            }
            if (r.scaleDownColor == color) {
                r.scaleDownColor.reset();
            }
            return true;
        };
        if (driver == nullptr) {
            return enqueue(state, forget);
        }
        appendLog(id, "tearing down " + old.version + " on " + std::string(colorName(color)) +
                          " (left by " + old.rolloutId + ")");
        state.driverBusy.insert(color);
        const std::uint64_t generation = active.generation;
        driver->teardown(
            {service, old.version, color, old.replicas, old.driverParams, id}, old.driverState,
            logSink, [this, service, color, forget, generation, term = m_term](Status status) {
                boost::asio::post(m_strand, [this, service, color, forget, generation, status,
                                             term] {
                    auto found = m_services.find(service);
                    if (term != m_term || found == m_services.end()) {
                        return;
                    }
                    ReleaseState &state = *found->second;
                    state.driverBusy.erase(color);
                    if (m_stopped || status.code() == StatusCode::Cancelled) {
                        return;
                    }
                    if (!status.isOk()) {
                        if (state.active && state.active->generation == generation) {
                            transition(state, Phase::Aborting,
                                       "could not tear down the idle colour: " + status.message());
                        }
                        return;
                    }
                    enqueue(state, forget);
                });
            });
        return;
    }
    DeployDriver *driver = m_extensions.driver(state.release.driver);
    if (driver == nullptr) {
        return transition(state, Phase::Aborting,
                          "deploy driver '" + state.release.driver + "' is not available");
    }
    // Record the deployment before starting it, so a crash mid-way leaves something to tear down.
    if (existing == state.release.deployments.end()) {
        ColorDeployment deployment{rollout.spec.version,
                                   rollout.spec.replicas,
                                   state.release.driver,
                                   state.release.driverParams,
                                   {},
                                   id};
        return enqueue(state, [color, deployment](std::optional<Rollout> &, Release &r) {
            r.deployments[color] = deployment;
            return true;
        });
    }
    const DeployTarget target{
        service, rollout.spec.version, color, rollout.spec.replicas, existing->second.driverParams,
        id};
    state.driverBusy.insert(color);
    const std::uint64_t generation = active.generation;
    driver->provision(
        target, existing->second.driverState, logSink,
        [this, service, color, generation, id, term = m_term](StatusOr<DriverState> result) {
            boost::asio::post(m_strand, [this, service, color, generation, id, term,
                                         result = std::move(result)] {
                auto found = m_services.find(service);
                if (term != m_term || found == m_services.end()) {
                    return;
                }
                ReleaseState &state = *found->second;
                state.driverBusy.erase(color);
                // Detached at shutdown: the next start resumes provisioning.
                if (m_stopped || result.status().code() == StatusCode::Cancelled) {
                    return;
                }
                const bool current = state.active && state.active->generation == generation &&
                                     state.active->rollout.phase == Phase::Provisioning;
                if (!result) {
                    if (current) {
                        transition(state, Phase::Aborting,
                                   "provisioning failed: " + result.status().message());
                    }
                    return;
                }
                // The driver's state is kept whatever happened meanwhile: it is how the
                // instances are found again (and torn down).
                enqueue(state,
                        [color, id, driverState = *result](std::optional<Rollout> &, Release &r) {
                            const auto it = r.deployments.find(color);
                            if (it == r.deployments.end() || it->second.rolloutId != id) {
                                return false;
                            }
                            it->second.driverState = driverState;
                            return true;
                        });
                if (current) {
                    const Rollout &r = state.active->rollout;
                    transition(state, Phase::Verifying,
                               "waiting for " + std::to_string(r.spec.replicas) +
                                   (r.spec.replicas == 1 ? " new instance" : " new instances") +
                                   " to pass for " + shortDuration(r.spec.healthyFor));
                }
            });
        });
}

void RolloutController::verify(ReleaseState &state, Active &active) {
    const Rollout &rollout = active.rollout;
    const NewInstances now = newInstances(active);
    if (!now.failing.empty()) {
        return transition(state, Phase::Aborting,
                          "gate failed: new instance " + now.failing + " is " + now.failingWhy);
    }
    if (rollout.phase == Phase::AwaitingApproval) {
        return; // Promote moves it on
    }
    const int wanted = rollout.spec.replicas;
    if (now.healthy >= wanted) {
        if (!active.healthySince) {
            active.healthySince = m_clock->steadyNow();
        }
    } else {
        active.healthySince.reset();
    }
    // The verification's analysis begins once every new instance passes.
    const bool analysed =
        active.healthySince && analyse(state, active, kVerification, "verification", 0);
    const bool ready = active.healthySince &&
                       m_clock->steadyNow() - *active.healthySince >= rollout.spec.healthyFor &&
                       analysed;
    if (ready) {
        const std::string passed = std::to_string(now.healthy) + "/" + std::to_string(wanted) +
                                   " new instances passing for " +
                                   shortDuration(rollout.spec.healthyFor);
        auto counts = [now](Rollout &r, Release &) {
            r.healthyInstances = now.healthy;
            r.registeredInstances = now.registered;
        };
        if (rollout.spec.requireApproval) {
            return transition(state, Phase::AwaitingApproval, passed + "; waiting for approval",
                              counts);
        }
        return transition(state, Phase::Switching, passed, counts);
    }
    if (m_clock->now() >= rollout.deadline) {
        return transition(state, Phase::Aborting,
                          "progress deadline of " + shortDuration(rollout.spec.progressDeadline) +
                              " passed with " + std::to_string(now.healthy) + "/" +
                              std::to_string(wanted) + " new instances passing");
    }
    if (now.healthy != rollout.healthyInstances || now.registered != rollout.registeredInstances) {
        persist(state,
                [now, wanted](Rollout &r, Release &) {
                    r.healthyInstances = now.healthy;
                    r.registeredInstances = now.registered;
                    r.message = std::to_string(now.registered) + "/" + std::to_string(wanted) +
                                " registered, " + std::to_string(now.healthy) + " passing";
                },
                {}, {});
    }
}

void RolloutController::switchTraffic(ReleaseState &state, Active &active) {
    const Rollout &rollout = active.rollout;
    if (const NewInstances now = newInstances(active); !now.failing.empty()) {
        return transition(state, Phase::Aborting,
                          "new instance " + now.failing + " is " + now.failingWhy +
                              " while traffic moves");
    }
    const auto steps = rollout.spec.effectiveSteps();
    const int index = std::clamp(rollout.currentStep, 0, static_cast<int>(steps.size()) - 1);
    const CanaryStep step = steps[index];
    const bool last = index + 1 == static_cast<int>(steps.size());
    // The next step, or the bake, once this one's wait is over.
    auto advance = [last, this](Rollout &r, Release &) {
        if (last) {
            r.phase = Phase::Baking;
            r.message = "all traffic on " + std::string(colorName(r.newColor)) + "; baking for " +
                        shortDuration(r.spec.bakeTime);
            r.stepTime = m_clock->now();
        } else {
            ++r.currentStep;
            r.stepApplied = false;
        }
    };
    if (!rollout.stepApplied) {
        const TrafficSplit split = TrafficSplit::withShare(rollout.newColor, step.weight);
        if (Status reachable = checkReachable(rollout.spec.service, split); !reachable.isOk()) {
            return transition(state, Phase::Aborting,
                              "cannot move traffic: " + reachable.message());
        }
        const bool waits = step.untilPromoted || step.pause > 0ms ||
                           analysisHolds(rollout, kCanarySteps, step.weight);
        applyRolloutSplit(state, active, split, "",
                          [this, split, waits, advance](ReleaseState &state, Active &active) {
                              appendLog(active.rollout.id, "traffic: " + percent(split));
                              persist(state,
                                      [this, split, waits, advance](Rollout &r, Release &release) {
                                          r.traffic = split;
                                          release.traffic = split;
                                          r.stepApplied = true;
                                          r.stepTime = m_clock->now();
                                          r.message = "traffic " + percent(split);
                                          if (!waits) {
                                              advance(r, release);
                                          }
                                      },
                                      {}, {});
                          });
        return;
    }
    const std::string stage = "step " + std::to_string(index + 1);
    if (step.weight < 100) {
        if (const std::string alert = firingAlert(rollout); !alert.empty()) {
            const std::string why = alert + " during canary " + stage + " (" +
                                    std::to_string(step.weight) + "% on " +
                                    std::string(colorName(rollout.newColor)) + ")";
            appendLog(rollout.id, why + "; rolling back");
            return transition(state, Phase::Aborting, why);
        }
    }
    const bool analysed = analyse(state, active, kCanarySteps, stage, step.weight);
    if (step.untilPromoted) {
        return;
    }
    if (m_clock->now() - rollout.stepTime >= step.pause && analysed) {
        persist(state, advance, {}, {});
    }
}

void RolloutController::bake(ReleaseState &state, Active &active) {
    const Rollout &rollout = active.rollout;
    if (const NewInstances now = newInstances(active); !now.failing.empty()) {
        return transition(state, Phase::Aborting,
                          "new instance " + now.failing + " is " + now.failingWhy +
                              " during the bake");
    }
    if (const std::string alert = firingAlert(rollout); !alert.empty()) {
        const std::string why = alert + " during the bake";
        appendLog(rollout.id, why + "; rolling back");
        return transition(state, Phase::Aborting, why);
    }
    const bool analysed = analyse(state, active, kBake, "bake", 100);
    if (m_clock->now() - rollout.stepTime >= rollout.spec.bakeTime && analysed) {
        transition(state, Phase::Finalizing,
                   "baked for " + shortDuration(rollout.spec.bakeTime) + " without trouble");
    }
}

void RolloutController::finalize(ReleaseState &state, Active &active) {
    const Rollout &rollout = active.rollout;
    const std::string message =
        rollout.spec.version + " is live on " + std::string(colorName(rollout.newColor)) +
        (rollout.stableColor ? "; " + std::string(colorName(*rollout.stableColor)) +
                                   " scales down in " + shortDuration(rollout.spec.scaleDownDelay)
                             : std::string());
    transition(state, Phase::Succeeded, message, [this](Rollout &r, Release &release) {
        release.liveColor = r.newColor;
        release.liveVersion = r.spec.version;
        release.traffic = r.traffic;
        if (r.stableColor) {
            release.scaleDownColor = r.stableColor;
            release.scaleDownTime = m_clock->now() + r.spec.scaleDownDelay;
            r.undoUntil = release.scaleDownTime;
        }
    });
}

void RolloutController::rollBack(ReleaseState &state, Active &active) {
    const Rollout &rollout = active.rollout;
    const std::string service = rollout.spec.service;
    // The rolled-back state: the split in effect, the stable colour live (again, after an undo).
    auto finish = [](TrafficSplit split) {
        return [split](Rollout &r, Release &release) {
            r.traffic = split;
            release.traffic = split;
            if (r.stableColor) {
                release.liveColor = r.stableColor;
                release.liveVersion = r.stableVersion;
            }
            if (release.scaleDownColor == r.stableColor) {
                release.scaleDownColor.reset();
            }
        };
    };
    if (!rollout.stableColor) {
        return transition(state, Phase::RolledBack,
                          rollout.message + " — the service's first release: nothing to return to",
                          finish(rollout.traffic));
    }
    const Color stable = *rollout.stableColor;
    const TrafficSplit split = TrafficSplit::allOn(stable);
    const std::string why = rollout.message;
    if (Status reachable = checkReachable(service, split); !reachable.isOk()) {
        return transition(state, Phase::Failed,
                          why + " — and traffic cannot go back: " + reachable.message() +
                              "; traffic left at " + percent(rollout.traffic));
    }
    active.routerBusy = true;
    const std::uint64_t generation = active.generation;
    const std::string id = rollout.id;
    applySplit(state, split, [this, service, id, split, generation, why, finish](Status status) {
        ReleaseState *current = routerAnswered(service, id, split, generation, status);
        if (current == nullptr) {
            return;
        }
        ReleaseState &state = *current;
        Active &active = *state.active;
        if (!status.isOk()) {
            appendLog(id, "router: " + status.message());
            if (!active.abortTroubleSince) {
                active.abortTroubleSince = m_clock->steadyNow();
            }
            if (m_clock->steadyNow() - *active.abortTroubleSince >= m_options.abortPatience) {
                return transition(
                    state, Phase::Failed,
                    why + " — and the router could not move traffic back: " + status.message());
            }
            active.retryAt = m_clock->steadyNow() + m_options.routerRetryInterval;
            return;
        }
        appendLog(id, "traffic: " + percent(split));
        transition(state, Phase::RolledBack, why, finish(split));
    });
}

} // namespace aegis::rollout
