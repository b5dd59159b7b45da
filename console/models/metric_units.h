#pragma once

#include <QString>

namespace aegis::console {

// What a chart's values measure, so its axis and tooltip say it the way people read it.
enum class MetricUnit {
    // A plain number (k, M for large ones).
    Number,
    // Seconds, shown as µs, ms or s.
    Seconds,
    // Bytes, shown as B, KiB, MiB or GiB.
    Bytes,
    // 0 to 1, shown as a percentage.
    Ratio,
    // Requests per second.
    RequestsPerSecond,
    // CPU seconds per second, shown in cores or, below one, in mCPU (thousandths of a core).
    Cores,
};

// How the values of one axis are shown: divided by `divisor`, followed by `suffix`. One scale for
// the whole axis, so its ticks read 5 ms, 10 ms, 15 ms rather than mixing units.
struct UnitScale {
    double divisor = 1;
    QString suffix;

    friend bool operator==(const UnitScale &, const UnitScale &) = default;
};

// The scale for an axis of `unit` whose largest absolute value is `magnitude`.
UnitScale unitScale(MetricUnit unit, double magnitude);
// `value` in `scale` with up to three significant digits ("12.5 ms"); "–" for NaN.
QString formatScaled(double value, const UnitScale &scale);
// `value` in the scale that suits it alone ("250 µs", "1.5 GiB", "0.3 %").
QString formatMetricValue(double value, MetricUnit unit);

} // namespace aegis::console
