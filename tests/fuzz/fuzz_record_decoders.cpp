// The JSON records aegisd reads back from its store (a file that may be damaged or edited): one
// byte choosing the decoder, then the stored value. A record a decoder cannot read must be
// skipped (nullopt), never bring the daemon down.

#include "common/clock.h"
#include "config/config_center.h"
#include "config/secret_box.h"
#include "health/health_monitor.h"
#include "registry/registry.h"
#include "rollout/rollout.h"
#include "scratch_store.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace {

aegis::config::ConfigCenter &configCenter() {
    static const auto secrets = aegis::config::SecretBox::withKey({});
    static aegis::config::ConfigCenter center(aegis::fuzz::scratchStore(), *secrets,
                                              std::make_shared<aegis::SystemClock>());
    return center;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) {
        return 0;
    }
    using namespace aegis;
    store::KeyValue kv;
    kv.value.assign(reinterpret_cast<const char *>(data + 1), size - 1);
    kv.createRevision = 1;
    kv.modRevision = 2;
    kv.version = 2;
    switch (data[0] % 7) {
    case 0:
        kv.key = std::string(registry::Registry::kInstancesPrefix) + "shop/shop-1";
        (void)registry::Registry::decodeInstance(kv);
        break;
    case 1:
        kv.key = std::string(config::ConfigCenter::kItemsPrefix) + "shop/orders/db.json";
        (void)configCenter().decodeItem(kv);
        break;
    case 2:
        kv.key = rollout::keys::rollout("shop-1");
        (void)rollout::decodeRollout(kv);
        break;
    case 3:
        kv.key = rollout::keys::release("shop");
        (void)rollout::decodeRelease(kv);
        break;
    case 4:
        kv.key = rollout::keys::logLine("shop-1", 1);
        (void)rollout::decodeLogLine(kv);
        break;
    case 5:
        kv.key = health::HealthMonitor::historyPrefix("shop", "shop-1") + "0000000000000001";
        (void)health::HealthMonitor::decodeTransition(kv);
        break;
    default:
        (void)health::HealthMonitor::decodeCheck(kv.value);
        break;
    }
    return 0;
}
