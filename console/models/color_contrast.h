#pragma once

#include <QColor>

namespace aegis::console {

// WCAG 2.x text contrast: normal text needs at least 4.5:1 against what it is drawn on.
inline constexpr double kMinimumTextContrast = 4.5;

// The relative luminance of an opaque colour (WCAG 2.x), from 0 (black) to 1 (white).
double relativeLuminance(const QColor &color);

// (lighter + 0.05) / (darker + 0.05), from 1 to 21; the alpha of either colour is ignored.
double contrastRatio(const QColor &a, const QColor &b);

// `color` painted with its alpha over the opaque `background`: the colour the eye sees.
QColor composite(const QColor &color, const QColor &background);

// `tone` as text on `background` at `minimum` contrast or more: `tone` itself when it already
// reaches it, else `tone` moved towards black (on a light background) or white (on a dark one)
// until it does, keeping its hue as far as it can.
QColor legibleOn(const QColor &tone, const QColor &background,
                 double minimum = kMinimumTextContrast);

} // namespace aegis::console
