#pragma once

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QMetaType>
#include <QString>
#include <QStringList>

// What MetricsService answers, as plain values: series with their points, label names and
// values, the backend's state and its targets.
namespace aegis::console {

// A series' labels by name (so sorted by name, as the daemon sends them).
using MetricLabels = QMap<QString, QString>;

// One time series: timestampsMs[i] (milliseconds since the epoch, ascending) is the time of
// values[i]. A label set alone (Series) has no points.
struct MetricSeries {
    MetricLabels labels;
    QList<qint64> timestampsMs;
    QList<double> values;

    friend bool operator==(const MetricSeries &, const MetricSeries &) = default;
};

// Mirrors aegis.v1.ResultType; the numeric values are the protocol's.
enum class QueryResultType { Unspecified = 0, Vector = 1, Matrix = 2, Scalar = 3, String = 4 };

// An instant query's answer (Query).
struct InstantQueryResult {
    QueryResultType type = QueryResultType::Unspecified;
    QList<MetricSeries> series;
    QString stringValue;
    QStringList warnings;
    qint64 revision = 0;
};

// What QueryRange evaluates: `query` from `start` to `end` (invalid: now) at `stepMs` (0: the
// range over maxPoints), at most `maxPoints` points per series (0: the daemon's default, 1100).
struct RangeQuery {
    QString query;
    QDateTime start;
    QDateTime end;
    qint64 stepMs = 0;
    int maxPoints = 0;
};

struct RangeQueryResult {
    QueryResultType type = QueryResultType::Unspecified;
    QList<MetricSeries> series;
    // The step the backend evaluated at (the one asked for, or wider).
    qint64 stepMs = 0;
    QStringList warnings;
};

// Series: the label sets that matched.
struct SeriesList {
    QList<MetricLabels> series;
    bool truncated = false;
};

struct LabelValueList {
    QStringList values;
    bool truncated = false;
};

// Mirrors aegis.v1.MetricsBackendMode and MetricsBackendState.
enum class MetricsBackendMode { Unspecified = 0, None = 1, Managed = 2, External = 3 };
enum class MetricsBackendState { Unspecified = 0, Disabled = 1, Starting = 2, Ready = 3, Down = 4 };

// A copy of aegis.v1.MetricsBackendStatus.
struct MetricsBackendStatus {
    MetricsBackendMode mode = MetricsBackendMode::Unspecified;
    MetricsBackendState state = MetricsBackendState::Unspecified;
    QString url;
    // Why it is down or starting.
    QString detail;
    qint64 restarts = 0;
    QDateTime since;
    qint64 scrapeIntervalMs = 0;
};

// Mirrors aegis.v1.TargetHealth.
enum class TargetHealth { Unspecified = 0, Unknown = 1, Up = 2, Down = 3 };

// A copy of aegis.v1.Target.
struct MetricsTarget {
    MetricLabels labels;
    QString scrapeUrl;
    QString scrapePool;
    TargetHealth health = TargetHealth::Unspecified;
    QString lastError;
    QDateTime lastScrape;
    qint64 lastScrapeDurationUs = 0;
};

struct MetricsTargets {
    MetricsBackendStatus backend;
    QList<MetricsTarget> targets;
};

// What WatchQuery follows: the tail of `query` over the last `windowMs`, at `stepMs`, evaluated
// every `intervalMs` (each 0: the daemon's default).
struct QueryWatchOptions {
    QString query;
    qint64 windowMs = 0;
    qint64 stepMs = 0;
    qint64 intervalMs = 0;
    int maxPoints = 0;
};

// One WatchQuery message.
struct QueryTail {
    // Replaces everything received before (the first message, and the first after the backend
    // came back); otherwise the points are appended to the series with the same labels.
    bool snapshot = false;
    QList<MetricSeries> series;
    qint64 stepMs = 0;
    QDateTime evaluatedAt;
    // Why the backend does not answer right now; empty once it does again.
    QString backendError;
};

} // namespace aegis::console

Q_DECLARE_METATYPE(aegis::console::MetricSeries)
Q_DECLARE_METATYPE(aegis::console::MetricsBackendStatus)
Q_DECLARE_METATYPE(aegis::console::MetricsTargets)
Q_DECLARE_METATYPE(aegis::console::QueryTail)
