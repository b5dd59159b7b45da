#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace aegis::metrics {

// How aegisd gets its metrics backend (metrics.backend).
enum class BackendMode {
    // Metrics are off: queries fail with FailedPrecondition, pages say so.
    None,
    // aegisd runs Prometheus as a supervised child on a loopback port (the default).
    Managed,
    // A Prometheus-API store at a URL the operator gives.
    External,
};

enum class BackendState { Disabled, Starting, Ready, Down };

// What `aegisctl status`, the console and MetricsService.Targets show of the backend.
struct BackendStatus {
    BackendMode mode = BackendMode::None;
    BackendState state = BackendState::Disabled;
    // The backend's HTTP API ("" for None).
    std::string url;
    // Why it is down or starting.
    std::string detail;
    // Restarts of the managed child since aegisd started.
    std::int64_t restarts = 0;
    // When it entered its current state.
    std::chrono::system_clock::time_point since;
    // How often the managed child scrapes (zero otherwise).
    std::chrono::milliseconds scrapeInterval{0};
};

} // namespace aegis::metrics
