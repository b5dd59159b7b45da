#include "views/tag_query_editor.h"

#include "models/promql_completion.h"

#include <QKeyEvent>

namespace aegis::console {

TagQueryEditor::TagQueryEditor(QWidget *parent)
    : CompletingEditor(parent) {
    setLineWrapMode(QPlainTextEdit::WidgetWidth);
    setPlaceholderText(tr("e.g. http.response.status_code >= 500 AND NOT retry = true"));
    setToolTip(tr("Attributes of a span or its resource: key = value, != , >, >=, <, <=, a bare "
                  "key (present), * wildcards; AND, OR, NOT and parentheses. Ctrl+Space "
                  "completes, Enter searches."));
    connect(this, &QPlainTextEdit::textChanged, this, &TagQueryEditor::recheck);
}

QSize TagQueryEditor::sizeHint() const {
    // Three lines: room for a query with a few terms without a scroll bar.
    const int lines = 3;
    return {QPlainTextEdit::sizeHint().width(),
            fontMetrics().lineSpacing() * lines + 2 * (frameWidth() + 4)};
}

void TagQueryEditor::setQuery(const QString &query) {
    if (query != toPlainText()) {
        setPlainText(query);
        moveCursor(QTextCursor::End);
    }
}

void TagQueryEditor::setKeys(const QStringList &keys) {
    m_keys = keys;
}

void TagQueryEditor::setValues(const QString &key, const QStringList &values) {
    m_values.insert(key, values);
}

void TagQueryEditor::recheck() {
    const TagQueryCheck check = checkTagQuery(toPlainText());
    const bool changed = check.message != m_check.message;
    m_check = check;
    markError(check.ok ? std::nullopt : std::optional<int>(check.offset));
    if (changed) {
        emit errorChanged(check.message);
    }
}

QStringList TagQueryEditor::currentCandidates() const {
    const TagQueryCompletionContext context =
        tagQueryCompletionAt(toPlainText(), textCursor().position());
    switch (context.kind) {
    case TagQueryCompletionContext::Kind::Key: {
        QStringList keys = tagQueryFieldKeys();
        for (const QString &key : m_keys) {
            if (!keys.contains(key)) {
                keys.append(key);
            }
        }
        return completionCandidates(keys, context.prefix);
    }
    case TagQueryCompletionContext::Kind::Value:
        return completionCandidates(m_values.value(context.key), context.prefix);
    case TagQueryCompletionContext::Kind::None:
        break;
    }
    return {};
}

void TagQueryEditor::aboutToComplete() {
    const TagQueryCompletionContext context =
        tagQueryCompletionAt(toPlainText(), textCursor().position());
    if (context.kind == TagQueryCompletionContext::Kind::Value && !context.key.isEmpty() &&
        !m_values.contains(context.key)) {
        emit valuesWanted(context.key);
    }
}

void TagQueryEditor::insertCompletion(const QString &completion) {
    const TagQueryCompletionContext context =
        tagQueryCompletionAt(toPlainText(), textCursor().position());
    QString text = completion;
    if (context.kind == TagQueryCompletionContext::Kind::Value && !context.quoted) {
        text = tagQueryValue(completion);
    }
    replaceBeforeCursor(context.start, text);
}

void TagQueryEditor::keyPressEvent(QKeyEvent *event) {
    if (takeCompletionKey(event)) {
        return;
    }
    if (event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter) {
        emit runRequested();
        return;
    }
    QPlainTextEdit::keyPressEvent(event);
    // Words, an operator's last character or a quote start a completion.
    followTyping(event, u"=\"");
}

} // namespace aegis::console
