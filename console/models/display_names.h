#pragma once

#include "net/api_types.h"

#include <QString>

namespace aegis::console {

// The names the console shows for the daemon's enumerations, roles and methods.

QString connectionStateName(ConnectionState state);
// "serving", "draining", "maintenance" (lower case, as operators type them).
QString instanceStateName(InstanceState state);
// "unknown", "passing", "warning", "critical".
QString healthStatusName(HealthStatus status);
// "unknown", "passing", "warning", "critical", "flapping", "ejected".
QString healthBadgeName(HealthBadge badge);
// "text", "json", "yaml", "properties" (as the daemon and aegisctl name them).
QString configFormatName(ConfigFormat format);
// "publish", "rollback", "gray", "promotion", "import".
QString configVersionKindName(ConfigVersionKind kind);
// "blue-green", "canary".
QString rolloutStrategyName(RolloutStrategy strategy);
// "pending", "provisioning", ..., "awaiting approval", "rolled back", "failed".
QString rolloutPhaseName(RolloutPhase phase);
// "Promote", "Pause", ... as the buttons say it.
QString rolloutActionName(RolloutAction action);
QString roleName(int role);
// "/aegis.v1.AuthService/CreateToken" -> "AuthService.CreateToken".
QString shortMethodName(const QString &method);

} // namespace aegis::console
