#include "views/pill_painter.h"

#include "models/color_contrast.h"
#include "views/theme.h"

#include <QFontMetrics>
#include <QPainter>
#include <QStyleOptionViewItem>

namespace aegis::console {
namespace {

QFont pillFont(const QStyleOptionViewItem &option) {
    QFont font = option.font;
    font.setPointSizeF(font.pointSizeF() * 0.85);
    font.setWeight(QFont::DemiBold);
    return font;
}

} // namespace

QColor selectedTone(const QColor &tone, bool darkTheme) {
    return darkTheme ? tone.darker(170) : tone;
}

QColor pillFill(const QColor &tone, const QColor &background, bool darkTheme, bool selected) {
    if (selected) {
        return composite(QColor(255, 255, 255, 235), background);
    }
    QColor fill = tone;
    fill.setAlpha(darkTheme ? 60 : 36);
    return composite(fill, background);
}

QColor pillText(const QColor &tone, const QColor &fill) {
    return legibleOn(tone, fill);
}

int pillWidth(const QStyleOptionViewItem &option, const QString &text) {
    return QFontMetrics(pillFont(option)).horizontalAdvance(text) + 16;
}

QRect drawPill(QPainter *painter, const QStyleOptionViewItem &option, const QString &text,
               const QColor &tone, int x, int maxWidth) {
    const QFont font = pillFont(option);
    const QFontMetrics metrics(font);
    const int limit = maxWidth > 0 ? maxWidth : option.rect.width() - 8;
    const int width = std::min(metrics.horizontalAdvance(text) + 16, limit);
    const int height = metrics.height() + 4;
    QRect pill(0, 0, width, height);
    pill.moveCenter(option.rect.center());
    if (x >= 0) {
        pill.moveLeft(x);
    }

    const bool selected = option.state & QStyle::State_Selected;
    const ThemeColors colors = themeColors(option.palette);
    const QColor row = option.palette.color(selected ? QPalette::Highlight
                                            : option.features & QStyleOptionViewItem::Alternate
                                                ? QPalette::AlternateBase
                                                : QPalette::Base);
    const QColor fill = pillFill(tone, row, colors.dark, selected);
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(Qt::NoPen);
    painter->setBrush(fill);
    painter->drawRoundedRect(pill, height / 2.0, height / 2.0);
    painter->setPen(pillText(tone, fill));
    painter->setFont(font);
    painter->drawText(pill, Qt::AlignCenter,
                      metrics.elidedText(text, Qt::ElideRight, pill.width() - 8));
    painter->restore();
    return pill;
}

} // namespace aegis::console
