#include "rollout/process_spawn.h"

namespace aegis::rollout {

std::map<std::string, std::string> targetEnvironment(const DeployTarget &target) {
    return {
        {"AEGIS_SERVICE", target.service},
        {"AEGIS_VERSION", target.version},
        {"AEGIS_COLOR", std::string(colorName(target.color))},
        {"AEGIS_REPLICAS", std::to_string(target.replicas)},
        {"AEGIS_ROLLOUT_ID", target.rolloutId},
    };
}

} // namespace aegis::rollout
