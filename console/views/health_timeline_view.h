#pragma once

#include "models/health_timeline_model.h"

#include <QPointer>
#include <QWidget>

namespace aegis::console {

// Paints a HealthTimelineModel as a horizontal strip coloured by health badge over its window,
// with a time axis below (a tick every 10 minutes for the default hour, "now" at the right end)
// and a legend of the badges shown. Hovering a segment shows its times, reason and output. Time
// without data is left as a faint, empty track; `placeholder` says why when there is nothing.
class HealthTimelineView final : public QWidget {
    Q_OBJECT
public:
    explicit HealthTimelineView(QWidget *parent = nullptr);

    // Not owned; may be null.
    void setModel(HealthTimelineModel *model);
    HealthTimelineModel *model() const { return m_model; }
    // Shown over the empty track when the model has no rows ("Loading…", an error).
    void setPlaceholder(const QString &text);
    QString placeholder() const { return m_placeholder; }

    // The model row painted at x (widget coordinates), or -1.
    int rowAtX(int x) const;
    // The tooltip shown at x; empty where no segment is painted.
    QString toolTipAtX(int x) const;
    // The strip's rectangle, in widget coordinates.
    QRect trackRect() const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
    bool event(QEvent *event) override;

private:
    int xFor(qint64 msecsSinceEpoch) const;

    QPointer<HealthTimelineModel> m_model;
    QString m_placeholder;
};

} // namespace aegis::console
