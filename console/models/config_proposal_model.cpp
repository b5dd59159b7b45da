#include "models/config_proposal_model.h"

#include "models/display_format.h"

#include <algorithm>

namespace aegis::console {

ConfigProposalModel::ConfigProposalModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_now(QDateTime::currentDateTimeUtc()) {}

int ConfigProposalModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_proposals.size());
}

int ConfigProposalModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ConfigProposalModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const ConfigProposal &proposal = m_proposals.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NamespaceColumn:
            return proposal.ns;
        case IdColumn:
            return proposal.id;
        case ProposerColumn:
            return proposal.proposer;
        case ChangesColumn:
            return proposedChangesText(proposal);
        case CommentColumn:
            return proposal.comment;
        case CreatedColumn:
            return relativeTime(proposal.createTime, m_now);
        }
        break;
    case Qt::ToolTipRole:
        switch (index.column()) {
        case ChangesColumn:
            return proposedChangesText(proposal);
        case CommentColumn:
            return proposal.comment;
        case CreatedColumn:
            return absoluteTime(proposal.createTime);
        }
        break;
    case ProposalRole:
        return QVariant::fromValue(proposal);
    }
    return {};
}

QVariant ConfigProposalModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    switch (section) {
    case NamespaceColumn:
        return tr("Namespace");
    case IdColumn:
        return tr("Proposal");
    case ProposerColumn:
        return tr("Proposed by");
    case ChangesColumn:
        return tr("Changes");
    case CommentColumn:
        return tr("Comment");
    case CreatedColumn:
        return tr("Proposed");
    }
    return {};
}

void ConfigProposalModel::setProposals(const QString &ns, const QList<ConfigProposal> &proposals) {
    QList<ConfigProposal> pending;
    for (const ConfigProposal &proposal : proposals) {
        if (proposal.state == ProposalState::Pending) {
            pending.append(proposal);
            pending.last().ns = ns;
        }
    }
    // Rows of `ns` no longer pending leave.
    for (int row = int(m_proposals.size()) - 1; row >= 0; --row) {
        const ConfigProposal &known = m_proposals.at(row);
        const bool still =
            std::any_of(pending.cbegin(), pending.cend(),
                        [&known](const ConfigProposal &p) { return p.id == known.id; });
        if (known.ns == ns && !still) {
            beginRemoveRows({}, row, row);
            m_proposals.removeAt(row);
            endRemoveRows();
        }
    }
    for (const ConfigProposal &proposal : pending) {
        const int row = rowOf(ns, proposal.id);
        if (row >= 0) {
            m_proposals[row] = proposal;
            emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
            continue;
        }
        // Oldest first.
        const auto at = std::upper_bound(m_proposals.cbegin(), m_proposals.cend(), proposal,
                                         [](const ConfigProposal &a, const ConfigProposal &b) {
                                             return a.createTime < b.createTime;
                                         });
        const int insertAt = int(at - m_proposals.cbegin());
        beginInsertRows({}, insertAt, insertAt);
        m_proposals.insert(insertAt, proposal);
        endInsertRows();
    }
}

void ConfigProposalModel::remove(const QString &ns, const QString &id) {
    const int row = rowOf(ns, id);
    if (row < 0) {
        return;
    }
    beginRemoveRows({}, row, row);
    m_proposals.removeAt(row);
    endRemoveRows();
}

void ConfigProposalModel::clear() {
    if (m_proposals.isEmpty()) {
        return;
    }
    beginRemoveRows({}, 0, int(m_proposals.size()) - 1);
    m_proposals.clear();
    endRemoveRows();
}

int ConfigProposalModel::rowOf(const QString &ns, const QString &id) const {
    for (int row = 0; row < m_proposals.size(); ++row) {
        if (m_proposals.at(row).ns == ns && m_proposals.at(row).id == id) {
            return row;
        }
    }
    return -1;
}

void ConfigProposalModel::setReferenceTime(const QDateTime &now) {
    m_now = now;
    if (!m_proposals.isEmpty()) {
        emit dataChanged(index(0, CreatedColumn), index(rowCount() - 1, CreatedColumn),
                         {Qt::DisplayRole});
    }
}

QString proposedChangesText(const ConfigProposal &proposal) {
    QStringList parts;
    for (const ConfigProposedChange &change : proposal.changes) {
        const QString item = change.ref.group + QLatin1Char('/') + change.ref.key;
        parts.append(change.baseVersion > 0
                         ? ConfigProposalModel::tr("%1 (on v%2)").arg(item).arg(change.baseVersion)
                         : ConfigProposalModel::tr("%1 (new item)").arg(item));
    }
    return parts.join(QStringLiteral(", "));
}

ActionConfirmation configProposalConfirmation(bool approve, const ConfigProposal &proposal) {
    ActionConfirmation c;
    c.asks = true;
    const QString changes = proposedChangesText(proposal);
    const int count = int(proposal.changes.size());
    if (approve) {
        c.title =
            ConfigProposalModel::tr("Approve proposal %1 of %2?").arg(proposal.id, proposal.ns);
        c.effect = count == 1 ? ConfigProposalModel::tr("Publishes %1 of %2 to every instance "
                                                        "that reads it.")
                                    .arg(changes, proposal.ns)
                              : ConfigProposalModel::tr("Publishes %1 items of %2 at once to "
                                                        "every instance that reads them: %3.")
                                    .arg(count)
                                    .arg(proposal.ns, changes);
        c.details =
            ConfigProposalModel::tr("Proposed by %1%2. The daemon refuses if an item changed "
                                    "since it was proposed.")
                .arg(proposal.proposer, proposal.comment.isEmpty()
                                            ? QString()
                                            : QStringLiteral(": “%1”").arg(proposal.comment));
        c.acceptLabel = ConfigProposalModel::tr("Approve and publish");
        c.reasonHint = ConfigProposalModel::tr("Why: recorded in the audit log");
    } else {
        c.title =
            ConfigProposalModel::tr("Reject proposal %1 of %2?").arg(proposal.id, proposal.ns);
        c.effect =
            ConfigProposalModel::tr("Closes the proposal; nothing is published (%1).").arg(changes);
        c.details = ConfigProposalModel::tr("%1 sees the proposal rejected with your reason.")
                        .arg(proposal.proposer);
        c.acceptLabel = ConfigProposalModel::tr("Reject");
        c.destructive = true;
        c.reasonRequired = true;
        c.reasonHint = ConfigProposalModel::tr("Why: shown with the proposal and in the audit log");
    }
    return c;
}

} // namespace aegis::console
