#pragma once

#include <QAbstractScrollArea>
#include <QColor>

#include <cstdint>
#include <vector>

namespace aegis::console {

class WaterfallModel;
class TimeRuler;

// Paints a WaterfallModel: a time ruler on top, then one row per visible span — on the left the
// collapsible span tree (indentation, a disclosure arrow, the service's colour, service and
// operation, error and orphan marks), on the right the span's bar on the time axis with its
// duration and its critical-path sections. Only the rows in view are painted, so the cost of a
// frame does not depend on the trace's size. Service colours come from SeriesColors (the same
// service reads the same everywhere); the rest from the theme.
//
// Mouse: a click selects, a click on the arrow or a double-click collapses or expands, hovering
// shows the span's times; dragging across the ruler zooms into that time range, a double-click
// on the ruler shows the whole trace. Keys: Up/Down, Page Up/Down, Home/End move the selection,
// Left collapses (or goes to the parent), Right expands (or goes to the first child), Enter or
// Space toggles.
class WaterfallView final : public QAbstractScrollArea {
    Q_OBJECT
public:
    explicit WaterfallView(QWidget *parent = nullptr);
    ~WaterfallView() override;

    // Not owned. Call modelReset() after the model's trace changed, rowsChanged() after its
    // visible rows changed from outside the view.
    void setModel(WaterfallModel *model);
    WaterfallModel *model() const { return m_model; }
    void modelReset();
    void rowsChanged();

    // The selected span (-1: none); selecting reveals it and scrolls it into view.
    int selectedSpan() const { return m_selected; }
    void setSelectedSpan(int span);

    // The time range shown, as offsets from the trace's start; the whole trace unless zoomed.
    std::uint64_t windowStart() const { return m_windowStart; }
    std::uint64_t windowEnd() const { return m_windowEnd; }
    bool isZoomed() const;
    // Shows [start, end) (at least one microsecond wide, within the trace).
    void setTimeWindow(std::uint64_t start, std::uint64_t end);
    void resetZoom();

    int rowHeight() const { return m_rowHeight; }
    // The tree column's width: about a third of the view until set (dragging the divider on
    // the ruler sets it).
    int treeColumnWidth() const { return m_treeWidth; }
    void setTreeColumnWidth(int width);
    // The first row at least partly in view and how many rows fit.
    int firstVisibleRow() const;
    int visibleRowCount() const;
    // Scrolls so `row` is in view (centred when it was far away).
    void scrollToRow(int row);

    // Hit testing, in viewport coordinates: the row at y (-1: none), the time at x on the bar
    // area, and the tooltip text for a span.
    int rowAt(int y) const;
    std::uint64_t timeAt(int x) const;
    QString toolTipFor(int span) const;
    // The bar area of the rows, in viewport coordinates (x only is meaningful).
    int timelineLeft() const;
    int timelineRight() const;
    // The colour span bars of `service` (a timeline string index) are painted in.
    QColor serviceColor(std::uint32_t service) const;

signals:
    void selectedSpanChanged(int span);
    // Collapsing or expanding from the view changed the visible rows.
    void visibleRowsChanged();
    // Scrolling or resizing changed which rows are in view.
    void viewportMoved();
    void timeWindowChanged();

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void scrollContentsBy(int dx, int dy) override;
    bool viewportEvent(QEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseDoubleClickEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    friend class TimeRuler;

    void updateScrollBars();
    void updateColors();
    void layoutRuler();
    void selectRow(int row);
    void toggle(int span);
    // The x of time `nanos` (an offset from the trace's start) in viewport coordinates; not
    // clamped.
    double xFor(std::uint64_t nanos) const;
    // The arrow's rectangle in the row at `rowTop`, for a span at `depth`.
    QRect arrowRect(int rowTop, int depth) const;
    int indentFor(int depth) const;
    void paintRow(class QPainter &painter, int row, int top, const std::vector<double> &ticks);

    WaterfallModel *m_model = nullptr; // Not owned.
    TimeRuler *m_ruler;
    int m_rowHeight = 24;
    int m_treeWidth = 360;
    bool m_userTreeWidth = false;
    int m_selected = -1;
    int m_hoverRow = -1;
    std::uint64_t m_windowStart = 0;
    std::uint64_t m_windowEnd = 1;
    // By timeline string index.
    std::vector<QColor> m_serviceColors;
};

} // namespace aegis::console
