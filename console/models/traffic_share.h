#pragma once

#include "net/api_types.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QString>

#include <optional>

namespace aegis::console {

// What a deployment colour of a released service is doing, from its release and latest rollout.
enum class ColourRole {
    // Not released through rollouts, or the instance has no blue/green colour.
    None,
    // Takes traffic.
    Live,
    // Deployed, takes no traffic: a new colour before the switch, or a colour nothing uses.
    Idle,
    // Takes no traffic but is kept running so the last switch can be undone (or aborted while
    // the new colour bakes).
    WarmForUndo,
    // Takes no traffic and is being scaled down: the old colour after its undo window, the new
    // one of an aborted, rolled back or failed rollout.
    TearingDown,
};

// "live", "idle", "warm for undo", "being torn down"; empty for None.
QString colourRoleName(ColourRole role);

// A released service's rollout state as the console receives it (ReleaseModel's row).
struct ServiceRolloutState {
    Release release;
    std::optional<Rollout> latest;
};

// What `colour` of a service does, given its rollout state at `now` (undo windows close).
// Colours other than blue and green, and services without a release, are None.
ColourRole colourRole(const QString &colour, const ServiceRolloutState &state,
                      const QDateTime &now);

// The traffic split in force: the active rollout's while one runs, else the release's.
TrafficSplit effectiveSplit(const ServiceRolloutState &state);

// One instance's effective share of its service's traffic.
struct InstanceTraffic {
    // 0..100: the percentage of the service's requests this instance receives.
    double share = 0;
    // The instance's colour ("blue", "green", else empty) and that colour's role.
    QString colour;
    ColourRole role = ColourRole::None;
    // Why the share is 0 (empty when it is not): "draining", "not routed", "weight 0", "green
    // takes 0 % of the traffic".
    QString zeroReason;

    friend bool operator==(const InstanceTraffic &, const InstanceTraffic &) = default;
};

// Every instance of one service: its traffic weight (from the registration) within its colour's
// percentage of the split (from the release or active rollout), by key (service/id). An instance
// takes traffic only when it is serving, routable and its weight is positive; the others get 0
// and a reason, and the colour's percentage is shared among the rest in proportion to their
// weights. Without a release (or for instances without a blue/green colour) the service's whole
// traffic is shared by weight. A colour whose percentage finds no instance to take it leaves
// that percentage unserved; the shares then add up to less than 100.
QHash<QString, InstanceTraffic> trafficShares(const QList<ServiceInstance> &instances,
                                              const std::optional<ServiceRolloutState> &state,
                                              const QDateTime &now);

// "25 %", "37.5 %", "8.3 %", "0.04 %", "0 %": from 10 on whole numbers or one decimal, below up
// to two significant digits, so a small non-zero share never reads as 0.
QString formatShare(double percent);

} // namespace aegis::console
