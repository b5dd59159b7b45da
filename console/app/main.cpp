#include "app/console_language.h"
#include "app/main_window.h"
#include "app/screenshot_dialogs.h"
#include "app/theme_controller.h"
#include "models/display_names.h"
#include "net/session.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QRegularExpression>
#include <QSettings>
#include <QTimer>

#include <cstdio>
#include <functional>

using namespace aegis::console;

namespace {

// Once `page` has its data, opens `dialog` (when given) and calls `ready` with what to show: the
// dialog, or the window. `failed` says why not, if the data or the dialog does not come within
// `timeoutMs`.
void whenShown(MainWindow &window, Session &session, const QString &page,
               const ScreenshotDialog *dialog, int timeoutMs,
               std::function<void(QWidget *shown)> ready,
               std::function<void(const QString &why)> failed) {
    auto *poll = new QTimer(&window);
    poll->setInterval(100);
    auto *deadline = new QTimer(&window);
    deadline->setSingleShot(true);
    QObject::connect(poll, &QTimer::timeout, &window, [&window, dialog, poll, deadline, ready] {
        if (QWidget *opened = dialog->open(window)) {
            poll->stop();
            deadline->stop();
            ready(opened);
        }
    });
    QObject::connect(
        deadline, &QTimer::timeout, &window,
        [&session, &window, page, dialog, poll, failed, timeoutMs] {
            poll->stop();
            if (!window.pageHasData(page)) {
                const QString reason = session.state() == ConnectionState::Unreachable
                                           ? session.stateReason()
                                           : connectionStateName(session.state()).toLower();
                failed(QStringLiteral("the %1 page did not load its data within %2 s (%3: %4)")
                           .arg(page)
                           .arg(timeoutMs / 1000)
                           .arg(session.settings().address, reason));
            } else {
                failed(QStringLiteral("the %1 dialog did not open within %2 s")
                           .arg(dialog->key())
                           .arg(timeoutMs / 1000));
            }
        });
    deadline->start(timeoutMs);
    QObject::connect(&window, &MainWindow::pageDataLoaded, &window,
                     [&window, page, dialog, poll, deadline, ready](const QString &loaded) {
                         if (loaded != page || poll->isActive() || !deadline->isActive()) {
                             return;
                         }
                         if (dialog) {
                             poll->start();
                         } else {
                             deadline->stop();
                             ready(&window);
                         }
                     });
}

// Saves a PNG of `shown` once its layout settled and it painted, then quits with 0 (1 when the
// file cannot be written).
void saveScreenshot(QApplication &app, QWidget *shown, const QString &file) {
    QTimer::singleShot(600, shown, [&app, shown, file] {
        const QPixmap pixmap = shown->grab();
        if (pixmap.isNull() || !pixmap.save(file, "PNG")) {
            std::fprintf(stderr, "aegis-console: cannot write %s\n", qPrintable(file));
            app.exit(1);
            return;
        }
        app.exit(0);
    });
}

// "1280x800" as a size; an invalid size when it is not two positive numbers.
QSize parseSize(const QString &text) {
    static const QRegularExpression pattern(QStringLiteral("^(\\d{1,5})[x×](\\d{1,5})$"));
    const QRegularExpressionMatch match = pattern.match(text.trimmed());
    if (!match.hasMatch()) {
        return {};
    }
    const QSize size(match.captured(1).toInt(), match.captured(2).toInt());
    return size.width() > 0 && size.height() > 0 ? size : QSize();
}

// The value of --lang (either "--lang X" or "--lang=X"), read before the parser is built so that
// its help text is already in that language.
QString languageArgument(const QStringList &arguments) {
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString &argument = arguments.at(i);
        if (argument == QLatin1String("--lang") && i + 1 < arguments.size()) {
            return arguments.at(i + 1);
        }
        if (argument.startsWith(QLatin1String("--lang="))) {
            return argument.mid(7);
        }
    }
    return {};
}

} // namespace

int main(int argc, char *argv[]) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Aegis"));
    QApplication::setApplicationName(QStringLiteral("aegis-console"));
    QApplication::setApplicationDisplayName(QStringLiteral("Aegis Console"));
    QApplication::setApplicationVersion(QStringLiteral(AEGIS_VERSION));
    // The installed .desktop entry (installer/, docs/packaging.md): its icon for the window.
    QGuiApplication::setDesktopFileName(QStringLiteral("org.example.aegis.console"));
    if (qEnvironmentVariableIsEmpty("XDG_RUNTIME_DIR")) {
        // Silences Qt's warning on headless machines; harmless elsewhere.
        qputenv("XDG_RUNTIME_DIR", QByteArray("/tmp"));
    }

    // --lang, else the language chosen in View > Language, else the system's.
    const QString requestedLanguage = languageArgument(app.arguments());
    const QString language = resolveLanguage(
        requestedLanguage.isEmpty() ? QSettings().value(QStringLiteral("view/language")).toString()
                                    : requestedLanguage);
    if (!requestedLanguage.isEmpty() && language.isEmpty()) {
        std::fprintf(stderr, "aegis-console: unknown language \"%s\"; expected one of: %s\n",
                     qPrintable(requestedLanguage),
                     qPrintable(consoleLanguages().join(QStringLiteral(", "))));
        return 2;
    }
    installLanguage(app, language.isEmpty() ? QStringLiteral("en") : language);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QApplication::translate("main", "Desktop console for aegisd."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption connectOption(
        QStringLiteral("connect"),
        QApplication::translate("main", "Connect to the daemon at HOST:PORT (not saved)."),
        QStringLiteral("HOST:PORT"));
    const QCommandLineOption tokenFileOption(
        QStringLiteral("token-file"),
        QApplication::translate("main", "Read the bearer token from FILE."),
        QStringLiteral("FILE"));
    QStringList dialogKeys;
    for (const ScreenshotDialog &dialog : screenshotDialogs()) {
        dialogKeys.append(dialog.key());
    }
    const QCommandLineOption pageOption(
        QStringLiteral("page"),
        QApplication::translate("main", "Open page NAME (%1), or PAGE/DIALOG to open one of its "
                                        "dialogs once the page has loaded (%2).")
            .arg(MainWindow::pageNames().join(QStringLiteral(", ")),
                 dialogKeys.join(QStringLiteral(", "))),
        QStringLiteral("NAME"));
    const QCommandLineOption screenshotOption(
        QStringLiteral("screenshot"),
        QApplication::translate("main", "Save the page (or the dialog --page opens) as a PNG once "
                                        "its data has loaded, then exit (1 if it does not load "
                                        "in time)."),
        QStringLiteral("FILE"));
    const QCommandLineOption sizeOption(
        QStringLiteral("size"),
        QApplication::translate("main", "Window size for --screenshot, e.g. 1280x800 "
                                        "(1440x900)."),
        QStringLiteral("WxH"), QStringLiteral("1440x900"));
    const QCommandLineOption timeoutOption(
        QStringLiteral("screenshot-timeout"),
        QApplication::translate("main", "Seconds to wait for data with --screenshot (20)."),
        QStringLiteral("SECONDS"), QStringLiteral("20"));
    const QCommandLineOption themeOption(
        QStringLiteral("theme"),
        QApplication::translate("main", "Theme: system, light or dark (default: as saved)."),
        QStringLiteral("THEME"));
    const QCommandLineOption languageOption(
        QStringLiteral("lang"),
        QApplication::translate("main", "Language: %1 (default: as chosen in View > Language, "
                                        "else the system's).")
            .arg(consoleLanguages().join(QStringLiteral(", "))),
        QStringLiteral("LANGUAGE"));
    parser.addOptions({connectOption, tokenFileOption, pageOption, screenshotOption, sizeOption,
                       timeoutOption, themeOption, languageOption});
    parser.process(app);

    ThemeController theme;
    const QString themeKey = parser.isSet(themeOption)
                                 ? parser.value(themeOption)
                                 : QSettings().value(QStringLiteral("view/theme")).toString();
    theme.setMode(themeModeFromKey(themeKey));

    Session session;
    MainWindow window(&session, &theme);

    const QString pageArgument = parser.value(pageOption).toLower();
    const QString page = pageArgument.section(QLatin1Char('/'), 0, 0);
    if (!page.isEmpty() && !MainWindow::pageNames().contains(page)) {
        std::fprintf(stderr, "aegis-console: unknown page \"%s\"; expected one of: %s\n",
                     qPrintable(page),
                     qPrintable(MainWindow::pageNames().join(QStringLiteral(", "))));
        return 2;
    }
    const ScreenshotDialog *dialog = nullptr;
    if (pageArgument.contains(QLatin1Char('/'))) {
        dialog = findScreenshotDialog(pageArgument);
        if (!dialog) {
            std::fprintf(stderr, "aegis-console: unknown dialog \"%s\"; expected one of: %s\n",
                         qPrintable(pageArgument),
                         qPrintable(dialogKeys.join(QStringLiteral(", "))));
            return 2;
        }
    }
    const QSize size = parseSize(parser.value(sizeOption));
    if (!size.isValid()) {
        std::fprintf(stderr,
                     "aegis-console: --size wants WIDTHxHEIGHT, e.g. 1280x800, not \"%s\"\n",
                     qPrintable(parser.value(sizeOption)));
        return 2;
    }

    if (parser.isSet(connectOption) || parser.isSet(tokenFileOption)) {
        // Start from the last profile (TLS files and all) and override what was given.
        const ConnectionProfile base = window.profiles().profile(window.profiles().lastUsed());
        ConnectionSettings settings = base.toSettings();
        if (parser.isSet(connectOption)) {
            settings = ConnectionSettings{};
            settings.address = parser.value(connectOption);
            settings.tokenFile = base.tokenFile;
        }
        if (parser.isSet(tokenFileOption)) {
            settings.token.clear();
            settings.tokenFile = parser.value(tokenFileOption);
        }
        window.connectWith(settings, parser.isSet(connectOption)
                                         ? QApplication::translate("main", "command line")
                                         : base.name);
    } else {
        window.connectToProfile(window.profiles().lastUsed());
    }

    if (!page.isEmpty()) {
        window.showPage(page);
    }
    const int timeoutMs = std::max(1, parser.value(timeoutOption).toInt()) * 1000;
    if (parser.isSet(screenshotOption)) {
        window.resize(size);
        const QString file = parser.value(screenshotOption);
        whenShown(
            window, session, page.isEmpty() ? window.currentPage() : page, dialog, timeoutMs,
            [&app, file](QWidget *shown) { saveScreenshot(app, shown, file); },
            [&app](const QString &why) {
                std::fprintf(stderr, "aegis-console: %s\n", qPrintable(why));
                app.exit(1);
            });
    } else if (dialog) {
        whenShown(
            window, session, page, dialog, timeoutMs, [](QWidget *) {},
            [](const QString &why) {
                std::fprintf(stderr, "aegis-console: %s\n", qPrintable(why));
            });
    }
    window.show();
    const int code = app.exec();
    // Cancels the calls in flight and joins their threads; the pages stop their watches as the
    // window goes away.
    session.shutdown();
    return code;
}
