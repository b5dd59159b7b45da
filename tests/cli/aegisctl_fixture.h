#pragma once

// What the aegisctl end-to-end tests share: a test aegisd, aegisctl run against it, and readable
// text for failure messages.

#include "daemon_process.h"

#include <nlohmann/json.hpp>

#include <QString>
#include <QStringList>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace aegis::testing {

using Args = std::vector<std::string>;

std::string describe(const CommandResult &result);
std::vector<std::string> lines(const std::string &text);
// int64 fields are strings in proto3 JSON.
std::int64_t jsonInt(const nlohmann::json &value);

// A command left running in the background, its output going to files, for the commands that
// only end on a signal. Killed on destruction if it still runs.
class BackgroundCommand {
public:
    explicit BackgroundCommand(const Args &args);
    ~BackgroundCommand();
    BackgroundCommand(const BackgroundCommand &) = delete;
    BackgroundCommand &operator=(const BackgroundCommand &) = delete;

    std::string out() const;
    std::string err() const;
    void signal(int number) const;
    // Whether it has exited (reaping it); the exit code is then exitCode().
    bool exited();
    int exitCode() const { return m_exitCode.value_or(-2); }
    std::string describe() const;

private:
    TempDir m_dir;
    int m_pid = -1;
    std::optional<int> m_exitCode;
};

// A test class derives from this (after QObject) and calls startDaemon() from initTestCase() and
// stopDaemon() from cleanupTestCase(); both fail the calling test through QVERIFY and QCOMPARE.
class AegisctlFixture {
protected:
    void startDaemon(DaemonOptions options = {});
    void stopDaemon();

    DaemonProcess &daemon() const { return *m_daemon; }
    const std::string &adminToken() const { return m_adminToken; }
    // aegisctl's argv: the binary, the daemon's address and `token` (the admin token when empty),
    // then `args`.
    Args withConnection(const Args &args, const std::string &token = {}) const;
    CommandResult ctl(const Args &args, const std::string &token = {}) const;
    // ctl() with "-o json", parsed; null (with a warning) when aegisctl fails.
    nlohmann::json ctlJson(const Args &args, const std::string &token = {}) const;
    // Runs `args` and checks that aegisctl rejects them as a usage error: exit code 2, nothing on
    // stdout, and an error naming `message` and pointing to --help on stderr.
    void checkUsageError(const QStringList &args, const QString &message) const;

private:
    std::unique_ptr<DaemonProcess> m_daemon;
    std::string m_adminToken;
};

} // namespace aegis::testing

// Runs `result` once (it is usually a command) and checks its exit code.
#define CHECK_EXIT(result, code)                                                                   \
    do {                                                                                           \
        const aegis::testing::CommandResult &checked = (result);                                   \
        QVERIFY2(checked.exitCode == (code), aegis::testing::describe(checked).c_str());           \
    } while (false)
