#pragma once

#include "models/alert_tree_model.h"
#include "models/attention_model.h"
#include "net/api_types.h"

#include <QPointer>

#include <QWidget>
#include <optional>

class QLabel;
class QTableView;

namespace aegis::console {

class AuditRecordModel;
class InstanceModel;
class ReleaseModel;
class Session;
class PageSkeleton;
class ResourceCountModel;
class ServiceSummaryModel;
class StatCard;

// Is anything wrong, is anything in flight: the fleet's counts, then what needs attention
// (critical, ejected and flapping instances, services in panic, failed rollouts and
// configuration changes, each with where to act), the rollouts in flight with their phase and the
// action they wait for, each service's request rate and errors, and the recent changes (audit).
// All of it comes from the models the other pages keep live (setFleetSources), so this page
// adds no calls of its own; the traffic sparklines are followed only while the page is shown
// (trafficWantedChanged). Below: the daemon's version, uptime, revisions, store, log level,
// resource counts and the facts of the connection, fed by Session's periodic GetStatus. Keeps
// the last values (dimmed) while the daemon is unreachable.
class OverviewPage final : public QWidget {
    Q_OBJECT
public:
    explicit OverviewPage(Session *session, QWidget *parent = nullptr);

    bool hasData() const { return m_hasData; }
    // For tests and screenshots: the value shown on a card ("version", "uptime", "revision",
    // "store", "services", "instances", "healthy", "unhealthy", "firing", "pending").
    QString cardValue(const QString &name) const;
    // Where the healthy and unhealthy counts come from (row 0: the fleet). Not owned.
    void setServiceSummary(ServiceSummaryModel *summary);

    // Where the attention lists, the recent changes and the traffic come from (the Services,
    // Releases and Audit pages' models). Not owned; any may be null.
    void setFleetSources(InstanceModel *instances, ReleaseModel *releases, AuditRecordModel *audit);
    AttentionModel *problems() const { return m_problems; }
    AttentionModel *inFlight() const { return m_inFlight; }
    QTableView *problemTable() const { return m_problemView; }
    QTableView *inFlightTable() const { return m_inFlightView; }
    // Acts as a click on `row` of the problems (or in-flight) list: openRequested.
    void openProblem(int row);
    void openInFlight(int row);

    // The alerts firing and pending, and how many are silenced (the Alerts page's model).
    // nullopt: not known (not connected, or the daemon has no alerting).
    void setAlertCounts(const std::optional<AlertCounts> &counts);

    // The profile name shown among the connection facts.
    void setProfileName(const QString &name);

signals:
    // The first status arrived after a (re)connect.
    void dataLoaded();
    // The operator chose a problem or rollout: show it where it can be acted on.
    void openRequested(const aegis::console::AttentionItem &item);
    // Recent changes: the Audit page.
    void auditRequested();
    // The page was shown (true) or hidden: the services' traffic is wanted while shown.
    void trafficWantedChanged(bool wanted);

protected:
    void changeEvent(QEvent *event) override;
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void showStatus(const DaemonStatus &status);
    void showHealthCounts();
    void updateConnectionFacts();
    // From the session's last status; again when the palette or the clock moves on.
    void showControlPlane();
    void setStale(bool stale);
    QWidget *buildAttention();
    void updateAttentionTitles();
    void showTrafficState();

    Session *m_session; // Not owned.
    PageSkeleton *m_skeleton;
    StatCard *m_version;
    StatCard *m_uptime;
    StatCard *m_revision;
    StatCard *m_compactRevision;
    StatCard *m_store;
    StatCard *m_logLevel;
    StatCard *m_services;
    StatCard *m_instances;
    StatCard *m_healthy;
    StatCard *m_unhealthy;
    StatCard *m_firing;
    StatCard *m_pending;
    QPointer<ServiceSummaryModel> m_summary;
    AttentionModel *m_problems;
    AttentionModel *m_inFlight;
    QTableView *m_problemView;
    QTableView *m_inFlightView;
    QTableView *m_changesView;
    QTableView *m_trafficView;
    QLabel *m_problemsTitle;
    QLabel *m_inFlightTitle;
    QLabel *m_problemsEmpty;
    QLabel *m_inFlightEmpty;
    QLabel *m_trafficEmpty;
    ResourceCountModel *m_counts;
    QTableView *m_countsView;
    QLabel *m_profile;
    QLabel *m_address;
    QLabel *m_transport;
    QLabel *m_token;
    QLabel *m_state;
    QLabel *m_roundTrip;
    QLabel *m_updated;
    // The replicas, the leader and etcd's members, as rich text.
    QLabel *m_controlPlane;
    QString m_profileName;
    bool m_hasData = false;
};

} // namespace aegis::console
