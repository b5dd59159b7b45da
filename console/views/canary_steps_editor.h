#pragma once

#include "net/api_types.h"

#include <QWidget>

#include <optional>

class QPushButton;
class QVBoxLayout;

namespace aegis::console {

// The editable list of a canary rollout's steps: each a weight (the new colour's share), a pause
// typed as a duration ("30s", "2m") and whether it waits until promoted, with buttons to add and
// remove steps. What the daemon requires of the list (weights rising, 1 to 20 steps) is checked
// by validateRolloutSpec, not here.
class CanaryStepsEditor final : public QWidget {
    Q_OBJECT
public:
    explicit CanaryStepsEditor(QWidget *parent = nullptr);

    void setSteps(const QList<CanaryStep> &steps);
    // The steps as typed; nullopt with `error` set when a pause is not a duration.
    std::optional<QList<CanaryStep>> steps(QString *error = nullptr) const;
    int stepCount() const { return static_cast<int>(m_rows.size()); }
    void addStep(const CanaryStep &step);
    void removeStep(int index);

    // The default of a new canary: 10 % and 50 % for a minute each, then all traffic.
    static QList<CanaryStep> defaultSteps();

signals:
    void changed();

private:
    struct Row;
    void renumber();

    QVBoxLayout *m_rowsLayout;
    QPushButton *m_add;
    QList<Row *> m_rows;
};

} // namespace aegis::console
