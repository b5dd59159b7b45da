// The validation library aegisd, aegisctl and the console share: the HTTP status-range grammar,
// parameter checks driven by an extension's description, and the rules of a health check —
// including the two on which the console once disagreed with the daemon (a deregister_after
// shorter than the interval, a jitter over half the interval).

#include "validation/extension_parameters.h"
#include "validation/health_check_rules.h"
#include "validation/http_status_range.h"

#include <QTest>

using namespace aegis;
using namespace aegis::validation;
using namespace std::chrono_literals;

namespace {

// A stand-in extension with one parameter of each kind of rule.
const ExtensionDescription &sampleDriver() {
    static const ExtensionDescription description{
        ExtensionKind::DeployDriver,
        "sample",
        "Sample",
        "A driver for tests.",
        {
            {.name = "command",
             .type = ParameterType::Command,
             .required = true,
             .description = "the program to run"},
            {.name = "timeout", .type = ParameterType::Duration, .defaultValue = "5m"},
            {.name = "replicas", .type = ParameterType::Integer},
            {.name = "verbose", .type = ParameterType::Boolean},
            {.name = "mode", .type = ParameterType::Enum, .allowedValues = {"fast", "safe"}},
            {.name = "env.", .type = ParameterType::String, .prefix = true},
        }};
    return description;
}

const ExtensionDescription &httpKind() {
    static const ExtensionDescription description{
        ExtensionKind::HealthProber,
        "http",
        "HTTP GET",
        "",
        {
            {.name = "path", .type = ParameterType::String, .defaultValue = "/"},
            {.name = "status", .type = ParameterType::String, .defaultValue = "200-299"},
            {.name = "header.", .type = ParameterType::String, .prefix = true},
        }};
    return description;
}

const ExtensionDescription &ttlKind() {
    static const ExtensionDescription description{
        ExtensionKind::HealthProber,
        "ttl",
        "TTL",
        "",
        {{.name = "ttl", .type = ParameterType::Duration, .required = true}}};
    return description;
}

const ExtensionDescription &tcpKind() {
    static const ExtensionDescription description{
        ExtensionKind::HealthProber, "tcp", "TCP", "", {}};
    return description;
}

std::vector<const ExtensionDescription *> kinds() {
    return {&httpKind(), &tcpKind(), &ttlKind()};
}

HealthCheckFields httpCheck() {
    HealthCheckFields check;
    check.kind = "http";
    check.options = {{"path", "/healthz"}};
    check.interval = 10s;
    check.timeout = 2s;
    check.jitter = 1s;
    check.panicThreshold = 0.5;
    return check;
}

} // namespace

Q_DECLARE_METATYPE(aegis::validation::HealthCheckFields)

class ValidationTest : public QObject {
    Q_OBJECT

private slots:
    void statusRange_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("low");
        QTest::addColumn<int>("high");
        QTest::newRow("one code") << "200" << 200 << 200;
        QTest::newRow("range") << "200-399" << 200 << 399;
        QTest::newRow("whole span") << "100-599" << 100 << 599;
        QTest::newRow("empty") << "" << 0 << 0;
        QTest::newRow("below 100") << "99" << 0 << 0;
        QTest::newRow("above 599") << "600" << 0 << 0;
        QTest::newRow("backwards") << "399-200" << 0 << 0;
        QTest::newRow("class") << "2xx" << 0 << 0;
        QTest::newRow("space") << " 200" << 0 << 0;
        QTest::newRow("open end") << "200-" << 0 << 0;
        QTest::newRow("open start") << "-200" << 0 << 0;
        QTest::newRow("sign") << "+200" << 0 << 0;
        QTest::newRow("three parts") << "200-300-400" << 0 << 0;
    }
    void statusRange() {
        QFETCH(QString, text);
        QFETCH(int, low);
        QFETCH(int, high);
        const auto range = parseHttpStatusRange(text.toStdString());
        if (low == 0) {
            QVERIFY(!range);
            return;
        }
        QVERIFY(range);
        QCOMPARE(range->low, unsigned(low));
        QCOMPARE(range->high, unsigned(high));
    }

    void statusRangeProblemNamesFieldAndValue() {
        QCOMPARE(httpStatusRangeProblem("--status", "2xx"),
                 std::string("--status must be a code or a range such as 200-399 within "
                             "100-599, got '2xx'"));
    }

    void extensionParameters_data() {
        QTest::addColumn<QStringList>("params");
        QTest::addColumn<QString>("expected");
        QTest::newRow("valid") << QStringList{"command=/bin/true", "timeout=30s", "replicas=3",
                                              "verbose=true",      "mode=safe",   "env.LEVEL=info"}
                               << "";
        QTest::newRow("unknown lists the known")
            << QStringList{"command=/bin/true", "image=x"}
            << "unknown parameter 'image' (the sample driver takes command, timeout, replicas, "
               "verbose, mode and env.NAME)";
        QTest::newRow("bare prefix")
            << QStringList{"command=/bin/true", "env.=x"} << "unknown parameter 'env.'";
        QTest::newRow("required") << QStringList{"timeout=1s"}
                                  << "command: required (parameter 'command' of the sample "
                                     "driver: the program to run)";
        QTest::newRow("duration") << QStringList{"command=x", "timeout=soon"} << "timeout";
        QTest::newRow("integer") << QStringList{"command=x", "replicas=three"}
                                 << "replicas: must be a whole number, got 'three'";
        QTest::newRow("boolean") << QStringList{"command=x", "verbose=yes"}
                                 << "verbose: must be 'true' or 'false', got 'yes'";
        QTest::newRow("enum") << QStringList{"command=x", "mode=slow"}
                              << "mode: must be one of fast, safe, got 'slow'";
    }
    void extensionParameters() {
        QFETCH(QStringList, params);
        QFETCH(QString, expected);
        std::map<std::string, std::string> map;
        for (const QString &param : params) {
            const auto equals = param.indexOf(QLatin1Char('='));
            map[param.left(equals).toStdString()] = param.mid(equals + 1).toStdString();
        }
        const Status status = validateExtensionParameters(sampleDriver(), map);
        if (expected.isEmpty()) {
            QVERIFY2(status.isOk(), status.message().c_str());
            return;
        }
        QCOMPARE(status.code(), StatusCode::InvalidArgument);
        QVERIFY2(status.message().find(expected.toStdString()) != std::string::npos,
                 status.message().c_str());
    }

    void healthCheck_data() {
        QTest::addColumn<HealthCheckFields>("check");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("message");
        HealthCheckFields check = httpCheck();
        QTest::newRow("valid") << check << ""
                               << "";
        check.kind = "icmp";
        QTest::newRow("unknown kind") << check << "kind"
                                      << "check.kind must be one of http, tcp, ttl (got 'icmp')";
        check = httpCheck();
        check.interval = 50ms;
        check.timeout = 20ms;
        check.jitter = 0ms;
        QTest::newRow("interval") << check << "interval"
                                  << "check.interval_ms must be between 100ms and 1h (got 50ms)";
        check = httpCheck();
        check.timeout = 15s;
        QTest::newRow("timeout over interval")
            << check << "timeout"
            << "check.timeout_ms must be between 10ms and the interval, 10s (got 15s)";
        check = httpCheck();
        check.rise = 0;
        QTest::newRow("rise") << check << "rise"
                              << "check.rise must be between 1 and 100 (got 0)";
        // Drift 1: the console accepted a deregister_after shorter than the interval.
        check = httpCheck();
        check.deregisterAfter = 5s;
        QTest::newRow("deregister_after under the interval")
            << check << "deregister_after"
            << "check.deregister_after_ms must be 0 (never) or between the interval, 10s, and 7d "
               "(got 5s)";
        check.deregisterAfter = 10s;
        QTest::newRow("deregister_after at the interval") << check << ""
                                                          << "";
        // Drift 2: the console did not check the jitter.
        check = httpCheck();
        check.jitter = 6s;
        QTest::newRow("jitter over half the interval")
            << check << "jitter"
            << "check.jitter_ms must be between 0s and half the interval, 5s (got 6s)";
        check = httpCheck();
        check.panicThreshold = 1.5;
        QTest::newRow("panic threshold")
            << check << "panic_threshold"
            << "check.panic_threshold must be a share between 0 and 1 (got 1.5)";
        check = httpCheck();
        check.options = {{"path", "healthz"}};
        QTest::newRow("path") << check << "path"
                              << "check.options: http check: path must start with '/', got "
                                 "'healthz'";
        check.options = {{"status", "399-200"}};
        QTest::newRow("status range")
            << check << "status"
            << "check.options: http check: status must be a code or a range such as 200-399 "
               "within 100-599, got '399-200'";
        check.options = {{"service", "x"}};
        QTest::newRow("option of another kind")
            << check << "options"
            << "check.options: http check: unknown option 'service' (the http check takes path, "
               "status and header.NAME)";
        check = httpCheck();
        check.kind = "ttl";
        check.options = {};
        QTest::newRow("ttl required") << check << "ttl"
                                      << "check.options: ttl check: ttl: required";
        check.options = {{"ttl", "0s"}};
        QTest::newRow("ttl positive") << check << "ttl"
                                      << "check.options: ttl check: ttl must be positive, got '0s'";
        check.options = {{"ttl", "30s"}};
        QTest::newRow("ttl") << check << ""
                             << "";
    }
    void healthCheck() {
        QFETCH(HealthCheckFields, check);
        QFETCH(QString, field);
        QFETCH(QString, message);
        const auto problems = validateHealthCheck(check, kinds());
        if (field.isEmpty()) {
            QVERIFY2(problems.empty(), problems.empty() ? "" : problems.front().message.c_str());
            return;
        }
        QCOMPARE(problems.size(), std::size_t(1));
        QCOMPARE(QString::fromStdString(problems.front().field), field);
        QVERIFY2(problems.front().message.starts_with(message.toStdString()),
                 problems.front().message.c_str());
    }

    void healthCheckReportsEveryProblem() {
        HealthCheckFields check = httpCheck();
        check.interval = 1s;
        check.timeout = 2s;
        check.jitter = 900ms;
        check.deregisterAfter = 500ms;
        const auto problems = validateHealthCheck(check, kinds());
        std::vector<std::string> fields;
        for (const auto &problem : problems) {
            fields.push_back(problem.field);
        }
        QCOMPARE(fields, (std::vector<std::string>{"timeout", "jitter", "deregister_after"}));
    }
};

QTEST_GUILESS_MAIN(ValidationTest)
#include "tst_validation.moc"
