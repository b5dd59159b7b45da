#pragma once

#include <QAbstractTableModel>
#include <QList>
#include <QPair>

namespace aegis::console {

// The daemon's resource counts by kind ("tokens", "audit_records", ...), as GetStatus reports
// them. Updates change values in place; rows are inserted or removed only when kinds come or go.
class ResourceCountModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { KindColumn, CountColumn, ColumnCount };

    explicit ResourceCountModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // `counts` sorted by kind.
    void setCounts(const QList<QPair<QString, qint64>> &counts);

private:
    QList<QPair<QString, qint64>> m_counts;
};

// "audit_records" -> "Audit records".
QString resourceKindLabel(const QString &kind);

} // namespace aegis::console
