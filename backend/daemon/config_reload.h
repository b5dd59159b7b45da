#pragma once

#include "daemon/daemon_config.h"

#include <filesystem>
#include <string>

namespace aegis::daemon {

// What SIGHUP changes in a running aegisd. The configuration is read again as at start (the
// file, then the same command-line flags, so a flag still wins) and validated whole; only then
// are the settings that are safe to change under load applied: log_level and log_keys (an unset
// log_keys keeps the style in force). Everything else is bound at start (listeners, TLS, the
// store, the metrics and alerting backends, the token and CA files they read) and takes effect
// at the next restart. Alert rules, health checks, tokens and config items live in the store
// and change through the API, with neither a reload nor a restart.
struct ReloadedSettings {
    std::string logLevel;
    std::string logKeys;
};

// An invalid file changes nothing and returns why, naming the option.
StatusOr<ReloadedSettings> reloadConfig(const std::filesystem::path &configFile,
                                        const FlagValues &flags);

} // namespace aegis::daemon
