#pragma once

#include "common/status.h"
#include "registry/registry_types.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

// Prometheus HTTP service discovery (`http_sd_configs`) from the registry: what aegisd serves at
// kHttpSdPath so that Prometheus, managed or external, scrapes every instance that declares a
// metrics endpoint, and aegisd itself.
namespace aegis::metrics {

inline constexpr std::string_view kHttpSdPath = "/sd/prometheus";

// The instance metadata keys that make an instance a scrape target.
// metrics_path: the path of its metrics ("/metrics"); required, starts with "/".
inline constexpr std::string_view kMetricsPathKey = "metrics_path";
// metrics_port: scrape this port of the instance's host instead of its address's (1-65535).
inline constexpr std::string_view kMetricsPortKey = "metrics_port";
// metrics_scheme: "http" (default) or "https".
inline constexpr std::string_view kMetricsSchemeKey = "metrics_scheme";

// `name` as a valid Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*): every other character becomes
// '_', and a leading digit gets a '_' before it. A name starting with "__" (reserved for
// Prometheus' own labels) gets an "x" before it.
std::string prometheusLabelName(std::string_view name);

// The target groups of the http_sd JSON, in the shape Prometheus documents:
//   [{"targets": ["host:port"], "labels": {"name": "value", ...}}, ...]
// One group per instance whose metadata declares metrics_path, in service then id order, with the
// labels service, instance (its id), job (its service) and every label of the instance (version,
// color, zone, ...) under a valid label name, plus __metrics_path__ and __scheme__. An instance
// whose metrics_port or metrics_scheme is invalid is left out. The last group is aegisd itself:
// `aegisdAddresses` (host:port of the HTTP endpoint of each replica) with job "aegisd". A pure
// function.
nlohmann::json httpSdTargetGroups(const std::vector<registry::Instance> &instances,
                                  const std::vector<std::string> &aegisdAddresses);

// Makes a new random bearer secret for aegisd's own Prometheus to read the targets with, writes it
// to `file` (mode 0600, replacing an earlier one) and returns it.
StatusOr<std::string> writeDiscoverySecret(const std::filesystem::path &file);

} // namespace aegis::metrics
