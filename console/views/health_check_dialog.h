#pragma once

#include "models/health_check_validation.h"
#include "net/api_types.h"
#include "net/call_scope.h"
#include "net/health_api.h"

#include <QDialog>
#include <QHash>

class QComboBox;
class QFormLayout;
class QVBoxLayout;
class QDialogButtonBox;
class QFrame;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace aegis::console {

class Session;

// Edits one service's health check: kind, port and the kind's options, timing (interval,
// timeout, rise, fall) and failover (deregister after, panic threshold). Opens by loading the
// current check with GetHealthCheck (a service without one starts from the defaults) and saves
// with UpdateHealthCheck conditioned on the revision it loaded, so a check someone else changed
// meanwhile is not overwritten: that conflict is shown with a way to reload. The form is checked
// against the daemon's rules before anything is sent (the same rules and words as the daemon's),
// each problem named beside its field; a refusal by the daemon (a viewer's token, say) is shown
// with the daemon's own message. The kinds and each kind's option fields are built from what the
// daemon's probers describe (ListExtensions, fetched once per connection); until that list is
// there the form shows that it is loading. Every field `aegisctl health set` takes is here: the
// probe (kind, port, the kind's options and option families such as HTTP headers, one
// Name=Value a line), timing (interval, timeout, jitter, rise, fall), flap detection
// (transitions within a window), a new instance's initial status and failover (deregister after,
// panic threshold); a field left empty keeps the daemon's default. All calls go through
// HealthApi and the Session, so the dialog never waits on the network.
class HealthCheckDialog final : public QDialog {
    Q_OBJECT
public:
    enum class Stage { Loading, LoadFailed, Editing, Saving, Saved };

    // `session` is not owned and must outlive the dialog. The form stays disabled until reload()
    // (or setCheck) fills it.
    HealthCheckDialog(Session *session, const QString &service, QWidget *parent = nullptr);

    const QString &service() const { return m_service; }
    Stage stage() const { return m_stage; }

    // Fills the form from `check` and makes it editable once the probe kinds are known;
    // `exists` false for a service without a check (saving then requires that none was created
    // meanwhile). What a successful load does.
    void setCheck(const HealthCheckRevision &check, bool exists);
    // Builds the kind picker and each kind's option fields from the daemon's probers; what the
    // arrival of ListExtensions does. Only the first call counts.
    void setExtensions(const ExtensionCatalog &catalog);
    // The check as the form describes it, or nullopt with `problems` (if given) set.
    std::optional<HealthCheckSpec> editedCheck(QList<HealthCheckProblem> *problems = nullptr) const;
    // Shows the form's problems; if there are none, sends the check and returns true.
    bool save();
    // Loads the current check (again), discarding edits.
    void reload();
    // Why the caller may not save (a viewer): the Save button is disabled with `reason` as its
    // tooltip. save() still sends, and the daemon decides.
    void setWriteBlocked(const QString &reason);

    // The message shown above the buttons: problems, a refusal or a conflict; empty if none.
    QString messageText() const;
    bool hasConflict() const { return m_conflict; }
    // The revision the edit started from (-1: the service had no check).
    qint64 baseRevision() const { return m_baseRevision; }

signals:
    // The daemon accepted the check; the dialog closes.
    void saved(const aegis::console::HealthCheckRevision &check);

private:
    QWidget *buildForm();
    void onLoaded(const HealthCheckRevision &check);
    void onSaved(const HealthCheckRevision &check);
    void onFailed(const CallError &error);
    void setStage(Stage stage);
    void showKindOptions();
    // Fills the form from what was loaded; needs the kinds.
    void fillForm();
    void showProblems(const QList<HealthCheckProblem> &problems);
    void showMessage(const QString &text, bool conflict);
    void markInvalid(const QStringList &fields);
    // The editor of `field` (a form field or an option of the current kind); null if none.
    QWidget *editorOf(const QString &field) const;
    // Grows the dialog to what its contents need now (a message, another kind's options).
    void fitToContents();

    Session *m_session; // Not owned.
    HealthApi m_health;
    QString m_service;
    Stage m_stage = Stage::Loading;
    // The load or save in flight; only the latest one is answered.
    CallScope m_call;
    // What was loaded; the fields the form does not edit come from here.
    HealthCheckSpec m_loaded;
    qint64 m_baseRevision = -1;
    bool m_conflict = false;
    QString m_writeBlocked;

    QLabel *m_origin;
    QComboBox *m_kind;
    QSpinBox *m_port;
    // The probe kinds the daemon offers, in the picker's order; empty until they arrived.
    QList<ExtensionDescription> m_probers;
    // One page of option fields per kind, in m_probers' order; only the current one is shown.
    struct KindPage {
        QWidget *page = nullptr;
        // Option name -> its editor.
        QHash<QString, QLineEdit *> editors;
        // Option family ("header.") -> its editor of Name=Value lines.
        QHash<QString, QPlainTextEdit *> families;
    };
    QList<KindPage> m_kindPages;
    QVBoxLayout *m_kindPagesLayout = nullptr;
    QList<QFormLayout *> m_alignedForms;
    // A check was loaded (or the defaults set) and waits for the kinds to be shown.
    bool m_checkLoaded = false;
    QLineEdit *m_interval;
    QLineEdit *m_timeout;
    QSpinBox *m_rise;
    QSpinBox *m_fall;
    QLineEdit *m_deregisterAfter;
    QSpinBox *m_panicThreshold;
    QLineEdit *m_jitter;
    QSpinBox *m_flapTransitions;
    QLineEdit *m_flapWindow;
    QComboBox *m_initialStatus;
    QWidget *m_form;
    QFrame *m_messageFrame;
    QLabel *m_message;
    QPushButton *m_reload;
    QDialogButtonBox *m_buttons;
    QPushButton *m_save;
    // Field name (as in HealthCheckProblem) -> its editor; the options' are in m_kindPages.
    QHash<QString, QWidget *> m_fields;
};

} // namespace aegis::console
