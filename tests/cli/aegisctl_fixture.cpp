#include "aegisctl_fixture.h"

#include <QtTest>

#include <cstdlib>
#include <sstream>

namespace aegis::testing {

std::string describe(const CommandResult &result) {
    return "exit " + std::to_string(result.exitCode) + "\nstdout:\n" + result.out + "\nstderr:\n" +
           result.err;
}

std::vector<std::string> lines(const std::string &text) {
    std::vector<std::string> result;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        result.push_back(line);
    }
    return result;
}

void AegisctlFixture::startDaemon() {
    QVERIFY2(std::string(AEGISCTL_PATH).size() > 0, "AEGISCTL_PATH is not set");
    // The environment of whoever runs the tests must not leak into aegisctl's defaults.
    ::unsetenv("AEGIS_SERVER");
    ::unsetenv("AEGIS_TOKEN");
    auto daemon = DaemonProcess::start();
    QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
    m_daemon = std::move(*daemon);
    m_adminToken = m_daemon->adminToken();
    QVERIFY(!m_adminToken.empty());
}

void AegisctlFixture::stopDaemon() {
    if (m_daemon) {
        QCOMPARE(m_daemon->terminate(), 0);
    }
}

Args AegisctlFixture::withConnection(const Args &args, const std::string &token) const {
    Args argv = {AEGISCTL_PATH, "--server", m_daemon->grpcAddress(), "--token",
                 token.empty() ? m_adminToken : token};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

CommandResult AegisctlFixture::ctl(const Args &args, const std::string &token) const {
    return runCommand(withConnection(args, token));
}

nlohmann::json AegisctlFixture::ctlJson(const Args &args, const std::string &token) const {
    Args withJson = args;
    withJson.insert(withJson.end(), {"-o", "json"});
    const auto result = ctl(withJson, token);
    if (result.exitCode != 0) {
        qWarning("%s", describe(result).c_str());
        return nlohmann::json();
    }
    return nlohmann::json::parse(result.out);
}

void AegisctlFixture::checkUsageError(const QStringList &args, const QString &message) const {
    Args argv;
    for (const auto &arg : args) {
        argv.push_back(arg.toStdString());
    }
    const auto result = ctl(argv);
    CHECK_EXIT(result, 2);
    QVERIFY(result.out.empty());
    QVERIFY2(result.err.starts_with("error: "), result.err.c_str());
    QVERIFY2(result.err.find(message.toStdString()) != std::string::npos, result.err.c_str());
    QVERIFY2(result.err.find("--help") != std::string::npos, result.err.c_str());
}

} // namespace aegis::testing
