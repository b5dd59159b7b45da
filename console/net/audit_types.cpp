#include "net/audit_types.h"

namespace aegis::console {
bool AuditQuery::matches(const AuditEntry &entry) const {
    if (!actor.isEmpty() && entry.actor != actor) {
        return false;
    }
    if (!method.isEmpty() && !entry.method.contains(method, Qt::CaseInsensitive)) {
        return false;
    }
    if (!resourcePrefix.isEmpty() && !entry.resource.startsWith(resourcePrefix)) {
        return false;
    }
    if (outcome == AuditOutcome::Succeeded && !entry.succeeded()) {
        return false;
    }
    if (outcome == AuditOutcome::Failed && entry.succeeded()) {
        return false;
    }
    if (from.isValid() && entry.time < from) {
        return false;
    }
    if (to.isValid() && entry.time >= to) {
        return false;
    }
    return true;
}

bool AuditQuery::isEmpty() const {
    return *this == AuditQuery{};
}

} // namespace aegis::console
