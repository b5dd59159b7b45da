#pragma once

#include "models/promql_completion.h"

#include <QHash>
#include <QPlainTextEdit>

class QCompleter;
class QStringListModel;

namespace aegis::console {

// A PromQL editor: completes metric names, label names and label values (from lists the page
// supplies; labelValuesWanted asks for a label's values the first time they are needed), runs
// the query on Ctrl+Enter, and marks where the backend found an error with a wavy underline from
// that character to the end of its word.
class PromqlEditor final : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit PromqlEditor(QWidget *parent = nullptr);

    void setMetricNames(const QStringList &names);
    void setLabelNames(const QStringList &names);
    void setLabelValues(const QString &label, const QStringList &values);
    bool hasLabelValues(const QString &label) const { return m_labelValues.contains(label); }

    // Marks the error at the 0-based character `offset`; nothing clears the mark.
    void markError(std::optional<int> offset);
    std::optional<int> errorOffset() const { return m_errorOffset; }

    // The candidates for the cursor's position now (what the popup lists).
    QStringList currentCandidates() const;
    // Opens the completion popup for the cursor's position (Ctrl+Space does too).
    void complete();
    QCompleter *completer() const { return m_completer; }

signals:
    void runRequested();
    void labelValuesWanted(const QString &label);

protected:
    void keyPressEvent(QKeyEvent *event) override;

private:
    void insertCompletion(const QString &completion);

    QCompleter *m_completer;
    QStringListModel *m_candidates;
    QStringList m_metricNames;
    QStringList m_labelNames;
    QHash<QString, QStringList> m_labelValues;
    std::optional<int> m_errorOffset;
};

} // namespace aegis::console
