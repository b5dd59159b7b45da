#include "views/trace_minimap.h"

#include "models/waterfall_model.h"
#include "views/theme.h"
#include "views/waterfall_view.h"

#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>

#include <algorithm>
#include <vector>

namespace aegis::console {

TraceMinimap::TraceMinimap(WaterfallView *waterfall, QWidget *parent)
    : QWidget(parent)
    , m_waterfall(waterfall) {
    setCursor(Qt::PointingHandCursor);
    setToolTip(tr("The whole trace; the frame is what the waterfall shows. Click or drag to "
                  "move it."));
    connect(waterfall, &WaterfallView::viewportMoved, this, qOverload<>(&QWidget::update));
    connect(waterfall, &WaterfallView::timeWindowChanged, this, qOverload<>(&QWidget::update));
    connect(waterfall, &WaterfallView::visibleRowsChanged, this, [this] {
        m_stale = true;
        update();
    });
}

QSize TraceMinimap::sizeHint() const {
    return {400, 56};
}

QSize TraceMinimap::minimumSizeHint() const {
    return {100, 40};
}

QRect TraceMinimap::plotRect() const {
    return rect().adjusted(1, 1, -1, -1);
}

void TraceMinimap::changeEvent(QEvent *event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        m_stale = true;
    }
}

void TraceMinimap::render() {
    const QRect plot = plotRect();
    const WaterfallModel *model = m_waterfall->model();
    const int generation = model ? model->rowsGeneration() : -1;
    if (!m_stale && m_picture.size() == plot.size() && generation == m_pictureGeneration) {
        return;
    }
    m_stale = false;
    m_pictureGeneration = generation;
    const ThemeColors colors = themeColors(palette());
    m_picture = QImage(plot.size(), QImage::Format_ARGB32_Premultiplied);
    m_picture.fill(colors.card);
    if (!model || model->rowCount() == 0 || plot.width() <= 0 || plot.height() <= 0) {
        return;
    }
    // A tall trace: per pixel line, how many spans (and error spans) cover each column: a
    // difference array per line, so each span costs O(1) however wide it is.
    const int width = plot.width();
    const int height = plot.height();
    const double total = double(std::max<std::uint64_t>(1, model->durationNanos()));
    const int rows = model->rowCount();
    if (rows * 2 <= height) {
        // A short trace: each row its own strip, in its service's colour.
        QPainter painter(&m_picture);
        for (int row = 0; row < rows; ++row) {
            const int span = model->spanAt(row);
            const int y0 = int(qint64(row) * height / rows);
            const int y1 = std::max(y0 + 1, int(qint64(row + 1) * height / rows) - 1);
            const int x0 =
                std::clamp(int(double(model->startNanos(span)) * width / total), 0, width - 1);
            const int x1 =
                std::clamp(int(double(model->endNanos(span)) * width / total), x0 + 1, width);
            painter.fillRect(QRect(x0, y0, x1 - x0, y1 - y0),
                             model->isError(span)
                                 ? colors.danger
                                 : m_waterfall->serviceColor(model->serviceIndex(span)));
        }
        return;
    }
    std::vector<int> all(std::size_t(height) * std::size_t(width + 1), 0);
    std::vector<int> errors(all.size(), 0);
    for (int row = 0; row < rows; ++row) {
        const int span = model->spanAt(row);
        const int y = int(qint64(row) * height / rows);
        const int x0 =
            std::clamp(int(double(model->startNanos(span)) * width / total), 0, width - 1);
        const int x1 =
            std::clamp(int(double(model->endNanos(span)) * width / total), x0 + 1, width);
        const std::size_t line = std::size_t(y) * std::size_t(width + 1);
        ++all[line + std::size_t(x0)];
        --all[line + std::size_t(x1)];
        if (model->isError(span)) {
            ++errors[line + std::size_t(x0)];
            --errors[line + std::size_t(x1)];
        }
    }
    // Lines stand for several rows when the trace is tall; density is relative to that.
    const double rowsPerLine = std::max(1.0, double(rows) / height);
    const QColor ink = colors.dark ? QColor(0x8b, 0x94, 0x9e) : QColor(0x57, 0x60, 0x6a);
    const QColor card = colors.card;
    const auto blend = [](const QColor &over, const QColor &under, double alpha) {
        return qRgb(int(over.red() * alpha + under.red() * (1 - alpha)),
                    int(over.green() * alpha + under.green() * (1 - alpha)),
                    int(over.blue() * alpha + under.blue() * (1 - alpha)));
    };
    for (int y = 0; y < height; ++y) {
        auto *pixels = reinterpret_cast<QRgb *>(m_picture.scanLine(y));
        const std::size_t line = std::size_t(y) * std::size_t(width + 1);
        int count = 0;
        int errorCount = 0;
        for (int x = 0; x < width; ++x) {
            count += all[line + std::size_t(x)];
            errorCount += errors[line + std::size_t(x)];
            if (errorCount > 0) {
                pixels[x] = colors.danger.rgb();
            } else if (count > 0) {
                const double alpha = 0.35 + 0.65 * std::min(1.0, count / rowsPerLine);
                pixels[x] = blend(ink, card, alpha);
            }
        }
    }
}

QRect TraceMinimap::visibleFrame() const {
    const QRect plot = plotRect();
    const WaterfallModel *model = m_waterfall->model();
    if (!model || model->rowCount() == 0) {
        return {};
    }
    const int rows = model->rowCount();
    const double total = double(std::max<std::uint64_t>(1, model->durationNanos()));
    const int first = m_waterfall->firstVisibleRow();
    const int count = std::min(rows - first, m_waterfall->visibleRowCount() + 1);
    const int top = plot.top() + int(qint64(first) * plot.height() / rows);
    const int bottom = plot.top() + int(qint64(first + count) * plot.height() / rows);
    const int left = plot.left() + int(double(m_waterfall->windowStart()) * plot.width() / total);
    const int right = plot.left() + int(double(m_waterfall->windowEnd()) * plot.width() / total);
    return QRect(QPoint(left, top),
                 QPoint(std::max(left + 3, right) - 1, std::max(top + 3, bottom) - 1))
        .intersected(plot);
}

void TraceMinimap::paintEvent(QPaintEvent *) {
    render();
    QPainter painter(this);
    const ThemeColors colors = themeColors(palette());
    painter.drawImage(plotRect().topLeft(), m_picture);
    painter.setPen(colors.border);
    painter.drawRect(rect().adjusted(0, 0, -1, -1));
    const QRect frame = visibleFrame();
    if (frame.isEmpty()) {
        return;
    }
    // Shade what is out of view, then outline the frame.
    QColor shade = colors.dark ? QColor(0, 0, 0, 90) : QColor(0x1f, 0x23, 0x28, 28);
    const QRect plot = plotRect();
    painter.fillRect(QRect(plot.left(), plot.top(), plot.width(), frame.top() - plot.top()), shade);
    painter.fillRect(
        QRect(plot.left(), frame.bottom() + 1, plot.width(), plot.bottom() - frame.bottom()),
        shade);
    painter.fillRect(QRect(plot.left(), frame.top(), frame.left() - plot.left(), frame.height()),
                     shade);
    painter.fillRect(
        QRect(frame.right() + 1, frame.top(), plot.right() - frame.right(), frame.height()), shade);
    painter.setPen(QPen(colors.accent, 2));
    painter.drawRect(frame.adjusted(1, 1, -1, -1));
}

void TraceMinimap::moveFrameTo(QPoint at) {
    const WaterfallModel *model = m_waterfall->model();
    if (!model || model->rowCount() == 0) {
        return;
    }
    const QRect plot = plotRect();
    const int rows = model->rowCount();
    const int row = int(qint64(std::clamp(at.y() - plot.top(), 0, plot.height())) * rows /
                        std::max(1, plot.height()));
    const int firstRow = std::max(0, row - m_waterfall->visibleRowCount() / 2);
    m_waterfall->verticalScrollBar()->setValue(firstRow * m_waterfall->rowHeight());
    if (m_waterfall->isZoomed()) {
        const std::uint64_t total = model->durationNanos();
        const std::uint64_t width = m_waterfall->windowEnd() - m_waterfall->windowStart();
        const double fraction =
            std::clamp(double(at.x() - plot.left()) / std::max(1, plot.width()), 0.0, 1.0);
        const auto centre = std::uint64_t(fraction * double(total));
        const std::uint64_t start =
            std::min(total - width, centre > width / 2 ? centre - width / 2 : 0);
        m_waterfall->setTimeWindow(start, start + width);
    }
}

void TraceMinimap::mousePressEvent(QMouseEvent *event) {
    if (event->button() == Qt::LeftButton) {
        moveFrameTo(event->position().toPoint());
    }
}

void TraceMinimap::mouseMoveEvent(QMouseEvent *event) {
    if (event->buttons() & Qt::LeftButton) {
        moveFrameTo(event->position().toPoint());
    }
}

} // namespace aegis::console
