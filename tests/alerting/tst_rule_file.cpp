// Prometheus rule files (alerting/rule_file.h): a realistic file imports (the HighCPUUsage rule
// with `for: 2m` that every Prometheus guide shows, and a recording rule), every kind of problem
// is reported with its group, rule, line and column, all of them at once; the export passes the
// real `promtool check rules` (package prometheus: the test fails without it) and parses back to
// the same file; keep_firing_for, which promtool 2.42 predates, is checked by our validator.

#include "alerting/rule_file.h"

#include "daemon_process.h"
#include "required_tool.h"

#include <QtTest>

#include <fstream>
#include <iterator>

using namespace aegis;
using namespace aegis::alerting;
using namespace std::chrono_literals;

namespace {

// Rules an operator already runs with Prometheus (testdata/realistic_rules.yml).
std::string realisticFile() {
    std::ifstream in(AEGIS_ALERTING_TESTDATA "/realistic_rules.yml");
    return std::string(std::istreambuf_iterator<char>(in), {});
}
// Whether two files say the same (positions aside).
bool sameRules(const RuleFile &a, const RuleFile &b, std::string &why) {
    if (a.groups.size() != b.groups.size()) {
        why = "group count";
        return false;
    }
    for (std::size_t g = 0; g < a.groups.size(); ++g) {
        const RuleGroup &x = a.groups[g];
        const RuleGroup &y = b.groups[g];
        if (x.name != y.name || x.interval != y.interval || x.limit != y.limit ||
            x.rules.size() != y.rules.size()) {
            why = "group " + x.name;
            return false;
        }
        for (std::size_t r = 0; r < x.rules.size(); ++r) {
            const Rule &p = x.rules[r];
            const Rule &q = y.rules[r];
            if (p.alert != q.alert || p.record != q.record || p.expr != q.expr ||
                p.forDuration != q.forDuration || p.keepFiringFor != q.keepFiringFor ||
                p.labels != q.labels || p.annotations != q.annotations) {
                why = "rule " + p.name() + " of group " + x.name + ": expr [" + p.expr + "] vs [" +
                      q.expr + "]";
                return false;
            }
        }
    }
    return true;
}

// `promtool check rules` on `yaml`: "" when it passes, its complaint otherwise.
std::string promtoolProblems(const std::string &yaml) {
    testing::TempDir dir;
    const auto file = dir.path() / "rules.yml";
    std::ofstream(file) << yaml;
    const auto checked =
        testing::runCommand({testing::toolPath("promtool"), "check", "rules", file.string()});
    if (checked.exitCode == 0) {
        return "";
    }
    return "promtool exit " + std::to_string(checked.exitCode) + ": " + checked.out + checked.err +
           "\n" + yaml;
}

} // namespace

class RuleFileTest : public QObject {
    Q_OBJECT

private slots:
    void importsARealisticFile();
    void reportsEachProblemWhereItIs_data();
    void reportsEachProblemWhereItIs();
    void reportsAllProblemsAtOnce();
    void renderPassesPromtoolAndParsesBack();
    void renderKeepsAwkwardValues();
    void keepFiringForIsOurs();
    void parsesOneRule();
    void promDurations_data();
    void promDurations();
};

void RuleFileTest::importsARealisticFile() {
    const ParsedRuleFile parsed = parseRuleFile(realisticFile());
    for (const RuleDiagnostic &d : parsed.diagnostics) {
        qWarning("%s", d.text().c_str());
    }
    QVERIFY(parsed.diagnostics.empty());
    const RuleFile &file = parsed.file;
    QCOMPARE(file.groups.size(), std::size_t(2));

    const RuleGroup &node = file.groups[0];
    QCOMPARE(node.name, std::string("node"));
    QCOMPARE(node.interval, std::chrono::milliseconds(30s));
    QCOMPARE(node.position.line, 3);
    QCOMPARE(node.position.column, 5);
    QCOMPARE(node.rules.size(), std::size_t(2));
    const Rule &recording = node.rules[0];
    QVERIFY(!recording.isAlerting());
    QCOMPARE(recording.name(), std::string("instance:process_cpu_seconds:rate1m"));
    QCOMPARE(recording.labels, (OrderedLabels{{"team", "platform"}}));
    const Rule &cpu = node.rules[1];
    QVERIFY(cpu.isAlerting());
    QCOMPARE(cpu.alert, std::string("HighCPUUsage"));
    QCOMPARE(cpu.expr, std::string("rate(process_cpu_seconds_total[1m]) > 0.8"));
    QCOMPARE(cpu.forDuration, std::chrono::milliseconds(2min));
    QCOMPARE(cpu.keepFiringFor, std::chrono::milliseconds(0));
    QCOMPARE(cpu.position.line, 10);
    QCOMPARE(cpu.position.column, 9);
    QCOMPARE(cpu.labels, (OrderedLabels{{"severity", "warning"}}));
    // Annotations keep the file's order.
    QCOMPARE(cpu.annotations.size(), std::size_t(2));
    QCOMPARE(cpu.annotations[0].first, std::string("summary"));
    QCOMPARE(cpu.annotations[1].second,
             std::string("CPU usage is {{ $value | humanizePercentage }} on {{ $labels.instance "
                         "}}\nfor more than 2 minutes.\n"));

    const RuleGroup &api = file.groups[1];
    QCOMPARE(api.interval, std::chrono::milliseconds(0));
    QCOMPARE(api.limit, 100);
    QCOMPARE(api.rules[0].forDuration, std::chrono::milliseconds(90min));
    // Where each expression's text starts (a query error's line and column count from there).
    QCOMPARE(cpu.exprPosition.line, 11);
    QCOMPARE(cpu.exprPosition.column, 15);
    QCOMPARE(api.rules[0].exprPosition.line, 25);
    QCOMPARE(api.rules[0].exprPosition.column, 11);
    QVERIFY(api.rules[0].expr.find("code=~\"5..\"") != std::string::npos);

    QVERIFY(loadRuleFile(realisticFile()));
}

void RuleFileTest::reportsEachProblemWhereItIs_data() {
    QTest::addColumn<QString>("yaml");
    QTest::addColumn<QString>("group");
    QTest::addColumn<QString>("rule");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("message"); // the start of the message

    const auto row = [](const char *name, const char *yaml, const char *group, const char *rule,
                        int line, int column, const char *message) {
        QTest::newRow(name) << QString::fromUtf8(yaml) << group << rule << line << column
                            << message;
    };
    // Every rule below sits in group "g" at line 3 (its rules from line 5).
    const auto rules = [](const char *body) {
        static std::vector<std::string> keep;
        keep.push_back(std::string("groups:\n  - name: g\n    rules:\n") + body);
        return keep.back().c_str();
    };
    row("yaml syntax", "groups:\n  - name: [oops\n", "", "", 3, 1, "YAML: ");
    row("top level not a mapping", "- a\n", "", "", 1, 1, "a rule file is a mapping");
    row("unknown top-level field", "groups: []\nrulez: []\n", "", "", 2, 1,
        "unknown field \"rulez\"");
    row("groups not a list", "groups: {a: 1}\n", "", "", 1, 9, "groups: expected a list");
    row("unknown group field", "groups:\n  - name: g\n    query_offset: 1m\n    rules: []\n", "g",
        "", 3, 5, "unknown field \"query_offset\" in a group");
    row("group without name", "groups:\n  - interval: 1m\n    rules: []\n", "", "", 2, 5,
        "name: a group needs a name");
    row("repeated group", "groups:\n  - name: g\n    rules: []\n  - name: g\n    rules: []\n", "g",
        "", 4, 5, "name: group \"g\" is repeated in the same file (first at line 2)");
    row("bad interval", "groups:\n  - name: g\n    interval: 1x\n    rules: []\n", "g", "", 3, 15,
        "interval: unknown unit \"x\"");
    row("zero interval", "groups:\n  - name: g\n    interval: 0s\n    rules: []\n", "g", "", 3, 15,
        "interval: must be more than 0");
    row("negative limit", "groups:\n  - name: g\n    limit: -1\n    rules: []\n", "g", "", 3, 12,
        "limit: must not be negative");
    row("repeated key", "groups:\n  - name: g\n    rules: []\n    rules: []\n", "g", "", 4, 5,
        "mapping key \"rules\" already defined at line 3");
    row("record and alert", rules("      - record: a:b\n        alert: A\n        expr: up\n"), "g",
        "A", 4, 17, "only one of 'record' and 'alert' must be set");
    row("neither record nor alert", rules("      - expr: up\n"), "g", "", 4, 9,
        "one of 'record' or 'alert' must be set");
    row("empty expr", rules("      - alert: A\n        expr: ''\n"), "g", "A", 5, 15,
        "expr: must be set");
    row("blank expr", rules("      - alert: A\n        expr: '  '\n"), "g", "A", 5, 15,
        "expr: must be set");
    row("missing expr", rules("      - alert: A\n"), "g", "A", 4, 9, "expr: must be set");
    row("unknown rule field", rules("      - alert: A\n        expr: up\n        fro: 2m\n"), "g",
        "A", 6, 9, "unknown field \"fro\" in a rule");
    row("bad for", rules("      - alert: A\n        expr: up\n        for: 2 minutes\n"), "g", "A",
        6, 14, "for: unknown unit \" minutes\" in duration");
    row("units out of order", rules("      - alert: A\n        expr: up\n        for: 1m1h\n"), "g",
        "A", 6, 14, "for: not a valid duration string (units go from biggest to smallest)");
    row("for on recording rule", rules("      - record: a:b\n        expr: up\n        for: 1m\n"),
        "g", "a:b", 4, 17, "for: only alerting rules have `for`");
    row("keep_firing_for on recording rule",
        rules("      - record: a:b\n        expr: up\n        keep_firing_for: 1m\n"), "g", "a:b",
        4, 17, "keep_firing_for: only alerting rules");
    row("annotations on recording rule",
        rules("      - record: a:b\n        expr: up\n        annotations:\n          x: y\n"), "g",
        "a:b", 4, 17, "annotations: only alerting rules have annotations");
    row("bad record name", rules("      - record: 1abc\n        expr: up\n"), "g", "1abc", 4, 17,
        "record: invalid recording rule name: 1abc");
    row("braces in record name", rules("      - record: up{job=\"a\"}\n        expr: up\n"), "g",
        "up{job=\"a\"}", 4, 17, "record: braces present in the recording rule name");
    row("bad label name",
        rules("      - alert: A\n        expr: up\n        labels:\n          bad-name: x\n"), "g",
        "A", 7, 11, "labels: invalid label name: bad-name");
    row("__name__ label",
        rules("      - alert: A\n        expr: up\n        labels:\n          __name__: x\n"), "g",
        "A", 7, 11, "labels: invalid label name: __name__");
    row("label not a string",
        rules("      - alert: A\n        expr: up\n        labels:\n          a: [1]\n"), "g", "A",
        7, 14, "labels.a: expected a string");
    row("bad annotation name",
        rules("      - alert: A\n        expr: up\n        annotations:\n          9x: y\n"), "g",
        "A", 7, 11, "annotations: invalid annotation name: 9x");
    row("annotation template",
        rules("      - alert: A\n        expr: up\n        annotations:\n"
              "          summary: '{{ $labels.x'\n"),
        "g", "A", 7, 20, "annotations.summary: template: line 1, column 1: unclosed action");
    row("label template",
        rules("      - alert: A\n        expr: up\n        labels:\n"
              "          severity: '{{ nosuch }}'\n"),
        "g", "A", 7, 21,
        "labels.severity: template: line 1, column 4: function \"nosuch\" not defined");
    row("rule not a mapping", rules("      - just text\n"), "g", "", 4, 9, "a rule is a mapping");
    row("second document", "groups: []\n---\ngroups: []\n", "", "", 3, 1,
        "a rule file is one YAML document");
}

void RuleFileTest::reportsEachProblemWhereItIs() {
    QFETCH(QString, yaml);
    QFETCH(QString, group);
    QFETCH(QString, rule);
    QFETCH(int, line);
    QFETCH(int, column);
    QFETCH(QString, message);
    const ParsedRuleFile parsed = parseRuleFile(yaml.toStdString());
    QVERIFY2(!parsed.diagnostics.empty(), "no diagnostic");
    std::string all;
    for (const RuleDiagnostic &d : parsed.diagnostics) {
        all += d.text() + "\n";
    }
    QVERIFY2(parsed.diagnostics.size() == 1, all.c_str());
    const RuleDiagnostic &d = parsed.diagnostics.front();
    QCOMPARE(QString::fromStdString(d.group), group);
    QCOMPARE(QString::fromStdString(d.rule), rule);
    QCOMPARE(d.position.line, line);
    QCOMPARE(d.position.column, column);
    QVERIFY2(QString::fromStdString(d.message).startsWith(message), d.message.c_str());

    // The text names what is known, and loadRuleFile refuses with it.
    const std::string text = d.text();
    if (!group.isEmpty()) {
        QVERIFY(text.starts_with("group \"" + group.toStdString() + "\""));
    }
    if (!rule.isEmpty()) {
        QVERIFY(text.find("rule \"" + rule.toStdString() + "\"") != std::string::npos);
    }
    QVERIFY(text.find("line " + std::to_string(line) + ", column " + std::to_string(column) +
                      ": ") != std::string::npos);
    const auto loaded = loadRuleFile(yaml.toStdString());
    QVERIFY(!loaded);
    QCOMPARE(loaded.status().code(), StatusCode::InvalidArgument);
    QCOMPARE(loaded.status().message(), text);

    // What we refuse, Prometheus refuses too, except where aegisd is stricter on purpose: an
    // interval of 0 (Prometheus reads it as the default), a negative limit (Prometheus treats it
    // as none) and a second YAML document (Prometheus ignores it).
    const QString tag = QTest::currentDataTag();
    if (tag != "zero interval" && tag != "negative limit" && tag != "second document") {
        AEGIS_REQUIRE_TOOL("promtool", "prometheus");
        QVERIFY2(!promtoolProblems(yaml.toStdString()).empty(), "promtool accepts it");
    }
}

void RuleFileTest::reportsAllProblemsAtOnce() {
    const char *yaml = "groups:\n"
                       "  - name: a\n"
                       "    interval: soon\n"
                       "    rules:\n"
                       "      - alert: One\n"
                       "        expr: up == 0\n"
                       "        for: later\n"
                       "      - record: bad name\n"
                       "        expr: ''\n"
                       "  - name: a\n"
                       "    rules: []\n";
    const ParsedRuleFile parsed = parseRuleFile(yaml);
    std::vector<std::string> texts;
    for (const RuleDiagnostic &d : parsed.diagnostics) {
        texts.push_back(d.text());
    }
    const std::vector<std::string> expected{
        "group \"a\": line 3, column 15: interval: not a valid duration string: \"soon\" (use "
        "e.g. 30s, 2m, 1h30m, 1d, 1w)",
        "group \"a\", rule \"One\": line 7, column 14: for: not a valid duration string: \"later\" "
        "(use e.g. 30s, 2m, 1h30m, 1d, 1w)",
        "group \"a\", rule \"bad name\": line 9, column 15: expr: must be set (the rule's PromQL "
        "expression)",
        "group \"a\", rule \"bad name\": line 8, column 17: record: invalid recording rule name: "
        "bad name (a metric name: [a-zA-Z_:][a-zA-Z0-9_:]*)",
        "group \"a\": line 10, column 5: name: group \"a\" is repeated in the same file (first at "
        "line 2)",
    };
    QCOMPARE(texts, expected);
    const auto loaded = loadRuleFile(yaml);
    QVERIFY(!loaded);
    QCOMPARE(loaded.status().message(), expected.front() + " (and 4 more problems)");
}

void RuleFileTest::renderPassesPromtoolAndParsesBack() {
    AEGIS_REQUIRE_TOOL("promtool", "prometheus");
    const auto loaded = loadRuleFile(realisticFile());
    QVERIFY2(loaded, loaded.status().toString().c_str());
    const std::string rendered = renderRuleFile(*loaded);
    const std::string problems = promtoolProblems(rendered);
    QVERIFY2(problems.empty(), problems.c_str());

    const ParsedRuleFile back = parseRuleFile(rendered);
    QVERIFY(back.diagnostics.empty());
    std::string why;
    QVERIFY2(sameRules(*loaded, back.file, why), (why + "\n" + rendered).c_str());
    // Rendering is stable.
    QCOMPARE(renderRuleFile(back.file), rendered);
    // The source itself passes promtool too: what we accept, Prometheus accepts.
    const std::string sourceProblems = promtoolProblems(realisticFile());
    QVERIFY2(sourceProblems.empty(), sourceProblems.c_str());

    // No groups at all.
    const std::string empty = renderRuleFile({});
    QVERIFY2(promtoolProblems(empty).empty(), empty.c_str());
    QVERIFY(parseRuleFile(empty).diagnostics.empty());
    QVERIFY(parseRuleFile(empty).file.groups.empty());
}

void RuleFileTest::renderKeepsAwkwardValues() {
    AEGIS_REQUIRE_TOOL("promtool", "prometheus");
    // Values YAML would misread unquoted, multi-line text with and without a final newline,
    // quotes and braces in expressions.
    RuleFile file;
    RuleGroup group;
    group.name = "odd: name #1";
    group.interval = 90s;
    group.limit = 5;
    Rule alert;
    alert.alert = "Odd";
    alert.expr = "sum(rate(x{a=\"b\", c='d'}[5m])) > 0\n  and on() vector(1)";
    alert.forDuration = 2h;
    alert.labels = {{"severity", "true"}, {"number", "1"},       {"nothing", "null"},
                    {"empty", ""},        {"colon", "a: b"},     {"hash", "#x"},
                    {"star", "*x"},       {"leading", " space"}, {"quote", "'\""}};
    alert.annotations = {{"summary", "{{ $labels.instance }} at {{ $value }}"},
                         {"description", "line one\nline two\n"},
                         {"runbook", "no final newline\nsecond"},
                         {"trailing", "spaces  \nhere\n"},
                         {"unicode", "Zürich ✓"}};
    group.rules.push_back(alert);
    Rule recording;
    recording.record = "job:up:sum";
    recording.expr = "sum by (job) (up)";
    group.rules.push_back(recording);
    file.groups.push_back(group);
    file.groups.push_back({"empty", 0ms, 0, {}, {}});

    const std::string rendered = renderRuleFile(file);
    const std::string problems = promtoolProblems(rendered);
    QVERIFY2(problems.empty(), problems.c_str());
    const ParsedRuleFile back = parseRuleFile(rendered);
    for (const RuleDiagnostic &d : back.diagnostics) {
        qWarning("%s", d.text().c_str());
    }
    QVERIFY(back.diagnostics.empty());
    std::string why;
    QVERIFY2(sameRules(file, back.file, why), (why + "\n" + rendered).c_str());
    QVERIFY2(rendered.find("description: |\n") != std::string::npos, rendered.c_str());
}

void RuleFileTest::keepFiringForIsOurs() {
    // Prometheus 2.43 added keep_firing_for; promtool 2.42 would refuse it, so only our validator
    // checks a file that has it.
    const char *yaml = "groups:\n"
                       "  - name: g\n"
                       "    rules:\n"
                       "      - alert: Flappy\n"
                       "        expr: up == 0\n"
                       "        for: 1m\n"
                       "        keep_firing_for: 10m\n";
    const auto loaded = loadRuleFile(yaml);
    QVERIFY2(loaded, loaded.status().toString().c_str());
    QCOMPARE(loaded->groups[0].rules[0].keepFiringFor, std::chrono::milliseconds(10min));
    const std::string rendered = renderRuleFile(*loaded);
    QVERIFY2(rendered.find("keep_firing_for: 10m") != std::string::npos, rendered.c_str());
    const auto back = loadRuleFile(rendered);
    QVERIFY(back);
    QCOMPARE(back->groups[0].rules[0].keepFiringFor, std::chrono::milliseconds(10min));

    // Where it is unset, it is not written (so promtool 2.42 accepts the export).
    QVERIFY(renderRuleFile(*loadRuleFile(realisticFile())).find("keep_firing_for") ==
            std::string::npos);

    const ParsedRuleFile bad = parseRuleFile("groups:\n"
                                             "  - name: g\n"
                                             "    rules:\n"
                                             "      - alert: Flappy\n"
                                             "        expr: up == 0\n"
                                             "        keep_firing_for: forever\n");
    QCOMPARE(bad.diagnostics.size(), std::size_t(1));
    QCOMPARE(bad.diagnostics[0].text(),
             std::string("group \"g\", rule \"Flappy\": line 6, column 26: keep_firing_for: not a "
                         "valid duration string: \"forever\" (use e.g. 30s, 2m, 1h30m, 1d, 1w)"));
}

void RuleFileTest::parsesOneRule() {
    const auto rule = parseRule("alert: HighCPUUsage\n"
                                "expr: 'rate(process_cpu_seconds_total[1m]) > 0.8'\n"
                                "for: 2m\n"
                                "labels: {severity: warning}\n");
    QVERIFY2(rule, rule.status().toString().c_str());
    QCOMPARE(rule->alert, std::string("HighCPUUsage"));
    QCOMPARE(rule->forDuration, std::chrono::milliseconds(2min));
    QCOMPARE(rule->exprPosition.line, 2);
    QCOMPARE(rule->exprPosition.column, 8); // after the quote
    QCOMPARE(rule->labels, (OrderedLabels{{"severity", "warning"}}));

    const auto bad = parseRule("alert: A\nexpr: up\nannotations:\n  x: '{{ .Foo'\n");
    QVERIFY(!bad);
    QCOMPARE(bad.status().message(),
             std::string("rule \"A\": line 4, column 6: annotations.x: template: line 1, column "
                         "1: unclosed action"));
    QVERIFY(!parseRule("[1, 2]"));
}

void RuleFileTest::promDurations_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("millis"); // -1: refused
    QTest::addColumn<QString>("formatted");

    QTest::newRow("0") << "0" << qint64(0) << "0s";
    QTest::newRow("0s") << "0s" << qint64(0) << "0s";
    QTest::newRow("500ms") << "500ms" << qint64(500) << "500ms";
    QTest::newRow("90s") << "90s" << qint64(90000) << "1m30s";
    QTest::newRow("1h30m") << "1h30m" << qint64(5400000) << "1h30m";
    QTest::newRow("2d") << "2d" << qint64(172800000) << "2d";
    QTest::newRow("1w") << "1w" << qint64(604800000) << "1w";
    QTest::newRow("90d") << "90d" << qint64(7776000000) << "90d";
    QTest::newRow("1y") << "1y" << qint64(31536000000) << "1y";
    QTest::newRow("1w1d") << "1w1d" << qint64(691200000) << "8d";
    QTest::newRow("1m1s1ms") << "1m1s1ms" << qint64(61001) << "1m1s1ms";
    QTest::newRow("empty") << "" << qint64(-1) << "";
    QTest::newRow("no unit") << "5" << qint64(-1) << "";
    QTest::newRow("unknown unit") << "5x" << qint64(-1) << "";
    QTest::newRow("out of order") << "1s1m" << qint64(-1) << "";
    QTest::newRow("repeated unit") << "1m1m" << qint64(-1) << "";
    QTest::newRow("negative") << "-1m" << qint64(-1) << "";
    QTest::newRow("fraction") << "1.5h" << qint64(-1) << "";
    QTest::newRow("space") << "1m " << qint64(-1) << "";
    QTest::newRow("overflow") << "300y" << qint64(-1) << "";
}

void RuleFileTest::promDurations() {
    QFETCH(QString, text);
    QFETCH(qint64, millis);
    QFETCH(QString, formatted);
    const auto parsed = parsePromDuration(text.toStdString(), "for");
    if (millis < 0) {
        QVERIFY(!parsed);
        QCOMPARE(parsed.status().code(), StatusCode::InvalidArgument);
        QVERIFY(parsed.status().message().starts_with("for: "));
        return;
    }
    QVERIFY2(parsed, parsed.status().toString().c_str());
    QCOMPARE(parsed->count(), millis);
    QCOMPARE(QString::fromStdString(formatPromDuration(*parsed)), formatted);
}

QTEST_GUILESS_MAIN(RuleFileTest)
#include "tst_rule_file.moc"
