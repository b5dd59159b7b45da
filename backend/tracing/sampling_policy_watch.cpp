#include "tracing/sampling_policy_watch.h"

#include "common/logging.h"
#include "config/config_center.h"
#include "store/store.h"

namespace aegis::tracing {

SamplingPolicyWatch::SamplingPolicyWatch(store::Store &store, const config::ConfigCenter &config,
                                         Apply apply)
    : m_store(store)
    , m_config(config)
    , m_apply(std::move(apply)) {}

SamplingPolicyWatch::~SamplingPolicyWatch() {
    m_subscription.reset();
}

config::ItemRef SamplingPolicyWatch::itemRef() {
    return {std::string(kSamplingNamespace), std::string(kSamplingGroup),
            std::string(kSamplingPolicyKey)};
}

void SamplingPolicyWatch::registerValidation(config::ConfigCenter &config) {
    config.setContentCheck(
        itemRef(), [](std::string_view content) { return parseSamplingPolicy(content).status(); });
}

Status SamplingPolicyWatch::load() {
    const std::string key = config::ConfigCenter::itemKey(itemRef());
    std::lock_guard lock(m_mutex);
    m_subscription = std::make_unique<store::EventSubscription>(
        m_store.subscribe(key, [this, key](const std::vector<store::Event> &events) {
            std::lock_guard lock(m_mutex);
            for (const store::Event &event : events) {
                if (event.kv.key == key && event.revision > m_loadedAt) {
                    applyKey(event.kv, event.type == store::EventType::Delete);
                }
            }
        }));
    auto current = m_store.rangePrefix(key);
    if (!current) {
        return current.status();
    }
    m_loadedAt = current->revision;
    for (const store::KeyValue &kv : current->kvs) {
        if (kv.key == key) {
            applyKey(kv, false);
        }
    }
    return Status::ok();
}

// Under m_mutex.
void SamplingPolicyWatch::applyKey(const store::KeyValue &kv, bool deleted) {
    if (deleted) {
        log::info("tracing: sampling policy removed; keeping every trace");
        m_apply(std::make_shared<SamplingPolicy>(), 0, defaultSamplingPolicyYaml());
        return;
    }
    const auto item = m_config.decodeItem(kv);
    if (!item) {
        log::warn("tracing: the sampling policy item is unreadable; the policy is unchanged");
        return;
    }
    auto policy = parseSamplingPolicy(item->content);
    if (!policy) {
        log::warn("tracing: the sampling policy is not valid; the policy is unchanged",
                  {{"version", item->version}, {"error", policy.status().message()}});
        return;
    }
    log::info("tracing: sampling policy applied", {{"version", item->version},
                                                   {"head_ratio", policy->headRatio},
                                                   {"tail_rules", policy->hasTailRules()}});
    m_apply(std::make_shared<SamplingPolicy>(std::move(*policy)), item->version, item->content);
}

} // namespace aegis::tracing
