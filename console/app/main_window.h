#pragma once

#include "app/connection_profile.h"
#include "net/api_types.h"

#include <QMainWindow>

class QActionGroup;
class QComboBox;
class QLabel;
class QListWidget;
class QMenu;
class QStackedWidget;

namespace aegis::console {

class Session;
class AlertsPage;
class AuditPage;
class ConfigPage;
class CriticalHealthNotifier;
class OverviewPage;
class MetricsPage;
class ReleasesPage;
class ServicesPage;
class ThemeController;
class TracesPage;
class TokenVault;

// The console's window: a navigation sidebar with the pages that work (Overview, Services,
// Releases, Metrics, Alerts with a badge counting the critical alerts firing, Traces, Config,
// Audit; the Metrics and Releases pages' "Traces" jumps open the Traces page's search),
// menus, and a status bar with the connection state, server version, revision and round-trip
// time; optionally desktop notifications when an instance goes critical or a critical alert fires.
// Profiles, window geometry and that choice are kept in QSettings.
class MainWindow final : public QMainWindow {
    Q_OBJECT
public:
    // Neither `session` nor `theme` is owned; both must outlive the window.
    MainWindow(Session *session, ThemeController *theme, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Connects using a saved profile, fetching its token from the vault first when it has one.
    void connectToProfile(const QString &name);
    // Connects with settings that are not saved (command line, tests); `label` names them.
    void connectWith(const ConnectionSettings &settings, const QString &label);

    // "overview", "services", "releases", "metrics", "alerts", "traces", "config" or "audit";
    // false for an unknown name.
    bool showPage(const QString &name);
    QString currentPage() const;
    static QStringList pageNames();
    bool pageHasData(const QString &name) const;

    OverviewPage *overviewPage() const { return m_overview; }
    ServicesPage *servicesPage() const { return m_services; }
    ReleasesPage *releasesPage() const { return m_releases; }
    MetricsPage *metricsPage() const { return m_metrics; }
    AlertsPage *alertsPage() const { return m_alerts; }
    // The number on the Alerts entry of the navigation: critical alerts firing (0: none shown).
    int alertBadge() const;
    TracesPage *tracesPage() const { return m_traces; }
    ConfigPage *configPage() const { return m_config; }
    AuditPage *auditPage() const { return m_audit; }
    CriticalHealthNotifier *criticalNotifier() const { return m_notifier; }
    ProfileStore &profiles() { return m_profiles; }

signals:
    // The page's first data arrived (used by --screenshot and tests).
    void pageDataLoaded(const QString &name);

protected:
    void closeEvent(QCloseEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void buildMenus();
    void buildLanguageMenu(QMenu *menu);
    QWidget *buildSidebar();
    void buildStatusBar();
    void refreshIcons();
    void updateStatusBar();
    void updateAlertBadge();
    void updateTitle();
    void openProfilesDialog();
    void fillProfileSelector();
    void restoreWindowState();

    Session *m_session;       // Not owned.
    ThemeController *m_theme; // Not owned.
    TokenVault *m_vault;
    ProfileStore m_profiles;
    QString m_connectionLabel;

    QListWidget *m_navigation = nullptr;
    QStackedWidget *m_stack = nullptr;
    OverviewPage *m_overview = nullptr;
    ServicesPage *m_services = nullptr;
    ReleasesPage *m_releases = nullptr;
    MetricsPage *m_metrics = nullptr;
    AlertsPage *m_alerts = nullptr;
    TracesPage *m_traces = nullptr;
    ConfigPage *m_config = nullptr;
    AuditPage *m_audit = nullptr;
    QComboBox *m_profileSelector = nullptr;
    QLabel *m_sidebarSubtitle = nullptr;
    QLabel *m_stateLabel = nullptr;
    QLabel *m_versionLabel = nullptr;
    QLabel *m_revisionLabel = nullptr;
    QLabel *m_rttLabel = nullptr;
    QActionGroup *m_themeActions = nullptr;
    CriticalHealthNotifier *m_notifier = nullptr;
};

} // namespace aegis::console
