#include "config/item_watcher.h"

#include "config/config_metrics.h"

namespace aegis::config {
namespace {

constexpr std::size_t kDecodedCacheSize = 1024;
const Labels kNoLabels;

} // namespace

StatusOr<ItemWatcherPtr> ConfigCenter::watch(store::WatchHub &hub, ConfigWatchRequest request,
                                             std::function<void()> notify) const {
    const ItemRef &scope = request.scope;
    Status valid = validateNamespace(scope.ns, "namespace");
    if (valid.isOk() && !scope.key.empty()) {
        valid = validateRef(scope);
    } else if (valid.isOk() && !scope.group.empty()) {
        valid = validateGroup(scope.group, "group");
    }
    if (valid.isOk() && request.service.empty() != request.instanceId.empty()) {
        valid = invalidArgument("service and instance_id are given together (or neither)");
    }
    if (!valid.isOk()) {
        return valid;
    }
    // A watch of one item is a hub watch of its key: changes to the group's other items do not
    // wake it (only items whose key extends this one's, which take() skips).
    auto events = hub.watch(scope.key.empty() ? itemsPrefix(scope.ns, scope.group) : itemKey(scope),
                            request.startRevision, std::move(notify));
    if (!events) {
        return events.status();
    }
    return std::make_shared<ItemWatcher>(*this, std::move(request), std::move(*events));
}

const std::shared_ptr<const Item> &ConfigCenter::sharedItem(const store::KeyValue &kv) const {
    // The watchers of a change that one thread serves in turn ask for the same record: its last
    // answer is kept, so they do not all take the lock that the other threads' watchers take too.
    struct LastAnswer {
        std::uint64_t center = 0;
        store::Revision revision = 0;
        std::string key;
        std::shared_ptr<const Item> item;
    };
    thread_local LastAnswer last;
    if (last.item && last.center == m_instance && last.revision == kv.modRevision &&
        last.key == kv.key) {
        return last.item;
    }
    const auto remember =
        [&](std::shared_ptr<const Item> item) -> const std::shared_ptr<const Item> & {
        last = {m_instance, kv.modRevision, kv.key, std::move(item)};
        return last.item;
    };
    {
        // Every watcher of a change asks: looked up without copying the key.
        const std::tuple<store::Revision, std::string_view> wanted{kv.modRevision, kv.key};
        std::lock_guard lock(m_decodedMutex);
        if (const auto it = m_decoded.find(wanted); it != m_decoded.end()) {
            return remember(it->second);
        }
    }
    std::shared_ptr<const Item> item;
    {
        // The cache usually holds this very record: a change reaches the cache before the
        // watchers are woken, unless the hub was told first.
        std::shared_lock lock(m_mutex);
        if (kv.key.starts_with(kItemsPrefix)) {
            const auto cached = m_items.find(kv.key.substr(kItemsPrefix.size()));
            if (cached != m_items.end() && cached->second.modRevision == kv.modRevision) {
                item = std::make_shared<const Item>(cached->second);
            }
        }
    }
    if (!item) {
        auto decoded = decodeItem(kv);
        item = decoded ? std::make_shared<const Item>(std::move(*decoded)) : nullptr;
    }
    std::lock_guard lock(m_decodedMutex);
    if (m_decoded.size() >= kDecodedCacheSize) {
        m_decoded.erase(m_decoded.begin()); // any entry: the cache only saves repeated work
    }
    m_decoded.emplace(std::make_tuple(kv.modRevision, kv.key), item);
    return remember(item);
}

ItemWatcher::ItemWatcher(const ConfigCenter &center, ConfigWatchRequest request,
                         store::WatcherPtr events)
    : m_center(center)
    , m_events(std::move(events))
    , m_exactKey(request.scope.key.empty() ? std::string() : ConfigCenter::itemKey(request.scope))
    , m_metrics(center.m_metrics)
    , m_request(std::move(request)) {
    if (m_metrics) {
        m_metrics->watchOpened();
    }
}

ItemWatcher::~ItemWatcher() {
    if (m_metrics) {
        m_metrics->watchClosed();
    }
}

bool ItemWatcher::targets(const Item &item, std::shared_ptr<const Labels> &labels) {
    const GrayRelease &gray = *item.gray;
    const auto decide = [&] {
        if (!labels && !gray.selector.empty() && m_request.labels) {
            labels = m_request.labels();
        }
        return ConfigCenter::grayTargets(gray, item.ref, m_request.instanceId,
                                         labels ? *labels : kNoLabels);
    };
    if (gray.selector.empty() || m_request.instanceId.empty() || !m_request.labelsGeneration) {
        return decide();
    }
    const std::uint64_t generation = m_request.labelsGeneration(); // before the labels are read
    if (!m_selectorDecision || m_selectorDecision->generation != generation ||
        m_selectorDecision->selector != gray.selector) {
        // Read afresh, not reused from earlier in the batch: labels read before `generation`
        // must not be kept as its answer.
        labels = nullptr;
        m_selectorDecision = SelectorDecision{gray.selector, generation, decide()};
    }
    return m_selectorDecision->matches;
}

std::optional<ConfigEvent> ItemWatcher::putFor(const std::shared_ptr<const Item> &item,
                                               const std::string &key, store::Revision revision,
                                               std::shared_ptr<const Labels> &labels) {
    const bool gray = item->gray && targets(*item, labels);
    if (!m_request.instanceId.empty()) {
        // Decided before the event is built: at a gray release, half of the watchers keep theirs.
        const std::int64_t version = ConfigEvent::versionOf(*item, gray);
        std::optional<std::int64_t> &sent = m_exactKey.empty() ? m_sent[key] : m_sentExact;
        if (sent == version) {
            return std::nullopt;
        }
        sent = version;
    }
    ConfigEvent event;
    event.type = ConfigEvent::Type::Put;
    event.ref = item->ref;
    event.revision = revision;
    event.gray = gray;
    event.item = item;
    return event;
}

std::optional<std::vector<ConfigEvent>> ItemWatcher::snapshot() {
    if (m_request.startRevision != 0) {
        return std::nullopt;
    }
    // Read from the store, not the cache: it is never behind the watch's start. What changed
    // after the start is left to the stream, so no watcher sees an older version after a newer
    // one.
    const store::Revision startsAfter = m_events->nextRevision() - 1;
    const store::Store &store = m_center.m_store;
    auto current = m_exactKey.empty() ? store.rangePrefix(ConfigCenter::itemsPrefix(
                                            m_request.scope.ns, m_request.scope.group))
                                      : store.get(m_exactKey);
    if (!current) {
        return std::nullopt;
    }
    std::shared_ptr<const Labels> labels;
    std::vector<ConfigEvent> events;
    for (const auto &kv : current->kvs) {
        if (kv.modRevision > startsAfter) {
            continue; // changed after the watch's start: the stream delivers it, in order
        }
        if (const auto &item = m_center.sharedItem(kv)) {
            if (auto event = putFor(item, kv.key, kv.modRevision, labels)) {
                events.push_back(std::move(*event));
            }
        }
    }
    if (m_metrics) {
        m_metrics->pushed(events.size());
    }
    return events;
}

ItemWatcher::Batch ItemWatcher::take(std::size_t maxEvents) {
    Batch out;
    // Store events that concern nobody here (another item of the prefix, an unchanged version)
    // are skipped until some do or none are left, so "nothing yet" means exactly that.
    while (out.events.empty()) {
        auto batch = m_events->takeShared(maxEvents);
        if (!batch.ended.isOk() || batch.events.empty()) {
            out.ended = std::move(batch.ended);
            out.drained = batch.drained;
            return out;
        }
        out.revision = batch.events.back()->revision;
        // Looked up at most once per batch, and only for a gray release with a selector.
        std::shared_ptr<const Labels> labels;
        for (const store::EventPtr &shared : batch.events) {
            const store::Event &event = *shared;
            // The hub matched the watched key as a prefix: the same length means the same key.
            if (!m_exactKey.empty() && event.kv.key.size() != m_exactKey.size()) {
                continue;
            }
            if (event.type == store::EventType::Delete) {
                ConfigEvent removed;
                removed.type = ConfigEvent::Type::Delete;
                removed.ref = ConfigCenter::refOfItemKey(event.kv.key);
                removed.revision = event.revision;
                m_sent.erase(event.kv.key);
                m_sentExact.reset();
                out.events.push_back(std::move(removed));
            } else if (const auto &item = m_center.sharedItem(event.kv)) {
                if (auto put = putFor(item, event.kv.key, event.revision, labels)) {
                    out.events.push_back(std::move(*put));
                }
            }
        }
        out.drained = batch.drained;
        if (out.drained) {
            break; // asking again would find nothing
        }
    }
    if (m_metrics && !out.events.empty()) {
        m_metrics->pushed(out.events.size());
    }
    return out;
}

} // namespace aegis::config
