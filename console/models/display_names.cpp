#include "models/display_names.h"

#include <QCoreApplication>

namespace aegis::console {
QString connectionStateName(ConnectionState state) {
    switch (state) {
    case ConnectionState::Disconnected:
        return QCoreApplication::translate("ConnectionState", "Disconnected");
    case ConnectionState::Connecting:
        return QCoreApplication::translate("ConnectionState", "Connecting");
    case ConnectionState::Connected:
        return QCoreApplication::translate("ConnectionState", "Connected");
    case ConnectionState::Unreachable:
        return QCoreApplication::translate("ConnectionState", "Unreachable");
    }
    return {};
}

QString instanceStateName(InstanceState state) {
    switch (state) {
    case InstanceState::Serving:
        return QCoreApplication::translate("InstanceState", "serving");
    case InstanceState::Draining:
        return QCoreApplication::translate("InstanceState", "draining");
    case InstanceState::Maintenance:
        return QCoreApplication::translate("InstanceState", "maintenance");
    case InstanceState::Unspecified:
        break;
    }
    return QCoreApplication::translate("InstanceState", "unknown");
}

QString healthStatusName(HealthStatus status) {
    switch (status) {
    case HealthStatus::Passing:
        return QCoreApplication::translate("HealthStatus", "passing");
    case HealthStatus::Warning:
        return QCoreApplication::translate("HealthStatus", "warning");
    case HealthStatus::Critical:
        return QCoreApplication::translate("HealthStatus", "critical");
    case HealthStatus::Unknown:
        break;
    }
    return QCoreApplication::translate("HealthStatus", "unknown");
}

QString healthBadgeName(HealthBadge badge) {
    switch (badge) {
    case HealthBadge::Passing:
        return healthStatusName(HealthStatus::Passing);
    case HealthBadge::Warning:
        return healthStatusName(HealthStatus::Warning);
    case HealthBadge::Critical:
        return healthStatusName(HealthStatus::Critical);
    case HealthBadge::Flapping:
        return QCoreApplication::translate("HealthStatus", "flapping");
    case HealthBadge::Ejected:
        return QCoreApplication::translate("HealthStatus", "ejected");
    case HealthBadge::Unknown:
        break;
    }
    return healthStatusName(HealthStatus::Unknown);
}

QString configFormatName(ConfigFormat format) {
    switch (format) {
    case ConfigFormat::Text:
        return QStringLiteral("text");
    case ConfigFormat::Json:
        return QStringLiteral("json");
    case ConfigFormat::Yaml:
        return QStringLiteral("yaml");
    case ConfigFormat::Properties:
        return QStringLiteral("properties");
    case ConfigFormat::Unspecified:
        break;
    }
    return QStringLiteral("—");
}

QString configVersionKindName(ConfigVersionKind kind) {
    switch (kind) {
    case ConfigVersionKind::Publish:
        return QCoreApplication::translate("ConfigVersionKind", "publish");
    case ConfigVersionKind::Rollback:
        return QCoreApplication::translate("ConfigVersionKind", "rollback");
    case ConfigVersionKind::Gray:
        return QCoreApplication::translate("ConfigVersionKind", "gray");
    case ConfigVersionKind::Promotion:
        return QCoreApplication::translate("ConfigVersionKind", "promotion");
    case ConfigVersionKind::Import:
        return QCoreApplication::translate("ConfigVersionKind", "import");
    case ConfigVersionKind::Unspecified:
        break;
    }
    return QStringLiteral("—");
}

QString rolloutStrategyName(RolloutStrategy strategy) {
    switch (strategy) {
    case RolloutStrategy::BlueGreen:
        return QCoreApplication::translate("RolloutStrategy", "blue-green");
    case RolloutStrategy::Canary:
        return QCoreApplication::translate("RolloutStrategy", "canary");
    case RolloutStrategy::Unspecified:
        break;
    }
    return QStringLiteral("—");
}

QString rolloutPhaseName(RolloutPhase phase) {
    switch (phase) {
    case RolloutPhase::Pending:
        return QCoreApplication::translate("RolloutPhase", "pending");
    case RolloutPhase::Provisioning:
        return QCoreApplication::translate("RolloutPhase", "provisioning");
    case RolloutPhase::Verifying:
        return QCoreApplication::translate("RolloutPhase", "verifying");
    case RolloutPhase::AwaitingApproval:
        return QCoreApplication::translate("RolloutPhase", "awaiting approval");
    case RolloutPhase::Switching:
        return QCoreApplication::translate("RolloutPhase", "switching");
    case RolloutPhase::Baking:
        return QCoreApplication::translate("RolloutPhase", "baking");
    case RolloutPhase::Finalizing:
        return QCoreApplication::translate("RolloutPhase", "finalizing");
    case RolloutPhase::Succeeded:
        return QCoreApplication::translate("RolloutPhase", "succeeded");
    case RolloutPhase::Aborting:
        return QCoreApplication::translate("RolloutPhase", "aborting");
    case RolloutPhase::RolledBack:
        return QCoreApplication::translate("RolloutPhase", "rolled back");
    case RolloutPhase::Failed:
        return QCoreApplication::translate("RolloutPhase", "failed");
    case RolloutPhase::Unspecified:
        break;
    }
    return QStringLiteral("—");
}

QString rolloutActionName(RolloutAction action) {
    switch (action) {
    case RolloutAction::Promote:
        return QCoreApplication::translate("RolloutAction", "Promote");
    case RolloutAction::Pause:
        return QCoreApplication::translate("RolloutAction", "Pause");
    case RolloutAction::Resume:
        return QCoreApplication::translate("RolloutAction", "Resume");
    case RolloutAction::Abort:
        return QCoreApplication::translate("RolloutAction", "Abort");
    case RolloutAction::Retry:
        return QCoreApplication::translate("RolloutAction", "Retry");
    case RolloutAction::Undo:
        return QCoreApplication::translate("RolloutAction", "Undo");
    }
    return {};
}

QString roleName(int role) {
    switch (role) {
    case 1:
        return QStringLiteral("viewer");
    case 2:
        return QStringLiteral("operator");
    case 3:
        return QStringLiteral("admin");
    case 4:
        return QStringLiteral("service");
    default:
        return QStringLiteral("—");
    }
}

QString shortMethodName(const QString &method) {
    QString name = method;
    if (name.startsWith(QLatin1Char('/'))) {
        name.remove(0, 1);
    }
    const qsizetype dot = name.indexOf(QLatin1Char('.'));
    const qsizetype slash = name.indexOf(QLatin1Char('/'));
    if (slash > 0) {
        // Drop the package ("aegis.v1.") but keep the service.
        const qsizetype lastDot = name.lastIndexOf(QLatin1Char('.'), slash);
        if (lastDot >= 0 && dot >= 0) {
            name = name.mid(lastDot + 1);
        }
        name.replace(QLatin1Char('/'), QLatin1Char('.'));
    }
    return name;
}

} // namespace aegis::console
