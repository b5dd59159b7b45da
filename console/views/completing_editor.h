#pragma once

#include <QPlainTextEdit>

#include <optional>

class QCompleter;
class QStringListModel;

namespace aegis::console {

// A query editor with a completion popup and an error mark: what the PromQL and tag query
// editors share. A subclass says what the cursor's position offers (currentCandidates) and what
// choosing a candidate inserts (insertCompletion); the base owns the popup, opens it on
// Ctrl+Space and while a completion is being typed, and underlines an error.
class CompletingEditor : public QPlainTextEdit {
    Q_OBJECT
public:
    // Marks the error at the 0-based character `offset` with a wavy underline from that character
    // to the end of its word; nullopt clears the mark.
    void markError(std::optional<int> offset);
    std::optional<int> errorOffset() const { return m_errorOffset; }

    // The candidates for the cursor's position now (what the popup lists).
    virtual QStringList currentCandidates() const = 0;
    // Opens the completion popup for the cursor's position (Ctrl+Space does too).
    void complete();
    QCompleter *completer() const { return m_completer; }

protected:
    explicit CompletingEditor(QWidget *parent);

    // Called by complete() before it reads the candidates: the place to ask for a missing list.
    virtual void aboutToComplete() {}
    // Inserts the chosen `completion` (replaceBeforeCursor does the editing).
    virtual void insertCompletion(const QString &completion) = 0;
    // Replaces the text from `start` to the cursor with `text`.
    void replaceBeforeCursor(int start, const QString &text);

    // Takes the keys the open popup handles and Ctrl+Space; true when `event` is taken.
    bool takeCompletionKey(QKeyEvent *event);
    // After a key went into the text: a letter, digit, '_' or one of `starters` typed (re)opens
    // the completion; any other character or Backspace closes it.
    void followTyping(const QKeyEvent *event, QStringView starters);

private:
    QCompleter *m_completer;
    QStringListModel *m_candidates;
    std::optional<int> m_errorOffset;
};

} // namespace aegis::console
