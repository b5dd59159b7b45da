#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace aegis::metrics {

// Which way a metric goes bad: error ratio and latency are worse when higher.
enum class Direction { HigherIsWorse, LowerIsWorse };

enum class Verdict { Pass, Marginal, Fail, Inconclusive };

// "pass", "marginal", "fail", "inconclusive".
std::string_view verdictName(Verdict verdict);

// The Mann–Whitney U test of `candidate` against `baseline`, one-sided in the bad direction.
struct MannWhitney {
    // U of the candidate: pairs (candidate, baseline) where the candidate is worse, ties counting
    // one half; between 0 and n1 × n2.
    double u = 0;
    // The normal approximation's z (tie-corrected, with continuity correction).
    double z = 0;
    // Probability of a U at least this bad if both came from one distribution; 1 when every
    // sample ties (nothing tells them apart).
    double pValue = 1;
    // Probability that a candidate sample is worse than a baseline one (ties half): 0.5 is no
    // difference, 1 every candidate sample worse than every baseline one.
    double effectSize = 0.5;
};

// Non-finite samples must have been removed; both vectors non-empty.
MannWhitney mannWhitneyU(const std::vector<double> &candidate, const std::vector<double> &baseline,
                         Direction direction);

// One metric's per-interval samples of the baseline (stable colour) and the candidate (new
// colour) over the same window. NaN and infinite samples (an interval without traffic) are
// ignored.
struct MetricSamples {
    std::string name;
    Direction direction = Direction::HigherIsWorse;
    std::vector<double> baseline;
    std::vector<double> candidate;
};

struct JudgeOptions {
    // A metric is worse only when the test's p-value is below this.
    double alpha = 0.05;
    // A metric with fewer usable samples on either side is inconclusive.
    std::size_t minSamples = 3;
    // The overall score (0-100) below marginalThreshold is marginal, below failThreshold a fail.
    double marginalThreshold = 95;
    double failThreshold = 75;
};

struct MetricJudgement {
    std::string name;
    Verdict verdict = Verdict::Inconclusive;
    // 100 when the candidate is not significantly worse; otherwise 100 × 2 × (1 − effect size),
    // 0 when every candidate sample is worse.
    double score = 0;
    MannWhitney test;
    double baselineMedian = 0;
    double candidateMedian = 0;
    std::size_t baselineCount = 0;
    std::size_t candidateCount = 0;
};

struct Judgement {
    // Inconclusive when no metric had enough samples.
    Verdict verdict = Verdict::Inconclusive;
    // The mean of the conclusive metrics' scores.
    double score = 0;
    std::vector<MetricJudgement> metrics;
    // "fail (score 0): error_ratio worse (median 0.12 vs 0, U=100, p=0.0001)".
    std::string summary;
};

// Judges a canary as Kayenta does: each metric by a Mann–Whitney U test of its samples, the
// metric scores averaged and the average compared with the thresholds. Pure: no I/O, no clock.
Judgement judgeCanary(const std::vector<MetricSamples> &metrics, const JudgeOptions &options = {});

} // namespace aegis::metrics
