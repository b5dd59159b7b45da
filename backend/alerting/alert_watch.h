#pragma once

#include "alerting/alert_engine.h"
#include "store/watch_hub.h"

#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <vector>

namespace aegis::alerting {

// The meaning of store events under /alerting/alerts/: a put is CHANGED, a delete REMOVED (with
// the alert as it was last). Other keys and unreadable records are left out.
std::vector<AlertEvent> alertEvents(const std::vector<store::Event> &events);

// Decoded batches, shared by every watch that takes the same store events: each event is decoded
// once, not once per watch. Keeps the most recent batches only. Thread-safe.
class AlertEventCache {
public:
    using Events = std::shared_ptr<const std::vector<AlertEvent>>;
    Events get(const std::vector<store::Event> &events);

private:
    static constexpr std::size_t kCapacity = 256;
    using Key = std::tuple<store::Revision, store::Revision, std::size_t>;

    std::mutex m_mutex;
    std::map<Key, Events> m_entries;
    std::deque<Key> m_order;
};

// An AlertWatch over a WatchHub watcher of /alerting/alerts/, keeping the alerts its matchers
// select. Thread-safe.
class StoreAlertWatch final : public AlertWatch {
public:
    StoreAlertWatch(store::WatcherPtr watcher, MatcherSet matchers,
                    std::shared_ptr<AlertEventCache> cache);
    ~StoreAlertWatch() override;

    Batch take(std::size_t maxEvents) override;
    void cancel() override;

private:
    const store::WatcherPtr m_watcher;
    const MatcherSet m_matchers;
    const std::shared_ptr<AlertEventCache> m_cache;
};

} // namespace aegis::alerting
