#pragma once

#include "net/alert_types.h"

#include <QAbstractTableModel>
#include <QDateTime>

namespace aegis::console {

// The silences ListSilences returned: matchers, state, when they end, who made them and why.
// Active first, then pending, then expired; within a state the one ending soonest first.
class SilenceModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        MatchersColumn,
        StateColumn,
        EndsColumn,
        CreatedByColumn,
        CommentColumn,
        ColumnCount
    };
    enum Role {
        // QString: the silence's id.
        SilenceIdRole = Qt::UserRole + 1,
        // int (SilenceState).
        StateRole,
    };

    explicit SilenceModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void reset(const QList<SilenceInfo> &silences);
    const QList<SilenceInfo> &silences() const { return m_silences; }
    const SilenceInfo &silenceAt(int row) const { return m_silences.at(row); }
    // The time "ends in" is measured to.
    void setReferenceTime(const QDateTime &now);

    static QString stateName(SilenceState state);

private:
    QList<SilenceInfo> m_silences;
    QDateTime m_now;
};

} // namespace aegis::console
