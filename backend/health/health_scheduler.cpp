#include "health/health_scheduler.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <random>

namespace aegis::health {

namespace asio = boost::asio;
using std::chrono::milliseconds;

// What outlives the scheduler while completions are still queued.
struct HealthScheduler::Shared {
    HealthSchedulerOptions options;
    std::mutex mutex;
    std::condition_variable idle;
    std::size_t probesInFlight = 0;

    void probeStarted() {
        std::lock_guard lock(mutex);
        ++probesInFlight;
    }
    void probeFinished() {
        std::lock_guard lock(mutex);
        if (--probesInFlight == 0) {
            idle.notify_all();
        }
    }
};

struct HealthScheduler::Check : std::enable_shared_from_this<Check> {
    Check(CheckDefinition definition, asio::any_io_executor strand, ProberPtr prober,
          ClockPtr clock, std::shared_ptr<Shared> shared)
        : id(std::move(definition.id))
        , kind(definition.probe.kind)
        , params(definition.params)
        , generation(definition.generation)
        , strand(strand)
        , timer(strand)
        , prober(std::move(prober))
        , machine(definition.params, std::move(clock))
        , shared(std::move(shared))
        , random(this->shared->options.jitterSeed ^ std::hash<std::string>()(id)) {}

    // A delay of `base` ± up to `params.jitter`, never negative.
    milliseconds jittered(milliseconds base, bool onlyPositive) {
        const auto jitter = params.jitter.count();
        if (jitter <= 0) {
            return base;
        }
        std::uniform_int_distribution<std::int64_t> spread(onlyPositive ? 0 : -jitter, jitter);
        return std::max(milliseconds(0), base + milliseconds(spread(random)));
    }

    void schedule(milliseconds delay) {
        timer.expires_after(delay);
        timer.async_wait([self = shared_from_this()](boost::system::error_code error) {
            if (!error && !self->stopped) {
                self->runProbe();
            }
        });
    }

    void runProbe() {
        const auto started = std::chrono::steady_clock::now();
        shared->probeStarted();
        prober->probe(params.timeout, [self = shared_from_this(), started](ProbeResult result) {
            if (self->shared->options.onProbed) {
                self->shared->options.onProbed(self->kind, result,
                                               std::chrono::steady_clock::now() - started);
            }
            self->onResult(std::move(result), started);
            self->shared->probeFinished();
        });
    }

    void onResult(ProbeResult result, std::chrono::steady_clock::time_point started) {
        if (stopped) {
            return;
        }
        apply(result, false);
        const auto elapsed =
            std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
        schedule(std::max(milliseconds(0), jittered(params.interval, false) - elapsed));
    }

    // A report applies when it arrives; the probes keep their schedule (they expire it).
    void onReport(const ProbeResult &result) {
        if (!stopped) {
            apply(result, true);
        }
    }

    void apply(const ProbeResult &result, bool reported) {
        std::optional<HealthEvent> event;
        bool deregister = false;
        {
            std::lock_guard lock(mutex);
            event = reported ? machine.observeReport(result) : machine.observe(result);
            probeCount += reported ? 0 : 1;
            if (machine.state() != HealthState::Critical) {
                deregisterAnnounced = false;
            } else if (!deregisterAnnounced && machine.deregisterDue()) {
                deregisterAnnounced = deregister = true;
            }
        }
        if (event && shared->options.onEvent) {
            event->generation = generation;
            shared->options.onEvent(id, *event);
        }
        if (deregister && shared->options.onDeregisterDue) {
            shared->options.onDeregisterDue(id, generation);
        }
    }

    const std::string id;
    const std::string kind;
    const CheckParams params;
    const std::uint64_t generation;
    asio::any_io_executor strand;
    // Strand only: timer, prober calls, random, deregisterAnnounced.
    asio::steady_timer timer;
    ProberPtr prober;
    std::atomic<bool> stopped{false};
    // Guards machine, which snapshot() reads from other threads.
    mutable std::mutex mutex;
    HealthStateMachine machine;
    std::uint64_t probeCount = 0;
    bool deregisterAnnounced = false;
    std::shared_ptr<Shared> shared;
    std::minstd_rand random;
};

HealthScheduler::HealthScheduler(asio::io_context &io, const ProberRegistry &probers,
                                 ClockPtr clock, HealthSchedulerOptions options)
    : m_io(io)
    , m_probers(probers)
    , m_clock(std::move(clock))
    , m_shared(std::make_shared<Shared>()) {
    m_shared->options = std::move(options);
}

HealthScheduler::~HealthScheduler() {
    std::map<std::string, CheckPtr, std::less<>> checks;
    {
        std::lock_guard lock(m_mutex);
        checks.swap(m_checks);
    }
    for (const auto &[id, check] : checks) {
        stopCheck(check);
    }
    // Completions of cancelled probes still run; wait for them (bounded, in case the io_context
    // is no longer being run).
    std::unique_lock lock(m_shared->mutex);
    m_shared->idle.wait_for(lock, std::chrono::seconds(5),
                            [this] { return m_shared->probesInFlight == 0; });
}

Status HealthScheduler::validate(const CheckDefinition &definition) {
    const CheckParams &params = definition.params;
    if (definition.id.empty()) {
        return invalidArgument("id: a check needs an id");
    }
    if (params.interval < milliseconds(10)) {
        return invalidArgument("interval: must be at least 10ms");
    }
    if (params.timeout <= milliseconds(0)) {
        return invalidArgument("timeout: must be positive");
    }
    if (params.rise == 0 || params.fall == 0) {
        return invalidArgument("rise and fall: must be at least 1");
    }
    if (params.jitter < milliseconds(0) || params.jitter > params.interval) {
        return invalidArgument("jitter: must be between 0 and the interval");
    }
    if (params.initialState != HealthState::Unknown &&
        params.initialState != HealthState::Passing &&
        params.initialState != HealthState::Critical &&
        params.initialState != HealthState::Warning) {
        return invalidArgument("initial_state: not a health state");
    }
    return Status::ok();
}

Status HealthScheduler::addCheck(CheckDefinition definition) {
    if (Status status = validate(definition); !status.isOk()) {
        return status;
    }
    auto strand = asio::make_strand(m_io);
    auto prober = m_probers.create(definition.probe, ProberContext{strand, m_clock});
    if (!prober) {
        return prober.status();
    }
    auto check = std::make_shared<Check>(std::move(definition), strand, std::move(*prober), m_clock,
                                         m_shared);
    {
        std::lock_guard lock(m_mutex);
        if (!m_checks.emplace(check->id, check).second) {
            return alreadyExists("check '" + check->id + "' already exists");
        }
    }
    asio::post(check->strand, [check] { check->schedule(check->jittered(milliseconds(0), true)); });
    return Status::ok();
}

Status HealthScheduler::removeCheck(const std::string &id) {
    CheckPtr check;
    {
        std::lock_guard lock(m_mutex);
        auto it = m_checks.find(id);
        if (it == m_checks.end()) {
            return notFound("check '" + id + "' not found");
        }
        check = std::move(it->second);
        m_checks.erase(it);
    }
    stopCheck(check);
    return Status::ok();
}

void HealthScheduler::stopCheck(const CheckPtr &check) {
    check->stopped = true;
    asio::post(check->strand, [check] {
        check->timer.cancel();
        check->prober->cancel();
    });
}

Status HealthScheduler::report(const std::string &id, const ProbeResult &result) {
    CheckPtr check;
    {
        std::lock_guard lock(m_mutex);
        auto it = m_checks.find(id);
        if (it == m_checks.end()) {
            return notFound("check '" + id + "' not found");
        }
        check = it->second;
    }
    if (Status accepted = check->prober->acceptReport(result); !accepted.isOk()) {
        return accepted;
    }
    asio::post(check->strand, [check, result] { check->onReport(result); });
    return Status::ok();
}

std::optional<CheckSnapshot> HealthScheduler::snapshot(const std::string &id) const {
    CheckPtr check;
    {
        std::lock_guard lock(m_mutex);
        auto it = m_checks.find(id);
        if (it == m_checks.end()) {
            return std::nullopt;
        }
        check = it->second;
    }
    std::lock_guard lock(check->mutex);
    const HealthStateMachine &machine = check->machine;
    return CheckSnapshot{check->id,
                         machine.state(),
                         machine.isFlapping(),
                         machine.reason(),
                         machine.lastOutput(),
                         machine.changedAt(),
                         {machine.history().begin(), machine.history().end()},
                         check->probeCount,
                         machine.consecutivePassing(),
                         machine.consecutiveFailing()};
}

std::size_t HealthScheduler::checkCount() const {
    std::lock_guard lock(m_mutex);
    return m_checks.size();
}

} // namespace aegis::health
