#pragma once

#include <QColor>
#include <QIcon>
#include <QString>

namespace aegis::console {

// One of the console's monochrome SVG icons (resources/console/icons/<name>.svg, drawn with
// currentColor) rendered in `color`, so icons follow the theme.
QIcon themedIcon(const QString &name, const QColor &color);

} // namespace aegis::console
