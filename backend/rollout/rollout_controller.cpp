#include "rollout/rollout_controller.h"

#include "common/duration.h"
#include "common/input_text.h"
#include "common/logging.h"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <deque>
#include <future>
#include <limits>

namespace aegis::rollout {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

constexpr std::size_t kTransitionsKept = 100;

std::string percent(TrafficSplit split) {
    return "blue " + std::to_string(split.blue) + "% / green " + std::to_string(split.green) + "%";
}

std::string shortDuration(milliseconds value) {
    return formatDuration(value);
}

// A driver's or router's error about its parameters, naming the spec field they came from.
Status withField(const Status &status, std::string_view field) {
    if (status.message().find("_params") != std::string::npos) {
        return status;
    }
    return Status(status.code(), std::string(field) + ": " + status.message());
}

} // namespace

std::string_view actionName(Action action) {
    switch (action) {
    case Action::Promote:
        return "promote";
    case Action::Pause:
        return "pause";
    case Action::Resume:
        return "resume";
    case Action::Abort:
        return "abort";
    case Action::Retry:
        return "retry";
    case Action::Undo:
        return "undo";
    }
    return "unknown";
}

struct RolloutController::Active {
    Rollout rollout;
    // Unique across the controller, renewed whenever the phase changes: completions of steps
    // started in another generation record what they did but move nothing.
    std::uint64_t generation = 0;
    // A router call in flight.
    bool routerBusy = false;
    // Since when every new instance has been healthy (in memory: a restart restarts the window).
    std::optional<steady_clock::time_point> healthySince;
    int routerFailures = 0;
    steady_clock::time_point retryAt{};
    // When the current abort began failing to reach the router.
    std::optional<steady_clock::time_point> abortTroubleSince;
};

struct RolloutController::ReleaseState {
    Release release;
    std::optional<Active> active;
    // Colours with a driver call in flight (provision, teardown, adoption, scale-down): one at a
    // time per colour, whoever started it.
    std::set<Color> driverBusy;
    // Writes of this service, one at a time, in order.
    struct Write {
        Change change;
        std::vector<store::Operation> alsoWrite;
        std::function<void(Status)> done;
    };
    std::deque<Write> writes;
    bool writing = false;
    // Colours whose recorded deployment still has to be adopted after the start.
    std::vector<Color> toAdopt;
};

RolloutController::RolloutController(store::Store &store, registry::Registry &registry,
                                     audit::AuditLog &audit, ExtensionRegistry &extensions,
                                     boost::asio::io_context &io, ClockPtr clock,
                                     RolloutControllerOptions options)
    : m_store(store)
    , m_registry(registry)
    , m_audit(audit)
    , m_extensions(extensions)
    , m_io(io)
    , m_clock(std::move(clock))
    , m_options(options)
    , m_strand(boost::asio::make_strand(io))
    , m_ticker(m_strand) {}

RolloutController::~RolloutController() = default;

Status RolloutController::start() {
    auto releases = m_store.rangePrefix(std::string(keys::kReleases));
    if (!releases) {
        return releases.status();
    }
    // Nothing runs on the strand before this returns (see the header), so the state is filled
    // directly.
    for (const store::KeyValue &kv : releases->kvs) {
        auto release = decodeRelease(kv);
        if (!release) {
            log::warn("skipping unreadable release record", {{"key", kv.key}});
            continue;
        }
        auto state = std::make_unique<ReleaseState>();
        state->release = std::move(*release);
        Release &r = state->release;
        if (!r.activeRolloutId.empty()) {
            auto stored = m_store.get(keys::rollout(r.activeRolloutId));
            if (!stored) {
                return stored.status();
            }
            std::optional<Rollout> rollout;
            if (!stored->kvs.empty()) {
                rollout = decodeRollout(stored->kvs.front());
            }
            if (rollout && !isFinished(rollout->phase)) {
                log::info("resuming rollout",
                          {{"rollout", r.activeRolloutId}, {"phase", phaseName(rollout->phase)}});
                state->active.emplace();
                state->active->rollout = std::move(*rollout);
                state->active->generation = ++m_generations;
            } else {
                // Nothing to resume: the service must not stay blocked by it.
                log::warn("active rollout record missing, unreadable or finished; releasing the "
                          "service",
                          {{"rollout", r.activeRolloutId}});
                enqueue(*state, [](std::optional<Rollout> &, Release &release) {
                    release.activeRolloutId.clear();
                    return true;
                });
            }
        }
        for (const auto &[color, deployment] : r.deployments) {
            state->toAdopt.push_back(color);
        }
        m_services[r.service] = std::move(state);
    }
    boost::asio::post(m_strand, [this] { onTick(); });
    return Status::ok();
}

void RolloutController::stop() {
    std::promise<void> stopped;
    boost::asio::post(m_strand, [&] {
        m_stopped = true;
        m_ticker.cancel();
        stopped.set_value();
    });
    stopped.get_future().wait();
}

void RolloutController::scheduleTick() {
    if (m_stopped) {
        return;
    }
    m_ticker.expires_after(m_options.tickInterval);
    m_ticker.async_wait([this](const boost::system::error_code &error) {
        if (!error) {
            onTick();
        }
    });
}

void RolloutController::onTick() {
    if (m_stopped) {
        return;
    }
    for (auto &[service, state] : m_services) {
        reconcile(service);
    }
    scheduleTick();
}

void RolloutController::tick() {
    std::promise<void> done;
    boost::asio::post(m_strand, [&] {
        for (auto &[service, state] : m_services) {
            reconcile(service);
        }
        done.set_value();
    });
    done.get_future().wait();
}

void RolloutController::driverStateChanged(const std::string &service, Color color,
                                           DriverState driverState) {
    boost::asio::post(m_strand, [this, service, color, driverState = std::move(driverState)] {
        const auto found = m_services.find(service);
        if (found == m_services.end()) {
            return;
        }
        enqueue(*found->second, [color, driverState](std::optional<Rollout> &, Release &r) {
            const auto it = r.deployments.find(color);
            if (it == r.deployments.end() || it->second.driverState == driverState) {
                return false;
            }
            it->second.driverState = driverState;
            return true;
        });
    });
}

// ---- writes -------------------------------------------------------------------------------

store::Operation RolloutController::auditFor(const Rollout &rollout, Phase from,
                                             const std::string &reason) {
    audit::AuditRecord record;
    record.actor = "aegisd";
    record.method = "rollout/" + std::string(phaseName(rollout.phase));
    record.resource = "rollouts/" + rollout.id;
    record.summary =
        rollout.id + " " +
        (from == Phase::Unspecified ? std::string() : std::string(phaseName(from)) + " → ") +
        std::string(phaseName(rollout.phase)) + (reason.empty() ? "" : ": " + reason);
    return m_audit.prepare(std::move(record));
}

void RolloutController::persist(ReleaseState &state, Mutation changes,
                                std::vector<store::Operation> alsoWrite,
                                std::function<void(Status)> done) {
    // Decided on the phase the rollout is in now: if an earlier queued write (an abort) moves it
    // on first, this one no longer applies and is dropped.
    struct Basis {
        std::string id;
        Phase phase;
        int step;
        bool stepApplied;
    };
    std::optional<Basis> basis;
    if (state.active) {
        const Rollout &r = state.active->rollout;
        basis = Basis{r.id, r.phase, r.currentStep, r.stepApplied};
    }
    enqueue(
        state,
        [changes = std::move(changes), basis](std::optional<Rollout> &rollout, Release &release) {
            if (!rollout || !basis || rollout->id != basis->id || rollout->phase != basis->phase ||
                rollout->currentStep != basis->step || rollout->stepApplied != basis->stepApplied) {
                return false;
            }
            changes(*rollout, release);
            return true;
        },
        std::move(alsoWrite), std::move(done));
}

void RolloutController::enqueue(ReleaseState &state, Change change,
                                std::vector<store::Operation> alsoWrite,
                                std::function<void(Status)> done) {
    state.writes.push_back({std::move(change), std::move(alsoWrite), std::move(done)});
    runWrites(state);
}

void RolloutController::runWrites(ReleaseState &state) {
    while (!state.writing && !state.writes.empty()) {
        ReleaseState::Write write = std::move(state.writes.front());
        state.writes.pop_front();
        std::optional<Rollout> rollout;
        if (state.active) {
            rollout = state.active->rollout;
        }
        Release release = state.release;
        const Phase before = rollout ? rollout->phase : Phase::Unspecified;
        const std::string beforeId = rollout ? rollout->id : std::string();
        if (!write.change(rollout, release)) {
            if (write.done) {
                write.done(failedPrecondition(
                    "the rollout moved on meanwhile" +
                    (rollout ? " (now " + std::string(phaseName(rollout->phase)) + ")"
                             : std::string()) +
                    "; look at it again"));
            }
            continue;
        }
        store::Transaction txn;
        bool audited = false;
        const bool phaseChanged = rollout && (rollout->phase != before || rollout->id != beforeId);
        if (rollout) {
            if (phaseChanged) {
                const auto now = m_clock->now();
                rollout->phaseTime = now;
                if (isFinished(rollout->phase)) {
                    rollout->finishTime = now;
                }
                if (rollout->transitions.size() >= kTransitionsKept) {
                    rollout->transitions.erase(rollout->transitions.begin());
                }
                rollout->transitions.push_back({rollout->phase, now, rollout->message});
                // An operator's action carries the API's audit record; the controller's own
                // moves get one of their own.
                if (write.alsoWrite.empty()) {
                    txn.operations.push_back(auditFor(*rollout, before, rollout->message));
                    audited = true;
                }
            }
            txn.put(keys::rollout(rollout->id), encode(*rollout));
        }
        const std::string service = release.service;
        // The release is rewritten only when it changed (watchers see one event per change).
        txn.ifModRevision(keys::release(service), state.release.modRevision);
        const bool releaseWritten =
            encode(release) != encode(state.release) || state.release.modRevision == 0;
        if (releaseWritten) {
            txn.put(keys::release(service), encode(release));
        }
        std::move(write.alsoWrite.begin(), write.alsoWrite.end(),
                  std::back_inserter(txn.operations));
        state.writing = true;
        m_store.commitAsync(std::move(txn), [this, service, rollout = std::move(rollout),
                                             release = std::move(release), phaseChanged, audited,
                                             releaseWritten, done = std::move(write.done)](
                                                StatusOr<store::TransactionResult> result) mutable {
            boost::asio::post(m_strand, [this, service, rollout = std::move(rollout),
                                         release = std::move(release), phaseChanged, audited,
                                         releaseWritten, done = std::move(done),
                                         result = std::move(result)]() mutable {
                committed(service, std::move(rollout), std::move(release), phaseChanged, audited,
                          releaseWritten, std::move(result), std::move(done));
            });
        });
    }
}

void RolloutController::committed(const std::string &service, std::optional<Rollout> rollout,
                                  Release release, bool phaseChanged, bool audited,
                                  bool releaseWritten, StatusOr<store::TransactionResult> result,
                                  std::function<void(Status)> done) {
    auto found = m_services.find(service);
    if (found == m_services.end()) {
        return;
    }
    ReleaseState &state = *found->second;
    state.writing = false;
    Status status = result.status();
    if (status.isOk() && !result->succeeded) {
        status = Status(StatusCode::Aborted,
                        "the release of '" + service + "' was changed by another writer");
    }
    if (status.isOk()) {
        if (audited) {
            m_audit.recordCommitted();
        }
        release.modRevision = releaseWritten ? result->revision : state.release.modRevision;
        state.release = std::move(release);
        if (rollout) {
            rollout->modRevision = result->revision;
            if (rollout->createRevision == 0) {
                rollout->createRevision = result->revision;
            }
            if (isFinished(rollout->phase)) {
                state.active.reset();
            } else if (state.active && state.active->rollout.id == rollout->id) {
                if (phaseChanged) {
                    state.active->generation = ++m_generations;
                    state.active->healthySince.reset();
                    state.active->routerFailures = 0;
                    state.active->abortTroubleSince.reset();
                }
                state.active->rollout = std::move(*rollout);
            } else {
                state.active.emplace();
                state.active->rollout = std::move(*rollout);
                state.active->generation = ++m_generations;
            }
        }
    } else {
        log::error("rollout state not recorded",
                   {{"service", service}, {"error", status.message()}});
        // Go on from what is stored, a little later (a failing disk must not spin us).
        if (auto stored = m_store.get(keys::release(service)); stored && !stored->kvs.empty()) {
            if (auto reloaded = decodeRelease(stored->kvs.front())) {
                state.release = std::move(*reloaded);
            }
        }
        if (state.active) {
            if (auto reloaded = get(state.active->rollout.id); reloaded) {
                state.active->rollout = std::move(*reloaded);
            }
            state.active->retryAt = steady_clock::now() + m_options.routerRetryInterval;
        }
    }
    if (done) {
        done(status);
    }
    runWrites(state);
    reconcile(service);
}

void RolloutController::transition(ReleaseState &state, Phase phase, std::string reason,
                                   Mutation changes, std::vector<store::Operation> alsoWrite,
                                   std::function<void(Status)> done) {
    log::info(
        "rollout transition",
        {{"service", state.release.service}, {"phase", phaseName(phase)}, {"reason", reason}});
    persist(
        state,
        [this, phase, reason, changes = std::move(changes)](Rollout &rollout, Release &release) {
            const auto now = m_clock->now();
            rollout.phase = phase;
            rollout.message = reason;
            rollout.stepTime = now;
            if (phase == Phase::Provisioning) {
                rollout.deadline = now + rollout.spec.progressDeadline;
            }
            if (phase == Phase::Aborting) {
                rollout.paused = false;
            }
            if (isFinished(phase)) {
                release.activeRolloutId.clear();
            }
            if (changes) {
                changes(rollout, release);
            }
        },
        std::move(alsoWrite), std::move(done));
}

void RolloutController::appendLog(const std::string &rolloutId, std::string line) {
    // Strand only.
    auto [it, inserted] = m_logSequence.try_emplace(rolloutId, 0);
    if (inserted) {
        store::RangeRequest last;
        last.start = keys::logPrefix(rolloutId);
        last.end = store::prefixEnd(last.start);
        last.limit = 1;
        last.descending = true;
        if (auto found = m_store.range(last); found && !found->kvs.empty()) {
            if (auto stored = decodeLogLine(found->kvs.front())) {
                it->second = stored->sequence;
            }
        }
    }
    const std::int64_t sequence = ++it->second;
    if (static_cast<std::size_t>(sequence) > m_options.logLinesPerRollout + 1) {
        return;
    }
    if (static_cast<std::size_t>(sequence) == m_options.logLinesPerRollout + 1) {
        line = "(log truncated: later lines are in the daemon's log)";
    }
    log::info("rollout log", {{"rollout", rolloutId}, {"line", line}});
    store::Transaction txn;
    txn.put(keys::logLine(rolloutId, sequence),
            encode(LogLine{rolloutId, sequence, m_clock->now(), std::move(line)}));
    m_store.commitAsync(std::move(txn), [](StatusOr<store::TransactionResult> result) {
        if (!result) {
            log::warn("rollout log line not recorded", {{"error", result.status().message()}});
        }
    });
}

void RolloutController::recordTraffic(ReleaseState &state, const std::string &id,
                                      TrafficSplit split) {
    enqueue(state, [id, split](std::optional<Rollout> &rollout, Release &release) {
        if (!rollout || rollout->id != id) {
            return false;
        }
        rollout->traffic = split;
        release.traffic = split;
        return true;
    });
}

// ---- observations -------------------------------------------------------------------------

RolloutController::NewInstances RolloutController::newInstances(const Active &active) const {
    const Rollout &rollout = active.rollout;
    registry::InstanceQuery query;
    query.service = rollout.spec.service;
    query.includeUnroutable = true;
    query.pageSize = 100000;
    NewInstances result;
    const auto page = m_registry.listInstances(query);
    if (!page) {
        return result;
    }
    for (const registry::Instance &instance : page->items) {
        const auto color = instance.labels.find(std::string(kColorLabel));
        const auto version = instance.labels.find(std::string(kVersionLabel));
        if (color == instance.labels.end() || color->second != colorName(rollout.newColor) ||
            version == instance.labels.end() || version->second != rollout.spec.version) {
            continue;
        }
        ++result.registered;
        const registry::InstanceHealth &health = instance.health;
        if (health.status == registry::HealthStatus::Critical || health.ejected) {
            if (result.failing.empty()) {
                result.failing = instance.id;
                result.failingWhy = health.ejected ? "ejected by callers' failures" : "critical";
                if (!health.output.empty()) {
                    result.failingWhy += " (" + health.output + ")";
                }
            }
            continue;
        }
        const bool passing =
            health.checked ? health.status == registry::HealthStatus::Passing : true;
        if (passing && instance.routable && instance.state == registry::InstanceState::Serving) {
            ++result.healthy;
        }
    }
    return result;
}

std::vector<RouteEndpoint> RolloutController::endpoints(const std::string &service,
                                                        Color color) const {
    registry::InstanceQuery query;
    query.service = service;
    query.pageSize = 100000;
    std::vector<RouteEndpoint> result;
    const auto page = m_registry.listInstances(query);
    if (!page) {
        return result;
    }
    for (const registry::Instance &instance : page->items) {
        const auto label = instance.labels.find(std::string(kColorLabel));
        if (label != instance.labels.end() && label->second == colorName(color) &&
            instance.routable && instance.state == registry::InstanceState::Serving) {
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
    router->apply(request, [this, done = std::move(done)](Status status) mutable {
        boost::asio::post(m_strand,
                          [done = std::move(done), status = std::move(status)] { done(status); });
    });
}

// ---- the state machine --------------------------------------------------------------------

void RolloutController::reconcile(const std::string &service) {
    if (m_stopped) {
        return;
    }
    auto it = m_services.find(service);
    if (it == m_services.end()) {
        return;
    }
    ReleaseState &state = *it->second;
    if (state.writing || !state.writes.empty()) {
        return; // acts on what is durable only
    }
    reconcileRelease(state);
    // Provisioning waits for any driver call on its colour (an earlier attempt's, a scale-down);
    // nothing else does, an abort least of all.
    if (state.active && !state.active->routerBusy &&
        (state.driverBusy.count(state.active->rollout.newColor) == 0 ||
         state.active->rollout.phase != Phase::Provisioning)) {
        reconcileRollout(state, *state.active);
    }
}

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
        state.driverBusy.insert(color);
        driver->provision(
            target, deployment->second.driverState,
            [](std::string line) {
                log::info("deployment", {{"line", line}});
            },
            [this, service, color](StatusOr<DriverState> result) {
                boost::asio::post(m_strand, [this, service, color, result = std::move(result)] {
                    auto found = m_services.find(service);
                    if (found == m_services.end()) {
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
            [this, service, color, clear](Status status) {
                boost::asio::post(m_strand, [this, service, color, clear, status] {
                    auto found = m_services.find(service);
                    if (found == m_services.end()) {
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

void RolloutController::reconcileRollout(ReleaseState &state, Active &active) {
    if (active.rollout.paused && active.rollout.phase != Phase::Aborting) {
        return;
    }
    if (steady_clock::now() < active.retryAt) {
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
                   auto found = m_services.find(service);
                   if (found == m_services.end() || !found->second->active) {
                       return;
                   }
                   ReleaseState &state = *found->second;
                   Active &active = *state.active;
                   active.routerBusy = false;
                   if (active.generation != generation) {
                       // Aborted meanwhile: the abort re-applies its own split after this one;
                       // until then this one is what is in effect.
                       if (status.isOk()) {
                           recordTraffic(state, id, split);
                       }
                       return reconcile(service);
                   }
                   if (!status.isOk()) {
                       appendLog(id, "router: " + status.message());
                       if (++active.routerFailures >= m_options.routerAttempts) {
                           return transition(state, Phase::Aborting,
                                             "traffic router failed " +
                                                 std::to_string(active.routerFailures) + " times" +
                                                 failing + ": " + status.message());
                       }
                       active.retryAt = steady_clock::now() + m_options.routerRetryInterval;
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
            logSink, [this, service, color, forget, generation](Status status) {
                boost::asio::post(m_strand, [this, service, color, forget, generation, status] {
                    auto found = m_services.find(service);
                    if (found == m_services.end()) {
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
        [this, service, color, generation, id](StatusOr<DriverState> result) {
            boost::asio::post(m_strand, [this, service, color, generation, id,
                                         result = std::move(result)] {
                auto found = m_services.find(service);
                if (found == m_services.end()) {
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
    const bool ready = active.healthySince &&
                       m_clock->steadyNow() - *active.healthySince >= rollout.spec.healthyFor;
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
        const bool waits = step.untilPromoted || step.pause > 0ms;
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
    if (step.untilPromoted) {
        return;
    }
    if (m_clock->now() - rollout.stepTime >= step.pause) {
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
    if (m_clock->now() - rollout.stepTime >= rollout.spec.bakeTime) {
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
        auto found = m_services.find(service);
        if (found == m_services.end() || !found->second->active) {
            return;
        }
        ReleaseState &state = *found->second;
        Active &active = *state.active;
        active.routerBusy = false;
        if (active.generation != generation) {
            if (status.isOk()) {
                recordTraffic(state, id, split);
            }
            return reconcile(service);
        }
        if (!status.isOk()) {
            appendLog(id, "router: " + status.message());
            if (!active.abortTroubleSince) {
                active.abortTroubleSince = steady_clock::now();
            }
            if (steady_clock::now() - *active.abortTroubleSince >= m_options.abortPatience) {
                return transition(
                    state, Phase::Failed,
                    why + " — and the router could not move traffic back: " + status.message());
            }
            active.retryAt = steady_clock::now() + m_options.routerRetryInterval;
            return;
        }
        appendLog(id, "traffic: " + percent(split));
        transition(state, Phase::RolledBack, why, finish(split));
    });
}

// ---- requests -----------------------------------------------------------------------------

void RolloutController::startRollout(RolloutSpec spec, Actor actor,
                                     std::function<void(StatusOr<Rollout>)> done) {
    boost::asio::post(m_strand, [this, spec = std::move(spec), actor = std::move(actor),
                                 done = std::move(done)]() mutable {
        if (m_stopped) {
            return done(Status(StatusCode::Unavailable, "the daemon is shutting down"));
        }
        if (Status valid = validateSpec(spec); !valid.isOk()) {
            return done(valid);
        }
        auto &slot = m_services[spec.service];
        const bool created = !slot;
        if (created) {
            slot = std::make_unique<ReleaseState>();
            slot->release.service = spec.service;
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
            registry::InstanceQuery query;
            query.service = spec.service;
            query.pageSize = 100000;
            if (auto page = m_registry.listInstances(query)) {
                std::map<Color, int> counts;
                std::map<Color, std::string> versions;
                for (const auto &instance : page->items) {
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
            return done(Status(StatusCode::Unavailable, "the daemon is shutting down"));
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
        auto reply = [this, id, done](Status status) mutable {
            if (!status.isOk()) {
                return done(status);
            }
            done(get(id));
        };
        auto notApplicable = [&](std::string_view phase, std::string_view what) {
            done(failedPrecondition("rollout " + id + " is " + std::string(phase) + ": " +
                                    std::string(what)));
        };

        const bool isActive = state.active && state.active->rollout.id == id;
        if (action == Action::Retry || action == Action::Undo) {
            if (state.active) {
                return done(failedPrecondition("service '" + state.release.service +
                                               "' has an active rollout (" +
                                               state.active->rollout.id + ")"));
            }
            auto stored = get(id);
            if (!stored) {
                return done(stored.status());
            }
            if (state.release.lastRolloutId != id) {
                return done(failedPrecondition("only the latest rollout of '" +
                                               state.release.service + "' (" +
                                               state.release.lastRolloutId + ") can be " +
                                               (action == Action::Retry ? "retried" : "undone")));
            }
            Rollout rollout = std::move(*stored);
            if (action == Action::Retry) {
                if (rollout.phase != Phase::RolledBack && rollout.phase != Phase::Failed) {
                    return notApplicable(phaseName(rollout.phase),
                                         "only a rolled back or failed rollout can be retried");
                }
            } else {
                // Still running: its scale-down neither due nor under way.
                const bool warm = rollout.phase == Phase::Succeeded && rollout.stableColor &&
                                  state.release.scaleDownColor == rollout.stableColor &&
                                  m_clock->now() < state.release.scaleDownTime &&
                                  state.driverBusy.count(*rollout.stableColor) == 0;
                if (!warm) {
                    return notApplicable(phaseName(rollout.phase),
                                         rollout.phase == Phase::Succeeded
                                             ? "the replaced colour has already been scaled down"
                                             : "only a succeeded rollout can be undone");
                }
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
            auto stored = get(id);
            if (!stored) {
                return done(stored.status());
            }
            return notApplicable(phaseName(stored->phase), "it has finished");
        }
        Active &active = *state.active;
        const Rollout &rollout = active.rollout;
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
            if (rollout.paused) {
                return persist(
                    state, [](Rollout &, Release &) {}, std::move(actor.alsoWrite), reply);
            }
            if (rollout.phase == Phase::Aborting || rollout.phase == Phase::Finalizing) {
                return notApplicable(phaseName(rollout.phase), "it cannot be paused now");
            }
            return persist(
                state,
                [because](Rollout &r, Release &) {
                    r.paused = true;
                    r.message = because;
                },
                std::move(actor.alsoWrite), reply);
        case Action::Resume:
            if (!rollout.paused) {
                return notApplicable(phaseName(rollout.phase), "it is not paused");
            }
            active.healthySince.reset();
            return persist(
                state,
                [this, because](Rollout &r, Release &) {
                    const auto now = m_clock->now();
                    r.paused = false;
                    r.message = because;
                    r.stepTime = now;
                    r.deadline = now + r.spec.progressDeadline;
                },
                std::move(actor.alsoWrite), reply);
        case Action::Promote: {
            if (rollout.paused) {
                return notApplicable("paused", "resume it first");
            }
            if (rollout.phase == Phase::AwaitingApproval) {
                return transition(state, Phase::Switching, "approved: " + because, {},
                                  std::move(actor.alsoWrite), reply);
            }
            if (rollout.phase == Phase::Baking) {
                return transition(state, Phase::Finalizing, "bake skipped: " + because, {},
                                  std::move(actor.alsoWrite), reply);
            }
            const auto steps = rollout.spec.effectiveSteps();
            if (rollout.phase == Phase::Switching && rollout.stepApplied && !active.routerBusy &&
                rollout.currentStep < static_cast<int>(steps.size())) {
                const bool last = rollout.currentStep + 1 == static_cast<int>(steps.size());
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
            return notApplicable(phaseName(rollout.phase),
                                 "nothing to promote (promote skips an approval, a pause or the "
                                 "bake)");
        }
        default:
            return done(invalidArgument("unknown action"));
        }
    });
}

// ---- reads --------------------------------------------------------------------------------

StatusOr<Rollout> RolloutController::get(const std::string &id, store::Revision *at) const {
    if (!parseRolloutId(id)) {
        return invalidArgument("id must look like <service>-<number> (got " + quoteInput(id) + ")");
    }
    auto stored = m_store.get(keys::rollout(id));
    if (!stored) {
        return stored.status();
    }
    if (stored->kvs.empty()) {
        return notFound("no rollout " + quoteInput(id));
    }
    if (at != nullptr) {
        *at = stored->revision;
    }
    auto rollout = decodeRollout(stored->kvs.front());
    if (!rollout) {
        return Status(StatusCode::DataLoss,
                      "the record of rollout " + quoteInput(id) + " is unreadable");
    }
    return *rollout;
}

StatusOr<RolloutPage> RolloutController::list(const RolloutQuery &query) const {
    const std::string prefix = query.service.empty()
                                   ? std::string(keys::kItems)
                                   : std::string(keys::kItems) + query.service + "/";
    auto stored = m_store.rangePrefix(prefix);
    if (!stored) {
        return stored.status();
    }
    std::vector<Rollout> all;
    for (const store::KeyValue &kv : stored->kvs) {
        if (auto rollout = decodeRollout(kv)) {
            if (!query.activeOnly || !isFinished(rollout->phase)) {
                all.push_back(std::move(*rollout));
            }
        }
    }
    // Newest first; the page token is the create revision of the last rollout returned.
    std::sort(all.begin(), all.end(), [](const Rollout &a, const Rollout &b) {
        return a.createRevision > b.createRevision;
    });
    store::Revision after = std::numeric_limits<store::Revision>::max();
    if (!query.pageToken.empty()) {
        try {
            after = std::stoll(query.pageToken);
        } catch (const std::exception &) {
            return invalidArgument("page_token is not one this call returned");
        }
    }
    RolloutPage page;
    page.revision = stored->revision;
    for (Rollout &rollout : all) {
        if (rollout.createRevision >= after) {
            continue;
        }
        if (page.rollouts.size() == query.pageSize) {
            page.nextPageToken = std::to_string(page.rollouts.back().createRevision);
            break;
        }
        page.rollouts.push_back(std::move(rollout));
    }
    return page;
}

StatusOr<std::pair<std::vector<Release>, store::Revision>> RolloutController::releases() const {
    auto stored = m_store.rangePrefix(std::string(keys::kReleases));
    if (!stored) {
        return stored.status();
    }
    std::vector<Release> result;
    for (const store::KeyValue &kv : stored->kvs) {
        if (auto release = decodeRelease(kv)) {
            result.push_back(std::move(*release));
        }
    }
    return std::pair{std::move(result), stored->revision};
}

StatusOr<std::pair<std::vector<LogLine>, bool>> RolloutController::log(const std::string &id,
                                                                       std::int64_t afterSequence,
                                                                       std::size_t limit,
                                                                       store::Revision *at) const {
    if (!parseRolloutId(id)) {
        return invalidArgument("rollout_id must look like <service>-<number> (got " +
                               quoteInput(id) + ")");
    }
    // The log is read after the rollout: the earlier revision is one both reflect.
    if (auto rollout = get(id, at); !rollout) {
        return rollout.status();
    }
    store::RangeRequest request;
    request.start = keys::logLine(id, afterSequence + 1);
    request.end = store::prefixEnd(keys::logPrefix(id));
    request.limit = limit;
    auto stored = m_store.range(request);
    if (!stored) {
        return stored.status();
    }
    std::vector<LogLine> lines;
    for (const store::KeyValue &kv : stored->kvs) {
        if (auto line = decodeLogLine(kv)) {
            lines.push_back(std::move(*line));
        }
    }
    return std::pair{std::move(lines), stored->more};
}

} // namespace aegis::rollout
