#include "tracing/sampling_policy.h"

#include "common/duration.h"
#include "common/rfc3339.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdint>
#include <set>

namespace aegis::tracing {
namespace {

std::string where(const YAML::Node &node) {
    const YAML::Mark mark = node.Mark();
    if (mark.is_null()) {
        return {};
    }
    return " (line " + std::to_string(mark.line + 1) + ")";
}

Status refuse(const std::string &field, const YAML::Node &node, const std::string &why) {
    return invalidArgument("content: " + field + ": " + why + where(node));
}

// The keys of a mapping, each checked against `allowed`.
Status checkKeys(const YAML::Node &map, const std::string &field,
                 const std::set<std::string> &allowed) {
    if (!map.IsMap()) {
        return refuse(field.empty() ? "policy" : field, map, "must be a mapping");
    }
    for (const auto &entry : map) {
        const std::string key = entry.first.as<std::string>("");
        if (!allowed.count(key)) {
            std::string known;
            for (const std::string &name : allowed) {
                known += (known.empty() ? "" : ", ") + name;
            }
            return refuse(field.empty() ? key : field + "." + key, entry.first,
                          "unknown field; expected one of " + known);
        }
    }
    return Status::ok();
}

StatusOr<double> readNumber(const YAML::Node &node, const std::string &field, double max,
                            std::string_view what) {
    double value = NAN;
    if (node.IsScalar()) {
        try {
            value = node.as<double>();
        } catch (const YAML::Exception &) {
        }
    }
    if (!(value >= 0.0 && value <= max)) {
        return refuse(field, node,
                      "'" + (node.IsScalar() ? node.Scalar() : std::string("(not a number)")) +
                          "' is not " + std::string(what));
    }
    return value;
}

StatusOr<double> readRatio(const YAML::Node &node, const std::string &field) {
    return readNumber(node, field, 1.0, "a ratio between 0 and 1");
}

} // namespace

double SamplingPolicy::ratioOf(std::string_view service) const {
    const auto it = serviceRatios.find(service);
    return it == serviceRatios.end() ? headRatio : it->second;
}

bool SamplingPolicy::headKeeps(const TraceId &trace, std::string_view service) const {
    const double ratio = ratioOf(service);
    if (ratio >= 1.0) {
        return true;
    }
    if (ratio <= 0.0) {
        return false;
    }
    std::uint64_t low = 0;
    for (std::size_t i = 8; i < 16; ++i) {
        low = (low << 8) | trace[i];
    }
    const auto bound = static_cast<std::uint64_t>(ratio * static_cast<double>(1ULL << 63));
    return (low >> 1) < bound;
}

bool SamplingPolicy::investigating(std::string_view service,
                                   std::chrono::system_clock::time_point now) const {
    for (const Investigation &rule : investigate) {
        if (rule.service == service && (!rule.until || now < *rule.until)) {
            return true;
        }
    }
    return false;
}

StatusOr<SamplingPolicy> parseSamplingPolicy(std::string_view yaml) {
    SamplingPolicy policy;
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml));
    } catch (const YAML::Exception &error) {
        return invalidArgument("content: line " + std::to_string(error.mark.line + 1) +
                               ", column " + std::to_string(error.mark.column + 1) + ": " +
                               error.msg);
    }
    if (root.IsNull()) {
        return policy;
    }
    if (Status status = checkKeys(root, "", {"head", "tail"}); !status.isOk()) {
        return status;
    }
    if (const YAML::Node head = root["head"]; head && !head.IsNull()) {
        if (Status status = checkKeys(head, "head", {"ratio", "services"}); !status.isOk()) {
            return status;
        }
        if (const YAML::Node ratio = head["ratio"]) {
            auto value = readRatio(ratio, "head.ratio");
            if (!value) {
                return value.status();
            }
            policy.headRatio = *value;
        }
        if (const YAML::Node services = head["services"]; services && !services.IsNull()) {
            if (!services.IsMap()) {
                return refuse("head.services", services,
                              "must map service names to ratios (checkout: 0.5)");
            }
            for (const auto &entry : services) {
                const std::string service = entry.first.as<std::string>("");
                const std::string field = "head.services." + service;
                if (service.empty()) {
                    return refuse("head.services", entry.first, "a service name is empty");
                }
                auto value = readRatio(entry.second, field);
                if (!value) {
                    return value.status();
                }
                policy.serviceRatios[service] = *value;
            }
        }
    }
    if (const YAML::Node tail = root["tail"]; tail && !tail.IsNull()) {
        if (Status status =
                checkKeys(tail, "tail",
                          {"keep_errors", "keep_slowest_percent", "investigate", "decision_wait"});
            !status.isOk()) {
            return status;
        }
        if (const YAML::Node errors = tail["keep_errors"]) {
            bool value = false;
            if (!errors.IsScalar() || !YAML::convert<bool>::decode(errors, value)) {
                return refuse("tail.keep_errors", errors, "must be true or false");
            }
            policy.keepErrors = value;
        }
        if (const YAML::Node slowest = tail["keep_slowest_percent"]) {
            auto value = readNumber(slowest, "tail.keep_slowest_percent", 100.0,
                                    "a percentage between 0 and 100");
            if (!value) {
                return value.status();
            }
            policy.keepSlowestPercent = *value;
        }
        if (const YAML::Node wait = tail["decision_wait"]) {
            const std::string field = "tail.decision_wait";
            auto value = wait.IsScalar() ? parseDuration(wait.Scalar(), field)
                                         : StatusOr<std::chrono::milliseconds>(
                                               invalidArgument(field + ": must be a duration"));
            if (!value) {
                return invalidArgument("content: " + value.status().message() + where(wait));
            }
            if (*value < std::chrono::seconds(1) || *value > std::chrono::minutes(10)) {
                return refuse(field, wait, "'" + wait.Scalar() + "' is not between 1s and 10m");
            }
            policy.decisionWait = *value;
        }
        if (const YAML::Node investigate = tail["investigate"];
            investigate && !investigate.IsNull()) {
            if (!investigate.IsSequence()) {
                return refuse("tail.investigate", investigate,
                              "must be a list of {service, until}");
            }
            for (std::size_t i = 0; i < investigate.size(); ++i) {
                const YAML::Node rule = investigate[i];
                const std::string field = "tail.investigate[" + std::to_string(i) + "]";
                if (Status status = checkKeys(rule, field, {"service", "until"}); !status.isOk()) {
                    return status;
                }
                Investigation investigation;
                const YAML::Node service = rule["service"];
                if (!service || !service.IsScalar() || service.Scalar().empty()) {
                    return refuse(field + ".service", rule, "is required");
                }
                investigation.service = service.Scalar();
                if (const YAML::Node until = rule["until"]; until && !until.IsNull()) {
                    const auto time = until.IsScalar() ? parseRfc3339(until.Scalar())
                                                       : std::chrono::system_clock::time_point();
                    if (time == std::chrono::system_clock::time_point()) {
                        return refuse(field + ".until", until,
                                      "must be an RFC 3339 time (2026-12-06T18:00:00Z)");
                    }
                    investigation.until = time;
                }
                policy.investigate.push_back(std::move(investigation));
            }
        }
    }
    return policy;
}

std::string defaultSamplingPolicyYaml() {
    return "head:\n  ratio: 1.0\n";
}

} // namespace aegis::tracing
