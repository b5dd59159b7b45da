#pragma once

#include "net/api_types.h"

#include <QList>
#include <QString>

#include <optional>

namespace aegis::console {

// One reason a health check cannot be saved: the form field it concerns ("interval", "status",
// ...) and a sentence that names the field and the limit.
struct HealthCheckProblem {
    QString field;
    QString message;
    friend bool operator==(const HealthCheckProblem &, const HealthCheckProblem &) = default;
};

// The checks aegisd itself makes of an UpdateHealthCheck (aegis.v1.HealthCheck's documented
// limits and each kind's options), made before sending so the editor can point at the field.
// Empty when the daemon would accept it as far as the console can tell.
QList<HealthCheckProblem> validateHealthCheck(const HealthCheckSpec &spec);

// A duration as operators type it ("500ms", "10s", "1m30s"), parsed like the daemon parses them;
// nullopt when it is not one. Empty text is nullopt too.
std::optional<qint64> parseDurationText(const QString &text);
// The shortest exact form of `milliseconds`: 90000 -> "1m30s".
QString durationText(qint64 milliseconds);

// The kinds of check aegisd knows, as UpdateHealthCheck names them.
QStringList healthCheckKinds();

} // namespace aegis::console
