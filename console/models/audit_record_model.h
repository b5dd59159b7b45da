#pragma once

#include "net/api_types.h"

#include <QAbstractTableModel>
#include <QSet>

#include <optional>

namespace aegis::console {

// The audit records the console has loaded, newest first. Fed by the audit page from
// the Session's pages (append) and watch (prepend); both insert rows incrementally so views keep
// their selection and scroll position. Records already present (by id) are skipped, which makes
// replays after a stream resumes harmless.
class AuditRecordModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        TimeColumn,
        ActorColumn,
        RoleColumn,
        MethodColumn,
        ResourceColumn,
        SummaryColumn,
        OutcomeColumn,
        // The record's local time ("14:02:31"; with its date when not today); the view shows it
        // beside TimeColumn ("3 min ago").
        AtColumn,
        ColumnCount
    };
    enum Role {
        // The whole AuditEntry.
        EntryRole = Qt::UserRole + 1,
        // bool: whether the call succeeded.
        SucceededRole,
        // QDateTime of the record, for sorting.
        TimeRole,
    };

    explicit AuditRecordModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // Replaces everything (a new query). The only operation that resets the model.
    void reset(const QList<AuditEntry> &newestFirst);
    // Adds older records at the bottom ("load more"); returns how many were new.
    int appendOlder(const QList<AuditEntry> &newestFirst);
    // Adds newly written records at the top, in any order; returns how many were new.
    int prependNewer(QList<AuditEntry> records);
    void clear();

    const AuditEntry &entryAt(int row) const { return m_entries.at(row); }
    // The row holding `id`, or -1.
    int rowOf(const QString &id) const;
    bool contains(const QString &id) const { return m_ids.contains(id); }

    // The time relative times are computed against; updating it refreshes the time column.
    void setReferenceTime(const QDateTime &now);
    QDateTime referenceTime() const;

private:
    QList<AuditEntry> withoutKnown(const QList<AuditEntry> &records) const;

    QList<AuditEntry> m_entries;
    QSet<QString> m_ids;
    QDateTime m_now;
};

} // namespace aegis::console
