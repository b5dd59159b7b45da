#pragma once

#include "common/status.h"

#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace aegis::cluster {

// The work that runs on the leader only (the rollout controller, alert evaluation, compaction,
// lease expiry, the managed Prometheus and Alertmanager): started in the order added when this
// replica gains leadership, stopped in reverse order when it loses it. The coordinator's
// leadershipChanged hook calls lead()/follow(). Thread-safe; lead() and follow() are idempotent
// and serialised, so a follow() racing a lead() stops exactly what was started.
class LeaderSingletons {
public:
    struct Singleton {
        std::string name;
        // Starts the work; an error is logged and the singleton counts as not running (its stop
        // is not called), the others start regardless.
        std::function<Status()> start;
        // Stops it and returns once it no longer acts. Must be bounded: it runs inside the
        // coordinator's fence budget.
        std::function<void()> stop;
    };

    // Before the first lead().
    void add(Singleton singleton);

    void lead();
    void follow();

    bool leading() const;
    // The names of the singletons running now, in start order.
    std::vector<std::string> running() const;

private:
    mutable std::mutex m_mutex;
    std::vector<Singleton> m_singletons;
    std::vector<bool> m_running;
    bool m_leading = false;
};

} // namespace aegis::cluster
