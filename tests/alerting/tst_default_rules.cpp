// The shipped rule file (alerting/default_rules.h): it parses with no diagnostics, passes the
// real `promtool check rules`, builds its service rules from the RED queries, and — run by
// `promtool test rules` on synthetic series — fires exactly the alerts it should, with the
// annotations our template engine renders (so Prometheus and aegisd agree on them). promtool
// comes with the package prometheus: the test fails without it.

#include "alerting/alert_template.h"
#include "alerting/default_rules.h"
#include "alerting/rule_file.h"
#include "metrics/red_queries.h"

#include "daemon_process.h"
#include "required_tool.h"

#include <QtTest>

#include <fstream>

using namespace aegis;
using namespace aegis::alerting;
using namespace std::chrono_literals;

namespace {

const Rule *findRule(const RuleFile &file, const std::string &name, std::string *group = nullptr) {
    for (const RuleGroup &g : file.groups) {
        for (const Rule &rule : g.rules) {
            if (rule.name() == name) {
                if (group) {
                    *group = g.name;
                }
                return &rule;
            }
        }
    }
    return nullptr;
}

std::string label(const OrderedLabels &labels, const std::string &name) {
    for (const auto &[key, value] : labels) {
        if (key == name) {
            return value;
        }
    }
    return {};
}

// A YAML double-quoted scalar.
std::string quoted(const std::string &text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    return out + "\"";
}

// One expected alert of a promtool rule test: its labels, and its annotations as our engine
// renders them for `value`.
std::string expectedAlert(const Rule &rule, const LabelSet &seriesLabels, double value) {
    LabelSet labels = seriesLabels;
    for (const auto &[name, text] : rule.labels) {
        labels.emplace_back(name, text);
    }
    std::sort(labels.begin(), labels.end());
    const LabelSet external;
    std::string out = "          - exp_labels:\n";
    for (const auto &[name, text] : labels) {
        out += "              " + name + ": " + quoted(text) + "\n";
    }
    out += "            exp_annotations:\n";
    for (const auto &[name, text] : rule.annotations) {
        const auto expanded = expandTemplate(text, {seriesLabels, value, external});
        if (!expanded) {
            qFatal("%s", expanded.status().message().c_str());
        }
        out += "              " + name + ": " + quoted(*expanded) + "\n";
    }
    return out;
}

} // namespace

class DefaultRulesTest : public QObject {
    Q_OBJECT

private slots:
    void parsesWithoutDiagnostics();
    void passesPromtool();
    void firesOnSyntheticSeries();
};

void DefaultRulesTest::parsesWithoutDiagnostics() {
    const ParsedRuleFile parsed = parseRuleFile(defaultRuleFile());
    for (const RuleDiagnostic &d : parsed.diagnostics) {
        qWarning("%s", d.text().c_str());
    }
    QVERIFY(parsed.diagnostics.empty());
    const RuleFile &file = parsed.file;

    struct Expected {
        const char *name;
        std::chrono::milliseconds forDuration;
        const char *severity;
    };
    const Expected expected[] = {
        {"AegisInstanceCritical", 1min, "critical"},   {"ServiceHighErrorRatio", 2min, "critical"},
        {"ServiceHighLatency", 5min, "warning"},       {"HighCPUUsage", 2min, "warning"},
        {"AegisWatchersCutOff", 0ms, "warning"},       {"AegisStoreCommitSlow", 5min, "warning"},
        {"AegisStoreCommitFailures", 0ms, "critical"},
    };
    std::size_t count = 0;
    for (const RuleGroup &group : file.groups) {
        count += group.rules.size();
    }
    QCOMPARE(count, std::size(expected));
    for (const Expected &e : expected) {
        const Rule *rule = findRule(file, e.name);
        QVERIFY2(rule, e.name);
        QVERIFY(rule->isAlerting());
        QCOMPARE(rule->forDuration, e.forDuration);
        QCOMPARE(label(rule->labels, "severity"), std::string(e.severity));
        QVERIFY2(!label(rule->annotations, "summary").empty(), e.name);
        QVERIFY2(!label(rule->annotations, "description").empty(), e.name);
    }

    // The service rules are the RED definitions the console charts.
    metrics::ServiceScope everyService;
    everyService.by = "service";
    QVERIFY(findRule(file, "ServiceHighErrorRatio")
                ->expr.starts_with(metrics::errorRatioQuery(everyService) + " > 0.05"));
    const std::string &latency = findRule(file, "ServiceHighLatency")->expr;
    QVERIFY(latency.starts_with(metrics::latencyQuantileQuery(everyService, 0.99)));
    QVERIFY(latency.find("> on (service) group_left") != std::string::npos);
    QVERIFY(latency.find("aegis_service_latency_threshold_seconds") != std::string::npos);
    QCOMPARE(findRule(file, "HighCPUUsage")->expr,
             std::string("rate(process_cpu_seconds_total[1m]) > 0.8"));
    QVERIFY(findRule(file, "AegisInstanceCritical")->expr.find("aegis_instance_healthy") !=
            std::string::npos);
    // aegisd's own alerts name it as their service.
    for (const char *own :
         {"AegisWatchersCutOff", "AegisStoreCommitSlow", "AegisStoreCommitFailures"}) {
        QCOMPARE(label(findRule(file, own)->labels, "service"), std::string("aegisd"));
    }
    // Comments for operators are kept in the shipped text.
    QVERIFY(defaultRuleFile().starts_with("# aegis-defaults"));
}

void DefaultRulesTest::passesPromtool() {
    AEGIS_REQUIRE_TOOL("promtool", "prometheus");
    testing::TempDir dir;
    const auto path = dir.path() / "aegis-defaults.yml";
    std::ofstream(path) << defaultRuleFile();
    const auto checked =
        testing::runCommand({testing::toolPath("promtool"), "check", "rules", path.string()});
    QVERIFY2(checked.exitCode == 0, (checked.out + checked.err).c_str());
    QVERIFY2(checked.out.find("SUCCESS: 7 rules found") != std::string::npos, checked.out.c_str());

    // And so does our export of it.
    const auto rendered = dir.path() / "rendered.yml";
    std::ofstream(rendered) << renderRuleFile(*loadRuleFile(defaultRuleFile()));
    const auto again =
        testing::runCommand({testing::toolPath("promtool"), "check", "rules", rendered.string()});
    QVERIFY2(again.exitCode == 0, (again.out + again.err).c_str());
}

void DefaultRulesTest::firesOnSyntheticSeries() {
    AEGIS_REQUIRE_TOOL("promtool", "prometheus");
    const auto file = loadRuleFile(defaultRuleFile());
    QVERIFY(file);
    testing::TempDir dir;
    std::ofstream(dir.path() / "aegis-defaults.yml") << defaultRuleFile();

    // Series as the managed Prometheus stores them: aegisd is scraped as service="aegisd", so
    // the service and instance labels of its own series arrive as exported_service and
    // exported_instance; a store that honours them (cart, fast) keeps them as they are.
    const std::string aegisd = "job=\"aegisd\",service=\"aegisd\",instance=\"127.0.0.1:7400\"";
    std::string test = "rule_files:\n"
                       "  - aegis-defaults.yml\n"
                       "evaluation_interval: 15s\n"
                       "tests:\n"
                       "  - interval: 15s\n"
                       "    input_series:\n";
    const auto series = [&](const std::string &name, const std::string &values) {
        test += "      - series: " + quoted(name) + "\n        values: " + quoted(values) + "\n";
    };
    // checkout-1 critical (through aegisd's exported labels), cart-1 critical, fast-1 healthy.
    series("aegis_instance_healthy{" + aegisd +
               ",exported_service=\"checkout\",exported_instance=\"checkout-1\"}",
           "1 0x40");
    series("aegis_instance_healthy{service=\"cart\",instance=\"cart-1\"}", "0x40");
    series("aegis_instance_healthy{service=\"fast\",instance=\"fast-1\"}", "1x40");
    // checkout answers 10 % 5xx, fast none.
    const std::string checkout = "service=\"checkout\",instance=\"checkout-1\",method=\"GET\","
                                 "route=\"/\"";
    const std::string fast = "service=\"fast\",instance=\"fast-1\",method=\"GET\",route=\"/\"";
    series("http_requests_total{" + checkout + ",code=\"500\"}", "0+10x40");
    series("http_requests_total{" + checkout + ",code=\"200\"}", "0+90x40");
    series("http_requests_total{" + fast + ",code=\"200\"}", "0+100x40");
    // Both take 1 to 2.5 s: above checkout's default threshold of 1 s, below fast's 3 s.
    for (const std::string &scope : {checkout, fast}) {
        series("http_request_duration_seconds_bucket{" + scope + ",le=\"1\"}", "0x40");
        series("http_request_duration_seconds_bucket{" + scope + ",le=\"2.5\"}", "0+10x40");
        series("http_request_duration_seconds_bucket{" + scope + ",le=\"+Inf\"}", "0+10x40");
    }
    series("aegis_service_latency_threshold_seconds{" + aegisd + ",exported_service=\"checkout\"}",
           "1x40");
    series("aegis_service_latency_threshold_seconds{service=\"fast\"}", "3x40");
    // checkout-1 burns 0.9 CPU, fast-1 0.1.
    series("process_cpu_seconds_total{job=\"checkout\",service=\"checkout\",instance="
           "\"checkout-1\"}",
           "0+13.5x40");
    series("process_cpu_seconds_total{job=\"fast\",service=\"fast\",instance=\"fast-1\"}",
           "0+1.5x40");

    test += "    alert_rule_test:\n";
    const auto expect = [&](const char *alertname, const std::string &alerts) {
        test += "      - eval_time: 8m\n        alertname: " + std::string(alertname) +
                "\n        exp_alerts:\n" + alerts;
    };
    const Rule *critical = findRule(*file, "AegisInstanceCritical");
    expect("AegisInstanceCritical",
           expectedAlert(*critical, {{"instance", "cart-1"}, {"service", "cart"}}, 0) +
               expectedAlert(*critical, {{"instance", "checkout-1"}, {"service", "checkout"}}, 0));
    expect("ServiceHighErrorRatio", expectedAlert(*findRule(*file, "ServiceHighErrorRatio"),
                                                  {{"service", "checkout"}}, 0.1));
    expect("ServiceHighLatency",
           expectedAlert(*findRule(*file, "ServiceHighLatency"), {{"service", "checkout"}}, 2.485));
    expect("HighCPUUsage",
           expectedAlert(*findRule(*file, "HighCPUUsage"),
                         {{"instance", "checkout-1"}, {"job", "checkout"}, {"service", "checkout"}},
                         0.9));
    // Nothing of aegisd's own fires on these series.
    for (const char *quiet :
         {"AegisWatchersCutOff", "AegisStoreCommitSlow", "AegisStoreCommitFailures"}) {
        test += "      - eval_time: 8m\n        alertname: " + std::string(quiet) +
                "\n        exp_alerts: []\n";
    }
    const auto testFile = dir.path() / "defaults_test.yml";
    std::ofstream(testFile) << test;
    const auto result =
        testing::runCommand({testing::toolPath("promtool"), "test", "rules", testFile.string()});
    QVERIFY2(result.exitCode == 0, (result.out + result.err + "\n" + test).c_str());
}

QTEST_GUILESS_MAIN(DefaultRulesTest)
#include "tst_default_rules.moc"
