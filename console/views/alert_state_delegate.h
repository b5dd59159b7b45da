#pragma once

#include <QStyledItemDelegate>

namespace aegis::console {

// Paints an alert's state as a small badge: red when firing, amber when pending, grey when a
// silence matches it. Reads the state (an AlertState as int) and, when the model has one, the
// silenced flag from the roles given; rows without a state are painted as usual.
class AlertStateDelegate final : public QStyledItemDelegate {
    Q_OBJECT
public:
    // `silencedRole` 0: the model has none.
    AlertStateDelegate(int stateRole, int silencedRole, QObject *parent = nullptr);

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    int m_stateRole;
    int m_silencedRole;
};

} // namespace aegis::console
