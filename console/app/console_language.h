#pragma once

#include <QLocale>
#include <QString>
#include <QStringList>

class QCoreApplication;

namespace aegis::console {

// The languages the console speaks, by key ("en", "zh_CN"), in menu order. "system" (or an empty
// key) means the system locale's language when the console speaks it, else English.
QStringList consoleLanguages();
// The language's name in that language ("English", "简体中文"), as a language menu shows it.
QString languageNativeName(const QString &key);
// The language key to use for `requested` ("system", "", "en", "zh_CN", "zh-CN"; compared
// without case): one of consoleLanguages(), or an empty string when `requested` is none of them.
// "system" resolves against `system`.
QString resolveLanguage(const QString &requested, const QLocale &system = QLocale::system());

// Makes `language` (a key of consoleLanguages()) the console's: the default QLocale (dates,
// numbers, durations), the console's translations and Qt's own (standard buttons), installed
// into `app` and owned by it, replacing those of an earlier call. Widgets take their texts when
// they are built, so call it before building any (a test may call it again and build anew).
// Returns false when the console's catalogue for `language` is missing; the console then stays
// in English.
bool installLanguage(QCoreApplication &app, const QString &language);

} // namespace aegis::console
