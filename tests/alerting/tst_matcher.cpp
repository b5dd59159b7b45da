// Alertmanager matchers (alerting/matcher.h): parsing as Alertmanager's classic parser does
// (braces optional, commas inside quotes, OpenMetrics escapes, a trailing comma), the column of
// each problem, anchored regexes and a missing label matching as "". Each text is also given to
// the real Alertmanager 0.25 (`amtool check-config`, package prometheus-alertmanager: the test
// fails without it), which must accept what we accept and refuse what we refuse.

#include "alerting/matcher.h"

#include "daemon_process.h"
#include "required_tool.h"

#include <QtTest>

#include <fstream>

using namespace aegis;
using namespace aegis::alerting;

Q_DECLARE_METATYPE(std::vector<Matcher>)

namespace {

// `amtool check-config` on a configuration whose inhibit rule has `text` as source matchers
// (Alertmanager parses those with the same parser): whether it accepts them.
bool alertmanagerAccepts(const std::string &text) {
    testing::TempDir dir;
    std::string quoted = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            quoted += '\\';
        }
        quoted += c;
    }
    quoted += "\"";
    std::ofstream(dir.path() / "alertmanager.yml")
        << "route:\n  receiver: r\nreceivers:\n  - name: r\ninhibit_rules:\n"
           "  - source_matchers: ["
        << quoted << "]\n    target_matchers: ['x=\"y\"']\n";
    const auto checked = testing::runCommand(
        {testing::toolPath("amtool"), "check-config", (dir.path() / "alertmanager.yml").string()});
    return checked.exitCode == 0;
}

Matcher eq(std::string name, std::string value) {
    return {std::move(name), std::move(value), false, true};
}
Matcher ne(std::string name, std::string value) {
    return {std::move(name), std::move(value), false, false};
}
Matcher re(std::string name, std::string value) {
    return {std::move(name), std::move(value), true, true};
}
Matcher nre(std::string name, std::string value) {
    return {std::move(name), std::move(value), true, false};
}

MatcherSet compiled(std::vector<Matcher> matchers) {
    auto set = MatcherSet::compile(std::move(matchers));
    if (!set) {
        qFatal("%s", set.status().message().c_str());
    }
    return std::move(set).value();
}

} // namespace

class MatcherTest : public QObject {
    Q_OBJECT

private slots:
    void parses_data();
    void parses();
    void refuses_data();
    void refuses();
    void matchesAnchoredWithMissingLabelsEmpty();
    void selectsSomething();
    void compileNamesTheFieldAndLimit();
    void formatsSoItParsesBack();
};

void MatcherTest::parses_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<std::vector<Matcher>>("expected");

    QTest::newRow("braced") << "{a=\"b\",c=~\"d.*\"}" << std::vector{eq("a", "b"), re("c", "d.*")};
    QTest::newRow("unbraced, unquoted") << "a=b, c!=d" << std::vector{eq("a", "b"), ne("c", "d")};
    QTest::newRow("spaces and trailing comma")
        << "{foo = \"bar\", dings !~ \"bums\", }"
        << std::vector{eq("foo", "bar"), nre("dings", "bums")};
    QTest::newRow("comma and quotes inside quotes")
        << "{quote=\"She said: \\\"Hi, ladies!\\\"\"}"
        << std::vector{eq("quote", "She said: \"Hi, ladies!\"")};
    QTest::newRow("escapes") << "a=\"x\\\\y\\n\"" << std::vector{eq("a", "x\\y\n")};
    QTest::newRow("spurious escape is literal") << "a=\"x\\qy\"" << std::vector{eq("a", "x\\qy")};
    QTest::newRow("empty value") << "a=" << std::vector{eq("a", "")};
    QTest::newRow("empty quoted value") << "a!=\"\"" << std::vector{ne("a", "")};
    QTest::newRow("regex") << "statuscode=~\"5..\"" << std::vector{re("statuscode", "5..")};
    QTest::newRow("nothing") << "" << std::vector<Matcher>{};
    QTest::newRow("empty braces") << "{}" << std::vector<Matcher>{};
}

void MatcherTest::parses() {
    QFETCH(QString, text);
    QFETCH(std::vector<Matcher>, expected);
    const auto parsed = parseMatchers(text.toStdString());
    QVERIFY2(parsed, parsed.status().toString().c_str());
    AEGIS_REQUIRE_TOOL("amtool", "prometheus-alertmanager");
    QVERIFY2(alertmanagerAccepts(text.toStdString()), "Alertmanager refuses it");
    QCOMPARE(parsed->size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        QCOMPARE(QString::fromStdString(formatMatcher((*parsed)[i])),
                 QString::fromStdString(formatMatcher(expected[i])));
        QVERIFY((*parsed)[i] == expected[i]);
    }
}

void MatcherTest::refuses_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("message");

    QTest::newRow("bad name") << "{a=\"b\",1x=\"c\"}"
                              << "silence.matchers: column 8: bad matcher format: 1x=\"c\"";
    QTest::newRow("no operator") << "a b=c"
                                 << "silence.matchers: column 3: bad matcher format: a b=c";
    QTest::newRow("unterminated quote")
        << "a=\"b"
        << "silence.matchers: column 3: matcher value contains unescaped double quote: \"b";
    QTest::newRow("quote inside")
        << "a=\"b\"c\""
        << "silence.matchers: column 5: matcher value contains unescaped double quote";
    QTest::newRow("bad regex") << "a=~\"(\""
                               << "silence.matchers: column 5: error parsing regexp";
    QTest::newRow("empty between commas") << "a=b,,c=d"
                                          << "silence.matchers: column 5: bad matcher format";
}

void MatcherTest::refuses() {
    QFETCH(QString, text);
    QFETCH(QString, message);
    const auto parsed = parseMatchers(text.toStdString(), "silence.matchers");
    QVERIFY(!parsed);
    QCOMPARE(parsed.status().code(), StatusCode::InvalidArgument);
    QVERIFY2(QString::fromStdString(parsed.status().message()).startsWith(message),
             parsed.status().message().c_str());
    AEGIS_REQUIRE_TOOL("amtool", "prometheus-alertmanager");
    QVERIFY2(!alertmanagerAccepts(text.toStdString()), "Alertmanager accepts it");
}

void MatcherTest::matchesAnchoredWithMissingLabelsEmpty() {
    const MatcherSet set = compiled({eq("service", "checkout"), re("severity", "crit.*")});
    QVERIFY(set.matches({{"service", "checkout"}, {"severity", "critical"}}));
    QVERIFY(!set.matches({{"service", "checkout"}, {"severity", "warning"}}));
    QVERIFY(!set.matches({{"severity", "critical"}}));

    // Regexes are anchored at both ends.
    const MatcherSet anchored = compiled({re("severity", "crit")});
    QVERIFY(!anchored.matches({{"severity", "critical"}}));
    QVERIFY(anchored.matches({{"severity", "crit"}}));
    QVERIFY(compiled({re("instance", "a|b")}).matches({{"instance", "b"}}));
    QVERIFY(!compiled({re("instance", "a|b")}).matches({{"instance", "ab"}}));

    // A missing label is "".
    QVERIFY(compiled({eq("team", "")}).matches({{"service", "x"}}));
    QVERIFY(!compiled({ne("team", "")}).matches({{"service", "x"}}));
    QVERIFY(compiled({re("team", ".*")}).matches({}));
    QVERIFY(compiled({nre("team", "a|b")}).matches({{"team", "c"}}));
    QVERIFY(!compiled({nre("team", "a|b")}).matches({{"team", "a"}}));
    QVERIFY(compiled({}).matches({{"anything", "x"}}));
}

void MatcherTest::selectsSomething() {
    QVERIFY(!compiled({re("a", ".*")}).selectsSomething());
    QVERIFY(!compiled({eq("a", "")}).selectsSomething());
    QVERIFY(!compiled({ne("a", "b")}).selectsSomething());
    QVERIFY(!compiled({}).selectsSomething());
    QVERIFY(compiled({eq("a", "b")}).selectsSomething());
    QVERIFY(compiled({ne("a", "")}).selectsSomething());
    QVERIFY(compiled({re("a", ".*"), re("b", ".+")}).selectsSomething());
}

void MatcherTest::compileNamesTheFieldAndLimit() {
    auto emptyName = MatcherSet::compile({eq("a", "b"), eq("", "x")}, "silence.matchers");
    QVERIFY(!emptyName);
    QCOMPARE(emptyName.status().message(),
             std::string("silence.matchers[1].name: a matcher needs a label name"));

    auto badName = MatcherSet::compile({eq("a:b", "x")});
    QVERIFY(!badName);
    QVERIFY(badName.status().message().starts_with("matchers[0].name: \"a:b\" is not a valid"));

    auto badRegex = MatcherSet::compile({eq("a", "b"), re("c", "([")});
    QVERIFY(!badRegex);
    QVERIFY(badRegex.status().message().starts_with("matchers[1].value: error parsing regexp"));

    std::vector<Matcher> many(33, eq("a", "b"));
    auto tooMany = MatcherSet::compile(many);
    QVERIFY(!tooMany);
    QCOMPARE(tooMany.status().message(),
             std::string("matchers: 33 matchers, at most 32 are allowed"));
    many.pop_back();
    QVERIFY(MatcherSet::compile(many));
}

void MatcherTest::formatsSoItParsesBack() {
    const std::vector<Matcher> matchers{eq("a", "plain"), ne("b", "with \"quotes\", commas"),
                                        re("c", "x\\d+\ny"), nre("d", "")};
    QCOMPARE(formatMatcher(matchers[1]), std::string("b!=\"with \\\"quotes\\\", commas\""));
    std::string text = "{";
    for (std::size_t i = 0; i < matchers.size(); ++i) {
        text += (i ? "," : "") + formatMatcher(matchers[i]);
    }
    text += "}";
    const auto parsed = parseMatchers(text);
    QVERIFY2(parsed, parsed.status().toString().c_str());
    QVERIFY(*parsed == matchers);
}

QTEST_GUILESS_MAIN(MatcherTest)
#include "tst_matcher.moc"
