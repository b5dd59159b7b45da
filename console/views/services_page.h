#pragma once

#include "net/api_types.h"
#include "net/call_scope.h"
#include "net/metrics_api.h"
#include "net/registry_api.h"
#include "net/watch.h"

#include <QTimer>
#include <QWidget>

#include <functional>

class QAction;
class QCheckBox;
class QFrame;
class QLabel;
class QLineEdit;
class QPushButton;
class QSplitter;
class QTableView;

namespace aegis::console {

class HealthCheckDialog;
class DeploymentLogView;
class InstanceDetailPane;
class InstanceFilterModel;
class InstanceModel;
class PageSkeleton;
class SelectedInstanceHealth;
class ServiceSummaryModel;
class ColumnFitter;
class Session;

// Service discovery: the services with their instance counts by state and health (and whether
// each is in panic), the selected service's instances with a health badge each (filtered by a
// label selector typed like ListInstances' own) and a detail pane with the selected instance's
// check and health timeline. Lists every service and instance, unroutable ones included, then
// watches all of them with one WatchInstances stream from the list's revision + 1; changes are
// applied row by row, so selection and scroll position stay. After a compaction the lists are
// fetched again and merged in; after changes of health the service list is fetched again (for
// the daemon's panic flags). Operators drain, put into maintenance, return to serving or
// deregister the selected instance, each after a confirmation, and edit the selected service's
// health check; failures are shown on the page. While the page is shown, each service's row
// has a sparkline of its request rate and error ratio over the last 15 minutes, from two
// WatchQuery streams covering every service (nothing when metrics are off or a service has no
// data). A viewer (the Session's identity) sees those
// actions disabled, with a tooltip saying why. Instances are sorted worst first (ejected,
// critical, flapping, warning), critical and ejected rows are tinted, "Problems only" hides the
// rest, and the counts of problems above the table select the next such instance when clicked.
// Each instance shows its effective share of its service's traffic and its colour's role
// (InstanceModel with the Releases page's ReleaseModel, given by the main window).
class ServicesPage final : public QWidget {
    Q_OBJECT
public:
    enum class Action { Drain, Maintenance, Serve, Deregister };
    // Asks the operator to confirm; true to go ahead. Replaceable for tests.
    using Confirmation = std::function<bool(QWidget *parent, const QString &title,
                                            const QString &text, const QString &acceptLabel)>;

    explicit ServicesPage(Session *session, QWidget *parent = nullptr);

    bool hasData() const { return m_loaded; }
    // Whether the watch is streaming.
    bool isWatchLive() const;
    InstanceModel *instances() const { return m_instances; }
    InstanceFilterModel *filteredInstances() const { return m_filter; }
    ServiceSummaryModel *services() const { return m_services; }
    QTableView *instanceTable() const { return m_instanceTable; }
    QTableView *serviceTable() const { return m_serviceTable; }
    InstanceDetailPane *detailPane() const { return m_detail; }
    DeploymentLogView *logView() const { return m_logs; }
    SelectedInstanceHealth *selectedHealth() const { return m_health; }

    // Lists again and merges what changed.
    void reload();
    // Shows one service's instances (empty: all); false if there is no such service.
    bool selectService(const QString &service);
    // Selects service/id in the instance table; false if it is not shown.
    bool selectInstance(const QString &service, const QString &id);
    // Applies `text` as the label selector; false (with the error shown inline) if it is invalid.
    bool setSelectorText(const QString &text);
    QString selectorError() const { return m_selectorErrorText; }
    // The error of the last failed action, empty when it succeeded or was dismissed.
    QString actionError() const;

    // Shows only the instances that are a problem (warning, flapping, critical, ejected).
    void setProblemsOnly(bool problemsOnly);
    QCheckBox *problemsOnlyBox() const { return m_problemsOnly; }
    // The counts of problems among the instances shown ("2 critical · 1 ejected"); empty when
    // there are none.
    QString problemCountsText() const;
    // Selects the next instance shown with `badge` after the selected one (wrapping) and
    // scrolls to it; false when none is shown.
    bool jumpToProblem(HealthBadge badge);
    // Another view shows the services' traffic (the Overview): follows it while `wanted` even
    // when this page is hidden.
    void setTrafficWanted(bool wanted);

    // Asks for confirmation, then performs `action` on the selected instance.
    void requestAction(Action action);
    void setConfirmation(Confirmation confirmation) { m_confirm = std::move(confirmation); }

    // Opens the health check editor for the selected service (non-modal to the network: it loads
    // and saves through HealthApi); nullptr when "All services" is selected. The dialog deletes
    // itself when closed.
    HealthCheckDialog *openHealthCheckEditor();

signals:
    // The first complete list arrived after a (re)connect.
    void dataLoaded();
    // An action the daemon accepted (`error` empty) or refused.
    void actionFinished(aegis::console::ServicesPage::Action action, const QString &instanceKey,
                        const QString &error);

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    enum class Stage { Idle, Services, Instances };

    QWidget *buildServiceList();
    QWidget *buildInstancePanel();
    void buildActions();
    void requestNext(const QString &pageToken);
    void onServicesPage(const ServicePage &page);
    void onInstancesPage(const InstancePage &page);
    void onListFailed(const CallError &error);
    void onActionDone(Action action, const QString &instanceKey, const CallError *error);
    void onChanges(const QList<InstanceChange> &changes);
    void onServiceSelected();
    void applySelectorText();
    void perform(Action action, const ServiceInstance &instance);
    void showActionError(const QString &text);
    void updateActions();
    void refreshServices(const QString &pageToken = {});
    // Why the caller may not change instances (a viewer); empty when it may.
    QString writeBlockedReason() const;
    void stopWatch();
    // Follows every service's request rate and error ratio while the page is shown and
    // connected; stops (and forgets them) otherwise.
    void followTraffic();
    // Shows the traffic column only while some service has data, widening the service list by
    // as much so the instances keep their room when metrics are off.
    void showTrafficColumn();
    // Gives the service list the width its columns want, up to a third of the page, unless the
    // operator has moved the splitter.
    void fitServiceList();
    void updateSummary();
    void updateProblemCounts();
    void showSelection();
    std::optional<ServiceInstance> selectedInstance() const;
    static QString actionVerb(Action action);
    static QString actionDone(Action action, const QString &instanceKey);

    Session *m_session; // Not owned.
    RegistryApi m_registry;
    MetricsApi m_metrics;
    InstanceModel *m_instances;
    InstanceFilterModel *m_filter;
    ServiceSummaryModel *m_services;
    PageSkeleton *m_skeleton;
    QPushButton *m_refresh;
    QTableView *m_serviceTable;
    QLineEdit *m_selector;
    QLabel *m_selectorError;
    QCheckBox *m_problemsOnly;
    QLabel *m_problemCounts;
    QTableView *m_instanceTable;
    InstanceDetailPane *m_detail;
    // The selected instance's log, in a tab beside its detail.
    DeploymentLogView *m_logs;
    SelectedInstanceHealth *m_health;
    QPushButton *m_editCheck;
    QAction *m_drain = nullptr;
    QAction *m_maintenance = nullptr;
    QAction *m_serve = nullptr;
    QAction *m_deregister = nullptr;
    QTimer m_selectorDebounce;
    QTimer m_clock;
    // Health changed: the daemon's panic flags may have too.
    QTimer m_servicesRefresh;
    CallScope m_servicesRefreshScope;
    QList<ServiceInfo> m_refreshedServices;
    Confirmation m_confirm;

    Stage m_stage = Stage::Idle;
    // The list a reload runs; renewed by each reload so an older one's pages are dropped.
    CallScope m_listScope;
    WatchPtr m_watch;
    // The traffic column's streams, each summed by service for all of them at once.
    WatchPtr m_rateWatch;
    WatchPtr m_errorWatch;
    QSplitter *m_splitter = nullptr;
    ColumnFitter *m_serviceColumns = nullptr; // Owned by the service table.
    QList<ServiceInfo> m_listedServices;
    QList<ServiceInstance> m_listedInstances;
    qint64 m_listRevision = 0;
    QString m_lastListError;
    QString m_selectorErrorText;
    QString m_lastActionNote;
    bool m_loaded = false;
    // The operator dragged the splitter: the service list keeps the width they gave it.
    bool m_listWidthByHand = false;
    bool m_trafficWanted = false;
};

} // namespace aegis::console

Q_DECLARE_METATYPE(aegis::console::ServicesPage::Action)
