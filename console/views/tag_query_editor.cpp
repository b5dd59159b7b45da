#include "views/tag_query_editor.h"

#include "models/promql_completion.h"
#include "views/theme.h"

#include <QAbstractItemView>
#include <QCompleter>
#include <QFontDatabase>
#include <QKeyEvent>
#include <QScrollBar>
#include <QStringListModel>

namespace aegis::console {

TagQueryEditor::TagQueryEditor(QWidget *parent)
    : QPlainTextEdit(parent)
    , m_completer(new QCompleter(this))
    , m_candidates(new QStringListModel(this)) {
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setTabChangesFocus(true);
    setLineWrapMode(QPlainTextEdit::WidgetWidth);
    setPlaceholderText(tr("e.g. http.response.status_code >= 500 AND NOT retry = true"));
    setToolTip(tr("Attributes of a span or its resource: key = value, != , >, >=, <, <=, a bare "
                  "key (present), * wildcards; AND, OR, NOT and parentheses. Ctrl+Space "
                  "completes, Enter searches."));
    m_completer->setModel(m_candidates);
    m_completer->setWidget(this);
    m_completer->setCompletionMode(QCompleter::UnfilteredPopupCompletion);
    m_completer->setCaseSensitivity(Qt::CaseSensitive);
    connect(m_completer, qOverload<const QString &>(&QCompleter::activated), this,
            &TagQueryEditor::insertCompletion);
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

void TagQueryEditor::markError(std::optional<int> offset) {
    m_errorOffset = offset;
    QList<QTextEdit::ExtraSelection> selections;
    if (offset) {
        QTextEdit::ExtraSelection selection;
        QTextCursor cursor(document());
        cursor.setPosition(std::min(*offset, int(toPlainText().size())));
        cursor.movePosition(QTextCursor::EndOfWord, QTextCursor::KeepAnchor);
        if (!cursor.hasSelection()) {
            // At the end or on punctuation: mark one character so the mark shows.
            if (!cursor.movePosition(QTextCursor::NextCharacter, QTextCursor::KeepAnchor)) {
                cursor.movePosition(QTextCursor::PreviousCharacter, QTextCursor::KeepAnchor);
            }
        }
        selection.cursor = cursor;
        selection.format.setUnderlineStyle(QTextCharFormat::WaveUnderline);
        selection.format.setUnderlineColor(themeColors(palette()).danger);
        selection.format.setBackground(themeColors(palette()).errorBackground);
        selections.append(selection);
    }
    setExtraSelections(selections);
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

void TagQueryEditor::complete() {
    const TagQueryCompletionContext context =
        tagQueryCompletionAt(toPlainText(), textCursor().position());
    if (context.kind == TagQueryCompletionContext::Kind::Value && !context.key.isEmpty() &&
        !m_values.contains(context.key)) {
        emit valuesWanted(context.key);
    }
    const QStringList candidates = currentCandidates();
    m_candidates->setStringList(candidates);
    if (candidates.isEmpty()) {
        m_completer->popup()->hide();
        return;
    }
    QRect rect = cursorRect();
    rect.setWidth(m_completer->popup()->sizeHintForColumn(0) +
                  m_completer->popup()->verticalScrollBar()->sizeHint().width());
    m_completer->complete(rect);
    m_completer->popup()->setCurrentIndex(m_candidates->index(0));
}

void TagQueryEditor::insertCompletion(const QString &completion) {
    const TagQueryCompletionContext context =
        tagQueryCompletionAt(toPlainText(), textCursor().position());
    QString text = completion;
    if (context.kind == TagQueryCompletionContext::Kind::Value && !context.quoted) {
        text = tagQueryValue(completion);
    }
    QTextCursor cursor = textCursor();
    cursor.setPosition(context.start);
    cursor.setPosition(textCursor().position(), QTextCursor::KeepAnchor);
    cursor.insertText(text);
    setTextCursor(cursor);
}

void TagQueryEditor::keyPressEvent(QKeyEvent *event) {
    const bool enter = event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter;
    if (m_completer->popup()->isVisible()) {
        switch (event->key()) {
        case Qt::Key_Enter:
        case Qt::Key_Return:
        case Qt::Key_Escape:
        case Qt::Key_Tab:
            event->ignore();
            return;
        default:
            break;
        }
    }
    if (enter) {
        emit runRequested();
        return;
    }
    if (event->key() == Qt::Key_Space && event->modifiers().testFlag(Qt::ControlModifier)) {
        complete();
        return;
    }
    QPlainTextEdit::keyPressEvent(event);
    const QString typed = event->text();
    // Words, an operator's last character or a quote start a completion; anything else closes it.
    if (!typed.isEmpty() && (typed[0].isLetterOrNumber() || typed[0] == QLatin1Char('_') ||
                             typed[0] == QLatin1Char('=') || typed[0] == QLatin1Char('"'))) {
        complete();
    } else if (!typed.isEmpty() || event->key() == Qt::Key_Backspace) {
        m_completer->popup()->hide();
    }
}

} // namespace aegis::console
