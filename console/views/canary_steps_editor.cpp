#include "views/canary_steps_editor.h"

#include "models/health_check_validation.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

namespace aegis::console {

struct CanaryStepsEditor::Row {
    QWidget *widget = nullptr;
    QLabel *number = nullptr;
    QSpinBox *weight = nullptr;
    QLineEdit *pause = nullptr;
    QCheckBox *untilPromoted = nullptr;
};

CanaryStepsEditor::CanaryStepsEditor(QWidget *parent)
    : QWidget(parent)
    , m_rowsLayout(new QVBoxLayout)
    , m_add(new QPushButton(tr("Add step"))) {
    setObjectName(QStringLiteral("steps"));
    m_rowsLayout->setContentsMargins(0, 0, 0, 0);
    m_rowsLayout->setSpacing(4);
    m_add->setToolTip(tr("Add a step after the last one"));
    connect(m_add, &QPushButton::clicked, this, [this] {
        CanaryStep step;
        step.weight = 100;
        if (!m_rows.isEmpty()) {
            step.weight = std::min(100, m_rows.last()->weight->value() + 10);
        }
        addStep(step);
    });
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(6);
    layout->addLayout(m_rowsLayout);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_add);
    buttons->addStretch(1);
    layout->addLayout(buttons);
}

QList<CanaryStep> CanaryStepsEditor::defaultSteps() {
    return {{10, 60000, false}, {50, 60000, false}, {100, 0, false}};
}

void CanaryStepsEditor::setSteps(const QList<CanaryStep> &steps) {
    while (!m_rows.isEmpty()) {
        removeStep(static_cast<int>(m_rows.size()) - 1);
    }
    for (const CanaryStep &step : steps) {
        addStep(step);
    }
}

void CanaryStepsEditor::addStep(const CanaryStep &step) {
    auto *row = new Row;
    row->widget = new QWidget;
    row->number = new QLabel;
    row->number->setMinimumWidth(QFontMetrics(font()).horizontalAdvance(QStringLiteral("20.")) + 4);
    row->weight = new QSpinBox;
    row->weight->setRange(1, 100);
    row->weight->setSuffix(QStringLiteral(" %"));
    row->weight->setValue(step.weight);
    row->weight->setToolTip(tr("The new colour's share of the traffic in this step"));
    row->pause = new QLineEdit(step.pauseMs > 0 ? durationText(step.pauseMs) : QString());
    row->pause->setPlaceholderText(tr("no pause"));
    row->pause->setMinimumWidth(QFontMetrics(font()).horizontalAdvance(tr("no pause")) + 24);
    row->pause->setToolTip(tr("How long to wait at this weight before the next step (\"30s\", "
                              "\"2m\"); empty: go on once the weight is applied"));
    row->untilPromoted = new QCheckBox(tr("until promoted"));
    row->untilPromoted->setChecked(step.untilPromoted);
    row->untilPromoted->setToolTip(tr("Wait at this weight until someone promotes the rollout"));
    auto *remove = new QToolButton;
    remove->setText(QStringLiteral("✕"));
    remove->setAutoRaise(true);
    remove->setToolTip(tr("Remove this step"));
    auto *layout = new QHBoxLayout(row->widget);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(8);
    layout->addWidget(row->number);
    layout->addWidget(row->weight);
    layout->addWidget(row->pause, 1);
    layout->addWidget(row->untilPromoted);
    layout->addWidget(remove);
    m_rowsLayout->addWidget(row->widget);
    // Shown now rather than when the layout next activates, so it is there at once.
    row->widget->show();
    m_rows.append(row);
    connect(row->weight, &QSpinBox::valueChanged, this, &CanaryStepsEditor::changed);
    connect(row->pause, &QLineEdit::textChanged, this, &CanaryStepsEditor::changed);
    connect(row->untilPromoted, &QCheckBox::toggled, this, [this, row](bool on) {
        row->pause->setEnabled(!on);
        emit changed();
    });
    row->pause->setEnabled(!step.untilPromoted);
    connect(remove, &QToolButton::clicked, this, [this, row] {
        const int index = static_cast<int>(m_rows.indexOf(row));
        if (index >= 0) {
            removeStep(index);
        }
    });
    renumber();
    emit changed();
}

void CanaryStepsEditor::removeStep(int index) {
    if (index < 0 || index >= m_rows.size()) {
        return;
    }
    Row *row = m_rows.takeAt(index);
    row->widget->deleteLater();
    row->widget->hide();
    m_rowsLayout->removeWidget(row->widget);
    delete row;
    renumber();
    emit changed();
}

void CanaryStepsEditor::renumber() {
    for (int i = 0; i < m_rows.size(); ++i) {
        m_rows.at(i)->number->setText(QStringLiteral("%1.").arg(i + 1));
    }
}

std::optional<QList<CanaryStep>> CanaryStepsEditor::steps(QString *error) const {
    QList<CanaryStep> result;
    for (int i = 0; i < m_rows.size(); ++i) {
        const Row *row = m_rows.at(i);
        CanaryStep step;
        step.weight = row->weight->value();
        step.untilPromoted = row->untilPromoted->isChecked();
        const QString pause = row->pause->text().trimmed();
        if (!step.untilPromoted && !pause.isEmpty()) {
            const auto ms = parseDurationText(pause);
            if (!ms) {
                if (error) {
                    *error = tr("Step %1: the pause \"%2\" is not a duration (like 30s or 2m)")
                                 .arg(i + 1)
                                 .arg(pause);
                }
                return std::nullopt;
            }
            step.pauseMs = *ms;
        }
        result.append(step);
    }
    return result;
}

} // namespace aegis::console
