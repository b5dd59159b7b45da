#pragma once

#include <chrono>
#include <cstdint>
#include <limits>

namespace aegis {

// Stored records keep time points as milliseconds since the epoch.
inline std::int64_t toMillis(std::chrono::system_clock::time_point time) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

// The inverse of toMillis. A stored value comes from a file that may be damaged or edited, so a
// count beyond what a time point can hold saturates at its minimum or maximum instead of
// overflowing (system_clock ticks are finer than milliseconds).
inline std::chrono::system_clock::time_point fromMillis(std::int64_t millis) {
    using namespace std::chrono;
    using TimePoint = system_clock::time_point;
    constexpr std::int64_t kMax =
        duration_cast<milliseconds>(TimePoint::max().time_since_epoch()).count();
    constexpr std::int64_t kMin =
        duration_cast<milliseconds>(TimePoint::min().time_since_epoch()).count();
    if (millis >= kMax) {
        return TimePoint::max();
    }
    if (millis <= kMin) {
        return TimePoint::min();
    }
    return TimePoint(duration_cast<system_clock::duration>(milliseconds(millis)));
}

} // namespace aegis
