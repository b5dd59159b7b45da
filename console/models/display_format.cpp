#include "models/display_format.h"

#include <QCoreApplication>
#include <QLocale>

namespace aegis::console {
namespace {

// The translation context of this file's texts, which belong to no QObject.
struct DisplayFormat {
    Q_DECLARE_TR_FUNCTIONS(DisplayFormat)
};

} // namespace

QString humanDuration(qint64 milliseconds) {
    const qint64 seconds = std::max<qint64>(0, milliseconds / 1000);
    const qint64 minutes = seconds / 60;
    const qint64 hours = minutes / 60;
    const qint64 days = hours / 24;
    if (seconds < 60) {
        return DisplayFormat::tr("%1 s").arg(seconds);
    }
    if (minutes < 60) {
        return DisplayFormat::tr("%1 min").arg(minutes);
    }
    if (hours < 24) {
        return minutes % 60 == 0 ? DisplayFormat::tr("%1 h").arg(hours)
                                 : DisplayFormat::tr("%1 h %2 min").arg(hours).arg(minutes % 60);
    }
    return hours % 24 == 0 ? DisplayFormat::tr("%1 d").arg(days)
                           : DisplayFormat::tr("%1 d %2 h").arg(days).arg(hours % 24);
}

QString relativeTime(const QDateTime &time, const QDateTime &now) {
    if (!time.isValid()) {
        return QStringLiteral("—");
    }
    const qint64 seconds = time.secsTo(now);
    if (seconds < 5) {
        return DisplayFormat::tr("just now");
    }
    if (seconds < 60) {
        return DisplayFormat::tr("%1 s ago").arg(seconds);
    }
    if (seconds < 3600) {
        return DisplayFormat::tr("%1 min ago").arg(seconds / 60);
    }
    if (seconds < 24 * 3600) {
        return DisplayFormat::tr("%1 h ago").arg(seconds / 3600);
    }
    const QDate day = time.toLocalTime().date();
    if (day == now.toLocalTime().date().addDays(-1)) {
        return DisplayFormat::tr("yesterday %1")
            .arg(time.toLocalTime().toString(QStringLiteral("HH:mm")));
    }
    return time.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}

QString absoluteTime(const QDateTime &time) {
    if (!time.isValid()) {
        return QStringLiteral("—");
    }
    return time.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

QString monthDayTime(const QDateTime &time, bool withSeconds) {
    if (!time.isValid()) {
        return QStringLiteral("—");
    }
    // QDateTime::toString() names months in English whatever the language; QLocale names them in
    // its own, and each language orders month, day and time its own way.
    const QDateTime local = time.toLocalTime();
    if (withSeconds) {
        //: A QLocale date format: MMM the month's name, d the day, HH:mm:ss the time.
        return QLocale().toString(local, DisplayFormat::tr("MMM d, HH:mm:ss"));
    }
    //: A QLocale date format: MMM the month's name, d the day, HH:mm the time.
    return QLocale().toString(local, DisplayFormat::tr("MMM d, HH:mm"));
}

QString formatCount(qint64 value) {
    return QLocale().toString(value);
}

QString spanDuration(qint64 nanoseconds) {
    if (nanoseconds < 0) {
        nanoseconds = 0;
    }
    if (nanoseconds < 1000) {
        return DisplayFormat::tr("%1 ns").arg(nanoseconds);
    }
    if (nanoseconds >= qint64(60) * 1000 * 1000 * 1000) {
        return humanDuration(nanoseconds / 1000000);
    }
    const auto scaled = [](double value, const char *unit) {
        const int decimals = value < 9.995 ? 2 : value < 99.95 ? 1 : 0;
        return DisplayFormat::tr(unit).arg(QLocale().toString(value, 'f', decimals));
    };
    const double value = double(nanoseconds);
    if (nanoseconds < 999500) {
        return scaled(value / 1e3, QT_TRANSLATE_NOOP("DisplayFormat", "%1 µs"));
    }
    if (nanoseconds < 999500000) {
        return scaled(value / 1e6, QT_TRANSLATE_NOOP("DisplayFormat", "%1 ms"));
    }
    return scaled(value / 1e9, QT_TRANSLATE_NOOP("DisplayFormat", "%1 s"));
}

} // namespace aegis::console
