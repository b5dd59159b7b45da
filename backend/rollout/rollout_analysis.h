#pragma once

#include "common/status.h"
#include "metrics/canary_judge.h"

#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace aegis::rollout {

// When a check measures. Values are bits of AnalysisCheck::stages and match
// aegis.v1.AnalysisStage as 1 << (value - 1).
enum AnalysisStage : unsigned {
    // While the new instances are verified (before any traffic moves).
    kVerification = 1,
    // At each canary step, once its weight is in effect.
    kCanarySteps = 2,
    // Through the bake, all traffic on the new colour.
    kBake = 4,
};
inline constexpr unsigned kEveryStage = kVerification | kCanarySteps | kBake;

// `result < 0.01`, `result >= 0.95`: how a measurement's value passes.
struct Condition {
    enum class Op { Less, LessEqual, Greater, GreaterEqual, Equal, NotEqual };
    Op op = Op::Less;
    double threshold = 0;
    bool holds(double value) const;
    // "result < 0.01".
    std::string text() const;
};

// Parses `result <op> <number>` (op one of < <= > >= == !=); INVALID_ARGUMENT naming `field`.
StatusOr<Condition> parseCondition(std::string_view text, std::string_view field);

// A PromQL check, measured like an Argo Rollouts AnalysisTemplate metric: `count` measurements,
// `interval` apart, the first `initialDelay` after its stage begins; the check fails once more
// than `failureLimit` measurements failed, and is inconclusive once more than
// `inconclusiveLimit` were (an empty result, NaN, or a query error).
struct AnalysisCheck {
    std::string name;
    // May hold {service}, {new_color}, {stable_color}, {new_version} and {stable_version}.
    std::string query;
    std::string successCondition;
    std::chrono::milliseconds interval{60'000};
    std::chrono::milliseconds initialDelay{0};
    // 0: measures every interval as long as its stage lasts without holding it; otherwise the
    // stage does not end before the check has taken `count` measurements.
    int count = 0;
    int failureLimit = 0;
    int inconclusiveLimit = 0;
    // AnalysisStage bits.
    unsigned stages = kEveryStage;
    bool operator==(const AnalysisCheck &) const = default;
};

// Values match aegis.v1.CanaryMetric.
enum class CanaryMetric { ErrorRatio = 1, LatencyP99 = 2 };
// "error_ratio", "latency_p99".
std::string_view canaryMetricName(CanaryMetric metric);

// The new colour against the stable one at each canary step (weight below 100), judged by
// metrics::judgeCanary over per-interval samples of the same window.
struct CanaryComparison {
    bool enabled = false;
    // Each judgement looks back this far; the first comes one window after the step began.
    std::chrono::milliseconds window{300'000};
    // One sample per colour and metric this often (also the rate() window of the queries).
    std::chrono::milliseconds sampleInterval{30'000};
    std::vector<CanaryMetric> metrics{CanaryMetric::ErrorRatio, CanaryMetric::LatencyP99};
    // A score (0-100) below marginalThreshold is marginal, below failThreshold a fail (rollback).
    double marginalThreshold = 95;
    double failThreshold = 75;
    // Inconclusive judgements (too few samples, a query error) allowed per step before the
    // rollout pauses for the operator.
    int inconclusiveLimit = 0;
    bool operator==(const CanaryComparison &) const = default;
};

struct AnalysisSpec {
    std::vector<AnalysisCheck> checks;
    CanaryComparison comparison;
    bool empty() const { return checks.empty() && !comparison.enabled; }
    bool operator==(const AnalysisSpec &) const = default;
};

// INVALID_ARGUMENT naming the field (`spec.analysis.checks[0].interval_ms`) and the limit.
Status validateAnalysis(const AnalysisSpec &analysis);

// The query with its placeholders filled in.
struct AnalysisScope {
    std::string service;
    std::string newColor;
    std::string stableColor;
    std::string newVersion;
    std::string stableVersion;
};
std::string expandPlaceholders(std::string_view query, const AnalysisScope &scope);

// ---- progress, kept in the rollout record --------------------------------------------------

enum class RunState { Running = 1, Passed = 2, Failed = 3, Inconclusive = 4 };
// "running", "passed", "failed", "inconclusive".
std::string_view runStateName(RunState state);

struct Measurement {
    std::chrono::system_clock::time_point time;
    // NaN when there was none (empty result, error).
    double value = std::numeric_limits<double>::quiet_NaN();
    // Pass, Fail or Inconclusive.
    metrics::Verdict verdict = metrics::Verdict::Inconclusive;
    // Why it is inconclusive (the query's error, "empty result").
    std::string detail;
};

// One check measured through one stage.
struct CheckRun {
    std::string check;
    // "verification", "step 2", "bake".
    std::string stage;
    RunState state = RunState::Running;
    int successes = 0;
    int failures = 0;
    int inconclusives = 0;
    // The latest measurements, oldest first (at most kMeasurementsKept).
    std::vector<Measurement> measurements;
    int measured() const { return successes + failures + inconclusives; }
};

// One canary comparison judgement.
struct ComparisonResult {
    std::string stage;
    std::chrono::system_clock::time_point time;
    metrics::Verdict verdict = metrics::Verdict::Inconclusive;
    double score = 0;
    std::string summary;
    std::vector<metrics::MetricJudgement> metrics;
};

struct AnalysisStatus {
    // The stage being analysed ("" before the first, or after a resume: it starts over).
    std::string stage;
    std::chrono::system_clock::time_point stageStart;
    // Runs from firstRun on belong to the current stage; earlier ones are history.
    std::size_t firstRun = 0;
    std::vector<CheckRun> runs;
    std::vector<ComparisonResult> comparisons;
};

inline constexpr std::size_t kMeasurementsKept = 30;
inline constexpr std::size_t kComparisonsKept = 30;

// The JSON of the rollout record (rollout.cpp).
nlohmann::json encodeAnalysisSpec(const AnalysisSpec &spec);
AnalysisSpec decodeAnalysisSpec(const nlohmann::json &value);
nlohmann::json encodeAnalysisStatus(const AnalysisStatus &status);
AnalysisStatus decodeAnalysisStatus(const nlohmann::json &value);

} // namespace aegis::rollout
