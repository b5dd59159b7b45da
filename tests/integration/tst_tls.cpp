// TLS and mutual TLS end to end: certificates made by the openssl CLI for this run, the real
// aegisd serving with them, and clients that do and do not hold the right certificates.

#include "api_clients.h"
#include "daemon_process.h"
#include "required_tool.h"

#include <QtTest>

#include <fstream>

using aegis::testing::ApiClients;
using aegis::testing::DaemonOptions;
using aegis::testing::DaemonProcess;
using aegis::testing::TempDir;

namespace {

// Sections for every certificate the test issues; -extensions picks one.
constexpr const char *kOpensslConfig = R"([req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
authorityKeyIdentifier = keyid
[client]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
)";

// Which files a client presents. Empty `ca` means a plaintext channel.
struct ClientCredentials {
    QString ca;
    QString cert;
    QString serverName;
};

} // namespace

Q_DECLARE_METATYPE(ClientCredentials)

class TestTls : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void tlsServer_data();
    void tlsServer();
    void mutualTls_data();
    void mutualTls();
    void unusableTlsFilesStop_data();
    void unusableTlsFilesStop();

private:
    // Runs openssl with `args`; fails the test (returns false) when it does not exit 0.
    bool openssl(const std::vector<std::string> &args);
    bool makeCa(const std::string &name);
    bool makeLeaf(const std::string &name, const std::string &ca, const std::string &extensions);
    std::filesystem::path file(const QString &name) const {
        return m_certs.path() / name.toStdString();
    }
    void callWith(const DaemonProcess &daemon);

    TempDir m_certs;
    std::string m_openssl;
    std::unique_ptr<DaemonProcess> m_tlsDaemon;
    std::unique_ptr<DaemonProcess> m_mutualTlsDaemon;
};

bool TestTls::openssl(const std::vector<std::string> &args) {
    std::vector<std::string> argv = {m_openssl};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto result = aegis::testing::runCommand(argv);
    if (result.exitCode != 0) {
        qWarning("openssl %s failed (%d): %s", args.front().c_str(), result.exitCode,
                 result.err.c_str());
    }
    return result.exitCode == 0;
}

bool TestTls::makeCa(const std::string &name) {
    const auto dir = m_certs.path();
    return openssl({"req", "-x509", "-config", (dir / "openssl.cnf").string(), "-extensions", "ca",
                    "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", (dir / (name + ".key")).string(), "-out",
                    (dir / (name + ".crt")).string(), "-days", "2", "-subj",
                    "/CN=Aegis test " + name});
}

bool TestTls::makeLeaf(const std::string &name, const std::string &ca,
                       const std::string &extensions) {
    const auto dir = m_certs.path();
    const auto csr = (dir / (name + ".csr")).string();
    return openssl({"req", "-new", "-config", (dir / "openssl.cnf").string(), "-newkey", "ec",
                    "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                    (dir / (name + ".key")).string(), "-out", csr, "-subj",
                    "/CN=" + (extensions == "server" ? std::string("localhost") : name)}) &&
           openssl({"x509", "-req", "-in", csr, "-CA", (dir / (ca + ".crt")).string(), "-CAkey",
                    (dir / (ca + ".key")).string(), "-CAcreateserial", "-days", "2", "-extfile",
                    (dir / "openssl.cnf").string(), "-extensions", extensions, "-out",
                    (dir / (name + ".crt")).string()});
}

void TestTls::initTestCase() {
    AEGIS_REQUIRE_TOOL("openssl", "openssl");
    m_openssl = aegis::testing::toolPath("openssl");
    std::ofstream(m_certs.path() / "openssl.cnf") << kOpensslConfig;
    QVERIFY(makeCa("ca"));
    QVERIFY(makeLeaf("server", "ca", "server"));
    QVERIFY(makeLeaf("client", "ca", "client"));
    QVERIFY(makeCa("other-ca"));
    QVERIFY(makeLeaf("other-client", "other-ca", "client"));

    const auto cert = file("server.crt").string();
    const auto key = file("server.key").string();
    DaemonOptions tlsOptions;
    tlsOptions.extraArgs = {"--tls-cert", cert, "--tls-key", key};
    auto tls = DaemonProcess::start(tlsOptions);
    QVERIFY2(tls.isOk(), tls.status().toString().c_str());
    m_tlsDaemon = std::move(*tls);

    DaemonOptions mutualOptions;
    mutualOptions.extraArgs = {"--tls-cert",           cert, "--tls-key", key, "--tls-client-ca",
                               file("ca.crt").string()};
    auto mutual = DaemonProcess::start(mutualOptions);
    QVERIFY2(mutual.isOk(), mutual.status().toString().c_str());
    m_mutualTlsDaemon = std::move(*mutual);
}

void TestTls::cleanupTestCase() {
    for (auto *daemon : {&m_tlsDaemon, &m_mutualTlsDaemon}) {
        if (*daemon) {
            QCOMPARE((*daemon)->terminate(), 0);
        }
    }
}

void TestTls::callWith(const DaemonProcess &daemon) {
    QFETCH(ClientCredentials, credentials);
    QFETCH(int, expectedCode);

    auto options = daemon.adminConnection();
    if (!credentials.ca.isEmpty()) {
        options.caFile = file(credentials.ca);
    }
    if (!credentials.cert.isEmpty()) {
        options.certFile = file(credentials.cert + QStringLiteral(".crt"));
        options.keyFile = file(credentials.cert + QStringLiteral(".key"));
    }
    options.tlsServerName = credentials.serverName.toStdString();
    auto clients = ApiClients::connect(options);
    QVERIFY2(clients.isOk(), clients.status().toString().c_str());

    aegis::v1::GetStatusResponse response;
    const grpc::Status status = aegis::testing::getStatus(*clients, response);
    QVERIFY2(status.error_code() == expectedCode, aegis::testing::describe(status).c_str());
    if (status.ok()) {
        QVERIFY(response.header().revision() > 0);
    }
}

void TestTls::tlsServer_data() {
    QTest::addColumn<ClientCredentials>("credentials");
    QTest::addColumn<int>("expectedCode");

    QTest::newRow("client trusts the CA") << ClientCredentials{"ca.crt", {}, {}} << 0;
    QTest::newRow("server name checked against the DNS name")
        << ClientCredentials{"ca.crt", {}, "localhost"} << 0;
    // A client certificate the server did not ask for does no harm.
    QTest::newRow("unrequested client certificate")
        << ClientCredentials{"ca.crt", "client", {}} << 0;
    QTest::newRow("plaintext client") << ClientCredentials{} << int(grpc::UNAVAILABLE);
    QTest::newRow("client trusts another CA")
        << ClientCredentials{"other-ca.crt", {}, {}} << int(grpc::UNAVAILABLE);
    QTest::newRow("server name not in the certificate")
        << ClientCredentials{"ca.crt", {}, "aegis.example.com"} << int(grpc::UNAVAILABLE);
}

void TestTls::tlsServer() {
    callWith(*m_tlsDaemon);
}

void TestTls::mutualTls_data() {
    QTest::addColumn<ClientCredentials>("credentials");
    QTest::addColumn<int>("expectedCode");

    QTest::newRow("client certificate from the CA")
        << ClientCredentials{"ca.crt", "client", {}} << 0;
    QTest::newRow("no client certificate")
        << ClientCredentials{"ca.crt", {}, {}} << int(grpc::UNAVAILABLE);
    QTest::newRow("client certificate from another CA")
        << ClientCredentials{"ca.crt", "other-client", {}} << int(grpc::UNAVAILABLE);
    QTest::newRow("plaintext client") << ClientCredentials{} << int(grpc::UNAVAILABLE);
}

void TestTls::mutualTls() {
    callWith(*m_mutualTlsDaemon);
}

void TestTls::unusableTlsFilesStop_data() {
    QTest::addColumn<QString>("cert");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("clientCa"); // none when empty
    QTest::addColumn<QStringList>("stderrMentions");

    QTest::newRow("certificate file holds no certificate")
        << "garbage.pem"
        << "server.key" << QString()
        << QStringList{"tls.cert_file", "garbage.pem", "no PEM certificate"};
    QTest::newRow("key file holds no key")
        << "server.crt"
        << "garbage.pem" << QString() << QStringList{"tls.key_file", "garbage.pem"};
    QTest::newRow("key of another certificate")
        << "server.crt"
        << "client.key" << QString()
        << QStringList{"tls.key_file", "client.key", "not the key", "server.crt"};
    QTest::newRow("client CA holds no certificate")
        << "server.crt"
        << "server.key"
        << "garbage.pem" << QStringList{"tls.client_ca_file", "garbage.pem"};
}

// TLS files that gRPC cannot use stop aegisd at once with exit 2 and a message naming the file,
// not as a port problem.
void TestTls::unusableTlsFilesStop() {
    QFETCH(QString, cert);
    QFETCH(QString, key);
    QFETCH(QString, clientCa);
    QFETCH(QStringList, stderrMentions);

    std::ofstream(file("garbage.pem"))
        << "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n";
    TempDir data;
    std::vector<std::string> argv = {
        AEGISD_PATH,         "--data-dir",  data.path().string(), "--listen",    "127.0.0.1:0",
        "--http-listen",     "127.0.0.1:0", "--otlp-listen",      "127.0.0.1:0", "--tls-cert",
        file(cert).string(), "--tls-key",   file(key).string()};
    if (!clientCa.isEmpty()) {
        argv.insert(argv.end(), {"--tls-client-ca", file(clientCa).string()});
    }
    const auto result = aegis::testing::runCommand(argv, std::chrono::seconds(10));
    const std::string context =
        "exit " + std::to_string(result.exitCode) + ", stderr: " + result.err;
    QVERIFY2(result.exitCode == 2, context.c_str());
    QVERIFY2(result.err.find("in use") == std::string::npos, context.c_str());
    QVERIFY2(result.err.find("not local") == std::string::npos, context.c_str());
    for (const QString &mention : stderrMentions) {
        QVERIFY2(result.err.find(mention.toStdString()) != std::string::npos,
                 ("stderr does not mention " + mention.toStdString() + ": " + result.err).c_str());
    }
}

QTEST_GUILESS_MAIN(TestTls)
#include "tst_tls.moc"
