#pragma once

#include "models/rollout_format.h"

#include <QStyledItemDelegate>

namespace aegis::console {

struct ThemeColors;

// The theme's colour for a rollout tone: the deployment colours for blue and green, the status
// colours for the phases.
QColor rolloutToneColor(RolloutTone tone, const ThemeColors &colors);

// Paints a cell as a pill in its tone when the model gives one in `toneRole` (an int
// RolloutTone: ReleaseModel::ToneRole, RolloutHistoryModel::ToneRole); other cells as usual.
class RolloutDelegate final : public QStyledItemDelegate {
    Q_OBJECT
public:
    RolloutDelegate(int toneRole, QObject *parent = nullptr);

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    int m_toneRole;
};

} // namespace aegis::console
