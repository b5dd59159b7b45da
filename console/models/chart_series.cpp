#include "models/chart_series.h"

#include <QDateTime>
#include <QLocale>
#include <QSet>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>

namespace aegis::console {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A gap is more than one and a half steps between points; anything closer is jitter of the
// evaluation times.
bool isGap(double previous, double next, qint64 stepMs) {
    return stepMs > 0 && (next - previous) * 1000.0 > 1.5 * double(stepMs);
}

void appendPoint(ChartSeries &series, double key, double value, qint64 stepMs) {
    if (!series.keys.isEmpty() && isGap(series.keys.last(), key, stepMs) &&
        !std::isnan(series.values.last())) {
        series.keys.append((series.keys.last() + key) / 2);
        series.values.append(kNaN);
    }
    series.keys.append(key);
    series.values.append(value);
}

QString csvCell(const QString &text) {
    if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')) &&
        !text.contains(QLatin1Char('\n'))) {
        return text;
    }
    QString quoted = text;
    quoted.replace(QLatin1Char('"'), QLatin1String("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

} // namespace

QString seriesKey(const MetricLabels &labels) {
    QStringList parts;
    for (auto it = labels.cbegin(); it != labels.cend(); ++it) {
        QString value = it.value();
        value.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
            .replace(QLatin1Char('"'), QLatin1String("\\\""));
        parts.append(it.key() + QLatin1String("=\"") + value + QLatin1Char('"'));
    }
    return QLatin1Char('{') + parts.join(QLatin1Char(',')) + QLatin1Char('}');
}

ChartSeries toChartSeries(const MetricSeries &series, qint64 stepMs, int role) {
    ChartSeries result;
    result.labels = series.labels;
    result.role = role;
    result.key = QString::number(role) + seriesKey(series.labels);
    result.keys.reserve(series.timestampsMs.size());
    result.values.reserve(series.values.size());
    for (qsizetype i = 0; i < series.timestampsMs.size(); ++i) {
        appendPoint(result, double(series.timestampsMs[i]) / 1000.0, series.values[i], stepMs);
    }
    return result;
}

void appendTail(ChartSeries &series, const MetricSeries &tail, qint64 stepMs, double windowStart) {
    const double last =
        series.keys.isEmpty() ? -std::numeric_limits<double>::infinity() : series.keys.last();
    for (qsizetype i = 0; i < tail.timestampsMs.size(); ++i) {
        const double key = double(tail.timestampsMs[i]) / 1000.0;
        if (key > last) {
            appendPoint(series, key, tail.values[i], stepMs);
        }
    }
    const auto firstKept = std::lower_bound(series.keys.cbegin(), series.keys.cend(), windowStart);
    const qsizetype dropped = firstKept - series.keys.cbegin();
    if (dropped > 0) {
        series.keys.remove(0, dropped);
        series.values.remove(0, dropped);
    }
}

QStringList legendNames(const QList<MetricLabels> &labels, const QString &prefix) {
    // The labels whose values are not the same in every series.
    QSet<QString> varying;
    QSet<QString> names;
    for (const MetricLabels &set : labels) {
        for (auto it = set.cbegin(); it != set.cend(); ++it) {
            names.insert(it.key());
        }
    }
    for (const QString &name : names) {
        const QString first = labels.isEmpty() ? QString() : labels.first().value(name);
        for (const MetricLabels &set : labels) {
            if (!set.contains(name) || set.value(name) != first) {
                varying.insert(name);
                break;
            }
        }
    }
    QStringList result;
    result.reserve(labels.size());
    for (const MetricLabels &set : labels) {
        QStringList parts;
        if (!prefix.isEmpty()) {
            parts.append(prefix);
        }
        // The labels a release differs by come first, then the rest by name.
        static const std::array<QString, 4> kFirst{
            QStringLiteral("color"), QStringLiteral("version"), QStringLiteral("instance"),
            QStringLiteral("__name__")};
        QStringList rest;
        for (auto it = set.cbegin(); it != set.cend(); ++it) {
            if (varying.contains(it.key()) &&
                std::find(kFirst.begin(), kFirst.end(), it.key()) == kFirst.end()) {
                // One label telling them apart needs no name.
                rest.append(varying.size() == 1 ? it.value()
                                                : it.key() + QLatin1Char('=') + it.value());
            }
        }
        for (const QString &name : kFirst) {
            if (varying.contains(name) && set.contains(name)) {
                parts.append(set.value(name));
            }
        }
        parts.append(rest);
        if (parts.isEmpty()) {
            parts.append(set.value(QStringLiteral("__name__")));
        }
        if (parts.join(QString()).isEmpty()) {
            parts = QStringList{seriesKey(set)};
        }
        result.append(parts.join(QLatin1Char(' ')));
    }
    return result;
}

double valueAt(const ChartSeries &series, double key, double tolerance) {
    const auto &keys = series.keys;
    if (keys.isEmpty()) {
        return kNaN;
    }
    const auto after = std::lower_bound(keys.cbegin(), keys.cend(), key);
    qsizetype best = -1;
    double bestDistance = std::numeric_limits<double>::infinity();
    for (auto it : {after - 1, after}) {
        if (it < keys.cbegin() || it >= keys.cend()) {
            continue;
        }
        const double distance = std::fabs(*it - key);
        if (distance < bestDistance) {
            bestDistance = distance;
            best = it - keys.cbegin();
        }
    }
    if (best < 0 || bestDistance > tolerance) {
        return kNaN;
    }
    return series.values[best];
}

int maxPointsForWidth(int pixels) {
    return std::clamp(pixels, 60, 11000);
}

qint64 stepForRange(qint64 rangeMs, int maxPoints, qint64 minStepMs) {
    const qint64 needed = std::max<qint64>(
        {1000, minStepMs, (rangeMs + std::max(maxPoints, 2) - 1) / std::max(maxPoints, 2)});
    static constexpr std::array<qint64, 21> kSteps{
        1000,     2000,     5000,     10000,    15000,     30000,     60000,
        120000,   300000,   600000,   900000,   1800000,   3600000,   7200000,
        10800000, 21600000, 43200000, 86400000, 172800000, 604800000, 2592000000};
    for (const qint64 step : kSteps) {
        if (step >= needed) {
            return step;
        }
    }
    return needed;
}

bool needsAdaptiveSampling(qsizetype points, int pixels) {
    return points > qsizetype(std::max(pixels, 1));
}

QString toCsv(const QList<ChartSeries> &series) {
    // time -> one cell per series; std::map keeps the times in order.
    std::map<double, QVector<double>> rows;
    for (qsizetype column = 0; column < series.size(); ++column) {
        const ChartSeries &one = series[column];
        for (qsizetype i = 0; i < one.keys.size(); ++i) {
            if (std::isnan(one.values[i])) {
                continue;
            }
            auto &row = rows[one.keys[i]];
            if (row.isEmpty()) {
                row.fill(kNaN, series.size());
            }
            row[column] = one.values[i];
        }
    }
    QString csv = QStringLiteral("time");
    for (const ChartSeries &one : series) {
        csv += QLatin1Char(',') + csvCell(one.name);
    }
    csv += QLatin1Char('\n');
    for (const auto &[key, values] : rows) {
        csv += QDateTime::fromMSecsSinceEpoch(qint64(std::llround(key * 1000)), Qt::UTC)
                   .toString(Qt::ISODateWithMs);
        for (const double value : values) {
            csv += QLatin1Char(',');
            if (!std::isnan(value)) {
                csv += QLocale::c().toString(value, 'g', 17);
            }
        }
        csv += QLatin1Char('\n');
    }
    return csv;
}

} // namespace aegis::console
