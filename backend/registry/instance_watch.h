#pragma once

#include "registry/registry_types.h"
#include "store/watch_hub.h"

#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace aegis::registry {

// Which instances a watch follows.
enum class InstanceView {
    // The instances discovery hands out: an instance becoming routable is ADDED, one ceasing to
    // be is REMOVED (reason "recovered", "panic", "critical" or "ejected").
    Routable,
    // Every instance, routable or not.
    All,
};

// Numeric values match aegis.v1.InstanceEventType.
enum class InstanceEventType { Added = 1, Modified = 2, Removed = 3 };

struct InstanceEvent {
    InstanceEventType type = InstanceEventType::Added;
    store::Revision revision = 0;
    // Why (the reason:: constants, or the routable view's reasons); never empty for REMOVED.
    std::string reason;
    // For REMOVED, the instance as it was last.
    Instance instance;
};

// The instance events of one batch of store events, in one view.
struct InstanceEventBatch {
    std::vector<InstanceEvent> events;
    // The revision of the last store event the batch covers (events may stop earlier): a watch
    // resumed from revision + 1 misses nothing.
    store::Revision revision = 0;
};
// Shared by every watch that takes the same store events in the same view.
using InstanceEventBatchPtr = std::shared_ptr<const InstanceEventBatch>;

// The meaning of store events under /registry/instances/ in `view`: what was added, modified or
// removed, and why. Events of other keys and unreadable records are left out. A removal without
// a transaction note gets `unnotedRemoval`: a deregistration, or where the store deletes the
// records of expired leases itself (etcd), lease_expired.
std::vector<InstanceEvent> instanceEvents(const std::vector<store::Event> &events,
                                          InstanceView view,
                                          std::string_view unnotedRemoval = reason::kDeregistered);
std::vector<InstanceEvent> instanceEvents(const std::vector<store::EventPtr> &events,
                                          InstanceView view,
                                          std::string_view unnotedRemoval = reason::kDeregistered);

// Decoded batches, shared by every watch of the same prefix and view: with thousands of watchers
// of one service, each store event is decoded once rather than once per watcher. Keeps the most
// recent batches only. Thread-safe.
class InstanceEventCache {
public:
    // `unnotedRemoval` as for instanceEvents().
    explicit InstanceEventCache(std::string_view unnotedRemoval = reason::kDeregistered)
        : m_unnotedRemoval(unnotedRemoval) {}

    InstanceEventBatchPtr get(const std::string &prefix, InstanceView view,
                              const std::vector<store::EventPtr> &events);

private:
    static constexpr std::size_t kCapacity = 256;
    // A watcher's batch is determined by its prefix, view and the revisions it spans.
    using Key =
        std::tuple<std::string, InstanceView, store::Revision, store::Revision, std::size_t>;
    // Looks a key up without copying the prefix (every watch of a change asks).
    using KeyView =
        std::tuple<std::string_view, InstanceView, store::Revision, store::Revision, std::size_t>;

    const std::string m_unnotedRemoval;
    std::mutex m_mutex;
    std::map<Key, InstanceEventBatchPtr, std::less<>> m_entries;
    std::deque<Key> m_order;
};

// One watch of instance events from a start revision, without loss or duplication: the store's
// events of its prefix (a WatchHub watcher), given their meaning by the registry. Created by
// Registry::watchInstances(); thread-safe.
class InstanceWatch {
public:
    struct Taken {
        // Null when nothing was pending; may hold no events when none concerns this view.
        InstanceEventBatchPtr batch;
        // Set when the watch has ended (batch is null then).
        Status ended;
    };

    InstanceWatch(store::WatcherPtr watcher, std::string prefix, InstanceView view,
                  std::shared_ptr<InstanceEventCache> cache);
    ~InstanceWatch();
    InstanceWatch(const InstanceWatch &) = delete;
    InstanceWatch &operator=(const InstanceWatch &) = delete;

    // Takes the events of up to `maxStoreEvents` store events (whole revisions, see
    // store::Watcher::take()). The notify callback given to watchInstances() runs when there is
    // more.
    Taken take(std::size_t maxStoreEvents);
    // Stops the watch; take() ends with CANCELLED afterwards. Idempotent.
    void cancel();
    // The revision of the next store event the watch will take.
    store::Revision nextRevision() const;

private:
    const store::WatcherPtr m_watcher;
    const std::string m_prefix;
    const InstanceView m_view;
    const std::shared_ptr<InstanceEventCache> m_cache;
};

using InstanceWatchPtr = std::shared_ptr<InstanceWatch>;

} // namespace aegis::registry
