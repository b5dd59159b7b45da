#include "models/alert_history_model.h"

#include "models/display_format.h"

#include <algorithm>

namespace aegis::console {

AlertHistoryModel::AlertHistoryModel(QObject *parent)
    : QAbstractTableModel(parent) {}

int AlertHistoryModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_transitions.size());
}

int AlertHistoryModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QString AlertHistoryModel::stateName(AlertState state) {
    switch (state) {
    case AlertState::Pending:
        return tr("pending");
    case AlertState::Firing:
        return tr("firing");
    case AlertState::Resolved:
        return tr("resolved");
    case AlertState::Inactive:
        return tr("inactive");
    default:
        return tr("new");
    }
}

QVariant AlertHistoryModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case TransitionColumn:
        return tr("Transition");
    case ValueColumn:
        return tr("Value");
    default:
        return {};
    }
}

QVariant AlertHistoryModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) {
        return {};
    }
    const AlertTransitionInfo &transition = m_transitions.at(index.row());
    if (role == ToStateRole) {
        return int(transition.to);
    }
    if (role != Qt::DisplayRole) {
        return {};
    }
    switch (index.column()) {
    case TimeColumn:
        return absoluteTime(transition.time);
    case TransitionColumn:
        return tr("%1 → %2").arg(stateName(transition.from), stateName(transition.to));
    case ValueColumn:
        return QString::number(transition.value, 'g', 6);
    default:
        return {};
    }
}

void AlertHistoryModel::reset(QList<AlertTransitionInfo> transitions) {
    std::stable_sort(
        transitions.begin(), transitions.end(),
        [](const AlertTransitionInfo &a, const AlertTransitionInfo &b) { return a.time > b.time; });
    beginResetModel();
    m_transitions = std::move(transitions);
    endResetModel();
}

QList<ChartSpan> alertSpans(const QList<AlertTransitionInfo> &transitions, const AlertInfo &alert,
                            const QDateTime &now) {
    QList<AlertTransitionInfo> ordered = transitions;
    std::stable_sort(
        ordered.begin(), ordered.end(),
        [](const AlertTransitionInfo &a, const AlertTransitionInfo &b) { return a.time < b.time; });
    QList<ChartSpan> spans;
    // The state entered last and since when.
    AlertState state = AlertState::Inactive;
    QDateTime since;
    const auto close = [&spans, &state, &since](const QDateTime &end) {
        if (since.isValid() && since < end &&
            (state == AlertState::Pending || state == AlertState::Firing)) {
            spans.append(
                {since, end,
                 state == AlertState::Firing ? ChartSpanKind::Firing : ChartSpanKind::Pending});
        }
    };
    for (const AlertTransitionInfo &transition : ordered) {
        close(transition.time);
        state = transition.to;
        since = transition.time;
    }
    // The alert's own times say what it is in now, even when the history is short or missing.
    if (alert.state == AlertState::Firing || alert.state == AlertState::Pending) {
        const QDateTime firedAt = alert.firedAt.isValid() ? alert.firedAt : alert.activeAt;
        if (state != alert.state || !since.isValid()) {
            if (alert.state == AlertState::Firing && alert.activeAt.isValid() &&
                alert.activeAt < firedAt && (!since.isValid() || since < alert.activeAt)) {
                close(alert.activeAt);
                state = AlertState::Pending;
                since = alert.activeAt;
            }
            const QDateTime entered = alert.state == AlertState::Firing ? firedAt : alert.activeAt;
            if (entered.isValid() && (!since.isValid() || since <= entered)) {
                close(entered);
                state = alert.state;
                since = entered;
            }
        }
    }
    close(now);
    return spans;
}

} // namespace aegis::console
