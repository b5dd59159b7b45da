#include "registry/panic_threshold.h"

#include <algorithm>

namespace aegis::registry {

bool inPanic(std::size_t total, std::size_t unhealthy, double threshold) {
    if (total == 0 || threshold >= 1.0) {
        return false;
    }
    return static_cast<double>(unhealthy) > threshold * static_cast<double>(total);
}

InstanceSelection selectInstances(const std::vector<bool> &healthy, double threshold) {
    InstanceSelection selection;
    const auto unhealthy =
        static_cast<std::size_t>(std::count(healthy.begin(), healthy.end(), false));
    selection.panic = inPanic(healthy.size(), unhealthy, threshold);
    for (std::size_t i = 0; i < healthy.size(); ++i) {
        if (selection.panic || healthy[i]) {
            selection.indices.push_back(i);
        }
    }
    return selection;
}

} // namespace aegis::registry
