#include "models/health_check_validation.h"

#include <common/duration.h>

#include <QCoreApplication>

namespace aegis::console {
namespace {

QString tr(const char *text) {
    return QCoreApplication::translate("HealthCheckValidation", text);
}

constexpr qint64 kMinIntervalMs = 100;
constexpr qint64 kMaxIntervalMs = 3600 * 1000;
constexpr qint64 kMinTimeoutMs = 10;

// "200" or "200-399", each code within 100-599, the low end first.
bool isStatusRange(const QString &text) {
    const QStringList parts = text.split(QLatin1Char('-'));
    if (parts.size() > 2) {
        return false;
    }
    int codes[2] = {0, 0};
    for (int i = 0; i < parts.size(); ++i) {
        bool ok = false;
        codes[i] = parts.at(i).toInt(&ok);
        if (!ok || parts.at(i).trimmed() != parts.at(i) || codes[i] < 100 || codes[i] > 599) {
            return false;
        }
    }
    return parts.size() == 1 || codes[0] <= codes[1];
}

} // namespace

QStringList healthCheckKinds() {
    return {QStringLiteral("http"), QStringLiteral("tcp"), QStringLiteral("grpc"),
            QStringLiteral("ttl")};
}

std::optional<qint64> parseDurationText(const QString &text) {
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty()) {
        return std::nullopt;
    }
    const auto parsed = parseDuration(trimmed.toStdString(), "duration");
    if (!parsed) {
        return std::nullopt;
    }
    return static_cast<qint64>(parsed->count());
}

QString durationText(qint64 milliseconds) {
    return QString::fromStdString(formatDuration(std::chrono::milliseconds(milliseconds)));
}

QList<HealthCheckProblem> validateHealthCheck(const HealthCheckSpec &spec) {
    QList<HealthCheckProblem> problems;
    const auto add = [&problems](const char *field, const QString &message) {
        problems.append({QString::fromLatin1(field), message});
    };
    if (!healthCheckKinds().contains(spec.kind)) {
        add("kind", tr("Kind must be http, tcp, grpc or ttl, not \"%1\".").arg(spec.kind));
    }
    if (spec.port < 0 || spec.port > 65535) {
        add("port", tr("Port must be between 0 (the instance's own port) and 65535."));
    }
    if (spec.intervalMs < kMinIntervalMs || spec.intervalMs > kMaxIntervalMs) {
        add("interval", tr("Interval must be between 100ms and 1h; it is %1.")
                            .arg(durationText(spec.intervalMs)));
    }
    // A ttl check does not probe, so it has no timeout to respect.
    if (spec.kind != QLatin1String("ttl")) {
        if (spec.timeoutMs < kMinTimeoutMs) {
            add("timeout",
                tr("Timeout must be at least 10ms; it is %1.").arg(durationText(spec.timeoutMs)));
        } else if (spec.timeoutMs > spec.intervalMs) {
            add("timeout", tr("Timeout (%1) must not be longer than the interval (%2).")
                               .arg(durationText(spec.timeoutMs), durationText(spec.intervalMs)));
        }
    }
    if (spec.rise < 1 || spec.rise > 100) {
        add("rise", tr("Rise must be between 1 and 100 passing results."));
    }
    if (spec.fall < 1 || spec.fall > 100) {
        add("fall", tr("Fall must be between 1 and 100 failing results."));
    }
    if (spec.deregisterAfterMs < 0) {
        add("deregister_after", tr("Deregister after must not be negative (0 means never)."));
    }
    if (spec.panicThreshold && (*spec.panicThreshold < 0.0 || *spec.panicThreshold > 1.0)) {
        add("panic_threshold", tr("Panic threshold must be between 0 % and 100 %."));
    }

    const QMap<QString, QString> &options = spec.options;
    if (spec.kind == QLatin1String("http")) {
        for (auto it = options.cbegin(); it != options.cend(); ++it) {
            const QString &name = it.key();
            const bool known = name == QLatin1String("path") || name == QLatin1String("status") ||
                               name == QLatin1String("body_contains") ||
                               (name.startsWith(QLatin1String("header.")) && name.size() > 7);
            if (!known) {
                add("options", tr("An http check has no option \"%1\".").arg(name));
            }
        }
        const QString path = options.value(QStringLiteral("path"), QStringLiteral("/"));
        if (!path.startsWith(QLatin1Char('/'))) {
            add("path", tr("Path must start with \"/\", e.g. /healthz."));
        }
        const QString status = options.value(QStringLiteral("status"));
        if (options.contains(QStringLiteral("status")) && !isStatusRange(status)) {
            add("status", tr("Status must be a code or a range such as 200-399, within 100-599; "
                             "\"%1\" is neither.")
                              .arg(status));
        }
    } else if (spec.kind == QLatin1String("grpc")) {
        for (auto it = options.cbegin(); it != options.cend(); ++it) {
            if (it.key() != QLatin1String("service")) {
                add("options", tr("A grpc check has no option \"%1\".").arg(it.key()));
            }
        }
        if (options.value(QStringLiteral("service")).contains(QLatin1Char(' '))) {
            add("service", tr("gRPC service must be a name such as \"payments.v1.Payments\", "
                              "without spaces."));
        }
    } else if (spec.kind == QLatin1String("ttl")) {
        const auto ttl = parseDurationText(options.value(QStringLiteral("ttl")));
        if (!ttl || *ttl <= 0) {
            add("ttl", tr("TTL must be a positive duration such as 30s: how long an instance may "
                          "stay silent before it counts as critical."));
        }
        for (auto it = options.cbegin(); it != options.cend(); ++it) {
            if (it.key() != QLatin1String("ttl")) {
                add("options", tr("A ttl check has no option \"%1\".").arg(it.key()));
            }
        }
    } else if (spec.kind == QLatin1String("tcp")) {
        for (auto it = options.cbegin(); it != options.cend(); ++it) {
            add("options", tr("A tcp check has no option \"%1\".").arg(it.key()));
        }
    }
    return problems;
}

} // namespace aegis::console
