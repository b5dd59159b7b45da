// The write journal: each service's writes committed one at a time, in order, and adopted in
// memory once durable; transitions, audit records and the rollout log.

#include "rollout/rollout_controller.h"
#include "rollout/rollout_controller_state.h"
#include "rollout/rollout_metrics.h"

#include "common/logging.h"

#include <boost/asio/post.hpp>

#include <iterator>

namespace aegis::rollout {

namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

constexpr std::size_t kTransitionsKept = 100;

} // namespace

store::Operation RolloutController::auditFor(const Rollout &rollout, Phase from,
                                             const std::string &reason) {
    AuditEntry entry;
    entry.actor = "aegisd";
    entry.method = "rollout/" + std::string(phaseName(rollout.phase));
    entry.resource = "rollouts/" + rollout.id;
    entry.summary =
        rollout.id + " " +
        (from == Phase::Unspecified ? std::string() : std::string(phaseName(from)) + " → ") +
        std::string(phaseName(rollout.phase)) + (reason.empty() ? "" : ": " + reason);
    return m_audit.prepare(std::move(entry));
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
        m_store.commitAsync(
            std::move(txn),
            [this, term = m_term, service, rollout = std::move(rollout),
             release = std::move(release), phaseChanged, audited, releaseWritten,
             done = std::move(write.done)](StatusOr<store::TransactionResult> result) mutable {
                boost::asio::post(m_strand, [this, term, service, rollout = std::move(rollout),
                                             release = std::move(release), phaseChanged, audited,
                                             releaseWritten, done = std::move(done),
                                             result = std::move(result)]() mutable {
                    if (term != m_term) {
                        // A write of an earlier term: the state it was for was reloaded since.
                        if (done) {
                            done(result.status());
                        }
                        return;
                    }
                    committed(service, std::move(rollout), std::move(release), phaseChanged,
                              audited, releaseWritten, std::move(result), std::move(done));
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
            m_audit.committed();
        }
        release.modRevision = releaseWritten ? result->revision : state.release.modRevision;
        state.release = std::move(release);
        if (rollout) {
            rollout->modRevision = result->revision;
            if (rollout->createRevision == 0) {
                rollout->createRevision = result->revision;
            }
            if (phaseChanged && m_metrics) {
                m_metrics->entered(rollout->phase);
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
            state.active->retryAt = m_clock->steadyNow() + m_options.routerRetryInterval;
        }
    }
    if (status.isOk() && phaseChanged) {
        countInProgress();
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

} // namespace aegis::rollout
