#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace aegis::testing {

// A program running in the background while a test drives it: its stdout and stderr go to files
// (it inherits no other descriptor of the parent but stdin), it can be signalled and waited for.
// The destructor kills it (SIGKILL) if it still runs.
class ChildProcess {
public:
    // nullptr when it cannot be started (argv[0] must be a path).
    static std::unique_ptr<ChildProcess> start(std::vector<std::string> argv,
                                               const std::filesystem::path &stdoutFile,
                                               const std::filesystem::path &stderrFile);
    ~ChildProcess();
    ChildProcess(const ChildProcess &) = delete;
    ChildProcess &operator=(const ChildProcess &) = delete;

    void signal(int signal);
    // The exit code, or -N when killed by signal N; nullopt when it still runs after `timeout`.
    std::optional<int> wait(std::chrono::milliseconds timeout);
    bool running() const { return m_pid > 0; }
    int pid() const { return m_pid; }

private:
    explicit ChildProcess(int pid)
        : m_pid(pid) {}
    int m_pid;
};

// The whole content of a file; empty when it cannot be read.
std::string readFile(const std::filesystem::path &path);

} // namespace aegis::testing
