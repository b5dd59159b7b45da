#pragma once

#include "net/call_result.h"
#include "net/rollout_types.h"
#include "net/watch.h"

class QObject;

namespace aegis::console {

class Session;

using RolloutWatchCallbacks =
    WatchCallbacks<const QList<RolloutEvent> & /*events*/, qint64 /*revision*/>;

// What one DeploymentLogs message delivers: `lines`, oldest first; `replace`: the first message of
// a stream (re)opened after an error, whose tail replaces what was shown; `reset`: the file was
// truncated or replaced before these lines.
using DeploymentLogCallbacks =
    WatchCallbacks<const QStringList & /*lines*/, bool /*replace*/, bool /*reset*/>;

// RolloutService for the console. Each call delivers its one result to `done` on `context`'s
// thread (see Session::submit); watches post to their context until the returned Watch is
// destroyed.
class RolloutApi {
public:
    explicit RolloutApi(Session *session)
        : m_session(session) {}

    // Starts a rollout of `spec.service`. FAILED_PRECONDITION when the service has an active
    // rollout, INVALID_ARGUMENT naming the field for a bad spec.
    void startRollout(const RolloutSpec &spec, QObject *context, ResultHandler<Rollout> done);
    // One page of rollouts, newest first, of `service` (empty: every service's).
    void listRollouts(const QString &service, bool activeOnly, const QString &pageToken,
                      int pageSize, QObject *context, ResultHandler<RolloutPage> done);
    // Every released service with its live colour, split and active rollout.
    void listReleases(QObject *context, ResultHandler<ReleaseList> done);
    // A rollout's log lines after `afterSequence`, oldest first.
    void listRolloutLog(const QString &rolloutId, qint64 afterSequence, int pageSize,
                        QObject *context, ResultHandler<RolloutLogPage> done);
    // Promote, pause, resume, abort, retry or undo `id`, with `reason` recorded; the rollout once
    // the action is durable (the traffic may still be moving: the watch shows it).
    // FAILED_PRECONDITION when it does not apply to the phase.
    void act(RolloutAction action, const QString &id, const QString &reason, QObject *context,
             ResultHandler<Rollout> done);

    // Streams changes of rollouts and releases and new log lines of `service` (empty: every
    // service) in revision order from `startRevision` (0: from now).
    WatchPtr watchRollouts(const QString &service, qint64 startRevision, QObject *context,
                           RolloutWatchCallbacks callbacks);

    // Follows the log of `instanceId` of `service` (deployed by the process driver): its last
    // `tailLines` lines (containing `filter`, if set), then every new one. After an error it opens
    // the stream again with the tail (`replace`); NOT_FOUND, INVALID_ARGUMENT and refusals end
    // it, reported through onLive(false, why).
    WatchPtr followDeploymentLogs(const QString &service, const QString &instanceId, int tailLines,
                                  const QString &filter, QObject *context,
                                  DeploymentLogCallbacks callbacks);

private:
    Session *m_session; // Not owned.
};

} // namespace aegis::console
