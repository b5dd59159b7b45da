#include "views/rollout_pipeline_view.h"

#include "models/display_format.h"
#include "views/theme.h"

#include <QHelpEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace aegis::console {
namespace {

constexpr int kNodeRadius = 11;
constexpr int kTop = 8;
constexpr int kTitleGap = 8;
constexpr int kChipHeight = 16;
// Repaints of the pulse: a slow breath, not a blink.
constexpr int kPulseIntervalMs = 50;
constexpr double kPulsePeriodMs = 1600.0;

QColor stateColor(StepState state, bool paused, const ThemeColors &colors) {
    switch (state) {
    case StepState::Done:
        return colors.success;
    case StepState::Current:
        return paused ? colors.attention : colors.accent;
    case StepState::Failed:
        return colors.danger;
    case StepState::Skipped:
    case StepState::Pending:
        break;
    }
    return colors.muted;
}

// The way back (aborting, rolled back) reads in the warning tone even when it went well, as a
// rolled back rollout does everywhere else.
QColor stepColor(const PipelineStep &step, bool paused, const ThemeColors &colors) {
    const bool wayBack =
        step.phase == RolloutPhase::Aborting || step.phase == RolloutPhase::RolledBack;
    if (wayBack && step.state == StepState::Done) {
        return colors.warning;
    }
    return stateColor(step.state, paused, colors);
}

bool isReached(StepState state) {
    return state == StepState::Done || state == StepState::Current || state == StepState::Failed;
}

QFont titleFont(const QFont &base, bool strong) {
    QFont font = base;
    font.setPointSizeF(base.pointSizeF() * 0.92);
    font.setWeight(strong ? QFont::DemiBold : QFont::Normal);
    return font;
}

// The height one line of text takes in `font`, counting the fallback fonts other scripts draw
// with: Chinese glyphs come from a CJK font whose lines are taller than the Latin font's.
int lineHeight(const QFont &font) {
    const QFontMetrics metrics(font);
    const QRect laidOut = metrics.boundingRect(
        QRect(0, 0, 1000, 1000), Qt::AlignLeft | Qt::AlignTop, QStringLiteral("Ag\u6B65\u79D2"));
    return std::max(metrics.height(), laidOut.height());
}

QFont smallFont(const QFont &base) {
    QFont font = base;
    font.setPointSizeF(base.pointSizeF() * 0.82);
    return font;
}

} // namespace

RolloutPipelineView::RolloutPipelineView(QWidget *parent)
    : QWidget(parent) {
    setObjectName(QStringLiteral("RolloutPipeline"));
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setMouseTracking(true);
    m_pulse.setInterval(kPulseIntervalMs);
    connect(&m_pulse, &QTimer::timeout, this, [this] {
        if (m_pipeline.currentIndex >= 0) {
            update(nodeRect(m_pipeline.currentIndex).adjusted(-8, -8, 8, 8));
        }
    });
    m_clock.start();
}

void RolloutPipelineView::setPipeline(const RolloutPipeline &pipeline) {
    m_pipeline = pipeline;
    updateAnimation();
    update();
}

void RolloutPipelineView::clear() {
    setPipeline({});
}

void RolloutPipelineView::updateAnimation() {
    const bool running = m_pipeline.currentIndex >= 0 && !m_pipeline.finished &&
                         !m_pipeline.paused &&
                         m_pipeline.steps.at(m_pipeline.currentIndex).state == StepState::Current;
    if (running && isVisible()) {
        if (!m_pulse.isActive()) {
            m_pulse.start();
        }
    } else {
        m_pulse.stop();
    }
}

void RolloutPipelineView::showEvent(QShowEvent *event) {
    QWidget::showEvent(event);
    updateAnimation();
}

void RolloutPipelineView::hideEvent(QHideEvent *event) {
    QWidget::hideEvent(event);
    m_pulse.stop();
}

QSize RolloutPipelineView::minimumSizeHint() const {
    const int title = lineHeight(titleFont(font(), true));
    const int small = lineHeight(smallFont(font()));
    // Node, two lines of title, elapsed and detail, the canary chips.
    const int height =
        kTop + 2 * kNodeRadius + kTitleGap + 2 * title + 2 * small + 8 + kChipHeight + 8;
    return {480, height};
}

QSize RolloutPipelineView::sizeHint() const {
    return {900, minimumSizeHint().height()};
}

QRect RolloutPipelineView::stepRect(int index) const {
    const int count = static_cast<int>(m_pipeline.steps.size());
    if (index < 0 || index >= count) {
        return {};
    }
    const int left = index * width() / count;
    const int right = (index + 1) * width() / count;
    return {left, 0, right - left, height()};
}

QRect RolloutPipelineView::nodeRect(int index) const {
    const QRect column = stepRect(index);
    if (column.isEmpty()) {
        return {};
    }
    return {column.center().x() - kNodeRadius, kTop, 2 * kNodeRadius, 2 * kNodeRadius};
}

int RolloutPipelineView::stepAt(const QPoint &pos) const {
    for (int i = 0; i < m_pipeline.steps.size(); ++i) {
        if (stepRect(i).contains(pos)) {
            return i;
        }
    }
    return -1;
}

bool RolloutPipelineView::event(QEvent *event) {
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const int index = stepAt(help->pos());
        if (index < 0) {
            QToolTip::hideText();
            event->ignore();
            return true;
        }
        const PipelineStep &step = m_pipeline.steps.at(index);
        QStringList lines{QStringLiteral("<b>%1</b> — %2")
                              .arg(step.title.toHtmlEscaped(), stepStateName(step.state))};
        if (step.started.isValid()) {
            lines.append(tr("Entered %1").arg(absoluteTime(step.started)));
        }
        if (step.elapsedMs >= 0) {
            lines.append(tr("Took %1").arg(humanDuration(step.elapsedMs)));
        }
        if (!step.reason.isEmpty()) {
            lines.append(step.reason.toHtmlEscaped());
        }
        QToolTip::showText(help->globalPos(), lines.join(QStringLiteral("<br>")), this,
                           stepRect(index));
        return true;
    }
    return QWidget::event(event);
}

void RolloutPipelineView::paintEvent(QPaintEvent *) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const ThemeColors colors = themeColors(palette());
    const int count = static_cast<int>(m_pipeline.steps.size());
    if (count == 0) {
        painter.setPen(colors.muted);
        painter.drawText(rect(), Qt::AlignCenter, tr("No rollout to show"));
        return;
    }
    const QFont plainTitle = titleFont(font(), false);
    const QFont strongTitle = titleFont(font(), true);
    const QFont small = smallFont(font());
    const QColor text = palette().color(QPalette::Text);

    // The line joining the nodes: coloured where the rollout went from one step to the next (red
    // between two failed ones), dashed along skipped steps, plain ahead of it.
    for (int i = 0; i + 1 < count; ++i) {
        const QRect from = nodeRect(i);
        const QRect to = nodeRect(i + 1);
        const PipelineStep &previous = m_pipeline.steps.at(i);
        const PipelineStep &next = m_pipeline.steps.at(i + 1);
        QColor tone = colors.border;
        if (isReached(previous.state) && isReached(next.state)) {
            if (next.state == StepState::Failed) {
                tone = previous.state == StepState::Failed ? colors.danger : colors.success;
            } else if (next.state == StepState::Current) {
                tone = colors.success;
            } else {
                tone = stepColor(next, false, colors);
            }
        }
        QPen pen(tone, 2);
        if (previous.state == StepState::Skipped || next.state == StepState::Skipped) {
            pen.setStyle(Qt::DashLine);
        }
        painter.setPen(pen);
        const int y = from.center().y();
        painter.drawLine(from.right() + 4, y, to.left() - 4, y);
    }

    const double phase =
        std::fmod(static_cast<double>(m_clock.elapsed()), kPulsePeriodMs) / kPulsePeriodMs;
    for (int i = 0; i < count; ++i) {
        const PipelineStep &step = m_pipeline.steps.at(i);
        const QRect node = nodeRect(i);
        const QRectF circle = QRectF(node).adjusted(1, 1, -1, -1);
        const bool current = i == m_pipeline.currentIndex;
        const QColor tone = stepColor(step, m_pipeline.paused, colors);

        if (step.state == StepState::Current) {
            // The halo: a soft ring that grows and fades, only while the rollout moves.
            const double grow = m_pulse.isActive() ? phase : 0.35;
            QColor halo = tone;
            halo.setAlphaF(0.35 * (1.0 - grow));
            painter.setPen(Qt::NoPen);
            painter.setBrush(halo);
            const double extra = 3 + 5 * grow;
            painter.drawEllipse(circle.adjusted(-extra, -extra, extra, extra));
        }

        switch (step.state) {
        case StepState::Done:
        case StepState::Failed:
            painter.setPen(Qt::NoPen);
            painter.setBrush(tone);
            painter.drawEllipse(circle);
            break;
        case StepState::Current:
            painter.setPen(QPen(tone, 2.5));
            painter.setBrush(palette().color(QPalette::Base));
            painter.drawEllipse(circle);
            break;
        case StepState::Skipped: {
            QPen pen(colors.border, 1.5, Qt::DashLine);
            painter.setPen(pen);
            painter.setBrush(Qt::NoBrush);
            painter.drawEllipse(circle);
            break;
        }
        case StepState::Pending:
            painter.setPen(QPen(colors.border, 1.5));
            painter.setBrush(palette().color(QPalette::Base));
            painter.drawEllipse(circle);
            break;
        }

        // The glyph inside the node.
        const QPointF c = circle.center();
        painter.setBrush(Qt::NoBrush);
        if (step.state == StepState::Done) {
            painter.setPen(QPen(Qt::white, 2.2, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
            QPainterPath tick;
            tick.moveTo(c + QPointF(-4.5, 0.5));
            tick.lineTo(c + QPointF(-1.2, 3.8));
            tick.lineTo(c + QPointF(4.8, -3.2));
            painter.drawPath(tick);
        } else if (step.state == StepState::Failed) {
            painter.setPen(QPen(Qt::white, 2.2, Qt::SolidLine, Qt::RoundCap));
            painter.drawLine(c + QPointF(-3.5, -3.5), c + QPointF(3.5, 3.5));
            painter.drawLine(c + QPointF(-3.5, 3.5), c + QPointF(3.5, -3.5));
        } else if (step.state == StepState::Current && m_pipeline.paused) {
            painter.setPen(QPen(tone, 2.4, Qt::SolidLine, Qt::RoundCap));
            painter.drawLine(c + QPointF(-2.5, -4), c + QPointF(-2.5, 4));
            painter.drawLine(c + QPointF(2.5, -4), c + QPointF(2.5, 4));
        } else if (step.state == StepState::Current) {
            painter.setPen(Qt::NoPen);
            painter.setBrush(tone);
            painter.drawEllipse(c, 4.5, 4.5);
        }

        // Title, elapsed time and detail under the node.
        const QRect column = stepRect(i).adjusted(4, 0, -4, 0);
        int y = node.bottom() + kTitleGap;
        painter.setFont(current ? strongTitle : plainTitle);
        const QFontMetrics titleMetrics(painter.font());
        const QRect titleBox(column.left(), y, column.width(), 2 * lineHeight(painter.font()));
        const QRect titleUsed = titleMetrics.boundingRect(
            titleBox, Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap, step.title);
        const bool dim = step.state == StepState::Pending || step.state == StepState::Skipped;
        painter.setPen(dim ? colors.muted
                           : (step.state == StepState::Failed ? colors.danger : text));
        painter.drawText(titleBox, Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap, step.title);
        y += std::min(titleUsed.height(), titleBox.height()) + 1;

        painter.setFont(small);
        const QFontMetrics smallMetrics(small);
        const int smallLine = lineHeight(small);
        QStringList below;
        if (step.elapsedMs >= 0) {
            below.append(humanDuration(step.elapsedMs));
        } else if (isFinishedPhase(step.phase) && step.started.isValid()) {
            below.append(step.started.toLocalTime().toString(QStringLiteral("HH:mm:ss")));
        } else if (step.state == StepState::Skipped) {
            below.append(tr("skipped"));
        }
        if (step.state == StepState::Current && m_pipeline.paused) {
            below.append(tr("paused"));
        }
        if (!below.isEmpty()) {
            painter.setPen(step.state == StepState::Current ? tone : colors.muted);
            painter.drawText(QRect(column.left(), y, column.width(), smallLine),
                             Qt::AlignHCenter | Qt::AlignTop,
                             smallMetrics.elidedText(below.join(QStringLiteral(" · ")),
                                                     Qt::ElideRight, column.width()));
            y += smallLine;
        }
        if (!step.detail.isEmpty()) {
            painter.setPen(colors.muted);
            painter.drawText(QRect(column.left(), y, column.width(), smallLine),
                             Qt::AlignHCenter | Qt::AlignTop,
                             smallMetrics.elidedText(step.detail, Qt::ElideRight, column.width()));
            y += smallLine;
        }

        // The canary steps as chips, centred under the switching step.
        if (!step.canary.isEmpty()) {
            y += 4;
            const int n = static_cast<int>(step.canary.size());
            const int gap = 3;
            const int chip = std::clamp((column.width() - (n - 1) * gap) / n, 6, 34);
            const int total = n * chip + (n - 1) * gap;
            int x = column.center().x() - total / 2;
            for (const CanaryStepProgress &progress : step.canary) {
                const QColor chipTone = stateColor(progress.state, m_pipeline.paused, colors);
                const QRectF box(x, y, chip, kChipHeight);
                if (progress.state == StepState::Pending || progress.state == StepState::Skipped) {
                    painter.setPen(
                        QPen(colors.border, 1,
                             progress.state == StepState::Skipped ? Qt::DashLine : Qt::SolidLine));
                    painter.setBrush(Qt::NoBrush);
                } else {
                    QColor fill = chipTone;
                    fill.setAlpha(progress.state == StepState::Current ? 255 : 200);
                    painter.setPen(Qt::NoPen);
                    painter.setBrush(fill);
                }
                painter.drawRoundedRect(box.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3);
                if (chip >= 24) {
                    painter.setPen(progress.state == StepState::Pending ||
                                           progress.state == StepState::Skipped
                                       ? colors.muted
                                       : QColor(Qt::white));
                    painter.drawText(box, Qt::AlignCenter, QString::number(progress.step.weight));
                }
                x += chip + gap;
            }
        }
    }
}

} // namespace aegis::console
