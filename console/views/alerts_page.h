#pragma once

#include "models/alert_tree_model.h"
#include "net/alerts_api.h"
#include "net/call_scope.h"
#include "net/watch.h"

#include <QHash>
#include <QSet>
#include <QTimer>
#include <QWidget>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTabWidget;
class QTableView;
class QTreeView;

namespace aegis::console {

class AlertDetailPane;
class PageSkeleton;
class RuleEditorPanel;
class Session;
class SilenceDialog;
class SilenceModel;

// The daemon's alerting (AlertService). Three tabs: Alerts — the pending and firing alerts
// grouped by service and severity with state, age and summary, a matcher filter, and the
// selected alert in full (AlertDetailPane); Rules — the rule files in an editor with validation
// and a live preview (RuleEditorPanel); Silences — Alertmanager's silences with Expire, and the
// silence dialog. The alerts are followed with WatchAlerts for as long as the page exists (not
// only while shown): the navigation badge, the Overview's counts and the desktop notifications
// read the page's model. No call blocks the GUI; failures are shown in the page's banner.
class AlertsPage final : public QWidget {
    Q_OBJECT
public:
    enum Tab { AlertsTab, RulesTab, SilencesTab };

    explicit AlertsPage(Session *session, QWidget *parent = nullptr);
    ~AlertsPage() override;

    bool hasData() const { return m_loaded; }
    // Whether the daemon's alerts are known: false before they arrive, and after the watch failed
    // before they did (a daemon without alerting, a refused caller).
    bool hasAlerts() const { return m_hasAlerts; }
    AlertTreeModel *model() const { return m_model; }
    SilenceModel *silences() const { return m_silences; }
    QTreeView *tree() const { return m_tree; }
    AlertDetailPane *detail() const { return m_detail; }
    RuleEditorPanel *rules() const { return m_rules; }
    PageSkeleton *skeleton() const { return m_skeleton; }
    void showTab(Tab tab);
    void reload();

    // Filters the list by Alertmanager matchers; false (and the box marked) when they do not
    // parse.
    bool setFilterText(const QString &text);
    bool selectAlert(const QString &id);
    // Opens the silence dialog (not modal) prefilled with `matchers`; it is deleted on close.
    SilenceDialog *openSilenceDialog(const QList<AlertMatcher> &matchers);
    // The rules' expressions by "<file>/<group>/<alertname>", as ListRules reported them
    // (tests set them when there is no daemon).
    void setRuleExpressions(const QHash<QString, QString> &expressions);
    void setSilenceList(const QList<SilenceInfo> &silences);

signals:
    // The first alerts arrived after a (re)connect.
    void dataLoaded();
    // hasAlerts() changed.
    void alertsAvailabilityChanged(bool available);

protected:
    void showEvent(QShowEvent *event) override;

private:
    QWidget *buildAlertsTab();
    QWidget *buildSilencesTab();
    void startWatch();
    void loadRules();
    void loadSilences();
    void refreshSilencing();
    void showSelected();
    void updateStatus();
    void onWatchEnded(const QString &reason);
    void updatePermissions();
    // The outcome of the last action, shown in the status line.
    void showNote(const QString &note);
    void setHasAlerts(bool available);

    Session *m_session; // Not owned.
    AlertsApi m_alerts;
    PageSkeleton *m_skeleton;
    AlertTreeModel *m_model;
    SilenceModel *m_silences;
    QTabWidget *m_tabs;
    QLineEdit *m_filter;
    QTreeView *m_tree;
    AlertDetailPane *m_detail;
    RuleEditorPanel *m_rules;
    QTableView *m_silenceView;
    QCheckBox *m_showExpired;
    QPushButton *m_expire;
    // Why there are no silences to show (Alertmanager turned off); hidden otherwise.
    QLabel *m_silenceNote;
    QHash<QString, QString> m_expressions;
    // Rules an alert named that the last ListRules did not have: asked for once more each.
    QSet<QString> m_rulesAskedFor;
    QString m_selectedId;
    QString m_unavailable;
    QString m_note;
    QPushButton *m_newSilence;
    QPushButton *m_addSilence = nullptr;
    bool m_loaded = false;
    bool m_hasAlerts = false;
    WatchPtr m_watch;
    CallScope m_rulesScope;
    CallScope m_silencesScope;
    CallScope m_silencingScope;
    QTimer m_clock;
    QTimer m_silenceRefresh;
};

} // namespace aegis::console
