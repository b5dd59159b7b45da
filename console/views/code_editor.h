#pragma once

#include "models/config_content_check.h"
#include "net/api_types.h"

#include <QColor>
#include <QPlainTextEdit>
#include <QTimer>

#include <functional>
#include <optional>

namespace aegis::console {

class ConfigHighlighter;

// A plain-text editor for config content: line numbers in a gutter, syntax highlighting for the
// content's format, and live validation. A short pause after each edit runs the daemon's own
// validator (checkConfigContent); a problem is marked where it is, with a wavy underline from its
// column and a marker in the gutter, and announced through problemChanged for the message under
// the editor. The diff view reuses it read-only, with its own line labels and line backgrounds.
class CodeEditor final : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit CodeEditor(QWidget *parent = nullptr);

    void setContentFormat(ConfigFormat format);
    ConfigFormat contentFormat() const { return m_format; }
    // The JSON Schema content must satisfy (json and yaml), checked with the syntax.
    void setSchema(const QString &schema);
    // Whether edits are validated (off for the diff panes and for text).
    void setValidationEnabled(bool enabled);
    // How long typing must pause before validating.
    void setValidationDelay(int milliseconds) { m_validationTimer.setInterval(milliseconds); }
    // Validates now instead of after the pause.
    void validateNow();
    // Replaces the config validator with `check`, which lists every problem of the content (a
    // rule file's diagnostics); empty restores the config validator.
    using ContentCheck = std::function<QList<ContentProblem>(const QString &content)>;
    void setContentCheck(ContentCheck check);
    // Problems found elsewhere (by the daemon) for the text as it is now, marked beside the local
    // ones until the next edit.
    void setExternalProblems(const QList<ContentProblem> &problems);
    // The first problem (the one announced); every one is marked.
    const std::optional<ContentProblem> &problem() const { return m_problem; }
    const QList<ContentProblem> &problems() const { return m_problems; }
    // The 1-based line of the problem marker; 0 when there is none.
    int problemLine() const;

    // What the gutter shows beside each block, instead of 1, 2, 3…; 0 shows nothing. Empty: the
    // block numbers.
    void setLineLabels(const QList<int> &labels);
    // A full-width background per block (invalid: none).
    void setLineBackgrounds(const QList<QColor> &backgrounds);
    // A background behind a run of characters of a block (the characters a diff changed), drawn
    // over the line's background.
    struct CharacterMark {
        int block = 0;
        int start = 0;
        int length = 0;
        QColor color;
    };
    void setCharacterMarks(const QList<CharacterMark> &marks);
    const QList<CharacterMark> &characterMarks() const { return m_characterMarks; }

    ConfigHighlighter *highlighter() const { return m_highlighter; }
    int gutterWidth() const;
    // The text the gutter shows for 0-based block `block` (for tests).
    QString gutterLabel(int block) const;

signals:
    void problemChanged(const std::optional<aegis::console::ContentProblem> &problem);

protected:
    void resizeEvent(QResizeEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    class Gutter;
    friend class Gutter;

    void paintGutter(QPaintEvent *event);
    void updateGutterWidth();
    void updateGutter(const QRect &rect, int dy);
    void updateSelections();
    void setProblems(const QList<ContentProblem> &problems);

    Gutter *m_gutter;
    ConfigHighlighter *m_highlighter;
    ConfigFormat m_format = ConfigFormat::Text;
    QString m_schema;
    bool m_validationEnabled = true;
    QTimer m_validationTimer;
    std::optional<ContentProblem> m_problem;
    QList<ContentProblem> m_problems;
    QList<ContentProblem> m_localProblems;
    QList<ContentProblem> m_externalProblems;
    ContentCheck m_check;
    QList<int> m_lineLabels;
    QList<QColor> m_lineBackgrounds;
    QList<CharacterMark> m_characterMarks;
};

} // namespace aegis::console
