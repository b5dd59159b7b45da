#pragma once

#include <QImage>
#include <QWidget>

namespace aegis::console {

class WaterfallView;

// An overview of the whole trace above the waterfall: every visible row as a thin line on the
// trace's full time axis (denser where more spans fall on one pixel, errors in the danger
// colour), and a frame around the rows and time range the waterfall shows. Pressing or dragging
// moves that frame: the waterfall scrolls there and, when zoomed, pans its time range. The
// picture is drawn once per change of the rows, size or theme, in time linear in the rows.
class TraceMinimap final : public QWidget {
    Q_OBJECT
public:
    explicit TraceMinimap(WaterfallView *waterfall, QWidget *parent = nullptr);

    // The frame around what the waterfall shows, in widget coordinates.
    QRect visibleFrame() const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void render();
    void moveFrameTo(QPoint at);
    QRect plotRect() const;

    WaterfallView *m_waterfall; // Not owned.
    QImage m_picture;
    int m_pictureGeneration = -1;
    bool m_stale = true;
};

} // namespace aegis::console
