#pragma once

#include "store/store.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace prometheus {
class Registry;
}

namespace aegis::store {

class WatchMetrics;

// An event as the hub holds it: one copy, shared by its ring and by every watcher's queue, so
// a large value delivered to thousands of watchers is in memory once.
using EventPtr = std::shared_ptr<const Event>;

class WatchHub;
struct WatchHubOptions;

// One client's view of the event stream: events of one key prefix in revision order, from a
// start revision, without loss or duplication. Created by WatchHub::watch(); thread-safe.
//
// A watcher starts by reading history from the store ("catching up") and then receives events
// live from the hub. Its live queue is bounded in events and in bytes: a watcher that lets it
// overflow is cut off with RESOURCE_EXHAUSTED, so a slow consumer never slows the others or grows
// memory without bound; it may watch again from nextRevision(). The queue holds the hub's shared
// events (EventPtr): the bound counts each event's whole size against every watcher that holds
// it, while the memory is the event's once. The queue is released when the watcher is cut off,
// cancelled or ended.
class Watcher : public std::enable_shared_from_this<Watcher> {
public:
    struct Batch {
        std::vector<Event> events;
        // Set when the watch has ended; `events` is empty then.
        Status ended;
    };
    // A batch of the hub's own events, shared with every other watcher that takes them.
    struct SharedBatch {
        std::vector<EventPtr> events;
        Status ended;
        // The live queue was left empty: the notify callback runs before there is anything more
        // to take, so the consumer need not ask again until then.
        bool drained = false;
    };

    // Takes up to `maxEvents` events (whole revisions are never split unless one revision alone
    // exceeds the limit). An empty batch with an OK status means "nothing yet": the notify callback
    // will run when there is more.
    Batch take(std::size_t maxEvents);
    // take() without copying the events.
    SharedBatch takeShared(std::size_t maxEvents);
    // Stops the watch; take() returns CANCELLED afterwards. Idempotent.
    void cancel();
    // The revision of the next event this watcher will deliver.
    Revision nextRevision() const;
    // Events delivered to this watcher and not yet taken, and their size (eventBytes()); never
    // more than the hub's watcherQueueLimit and watcherQueueBytes, since a watcher that would
    // exceed either is cut off.
    std::size_t pendingEvents() const;
    std::size_t pendingBytes() const;

    Watcher(WatchHub &hub, std::string prefix, Revision next, std::function<void()> notify);
    ~Watcher();
    Watcher(const Watcher &) = delete;
    Watcher &operator=(const Watcher &) = delete;

private:
    friend class WatchHub;
    struct Delivery {
        // The consumer should be notified.
        bool notify = false;
        // The watch has ended (cut off now or before): it leaves live delivery.
        bool ended = false;
    };
    // Called by the hub under its lock. `events` all match this watcher's prefix.
    Delivery deliver(std::span<const EventPtr> events, const WatchHubOptions &limits);
    // Called by the hub under its lock; returns true when the consumer should be notified.
    bool end(Status status);
    // Under m_mutex: ends the watch with `status` and frees the queue's memory.
    void endLocked(Status status);
    // Under m_mutex: empties the queue, freeing its memory.
    void dropQueueLocked();
    bool matches(const Event &event) const;

    WatchHub &m_hub;
    // Which notifier thread runs m_notify: always the same one, so it never runs concurrently
    // with itself.
    std::size_t m_notifierIndex = 0;
    const std::string m_prefix;

    // What a publish and a take touch, in two cache lines: with thousands of watchers of a
    // change, each line of a watcher is a memory access per watcher. The queue is a vector that
    // keeps a small buffer between takes; a backlog's larger one leaves with the take of it.
    alignas(64) mutable std::mutex m_mutex;
    std::vector<EventPtr> m_queue;
    std::size_t m_queueBytes = 0;
    Revision m_next;
    bool m_live = false;
    Status m_ended;

    const std::function<void()> m_notify;
    // Where this watcher is in its prefix's live group (WatchHub::m_liveByPrefix), while live.
    std::size_t m_groupSlot = 0;
};

using WatcherPtr = std::shared_ptr<Watcher>;

struct WatchHubOptions {
    // Recent events kept in memory, so most new watchers need no store read.
    std::size_t ringCapacity = 16384;
    // Events queued for one live watcher before it is cut off.
    std::size_t watcherQueueLimit = 8192;
    // Threads that wake watchers (each watcher always on the same one).
    std::size_t notifierThreads = 2;
    // Bytes (eventBytes()) queued for one live watcher before it is cut off: large values fill
    // memory long before watcherQueueLimit events.
    std::size_t watcherQueueBytes = 8 * 1024 * 1024;
    // Bytes the ring keeps at most (whole revisions are dropped from its old end).
    std::size_t ringBytes = 64 * 1024 * 1024;
};

// The memory an event takes in a queue: its strings and the event itself.
std::size_t eventBytes(const Event &event);

// Runs `work` on this thread once every notify callback of the notifier's current round (the
// wake-ups it took in one go) has returned, when called from one of them; at once otherwise. A
// consumer woken for many watchers, such as a stream carrying many watches, then does its costly
// part (a write) once per round instead of once per watcher.
void afterNotifications(std::function<void()> work);

// While one lives on a thread, every watcher a hub creates there is notified by the same notifier
// thread, chosen by `group`, instead of the next one in turn. A consumer of many watches, such as
// a stream carrying many, opens them within one of its own: the wake-ups of a round then all come
// from one thread, so it flushes (writes) once per round, and notifier threads do not queue on
// its lock.
class NotifierAffinity {
public:
    explicit NotifierAffinity(std::size_t group);
    ~NotifierAffinity();
    NotifierAffinity(const NotifierAffinity &) = delete;
    NotifierAffinity &operator=(const NotifierAffinity &) = delete;

private:
    std::optional<std::size_t> m_previous;
};

// Fans the store's committed events out to any number of watchers, in revision order. Register it
// with the store's event stream with attach(). Watchers must not outlive their hub.
class WatchHub {
public:
    WatchHub(Store &store, WatchHubOptions options = {});
    // Stops listening to the store if attach() was called.
    ~WatchHub();

    // Subscribes this hub to every event of the store. Revisions committed between the hub's
    // construction and attach() are read from the store by the watchers that need them.
    void attach();

    // Watches keys under `prefix` from `startRevision` (0: from the next revision). Fails with
    // OUT_OF_RANGE when startRevision is compacted, UNAVAILABLE after shutdown(). `notify` is
    // called without locks held whenever take() has something new: on the hub's notifier thread
    // (never on the committing thread), or on the thread calling shutdown().
    StatusOr<WatcherPtr> watch(std::string prefix, Revision startRevision,
                               std::function<void()> notify);

    // Ends every watcher with `status` and refuses new ones.
    void shutdown(Status status);

    std::size_t watcherCount() const;
    const WatchHubOptions &options() const { return m_options; }
    // Registers the hub's metrics (store_metrics.h) in `registry`. Call once, before the first
    // watch.
    void exportMetrics(prometheus::Registry &registry);
    // Wake-ups handed to the notifier threads and not yet run (0: every watcher has been told
    // about everything published so far).
    std::size_t notificationsInFlight() const { return m_inFlight.load(); }

    // The store listener entry point; public for tests that drive the hub directly.
    void publish(const std::vector<Event> &events);

    // A watch stream's write of everything up to `revision` completed: observes the time since
    // that revision reached the hub (aegis_watch_delivery_seconds), if the hub still knows it,
    // once for each of the write's `messages` messages that carried it. Any thread.
    void noteDelivered(Revision revision, std::size_t messages = 1) const;

private:
    friend class Watcher;
    // Under the hub lock: moves a catching-up watcher to live delivery when the ring covers it.
    bool tryGoLive(Watcher &watcher);
    // Under the hub lock: empties the ring, which then holds every event from `from` on, and
    // sends every live watcher back to catching up from the store (adding it to `toNotify`).
    void restartRingLocked(Revision from, std::vector<WatcherPtr> &toNotify);
    // Under the hub lock: removes a watcher from live delivery (no-op when it is not live).
    void removeLiveLocked(Watcher &watcher);
    void unregister(Watcher *watcher);
    Revision lastPublished() const;
    // Counts events a watcher's take() hands out.
    void countSent(std::size_t events) const;
    // Counts memory freed by dropping queued events (any thread, locks held or not).
    void noteReleased(std::size_t bytes) { m_releasedBytes += bytes; }
    // Once a lot has been freed, hands it back to the operating system: the allocator otherwise
    // keeps it cached, and a burst of slow watchers would leave the daemon's memory at its peak.
    // Call without locks held.
    void trimIfDue();

    struct Notifier;
    void notifyLoop(Notifier &notifier);
    void enqueueNotifications(std::vector<WatcherPtr> watchers);

    Store &m_store;
    const WatchHubOptions m_options;

    std::shared_ptr<WatchMetrics> m_metrics; // Null until exportMetrics().

    mutable std::mutex m_mutex;
    std::deque<EventPtr> m_ring;
    std::size_t m_ringBytes = 0;
    // Every event with revision >= m_ringFrom is in m_ring.
    Revision m_ringFrom;
    Revision m_lastPublished;
    // Watchers register themselves while they exist; live ones receive published events, found
    // by their prefix, so a change touches only the watchers it concerns. A group is a vector
    // (each watcher knows its slot): a publish walks it in order and reads ahead.
    std::unordered_set<Watcher *> m_all;
    struct PrefixHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const {
            return std::hash<std::string_view>{}(text);
        }
    };
    using LiveGroups =
        std::unordered_map<std::string, std::vector<Watcher *>, PrefixHash, std::equal_to<>>;
    LiveGroups m_liveByPrefix;
    // How many of m_liveByPrefix's prefixes have each length. An event's key is looked up by its
    // own prefixes of these lengths: with a watch per config item there are thousands of
    // prefixes but a few dozen lengths.
    std::map<std::size_t, std::size_t> m_prefixLengths;
    void addLiveLocked(Watcher &watcher);
    // Removes the watcher in `slot` of `watchers` (the last one takes its slot).
    static void eraseFromGroup(std::vector<Watcher *> &watchers, std::size_t slot);
    void eraseGroupLocked(LiveGroups::iterator group);
    void clearLiveLocked();
    bool m_shutdown = false;
    Status m_shutdownStatus;
    // Declared last: destroyed first, so no publish() runs into a half-destroyed hub.
    EventSubscription m_subscription;

    // Watchers to notify, handed from publish() to the notifier threads: with thousands of
    // watchers of one key, their wake-ups (each a conversion and a gRPC write) are the cost of a
    // change, and they share it.
    struct Notifier {
        std::mutex mutex;
        std::condition_variable wake;
        std::vector<WatcherPtr> queue;
        bool stop = false;
        std::thread thread;
    };
    std::size_t m_nextNotifier = 0; // guarded by m_mutex
    std::atomic<std::size_t> m_inFlight{0};
    // When recent publishes reached the hub, by the last revision of each, for noteDelivered().
    mutable std::mutex m_publishedAtMutex;
    std::deque<std::pair<Revision, std::chrono::steady_clock::time_point>> m_publishedAt;
    // Freed since the allocator was last asked to return memory.
    std::atomic<std::size_t> m_releasedBytes{0};
    std::vector<std::unique_ptr<Notifier>> m_notifiers; // last: started once all above exists
};

} // namespace aegis::store
