// The tag query language of SearchTraces (tracing/tag_query.h): parsing into the canonical form
// (precedence NOT > AND > OR, juxtaposition as AND, case-insensitive keywords, quoting and
// escapes), errors with their line:column and what was expected, nesting and length limits that a
// hostile query cannot get past, and matching: typed values, wildcards, absent keys under NOT and
// !=, several values per key, and Jaeger #175's boolean tag searches.

#include "tracing/tag_query.h"

#include <QtTest>

#include <map>

using namespace aegis::tracing;

namespace {

using Attributes = std::map<std::string, std::vector<TagValue>>;

TagQuery parsed(const std::string &text) {
    auto result = TagQuery::parse(text);
    if (const auto *error = std::get_if<TagQueryError>(&result)) {
        qFatal("'%s' did not parse: %s", text.c_str(), error->text().c_str());
    }
    return std::get<TagQuery>(std::move(result));
}

TagQueryError refused(const std::string &text) {
    auto result = TagQuery::parse(text);
    if (std::holds_alternative<TagQuery>(result)) {
        qFatal("'%s' parsed as '%s'", text.c_str(), std::get<TagQuery>(result).toString().c_str());
    }
    return std::get<TagQueryError>(std::move(result));
}

TagLookup lookupIn(const Attributes &attributes) {
    return [&attributes](std::string_view key) {
        const auto it = attributes.find(std::string(key));
        return it == attributes.end() ? std::vector<TagValue>{} : it->second;
    };
}

// One span as the store would describe it: span attributes, its resource's, and the pseudo-keys.
const Attributes &checkoutSpan() {
    static const Attributes attributes{
        {"http.request.method", {std::string("GET")}},
        {"http.response.status_code", {std::int64_t{503}}},
        {"url.path", {std::string("/api/cart items")}},
        {"region", {std::string("eu-west-1")}},
        {"retry", {false}},
        {"latency.ratio", {1.5}},
        {"glob", {std::string("a*b")}},
        {"path\\name", {std::string("c:\\tmp")}},
        {"weird key", {std::string("say \"hi\"")}},
        {"and", {std::string("keyword-named")}},
        {"peer.tags", {std::string("[\"x\",\"y\"]")}},
        // Span attribute first, then the resource's.
        {"deployment.environment", {std::string("staging"), std::string("production")}},
        {"service", {std::string("checkout")}},
        {"operation", {std::string("GET /cart")}},
        {"version", {std::string("1.4.2")}},
        {"colour", {std::string("green")}},
        {"kind", {std::string("server")}},
        {"error", {true}},
    };
    return attributes;
}

} // namespace

class TagQueryTest : public QObject {
    Q_OBJECT

private slots:
    void canonicalForm_data() {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("canonical");
        const auto row = [](const char *name, const char *query, const char *canonical) {
            QTest::newRow(name) << QString::fromUtf8(query) << QString::fromUtf8(canonical);
        };
        row("empty", "", "");
        row("blank", "  \t\n ", "");
        row("bare key", "http.route", "http.route");
        row("key characters", "a_b.c-d/e9", "a_b.c-d/e9");
        row("no spaces", "a=1", "a = 1");
        row("every operator", "a=1 b!=2 c>3 d>=4 e<5 f<=-6.5",
            "a = 1 AND b != 2 AND c > 3 AND d >= 4 AND e < 5 AND f <= -6.5");
        row("juxtaposition is AND", "a = 1 b = 2 c", "a = 1 AND b = 2 AND c");
        row("keywords any case", "a and b Or not c", "a AND b OR NOT c");
        row("AND before OR", "a OR b AND c", "a OR b AND c");
        row("AND before OR, left", "a AND b OR c", "a AND b OR c");
        row("parentheses kept", "(a OR b) c", "(a OR b) AND c");
        row("parentheses dropped", "((a)) AND (b AND c)", "a AND b AND c");
        row("OR flattened", "a OR (b OR c)", "a OR b OR c");
        row("NOT binds tightest", "NOT a = 1 AND b", "NOT a = 1 AND b");
        row("NOT of a group", "not (a or b)", "NOT (a OR b)");
        row("NOT of NOT", "NOT NOT a", "NOT NOT a");
        row("quoted value", "url.path = \"/api/cart items\"", "url.path = \"/api/cart items\"");
        row("quoted key", "\"weird key\" = x", "\"weird key\" = x");
        row("keyword as quoted key", "\"and\" = 1", "\"and\" = 1");
        row("keyword as quoted value", "a = \"OR\"", "a = \"OR\"");
        row("escapes", "m = \"say \\\"hi\\\" \\\\ ok\"", "m = \"say \\\"hi\\\" \\\\ ok\"");
        row("wildcard quoted", "region = \"eu-*\"", "region = \"eu-*\"");
        row("wildcard bare", "region = eu-*", "region = eu-*");
        row("literal star quoted", "g = \"a\\*b\"", "g = \"a\\*b\"");
        row("literal star bare", "g = a\\*b", "g = a\\*b");
        row("star and literal star", "g = \"a\\**\"", "g = \"a\\**\"");
        row("backslash in wildcard", "p = \"c:\\\\*\"", "p = \"c:\\\\*\"");
        row("quoted key with a star is literal", "\"a*\" = 1", "\"a*\" = 1");
        row("bare error is error = true", "error", "error = true");
        row("NOT error", "NOT error", "NOT error = true");
        row("error compared", "error = false", "error = false");
        row("unicode value", "city = Zürich", "city = Zürich");
        row("multi-line", "a = 1\nAND\n(b OR c)", "a = 1 AND (b OR c)");
        row("jaeger 175 OR", "error=true OR http.response.status_code>=500",
            "error = true OR http.response.status_code >= 500");
        row("jaeger 175 NOT", "http.request.method=GET AND NOT http.response.status_code=200",
            "http.request.method = GET AND NOT http.response.status_code = 200");
        row("spec example",
            "http.response.status_code >= 500 AND (region = \"eu-*\" OR NOT retry = true)",
            "http.response.status_code >= 500 AND (region = \"eu-*\" OR NOT retry = true)");
    }

    void canonicalForm() {
        QFETCH(QString, query);
        QFETCH(QString, canonical);
        const TagQuery parsedQuery = parsed(query.toStdString());
        QCOMPARE(QString::fromStdString(parsedQuery.toString()), canonical);
        QCOMPARE(parsedQuery.root() == nullptr, canonical.isEmpty());
        // The canonical form parses back to itself.
        QCOMPARE(QString::fromStdString(parsed(canonical.toStdString()).toString()), canonical);
    }

    void precedenceShapesTheTree() {
        const TagQuery orOfAnd = parsed("a OR b c OR NOT d");
        const TagExpression *root = orOfAnd.root();
        QVERIFY(root);
        QCOMPARE(root->kind, TagExpression::Kind::Or);
        QCOMPARE(root->operands.size(), std::size_t{3});
        QCOMPARE(root->operands[0]->kind, TagExpression::Kind::Term);
        QCOMPARE(root->operands[0]->term.key, std::string("a"));
        QCOMPARE(root->operands[0]->term.op, TagOperator::Exists);
        QCOMPARE(root->operands[1]->kind, TagExpression::Kind::And);
        QCOMPARE(root->operands[1]->operands.size(), std::size_t{2});
        QCOMPARE(root->operands[2]->kind, TagExpression::Kind::Not);
        QCOMPARE(root->operands[2]->operands.front()->term.key, std::string("d"));

        const TagQuery term = parsed("  weight >= 1.5e2 AND   \"x y\" = \"a\\*b*\"");
        const TagExpression &weight = *term.root()->operands[0];
        QCOMPARE(weight.term.op, TagOperator::GreaterOrEqual);
        QCOMPARE(weight.term.value, std::string("1.5e2"));
        QVERIFY(!weight.term.quoted);
        QCOMPARE(weight.term.column, 3);
        const TagExpression &xy = *term.root()->operands[1];
        QCOMPARE(xy.term.key, std::string("x y"));
        QVERIFY(xy.term.quoted);
        QVERIFY(xy.term.wildcard);
        QCOMPARE(xy.term.value, std::string("a\\*b*"));
        QCOMPARE(xy.term.column, 25);

        const TagQuery literal = parsed("g = \"a\\*b\\\\c\\\"\"");
        QVERIFY(!literal.root()->term.wildcard);
        QCOMPARE(literal.root()->term.value, std::string("a*b\\c\""));
    }

    void errorsNamePositionAndExpectation_data() {
        QTest::addColumn<QString>("query");
        QTest::addColumn<int>("line");
        QTest::addColumn<int>("column");
        QTest::addColumn<QString>("message");
        const auto row = [](const char *query, int line, int column, const char *message) {
            QTest::newRow(query) << QString::fromUtf8(query) << line << column
                                 << QString::fromUtf8(message);
        };
        row("a =", 1, 4, "expected a value after '='");
        row("(a != )", 1, 7, "expected a value after '!=', found ')'");
        row("a = AND b", 1, 5,
            "expected a value after '=', found the keyword AND (quote it to compare with it: "
            "\"AND\")");
        row("(a = 1", 1, 7, "unclosed parenthesis opened at 1:1");
        row("x AND (b OR c", 1, 14, "unclosed parenthesis opened at 1:7");
        row("(a b = 1 = 2)", 1, 10,
            "expected ')' to close the parenthesis opened at 1:1, found '='");
        row("a = \"abc", 1, 9, "unterminated string opened at 1:5");
        row("\"abc", 1, 5, "unterminated string opened at 1:1");
        row("a )", 1, 3, "unmatched ')'");
        row(")", 1, 1, "unmatched ')'");
        row("()", 1, 2, "expected a term after '(', found ')'");
        row("AND a", 1, 1, "expected a term before AND");
        row("a AND", 1, 6, "expected a term after AND, found the end of the query");
        row("a or OR b", 1, 6, "expected a term after or, found the keyword OR");
        row("NOT", 1, 4, "expected a term after NOT, found the end of the query");
        row("a AND NOT )", 1, 11, "expected a term after NOT, found ')'");
        row("a > abc", 1, 5,
            "expected a number after '>', found 'abc' (ordering operators "
            "compare numbers)");
        row("a >= \"5\"", 1, 6,
            "expected a number after '>=', found the string \"5\" (ordering "
            "operators compare numbers)");
        row("a < 1*", 1, 5,
            "expected a number after '<', found '1*' (ordering operators "
            "compare numbers)");
        row("a ! b", 1, 3, "unexpected '!': the operator is '!=' (use NOT to negate)");
        row("a == 1", 1, 4, "unexpected '==': the operator is '='");
        row("= 1", 1, 1, "expected a key before '='");
        row("a = 1 = 2", 1, 7, "unexpected '='");
        row("5xx = 1", 1, 1,
            "expected a key, found '5xx' (a key starts with a letter or '_'; quote other keys)");
        row("a$b = 1", 1, 2,
            "unexpected '$' in the key 'a$b' (a bare key has letters, digits, '_', '.', '-' and "
            "'/'; quote other keys)");
        row("\"\" = 1", 1, 1, "expected a key, found an empty string");
        row("a = \"x\\n\"", 1, 7, "unknown escape '\\n': a string knows \\\", \\\\ and \\*");
        row("a = x\\y", 1, 6, "unknown escape '\\y': a bare value knows \\\\ and \\*");
        row("a = x\\", 1, 7, "expected a character after '\\' (\\\\ is a backslash)");
        row("a = 1\nAND (b", 2, 7, "unclosed parenthesis opened at 2:5");
        row("a = 1\n  b >", 2, 6, "expected a value after '>'");
        row("a = \"Zürich\" )", 1, 14, "unmatched ')'");
    }

    void errorsNamePositionAndExpectation() {
        QFETCH(QString, query);
        QFETCH(int, line);
        QFETCH(int, column);
        QFETCH(QString, message);
        const TagQueryError error = refused(query.toStdString());
        QCOMPARE(QString::fromStdString(error.message), message);
        QCOMPARE(error.line, line);
        QCOMPARE(error.column, column);
        QCOMPARE(QString::fromStdString(error.text()),
                 QStringLiteral("%1:%2: %3").arg(line).arg(column).arg(message));
    }

    void hostileQueriesAreRefusedWithPositions() {
        // 100,000 nested parentheses: refused for their length before any parsing.
        const std::string deep = std::string(100000, '(') + "a" + std::string(100000, ')');
        const TagQueryError tooLong = refused(deep);
        QCOMPARE(tooLong.message, std::string("query longer than 4096 bytes (it has 200001)"));
        QCOMPARE(tooLong.line, 1);
        QCOMPARE(tooLong.column, 4097);

        // Within the length, nesting stops at 100 levels: the 101st parenthesis is refused.
        const std::string nested = std::string(2000, '(') + "a" + std::string(2000, ')');
        const TagQueryError tooDeep = refused(nested);
        QCOMPARE(tooDeep.message,
                 std::string("query nested deeper than 100 levels of parentheses and NOT"));
        QCOMPARE(tooDeep.column, 101);

        std::string nots;
        for (int i = 0; i < 1000; ++i) {
            nots += "NOT ";
        }
        const TagQueryError notDeep = refused(nots + "a");
        QCOMPARE(notDeep.column, 401);

        // 100 levels are fine, and evaluate and print without trouble.
        const TagQuery hundred = parsed(std::string(100, '(') + "a" + std::string(100, ')'));
        QCOMPARE(hundred.toString(), std::string("a"));
        std::string hundredNots;
        for (int i = 0; i < 100; ++i) {
            hundredNots += "NOT ";
        }
        const TagQuery negations = parsed(hundredNots + "region");
        QVERIFY(negations.matches(lookupIn(checkoutSpan())));

        // Long flat queries are not deep: 4096 bytes of OR and juxtaposition parse and match.
        std::string flat = "a";
        while (flat.size() + 5 <= TagQuery::kMaxQueryBytes) {
            flat += flat.size() % 2 ? " OR a" : " a a ";
        }
        const TagQuery wide = parsed(flat);
        QVERIFY(!wide.matches(lookupIn(checkoutSpan())));
        QVERIFY(refused(flat + std::string(TagQuery::kMaxQueryBytes, ' '))
                    .message.starts_with("query longer than 4096 bytes"));

        // A query of exactly the limit is accepted.
        std::string exact = "region";
        exact.resize(TagQuery::kMaxQueryBytes, ' ');
        QVERIFY(parsed(exact).root());
    }

    void matches_data() {
        QTest::addColumn<QString>("query");
        QTest::addColumn<bool>("expected");
        const auto row = [](const char *query, bool expected) {
            QTest::newRow(query) << QString::fromUtf8(query) << expected;
        };
        row("", true);
        // Strings compare exactly, case-sensitively.
        row("http.request.method = GET", true);
        row("http.request.method = get", false);
        row("http.request.method != GET", false);
        row("http.request.method != POST", true);
        row("url.path = \"/api/cart items\"", true);
        // Integers: bare numbers match them, a quoted number is a string.
        row("http.response.status_code = 503", true);
        row("http.response.status_code = 503.0", true);
        row("http.response.status_code = \"503\"", false);
        row("http.response.status_code >= 500", true);
        row("http.response.status_code > 503", false);
        row("http.response.status_code >= 503.0", true);
        row("http.response.status_code < 503.5", true);
        row("http.response.status_code <= 502", false);
        row("http.response.status_code != 200", true);
        // Doubles and booleans.
        row("latency.ratio > 1", true);
        row("latency.ratio = 1.50", true);
        row("latency.ratio < 1.5", false);
        row("retry = false", true);
        row("retry = FALSE", true);
        row("retry = true", false);
        row("retry = \"false\"", false);
        // Ordering needs a numeric attribute.
        row("http.request.method > 5", false);
        // Wildcards: on strings, and on the text of typed values when bare.
        row("region = \"eu-*\"", true);
        row("region = eu-*", true);
        row("region = *west*", true);
        row("region = us-*", false);
        row("region != us-*", true);
        row("region != eu-*", false);
        row("http.response.status_code = 5*", true);
        row("http.response.status_code = 4*", false);
        row("http.response.status_code = \"5*\"", false);
        row("retry = f*", true);
        row("region = *", true);
        // A literal star.
        row("glob = \"a\\*b\"", true);
        row("glob = a\\*b", true);
        row("glob = \"a\\*\"", false);
        row("glob = \"a\\**\"", true);
        row("glob = a*b", true);
        row("\"path\\\\name\" = \"c:\\\\tmp\"", true);
        row("\"path\\\\name\" = \"c:\\\\*\"", true);
        row("\"weird key\" = \"say \\\"hi\\\"\"", true);
        row("\"and\" = keyword-named", true);
        row("peer.tags = \"[\\\"x\\\",\\\"y\\\"]\"", true);
        // Absent keys: a term over one is false, its NOT true; != needs the key present.
        row("missing", false);
        row("NOT missing", true);
        row("missing = x", false);
        row("NOT missing = x", true);
        row("missing != x", false);
        row("NOT missing != x", true);
        row("missing > 1", false);
        row("NOT missing > 1", true);
        row("missing = *", false);
        // Several values (span, then resource): = any of them, != none of them.
        row("deployment.environment = staging", true);
        row("deployment.environment = production", true);
        row("deployment.environment != production", false);
        row("deployment.environment != development", true);
        // Pseudo-keys.
        row("error", true);
        row("NOT error", false);
        row("error = true", true);
        row("service = checkout AND colour = green AND version = 1.4.*", true);
        row("kind = server operation = \"GET /cart\"", true);
        // Boolean structure (Jaeger #175).
        row("error = true OR http.response.status_code >= 500", true);
        row("http.request.method = GET AND NOT http.response.status_code = 200", true);
        row("http.request.method = POST OR http.response.status_code = 200", false);
        row("(region = us-* OR region = eu-*) AND retry = false", true);
        row("service = checkout http.request.method = GET", true);
        row("service = checkout http.request.method = PUT", false);
        row("a OR b OR region", true);
        row("NOT (region OR missing)", false);
        row("http.response.status_code >= 500 AND (region = \"eu-*\" OR NOT retry = true)", true);
    }

    void matches() {
        QFETCH(QString, query);
        QFETCH(bool, expected);
        QCOMPARE(parsed(query.toStdString()).matches(lookupIn(checkoutSpan())), expected);
    }

    void lookupIsAskedOnlyWhatItNeeds() {
        std::vector<std::string> asked;
        const TagLookup lookup = [&asked](std::string_view key) {
            asked.emplace_back(key);
            return key == "a" ? std::vector<TagValue>{std::int64_t{1}} : std::vector<TagValue>{};
        };
        QVERIFY(parsed("a = 1 OR b = 2").matches(lookup));
        QCOMPARE(asked, std::vector<std::string>{"a"});
        asked.clear();
        QVERIFY(!parsed("b AND a").matches(lookup));
        QCOMPARE(asked, std::vector<std::string>{"b"});
    }

    void requiredTermsAreTheTopLevelAndsTerms() {
        const auto keys = [](const TagQuery &query) {
            std::vector<std::string> out;
            for (const TagTerm *term : query.requiredTerms()) {
                out.push_back(term->key);
            }
            return out;
        };
        QCOMPARE(keys(parsed("")), std::vector<std::string>{});
        QCOMPARE(keys(parsed("a = 1")), std::vector<std::string>{"a"});
        QCOMPARE(keys(parsed("a = 1 AND (b OR c) AND NOT d e != 2 (f AND g)")),
                 (std::vector<std::string>{"a", "e", "f", "g"}));
        QCOMPARE(keys(parsed("a OR b")), std::vector<std::string>{});
        QCOMPARE(keys(parsed("NOT a")), std::vector<std::string>{});
        const TagQuery query = parsed("x > 5 y");
        QCOMPARE(query.requiredTerms().front()->op, TagOperator::Greater);
        QCOMPARE(query.requiredTerms().front()->value, std::string("5"));
    }

    void queriesCopyAndOutliveTheirText() {
        std::string text = "region = eu-* AND NOT retry = true";
        TagQuery query = parsed(text);
        text.assign(text.size(), 'x');
        const TagQuery copy = query;
        query = parsed("");
        QCOMPARE(copy.toString(), std::string("region = eu-* AND NOT retry = true"));
        QVERIFY(copy.matches(lookupIn(checkoutSpan())));
        QVERIFY(query.matches(lookupIn(checkoutSpan())));
    }

    void wildcardMatch_data() {
        QTest::addColumn<QString>("pattern");
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("expected");
        const auto row = [](const char *pattern, const char *text, bool expected) {
            QTest::newRow((std::string(pattern) + " ~ " + text).c_str())
                << QString::fromUtf8(pattern) << QString::fromUtf8(text) << expected;
        };
        row("", "", true);
        row("", "a", false);
        row("*", "", true);
        row("*", "anything", true);
        row("abc", "abc", true);
        row("abc", "abcd", false);
        row("a*", "abc", true);
        row("*c", "abc", true);
        row("*c", "abd", false);
        row("a*c", "abbbc", true);
        row("a*c", "abbbcd", false);
        row("a*b*c", "axbyc", true);
        row("a*b*c", "acb", false);
        row("a**b", "ab", true);
        row("*ab*ab*", "xabyyab", true);
        row("a\\*", "a*", true);
        row("a\\*", "ab", false);
        row("\\**", "*x", true);
        row("\\**", "x*", false);
        row("\\\\", "\\", true);
        row("c:\\\\*", "c:\\tmp", true);
        row("a\\b", "a\\b", true);
        row("Zür*", "Zürich", true);
    }

    void wildcardMatch() {
        QFETCH(QString, pattern);
        QFETCH(QString, text);
        QFETCH(bool, expected);
        QCOMPARE(aegis::tracing::wildcardMatch(pattern.toStdString(), text.toStdString()),
                 expected);
    }

    void wildcardMatchIsNotExponential() {
        const std::string text(4000, 'a');
        std::string pattern;
        for (int i = 0; i < 30; ++i) {
            pattern += "a*";
        }
        pattern += "b";
        QElapsedTimer timer;
        timer.start();
        QVERIFY(!aegis::tracing::wildcardMatch(pattern, text));
        QVERIFY(aegis::tracing::wildcardMatch(pattern.substr(0, pattern.size() - 1), text));
        QVERIFY(timer.elapsed() < 1000);
    }
};

QTEST_APPLESS_MAIN(TagQueryTest)
#include "tst_tag_query.moc"
