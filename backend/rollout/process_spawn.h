#pragma once

#include "common/process_spawn.h"
#include "rollout/deploy_driver.h"

#include <map>
#include <string>

namespace aegis::rollout {

// AEGIS_SERVICE, AEGIS_VERSION, AEGIS_COLOR, AEGIS_REPLICAS and AEGIS_ROLLOUT_ID of `target`: what
// every deploy driver gives the processes and hooks it runs.
std::map<std::string, std::string> targetEnvironment(const DeployTarget &target);

} // namespace aegis::rollout
