#include "models/series_colors.h"

#include "models/chart_series.h"

#include <array>

namespace aegis::console {
namespace {

// Based on the Tableau 10 palette (light) and brighter variants of the same hues (dark); the
// blue and green deployment colours are left out so they stay the release's.
constexpr std::array<QRgb, 10> kLight{0xe15759, 0xf28e2b, 0x76b7b2, 0xb07aa1, 0x9c755f,
                                      0xff9da7, 0xedc948, 0x8c564b, 0x17becf, 0x7f7f7f};
constexpr std::array<QRgb, 10> kDark{0xff7b7d, 0xffa94d, 0x8fd6d0, 0xd39ccc, 0xc9a284,
                                     0xffb8c0, 0xf5d96b, 0xc08a7e, 0x4fd8e6, 0xb0b0b0};

// FNV-1a: the same on every run and machine (qHash is seeded per process).
quint32 stableHash(const QString &text) {
    quint32 hash = 2166136261u;
    for (const QChar c : text) {
        hash ^= c.unicode();
        hash *= 16777619u;
    }
    return hash;
}

} // namespace

int SeriesColors::paletteSize() {
    return int(kLight.size());
}

QColor SeriesColors::paletteColor(int index, bool dark) {
    const auto &palette = dark ? kDark : kLight;
    return QColor::fromRgb(palette[std::size_t(index) % palette.size()]);
}

int SeriesColors::preferredIndex(const MetricLabels &labels) {
    return int(stableHash(seriesKey(labels)) % quint32(paletteSize()));
}

QList<QColor> SeriesColors::assign(const QList<MetricLabels> &labels, bool dark,
                                   const QColor &deployBlue, const QColor &deployGreen) {
    QList<QColor> result;
    result.reserve(labels.size());
    QList<bool> taken(paletteSize(), false);
    for (const MetricLabels &set : labels) {
        const QString colour = set.value(QStringLiteral("color"));
        if (colour == QLatin1String("blue")) {
            result.append(deployBlue);
            continue;
        }
        if (colour == QLatin1String("green")) {
            result.append(deployGreen);
            continue;
        }
        int index = preferredIndex(set);
        for (int probe = 0; probe < paletteSize(); ++probe) {
            const int candidate = (index + probe) % paletteSize();
            if (!taken[candidate]) {
                index = candidate;
                break;
            }
        }
        taken[index] = true;
        result.append(paletteColor(index, dark));
    }
    return result;
}

QList<QColor> SeriesColors::assignServices(const QStringList &services, bool dark) {
    // Entries 0 (red), 5 (pink) and 7 (a red brown, salmon on dark) read as errors next to a
    // red error mark.
    const auto reserved = [](int index) { return index == 0 || index == 5 || index == 7; };
    QList<QColor> result;
    result.reserve(services.size());
    QList<bool> taken(paletteSize(), false);
    for (const QString &service : services) {
        const int preferred = preferredIndex({{QStringLiteral("service"), service}});
        int index = -1;
        for (int probe = 0; probe < paletteSize() && index < 0; ++probe) {
            const int candidate = (preferred + probe) % paletteSize();
            if (!reserved(candidate) && !taken[candidate]) {
                index = candidate;
            }
        }
        if (index < 0) {
            // More services than colours: share, still never red.
            index = preferred;
            while (reserved(index)) {
                index = (index + 1) % paletteSize();
            }
        }
        taken[index] = true;
        result.append(paletteColor(index, dark));
    }
    return result;
}

} // namespace aegis::console
