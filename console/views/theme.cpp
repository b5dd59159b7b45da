#include "views/theme.h"

#include <QApplication>
#include <QStyleFactory>

namespace aegis::console {
namespace {

QPalette lightPalette() {
    QPalette p;
    const QColor window(0xf4, 0xf5, 0xf7);
    const QColor base(0xff, 0xff, 0xff);
    const QColor text(0x1f, 0x23, 0x28);
    const QColor disabledText(0x8c, 0x95, 0x9f);
    // At least 4.5:1 on Base and Window (tst_console_layout checks it).
    const QColor placeholder(0x67, 0x70, 0x79);
    const QColor highlight(0x25, 0x63, 0xeb);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0xf7, 0xf8, 0xfa));
    p.setColor(QPalette::ToolTipBase, QColor(0x24, 0x29, 0x2f));
    p.setColor(QPalette::ToolTipText, QColor(0xf6, 0xf8, 0xfa));
    p.setColor(QPalette::PlaceholderText, placeholder);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0xfb, 0xfb, 0xfc));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Light, Qt::white);
    p.setColor(QPalette::Midlight, QColor(0xe6, 0xe8, 0xeb));
    p.setColor(QPalette::Mid, QColor(0xd0, 0xd7, 0xde));
    p.setColor(QPalette::Dark, QColor(0xaf, 0xb8, 0xc1));
    p.setColor(QPalette::Shadow, QColor(0x8c, 0x95, 0x9f));
    p.setColor(QPalette::Highlight, highlight);
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, highlight);
    p.setColor(QPalette::Disabled, QPalette::Text, disabledText);
    p.setColor(QPalette::Disabled, QPalette::WindowText, disabledText);
    p.setColor(QPalette::Disabled, QPalette::ButtonText, disabledText);
    return p;
}

QPalette darkPalette() {
    QPalette p;
    const QColor window(0x17, 0x19, 0x1e);
    const QColor base(0x1e, 0x21, 0x27);
    const QColor text(0xe3, 0xe6, 0xea);
    const QColor disabledText(0x6e, 0x76, 0x81);
    // At least 4.5:1 on Base, AlternateBase and Window (tst_console_layout checks it).
    const QColor placeholder(0x8b, 0x94, 0x9e);
    const QColor highlight(0x3b, 0x82, 0xf6);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x23, 0x27, 0x2e));
    p.setColor(QPalette::ToolTipBase, QColor(0x2d, 0x33, 0x3b));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, placeholder);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0x26, 0x2a, 0x31));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Light, QColor(0x3a, 0x40, 0x48));
    p.setColor(QPalette::Midlight, QColor(0x30, 0x35, 0x3d));
    p.setColor(QPalette::Mid, QColor(0x30, 0x35, 0x3d));
    p.setColor(QPalette::Dark, QColor(0x10, 0x12, 0x15));
    p.setColor(QPalette::Shadow, Qt::black);
    p.setColor(QPalette::Highlight, highlight);
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x58, 0xa6, 0xff));
    p.setColor(QPalette::Disabled, QPalette::Text, disabledText);
    p.setColor(QPalette::Disabled, QPalette::WindowText, disabledText);
    p.setColor(QPalette::Disabled, QPalette::ButtonText, disabledText);
    return p;
}

QString styleSheet(const ThemeColors &c, const QPalette &p) {
    // Only what the palette cannot express: the sidebar, cards, banners and page headers.
    return QStringLiteral(R"(
QWidget#Sidebar { background: %1; border-right: 1px solid %2; }
QLabel#SidebarTitle { font-size: 15px; font-weight: 600; padding: 2px 4px; }
QLabel#SidebarSubtitle { color: %3; padding: 0 4px; }
QListWidget#Navigation { background: transparent; border: none; outline: 0; }
QListWidget#Navigation::item { padding: 7px 10px; margin: 1px 0; border-radius: 6px; color: %4; }
QListWidget#Navigation::item:hover { background: %5; }
QListWidget#Navigation::item:selected { background: %6; color: %4; font-weight: 600; }
QLabel#PageTitle { font-size: 20px; font-weight: 600; }
QLabel#PageSubtitle { color: %3; }
QFrame#Card { background: %7; border: 1px solid %2; border-radius: 8px; }
QLabel#CardLabel { color: %3; font-size: 11px; font-weight: 600; }
QLabel#CardValue { font-size: 20px; font-weight: 600; }
QLabel#CardDetail { color: %3; }
QLabel#SectionTitle { font-size: 13px; font-weight: 600; }
QFrame#Banner { background: %8; border: 1px solid %9; border-radius: 6px; }
QFrame#Banner QLabel { color: %10; }
QFrame#ErrorBanner { background: %11; border: 1px solid %12; border-radius: 6px; }
QFrame#ErrorBanner QLabel { color: %13; }
QLabel#InlineError { color: %12; }
QLineEdit[invalid="true"] { border: 1px solid %12; border-radius: 3px; padding: 2px; }
QTableView { border: 1px solid %2; border-radius: 6px; gridline-color: transparent; }
QHeaderView::section { background: %7; border: none; border-bottom: 1px solid %2;
                       padding: 5px 8px; font-weight: 600; color: %3; }
QFrame#DetailPane { background: %7; border: 1px solid %2; border-radius: 8px; }
QLabel#DetailKey { color: %3; }
QStatusBar { border-top: 1px solid %2; }
QStatusBar QLabel { padding: 0 6px; }
)")
        .arg(c.sidebar.name(), c.border.name(), c.muted.name(), p.color(QPalette::Text).name(),
             p.color(QPalette::Midlight).name(),
             c.dark ? QStringLiteral("#2b3340") : QStringLiteral("#dde7fb"), c.card.name(),
             c.bannerBackground.name(), c.warning.name())
        .arg(c.bannerText.name(), c.errorBackground.name(), c.danger.name(), c.errorText.name());
}

} // namespace

QPalette themePalette(bool dark) {
    return dark ? darkPalette() : lightPalette();
}

QString themeModeKey(ThemeMode mode) {
    switch (mode) {
    case ThemeMode::Light:
        return QStringLiteral("light");
    case ThemeMode::Dark:
        return QStringLiteral("dark");
    case ThemeMode::System:
        break;
    }
    return QStringLiteral("system");
}

ThemeMode themeModeFromKey(const QString &key) {
    if (key == QLatin1String("light")) {
        return ThemeMode::Light;
    }
    if (key == QLatin1String("dark")) {
        return ThemeMode::Dark;
    }
    return ThemeMode::System;
}

ThemeColors themeColors(const QPalette &palette) {
    ThemeColors c;
    c.dark = palette.color(QPalette::Window).lightness() < 128;
    c.accent = palette.color(QPalette::Highlight);
    if (c.dark) {
        c.success = QColor(0x3f, 0xb9, 0x50);
        c.danger = QColor(0xf8, 0x51, 0x49);
        c.ejected = QColor(0xdb, 0x61, 0xa2);
        c.warning = QColor(0xd2, 0x99, 0x22);
        c.muted = QColor(0x8b, 0x94, 0x9e);
        c.border = QColor(0x30, 0x35, 0x3d);
        c.card = QColor(0x1e, 0x21, 0x27);
        c.sidebar = QColor(0x12, 0x14, 0x18);
        c.bannerBackground = QColor(0x3a, 0x2e, 0x12);
        c.bannerText = QColor(0xf0, 0xd0, 0x8a);
        c.errorBackground = QColor(0x3b, 0x16, 0x1a);
        c.errorText = QColor(0xff, 0xa1, 0x98);
        c.attention = QColor(0xa3, 0x71, 0xf7);
        c.deployBlue = QColor(0x58, 0xa6, 0xff);
        c.deployGreen = QColor(0x3f, 0xb9, 0x50);
        c.syntaxKey = QColor(0x79, 0xc0, 0xff);
        c.syntaxString = QColor(0xa5, 0xd6, 0xff);
        c.syntaxNumber = QColor(0xff, 0xa6, 0x57);
        c.syntaxKeyword = QColor(0xff, 0x7b, 0x72);
        c.syntaxComment = QColor(0x8b, 0x94, 0x9e);
        c.gutterBackground = QColor(0x1a, 0x1d, 0x22);
        c.gutterText = QColor(0x6e, 0x76, 0x81);
        c.currentLine = QColor(0x25, 0x29, 0x30);
        c.diffRemoved = QColor(0x4b, 0x1c, 0x21);
        c.diffAdded = QColor(0x1a, 0x3d, 0x26);
        c.diffFiller = QColor(0x22, 0x25, 0x2b);
        c.diffRemovedCharacters = QColor(0x8e, 0x2b, 0x2f);
        c.diffAddedCharacters = QColor(0x23, 0x6b, 0x37);
    } else {
        c.success = QColor(0x1a, 0x7f, 0x37);
        c.danger = QColor(0xcf, 0x22, 0x2e);
        c.ejected = QColor(0xbf, 0x39, 0x89);
        c.warning = QColor(0xbf, 0x87, 0x00);
        c.muted = QColor(0x65, 0x6d, 0x76);
        c.border = QColor(0xd8, 0xdd, 0xe3);
        c.card = QColor(0xff, 0xff, 0xff);
        c.sidebar = QColor(0xea, 0xec, 0xf0);
        c.bannerBackground = QColor(0xff, 0xf8, 0xc5);
        c.bannerText = QColor(0x6b, 0x4a, 0x00);
        c.errorBackground = QColor(0xff, 0xeb, 0xe9);
        c.errorText = QColor(0x82, 0x07, 0x1e);
        c.attention = QColor(0x82, 0x50, 0xdf);
        c.deployBlue = QColor(0x09, 0x69, 0xda);
        c.deployGreen = QColor(0x1a, 0x7f, 0x37);
        c.syntaxKey = QColor(0x05, 0x50, 0xae);
        c.syntaxString = QColor(0x0a, 0x30, 0x69);
        c.syntaxNumber = QColor(0x95, 0x38, 0x00);
        c.syntaxKeyword = QColor(0xcf, 0x22, 0x2e);
        c.syntaxComment = QColor(0x6e, 0x77, 0x81);
        c.gutterBackground = QColor(0xf6, 0xf8, 0xfa);
        c.gutterText = QColor(0x8c, 0x95, 0x9f);
        c.currentLine = QColor(0xf3, 0xf6, 0xfb);
        c.diffRemoved = QColor(0xff, 0xe3, 0xe0);
        c.diffAdded = QColor(0xda, 0xfb, 0xe1);
        c.diffFiller = QColor(0xf0, 0xf1, 0xf3);
        c.diffRemovedCharacters = QColor(0xff, 0xb1, 0xaa);
        c.diffAddedCharacters = QColor(0x9f, 0xeb, 0xb0);
    }
    return c;
}

bool systemPrefersDark(const QPalette &platformPalette) {
    const QByteArray gtkTheme = qgetenv("GTK_THEME").toLower();
    if (gtkTheme.contains("dark")) {
        return true;
    }
    return platformPalette.color(QPalette::Window).lightness() < 128;
}

void applyTheme(QApplication &app, ThemeMode mode, const QPalette &platformPalette) {
    const bool dark = mode == ThemeMode::Dark ||
                      (mode == ThemeMode::System && systemPrefersDark(platformPalette));
    app.setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    const QPalette palette = themePalette(dark);
    app.setPalette(palette);
    app.setStyleSheet(styleSheet(themeColors(palette), palette));
}

} // namespace aegis::console
