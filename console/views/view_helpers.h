#pragma once

#include <QMessageBox>
#include <QString>

class QLabel;
class QTableView;
class QWidget;

namespace aegis::console {

// The look every page's tables share: whole-row single selection, no grid, eliding, fixed row
// height, per-pixel scrolling, left-aligned headers.
void styleTable(QTableView *table, int rowHeight = 30);

// Asks before an operator action; true when `acceptLabel` was clicked (Cancel is the default).
bool confirmAction(QWidget *parent, QMessageBox::Icon icon, const QString &title,
                   const QString &text, const QString &acceptLabel,
                   Qt::TextFormat format = Qt::AutoText);

// A bold heading between groups of a form or page (styled by the theme's "SectionTitle").
QLabel *sectionTitle(const QString &text);

} // namespace aegis::console
