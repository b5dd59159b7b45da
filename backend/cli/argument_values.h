#pragma once

#include "aegis/v1/audit.pb.h"
#include "aegis/v1/common.pb.h"
#include "aegis/v1/config.pb.h"
#include "aegis/v1/health.pb.h"
#include "aegis/v1/registry.pb.h"
#include "aegis/v1/rollout.pb.h"

#include <boost/program_options/variables_map.hpp>
#include <google/protobuf/timestamp.pb.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aegis::cli {

// Parsers for flag values. Each returns nullopt for text it does not accept; the caller turns
// that into a usage error naming the flag.

// What a duration flag may be besides positive.
enum class ZeroDuration { Rejected, Allowed };

// The value of the duration flag `name` ("90s", "500ms", "1h30m"; see common/duration.h), which
// must be positive (or zero, with ZeroDuration::Allowed). Throws UsageError naming the flag
// otherwise.
std::chrono::milliseconds durationFlag(const boost::program_options::variables_map &values,
                                       const char *name,
                                       ZeroDuration zero = ZeroDuration::Rejected);

// --for of a command that waits: when it gives up; nullopt when the flag is not given.
std::optional<std::chrono::steady_clock::time_point>
forDeadline(const boost::program_options::variables_map &values);
// --count of a watch: how many items it prints before it ends (0: no limit). Throws UsageError
// when negative.
int countFlag(const boost::program_options::variables_map &values);

// "viewer", "operator", "admin" or "service".
std::optional<v1::Role> parseRole(std::string_view text);

// "ok" or "failed".
std::optional<v1::AuditOutcome> parseOutcome(std::string_view text);

// A point in time: either a duration meaning that long before `now` ("1h") or an RFC 3339
// timestamp ("2024-05-01T12:00:00Z").
std::optional<google::protobuf::Timestamp>
parseTimePoint(std::string_view text, std::chrono::system_clock::time_point now);

// The value of the time flag `name` (see parseTimePoint()). Throws UsageError naming the flag
// otherwise.
google::protobuf::Timestamp timeFlag(const boost::program_options::variables_map &values,
                                     const char *name, std::chrono::system_clock::time_point now);

// "serving", "draining" or "maintenance".
std::optional<v1::InstanceState> parseInstanceState(std::string_view text);

// "unknown", "passing", "warning" or "critical".
std::optional<v1::HealthStatus> parseHealthStatus(std::string_view text);

// "key=value" (the key not empty, the value may be).
std::optional<std::pair<std::string, std::string>> parseKeyValue(std::string_view text);

// The values of the repeatable KEY=VALUE flag `name` by key; empty when it is not given. Throws
// UsageError naming the flag for a value without a key or '=', and for a key given twice.
std::map<std::string, std::string> keyValueFlag(const boost::program_options::variables_map &values,
                                                const char *name);

// The parts of `text` between `separator`s, empty ones included ("a,,b" -> "a", "", "b").
std::vector<std::string> splitOn(const std::string &text, char separator);

// The names given to the repeatable flag `name`, each value a comma-separated list
// ("--service orders,payments --service billing"); empty when it is not given. Throws UsageError
// naming the flag for an empty name.
std::vector<std::string> nameListFlag(const boost::program_options::variables_map &values,
                                      const char *name);

// "text", "json", "yaml" or "properties".
std::optional<v1::ConfigFormat> parseConfigFormat(std::string_view text);

// "blue-green" or "canary".
std::optional<v1::RolloutStrategy> parseRolloutStrategy(std::string_view text);

// A canary step: "WEIGHT", "WEIGHT:PAUSE" or "WEIGHT:promote", the weight a percentage from 1 to
// 100 and the pause a duration: "20:5m", "50:promote", "100".
std::optional<v1::CanaryStep> parseCanaryStep(std::string_view text);

// One of the daemon's log levels: trace, debug, info, warn, error, critical, off.
bool isLogLevel(std::string_view text);

} // namespace aegis::cli
