#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace aegis {

// An RFC 3339 time as Go writes it ("2023-01-17T15:07:44.724461400+01:00"); the epoch for Go's
// zero time ("0001-01-01T00:00:00Z") or anything unreadable.
std::chrono::system_clock::time_point parseRfc3339(std::string_view text);

// `time` in UTC with milliseconds: "2026-12-05T07:15:00.123Z".
std::string formatRfc3339(std::chrono::system_clock::time_point time);

} // namespace aegis
