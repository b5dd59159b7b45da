#pragma once

#include "common/status.h"

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace aegis::testing {

// A server binary run as a child process of a test, its stdout and stderr appended to a log file;
// stopped on destruction (SIGTERM, SIGKILL after 5 s). The test helpers that run a real server
// (PrometheusProcess, AlertmanagerProcess) hold one and add what their server needs.
class ServerProcess {
public:
    // `name` starts the messages of launch(); `log` is where the child writes.
    ServerProcess(std::string name, std::filesystem::path log);
    ~ServerProcess();
    ServerProcess(const ServerProcess &) = delete;
    ServerProcess &operator=(const ServerProcess &) = delete;

    // Runs `args` (args[0] the binary's path) and returns once `ready` says so, polled every
    // 50 ms. UNAVAILABLE with the log when the child exits first or `timeout` passes.
    Status launch(std::vector<std::string> args, const std::function<bool()> &ready,
                  std::chrono::milliseconds timeout);
    int pid() const { return m_pid; }
    bool running() const { return m_pid > 0; }
    // SIGKILL, and reaps it.
    void kill();
    std::string logText() const;

private:
    const std::string m_name;
    const std::filesystem::path m_log;
    int m_pid = -1;
};

} // namespace aegis::testing
