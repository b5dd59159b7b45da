// `aegisctl __complete`, what the bash and zsh completion scripts call: command words, flags and
// their fixed values, and service, namespace, config item and rollout names from a real aegisd
// reached with the connection flags on the line being completed.

#include "aegisctl_fixture.h"

#include <QtTest>

using namespace aegis::testing;

class TestAegisctlCompletion : public QObject, private AegisctlFixture {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void candidates_data();
    void candidates();
    void unreachableDaemonGivesNoNames();

private:
    // The candidates for `words` (the last one is the word being completed), one per line.
    std::string complete(const Args &words) const;
};

void TestAegisctlCompletion::initTestCase() {
    startDaemon();
    for (const char *service : {"checkout", "catalog", "payments"}) {
        CHECK_EXIT(ctl({"instances", "register", service, std::string(service) + "-1",
                        "127.0.0.1:9", "--ttl", "1h"}),
                   0);
    }
    CHECK_EXIT(
        ctl({"config", "put", "shop/checkout/app.json", "--content", "{}", "--comment", "c"}), 0);
    CHECK_EXIT(
        ctl({"config", "put", "shop/checkout/limits.json", "--content", "{}", "--comment", "c"}),
        0);
    CHECK_EXIT(ctl({"config", "put", "lab/demo/x.txt", "--content", "x", "--comment", "c"}), 0);
    CHECK_EXIT(ctl({"rollout", "start", "payments", "--version", "2.0", "--replicas", "1",
                    "--driver", "external", "--router", "registry"}),
               0);
}

void TestAegisctlCompletion::cleanupTestCase() {
    stopDaemon();
}

std::string TestAegisctlCompletion::complete(const Args &words) const {
    Args argv = {AEGISCTL_PATH,          "__complete", "--server",
                 daemon().grpcAddress(), "--token",    adminToken()};
    argv.insert(argv.end(), words.begin(), words.end());
    const auto result = runCommand(argv);
    return result.exitCode == 0 ? result.out : "exit " + std::to_string(result.exitCode);
}

void TestAegisctlCompletion::candidates_data() {
    QTest::addColumn<QStringList>("words");
    QTest::addColumn<QString>("expected");
    QTest::newRow("first word") << QStringList{"st"} << "status\n";
    QTest::newRow("group") << QStringList{"rollout", "st"} << "start\nstatus\n";
    QTest::newRow("deeper group") << QStringList{"alerts", "rules", "im"} << "import\n";
    QTest::newRow("flags of the command")
        << QStringList{"rollout", "start", "payments", "--str"} << "--strategy\n";
    QTest::newRow("global flags") << QStringList{"status", "--tok"} << "--token\n--token-file\n";
    QTest::newRow("fixed flag values") << QStringList{"status", "-o", ""} << "json\ntable\n";
    QTest::newRow("log levels") << QStringList{"log-level", "e"} << "error\n";
    QTest::newRow("service names") << QStringList{"services", "get", "c"} << "catalog\ncheckout\n";
    QTest::newRow("service after flags")
        << QStringList{"instances", "list", "--state", "serving", "pay"} << "payments\n";
    QTest::newRow("second argument is not a service")
        << QStringList{"instances", "deregister", "checkout", ""} << "";
    QTest::newRow("namespaces first") << QStringList{"config", "get", "s"} << "shop/\n";
    QTest::newRow("items of a namespace")
        << QStringList{"config", "get", "shop/checkout/l"} << "shop/checkout/limits.json\n";
    QTest::newRow("namespace argument") << QStringList{"config", "list", "s"} << "shop\n";
    QTest::newRow("rollout ids") << QStringList{"rollout", "status", "pay"} << "payments-1\n";
    QTest::newRow("a file: nothing") << QStringList{"status", "--ca", ""} << "";
}

void TestAegisctlCompletion::candidates() {
    QFETCH(QStringList, words);
    QFETCH(QString, expected);
    Args args;
    for (const QString &word : words) {
        args.push_back(word.toStdString());
    }
    QCOMPARE(QString::fromStdString(complete(args)), expected);
}

void TestAegisctlCompletion::unreachableDaemonGivesNoNames() {
    const auto result =
        runCommand({AEGISCTL_PATH, "__complete", "--server", "127.0.0.1:1", "services", "get", ""});
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(QString::fromStdString(result.out), QString());
    QCOMPARE(QString::fromStdString(result.err), QString());
}

QTEST_GUILESS_MAIN(TestAegisctlCompletion)
#include "tst_aegisctl_completion.moc"
