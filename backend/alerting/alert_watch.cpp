#include "alerting/alert_watch.h"

#include "alerting/alert_records.h"

namespace aegis::alerting {

std::vector<AlertEvent> alertEvents(const std::vector<store::Event> &events) {
    std::vector<AlertEvent> out;
    out.reserve(events.size());
    for (const store::Event &event : events) {
        auto alert = decodeAlert(event.kv);
        if (!alert) {
            continue;
        }
        out.push_back({event.type == store::EventType::Delete ? AlertEventType::Removed
                                                              : AlertEventType::Changed,
                       std::move(*alert)});
    }
    return out;
}

AlertEventCache::Events AlertEventCache::get(const std::vector<store::Event> &events) {
    const Key key{events.front().revision, events.back().revision, events.size()};
    {
        std::lock_guard lock(m_mutex);
        if (const auto it = m_entries.find(key); it != m_entries.end()) {
            return it->second;
        }
    }
    Events decoded = std::make_shared<const std::vector<AlertEvent>>(alertEvents(events));
    std::lock_guard lock(m_mutex);
    // A batch decoded meanwhile by another watch wins, so every watch shares one.
    const auto [it, inserted] = m_entries.emplace(key, std::move(decoded));
    if (inserted) {
        m_order.push_back(key);
        if (m_order.size() > kCapacity) {
            m_entries.erase(m_order.front());
            m_order.pop_front();
        }
    }
    return it->second;
}

StoreAlertWatch::StoreAlertWatch(store::WatcherPtr watcher, MatcherSet matchers,
                                 std::shared_ptr<AlertEventCache> cache)
    : m_watcher(std::move(watcher))
    , m_matchers(std::move(matchers))
    , m_cache(std::move(cache)) {}

StoreAlertWatch::~StoreAlertWatch() {
    m_watcher->cancel();
}

AlertWatch::Batch StoreAlertWatch::take(std::size_t maxEvents) {
    auto taken = m_watcher->take(maxEvents);
    Batch batch;
    if (!taken.ended.isOk()) {
        batch.ended = taken.ended;
        return batch;
    }
    if (taken.events.empty()) {
        return batch;
    }
    batch.revision = taken.events.back().revision;
    for (const AlertEvent &event : *m_cache->get(taken.events)) {
        if (m_matchers.matches(event.alert.labels)) {
            batch.events.push_back(event);
        }
    }
    return batch;
}

void StoreAlertWatch::cancel() {
    m_watcher->cancel();
}

} // namespace aegis::alerting
