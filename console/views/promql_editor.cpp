#include "views/promql_editor.h"

#include "views/theme.h"

#include <QAbstractItemView>
#include <QCompleter>
#include <QFontDatabase>
#include <QKeyEvent>
#include <QScrollBar>
#include <QStringListModel>
#include <QTextBlock>

namespace aegis::console {

PromqlEditor::PromqlEditor(QWidget *parent)
    : QPlainTextEdit(parent)
    , m_completer(new QCompleter(this))
    , m_candidates(new QStringListModel(this)) {
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setTabChangesFocus(true);
    setPlaceholderText(tr("PromQL, e.g. sum by (color) (rate(http_requests_total[1m])) — "
                          "Ctrl+Space completes, Ctrl+Enter runs"));
    m_completer->setModel(m_candidates);
    m_completer->setWidget(this);
    m_completer->setCompletionMode(QCompleter::UnfilteredPopupCompletion);
    m_completer->setCaseSensitivity(Qt::CaseSensitive);
    connect(m_completer, qOverload<const QString &>(&QCompleter::activated), this,
            &PromqlEditor::insertCompletion);
    connect(this, &QPlainTextEdit::textChanged, this, [this] {
        if (m_errorOffset) {
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

void PromqlEditor::markError(std::optional<int> offset) {
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

void PromqlEditor::complete() {
    const PromqlCompletionContext context =
        promqlCompletionAt(toPlainText(), textCursor().position());
    if (context.kind == PromqlCompletionContext::Kind::LabelValue &&
        !m_labelValues.contains(context.labelName) && !context.labelName.isEmpty()) {
        emit labelValuesWanted(context.labelName);
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

void PromqlEditor::insertCompletion(const QString &completion) {
    const PromqlCompletionContext context =
        promqlCompletionAt(toPlainText(), textCursor().position());
    QTextCursor cursor = textCursor();
    cursor.setPosition(context.start);
    cursor.setPosition(textCursor().position(), QTextCursor::KeepAnchor);
    cursor.insertText(completion);
    setTextCursor(cursor);
}

void PromqlEditor::keyPressEvent(QKeyEvent *event) {
    if ((event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter) &&
        event->modifiers().testFlag(Qt::ControlModifier)) {
        m_completer->popup()->hide();
        emit runRequested();
        return;
    }
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
    if (event->key() == Qt::Key_Space && event->modifiers().testFlag(Qt::ControlModifier)) {
        complete();
        return;
    }
    QPlainTextEdit::keyPressEvent(event);
    const QString typed = event->text();
    // Words, an opening brace, a comma or a quote start a new completion; anything else closes it.
    if (!typed.isEmpty() && (typed[0].isLetterOrNumber() || typed[0] == QLatin1Char('_') ||
                             typed[0] == QLatin1Char('{') || typed[0] == QLatin1Char(',') ||
                             typed[0] == QLatin1Char('"'))) {
        complete();
    } else if (!typed.isEmpty() || event->key() == Qt::Key_Backspace) {
        m_completer->popup()->hide();
    }
}

} // namespace aegis::console
