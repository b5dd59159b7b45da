#pragma once

#include "models/alert_tree_model.h"
#include "net/api_types.h"

#include <QPointer>

#include <QWidget>
#include <optional>

class QLabel;
class QTableView;

namespace aegis::console {

class Session;
class PageSkeleton;
class ResourceCountModel;
class ServiceSummaryModel;
class StatCard;

// The daemon at a glance: version, uptime, revisions, store, log level, resource counts, and
// the facts of the connection, fed by Session's periodic GetStatus; and the fleet's healthy and
// unhealthy instance counts, fed by the Services page's live summary. Keeps the last values
// (dimmed) while the daemon is unreachable.
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

    // The alerts firing and pending, and how many are silenced (the Alerts page's model).
    // nullopt: not known (not connected, or the daemon has no alerting).
    void setAlertCounts(const std::optional<AlertCounts> &counts);

    // The profile name shown among the connection facts.
    void setProfileName(const QString &name);

signals:
    // The first status arrived after a (re)connect.
    void dataLoaded();

protected:
    void changeEvent(QEvent *event) override;

private:
    void showStatus(const DaemonStatus &status);
    void showHealthCounts();
    void updateConnectionFacts();
    void setStale(bool stale);

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
    ResourceCountModel *m_counts;
    QTableView *m_countsView;
    QLabel *m_profile;
    QLabel *m_address;
    QLabel *m_transport;
    QLabel *m_token;
    QLabel *m_state;
    QLabel *m_roundTrip;
    QLabel *m_updated;
    QString m_profileName;
    bool m_hasData = false;
};

} // namespace aegis::console
