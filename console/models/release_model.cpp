#include "models/release_model.h"

#include "models/rollout_format.h"

#include <QSet>

#include <algorithm>

namespace aegis::console {

ReleaseModel::ReleaseModel(QObject *parent)
    : QAbstractTableModel(parent) {}

int ReleaseModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int ReleaseModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

ReleaseModel::Live ReleaseModel::liveOf(const Row &row) {
    if (!row.release.liveColor.isEmpty()) {
        return {row.release.liveColor, row.release.liveVersion, false};
    }
    // Before its first rollout through Aegis succeeds, a service deployed some other way serves
    // from the colour its rollout adopted as the stable one.
    if (row.rollout && !row.rollout->stableColor.isEmpty()) {
        return {row.rollout->stableColor, row.rollout->stableVersion, true};
    }
    return {};
}

QVariant ReleaseModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= m_rows.size()) {
        return {};
    }
    const Row &row = m_rows.at(index.row());
    const Release &release = row.release;
    const Live live = liveOf(row);
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case ServiceColumn:
            return release.service;
        case ColourColumn:
            return live.colour.isEmpty() ? tr("none") : live.colour;
        case VersionColumn:
            return live.version.isEmpty() ? QStringLiteral("—") : live.version;
        case TrafficColumn:
            return trafficText(release.traffic);
        case RolloutColumn:
            if (!row.rollout) {
                return release.activeRolloutId.isEmpty() ? QStringLiteral("—")
                                                         : release.activeRolloutId;
            }
            return rolloutStatusText(row.rollout->phase, row.rollout->paused);
        default:
            return {};
        }
    case Qt::ToolTipRole:
        switch (index.column()) {
        case ColourColumn:
        case VersionColumn:
            if (live.colour.isEmpty()) {
                return tr("%1 has no live version yet: its first release has not succeeded")
                    .arg(release.service);
            }
            return live.adopted
                       ? tr("%1 serves %2 from %3, as deployed before its first rollout "
                            "through Aegis")
                             .arg(release.service, live.version, live.colour)
                       : tr("%1 serves %2 from %3").arg(release.service, live.version, live.colour);
        case TrafficColumn:
            return tr("Traffic as the router last applied it: %1")
                .arg(trafficText(release.traffic));
        case RolloutColumn:
            if (row.rollout) {
                return QStringLiteral("%1: %2").arg(row.rollout->id, row.rollout->message);
            }
            return {};
        default:
            return {};
        }
    case ServiceNameRole:
        return release.service;
    case ReleaseRole:
        return QVariant::fromValue(release);
    case RolloutRole:
        return row.rollout ? QVariant::fromValue(*row.rollout) : QVariant();
    case PhaseRole:
        return static_cast<int>(row.rollout ? row.rollout->phase : RolloutPhase::Unspecified);
    case ToneRole:
        if (index.column() == ColourColumn) {
            return static_cast<int>(deployColourTone(live.colour));
        }
        if (index.column() == RolloutColumn && row.rollout) {
            return static_cast<int>(rolloutPhaseTone(row.rollout->phase, row.rollout->paused));
        }
        return {};
    default:
        return {};
    }
}

QVariant ReleaseModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
    case ServiceColumn:
        return tr("Service");
    case ColourColumn:
        return tr("Live");
    case VersionColumn:
        return tr("Version");
    case TrafficColumn:
        return tr("Traffic");
    case RolloutColumn:
        return tr("Rollout");
    default:
        return {};
    }
}

bool ReleaseModel::isLater(const Rollout &rollout, const std::optional<Rollout> &current,
                           const Release *release) {
    if (!current || current->id == rollout.id) {
        return !current || rollout.modRevision >= current->modRevision;
    }
    if (release && (rollout.id == release->activeRolloutId)) {
        return true;
    }
    if (release && current->id == release->activeRolloutId) {
        return false;
    }
    return rollout.number() > current->number();
}

int ReleaseModel::insertionRow(const QString &service) const {
    const auto it = std::lower_bound(
        m_rows.cbegin(), m_rows.cend(), service,
        [](const Row &row, const QString &name) { return row.release.service < name; });
    return static_cast<int>(it - m_rows.cbegin());
}

void ReleaseModel::emitRowChanged(int row) {
    emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void ReleaseModel::setReleases(const QList<Release> &releases) {
    QSet<QString> listed;
    for (const Release &release : releases) {
        listed.insert(release.service);
    }
    for (int row = static_cast<int>(m_rows.size()) - 1; row >= 0; --row) {
        if (!listed.contains(m_rows.at(row).release.service)) {
            beginRemoveRows({}, row, row);
            m_rows.removeAt(row);
            endRemoveRows();
        }
    }
    for (const Release &release : releases) {
        upsertRelease(release);
    }
}

void ReleaseModel::upsertRelease(const Release &release) {
    const int existing = rowOf(release.service);
    if (existing >= 0) {
        Row &row = m_rows[existing];
        if (release.modRevision < row.release.modRevision) {
            return;
        }
        if (row.release == release) {
            return;
        }
        row.release = release;
        emitRowChanged(existing);
        return;
    }
    const int at = insertionRow(release.service);
    Row row{release, std::nullopt};
    if (auto orphan = m_orphans.find(release.service); orphan != m_orphans.end()) {
        row.rollout = orphan.value();
        m_orphans.erase(orphan);
    }
    beginInsertRows({}, at, at);
    m_rows.insert(at, row);
    endInsertRows();
}

void ReleaseModel::applyRollout(const Rollout &rollout) {
    const QString service = rollout.spec.service;
    const int row = rowOf(service);
    if (row < 0) {
        const auto orphan = m_orphans.constFind(service);
        const std::optional<Rollout> current =
            orphan == m_orphans.cend() ? std::nullopt : std::optional<Rollout>(orphan.value());
        if (isLater(rollout, current, nullptr)) {
            m_orphans.insert(service, rollout);
        }
        return;
    }
    Row &target = m_rows[row];
    if (!isLater(rollout, target.rollout, &target.release) || target.rollout == rollout) {
        return;
    }
    target.rollout = rollout;
    emitRowChanged(row);
}

void ReleaseModel::clear() {
    if (!m_rows.isEmpty()) {
        beginRemoveRows({}, 0, static_cast<int>(m_rows.size()) - 1);
        m_rows.clear();
        endRemoveRows();
    }
    m_orphans.clear();
}

int ReleaseModel::rowOf(const QString &service) const {
    const int at = insertionRow(service);
    return at < m_rows.size() && m_rows.at(at).release.service == service ? at : -1;
}

std::optional<Release> ReleaseModel::release(const QString &service) const {
    const int row = rowOf(service);
    return row < 0 ? std::nullopt : std::optional<Release>(m_rows.at(row).release);
}

std::optional<Rollout> ReleaseModel::latestRollout(const QString &service) const {
    const int row = rowOf(service);
    if (row < 0) {
        const auto orphan = m_orphans.constFind(service);
        return orphan == m_orphans.cend() ? std::nullopt : std::optional<Rollout>(orphan.value());
    }
    return m_rows.at(row).rollout;
}

QStringList ReleaseModel::serviceNames() const {
    QStringList names;
    names.reserve(m_rows.size());
    for (const Row &row : m_rows) {
        names.append(row.release.service);
    }
    return names;
}

} // namespace aegis::console
