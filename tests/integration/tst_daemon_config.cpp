// aegisd's configuration and HTTP endpoints, end to end: bad flags and files stop the real binary
// at once with exit code 2 and a message naming the option; a good file starts it; /healthz,
// /readyz and /metrics answer.

#include "api_clients.h"
#include "daemon_process.h"
#include "etcd_cluster.h"
#include "http_get.h"

#include "poll_until.h"
#include "required_tool.h"
#include "store/sqlite_store.h"

#include <boost/asio/ip/tcp.hpp>
#include <grpcpp/generic/generic_stub.h>
#include <nlohmann/json.hpp>

#include <QtTest>

#include <arpa/inet.h>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <future>
#include <grp.h>
#include <map>
#include <netinet/in.h>
#include <optional>
#include <sstream>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using aegis::testing::ApiClients;
using aegis::testing::DaemonProcess;
using aegis::testing::httpGet;
using aegis::testing::TempDir;
using namespace std::chrono_literals;

namespace {

std::string readFile(const std::filesystem::path &path) {
    std::ifstream in(path);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

// The names in `dir` with their sizes, to show that nothing in it changed.
std::map<std::string, std::uintmax_t> directoryListing(const std::filesystem::path &dir) {
    std::map<std::string, std::uintmax_t> listing;
    std::error_code error;
    for (const auto &entry : std::filesystem::recursive_directory_iterator(dir, error)) {
        listing[entry.path().string()] = entry.is_regular_file() ? entry.file_size() : 0;
    }
    return listing;
}

// File modes do not stop root: as root, aegisd runs as this user for the read-only cases.
constexpr uid_t kUnprivileged = 65534; // nobody

void giveToUnprivileged(const std::filesystem::path &root) {
    if (::geteuid() != 0) {
        return;
    }
    QCOMPARE(::chown(root.c_str(), kUnprivileged, kUnprivileged), 0);
    for (const auto &entry : std::filesystem::recursive_directory_iterator(root)) {
        QCOMPARE(::chown(entry.path().c_str(), kUnprivileged, kUnprivileged), 0);
    }
}

// Runs `argv` (unprivileged when the test is root) with stderr to `errFile`, for at most 10 s;
// returns the exit code (-1 when it did not exit by itself).
int runUnprivileged(const std::vector<std::string> &argv, const std::filesystem::path &errFile) {
    const int pid = ::fork();
    if (pid == 0) {
        const int err = ::open(errFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(err, STDERR_FILENO);
        if (::geteuid() == 0 && (::setgroups(0, nullptr) != 0 || ::setgid(kUnprivileged) != 0 ||
                                 ::setuid(kUnprivileged) != 0)) {
            ::_exit(126);
        }
        std::vector<char *> args;
        for (const auto &arg : argv) {
            args.push_back(const_cast<char *>(arg.c_str()));
        }
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    int status = 0;
    const bool exited =
        aegis::testing::pollUntil([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, 10s);
    if (!exited) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// grpc.health.v1 Check for the whole server, spoken through a generic stub: the raw
// HealthCheckResponse, "\x08\x01" for SERVING and "\x08\x02" for NOT_SERVING.
std::string grpcHealth(const std::shared_ptr<grpc::Channel> &channel) {
    grpc::GenericStub stub(channel);
    grpc::ClientContext context;
    aegis::client::setTimeout(context, aegis::testing::kCallTimeout);
    grpc::Slice empty(std::string{});
    const grpc::ByteBuffer request(&empty, 1);
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                   &response, [&done](grpc::Status status) { done.set_value(status); });
    if (!done.get_future().get().ok()) {
        return {};
    }
    std::vector<grpc::Slice> slices;
    response.Dump(&slices);
    std::string bytes;
    for (const auto &slice : slices) {
        bytes.append(reinterpret_cast<const char *>(slice.begin()), slice.size());
    }
    return bytes;
}

bool allLinesAreJson(const std::string &text) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        if (!nlohmann::json::accept(line)) {
            return false;
        }
    }
    return !text.empty();
}

} // namespace

class TestDaemonConfig : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void badConfigurationStops_data();
    void badConfigurationStops();
    void startupRefusals_data();
    void startupRefusals();
    void unwritableStoreStops_data();
    void unwritableStoreStops();
    void initBeginsEmptyAndKeepsTheOldFiles();
    void existingDataDirKeepsItsMode();
    void storeWriteFailureMakesNotReady();
    void wildcardListenAnnouncesTheAdvertiseAddress();
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
    QTest::newRow("--xds-listen without a port")
        << QStringList{"--xds-listen", "nonsense"} << QString()
        << QStringList{"--xds-listen", "'nonsense'", "HOST:PORT"};
    QTest::newRow("xds.listen port out of range")
        << QStringList() << "xds:\n  listen: 127.0.0.1:70000\n"
        << QStringList{"xds.listen", "127.0.0.1:70000", "port"};
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
    QTest::newRow("--config is a directory")
        << QStringList{"--config", "."} << QString() << QStringList{"--config", "directory"};
    QTest::newRow("key given twice") << QStringList() << "log_level: info\nlog_level: debug\n"
                                     << QStringList{"log_level", "twice", "line 2"};
    QTest::newRow("nested key given twice")
        << QStringList() << "grpc:\n  keepalive_time: 30s\n  keepalive_time: 40s\n"
        << QStringList{"grpc.keepalive_time", "twice", "line 3"};
    QTest::newRow("empty duration") << QStringList() << "shutdown_grace:\n"
                                    << QStringList{"shutdown_grace", "no value"};
    QTest::newRow("max ejection shorter than base ejection")
        << QStringList()
        << "health:\n  outlier:\n    base_ejection_time: 1m\n    max_ejection_time: 30s\n"
        << QStringList{"health.outlier.max_ejection_time", "health.outlier.base_ejection_time"};
    QTest::newRow("--alertmanager unknown")
        << QStringList{"--alertmanager", "embedded"} << QString()
        << QStringList{"--alertmanager", "embedded", "managed, external or none"};
    QTest::newRow("--alertmanager external without a URL")
        << QStringList{"--alertmanager", "external"} << QString()
        << QStringList{"alerting.external.urls", "--alertmanager-url"};
    QTest::newRow("--alertmanager-url not http")
        << QStringList{"--alertmanager", "external", "--alertmanager-url", "am.example:9093"}
        << QString() << QStringList{"--alertmanager-url", "am.example:9093", "http://"};
    QTest::newRow("alerting.enabled not a boolean")
        << QStringList() << "alerting:\n  enabled: maybe\n"
        << QStringList{"alerting.enabled", "maybe", "true or false"};
    QTest::newRow("alerting.evaluation_interval too short")
        << QStringList() << "alerting:\n  evaluation_interval: 100ms\n"
        << QStringList{"alerting.evaluation_interval", "at least 1s"};
    QTest::newRow("alerting.external.urls item not http")
        << QStringList()
        << "alerting:\n  alertmanager: external\n  external:\n    urls: [http://a:9093, b]\n"
        << QStringList{"alerting.external.urls", "'b'"};
    QTest::newRow("alerting.external.ca_file unreadable")
        << QStringList() << "alerting:\n  external:\n    ca_file: /no/such/ca.pem\n"
        << QStringList{"alerting.external.ca_file", "/no/such/ca.pem"};
    QTest::newRow("flag error wins over a good file")
        << QStringList{"--log-level", "loud"} << "log_level: debug\n"
        << QStringList{"--log-level", "loud"};
    QTest::newRow("unknown flag") << QStringList{"--bogus"} << QString()
                                  << QStringList{"--bogus", "aegisd --help"};
    QTest::newRow("log_keys unknown") << QStringList() << "log_keys: logfmt\n"
                                      << QStringList{"log_keys", "logfmt", "aegis, zap, ecs"};
    QTest::newRow("store.backend unknown")
        << QStringList{"--store-backend", "mysql"} << QString()
        << QStringList{"store.backend", "mysql", "sqlite or etcd"};
    QTest::newRow("etcd without endpoints")
        << QStringList{"--store-backend", "etcd"} << QString()
        << QStringList{"store.etcd.endpoints", "--etcd-endpoints"};
    // Secrets are sealed with a key every replica reads from a file; it never goes to etcd.
    QTest::newRow("etcd without a secrets key file")
        << QStringList{"--store-backend", "etcd", "--etcd-endpoints", "127.0.0.1:1"} << QString()
        << QStringList{"store.etcd.secrets_key_file", "never goes to etcd"};
    QTest::newRow("etcd prefix without a trailing slash")
        << QStringList() << "store:\n  backend: etcd\n  etcd:\n    prefix: /aegis\n"
        << QStringList{"store.etcd.prefix", "'/aegis'", "end with '/'"};
    // A replica announces where the others reach it; a wildcard listen address is nowhere.
    for (const char *wildcard : {"0.0.0.0:7400", "[::]:7400", "[::0]:7400"}) {
        QTest::newRow(
            (std::string("etcd listening on ") + wildcard + " without advertise_address").c_str())
            << QStringList{"--store-backend",    "etcd",
                           "--etcd-endpoints",   "127.0.0.1:1",
                           "--listen",           wildcard,
                           "--secrets-key-file", "/no/such/secrets.key"}
            << QString()
            << QStringList{"listen is " + QString(wildcard), "cluster.advertise_address"};
    }
    QTest::newRow("etcd with http_listen on a wildcard without advertise_address")
        << QStringList{"--store-backend",    "etcd",
                       "--etcd-endpoints",   "127.0.0.1:1",
                       "--http-listen",      "0.0.0.0:7401",
                       "--secrets-key-file", "/no/such/secrets.key"}
        << QString() << QStringList{"http_listen is 0.0.0.0:7401", "cluster.advertise_address"};
    QTest::newRow("cluster.advertise_address with a port")
        << QStringList() << "cluster:\n  advertise_address: 10.0.0.1:7400\n"
        << QStringList{"cluster.advertise_address", "'10.0.0.1:7400'", "has a port"};
    QTest::newRow("cluster.advertise_address a wildcard")
        << QStringList() << "cluster:\n  advertise_address: 0.0.0.0\n"
        << QStringList{"cluster.advertise_address", "'0.0.0.0'", "wildcard"};
    QTest::newRow("cluster.advertise_address not a host")
        << QStringList() << "cluster:\n  advertise_address: http://10.0.0.1/\n"
        << QStringList{"cluster.advertise_address", "not an IP address or host name"};
}

void TestDaemonConfig::badConfigurationStops() {
    QFETCH(QStringList, flags);
    QFETCH(QString, yaml);
    QFETCH(QStringList, stderrMentions);

    TempDir dir;
    std::vector<std::string> argv = {AEGISD_PATH, "--data-dir", (dir.path() / "data").string()};
    // Safe addresses unless the case is about them, so a daemon that wrongly starts binds nothing
    // in use; a flag given twice would be a different error.
    for (const char *flag : {"--listen", "--http-listen", "--otlp-listen"}) {
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
    QVERIFY2(allLinesAreJson(result.err), context.c_str());
    QVERIFY2(result.err.find("aegisd: ") != std::string::npos, context.c_str());
    for (const QString &mention : stderrMentions) {
        QVERIFY2(result.err.find(mention.toStdString()) != std::string::npos,
                 ("stderr does not mention " + mention.toStdString() + ": " + result.err).c_str());
    }
    QVERIFY2(!std::filesystem::exists(dir.path() / "data" / "admin.token"),
             "a rejected configuration must not initialise the data directory");
}

void TestDaemonConfig::startupRefusals_data() {
    // What the test prepares before starting aegisd with the flags.
    QTest::addColumn<QString>("setup");
    QTest::addColumn<QStringList>("stderrMentions");

    QTest::newRow("gRPC port in use") << "grpc port in use" << QStringList{"listen", "in use"};
    QTest::newRow("HTTP port in use") << "http port in use" << QStringList{"http_listen", "in use"};
    QTest::newRow("xDS port in use") << "xds port in use" << QStringList{"xds.listen", "in use"};
    QTest::newRow("OTLP port in use")
        << "otlp port in use" << QStringList{"tracing.otlp_listen", "in use"};
    QTest::newRow("gRPC port in use, ECS keys")
        << "grpc port in use, ecs keys" << QStringList{"listen", "in use", R"("@timestamp")"};
    QTest::newRow("gRPC port in use, zap keys")
        << "grpc port in use, zap keys" << QStringList{"listen", "in use", R"("ts")"};
    QTest::newRow("data_dir is a file")
        << "data_dir is a file" << QStringList{"data_dir", "not a directory"};
    QTest::newRow("store not a database")
        << "store not a database" << QStringList{"aegis.db", "not a database"};
    QTest::newRow("store damaged") << "store damaged" << QStringList{"aegis.db", "restore"};
    QTest::newRow("store missing, admin.token left")
        << "store missing, admin.token left"
        << QStringList{"aegis.db", "missing", "admin.token", "--init", "backup"};
    QTest::newRow("store empty, config.key and deployments left")
        << "store empty, config.key and deployments left"
        << QStringList{"aegis.db", "empty", "config.key", "deployments", "--init"};
    QTest::newRow("store without tokens, admin.token left")
        << "store without tokens, admin.token left"
        << QStringList{"admin.token", "never overwritten"};
}

// Each refusal exits 2 at once with one JSON log line that names the cause, and leaves what an
// operator has in the data directory as it was.
void TestDaemonConfig::startupRefusals() {
    QFETCH(QString, setup);
    QFETCH(QStringList, stderrMentions);

    TempDir dir;
    auto dataDir = dir.path() / "data";
    std::string grpcListen = "127.0.0.1:0";
    std::string httpListen = "127.0.0.1:0";
    std::string xdsListen; // off unless the case is about it
    std::optional<boost::asio::ip::tcp::acceptor> taken;
    boost::asio::io_context io;
    const auto takePort = [&] {
        taken.emplace(
            io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
        return "127.0.0.1:" + std::to_string(taken->local_endpoint().port());
    };
    const auto makeStore = [&] {
        // A store with data, made by a real run.
        aegis::testing::DaemonOptions options;
        options.dataDir = dataDir;
        options.logFile = dir.path() / "first-run.log";
        auto first = DaemonProcess::start(options);
        QVERIFY2(first.isOk(), first.status().toString().c_str());
        QCOMPARE((*first)->terminate(), 0);
    };
    std::string otlpListen = "127.0.0.1:0";
    std::vector<std::string> extraFlags;
    if (setup.startsWith("grpc port in use")) {
        grpcListen = takePort();
        if (setup.endsWith("ecs keys")) {
            extraFlags = {"--log-keys", "ecs"};
        } else if (setup.endsWith("zap keys")) {
            extraFlags = {"--log-keys", "zap"};
        }
    } else if (setup == "otlp port in use") {
        otlpListen = takePort();
    } else if (setup == "http port in use") {
        httpListen = takePort();
    } else if (setup == "xds port in use") {
        xdsListen = takePort();
    } else if (setup == "data_dir is a file") {
        std::ofstream(dir.path() / "file") << "not a directory\n";
        dataDir = dir.path() / "file";
    } else if (setup == "store not a database") {
        std::filesystem::create_directories(dataDir);
        std::ofstream(dataDir / "aegis.db") << std::string(8192, 'x');
    } else if (setup == "store damaged") {
        makeStore();
        // Pages past the first (the schema) are the tables' and indexes' b-trees.
        const auto size = std::filesystem::file_size(dataDir / "aegis.db");
        QVERIFY(size >= 3 * 4096);
        std::fstream file(dataDir / "aegis.db", std::ios::in | std::ios::out | std::ios::binary);
        file.seekp(4096);
        file << std::string(size - 4096, '\x55');
    } else if (setup == "store missing, admin.token left") {
        makeStore();
        std::filesystem::remove(dataDir / "aegis.db");
    } else if (setup == "store empty, config.key and deployments left") {
        makeStore();
        std::filesystem::remove(dataDir / "admin.token");
        std::filesystem::create_directories(dataDir / "deployments");
        std::ofstream(dataDir / "aegis.db", std::ios::trunc);
    } else if (setup == "store without tokens, admin.token left") {
        std::filesystem::create_directories(dataDir);
        // A valid store whose tokens are gone, as if its history were lost.
        QVERIFY(aegis::store::SqliteStore::migrateTo(dataDir / "aegis.db",
                                                     aegis::store::SqliteStore::kSchemaVersion)
                    .isOk());
        std::ofstream(dataDir / "admin.token") << "aegis_operator_kept_this\n";
    } else {
        QFAIL("unknown setup");
    }
    const auto before = directoryListing(dataDir);

    std::vector<std::string> argv = {AEGISD_PATH, "--data-dir",    dataDir.string(),
                                     "--listen",  grpcListen,      "--http-listen",
                                     httpListen,  "--otlp-listen", otlpListen};
    if (!xdsListen.empty()) {
        argv.insert(argv.end(), {"--xds-listen", xdsListen});
    }
    argv.insert(argv.end(), extraFlags.begin(), extraFlags.end());
    const auto result = aegis::testing::runCommand(argv, 10s);
    const std::string context =
        "exit " + std::to_string(result.exitCode) + ", stderr: " + result.err;
    QVERIFY2(result.exitCode == 2, context.c_str());
    QVERIFY2(allLinesAreJson(result.err), context.c_str());
    QVERIFY2(result.err.find("address in use or not local") == std::string::npos, context.c_str());
    // Every line has the standard keys of the style asked for.
    const bool ecs = setup.endsWith("ecs keys");
    const bool zap = setup.endsWith("zap keys");
    std::istringstream lines(result.err);
    for (std::string text; std::getline(lines, text);) {
        const auto line = nlohmann::json::parse(text);
        const std::vector<std::string> keys =
            ecs   ? std::vector<std::string>{"@timestamp", "log.level", "message", "ecs.version"}
            : zap ? std::vector<std::string>{"ts", "level", "msg"}
                  : std::vector<std::string>{"time", "level", "msg"};
        for (const auto &key : keys) {
            QVERIFY2(line.contains(key), (key + " missing: " + text).c_str());
        }
    }
    for (const QString &mention : stderrMentions) {
        QVERIFY2(result.err.find(mention.toStdString()) != std::string::npos,
                 ("stderr does not mention " + mention.toStdString() + ": " + result.err).c_str());
    }
    if (setup.startsWith("store missing") || setup.startsWith("store empty")) {
        QCOMPARE(directoryListing(dataDir), before);
    }
    if (setup == "store without tokens, admin.token left") {
        QCOMPARE(readFile(dataDir / "admin.token"), std::string("aegis_operator_kept_this\n"));
    }
}

void TestDaemonConfig::unwritableStoreStops_data() {
    QTest::addColumn<bool>("readOnlyDirectory");
    QTest::addColumn<QStringList>("stderrMentions");

    QTest::newRow("read-only store file")
        << false << QStringList{"aegis.db", "cannot write", "read-only"};
    QTest::newRow("read-only data directory") << true << QStringList{"data_dir", "cannot write"};
}

// A store that cannot be written stops aegisd at start, instead of serving (and reporting ready)
// until the first write fails.
void TestDaemonConfig::unwritableStoreStops() {
    QFETCH(bool, readOnlyDirectory);
    QFETCH(QStringList, stderrMentions);

    TempDir dir;
    aegis::testing::DaemonOptions options;
    options.dataDir = dir.path() / "data";
    options.logFile = dir.path() / "first-run.log";
    auto first = DaemonProcess::start(options);
    QVERIFY2(first.isOk(), first.status().toString().c_str());
    QCOMPARE((*first)->terminate(), 0);
    giveToUnprivileged(dir.path());
    if (readOnlyDirectory) {
        QCOMPARE(::chmod(options.dataDir.c_str(), 0555), 0);
    } else {
        QCOMPARE(::chmod((options.dataDir / "aegis.db").c_str(), 0444), 0);
    }

    const auto errFile = dir.path() / "stderr";
    const int exitCode = runUnprivileged({AEGISD_PATH, "--data-dir", options.dataDir.string(),
                                          "--listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0",
                                          "--otlp-listen", "127.0.0.1:0"},
                                         errFile);
    const std::string err = readFile(errFile);
    ::chmod(options.dataDir.c_str(), 0700);
    const std::string context = "exit " + std::to_string(exitCode) + ", stderr: " + err;
    QVERIFY2(exitCode == 2, context.c_str());
    QVERIFY2(allLinesAreJson(err), context.c_str());
    for (const QString &mention : stderrMentions) {
        QVERIFY2(err.find(mention.toStdString()) != std::string::npos,
                 ("stderr does not mention " + mention.toStdString() + ": " + err).c_str());
    }
}

void TestDaemonConfig::initBeginsEmptyAndKeepsTheOldFiles() {
    TempDir dir;
    aegis::testing::DaemonOptions options;
    options.dataDir = dir.path() / "data";
    options.logFile = dir.path() / "aegisd.log";
    auto first = DaemonProcess::start(options);
    QVERIFY2(first.isOk(), first.status().toString().c_str());
    const std::string oldToken = (*first)->adminToken();
    QCOMPARE((*first)->terminate(), 0);
    const std::string oldKey = readFile(options.dataDir / "config.key");
    std::filesystem::remove(options.dataDir / "aegis.db");

    options.extraArgs = {"--init"};
    auto second = DaemonProcess::start(options);
    QVERIFY2(second.isOk(),
             (second.status().toString() + "\n" + readFile(options.logFile)).c_str());
    const std::string newToken = (*second)->adminToken();
    QVERIFY(!newToken.empty());
    QVERIFY(newToken != oldToken);
    std::vector<std::filesystem::path> asides;
    for (const auto &entry : std::filesystem::directory_iterator(options.dataDir)) {
        if (entry.path().filename().string().rfind("pre-init-", 0) == 0) {
            asides.push_back(entry.path());
        }
    }
    QCOMPARE(asides.size(), std::size_t(1));
    QCOMPARE(readFile(asides.front() / "admin.token"), oldToken + "\n");
    QCOMPARE(readFile(asides.front() / "config.key"), oldKey);
    QVERIFY(readFile(options.dataDir / "config.key") != oldKey);
    QCOMPARE((*second)->terminate(), 0);

    // The new store is the directory's life now: a start without --init uses it.
    options.extraArgs = {};
    auto third = DaemonProcess::start(options);
    QVERIFY2(third.isOk(), (third.status().toString() + "\n" + readFile(options.logFile)).c_str());
    QCOMPARE((*third)->adminToken(), newToken);
    QCOMPARE((*third)->terminate(), 0);
}

void TestDaemonConfig::existingDataDirKeepsItsMode() {
    TempDir dir;
    aegis::testing::DaemonOptions options;
    options.dataDir = dir.path() / "shared";
    std::filesystem::create_directories(options.dataDir);
    ::chmod(options.dataDir.c_str(), 0750);
    options.logFile = dir.path() / "aegisd.log";
    auto daemon = DaemonProcess::start(options);
    QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
    QCOMPARE((*daemon)->terminate(), 0);
    struct stat info {};
    QCOMPARE(::stat(options.dataDir.c_str(), &info), 0);
    QCOMPARE(info.st_mode & 0777, mode_t(0750));

    // One that aegisd creates is private to it (here it stops afterwards: its port is taken).
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor taken(
        io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    const auto created = dir.path() / "created";
    const auto result = aegis::testing::runCommand(
        {AEGISD_PATH, "--data-dir", created.string(), "--listen", "127.0.0.1:0", "--http-listen",
         "127.0.0.1:" + std::to_string(taken.local_endpoint().port())},
        10s);
    QCOMPARE(result.exitCode, 2);
    QCOMPARE(::stat(created.c_str(), &info), 0);
    QCOMPARE(info.st_mode & 0777, mode_t(0700));
}

// A replica on etcd listening on every address announces cluster.advertise_address, with the
// ports it listens on, in its membership record: what the others forward to and scrape.
void TestDaemonConfig::wildcardListenAnnouncesTheAdvertiseAddress() {
    AEGIS_REQUIRE_TOOL(aegis::testing::EtcdCluster::kBinary, aegis::testing::EtcdCluster::kPackage);
    TempDir dir;
    auto etcd = aegis::testing::EtcdCluster::start(dir.path() / "etcd", {.members = 1});
    QVERIFY2(etcd.isOk(), etcd.status().message().c_str());
    const auto key = dir.path() / "secrets.key";
    std::ofstream(key) << std::string(32, 'k');
    const auto config = dir.path() / "aegisd.yaml";
    std::ofstream(config) << "cluster:\n  advertise_address: 127.0.0.1\n";
    aegis::testing::DaemonOptions options;
    options.dataDir = dir.path() / "data";
    options.grpcListen = "0.0.0.0:0";
    options.extraArgs = {
        "--store-backend",    "etcd",       "--etcd-endpoints", (*etcd)->clientAddress(0),
        "--secrets-key-file", key.string(), "--config",         config.string()};
    auto daemon = DaemonProcess::start(options);
    QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
    const std::string port =
        (*daemon)->grpcAddress().substr((*daemon)->grpcAddress().rfind(':') + 1);
    const std::string httpPort =
        (*daemon)->httpAddress().substr((*daemon)->httpAddress().rfind(':') + 1);
    auto clients = ApiClients::connect((*daemon)->adminConnection());
    QVERIFY(clients.isOk());
    aegis::v1::GetStatusResponse status;
    QVERIFY(aegis::testing::pollUntil([&] {
        return aegis::testing::getStatus(*clients, status).ok() &&
               status.control_plane().replicas_size() == 1;
    }));
    QCOMPARE(status.control_plane().replicas(0).address(), "127.0.0.1:" + port);
    QCOMPARE(status.control_plane().replicas(0).http_address(), "127.0.0.1:" + httpPort);
}

// While running, a store that cannot write makes /readyz answer 503 naming the cause, a write is
// refused saying it was not applied, and both recover once the disk takes writes again.
void TestDaemonConfig::storeWriteFailureMakesNotReady() {
    TempDir dir;
    aegis::testing::DaemonOptions options;
    options.dataDir = dir.path() / "data";
    options.logFile = dir.path() / "aegisd.log";
    auto daemon = DaemonProcess::start(options);
    QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
    auto clients = ApiClients::connect((*daemon)->adminConnection());
    QVERIFY(clients.isOk());
    const auto createToken = [&](const std::string &name) {
        grpc::ClientContext context;
        aegis::client::setTimeout(context, aegis::testing::kCallTimeout);
        aegis::v1::CreateTokenRequest request;
        request.set_name(name);
        request.set_role(aegis::v1::ROLE_VIEWER);
        aegis::v1::CreateTokenResponse response;
        return clients->auth->CreateToken(&context, request, &response);
    };
    QVERIFY(createToken("before").ok());

    // A file-size limit of 0 makes every write to a file fail, as a full disk would.
    rlimit limit{};
    QCOMPARE(::prlimit((*daemon)->pid(), RLIMIT_FSIZE, nullptr, &limit), 0);
    const rlimit none{0, limit.rlim_max};
    QCOMPARE(::prlimit((*daemon)->pid(), RLIMIT_FSIZE, &none, nullptr), 0);

    const grpc::Status refused = createToken("during");
    QCOMPARE(refused.error_code(), grpc::StatusCode::UNAVAILABLE);
    QVERIFY2(refused.error_message().find("not applied") != std::string::npos,
             refused.error_message().c_str());
    QVERIFY2(refused.error_message().find("could not be audited") == std::string::npos,
             refused.error_message().c_str());
    const auto notReady = httpGet((*daemon)->httpAddress(), "/readyz");
    QCOMPARE(notReady.status, 503);
    QVERIFY2(notReady.body.find("store") != std::string::npos, notReady.body.c_str());
    QCOMPARE(grpcHealth(clients->channel), std::string("\x08\x02"));

    QCOMPARE(::prlimit((*daemon)->pid(), RLIMIT_FSIZE, &limit, nullptr), 0);
    // The store's own probe finds out, without any client writing.
    QTRY_COMPARE_WITH_TIMEOUT(httpGet((*daemon)->httpAddress(), "/readyz").status, 200, 10000);
    QCOMPARE(grpcHealth(clients->channel), std::string("\x08\x01"));
    QVERIFY(createToken("after").ok());
    *clients = {};
    QCOMPARE((*daemon)->terminate(), 0);
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
