// Alert label and annotation templates (alerting/alert_template.h): a table of template and
// output, the outputs being what Prometheus renders (its template_test.go and Go's fmt), a table
// of errors, each with its line and column, and a side-by-side run against the real Prometheus:
// `promtool test rules` (package prometheus: the test fails without it) renders the same
// templates and must produce exactly what we do.

#include "alerting/alert_template.h"

#include "daemon_process.h"
#include "required_tool.h"

#include <QtTest>

#include <cmath>
#include <fstream>
#include <string>

using namespace aegis;
using namespace aegis::alerting;

namespace {

const LabelSet kLabels{
    {"instance", "host1.example.com:9100"}, {"job", "node"}, {"service", "checkout"}};
const LabelSet kExternal{{"cluster", "eu1"}};

} // namespace

class AlertTemplateTest : public QObject {
    Q_OBJECT

private slots:
    void expands_data();
    void expands();
    void refuses_data();
    void refuses();
    void checkParsesWithoutRunning();
    void rendersAsPrometheus();
};

void AlertTemplateTest::expands_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<double>("value");
    QTest::addColumn<QString>("output");

    const auto row = [](const char *name, const char *text, double value, const char *output) {
        QTest::newRow(name) << QString::fromUtf8(text) << value << QString::fromUtf8(output);
    };
    row("plain", "plain text", 0, "plain text");
    row("$labels", "{{ $labels.instance }}", 0, "host1.example.com:9100");
    row(".Labels", "{{ .Labels.service }}", 0, "checkout");
    row("missing label is empty", "[{{ $labels.missing }}]", 0, "[]");
    row("$externalLabels", "{{ $externalLabels.cluster }}/{{ .ExternalLabels.cluster }}", 0,
        "eu1/eu1");
    // {{ $value }} prints a float64 as Go's fmt does: shortest digits, exponent from 1e+06.
    row("$value", "{{ $value }}", 0.8734, "0.8734");
    row(".Value", "{{ .Value }}", 0.8734, "0.8734");
    row("$value integral", "{{ $value }}", 2, "2");
    row("$value large", "{{ $value }}", 123456.7, "123456.7");
    row("$value exponent", "{{ $value }}", 1000000, "1e+06");
    row("$value small", "{{ $value }}", 0.00001, "1e-05");
    row("$value tiny fixed", "{{ $value }}", 0.0001, "0.0001");
    row("$value NaN", "{{ $value }}", std::nan(""), "NaN");
    row("$value +Inf", "{{ $value }}", HUGE_VAL, "+Inf");
    row("$labels map", "{{ .Labels }}", 0,
        "map[instance:host1.example.com:9100 job:node service:checkout]");
    // Numbers (Prometheus' template_test.go).
    row("humanize pipeline", "{{ $value | humanize }}", 1234567, "1.235M");
    row("humanize small", "{{ humanize 0.12 }}:{{ humanize 0 }}:{{ humanize \"1.0\" }}", 0,
        "120m:0:1");
    row("humanize1024", "{{ humanize1024 1048576.0 }}:{{ humanize1024 .12 }}", 0, "1Mi:0.12");
    row("humanizeDuration",
        "{{ humanizeDuration 899.99 }}:{{ humanizeDuration 0.12345 }}:"
        "{{ humanizeDuration 93784 }}:{{ humanizeDuration 0 }}:{{ humanizeDuration 12.345 }}",
        0, "14m 59s:123.5ms:1d 2h 3m 4s:0s:12.35s");
    row("humanizePercentage",
        "{{ -0.22222 | humanizePercentage }}:{{ 0.1234567 | humanizePercentage }}", 0,
        "-22.22%:12.35%");
    row("humanizeTimestamp", "{{ 1435065584.128 | humanizeTimestamp }}", 0,
        "2015-06-23 13:19:44.128 +0000 UTC");
    row("humanize infinities", "{{ $value | humanize }}:{{ $value | humanizeDuration }}", -HUGE_VAL,
        "-Inf:-Inf");
    // printf as Go's fmt.Sprintf.
    row("printf %.2f", "{{ printf \"%.2f\" $value }}", 0.8734, "0.87");
    row("printf %s %d", "{{ printf \"%s is %d\" \"a\" 3 }}", 0, "a is 3");
    row("printf %f", "{{ printf \"%f\" 1.5 }}", 0, "1.500000");
    row("printf %v %q", "{{ printf \"%v %q\" $value \"x\\\"y\" }}", 0.8734, "0.8734 \"x\\\"y\"");
    row("printf width flags", "{{ printf \"%5.1f|%-4s|%04d|%+d\" 3.14159 \"ab\" 7 5 }}", 0,
        "  3.1|ab  |0007|+5");
    row("printf bad verb", "{{ printf \"%d\" $value }}", 0.5, "%!d(float64=0.5)");
    row("printf missing", "{{ printf \"%s\" }}", 0, "%!s(MISSING)");
    row("printf extra", "{{ printf \"x\" 1 }}", 0, "x%!(EXTRA int=1)");
    row("printf percent", "{{ printf \"%.1f%%\" 99.95 }}", 0, "100.0%");
    row("printf pipeline", "{{ $value | printf \"%.3e\" }}", 1234.5, "1.234e+03");
    row("print spacing", "{{ print 1 2 \"a\" 3 }}", 0, "1 2a3");
    // Strings.
    row("title", "{{ \"aa bb CC\" | title }}", 0, "Aa Bb CC");
    row("toUpper toLower", "{{ \"aa bb CC\" | toUpper }} {{ \"aA bB CC\" | toLower }}", 0,
        "AA BB CC aa bb cc");
    row("reReplaceAll", "{{ reReplaceAll \"(a)b\" \"x$1\" \"ab\" }}", 0, "xa");
    row("reReplaceAll label", "{{ reReplaceAll \":[0-9]+$\" \"\" $labels.instance }}", 0,
        "host1.example.com");
    row("match", "{{ match \"a+\" \"aa\" }} {{ match \"^b\" \"ab\" }}", 0, "true false");
    row("stripPort", "{{ $labels.instance | stripPort }}", 0, "host1.example.com");
    row("stripPort v6",
        "{{ \"[2001:0DB8::1]:12345\" | stripPort }}|{{ \"2001:0DB8::1\" | stripPort }}", 0,
        "2001:0DB8::1|2001:0DB8::1");
    row("stripDomain", "{{ $labels.instance | stripDomain }}|{{ \"192.0.2.1:80\" | stripDomain }}",
        0, "host1:9100|192.0.2.1:80");
    row("safeHtml", "{{ \"<b>\" | safeHtml }}", 0, "<b>");
    row("parseDuration", "{{ parseDuration \"1h30m\" }}", 0, "5400");
    row("graphLink", "{{ graphLink \"up == 0\" }}", 0, "/graph?g0.expr=up+%3D%3D+0&g0.tab=0");
    // Control structures, comparisons, literals, variables.
    row("if else", "{{ if eq $labels.job \"node\" }}yes{{ else }}no{{ end }}", 0, "yes");
    row("else if", "{{ if gt $value 0.9 }}high{{ else if gt $value 0.5 }}mid{{ else }}low{{ end }}",
        0.7, "mid");
    row("and lt ge", "{{ if and (ge $value 0.5) (lt $value 1.0) }}in{{ end }}", 0.7, "in");
    row("or default", "{{ or $labels.missing \"default\" }}", 0, "default");
    row("not ne", "{{ not true }} {{ ne $labels.job \"api\" }} {{ le 2 2 }}", 0, "false true true");
    // As in Go: gt is "not le", so it holds for NaN.
    row("NaN comparisons", "{{ gt $value 1.0 }} {{ lt $value 1.0 }} {{ ge $value 1.0 }}",
        std::nan(""), "true false true");
    row("eq several", "{{ eq $labels.job \"api\" \"node\" }}", 0, "true");
    row("with", "{{ with $labels.service }}svc={{ . }}{{ end }}", 0, "svc=checkout");
    row("with else", "{{ with $labels.missing }}x{{ else }}none{{ end }}", 0, "none");
    row("range key value", "{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}", 0,
        "instance=host1.example.com:9100;job=node;service=checkout;");
    row("range dot", "{{ range .Labels }}{{ . }},{{ end }}", 0,
        "host1.example.com:9100,node,checkout,");
    row("range break",
        "{{ range $k, $v := $labels }}{{ if eq $k \"job\" }}{{ break }}{{ end }}{{ $k }};{{ end }}",
        0, "instance;");
    row("trim markers", "a  {{- $labels.job -}}  b", 0, "anodeb");
    row("comment", "x{{/* a note */}}y", 0, "xy");
    row("len index", "{{ len $labels }} {{ index $labels \"job\" }}", 0, "3 node");
    row("variable", "{{ $x := \"v\" }}{{ $x }}{{ $x = \"w\" }}{{ $x }}", 0, "vw");
    row("literals", "{{ 1 }} {{ 1.5 }} {{ true }} {{ \"s\" }} {{ `raw\\n` }} {{ 'a' }}", 0,
        "1 1.5 true s raw\\n 97");
    row("parenthesised", "{{ (printf \"%s-%s\" $labels.job $labels.service) | toUpper }}", 0,
        "NODE-CHECKOUT");
    row("multi-line", "Instance {{ $labels.instance }}\nvalue {{ $value }}", 3,
        "Instance host1.example.com:9100\nvalue 3");
    row("HighCPUUsage summary",
        "CPU usage on {{ $labels.instance }} is {{ $value | humanizePercentage }}", 0.873,
        "CPU usage on host1.example.com:9100 is 87.3%");
}

void AlertTemplateTest::expands() {
    QFETCH(QString, text);
    QFETCH(double, value);
    QFETCH(QString, output);
    const auto result = expandTemplate(text.toStdString(), {kLabels, value, kExternal});
    QVERIFY2(result, result.status().toString().c_str());
    QCOMPARE(QString::fromStdString(*result), output);
    QVERIFY(checkTemplate(text.toStdString()).isOk());
}

void AlertTemplateTest::refuses_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("message");
    QTest::addColumn<bool>("parses"); // the error comes from running, not from parsing

    const auto row = [](const char *name, const char *text, const char *message, bool parses) {
        QTest::newRow(name) << QString::fromUtf8(text) << QString::fromUtf8(message) << parses;
    };
    row("unclosed action", "ok {{ $value | humanize", "line 1, column 4: unclosed action", false);
    row("unknown function", "{{ nosuch 1 }}", "line 1, column 4: function \"nosuch\" not defined",
        false);
    row("undefined variable", "{{ $labels.job }} {{ $nope }}",
        "line 1, column 22: undefined variable \"$nope\"", false);
    row("missing end", "{{ if true }}x", "line 1, column 15: unexpected EOF: {{if}} has no {{end}}",
        false);
    row("stray end", "a {{ end }}", "line 1, column 6: unexpected {{end}}", false);
    row("stray else", "{{ else }}", "line 1, column 4: unexpected {{else}}", false);
    row("break outside range", "{{ break }}", "line 1, column 4: {{break}} outside {{range}}",
        false);
    row("define refused", "{{ define \"x\" }}{{ end }}",
        "line 1, column 4: {{define}} is not supported in alert templates", false);
    row("bad character", "{{ $value # }}",
        "line 1, column 11: unrecognized character in action: "
        "U+0023 '#'",
        false);
    row("literal with arguments", "{{ \"a\" \"b\" }}",
        "line 1, column 4: can't give argument to non-function \"a\"", false);
    row("empty action", "{{ }}", "line 1, column 4: missing value for command", false);
    row("unterminated string", "{{ \"abc }}", "line 1, column 4: unterminated quoted string",
        false);
    row("non-executable stage", "{{ $value | 3 }}",
        "line 1, column 13: non executable command in pipeline stage 2", false);
    row("second line", "first\n  {{ humanize \"one\" }}",
        "line 2, column 6: error calling humanize: strconv.ParseFloat: parsing \"one\": invalid "
        "syntax",
        true);
    // As in Go, a float64 and an int do not compare: write 5.0.
    row("int against float", "{{ if gt $value 5 }}x{{ end }}",
        "line 1, column 7: error calling gt: incompatible types for comparison", true);
    row("query refused", "{{ query \"up\" | first | value }}",
        "line 1, column 4: function \"query\" needs query results", true);
    row("unknown field", "{{ .Foo }}", "line 1, column 4: can't evaluate field Foo in type struct",
        true);
    row("field of a string", "{{ $labels.job.x }}",
        "line 1, column 4: can't evaluate field x in type string", true);
    row("wrong argument type", "{{ toUpper 3 }}",
        "line 1, column 4: wrong type for value; expected string; got int", true);
    row("wrong argument count", "{{ humanize 1 2 }}",
        "line 1, column 4: wrong number of args for humanize: want 1 got 2", true);
    row("bad regexp", "{{ match \"(\" \"a\" }}",
        "line 1, column 4: error calling match: error parsing regexp", true);
    row("range over a number", "{{ range $value }}x{{ end }}",
        "line 1, column 4: range can't iterate over 1.5", true);
}

void AlertTemplateTest::refuses() {
    QFETCH(QString, text);
    QFETCH(QString, message);
    QFETCH(bool, parses);
    const auto result = expandTemplate(text.toStdString(), {kLabels, 1.5, kExternal});
    QVERIFY(!result);
    QCOMPARE(result.status().code(), StatusCode::InvalidArgument);
    QVERIFY2(QString::fromStdString(result.status().message()).startsWith(message),
             result.status().message().c_str());
    const Status checked = checkTemplate(text.toStdString());
    QCOMPARE(checked.isOk(), parses);
    if (!parses) {
        QCOMPARE(checked.message(), result.status().message());
    }
}

void AlertTemplateTest::checkParsesWithoutRunning() {
    // Prometheus accepts query-based templates in a rule file; they fail only when expanded.
    QVERIFY(
        checkTemplate("{{ with query \"up\" }}{{ . | first | value | humanize }}{{ end }}").isOk());
    QVERIFY(checkTemplate("{{ $labels.instance }} {{ $value }} {{ $externalURL }}").isOk());
    QVERIFY(!checkTemplate("{{ $labels.instance ").isOk());

    // Hostile nesting is refused, not recursed into.
    const std::string deep = "{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}";
    const Status tooDeep = checkTemplate(deep);
    QVERIFY(!tooDeep.isOk());
    QVERIFY2(tooDeep.message().find("template nesting too deep") != std::string::npos,
             tooDeep.message().c_str());
    std::string nested;
    for (int i = 0; i < 50; ++i) {
        nested += "{{ if true }}(";
    }
    for (int i = 0; i < 50; ++i) {
        nested += "){{ end }}";
    }
    const auto fifty = expandTemplate(nested, {kLabels, 0, kExternal});
    QVERIFY2(fifty, fifty.status().toString().c_str());
    QCOMPARE(*fifty, std::string(50, '(') + std::string(50, ')'));
}

namespace {

// A YAML double-quoted scalar.
std::string yamlQuoted(const std::string &text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out + "\"";
}

} // namespace

void AlertTemplateTest::rendersAsPrometheus() {
    AEGIS_REQUIRE_TOOL("promtool", "prometheus");
    // Every template as an annotation of one alert, over series of several values.
    const std::vector<std::string> templates{
        "{{ $value }}|{{ .Value }}",
        "{{ $labels.instance }}|{{ .Labels.job }}|[{{ $labels.missing }}]",
        "{{ $value | humanize }}|{{ humanize1024 $value }}",
        "{{ humanizeDuration $value }}|{{ $value | humanizePercentage }}",
        "{{ printf \"%.2f|%v|%e|%g|%8.3f|%-8.1f|\" $value $value $value $value $value $value }}",
        "{{ printf \"%d|%s|%q|%x|%5s|%-5s|\" $value $labels.job $labels.job $labels.job \"a\" "
        "\"b\" }}",
        "{{ printf \"%s %d\" }}{{ printf \"x\" 1 \"y\" }}{{ printf \"%04d %+d %t\" 7 5 true }}",
        "{{ $labels.job | title }} {{ toUpper \"aa bb\" }} {{ toLower \"AbC\" }} {{ title \"don't "
        "stop_me now-then\" }}",
        "{{ reReplaceAll \":([0-9]+)$\" \" port $1\" $labels.instance }}|{{ match \"^host\" "
        "$labels.instance }}",
        "{{ stripPort $labels.instance }}|{{ stripDomain $labels.instance }}",
        "{{ if gt $value 1.0 }}big{{ else if gt $value 0.0 }}small{{ else }}none{{ end }}",
        "{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}",
        "{{ with $labels.job }}job {{ . }}{{ end }}{{ with $labels.nope }}x{{ else }}-{{ end }}",
        "{{ len $labels }} {{ index $labels \"job\" }} {{ print 1 2 \"a\" 3.5 true }}",
        "{{ 1.5 }} {{ 'a' }} {{ true }} {{ 1e3 }} {{ -7 }} {{ 0x1F }}",
        "a  {{- \" trimmed \" -}}  b{{/* gone */}}",
        "{{ $labels }}",
        "{{ html \"<a href='x'>&\" }} {{ urlquery \"a b&c\" }}",
        "{{ $x := 1 }}{{ $x = 2 }}{{ $x }} {{ and 1 0 }} {{ or 0 \"\" \"z\" }} {{ not 0 }}",
        "{{ range $labels }}{{ if eq . \"node\" }}{{ break }}{{ end }}{{ . }},{{ end }}",
    };
    const std::vector<std::pair<std::string, double>> values{
        {"0.8734", 0.8734},   {"1e6", 1e6},       {"123456.7", 123456.7},
        {"1.5e-05", 1.5e-05}, {"-2.5", -2.5},     {"1234567", 1234567.0},
        {"0", 0.0},           {"93784", 93784.0}, {"NaN", std::nan("")},
        {"+Inf", HUGE_VAL},
    };

    testing::TempDir dir;
    std::string rules = "groups:\n  - name: t\n    rules:\n      - alert: T\n        expr: m\n"
                        "        annotations:\n";
    for (std::size_t i = 0; i < templates.size(); ++i) {
        rules += "          a" + std::to_string(i) + ": " + yamlQuoted(templates[i]) + "\n";
    }
    std::ofstream(dir.path() / "rules.yml") << rules;

    std::string test = "rule_files:\n  - rules.yml\nevaluation_interval: 1m\ntests:\n"
                       "  - interval: 1m\n    input_series:\n";
    for (std::size_t v = 0; v < values.size(); ++v) {
        test += "      - series: " +
                yamlQuoted("m{case=\"" + std::to_string(v) +
                           "\",instance=\"host1.example.com:9100\",job=\"node\"}") +
                "\n        values: " +
                yamlQuoted(values[v].first + " " + values[v].first + " " + values[v].first) + "\n";
    }
    test += "    alert_rule_test:\n      - eval_time: 1m\n        alertname: T\n"
            "        exp_alerts:\n";
    for (std::size_t v = 0; v < values.size(); ++v) {
        // Templates see the series' name; the alert's labels drop it.
        const LabelSet labels{{"__name__", "m"},
                              {"case", std::to_string(v)},
                              {"instance", "host1.example.com:9100"},
                              {"job", "node"}};
        const LabelSet external;
        test += "          - exp_labels:\n";
        for (const auto &[name, text] : LabelSet(labels.begin() + 1, labels.end())) {
            test += "              " + name + ": " + yamlQuoted(text) + "\n";
        }
        test += "            exp_annotations:\n";
        for (std::size_t i = 0; i < templates.size(); ++i) {
            const auto expanded =
                expandTemplate(templates[i], {labels, values[v].second, external});
            QVERIFY2(expanded, (templates[i] + ": " + expanded.status().message()).c_str());
            test += "              a" + std::to_string(i) + ": " + yamlQuoted(*expanded) + "\n";
        }
    }
    std::ofstream(dir.path() / "test.yml") << test;
    const auto result = testing::runCommand(
        {testing::toolPath("promtool"), "test", "rules", (dir.path() / "test.yml").string()});
    if (result.exitCode != 0) {
        qWarning("%s%s", result.out.c_str(), result.err.c_str()); // the whole difference
    }
    QVERIFY2(result.exitCode == 0, "promtool renders the templates differently (above)");
}

QTEST_GUILESS_MAIN(AlertTemplateTest)
#include "tst_alert_template.moc"
