#pragma once

#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <utility>

// What AlertService answers, as plain values: alerts and their transitions, rules and rule
// files, validation diagnostics, a draft rule's test, silences and the alerting status.
namespace aegis::console {

// Labels or annotations in the order the daemon sent them (labels sorted by name).
using AlertLabels = QList<std::pair<QString, QString>>;

// The value of `name` in `labels`; empty when it has none.
QString labelValue(const AlertLabels &labels, const QString &name);

// Mirrors aegis.v1.AlertState; the numeric values are the protocol's.
enum class AlertState { Unspecified = 0, Pending = 1, Firing = 2, Resolved = 3, Inactive = 4 };

// A copy of aegis.v1.Alert.
struct AlertInfo {
    QString id;
    // "<file>/<group>/<alertname>".
    QString rule;
    AlertLabels labels;
    AlertLabels annotations;
    AlertState state = AlertState::Unspecified;
    double value = 0;
    QDateTime activeAt;
    QDateTime firedAt;
    QDateTime resolvedAt;
    QDateTime lastSentAt;
    QDateTime keepFiringSince;
    QStringList silencedBy;
    QDateTime lastEvaluation;

    QString name() const { return labelValue(labels, QStringLiteral("alertname")); }
    bool isSilenced() const { return !silencedBy.isEmpty(); }
    friend bool operator==(const AlertInfo &, const AlertInfo &) = default;
};

// A copy of aegis.v1.Matcher: name="v", name!="v", name=~"re", name!~"re".
struct AlertMatcher {
    QString name;
    QString value;
    bool isRegex = false;
    bool isEqual = true;

    friend bool operator==(const AlertMatcher &, const AlertMatcher &) = default;
};

// What ListAlerts selects.
struct AlertQuery {
    QList<AlertMatcher> matchers;
    bool includeResolved = false;
    bool excludeSilenced = false;
};

struct AlertList {
    QList<AlertInfo> alerts;
    qint64 revision = 0;
};

// One WatchAlerts event: the alert changed (or is new), or it is gone.
struct AlertChange {
    bool removed = false;
    AlertInfo alert;
};

// One WatchAlerts message.
struct AlertBatch {
    // The changes hold every current alert; whatever was known before and is not among them is
    // gone (the first message of a watch from 0).
    bool snapshot = false;
    QList<AlertChange> changes;
    qint64 revision = 0;
};

// A copy of aegis.v1.AlertTransition.
struct AlertTransitionInfo {
    QString alertId;
    QString rule;
    AlertLabels labels;
    AlertState from = AlertState::Unspecified;
    AlertState to = AlertState::Unspecified;
    double value = 0;
    QDateTime time;
};

// Mirrors aegis.v1.RuleHealth.
enum class RuleHealth { Unspecified = 0, Unknown = 1, Ok = 2, Err = 3 };

// A copy of aegis.v1.Rule.
struct AlertRuleInfo {
    QString file;
    QString group;
    QString name;
    bool recording = false;
    QString expr;
    qint64 forMs = 0;
    qint64 keepFiringForMs = 0;
    AlertLabels labels;
    AlertLabels annotations;
    qint64 intervalMs = 0;
    RuleHealth health = RuleHealth::Unspecified;
    QString lastError;
    QDateTime lastEvaluation;
    qint64 evaluationDurationUs = 0;
    int pending = 0;
    int firing = 0;
};

// A copy of aegis.v1.RuleFileSummary.
struct RuleFileSummary {
    QString name;
    qint64 version = 0;
    QString author;
    QDateTime updateTime;
    int groupCount = 0;
    int ruleCount = 0;
};

struct RuleList {
    QList<RuleFileSummary> files;
    QList<AlertRuleInfo> rules;
};

// GetRuleFile: the file exactly as it was put.
struct RuleFileContent {
    RuleFileSummary file;
    QString content;
};

// PutRuleFile's outcome: a new version, or a proposal where the namespace requires approval.
struct RuleFilePut {
    RuleFileSummary file;
    QString proposalId;
};

// A copy of aegis.v1.Diagnostic: line and column 1-based (0: no place).
struct RuleDiagnosticInfo {
    int line = 0;
    int column = 0;
    QString group;
    QString rule;
    QString message;
};

struct RuleValidation {
    QList<RuleDiagnosticInfo> diagnostics;
    int groupCount = 0;
    int ruleCount = 0;
};

// TestRule: what a draft rule would make active now.
struct RuleTestResult {
    QList<AlertInfo> alerts;
    int seriesCount = 0;
    QStringList warnings;
};

// Mirrors aegis.v1.SilenceState.
enum class SilenceState { Unspecified = 0, Active = 1, Pending = 2, Expired = 3 };

// A copy of aegis.v1.Silence.
struct SilenceInfo {
    QString id;
    QList<AlertMatcher> matchers;
    QDateTime startsAt;
    QDateTime endsAt;
    QString createdBy;
    QString comment;
    SilenceState state = SilenceState::Unspecified;
};

// What CreateSilence makes: `matchers` from `startsAt` (invalid: now) for `durationMs`.
struct SilenceDraft {
    QList<AlertMatcher> matchers;
    QDateTime startsAt;
    qint64 durationMs = 0;
    QString comment;
};

// A copy of aegis.v1.AlertmanagerStatus.
struct AlertmanagerInfo {
    QString url;
    bool up = false;
    QString lastError;
    QDateTime lastSuccess;
    QString version;
    int restarts = 0;
};

// A copy of aegis.v1.GetAlertingStatusResponse.
struct AlertingStatus {
    // "managed", "external" or "none".
    QString mode;
    QList<AlertmanagerInfo> alertmanagers;
    int ruleCount = 0;
    int erroringRules = 0;
    int pending = 0;
    int firing = 0;
    qint64 lastRoundDurationUs = 0;
    qint64 notificationsDropped = 0;
};

// Alertmanager's configuration item.
struct AlertmanagerConfig {
    QString content;
    qint64 version = 0;
};

} // namespace aegis::console

Q_DECLARE_METATYPE(aegis::console::AlertInfo)
Q_DECLARE_METATYPE(aegis::console::SilenceInfo)
