#pragma once

#include "rollout/rollout.h"
#include "store/watch_hub.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace aegis::rollout {

// One change under /rollouts/, decoded: exactly one of rollout, release and logLine is set.
struct RolloutEvent {
    store::Revision revision = 0;
    std::optional<Rollout> rollout;
    std::optional<Release> release;
    std::optional<LogLine> logLine;
};

// Rollouts, releases and log lines as they change, for one service or all, from a revision: the
// store's WatchHub watcher of /rollouts/ with its records decoded and filtered here, so readers
// never see keys. Thread-safe like the watcher it wraps.
class RolloutWatch {
public:
    struct Batch {
        std::vector<RolloutEvent> events;
        // Set when the watch has ended (the watcher's status); `events` is empty then.
        Status ended;
    };

    // Watches `service` (empty: every service) from `startRevision` (0: from the next one).
    // OUT_OF_RANGE when startRevision is compacted; `notify` as for WatchHub::watch().
    static StatusOr<std::shared_ptr<RolloutWatch>> open(store::WatchHub &hub, std::string service,
                                                        store::Revision startRevision,
                                                        std::function<void()> notify);

    // Up to `maxEvents` events; an empty batch with an OK status means "nothing yet" (notify runs
    // when there is more). Records of other services, deletions and unreadable records are
    // skipped.
    Batch take(std::size_t maxEvents);
    void cancel();
    store::Revision nextRevision() const;

    RolloutWatch(store::WatcherPtr watcher, std::string service);

private:
    store::WatcherPtr m_watcher;
    const std::string m_service;
};

// The service a /rollouts/ key belongs to ("" for a key outside the layout).
std::string serviceOfKey(const std::string &key);

} // namespace aegis::rollout
