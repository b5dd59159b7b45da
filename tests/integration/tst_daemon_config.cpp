// aegisd's configuration and HTTP endpoints, end to end: bad flags and files stop the real binary
// at once with exit code 2 and a message naming the option; a good file starts it; /healthz,
// /readyz and /metrics answer.

#include "api_clients.h"
#include "daemon_process.h"

#include <QtTest>

#include <arpa/inet.h>
#include <fstream>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <unistd.h>

using aegis::testing::ApiClients;
using aegis::testing::DaemonProcess;
using aegis::testing::TempDir;
using namespace std::chrono_literals;

namespace {

struct HttpResponse {
    int status = 0; // 0 when the request failed
    std::string body;
};

// One HTTP/1.1 GET over a plain socket, with send and receive timeouts.
HttpResponse httpGet(const std::string &hostPort, const std::string &path) {
    HttpResponse response;
    const auto colon = hostPort.rfind(':');
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(std::stoi(hostPort.substr(colon + 1))));
    if (::inet_pton(AF_INET, hostPort.substr(0, colon).c_str(), &address.sin_addr) != 1) {
        return response;
    }
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    std::string raw;
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) == 0) {
        const std::string request =
            "GET " + path + " HTTP/1.1\r\nHost: " + hostPort + "\r\nConnection: close\r\n\r\n";
        if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size())) {
            char buffer[4096];
            for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) {
                raw.append(buffer, static_cast<std::size_t>(n));
            }
        }
    }
    ::close(fd);
    // "HTTP/1.1 200 OK\r\n...\r\n\r\nbody"
    const auto headerEnd = raw.find("\r\n\r\n");
    if (raw.rfind("HTTP/1.1 ", 0) != 0 || headerEnd == std::string::npos) {
        return response;
    }
    response.status = std::stoi(raw.substr(9, 3));
    response.body = raw.substr(headerEnd + 4);
    return response;
}

std::string readFile(const std::filesystem::path &path) {
    std::ifstream in(path);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

} // namespace

class TestDaemonConfig : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void badConfigurationStops_data();
    void badConfigurationStops();
    void exampleConfigStarts_data();
    void exampleConfigStarts();
    void httpEndpoints_data();
    void httpEndpoints();
    void metricsCountCalls();

private:
    std::unique_ptr<DaemonProcess> m_daemon;
};

void TestDaemonConfig::initTestCase() {
    auto daemon = DaemonProcess::start();
    QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
    m_daemon = std::move(*daemon);
}

void TestDaemonConfig::cleanupTestCase() {
    if (m_daemon) {
        QCOMPARE(m_daemon->terminate(), 0);
    }
}

void TestDaemonConfig::badConfigurationStops_data() {
    QTest::addColumn<QStringList>("flags");
    // Written to a file passed with --config when not empty.
    QTest::addColumn<QString>("yaml");
    QTest::addColumn<QStringList>("stderrMentions");

    QTest::newRow("--listen without a port") << QStringList{"--listen", "nonsense"} << QString()
                                             << QStringList{"--listen", "'nonsense'", "HOST:PORT"};
    QTest::newRow("--listen port out of range")
        << QStringList{"--listen", "127.0.0.1:70000"} << QString()
        << QStringList{"--listen", "127.0.0.1:70000", "port"};
    QTest::newRow("--http-listen without a host")
        << QStringList{"--http-listen", ":7401"} << QString() << QStringList{"--http-listen"};
    QTest::newRow("--log-level unknown")
        << QStringList{"--log-level", "loud"} << QString() << QStringList{"--log-level", "loud"};
    QTest::newRow("--shutdown-grace not a duration")
        << QStringList{"--shutdown-grace", "soon"} << QString()
        << QStringList{"--shutdown-grace", "soon"};
    QTest::newRow("--tls-cert without --tls-key")
        << QStringList{"--tls-cert", "server.crt"} << QString()
        << QStringList{"tls.cert_file", "tls.key_file"};
    QTest::newRow("--tls-key without --tls-cert")
        << QStringList{"--tls-key", "server.key"} << QString()
        << QStringList{"tls.cert_file", "tls.key_file"};
    QTest::newRow("--tls-client-ca without a certificate")
        << QStringList{"--tls-client-ca", "ca.crt"} << QString()
        << QStringList{"tls.client_ca_file", "tls.cert_file"};
    QTest::newRow("unknown flag") << QStringList{"--listen-address", "127.0.0.1:0"} << QString()
                                  << QStringList{"--listen-address"};
    QTest::newRow("--config file missing")
        << QStringList{"--config", "no-such-file.yaml"} << QString()
        << QStringList{"--config", "no-such-file.yaml"};

    QTest::newRow("unknown key") << QStringList() << "log_level: info\nlisten_address: x\n"
                                 << QStringList{"listen_address", "line 2"};
    QTest::newRow("unknown nested key")
        << QStringList() << "grpc:\n  max_message_bytes: 65536\n  max_mesage_bytes: 1\n"
        << QStringList{"grpc.max_mesage_bytes", "line 3"};
    QTest::newRow("bad duration") << QStringList() << "shutdown_grace: soon\n"
                                  << QStringList{"shutdown_grace", "soon"};
    QTest::newRow("integer out of range") << QStringList() << "grpc:\n  max_message_bytes: 10\n"
                                          << QStringList{"grpc.max_message_bytes", "4096"};
    QTest::newRow("not an integer") << QStringList() << "store:\n  event_retention: lots\n"
                                    << QStringList{"store.event_retention", "lots"};
    QTest::newRow("keepalive timeout not shorter than the interval")
        << QStringList() << "grpc:\n  keepalive_time: 5s\n  keepalive_timeout: 5s\n"
        << QStringList{"grpc.keepalive_timeout", "grpc.keepalive_time"};
    QTest::newRow("list where a value belongs") << QStringList() << "log_level: [info, debug]\n"
                                                << QStringList{"log_level"};
    QTest::newRow("malformed YAML")
        << QStringList() << "listen: 127.0.0.1:0\nlog_level: info\n  bad: indent\n"
        << QStringList{"line 3"};
    QTest::newRow("flag error wins over a good file")
        << QStringList{"--log-level", "loud"} << "log_level: debug\n"
        << QStringList{"--log-level", "loud"};
}

void TestDaemonConfig::badConfigurationStops() {
    QFETCH(QStringList, flags);
    QFETCH(QString, yaml);
    QFETCH(QStringList, stderrMentions);

    TempDir dir;
    std::vector<std::string> argv = {AEGISD_PATH, "--data-dir", (dir.path() / "data").string()};
    // Safe addresses unless the case is about them, so a daemon that wrongly starts binds nothing
    // in use; a flag given twice would be a different error.
    for (const char *flag : {"--listen", "--http-listen"}) {
        if (!flags.contains(QLatin1String(flag))) {
            argv.insert(argv.end(), {flag, "127.0.0.1:0"});
        }
    }
    for (const QString &flag : flags) {
        argv.push_back(flag.toStdString());
    }
    if (!yaml.isEmpty()) {
        const auto file = dir.path() / "aegisd.yaml";
        std::ofstream(file) << yaml.toStdString();
        argv.insert(argv.end(), {"--config", file.string()});
    }

    const auto started = std::chrono::steady_clock::now();
    const auto result = aegis::testing::runCommand(argv, 10s);
    const auto took = std::chrono::steady_clock::now() - started;
    const std::string context =
        "exit " + std::to_string(result.exitCode) + ", stderr: " + result.err;
    QVERIFY2(result.exitCode == 2, context.c_str());
    QVERIFY2(took < 5s, context.c_str());
    QVERIFY2(result.err.find("aegisd: ") != std::string::npos, context.c_str());
    for (const QString &mention : stderrMentions) {
        QVERIFY2(result.err.find(mention.toStdString()) != std::string::npos,
                 ("stderr does not mention " + mention.toStdString() + ": " + result.err).c_str());
    }
    QVERIFY2(!std::filesystem::exists(dir.path() / "data" / "admin.token"),
             "a rejected configuration must not initialise the data directory");
}

void TestDaemonConfig::exampleConfigStarts_data() {
    QTest::addColumn<bool>("dropEmptyTlsSection");

    QTest::newRow("resources/aegisd.yaml as shipped") << false;
    QTest::newRow("resources/aegisd.yaml without its empty tls section") << true;
}

void TestDaemonConfig::exampleConfigStarts() {
    QFETCH(bool, dropEmptyTlsSection);

    std::string yaml = readFile(AEGISD_EXAMPLE_CONFIG);
    QVERIFY(yaml.find("\nlisten: ") != std::string::npos);
    if (dropEmptyTlsSection) {
        const auto tls = yaml.find("\ntls:\n");
        QVERIFY(tls != std::string::npos);
        yaml.erase(tls + 1, 5);
    }
    TempDir dir;
    const auto file = dir.path() / "aegisd.yaml";
    std::ofstream(file) << yaml;

    // DaemonProcess overrides data_dir, listen and http_listen with flags (port 0).
    aegis::testing::DaemonOptions options;
    options.extraArgs = {"--config", file.string()};
    options.dataDir = dir.path() / "data";
    auto daemon = DaemonProcess::start(options);
    QVERIFY2(
        daemon.isOk(),
        (daemon.status().toString() + "\n" + readFile(dir.path() / "data" / "aegisd.log")).c_str());
    auto clients = ApiClients::connect((*daemon)->adminConnection());
    QVERIFY(clients.isOk());
    aegis::v1::GetStatusResponse status;
    const grpc::Status answered = aegis::testing::getStatus(*clients, status);
    QVERIFY2(answered.ok(), aegis::testing::describe(answered).c_str());
    QCOMPARE(status.log_level(), std::string("info"));
    // Our idle connection would hold up aegisd's shutdown for about 5 s.
    *clients = {};
    QCOMPARE((*daemon)->terminate(), 0);
}

void TestDaemonConfig::httpEndpoints_data() {
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("expectedStatus");
    QTest::addColumn<QString>("bodyContains");

    QTest::newRow("/healthz") << "/healthz" << 200 << "ok";
    QTest::newRow("/readyz") << "/readyz" << 200 << "ready";
    QTest::newRow("/metrics") << "/metrics" << 200 << "process_resident_memory_bytes";
    QTest::newRow("/metrics?query") << "/metrics?x=1" << 200 << "# TYPE";
    QTest::newRow("unknown path") << "/admin" << 404 << "/healthz";
}

void TestDaemonConfig::httpEndpoints() {
    QFETCH(QString, path);
    QFETCH(int, expectedStatus);
    QFETCH(QString, bodyContains);

    const auto response = httpGet(m_daemon->httpAddress(), path.toStdString());
    QCOMPARE(response.status, expectedStatus);
    QVERIFY2(response.body.find(bodyContains.toStdString()) != std::string::npos,
             response.body.substr(0, 2000).c_str());
}

void TestDaemonConfig::metricsCountCalls() {
    auto clients = ApiClients::connect(m_daemon->adminConnection());
    QVERIFY(clients.isOk());
    aegis::v1::GetStatusResponse status;
    const grpc::Status answered = aegis::testing::getStatus(*clients, status);
    QVERIFY2(answered.ok(), aegis::testing::describe(answered).c_str());

    const auto metrics = httpGet(m_daemon->httpAddress(), "/metrics");
    QCOMPARE(metrics.status, 200);
    std::istringstream lines(metrics.body);
    bool counted = false;
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("aegis_grpc_requests_total{", 0) == 0 &&
            line.find("method=\"/aegis.v1.SystemService/GetStatus\"") != std::string::npos &&
            line.find("code=\"OK\"") != std::string::npos) {
            counted = std::stod(line.substr(line.rfind(' ') + 1)) >= 1;
        }
    }
    QVERIFY2(counted, metrics.body.c_str());
    QVERIFY(metrics.body.find("aegis_grpc_request_duration_seconds") != std::string::npos);
    QVERIFY(metrics.body.find("process_resident_memory_bytes") != std::string::npos);
}

QTEST_GUILESS_MAIN(TestDaemonConfig)
#include "tst_daemon_config.moc"
