#include "views/traffic_bar.h"

#include "models/metric_units.h"
#include "models/rollout_format.h"
#include "views/rollout_delegate.h"
#include "views/theme.h"

#include <QPainter>
#include <QPainterPath>

namespace aegis::console {
namespace {

constexpr int kBarHeight = 26;
constexpr int kLabelGap = 4;

QFont labelFont(const QFont &base) {
    QFont font = base;
    font.setWeight(QFont::DemiBold);
    return font;
}

} // namespace

TrafficBar::TrafficBar(QWidget *parent)
    : QWidget(parent) {
    setObjectName(QStringLiteral("TrafficBar"));
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void TrafficBar::setSplit(const TrafficSplit &split, const QString &fromColour,
                          const QString &blueVersion, const QString &greenVersion) {
    m_split = split;
    m_set = true;
    m_fromColour = fromColour;
    m_blueVersion = blueVersion;
    m_greenVersion = greenVersion;
    setToolTip(tr("Traffic as the router last applied it: %1").arg(trafficText(split)));
    update();
}

void TrafficBar::clear() {
    m_split = {};
    m_set = false;
    setToolTip({});
    update();
}

QSize TrafficBar::sizeHint() const {
    return {480, minimumSizeHint().height()};
}

QSize TrafficBar::minimumSizeHint() const {
    // The bar, and a line below it for labels that do not fit inside.
    return {200, kBarHeight + kLabelGap + QFontMetrics(labelFont(font())).height() + 2};
}

QRect TrafficBar::barRect() const {
    return {0, 0, width(), kBarHeight};
}

void TrafficBar::setRates(const QMap<QString, double> &requestsPerSecond) {
    if (requestsPerSecond == m_rates) {
        return;
    }
    m_rates = requestsPerSecond;
    update();
}

QList<TrafficBar::Segment> TrafficBar::segments() const {
    const QString left =
        m_fromColour == QLatin1String("green") ? QStringLiteral("green") : QStringLiteral("blue");
    const QString right =
        left == QLatin1String("blue") ? QStringLiteral("green") : QStringLiteral("blue");
    const QRect bar = barRect();
    const QFontMetrics metrics(labelFont(font()));
    QList<Segment> result;
    int x = bar.left();
    const int total = m_split.blue + m_split.green;
    for (const QString &colour : {left, right}) {
        Segment segment;
        segment.colour = colour;
        segment.percent = m_split.share(colour);
        segment.version = colour == QLatin1String("blue") ? m_blueVersion : m_greenVersion;
        const bool last = colour == right;
        const int width = total <= 0 ? 0
                          : last     ? bar.right() + 1 - x
                                     : bar.width() * segment.percent / total;
        if (width > 0 && segment.percent > 0) {
            segment.rect = QRect(x, bar.top(), width, bar.height());
        }
        x += width;
        const QString name = segment.version.isEmpty()
                                 ? colour
                                 : QStringLiteral("%1 %2").arg(colour, segment.version);
        segment.label = tr("%1 · %2 %").arg(name).arg(segment.percent);
        if (m_rates.contains(colour)) {
            segment.label +=
                QStringLiteral(" · ") +
                formatMetricValue(m_rates.value(colour), MetricUnit::RequestsPerSecond);
        }
        segment.labelInside = !segment.rect.isEmpty() &&
                              metrics.horizontalAdvance(segment.label) + 16 <= segment.rect.width();
        result.append(segment);
    }
    return result;
}

void TrafficBar::paintEvent(QPaintEvent *) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const ThemeColors colors = themeColors(palette());
    const QRectF bar = QRectF(barRect()).adjusted(0.5, 0.5, -0.5, -0.5);
    const qreal radius = 6;
    QPainterPath track;
    track.addRoundedRect(bar, radius, radius);
    painter.setPen(Qt::NoPen);
    painter.setBrush(colors.dark ? QColor(0x26, 0x2a, 0x31) : QColor(0xee, 0xf0, 0xf3));
    painter.drawPath(track);

    QFont font = labelFont(this->font());
    painter.setFont(font);
    const QFontMetrics metrics(font);
    if (!m_set || m_split.blue + m_split.green <= 0) {
        painter.setPen(colors.muted);
        painter.drawText(barRect(), Qt::AlignCenter,
                         m_set ? tr("No traffic routed yet") : tr("No traffic information"));
        return;
    }

    const QList<Segment> parts = segments();
    painter.save();
    painter.setClipPath(track);
    for (const Segment &segment : parts) {
        if (segment.rect.isEmpty()) {
            continue;
        }
        painter.setBrush(rolloutToneColor(deployColourTone(segment.colour), colors));
        painter.drawRect(segment.rect);
    }
    // A hairline between the parts, so two similar tones still read as two.
    if (!parts.at(0).rect.isEmpty() && !parts.at(1).rect.isEmpty()) {
        painter.setPen(QPen(palette().color(QPalette::Base), 2));
        const int x = parts.at(1).rect.left();
        painter.drawLine(x, 0, x, barRect().bottom());
    }
    painter.restore();

    // Labels: inside in white, else below the bar under their part's edge in the part's colour.
    const int below = barRect().bottom() + kLabelGap;
    for (int i = 0; i < parts.size(); ++i) {
        const Segment &segment = parts.at(i);
        const QColor tone = rolloutToneColor(deployColourTone(segment.colour), colors);
        if (segment.labelInside) {
            painter.setPen(Qt::white);
            painter.drawText(segment.rect.adjusted(8, 0, -8, 0),
                             (i == 0 ? Qt::AlignLeft : Qt::AlignRight) | Qt::AlignVCenter,
                             segment.label);
            continue;
        }
        painter.setPen(tone);
        const QRect line(0, below, width(), metrics.height());
        painter.drawText(line.adjusted(2, 0, -2, 0),
                         (i == 0 ? Qt::AlignLeft : Qt::AlignRight) | Qt::AlignTop, segment.label);
    }
}

} // namespace aegis::console
