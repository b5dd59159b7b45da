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

// The checks aegisd itself makes of an UpdateHealthCheck, with the daemon's own rules and words
// (validation::validateHealthCheck, which aegisd runs too): aegis.v1.HealthCheck's documented
// limits and the options of its kind as `probers` (ListExtensions) describe them. Made before
// sending so the editor can point at the field. Empty when the daemon would accept it.
QList<HealthCheckProblem> validateHealthCheck(const HealthCheckSpec &spec,
                                              const QList<ExtensionDescription> &probers);

// A duration as operators type it ("500ms", "10s", "1m30s"), parsed like the daemon parses them;
// nullopt when it is not one. Empty text is nullopt too.
std::optional<qint64> parseDurationText(const QString &text);
// The shortest exact form of `milliseconds`: 90000 -> "1m30s".
QString durationText(qint64 milliseconds);

} // namespace aegis::console
