#pragma once

#include "net/api_types.h"

#include <QList>
#include <QMap>
#include <QString>

#include <optional>

namespace aegis::console {

// One reason a rollout spec cannot be started: the spec field it concerns, as the daemon names
// it ("version", "steps", "driver_params", ...), and a sentence naming the field and the limit.
struct RolloutSpecProblem {
    QString field;
    QString message;
    friend bool operator==(const RolloutSpecProblem &, const RolloutSpecProblem &) = default;
};

// The checks StartRollout makes of a spec before the driver and router see their parameters
// (aegis.v1.RolloutSpec's documented limits), made before sending so the dialog can point at the
// field. Empty when the daemon would accept it as far as the console can tell. Which drivers and
// routers exist, and their parameters, the daemon tells (ListExtensions).
QList<RolloutSpecProblem> validateRolloutSpec(const RolloutSpec &spec);

// The spec field an INVALID_ARGUMENT message of StartRollout names ("spec.steps[1].weight must
// ..." -> "steps"); a driver's or router's own refusal of a parameter -> "driver_params" or
// "router_params"; empty when it names none.
QString rolloutSpecFieldOf(const QString &message);

// "key=value" lines (blank lines and "# comments" ignored) as parameters; nullopt with `error`
// set naming the line when one is not key=value or repeats a key.
std::optional<QMap<QString, QString>> parseParameterLines(const QString &text,
                                                          QString *error = nullptr);
// The other way round, one "key=value" per line, by key.
QString parameterLines(const QMap<QString, QString> &params);

} // namespace aegis::console
