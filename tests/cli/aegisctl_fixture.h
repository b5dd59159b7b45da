#pragma once

// What the aegisctl end-to-end tests share: a test aegisd, aegisctl run against it, and readable
// text for failure messages.

#include "daemon_process.h"

#include <nlohmann/json.hpp>

#include <QString>
#include <QStringList>

#include <memory>
#include <string>
#include <vector>

namespace aegis::testing {

using Args = std::vector<std::string>;

std::string describe(const CommandResult &result);
std::vector<std::string> lines(const std::string &text);

// A test class derives from this (after QObject) and calls startDaemon() from initTestCase() and
// stopDaemon() from cleanupTestCase(); both fail the calling test through QVERIFY and QCOMPARE.
class AegisctlFixture {
protected:
    void startDaemon();
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
