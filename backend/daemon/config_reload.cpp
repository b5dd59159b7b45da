#include "daemon/config_reload.h"

#include "common/logging.h"

namespace aegis::daemon {

StatusOr<ReloadedSettings> reloadConfig(const std::filesystem::path &configFile,
                                        const FlagValues &flags) {
    auto config = loadConfig(configFile, flags);
    if (!config) {
        return config.status();
    }
    log::setLevel(config->logLevel);
    if (!config->logKeys.empty()) {
        log::setKeyStyle(config->logKeys);
    }
    return ReloadedSettings{config->logLevel, config->logKeys};
}

} // namespace aegis::daemon
