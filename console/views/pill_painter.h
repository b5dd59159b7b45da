#pragma once

#include <QColor>
#include <QRect>
#include <QString>

class QPainter;
class QStyleOptionViewItem;

namespace aegis::console {

// Draws the small rounded, tinted badges of item views (audit outcomes, instance states, label
// chips): `text` in `tone` (see pillText) on a faint fill of it, vertically centred in
// `option.rect`, starting at `x` (or centred when `x` is negative), at most `maxWidth` wide. On a
// selected row the fill turns light so the badge stays legible on the selection colour; callers
// then pass a deep tone (see selectedTone). Returns the rectangle drawn.
QRect drawPill(QPainter *painter, const QStyleOptionViewItem &option, const QString &text,
               const QColor &tone, int x = -1, int maxWidth = -1);

// `tone` as it must look on the light fill of a selected row: the dark theme's tones are light.
QColor selectedTone(const QColor &tone, bool darkTheme);

// The opaque fill of a pill of `tone` on a row whose background is `background`: a faint tint of
// the tone, or nearly white on a selected row.
QColor pillFill(const QColor &tone, const QColor &background, bool darkTheme, bool selected);

// The colour of a pill's text: `tone`, deepened where needed so it keeps a contrast of at least
// 4.5:1 against `fill` (WCAG AA for normal text).
QColor pillText(const QColor &tone, const QColor &fill);

// The width drawPill needs for `text` at `option`'s font.
int pillWidth(const QStyleOptionViewItem &option, const QString &text);

} // namespace aegis::console
