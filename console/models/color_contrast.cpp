#include "models/color_contrast.h"

#include <algorithm>
#include <cmath>

namespace aegis::console {
namespace {

double linear(double channel) {
    return channel <= 0.03928 ? channel / 12.92 : std::pow((channel + 0.055) / 1.055, 2.4);
}

QColor mix(const QColor &from, const QColor &to, double amount) {
    const auto channel = [amount](int a, int b) {
        return static_cast<int>(std::lround(a + (b - a) * amount));
    };
    return QColor(channel(from.red(), to.red()), channel(from.green(), to.green()),
                  channel(from.blue(), to.blue()));
}

} // namespace

double relativeLuminance(const QColor &color) {
    const QColor rgb = color.toRgb();
    return 0.2126 * linear(rgb.redF()) + 0.7152 * linear(rgb.greenF()) +
           0.0722 * linear(rgb.blueF());
}

double contrastRatio(const QColor &a, const QColor &b) {
    const double la = relativeLuminance(a);
    const double lb = relativeLuminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

QColor composite(const QColor &color, const QColor &background) {
    const QColor over = color.toRgb();
    QColor opaque = over;
    opaque.setAlpha(255);
    return mix(background.toRgb(), opaque, over.alphaF());
}

QColor legibleOn(const QColor &tone, const QColor &background, double minimum) {
    QColor opaque = tone.toRgb();
    opaque.setAlpha(255);
    if (contrastRatio(opaque, background) >= minimum) {
        return opaque;
    }
    const QColor target =
        relativeLuminance(background) > 0.18 ? QColor(Qt::black) : QColor(Qt::white);
    // Twenty steps of 5 % reach the target itself, which always has the most contrast there is.
    for (int step = 1; step <= 20; ++step) {
        const QColor candidate = mix(opaque, target, step / 20.0);
        if (contrastRatio(candidate, background) >= minimum) {
            return candidate;
        }
    }
    return target;
}

} // namespace aegis::console
