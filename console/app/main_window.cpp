#include "app/main_window.h"

#include "app/connection_profiles_dialog.h"
#include "app/console_language.h"
#include "app/critical_health_notifier.h"
#include "app/theme_controller.h"
#include "app/token_vault.h"
#include "models/alert_tree_model.h"
#include "models/instance_model.h"
#include "models/trace_search_form.h"
#include "net/session.h"
#include "views/alerts_page.h"
#include "views/audit_page.h"
#include "views/config_page.h"
#include "views/icons.h"
#include "views/metrics_page.h"
#include "views/navigation_delegate.h"
#include "views/overview_page.h"
#include "views/releases_page.h"
#include "views/services_page.h"
#include "views/theme.h"
#include "views/traces_page.h"

#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QVBoxLayout>

#include <tuple>

namespace aegis::console {
namespace {

enum PageIndex {
    OverviewIndex,
    ServicesIndex,
    ReleasesIndex,
    MetricsIndex,
    AlertsIndex,
    TracesIndex,
    ConfigIndex,
    AuditIndex
};

const QString kGeometryKey = QStringLiteral("window/geometry");
const QString kStateKey = QStringLiteral("window/state");
const QString kPageKey = QStringLiteral("window/page");
const QString kNotifyCriticalKey = QStringLiteral("notifications/critical");
// "system" or a key of consoleLanguages(); main() reads it before any text is built.
const QString kLanguageKey = QStringLiteral("view/language");
const QString kNotifyAlertsKey = QStringLiteral("notifications/critical-alerts");

} // namespace

MainWindow::MainWindow(Session *session, ThemeController *theme, QWidget *parent)
    : QMainWindow(parent)
    , m_session(session)
    , m_theme(theme)
    , m_vault(new TokenVault(this)) {
    setObjectName(QStringLiteral("MainWindow"));
    {
        QSettings settings;
        m_profiles.load(settings);
    }

    m_overview = new OverviewPage(m_session);
    m_services = new ServicesPage(m_session);
    m_releases = new ReleasesPage(m_session);
    m_metrics = new MetricsPage(m_session);
    m_alerts = new AlertsPage(m_session);
    m_traces = new TracesPage(m_session);
    m_config = new ConfigPage(m_session);
    m_audit = new AuditPage(m_session);
    m_overview->setServiceSummary(m_services->services());
    // Who gets traffic: the instances (Services) with the rollout state (Releases), on both pages.
    m_services->instances()->setReleaseModel(m_releases->releases());
    m_releases->setInstanceModel(m_services->instances());
    // The Overview lists what needs attention and what is in flight from the same models.
    m_overview->setFleetSources(m_services->instances(), m_releases->releases(), m_audit->model());
    connect(m_overview, &OverviewPage::trafficWantedChanged, m_services,
            &ServicesPage::setTrafficWanted);
    connect(m_overview, &OverviewPage::auditRequested, this,
            [this] { showPage(QStringLiteral("audit")); });
    connect(m_overview, &OverviewPage::openRequested, this, [this](const AttentionItem &item) {
        switch (item.target) {
        case AttentionItem::Target::Services:
            showPage(QStringLiteral("services"));
            if (item.key.contains(QLatin1Char('/'))) {
                m_services->selectService(QString());
                m_services->selectInstance(item.service, item.key.section(QLatin1Char('/'), 1));
            } else {
                m_services->selectService(item.service);
            }
            break;
        case AttentionItem::Target::Releases:
            showPage(QStringLiteral("releases"));
            m_releases->selectService(item.service);
            m_releases->showRollout(item.key);
            break;
        case AttentionItem::Target::Config:
            showPage(QStringLiteral("config"));
            break;
        case AttentionItem::Target::Audit:
            showPage(QStringLiteral("audit"));
            break;
        }
    });
    m_notifier = new CriticalHealthNotifier(m_services->instances(), this);
    m_notifier->setEnabled(CriticalHealthNotifier::isSupported() &&
                           QSettings().value(kNotifyCriticalKey, false).toBool());
    connect(m_notifier, &CriticalHealthNotifier::messageClicked, this,
            [this](const QString &instanceKey) {
                showNormal();
                raise();
                activateWindow();
                showPage(QStringLiteral("services"));
                m_services->selectService(QString());
                m_services->selectInstance(instanceKey.section(QLatin1Char('/'), 0, 0),
                                           instanceKey.section(QLatin1Char('/'), 1));
            });
    m_notifier->setAlertsEnabled(CriticalHealthNotifier::isSupported() &&
                                 QSettings().value(kNotifyAlertsKey, true).toBool());
    connect(m_alerts->model(), &AlertTreeModel::criticalAlertsFiring, m_notifier,
            &CriticalHealthNotifier::notifyAlertsFiring);
    connect(m_notifier, &CriticalHealthNotifier::alertMessageClicked, this,
            [this](const QString &alertId) {
                showNormal();
                raise();
                activateWindow();
                showPage(QStringLiteral("alerts"));
                m_alerts->showTab(AlertsPage::AlertsTab);
                m_alerts->selectAlert(alertId);
            });
    const auto showAlertCounts = [this] {
        m_overview->setAlertCounts(m_alerts->hasAlerts()
                                       ? std::optional<AlertCounts>(m_alerts->model()->counts())
                                       : std::nullopt);
        updateAlertBadge();
    };
    connect(m_alerts->model(), &AlertTreeModel::countsChanged, this, showAlertCounts);
    connect(m_alerts, &AlertsPage::alertsAvailabilityChanged, this, showAlertCounts);
    m_stack = new QStackedWidget;
    m_stack->insertWidget(OverviewIndex, m_overview);
    m_stack->insertWidget(ServicesIndex, m_services);
    m_stack->insertWidget(ReleasesIndex, m_releases);
    m_stack->insertWidget(MetricsIndex, m_metrics);
    m_stack->insertWidget(AlertsIndex, m_alerts);
    m_stack->insertWidget(TracesIndex, m_traces);
    m_stack->insertWidget(ConfigIndex, m_config);
    m_stack->insertWidget(AuditIndex, m_audit);

    auto *central = new QWidget;
    auto *layout = new QHBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(buildSidebar());
    layout->addWidget(m_stack, 1);
    setCentralWidget(central);

    buildMenus();
    buildStatusBar();
    refreshIcons();

    connect(m_navigation, &QListWidget::currentRowChanged, m_stack,
            &QStackedWidget::setCurrentIndex);
    connect(m_overview, &OverviewPage::dataLoaded, this,
            [this] { emit pageDataLoaded(QStringLiteral("overview")); });
    connect(m_services, &ServicesPage::dataLoaded, this,
            [this] { emit pageDataLoaded(QStringLiteral("services")); });
    connect(m_releases, &ReleasesPage::dataLoaded, this,
            [this] { emit pageDataLoaded(QStringLiteral("releases")); });
    connect(m_metrics, &MetricsPage::dataLoaded, this,
            [this] { emit pageDataLoaded(QStringLiteral("metrics")); });
    connect(m_alerts, &AlertsPage::dataLoaded, this,
            [this] { emit pageDataLoaded(QStringLiteral("alerts")); });
    connect(m_traces, &TracesPage::dataLoaded, this,
            [this] { emit pageDataLoaded(QStringLiteral("traces")); });
    const auto showTraces = [this](const QString &service, const QString &colour,
                                   const QString &version, const QDateTime &start,
                                   const QDateTime &end) {
        showPage(QStringLiteral("traces"));
        m_traces->openSearch(traceJumpSearch(service, colour, version, start, end));
    };
    connect(m_metrics, &MetricsPage::tracesRequested, this, showTraces);
    connect(m_releases, &ReleasesPage::tracesRequested, this, showTraces);
    connect(m_config, &ConfigPage::dataLoaded, this,
            [this] { emit pageDataLoaded(QStringLiteral("config")); });
    connect(m_audit, &AuditPage::dataLoaded, this,
            [this] { emit pageDataLoaded(QStringLiteral("audit")); });
    connect(m_session, &Session::stateChanged, this, &MainWindow::updateStatusBar);
    connect(m_session, &Session::statusReceived, this, &MainWindow::updateStatusBar);
    connect(m_theme, &ThemeController::themeChanged, this, &MainWindow::refreshIcons);

    restoreWindowState();
    updateStatusBar();
    updateTitle();
}

MainWindow::~MainWindow() = default;

QStringList MainWindow::pageNames() {
    return {QStringLiteral("overview"), QStringLiteral("services"), QStringLiteral("releases"),
            QStringLiteral("metrics"),  QStringLiteral("alerts"),   QStringLiteral("traces"),
            QStringLiteral("config"),   QStringLiteral("audit")};
}

bool MainWindow::showPage(const QString &name) {
    const int index = static_cast<int>(pageNames().indexOf(name.toLower()));
    if (index < 0) {
        return false;
    }
    m_navigation->setCurrentRow(index);
    return true;
}

QString MainWindow::currentPage() const {
    return pageNames().value(m_stack->currentIndex());
}

bool MainWindow::pageHasData(const QString &name) const {
    if (name == QLatin1String("overview")) {
        return m_overview->hasData();
    }
    if (name == QLatin1String("services")) {
        return m_services->hasData();
    }
    if (name == QLatin1String("releases")) {
        return m_releases->hasData();
    }
    if (name == QLatin1String("metrics")) {
        return m_metrics->hasData();
    }
    if (name == QLatin1String("alerts")) {
        return m_alerts->hasData();
    }
    if (name == QLatin1String("traces")) {
        return m_traces->hasData();
    }
    if (name == QLatin1String("config")) {
        return m_config->hasData();
    }
    if (name == QLatin1String("audit")) {
        return m_audit->hasData();
    }
    return false;
}

QWidget *MainWindow::buildSidebar() {
    auto *sidebar = new QWidget;
    sidebar->setObjectName(QStringLiteral("Sidebar"));
    sidebar->setAttribute(Qt::WA_StyledBackground);
    sidebar->setFixedWidth(210);

    auto *title = new QLabel(tr("Aegis Console"));
    title->setObjectName(QStringLiteral("SidebarTitle"));
    m_sidebarSubtitle = new QLabel;
    m_sidebarSubtitle->setObjectName(QStringLiteral("SidebarSubtitle"));

    m_navigation = new QListWidget;
    m_navigation->setObjectName(QStringLiteral("Navigation"));
    m_navigation->setIconSize(QSize(18, 18));
    m_navigation->setFrameShape(QFrame::NoFrame);
    m_navigation->addItem(tr("Overview"));
    m_navigation->addItem(tr("Services"));
    m_navigation->addItem(tr("Releases"));
    m_navigation->addItem(tr("Metrics"));
    m_navigation->addItem(tr("Alerts"));
    m_navigation->addItem(tr("Traces"));
    m_navigation->addItem(tr("Config"));
    m_navigation->addItem(tr("Audit log"));
    m_navigation->setItemDelegate(new NavigationDelegate(m_navigation));
    m_navigation->setCurrentRow(OverviewIndex);

    auto *profileCaption = new QLabel(tr("CONNECTION"));
    profileCaption->setObjectName(QStringLiteral("CardLabel"));
    m_profileSelector = new QComboBox;
    m_profileSelector->setToolTip(tr("Connection profile"));
    fillProfileSelector();
    connect(m_profileSelector, &QComboBox::activated, this, [this](int index) {
        const QString name = m_profileSelector->itemData(index).toString();
        if (name.isEmpty()) {
            openProfilesDialog();
        } else {
            connectToProfile(name);
        }
    });

    auto *layout = new QVBoxLayout(sidebar);
    layout->setContentsMargins(12, 16, 12, 12);
    layout->setSpacing(4);
    layout->addWidget(title);
    layout->addWidget(m_sidebarSubtitle);
    layout->addSpacing(14);
    layout->addWidget(m_navigation, 1);
    layout->addWidget(profileCaption);
    layout->addWidget(m_profileSelector);
    return sidebar;
}

void MainWindow::fillProfileSelector() {
    const QSignalBlocker blocker(m_profileSelector);
    m_profileSelector->clear();
    for (const ConnectionProfile &profile : m_profiles.profiles()) {
        m_profileSelector->addItem(profile.name, profile.name);
    }
    m_profileSelector->insertSeparator(m_profileSelector->count());
    m_profileSelector->addItem(tr("Manage profiles…"), QString());
    const int current = m_profileSelector->findData(m_connectionLabel);
    if (current >= 0) {
        m_profileSelector->setCurrentIndex(current);
    } else if (!m_connectionLabel.isEmpty()) {
        m_profileSelector->insertItem(0, m_connectionLabel, m_connectionLabel);
        m_profileSelector->setCurrentIndex(0);
    }
}

void MainWindow::buildMenus() {
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *profiles = file->addAction(tr("Connection &profiles…"));
    profiles->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P));
    connect(profiles, &QAction::triggered, this, &MainWindow::openProfilesDialog);
    QAction *reconnect = file->addAction(tr("&Reconnect now"));
    connect(reconnect, &QAction::triggered, m_session, &Session::refreshStatus);
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"));
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    // Ctrl+1 to Ctrl+6 keep the pages they had before Alerts came; Alerts and Traces took the
    // next keys.
    const QList<std::tuple<QString, int, Qt::Key>> pages = {
        {tr("&Overview"), OverviewIndex, Qt::Key_1}, {tr("&Services"), ServicesIndex, Qt::Key_2},
        {tr("&Releases"), ReleasesIndex, Qt::Key_3}, {tr("&Metrics"), MetricsIndex, Qt::Key_4},
        {tr("A&lerts"), AlertsIndex, Qt::Key_7},     {tr("&Traces"), TracesIndex, Qt::Key_8},
        {tr("&Config"), ConfigIndex, Qt::Key_5},     {tr("&Audit log"), AuditIndex, Qt::Key_6}};
    for (const auto &[title, index, key] : pages) {
        QAction *page = view->addAction(title);
        page->setShortcut(QKeySequence(Qt::CTRL | key));
        connect(page, &QAction::triggered, this,
                [this, index = index] { m_navigation->setCurrentRow(index); });
    }
    view->addSeparator();
    QAction *refresh = view->addAction(tr("&Refresh"));
    refresh->setShortcut(QKeySequence::Refresh);
    connect(refresh, &QAction::triggered, this, [this] {
        m_session->refreshStatus();
        if (m_stack->currentIndex() == AuditIndex) {
            m_audit->reload();
        } else if (m_stack->currentIndex() == ServicesIndex) {
            m_services->reload();
        } else if (m_stack->currentIndex() == ReleasesIndex) {
            m_releases->reload();
        } else if (m_stack->currentIndex() == ConfigIndex) {
            m_config->reload();
        } else if (m_stack->currentIndex() == AlertsIndex) {
            m_alerts->reload();
        } else if (m_stack->currentIndex() == TracesIndex) {
            m_traces->reload();
        }
    });
    view->addSeparator();
    QMenu *themeMenu = view->addMenu(tr("&Theme"));
    m_themeActions = new QActionGroup(this);
    const QList<QPair<QString, ThemeMode>> modes = {{tr("Follow &system"), ThemeMode::System},
                                                    {tr("&Light"), ThemeMode::Light},
                                                    {tr("&Dark"), ThemeMode::Dark}};
    for (const auto &[label, mode] : modes) {
        QAction *action = themeMenu->addAction(label);
        action->setCheckable(true);
        action->setChecked(mode == m_theme->mode());
        m_themeActions->addAction(action);
        connect(action, &QAction::triggered, this, [this, mode = mode] {
            m_theme->setMode(mode);
            QSettings().setValue(QStringLiteral("view/theme"), themeModeKey(mode));
        });
    }
    buildLanguageMenu(view->addMenu(tr("Lan&guage")));

    view->addSeparator();
    QAction *notify = view->addAction(tr("&Notify when an instance goes critical"));
    notify->setCheckable(true);
    notify->setChecked(m_notifier->isEnabled());
    notify->setEnabled(CriticalHealthNotifier::isSupported());
    notify->setStatusTip(CriticalHealthNotifier::isSupported()
                             ? tr("A desktop notification when an instance's health check turns "
                                  "critical")
                             : tr("This desktop has no system tray to show notifications in"));
    connect(notify, &QAction::toggled, this, [this](bool on) {
        m_notifier->setEnabled(on);
        QSettings().setValue(kNotifyCriticalKey, on);
    });
    QAction *notifyAlerts = view->addAction(tr("Notify when a critical &alert fires"));
    notifyAlerts->setCheckable(true);
    notifyAlerts->setChecked(m_notifier->alertsEnabled());
    notifyAlerts->setEnabled(CriticalHealthNotifier::isSupported());
    notifyAlerts->setStatusTip(
        CriticalHealthNotifier::isSupported()
            ? tr("A desktop notification when an alert of severity critical "
                 "starts firing")
            : tr("This desktop has no system tray to show notifications in"));
    connect(notifyAlerts, &QAction::toggled, this, [this](bool on) {
        m_notifier->setAlertsEnabled(on);
        QSettings().setValue(kNotifyAlertsKey, on);
    });

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *about = help->addAction(tr("&About Aegis Console"));
    connect(about, &QAction::triggered, this, [this] {
        QMessageBox::about(this, tr("About Aegis Console"),
                           tr("<b>Aegis Console</b> %1<br>The desktop console for aegisd, the "
                              "control plane for service fleets.")
                               .arg(QApplication::applicationVersion()));
    });
}

void MainWindow::buildLanguageMenu(QMenu *menu) {
    // Each language by its own name, so it is found whichever language the console speaks now.
    QList<QPair<QString, QString>> choices = {{QStringLiteral("system"), tr("Follow &system")}};
    for (const QString &language : consoleLanguages()) {
        choices.append({language, languageNativeName(language)});
    }
    const QString saved = QSettings().value(kLanguageKey, QStringLiteral("system")).toString();
    auto *group = new QActionGroup(menu);
    for (const auto &[key, label] : choices) {
        QAction *action = menu->addAction(label);
        action->setCheckable(true);
        action->setChecked(key == saved);
        action->setData(key);
        group->addAction(action);
        connect(action, &QAction::triggered, this, [this, key = key] {
            QSettings().setValue(kLanguageKey, key);
            statusBar()->showMessage(tr("The console speaks %1 from its next start.")
                                         .arg(languageNativeName(resolveLanguage(key))),
                                     10000);
        });
    }
}

void MainWindow::buildStatusBar() {
    m_stateLabel = new QLabel;
    m_versionLabel = new QLabel;
    m_revisionLabel = new QLabel;
    m_rttLabel = new QLabel;
    statusBar()->setSizeGripEnabled(false);
    statusBar()->addWidget(m_stateLabel, 1);
    statusBar()->addPermanentWidget(m_versionLabel);
    statusBar()->addPermanentWidget(m_revisionLabel);
    statusBar()->addPermanentWidget(m_rttLabel);
}

void MainWindow::refreshIcons() {
    const ThemeColors colors = themeColors(palette());
    const QColor tone = palette().color(QPalette::Text);
    m_navigation->item(OverviewIndex)->setIcon(themedIcon(QStringLiteral("overview"), tone));
    m_navigation->item(ServicesIndex)->setIcon(themedIcon(QStringLiteral("services"), tone));
    m_navigation->item(ReleasesIndex)->setIcon(themedIcon(QStringLiteral("releases"), tone));
    m_navigation->item(MetricsIndex)->setIcon(themedIcon(QStringLiteral("metrics"), tone));
    m_navigation->item(AlertsIndex)->setIcon(themedIcon(QStringLiteral("alerts"), tone));
    m_navigation->item(TracesIndex)->setIcon(themedIcon(QStringLiteral("traces"), tone));
    m_navigation->item(ConfigIndex)->setIcon(themedIcon(QStringLiteral("config"), tone));
    m_navigation->item(AuditIndex)->setIcon(themedIcon(QStringLiteral("audit"), tone));
    setWindowIcon(themedIcon(QStringLiteral("aegis"), colors.accent));
    m_notifier->setIcon(windowIcon());
    if (m_themeActions) {
        const int checked = static_cast<int>(m_theme->mode());
        m_themeActions->actions().at(checked)->setChecked(true);
    }
    updateStatusBar();
}

void MainWindow::updateAlertBadge() {
    const int critical = m_alerts->model()->counts().criticalFiring;
    QListWidgetItem *item = m_navigation->item(AlertsIndex);
    item->setData(NavigationDelegate::BadgeRole, critical > 0 ? QVariant(critical) : QVariant());
    item->setToolTip(critical > 0 ? tr("%n critical alert(s) firing", nullptr, critical)
                                  : QString());
}

int MainWindow::alertBadge() const {
    return m_navigation->item(AlertsIndex)->data(NavigationDelegate::BadgeRole).toInt();
}

void MainWindow::changeEvent(QEvent *event) {
    if (event->type() == QEvent::PaletteChange && m_navigation) {
        refreshIcons();
    }
    QMainWindow::changeEvent(event);
}

void MainWindow::updateStatusBar() {
    if (!m_stateLabel) {
        return;
    }
    const ThemeColors colors = themeColors(palette());
    const QString address = m_session->settings().address;
    QColor tone = colors.muted;
    QString text;
    switch (m_session->state()) {
    case ConnectionState::Disconnected:
        text = tr("Not connected");
        break;
    case ConnectionState::Connecting:
        tone = colors.warning;
        text = tr("Connecting to %1…").arg(address);
        break;
    case ConnectionState::Connected: {
        tone = colors.success;
        // With several replicas listed, name the one that answered.
        const auto &status = m_session->lastStatus();
        const qsizetype replicas = address.count(QLatin1Char(',')) + 1;
        text = replicas > 1 && status && !status->answeredBy.isEmpty()
                   ? tr("Connected to %1 (one of %n replicas listed)", nullptr,
                        static_cast<int>(replicas))
                         .arg(status->answeredBy)
                   : tr("Connected to %1").arg(address);
        break;
    }
    case ConnectionState::Unreachable:
        tone = colors.danger;
        text = tr("Unreachable: %1 — %2").arg(address, m_session->stateReason());
        break;
    }
    m_stateLabel->setText(QStringLiteral("<span style=\"color:%1\">●</span> %2")
                              .arg(tone.name(), text.toHtmlEscaped()));
    m_stateLabel->setToolTip(text);
    const auto &status = m_session->lastStatus();
    const bool stale = m_session->state() != ConnectionState::Connected;
    m_versionLabel->setText(status ? tr("aegisd %1").arg(status->version) : QString());
    m_revisionLabel->setText(status ? tr("revision %1").arg(status->revision) : QString());
    m_rttLabel->setText(!status ? QString()
                        : stale ? tr("RTT —")
                                : tr("RTT %1 ms").arg(status->roundTripMs));
}

void MainWindow::updateTitle() {
    const QString address = m_session->settings().address;
    setWindowTitle(address.isEmpty()
                       ? tr("Aegis Console")
                       : tr("%1 (%2) — Aegis Console").arg(m_connectionLabel, address));
    m_sidebarSubtitle->setText(m_connectionLabel.isEmpty() ? tr("not connected")
                                                           : m_connectionLabel);
    m_overview->setProfileName(m_connectionLabel);
}

void MainWindow::connectToProfile(const QString &name) {
    const ConnectionProfile profile = m_profiles.profile(name);
    m_connectionLabel = profile.name;
    m_profiles.setLastUsed(profile.name);
    {
        QSettings settings;
        m_profiles.save(settings);
    }
    fillProfileSelector();
    if (!profile.storedToken) {
        m_session->connectTo(profile.toSettings());
        updateTitle();
        return;
    }
    m_vault->read(profile.name, [this, profile](const QString &token) {
        if (m_connectionLabel != profile.name) {
            return; // Another profile was chosen meanwhile.
        }
        m_session->connectTo(profile.toSettings(token));
        updateTitle();
    });
}

void MainWindow::connectWith(const ConnectionSettings &settings, const QString &label) {
    m_connectionLabel = label;
    fillProfileSelector();
    m_session->connectTo(settings);
    updateTitle();
}

void MainWindow::openProfilesDialog() {
    ConnectionProfilesDialog dialog(m_profiles, *m_vault, m_connectionLabel, this);
    const int result = dialog.exec();
    if (result == QDialog::Accepted) {
        QSettings settings;
        m_profiles.save(settings);
    }
    fillProfileSelector();
    if (result == QDialog::Accepted && !dialog.connectTo().isEmpty()) {
        connectToProfile(dialog.connectTo());
    }
}

void MainWindow::restoreWindowState() {
    QSettings settings;
    if (!restoreGeometry(settings.value(kGeometryKey).toByteArray())) {
        resize(1360, 860);
    }
    restoreState(settings.value(kStateKey).toByteArray());
    showPage(settings.value(kPageKey, QStringLiteral("overview")).toString());
}

void MainWindow::closeEvent(QCloseEvent *event) {
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kStateKey, saveState());
    settings.setValue(kPageKey, currentPage());
    QMainWindow::closeEvent(event);
}

} // namespace aegis::console
