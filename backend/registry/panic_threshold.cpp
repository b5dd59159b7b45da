#include "registry/panic_threshold.h"

namespace aegis::registry {

bool inPanic(std::size_t total, std::size_t unhealthy, double threshold) {
    if (total == 0 || threshold >= 1.0) {
        return false;
    }
    return static_cast<double>(unhealthy) > threshold * static_cast<double>(total);
}

} // namespace aegis::registry
