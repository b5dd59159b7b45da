#include "analysis_file.h"

#include "command.h"
#include "common/duration.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

namespace aegis::cli {
namespace {

// Errors name the file, the field and, where yaml-cpp knows it, the line.
class Reader {
public:
    explicit Reader(std::string source)
        : m_source(std::move(source)) {}

    [[noreturn]] void fail(const YAML::Node &node, const std::string &field,
                           const std::string &why) const {
        std::string where = m_source;
        if (node.IsDefined() && node.Mark().line >= 0) {
            where += ":" + std::to_string(node.Mark().line + 1); // yaml-cpp's marks are 0-based
        }
        throw UsageError("--analysis " + where + ": " + field + " " + why);
    }

    void onlyKeys(const YAML::Node &map, const std::string &field,
                  const std::set<std::string> &known) const {
        if (!map.IsMap()) {
            fail(map, field, "must be a mapping");
        }
        for (const auto &entry : map) {
            const std::string key = entry.first.as<std::string>();
            if (known.count(key) == 0) {
                std::string list;
                for (const auto &name : known) {
                    list += (list.empty() ? "" : ", ") + name;
                }
                fail(entry.first, field.empty() ? key : field + "." + key,
                     "is not a known field (known: " + list + ")");
            }
        }
    }

    std::string text(const YAML::Node &node, const std::string &field) const {
        if (!node.IsScalar()) {
            fail(node, field, "must be a string");
        }
        return node.as<std::string>();
    }

    template <typename T>
    T number(const YAML::Node &node, const std::string &field, const char *what) const {
        T value{};
        if (!node.IsScalar() || !YAML::convert<T>::decode(node, value)) {
            fail(node, field, std::string("must be ") + what + " (got \"" + node.Scalar() + "\")");
        }
        return value;
    }

    bool boolean(const YAML::Node &node, const std::string &field) const {
        return number<bool>(node, field, "true or false");
    }

    std::int64_t millis(const YAML::Node &node, const std::string &field) const {
        const std::string value = text(node, field);
        auto parsed = parseDuration(value, field);
        if (!parsed) {
            fail(node, field, "must be a duration such as 30s, 5m or 1h (got \"" + value + "\")");
        }
        return parsed->count();
    }

    std::vector<YAML::Node> list(const YAML::Node &node, const std::string &field) const {
        if (!node.IsSequence()) {
            fail(node, field, "must be a list");
        }
        return {node.begin(), node.end()};
    }

private:
    std::string m_source;
};

v1::AnalysisStage stageNamed(const Reader &reader, const YAML::Node &node,
                             const std::string &field) {
    const std::string name = reader.text(node, field);
    if (name == "verification") {
        return v1::ANALYSIS_STAGE_VERIFICATION;
    }
    if (name == "canary_steps") {
        return v1::ANALYSIS_STAGE_CANARY_STEPS;
    }
    if (name == "bake") {
        return v1::ANALYSIS_STAGE_BAKE;
    }
    reader.fail(node, field, "must be verification, canary_steps or bake (got \"" + name + "\")");
}

v1::CanaryMetric metricNamed(const Reader &reader, const YAML::Node &node,
                             const std::string &field) {
    const std::string name = reader.text(node, field);
    if (name == "error_ratio") {
        return v1::CANARY_METRIC_ERROR_RATIO;
    }
    if (name == "latency_p99") {
        return v1::CANARY_METRIC_LATENCY_P99;
    }
    reader.fail(node, field, "must be error_ratio or latency_p99 (got \"" + name + "\")");
}

void readCheck(const Reader &reader, const YAML::Node &node, const std::string &field,
               v1::AnalysisCheck *check) {
    reader.onlyKeys(node, field,
                    {"name", "query", "success_condition", "interval", "initial_delay", "count",
                     "failure_limit", "inconclusive_limit", "run_during"});
    for (const char *required : {"name", "query", "success_condition"}) {
        if (!node[required]) {
            reader.fail(node, field + "." + required, "is required");
        }
    }
    check->set_name(reader.text(node["name"], field + ".name"));
    check->set_query(reader.text(node["query"], field + ".query"));
    check->set_success_condition(
        reader.text(node["success_condition"], field + ".success_condition"));
    if (node["interval"]) {
        check->set_interval_ms(reader.millis(node["interval"], field + ".interval"));
    }
    if (node["initial_delay"]) {
        check->set_initial_delay_ms(reader.millis(node["initial_delay"], field + ".initial_delay"));
    }
    const std::pair<const char *, void (v1::AnalysisCheck::*)(std::int32_t)> counts[] = {
        {"count", &v1::AnalysisCheck::set_count},
        {"failure_limit", &v1::AnalysisCheck::set_failure_limit},
        {"inconclusive_limit", &v1::AnalysisCheck::set_inconclusive_limit}};
    for (const auto &[key, set] : counts) {
        if (node[key]) {
            (check->*set)(reader.number<int>(node[key], field + "." + key, "a whole number"));
        }
    }
    if (node["run_during"]) {
        const auto stages = reader.list(node["run_during"], field + ".run_during");
        for (std::size_t i = 0; i < stages.size(); ++i) {
            check->add_run_during(
                stageNamed(reader, stages[i], field + ".run_during[" + std::to_string(i) + "]"));
        }
    }
}

void readComparison(const Reader &reader, const YAML::Node &node,
                    v1::CanaryComparison *comparison) {
    const std::string field = "canary_comparison";
    reader.onlyKeys(node, field,
                    {"enabled", "window", "sample_interval", "metrics", "marginal_threshold",
                     "fail_threshold", "inconclusive_limit"});
    // A comparison written down is meant to run unless it says otherwise.
    comparison->set_enabled(!node["enabled"] ||
                            reader.boolean(node["enabled"], field + ".enabled"));
    if (node["window"]) {
        comparison->set_window_ms(reader.millis(node["window"], field + ".window"));
    }
    if (node["sample_interval"]) {
        comparison->set_sample_interval_ms(
            reader.millis(node["sample_interval"], field + ".sample_interval"));
    }
    if (node["metrics"]) {
        const auto metrics = reader.list(node["metrics"], field + ".metrics");
        for (std::size_t i = 0; i < metrics.size(); ++i) {
            comparison->add_metrics(
                metricNamed(reader, metrics[i], field + ".metrics[" + std::to_string(i) + "]"));
        }
    }
    if (node["marginal_threshold"]) {
        comparison->set_marginal_threshold(reader.number<double>(
            node["marginal_threshold"], field + ".marginal_threshold", "a number"));
    }
    if (node["fail_threshold"]) {
        comparison->set_fail_threshold(
            reader.number<double>(node["fail_threshold"], field + ".fail_threshold", "a number"));
    }
    if (node["inconclusive_limit"]) {
        comparison->set_inconclusive_limit(reader.number<int>(
            node["inconclusive_limit"], field + ".inconclusive_limit", "a whole number"));
    }
}

} // namespace

v1::RolloutAnalysis parseAnalysis(const std::string &text, const std::string &source) {
    Reader reader(source);
    YAML::Node document;
    try {
        document = YAML::Load(text);
    } catch (const YAML::Exception &error) {
        throw UsageError("--analysis " + source + ":" + std::to_string(error.mark.line + 1) +
                         ": not valid YAML or JSON: " + error.msg);
    }
    if (!document.IsMap()) {
        throw UsageError("--analysis " + source +
                         ": must be a mapping with 'checks' and/or 'canary_comparison'");
    }
    reader.onlyKeys(document, "", {"checks", "canary_comparison"});
    v1::RolloutAnalysis analysis;
    if (document["checks"]) {
        const auto checks = reader.list(document["checks"], "checks");
        for (std::size_t i = 0; i < checks.size(); ++i) {
            readCheck(reader, checks[i], "checks[" + std::to_string(i) + "]",
                      analysis.add_checks());
        }
    }
    if (document["canary_comparison"]) {
        readComparison(reader, document["canary_comparison"], analysis.mutable_canary_comparison());
    }
    if (analysis.checks_size() == 0 && !analysis.canary_comparison().enabled()) {
        throw UsageError("--analysis " + source +
                         ": has neither checks nor an enabled canary_comparison");
    }
    return analysis;
}

v1::RolloutAnalysis readAnalysisFile(const std::string &path) {
    std::ifstream file(path);
    if (!file) {
        throw UsageError("--analysis " + path + ": cannot be read");
    }
    std::ostringstream text;
    text << file.rdbuf();
    return parseAnalysis(text.str(), path);
}

} // namespace aegis::cli
