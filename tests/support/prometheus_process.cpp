#include "prometheus_process.h"

#include "loopback_ports.h"
#include "required_tool.h"

#include <csignal>
#include <fstream>

namespace aegis::testing {

using namespace std::chrono_literals;

std::string
PrometheusProcess::staticJob(const std::string &job, const std::vector<std::string> &targets,
                             const std::vector<std::pair<std::string, std::string>> &labels) {
    std::string yaml = "  - job_name: " + job + "\n    static_configs:\n      - targets: [";
    for (std::size_t i = 0; i < targets.size(); ++i) {
        yaml += (i == 0 ? "'" : ", '") + targets[i] + "'";
    }
    yaml += "]\n";
    if (!labels.empty()) {
        yaml += "        labels:\n";
        for (const auto &[name, value] : labels) {
            yaml += "          " + name + ": '" + value + "'\n";
        }
    }
    return yaml;
}

StatusOr<std::unique_ptr<PrometheusProcess>>
PrometheusProcess::start(const std::filesystem::path &dir, Options options) {
    const std::string binary = toolPath(kBinary);
    if (binary.empty()) {
        return failedPrecondition(missingToolMessage(kBinary, kPackage));
    }
    std::filesystem::create_directories(dir);
    Status lastError = internalError("prometheus was not started");
    for (int attempt = 0; attempt < kAddressInUseAttempts; ++attempt) {
        std::unique_ptr<PrometheusProcess> process(new PrometheusProcess(dir));
        process->m_binary = binary;
        process->m_options = options;
        process->m_port = unusedLoopbackPorts(1).front();
        process->writeConfig();
        const std::size_t logOffset = process->logText().size();
        const Status started = process->launch();
        if (started.isOk()) {
            return process;
        }
        if (!saysAddressInUse(process->logText().substr(logOffset))) {
            return started;
        }
        lastError = started;
    }
    return lastError;
}

void PrometheusProcess::writeConfig() const {
    const auto interval = std::to_string(m_options.scrapeInterval.count()) + "ms";
    const auto evaluation = m_options.evaluationInterval.count() > 0
                                ? std::to_string(m_options.evaluationInterval.count()) + "ms"
                                : interval;
    const auto temporary = m_dir / "prometheus.yml.tmp";
    std::ofstream config(temporary, std::ios::trunc);
    config << "global:\n  scrape_interval: " << interval << "\n  scrape_timeout: " << interval
           << "\n  evaluation_interval: " << evaluation << "\n";
    if (!m_options.ruleFiles.empty()) {
        config << "rule_files:\n";
        for (const auto &file : m_options.ruleFiles) {
            config << "  - '" << file.string() << "'\n";
        }
    }
    config << "scrape_configs:\n"
           << (m_options.scrapeConfigs ? m_options.scrapeConfigs(m_port) : std::string());
    config.close();
    std::filesystem::rename(temporary, m_dir / "prometheus.yml");
}

Status PrometheusProcess::reconfigure(ScrapeConfigs scrapeConfigs) {
    if (!m_child.running()) {
        return failedPrecondition("prometheus is not running");
    }
    m_options.scrapeConfigs = std::move(scrapeConfigs);
    writeConfig();
    ::kill(m_child.pid(), SIGHUP);
    return Status::ok();
}

Status PrometheusProcess::restart() {
    if (m_child.running()) {
        return failedPrecondition("prometheus still runs");
    }
    return launch();
}

Status PrometheusProcess::launch() {
    const auto timeout = m_options.timeout;
    std::vector<std::string> args = {
        m_binary,
        "--config.file=" + (m_dir / "prometheus.yml").string(),
        "--storage.tsdb.path=" + (m_dir / "data").string(),
        "--web.listen-address=127.0.0.1:" + std::to_string(m_port),
        "--log.level=warn",
    };
    if (!m_options.webConfig.empty()) {
        std::ofstream(m_dir / "web.yml", std::ios::trunc) << m_options.webConfig;
        args.push_back("--web.config.file=" + (m_dir / "web.yml").string());
    }
    args.insert(args.end(), m_options.extraArgs.begin(), m_options.extraArgs.end());
    // With a web configuration (TLS, basic auth) any answer will do: see Options::webConfig.
    return m_child.launch(
        std::move(args),
        [this] {
            const int status = loopbackHttpGet(m_port, "/-/ready", 1s).status;
            return status == 200 || (status != 0 && !m_options.webConfig.empty());
        },
        timeout);
}

PrometheusProcess::PrometheusProcess(const std::filesystem::path &dir)
    : m_dir(dir)
    , m_child("prometheus", dir / "prometheus.log") {}

PrometheusProcess::~PrometheusProcess() = default;

std::string PrometheusProcess::url() const {
    return "http://127.0.0.1:" + std::to_string(m_port);
}

void PrometheusProcess::kill() {
    m_child.kill();
}

std::string PrometheusProcess::logText() const {
    return m_child.logText();
}

} // namespace aegis::testing
