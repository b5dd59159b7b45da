#include "views/instance_delegate.h"

#include "models/instance_model.h"
#include "views/pill_painter.h"
#include "views/theme.h"

#include <QApplication>
#include <QPainter>

namespace aegis::console {

QColor instanceStateTone(int state, const ThemeColors &colors) {
    switch (static_cast<InstanceState>(state)) {
    case InstanceState::Serving:
        return colors.success;
    case InstanceState::Draining:
        return colors.warning;
    case InstanceState::Maintenance:
        return colors.attention;
    case InstanceState::Unspecified:
        break;
    }
    return colors.muted;
}

QColor healthBadgeTone(HealthBadge badge, const ThemeColors &colors) {
    switch (badge) {
    case HealthBadge::Passing:
        return colors.success;
    case HealthBadge::Warning:
        return colors.warning;
    case HealthBadge::Critical:
    case HealthBadge::Ejected:
        return colors.danger;
    case HealthBadge::Flapping:
        return colors.attention;
    case HealthBadge::Unknown:
        break;
    }
    return colors.muted;
}

QColor deployColourTone(const QString &colour, const ThemeColors &colors) {
    if (colour == QLatin1String("blue")) {
        return colors.deployBlue;
    }
    if (colour == QLatin1String("green")) {
        return colors.deployGreen;
    }
    return colors.muted;
}

void InstanceDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                             const QModelIndex &index) const {
    const int column = index.column();
    if (column != InstanceModel::ColourColumn && column != InstanceModel::StateColumn &&
        column != InstanceModel::HealthColumn && column != InstanceModel::LabelsColumn) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionViewItem background = option;
    initStyleOption(&background, index);
    background.text.clear();
    QStyle *style = option.widget ? option.widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &background, painter, option.widget);

    const ThemeColors colors = themeColors(option.palette);
    const bool selected = option.state & QStyle::State_Selected;
    const auto tone = [&](const QColor &base) {
        return selected ? selectedTone(base, colors.dark) : base;
    };
    const int left = option.rect.left() + 8;

    if (column == InstanceModel::StateColumn) {
        drawPill(painter, option, index.data(Qt::DisplayRole).toString(),
                 tone(instanceStateTone(index.data(InstanceModel::StateRole).toInt(), colors)));
        return;
    }
    if (column == InstanceModel::HealthColumn) {
        const auto badge =
            static_cast<HealthBadge>(index.data(InstanceModel::HealthBadgeRole).toInt());
        drawPill(painter, option, index.data(Qt::DisplayRole).toString(),
                 tone(healthBadgeTone(badge, colors)));
        return;
    }
    if (column == InstanceModel::ColourColumn) {
        // A swatch and the colour's name, so it reads without colour vision too.
        const QString colour = index.data(InstanceModel::ColourRole).toString();
        const QColor swatch = deployColourTone(colour, colors);
        const int size = option.fontMetrics.height() - 4;
        QRect chip(left, 0, size, size);
        chip.moveTop(option.rect.center().y() - size / 2);
        painter->save();
        painter->setRenderHint(QPainter::Antialiasing);
        painter->setPen(selected ? QPen(Qt::white, 1.5) : QPen(swatch.darker(120), 1));
        painter->setBrush(colour.isEmpty() ? QBrush(Qt::NoBrush) : QBrush(swatch));
        painter->drawRoundedRect(chip, 3, 3);
        painter->setPen(
            option.palette.color(selected ? QPalette::HighlightedText : QPalette::Text));
        const QRect text = option.rect.adjusted(chip.right() - option.rect.left() + 8, 0, -4, 0);
        painter->drawText(text, Qt::AlignLeft | Qt::AlignVCenter,
                          option.fontMetrics.elidedText(index.data(Qt::DisplayRole).toString(),
                                                        Qt::ElideRight, text.width()));
        painter->restore();
        return;
    }

    // Labels: chips left to right; what does not fit is counted in a final "+n".
    const QStringList labels = index.data(InstanceModel::LabelListRole).toStringList();
    const QColor chipTone =
        tone(colors.dark ? option.palette.color(QPalette::Text).darker(115) : colors.muted);
    int x = left;
    const int right = option.rect.right() - 4;
    for (int i = 0; i < labels.size(); ++i) {
        const int remaining = static_cast<int>(labels.size()) - i;
        const QString more = QStringLiteral("+%1").arg(remaining);
        const int reserve = remaining > 1 ? pillWidth(option, more) + 4 : 0;
        const int width = pillWidth(option, labels.at(i));
        if (x + width + reserve > right) {
            drawPill(painter, option, more, chipTone, x);
            return;
        }
        x = drawPill(painter, option, labels.at(i), chipTone, x).right() + 5;
    }
}

QSize InstanceDelegate::sizeHint(const QStyleOptionViewItem &option,
                                 const QModelIndex &index) const {
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    if (index.column() == InstanceModel::LabelsColumn) {
        int width = 12;
        for (const QString &label : index.data(InstanceModel::LabelListRole).toStringList()) {
            width += pillWidth(option, label) + 5;
        }
        size.setWidth(width);
    } else {
        size.setWidth(size.width() + 24);
    }
    return size;
}

} // namespace aegis::console
