#pragma once

#include <QHash>
#include <QList>
#include <QObject>
#include <QSet>
#include <QTimer>

class QTableView;

namespace aegis::console {

// Sizes a table's columns to what they hold (the header and the rows in view) and gives the
// width left to one stretching column, so that no column is cut while another has space to
// spare. When the contents are wider than the table, the stretching column keeps what it needs
// up to `stretchKeeps` pixels and the shrinkable columns give way first, never below their
// header's width. Refits (coalesced) when rows arrive, data changes or the table is resized; a
// column the operator resized by hand keeps their width. The columns always fit the table's
// width (no horizontal scrolling): the one helper for fitting a console table's columns. Owned by
// the table.
class ColumnFitter final : public QObject {
    Q_OBJECT
public:
    ColumnFitter(QTableView *table, int stretchColumn, int stretchKeeps);

    // Columns that give way when space is short, widest first.
    void setShrinkable(const QList<int> &columns) { m_shrinkable = columns; }
    // A column kept at `width` whatever it holds (a chart drawn to fit its cell).
    void setFixedWidth(int column, int width);
    // Fits now (tests; the table does it on its own otherwise).
    void fit();
    // The width the table needs to show every column whole (within the widest a column takes),
    // frame and scroll bar included: what a splitter beside it may give it.
    int idealWidth() const;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void schedule();
    // What `column` holds: its header and the rows in view, with padding.
    int contentWidth(int column) const;

    QTableView *m_table; // Not owned: the parent.
    int m_stretch;
    int m_stretchKeeps;
    QList<int> m_shrinkable;
    QHash<int, int> m_fixed;
    // Columns the operator resized; fit() leaves them as they are.
    QSet<int> m_resizedByHand;
    bool m_fitting = false;
    QTimer m_pending;
};

} // namespace aegis::console
