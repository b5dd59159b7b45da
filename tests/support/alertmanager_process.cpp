#include "alertmanager_process.h"

#include "http_get.h"
#include "loopback_ports.h"
#include "required_tool.h"

#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
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
        std::unique_ptr<AlertmanagerProcess> process(new AlertmanagerProcess());
        process->m_dir = dir;
        process->m_binary = binary;
        process->m_log = dir / "alertmanager.log";
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
    const int pid = fork();
    if (pid < 0) {
        return internalError("fork failed");
    }
    if (pid == 0) {
        const int fd = ::open(m_log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
        }
        close_range(3, ~0U, 0);
        std::vector<char *> argv;
        for (auto &arg : args) {
            argv.push_back(arg.data());
        }
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    m_pid = pid;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    for (;;) {
        if (waitpid(pid, nullptr, WNOHANG) == pid) {
            m_pid = -1;
            return unavailable("alertmanager exited: " + logText());
        }
        if (loopbackHttpGet(m_port, "/-/ready", 1s).status == 200) {
            return Status::ok();
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return unavailable("alertmanager did not get ready: " + logText());
        }
        std::this_thread::sleep_for(50ms);
    }
}

AlertmanagerProcess::~AlertmanagerProcess() {
    if (m_pid <= 0) {
        return;
    }
    ::kill(m_pid, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (waitpid(m_pid, nullptr, WNOHANG) != m_pid) {
        if (std::chrono::steady_clock::now() >= deadline) {
            kill();
            return;
        }
        std::this_thread::sleep_for(10ms);
    }
}

Status AlertmanagerProcess::restart() {
    if (m_pid > 0) {
        return failedPrecondition("alertmanager still runs");
    }
    return launch();
}

std::string AlertmanagerProcess::url() const {
    return "http://127.0.0.1:" + std::to_string(m_port);
}

void AlertmanagerProcess::kill() {
    if (m_pid <= 0) {
        return;
    }
    ::kill(m_pid, SIGKILL);
    waitpid(m_pid, nullptr, 0);
    m_pid = -1;
}

std::string AlertmanagerProcess::logText() const {
    std::ifstream in(m_log);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace aegis::testing
