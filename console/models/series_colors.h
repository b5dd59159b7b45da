#pragma once

#include "net/metrics_types.h"

#include <QColor>
#include <QList>

namespace aegis::console {

// The colours a chart draws its series in: each series' colour follows from its labels alone (a
// hash into a palette tuned to be told apart on a light and on a dark background), so a series
// keeps its colour across reloads, zooms and pages. A series of a blue-green deployment colour
// (label color="blue" or "green") is drawn in that colour, so a release reads at a glance.
class SeriesColors final {
public:
    // The palette's size.
    static int paletteSize();
    // Entry `index` of the palette for a dark or a light background.
    static QColor paletteColor(int index, bool dark);
    // The palette entry `labels` hash to, before collisions are resolved.
    static int preferredIndex(const MetricLabels &labels);

    // One colour per label set, in order: each takes its preferred entry unless an earlier one
    // of the same chart took it, then the next free one, so a chart's series stay apart while the
    // palette lasts. `deployBlue` and `deployGreen` are the theme's deployment colours.
    static QList<QColor> assign(const QList<MetricLabels> &labels, bool dark,
                                const QColor &deployBlue, const QColor &deployGreen);
    // One colour per service name for trace views (the waterfall, the scatter plot), in order:
    // as assign() gives a chart's series labelled {service="name"}, except that the palette's
    // reddish entries are left out, because a trace view keeps red for errors.
    static QList<QColor> assignServices(const QStringList &services, bool dark);
};

} // namespace aegis::console
