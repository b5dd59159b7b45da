#pragma once

#include "models/rollout_confirmation.h"
#include "net/api_types.h"
#include "net/call_scope.h"
#include "net/metrics_api.h"
#include "net/rollout_api.h"
#include "net/watch.h"

#include <QHash>
#include <QSet>
#include <QTimer>
#include <QWidget>

#include <functional>
#include <optional>

class QFrame;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QSplitter;
class QStackedWidget;
class QTableView;

namespace aegis::console {

class Session;
class ColumnFitter;
class InstanceFilterModel;
class InstanceModel;
class NewReleaseDialog;
class PageSkeleton;
class ReleaseModel;
class RolloutHistoryModel;
class RolloutPipelineView;
class StatCard;
class TrafficBar;

// Releases: blue-green and canary rollouts. On the left the services released through rollouts
// with their live colour and version and their latest rollout's phase; on the right the selected
// service's active (or last) rollout: its pipeline of phases with elapsed times, the traffic
// split as applied, its message and new instances, its log (growing live) and the service's
// history of rollouts. Lists the releases and recent rollouts, then watches every service's
// rollouts, releases and log lines with one resumable WatchRollouts from the list's revision + 1,
// applied row by row. Promote, Pause, Resume, Abort, Undo and Retry are offered only when they
// apply to the rollout's phase; every one that moves traffic (all but Pause) first says what it
// will do (ActionConfirmation) and takes an optional reason, which the daemon records in the
// rollout's log and the audit log; "New release…" starts a rollout. Viewers see it all with the
// actions disabled and a tooltip saying why; a refusal by the daemon is shown on the page. Beside
// the log, the selected service's instances with their colour's role and effective traffic share
// (from an InstanceModel the main window shares with the Services page).
class ReleasesPage final : public QWidget {
    Q_OBJECT
public:
    // Asks the operator to confirm what an action will do; the reason they gave (possibly
    // empty) to go ahead, nullopt to cancel. Replaceable for tests.
    using Confirmation = std::function<std::optional<QString>(
        QWidget *parent, const ActionConfirmation &confirmation)>;

    explicit ReleasesPage(Session *session, QWidget *parent = nullptr);

    bool hasData() const { return m_loaded; }
    ReleaseModel *releases() const { return m_releases; }
    RolloutHistoryModel *history() const { return m_history; }
    QTableView *releaseTable() const { return m_releaseTable; }
    QTableView *historyTable() const { return m_historyTable; }
    RolloutPipelineView *pipelineView() const { return m_pipeline; }
    TrafficBar *trafficBar() const { return m_traffic; }
    QPlainTextEdit *logView() const { return m_log; }
    QPushButton *actionButton(RolloutAction action) const;
    QPushButton *newReleaseButton() const { return m_newRelease; }
    // Where the instance list's rows come from (the Services page's). Not owned; may be null.
    void setInstanceModel(InstanceModel *instances);
    QTableView *instanceTable() const { return m_instanceTable; }

    // Lists again and merges what changed.
    void reload();
    // Selects `service` on the left; false if it is not listed.
    bool selectService(const QString &service);
    QString selectedService() const;
    // Shows `id` (one of the selected service's rollouts in the history); false if not listed.
    bool showRollout(const QString &id);
    // The rollout shown on the right.
    const std::optional<Rollout> &shownRollout() const { return m_shown; }
    // The caller as the session knows it (no role yet: the daemon decides on each call).
    CallerIdentity identity() const;
    // Whether the rollout watch is streaming.
    bool isWatchLive() const;
    // Why this token cannot act on rollouts; empty when it can.
    QString writeBlockedReason() const;
    // The error of the last failed action, empty when it succeeded or was dismissed.
    QString actionError() const;
    // What `action` would do to the shown rollout, as the confirmation says it (effect, then
    // details); empty without a rollout or for an action that asks nothing (Pause).
    QString confirmationText(RolloutAction action) const;

    // Confirms where needed (taking the operator's reason), then asks the daemon to act on the
    // shown rollout.
    void requestAction(RolloutAction action);
    void setConfirmation(Confirmation confirmation) { m_confirm = std::move(confirmation); }
    // Opens "New release…" for the selected service; nullptr for a viewer. The dialog deletes
    // itself when closed.
    NewReleaseDialog *openNewRelease();
    // Asks for the traces of the shown rollout's new colour and version from its start until it
    // ended (or now): tracesRequested. The Traces button does it; without a rollout shown, the
    // selected service's traces of the last hour.
    void requestTraces();
    QPushButton *tracesButton() const { return m_tracesButton; }
    QPushButton *logsButton() const { return m_logsButton; }
    // The process driver's ids of the selected service's deployed instances, the rollout's new
    // colour first (what the Logs window offers).
    QStringList deployedInstanceIds() const;
    // Opens the Logs window on `instanceId` (empty: the first deployed instance).
    void openLogs(const QString &instanceId);

signals:
    // The first complete listing arrived after a (re)connect.
    void dataLoaded();
    // An action the daemon accepted (`error` empty) or refused.
    void actionFinished(aegis::console::RolloutAction action, const QString &rolloutId,
                        const QString &error);
    // The Traces page should search `service`'s traces (of `colour` and `version` when not
    // empty) between `start` and `end`.
    void tracesRequested(const QString &service, const QString &colour, const QString &version,
                         const QDateTime &start, const QDateTime &end);

protected:
    void changeEvent(QEvent *event) override;
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    enum class Stage { Idle, Releases, Rollouts };

    QWidget *buildServiceList();
    QWidget *buildRolloutPanel();
    QWidget *buildActions();
    QWidget *buildInstanceList();
    // Promote primary, Abort and Undo in the danger colour, in the current theme.
    void styleActionButtons();
    // Gives the services panel the width its columns need, unless the operator moved the
    // splitter.
    void fitServiceList();
    void onReleases(const ReleaseList &list);
    void onRolloutsPage(const RolloutPage &page);
    void onListFailed(const CallError &error);
    void listHistory(const QString &service);
    void onHistory(const CallResult<RolloutPage> &result);
    void listLog(const QString &rolloutId, qint64 afterSequence);
    void onLogPage(const CallResult<RolloutLogPage> &result);
    void onEvents(const QList<RolloutEvent> &events);
    void onActionDone(RolloutAction action, const QString &rolloutId,
                      const CallResult<Rollout> &result);
    void stopWatch();
    void applyRollout(const Rollout &rollout);
    void onServiceSelected();
    void onHistorySelected();
    // Shows `rollout` on the right (nullopt: the placeholder); loads its log when it is another.
    void display(const std::optional<Rollout> &rollout);
    void appendLog(const QList<RolloutLogLine> &lines);
    void refreshRollout();
    void refreshActions();
    void showActionError(const QString &text);
    void updateSummary();
    void tick();

    Session *m_session; // Not owned.
    RolloutApi m_rollouts;
    MetricsApi m_metrics;
    ReleaseModel *m_releases;
    RolloutHistoryModel *m_history;
    PageSkeleton *m_skeleton;
    QSplitter *m_splitter = nullptr;
    // The services table's columns (owned by the table).
    ColumnFitter *m_serviceColumns = nullptr;
    // The operator moved the splitter: fitServiceList() leaves it.
    bool m_userSplit = false;
    QPushButton *m_newRelease;
    QPushButton *m_refresh;
    QPushButton *m_tracesButton;
    QPushButton *m_logsButton;
    QTableView *m_releaseTable;
    QStackedWidget *m_detailStack;
    QLabel *m_placeholder;
    QLabel *m_rolloutTitle;
    QLabel *m_rolloutStatus;
    QLabel *m_rolloutMeta;
    QLabel *m_message;
    RolloutPipelineView *m_pipeline;
    TrafficBar *m_traffic;
    QLabel *m_trafficCaption;
    StatCard *m_instancesCard;
    StatCard *m_elapsedCard;
    QPlainTextEdit *m_log;
    QTableView *m_historyTable;
    InstanceFilterModel *m_instances;
    QTableView *m_instanceTable;
    QHash<int, QPushButton *> m_actionButtons;
    Confirmation m_confirm;
    QTimer m_clock;

    Stage m_stage = Stage::Idle;
    // The listing a reload runs; renewed by each reload so an older one's answers are dropped.
    CallScope m_listScope;
    WatchPtr m_watch;
    // The selected service's live requests/s per colour on the traffic bar, while shown and
    // while the daemon's metrics backend answers.
    void followRates(const QString &service);
    CallScope m_rateScope;
    WatchPtr m_rateWatch;
    QString m_rateService;
    qint64 m_listRevision = 0;
    bool m_loaded = false;
    bool m_announcePending = false;
    QString m_lastListError;
    QString m_lastNote;

    // The selected service's history; selecting another drops its answer.
    CallScope m_historyScope;
    // Rollouts with an action in flight.
    QSet<QString> m_actingOn;
    std::optional<Rollout> m_shown;
    // Whether the right side follows the service's latest rollout (not one picked in the history).
    bool m_followLatest = true;

    QString m_logRolloutId;
    qint64 m_logSequence = 0;
    // The shown rollout's log listing; showing another drops its answer.
    CallScope m_logScope;
    bool m_logLoading = false;
    // Log lines the watch brought while the log was being listed.
    QList<RolloutLogLine> m_heldLogLines;
};

} // namespace aegis::console
