#include "net/registry_types.h"

namespace aegis::console {
HealthBadge healthBadge(HealthStatus status, bool flapping, bool ejected) {
    if (ejected) {
        return HealthBadge::Ejected;
    }
    if (flapping) {
        return HealthBadge::Flapping;
    }
    switch (status) {
    case HealthStatus::Passing:
        return HealthBadge::Passing;
    case HealthStatus::Warning:
        return HealthBadge::Warning;
    case HealthStatus::Critical:
        return HealthBadge::Critical;
    case HealthStatus::Unknown:
        break;
    }
    return HealthBadge::Unknown;
}

} // namespace aegis::console
