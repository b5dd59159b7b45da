#include "views/health_timeline_view.h"

#include "models/display_names.h"
#include "models/health_timeline_model.h"
#include "views/instance_delegate.h"
#include "views/theme.h"

#include <QHelpEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>

#include <algorithm>

namespace aegis::console {
namespace {

constexpr int kTrackHeight = 16;
constexpr int kTickLength = 4;
constexpr int kGap = 3;
// A segment too short to see at this scale is still drawn this wide, so a blip is noticed.
constexpr int kMinimumSegmentWidth = 2;

// A tick every `step` ms: about six across the window, at round clock times.
qint64 tickStep(qint64 spanMs) {
    const qint64 minute = 60 * 1000;
    for (qint64 step : {minute, 2 * minute, 5 * minute, 10 * minute, 15 * minute, 30 * minute,
                        60 * minute, 120 * minute, 360 * minute}) {
        if (spanMs / step <= 7) {
            return step;
        }
    }
    return 24 * 60 * minute;
}

} // namespace

HealthTimelineView::HealthTimelineView(QWidget *parent)
    : QWidget(parent) {
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void HealthTimelineView::setModel(HealthTimelineModel *model) {
    if (m_model) {
        disconnect(m_model, nullptr, this, nullptr);
    }
    m_model = model;
    if (model) {
        const auto repaint = [this] { update(); };
        connect(model, &QAbstractItemModel::modelReset, this, repaint);
        connect(model, &QAbstractItemModel::rowsInserted, this, repaint);
        connect(model, &QAbstractItemModel::rowsRemoved, this, repaint);
        connect(model, &QAbstractItemModel::dataChanged, this, repaint);
    }
    update();
}

void HealthTimelineView::setPlaceholder(const QString &text) {
    if (text != m_placeholder) {
        m_placeholder = text;
        update();
    }
}

QSize HealthTimelineView::sizeHint() const {
    const int line = fontMetrics().height();
    return {480, kTrackHeight + kTickLength + kGap + line + kGap * 2 + line};
}

QSize HealthTimelineView::minimumSizeHint() const {
    return {200, sizeHint().height()};
}

QRect HealthTimelineView::trackRect() const {
    const QRect area = contentsRect();
    return {area.left() + 1, area.top() + 1, area.width() - 2, kTrackHeight};
}

int HealthTimelineView::xFor(qint64 msecsSinceEpoch) const {
    const QRect track = trackRect();
    if (!m_model) {
        return track.left();
    }
    const qint64 start = m_model->windowStart().toMSecsSinceEpoch();
    const qint64 span = std::max<qint64>(1, m_model->windowEnd().toMSecsSinceEpoch() - start);
    const double share = double(msecsSinceEpoch - start) / double(span);
    return track.left() + int(std::clamp(share, 0.0, 1.0) * track.width() + 0.5);
}

int HealthTimelineView::rowAtX(int x) const {
    if (!m_model) {
        return -1;
    }
    // Short segments are painted wider than their time; the last painted at x wins.
    for (int row = m_model->rowCount() - 1; row >= 0; --row) {
        const HealthSegment segment = m_model->segmentAt(row);
        const int left = xFor(segment.start.toMSecsSinceEpoch());
        const int right =
            std::max(left + kMinimumSegmentWidth, xFor(segment.end.toMSecsSinceEpoch()));
        if (x >= left && x < right) {
            return row;
        }
    }
    return -1;
}

QString HealthTimelineView::toolTipAtX(int x) const {
    const int row = rowAtX(x);
    return row < 0 ? QString() : describeSegment(m_model->segmentAt(row));
}

bool HealthTimelineView::event(QEvent *event) {
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const QString text = trackRect().adjusted(0, -2, 0, 2).contains(help->pos())
                                 ? toolTipAtX(help->pos().x())
                                 : QString();
        if (text.isEmpty()) {
            QToolTip::hideText();
            event->ignore();
        } else {
            QToolTip::showText(help->globalPos(), text, this);
        }
        return true;
    }
    return QWidget::event(event);
}

void HealthTimelineView::paintEvent(QPaintEvent * /*event*/) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const ThemeColors colors = themeColors(palette());
    const QRect track = trackRect();
    const QColor text = palette().color(QPalette::WindowText);

    // The empty track: time with no data.
    QPainterPath trackPath;
    trackPath.addRoundedRect(QRectF(track), 4, 4);
    QColor empty = colors.border;
    empty.setAlpha(colors.dark ? 160 : 110);
    painter.fillPath(trackPath, empty);

    QList<HealthBadge> shown;
    const int rows = m_model ? m_model->rowCount() : 0;
    painter.save();
    painter.setClipPath(trackPath);
    for (int row = 0; row < rows; ++row) {
        const HealthSegment segment = m_model->segmentAt(row);
        const int left = xFor(segment.start.toMSecsSinceEpoch());
        const int right =
            std::max(left + kMinimumSegmentWidth, xFor(segment.end.toMSecsSinceEpoch()));
        painter.fillRect(QRect(left, track.top(), right - left, track.height()),
                         healthBadgeTone(segment.badge, colors));
        if (!shown.contains(segment.badge)) {
            shown.append(segment.badge);
        }
    }
    painter.restore();

    // Time before the first segment (before the instance registered): say so if it fits.
    if (rows > 0) {
        const QDateTime dataStart = m_model->segmentAt(0).start;
        const int emptyRight = xFor(dataStart.toMSecsSinceEpoch());
        const QString note = tr("no data before %1")
                                 .arg(dataStart.toLocalTime().toString(QStringLiteral("HH:mm:ss")));
        QFont small = font();
        small.setPointSizeF(small.pointSizeF() * 0.9);
        const QFontMetrics smallMetrics(small);
        if (emptyRight - track.left() > smallMetrics.horizontalAdvance(note) + 24) {
            painter.setFont(small);
            painter.setPen(colors.muted);
            painter.drawText(
                QRect(track.left(), track.top(), emptyRight - track.left(), track.height()),
                Qt::AlignCenter, note);
            painter.setFont(font());
        }
    }

    if (rows == 0 && !m_placeholder.isEmpty()) {
        QFont small = font();
        small.setPointSizeF(small.pointSizeF() * 0.9);
        painter.setFont(small);
        painter.setPen(colors.muted);
        painter.drawText(
            track, Qt::AlignCenter,
            QFontMetrics(small).elidedText(m_placeholder, Qt::ElideRight, track.width() - 12));
        painter.setFont(font());
    }

    // The axis: ticks at round clock times, labelled in local time; "now" at the right end.
    if (!m_model) {
        return;
    }
    const QFontMetrics metrics = fontMetrics();
    const int tickTop = track.bottom() + 2;
    const int labelTop = tickTop + kTickLength + 1;
    const qint64 start = m_model->windowStart().toMSecsSinceEpoch();
    const qint64 end = m_model->windowEnd().toMSecsSinceEpoch();
    const qint64 step = tickStep(end - start);
    // Align ticks to local clock time, not to UTC.
    const qint64 offset = qint64(m_model->windowEnd().toLocalTime().offsetFromUtc()) * 1000;
    qint64 tick = ((start + offset) / step + 1) * step - offset;
    const QString nowLabel = tr("now");
    const int nowWidth = metrics.horizontalAdvance(nowLabel);
    painter.setPen(colors.muted);
    for (; tick < end; tick += step) {
        const int x = xFor(tick);
        painter.drawLine(x, tickTop, x, tickTop + kTickLength);
        const QString label =
            QDateTime::fromMSecsSinceEpoch(tick).toLocalTime().toString(QStringLiteral("HH:mm"));
        const int width = metrics.horizontalAdvance(label);
        QRect labelRect(x - width / 2, labelTop, width, metrics.height());
        if (labelRect.left() < track.left()) {
            labelRect.moveLeft(track.left());
        }
        if (labelRect.right() > track.right() - nowWidth - 8) {
            continue; // It would run into "now".
        }
        painter.drawText(labelRect, Qt::AlignCenter, label);
    }
    painter.drawLine(track.right(), tickTop, track.right(), tickTop + kTickLength);
    painter.drawText(QRect(track.right() - nowWidth, labelTop, nowWidth, metrics.height()),
                     Qt::AlignRight, nowLabel);

    // The legend: the badges the window shows, worst last, each a swatch and its name.
    std::sort(shown.begin(), shown.end());
    int x = track.left();
    const int legendTop = labelTop + metrics.height() + kGap * 2;
    for (HealthBadge badge : std::as_const(shown)) {
        const int swatch = metrics.height() - 6;
        painter.setPen(Qt::NoPen);
        painter.setBrush(healthBadgeTone(badge, colors));
        painter.drawRoundedRect(QRect(x, legendTop + 3, swatch, swatch), 2, 2);
        x += swatch + 5;
        const QString name = healthBadgeName(badge);
        painter.setPen(text);
        painter.drawText(QRect(x, legendTop, metrics.horizontalAdvance(name), metrics.height()),
                         Qt::AlignLeft | Qt::AlignVCenter, name);
        x += metrics.horizontalAdvance(name) + 14;
    }
}

} // namespace aegis::console
