#pragma once

#include "common/extension_description.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace aegis::validation {

// One reason a value is refused: the form field it concerns ("interval", "status", "options",
// ...) and the sentence the daemon answers with, which names the API field and the limit.
struct FieldProblem {
    std::string field;
    std::string message;
    bool operator==(const FieldProblem &) const = default;
};

// A service's health check as UpdateHealthCheck stores it (aegis.v1.HealthCheck after the
// daemon's defaults are filled in).
struct HealthCheckFields {
    std::string kind;
    // 0: the port of the instance's address.
    std::int64_t port = 0;
    std::map<std::string, std::string> options;
    std::chrono::milliseconds interval{10'000};
    std::chrono::milliseconds timeout{2'000};
    std::int64_t rise = 2;
    std::int64_t fall = 3;
    std::chrono::milliseconds jitter{0};
    // 0: never.
    std::chrono::milliseconds deregisterAfter{0};
    std::int64_t flapMaxTransitions = 5;
    std::chrono::milliseconds flapWindow{300'000};
    double panicThreshold = 0.0;
};

// The rules of a health check: the documented limits of aegis.v1.HealthCheck (interval 100ms-1h;
// timeout 10ms up to the interval; rise and fall 1-100; jitter at most half the interval;
// deregister_after 0 or between the interval and 7 days; ...), then its options as the kind
// describes them (validateProbeOptions). `kinds` are the probers on offer (ListExtensions); an
// unknown kind is a problem and its options are not checked. Every problem, in the order the
// daemon checks them; the daemon answers with the first. Shared by aegisd (UpdateHealthCheck)
// and the console's health-check dialog, so both refuse the same checks with the same words.
std::vector<FieldProblem>
validateHealthCheck(const HealthCheckFields &check,
                    const std::vector<const ExtensionDescription *> &kinds);

// The options of one probe kind: its description's keys and types
// (validateExtensionParameters; the first problem), else what the built-in kinds require of the
// values beyond their type (http: a path starting with '/', a status range; ttl: a positive
// duration; every problem). A problem's field is the option's name, or "options" for an unknown
// one; its message starts "<kind> check: ". The probers run the same check when they are built.
std::vector<FieldProblem> validateProbeOptions(const ExtensionDescription &kind,
                                               const std::map<std::string, std::string> &options);

} // namespace aegis::validation
