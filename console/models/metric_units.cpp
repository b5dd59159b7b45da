#include "models/metric_units.h"

#include <QCoreApplication>
#include <QLocale>

#include <cmath>

namespace aegis::console {
namespace {

// The translation context of this file's texts, which belong to no QObject.
struct MetricUnitTexts {
    Q_DECLARE_TR_FUNCTIONS(MetricUnitTexts)
};

} // namespace

UnitScale unitScale(MetricUnit unit, double magnitude) {
    const double m = std::isfinite(magnitude) ? std::fabs(magnitude) : 0;
    switch (unit) {
    case MetricUnit::Seconds:
        if (m == 0 || m >= 1) {
            return {1, MetricUnitTexts::tr("s")};
        }
        if (m >= 1e-3) {
            return {1e-3, MetricUnitTexts::tr("ms")};
        }
        return {1e-6, MetricUnitTexts::tr("µs")};
    case MetricUnit::Bytes: {
        constexpr double kKiB = 1024;
        if (m >= kKiB * kKiB * kKiB) {
            return {kKiB * kKiB * kKiB, MetricUnitTexts::tr("GiB")};
        }
        if (m >= kKiB * kKiB) {
            return {kKiB * kKiB, MetricUnitTexts::tr("MiB")};
        }
        if (m >= kKiB) {
            return {kKiB, MetricUnitTexts::tr("KiB")};
        }
        return {1, MetricUnitTexts::tr("B")};
    }
    case MetricUnit::Ratio:
        return {0.01, QStringLiteral("%")};
    case MetricUnit::RequestsPerSecond:
        if (m >= 1e6) {
            return {1e6, MetricUnitTexts::tr("M req/s")};
        }
        if (m >= 1e4) {
            return {1e3, MetricUnitTexts::tr("k req/s")};
        }
        return {1, MetricUnitTexts::tr("req/s")};
    case MetricUnit::Cores:
        // Below one core in thousandths, as Kubernetes writes CPU ("250m").
        if (m > 0 && m < 1) {
            return {1e-3, MetricUnitTexts::tr("mCPU")};
        }
        return {1, MetricUnitTexts::tr("cores")};
    case MetricUnit::Number:
        if (m >= 1e9) {
            return {1e9, MetricUnitTexts::tr("G")};
        }
        if (m >= 1e6) {
            return {1e6, MetricUnitTexts::tr("M")};
        }
        if (m >= 1e4) {
            return {1e3, MetricUnitTexts::tr("k")};
        }
        return {1, {}};
    }
    return {1, {}};
}

QString formatScaled(double value, const UnitScale &scale) {
    if (!std::isfinite(value)) {
        return QStringLiteral("–");
    }
    const double scaled = value / scale.divisor;
    const double m = std::fabs(scaled);
    // Three significant digits at most, with trailing zeros dropped.
    const int decimals = m >= 100 || m == 0 ? 0 : m >= 10 ? 1 : m >= 1 ? 2 : 3;
    QString number = QLocale::c().toString(scaled, 'f', decimals);
    if (number.contains(QLatin1Char('.'))) {
        while (number.endsWith(QLatin1Char('0'))) {
            number.chop(1);
        }
        if (number.endsWith(QLatin1Char('.'))) {
            number.chop(1);
        }
    }
    if (number == QLatin1String("-0")) {
        number = QStringLiteral("0");
    }
    return scale.suffix.isEmpty() ? number : number + QLatin1Char(' ') + scale.suffix;
}

QString formatMetricValue(double value, MetricUnit unit) {
    return formatScaled(value, unitScale(unit, value));
}

} // namespace aegis::console
