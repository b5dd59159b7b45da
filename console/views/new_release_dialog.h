#pragma once

#include "models/rollout_spec_validation.h"
#include "net/api_types.h"
#include "net/registry_api.h"
#include "net/rollout_api.h"

#include <QDialog>
#include <QHash>

#include <optional>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QFormLayout;
class QFrame;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace aegis::console {

class CanaryStepsEditor;
class Session;

// "New release…": starts a rollout. The service is picked from the released ones and the
// registry's (or typed: a first rollout deploys a new service), then the version, replicas and
// a description (the version proposed as the live one raised, and a warning when the service
// has a rollout in flight); the strategy (blue-green, or canary with its steps); the deploy driver
// and the traffic router with their key=value parameters, prefilled from the service's last release
// (the daemon's defaults too); and the gates: healthy-for, approval, bake time, scale-down delay.
// The drivers and routers to pick from, and the hints for their parameters, are what the daemon's
// extensions describe (ListExtensions, fetched once per connection); until that list is there
// the pickers show that they are loading and nothing can be started. The
// form is checked against the contract's limits before anything is sent, each problem named
// under its field; what the daemon refuses is shown above the buttons with its own message, and
// an INVALID_ARGUMENT also under the field it names. All calls go through RolloutApi,
// RegistryApi and the Session.
class NewReleaseDialog final : public QDialog {
    Q_OBJECT
public:
    enum class Stage { Editing, Starting, Started };

    // `session` is not owned and must outlive the dialog. `releases` prefill the driver and router;
    // `service` is selected first (may be empty).
    NewReleaseDialog(Session *session, const QList<Release> &releases, const QString &service,
                     QWidget *parent = nullptr);

    Stage stage() const { return m_stage; }
    // The warning that the service has a rollout in flight; empty if it has none.
    QString inFlightWarning() const;
    // Adds services to the picker (the registry's, as they arrive); duplicates are ignored.
    void addServices(const QStringList &services);
    QStringList serviceChoices() const;
    void setService(const QString &service);
    // The spec the form describes, or nullopt with `problems` (if given) set.
    std::optional<RolloutSpec> editedSpec(QList<RolloutSpecProblem> *problems = nullptr) const;
    // Shows the form's problems; if there are none, sends StartRollout and returns true.
    bool start();

    // The message above the buttons (the daemon's refusal, a summary of the form's problems);
    // empty if none.
    QString messageText() const;
    // The problem shown under `field`'s editor (as RolloutSpecProblem names it); empty if none.
    QString fieldProblem(const QString &field) const;
    // The editor of `field` ("version", "driver_params", ...), for tests and focus.
    QWidget *fieldEditor(const QString &field) const { return m_fields.value(field); }
    CanaryStepsEditor *stepsEditor() const { return m_steps; }
    // Fills the driver and router pickers from the daemon's extensions; what the arrival of
    // ListExtensions does. Only the first call counts.
    void setExtensions(const ExtensionCatalog &catalog);

protected:
    // Parameter editors grow with their wrapped lines when their width changes.
    bool eventFilter(QObject *watched, QEvent *event) override;

signals:
    // The daemon accepted the rollout; the dialog closes.
    void started(const aegis::console::Rollout &rollout);

private:
    void buildReleaseSection(QFormLayout *form);
    void buildStrategySection(QFormLayout *form);
    void buildDeploySection(QFormLayout *form);
    void buildGatesSection(QFormLayout *form);
    // `editor` with its inline problem label under it, registered as `field`.
    QWidget *withProblem(const QString &field, QWidget *editor);
    void onServiceChanged();
    void onDriverChanged();
    void onRouterChanged();
    void onStrategyChanged();
    void onStarted(const Rollout &rollout);
    void onFailed(const CallError &error);
    // `field`'s editor changed: once a start was tried, the problems are checked again.
    void onEdited(const QString &field);
    void showProblems(const QList<RolloutSpecProblem> &problems, bool focus);
    void showMessage(const QString &text);
    // Grows the dialog to what its contents need now (problems, a message).
    void fitToContents();
    void setStage(Stage stage);
    std::optional<Release> releaseOf(const QString &service) const;

    Session *m_session; // Not owned.
    RolloutApi m_rollouts;
    RegistryApi m_registry;
    QList<Release> m_releases;
    // The daemon's drivers and routers; unset until they arrived.
    std::optional<ExtensionCatalog> m_extensions;
    Stage m_stage = Stage::Editing;
    // A start was tried: problems follow the edits from now on.
    bool m_checked = false;
    // The message above the buttons summarises the form's problems (not the daemon's answer).
    bool m_formMessage = false;
    // The field the daemon's last INVALID_ARGUMENT named, shown until that field is edited.
    std::optional<RolloutSpecProblem> m_daemonProblem;
    // The release the driver and router were last prefilled from ("": the defaults).
    QString m_prefilledFrom;
    bool m_prefilled = false;

    QComboBox *m_service;
    QLabel *m_serviceNote;
    // Says that the service has a rollout in flight (hidden otherwise).
    QFrame *m_inFlightFrame;
    QLabel *m_inFlight;
    // The version last proposed (the live one raised); replaced while the field still holds it.
    QString m_proposedVersion;
    QLineEdit *m_version;
    QSpinBox *m_replicas;
    QLineEdit *m_description;
    QComboBox *m_strategy;
    CanaryStepsEditor *m_steps;
    QWidget *m_stepsBox;
    // The left column's form, which holds the steps row.
    QFormLayout *m_strategyForm = nullptr;
    QComboBox *m_driver;
    QPlainTextEdit *m_driverParams;
    QComboBox *m_router;
    QPlainTextEdit *m_routerParams;
    QLineEdit *m_healthyFor;
    QCheckBox *m_requireApproval;
    QLineEdit *m_bakeTime;
    QLineEdit *m_scaleDownDelay;
    QFrame *m_messageFrame;
    QLabel *m_message;
    QDialogButtonBox *m_buttons;
    QPushButton *m_start;
    // Field name -> its editor and its problem label.
    QHash<QString, QWidget *> m_fields;
    QHash<QString, QLabel *> m_problems;
};

} // namespace aegis::console
