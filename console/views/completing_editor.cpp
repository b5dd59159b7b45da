#include "views/completing_editor.h"

#include "views/theme.h"

#include <QAbstractItemView>
#include <QCompleter>
#include <QFontDatabase>
#include <QKeyEvent>
#include <QScrollBar>
#include <QStringListModel>

namespace aegis::console {

CompletingEditor::CompletingEditor(QWidget *parent)
    : QPlainTextEdit(parent)
    , m_completer(new QCompleter(this))
    , m_candidates(new QStringListModel(this)) {
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setTabChangesFocus(true);
    m_completer->setModel(m_candidates);
    m_completer->setWidget(this);
    m_completer->setCompletionMode(QCompleter::UnfilteredPopupCompletion);
    m_completer->setCaseSensitivity(Qt::CaseSensitive);
    connect(m_completer, qOverload<const QString &>(&QCompleter::activated), this,
            [this](const QString &completion) { insertCompletion(completion); });
}

void CompletingEditor::markError(std::optional<int> offset) {
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

void CompletingEditor::complete() {
    aboutToComplete();
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

void CompletingEditor::replaceBeforeCursor(int start, const QString &text) {
    QTextCursor cursor = textCursor();
    cursor.setPosition(start);
    cursor.setPosition(textCursor().position(), QTextCursor::KeepAnchor);
    cursor.insertText(text);
    setTextCursor(cursor);
}

bool CompletingEditor::takeCompletionKey(QKeyEvent *event) {
    if (m_completer->popup()->isVisible()) {
        switch (event->key()) {
        case Qt::Key_Enter:
        case Qt::Key_Return:
        case Qt::Key_Escape:
        case Qt::Key_Tab:
            // The popup acts on these.
            event->ignore();
            return true;
        default:
            break;
        }
    }
    if (event->key() == Qt::Key_Space && event->modifiers().testFlag(Qt::ControlModifier)) {
        complete();
        return true;
    }
    return false;
}

void CompletingEditor::followTyping(const QKeyEvent *event, QStringView starters) {
    const QString typed = event->text();
    if (!typed.isEmpty() && (typed[0].isLetterOrNumber() || typed[0] == QLatin1Char('_') ||
                             starters.contains(typed[0]))) {
        complete();
    } else if (!typed.isEmpty() || event->key() == Qt::Key_Backspace) {
        m_completer->popup()->hide();
    }
}

} // namespace aegis::console
