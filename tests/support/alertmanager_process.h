#pragma once

#include "common/status.h"
#include "server_process.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace aegis::testing {

// A real Alertmanager (Debian's `prometheus-alertmanager`) as a child process of a test, on a free
// loopback port with the given configuration, its own data directory and no cluster gossip;
// stopped on destruction (SIGTERM, SIGKILL after 5 s).
class AlertmanagerProcess {
public:
    static constexpr const char *kBinary = "prometheus-alertmanager";
    static constexpr const char *kPackage = "prometheus-alertmanager";

    // Starts it in `dir` (alertmanager.yml, data/, alertmanager.log) and returns once /-/ready
    // answers 200. FAILED_PRECONDITION naming the package when the binary is missing (a test must
    // fail then, never skip); UNAVAILABLE with the log when it does not get ready in 30 s.
    static StatusOr<std::unique_ptr<AlertmanagerProcess>> start(const std::filesystem::path &dir,
                                                                const std::string &config);
    ~AlertmanagerProcess();
    AlertmanagerProcess(const AlertmanagerProcess &) = delete;
    AlertmanagerProcess &operator=(const AlertmanagerProcess &) = delete;

    std::uint16_t port() const { return m_port; }
    // "http://127.0.0.1:PORT".
    std::string url() const;
    // SIGKILL, and reaps it.
    void kill();
    // Starts it again after kill(), on the same port, configuration and data.
    Status restart();
    std::string logText() const;

    // A configuration routing everything to one webhook, grouped by alertname and service, with
    // group_wait 0s and group_interval 1s so that notifications (and resolutions) come at once.
    static std::string webhookConfig(const std::string &webhookUrl,
                                     const std::string &receiver = "hook");

private:
    explicit AlertmanagerProcess(const std::filesystem::path &dir);
    Status launch();

    std::filesystem::path m_dir;
    std::string m_binary;
    std::uint16_t m_port = 0;
    ServerProcess m_child;
};

} // namespace aegis::testing
