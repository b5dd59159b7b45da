#include "views/diff_view.h"

#include "views/code_editor.h"
#include "views/theme.h"

#include <QEvent>
#include <QGridLayout>
#include <QLabel>
#include <QScrollBar>

namespace aegis::console {
namespace {

CodeEditor *pane() {
    auto *editor = new CodeEditor;
    editor->setReadOnly(true);
    editor->setValidationEnabled(false);
    editor->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    return editor;
}

void link(QScrollBar *a, QScrollBar *b) {
    QObject::connect(a, &QScrollBar::valueChanged, b, [b](int value) {
        if (b->value() != value) {
            b->setValue(value);
        }
    });
}

} // namespace

DiffView::DiffView(QWidget *parent)
    : QWidget(parent)
    , m_leftCaption(new QLabel)
    , m_rightCaption(new QLabel)
    , m_summary(new QLabel)
    , m_left(pane())
    , m_right(pane()) {
    m_left->setObjectName(QStringLiteral("DiffLeft"));
    m_right->setObjectName(QStringLiteral("DiffRight"));
    m_leftCaption->setObjectName(QStringLiteral("CardLabel"));
    m_rightCaption->setObjectName(QStringLiteral("CardLabel"));
    m_summary->setObjectName(QStringLiteral("PageSubtitle"));
    link(m_left->verticalScrollBar(), m_right->verticalScrollBar());
    link(m_right->verticalScrollBar(), m_left->verticalScrollBar());
    link(m_left->horizontalScrollBar(), m_right->horizontalScrollBar());
    link(m_right->horizontalScrollBar(), m_left->horizontalScrollBar());

    auto *layout = new QGridLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setHorizontalSpacing(8);
    layout->setVerticalSpacing(4);
    layout->addWidget(m_leftCaption, 0, 0);
    layout->addWidget(m_rightCaption, 0, 1);
    layout->addWidget(m_left, 1, 0);
    layout->addWidget(m_right, 1, 1);
    layout->addWidget(m_summary, 2, 0, 1, 2);
    layout->setRowStretch(1, 1);
    setCaptions(tr("BEFORE"), tr("AFTER"));
}

void DiffView::setCaptions(const QString &left, const QString &right) {
    m_leftCaption->setText(left.toUpper());
    m_rightCaption->setText(right.toUpper());
}

void DiffView::setContentFormat(ConfigFormat format) {
    m_left->setContentFormat(format);
    m_right->setContentFormat(format);
}

void DiffView::showTexts(const QString &from, const QString &to) {
    present(sideBySide(from, to));
}

void DiffView::showUnifiedDiff(const QString &unifiedDiff) {
    present(sideBySideFromUnified(unifiedDiff));
}

void DiffView::showMessage(const QString &text) {
    m_diff = {};
    m_left->setLineLabels({});
    m_right->setLineLabels({});
    m_left->setLineBackgrounds({});
    m_right->setLineBackgrounds({});
    m_left->setCharacterMarks({});
    m_right->setCharacterMarks({});
    m_left->setPlainText(QString());
    m_right->setPlainText(QString());
    m_summary->setText(text);
}

QString DiffView::summaryText() const {
    return m_summary->text();
}

void DiffView::present(const SideBySideDiff &diff) {
    m_diff = diff;
    QStringList left;
    QStringList right;
    QList<int> leftLabels;
    QList<int> rightLabels;
    for (const DiffRow &row : diff.rows) {
        if (row.kind == DiffRow::Kind::Gap) {
            left.append(QStringLiteral("⋯"));
            right.append(QStringLiteral("⋯"));
        } else {
            left.append(row.left);
            right.append(row.right);
        }
        leftLabels.append(row.leftLine);
        rightLabels.append(row.rightLine);
    }
    const int leftScroll = m_left->verticalScrollBar()->value();
    m_left->setPlainText(left.join(QLatin1Char('\n')));
    m_right->setPlainText(right.join(QLatin1Char('\n')));
    m_left->setLineLabels(leftLabels);
    m_right->setLineLabels(rightLabels);
    m_left->verticalScrollBar()->setValue(leftScroll);
    paint();
    m_summary->setText(diff.isEmpty() ? tr("No changes")
                                      : tr("%1 added, %2 removed")
                                            .arg(tr("%n line(s)", nullptr, diff.added))
                                            .arg(tr("%n line(s)", nullptr, diff.removed)));
}

void DiffView::paint() {
    const ThemeColors colors = themeColors(palette());
    QList<QColor> left;
    QList<QColor> right;
    QList<CodeEditor::CharacterMark> leftMarks;
    QList<CodeEditor::CharacterMark> rightMarks;
    for (const DiffRow &row : std::as_const(m_diff.rows)) {
        switch (row.kind) {
        case DiffRow::Kind::Same:
            left.append(QColor());
            right.append(QColor());
            break;
        case DiffRow::Kind::Changed: {
            const int block = static_cast<int>(left.size());
            left.append(colors.diffRemoved);
            right.append(colors.diffAdded);
            const LineChange change = changedCharacters(row.left, row.right);
            for (const CharacterRange &range : change.left) {
                leftMarks.append({block, range.start, range.length, colors.diffRemovedCharacters});
            }
            for (const CharacterRange &range : change.right) {
                rightMarks.append({block, range.start, range.length, colors.diffAddedCharacters});
            }
            break;
        }
        case DiffRow::Kind::Removed:
            left.append(colors.diffRemoved);
            right.append(colors.diffFiller);
            break;
        case DiffRow::Kind::Added:
            left.append(colors.diffFiller);
            right.append(colors.diffAdded);
            break;
        case DiffRow::Kind::Gap:
            left.append(colors.diffFiller);
            right.append(colors.diffFiller);
            break;
        }
    }
    m_left->setLineBackgrounds(left);
    m_right->setLineBackgrounds(right);
    m_left->setCharacterMarks(leftMarks);
    m_right->setCharacterMarks(rightMarks);
}

void DiffView::changeEvent(QEvent *event) {
    if (event->type() == QEvent::PaletteChange) {
        paint();
    }
    QWidget::changeEvent(event);
}

} // namespace aegis::console
