#pragma once

#include "models/action_confirmation.h"
#include "net/api_types.h"

#include <QAbstractTableModel>
#include <QDateTime>

namespace aegis::console {

// The configuration proposals awaiting approval, of every namespace the console listed, oldest
// first. Each namespace's list replaces that namespace's rows row by row (the model never
// resets), so a selection survives a refresh; a decided proposal leaves.
class ConfigProposalModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        NamespaceColumn,
        IdColumn,
        ProposerColumn,
        ChangesColumn,
        CommentColumn,
        CreatedColumn,
        ColumnCount
    };
    enum Role {
        // The whole ConfigProposal.
        ProposalRole = Qt::UserRole + 1,
    };

    explicit ConfigProposalModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // `ns`'s proposals as listed; only the pending ones are kept.
    void setProposals(const QString &ns, const QList<ConfigProposal> &proposals);
    // A proposal was approved or rejected.
    void remove(const QString &ns, const QString &id);
    void clear();

    const ConfigProposal &proposalAt(int row) const { return m_proposals.at(row); }
    int rowOf(const QString &ns, const QString &id) const;
    // The time "Created" is relative to; updating it refreshes that column.
    void setReferenceTime(const QDateTime &now);

private:
    QList<ConfigProposal> m_proposals;
    QDateTime m_now;
};

// "limits/checkout (v4 → new), flags/cart (new item)".
QString proposedChangesText(const ConfigProposal &proposal);

// What approving (`approve`) or rejecting `proposal` will do; a rejection requires a reason.
ActionConfirmation configProposalConfirmation(bool approve, const ConfigProposal &proposal);

} // namespace aegis::console
