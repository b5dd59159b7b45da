#include "models/service_summary_model.h"

#include "models/display_format.h"
#include "models/instance_model.h"
#include "models/metric_units.h"

#include <QFont>
#include <QMap>

#include <cmath>
#include <limits>

namespace aegis::console {
namespace {

double lastValue(const ChartSeries &series) {
    for (qsizetype i = series.values.size() - 1; i >= 0; --i) {
        if (!std::isnan(series.values[i])) {
            return series.values[i];
        }
    }
    return std::numeric_limits<double>::quiet_NaN();
}

bool hasValue(const ChartSeries &series) {
    return !std::isnan(lastValue(series));
}

} // namespace

double ServiceTraffic::currentRate() const {
    return lastValue(rate);
}

double ServiceTraffic::currentErrors() const {
    return lastValue(errors);
}

ServiceSummaryModel::ServiceSummaryModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_rows({Summary{}}) {}

void ServiceSummaryModel::setInstanceModel(InstanceModel *instances) {
    if (m_instances) {
        disconnect(m_instances, nullptr, this, nullptr);
    }
    m_instances = instances;
    if (instances) {
        connect(instances, &QAbstractItemModel::rowsInserted, this, &ServiceSummaryModel::recount);
        connect(instances, &QAbstractItemModel::rowsRemoved, this, &ServiceSummaryModel::recount);
        connect(instances, &QAbstractItemModel::modelReset, this, &ServiceSummaryModel::recount);
        connect(instances, &QAbstractItemModel::dataChanged, this,
                [this](const QModelIndex &topLeft) {
                    // Lease-age ticks and traffic shares change no count; an instance that
                    // changed announces its whole row.
                    if (topLeft.column() == 0) {
                        recount();
                    }
                });
    }
    recount();
}

void ServiceSummaryModel::setKnownServices(const QList<ServiceInfo> &services) {
    m_known.clear();
    for (const ServiceInfo &service : services) {
        m_known.insert(service.name, service.panic);
    }
    recount();
}

void ServiceSummaryModel::recount() {
    QMap<QString, Summary> wanted;
    Summary total;
    for (auto it = m_known.cbegin(); it != m_known.cend(); ++it) {
        wanted[it.key()].name = it.key();
        wanted[it.key()].health.panic = it.value() ? 1 : 0;
        total.health.panic += it.value() ? 1 : 0;
    }
    const int count = m_instances ? m_instances->rowCount() : 0;
    for (int row = 0; row < count; ++row) {
        const ServiceInstance &instance = m_instances->instanceAt(row);
        Summary &summary = wanted[instance.service];
        summary.name = instance.service;
        const HealthBadge badge = healthBadge(instance.health);
        for (Summary *s : {&summary, &total}) {
            ++s->instances;
            s->serving += instance.state == InstanceState::Serving ? 1 : 0;
            s->draining += instance.state == InstanceState::Draining ? 1 : 0;
            s->maintenance += instance.state == InstanceState::Maintenance ? 1 : 0;
            HealthCounts &health = s->health;
            ++health.instances;
            health.passing += badge == HealthBadge::Passing ? 1 : 0;
            health.warning += badge == HealthBadge::Warning ? 1 : 0;
            health.critical += badge == HealthBadge::Critical ? 1 : 0;
            health.flapping += badge == HealthBadge::Flapping ? 1 : 0;
            health.ejected += badge == HealthBadge::Ejected ? 1 : 0;
            health.unknown += badge == HealthBadge::Unknown ? 1 : 0;
            health.unhealthy += isUnroutableHealth(instance.health) ? 1 : 0;
        }
    }
    bool healthChanged = !(m_rows[0].health == total.health);
    if (!(m_rows[0] == total)) {
        m_rows[0] = total;
        emit dataChanged(index(0, 0), index(0, ColumnCount - 1));
    }
    // Merge the sorted rows 1.. with the sorted wanted map.
    int row = 1;
    auto it = wanted.cbegin();
    while (row < m_rows.size() || it != wanted.cend()) {
        if (it == wanted.cend() || (row < m_rows.size() && m_rows.at(row).name < it.key())) {
            beginRemoveRows({}, row, row);
            m_rows.removeAt(row);
            endRemoveRows();
        } else if (row >= m_rows.size() || it.key() < m_rows.at(row).name) {
            beginInsertRows({}, row, row);
            m_rows.insert(row, it.value());
            endInsertRows();
            ++row;
            ++it;
        } else {
            if (!(m_rows.at(row) == it.value())) {
                healthChanged = healthChanged || !(m_rows.at(row).health == it.value().health);
                m_rows[row] = it.value();
                emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
            }
            ++row;
            ++it;
        }
    }
    if (healthChanged) {
        emit healthCountsChanged();
    }
}

int ServiceSummaryModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int ServiceSummaryModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ServiceSummaryModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const Summary &summary = m_rows.at(index.row());
    const bool all = index.row() == 0;
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn:
            return all ? tr("All services") : summary.name;
        case InstancesColumn:
            return formatCount(summary.instances);
        case UnhealthyColumn:
            return formatCount(summary.health.unhealthy);
        case ServingColumn:
            return formatCount(summary.serving);
        case DrainingColumn:
            return formatCount(summary.draining);
        case MaintenanceColumn:
            return formatCount(summary.maintenance);
        case TrafficColumn:
            return all ? QString() : trafficText(summary.name);
        }
        break;
    case Qt::ToolTipRole: {
        if (index.column() == TrafficColumn) {
            const QString text = all ? QString() : trafficText(summary.name);
            return text.isEmpty() ? QVariant()
                                  : tr("%1 now; the line shows the last %n minute(s)", nullptr,
                                       int(m_trafficWindowMs / 60000))
                                        .arg(text);
        }
        QString tip = tr("%1: %2 instance(s) — %3 serving, %4 draining, %5 in maintenance")
                          .arg(all ? tr("All services") : summary.name)
                          .arg(summary.instances)
                          .arg(summary.serving)
                          .arg(summary.draining)
                          .arg(summary.maintenance);
        const HealthCounts &health = summary.health;
        tip += QLatin1Char('\n') + tr("Health: %1 passing, %2 warning, %3 critical, %4 flapping, "
                                      "%5 ejected, %6 unknown")
                                       .arg(health.passing)
                                       .arg(health.warning)
                                       .arg(health.critical)
                                       .arg(health.flapping)
                                       .arg(health.ejected)
                                       .arg(health.unknown);
        if (health.panic > 0) {
            tip += QLatin1Char('\n') +
                   (all ? tr("%n service(s) in panic: discovery hands out every instance, "
                             "healthy or not",
                             nullptr, health.panic)
                        : tr("In panic: too many instances are unhealthy, so discovery hands "
                             "out every instance rather than overload the few left"));
        }
        return tip;
    }
    case Qt::TextAlignmentRole:
        return index.column() == NameColumn ? int(Qt::AlignLeft | Qt::AlignVCenter)
                                            : int(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::FontRole:
        if (all) {
            QFont font;
            font.setWeight(QFont::DemiBold);
            return font;
        }
        break;
    case ServiceNameRole:
        return summary.name;
    case PanicRole:
        // The fleet row counts services in panic (see healthCounts) but is not itself in panic.
        return !all && summary.health.panic > 0;
    case UnhealthyRole:
        return summary.health.unhealthy;
    case TrafficRole: {
        const auto found = m_traffic.constFind(summary.name);
        if (index.column() != TrafficColumn || all || found == m_traffic.cend()) {
            return {};
        }
        return QVariant::fromValue(*found);
    }
    }
    return {};
}

QVariant ServiceSummaryModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) {
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case InstancesColumn:
            return tr("Registered instances");
        case UnhealthyColumn:
            return tr("Unhealthy: critical or ejected, so discovery leaves them out (unless the "
                      "service is in panic)");
        case ServingColumn:
            return tr("Serving: in rotation");
        case DrainingColumn:
            return tr("Draining: finishing work, no new requests");
        case MaintenanceColumn:
            return tr("Maintenance: out of rotation by an operator");
        case TrafficColumn:
            return tr("Requests per second and the share of them that failed (5xx) over the last "
                      "%n minute(s), from the metrics backend",
                      nullptr, int(m_trafficWindowMs / 60000));
        }
        return {};
    }
    if (role != Qt::DisplayRole) {
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    switch (section) {
    case NameColumn:
        return tr("Service");
    case InstancesColumn:
        return tr("Total");
    case UnhealthyColumn:
        return tr("Unhealthy");
    case ServingColumn:
        return tr("Serving");
    case DrainingColumn:
        return tr("Draining");
    case MaintenanceColumn:
        return tr("Maintenance");
    case TrafficColumn:
        return tr("Traffic");
    }
    return {};
}

void ServiceSummaryModel::applyTrafficTail(TrafficSignal signal, const QueryTail &tail) {
    const auto line = [signal](ServiceTraffic &traffic) -> ChartSeries & {
        return signal == TrafficSignal::Rate ? traffic.rate : traffic.errors;
    };
    if (tail.snapshot || !tail.backendError.isEmpty()) {
        for (ServiceTraffic &traffic : m_traffic) {
            line(traffic) = {};
        }
    }
    if (tail.backendError.isEmpty()) {
        qint64 newestMs = tail.evaluatedAt.isValid() ? tail.evaluatedAt.toMSecsSinceEpoch() : 0;
        for (const MetricSeries &series : tail.series) {
            if (!series.timestampsMs.isEmpty()) {
                newestMs = std::max(newestMs, series.timestampsMs.last());
            }
        }
        const double windowStart = double(newestMs - m_trafficWindowMs) / 1000.0;
        for (const MetricSeries &series : tail.series) {
            const QString service = series.labels.value(QStringLiteral("service"));
            if (!service.isEmpty()) {
                appendTail(line(m_traffic[service]), series, tail.stepMs, windowStart);
            }
        }
        // Services the tail did not mention age out too.
        for (ServiceTraffic &traffic : m_traffic) {
            appendTail(line(traffic), {}, tail.stepMs, windowStart);
        }
    }
    // A line of gaps only is no data.
    for (auto it = m_traffic.begin(); it != m_traffic.end();) {
        if (!hasValue(line(it.value()))) {
            line(it.value()) = {};
        }
        it = it->isEmpty() ? m_traffic.erase(it) : std::next(it);
    }
    emitTrafficChanged();
}

void ServiceSummaryModel::clearTraffic(TrafficSignal signal) {
    QueryTail down;
    down.backendError = QStringLiteral("cleared");
    applyTrafficTail(signal, down);
}

void ServiceSummaryModel::clearTraffic() {
    if (!m_traffic.isEmpty()) {
        m_traffic.clear();
        emitTrafficChanged();
    }
}

void ServiceSummaryModel::emitTrafficChanged() {
    if (m_rows.size() > 1) {
        emit dataChanged(index(1, TrafficColumn), index(int(m_rows.size()) - 1, TrafficColumn));
    }
}

QString ServiceSummaryModel::trafficText(const QString &service) const {
    const auto found = m_traffic.constFind(service);
    if (found == m_traffic.cend()) {
        return {};
    }
    QStringList parts;
    if (const double rate = found->currentRate(); !std::isnan(rate)) {
        parts.append(formatMetricValue(rate, MetricUnit::RequestsPerSecond));
    }
    if (const double errors = found->currentErrors(); !std::isnan(errors)) {
        parts.append(tr("%1 err").arg(formatMetricValue(errors, MetricUnit::Ratio)));
    }
    return parts.join(QStringLiteral(" · "));
}

int ServiceSummaryModel::rowOf(const QString &service) const {
    if (service.isEmpty()) {
        return 0;
    }
    for (int row = 1; row < m_rows.size(); ++row) {
        if (m_rows.at(row).name == service) {
            return row;
        }
    }
    return -1;
}

} // namespace aegis::console
