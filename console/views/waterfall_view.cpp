#include "views/waterfall_view.h"

#include "models/display_format.h"
#include "models/series_colors.h"
#include "models/waterfall_model.h"
#include "views/theme.h"

#include <QHelpEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QRegularExpression>
#include <QScrollBar>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace aegis::console {

// Offsets (nanoseconds from the trace's start) of "round" ticks in [start, end], about one per
// 110 pixels of `width`: 1, 2 or 5 times a power of ten.
static std::vector<std::uint64_t> tickTimes(std::uint64_t start, std::uint64_t end, int width) {
    std::vector<std::uint64_t> ticks;
    if (end <= start || width <= 0) {
        return ticks;
    }
    const double span = double(end - start);
    const double wanted = std::max(1.0, span / std::max(1.0, double(width) / 110.0));
    double step = std::pow(10.0, std::floor(std::log10(wanted)));
    for (const double factor : {1.0, 2.0, 5.0, 10.0}) {
        if (step * factor >= wanted) {
            step *= factor;
            break;
        }
    }
    const auto stepNanos = std::max<std::uint64_t>(1, std::uint64_t(step));
    for (std::uint64_t t = (start + stepNanos - 1) / stepNanos * stepNanos; t <= end;
         t += stepNanos) {
        ticks.push_back(t);
    }
    return ticks;
}

// The ruler above the rows: the tree column's heading on the left, ticks with the time since
// the trace's start on the right. Dragging across it selects a range to zoom into.
class TimeRuler final : public QWidget {
public:
    explicit TimeRuler(WaterfallView *view)
        : QWidget(view)
        , m_view(view) {
        setMouseTracking(true);
        setCursor(Qt::IBeamCursor);
        setToolTip(WaterfallView::tr(
            "Drag across the ruler to zoom into a time range; double-click to show "
            "the whole trace."));
    }

    static constexpr int kHeight = 26;

protected:
    void paintEvent(QPaintEvent *) override {
        QPainter painter(this);
        const ThemeColors colors = themeColors(palette());
        painter.fillRect(rect(), colors.card);
        painter.setPen(colors.border);
        painter.drawLine(0, height() - 1, width(), height() - 1);
        const int left = m_view->timelineLeft();
        painter.drawLine(left - 6, 0, left - 6, height());

        QFont font = painter.font();
        font.setPointSizeF(font.pointSizeF() * 0.9);
        painter.setFont(font);
        painter.setPen(colors.muted);
        painter.drawText(QRect(8, 0, left - 20, height()), Qt::AlignVCenter | Qt::AlignLeft,
                         WaterfallView::tr("Service and operation"));

        const std::uint64_t start = m_view->windowStart();
        const std::uint64_t end = m_view->windowEnd();
        const int right = m_view->timelineRight();
        for (const std::uint64_t tick : tickTimes(start, end, right - left)) {
            const int x = int(std::lround(m_view->xFor(tick)));
            painter.setPen(colors.border);
            painter.drawLine(x, height() - 6, x, height() - 1);
            painter.setPen(colors.muted);
            // Round ticks read best without trailing zeros: "50 ms", not "50.0 ms".
            QString label = tick == 0 ? QStringLiteral("0") : spanDuration(qint64(tick));
            label.replace(QRegularExpression(QStringLiteral("\\.0+(?=\\D)")), QString());
            const int textWidth = painter.fontMetrics().horizontalAdvance(label);
            // Keep the last label inside the widget.
            const int textLeft = std::min(x + 3, width() - textWidth - 4);
            painter.drawText(QRect(textLeft, 0, textWidth + 2, height() - 6),
                             Qt::AlignVCenter | Qt::AlignLeft, label);
        }
        if (m_dragging) {
            const int from = std::min(m_dragFrom, m_dragTo);
            const int to = std::max(m_dragFrom, m_dragTo);
            QColor band = colors.accent;
            band.setAlpha(70);
            painter.fillRect(QRect(from, 0, std::max(1, to - from), height()), band);
        }
    }

    void mousePressEvent(QMouseEvent *event) override {
        const int x = int(event->position().x());
        if (event->button() == Qt::LeftButton && onDivider(x)) {
            m_resizing = true;
            return;
        }
        if (event->button() != Qt::LeftButton || x < m_view->timelineLeft()) {
            return;
        }
        m_dragging = true;
        m_dragFrom = m_dragTo = x;
        update();
    }

    void mouseMoveEvent(QMouseEvent *event) override {
        const int x = int(event->position().x());
        if (m_resizing) {
            m_view->setTreeColumnWidth(x - kDividerOffset);
            return;
        }
        if (!m_dragging) {
            setCursor(onDivider(x)                  ? Qt::SplitHCursor
                      : x >= m_view->timelineLeft() ? Qt::IBeamCursor
                                                    : Qt::ArrowCursor);
            return;
        }
        m_dragTo =
            std::clamp(int(event->position().x()), m_view->timelineLeft(), m_view->timelineRight());
        update();
        // Mirror the band over the rows, so the range is seen against the spans.
        m_view->viewport()->update();
    }

    void mouseReleaseEvent(QMouseEvent *event) override {
        m_resizing = false;
        if (!m_dragging || event->button() != Qt::LeftButton) {
            return;
        }
        m_dragging = false;
        update();
        m_view->viewport()->update();
        const int from = std::min(m_dragFrom, m_dragTo);
        const int to = std::max(m_dragFrom, m_dragTo);
        if (to - from >= 3) {
            m_view->setTimeWindow(m_view->timeAt(from), m_view->timeAt(to));
        }
    }

    void mouseDoubleClickEvent(QMouseEvent *) override {
        m_dragging = false;
        m_view->resetZoom();
    }

public:
    bool dragging() const { return m_dragging; }
    int dragFrom() const { return std::min(m_dragFrom, m_dragTo); }
    int dragTo() const { return std::max(m_dragFrom, m_dragTo); }

private:
    // The column divider sits this far right of the tree column's width.
    static constexpr int kDividerOffset = 6;
    bool onDivider(int x) const {
        return std::abs(x - (m_view->timelineLeft() - kDividerOffset)) <= 4;
    }

    WaterfallView *m_view;
    bool m_resizing = false;
    bool m_dragging = false;
    int m_dragFrom = 0;
    int m_dragTo = 0;
};

namespace {

constexpr int kIndent = 14;
constexpr int kArrowSize = 12;
constexpr int kTimelineMargin = 12;

} // namespace

WaterfallView::WaterfallView(QWidget *parent)
    : QAbstractScrollArea(parent)
    , m_ruler(new TimeRuler(this)) {
    setFocusPolicy(Qt::StrongFocus);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    setFrameShape(QFrame::NoFrame);
    viewport()->setMouseTracking(true);
    viewport()->setAttribute(Qt::WA_OpaquePaintEvent);
    m_rowHeight = std::max(22, fontMetrics().height() + 8);
    setViewportMargins(0, TimeRuler::kHeight, 0, 0);
    updateColors();
}

WaterfallView::~WaterfallView() = default;

void WaterfallView::setModel(WaterfallModel *model) {
    m_model = model;
    modelReset();
}

void WaterfallView::modelReset() {
    m_selected = -1;
    m_hoverRow = -1;
    m_windowStart = 0;
    m_windowEnd = m_model ? std::max<std::uint64_t>(1, m_model->durationNanos()) : 1;
    updateColors();
    updateScrollBars();
    verticalScrollBar()->setValue(0);
    viewport()->update();
    m_ruler->update();
    emit timeWindowChanged();
    emit viewportMoved();
}

void WaterfallView::rowsChanged() {
    m_hoverRow = -1;
    updateScrollBars();
    viewport()->update();
    emit viewportMoved();
}

void WaterfallView::setSelectedSpan(int span) {
    if (!m_model || span >= m_model->spanCount()) {
        span = -1;
    }
    if (span >= 0) {
        const int before = m_model->rowsGeneration();
        m_model->reveal(span);
        if (m_model->rowsGeneration() != before) {
            rowsChanged();
            emit visibleRowsChanged();
        }
        scrollToRow(m_model->rowOf(span));
    }
    if (span == m_selected) {
        return;
    }
    m_selected = span;
    viewport()->update();
    emit selectedSpanChanged(span);
}

bool WaterfallView::isZoomed() const {
    return m_model && (m_windowStart > 0 || m_windowEnd < m_model->durationNanos());
}

void WaterfallView::setTimeWindow(std::uint64_t start, std::uint64_t end) {
    const std::uint64_t total = m_model ? std::max<std::uint64_t>(1, m_model->durationNanos()) : 1;
    end = std::min(end, total);
    start = std::min(start, end);
    constexpr std::uint64_t kMinimum = 1000;
    if (end - start < kMinimum) {
        const std::uint64_t middle = start + (end - start) / 2;
        start = middle > kMinimum / 2 ? middle - kMinimum / 2 : 0;
        end = std::min(total, start + kMinimum);
    }
    if (start == m_windowStart && end == m_windowEnd) {
        return;
    }
    m_windowStart = start;
    m_windowEnd = std::max(end, start + 1);
    viewport()->update();
    m_ruler->update();
    emit timeWindowChanged();
}

void WaterfallView::resetZoom() {
    setTimeWindow(0, m_model ? m_model->durationNanos() : 1);
}

void WaterfallView::setTreeColumnWidth(int width) {
    m_userTreeWidth = true;
    m_treeWidth = std::clamp(width, 160, std::max(160, viewport()->width() - 200));
    viewport()->update();
    m_ruler->update();
}

int WaterfallView::firstVisibleRow() const {
    return verticalScrollBar()->value() / m_rowHeight;
}

int WaterfallView::visibleRowCount() const {
    return viewport()->height() / m_rowHeight;
}

void WaterfallView::scrollToRow(int row) {
    if (row < 0) {
        return;
    }
    const int top = row * m_rowHeight;
    const int value = verticalScrollBar()->value();
    const int height = viewport()->height();
    if (top >= value && top + m_rowHeight <= value + height) {
        return;
    }
    if (top < value - height || top > value + 2 * height) {
        verticalScrollBar()->setValue(top - height / 2);
    } else if (top < value) {
        verticalScrollBar()->setValue(top);
    } else {
        verticalScrollBar()->setValue(top + m_rowHeight - height);
    }
}

int WaterfallView::rowAt(int y) const {
    if (!m_model || y < 0) {
        return -1;
    }
    const int row = (y + verticalScrollBar()->value()) / m_rowHeight;
    return row < m_model->rowCount() ? row : -1;
}

int WaterfallView::timelineLeft() const {
    return m_treeWidth + kTimelineMargin;
}

int WaterfallView::timelineRight() const {
    return std::max(timelineLeft() + 1, viewport()->width() - kTimelineMargin - 70);
}

double WaterfallView::xFor(std::uint64_t nanos) const {
    const double width = double(timelineRight() - timelineLeft());
    const double span = double(m_windowEnd - m_windowStart);
    return double(timelineLeft()) + (double(nanos) - double(m_windowStart)) * width / span;
}

std::uint64_t WaterfallView::timeAt(int x) const {
    const double width = double(std::max(1, timelineRight() - timelineLeft()));
    const double fraction = std::clamp(double(x - timelineLeft()) / width, 0.0, 1.0);
    return m_windowStart + std::uint64_t(fraction * double(m_windowEnd - m_windowStart));
}

QColor WaterfallView::serviceColor(std::uint32_t service) const {
    return service < m_serviceColors.size() ? m_serviceColors[service]
                                            : palette().color(QPalette::Mid);
}

void WaterfallView::updateColors() {
    m_serviceColors.clear();
    if (!m_model) {
        return;
    }
    const TraceTimeline &timeline = m_model->timeline();
    // The trace's services by name, coloured as a chart of the same services would be.
    std::vector<std::uint8_t> used(std::size_t(timeline.strings.size()), 0);
    for (const std::uint32_t service : timeline.services) {
        if (service < used.size()) {
            used[service] = 1;
        }
    }
    QList<std::pair<QString, std::uint32_t>> services;
    for (std::size_t i = 0; i < used.size(); ++i) {
        if (used[i]) {
            services.append({timeline.strings[qsizetype(i)], std::uint32_t(i)});
        }
    }
    std::sort(services.begin(), services.end());
    QStringList names;
    for (const auto &service : services) {
        names.append(service.first);
    }
    const QList<QColor> colors = SeriesColors::assignServices(names, themeColors(palette()).dark);
    m_serviceColors.assign(used.size(), palette().color(QPalette::Mid));
    for (qsizetype i = 0; i < services.size(); ++i) {
        m_serviceColors[services[i].second] = colors[i];
    }
}

void WaterfallView::updateScrollBars() {
    const int rows = m_model ? m_model->rowCount() : 0;
    const int height = viewport()->height();
    verticalScrollBar()->setRange(0, std::max(0, rows * m_rowHeight - height));
    verticalScrollBar()->setPageStep(height);
    verticalScrollBar()->setSingleStep(m_rowHeight);
}

void WaterfallView::layoutRuler() {
    const QRect area = viewport()->geometry();
    m_ruler->setGeometry(area.left(), area.top() - TimeRuler::kHeight, area.width(),
                         TimeRuler::kHeight);
}

void WaterfallView::resizeEvent(QResizeEvent *event) {
    QAbstractScrollArea::resizeEvent(event);
    // About a third of the width, unless the divider was dragged.
    const int width = viewport()->width();
    m_treeWidth = m_userTreeWidth ? std::clamp(m_treeWidth, 160, std::max(160, width - 200))
                                  : std::clamp(width * 36 / 100, 260, 520);
    layoutRuler();
    updateScrollBars();
    emit viewportMoved();
}

void WaterfallView::scrollContentsBy(int, int) {
    m_hoverRow = -1;
    viewport()->update();
    emit viewportMoved();
}

void WaterfallView::changeEvent(QEvent *event) {
    QAbstractScrollArea::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange) {
        updateColors();
        viewport()->update();
    } else if (event->type() == QEvent::FontChange) {
        m_rowHeight = std::max(22, fontMetrics().height() + 8);
        updateScrollBars();
    }
}

int WaterfallView::indentFor(int depth) const {
    // Deep traces keep room for the names: past a point every level indents by one pixel.
    const int limit = std::max(0, m_treeWidth - 180);
    const int full = limit / kIndent;
    return depth <= full ? depth * kIndent : std::min(limit + (depth - full), m_treeWidth - 150);
}

QRect WaterfallView::arrowRect(int rowTop, int depth) const {
    return {8 + indentFor(depth), rowTop + (m_rowHeight - kArrowSize) / 2, kArrowSize, kArrowSize};
}

void WaterfallView::paintEvent(QPaintEvent *) {
    QPainter painter(viewport());
    const ThemeColors colors = themeColors(palette());
    const QColor base = palette().color(QPalette::Base);
    painter.fillRect(viewport()->rect(), base);
    if (!m_model || m_model->rowCount() == 0) {
        return;
    }
    const int left = timelineLeft();
    const int right = timelineRight();
    std::vector<double> ticks;
    for (const std::uint64_t tick : tickTimes(m_windowStart, m_windowEnd, right - left)) {
        ticks.push_back(xFor(tick));
    }

    const int offset = verticalScrollBar()->value();
    const int first = offset / m_rowHeight;
    const int last =
        std::min(m_model->rowCount() - 1, (offset + viewport()->height()) / m_rowHeight);
    for (int row = first; row <= last; ++row) {
        paintRow(painter, row, row * m_rowHeight - offset, ticks);
    }
    const int bottom = (last + 1) * m_rowHeight - offset;
    painter.setPen(colors.border);
    painter.drawLine(left - 6, 0, left - 6, viewport()->height());
    for (const double x : ticks) {
        painter.drawLine(QPointF(x, bottom), QPointF(x, viewport()->height()));
    }
    if (m_ruler->dragging()) {
        QColor band = colors.accent;
        band.setAlpha(40);
        painter.fillRect(QRect(m_ruler->dragFrom(), 0,
                               std::max(1, m_ruler->dragTo() - m_ruler->dragFrom()),
                               viewport()->height()),
                         band);
    }
}

void WaterfallView::paintRow(QPainter &painter, int row, int top,
                             const std::vector<double> &ticks) {
    const WaterfallModel &model = *m_model;
    const ThemeColors colors = themeColors(palette());
    const int span = model.spanAt(row);
    const int width = viewport()->width();
    const QRect rowRect(0, top, width, m_rowHeight);
    const int left = timelineLeft();

    // Background: selection, a search match, hover, or every other row faintly.
    if (span == m_selected) {
        QColor selected = colors.accent;
        selected.setAlpha(colors.dark ? 80 : 45);
        painter.fillRect(rowRect, selected);
    } else if (model.isMatch(span)) {
        QColor match = colors.warning;
        match.setAlpha(colors.dark ? 55 : 45);
        painter.fillRect(rowRect, match);
    } else if (row == m_hoverRow) {
        painter.fillRect(rowRect, palette().color(QPalette::Midlight));
    } else if (row % 2 == 1) {
        painter.fillRect(rowRect, palette().color(QPalette::AlternateBase));
    }
    painter.setPen(colors.border);
    for (const double x : ticks) {
        painter.drawLine(QPointF(x, top), QPointF(x, top + m_rowHeight));
    }

    // The tree column.
    const int depth = model.depth(span);
    const QRect arrow = arrowRect(top, depth);
    painter.setRenderHint(QPainter::Antialiasing, true);
    if (model.childCount(span) > 0) {
        QPainterPath path;
        const QPointF c = QRectF(arrow).center();
        if (model.isCollapsed(span)) {
            path.moveTo(c.x() - 2.5, c.y() - 4.5);
            path.lineTo(c.x() + 3.5, c.y());
            path.lineTo(c.x() - 2.5, c.y() + 4.5);
        } else {
            path.moveTo(c.x() - 4.5, c.y() - 2.5);
            path.lineTo(c.x() + 4.5, c.y() - 2.5);
            path.lineTo(c.x(), c.y() + 3.5);
        }
        path.closeSubpath();
        painter.fillPath(path, colors.muted);
    }
    const QColor serviceTone = serviceColor(model.serviceIndex(span));
    int x = arrow.right() + 5;
    painter.fillRect(QRect(x, top + 5, 4, m_rowHeight - 10), serviceTone);
    x += 10;
    if (model.isError(span)) {
        const QRectF dot(x, top + (m_rowHeight - 12) / 2.0, 12, 12);
        painter.setPen(Qt::NoPen);
        painter.setBrush(colors.danger);
        painter.drawEllipse(dot);
        painter.setPen(Qt::white);
        QFont bold = painter.font();
        bold.setBold(true);
        bold.setPointSizeF(bold.pointSizeF() * 0.8);
        painter.save();
        painter.setFont(bold);
        painter.drawText(dot, Qt::AlignCenter, QStringLiteral("!"));
        painter.restore();
        x += 16;
    }
    painter.setRenderHint(QPainter::Antialiasing, false);

    // A collapsed span says how much it hides; an orphan that its parent is missing.
    QString tail;
    if (model.isCollapsed(span)) {
        tail = QStringLiteral("+%1").arg(formatCount(model.descendantCount(span)));
    } else if (model.isOrphan(span)) {
        tail = tr("no parent");
    }
    int textRight = left - 14;
    const QFontMetrics metrics = painter.fontMetrics();
    if (!tail.isEmpty()) {
        const int tailWidth = metrics.horizontalAdvance(tail);
        painter.setPen(colors.muted);
        painter.drawText(QRect(textRight - tailWidth, top, tailWidth, m_rowHeight),
                         Qt::AlignVCenter | Qt::AlignRight, tail);
        textRight -= tailWidth + 6;
    }
    const QString service = model.service(span);
    const QString operation = model.operation(span);
    QFont serviceFont = painter.font();
    serviceFont.setWeight(QFont::DemiBold);
    const QFontMetricsF serviceMetrics(serviceFont);
    const int room = std::max(0, textRight - x);
    // The service keeps its whole name unless the operation would get less than half the room.
    const int serviceFull = int(std::ceil(serviceMetrics.horizontalAdvance(service))) + 1;
    const int serviceWidth =
        std::min(serviceFull, std::max(room / 2, room - metrics.horizontalAdvance(operation) - 8));
    painter.save();
    painter.setFont(serviceFont);
    painter.setPen(model.isError(span) ? colors.danger : palette().color(QPalette::Text));
    painter.drawText(QRect(x, top, serviceWidth, m_rowHeight), Qt::AlignVCenter | Qt::AlignLeft,
                     serviceFull <= serviceWidth
                         ? service
                         : serviceMetrics.elidedText(service, Qt::ElideRight, serviceWidth));
    painter.restore();
    const int operationLeft = x + serviceWidth + 6;
    const int operationWidth = std::max(0, textRight - operationLeft);
    painter.setPen(colors.muted);
    painter.drawText(QRect(operationLeft, top, operationWidth, m_rowHeight),
                     Qt::AlignVCenter | Qt::AlignLeft,
                     metrics.elidedText(operation, Qt::ElideRight, operationWidth));

    // The bar, clipped to the window, with its critical sections and its duration.
    const std::uint64_t start = model.startNanos(span);
    const std::uint64_t end = model.endNanos(span);
    if (end < m_windowStart || start > m_windowEnd) {
        return;
    }
    const int right = timelineRight();
    const double x0 = std::max(double(left), xFor(start));
    const double x1 = std::min(double(right), std::max(xFor(end), x0 + 1));
    const int barHeight = std::max(8, m_rowHeight - 12);
    const QRectF bar(x0, top + (m_rowHeight - barHeight) / 2.0, std::max(1.0, x1 - x0), barHeight);
    painter.fillRect(bar, serviceTone);
    if (model.isError(span)) {
        painter.setPen(QPen(colors.danger, 2));
        painter.setBrush(Qt::NoBrush);
        painter.drawRect(bar.adjusted(1, 1, -1, -1));
    }
    for (const CriticalSection &section : model.criticalSections(span)) {
        if (section.endNanos < m_windowStart || section.startNanos > m_windowEnd) {
            continue;
        }
        const double c0 = std::max(double(left), xFor(section.startNanos));
        const double c1 = std::min(double(right), std::max(xFor(section.endNanos), c0 + 1));
        painter.fillRect(QRectF(c0, bar.center().y() - 2, c1 - c0, 4),
                         colors.dark ? QColor(0xf6, 0xf8, 0xfa) : QColor(0x1f, 0x23, 0x28));
    }
    const QString duration = spanDuration(qint64(model.durationNanos(span)));
    const int durationWidth = metrics.horizontalAdvance(duration);
    painter.setPen(colors.muted);
    if (x1 + 6 + durationWidth <= width - 4) {
        painter.drawText(QRectF(x1 + 6, top, durationWidth + 2, m_rowHeight),
                         Qt::AlignVCenter | Qt::AlignLeft, duration);
    } else if (x0 - 6 - durationWidth >= left) {
        painter.drawText(QRectF(x0 - 6 - durationWidth, top, durationWidth + 2, m_rowHeight),
                         Qt::AlignVCenter | Qt::AlignLeft, duration);
    }
}

QString WaterfallView::toolTipFor(int span) const {
    if (!m_model || span < 0 || span >= m_model->spanCount()) {
        return {};
    }
    const WaterfallModel &model = *m_model;
    QStringList lines;
    lines << QStringLiteral("<b>%1</b> %2")
                 .arg(model.service(span).toHtmlEscaped(), model.operation(span).toHtmlEscaped());
    lines << tr("Duration: %1 (self %2)")
                 .arg(spanDuration(qint64(model.durationNanos(span))),
                      spanDuration(qint64(model.selfNanos(span))));
    lines << tr("Starts at %1").arg(spanDuration(qint64(model.startNanos(span))));
    if (model.isOnCriticalPath(span)) {
        lines << tr("On the critical path for %1")
                     .arg(spanDuration(qint64(model.criticalNanos(span))));
    }
    if (model.isError(span)) {
        lines
            << tr("<span style='color:%1'>Error</span>").arg(themeColors(palette()).danger.name());
    }
    if (model.isOrphan(span)) {
        lines << tr("Its parent span is not in the trace");
    }
    if (model.childCount(span) > 0) {
        lines << tr("%1 child spans, %2 below in all")
                     .arg(formatCount(model.childCount(span)),
                          formatCount(model.descendantCount(span)));
    }
    return lines.join(QStringLiteral("<br>"));
}

bool WaterfallView::viewportEvent(QEvent *event) {
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const int row = rowAt(help->pos().y());
        const QString text = row >= 0 ? toolTipFor(m_model->spanAt(row)) : QString();
        if (text.isEmpty()) {
            QToolTip::hideText();
            event->ignore();
        } else {
            QToolTip::showText(help->globalPos(), text, viewport());
        }
        return true;
    }
    if (event->type() == QEvent::Leave && m_hoverRow >= 0) {
        m_hoverRow = -1;
        viewport()->update();
    }
    return QAbstractScrollArea::viewportEvent(event);
}

void WaterfallView::mousePressEvent(QMouseEvent *event) {
    const QPoint at = event->position().toPoint();
    const int row = rowAt(at.y());
    if (row < 0 || event->button() != Qt::LeftButton) {
        return;
    }
    const int span = m_model->spanAt(row);
    const int rowTop = row * m_rowHeight - verticalScrollBar()->value();
    if (m_model->childCount(span) > 0 &&
        arrowRect(rowTop, m_model->depth(span)).adjusted(-4, -4, 4, 4).contains(at)) {
        toggle(span);
        return;
    }
    selectRow(row);
}

void WaterfallView::mouseDoubleClickEvent(QMouseEvent *event) {
    const int row = rowAt(event->position().toPoint().y());
    if (row >= 0) {
        toggle(m_model->spanAt(row));
    }
}

void WaterfallView::mouseMoveEvent(QMouseEvent *event) {
    const int row = rowAt(event->position().toPoint().y());
    if (row != m_hoverRow) {
        m_hoverRow = row;
        viewport()->update();
    }
}

void WaterfallView::keyPressEvent(QKeyEvent *event) {
    if (!m_model || m_model->rowCount() == 0) {
        QAbstractScrollArea::keyPressEvent(event);
        return;
    }
    const int current = m_selected >= 0 ? m_model->rowOf(m_selected) : -1;
    const int page = std::max(1, visibleRowCount() - 1);
    switch (event->key()) {
    case Qt::Key_Down:
        selectRow(std::min(m_model->rowCount() - 1, current + 1));
        return;
    case Qt::Key_Up:
        selectRow(std::max(0, current - 1));
        return;
    case Qt::Key_PageDown:
        selectRow(std::min(m_model->rowCount() - 1, std::max(0, current) + page));
        return;
    case Qt::Key_PageUp:
        selectRow(std::max(0, current - page));
        return;
    case Qt::Key_Home:
        selectRow(0);
        return;
    case Qt::Key_End:
        selectRow(m_model->rowCount() - 1);
        return;
    case Qt::Key_Left:
        if (m_selected >= 0) {
            if (m_model->childCount(m_selected) > 0 && !m_model->isCollapsed(m_selected)) {
                toggle(m_selected);
            } else if (m_model->parent(m_selected) >= 0) {
                setSelectedSpan(m_model->parent(m_selected));
            }
        }
        return;
    case Qt::Key_Right:
        if (m_selected >= 0 && m_model->childCount(m_selected) > 0) {
            if (m_model->isCollapsed(m_selected)) {
                toggle(m_selected);
            } else {
                setSelectedSpan(m_model->children(m_selected).front());
            }
        }
        return;
    case Qt::Key_Return:
    case Qt::Key_Enter:
    case Qt::Key_Space:
        if (m_selected >= 0) {
            toggle(m_selected);
        }
        return;
    default:
        QAbstractScrollArea::keyPressEvent(event);
    }
}

void WaterfallView::selectRow(int row) {
    if (m_model && row >= 0 && row < m_model->rowCount()) {
        setSelectedSpan(m_model->spanAt(row));
    }
}

void WaterfallView::toggle(int span) {
    if (m_model->childCount(span) == 0) {
        return;
    }
    m_model->setCollapsed(span, !m_model->isCollapsed(span));
    rowsChanged();
    emit visibleRowsChanged();
    // The selection does not disappear into a collapsed subtree.
    if (m_selected >= 0 && m_model->rowOf(m_selected) < 0) {
        setSelectedSpan(span);
    }
}

} // namespace aegis::console
