#include "views/view_helpers.h"

#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QScreen>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QTreeView>

namespace aegis::console {

void styleTable(QTableView *table, int rowHeight) {
    table->setAlternatingRowColors(true);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    table->setShowGrid(false);
    table->setWordWrap(false);
    table->setTextElideMode(Qt::ElideRight);
    table->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    table->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    table->verticalHeader()->hide();
    table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    table->verticalHeader()->setDefaultSectionSize(rowHeight);
    QHeaderView *columns = table->horizontalHeader();
    columns->setHighlightSections(false);
    columns->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
}

namespace {

// Gives every row of a view the same height, whatever the cell's own size hint.
class FixedRowHeightDelegate final : public QStyledItemDelegate {
public:
    FixedRowHeightDelegate(int height, QObject *parent)
        : QStyledItemDelegate(parent)
        , m_height(height) {}

    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override {
        QSize size = QStyledItemDelegate::sizeHint(option, index);
        size.setHeight(m_height);
        return size;
    }

private:
    int m_height;
};

} // namespace

void styleTree(QTreeView *tree, int rowHeight) {
    tree->setUniformRowHeights(true);
    tree->setItemDelegate(new FixedRowHeightDelegate(rowHeight, tree));
    tree->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    tree->header()->setHighlightSections(false);
    tree->header()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
}

void fitToWindow(QWidget *dialog, double fraction, const QSize &minimum) {
    const QWidget *owner = dialog->parentWidget() ? dialog->parentWidget()->window() : nullptr;
    const QScreen *screen = owner ? owner->screen() : dialog->screen();
    const QSize available = screen ? screen->availableGeometry().size() : minimum;
    const QSize area = owner ? owner->size().boundedTo(available) : available;
    const QSize wanted(static_cast<int>(area.width() * fraction),
                       static_cast<int>(area.height() * fraction));
    dialog->resize(wanted.expandedTo(minimum).boundedTo(available));
}

bool confirmAction(QWidget *parent, QMessageBox::Icon icon, const QString &title,
                   const QString &text, const QString &acceptLabel, Qt::TextFormat format) {
    QMessageBox box(icon, title, text, QMessageBox::Cancel, parent);
    box.setTextFormat(format);
    QPushButton *accept = box.addButton(acceptLabel, QMessageBox::AcceptRole);
    box.setDefaultButton(QMessageBox::Cancel);
    box.exec();
    return box.clickedButton() == accept;
}

QFrame *banner(const QString &objectName, QLabel *text, QPushButton *action) {
    auto *frame = new QFrame;
    frame->setObjectName(objectName);
    text->setWordWrap(true);
    text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *layout = new QHBoxLayout(frame);
    layout->setContentsMargins(12, 8, 8, 8);
    layout->addWidget(text, 1);
    if (action) {
        layout->addWidget(action, 0, Qt::AlignVCenter);
    }
    frame->hide();
    return frame;
}

QLabel *sectionTitle(const QString &text) {
    auto *label = new QLabel(text);
    label->setObjectName(QStringLiteral("SectionTitle"));
    return label;
}

} // namespace aegis::console
