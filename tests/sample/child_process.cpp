#include "child_process.h"

#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace aegis::testing {

std::unique_ptr<ChildProcess> ChildProcess::start(std::vector<std::string> args,
                                                  const std::filesystem::path &stdoutFile,
                                                  const std::filesystem::path &stderrFile) {
    std::vector<char *> argv;
    for (auto &arg : args) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    const int pid = fork();
    if (pid < 0) {
        return nullptr;
    }
    if (pid == 0) {
        const int out = ::open(stdoutFile.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        const int err = ::open(stderrFile.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (out >= 0) {
            dup2(out, STDOUT_FILENO);
        }
        if (err >= 0) {
            dup2(err, STDERR_FILENO);
        }
        // Nothing else of the parent's leaks in (sockets, pipes). wrk, for one, only polls
        // descriptors below 10 + 3 × its connections and drops the connections it gets above.
        close_range(3, ~0U, 0);
        execv(argv[0], argv.data());
        _exit(127);
    }
    return std::unique_ptr<ChildProcess>(new ChildProcess(pid));
}

ChildProcess::~ChildProcess() {
    if (running()) {
        signal(SIGKILL);
        wait(std::chrono::seconds(10));
    }
}

void ChildProcess::signal(int signal) {
    if (running()) {
        ::kill(m_pid, signal);
    }
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
    if (!running()) {
        return std::nullopt;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        const int rc = waitpid(m_pid, &status, WNOHANG);
        if (rc == m_pid) {
            m_pid = -1;
            return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
        }
        if (rc < 0 || std::chrono::steady_clock::now() >= deadline) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

std::string readFile(const std::filesystem::path &path) {
    std::ifstream in(path);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

} // namespace aegis::testing
