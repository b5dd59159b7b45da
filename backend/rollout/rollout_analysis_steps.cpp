// Analysis: the spec's PromQL checks and canary comparison measured through the QueryBackend
// during verification, at each canary step and through the bake. Queries are asynchronous; their
// answers come back to the strand and are recorded only if the rollout is still in the stage
// that asked. Firing alerts of the service gate the canary steps and the bake as well.

#include "rollout/rollout_controller.h"
#include "rollout/rollout_controller_state.h"

#include "common/duration.h"
#include "common/input_text.h"
#include "metrics/red_queries.h"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace aegis::rollout {

namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

constexpr milliseconds kLongestQuery = 30s;

std::string valueText(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

const AnalysisCheck *findCheck(const AnalysisSpec &spec, const std::string &name) {
    const auto it = std::find_if(spec.checks.begin(), spec.checks.end(),
                                 [&](const AnalysisCheck &check) { return check.name == name; });
    return it == spec.checks.end() ? nullptr : &*it;
}

bool comparesAt(const Rollout &rollout, AnalysisStage kind, int weight) {
    return kind == kCanarySteps && rollout.spec.analysis.comparison.enabled && weight < 100 &&
           rollout.stableColor.has_value();
}

// The comparisons judged in the current stage (since it began: a resume starts it over).
std::vector<const ComparisonResult *> stageComparisons(const AnalysisStatus &status) {
    std::vector<const ComparisonResult *> result;
    for (const ComparisonResult &comparison : status.comparisons) {
        if (comparison.stage == status.stage && comparison.time >= status.stageStart) {
            result.push_back(&comparison);
        }
    }
    return result;
}

// The measurement a query's answer gives: every series' value must satisfy the condition; the
// value kept is the first that does not, else the first.
Measurement evaluate(const StatusOr<metrics::QueryResult> &result, const Condition &condition,
                     system_clock::time_point now) {
    Measurement measurement;
    measurement.time = now;
    if (!result) {
        measurement.detail = "query failed: " + result.status().message();
        return measurement;
    }
    std::vector<double> values;
    for (const metrics::Series &series : result->series) {
        if (!series.values.empty()) {
            values.push_back(series.values.back());
        }
    }
    if (values.empty()) {
        measurement.detail = "empty result";
        return measurement;
    }
    measurement.value = values.front();
    for (double value : values) {
        if (std::isnan(value)) {
            measurement.value = value;
            measurement.detail = "NaN";
            return measurement;
        }
    }
    measurement.verdict = metrics::Verdict::Pass;
    for (double value : values) {
        if (!condition.holds(value)) {
            measurement.value = value;
            measurement.verdict = metrics::Verdict::Fail;
            break;
        }
    }
    return measurement;
}

} // namespace

struct RolloutController::ComparisonSamples {
    std::vector<metrics::MetricSamples> metrics;
    int pending = 0;
    std::string error;
    metrics::JudgeOptions options;
};

bool RolloutController::analysisHolds(const Rollout &rollout, AnalysisStage kind, int weight) {
    const auto &checks = rollout.spec.analysis.checks;
    return comparesAt(rollout, kind, weight) ||
           std::any_of(checks.begin(), checks.end(), [kind](const AnalysisCheck &check) {
               return (check.stages & kind) != 0 && check.count > 0;
           });
}

std::string RolloutController::firingAlert(const Rollout &rollout) const {
    if (m_alerts == nullptr) {
        return {};
    }
    const std::string newColor(colorName(rollout.newColor));
    for (const FiringAlert &alert : m_alerts->firing(rollout.spec.service)) {
        bool forService = false;
        bool otherColor = false;
        for (const auto &[name, value] : alert.labels) {
            forService = forService || (name == "service" && value == rollout.spec.service);
            otherColor = otherColor || (name == kColorLabel && value != newColor);
        }
        if (!forService || otherColor) {
            continue;
        }
        std::string labels;
        for (const auto &[name, value] : alert.labels) {
            if (name != "alertname") {
                labels += (labels.empty() ? "" : ", ") + name + "=\"" + value + "\"";
            }
        }
        return "alert " + alert.name + "{" + labels + "} is firing";
    }
    return {};
}

bool RolloutController::analyse(ReleaseState &state, Active &active, AnalysisStage kind,
                                const std::string &stage, int weight) {
    const Rollout &rollout = active.rollout;
    const AnalysisSpec &spec = rollout.spec.analysis;
    const bool compares = comparesAt(rollout, kind, weight);
    std::vector<CheckRun> runs;
    for (const AnalysisCheck &check : spec.checks) {
        if ((check.stages & kind) != 0) {
            CheckRun run;
            run.check = check.name;
            run.stage = stage;
            runs.push_back(std::move(run));
        }
    }
    if (runs.empty() && !compares) {
        return true;
    }
    if (rollout.analysis.stage != stage) {
        std::string what;
        for (const CheckRun &run : runs) {
            what += (what.empty() ? "" : ", ") + run.check;
        }
        if (compares) {
            what += (what.empty() ? "" : ", ") + std::string("canary comparison");
        }
        appendLog(rollout.id, "analysis of " + stage + " begins: " + what);
        persist(state,
                [this, stage, runs](Rollout &r, Release &) {
                    r.analysis.stage = stage;
                    r.analysis.stageStart = m_clock->now();
                    r.analysis.firstRun = r.analysis.runs.size();
                    r.analysis.runs.insert(r.analysis.runs.end(), runs.begin(), runs.end());
                },
                {}, {});
        return false;
    }
    const auto now = m_clock->now();
    bool holding = false;
    for (std::size_t i = rollout.analysis.firstRun; i < rollout.analysis.runs.size(); ++i) {
        const CheckRun &run = rollout.analysis.runs[i];
        const AnalysisCheck *check = findCheck(spec, run.check);
        if (check == nullptr) {
            continue;
        }
        if (run.state != RunState::Running) {
            // A failed or inconclusive run moved the rollout on (or paused it) in the same write.
            holding = holding || run.state != RunState::Passed;
            continue;
        }
        holding = holding || check->count > 0;
        const auto due =
            rollout.analysis.stageStart + check->initialDelay + run.measured() * check->interval;
        if (now >= due && active.measuring.count(stage + "/" + run.check) == 0) {
            measure(active, *check);
        }
    }
    if (compares) {
        const auto judged = stageComparisons(rollout.analysis);
        holding = holding || std::none_of(judged.begin(), judged.end(), [](const auto *c) {
                      return c->verdict == metrics::Verdict::Pass ||
                             c->verdict == metrics::Verdict::Marginal;
                  });
        const auto due = rollout.analysis.stageStart +
                         spec.comparison.window * static_cast<int>(judged.size() + 1);
        if (now >= due && !active.comparing) {
            compare(active);
        }
    }
    return !holding;
}

void RolloutController::measure(Active &active, const AnalysisCheck &check) {
    const Rollout &rollout = active.rollout;
    const AnalysisScope scope{rollout.spec.service, std::string(colorName(rollout.newColor)),
                              rollout.stableColor ? std::string(colorName(*rollout.stableColor))
                                                  : std::string(),
                              rollout.spec.version, rollout.stableVersion};
    metrics::InstantQuery request;
    request.query = expandPlaceholders(check.query, scope);
    request.time = m_clock->now();
    request.timeout = std::min(check.interval, kLongestQuery);
    const std::string stage = rollout.analysis.stage;
    active.measuring.insert(stage + "/" + check.name);
    auto answered = [this, service = rollout.spec.service, generation = active.generation, stage,
                     firstRun = rollout.analysis.firstRun, name = check.name,
                     query = request.query](StatusOr<metrics::QueryResult> result) mutable {
        boost::asio::post(m_strand, [this, service, generation, stage, firstRun, name, query,
                                     result = std::move(result)]() mutable {
            recordMeasurement(service, generation, stage, firstRun, name, query, std::move(result));
        });
    };
    if (m_queries == nullptr) {
        return answered(failedPrecondition("metrics are off (metrics.backend: none)"));
    }
    m_queries->query(std::move(request), std::move(answered));
}

void RolloutController::recordMeasurement(const std::string &service, std::uint64_t generation,
                                          const std::string &stage, std::size_t firstRun,
                                          const std::string &name, const std::string &query,
                                          StatusOr<metrics::QueryResult> result) {
    const auto found = m_services.find(service);
    if (m_stopped || found == m_services.end() || !found->second->active) {
        return;
    }
    ReleaseState &state = *found->second;
    Active &active = *state.active;
    active.measuring.erase(stage + "/" + name);
    const Rollout &rollout = active.rollout;
    if (active.generation != generation || rollout.analysis.stage != stage ||
        rollout.analysis.firstRun != firstRun) {
        return; // the stage is over: the answer measures nothing any longer
    }
    std::size_t index = firstRun;
    while (index < rollout.analysis.runs.size() && rollout.analysis.runs[index].check != name) {
        ++index;
    }
    const AnalysisCheck *check = findCheck(rollout.spec.analysis, name);
    if (index == rollout.analysis.runs.size() || check == nullptr ||
        rollout.analysis.runs[index].state != RunState::Running) {
        return;
    }
    const auto condition = parseCondition(check->successCondition, "success_condition");
    if (!condition) {
        return; // validated when the rollout started
    }
    CheckRun run = rollout.analysis.runs[index];
    const Measurement measurement = evaluate(result, *condition, m_clock->now());
    switch (measurement.verdict) {
    case metrics::Verdict::Pass:
        ++run.successes;
        break;
    case metrics::Verdict::Fail:
        ++run.failures;
        break;
    default:
        ++run.inconclusives;
        break;
    }
    run.measurements.push_back(measurement);
    if (run.measurements.size() > kMeasurementsKept) {
        run.measurements.erase(run.measurements.begin());
    }
    if (run.failures > check->failureLimit) {
        run.state = RunState::Failed;
    } else if (run.inconclusives > check->inconclusiveLimit) {
        run.state = RunState::Inconclusive;
    } else if (check->count > 0 && run.measured() >= check->count) {
        run.state = RunState::Passed;
    }
    const std::string what = "analysis check " + quoteInput(name) + " (" + stage + ")";
    const std::string measured =
        measurement.detail.empty() ? valueText(measurement.value) : measurement.detail;
    appendLog(rollout.id,
              what + ": " + measured + " → " +
                  std::string(metrics::verdictName(measurement.verdict)) + " (measurement " +
                  std::to_string(run.measured()) +
                  (check->count > 0 ? " of " + std::to_string(check->count) : std::string()) +
                  ", " + std::to_string(run.failures) + " failed, " +
                  std::to_string(run.inconclusives) + " inconclusive)");
    auto update = [index, run](Rollout &r, Release &) {
        if (index < r.analysis.runs.size() && r.analysis.runs[index].check == run.check) {
            r.analysis.runs[index] = run;
        }
    };
    if (run.state == RunState::Failed) {
        const std::string why =
            what + " failed: " + valueText(measurement.value) + " does not satisfy " +
            condition->text() + " (" + std::to_string(run.failures) +
            (run.failures == 1 ? " failed measurement > " : " failed measurements > ") +
            "failure_limit " + std::to_string(check->failureLimit) + "); query: " + query;
        appendLog(rollout.id, why + "; rolling back");
        return transition(state, Phase::Aborting, why, update);
    }
    if (run.state == RunState::Inconclusive) {
        const std::string why = what + " is inconclusive: " + std::to_string(run.inconclusives) +
                                " inconclusive measurements > inconclusive_limit " +
                                std::to_string(check->inconclusiveLimit) + " (last: " + measured +
                                "); query: " + query +
                                "; paused for the operator: resume to measure again, or abort";
        appendLog(rollout.id, why);
        return persist(state,
                       [update, why](Rollout &r, Release &release) {
                           update(r, release);
                           r.paused = true;
                           r.message = why;
                       },
                       {}, {});
    }
    if (run.state == RunState::Passed) {
        appendLog(rollout.id, what + " passed: " + std::to_string(run.successes) + "/" +
                                  std::to_string(run.measured()) + " measurements satisfied " +
                                  condition->text());
    }
    persist(state, update, {}, {});
}

void RolloutController::compare(Active &active) {
    const Rollout &rollout = active.rollout;
    const CanaryComparison &comparison = rollout.spec.analysis.comparison;
    auto samples = std::make_shared<ComparisonSamples>();
    samples->options.marginalThreshold = comparison.marginalThreshold;
    samples->options.failThreshold = comparison.failThreshold;
    samples->pending = static_cast<int>(comparison.metrics.size());
    active.comparing = true;
    metrics::ServiceScope scope;
    scope.service = rollout.spec.service;
    scope.by = std::string(kColorLabel);
    scope.window = std::to_string(comparison.sampleInterval.count()) + "ms";
    const auto now = m_clock->now();
    const std::string newColor(colorName(rollout.newColor));
    const std::string stableColor(colorName(*rollout.stableColor));
    for (CanaryMetric metric : comparison.metrics) {
        samples->metrics.push_back(
            {std::string(canaryMetricName(metric)), metrics::Direction::HigherIsWorse, {}, {}});
        metrics::RangeQuery request;
        request.query = metric == CanaryMetric::ErrorRatio
                            ? metrics::errorRatioQuery(scope)
                            : metrics::latencyQuantileQuery(scope, 0.99);
        request.start = now - comparison.window;
        request.end = now;
        request.step = comparison.sampleInterval;
        request.timeout = kLongestQuery;
        const std::size_t slot = samples->metrics.size() - 1;
        auto answered = [this, service = rollout.spec.service, generation = active.generation,
                         stage = rollout.analysis.stage, samples, slot, newColor,
                         stableColor](StatusOr<metrics::QueryResult> result) mutable {
            boost::asio::post(m_strand, [this, service, generation, stage, samples, slot, newColor,
                                         stableColor, result = std::move(result)] {
                metrics::MetricSamples &metric = samples->metrics[slot];
                if (!result) {
                    samples->error = metric.name + " query failed: " + result.status().message();
                } else {
                    for (const metrics::Series &series : result->series) {
                        const auto color = std::find_if(
                            series.labels.begin(), series.labels.end(),
                            [](const auto &label) { return label.first == kColorLabel; });
                        if (color == series.labels.end()) {
                            continue;
                        }
                        if (color->second == newColor) {
                            metric.candidate = series.values;
                        } else if (color->second == stableColor) {
                            metric.baseline = series.values;
                        }
                    }
                }
                if (--samples->pending == 0) {
                    recordComparison(service, generation, stage, samples);
                }
            });
        };
        if (m_queries == nullptr) {
            answered(failedPrecondition("metrics are off (metrics.backend: none)"));
            continue;
        }
        m_queries->queryRange(std::move(request), std::move(answered));
    }
}

void RolloutController::recordComparison(const std::string &service, std::uint64_t generation,
                                         const std::string &stage,
                                         std::shared_ptr<ComparisonSamples> samples) {
    const auto found = m_services.find(service);
    if (m_stopped || found == m_services.end() || !found->second->active) {
        return;
    }
    ReleaseState &state = *found->second;
    Active &active = *state.active;
    active.comparing = false;
    const Rollout &rollout = active.rollout;
    if (active.generation != generation || rollout.analysis.stage != stage) {
        return;
    }
    const CanaryComparison &spec = rollout.spec.analysis.comparison;
    ComparisonResult result;
    result.stage = stage;
    result.time = m_clock->now();
    if (samples->error.empty()) {
        const metrics::Judgement judgement =
            metrics::judgeCanary(samples->metrics, samples->options);
        result.verdict = judgement.verdict;
        result.score = judgement.score;
        result.summary = judgement.summary;
        result.metrics = judgement.metrics;
    } else {
        result.summary = "inconclusive: " + samples->error;
    }
    const std::string what = "canary comparison (" + stage + ", " +
                             std::string(colorName(rollout.newColor)) + " against " +
                             std::string(colorName(*rollout.stableColor)) + " over " +
                             formatDuration(spec.window) + ")";
    appendLog(rollout.id, what + ": " + result.summary);
    int inconclusive = result.verdict == metrics::Verdict::Inconclusive ? 1 : 0;
    for (const ComparisonResult *earlier : stageComparisons(rollout.analysis)) {
        inconclusive += earlier->verdict == metrics::Verdict::Inconclusive ? 1 : 0;
    }
    auto update = [result](Rollout &r, Release &) {
        r.analysis.comparisons.push_back(result);
        if (r.analysis.comparisons.size() > kComparisonsKept) {
            r.analysis.comparisons.erase(r.analysis.comparisons.begin());
        }
    };
    if (result.verdict == metrics::Verdict::Fail) {
        const std::string why = what + " failed: " + result.summary + " (score below " +
                                "fail_threshold " + valueText(spec.failThreshold) + ")";
        appendLog(rollout.id, why + "; rolling back");
        return transition(state, Phase::Aborting, why, update);
    }
    if (inconclusive > spec.inconclusiveLimit) {
        const std::string why = what + " is inconclusive " + std::to_string(inconclusive) +
                                " times > inconclusive_limit " +
                                std::to_string(spec.inconclusiveLimit) + " (" + result.summary +
                                "); paused for the operator: resume to compare again, or abort";
        appendLog(rollout.id, why);
        return persist(state,
                       [update, why](Rollout &r, Release &release) {
                           update(r, release);
                           r.paused = true;
                           r.message = why;
                       },
                       {}, {});
    }
    persist(state, update, {}, {});
}

} // namespace aegis::rollout
