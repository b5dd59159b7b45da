#pragma once

#include "common/status.h"
#include "tracing/sampling_policy.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace aegis::config {
class ConfigCenter;
struct ItemRef;
} // namespace aegis::config

namespace aegis::store {
class Store;
class EventSubscription;
struct KeyValue;
} // namespace aegis::store

namespace aegis::tracing {

// The sampling policy item (aegis-tracing/sampling/policy) as the store's event stream has it,
// whoever wrote it: each new version is parsed and handed to `apply`; a deleted item brings back
// the defaults. An invalid version (written past the config center's check) keeps the previous
// policy. Thread-safe.
class SamplingPolicyWatch {
public:
    // Receives the policy in force, its item version (0: defaults) and its YAML. Called from
    // load() and from the store's writer thread; must be quick.
    using Apply = std::function<void(SamplingPolicyPtr, std::int64_t version, std::string yaml)>;

    SamplingPolicyWatch(store::Store &store, const config::ConfigCenter &config, Apply apply);
    ~SamplingPolicyWatch();

    // Registers the policy's validation with the config center, so a publish of an invalid
    // policy is refused with INVALID_ARGUMENT naming the field. Before serving.
    static void registerValidation(config::ConfigCenter &config);
    static config::ItemRef itemRef();

    // Subscribes, then reads the item; call once before serving.
    Status load();

private:
    void applyKey(const store::KeyValue &kv, bool deleted);

    store::Store &m_store;
    const config::ConfigCenter &m_config;
    const Apply m_apply;
    std::mutex m_mutex;
    std::int64_t m_loadedAt = 0;
    std::unique_ptr<store::EventSubscription> m_subscription;
};

} // namespace aegis::tracing
