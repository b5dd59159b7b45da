#include "views/code_editor.h"

#include "views/config_highlighter.h"
#include "views/theme.h"

#include <QFontDatabase>
#include <QPaintEvent>
#include <QPainter>
#include <QTextBlock>

#include <algorithm>

namespace aegis::console {

class CodeEditor::Gutter final : public QWidget {
public:
    explicit Gutter(CodeEditor *editor)
        : QWidget(editor)
        , m_editor(editor) {}
    QSize sizeHint() const override { return {m_editor->gutterWidth(), 0}; }

protected:
    void paintEvent(QPaintEvent *event) override { m_editor->paintGutter(event); }

private:
    CodeEditor *m_editor; // Not owned: the parent.
};

namespace {

constexpr int kMarkerSpace = 14;

} // namespace

CodeEditor::CodeEditor(QWidget *parent)
    : QPlainTextEdit(parent)
    , m_gutter(new Gutter(this))
    , m_highlighter(new ConfigHighlighter(document())) {
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setLineWrapMode(QPlainTextEdit::NoWrap);
    setTabChangesFocus(false);
    setTabStopDistance(fontMetrics().horizontalAdvance(QLatin1Char(' ')) * 2);
    m_validationTimer.setSingleShot(true);
    m_validationTimer.setInterval(300);
    connect(&m_validationTimer, &QTimer::timeout, this, &CodeEditor::validateNow);
    connect(this, &QPlainTextEdit::blockCountChanged, this, &CodeEditor::updateGutterWidth);
    connect(this, &QPlainTextEdit::updateRequest, this, &CodeEditor::updateGutter);
    connect(this, &QPlainTextEdit::cursorPositionChanged, this, &CodeEditor::updateSelections);
    connect(this, &QPlainTextEdit::textChanged, this, [this] {
        m_externalProblems.clear();
        if (m_validationEnabled && !isReadOnly()) {
            m_validationTimer.start();
        }
    });
    updateGutterWidth();
}

void CodeEditor::setContentFormat(ConfigFormat format) {
    m_format = format;
    m_highlighter->setContentFormat(format);
    if (m_validationEnabled) {
        validateNow();
    }
}

void CodeEditor::setSchema(const QString &schema) {
    m_schema = schema;
    if (m_validationEnabled) {
        validateNow();
    }
}

void CodeEditor::setValidationEnabled(bool enabled) {
    m_validationEnabled = enabled;
    if (!enabled) {
        m_validationTimer.stop();
        m_localProblems.clear();
        m_externalProblems.clear();
        setProblems({});
    } else {
        validateNow();
    }
}

void CodeEditor::validateNow() {
    m_validationTimer.stop();
    m_localProblems.clear();
    if (m_validationEnabled && m_check) {
        m_localProblems = m_check(toPlainText());
    } else if (m_validationEnabled) {
        if (const auto problem = checkConfigContent(m_format, toPlainText(), m_schema)) {
            m_localProblems.append(*problem);
        }
    }
    setProblems(m_localProblems + m_externalProblems);
}

void CodeEditor::setContentCheck(ContentCheck check) {
    m_check = std::move(check);
    if (m_validationEnabled) {
        validateNow();
    }
}

void CodeEditor::setExternalProblems(const QList<ContentProblem> &problems) {
    m_externalProblems = problems;
    setProblems(m_localProblems + m_externalProblems);
}

void CodeEditor::setProblems(const QList<ContentProblem> &problems) {
    if (problems == m_problems) {
        return;
    }
    m_problems = problems;
    const std::optional<ContentProblem> first =
        problems.isEmpty() ? std::nullopt : std::optional<ContentProblem>(problems.first());
    updateSelections();
    m_gutter->update();
    QStringList messages;
    for (const ContentProblem &problem : problems) {
        messages.append(problem.line > 0 ? tr("Line %1: %2").arg(problem.line).arg(problem.message)
                                         : problem.message);
    }
    m_gutter->setToolTip(messages.join(QLatin1Char('\n')));
    if (first != m_problem) {
        m_problem = first;
        emit problemChanged(first);
    }
}

int CodeEditor::problemLine() const {
    return m_problem ? m_problem->line : 0;
}

void CodeEditor::setLineLabels(const QList<int> &labels) {
    m_lineLabels = labels;
    updateGutterWidth();
    m_gutter->update();
}

void CodeEditor::setLineBackgrounds(const QList<QColor> &backgrounds) {
    m_lineBackgrounds = backgrounds;
    updateSelections();
}

void CodeEditor::setCharacterMarks(const QList<CharacterMark> &marks) {
    m_characterMarks = marks;
    updateSelections();
}

QString CodeEditor::gutterLabel(int block) const {
    if (m_lineLabels.isEmpty()) {
        return QString::number(block + 1);
    }
    const int label = m_lineLabels.value(block);
    return label > 0 ? QString::number(label) : QString();
}

int CodeEditor::gutterWidth() const {
    int largest = std::max(1, blockCount());
    for (int label : m_lineLabels) {
        largest = std::max(largest, label);
    }
    int digits = 1;
    while (largest >= 10) {
        largest /= 10;
        ++digits;
    }
    digits = std::max(digits, 2);
    return 10 + fontMetrics().horizontalAdvance(QLatin1Char('9')) * digits + kMarkerSpace;
}

void CodeEditor::updateGutterWidth() {
    setViewportMargins(gutterWidth(), 0, 0, 0);
}

void CodeEditor::updateGutter(const QRect &rect, int dy) {
    if (dy != 0) {
        m_gutter->scroll(0, dy);
    } else {
        m_gutter->update(0, rect.y(), m_gutter->width(), rect.height());
    }
    if (rect.contains(viewport()->rect())) {
        updateGutterWidth();
    }
}

void CodeEditor::resizeEvent(QResizeEvent *event) {
    QPlainTextEdit::resizeEvent(event);
    const QRect area = contentsRect();
    m_gutter->setGeometry(QRect(area.left(), area.top(), gutterWidth(), area.height()));
}

void CodeEditor::changeEvent(QEvent *event) {
    if (event->type() == QEvent::PaletteChange) {
        m_highlighter->setColors(themeColors(palette()));
        updateSelections();
    } else if (event->type() == QEvent::ReadOnlyChange) {
        updateSelections();
    }
    QPlainTextEdit::changeEvent(event);
}

void CodeEditor::paintGutter(QPaintEvent *event) {
    const ThemeColors colors = themeColors(palette());
    QPainter painter(m_gutter);
    painter.fillRect(event->rect(), colors.gutterBackground);
    painter.setPen(colors.border);
    painter.drawLine(m_gutter->width() - 1, event->rect().top(), m_gutter->width() - 1,
                     event->rect().bottom());
    painter.setFont(font());
    QTextBlock block = firstVisibleBlock();
    int top = qRound(blockBoundingGeometry(block).translated(contentOffset()).top());
    int bottom = top + qRound(blockBoundingRect(block).height());
    const int lineHeight = fontMetrics().height();
    const int current = textCursor().blockNumber();
    while (block.isValid() && top <= event->rect().bottom()) {
        if (block.isVisible() && bottom >= event->rect().top()) {
            const int number = block.blockNumber();
            if (std::any_of(m_problems.cbegin(), m_problems.cend(),
                            [number](const ContentProblem &p) { return p.line == number + 1; })) {
                // The problem's marker: a filled circle left of the number.
                const int diameter = std::min(10, lineHeight - 4);
                painter.setRenderHint(QPainter::Antialiasing);
                painter.setPen(Qt::NoPen);
                painter.setBrush(colors.danger);
                painter.drawEllipse(
                    QRectF(3, top + (lineHeight - diameter) / 2.0, diameter, diameter));
            }
            painter.setPen(number == current && !isReadOnly() ? palette().color(QPalette::Text)
                                                              : colors.gutterText);
            painter.drawText(0, top, m_gutter->width() - 6, lineHeight, Qt::AlignRight,
                             gutterLabel(number));
        }
        block = block.next();
        top = bottom;
        bottom = top + qRound(blockBoundingRect(block).height());
    }
}

void CodeEditor::updateSelections() {
    const ThemeColors colors = themeColors(palette());
    QList<QTextEdit::ExtraSelection> selections;
    for (int i = 0; i < m_lineBackgrounds.size(); ++i) {
        if (!m_lineBackgrounds.at(i).isValid()) {
            continue;
        }
        QTextEdit::ExtraSelection line;
        line.format.setBackground(m_lineBackgrounds.at(i));
        line.format.setProperty(QTextFormat::FullWidthSelection, true);
        line.cursor = QTextCursor(document()->findBlockByNumber(i));
        selections.append(line);
    }
    for (const CharacterMark &mark : std::as_const(m_characterMarks)) {
        const QTextBlock block = document()->findBlockByNumber(mark.block);
        if (!block.isValid() || mark.length <= 0) {
            continue;
        }
        const int length = static_cast<int>(block.text().size());
        const int start = std::clamp(mark.start, 0, length);
        const int end = std::clamp(mark.start + mark.length, start, length);
        QTextEdit::ExtraSelection characters;
        characters.format.setBackground(mark.color);
        characters.cursor = QTextCursor(block);
        characters.cursor.setPosition(block.position() + start);
        characters.cursor.setPosition(block.position() + end, QTextCursor::KeepAnchor);
        selections.append(characters);
    }
    if (!isReadOnly() && m_lineBackgrounds.isEmpty()) {
        QTextEdit::ExtraSelection line;
        line.format.setBackground(colors.currentLine);
        line.format.setProperty(QTextFormat::FullWidthSelection, true);
        line.cursor = textCursor();
        line.cursor.clearSelection();
        selections.append(line);
    }
    for (const ContentProblem &problem : std::as_const(m_problems)) {
        if (problem.line <= 0) {
            continue;
        }
        const QTextBlock block = document()->findBlockByNumber(problem.line - 1);
        if (block.isValid()) {
            QTextEdit::ExtraSelection line;
            QColor tint = colors.danger;
            tint.setAlpha(colors.dark ? 40 : 22);
            line.format.setBackground(tint);
            line.format.setProperty(QTextFormat::FullWidthSelection, true);
            line.cursor = QTextCursor(block);
            selections.append(line);

            // The underline from the column to the end of the line (at least one character).
            const int length = static_cast<int>(block.text().size());
            int start = std::clamp(problem.column - 1, 0, std::max(0, length - 1));
            int end = std::max(start + 1, length);
            if (length == 0) {
                start = 0;
                end = 0;
            }
            QTextEdit::ExtraSelection underline;
            underline.format.setUnderlineStyle(QTextCharFormat::WaveUnderline);
            underline.format.setUnderlineColor(colors.danger);
            underline.format.setToolTip(problem.message);
            QTextCursor cursor(block);
            cursor.setPosition(block.position() + start);
            cursor.setPosition(block.position() + end, QTextCursor::KeepAnchor);
            underline.cursor = cursor;
            selections.append(underline);
        }
    }
    setExtraSelections(selections);
}

} // namespace aegis::console
