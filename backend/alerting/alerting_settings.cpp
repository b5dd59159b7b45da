#include "alerting/alerting_settings.h"

namespace aegis::alerting {

const char *alertmanagerModeName(AlertmanagerMode mode) {
    switch (mode) {
    case AlertmanagerMode::Managed:
        return "managed";
    case AlertmanagerMode::External:
        return "external";
    case AlertmanagerMode::None:
        return "none";
    }
    return "none";
}

} // namespace aegis::alerting
