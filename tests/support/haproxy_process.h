#pragma once

#include "common/status.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace aegis::testing {

// A real HAProxy (`haproxy -f <config> -db`: foreground, no daemon mode) as a child process of a
// test or benchmark, stopped on destruction (SIGTERM, SIGKILL after 5 s).
class HaproxyProcess {
public:
    // Where Debian's haproxy package installs it; tests skip when it is missing.
    static constexpr const char *kBinary = "/usr/sbin/haproxy";

    // Starts HAProxy with `config`, its output appended to `log`, and returns once the unix socket
    // `adminSocket` and the loopback TCP `port` (a frontend) accept connections; UNAVAILABLE with
    // the log's text when it exits or does not get there within `timeout`.
    static StatusOr<std::unique_ptr<HaproxyProcess>>
    start(const std::filesystem::path &config, const std::filesystem::path &log,
          const std::string &adminSocket, std::uint16_t port,
          std::chrono::milliseconds timeout = std::chrono::seconds(10));

    ~HaproxyProcess();
    HaproxyProcess(const HaproxyProcess &) = delete;
    HaproxyProcess &operator=(const HaproxyProcess &) = delete;

    int pid() const { return m_pid; }
    // The whole log so far (HAProxy's warnings and alerts).
    std::string logText() const;

private:
    HaproxyProcess() = default;

    std::filesystem::path m_log;
    int m_pid = -1;
};

} // namespace aegis::testing
