#include "models/alert_list_model.h"

namespace aegis::console {

AlertListModel::AlertListModel(QObject *parent)
    : QAbstractTableModel(parent) {}

int AlertListModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_alerts.size());
}

int AlertListModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AlertListModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
    case NameColumn:
        return tr("Alert");
    case StateColumn:
        return tr("State");
    case ValueColumn:
        return tr("Value");
    case LabelsColumn:
        return tr("Labels");
    default:
        return {};
    }
}

QVariant AlertListModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) {
        return {};
    }
    const AlertInfo &alert = m_alerts.at(index.row());
    if (role == StateRole) {
        return int(alert.state);
    }
    if (role != Qt::DisplayRole) {
        return {};
    }
    switch (index.column()) {
    case NameColumn:
        return alert.name();
    case StateColumn:
        switch (alert.state) {
        case AlertState::Firing:
            return alert.isSilenced() ? tr("Firing · silenced") : tr("Firing");
        case AlertState::Pending:
            return alert.isSilenced() ? tr("Pending · silenced") : tr("Pending");
        case AlertState::Resolved:
            return tr("Resolved");
        default:
            return tr("Inactive");
        }
    case ValueColumn:
        return QString::number(alert.value, 'g', 6);
    case LabelsColumn: {
        QStringList parts;
        for (const auto &[name, value] : alert.labels) {
            if (name != QLatin1String("alertname")) {
                parts.append(QStringLiteral("%1=\"%2\"").arg(name, value));
            }
        }
        return parts.join(QStringLiteral(", "));
    }
    default:
        return {};
    }
}

void AlertListModel::reset(const QList<AlertInfo> &alerts) {
    beginResetModel();
    m_alerts = alerts;
    endResetModel();
}

} // namespace aegis::console
