#pragma once

#include "daemon_process.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

namespace aegis::testing {

// One etcd member on free loopback ports with a temporary data directory, its log in that
// directory. The constructor returns once etcd answers a Put (or throws std::runtime_error).
class EtcdProcess {
public:
    explicit EtcdProcess(const std::string &binary = "etcd",
                         std::chrono::milliseconds startTimeout = std::chrono::seconds(30));
    // Stops etcd if it still runs.
    ~EtcdProcess();
    EtcdProcess(const EtcdProcess &) = delete;
    EtcdProcess &operator=(const EtcdProcess &) = delete;

    // host:port of the client (gRPC) listener.
    const std::string &clientAddress() const { return m_clientAddress; }
    int pid() const { return m_pid; }
    std::string version() const { return m_version; }

    // SIGTERM, then waits up to `timeout` (SIGKILL after it); returns the exit code or -1.
    int stop(std::chrono::milliseconds timeout = std::chrono::seconds(20));

private:
    // One start of etcd on new ports: true once it answers, false if it exited (see the log).
    bool launch(const std::string &binary, std::chrono::milliseconds startTimeout);
    std::string logTail() const;

    TempDir m_dir;
    std::filesystem::path m_logFile;
    std::string m_clientAddress;
    std::string m_version;
    int m_pid = -1;
};

// The version line of `etcd --version` ("etcd Version: 3.4.23"), or "" if it does not run.
std::string etcdVersion(const std::string &binary);

} // namespace aegis::testing
