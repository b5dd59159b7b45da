#include "metrics/canary_judge.h"

#include "common/median.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace aegis::metrics {
namespace {

std::vector<double> finite(const std::vector<double> &values) {
    std::vector<double> result;
    result.reserve(values.size());
    std::copy_if(values.begin(), values.end(), std::back_inserter(result),
                 [](double v) { return std::isfinite(v); });
    return result;
}

std::string number(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.4g", value);
    return text;
}

} // namespace

std::string_view verdictName(Verdict verdict) {
    switch (verdict) {
    case Verdict::Pass:
        return "pass";
    case Verdict::Marginal:
        return "marginal";
    case Verdict::Fail:
        return "fail";
    case Verdict::Inconclusive:
        break;
    }
    return "inconclusive";
}

MannWhitney mannWhitneyU(const std::vector<double> &candidate, const std::vector<double> &baseline,
                         Direction direction) {
    const double n1 = static_cast<double>(candidate.size());
    const double n2 = static_cast<double>(baseline.size());
    // Rank the pooled samples, ties sharing their average rank.
    std::vector<std::pair<double, bool>> pooled; // value, from the candidate
    for (double v : candidate) {
        pooled.emplace_back(v, true);
    }
    for (double v : baseline) {
        pooled.emplace_back(v, false);
    }
    std::sort(pooled.begin(), pooled.end(),
              [](const auto &a, const auto &b) { return a.first < b.first; });
    double candidateRanks = 0;
    double tieTerm = 0;
    for (std::size_t i = 0; i < pooled.size();) {
        std::size_t j = i;
        while (j < pooled.size() && pooled[j].first == pooled[i].first) {
            ++j;
        }
        const double rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
        const double tied = static_cast<double>(j - i);
        tieTerm += tied * tied * tied - tied;
        for (std::size_t k = i; k < j; ++k) {
            if (pooled[k].second) {
                candidateRanks += rank;
            }
        }
        i = j;
    }
    // U of the candidate counts the pairs where it is higher; turned round when lower is worse.
    const double higher = candidateRanks - n1 * (n1 + 1) / 2;
    MannWhitney result;
    result.u = direction == Direction::HigherIsWorse ? higher : n1 * n2 - higher;
    result.effectSize = result.u / (n1 * n2);
    const double n = n1 + n2;
    const double variance = n1 * n2 / 12 * ((n + 1) - tieTerm / (n * (n - 1)));
    if (variance <= 0) {
        return result; // every sample ties
    }
    const double mean = n1 * n2 / 2;
    result.z = (result.u - mean - 0.5) / std::sqrt(variance);
    result.pValue = 0.5 * std::erfc(result.z / std::sqrt(2.0));
    return result;
}

Judgement judgeCanary(const std::vector<MetricSamples> &metrics, const JudgeOptions &options) {
    Judgement judgement;
    double total = 0;
    int conclusive = 0;
    std::string worse;
    for (const MetricSamples &samples : metrics) {
        MetricJudgement metric;
        metric.name = samples.name;
        const std::vector<double> baseline = finite(samples.baseline);
        const std::vector<double> candidate = finite(samples.candidate);
        metric.baselineCount = baseline.size();
        metric.candidateCount = candidate.size();
        metric.baselineMedian = median(baseline);
        metric.candidateMedian = median(candidate);
        if (baseline.size() < options.minSamples || candidate.size() < options.minSamples ||
            baseline.empty() || candidate.empty()) {
            judgement.metrics.push_back(metric);
            continue;
        }
        metric.test = mannWhitneyU(candidate, baseline, samples.direction);
        if (metric.test.pValue >= options.alpha) {
            metric.score = 100;
        } else {
            metric.score = std::clamp(200 * (1 - metric.test.effectSize), 0.0, 100.0);
            worse += (worse.empty() ? "" : "; ") + metric.name + " worse (median " +
                     number(metric.candidateMedian) + " vs " + number(metric.baselineMedian) +
                     ", U=" + number(metric.test.u) + ", p=" + number(metric.test.pValue) + ")";
        }
        metric.verdict = metric.score < options.failThreshold       ? Verdict::Fail
                         : metric.score < options.marginalThreshold ? Verdict::Marginal
                                                                    : Verdict::Pass;
        total += metric.score;
        ++conclusive;
        judgement.metrics.push_back(metric);
    }
    if (conclusive == 0) {
        judgement.summary = "inconclusive: fewer than " + std::to_string(options.minSamples) +
                            " samples of each colour";
        return judgement;
    }
    judgement.score = total / conclusive;
    judgement.verdict = judgement.score < options.failThreshold       ? Verdict::Fail
                        : judgement.score < options.marginalThreshold ? Verdict::Marginal
                                                                      : Verdict::Pass;
    judgement.summary = std::string(verdictName(judgement.verdict)) + " (score " +
                        number(judgement.score) + ")" + (worse.empty() ? "" : ": " + worse);
    return judgement;
}

} // namespace aegis::metrics
