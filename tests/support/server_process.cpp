#include "server_process.h"

#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace aegis::testing {

using namespace std::chrono_literals;

ServerProcess::ServerProcess(std::string name, std::filesystem::path log)
    : m_name(std::move(name))
    , m_log(std::move(log)) {}

ServerProcess::~ServerProcess() {
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

Status ServerProcess::launch(std::vector<std::string> args, const std::function<bool()> &ready,
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
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (waitpid(pid, nullptr, WNOHANG) == pid) {
            m_pid = -1;
            return unavailable(m_name + " exited: " + logText());
        }
        if (ready()) {
            return Status::ok();
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return unavailable(m_name + " did not get ready: " + logText());
        }
        std::this_thread::sleep_for(50ms);
    }
}

void ServerProcess::kill() {
    if (m_pid <= 0) {
        return;
    }
    ::kill(m_pid, SIGKILL);
    waitpid(m_pid, nullptr, 0);
    m_pid = -1;
}

std::string ServerProcess::logText() const {
    std::ifstream in(m_log);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace aegis::testing
