#include "haproxy_process.h"

#include "loopback_ports.h"

#include <algorithm>
#include <arpa/inet.h>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace aegis::testing {
namespace {

using namespace std::chrono_literals;

bool connects(int fd, const sockaddr *address, socklen_t length) {
    const bool connected = ::connect(fd, address, length) == 0;
    ::close(fd);
    return connected;
}

bool acceptsUnix(const std::string &path) {
    sockaddr_un address{};
    if (path.size() >= sizeof address.sun_path) {
        return false;
    }
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    return fd >= 0 && connects(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address);
}

bool acceptsLoopback(std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    return fd >= 0 && connects(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address);
}

bool reaped(int pid, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (waitpid(pid, nullptr, WNOHANG) != pid) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

} // namespace

StatusOr<std::unique_ptr<HaproxyProcess>> HaproxyProcess::start(const std::filesystem::path &dir,
                                                                const std::string &adminSocket,
                                                                std::size_t portCount,
                                                                const ConfigWriter &config,
                                                                std::chrono::milliseconds timeout) {
    Status lastError = internalError("haproxy was not started");
    for (int attempt = 0; attempt < kAddressInUseAttempts; ++attempt) {
        std::unique_ptr<HaproxyProcess> process(new HaproxyProcess());
        process->m_log = dir / "haproxy.log";
        process->m_ports = unusedLoopbackPorts(portCount);
        const auto configFile = dir / "haproxy.cfg";
        std::ofstream(configFile, std::ios::trunc) << config(process->m_ports);
        const std::size_t logOffset = process->logText().size();
        const Status started = process->launch(configFile, adminSocket, timeout);
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

HaproxyProcess::ConfigWriter HaproxyProcess::slottedRouterConfig(std::string adminSocket,
                                                                 std::vector<std::string> backends,
                                                                 std::vector<std::string> slots) {
    return [adminSocket = std::move(adminSocket), backends = std::move(backends),
            slots = std::move(slots)](const std::vector<std::uint16_t> &ports) {
        std::ostringstream config;
        config << "global\n"
               << "    stats socket " << adminSocket << " mode 600 level admin\n"
               << "    stats timeout 10s\n"
               << "defaults\n"
               << "    mode http\n"
               << "    timeout connect 2s\n"
               << "    timeout client 10s\n"
               << "    timeout server 10s\n";
        for (std::size_t i = 0; i < backends.size(); ++i) {
            config << "frontend " << backends[i] << "\n"
                   << "    bind 127.0.0.1:" << ports.at(i) << "\n"
                   << "    default_backend " << backends[i] << "\n"
                   << "backend " << backends[i] << "\n"
                   << "    balance roundrobin\n";
            for (const std::string &slot : slots) {
                config << "    server " << slot << " 127.0.0.1:9 disabled\n";
            }
        }
        return config.str();
    };
}

Status HaproxyProcess::launch(const std::filesystem::path &config, const std::string &adminSocket,
                              std::chrono::milliseconds timeout) {
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
        // None of the caller's sockets (a test's servers, a benchmark's backends) goes with it.
        close_range(3, ~0U, 0);
        execl(kBinary, kBinary, "-f", config.c_str(), "-db", static_cast<char *>(nullptr));
        _exit(127);
    }
    m_pid = pid;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            m_pid = -1;
            return unavailable("haproxy exited: " + logText());
        }
        if (acceptsUnix(adminSocket) &&
            std::all_of(m_ports.begin(), m_ports.end(), acceptsLoopback)) {
            return Status::ok();
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return unavailable("haproxy did not start: " + logText());
        }
        std::this_thread::sleep_for(20ms);
    }
}

HaproxyProcess::~HaproxyProcess() {
    if (m_pid <= 0) {
        return;
    }
    ::kill(m_pid, SIGTERM);
    if (!reaped(m_pid, 5s)) {
        ::kill(m_pid, SIGKILL);
        waitpid(m_pid, nullptr, 0);
    }
}

std::string HaproxyProcess::logText() const {
    std::ifstream in(m_log);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace aegis::testing
