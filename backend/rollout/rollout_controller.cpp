// Construction, the tick, the per-service dispatch and the reads.

#include "rollout/rollout_controller.h"
#include "rollout/rollout_controller_state.h"
#include "rollout/rollout_metrics.h"

#include "common/input_text.h"
#include "common/logging.h"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <future>
#include <limits>

namespace aegis::rollout {

RolloutController::RolloutController(store::Store &store, const InstanceSource &instances,
                                     metrics::QueryBackend *queries, const AlertSource *alerts,
                                     AuditSink &audit, ExtensionRegistry &extensions,
                                     boost::asio::io_context &io, ClockPtr clock,
                                     RolloutControllerOptions options)
    : m_store(store)
    , m_instances(instances)
    , m_queries(queries)
    , m_alerts(alerts)
    , m_audit(audit)
    , m_extensions(extensions)
    , m_io(io)
    , m_clock(std::move(clock))
    , m_options(options)
    , m_strand(boost::asio::make_strand(io))
    , m_ticker(m_strand) {}

RolloutController::~RolloutController() = default;

Status RolloutController::start() {
    if (!m_started) {
        // Requests are refused until m_stopped turns false below, so nothing on the strand reads
        // the state while it is filled here.
        m_started = true;
        if (Status loaded = load(); !loaded.isOk()) {
            return loaded;
        }
        countInProgress();
        m_stopped = false;
        boost::asio::post(m_strand, [this] { onTick(); });
        return Status::ok();
    }
    std::promise<Status> started;
    boost::asio::post(m_strand, [this, &started] {
        if (!m_stopped) {
            return started.set_value(Status::ok());
        }
        ++m_term;
        m_services.clear();
        Status loaded = load();
        countInProgress();
        if (loaded.isOk()) {
            m_stopped = false;
            onTick();
        }
        started.set_value(std::move(loaded));
    });
    return started.get_future().get();
}

Status RolloutController::load() {
    auto releases = m_store.rangePrefix(std::string(keys::kReleases));
    if (!releases) {
        return releases.status();
    }
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
    return Status::ok();
}

void RolloutController::exportMetrics(prometheus::Registry &registry) {
    m_metrics = std::make_shared<RolloutMetrics>(registry);
}

void RolloutController::countInProgress() {
    if (!m_metrics) {
        return;
    }
    std::map<Phase, int> byPhase;
    for (const auto &[service, state] : m_services) {
        if (state->active) {
            ++byPhase[state->active->rollout.phase];
        }
    }
    m_metrics->inProgress(byPhase);
}

void RolloutController::stop(std::string reason) {
    std::promise<void> stopped;
    boost::asio::post(m_strand, [&] {
        m_stopped = true;
        m_refusal = std::move(reason);
        m_ticker.cancel();
        m_ticking = false;
        stopped.set_value();
    });
    stopped.get_future().wait();
}

void RolloutController::scheduleTick() {
    if (m_stopped) {
        return;
    }
    m_ticking = true;
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
    if (m_services.empty()) {
        m_ticking = false;
        return;
    }
    scheduleTick();
}

void RolloutController::ensureTicking() {
    if (!m_ticking) {
        scheduleTick();
    }
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

StatusOr<std::vector<ActionAvailability>>
RolloutController::availableActions(const Rollout &rollout, const Release *release) const {
    std::optional<Release> stored;
    if (release == nullptr) {
        auto found = m_store.get(keys::release(rollout.spec.service));
        if (!found) {
            return found.status();
        }
        if (!found->kvs.empty()) {
            stored = decodeRelease(found->kvs.front());
        }
    }
    ActionContext context;
    context.release = release != nullptr ? release : stored ? &*stored : nullptr;
    context.now = m_clock->now();
    return rollout::availableActions(rollout, context);
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
