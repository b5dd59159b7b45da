#pragma once

#include "common/status.h"

#include <chrono>
#include <string>
#include <string_view>

namespace aegis {

// Parses durations such as "500ms", "10s", "5m", "1h30m", "7d". `field` names the option or field
// in the error message.
StatusOr<std::chrono::milliseconds> parseDuration(std::string_view text, std::string_view field);

// The shortest exact form: 90000ms -> "1m30s".
std::string formatDuration(std::chrono::milliseconds duration);

} // namespace aegis
