#include "alertmanager_process.h"

#include "http_get.h"
#include "loopback_ports.h"
#include "required_tool.h"

#include <fstream>
#include <vector>

namespace aegis::testing {

using namespace std::chrono_literals;

std::string AlertmanagerProcess::webhookConfig(const std::string &webhookUrl,
                                               const std::string &receiver) {
    return "route:\n"
           "  receiver: " +
           receiver +
           "\n"
           "  group_by: [alertname, service]\n"
           "  group_wait: 0s\n"
           "  group_interval: 1s\n"
           "  repeat_interval: 1h\n"
           "receivers:\n"
           "  - name: " +
           receiver +
           "\n"
           "    webhook_configs:\n"
           "      - url: '" +
           webhookUrl +
           "'\n"
           "        send_resolved: true\n";
}

StatusOr<std::unique_ptr<AlertmanagerProcess>>
AlertmanagerProcess::start(const std::filesystem::path &dir, const std::string &config) {
    const std::string binary = toolPath(kBinary);
    if (binary.empty()) {
        return failedPrecondition(missingToolMessage(kBinary, kPackage));
    }
    std::filesystem::create_directories(dir / "data");
    std::ofstream(dir / "alertmanager.yml", std::ios::trunc) << config;
    Status lastError = internalError("alertmanager was not started");
    for (int attempt = 0; attempt < kAddressInUseAttempts; ++attempt) {
        std::unique_ptr<AlertmanagerProcess> process(new AlertmanagerProcess(dir));
        process->m_binary = binary;
        process->m_port = unusedLoopbackPorts(1).front();
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

Status AlertmanagerProcess::launch() {
    std::vector<std::string> args = {
        m_binary,
        "--config.file=" + (m_dir / "alertmanager.yml").string(),
        "--storage.path=" + (m_dir / "data").string(),
        "--web.listen-address=127.0.0.1:" + std::to_string(m_port),
        "--cluster.listen-address=",
        "--log.level=warn",
    };
    return m_child.launch(
        std::move(args), [this] { return loopbackHttpGet(m_port, "/-/ready", 1s).status == 200; },
        30s);
}

AlertmanagerProcess::AlertmanagerProcess(const std::filesystem::path &dir)
    : m_dir(dir)
    , m_child("alertmanager", dir / "alertmanager.log") {}

AlertmanagerProcess::~AlertmanagerProcess() = default;

Status AlertmanagerProcess::restart() {
    if (m_child.running()) {
        return failedPrecondition("alertmanager still runs");
    }
    return launch();
}

std::string AlertmanagerProcess::url() const {
    return "http://127.0.0.1:" + std::to_string(m_port);
}

void AlertmanagerProcess::kill() {
    m_child.kill();
}

std::string AlertmanagerProcess::logText() const {
    return m_child.logText();
}

} // namespace aegis::testing
