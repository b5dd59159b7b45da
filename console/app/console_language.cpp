#include "app/console_language.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QTranslator>

namespace aegis::console {

QStringList consoleLanguages() {
    return {QStringLiteral("en"), QStringLiteral("zh_CN")};
}

QString languageNativeName(const QString &key) {
    if (key == QLatin1String("zh_CN")) {
        return QStringLiteral("简体中文");
    }
    if (key == QLatin1String("en")) {
        return QStringLiteral("English");
    }
    return key;
}

QString resolveLanguage(const QString &requested, const QLocale &system) {
    QString key = requested.trimmed();
    key.replace(QLatin1Char('-'), QLatin1Char('_'));
    if (key.isEmpty() || key.compare(QLatin1String("system"), Qt::CaseInsensitive) == 0) {
        // Simplified Chinese wherever it is the system's: zh_CN, zh_SG, zh_Hans_*.
        const bool simplifiedChinese = system.language() == QLocale::Chinese &&
                                       system.script() != QLocale::TraditionalChineseScript;
        return simplifiedChinese ? QStringLiteral("zh_CN") : QStringLiteral("en");
    }
    for (const QString &language : consoleLanguages()) {
        if (key.compare(language, Qt::CaseInsensitive) == 0) {
            return language;
        }
    }
    return {};
}

namespace {

// Names the translators installLanguage() made, so a later call replaces them.
const char *const kTranslatorName = "aegis-console-language";

QTranslator *newTranslator(QCoreApplication &app) {
    auto *translator = new QTranslator(&app);
    translator->setObjectName(QLatin1String(kTranslatorName));
    return translator;
}

} // namespace

bool installLanguage(QCoreApplication &app, const QString &language) {
    // A translator removes itself from the application when deleted.
    qDeleteAll(app.findChildren<QTranslator *>(QLatin1String(kTranslatorName),
                                               Qt::FindDirectChildrenOnly));
    auto *console = newTranslator(app);
    if (!console->load(QStringLiteral(":/i18n/aegis_console_%1.qm").arg(language))) {
        delete console;
        QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
        return false;
    }
    // The system's own conventions (en_GB dates, zh_SG) when it speaks the same language.
    const QLocale chosen(language);
    const QLocale locale =
        QLocale::system().language() == chosen.language() ? QLocale::system() : chosen;
    QLocale::setDefault(locale);
    QCoreApplication::installTranslator(console);
    // Qt's own texts (standard dialog buttons, context menus) when the system has them.
    auto *qt = newTranslator(app);
    if (qt->load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
                 QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
        QCoreApplication::installTranslator(qt);
    } else {
        delete qt;
    }
    return true;
}

} // namespace aegis::console
