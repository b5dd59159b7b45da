#include "views/promql_editor.h"

#include <QAbstractItemView>
#include <QCompleter>
#include <QKeyEvent>

namespace aegis::console {

PromqlEditor::PromqlEditor(QWidget *parent)
    : CompletingEditor(parent) {
    setPlaceholderText(tr("PromQL, e.g. sum by (color) (rate(http_requests_total[1m])) — "
                          "Ctrl+Space completes, Ctrl+Enter runs"));
    connect(this, &QPlainTextEdit::textChanged, this, [this] {
        if (errorOffset()) {
            markError(std::nullopt);
        }
    });
}

void PromqlEditor::setMetricNames(const QStringList &names) {
    m_metricNames = names;
}

void PromqlEditor::setLabelNames(const QStringList &names) {
    m_labelNames = names;
}

void PromqlEditor::setLabelValues(const QString &label, const QStringList &values) {
    m_labelValues.insert(label, values);
}

QStringList PromqlEditor::currentCandidates() const {
    const PromqlCompletionContext context =
        promqlCompletionAt(toPlainText(), textCursor().position());
    switch (context.kind) {
    case PromqlCompletionContext::Kind::MetricName:
        return completionCandidates(m_metricNames, context.prefix);
    case PromqlCompletionContext::Kind::LabelName:
        return completionCandidates(m_labelNames, context.prefix);
    case PromqlCompletionContext::Kind::LabelValue:
        return completionCandidates(m_labelValues.value(context.labelName), context.prefix);
    case PromqlCompletionContext::Kind::None:
        break;
    }
    return {};
}

void PromqlEditor::aboutToComplete() {
    const PromqlCompletionContext context =
        promqlCompletionAt(toPlainText(), textCursor().position());
    if (context.kind == PromqlCompletionContext::Kind::LabelValue &&
        !m_labelValues.contains(context.labelName) && !context.labelName.isEmpty()) {
        emit labelValuesWanted(context.labelName);
    }
}

void PromqlEditor::insertCompletion(const QString &completion) {
    const PromqlCompletionContext context =
        promqlCompletionAt(toPlainText(), textCursor().position());
    replaceBeforeCursor(context.start, completion);
}

void PromqlEditor::keyPressEvent(QKeyEvent *event) {
    if ((event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter) &&
        event->modifiers().testFlag(Qt::ControlModifier)) {
        completer()->popup()->hide();
        emit runRequested();
        return;
    }
    if (takeCompletionKey(event)) {
        return;
    }
    QPlainTextEdit::keyPressEvent(event);
    // Words, an opening brace, a comma or a quote start a new completion.
    followTyping(event, u"{,\"");
}

} // namespace aegis::console
