#pragma once

#include "net/api_types.h"

#include <QAbstractTableModel>
#include <QHash>

#include <optional>

namespace aegis::console {

// One row per service released through rollouts (ListReleases), by name: its live colour and
// version (before its first rollout succeeded, the colour that rollout adopted), the traffic split
// as last applied and its latest rollout (the active one, else the last) with that rollout's phase.
// Fed by the release list and then by the rollout watch's release and rollout events; rows are
// inserted, updated and removed one by one, never reset, so a view's selection stays on its
// service.
class ReleaseModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        ServiceColumn,
        ColourColumn,
        VersionColumn,
        TrafficColumn,
        RolloutColumn,
        ColumnCount
    };
    enum Role {
        ServiceNameRole = Qt::UserRole + 1,
        // Release.
        ReleaseRole,
        // Rollout: the latest known rollout of the service; invalid when none is known.
        RolloutRole,
        // int (RolloutTone) for cells drawn as a pill: the colour and the rollout's phase.
        ToneRole,
        // int (RolloutPhase) of the latest rollout; Unspecified when none is known.
        PhaseRole,
    };

    explicit ReleaseModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // The daemon's whole list: rows it lacks go, new ones are inserted in order, changed ones
    // updated.
    void setReleases(const QList<Release> &releases);
    // A release event (or the answer to an action): inserted or updated; an older mod_revision
    // than the row's is ignored.
    void upsertRelease(const Release &release);
    // A rollout event: becomes its service's latest rollout when it is the release's active or
    // last one, or newer than the one held. Kept for a service whose release has not arrived yet.
    void applyRollout(const Rollout &rollout);
    void clear();

    int rowOf(const QString &service) const;
    const Release &releaseAt(int row) const { return m_rows.at(row).release; }
    std::optional<Release> release(const QString &service) const;
    // The latest rollout known for `service`.
    std::optional<Rollout> latestRollout(const QString &service) const;
    QStringList serviceNames() const;

private:
    struct Row {
        Release release;
        std::optional<Rollout> rollout;
    };

    // The colour and version serving the service: the release's, or before the first rollout
    // succeeded, the colour that rollout adopted as stable (a fleet deployed some other way).
    struct Live {
        QString colour;
        QString version;
        bool adopted = false;
    };
    static Live liveOf(const Row &row);
    // Whether `rollout` should replace `current` as the latest of `release`'s service.
    static bool isLater(const Rollout &rollout, const std::optional<Rollout> &current,
                        const Release *release);
    int insertionRow(const QString &service) const;
    void emitRowChanged(int row);

    QList<Row> m_rows;
    // Rollouts seen before their service's release.
    QHash<QString, Rollout> m_orphans;
};

} // namespace aegis::console
