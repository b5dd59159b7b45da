#pragma once

#include "net/connection_types.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QMetaType>
#include <QPair>
#include <QString>
#include <QStringList>

#include <optional>

// Rollouts, releases and their log (RolloutService).
namespace aegis::console {

// Mirrors aegis.v1.RolloutStrategy; the numeric values are the protocol's.
enum class RolloutStrategy { Unspecified = 0, BlueGreen = 1, Canary = 2 };

// Mirrors aegis.v1.RolloutPhase; the numeric values are the protocol's.
enum class RolloutPhase {
    Unspecified = 0,
    Pending = 1,
    Provisioning = 2,
    Verifying = 3,
    AwaitingApproval = 4,
    Switching = 5,
    Baking = 6,
    Finalizing = 7,
    Succeeded = 8,
    Aborting = 9,
    RolledBack = 10,
    Failed = 11,
};

// Succeeded, rolled back or failed: nothing more happens unless an operator acts.
constexpr bool isFinishedPhase(RolloutPhase phase) {
    return phase == RolloutPhase::Succeeded || phase == RolloutPhase::RolledBack ||
           phase == RolloutPhase::Failed;
}

// The operator actions on a rollout (RolloutService's custom verbs).
enum class RolloutAction { Promote, Pause, Resume, Abort, Retry, Undo };

// A copy of aegis.v1.AvailableAction: whether the daemon accepts the action now, and if not, why.
struct AvailableAction {
    RolloutAction action = RolloutAction::Promote;
    bool enabled = false;
    QString disabledReason;
    friend bool operator==(const AvailableAction &, const AvailableAction &) = default;
};

// A copy of aegis.v1.TrafficSplit: percentages that add up to 100.
struct TrafficSplit {
    int blue = 0;
    int green = 0;

    // The share of `colour` ("blue" or "green"; 0 for anything else).
    int share(const QString &colour) const;
    friend bool operator==(const TrafficSplit &, const TrafficSplit &) = default;
};

// A copy of aegis.v1.CanaryStep.
struct CanaryStep {
    int weight = 100;
    qint64 pauseMs = 0;
    bool untilPromoted = false;

    friend bool operator==(const CanaryStep &, const CanaryStep &) = default;
};

// A copy of aegis.v1.RolloutSpec; unset optional fields leave the daemon's default.
struct RolloutSpec {
    QString service;
    QString version;
    // 0: as many as the live colour has.
    int replicas = 0;
    RolloutStrategy strategy = RolloutStrategy::BlueGreen;
    QList<CanaryStep> steps;
    // Empty: the service's last release's (else "process" / "registry").
    QString driver;
    QMap<QString, QString> driverParams;
    QString router;
    QMap<QString, QString> routerParams;
    std::optional<qint64> healthyForMs;
    bool requireApproval = false;
    qint64 bakeTimeMs = 0;
    std::optional<qint64> scaleDownDelayMs;
    std::optional<qint64> progressDeadlineMs;
    QString description;

    // The steps the daemon walks, which current_step indexes: the given ones, with a step of
    // 100 appended when the last is lower; one step of 100 when none are given (as the
    // controller's RolloutSpec::effectiveSteps()).
    QList<CanaryStep> effectiveSteps() const;
    friend bool operator==(const RolloutSpec &, const RolloutSpec &) = default;
};

// A copy of aegis.v1.RolloutTransition.
struct RolloutTransition {
    RolloutPhase phase = RolloutPhase::Unspecified;
    QDateTime time;
    QString reason;

    friend bool operator==(const RolloutTransition &, const RolloutTransition &) = default;
};

// A copy of aegis.v1.Rollout.
struct Rollout {
    // "<service>-<n>".
    QString id;
    RolloutSpec spec;
    RolloutPhase phase = RolloutPhase::Unspecified;
    bool paused = false;
    QString message;
    // "" for a service's first rollout.
    QString stableColor;
    QString stableVersion;
    QString newColor;
    TrafficSplit traffic;
    int currentStep = 0;
    // While switching: the current step's weight is in effect (its pause runs).
    bool stepApplied = false;
    int healthyInstances = 0;
    int registeredInstances = 0;
    int attempt = 1;
    QString createdBy;
    QDateTime createTime;
    QDateTime phaseTime;
    QDateTime finishTime;
    // Oldest first.
    QList<RolloutTransition> transitions;
    QDateTime undoUntil;
    qint64 createRevision = 0;
    qint64 modRevision = 0;
    // As the daemon judged them when it answered (empty from a daemon that does not say).
    QList<AvailableAction> availableActions;

    bool isActive() const { return phase != RolloutPhase::Unspecified && !isFinishedPhase(phase); }
    // n of "<service>-<n>" (0 when the id does not end in a number): orders a service's rollouts.
    int number() const;
    friend bool operator==(const Rollout &, const Rollout &) = default;
};

// A copy of aegis.v1.ColorDeployment.
struct ColorDeployment {
    QString color;
    QString version;
    int replicas = 0;
    QString driver;
    QString rolloutId;

    friend bool operator==(const ColorDeployment &, const ColorDeployment &) = default;
};

// A copy of aegis.v1.Release: a service as rollouts left it.
struct Release {
    QString service;
    // "" before the first rollout succeeded.
    QString liveColor;
    QString liveVersion;
    TrafficSplit traffic;
    QList<ColorDeployment> deployments;
    QString activeRolloutId;
    QString lastRolloutId;
    QString driver;
    QMap<QString, QString> driverParams;
    QString router;
    QMap<QString, QString> routerParams;
    qint64 modRevision = 0;

    // What runs on `color`, if anything.
    std::optional<ColorDeployment> deployment(const QString &color) const;
    friend bool operator==(const Release &, const Release &) = default;
};

// A copy of aegis.v1.RolloutLogLine.
struct RolloutLogLine {
    QString rolloutId;
    qint64 sequence = 0;
    QDateTime time;
    QString line;

    friend bool operator==(const RolloutLogLine &, const RolloutLogLine &) = default;
};

struct RolloutPage {
    // Empty: every service's.
    QString service;
    // Newest first.
    QList<Rollout> rollouts;
    QString nextPageToken;
    qint64 revision = 0;
};

struct ReleaseList {
    QList<Release> releases;
    // The revision the list was served at; a watch started at revision + 1 misses nothing.
    qint64 revision = 0;
};

struct RolloutLogPage {
    QString rolloutId;
    // Oldest first.
    QList<RolloutLogLine> lines;
    // Lines after the last one returned exist.
    bool more = false;
    qint64 revision = 0;
};

// A copy of aegis.v1.RolloutEvent: exactly one of the three is set.
struct RolloutEvent {
    qint64 revision = 0;
    std::optional<Rollout> rollout;
    std::optional<Release> release;
    std::optional<RolloutLogLine> logLine;
};

} // namespace aegis::console

Q_DECLARE_METATYPE(aegis::console::RolloutPhase)
Q_DECLARE_METATYPE(aegis::console::RolloutAction)
Q_DECLARE_METATYPE(aegis::console::TrafficSplit)
Q_DECLARE_METATYPE(aegis::console::RolloutSpec)
Q_DECLARE_METATYPE(aegis::console::Rollout)
Q_DECLARE_METATYPE(aegis::console::Release)
Q_DECLARE_METATYPE(aegis::console::RolloutLogLine)
Q_DECLARE_METATYPE(aegis::console::RolloutPage)
Q_DECLARE_METATYPE(aegis::console::ReleaseList)
Q_DECLARE_METATYPE(aegis::console::RolloutLogPage)
Q_DECLARE_METATYPE(aegis::console::RolloutEvent)
