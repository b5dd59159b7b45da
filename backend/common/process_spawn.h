#pragma once

#include "common/status.h"

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Starting, identifying and signalling the processes aegisd runs: the deploy drivers' and the
// managed metrics backend.
namespace aegis {

// Owns a file descriptor and closes it.
class OwnedFd {
public:
    OwnedFd() = default;
    explicit OwnedFd(int fd)
        : m_fd(fd) {}
    OwnedFd(OwnedFd &&other) noexcept
        : m_fd(other.release()) {}
    OwnedFd &operator=(OwnedFd &&other) noexcept {
        reset(other.release());
        return *this;
    }
    OwnedFd(const OwnedFd &) = delete;
    OwnedFd &operator=(const OwnedFd &) = delete;
    ~OwnedFd() { reset(); }

    int get() const { return m_fd; }
    bool valid() const { return m_fd >= 0; }
    int release() { return std::exchange(m_fd, -1); }
    void reset(int fd = -1);

private:
    int m_fd = -1;
};

struct SpawnRequest {
    // argv[0] is an absolute path.
    std::vector<std::string> argv;
    // The whole environment, as NAME=value entries.
    std::vector<std::string> environment;
    // Empty: the daemon's.
    std::string workingDir;
    // Becomes the process's stdout and stderr (stdin is /dev/null); -1 for /dev/null.
    int outputFd = -1;
    // The process gets SIGKILL when the thread that started it ends (PR_SET_PDEATHSIG), so a
    // child that must not outlive the daemon is not orphaned by a crash. Start such a process from
    // a thread that lives as long as the daemon.
    bool dieWithParent = false;
};

struct SpawnedProcess {
    pid_t pid = -1;
    // Readable once the process has exited; see reapProcess() and signalProcess().
    OwnedFd pidfd;
};

// Starts a process in a session of its own (so that it outlives the daemon, unless
// `dieWithParent`, and its process group, whose id is its pid, can be signalled as a whole), with
// default signal dispositions, an empty signal mask and no file descriptors inherited but 0-2. The
// caller reaps it with reapProcess().
StatusOr<SpawnedProcess> spawnProcess(const SpawnRequest &request);

// The absolute path of program `name`: itself when absolute, else the first executable file of that
// name in the directories of `searchPath` (colon-separated, like PATH). INVALID_ARGUMENT naming
// `param` when there is none, or when `name` is a relative path.
StatusOr<std::string> findExecutable(const std::string &name, std::string_view searchPath,
                                     std::string_view param);

// The daemon's environment with `overrides` set, as NAME=value entries.
std::vector<std::string> environmentWith(const std::map<std::string, std::string> &overrides);

// How a process ended.
struct ProcessExit {
    // False when the process was not a child of the daemon (adopted), so its status is unknown.
    bool known = false;
    int code = 0;
    // Non-zero when a signal ended it.
    int signal = 0;

    // "exited with code 3", "was killed by signal 9 (Killed)", "exited".
    std::string describe() const;
};

// Reaps the process of `pidfd` if it is a child of the daemon and has exited (no zombie remains);
// `known` is false otherwise.
ProcessExit reapProcess(int pidfd);

// Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. With the pid
// it names one process for good, as pids are recycled. Nullopt when there is no such process.
std::optional<std::uint64_t> processStartTime(pid_t pid);

// A pidfd for `pid` if that still is the process that started at `startTime`; invalid otherwise
// (it exited, or the pid now belongs to another process).
OwnedFd openProcess(pid_t pid, std::uint64_t startTime);

// Sends `signal` to the process of `pidfd` and then to the rest of its process group (led by
// `pid`, see spawnProcess()). False when the process has already exited.
bool signalProcessGroup(pid_t pid, int pidfd, int signal);

} // namespace aegis
