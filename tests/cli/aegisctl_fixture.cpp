#include "aegisctl_fixture.h"

#include <QtTest>

#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

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

namespace {

std::string readFile(const std::filesystem::path &path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

std::int64_t jsonInt(const nlohmann::json &value) {
    return value.is_string() ? std::stoll(value.get<std::string>()) : value.get<std::int64_t>();
}

BackgroundCommand::BackgroundCommand(const Args &args) {
    const auto out = m_dir.path() / "out";
    const auto err = m_dir.path() / "err";
    m_pid = ::fork();
    if (m_pid == 0) {
        const int outFd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        const int errFd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(outFd, STDOUT_FILENO);
        ::dup2(errFd, STDERR_FILENO);
        std::vector<char *> argv;
        for (const auto &arg : args) {
            argv.push_back(const_cast<char *>(arg.c_str()));
        }
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
}

BackgroundCommand::~BackgroundCommand() {
    if (m_pid > 0 && !m_exitCode) {
        ::kill(m_pid, SIGKILL);
        ::waitpid(m_pid, nullptr, 0);
    }
}

std::string BackgroundCommand::out() const {
    return readFile(m_dir.path() / "out");
}

std::string BackgroundCommand::err() const {
    return readFile(m_dir.path() / "err");
}

void BackgroundCommand::signal(int number) const {
    ::kill(m_pid, number);
}

bool BackgroundCommand::exited() {
    if (m_exitCode) {
        return true;
    }
    int status = 0;
    if (::waitpid(m_pid, &status, WNOHANG) != m_pid) {
        return false;
    }
    m_exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return true;
}

std::string BackgroundCommand::describe() const {
    return "exit " + std::to_string(exitCode()) + "\nstdout:\n" + out() + "\nstderr:\n" + err();
}

void AegisctlFixture::startDaemon(DaemonOptions options) {
    QVERIFY2(std::string(AEGISCTL_PATH).size() > 0, "AEGISCTL_PATH is not set");
    // The environment of whoever runs the tests must not leak into aegisctl's defaults.
    ::unsetenv("AEGIS_SERVER");
    ::unsetenv("AEGIS_TOKEN");
    auto daemon = DaemonProcess::start(std::move(options));
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
