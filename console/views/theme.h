#pragma once

#include <QColor>
#include <QPalette>
#include <QString>

class QApplication;

namespace aegis::console {

enum class ThemeMode { System, Light, Dark };

QString themeModeKey(ThemeMode mode);
ThemeMode themeModeFromKey(const QString &key);

// The colours widgets paint with beyond the palette (badges, banners, cards). Derived from the
// application palette, so they follow the active theme.
struct ThemeColors {
    bool dark = false;
    QColor accent;
    QColor success;
    QColor danger;
    // Ejected by callers' reports: distinct from danger (critical) so the two read apart.
    QColor ejected;
    QColor warning;
    QColor muted;
    QColor border;
    QColor card;
    QColor sidebar;
    QColor bannerBackground;
    QColor bannerText;
    // An action that failed: background, border and text of its inline message.
    QColor errorBackground;
    QColor errorText;
    // A neutral tone distinct from the others (maintenance).
    QColor attention;
    // The deployment colours of blue-green rollouts.
    QColor deployBlue;
    QColor deployGreen;
    // Code: the editor's syntax highlighting and gutter.
    QColor syntaxKey;
    QColor syntaxString;
    QColor syntaxNumber;
    QColor syntaxKeyword;
    QColor syntaxComment;
    QColor gutterBackground;
    QColor gutterText;
    QColor currentLine;
    // Diffs: lines only on the left (removed), only on the right (added), and the filler that
    // stands opposite either.
    QColor diffRemoved;
    QColor diffAdded;
    QColor diffFiller;
    // The characters a changed line changed, marked over diffRemoved and diffAdded.
    QColor diffRemovedCharacters;
    QColor diffAddedCharacters;
};

ThemeColors themeColors(const QPalette &palette);

// The palette applyTheme sets for the light or the dark theme.
QPalette themePalette(bool dark);

// Whether the desktop asks for a dark look. Qt 6.4 has no colour-scheme hint, so this reads the
// platform's default palette (captured before any theme was applied) and the usual environment.
bool systemPrefersDark(const QPalette &platformPalette);

// Sets the Fusion style, a light or dark palette and the console's small stylesheet.
void applyTheme(QApplication &app, ThemeMode mode, const QPalette &platformPalette);

} // namespace aegis::console
