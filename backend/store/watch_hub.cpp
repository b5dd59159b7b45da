#include "store/watch_hub.h"

#include "store/store_metrics.h"

#include <algorithm>
#include <iterator>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace aegis::store {
namespace {

// Freed queue memory beyond which the allocator is asked to return it to the system.
constexpr std::size_t kTrimThreshold = 4 * 1024 * 1024;
// Publishes whose time the hub remembers for noteDelivered().
constexpr std::size_t kPublishTimes = 4096;
// Events a watcher's queue keeps room for between takes, so a publish does not allocate for it
// under the hub's lock.
constexpr std::size_t kQueueCapacityKept = 16;

// The work afterNotifications() deferred on this notifier thread (null on other threads).
thread_local std::vector<std::function<void()>> *t_afterRound = nullptr;
// The group of the innermost NotifierAffinity on this thread.
thread_local std::optional<std::size_t> t_notifierGroup;

} // namespace

NotifierAffinity::NotifierAffinity(std::size_t group)
    : m_previous(t_notifierGroup) {
    t_notifierGroup = group;
}

NotifierAffinity::~NotifierAffinity() {
    t_notifierGroup = m_previous;
}

void afterNotifications(std::function<void()> work) {
    if (t_afterRound != nullptr) {
        t_afterRound->push_back(std::move(work));
    } else {
        work();
    }
}

std::size_t eventBytes(const Event &event) {
    return sizeof(Event) + event.kv.key.size() + event.kv.value.size() + event.note.size();
}

Watcher::Watcher(WatchHub &hub, std::string prefix, Revision next, std::function<void()> notify)
    : m_hub(hub)
    , m_prefix(std::move(prefix))
    , m_next(next)
    , m_notify(std::move(notify)) {}

Watcher::~Watcher() {
    m_hub.unregister(this);
    {
        std::lock_guard lock(m_mutex);
        dropQueueLocked();
    }
    m_hub.trimIfDue();
}

void Watcher::dropQueueLocked() {
    std::vector<EventPtr>().swap(m_queue);
    m_hub.noteReleased(m_queueBytes);
    m_queueBytes = 0;
}

void Watcher::endLocked(Status status) {
    m_ended = std::move(status);
    dropQueueLocked();
}

bool Watcher::matches(const Event &event) const {
    return event.kv.key.compare(0, m_prefix.size(), m_prefix) == 0;
}

Revision Watcher::nextRevision() const {
    std::lock_guard lock(m_mutex);
    return m_next;
}

std::size_t Watcher::pendingEvents() const {
    std::lock_guard lock(m_mutex);
    return m_queue.size();
}

std::size_t Watcher::pendingBytes() const {
    std::lock_guard lock(m_mutex);
    return m_queueBytes;
}

void Watcher::cancel() {
    {
        std::lock_guard hubLock(m_hub.m_mutex);
        m_hub.removeLiveLocked(*this);
        std::lock_guard lock(m_mutex);
        if (m_ended.isOk()) {
            endLocked(Status(StatusCode::Cancelled, "the watch was cancelled"));
        }
    }
    m_hub.trimIfDue();
}

Watcher::Delivery Watcher::deliver(std::span<const EventPtr> events,
                                   const WatchHubOptions &limits) {
    std::lock_guard lock(m_mutex);
    if (!m_ended.isOk()) {
        return {false, true};
    }
    const bool wasEmpty = m_queue.empty();
    bool added = false;
    for (const EventPtr &event : events) {
        if (event->revision >= m_next) {
            m_queue.push_back(event);
            m_queueBytes += eventBytes(*event);
            added = true;
        }
    }
    if (m_queue.size() > limits.watcherQueueLimit || m_queueBytes > limits.watcherQueueBytes) {
        const Revision resumeFrom = m_queue.front()->revision;
        if (m_hub.m_metrics) { // the hub's lock is held: publish() delivers
            m_hub.m_metrics->cutOff();
        }
        endLocked(Status(
            StatusCode::ResourceExhausted,
            "the watcher fell behind (more than " + std::to_string(limits.watcherQueueLimit) +
                " events or " + std::to_string(limits.watcherQueueBytes) +
                " bytes pending); watch again from revision " + std::to_string(resumeFrom)));
        return {true, true};
    }
    return {added && wasEmpty, false};
}

bool Watcher::end(Status status) {
    std::lock_guard lock(m_mutex);
    if (!m_ended.isOk()) {
        return false;
    }
    endLocked(std::move(status));
    return true;
}

Watcher::Batch Watcher::take(std::size_t maxEvents) {
    SharedBatch shared = takeShared(maxEvents);
    Batch batch;
    batch.ended = std::move(shared.ended);
    batch.events.reserve(shared.events.size());
    for (const EventPtr &event : shared.events) {
        batch.events.push_back(*event);
    }
    return batch;
}

Watcher::SharedBatch Watcher::takeShared(std::size_t maxEvents) {
    maxEvents = std::max<std::size_t>(maxEvents, 1);
    for (;;) {
        Revision from;
        {
            std::lock_guard lock(m_mutex);
            if (!m_ended.isOk()) {
                return {{}, m_ended};
            }
            if (m_live) {
                SharedBatch batch;
                std::size_t count = std::min(m_queue.size(), maxEvents);
                // Finish the revision we are in, so a batch never ends inside a transaction.
                while (count > 0 && count < m_queue.size() &&
                       m_queue[count]->revision == m_queue[count - 1]->revision) {
                    ++count;
                }
                if (count == m_queue.size() && m_queue.capacity() > kQueueCapacityKept) {
                    batch.events.swap(m_queue); // a backlog's buffer leaves with it
                } else {
                    const auto end = m_queue.begin() + static_cast<std::ptrdiff_t>(count);
                    batch.events.assign(std::make_move_iterator(m_queue.begin()),
                                        std::make_move_iterator(end));
                    m_queue.erase(m_queue.begin(), end);
                }
                for (const EventPtr &event : batch.events) {
                    m_queueBytes -= std::min(m_queueBytes, eventBytes(*event));
                }
                if (!batch.events.empty()) {
                    m_next = batch.events.back()->revision + 1;
                }
                // deliver() notifies when it adds to an empty queue.
                batch.drained = m_queue.empty();
                m_hub.countSent(batch.events.size());
                return batch;
            }
            from = m_next;
        }

        // Catching up: go live when the hub's memory covers us, else read a window from the store.
        if (m_hub.tryGoLive(*this)) {
            continue;
        }
        const Revision to = m_hub.lastPublished();
        auto events = m_hub.m_store.events(from, to, m_prefix, maxEvents + 1);
        Revision readThrough = to;
        if (events && events->size() > maxEvents) {
            // Keep whole revisions only; a single revision larger than the limit is read whole.
            const Revision last = events->back().revision;
            if (events->front().revision == last) {
                events = m_hub.m_store.events(last, last, m_prefix, 0);
            } else {
                while (events->back().revision == last) {
                    events->pop_back();
                }
            }
            readThrough = events ? events->back().revision : to;
        }
        std::lock_guard lock(m_mutex);
        if (!m_ended.isOk()) {
            return {{}, m_ended};
        }
        if (!events) {
            m_ended = events.status();
            return {{}, m_ended};
        }
        m_next = readThrough + 1;
        if (!events->empty()) {
            m_hub.countSent(events->size());
            SharedBatch batch;
            batch.events.reserve(events->size());
            for (Event &event : *events) {
                batch.events.push_back(std::make_shared<const Event>(std::move(event)));
            }
            return batch;
        }
    }
}

WatchHub::WatchHub(Store &store, WatchHubOptions options)
    : m_store(store)
    , m_options(options)
    , m_ringFrom(store.currentRevision() + 1)
    , m_lastPublished(store.currentRevision()) {
    const std::size_t threads = std::max<std::size_t>(1, m_options.notifierThreads);
    for (std::size_t i = 0; i < threads; ++i) {
        m_notifiers.push_back(std::make_unique<Notifier>());
    }
    for (auto &notifier : m_notifiers) {
        notifier->thread = std::thread([this, n = notifier.get()] { notifyLoop(*n); });
    }
}

void WatchHub::notifyLoop(Notifier &notifier) {
    std::vector<WatcherPtr> batch;
    std::vector<std::function<void()>> afterRound;
    std::vector<std::function<void()>> running;
    t_afterRound = &afterRound;
    for (;;) {
        {
            std::unique_lock lock(notifier.mutex);
            notifier.wake.wait(lock, [&] { return notifier.stop || !notifier.queue.empty(); });
            if (notifier.queue.empty()) {
                return;
            }
            batch.swap(notifier.queue);
        }
        // The callbacks a few places ahead are fetched from memory while this one runs.
        constexpr std::size_t kReadAhead = 4;
        for (std::size_t i = 0; i < batch.size(); ++i) {
            if (i + kReadAhead < batch.size()) {
                __builtin_prefetch(&batch[i + kReadAhead]->m_notify);
            }
            batch[i]->m_notify();
        }
        // Deferred work may defer more; it all runs before the round counts as done.
        while (!afterRound.empty()) {
            running.swap(afterRound);
            for (auto &work : running) {
                work();
            }
            running.clear();
        }
        m_inFlight -= batch.size();
        batch.clear();
    }
}

void WatchHub::enqueueNotifications(std::vector<WatcherPtr> watchers) {
    if (watchers.empty()) {
        return;
    }
    std::vector<std::vector<WatcherPtr>> shares(m_notifiers.size());
    for (WatcherPtr &watcher : watchers) {
        shares[watcher->m_notifierIndex % shares.size()].push_back(std::move(watcher));
    }
    for (std::size_t i = 0; i < shares.size(); ++i) {
        if (shares[i].empty()) {
            continue;
        }
        Notifier &notifier = *m_notifiers[i];
        {
            std::lock_guard lock(notifier.mutex);
            std::move(shares[i].begin(), shares[i].end(), std::back_inserter(notifier.queue));
        }
        notifier.wake.notify_one();
    }
}

WatchHub::~WatchHub() {
    // Detach first: it waits for a publish() in progress, so nothing is queued after the
    // notifier has drained and stopped.
    m_subscription.reset();
    for (auto &notifier : m_notifiers) {
        {
            std::lock_guard lock(notifier->mutex);
            notifier->stop = true;
        }
        notifier->wake.notify_one();
        notifier->thread.join();
    }
}

void WatchHub::attach() {
    m_subscription =
        m_store.subscribe({}, [this](const std::vector<Event> &events) { publish(events); });
}

Revision WatchHub::lastPublished() const {
    std::lock_guard lock(m_mutex);
    return m_lastPublished;
}

std::size_t WatchHub::watcherCount() const {
    std::lock_guard lock(m_mutex);
    return m_all.size();
}

StatusOr<WatcherPtr> WatchHub::watch(std::string prefix, Revision startRevision,
                                     std::function<void()> notify) {
    if (startRevision < 0) {
        return invalidArgument("start_revision must not be negative");
    }
    std::lock_guard lock(m_mutex);
    if (m_shutdown) {
        return m_shutdownStatus;
    }
    const Revision compacted = m_store.compactRevision();
    if (startRevision != 0 && startRevision <= compacted) {
        return Status(StatusCode::OutOfRange,
                      "start_revision " + std::to_string(startRevision) +
                          " is compacted; the compact revision is " + std::to_string(compacted) +
                          ": list again and watch from the revision of that list");
    }
    // After a resync that changed nothing the hub has not seen the store pass the compaction.
    const Revision next =
        startRevision == 0 ? std::max(m_lastPublished, compacted) + 1 : startRevision;
    auto watcher = std::make_shared<Watcher>(*this, std::move(prefix), next, std::move(notify));
    watcher->m_notifierIndex = t_notifierGroup ? *t_notifierGroup : m_nextNotifier++;
    m_all.insert(watcher.get());
    if (m_metrics) {
        m_metrics->watchersOpen(m_all.size());
    }
    return watcher;
}

bool WatchHub::tryGoLive(Watcher &watcher) {
    std::lock_guard lock(m_mutex);
    std::lock_guard watcherLock(watcher.m_mutex);
    if (watcher.m_live) {
        return true; // a group holds a watcher once
    }
    if (!watcher.m_ended.isOk() || watcher.m_next < m_ringFrom) {
        return !watcher.m_ended.isOk();
    }
    const auto first = std::lower_bound(
        m_ring.begin(), m_ring.end(), watcher.m_next,
        [](const EventPtr &event, Revision revision) { return event->revision < revision; });
    // A watcher that went live this far behind would start with its queue half full and be cut
    // off by the next publish although it keeps up: it reads the rest from the store first.
    std::size_t pending = 0;
    std::size_t pendingBytes = 0;
    for (auto it = first; it != m_ring.end(); ++it) {
        if (watcher.matches(**it) &&
            (++pending > m_options.watcherQueueLimit / 2 ||
             (pendingBytes += eventBytes(**it)) > m_options.watcherQueueBytes / 2)) {
            return false;
        }
    }
    for (auto it = first; it != m_ring.end(); ++it) {
        if (watcher.matches(**it)) {
            watcher.m_queue.push_back(*it);
        }
    }
    watcher.m_queueBytes += pendingBytes;
    watcher.m_live = true;
    addLiveLocked(watcher);
    return true;
}

void WatchHub::addLiveLocked(Watcher &watcher) {
    const auto [group, added] = m_liveByPrefix.try_emplace(watcher.m_prefix);
    if (added) {
        ++m_prefixLengths[watcher.m_prefix.size()];
    }
    watcher.m_groupSlot = group->second.size();
    group->second.push_back(&watcher);
}

void WatchHub::eraseFromGroup(std::vector<Watcher *> &watchers, std::size_t slot) {
    watchers[slot] = watchers.back();
    watchers[slot]->m_groupSlot = slot;
    watchers.pop_back();
}

void WatchHub::eraseGroupLocked(LiveGroups::iterator group) {
    const auto length = m_prefixLengths.find(group->first.size());
    if (--length->second == 0) {
        m_prefixLengths.erase(length);
    }
    m_liveByPrefix.erase(group);
}

void WatchHub::clearLiveLocked() {
    m_liveByPrefix.clear();
    m_prefixLengths.clear();
}

void WatchHub::removeLiveLocked(Watcher &watcher) {
    const auto group = m_liveByPrefix.find(watcher.m_prefix);
    if (group == m_liveByPrefix.end()) {
        return;
    }
    std::vector<Watcher *> &watchers = group->second;
    const std::size_t slot = watcher.m_groupSlot;
    if (slot >= watchers.size() || watchers[slot] != &watcher) {
        return; // not live
    }
    eraseFromGroup(watchers, slot);
    if (watchers.empty()) {
        eraseGroupLocked(group);
    }
}

void WatchHub::unregister(Watcher *watcher) {
    std::lock_guard lock(m_mutex);
    m_all.erase(watcher);
    removeLiveLocked(*watcher);
    if (m_metrics) {
        m_metrics->watchersOpen(m_all.size());
    }
}

void WatchHub::exportMetrics(prometheus::Registry &registry) {
    std::lock_guard lock(m_mutex);
    m_metrics = std::make_shared<WatchMetrics>(registry);
    m_metrics->watchersOpen(m_all.size());
}

void WatchHub::countSent(std::size_t events) const {
    if (m_metrics && events > 0) {
        m_metrics->sent(events);
    }
}

void WatchHub::publish(const std::vector<Event> &events) {
    if (events.empty()) {
        return;
    }
    std::vector<WatcherPtr> toNotify;
    {
        std::unique_lock lock(m_mutex);
        // A listener registered while the store was calling out can be given a batch the hub
        // already counted (its constructor read the store's revision): skip what it has.
        const auto firstNew =
            std::find_if(events.begin(), events.end(),
                         [this](const Event &event) { return event.revision > m_lastPublished; });
        if (firstNew == events.end()) {
            return;
        }
        if (firstNew->note == kResyncNote) {
            // The store's difference between two states, not the events between them: no watcher
            // is given it; live ones read those events from the store (or learn that they are
            // compacted), and the ring starts after it.
            restartRingLocked(firstNew->revision + 1, toNotify);
            m_lastPublished = firstNew->revision;
            m_inFlight += toNotify.size();
            lock.unlock();
            enqueueNotifications(std::move(toNotify));
            return;
        }
        std::vector<EventPtr> fresh;
        fresh.reserve(static_cast<std::size_t>(std::distance(firstNew, events.end())));
        for (auto it = firstNew; it != events.end(); ++it) {
            fresh.push_back(std::make_shared<const Event>(*it));
        }
        if (fresh.front()->revision > m_lastPublished + 1) {
            // Revisions were committed without reaching the hub (before attach()): the ring has
            // a gap, and live watchers would skip it.
            restartRingLocked(fresh.front()->revision, toNotify);
        }
        for (const EventPtr &event : fresh) {
            m_ring.push_back(event);
            m_ringBytes += eventBytes(*event);
        }
        m_lastPublished = fresh.back()->revision;
        // Trim whole revisions, so the ring is complete from m_ringFrom on.
        while (m_ring.size() > m_options.ringCapacity || m_ringBytes > m_options.ringBytes) {
            const Revision oldest = m_ring.front()->revision;
            while (!m_ring.empty() && m_ring.front()->revision == oldest) {
                m_ringBytes -= std::min(m_ringBytes, eventBytes(*m_ring.front()));
                m_ring.pop_front();
            }
            m_ringFrom = oldest + 1;
        }
        // The groups the fresh events concern, each with its events in order: every key is looked
        // up by its own prefixes of the lengths watched, not matched against every prefix.
        std::vector<std::pair<LiveGroups::iterator, std::vector<EventPtr>>> matched;
        for (const EventPtr &event : fresh) {
            const std::string_view key = event->kv.key;
            for (const auto &[length, groups] : m_prefixLengths) {
                if (length > key.size()) {
                    break;
                }
                const auto group = m_liveByPrefix.find(key.substr(0, length));
                if (group == m_liveByPrefix.end()) {
                    continue;
                }
                // Consecutive events mostly concern the same groups: searched from the last.
                const auto slot =
                    std::find_if(matched.rbegin(), matched.rend(),
                                 [&](const auto &entry) { return entry.first == group; });
                if (slot != matched.rend()) {
                    slot->second.push_back(event);
                } else {
                    matched.emplace_back(group, std::vector<EventPtr>{event});
                }
            }
        }
        // Watchers a few slots ahead are fetched from memory while this one is served: each is
        // a memory access, and a change concerns thousands.
        constexpr std::size_t kReadAhead = 4;
        for (auto &[group, matching] : matched) {
            auto &watchers = group->second;
            for (std::size_t slot = 0; slot < watchers.size();) {
                if (slot + kReadAhead < watchers.size()) {
                    const Watcher *ahead = watchers[slot + kReadAhead];
                    __builtin_prefetch(ahead);
                    __builtin_prefetch(&ahead->m_mutex, 1);
                    __builtin_prefetch(reinterpret_cast<const char *>(&ahead->m_mutex) + 64, 1);
                }
                Watcher *watcher = watchers[slot];
                const Watcher::Delivery delivery = watcher->deliver(matching, m_options);
                if (delivery.notify) {
                    if (auto strong = watcher->weak_from_this().lock()) {
                        toNotify.push_back(std::move(strong));
                    }
                }
                if (delivery.ended) {
                    eraseFromGroup(watchers, slot); // the last takes this slot: served next
                } else {
                    ++slot;
                }
            }
            if (watchers.empty()) {
                eraseGroupLocked(group); // the other entries' iterators stay valid
            }
        }
        // Counted before the lock is released: once deliveries are visible, so are their
        // wake-ups (notificationsInFlight()).
        m_inFlight += toNotify.size();
        if (m_metrics) {
            std::lock_guard timesLock(m_publishedAtMutex);
            m_publishedAt.emplace_back(m_lastPublished, std::chrono::steady_clock::now());
            if (m_publishedAt.size() > kPublishTimes) {
                m_publishedAt.pop_front();
            }
        }
    }
    // Not on this (the committer's) thread: consumers encode and write, and a thousand of them
    // must not delay the next commit.
    enqueueNotifications(std::move(toNotify));
    trimIfDue();
}

void WatchHub::restartRingLocked(Revision from, std::vector<WatcherPtr> &toNotify) {
    m_ring.clear();
    m_ringBytes = 0;
    m_ringFrom = from;
    for (const auto &[prefix, watchers] : m_liveByPrefix) {
        for (Watcher *watcher : watchers) {
            std::lock_guard watcherLock(watcher->m_mutex);
            watcher->m_live = false;
            watcher->dropQueueLocked();
            if (auto strong = watcher->weak_from_this().lock()) {
                toNotify.push_back(std::move(strong));
            }
        }
    }
    clearLiveLocked();
}

void WatchHub::noteDelivered(Revision revision, std::size_t messages) const {
    if (!m_metrics) {
        return;
    }
    std::chrono::steady_clock::time_point publishedAt;
    {
        std::lock_guard lock(m_publishedAtMutex);
        // The publish that carried `revision` is the first whose last revision is not below it.
        const auto it = std::lower_bound(
            m_publishedAt.begin(), m_publishedAt.end(), revision,
            [](const auto &entry, Revision wanted) { return entry.first < wanted; });
        if (it == m_publishedAt.end() || (it == m_publishedAt.begin() && revision < it->first &&
                                          m_publishedAt.size() == kPublishTimes)) {
            return;
        }
        publishedAt = it->second;
    }
    m_metrics->delivered(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - publishedAt).count(),
        messages);
}

void WatchHub::trimIfDue() {
    std::size_t released = m_releasedBytes.load();
    while (released >= kTrimThreshold) {
        if (m_releasedBytes.compare_exchange_weak(released, 0)) {
#ifdef __GLIBC__
            malloc_trim(0);
#endif
            return;
        }
    }
}

void WatchHub::shutdown(Status status) {
    std::vector<WatcherPtr> toNotify;
    {
        std::lock_guard lock(m_mutex);
        m_shutdown = true;
        m_shutdownStatus = status;
        for (Watcher *watcher : m_all) {
            if (watcher->end(status)) {
                if (auto strong = watcher->weak_from_this().lock()) {
                    toNotify.push_back(std::move(strong));
                }
            }
        }
        clearLiveLocked();
    }
    trimIfDue();
    for (const WatcherPtr &watcher : toNotify) {
        watcher->m_notify();
    }
}

} // namespace aegis::store
