#include "validation/health_check_rules.h"

#include "common/duration.h"
#include "common/input_text.h"
#include "validation/extension_parameters.h"
#include "validation/http_status_range.h"

#include <algorithm>
#include <cstdio>

namespace aegis::validation {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kMinInterval{100};
constexpr milliseconds kMaxInterval = std::chrono::hours(1);
constexpr milliseconds kMinTimeout{10};
constexpr milliseconds kMaxDeregisterAfter = std::chrono::hours(24 * 7);
constexpr milliseconds kMinFlapWindow = std::chrono::seconds(1);
constexpr milliseconds kMaxFlapWindow = std::chrono::hours(24);
constexpr std::size_t kMaxOptions = 32;
constexpr std::size_t kMaxOptionName = 63;
constexpr std::size_t kMaxOptionValue = 1024;

std::string text(milliseconds duration) {
    return formatDuration(duration);
}

// The option a message is about: the first quoted known key in it, else "options".
std::string fieldOf(const ExtensionDescription &kind, const Status &status) {
    for (const ExtensionParameter &parameter : kind.parameters) {
        if (!parameter.prefix && status.message().starts_with(parameter.name + ":")) {
            return parameter.name;
        }
    }
    return "options";
}

} // namespace

std::vector<FieldProblem> validateProbeOptions(const ExtensionDescription &kind,
                                               const std::map<std::string, std::string> &options) {
    const std::string prefix = kind.name + " check: ";
    if (Status status = validateExtensionParameters(kind, options); !status.isOk()) {
        return {{fieldOf(kind, status), prefix + status.message()}};
    }
    std::vector<FieldProblem> problems;
    if (kind.name == "http") {
        if (const auto path = options.find("path");
            path != options.end() && !path->second.starts_with('/')) {
            problems.push_back(
                {"path", prefix + "path must start with '/', got " + quoteInput(path->second)});
        }
        if (const auto status = options.find("status");
            status != options.end() && !parseHttpStatusRange(status->second)) {
            problems.push_back(
                {"status", prefix + httpStatusRangeProblem("status", status->second)});
        }
    } else if (kind.name == "ttl") {
        // The description made sure it is there and a duration.
        if (parseDuration(options.at("ttl"), "ttl")->count() <= 0) {
            problems.push_back(
                {"ttl", prefix + "ttl must be positive, got " + quoteInput(options.at("ttl"))});
        }
    }
    return problems;
}

std::vector<FieldProblem>
validateHealthCheck(const HealthCheckFields &check,
                    const std::vector<const ExtensionDescription *> &kinds) {
    std::vector<FieldProblem> problems;
    const auto add = [&problems](std::string field, std::string message) {
        problems.push_back({std::move(field), std::move(message)});
    };
    const auto kind = std::find_if(kinds.begin(), kinds.end(), [&](const auto *description) {
        return description->name == check.kind;
    });
    if (kind == kinds.end()) {
        std::string known;
        for (const ExtensionDescription *description : kinds) {
            known += (known.empty() ? "" : ", ") + description->name;
        }
        add("kind", "check.kind must be one of " + known + " (got " + quoteInput(check.kind) + ")");
    }
    if (check.port < 0 || check.port > 65535) {
        add("port", "check.port must be between 0 (the instance's own port) and 65535 (got " +
                        std::to_string(check.port) + ")");
    }
    const milliseconds interval = check.interval;
    if (interval < kMinInterval || interval > kMaxInterval) {
        add("interval", "check.interval_ms must be between " + text(kMinInterval) + " and " +
                            text(kMaxInterval) + " (got " + text(interval) + ")");
    }
    const milliseconds maxTimeout = std::max(interval, kMinTimeout);
    if (check.timeout < kMinTimeout || check.timeout > maxTimeout) {
        add("timeout", "check.timeout_ms must be between " + text(kMinTimeout) +
                           " and the interval, " + text(maxTimeout) + " (got " +
                           text(check.timeout) + ")");
    }
    for (const auto &[field, value] :
         {std::pair{"rise", check.rise}, std::pair{"fall", check.fall}}) {
        if (value < 1 || value > 100) {
            add(field, "check." + std::string(field) + " must be between 1 and 100 (got " +
                           std::to_string(value) + ")");
        }
    }
    if (check.jitter < milliseconds(0) || check.jitter > interval / 2) {
        add("jitter", "check.jitter_ms must be between 0s and half the interval, " +
                          text(interval / 2) + " (got " + text(check.jitter) + ")");
    }
    if (check.flapMaxTransitions < 0 || check.flapMaxTransitions > 1000) {
        add("flap_max_transitions", "check.flap_max_transitions must be between 0 and 1000 (got " +
                                        std::to_string(check.flapMaxTransitions) + ")");
    }
    if (check.flapWindow < kMinFlapWindow || check.flapWindow > kMaxFlapWindow) {
        add("flap_window", "check.flap_window_ms must be between " + text(kMinFlapWindow) +
                               " and " + text(kMaxFlapWindow) + " (got " + text(check.flapWindow) +
                               ")");
    }
    if (check.deregisterAfter.count() != 0 &&
        (check.deregisterAfter < interval || check.deregisterAfter > kMaxDeregisterAfter)) {
        add("deregister_after", "check.deregister_after_ms must be 0 (never) or between the "
                                "interval, " +
                                    text(interval) + ", and " + text(kMaxDeregisterAfter) +
                                    " (got " + text(check.deregisterAfter) + ")");
    }
    if (!(check.panicThreshold >= 0.0 && check.panicThreshold <= 1.0)) {
        char got[32];
        std::snprintf(got, sizeof got, "%g", check.panicThreshold);
        add("panic_threshold",
            "check.panic_threshold must be a share between 0 and 1 (got " + std::string(got) + ")");
    }
    if (check.options.size() > kMaxOptions) {
        add("options",
            "check.options may have at most " + std::to_string(kMaxOptions) + " entries");
        return problems;
    }
    for (const auto &[name, value] : check.options) {
        if (name.size() > kMaxOptionName || value.size() > kMaxOptionValue) {
            add("options", "check.options: names are at most " + std::to_string(kMaxOptionName) +
                               " and values " + std::to_string(kMaxOptionValue) + " bytes");
            return problems;
        }
    }
    if (kind != kinds.end()) {
        for (FieldProblem &problem : validateProbeOptions(**kind, check.options)) {
            add(std::move(problem.field), "check.options: " + problem.message);
        }
    }
    return problems;
}

} // namespace aegis::validation
