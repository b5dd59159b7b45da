#pragma once

#include "common/status.h"

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace aegis::sample {

// One aegis-sample process of a demo fleet.
struct FleetInstance {
    std::string service;
    std::string id;
    std::string version;
    std::string color;
    std::string zone;
    std::chrono::milliseconds latency{0};
    double errorRate = 0;
    // The services every "/" request calls first (aegis-sample --calls).
    std::vector<std::string> calls;
};

// Reads a fleet file (resources/demo/fleet.yaml):
//
//   services:
//     - name: checkout
//       version: 1.4.2        # these four apply to every instance of the service
//       color: blue
//       latency: 8ms
//       error_rate: 0.002
//       calls: [inventory, payments]   # called on every request, in order
//       instances:
//         - {id: checkout-1, zone: a}
//
// Every value is checked to be a plain word ([A-Za-z0-9._:-]), so fleetFlags() can be split on
// spaces by a shell. INVALID_ARGUMENT names the offending entry.
StatusOr<std::vector<FleetInstance>> loadFleetFile(const std::filesystem::path &path);

// The config namespace the demo fleet reads its behaviour from: one group per service
// ("demo/checkout"), so editing demo/checkout/behaviour.json changes every checkout instance.
inline constexpr std::string_view kDemoConfigNamespace = "demo";

// The aegis-sample flags that start `instance`, e.g.
// "--service checkout --id checkout-1 --version 1.4.2 --color blue --zone a --latency 8ms
// --error-rate 0.002 --config demo/checkout --calls inventory,payments".
std::string fleetFlags(const FleetInstance &instance);

} // namespace aegis::sample
