#include "haproxy_process.h"

#include <arpa/inet.h>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
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

StatusOr<std::unique_ptr<HaproxyProcess>> HaproxyProcess::start(const std::filesystem::path &config,
                                                                const std::filesystem::path &log,
                                                                const std::string &adminSocket,
                                                                std::uint16_t port,
                                                                std::chrono::milliseconds timeout) {
    std::unique_ptr<HaproxyProcess> process(new HaproxyProcess());
    process->m_log = log;
    const int pid = fork();
    if (pid < 0) {
        return internalError("fork failed");
    }
    if (pid == 0) {
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
        }
        // None of the caller's sockets (a test's servers, a benchmark's backends) goes with it.
        close_range(3, ~0U, 0);
        execl(kBinary, kBinary, "-f", config.c_str(), "-db", static_cast<char *>(nullptr));
        _exit(127);
    }
    process->m_pid = pid;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            process->m_pid = -1;
            return unavailable("haproxy exited: " + process->logText());
        }
        if (acceptsUnix(adminSocket) && acceptsLoopback(port)) {
            return process;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return unavailable("haproxy did not start: " + process->logText());
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
