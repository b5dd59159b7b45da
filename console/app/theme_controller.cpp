#include "app/theme_controller.h"

#include <QApplication>

namespace aegis::console {

ThemeController::ThemeController(QObject *parent)
    : QObject(parent)
    , m_platformPalette(QApplication::palette()) {}

void ThemeController::setMode(ThemeMode mode) {
    m_mode = mode;
    applyTheme(*qApp, mode, m_platformPalette);
    emit themeChanged();
}

bool ThemeController::isDark() const {
    return themeColors(QApplication::palette()).dark;
}

} // namespace aegis::console
