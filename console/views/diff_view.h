#pragma once

#include "models/side_by_side_diff.h"
#include "net/api_types.h"

#include <QWidget>

class QLabel;

namespace aegis::console {

class CodeEditor;

// Two versions of a config side by side: the older on the left, the newer on the right, row for
// row, so a changed line sits beside what it replaced and a line only one side has stands
// opposite an empty filler. Removed lines are tinted on the left, added ones on the right, in the
// theme's diff colours, and within a changed line the characters that changed are marked in a
// deeper tint (changedCharacters); each pane numbers its own lines and highlights the content's
// syntax. The panes scroll together.
class DiffView final : public QWidget {
    Q_OBJECT
public:
    explicit DiffView(QWidget *parent = nullptr);

    // "Published v7", "Your edit".
    void setCaptions(const QString &left, const QString &right);
    void setContentFormat(ConfigFormat format);
    // Every line of both texts.
    void showTexts(const QString &from, const QString &to);
    // The hunks of a unified diff (with gaps for the unchanged lines it leaves out).
    void showUnifiedDiff(const QString &unifiedDiff);
    // A message instead of a diff (loading, or why there is none).
    void showMessage(const QString &text);

    const SideBySideDiff &diff() const { return m_diff; }
    CodeEditor *leftPane() const { return m_left; }
    CodeEditor *rightPane() const { return m_right; }
    // "+3 −1", or "no changes".
    QString summaryText() const;

protected:
    void changeEvent(QEvent *event) override;

private:
    void present(const SideBySideDiff &diff);
    void paint();

    QLabel *m_leftCaption;
    QLabel *m_rightCaption;
    QLabel *m_summary;
    CodeEditor *m_left;
    CodeEditor *m_right;
    SideBySideDiff m_diff;
};

} // namespace aegis::console
