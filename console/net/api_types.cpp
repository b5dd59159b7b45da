#include "net/api_types.h"

#include <QCoreApplication>

namespace aegis::console {

client::ConnectionOptions ConnectionSettings::toOptions() const {
    client::ConnectionOptions options;
    options.address = address.toStdString();
    options.token = token.toStdString();
    options.tokenFile = tokenFile.toStdString();
    options.caFile = caFile.toStdString();
    options.certFile = certFile.toStdString();
    options.keyFile = keyFile.toStdString();
    options.tlsServerName = tlsServerName.toStdString();
    return options;
}

QString CallError::codeName() const {
    static const char *const names[] = {"OK",
                                        "CANCELLED",
                                        "UNKNOWN",
                                        "INVALID_ARGUMENT",
                                        "DEADLINE_EXCEEDED",
                                        "NOT_FOUND",
                                        "ALREADY_EXISTS",
                                        "PERMISSION_DENIED",
                                        "RESOURCE_EXHAUSTED",
                                        "FAILED_PRECONDITION",
                                        "ABORTED",
                                        "OUT_OF_RANGE",
                                        "UNIMPLEMENTED",
                                        "INTERNAL",
                                        "UNAVAILABLE",
                                        "DATA_LOSS",
                                        "UNAUTHENTICATED"};
    if (code >= 0 && code < static_cast<int>(std::size(names))) {
        return QString::fromLatin1(names[code]);
    }
    return QStringLiteral("CODE_%1").arg(code);
}

bool CallError::isUnreachable() const {
    return code == 14 /* UNAVAILABLE */ || code == 4 /* DEADLINE_EXCEEDED */;
}

QString CallError::describe() const {
    QString text = message.trimmed();
    // gRPC's connection errors are long chains; the last clause is the useful one.
    const qsizetype refused = text.indexOf(QLatin1String("Connection refused"));
    if (refused >= 0) {
        text = QCoreApplication::translate("CallError", "connection refused");
    } else if (code == 4) {
        text = QCoreApplication::translate("CallError", "no answer before the deadline");
    } else if (text.size() > 160) {
        text = text.left(157) + QStringLiteral("…");
    }
    if (code == 16) {
        return QCoreApplication::translate("CallError", "token rejected (%1)").arg(text);
    }
    if (code == 7) {
        return QCoreApplication::translate("CallError", "permission denied (%1)").arg(text);
    }
    return text.isEmpty() ? codeName() : text;
}

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

QString ConfigGrayRelease::targetDescription() const {
    if (!selector.isEmpty()) {
        return QCoreApplication::translate("ConfigGrayRelease", "selector %1").arg(selector);
    }
    if (percent > 0) {
        return QCoreApplication::translate("ConfigGrayRelease", "%1 % of instances").arg(percent);
    }
    return QCoreApplication::translate("ConfigGrayRelease", "%n instance(s): %1", nullptr,
                                       static_cast<int>(instanceIds.size()))
        .arg(instanceIds.join(QStringLiteral(", ")));
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

int TrafficSplit::share(const QString &colour) const {
    if (colour == QLatin1String("blue")) {
        return blue;
    }
    if (colour == QLatin1String("green")) {
        return green;
    }
    return 0;
}

QList<CanaryStep> RolloutSpec::effectiveSteps() const {
    if (steps.isEmpty()) {
        return {CanaryStep{}};
    }
    QList<CanaryStep> result = steps;
    if (result.last().weight < 100) {
        result.append(CanaryStep{});
    }
    return result;
}

int Rollout::number() const {
    const qsizetype dash = id.lastIndexOf(QLatin1Char('-'));
    return dash < 0 ? 0 : id.mid(dash + 1).toInt();
}

std::optional<ColorDeployment> Release::deployment(const QString &color) const {
    for (const ColorDeployment &deployment : deployments) {
        if (deployment.color == color) {
            return deployment;
        }
    }
    return std::nullopt;
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

QList<ExtensionDescription> ExtensionCatalog::ofKind(ExtensionKind kind) const {
    QList<ExtensionDescription> found;
    for (const ExtensionDescription &extension : extensions) {
        if (extension.kind == kind) {
            found.append(extension);
        }
    }
    return found;
}

const ExtensionDescription *ExtensionCatalog::find(ExtensionKind kind, const QString &name) const {
    const std::string wanted = name.toStdString();
    for (const ExtensionDescription &extension : extensions) {
        if (extension.kind == kind && extension.name == wanted) {
            return &extension;
        }
    }
    return nullptr;
}

} // namespace aegis::console
