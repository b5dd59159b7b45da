#pragma once

#include "common/label_selector.h"
#include "common/status.h"
#include "config/config_center.h"
#include "store/watch_hub.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace aegis::config {

// One change a watcher acts on, decided for that watcher: for a Put, which content it should use
// (the gray version when the item's gray release targets it, else the published one).
struct ConfigEvent {
    // Numeric values match aegis.v1.ConfigEventType.
    enum class Type { Put = 1, Delete = 2 };
    Type type = Type::Put;
    ItemRef ref;
    store::Revision revision = 0;
    // For a Put: the item as stored at `revision` (shared by every watcher of the change), and
    // whether this watcher gets its gray release.
    std::shared_ptr<const Item> item;
    bool gray = false;

    const std::string &content() const { return gray ? item->gray->content : item->content; }
    std::int64_t version() const { return versionOf(*item, gray); }
    const std::string &sha256() const { return gray ? item->gray->sha256 : item->sha256; }

    // The version a watcher has of `item`: its gray release's when it gets the gray release.
    static std::int64_t versionOf(const Item &item, bool gray) {
        return gray ? item.gray->version : item.version;
    }
};

// What to watch, and who watches (declared in config_center.h).
struct ConfigWatchRequest {
    // A namespace; with a group, only that group; with a key too, only that item.
    ItemRef scope;
    // The watching instance (both or neither). Gray releases are resolved for it, and it hears of
    // an item only when the version it should use changes: a gray release starting or ending
    // elsewhere changes the item's record, not what this instance uses. A watcher without an
    // instance (a console, a tool) gets the published content and every change of the record.
    std::string service;
    std::string instanceId;
    // The instance's labels; asked only when a gray release with a selector needs them (with
    // thousands of watchers, every lookup is paid thousands of times). Null means none.
    std::function<std::shared_ptr<const Labels>()> labels;
    // A number that changes whenever labels() could return something else. With it, a watcher
    // decides a selector once and keeps the answer until the selector or the number changes (a
    // fleet's gray releases mostly reuse a selector); null: decided at every change.
    std::function<std::uint64_t()> labelsGeneration;
    // 0: from now, with a snapshot() of the current items.
    store::Revision startRevision = 0;
};

// One watcher's view of the configuration: ConfigEvents in revision order from a start revision,
// fed by a WatchHub watcher of the item records (bounded queue, cut off when too slow, resumable
// from nextRevision()). Created by ConfigCenter::watch(); take() and snapshot() are called by one
// consumer at a time, cancel() and nextRevision() from any thread.
class ItemWatcher {
public:
    struct Batch {
        std::vector<ConfigEvent> events;
        // The last store revision the batch covers (events of other items included).
        store::Revision revision = 0;
        // Set when the watch has ended; `events` is empty then.
        Status ended;
        // Nothing is left to take: the notify callback runs before there is more.
        bool drained = false;
    };

    ItemWatcher(const ConfigCenter &center, ConfigWatchRequest request, store::WatcherPtr events);
    ~ItemWatcher();
    ItemWatcher(const ItemWatcher &) = delete;
    ItemWatcher &operator=(const ItemWatcher &) = delete;

    // The items as of the watch's start (nextRevision() - 1 when called first), for a watch from
    // now; nullopt for a watch from a revision, or when the store cannot be read.
    std::optional<std::vector<ConfigEvent>> snapshot();
    // Up to `maxEvents` store events turned into what this watcher should hear of. An empty batch
    // with an OK status means "nothing yet": the notify callback runs when there is more.
    Batch take(std::size_t maxEvents);
    void cancel() { m_events->cancel(); }
    store::Revision nextRevision() const { return m_events->nextRevision(); }

private:
    // The event for `item` at `revision`, or nullopt when this watcher already has its version.
    std::optional<ConfigEvent> putFor(const std::shared_ptr<const Item> &item,
                                      const std::string &key, store::Revision revision,
                                      std::shared_ptr<const Labels> &labels);

    // Whether the instance's labels match a selector, as decided at a labels generation.
    struct SelectorDecision {
        std::string selector;
        std::uint64_t generation = 0;
        bool matches = false;
    };
    // Whether the item's gray release targets this watcher.
    bool targets(const Item &item, std::shared_ptr<const Labels> &labels);

    // What every change reads comes first: with thousands of watchers of a change, each cache
    // line of a watcher is a memory access per watcher.
    const ConfigCenter &m_center;
    store::WatcherPtr m_events;
    // Empty, or the one key watched.
    const std::string m_exactKey;
    // The version last sent per item (by its store key), for an identified watcher; of the one
    // item in m_sentExact when the watch names one (a fleet's instances watch their own items:
    // no lookup on a line nobody else touches).
    std::optional<std::int64_t> m_sentExact;
    std::optional<SelectorDecision> m_selectorDecision;
    // Counts this watch open while it exists; null when the center exports no metrics.
    const std::shared_ptr<ConfigMetrics> m_metrics;
    const ConfigWatchRequest m_request;
    std::unordered_map<std::string, std::optional<std::int64_t>> m_sent;
};

using ItemWatcherPtr = std::shared_ptr<ItemWatcher>;

} // namespace aegis::config
