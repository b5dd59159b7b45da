#pragma once

#include "models/action_confirmation.h"
#include "net/api_types.h"
#include "net/call_scope.h"
#include "net/config_api.h"

#include <QDialog>

#include <functional>
#include <optional>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableView;

namespace aegis::console {

class ConfigProposalModel;
class Session;

// Configuration proposals awaiting approval, of every namespace that requires approval, with
// Approve and Reject: each asks first, saying what it will do (configProposalConfirmation), and
// takes a reason (required to reject) that the daemon records in the audit log. The selected
// proposal's changes are shown in full below the list. The daemon decides every call (a
// proposer approving their own proposal is refused) and its refusal is shown in the dialog.
// Lists with ConfigApi (ListNamespaces, then ListProposals per namespace) on open and on Refresh.
class ConfigProposalsDialog final : public QDialog {
    Q_OBJECT
public:
    // Asks the operator to confirm; the reason (possibly empty) to go ahead, nullopt to cancel.
    // Replaceable for tests.
    using Confirmation = std::function<std::optional<QString>(
        QWidget *parent, const ActionConfirmation &confirmation)>;

    // `session` is not owned and must outlive the dialog.
    explicit ConfigProposalsDialog(Session *session, QWidget *parent = nullptr);

    ConfigProposalModel *proposals() const { return m_model; }
    QTableView *table() const { return m_table; }
    QPushButton *approveButton() const { return m_approve; }
    QPushButton *rejectButton() const { return m_reject; }
    // The message above the buttons (a refusal, what was done); empty if none.
    QString messageText() const;
    bool isLoading() const { return m_pendingLists > 0; }

    // Lists every namespace's pending proposals again.
    void reload();
    // Selects `id` of `ns`; false if it is not listed.
    bool selectProposal(const QString &ns, const QString &id);
    // Asks, then approves or rejects the selected proposal.
    void decide(bool approve);
    void setConfirmation(Confirmation confirmation) { m_confirm = std::move(confirmation); }

signals:
    // The first listing after reload() arrived (whole or with failures).
    void loaded();
    // The daemon approved (`approve`) or rejected a proposal; `error` empty on success.
    void decided(bool approve, const QString &ns, const QString &id, const QString &error);

private:
    void onSelection();
    void refreshButtons();
    void showMessage(const QString &text);
    void listed();

    Session *m_session; // Not owned.
    ConfigApi m_config;
    ConfigProposalModel *m_model;
    QTableView *m_table;
    QPlainTextEdit *m_changes;
    QLabel *m_summary;
    QLabel *m_message;
    QPushButton *m_refresh;
    QPushButton *m_approve;
    QPushButton *m_reject;
    Confirmation m_confirm;
    // The listing a reload runs; renewed by each reload so an older one's answers are dropped.
    CallScope m_listScope;
    int m_pendingLists = 0;
    QStringList m_listErrors;
    bool m_deciding = false;
};

} // namespace aegis::console
