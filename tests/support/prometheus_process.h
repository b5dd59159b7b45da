#pragma once

#include "common/status.h"
#include "http_get.h"
#include "server_process.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace aegis::testing {

// A real Prometheus (Debian's `prometheus`, a run dependency in installer/packages-build.txt) as a
// child process of a test, on a free loopback port with a generated configuration and its own data
// directory; stopped on destruction (SIGTERM, SIGKILL after 5 s).
class PrometheusProcess {
public:
    static constexpr const char *kBinary = "prometheus";
    static constexpr const char *kPackage = "prometheus";

    // The `scrape_configs:` entries (YAML list items) for the port Prometheus listens on, so a
    // job may scrape Prometheus itself.
    using ScrapeConfigs = std::function<std::string(std::uint16_t port)>;

    struct Options {
        ScrapeConfigs scrapeConfigs;
        std::chrono::milliseconds scrapeInterval{1000};
        std::vector<std::string> extraArgs;
        // Rule files Prometheus evaluates itself (`rule_files:`), e.g. to compare its rule
        // manager with aegisd's; evaluated every `evaluationInterval`.
        std::vector<std::filesystem::path> ruleFiles;
        // 0: the scrape interval.
        std::chrono::milliseconds evaluationInterval{0};
        // Prometheus' --web.config.file content (TLS, basic auth) when not empty. Prometheus is
        // then taken as started once its port answers at all, since a plain-HTTP /-/ready
        // cannot pass TLS: the test polls it through its own client.
        std::string webConfig;
        std::chrono::milliseconds timeout{30000};
    };

    // Starts Prometheus in `dir` (prometheus.yml, data/, prometheus.log) and returns once
    // /-/ready answers 200. FAILED_PRECONDITION naming the package when the binary is missing
    // (a test must fail then, never skip); UNAVAILABLE with the log when it does not get ready
    // within the timeout. A port another process took first is retried on a new one.
    static StatusOr<std::unique_ptr<PrometheusProcess>> start(const std::filesystem::path &dir,
                                                              Options options);

    ~PrometheusProcess();
    PrometheusProcess(const PrometheusProcess &) = delete;
    PrometheusProcess &operator=(const PrometheusProcess &) = delete;

    std::uint16_t port() const { return m_port; }
    // "http://127.0.0.1:PORT".
    std::string url() const;
    int pid() const { return m_child.pid(); }
    bool running() const { return m_child.running(); }
    // SIGKILL, and reaps it: the backend gone at once, as after a crash.
    void kill();
    // Starts it again after kill(), on the same port and data directory.
    Status restart();
    // Writes a new configuration with `scrapeConfigs` and has Prometheus reload it (SIGHUP), e.g.
    // once the targets' addresses are known. The caller polls for the new targets.
    Status reconfigure(ScrapeConfigs scrapeConfigs);
    std::string logText() const;

    // A scrape_configs entry with static targets ("127.0.0.1:PORT") and extra labels.
    static std::string
    staticJob(const std::string &job, const std::vector<std::string> &targets,
              const std::vector<std::pair<std::string, std::string>> &labels = {});

private:
    explicit PrometheusProcess(const std::filesystem::path &dir);
    void writeConfig() const;
    Status launch();

    std::filesystem::path m_dir;
    std::string m_binary;
    Options m_options;
    std::uint16_t m_port = 0;
    ServerProcess m_child;
};

} // namespace aegis::testing
