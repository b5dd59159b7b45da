// The console's catalogues against its sources: lupdate runs over console/ into copies of the
// committed .ts files, and every message the sources use must come out translated (not new, not
// unfinished, its placeholders kept). Then the compiled catalogues, as embedded in the console:
// a known text in Simplified Chinese, English plural forms, the language chosen from a locale,
// and dates, numbers and durations in the chosen locale; and the console binary starting in the
// language of --lang, its settings or the system. lupdate missing is a failure.
#include "app/console_language.h"
#include "models/display_format.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLocale>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QTranslator>
#include <QXmlStreamReader>

using namespace aegis::console;

namespace {

struct Message {
    QString context;
    QString source;
    // "" (finished), "unfinished", "vanished" or "obsolete".
    QString type;
    bool numerus = false;
    QStringList translations;
};

// The messages of a .ts file, or an error.
QList<Message> readCatalogue(const QString &path, QString *error) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot open %1").arg(path);
        return {};
    }
    QList<Message> messages;
    QString context;
    QXmlStreamReader xml(&file);
    Message *current = nullptr;
    while (!xml.atEnd()) {
        xml.readNext();
        if (!xml.isStartElement()) {
            if (xml.isEndElement() && xml.name() == QLatin1String("message")) {
                current = nullptr;
            }
            continue;
        }
        if (xml.name() == QLatin1String("name") && !current) {
            context = xml.readElementText();
        } else if (xml.name() == QLatin1String("message")) {
            messages.append(
                {context,
                 {},
                 {},
                 xml.attributes().value(QLatin1String("numerus")) == QLatin1String("yes"),
                 {}});
            current = &messages.last();
        } else if (current && xml.name() == QLatin1String("source")) {
            current->source = xml.readElementText();
        } else if (current && xml.name() == QLatin1String("translation")) {
            current->type = xml.attributes().value(QLatin1String("type")).toString();
            // Either the text itself or one <numerusform> per plural form.
            QString text;
            while (!xml.atEnd()) {
                xml.readNext();
                if (xml.isCharacters()) {
                    text += xml.text();
                } else if (xml.isStartElement() && xml.name() == QLatin1String("numerusform")) {
                    current->translations.append(xml.readElementText());
                } else if (xml.isEndElement() && xml.name() == QLatin1String("translation")) {
                    break;
                }
            }
            if (current->translations.isEmpty()) {
                current->translations.append(text);
            }
        }
    }
    if (xml.hasError()) {
        *error = QStringLiteral("%1: %2").arg(path, xml.errorString());
    }
    return messages;
}

// The %1…%99 and %n of a text, sorted, each once.
QStringList placeholders(const QString &text) {
    static const QRegularExpression pattern(QStringLiteral("%(\\d{1,2}|n)"));
    QSet<QString> found;
    for (const QRegularExpressionMatch &match : pattern.globalMatch(text)) {
        found.insert(match.captured(0));
    }
    QStringList sorted(found.begin(), found.end());
    sorted.sort();
    return sorted;
}

// Runs lupdate over the console's sources into `ts`; an empty string, or why it failed.
QString runLupdate(const QString &ts, const QStringList &extraOptions) {
    const QString lupdate = QStringLiteral(AEGIS_LUPDATE_PATH);
    if (!QFileInfo(lupdate).isExecutable()) {
        return QStringLiteral("lupdate is missing (%1): install qt6-l10n-tools").arg(lupdate);
    }
    QProcess process;
    process.start(
        lupdate,
        QStringList{QStringLiteral("-locations"), QStringLiteral("none"), QStringLiteral("-silent")}
            << extraOptions << QStringLiteral(AEGIS_CONSOLE_SOURCE_DIR) << QStringLiteral("-ts")
            << ts);
    if (!process.waitForFinished(120000)) {
        process.kill();
        return QStringLiteral("lupdate did not finish within 120 s");
    }
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        return QStringLiteral("lupdate failed: %1")
            .arg(QString::fromUtf8(process.readAllStandardError()));
    }
    return {};
}

// The committed catalogue `name`, brought up to date with the sources in a copy; fails the
// test when that cannot be done.
QList<Message> updatedCopy(const QTemporaryDir &dir, const QString &name,
                           const QStringList &extraOptions) {
    const QString committed = QDir(QStringLiteral(AEGIS_CONSOLE_SOURCE_DIR))
                                  .filePath(QStringLiteral("translations/") + name);
    const QString copy = dir.filePath(name);
    if (!QFile::copy(committed, copy)) {
        QTest::qFail(qPrintable(QStringLiteral("cannot copy %1").arg(committed)), __FILE__,
                     __LINE__);
        return {};
    }
    QFile::setPermissions(copy, QFile::ReadOwner | QFile::WriteOwner);
    const QString failed = runLupdate(copy, extraOptions);
    if (!failed.isEmpty()) {
        QTest::qFail(qPrintable(failed), __FILE__, __LINE__);
        return {};
    }
    QString error;
    const QList<Message> messages = readCatalogue(copy, &error);
    if (!error.isEmpty()) {
        QTest::qFail(qPrintable(error), __FILE__, __LINE__);
    }
    return messages;
}

// What is wrong with `messages`, one line per message, expecting `forms` plural forms.
QStringList catalogueProblems(const QList<Message> &messages, int forms) {
    QStringList problems;
    for (const Message &message : messages) {
        const QString where = QStringLiteral("%1: \"%2\"").arg(message.context, message.source);
        if (message.type == QLatin1String("vanished") ||
            message.type == QLatin1String("obsolete")) {
            problems.append(where + QStringLiteral(" is no longer used (run console_lupdate)"));
            continue;
        }
        if (message.type == QLatin1String("unfinished")) {
            problems.append(where + QStringLiteral(" is not translated"));
            continue;
        }
        if (message.numerus && message.translations.size() != forms) {
            problems.append(where + QStringLiteral(" has %1 plural forms, not %2")
                                        .arg(message.translations.size())
                                        .arg(forms));
        }
        for (const QString &translation : message.translations) {
            if (translation.trimmed().isEmpty() && !message.source.trimmed().isEmpty()) {
                problems.append(where + QStringLiteral(" is translated as nothing"));
            } else if (placeholders(translation) != placeholders(message.source)) {
                problems.append(where +
                                QStringLiteral(" keeps %1 of its placeholders %2: \"%3\"")
                                    .arg(placeholders(translation).join(QLatin1Char(' ')),
                                         placeholders(message.source).join(QLatin1Char(' ')),
                                         translation));
            }
        }
    }
    return problems;
}

// A message from the console's catalogues once `language` is installed.
QString translated(const char *context, const char *source, int n = -1) {
    return QCoreApplication::translate(context, source, nullptr, n);
}

} // namespace

class TestConsoleTranslations : public QObject {
    Q_OBJECT
private slots:
    void cleanup() { installLanguage(*QCoreApplication::instance(), QStringLiteral("en")); }

    // Every text the sources hand to tr() is in the Simplified Chinese catalogue, translated.
    void chineseCatalogueCoversTheSources() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QList<Message> messages = updatedCopy(dir, QStringLiteral("aegis_console_zh_CN.ts"),
                                                    {QStringLiteral("-no-obsolete")});
        QVERIFY(!messages.isEmpty());
        const QStringList problems = catalogueProblems(messages, 1);
        QVERIFY2(problems.isEmpty(), qPrintable(QStringLiteral("%1 of %2 messages:\n%3")
                                                    .arg(problems.size())
                                                    .arg(messages.size())
                                                    .arg(problems.join(QLatin1Char('\n')))));
    }

    // The committed catalogue holds nothing the sources no longer use.
    void chineseCatalogueHoldsNothingStale() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QList<Message> messages =
            updatedCopy(dir, QStringLiteral("aegis_console_zh_CN.ts"), {});
        QStringList stale;
        for (const Message &message : messages) {
            if (message.type == QLatin1String("vanished") ||
                message.type == QLatin1String("obsolete")) {
                stale.append(QStringLiteral("%1: \"%2\"").arg(message.context, message.source));
            }
        }
        QVERIFY2(stale.isEmpty(),
                 qPrintable(QStringLiteral("no longer used (run the console_lupdate target):\n") +
                            stale.join(QLatin1Char('\n'))));
    }

    // English needs only its plural forms ("1 instance", "2 instances"), every one of them.
    void englishCatalogueHasEveryPluralForm() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QList<Message> messages =
            updatedCopy(dir, QStringLiteral("aegis_console_en.ts"),
                        {QStringLiteral("-no-obsolete"), QStringLiteral("-pluralonly")});
        QVERIFY(!messages.isEmpty());
        const QStringList problems = catalogueProblems(messages, 2);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
    }

    // The compiled catalogues are in the console's resources and translate.
    void embeddedCataloguesTranslate() {
        QCoreApplication &app = *QCoreApplication::instance();
        QVERIFY(installLanguage(app, QStringLiteral("zh_CN")));
        QCOMPARE(translated("aegis::console::MainWindow", "Overview"), QStringLiteral("概览"));
        QCOMPARE(translated("RolloutStrategy", "canary"), QStringLiteral("金丝雀发布"));
        QCOMPARE(translated("aegis::console::ServicesPage", "%n instance(s)", 3),
                 QStringLiteral("3 个实例"));
        // Qt's own texts come along where the system has them (qt6-translations-l10n).
        QCOMPARE(QCoreApplication::translate("QPlatformTheme", "Cancel"), QStringLiteral("取消"));

        QVERIFY(installLanguage(app, QStringLiteral("en")));
        QCOMPARE(translated("aegis::console::MainWindow", "Overview"), QStringLiteral("Overview"));
        QCOMPARE(translated("aegis::console::ServicesPage", "%n instance(s)", 1),
                 QStringLiteral("1 instance"));
        QCOMPARE(translated("aegis::console::ServicesPage", "%n instance(s)", 2),
                 QStringLiteral("2 instances"));
        QVERIFY(!installLanguage(app, QStringLiteral("fr")));
    }

    void languageFromTheLocale_data() {
        QTest::addColumn<QString>("requested");
        QTest::addColumn<QString>("system");
        QTest::addColumn<QString>("expected");
        QTest::newRow("system Chinese") << "system"
                                        << "zh_CN"
                                        << "zh_CN";
        QTest::newRow("empty is system") << ""
                                         << "zh_CN"
                                         << "zh_CN";
        QTest::newRow("Singapore Chinese") << "system"
                                           << "zh_SG"
                                           << "zh_CN";
        QTest::newRow("Taiwan Chinese is not simplified") << "system"
                                                          << "zh_TW"
                                                          << "en";
        QTest::newRow("system German") << "system"
                                       << "de_DE"
                                       << "en";
        QTest::newRow("asked zh_CN") << "zh_CN"
                                     << "en_US"
                                     << "zh_CN";
        QTest::newRow("asked zh-cn") << "zh-cn"
                                     << "en_US"
                                     << "zh_CN";
        QTest::newRow("asked en") << "en"
                                  << "zh_CN"
                                  << "en";
        QTest::newRow("unknown") << "fr"
                                 << "zh_CN"
                                 << "";
    }

    void languageFromTheLocale() {
        QFETCH(QString, requested);
        QFETCH(QString, system);
        QFETCH(QString, expected);
        QCOMPARE(resolveLanguage(requested, QLocale(system)), expected);
    }

    // Numbers, durations and relative times follow the chosen language.
    void formattingFollowsTheLanguage() {
        QVERIFY(installLanguage(*QCoreApplication::instance(), QStringLiteral("zh_CN")));
        QCOMPARE(QLocale().language(), QLocale::Chinese);
        QCOMPARE(formatCount(1234567), QStringLiteral("1,234,567"));
        QCOMPARE(humanDuration((3 * 3600 + 12 * 60) * 1000), QStringLiteral("3 小时 12 分钟"));
        const QDateTime now = QDateTime::currentDateTime();
        QCOMPARE(relativeTime(now.addSecs(-180), now), QStringLiteral("3 分钟前"));
        QCOMPARE(spanDuration(1250000), QStringLiteral("1.25 ms"));

        // Month names in the language, in its order of month, day and time.
        const QDateTime november(QDate(2024, 11, 24), QTime(10, 16, 3));
        QCOMPARE(monthDayTime(november, true), QStringLiteral("11月24日 10:16:03"));
        QCOMPARE(monthDayTime(november), QStringLiteral("11月24日 10:16"));

        QVERIFY(installLanguage(*QCoreApplication::instance(), QStringLiteral("en")));
        QCOMPARE(humanDuration((3 * 3600 + 12 * 60) * 1000), QStringLiteral("3 h 12 min"));
        QCOMPARE(relativeTime(now.addSecs(-180), now), QStringLiteral("3 min ago"));
        QCOMPARE(monthDayTime(november, true), QStringLiteral("Nov 24, 10:16:03"));
    }

    void consoleStartsInTheChosenLanguage_data() {
        QTest::addColumn<QString>("saved");
        QTest::addColumn<QString>("system");
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("description");
        const QString chinese = QStringLiteral("aegisd 的桌面控制台。");
        const QString english = QStringLiteral("Desktop console for aegisd.");
        QTest::newRow("settings over the system") << "zh_CN"
                                                  << "en_US.UTF-8" << QStringList() << chinese;
        QTest::newRow("English settings over a Chinese system")
            << "en"
            << "zh_CN.UTF-8" << QStringList() << english;
        QTest::newRow("--lang over the settings")
            << "zh_CN"
            << "zh_CN.UTF-8" << QStringList{QStringLiteral("--lang"), QStringLiteral("en")}
            << english;
        QTest::newRow("nothing saved: the system's") << ""
                                                     << "zh_CN.UTF-8" << QStringList() << chinese;
    }

    // The console binary as started from the menu: --lang, else View > Language as saved in its
    // settings file, else the system's language; its --help shows which it took.
    void consoleStartsInTheChosenLanguage() {
        QFETCH(QString, saved);
        QFETCH(QString, system);
        QFETCH(QStringList, arguments);
        QFETCH(QString, description);
        QTemporaryDir config;
        QVERIFY(config.isValid());
        if (!saved.isEmpty()) {
            QVERIFY(QDir(config.path()).mkpath(QStringLiteral("Aegis")));
            QFile settings(config.filePath(QStringLiteral("Aegis/aegis-console.conf")));
            QVERIFY(settings.open(QIODevice::WriteOnly));
            settings.write(QStringLiteral("[view]\nlanguage=%1\n").arg(saved).toUtf8());
        }
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("XDG_CONFIG_HOME"), config.path());
        environment.insert(QStringLiteral("LC_ALL"), system);
        environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        QProcess console;
        console.setProcessEnvironment(environment);
        console.start(QStringLiteral(AEGIS_CONSOLE_PATH), arguments << QStringLiteral("--help"));
        QVERIFY(console.waitForFinished(30000));
        QCOMPARE(console.exitCode(), 0);
        const QString help = QString::fromUtf8(console.readAllStandardOutput());
        QVERIFY2(help.contains(description), qPrintable(help));
    }
};

QTEST_GUILESS_MAIN(TestConsoleTranslations)
#include "tst_console_translations.moc"
