// Release housekeeping: adopting recorded deployments after a start, scaling the replaced
// colour down once its delay has passed.

#include "rollout/rollout_controller.h"
#include "rollout/rollout_controller_state.h"

#include "common/logging.h"

#include <boost/asio/post.hpp>

namespace aegis::rollout {

namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

} // namespace

void RolloutController::reconcileRelease(ReleaseState &state) {
    Release &release = state.release;
    const std::string service = release.service;
    // Adopt what earlier runs deployed, one colour at a time (an active rollout provisioning that
    // colour adopts it itself).
    while (!state.toAdopt.empty()) {
        const Color color = state.toAdopt.back();
        state.toAdopt.pop_back();
        const auto deployment = release.deployments.find(color);
        const bool rolloutOwnsIt = state.active && state.active->rollout.newColor == color &&
                                   (state.active->rollout.phase == Phase::Pending ||
                                    state.active->rollout.phase == Phase::Provisioning);
        const bool goingAway =
            release.scaleDownColor == color && m_clock->now() >= release.scaleDownTime;
        if (deployment == release.deployments.end() || rolloutOwnsIt || goingAway ||
            state.driverBusy.count(color) != 0) {
            continue;
        }
        DeployDriver *driver = m_extensions.driver(deployment->second.driver);
        if (driver == nullptr) {
            log::warn("cannot adopt a deployment: unknown driver",
                      {{"service", service}, {"driver", deployment->second.driver}});
            continue;
        }
        DeployTarget target{service,
                            deployment->second.version,
                            color,
                            deployment->second.replicas,
                            deployment->second.driverParams,
                            {}};
        // The rollout that deployed the colour tells its story on: what this start found of its
        // instances (adopted, or started again) goes to its log.
        const std::string rolloutId = deployment->second.rolloutId;
        auto logSink = [this, rolloutId](std::string line) {
            if (rolloutId.empty()) {
                return log::info("deployment", {{"line", line}});
            }
            boost::asio::post(m_strand, [this, rolloutId, line = std::move(line)]() mutable {
                appendLog(rolloutId, std::move(line));
            });
        };
        logSink("aegisd started: adopting " + target.version + " on " +
                std::string(colorName(color)) + " (" + std::to_string(target.replicas) +
                (target.replicas == 1 ? " instance)" : " instances)"));
        state.driverBusy.insert(color);
        driver->provision(
            target, deployment->second.driverState, logSink,
            [this, service, color, term = m_term](StatusOr<DriverState> result) {
                boost::asio::post(m_strand, [this, service, color, term,
                                             result = std::move(result)] {
                    auto found = m_services.find(service);
                    if (term != m_term || found == m_services.end()) {
                        return;
                    }
                    ReleaseState &state = *found->second;
                    state.driverBusy.erase(color);
                    if (m_stopped) {
                        return;
                    }
                    if (!result) {
                        log::error("deployment not adopted",
                                   {{"service", service},
                                    {"color", colorName(color)},
                                    {"error", result.status().message()}});
                        return reconcile(service);
                    }
                    enqueue(state, [color, driverState = *result](std::optional<Rollout> &,
                                                                  Release &r) {
                        auto it = r.deployments.find(color);
                        if (it == r.deployments.end() || it->second.driverState == driverState) {
                            return false;
                        }
                        it->second.driverState = driverState;
                        return true;
                    });
                });
            });
        return;
    }
    // Scale the replaced colour down once its delay has passed (unless a rollout is about to
    // reuse it: provisioning replaces it then).
    // A colour an active rollout uses (to provision, or to go back to) is not scaled down.
    if (release.scaleDownColor && m_clock->now() >= release.scaleDownTime &&
        state.driverBusy.count(*release.scaleDownColor) == 0 &&
        !(state.active && (state.active->rollout.newColor == *release.scaleDownColor ||
                           state.active->rollout.stableColor == *release.scaleDownColor))) {
        const Color color = *release.scaleDownColor;
        const auto deployment = release.deployments.find(color);
        DeployDriver *driver = deployment == release.deployments.end()
                                   ? nullptr
                                   : m_extensions.driver(deployment->second.driver);
        // Forgets what was torn down only: the record may have been replaced meanwhile.
        const std::string tornId =
            deployment == release.deployments.end() ? std::string() : deployment->second.rolloutId;
        const std::string tornVersion =
            deployment == release.deployments.end() ? std::string() : deployment->second.version;
        auto clear = [color, tornId, tornVersion](std::optional<Rollout> &, Release &r) {
            const auto it = r.deployments.find(color);
            if (it != r.deployments.end() && it->second.rolloutId == tornId &&
                it->second.version == tornVersion) {
                r.deployments.erase(it);
            }
            if (r.scaleDownColor == color) {
                r.scaleDownColor.reset();
            }
            return true;
        };
        if (driver == nullptr) {
            // Not deployed by a rollout (or by a driver no longer there): its owner stops it.
            return enqueue(state, clear);
        }
        const DeployTarget target{service,
                                  deployment->second.version,
                                  color,
                                  deployment->second.replicas,
                                  deployment->second.driverParams,
                                  deployment->second.rolloutId};
        const std::string rolloutId = deployment->second.rolloutId;
        appendLog(rolloutId, "scaling down " + std::string(colorName(color)) + " (" +
                                 target.version + ") after the scale-down delay");
        state.driverBusy.insert(color);
        driver->teardown(
            target, deployment->second.driverState,
            [this, rolloutId](std::string line) {
                boost::asio::post(m_strand, [this, rolloutId, line = std::move(line)]() mutable {
                    appendLog(rolloutId, std::move(line));
                });
            },
            [this, service, color, clear, term = m_term](Status status) {
                boost::asio::post(m_strand, [this, service, color, clear, status, term] {
                    auto found = m_services.find(service);
                    if (term != m_term || found == m_services.end()) {
                        return;
                    }
                    ReleaseState &state = *found->second;
                    state.driverBusy.erase(color);
                    if (m_stopped) {
                        return;
                    }
                    if (!status.isOk()) {
                        log::error("scale-down failed; retrying",
                                   {{"service", service}, {"error", status.message()}});
                        state.release.scaleDownTime = m_clock->now() + 10s;
                        return;
                    }
                    enqueue(state, clear);
                });
            });
    }
}

} // namespace aegis::rollout
