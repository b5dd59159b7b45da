#pragma once

#include "models/display_names.h"

#include <QDateTime>
#include <QString>

namespace aegis::console {

// "45 s", "12 min", "3 h 12 min", "2 d 4 h".
QString humanDuration(qint64 milliseconds);
// "just now", "12 s ago", "3 min ago", "2 h ago", "yesterday", then the date. Times in the
// future (clock skew) read as "just now".
QString relativeTime(const QDateTime &time, const QDateTime &now);
// Local time, "2024-11-24 10:16:03".
QString absoluteTime(const QDateTime &time);
// Local time without the year where space is short, with the month's name in the console's
// language: "Nov 24, 10:16" / "11月24日 10:16", with seconds "Nov 24, 10:16:03".
QString monthDayTime(const QDateTime &time, bool withSeconds = false);
// Thousands separated per the locale.
QString formatCount(qint64 value);
// A span's or trace's duration to three significant digits in the largest unit that keeps it
// at least 1: "850 ns", "12.4 µs", "1.25 ms", "3.40 s"; from a minute on as humanDuration().
QString spanDuration(qint64 nanoseconds);

} // namespace aegis::console
