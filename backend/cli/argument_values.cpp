#include "argument_values.h"

#include "command.h"
#include "common/duration.h"
#include "common/time_millis.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace aegis::cli {

std::optional<std::chrono::steady_clock::time_point>
forDeadline(const boost::program_options::variables_map &values) {
    if (!values.count("for")) {
        return std::nullopt;
    }
    return std::chrono::steady_clock::now() + durationFlag(values, "for");
}

int countFlag(const boost::program_options::variables_map &values) {
    const int count = values["count"].as<int>();
    if (count < 0) {
        throw UsageError("--count must not be negative");
    }
    return count;
}

std::chrono::milliseconds durationFlag(const boost::program_options::variables_map &values,
                                       const char *name, ZeroDuration zero) {
    const std::string flag = std::string("--") + name;
    auto duration = parseDuration(values[name].as<std::string>(), flag);
    if (!duration) {
        throw UsageError(duration.status().message());
    }
    if (duration->count() == 0 && zero == ZeroDuration::Allowed) {
        return *duration;
    }
    if (duration->count() <= 0) {
        throw UsageError(flag + " must be longer than zero");
    }
    return *duration;
}

std::optional<v1::Role> parseRole(std::string_view text) {
    if (text == "viewer") {
        return v1::ROLE_VIEWER;
    }
    if (text == "operator") {
        return v1::ROLE_OPERATOR;
    }
    if (text == "admin") {
        return v1::ROLE_ADMIN;
    }
    if (text == "service") {
        return v1::ROLE_SERVICE;
    }
    return std::nullopt;
}

std::optional<v1::AuditOutcome> parseOutcome(std::string_view text) {
    if (text == "ok") {
        return v1::AUDIT_OUTCOME_SUCCEEDED;
    }
    if (text == "failed") {
        return v1::AUDIT_OUTCOME_FAILED;
    }
    return std::nullopt;
}

std::optional<google::protobuf::Timestamp>
parseTimePoint(std::string_view text, std::chrono::system_clock::time_point now) {
    using google::protobuf::util::TimeUtil;
    if (const auto ago = parseDuration(text, "time")) {
        const auto then = now - *ago;
        return TimeUtil::MillisecondsToTimestamp(toMillis(then));
    }
    google::protobuf::Timestamp timestamp;
    if (TimeUtil::FromString(std::string(text), &timestamp)) {
        return timestamp;
    }
    return std::nullopt;
}

google::protobuf::Timestamp timeFlag(const boost::program_options::variables_map &values,
                                     const char *name, std::chrono::system_clock::time_point now) {
    const auto text = values[name].as<std::string>();
    const auto time = parseTimePoint(text, now);
    if (!time) {
        throw UsageError(std::string("--") + name + ": '" + text +
                         "' is neither a duration (15m) nor an RFC 3339 time "
                         "(2024-05-01T12:00:00Z)");
    }
    return *time;
}

std::optional<v1::InstanceState> parseInstanceState(std::string_view text) {
    if (text == "serving") {
        return v1::INSTANCE_STATE_SERVING;
    }
    if (text == "draining") {
        return v1::INSTANCE_STATE_DRAINING;
    }
    if (text == "maintenance") {
        return v1::INSTANCE_STATE_MAINTENANCE;
    }
    return std::nullopt;
}

std::optional<v1::HealthStatus> parseHealthStatus(std::string_view text) {
    if (text == "unknown") {
        return v1::HEALTH_STATUS_UNKNOWN;
    }
    if (text == "passing") {
        return v1::HEALTH_STATUS_PASSING;
    }
    if (text == "warning") {
        return v1::HEALTH_STATUS_WARNING;
    }
    if (text == "critical") {
        return v1::HEALTH_STATUS_CRITICAL;
    }
    return std::nullopt;
}

std::optional<std::pair<std::string, std::string>> parseKeyValue(std::string_view text) {
    const auto equals = text.find('=');
    if (equals == std::string_view::npos || equals == 0) {
        return std::nullopt;
    }
    return std::make_pair(std::string(text.substr(0, equals)),
                          std::string(text.substr(equals + 1)));
}

std::map<std::string, std::string> keyValueFlag(const boost::program_options::variables_map &values,
                                                const char *name) {
    std::map<std::string, std::string> pairs;
    if (!values.count(name)) {
        return pairs;
    }
    const std::string flag = std::string("--") + name;
    for (const auto &text : values[name].as<std::vector<std::string>>()) {
        const auto pair = parseKeyValue(text);
        if (!pair) {
            throw UsageError(flag + " must be KEY=VALUE, not \"" + text + "\"");
        }
        if (!pairs.insert(*pair).second) {
            throw UsageError(flag + " " + pair->first + " is given more than once");
        }
    }
    return pairs;
}

std::vector<std::string> splitOn(const std::string &text, char separator) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        const auto end = text.find(separator, start);
        parts.push_back(text.substr(start, end - start));
        if (end == std::string::npos) {
            return parts;
        }
        start = end + 1;
    }
}

std::vector<std::string> nameListFlag(const boost::program_options::variables_map &values,
                                      const char *name) {
    std::vector<std::string> names;
    if (!values.count(name)) {
        return names;
    }
    for (const auto &text : values[name].as<std::vector<std::string>>()) {
        for (auto &part : splitOn(text, ',')) {
            if (part.empty()) {
                throw UsageError(std::string("--") + name +
                                 " must be names separated by commas, e.g. orders,payments, "
                                 "not \"" +
                                 text + "\"");
            }
            names.push_back(std::move(part));
        }
    }
    return names;
}

std::optional<v1::ConfigFormat> parseConfigFormat(std::string_view text) {
    if (text == "text") {
        return v1::CONFIG_FORMAT_TEXT;
    }
    if (text == "json") {
        return v1::CONFIG_FORMAT_JSON;
    }
    if (text == "yaml") {
        return v1::CONFIG_FORMAT_YAML;
    }
    if (text == "properties") {
        return v1::CONFIG_FORMAT_PROPERTIES;
    }
    return std::nullopt;
}

std::optional<v1::RolloutStrategy> parseRolloutStrategy(std::string_view text) {
    if (text == "blue-green") {
        return v1::ROLLOUT_STRATEGY_BLUE_GREEN;
    }
    if (text == "canary") {
        return v1::ROLLOUT_STRATEGY_CANARY;
    }
    return std::nullopt;
}

std::optional<v1::CanaryStep> parseCanaryStep(std::string_view text) {
    const auto colon = text.find(':');
    const auto weight = text.substr(0, colon);
    if (weight.empty() || weight.size() > 3 ||
        !std::all_of(weight.begin(), weight.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
        return std::nullopt;
    }
    v1::CanaryStep step;
    step.set_weight(std::stoi(std::string(weight)));
    if (step.weight() < 1 || step.weight() > 100) {
        return std::nullopt;
    }
    if (colon == std::string_view::npos) {
        return step;
    }
    const auto wait = text.substr(colon + 1);
    if (wait == "promote") {
        step.set_until_promoted(true);
        return step;
    }
    const auto pause = parseDuration(wait, "--step");
    if (!pause) {
        return std::nullopt;
    }
    step.set_pause_ms(pause->count());
    return step;
}

bool isLogLevel(std::string_view text) {
    static constexpr std::array<std::string_view, 7> levels = {"trace", "debug",    "info", "warn",
                                                               "error", "critical", "off"};
    for (const auto level : levels) {
        if (text == level) {
            return true;
        }
    }
    return false;
}

} // namespace aegis::cli
