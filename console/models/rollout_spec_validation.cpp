#include "models/rollout_spec_validation.h"

#include <QCoreApplication>
#include <QRegularExpression>

namespace aegis::console {
namespace {

// The translation context of this file's texts, which belong to no QObject.
struct RolloutSpecValidation {
    Q_DECLARE_TR_FUNCTIONS(RolloutSpecValidation)
};

constexpr qint64 kHour = 3600 * 1000;
constexpr qint64 kDay = 24 * kHour;
constexpr int kMaxSteps = 20;
constexpr int kMaxParams = 64;

bool isServiceName(const QString &name) {
    static const QRegularExpression pattern(QStringLiteral("^[a-z]([a-z0-9-]*[a-z0-9])?$"));
    return name.size() <= 63 && pattern.match(name).hasMatch();
}

bool isVersion(const QString &version) {
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9._+-]+$"));
    return pattern.match(version).hasMatch();
}

} // namespace

QList<RolloutSpecProblem> validateRolloutSpec(const RolloutSpec &spec) {
    QList<RolloutSpecProblem> problems;
    const auto add = [&problems](const char *field, const QString &message) {
        problems.append({QString::fromLatin1(field), message});
    };
    if (spec.service.isEmpty() || !isServiceName(spec.service)) {
        add("service",
            RolloutSpecValidation::tr(
                "Service must be 1 to 63 lowercase letters, digits and '-', start with a "
                "letter and not end with '-'"));
    }
    if (spec.version.isEmpty() || spec.version.size() > 64) {
        add("version", RolloutSpecValidation::tr("Version must be 1 to 64 characters"));
    } else if (!isVersion(spec.version)) {
        add("version",
            RolloutSpecValidation::tr("Version may hold letters, digits and . - _ + only"));
    }
    if (spec.replicas < 0 || spec.replicas > 100) {
        add("replicas", RolloutSpecValidation::tr("Replicas must be between 1 and 100"));
    }
    if (spec.strategy == RolloutStrategy::Canary && spec.steps.isEmpty()) {
        add("steps", RolloutSpecValidation::tr("A canary rollout needs at least one step"));
    }
    if (spec.steps.size() > kMaxSteps) {
        add("steps", RolloutSpecValidation::tr("At most %1 steps").arg(kMaxSteps));
    }
    int previous = 0;
    for (int i = 0; i < spec.steps.size(); ++i) {
        const CanaryStep &step = spec.steps.at(i);
        if (step.weight < 1 || step.weight > 100) {
            add("steps",
                RolloutSpecValidation::tr("Step %1: the weight must be between 1 and 100 %")
                    .arg(i + 1));
            break;
        }
        if (step.weight < previous) {
            add("steps", RolloutSpecValidation::tr(
                             "Step %1: the weight must not be lower than the step before (%2 %)")
                             .arg(i + 1)
                             .arg(previous));
            break;
        }
        previous = step.weight;
        if (step.pauseMs < 0 || step.pauseMs > kDay) {
            add("steps",
                RolloutSpecValidation::tr("Step %1: the pause must be at most 24 h").arg(i + 1));
            break;
        }
    }
    if (spec.healthyForMs && (*spec.healthyForMs < 0 || *spec.healthyForMs > kHour)) {
        add("healthy_for_ms", RolloutSpecValidation::tr("Healthy for must be at most 1 h"));
    }
    if (spec.bakeTimeMs < 0 || spec.bakeTimeMs > kDay) {
        add("bake_time_ms", RolloutSpecValidation::tr("Bake time must be at most 24 h"));
    }
    if (spec.scaleDownDelayMs && (*spec.scaleDownDelayMs < 0 || *spec.scaleDownDelayMs > kDay)) {
        add("scale_down_delay_ms",
            RolloutSpecValidation::tr("Scale-down delay must be at most 24 h"));
    }
    if (spec.progressDeadlineMs &&
        (*spec.progressDeadlineMs < 1000 || *spec.progressDeadlineMs > kDay)) {
        add("progress_deadline_ms",
            RolloutSpecValidation::tr("Progress deadline must be between 1 s and 24 h"));
    }
    if (spec.description.toUtf8().size() > 1024) {
        add("description", RolloutSpecValidation::tr("Description must be at most 1024 bytes"));
    }
    for (const auto &[field, params] : {std::pair{"driver_params", &spec.driverParams},
                                        std::pair{"router_params", &spec.routerParams}}) {
        if (params->size() > kMaxParams) {
            add(field, RolloutSpecValidation::tr("At most %1 parameters").arg(kMaxParams));
            continue;
        }
        for (auto it = params->cbegin(); it != params->cend(); ++it) {
            if (it.key().isEmpty() || it.key().size() > 128 || it.value().toUtf8().size() > 4096) {
                add(field, RolloutSpecValidation::tr(
                               "Parameter keys must be 1 to 128 characters and values at most "
                               "4096 bytes (%1)")
                               .arg(it.key().left(40)));
                break;
            }
        }
    }
    return problems;
}

QString rolloutSpecFieldOf(const QString &message) {
    static const QRegularExpression named(QStringLiteral("\\bspec\\.([a-z_]+)"));
    const QRegularExpressionMatch match = named.match(message);
    if (match.hasMatch()) {
        return match.captured(1);
    }
    const QString lower = message.toLower();
    if (lower.contains(QLatin1String("router")) || lower.contains(QLatin1String("haproxy"))) {
        return QStringLiteral("router_params");
    }
    if (lower.contains(QLatin1String("driver")) || lower.contains(QLatin1String("parameter"))) {
        return QStringLiteral("driver_params");
    }
    return {};
}

std::optional<QMap<QString, QString>> parseParameterLines(const QString &text, QString *error) {
    QMap<QString, QString> params;
    const QStringList lines = text.split(QLatin1Char('\n'));
    for (int i = 0; i < lines.size(); ++i) {
        const QString line = lines.at(i).trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1Char('#'))) {
            continue;
        }
        const qsizetype equals = line.indexOf(QLatin1Char('='));
        const QString key = equals < 0 ? QString() : line.left(equals).trimmed();
        if (key.isEmpty()) {
            if (error) {
                *error = RolloutSpecValidation::tr("Line %1 is not key=value").arg(i + 1);
            }
            return std::nullopt;
        }
        if (params.contains(key)) {
            if (error) {
                *error = RolloutSpecValidation::tr("Line %1 repeats %2").arg(i + 1).arg(key);
            }
            return std::nullopt;
        }
        params.insert(key, line.mid(equals + 1).trimmed());
    }
    return params;
}

QString parameterLines(const QMap<QString, QString> &params) {
    QStringList lines;
    for (auto it = params.cbegin(); it != params.cend(); ++it) {
        lines.append(it.key() + QLatin1Char('=') + it.value());
    }
    return lines.join(QLatin1Char('\n'));
}

} // namespace aegis::console
