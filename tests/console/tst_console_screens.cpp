// Every page and every registered dialog (screenshot_dialogs.h) of the console against a real
// aegisd seeded like the demo (fleet, rollouts, configuration, health), at 1280×800 and
// 1920×1080, light and dark, in English and in Simplified Chinese. Each is saved as a PNG under
// screens/ beside the test binary, and what a machine can judge is asserted: the window is no
// bigger than asked, no widget reaches past the window (or dialog), and no header's text is cut
// where its section is narrower than the header needs for it.
#include "app/console_language.h"
#include "app/main_window.h"
#include "app/screenshot_dialogs.h"
#include "app/theme_controller.h"
#include "net/session.h"

#include "console_test_support.h"

#include <daemon_process.h>
#include <fleet_seeder.h>
#include <poll_until.h>

#include <QAbstractScrollArea>
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QHeaderView>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <memory>

using namespace aegis;
using namespace aegis::console;
using namespace std::chrono_literals;

namespace {

// The offscreen platform's screen: larger than every size taken, so the window and the dialogs
// are sized by what the test asks for, not cut by the screen.
constexpr int kScreenWidth = 2560;
constexpr int kScreenHeight = 1600;

QString screensDir() {
    return QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("screens"));
}

// QHeaderView keeps the size a section's contents need protected; the check needs it.
class HeaderProbe : public QHeaderView {
public:
    using QHeaderView::sectionSizeFromContents;
};

// Whether `widget` is drawn inside a scroll area's viewport (or is one), where reaching past the
// window is scrolling, not clipping.
bool insideScrollArea(const QWidget *widget, const QWidget *top) {
    for (const QWidget *w = widget; w && w != top; w = w->parentWidget()) {
        const auto *area = qobject_cast<const QAbstractScrollArea *>(w->parentWidget());
        if (area && w == area->viewport()) {
            return true;
        }
    }
    return false;
}

// What a machine can say is wrong with the layout of `top` (a window or a dialog) taken at
// `size`: one line per problem.
QStringList layoutProblems(QWidget *top, const QSize &size) {
    QStringList problems;
    if (top->width() > size.width() || top->height() > size.height()) {
        problems.append(QStringLiteral("%1 is %2x%3, larger than %4x%5")
                            .arg(top->objectName())
                            .arg(top->width())
                            .arg(top->height())
                            .arg(size.width())
                            .arg(size.height()));
    }
    const QRect bounds = top->rect().adjusted(-1, -1, 1, 1);
    for (QWidget *widget : top->findChildren<QWidget *>()) {
        if (!widget->isVisibleTo(top) || widget->isWindow() || insideScrollArea(widget, top)) {
            continue;
        }
        const QRect rect(widget->mapTo(top, QPoint(0, 0)), widget->size());
        if (!bounds.contains(rect)) {
            problems.append(QStringLiteral("%1 (%2) at %3,%4 %5x%6 reaches past %7x%8")
                                .arg(QString::fromLatin1(widget->metaObject()->className()),
                                     widget->objectName())
                                .arg(rect.x())
                                .arg(rect.y())
                                .arg(rect.width())
                                .arg(rect.height())
                                .arg(top->width())
                                .arg(top->height()));
        }
    }
    for (QHeaderView *header : top->findChildren<QHeaderView *>()) {
        if (!header->isVisibleTo(top) || header->orientation() != Qt::Horizontal ||
            !header->model()) {
            continue;
        }
        auto *probe = static_cast<HeaderProbe *>(header);
        for (int section = 0; section < header->count(); ++section) {
            if (header->isSectionHidden(section) || header->sectionSize(section) == 0) {
                continue;
            }
            const QString text = header->model()->headerData(section, Qt::Horizontal).toString();
            const int needed = probe->sectionSizeFromContents(section).width();
            if (!text.isEmpty() && header->sectionSize(section) < needed) {
                problems.append(QStringLiteral("header \"%1\" of %2 is %3 px wide, needs %4")
                                    .arg(text, header->parentWidget()->objectName())
                                    .arg(header->sectionSize(section))
                                    .arg(needed));
            }
        }
    }
    return problems;
}

} // namespace

class TestConsoleScreens : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("aegis-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_console_screens"));
        QVERIFY(QDir().mkpath(screensDir()));
        m_configDir = std::make_unique<testing::TempDir>();
        auto daemon = testing::startDaemonWithConfig(*m_configDir, testing::demoHealthConfig());
        QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
        m_daemon = std::move(*daemon);
        // As the demo has it: the fleet, its releases, the configuration, then health.
        const client::ConnectionOptions admin = m_daemon->adminConnection();
        const Status fleet = testing::registerFleet(admin, testing::demoFleet());
        QVERIFY2(fleet.isOk(), fleet.toString().c_str());
        const Status rollouts = testing::seedDemoRollouts(admin);
        QVERIFY2(rollouts.isOk(), rollouts.toString().c_str());
        const Status seeded = testing::seedDemoConfig(admin);
        QVERIFY2(seeded.isOk(), seeded.toString().c_str());
        const Status health = testing::seedDemoHealth(admin);
        QVERIFY2(health.isOk(), health.toString().c_str());

        m_theme = std::make_unique<ThemeController>();
        m_theme->setMode(ThemeMode::Light);
        m_session = std::make_unique<Session>();
        openWindow(QStringLiteral("en"));
    }

    void cleanupTestCase() {
        m_window.reset();
        if (m_session) {
            m_session->shutdown();
        }
    }

    // English first, then Simplified Chinese, so the window is built anew once.
    void everyPageAndDialog_data() {
        QTest::addColumn<QString>("language");
        QTest::addColumn<QSize>("size");
        QTest::addColumn<bool>("dark");
        for (const QString &language : {QStringLiteral("en"), QStringLiteral("zh_CN")}) {
            const QByteArray prefix =
                language == QLatin1String("en") ? QByteArray() : language.toLatin1() + '-';
            for (const QSize &size : {QSize(1280, 800), QSize(1920, 1080)}) {
                for (const bool dark : {false, true}) {
                    QTest::addRow("%s%dx%d-%s", prefix.constData(), size.width(), size.height(),
                                  dark ? "dark" : "light")
                        << language << size << dark;
                }
            }
        }
    }

    void everyPageAndDialog() {
        QFETCH(QString, language);
        QFETCH(QSize, size);
        QFETCH(bool, dark);
        if (language != m_language) {
            openWindow(language);
        }
        m_theme->setMode(dark ? ThemeMode::Dark : ThemeMode::Light);
        m_window->resize(size);
        // English shots keep the names they always had; others carry their language.
        const QString suffix =
            QStringLiteral("%1%2x%3-%4")
                .arg(language == QLatin1String("en") ? QString() : language + QLatin1Char('-'))
                .arg(size.width())
                .arg(size.height())
                .arg(dark ? QStringLiteral("dark") : QStringLiteral("light"));
        QStringList problems;

        for (const QString &page : MainWindow::pageNames()) {
            QVERIFY(m_window->showPage(page));
            QVERIFY2(testing::pollUntil([&] { return m_window->pageHasData(page); }, 30s),
                     qPrintable(page));
            settle();
            const QImage image = m_window->grab().toImage();
            QVERIFY(image.save(
                QDir(screensDir()).filePath(QStringLiteral("%1-%2.png").arg(page, suffix))));
            for (const QString &problem : layoutProblems(m_window.get(), size)) {
                problems.append(QStringLiteral("%1: %2").arg(page, problem));
            }
        }

        for (const ScreenshotDialog &entry : screenshotDialogs()) {
            QVERIFY(m_window->showPage(entry.page));
            QVERIFY(testing::pollUntil([&] { return m_window->pageHasData(entry.page); }, 30s));
            QWidget *dialog = nullptr;
            QVERIFY2(testing::pollUntil(
                         [&] {
                             dialog = entry.open(*m_window);
                             return dialog != nullptr;
                         },
                         30s),
                     qPrintable(entry.key() + QStringLiteral(" did not open")));
            QVERIFY(QTest::qWaitForWindowExposed(dialog));
            settle();
            const QImage image = dialog->grab().toImage();
            QVERIFY(image.save(
                QDir(screensDir())
                    .filePath(QStringLiteral("%1-%2-%3.png").arg(entry.page, entry.name, suffix))));
            for (const QString &problem : layoutProblems(dialog, size)) {
                problems.append(QStringLiteral("%1: %2").arg(entry.key(), problem));
            }
            dialog->close();
        }
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
    }

    // The command line takes the same shots: --size sets the window, --page PAGE/DIALOG opens
    // the dialog, and --screenshot saves what was asked for.
    void commandLineTakesThePageAndTheDialogAtTheSize() {
        const QString console = QStringLiteral(AEGIS_CONSOLE_PATH);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString address = QString::fromStdString(m_daemon->grpcAddress());
        const QString token = QString::fromStdString(m_daemon->adminTokenFile().string());
        const auto shoot = [&](const QString &page, const QString &file,
                               const QStringList &extra = {}) {
            QProcess process;
            QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
            environment.insert(QStringLiteral("XDG_CONFIG_HOME"), dir.path());
            process.setProcessEnvironment(environment);
            process.start(console, QStringList{QStringLiteral("--connect"), address,
                                               QStringLiteral("--token-file"), token,
                                               QStringLiteral("--page"), page,
                                               QStringLiteral("--size"), QStringLiteral("1280x800"),
                                               QStringLiteral("--screenshot"), file}
                                       << extra);
            if (!process.waitForFinished(60000)) {
                process.kill();
                return QStringLiteral("timed out");
            }
            return process.exitCode() == 0 ? QString()
                                           : QString::fromUtf8(process.readAllStandardError());
        };
        const QString pageFile = dir.filePath(QStringLiteral("config.png"));
        const QString pageError = shoot(QStringLiteral("config"), pageFile);
        QVERIFY2(pageError.isEmpty(), qPrintable(pageError));
        QCOMPARE(QImage(pageFile).size(), QSize(1280, 800));

        const QString dialogFile = dir.filePath(QStringLiteral("review.png"));
        const QString dialogError = shoot(QStringLiteral("config/review"), dialogFile);
        QVERIFY2(dialogError.isEmpty(), qPrintable(dialogError));
        const QImage review(dialogFile);
        QVERIFY(!review.isNull());
        QVERIFY(review.width() <= 1280 && review.height() <= 800);
        QVERIFY(review.width() > 1280 / 2);

        // --lang: the same shot in Simplified Chinese; an unknown language is refused.
        const QString chineseFile = dir.filePath(QStringLiteral("config-zh_CN.png"));
        const QString chineseError = shoot(QStringLiteral("config"), chineseFile,
                                           {QStringLiteral("--lang"), QStringLiteral("zh_CN")});
        QVERIFY2(chineseError.isEmpty(), qPrintable(chineseError));
        QCOMPARE(QImage(chineseFile).size(), QSize(1280, 800));
        QVERIFY(QImage(chineseFile) != QImage(pageFile));
        QProcess help;
        help.start(console,
                   {QStringLiteral("--lang"), QStringLiteral("zh_CN"), QStringLiteral("--help")});
        QVERIFY(help.waitForFinished(20000));
        QVERIFY(QString::fromUtf8(help.readAllStandardOutput())
                    .contains(QStringLiteral("aegisd 的桌面控制台")));
        QProcess unknownLanguage;
        unknownLanguage.start(console, {QStringLiteral("--lang"), QStringLiteral("xx")});
        QVERIFY(unknownLanguage.waitForFinished(20000));
        QCOMPARE(unknownLanguage.exitCode(), 2);
        QVERIFY(unknownLanguage.readAllStandardError().contains("zh_CN"));

        QProcess unknown;
        unknown.start(console, {QStringLiteral("--page"), QStringLiteral("config/nothing"),
                                QStringLiteral("--screenshot"), dialogFile});
        QVERIFY(unknown.waitForFinished(20000));
        QCOMPARE(unknown.exitCode(), 2);
        QVERIFY(unknown.readAllStandardError().contains("config/review"));
    }

private:
    // Builds the window anew in `language`: widgets take their texts when they are built.
    void openWindow(const QString &language) {
        m_window.reset();
        QVERIFY(installLanguage(*QCoreApplication::instance(), language));
        m_language = language;
        m_window = std::make_unique<MainWindow>(m_session.get(), m_theme.get());
        m_window->connectWith(testing::adminSettings(*m_daemon), QStringLiteral("demo daemon"));
        m_window->resize(1280, 800);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    }

    // Lets the layout settle and the views paint before a grab.
    static void settle() {
        for (int i = 0; i < 3; ++i) {
            QCoreApplication::processEvents();
            QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
        }
    }

    std::unique_ptr<testing::TempDir> m_configDir;
    std::unique_ptr<testing::DaemonProcess> m_daemon;
    std::unique_ptr<ThemeController> m_theme;
    std::unique_ptr<Session> m_session;
    std::unique_ptr<MainWindow> m_window;
    QString m_language;
};

int main(int argc, char *argv[]) {
    // A screen larger than every size taken (see kScreenWidth), whatever QT_QPA_PLATFORM says.
    QTemporaryDir platformDir;
    const QString screen = platformDir.filePath(QStringLiteral("screen.json"));
    QFile file(screen);
    if (!file.open(QIODevice::WriteOnly) ||
        file.write(QStringLiteral("{\"screens\": [{\"name\": \"test\", \"x\": 0, \"y\": 0, "
                                  "\"width\": %1, \"height\": %2, \"logicalDpi\": 96}]}")
                       .arg(kScreenWidth)
                       .arg(kScreenHeight)
                       .toUtf8()) < 0) {
        return 1;
    }
    file.close();
    qputenv("QT_QPA_PLATFORM", QStringLiteral("offscreen:configfile=%1").arg(screen).toUtf8());
    QApplication app(argc, argv);
    TestConsoleScreens test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_console_screens.moc"
