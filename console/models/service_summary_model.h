#pragma once

#include "models/chart_series.h"
#include "net/api_types.h"
#include "net/metrics_types.h"

#include <QAbstractTableModel>
#include <QMap>
#include <QPointer>

namespace aegis::console {

class InstanceModel;

// How many of a service's instances (or the fleet's) are in each health badge. `unhealthy` is
// what the daemon counts as unroutable: critical or ejected (flapping ones included when their
// check last said critical).
struct HealthCounts {
    int instances = 0;
    int passing = 0;
    int warning = 0;
    int critical = 0;
    int flapping = 0;
    int ejected = 0;
    int unknown = 0;
    int unhealthy = 0;
    // For a service: whether the daemon reported it in panic; for the fleet: services in panic.
    int panic = 0;
    friend bool operator==(const HealthCounts &, const HealthCounts &) = default;
};

// A service's request rate and error ratio over the last minutes, for a sparkline: each series'
// keys are seconds since the epoch, a NaN value a gap (see ChartSeries).
struct ServiceTraffic {
    ChartSeries rate;
    ChartSeries errors;
    // The newest value that is not a gap; NaN when there is none.
    double currentRate() const;
    double currentErrors() const;
    bool isEmpty() const { return rate.values.isEmpty() && errors.values.isEmpty(); }

    friend bool operator==(const ServiceTraffic &, const ServiceTraffic &) = default;
};

// One row per service with its instance counts by state and health, derived from an
// InstanceModel and kept current as its rows change; row 0 stands for every service. Whether a
// service is in panic comes from the daemon's service list (setKnownServices). Services the
// daemon listed stay (with zero instances) when their last instance goes; others go with it.
// Rows are inserted, updated and removed one by one, never reset.
class ServiceSummaryModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        NameColumn,
        InstancesColumn,
        UnhealthyColumn,
        ServingColumn,
        DrainingColumn,
        MaintenanceColumn,
        // The last minutes of request rate and error ratio (setTraffic); empty without data.
        TrafficColumn,
        ColumnCount
    };
    enum Role {
        // The service's name; empty for the "all services" row.
        ServiceNameRole = Qt::UserRole + 1,
        // bool: the service is in panic (false for row 0; healthCounts(0).panic counts them).
        PanicRole,
        // int: critical or ejected instances.
        UnhealthyRole,
        // ServiceTraffic of TrafficColumn; invalid when the service has no data (row 0 never).
        TrafficRole,
    };
    // Which WatchQuery tail applyTrafficTail is given.
    enum class TrafficSignal { Rate, Errors };

    explicit ServiceSummaryModel(QObject *parent = nullptr);

    // Not owned; may be null.
    void setInstanceModel(InstanceModel *instances);
    // Services that exist even without instances, with their panic flags (from ListServices);
    // replaces the previous set.
    void setKnownServices(const QList<ServiceInfo> &services);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // Follows one signal of every service from the tail of a WatchQuery summed by `service`:
    // a snapshot replaces that signal's series, other tails append to them, points older than
    // the traffic window (before the tail's evaluation time) go, and a tail reporting the backend
    // down clears the signal, so nothing stale is shown.
    void applyTrafficTail(TrafficSignal signal, const QueryTail &tail);
    // Forgets every service's traffic of `signal` (its stream ended or is reconnecting).
    void clearTraffic(TrafficSignal signal);
    // Forgets every service's traffic (the page hidden, another daemon).
    void clearTraffic();
    void setTrafficWindowMs(qint64 windowMs) { m_trafficWindowMs = windowMs; }
    qint64 trafficWindowMs() const { return m_trafficWindowMs; }
    // Whether any service has traffic to show.
    bool hasTraffic() const { return !m_traffic.isEmpty(); }

    // The row of `service` (0 for empty, i.e. all), or -1.
    int rowOf(const QString &service) const;
    // The health counts of a row (row 0: the whole fleet).
    HealthCounts healthCounts(int row) const { return m_rows.at(row).health; }

signals:
    // Any row's health counts or panic flag changed (row 0 always changes with them).
    void healthCountsChanged();

private:
    struct Summary {
        QString name;
        int instances = 0;
        int serving = 0;
        int draining = 0;
        int maintenance = 0;
        HealthCounts health;
        friend bool operator==(const Summary &, const Summary &) = default;
    };

    void recount();
    void emitTrafficChanged();
    // "12.5 req/s · 0.3 % err"; empty without data.
    QString trafficText(const QString &service) const;

    QPointer<InstanceModel> m_instances;
    // Name -> whether the daemon's list said it is in panic.
    QMap<QString, bool> m_known;
    // m_rows[0] is the total, named "".
    QList<Summary> m_rows;
    // Service -> its sparklines; a service without a series of a signal has an empty one.
    QMap<QString, ServiceTraffic> m_traffic;
    qint64 m_trafficWindowMs = 15 * 60 * 1000;
};

} // namespace aegis::console

Q_DECLARE_METATYPE(aegis::console::ServiceTraffic)
