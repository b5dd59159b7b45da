#include "models/silence_model.h"

#include "models/alert_matchers.h"
#include "models/display_format.h"

#include <algorithm>

namespace aegis::console {
namespace {

int stateRank(SilenceState state) {
    switch (state) {
    case SilenceState::Active:
        return 0;
    case SilenceState::Pending:
        return 1;
    default:
        return 2;
    }
}

} // namespace

SilenceModel::SilenceModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_now(QDateTime::currentDateTimeUtc()) {}

int SilenceModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_silences.size());
}

int SilenceModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QString SilenceModel::stateName(SilenceState state) {
    switch (state) {
    case SilenceState::Active:
        return tr("Active");
    case SilenceState::Pending:
        return tr("Pending");
    case SilenceState::Expired:
        return tr("Expired");
    default:
        return tr("Unknown");
    }
}

QVariant SilenceModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
    case MatchersColumn:
        return tr("Matchers");
    case StateColumn:
        return tr("State");
    case EndsColumn:
        return tr("Ends");
    case CreatedByColumn:
        return tr("Created by");
    case CommentColumn:
        return tr("Comment");
    default:
        return {};
    }
}

QVariant SilenceModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) {
        return {};
    }
    const SilenceInfo &silence = m_silences.at(index.row());
    switch (role) {
    case SilenceIdRole:
        return silence.id;
    case StateRole:
        return int(silence.state);
    case Qt::ToolTipRole:
        return index.column() == EndsColumn ? absoluteTime(silence.endsAt)
                                            : tr("Silence %1").arg(silence.id);
    case Qt::DisplayRole:
        switch (index.column()) {
        case MatchersColumn:
            return AlertMatchers::format(silence.matchers);
        case StateColumn:
            return stateName(silence.state);
        case EndsColumn:
            if (!silence.endsAt.isValid()) {
                return QString();
            }
            return silence.endsAt > m_now
                       ? tr("in %1").arg(humanDuration(m_now.msecsTo(silence.endsAt)))
                       : relativeTime(silence.endsAt, m_now);
        case CreatedByColumn:
            return silence.createdBy;
        case CommentColumn:
            return silence.comment;
        default:
            return {};
        }
    default:
        return {};
    }
}

void SilenceModel::reset(const QList<SilenceInfo> &silences) {
    beginResetModel();
    m_silences = silences;
    std::stable_sort(m_silences.begin(), m_silences.end(),
                     [](const SilenceInfo &a, const SilenceInfo &b) {
                         if (stateRank(a.state) != stateRank(b.state)) {
                             return stateRank(a.state) < stateRank(b.state);
                         }
                         return a.endsAt < b.endsAt;
                     });
    endResetModel();
}

void SilenceModel::setReferenceTime(const QDateTime &now) {
    m_now = now;
    if (!m_silences.isEmpty()) {
        emit dataChanged(index(0, EndsColumn), index(int(m_silences.size()) - 1, EndsColumn),
                         {Qt::DisplayRole});
    }
}

} // namespace aegis::console
