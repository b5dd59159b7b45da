#pragma once

#include "common/status.h"
#include "tracing/trace_ids.h"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aegis::tracing {

// The configuration item holding the sampling policy (YAML; docs/tracing.md, "Sampling").
inline constexpr std::string_view kSamplingNamespace = "aegis-tracing";
inline constexpr std::string_view kSamplingGroup = "sampling";
inline constexpr std::string_view kSamplingPolicyKey = "policy";

// A service whose every trace is kept while it is under investigation.
struct Investigation {
    std::string service;
    // Until when (none: until the rule is removed).
    std::optional<std::chrono::system_clock::time_point> until;
};

// Which traces aegisd keeps. Head sampling decides per span as it arrives, from the trace id, so
// every span of a trace gets the same answer for the same ratio. With tail rules every span is
// stored first and the tail sampler decides per trace once it is complete (decisionWait after
// its last span arrived): a trace any rule keeps stays, the others are kept by the head ratios.
struct SamplingPolicy {
    // [head.ratio] Share of traces kept, 0..1.
    double headRatio = 1.0;
    // [head.services] Per service (the resource's service.name), overriding headRatio.
    std::map<std::string, double, std::less<>> serviceRatios;
    // [tail.keep_errors] Keep every trace with a span whose status is ERROR.
    bool keepErrors = false;
    // [tail.keep_slowest_percent] Keep the slowest N % of traces (0: off), 0..100.
    double keepSlowestPercent = 0;
    // [tail.investigate] Keep everything of these services.
    std::vector<Investigation> investigate;
    // [tail.decision_wait] How long after a trace's last span the tail sampler decides.
    std::chrono::milliseconds decisionWait{std::chrono::seconds(10)};

    // Whether any tail rule is set (spans are then stored first and decided later).
    bool hasTailRules() const {
        return keepErrors || keepSlowestPercent > 0 || !investigate.empty();
    }
    // The head ratio of `service`.
    double ratioOf(std::string_view service) const;
    // Whether head sampling keeps the trace for `service`: consistent per trace id (the low 8
    // bytes compared against the ratio, as OpenTelemetry's TraceIdRatioBased sampler does).
    bool headKeeps(const TraceId &trace, std::string_view service) const;
    // Whether `service` is under investigation at `now`.
    bool investigating(std::string_view service, std::chrono::system_clock::time_point now) const;
};

using SamplingPolicyPtr = std::shared_ptr<const SamplingPolicy>;

// Parses the policy item's YAML. INVALID_ARGUMENT naming the field ("head.services.checkout:
// 1.5 is not a ratio between 0 and 1") for anything the format does not allow, including
// unknown fields. Empty content is the defaults (keep everything).
StatusOr<SamplingPolicy> parseSamplingPolicy(std::string_view yaml);

// The defaults as YAML, for GetTracingStatus when no item exists.
std::string defaultSamplingPolicyYaml();

} // namespace aegis::tracing
