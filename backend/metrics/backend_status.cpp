#include "metrics/metrics_settings.h"

namespace aegis::metrics {

std::string_view backendModeName(BackendMode mode) {
    switch (mode) {
    case BackendMode::None:
        return "none";
    case BackendMode::Managed:
        return "managed";
    case BackendMode::External:
        return "external";
    }
    return "none";
}

} // namespace aegis::metrics
