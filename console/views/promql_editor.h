#pragma once

#include "models/promql_completion.h"
#include "views/completing_editor.h"

#include <QHash>

namespace aegis::console {

// A PromQL editor: completes metric names, label names and label values (from lists the page
// supplies; labelValuesWanted asks for a label's values the first time they are needed), runs
// the query on Ctrl+Enter, and marks where the backend found an error with a wavy underline from
// that character to the end of its word.
class PromqlEditor final : public CompletingEditor {
    Q_OBJECT
public:
    explicit PromqlEditor(QWidget *parent = nullptr);

    void setMetricNames(const QStringList &names);
    void setLabelNames(const QStringList &names);
    void setLabelValues(const QString &label, const QStringList &values);
    bool hasLabelValues(const QString &label) const { return m_labelValues.contains(label); }

    QStringList currentCandidates() const override;

signals:
    void runRequested();
    void labelValuesWanted(const QString &label);

protected:
    void keyPressEvent(QKeyEvent *event) override;
    void aboutToComplete() override;
    void insertCompletion(const QString &completion) override;

private:
    QStringList m_metricNames;
    QStringList m_labelNames;
    QHash<QString, QStringList> m_labelValues;
};

} // namespace aegis::console
