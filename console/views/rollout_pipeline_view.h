#pragma once

#include "models/rollout_pipeline.h"

#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>

namespace aegis::console {

// A rollout's pipeline (see derivePipeline) painted left to right: one node per step in its
// state's colour (done, current, failed, skipped, pending; the way back, aborting and rolled
// back, in the warning tone) joined by a line, the step's title and
// its elapsed time below, and under the switching step its canary steps as small chips. The
// current step's node pulses gently while the rollout runs (not while it is paused or finished,
// nor while the widget is hidden). Hovering a step shows the reason it was entered.
class RolloutPipelineView final : public QWidget {
    Q_OBJECT
public:
    explicit RolloutPipelineView(QWidget *parent = nullptr);

    void setPipeline(const RolloutPipeline &pipeline);
    void clear();
    const RolloutPipeline &pipeline() const { return m_pipeline; }

    // Where step `index`'s node is painted (its centre is the node's centre).
    QRect nodeRect(int index) const;
    // The column step `index` takes (node, title and details).
    QRect stepRect(int index) const;
    // The step under `pos`, or -1.
    int stepAt(const QPoint &pos) const;
    bool isAnimating() const { return m_pulse.isActive(); }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
    bool event(QEvent *event) override;
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void updateAnimation();

    RolloutPipeline m_pipeline;
    QTimer m_pulse;
    QElapsedTimer m_clock;
};

} // namespace aegis::console
