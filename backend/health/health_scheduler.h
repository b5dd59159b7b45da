#pragma once

#include "common/clock.h"
#include "common/status.h"
#include "health/health_state_machine.h"
#include "health/prober.h"

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace aegis::health {

// One active check: what to probe and how often.
struct CheckDefinition {
    // Unique within the scheduler, e.g. "<service>/<instance>".
    std::string id;
    ProbeSpec probe;
    CheckParams params;
    // Chosen by the owner and passed back with every callback, so it can tell a replaced check's
    // late result from the current one's.
    std::uint64_t generation = 0;
};

// A copy of one check's state, safe to keep.
struct CheckSnapshot {
    std::string id;
    HealthState state = HealthState::Unknown;
    bool flapping = false;
    std::string reason;
    std::string lastOutput;
    std::chrono::system_clock::time_point changedAt;
    std::vector<Transition> history;
    // Probe results seen since the check was added.
    std::uint64_t probeCount = 0;
    unsigned consecutivePassing = 0;
    unsigned consecutiveFailing = 0;
};

struct HealthSchedulerOptions {
    // Seeds the jitter of every check (mixed with its id), so tests can repeat a schedule.
    std::uint64_t jitterSeed = 0;
    // Called on the check's strand (an io thread) with each announced event, its `generation`
    // set from the check's definition. Must return quickly.
    std::function<void(const std::string &checkId, const HealthEvent &event)> onEvent;
    // Called on the check's strand after each active probe with the probe's kind, its result and
    // how long it took. Must return quickly.
    std::function<void(const std::string &kind, const ProbeResult &result,
                       std::chrono::steady_clock::duration elapsed)>
        onProbed;
    // Called once each time a check has been critical for its deregisterAfter.
    std::function<void(const std::string &checkId, std::uint64_t generation)> onDeregisterDue;
};

// Runs checks on a shared io_context, which the owner runs on its thread pool: one strand and one
// timer per check, no thread per check. Each probe's result feeds the check's HealthStateMachine;
// the first probe comes after a random share of the jitter, each next one `interval` ± jitter
// after the previous one started (never two at once for a check). Thread-safe. Destroy it from a
// thread that is not running the io_context, before the io_context: it waits for probes in flight.
class HealthScheduler {
public:
    HealthScheduler(boost::asio::io_context &io, const ProberRegistry &probers, ClockPtr clock,
                    HealthSchedulerOptions options);
    ~HealthScheduler();
    HealthScheduler(const HealthScheduler &) = delete;
    HealthScheduler &operator=(const HealthScheduler &) = delete;

    // InvalidArgument for bad parameters or probe options, AlreadyExists for a taken id.
    Status addCheck(CheckDefinition definition);
    // NotFound when absent. A probe in flight completes unseen.
    Status removeCheck(const std::string &id);
    // Passes a status the instance reports about itself to a report-driven check (ttl).
    Status report(const std::string &id, const ProbeResult &result);

    std::optional<CheckSnapshot> snapshot(const std::string &id) const;
    std::size_t checkCount() const;

private:
    struct Shared;
    struct Check;
    using CheckPtr = std::shared_ptr<Check>;

    static Status validate(const CheckDefinition &definition);
    void stopCheck(const CheckPtr &check);

    boost::asio::io_context &m_io;   // Not owned.
    const ProberRegistry &m_probers; // Not owned.
    ClockPtr m_clock;
    std::shared_ptr<Shared> m_shared;
    mutable std::mutex m_mutex;
    std::map<std::string, CheckPtr, std::less<>> m_checks;
};

} // namespace aegis::health
