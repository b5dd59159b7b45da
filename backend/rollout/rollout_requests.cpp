// Operator requests: starting a rollout and acting on one.

#include "rollout/rollout_controller.h"
#include "rollout/rollout_controller_state.h"

#include "common/input_text.h"
#include "common/logging.h"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <map>

namespace aegis::rollout {

namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

// A driver's or router's error about its parameters, naming the spec field they came from.
Status withField(const Status &status, std::string_view field) {
    if (status.message().find("_params") != std::string::npos) {
        return status;
    }
    return Status(status.code(), std::string(field) + ": " + status.message());
}

} // namespace

void RolloutController::startRollout(RolloutSpec spec, Actor actor,
                                     std::function<void(StatusOr<Rollout>)> done) {
    boost::asio::post(m_strand, [this, spec = std::move(spec), actor = std::move(actor),
                                 done = std::move(done)]() mutable {
        if (m_stopped) {
            return done(Status(StatusCode::Unavailable, m_refusal));
        }
        if (Status valid = validateSpec(spec); !valid.isOk()) {
            return done(valid);
        }
        if (!spec.analysis.empty() && m_queries == nullptr) {
            return done(failedPrecondition(
                "spec.analysis needs a metrics backend, and metrics are off "
                "(metrics.backend: none); set metrics.backend to managed or external, or start "
                "the rollout without analysis"));
        }
        auto &slot = m_services[spec.service];
        const bool created = !slot;
        if (created) {
            slot = std::make_unique<ReleaseState>();
            slot->release.service = spec.service;
            ensureTicking();
        }
        ReleaseState &state = *slot;
        // A refused first start leaves no trace of the service.
        auto refuse = [&](Status status) {
            if (created) {
                m_services.erase(spec.service);
            }
            done(std::move(status));
        };
        if (state.active || !state.release.activeRolloutId.empty()) {
            const std::string activeId =
                state.active ? state.active->rollout.id : state.release.activeRolloutId;
            return refuse(failedPrecondition(
                "service '" + spec.service + "' already has an active rollout (" + activeId +
                (state.active ? ", " + std::string(phaseName(state.active->rollout.phase)) : "") +
                "); abort it or wait for it to finish"));
        }
        const Release &release = state.release;
        if (spec.driver.empty()) {
            spec.driver = release.driver.empty() ? m_extensions.defaultDriver() : release.driver;
            if (spec.driverParams.empty() && spec.driver == release.driver) {
                spec.driverParams = release.driverParams;
            }
        }
        if (spec.router.empty()) {
            spec.router = release.router.empty() ? m_extensions.defaultRouter() : release.router;
            if (spec.routerParams.empty() && spec.router == release.router) {
                spec.routerParams = release.routerParams;
            }
        }
        DeployDriver *driver = m_extensions.driver(spec.driver);
        if (driver == nullptr) {
            std::string known;
            for (const auto &name : m_extensions.driverNames()) {
                known += (known.empty() ? "" : ", ") + name;
            }
            return refuse(invalidArgument("spec.driver: no deploy driver '" + spec.driver +
                                          "' (available: " + known + ")"));
        }
        TrafficRouter *router = m_extensions.router(spec.router);
        if (router == nullptr) {
            std::string known;
            for (const auto &name : m_extensions.routerNames()) {
                known += (known.empty() ? "" : ", ") + name;
            }
            return refuse(invalidArgument("spec.router: no traffic router '" + spec.router +
                                          "' (available: " + known + ")"));
        }
        // The live colour: the release's, or for a service deployed some other way so far, the
        // colour its registered instances carry.
        std::optional<Color> stable = release.liveColor;
        std::string stableVersion = release.liveVersion;
        int stableReplicas = 0;
        if (stable) {
            const auto deployment = release.deployments.find(*stable);
            stableReplicas = deployment == release.deployments.end()
                                 ? static_cast<int>(endpoints(spec.service, *stable).size())
                                 : deployment->second.replicas;
        } else {
            if (auto instances = m_instances.instances(spec.service)) {
                std::map<Color, int> counts;
                std::map<Color, std::string> versions;
                for (const SourceInstance &instance : *instances) {
                    if (!instance.routable) {
                        continue;
                    }
                    const auto label = instance.labels.find(std::string(kColorLabel));
                    const auto color =
                        label == instance.labels.end() ? std::nullopt : parseColor(label->second);
                    // A colour an unsuccessful first release left running is not live.
                    if (color && release.deployments.count(*color) == 0) {
                        ++counts[*color];
                        const auto version = instance.labels.find(std::string(kVersionLabel));
                        if (version != instance.labels.end()) {
                            versions[*color] = version->second;
                        }
                    }
                }
                if (!counts.empty()) {
                    const auto most = std::max_element(
                        counts.begin(), counts.end(),
                        [](const auto &a, const auto &b) { return a.second < b.second; });
                    stable = most->first;
                    stableVersion = versions[most->first];
                    stableReplicas = most->second;
                }
            }
        }
        if (spec.replicas == 0) {
            spec.replicas = std::max(1, stableReplicas);
        }
        const Color newColor = stable ? otherColor(*stable) : Color::Blue;
        if (Status valid = driver->validate(
                {spec.service, spec.version, newColor, spec.replicas, spec.driverParams, {}});
            !valid.isOk()) {
            return refuse(withField(valid, "spec.driver_params"));
        }
        if (Status valid = router->validate(spec.routerParams); !valid.isOk()) {
            return refuse(withField(valid, "spec.router_params"));
        }

        const auto now = m_clock->now();
        Rollout rollout;
        rollout.id = rolloutId(spec.service, release.rolloutCount + 1);
        rollout.spec = spec;
        rollout.phase = Phase::Pending;
        rollout.stableColor = stable;
        rollout.stableVersion = stableVersion;
        rollout.newColor = newColor;
        // What is in effect until the rollout holds traffic there before provisioning.
        rollout.traffic = stable ? TrafficSplit::allOn(*stable) : TrafficSplit::neither();
        if (stable && release.rolloutCount > 0) {
            rollout.traffic = release.traffic;
        }
        rollout.createdBy = actor.name;
        rollout.createTime = now;
        rollout.stepTime = now;
        rollout.deadline = now + spec.progressDeadline;
        rollout.message = "started by " + actor.name;
        const std::string id = rollout.id;

        enqueue(
            state,
            [rollout, spec](std::optional<Rollout> &current, Release &r) {
                // Another start queued first won.
                if (current || !r.activeRolloutId.empty()) {
                    return false;
                }
                current = rollout;
                ++r.rolloutCount;
                r.activeRolloutId = rollout.id;
                r.lastRolloutId = rollout.id;
                r.driver = spec.driver;
                r.driverParams = spec.driverParams;
                r.router = spec.router;
                r.routerParams = spec.routerParams;
                return true;
            },
            std::move(actor.alsoWrite),
            [this, id, done = std::move(done)](Status status) {
                if (!status.isOk()) {
                    return done(status);
                }
                appendLog(id, "rollout created");
                done(get(id));
            });
    });
}

void RolloutController::act(const std::string &id, Action action, std::string reason, Actor actor,
                            std::function<void(StatusOr<Rollout>)> done) {
    boost::asio::post(m_strand, [this, id, action, reason = std::move(reason),
                                 actor = std::move(actor), done = std::move(done)]() mutable {
        if (m_stopped) {
            return done(Status(StatusCode::Unavailable, m_refusal));
        }
        const auto parsed = parseRolloutId(id);
        const auto found = parsed ? m_services.find(parsed->first) : m_services.end();
        if (found == m_services.end()) {
            return done(notFound("no rollout " + quoteInput(id)));
        }
        ReleaseState &state = *found->second;
        static const std::map<Action, std::string_view> kDoneBy = {
            {Action::Promote, "promoted by "}, {Action::Pause, "paused by "},
            {Action::Resume, "resumed by "},   {Action::Abort, "aborted by "},
            {Action::Retry, "retried by "},    {Action::Undo, "undone by "}};
        const std::string by(kDoneBy.at(action));
        const std::string because = by + actor.name + (reason.empty() ? "" : ": " + reason);
        // The operator's action, with who and why, joins the rollout's log once it is durable.
        auto reply = [this, id, because, done](Status status) mutable {
            if (!status.isOk()) {
                return done(status);
            }
            appendLog(id, because);
            done(get(id));
        };

        const bool isActive = state.active && state.active->rollout.id == id;
        Rollout rollout;
        if (isActive) {
            rollout = state.active->rollout;
        } else {
            auto stored = get(id);
            if (!stored) {
                return done(stored.status());
            }
            rollout = std::move(*stored);
        }
        // A repeated pause or abort changes nothing and is accepted, so scripts can repeat it.
        const bool repeated =
            isActive && ((action == Action::Pause && rollout.paused) ||
                         (action == Action::Abort && rollout.phase == Phase::Aborting));
        if (!repeated) {
            ActionContext context;
            context.release = &state.release;
            context.now = m_clock->now();
            context.routerBusy = isActive && state.active->routerBusy;
            context.scaleDownUnderWay =
                rollout.stableColor && state.driverBusy.count(*rollout.stableColor) != 0;
            if (const ActionAvailability allowed = availability(action, rollout, context);
                !allowed.enabled) {
                return done(failedPrecondition(refusal(rollout, allowed)));
            }
        }

        if (action == Action::Retry || action == Action::Undo) {
            if (state.active) {
                return done(failedPrecondition("service '" + state.release.service +
                                               "' has an active rollout (" +
                                               state.active->rollout.id + ")"));
            }
            return enqueue(
                state,
                [rollout, action, because, this](std::optional<Rollout> &current,
                                                 Release &release) mutable {
                    const auto now = m_clock->now();
                    if (action == Action::Retry) {
                        rollout.phase = Phase::Pending;
                        ++rollout.attempt;
                        rollout.currentStep = 0;
                        rollout.analysis.stage.clear(); // measured again from the start
                        rollout.stepApplied = false;
                        rollout.deadline = now + rollout.spec.progressDeadline;
                        // The live colour may have changed since (an undo).
                        rollout.stableColor = release.liveColor;
                        rollout.stableVersion = release.liveVersion;
                        if (release.liveColor) {
                            rollout.newColor = otherColor(*release.liveColor);
                        }
                    } else {
                        if (release.scaleDownColor != rollout.stableColor) {
                            return false; // scaled down meanwhile
                        }
                        rollout.phase = Phase::Aborting;
                        release.scaleDownColor.reset();
                    }
                    rollout.paused = false;
                    rollout.message = because;
                    rollout.stepTime = now;
                    rollout.finishTime = {};
                    if (current || !release.activeRolloutId.empty()) {
                        return false;
                    }
                    current = rollout;
                    release.activeRolloutId = rollout.id;
                    return true;
                },
                std::move(actor.alsoWrite), reply);
        }

        if (!isActive) {
            // Not finished, yet not what the service runs: its record is stale.
            return done(failedPrecondition("rollout " + id + " is not running (" +
                                           std::string(phaseName(rollout.phase)) + ")"));
        }
        Active &active = *state.active;
        switch (action) {
        case Action::Abort:
            // Wins over whatever is queued before it, unless the rollout finishes first; one
            // already aborting keeps its phase (the request is still recorded).
            log::info("rollout transition", {{"service", state.release.service},
                                             {"phase", phaseName(Phase::Aborting)},
                                             {"reason", because}});
            return enqueue(
                state,
                [id, because](std::optional<Rollout> &current, Release &) {
                    if (!current || current->id != id || isFinished(current->phase)) {
                        return false;
                    }
                    if (current->phase != Phase::Aborting) {
                        current->phase = Phase::Aborting;
                        current->message = because;
                        current->paused = false;
                        current->stepTime = {};
                    }
                    return true;
                },
                std::move(actor.alsoWrite), reply);
        case Action::Pause:
            if (repeated) {
                return persist(
                    state, [](Rollout &, Release &) {}, std::move(actor.alsoWrite), reply);
            }
            return persist(
                state,
                [because](Rollout &r, Release &) {
                    r.paused = true;
                    r.message = because;
                },
                std::move(actor.alsoWrite), reply);
        case Action::Resume:
            active.healthySince.reset();
            return persist(
                state,
                [this, because](Rollout &r, Release &) {
                    const auto now = m_clock->now();
                    r.paused = false;
                    r.message = because;
                    r.stepTime = now;
                    r.deadline = now + r.spec.progressDeadline;
                    // The stage's analysis starts over, as Argo Rollouts does on a resume.
                    r.analysis.stage.clear();
                },
                std::move(actor.alsoWrite), reply);
        case Action::Promote: {
            if (rollout.phase == Phase::AwaitingApproval) {
                return transition(state, Phase::Switching, "approved: " + because, {},
                                  std::move(actor.alsoWrite), reply);
            }
            if (rollout.phase == Phase::Baking) {
                return transition(state, Phase::Finalizing, "bake skipped: " + because, {},
                                  std::move(actor.alsoWrite), reply);
            }
            // Waiting on a canary step (the policy allowed nothing else).
            const bool last =
                rollout.currentStep + 1 == static_cast<int>(rollout.spec.effectiveSteps().size());
            return persist(
                state,
                [this, last, because](Rollout &r, Release &) {
                    r.message = "pause skipped: " + because;
                    if (last) {
                        r.phase = Phase::Baking;
                        r.stepTime = m_clock->now();
                    } else {
                        ++r.currentStep;
                        r.stepApplied = false;
                    }
                },
                std::move(actor.alsoWrite), reply);
        }
        default:
            return done(invalidArgument("unknown action"));
        }
    });
}

} // namespace aegis::rollout
