#pragma once

#include "net/alert_types.h"
#include "net/call_result.h"
#include "net/watch.h"

class QObject;

namespace aegis::console {

class Session;

using AlertWatchCallbacks = WatchCallbacks<const AlertBatch & /*batch*/>;

// AlertService for the console: alerts, their history, rule files, the test of a draft rule,
// silences and the alerting status. One method per RPC; each delivers its one result to `done`
// on `context`'s thread (see Session::submit). A rule file the daemon refuses is
// INVALID_ARGUMENT naming the group, rule, line and column; a stale base version is ABORTED.
class AlertsApi {
public:
    explicit AlertsApi(Session *session)
        : m_session(session) {}

    void listAlerts(const AlertQuery &query, QObject *context, ResultHandler<AlertList> done);
    // The transitions of alert `alertId` or, when it is empty, of every alert of `rule`, newest
    // first, at most `limit` (0: the daemon's default, 100).
    void alertHistory(const QString &alertId, const QString &rule, int limit, QObject *context,
                      ResultHandler<QList<AlertTransitionInfo>> done);

    // The rules of `file` (empty: of every file) with their health, and the files.
    void listRules(const QString &file, QObject *context, ResultHandler<RuleList> done);
    void getRuleFile(const QString &name, QObject *context, ResultHandler<RuleFileContent> done);
    // Creates (baseVersion 0) or replaces a rule file, compare-and-set on `baseVersion`.
    void putRuleFile(const QString &name, const QString &content, qint64 baseVersion,
                     const QString &comment, QObject *context, ResultHandler<RuleFilePut> done);
    void deleteRuleFile(const QString &name, qint64 expectedVersion, QObject *context,
                        ResultHandler<Acknowledged> done);
    // Every problem of a draft file; with `checkExpressions` the metrics backend parses each
    // expression too.
    void validateRuleFile(const QString &content, bool checkExpressions, QObject *context,
                          ResultHandler<RuleValidation> done);
    // Evaluates one draft alerting rule (YAML, as in a group's `rules`) now, at `intervalMs`
    // (0: the daemon's evaluation interval).
    void testRule(const QString &rule, qint64 intervalMs, QObject *context,
                  ResultHandler<RuleTestResult> done);

    void listSilences(bool includeExpired, QObject *context,
                      ResultHandler<QList<SilenceInfo>> done);
    void createSilence(const SilenceDraft &draft, QObject *context,
                       ResultHandler<SilenceInfo> done);
    void expireSilence(const QString &id, QObject *context, ResultHandler<Acknowledged> done);

    void alertmanagerConfig(QObject *context, ResultHandler<AlertmanagerConfig> done);
    // Returns the new version (0 when a proposal was made instead).
    void putAlertmanagerConfig(const QString &content, qint64 baseVersion, const QString &comment,
                               QObject *context, ResultHandler<qint64> done);
    void alertingStatus(QObject *context, ResultHandler<AlertingStatus> done);

    // Follows every change of the alerts `matchers` select (empty: all). From `startRevision` 0
    // the first batch is a snapshot; the stream resumes after errors by itself, onLive reports
    // it, and a compacted history ends it with onResync (watch again from 0). A refused caller
    // or a daemon without alerting ends it: onLive(false, why) and nothing more.
    WatchPtr watchAlerts(const QList<AlertMatcher> &matchers, qint64 startRevision,
                         QObject *context, AlertWatchCallbacks callbacks);

private:
    Session *m_session; // Not owned.
};

} // namespace aegis::console
