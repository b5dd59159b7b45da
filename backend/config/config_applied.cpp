#include "config/config_center.h"

#include "config/config_records.h"

// What each instance applied of an item, as it acknowledged, and the summary of an item's rollout.
namespace aegis::config {
namespace {

constexpr std::size_t kMaxAppliedPerItem = 10000;

} // namespace

bool ConfigCenter::knowsVersion(const ItemRef &ref, std::int64_t version) const {
    std::shared_lock lock(m_mutex);
    const auto item = m_items.find(ref.path());
    // Every number up to lastVersion was given to a version (gray ones included).
    return item != m_items.end() && version <= item->second.lastVersion;
}

void ConfigCenter::ack(const ItemRef &ref, const std::string &service,
                       const std::string &instanceId, std::int64_t version, std::string error,
                       std::function<void(StatusOr<store::Revision>)> done,
                       store::Revision registeredAt) {
    if (Status s = validateRef(ref); !s.isOk()) {
        return done(s);
    }
    if (error.size() > 1024) {
        return done(invalidArgument("error may be at most 1024 bytes"));
    }
    AppliedInstance applied{service, instanceId, version, std::move(error), recordTime()};
    const std::string instanceKey = service + "/" + instanceId;
    // Watchers hear of a change once it is durable, which can be before it reaches the cache:
    // a version the cache does not know yet is looked up in the store.
    if (!knowsVersion(ref, version)) {
        auto stored = m_store.get(versionKey(ref, version));
        if (!stored) {
            return done(stored.status());
        }
        if (stored->kvs.empty()) {
            return done(notFound(item(ref) ? "config " + ref.path() + " has no version " +
                                                 std::to_string(version)
                                           : "there is no config " + ref.path()));
        }
    }
    {
        std::shared_lock lock(m_mutex);
        static const std::map<std::string, AppliedInstance> kNone;
        const auto tracked = m_applied.find(ref.path());
        const auto &instances = tracked == m_applied.end() ? kNone : tracked->second;
        const auto found = instances.find(instanceKey);
        const AppliedInstance *existing = found == instances.end() ? nullptr : &found->second;
        // Bounded: acknowledgements come from the network, one record per instance.
        if (existing == nullptr && instances.size() >= kMaxAppliedPerItem) {
            return done(Status(StatusCode::ResourceExhausted,
                               "config " + ref.path() + " already tracks " +
                                   std::to_string(kMaxAppliedPerItem) + " instances"));
        }
        if (existing != nullptr && existing->version == applied.version &&
            existing->error == applied.error && existing->modRevision >= registeredAt) {
            return done(m_store.currentRevision()); // nothing new to record
        }
    }
    store::Transaction txn;
    // Only while the item exists, so an ack racing a delete leaves no orphan record.
    txn.ifExists(itemKey(ref));
    txn.put(appliedPrefix(ref) + instanceKey, encodeApplied(applied));
    m_store.commitAsync(std::move(txn), [path = ref.path(), done = std::move(done)](
                                            StatusOr<store::TransactionResult> result) {
        if (!result) {
            return done(result.status());
        }
        if (!result->succeeded) {
            return done(notFound("there is no config " + path + " any more"));
        }
        done(result->revision);
    });
}

AppliedStatus ConfigCenter::applied(const ItemRef &ref, const RegistrationOf &registered) const {
    AppliedStatus status;
    std::shared_lock lock(m_mutex);
    status.revision = m_revision;
    const auto item = m_items.find(ref.path());
    if (item == m_items.end()) {
        return status;
    }
    status.publishedVersion = item->second.version;
    status.grayVersion = item->second.gray ? item->second.gray->version : 0;
    if (const auto applied = m_applied.find(ref.path()); applied != m_applied.end()) {
        for (const auto &[id, instance] : applied->second) {
            if (!registered) {
                status.instances.push_back(instance);
                continue;
            }
            // Only what the instance acknowledged under its current registration: an earlier
            // process of the same id (before a restart, in an earlier run) is not this one.
            const auto since = registered(instance.service, instance.instanceId);
            if (since && instance.modRevision >= *since) {
                status.instances.push_back(instance);
            }
        }
    }
    std::size_t current = 0;
    std::vector<std::string> behind;
    for (const auto &instance : status.instances) {
        if (instance.error.empty() &&
            (instance.version == status.publishedVersion ||
             (status.grayVersion != 0 && instance.version == status.grayVersion))) {
            ++current;
        } else {
            behind.push_back(
                instance.instanceId +
                (instance.error.empty()
                     ? " still on v" + std::to_string(instance.version)
                     : " failed v" + std::to_string(instance.version) + ": " + instance.error));
        }
    }
    status.summary =
        std::to_string(current) + " of " + std::to_string(status.instances.size()) + " on v" +
        std::to_string(status.publishedVersion) +
        (status.grayVersion ? " (or gray v" + std::to_string(status.grayVersion) + ")" : "");
    for (std::size_t i = 0; i < behind.size() && i < 3; ++i) {
        status.summary += "; " + behind[i];
    }
    if (behind.size() > 3) {
        status.summary += "; and " + std::to_string(behind.size() - 3) + " more";
    }
    return status;
}

} // namespace aegis::config
