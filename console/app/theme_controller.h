#pragma once

#include "views/theme.h"

#include <QObject>
#include <QPalette>

namespace aegis::console {

// Owns the application's theme: remembers the platform's own palette (to follow the system),
// applies the chosen mode and announces changes so custom-painted widgets can refresh.
// Construct it before any theme is applied.
class ThemeController final : public QObject {
    Q_OBJECT
public:
    explicit ThemeController(QObject *parent = nullptr);

    ThemeMode mode() const { return m_mode; }
    void setMode(ThemeMode mode);
    bool isDark() const;

signals:
    void themeChanged();

private:
    QPalette m_platformPalette;
    ThemeMode m_mode = ThemeMode::System;
};

} // namespace aegis::console
