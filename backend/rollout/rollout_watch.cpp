#include "rollout/rollout_watch.h"

namespace aegis::rollout {

std::string serviceOfKey(const std::string &key) {
    for (std::string_view prefix : {keys::kItems, keys::kReleases, keys::kLog}) {
        if (key.rfind(prefix, 0) == 0) {
            const auto rest = key.substr(prefix.size());
            return rest.substr(0, rest.find('/'));
        }
    }
    return {};
}

StatusOr<std::shared_ptr<RolloutWatch>> RolloutWatch::open(store::WatchHub &hub,
                                                           std::string service,
                                                           store::Revision startRevision,
                                                           std::function<void()> notify) {
    auto watcher = hub.watch(std::string(keys::kPrefix), startRevision, std::move(notify));
    if (!watcher) {
        return watcher.status();
    }
    return std::make_shared<RolloutWatch>(std::move(*watcher), std::move(service));
}

RolloutWatch::RolloutWatch(store::WatcherPtr watcher, std::string service)
    : m_watcher(std::move(watcher))
    , m_service(std::move(service)) {}

RolloutWatch::Batch RolloutWatch::take(std::size_t maxEvents) {
    Batch result;
    // A batch of the store's events may hold nothing for this watch: take on, so that an empty
    // answer always means "nothing yet".
    while (result.events.empty()) {
        store::Watcher::Batch batch = m_watcher->take(maxEvents);
        if (!batch.ended.isOk()) {
            result.ended = batch.ended;
            return result;
        }
        if (batch.events.empty()) {
            return result;
        }
        for (const store::Event &event : batch.events) {
            const std::string &key = event.kv.key;
            if (event.type != store::EventType::Put ||
                (!m_service.empty() && serviceOfKey(key) != m_service)) {
                continue;
            }
            RolloutEvent out;
            out.revision = event.revision;
            if (key.rfind(keys::kItems, 0) == 0) {
                out.rollout = decodeRollout(event.kv);
            } else if (key.rfind(keys::kReleases, 0) == 0) {
                out.release = decodeRelease(event.kv);
            } else if (key.rfind(keys::kLog, 0) == 0) {
                out.logLine = decodeLogLine(event.kv);
            }
            if (out.rollout || out.release || out.logLine) {
                result.events.push_back(std::move(out));
            }
        }
    }
    return result;
}

void RolloutWatch::cancel() {
    m_watcher->cancel();
}

store::Revision RolloutWatch::nextRevision() const {
    return m_watcher->nextRevision();
}

} // namespace aegis::rollout
