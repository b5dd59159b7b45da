#include "views/view_helpers.h"

#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableView>

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
