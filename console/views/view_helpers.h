#pragma once

#include <QMessageBox>
#include <QString>

class QFrame;
class QLabel;
class QPushButton;
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

// A hidden strip (styled by `objectName`: "Banner", "ErrorBanner") with selectable, wrapping
// `text` and an optional `action` button on its right.
QFrame *banner(const QString &objectName, QLabel *text, QPushButton *action = nullptr);

// A bold heading between groups of a form or page (styled by the theme's "SectionTitle").
QLabel *sectionTitle(const QString &text);

} // namespace aegis::console
