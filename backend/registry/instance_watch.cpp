#include "registry/instance_watch.h"

#include "registry/records.h"

#include <optional>

namespace aegis::registry {

namespace {

// The meaning of one store event in `view`; nullopt when it has none there.
std::optional<InstanceEvent> instanceEvent(const store::Event &event, InstanceView view,
                                           std::string_view unnotedRemoval) {
    auto instance = decodeInstance(event.kv);
    if (!instance) {
        return std::nullopt;
    }
    InstanceEvent next;
    next.revision = event.revision;
    next.reason = event.note;
    if (event.type == store::EventType::Delete) {
        if (view == InstanceView::Routable && !instance->routable) {
            return std::nullopt; // already out of this view
        }
        next.type = InstanceEventType::Removed;
        if (next.reason.empty()) {
            next.reason = std::string(unnotedRemoval);
        }
    } else if (event.kv.version == 1) {
        if (view == InstanceView::Routable && !instance->routable) {
            return std::nullopt;
        }
        next.type = InstanceEventType::Added;
    } else if (view == InstanceView::All) {
        next.type = InstanceEventType::Modified;
    } else if (instance->routableChanged) {
        if (instance->routable) {
            next.type = InstanceEventType::Added;
            next.reason = instance->health.isUnhealthy() ? "panic" : "recovered";
        } else {
            next.type = InstanceEventType::Removed;
            next.reason = instance->health.ejected ? "ejected" : "critical";
        }
    } else if (!instance->routable) {
        return std::nullopt;
    } else {
        next.type = InstanceEventType::Modified;
    }
    next.instance = std::move(*instance);
    return next;
}

} // namespace

std::vector<InstanceEvent> instanceEvents(const std::vector<store::Event> &events,
                                          InstanceView view, std::string_view unnotedRemoval) {
    std::vector<InstanceEvent> out;
    out.reserve(events.size());
    for (const store::Event &event : events) {
        if (auto next = instanceEvent(event, view, unnotedRemoval)) {
            out.push_back(std::move(*next));
        }
    }
    return out;
}

std::vector<InstanceEvent> instanceEvents(const std::vector<store::EventPtr> &events,
                                          InstanceView view, std::string_view unnotedRemoval) {
    std::vector<InstanceEvent> out;
    out.reserve(events.size());
    for (const store::EventPtr &event : events) {
        if (auto next = instanceEvent(*event, view, unnotedRemoval)) {
            out.push_back(std::move(*next));
        }
    }
    return out;
}

InstanceEventBatchPtr InstanceEventCache::get(const std::string &prefix, InstanceView view,
                                              const std::vector<store::EventPtr> &events) {
    const KeyView wanted{prefix, view, events.front()->revision, events.back()->revision,
                         events.size()};
    {
        std::lock_guard lock(m_mutex);
        if (const auto it = m_entries.find(wanted); it != m_entries.end()) {
            return it->second;
        }
    }
    const Key key{prefix, view, events.front()->revision, events.back()->revision, events.size()};
    auto batch = std::make_shared<InstanceEventBatch>();
    batch->events = instanceEvents(events, view, m_unnotedRemoval);
    batch->revision = events.back()->revision;
    std::lock_guard lock(m_mutex);
    // A batch decoded meanwhile by another watch wins, so every watch shares one.
    const auto [it, inserted] = m_entries.emplace(key, std::move(batch));
    if (inserted) {
        m_order.push_back(key);
        if (m_order.size() > kCapacity) {
            m_entries.erase(m_order.front());
            m_order.pop_front();
        }
    }
    return it->second;
}

InstanceWatch::InstanceWatch(store::WatcherPtr watcher, std::string prefix, InstanceView view,
                             std::shared_ptr<InstanceEventCache> cache)
    : m_watcher(std::move(watcher))
    , m_prefix(std::move(prefix))
    , m_view(view)
    , m_cache(std::move(cache)) {}

InstanceWatch::~InstanceWatch() {
    m_watcher->cancel();
}

InstanceWatch::Taken InstanceWatch::take(std::size_t maxStoreEvents) {
    auto batch = m_watcher->takeShared(maxStoreEvents);
    if (!batch.ended.isOk()) {
        return {nullptr, batch.ended};
    }
    if (batch.events.empty()) {
        return {};
    }
    return {m_cache->get(m_prefix, m_view, batch.events), Status::ok()};
}

void InstanceWatch::cancel() {
    m_watcher->cancel();
}

store::Revision InstanceWatch::nextRevision() const {
    return m_watcher->nextRevision();
}

} // namespace aegis::registry
