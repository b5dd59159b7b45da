#include "models/resource_count_model.h"

#include "models/display_format.h"

namespace aegis::console {

QString resourceKindLabel(const QString &kind) {
    QString label = kind;
    label.replace(QLatin1Char('_'), QLatin1Char(' '));
    if (!label.isEmpty()) {
        label[0] = label[0].toUpper();
    }
    return label;
}

ResourceCountModel::ResourceCountModel(QObject *parent)
    : QAbstractTableModel(parent) {}

int ResourceCountModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_counts.size());
}

int ResourceCountModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ResourceCountModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const auto &[kind, count] = m_counts.at(index.row());
    if (role == Qt::DisplayRole) {
        return index.column() == KindColumn ? resourceKindLabel(kind) : formatCount(count);
    }
    if (role == Qt::EditRole) {
        return index.column() == KindColumn ? QVariant(kind) : QVariant(count);
    }
    if (role == Qt::TextAlignmentRole) {
        return index.column() == CountColumn ? int(Qt::AlignRight | Qt::AlignVCenter)
                                             : int(Qt::AlignLeft | Qt::AlignVCenter);
    }
    return {};
}

QVariant ResourceCountModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation == Qt::Horizontal && role == Qt::DisplayRole) {
        return section == KindColumn ? tr("Resource") : tr("Count");
    }
    if (orientation == Qt::Horizontal && role == Qt::TextAlignmentRole) {
        return section == CountColumn ? int(Qt::AlignRight | Qt::AlignVCenter)
                                      : int(Qt::AlignLeft | Qt::AlignVCenter);
    }
    return QAbstractTableModel::headerData(section, orientation, role);
}

void ResourceCountModel::setCounts(const QList<QPair<QString, qint64>> &counts) {
    bool sameKinds = counts.size() == m_counts.size();
    for (qsizetype i = 0; sameKinds && i < counts.size(); ++i) {
        sameKinds = counts.at(i).first == m_counts.at(i).first;
    }
    if (sameKinds) {
        if (counts != m_counts) {
            m_counts = counts;
            emit dataChanged(index(0, CountColumn), index(rowCount() - 1, CountColumn));
        }
        return;
    }
    // Kinds rarely change (a new module reports for the first time); a reset is fine then.
    beginResetModel();
    m_counts = counts;
    endResetModel();
}

} // namespace aegis::console
