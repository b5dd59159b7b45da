#include "rollout/rollout_analysis.h"

#include "common/input_text.h"
#include "common/json_number.h"
#include "common/time_millis.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <set>

namespace aegis::rollout {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;
using nlohmann::json;

constexpr std::size_t kMaxChecks = 10;
constexpr std::size_t kMaxQueryBytes = 4096;
constexpr int kMaxCount = 1000;

std::string formatNumber(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

Status checkRange(std::int64_t value, std::int64_t min, std::int64_t max, const std::string &field,
                  std::string_view unit = {}) {
    if (value < min || value > max) {
        return invalidArgument(field + " must be between " + std::to_string(min) + " and " +
                               std::to_string(max) + std::string(unit) + " (got " +
                               std::to_string(value) + ")");
    }
    return Status::ok();
}

// A stored real: NaN is written as null, so anything but a number reads as `fallback`.
double realOr(const json &object, const char *key, double fallback) {
    const auto it = object.find(key);
    return it != object.end() && it->is_number() ? it->get<double>() : fallback;
}

double numberOrNaN(const json &object, const char *key) {
    return realOr(object, key, std::numeric_limits<double>::quiet_NaN());
}

metrics::Verdict verdictFrom(int value) {
    return value >= 0 && value <= 3 ? static_cast<metrics::Verdict>(value)
                                    : metrics::Verdict::Inconclusive;
}

} // namespace

bool Condition::holds(double value) const {
    switch (op) {
    case Op::Less:
        return value < threshold;
    case Op::LessEqual:
        return value <= threshold;
    case Op::Greater:
        return value > threshold;
    case Op::GreaterEqual:
        return value >= threshold;
    case Op::Equal:
        return value == threshold;
    case Op::NotEqual:
        return value != threshold;
    }
    return false;
}

std::string Condition::text() const {
    static constexpr const char *kOps[] = {"<", "<=", ">", ">=", "==", "!="};
    return std::string("result ") + kOps[static_cast<int>(op)] + " " + formatNumber(threshold);
}

StatusOr<Condition> parseCondition(std::string_view text, std::string_view field) {
    const auto refuse = [&](std::string_view why) {
        return invalidArgument(std::string(field) + " " + std::string(why) +
                               ": write `result <op> <number>` with <op> one of < <= > >= == != "
                               "(e.g. `result < 0.01`; got " +
                               quoteInput(text) + ")");
    };
    std::size_t at = 0;
    const auto skipSpaces = [&] {
        while (at < text.size() && (text[at] == ' ' || text[at] == '\t')) {
            ++at;
        }
    };
    skipSpaces();
    if (text.substr(at, 6) != "result") {
        return refuse("must start with `result`");
    }
    at += 6;
    skipSpaces();
    static constexpr std::pair<std::string_view, Condition::Op> kOps[] = {
        {"<=", Condition::Op::LessEqual}, {">=", Condition::Op::GreaterEqual},
        {"==", Condition::Op::Equal},     {"!=", Condition::Op::NotEqual},
        {"<", Condition::Op::Less},       {">", Condition::Op::Greater}};
    Condition condition;
    bool found = false;
    for (const auto &[spelling, op] : kOps) {
        if (text.substr(at, spelling.size()) == spelling) {
            condition.op = op;
            at += spelling.size();
            found = true;
            break;
        }
    }
    if (!found) {
        return refuse("has no comparison after `result`");
    }
    skipSpaces();
    std::size_t end = text.size();
    while (end > at && (text[end - 1] == ' ' || text[end - 1] == '\t')) {
        --end;
    }
    const std::string_view number = text.substr(at, end - at);
    double threshold = 0;
    const auto [stop, error] =
        std::from_chars(number.data(), number.data() + number.size(), threshold);
    if (number.empty() || error != std::errc() || stop != number.data() + number.size() ||
        !std::isfinite(threshold)) {
        return refuse("needs a finite number after the comparison");
    }
    condition.threshold = threshold;
    return condition;
}

std::string_view canaryMetricName(CanaryMetric metric) {
    return metric == CanaryMetric::ErrorRatio ? "error_ratio" : "latency_p99";
}

std::string_view runStateName(RunState state) {
    switch (state) {
    case RunState::Running:
        return "running";
    case RunState::Passed:
        return "passed";
    case RunState::Failed:
        return "failed";
    case RunState::Inconclusive:
        break;
    }
    return "inconclusive";
}

Status validateAnalysis(const AnalysisSpec &analysis) {
    if (analysis.checks.size() > kMaxChecks) {
        return invalidArgument("spec.analysis.checks may have at most " +
                               std::to_string(kMaxChecks) + " checks (got " +
                               std::to_string(analysis.checks.size()) + ")");
    }
    std::set<std::string> names;
    for (std::size_t i = 0; i < analysis.checks.size(); ++i) {
        const AnalysisCheck &check = analysis.checks[i];
        const std::string field = "spec.analysis.checks[" + std::to_string(i) + "]";
        if (check.name.empty() || check.name.size() > 63 ||
            !std::all_of(check.name.begin(), check.name.end(), [](char c) {
                return std::islower(static_cast<unsigned char>(c)) ||
                       std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '_';
            })) {
            return invalidArgument(field + ".name must be 1 to 63 characters of a-z 0-9 - _ (got " +
                                   quoteInput(check.name) + ")");
        }
        if (!names.insert(check.name).second) {
            return invalidArgument(field + ".name " + quoteInput(check.name) +
                                   " is used by an earlier check; names must be unique");
        }
        if (check.query.find_first_not_of(" \t\r\n") == std::string::npos ||
            check.query.size() > kMaxQueryBytes) {
            return invalidArgument(field + ".query must be a PromQL expression of 1 to " +
                                   std::to_string(kMaxQueryBytes) + " bytes");
        }
        if (auto condition = parseCondition(check.successCondition, field + ".success_condition");
            !condition) {
            return condition.status();
        }
        for (Status valid :
             {checkRange(check.interval.count(), 1000, 3'600'000, field + ".interval_ms", " ms"),
              checkRange(check.initialDelay.count(), 0, 3'600'000, field + ".initial_delay_ms",
                         " ms"),
              checkRange(check.count, 0, kMaxCount, field + ".count"),
              checkRange(check.failureLimit, 0, kMaxCount, field + ".failure_limit"),
              checkRange(check.inconclusiveLimit, 0, kMaxCount, field + ".inconclusive_limit")}) {
            if (!valid.isOk()) {
                return valid;
            }
        }
        if (check.stages == 0 || (check.stages & ~kEveryStage) != 0) {
            return invalidArgument(field + ".run_during must name verification, canary_steps "
                                           "and/or bake (empty: all three)");
        }
    }
    const CanaryComparison &comparison = analysis.comparison;
    if (!comparison.enabled) {
        return Status::ok();
    }
    const std::string field = "spec.analysis.canary_comparison";
    for (Status valid :
         {checkRange(comparison.sampleInterval.count(), 1000, 600'000,
                     field + ".sample_interval_ms", " ms"),
          checkRange(comparison.window.count(), 3000, 3'600'000, field + ".window_ms", " ms"),
          checkRange(comparison.inconclusiveLimit, 0, kMaxCount, field + ".inconclusive_limit")}) {
        if (!valid.isOk()) {
            return valid;
        }
    }
    if (comparison.window < 3 * comparison.sampleInterval) {
        return invalidArgument(field + ".window_ms must hold at least 3 samples: at least 3 × " +
                               "sample_interval_ms (" +
                               std::to_string(3 * comparison.sampleInterval.count()) + "; got " +
                               std::to_string(comparison.window.count()) + ")");
    }
    if (comparison.metrics.empty()) {
        return invalidArgument(field + ".metrics must name at least one of error_ratio, "
                                       "latency_p99");
    }
    if (std::set<CanaryMetric>(comparison.metrics.begin(), comparison.metrics.end()).size() !=
        comparison.metrics.size()) {
        return invalidArgument(field + ".metrics names a metric twice");
    }
    for (const auto &[value, name] : {std::pair{comparison.marginalThreshold, "marginal_threshold"},
                                      std::pair{comparison.failThreshold, "fail_threshold"}}) {
        if (!(value >= 0 && value <= 100)) {
            return invalidArgument(field + "." + name + " must be between 0 and 100 (got " +
                                   formatNumber(value) + ")");
        }
    }
    if (comparison.failThreshold > comparison.marginalThreshold) {
        return invalidArgument(field + ".fail_threshold (" +
                               formatNumber(comparison.failThreshold) +
                               ") must not be above marginal_threshold (" +
                               formatNumber(comparison.marginalThreshold) + ")");
    }
    return Status::ok();
}

std::string expandPlaceholders(std::string_view query, const AnalysisScope &scope) {
    const std::pair<std::string_view, const std::string *> placeholders[] = {
        {"{service}", &scope.service},
        {"{new_color}", &scope.newColor},
        {"{stable_color}", &scope.stableColor},
        {"{new_version}", &scope.newVersion},
        {"{stable_version}", &scope.stableVersion}};
    std::string result;
    for (std::size_t at = 0; at < query.size();) {
        bool replaced = false;
        if (query[at] == '{') {
            for (const auto &[name, value] : placeholders) {
                if (query.substr(at, name.size()) == name) {
                    result += *value;
                    at += name.size();
                    replaced = true;
                    break;
                }
            }
        }
        if (!replaced) {
            result += query[at++];
        }
    }
    return result;
}

json encodeAnalysisSpec(const AnalysisSpec &spec) {
    json checks = json::array();
    for (const AnalysisCheck &check : spec.checks) {
        checks.push_back({{"name", check.name},
                          {"query", check.query},
                          {"success_condition", check.successCondition},
                          {"interval_ms", check.interval.count()},
                          {"initial_delay_ms", check.initialDelay.count()},
                          {"count", check.count},
                          {"failure_limit", check.failureLimit},
                          {"inconclusive_limit", check.inconclusiveLimit},
                          {"stages", check.stages}});
    }
    const CanaryComparison &c = spec.comparison;
    json metrics = json::array();
    for (CanaryMetric metric : c.metrics) {
        metrics.push_back(static_cast<int>(metric));
    }
    return json{{"checks", checks},
                {"comparison",
                 {{"enabled", c.enabled},
                  {"window_ms", c.window.count()},
                  {"sample_interval_ms", c.sampleInterval.count()},
                  {"metrics", metrics},
                  {"marginal_threshold", c.marginalThreshold},
                  {"fail_threshold", c.failThreshold},
                  {"inconclusive_limit", c.inconclusiveLimit}}}};
}

AnalysisSpec decodeAnalysisSpec(const json &value) {
    AnalysisSpec spec;
    if (!value.is_object()) {
        return spec;
    }
    if (const auto checks = value.find("checks"); checks != value.end() && checks->is_array()) {
        for (const json &c : *checks) {
            AnalysisCheck check;
            check.name = c.value("name", "");
            check.query = c.value("query", "");
            check.successCondition = c.value("success_condition", "");
            check.interval = milliseconds(numberOr<std::int64_t>(c, "interval_ms", 60'000));
            check.initialDelay = milliseconds(numberOr<std::int64_t>(c, "initial_delay_ms", 0));
            check.count = numberOr(c, "count", 0);
            check.failureLimit = numberOr(c, "failure_limit", 0);
            check.inconclusiveLimit = numberOr(c, "inconclusive_limit", 0);
            check.stages = numberOr<unsigned>(c, "stages", kEveryStage);
            spec.checks.push_back(std::move(check));
        }
    }
    if (const auto c = value.find("comparison"); c != value.end() && c->is_object()) {
        CanaryComparison &comparison = spec.comparison;
        comparison.enabled = c->value("enabled", false);
        comparison.window = milliseconds(numberOr<std::int64_t>(*c, "window_ms", 300'000));
        comparison.sampleInterval =
            milliseconds(numberOr<std::int64_t>(*c, "sample_interval_ms", 30'000));
        if (const auto metrics = c->find("metrics"); metrics != c->end() && metrics->is_array()) {
            comparison.metrics.clear();
            for (const json &metric : *metrics) {
                if (metric.is_number_integer() && (metric == 1 || metric == 2)) {
                    comparison.metrics.push_back(static_cast<CanaryMetric>(metric.get<int>()));
                }
            }
        }
        comparison.marginalThreshold = realOr(*c, "marginal_threshold", 95.0);
        comparison.failThreshold = realOr(*c, "fail_threshold", 75.0);
        comparison.inconclusiveLimit = numberOr(*c, "inconclusive_limit", 0);
    }
    return spec;
}

json encodeAnalysisStatus(const AnalysisStatus &status) {
    json runs = json::array();
    for (const CheckRun &run : status.runs) {
        json measurements = json::array();
        for (const Measurement &m : run.measurements) {
            measurements.push_back({{"time_ms", toMillis(m.time)},
                                    {"value", m.value},
                                    {"verdict", static_cast<int>(m.verdict)},
                                    {"detail", m.detail}});
        }
        runs.push_back({{"check", run.check},
                        {"stage", run.stage},
                        {"state", static_cast<int>(run.state)},
                        {"successes", run.successes},
                        {"failures", run.failures},
                        {"inconclusives", run.inconclusives},
                        {"measurements", measurements}});
    }
    json comparisons = json::array();
    for (const ComparisonResult &result : status.comparisons) {
        json metrics = json::array();
        for (const metrics::MetricJudgement &m : result.metrics) {
            metrics.push_back({{"name", m.name},
                               {"verdict", static_cast<int>(m.verdict)},
                               {"score", m.score},
                               {"u", m.test.u},
                               {"p_value", m.test.pValue},
                               {"effect_size", m.test.effectSize},
                               {"baseline_median", m.baselineMedian},
                               {"candidate_median", m.candidateMedian},
                               {"baseline_count", m.baselineCount},
                               {"candidate_count", m.candidateCount}});
        }
        comparisons.push_back({{"stage", result.stage},
                               {"time_ms", toMillis(result.time)},
                               {"verdict", static_cast<int>(result.verdict)},
                               {"score", result.score},
                               {"summary", result.summary},
                               {"metrics", metrics}});
    }
    return json{{"stage", status.stage},
                {"stage_start_ms", toMillis(status.stageStart)},
                {"first_run", status.firstRun},
                {"runs", runs},
                {"comparisons", comparisons}};
}

AnalysisStatus decodeAnalysisStatus(const json &value) {
    AnalysisStatus status;
    if (!value.is_object()) {
        return status;
    }
    status.stage = value.value("stage", "");
    status.stageStart = fromMillis(numberOr<std::int64_t>(value, "stage_start_ms", 0));
    status.firstRun = numberOr<std::size_t>(value, "first_run", 0);
    if (const auto runs = value.find("runs"); runs != value.end() && runs->is_array()) {
        for (const json &r : *runs) {
            CheckRun run;
            run.check = r.value("check", "");
            run.stage = r.value("stage", "");
            const int state = numberOr(r, "state", 1);
            run.state =
                state >= 1 && state <= 4 ? static_cast<RunState>(state) : RunState::Inconclusive;
            run.successes = numberOr(r, "successes", 0);
            run.failures = numberOr(r, "failures", 0);
            run.inconclusives = numberOr(r, "inconclusives", 0);
            if (const auto list = r.find("measurements"); list != r.end() && list->is_array()) {
                for (const json &m : *list) {
                    run.measurements.push_back({fromMillis(numberOr<std::int64_t>(m, "time_ms", 0)),
                                                numberOrNaN(m, "value"),
                                                verdictFrom(numberOr(m, "verdict", 3)),
                                                m.value("detail", "")});
                }
            }
            status.runs.push_back(std::move(run));
        }
    }
    status.firstRun = std::min(status.firstRun, status.runs.size());
    if (const auto list = value.find("comparisons"); list != value.end() && list->is_array()) {
        for (const json &c : *list) {
            ComparisonResult result;
            result.stage = c.value("stage", "");
            result.time = fromMillis(numberOr<std::int64_t>(c, "time_ms", 0));
            result.verdict = verdictFrom(numberOr(c, "verdict", 3));
            result.score = realOr(c, "score", 0.0);
            result.summary = c.value("summary", "");
            if (const auto metrics = c.find("metrics"); metrics != c.end() && metrics->is_array()) {
                for (const json &m : *metrics) {
                    metrics::MetricJudgement judgement;
                    judgement.name = m.value("name", "");
                    judgement.verdict = verdictFrom(numberOr(m, "verdict", 3));
                    judgement.score = realOr(m, "score", 0.0);
                    judgement.test.u = realOr(m, "u", 0.0);
                    judgement.test.pValue = realOr(m, "p_value", 1.0);
                    judgement.test.effectSize = realOr(m, "effect_size", 0.5);
                    judgement.baselineMedian = realOr(m, "baseline_median", 0.0);
                    judgement.candidateMedian = realOr(m, "candidate_median", 0.0);
                    judgement.baselineCount = numberOr<std::size_t>(m, "baseline_count", 0);
                    judgement.candidateCount = numberOr<std::size_t>(m, "candidate_count", 0);
                    result.metrics.push_back(std::move(judgement));
                }
            }
            status.comparisons.push_back(std::move(result));
        }
    }
    return status;
}

} // namespace aegis::rollout
