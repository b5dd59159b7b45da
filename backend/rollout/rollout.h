#pragma once

#include "common/status.h"
#include "rollout/color.h"
#include "rollout/deploy_driver.h"
#include "rollout/rollout_analysis.h"
#include "rollout/traffic_router.h"
#include "store/store.h"

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace aegis::rollout {

using Params = std::map<std::string, std::string>;

// Numeric values match aegis.v1.RolloutPhase.
enum class Phase {
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

// "pending", "provisioning", ... "rolled_back", "failed".
std::string_view phaseName(Phase phase);
// Succeeded, RolledBack and Failed: nothing more happens unless an operator acts.
constexpr bool isFinished(Phase phase) {
    return phase == Phase::Succeeded || phase == Phase::RolledBack || phase == Phase::Failed;
}

// Numeric values match aegis.v1.RolloutStrategy.
enum class Strategy { BlueGreen = 1, Canary = 2 };

struct CanaryStep {
    // The new colour's share, 1..100.
    int weight = 100;
    std::chrono::milliseconds pause{0};
    bool untilPromoted = false;
    bool operator==(const CanaryStep &) const = default;
};

struct RolloutSpec {
    std::string service;
    std::string version;
    // 0: as many as the live colour runs (at least 1).
    int replicas = 0;
    Strategy strategy = Strategy::BlueGreen;
    std::vector<CanaryStep> steps;
    // Empty: from the service's last release.
    std::string driver;
    Params driverParams;
    std::string router;
    Params routerParams;
    std::chrono::milliseconds healthyFor{10'000};
    bool requireApproval = false;
    std::chrono::milliseconds bakeTime{0};
    std::chrono::milliseconds scaleDownDelay{30'000};
    std::chrono::milliseconds progressDeadline{600'000};
    std::string description;
    // PromQL checks and the canary comparison that gate verification, the steps and the bake.
    AnalysisSpec analysis;

    // The steps the rollout walks: the given ones with the last raised to 100, or one step of 100.
    std::vector<CanaryStep> effectiveSteps() const;
};

// Checks everything but the driver's and router's own parameters: INVALID_ARGUMENT naming the
// field (`spec.<field>`) and the limit.
Status validateSpec(const RolloutSpec &spec);

struct Transition {
    Phase phase = Phase::Pending;
    std::chrono::system_clock::time_point time;
    std::string reason;
};

struct Rollout {
    std::string id;
    RolloutSpec spec;
    Phase phase = Phase::Pending;
    bool paused = false;
    std::string message;
    std::optional<Color> stableColor;
    std::string stableVersion;
    Color newColor = Color::Blue;
    TrafficSplit traffic;
    // While switching: the step being applied or waited on, and whether its weight is in effect.
    int currentStep = 0;
    bool stepApplied = false;
    // When the current wait began: entering the phase, a step's weight applied, a resume.
    std::chrono::system_clock::time_point stepTime;
    // Provisioning and verifying must be done by then (progress deadline; restarts on resume).
    std::chrono::system_clock::time_point deadline;
    int healthyInstances = 0;
    int registeredInstances = 0;
    int attempt = 1;
    std::string createdBy;
    std::chrono::system_clock::time_point createTime;
    std::chrono::system_clock::time_point phaseTime;
    std::chrono::system_clock::time_point finishTime;
    std::vector<Transition> transitions;
    std::chrono::system_clock::time_point undoUntil;
    // The analysis' progress and results (empty without spec.analysis).
    AnalysisStatus analysis;
    store::Revision createRevision = 0;
    store::Revision modRevision = 0;
};

// What runs on one colour of a service.
struct ColorDeployment {
    std::string version;
    int replicas = 0;
    std::string driver;
    Params driverParams;
    DriverState driverState;
    std::string rolloutId;
};

// A service as its rollouts left it.
struct Release {
    std::string service;
    std::optional<Color> liveColor;
    std::string liveVersion;
    TrafficSplit traffic;
    std::map<Color, ColorDeployment> deployments;
    std::string activeRolloutId;
    std::string lastRolloutId;
    int rolloutCount = 0;
    // The driver and router of the last rollout, the defaults of the next.
    std::string driver;
    Params driverParams;
    std::string router;
    Params routerParams;
    // A colour replaced by a successful rollout, torn down at scaleDownTime.
    std::optional<Color> scaleDownColor;
    std::chrono::system_clock::time_point scaleDownTime;
    store::Revision modRevision = 0;
};

struct LogLine {
    std::string rolloutId;
    std::int64_t sequence = 0;
    std::chrono::system_clock::time_point time;
    std::string line;
};

// Store layout, under /rollouts/.
namespace keys {
inline constexpr std::string_view kPrefix = "/rollouts/";
inline constexpr std::string_view kItems = "/rollouts/items/";
inline constexpr std::string_view kReleases = "/rollouts/releases/";
inline constexpr std::string_view kLog = "/rollouts/log/";
std::string rollout(const std::string &id);
std::string release(const std::string &service);
std::string logLine(const std::string &rolloutId, std::int64_t sequence);
std::string logPrefix(const std::string &rolloutId);
} // namespace keys

// "<service>-<n>"; the service is everything before the last '-'.
std::string rolloutId(const std::string &service, int number);
std::optional<std::pair<std::string, int>> parseRolloutId(std::string_view id);

std::string encode(const Rollout &rollout);
std::string encode(const Release &release);
std::string encode(const LogLine &line);
std::optional<Rollout> decodeRollout(const store::KeyValue &kv);
std::optional<Release> decodeRelease(const store::KeyValue &kv);
std::optional<LogLine> decodeLogLine(const store::KeyValue &kv);

} // namespace aegis::rollout
