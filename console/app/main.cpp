#include "app/main_window.h"
#include "app/theme_controller.h"
#include "models/display_names.h"
#include "net/session.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QSettings>
#include <QTimer>

#include <cstdio>

using namespace aegis::console;

namespace {

// Saves a PNG of `window` once `page` has its data, then quits with 0; quits with 1 if the data
// does not arrive within `timeoutMs`.
void arrangeScreenshot(QApplication &app, MainWindow &window, Session &session, const QString &page,
                       const QString &file, int timeoutMs) {
    auto capture = [&app, &window, file] {
        // Let the layout settle and the first paint happen before grabbing.
        QTimer::singleShot(600, &window, [&app, &window, file] {
            const QPixmap pixmap = window.grab();
            if (pixmap.isNull() || !pixmap.save(file, "PNG")) {
                std::fprintf(stderr, "aegis-console: cannot write %s\n", qPrintable(file));
                app.exit(1);
                return;
            }
            app.exit(0);
        });
    };
    QObject::connect(&window, &MainWindow::pageDataLoaded, &window,
                     [page, capture](const QString &loaded) {
                         if (loaded == page) {
                             capture();
                         }
                     });
    QTimer::singleShot(timeoutMs, &window, [&app, &session, page, timeoutMs] {
        const QString reason = session.state() == ConnectionState::Unreachable
                                   ? session.stateReason()
                                   : connectionStateName(session.state()).toLower();
        std::fprintf(stderr,
                     "aegis-console: the %s page did not load its data within %d s (%s: %s)\n",
                     qPrintable(page), timeoutMs / 1000, qPrintable(session.settings().address),
                     qPrintable(reason));
        app.exit(1);
    });
}

} // namespace

int main(int argc, char *argv[]) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Aegis"));
    QApplication::setApplicationName(QStringLiteral("aegis-console"));
    QApplication::setApplicationDisplayName(QStringLiteral("Aegis Console"));
    QApplication::setApplicationVersion(QStringLiteral(AEGIS_VERSION));
    if (qEnvironmentVariableIsEmpty("XDG_RUNTIME_DIR")) {
        // Silences Qt's warning on headless machines; harmless elsewhere.
        qputenv("XDG_RUNTIME_DIR", QByteArray("/tmp"));
    }

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
    const QCommandLineOption pageOption(
        QStringLiteral("page"),
        QApplication::translate("main",
                                "Open page NAME: overview, services, releases, config or audit."),
        QStringLiteral("NAME"));
    const QCommandLineOption screenshotOption(
        QStringLiteral("screenshot"),
        QApplication::translate("main", "Save the page as a PNG once its data has loaded, "
                                        "then exit (1 if it does not load in time)."),
        QStringLiteral("FILE"));
    const QCommandLineOption timeoutOption(
        QStringLiteral("screenshot-timeout"),
        QApplication::translate("main", "Seconds to wait for data with --screenshot (20)."),
        QStringLiteral("SECONDS"), QStringLiteral("20"));
    const QCommandLineOption themeOption(
        QStringLiteral("theme"),
        QApplication::translate("main", "Theme: system, light or dark (default: as saved)."),
        QStringLiteral("THEME"));
    parser.addOptions(
        {connectOption, tokenFileOption, pageOption, screenshotOption, timeoutOption, themeOption});
    parser.process(app);

    ThemeController theme;
    const QString themeKey = parser.isSet(themeOption)
                                 ? parser.value(themeOption)
                                 : QSettings().value(QStringLiteral("view/theme")).toString();
    theme.setMode(themeModeFromKey(themeKey));

    Session session;
    MainWindow window(&session, &theme);

    const QString page = parser.value(pageOption).toLower();
    if (!page.isEmpty() && !MainWindow::pageNames().contains(page)) {
        std::fprintf(stderr, "aegis-console: unknown page \"%s\"; expected one of: %s\n",
                     qPrintable(page),
                     qPrintable(MainWindow::pageNames().join(QStringLiteral(", "))));
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
    if (parser.isSet(screenshotOption)) {
        window.resize(1440, 900);
        arrangeScreenshot(app, window, session, page.isEmpty() ? window.currentPage() : page,
                          parser.value(screenshotOption),
                          std::max(1, parser.value(timeoutOption).toInt()) * 1000);
    }
    window.show();
    const int code = app.exec();
    // Cancels the calls in flight and joins their threads; the pages stop their watches as the
    // window goes away.
    session.shutdown();
    return code;
}
