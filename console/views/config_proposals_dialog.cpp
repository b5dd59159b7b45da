#include "views/config_proposals_dialog.h"

#include "models/config_proposal_model.h"
#include "net/session.h"
#include "views/action_confirm_dialog.h"
#include "views/column_fitter.h"
#include "views/view_helpers.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace aegis::console {

ConfigProposalsDialog::ConfigProposalsDialog(Session *session, QWidget *parent)
    : QDialog(parent)
    , m_session(session)
    , m_config(session)
    , m_model(new ConfigProposalModel(this))
    , m_table(new QTableView)
    , m_changes(new QPlainTextEdit)
    , m_summary(new QLabel)
    , m_message(new QLabel)
    , m_refresh(new QPushButton(tr("Refresh")))
    , m_approve(new QPushButton(tr("Approve…")))
    , m_reject(new QPushButton(tr("Reject…")))
    , m_confirm([](QWidget *parent, const ActionConfirmation &confirmation) {
        return ActionConfirmDialog::ask(parent, confirmation);
    }) {
    setObjectName(QStringLiteral("ConfigProposalsDialog"));
    setWindowTitle(tr("Configuration proposals"));

    auto *heading = new QLabel(tr("Proposals awaiting approval"));
    heading->setObjectName(QStringLiteral("PageTitle"));
    m_summary->setObjectName(QStringLiteral("PageSubtitle"));
    m_summary->setWordWrap(true);

    m_table->setObjectName(QStringLiteral("proposalTable"));
    m_table->setModel(m_model);
    styleTable(m_table);
    m_table->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    auto *fitter = new ColumnFitter(m_table, ConfigProposalModel::ChangesColumn, 240);
    fitter->setShrinkable(
        {ConfigProposalModel::CommentColumn, ConfigProposalModel::NamespaceColumn});
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ConfigProposalsDialog::onSelection);

    m_changes->setObjectName(QStringLiteral("proposalChanges"));
    m_changes->setReadOnly(true);
    m_changes->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_changes->setPlaceholderText(tr("Select a proposal to see its changes"));

    auto *splitter = new QSplitter(Qt::Vertical);
    splitter->addWidget(m_table);
    splitter->addWidget(m_changes);
    splitter->setChildrenCollapsible(false);
    splitter->setSizes({220, 200});

    m_message->setObjectName(QStringLiteral("proposalMessage"));
    QFrame *messageFrame = banner(QStringLiteral("ErrorBanner"), m_message);

    m_approve->setObjectName(QStringLiteral("approve"));
    m_reject->setObjectName(QStringLiteral("reject"));
    setActionTone(m_approve, ActionTone::Primary);
    setActionTone(m_reject, ActionTone::Danger);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    buttons->addButton(m_refresh, QDialogButtonBox::ResetRole);
    buttons->addButton(m_reject, QDialogButtonBox::ActionRole);
    buttons->addButton(m_approve, QDialogButtonBox::ActionRole);
    for (QPushButton *button : {m_refresh, m_reject, m_approve}) {
        button->setAutoDefault(false);
    }
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_refresh, &QPushButton::clicked, this, &ConfigProposalsDialog::reload);
    connect(m_approve, &QPushButton::clicked, this, [this] { decide(true); });
    connect(m_reject, &QPushButton::clicked, this, [this] { decide(false); });
    connect(m_session, &Session::identityChanged, this, &ConfigProposalsDialog::refreshButtons);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(24, 20, 24, 16);
    layout->setSpacing(10);
    layout->addWidget(heading);
    layout->addWidget(m_summary);
    layout->addWidget(splitter, 1);
    layout->addWidget(messageFrame);
    layout->addWidget(buttons);
    resize(960, 620);

    reload();
}

void ConfigProposalsDialog::reload() {
    QObject *scope = m_listScope.renew();
    m_pendingLists = 1;
    m_listErrors.clear();
    m_summary->setText(tr("Loading…"));
    refreshButtons();
    m_config.listNamespaces(scope, [this, scope](const CallResult<ConfigNamespaceList> &result) {
        if (!result.ok()) {
            m_listErrors.append(result.error().describe());
            listed();
            return;
        }
        QStringList seen;
        for (const ConfigNamespace &ns : result.value().namespaces) {
            // Only a namespace that requires approval has proposals.
            if (!ns.requireApproval) {
                m_model->setProposals(ns.name, {});
                continue;
            }
            seen.append(ns.name);
            ++m_pendingLists;
            m_config.listProposals(
                ns.name, false, scope,
                [this, name = ns.name](const CallResult<ConfigProposalList> &proposals) {
                    if (proposals.ok()) {
                        m_model->setProposals(name, proposals.value().proposals);
                    } else {
                        m_listErrors.append(tr("%1: %2").arg(name, proposals.error().describe()));
                    }
                    listed();
                });
        }
        // Namespaces gone since the last listing take their proposals with them.
        for (int row = m_model->rowCount() - 1; row >= 0; --row) {
            const ConfigProposal &proposal = m_model->proposalAt(row);
            if (!seen.contains(proposal.ns)) {
                m_model->remove(proposal.ns, proposal.id);
            }
        }
        listed();
    });
}

void ConfigProposalsDialog::listed() {
    if (--m_pendingLists > 0) {
        return;
    }
    m_model->setReferenceTime(QDateTime::currentDateTimeUtc());
    const int count = m_model->rowCount();
    m_summary->setText(
        count == 0   ? tr("No proposal awaits approval. In a namespace that requires approval, a "
                            "published change becomes a proposal that someone else approves here.")
        : count == 1 ? tr("1 proposal awaits approval. The proposer cannot approve their own "
                          "(an admin can).")
                     : tr("%1 proposals await approval. The proposer cannot approve their own "
                          "(an admin can).")
                           .arg(count));
    showMessage(
        m_listErrors.isEmpty()
            ? QString()
            : tr("Could not list every proposal: %1").arg(m_listErrors.join(QStringLiteral("; "))));
    if (count > 0 && m_table->selectionModel()->selectedRows().isEmpty()) {
        m_table->selectRow(0);
    }
    refreshButtons();
    emit loaded();
}

bool ConfigProposalsDialog::selectProposal(const QString &ns, const QString &id) {
    const int row = m_model->rowOf(ns, id);
    if (row < 0) {
        return false;
    }
    m_table->selectRow(row);
    return true;
}

void ConfigProposalsDialog::onSelection() {
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    if (rows.isEmpty()) {
        m_changes->clear();
        refreshButtons();
        return;
    }
    const ConfigProposal proposal = m_model->proposalAt(rows.first().row());
    QStringList text;
    for (const ConfigProposedChange &change : proposal.changes) {
        text.append(
            change.baseVersion > 0
                ? tr("── %1 (replaces version %2)").arg(change.ref.path()).arg(change.baseVersion)
                : tr("── %1 (a new item)").arg(change.ref.path()));
        text.append(change.content);
        text.append(QString());
    }
    m_changes->setPlainText(text.join(QLatin1Char('\n')));
    refreshButtons();
}

void ConfigProposalsDialog::refreshButtons() {
    const bool selected = !m_table->selectionModel()->selectedRows().isEmpty();
    const bool viewer = !m_session->mayChange();
    const QString blocked =
        viewer ? tr("Your token (%1) has the viewer role: viewers cannot approve or reject")
                     .arg(m_session->identity() ? m_session->identity()->name : QString())
               : QString();
    for (QPushButton *button : {m_approve, m_reject}) {
        button->setEnabled(selected && !viewer && !m_deciding);
        button->setToolTip(!blocked.isEmpty() ? blocked
                           : !selected        ? tr("Select a proposal first")
                           : m_deciding       ? tr("Waiting for the daemon to answer")
                                              : QString());
    }
}

void ConfigProposalsDialog::decide(bool approve) {
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    if (rows.isEmpty() || m_deciding) {
        return;
    }
    const ConfigProposal proposal = m_model->proposalAt(rows.first().row());
    const std::optional<QString> reason =
        m_confirm(this, configProposalConfirmation(approve, proposal));
    if (!reason) {
        return;
    }
    m_deciding = true;
    showMessage({});
    refreshButtons();
    const auto finish = [this, approve, ns = proposal.ns,
                         id = proposal.id](const CallError *error) {
        m_deciding = false;
        if (error) {
            const QString text =
                (approve ? tr("Could not approve %1 of %2: %3 (%4)")
                         : tr("Could not reject %1 of %2: %3 (%4)"))
                    .arg(id, ns, error->message.isEmpty() ? error->describe() : error->message,
                         error->codeName());
            showMessage(text);
            refreshButtons();
            emit decided(approve, ns, id, text);
            return;
        }
        m_model->remove(ns, id);
        m_summary->setText(approve
                               ? tr("Approved %1 of %2 and published it (recorded in the "
                                    "audit log).")
                                     .arg(id, ns)
                               : tr("Rejected %1 of %2 (recorded in the audit log).").arg(id, ns));
        refreshButtons();
        emit decided(approve, ns, id, {});
    };
    if (approve) {
        m_config.approveProposal(proposal.ns, proposal.id, *reason, this,
                                 [finish](const CallResult<ConfigPublishResult> &result) {
                                     finish(result.ok() ? nullptr : &result.error());
                                 });
    } else {
        m_config.rejectProposal(proposal.ns, proposal.id, *reason, this,
                                [finish](const CallResult<qint64> &result) {
                                    finish(result.ok() ? nullptr : &result.error());
                                });
    }
}

void ConfigProposalsDialog::showMessage(const QString &text) {
    m_message->setText(text);
    m_message->parentWidget()->setVisible(!text.isEmpty());
}

QString ConfigProposalsDialog::messageText() const {
    return m_message->parentWidget()->isVisibleTo(this) ? m_message->text() : QString();
}

} // namespace aegis::console
