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
        return colors.danger;
    case HealthBadge::Ejected:
        return colors.ejected;
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
    const ThemeColors colors = themeColors(option.palette);
    const bool selected = option.state & QStyle::State_Selected;
    // A critical or ejected instance's whole row is tinted, so it stands out wherever it is.
    const int severity = index.data(InstanceModel::SeverityRole).toInt();
    if (!selected && severity >= badgeSeverity(HealthBadge::Critical)) {
        QColor tint =
            severity >= badgeSeverity(HealthBadge::Ejected) ? colors.ejected : colors.danger;
        tint.setAlpha(colors.dark ? 46 : 28);
        painter->fillRect(option.rect, tint);
    }
    if (column != InstanceModel::ColourColumn && column != InstanceModel::StateColumn &&
        column != InstanceModel::HealthColumn && column != InstanceModel::LabelsColumn &&
        column != InstanceModel::TrafficColumn) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionViewItem background = option;
    initStyleOption(&background, index);
    background.text.clear();
    QStyle *style = option.widget ? option.widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &background, painter, option.widget);

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
    if (column == InstanceModel::TrafficColumn) {
        // A bar of the share under its number; no traffic reads as a muted "0 %" pill.
        const double share = index.data(InstanceModel::ShareRole).toDouble();
        const QString text = index.data(Qt::DisplayRole).toString();
        if (share <= 0) {
            const int width = pillWidth(option, text);
            drawPill(painter, option, text, tone(colors.muted), option.rect.right() - 8 - width);
            return;
        }
        painter->save();
        const QRect area = option.rect.adjusted(8, 4, -8, -4);
        const QRect bar(area.left(), area.bottom() - 2,
                        std::max(2, int(area.width() * std::min(share, 100.0) / 100.0)), 3);
        painter->fillRect(QRect(area.left(), bar.top(), area.width(), 3), colors.border);
        const QString colour = index.data(InstanceModel::ColourRole).toString();
        painter->fillRect(bar, colour == QLatin1String("blue") || colour == QLatin1String("green")
                                   ? deployColourTone(colour, colors)
                                   : colors.accent);
        painter->setPen(
            option.palette.color(selected ? QPalette::HighlightedText : QPalette::Text));
        painter->drawText(area.adjusted(0, 0, 0, -3), Qt::AlignRight | Qt::AlignVCenter, text);
        painter->restore();
        return;
    }
    if (column == InstanceModel::ColourColumn) {
        // A swatch and the colour's name, so it reads without colour vision too; then the
        // colour's role (live, idle, warm for undo, being torn down), muted unless live.
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
        QRect text = option.rect.adjusted(chip.right() - option.rect.left() + 8, 0, -4, 0);
        const QString name = colour.isEmpty() ? QStringLiteral("—") : colour;
        painter->drawText(text, Qt::AlignLeft | Qt::AlignVCenter,
                          option.fontMetrics.elidedText(name, Qt::ElideRight, text.width()));
        const auto role =
            static_cast<ColourRole>(index.data(InstanceModel::ColourRoleRole).toInt());
        const QString roleName = colourRoleName(role);
        text.setLeft(text.left() + option.fontMetrics.horizontalAdvance(name) + 6);
        if (!roleName.isEmpty() && text.width() > 12) {
            painter->setPen(selected ? option.palette.color(QPalette::HighlightedText)
                            : role == ColourRole::Live        ? colors.success
                            : role == ColourRole::TearingDown ? colors.warning
                                                              : colors.muted);
            painter->drawText(
                text, Qt::AlignLeft | Qt::AlignVCenter,
                option.fontMetrics.elidedText(roleName, Qt::ElideRight, text.width()));
        }
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
