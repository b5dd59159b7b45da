#include "common/process_spawn.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <spawn.h>
#include <sstream>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace aegis {

void OwnedFd::reset(int fd) {
    if (m_fd >= 0) {
        ::close(m_fd);
    }
    m_fd = fd;
}

namespace {

// Through syscall(): glibc 2.36's <sys/pidfd.h> declares its wrappers without C linkage.
int pidfdOpen(pid_t pid) {
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

int pidfdSendSignal(int pidfd, int signal) {
    return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0));
}

std::string errnoText(int error) {
    return std::strerror(error);
}

// posix_spawn's attribute and file-action objects, destroyed on every path.
struct SpawnSetup {
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_t actions;
    SpawnSetup() {
        posix_spawnattr_init(&attributes);
        posix_spawn_file_actions_init(&actions);
    }
    ~SpawnSetup() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attributes);
    }
    SpawnSetup(const SpawnSetup &) = delete;
    SpawnSetup &operator=(const SpawnSetup &) = delete;
};

int posixSpawn(const SpawnRequest &request, char *const argv[], char *const envp[], pid_t &pid) {
    SpawnSetup setup;
    sigset_t all;
    sigfillset(&all);
    sigset_t none;
    sigemptyset(&none);
    // Dispositions the daemon ignores (SIGPIPE, ...) would otherwise be inherited.
    posix_spawnattr_setsigdefault(&setup.attributes, &all);
    posix_spawnattr_setsigmask(&setup.attributes, &none);
    posix_spawnattr_setflags(&setup.attributes,
                             POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    if (request.outputFd >= 0) {
        posix_spawn_file_actions_adddup2(&setup.actions, request.outputFd, STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&setup.actions, request.outputFd, STDERR_FILENO);
    } else {
        posix_spawn_file_actions_addopen(&setup.actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_adddup2(&setup.actions, STDOUT_FILENO, STDERR_FILENO);
    }
    posix_spawn_file_actions_addclosefrom_np(&setup.actions, STDERR_FILENO + 1);
    if (!request.workingDir.empty()) {
        posix_spawn_file_actions_addchdir_np(&setup.actions, request.workingDir.c_str());
    }

    return posix_spawn(&pid, argv[0], &setup.actions, &setup.attributes, argv, envp);
}

// What posix_spawn() does for spawnProcess(), by hand, plus PR_SET_PDEATHSIG, which posix_spawn
// cannot set. Between fork() and exec the child calls only async-signal-safe functions; an exec
// failure reaches the parent as the errno written to a close-on-exec pipe. Returns the pid, or -1
// with the error in `error`.
pid_t forkDyingWithParent(const SpawnRequest &request, char *const argv[], char *const envp[],
                          int &error) {
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) {
        error = errno;
        return -1;
    }
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
        error = errno;
        ::close(report[0]);
        ::close(report[1]);
        return -1;
    }
    if (pid == 0) {
        auto fail = [&](int code) {
            [[maybe_unused]] const auto written = ::write(report[1], &code, sizeof code);
            ::_exit(127);
        };
        if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
            fail(errno);
        }
        // The parent ended before the signal was armed.
        if (::getppid() != parent) {
            ::_exit(127);
        }
        ::setsid();
        for (int signal = 1; signal < NSIG; ++signal) {
            ::signal(signal, SIG_DFL);
        }
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        const int input = ::open("/dev/null", O_RDONLY);
        const int output = request.outputFd >= 0 ? request.outputFd : ::open("/dev/null", O_WRONLY);
        if (input < 0 || output < 0 || ::dup2(input, STDIN_FILENO) < 0 ||
            ::dup2(output, STDOUT_FILENO) < 0 || ::dup2(output, STDERR_FILENO) < 0) {
            fail(errno);
        }
        // Everything above 2 but the report pipe, which closes itself on exec.
        for (int fd = STDERR_FILENO + 1; fd < report[1]; ++fd) {
            ::close(fd);
        }
        ::close_range(static_cast<unsigned>(report[1]) + 1, ~0U, 0);
        if (!request.workingDir.empty() && ::chdir(request.workingDir.c_str()) != 0) {
            fail(errno);
        }
        ::execve(argv[0], argv, envp);
        fail(errno);
    }
    ::close(report[1]);
    int childError = 0;
    ssize_t got = 0;
    do {
        got = ::read(report[0], &childError, sizeof childError);
    } while (got < 0 && errno == EINTR);
    ::close(report[0]);
    if (got == static_cast<ssize_t>(sizeof childError)) {
        ::waitpid(pid, nullptr, 0);
        error = childError;
        return -1;
    }
    return pid;
}

} // namespace

StatusOr<SpawnedProcess> spawnProcess(const SpawnRequest &request) {
    if (request.argv.empty()) {
        return internalError("spawnProcess: no program given");
    }
    std::vector<char *> argv;
    for (const auto &arg : request.argv) {
        argv.push_back(const_cast<char *>(arg.c_str()));
    }
    argv.push_back(nullptr);
    std::vector<char *> envp;
    for (const auto &entry : request.environment) {
        envp.push_back(const_cast<char *>(entry.c_str()));
    }
    envp.push_back(nullptr);

    pid_t pid = -1;
    int error = 0;
    if (request.dieWithParent) {
        pid = forkDyingWithParent(request, argv.data(), envp.data(), error);
    } else {
        error = posixSpawn(request, argv.data(), envp.data(), pid);
    }
    if (error != 0) {
        std::string what = "cannot start " + request.argv[0];
        if (!request.workingDir.empty()) {
            what += " in " + request.workingDir;
        }
        return failedPrecondition(what + ": " + errnoText(error));
    }
    // The child is not reaped before we do, so its pid cannot have been recycled yet.
    OwnedFd pidfd(pidfdOpen(pid));
    if (!pidfd.valid()) {
        const int openError = errno;
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        return internalError("pidfd_open for a new process failed: " + errnoText(openError));
    }
    return SpawnedProcess{pid, std::move(pidfd)};
}

StatusOr<std::string> findExecutable(const std::string &name, std::string_view searchPath,
                                     std::string_view param) {
    const auto isExecutableFile = [](const std::string &path) {
        struct stat info {};
        return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
               ::access(path.c_str(), X_OK) == 0;
    };
    if (!name.empty() && name.front() == '/') {
        if (!isExecutableFile(name)) {
            return invalidArgument(std::string(param) + ": '" + name +
                                   "' is not an executable file");
        }
        return name;
    }
    if (name.empty() || name.find('/') != std::string::npos) {
        return invalidArgument(std::string(param) + ": the program '" + name +
                               "' must be an absolute path or a name looked up on PATH");
    }
    std::size_t start = 0;
    while (start <= searchPath.size()) {
        std::size_t end = searchPath.find(':', start);
        if (end == std::string_view::npos) {
            end = searchPath.size();
        }
        const std::string_view dir = searchPath.substr(start, end - start);
        // An empty entry means the current directory, which a daemon must not depend on.
        if (!dir.empty() && dir.front() == '/') {
            std::string candidate(dir);
            candidate += '/';
            candidate += name;
            if (isExecutableFile(candidate)) {
                return candidate;
            }
        }
        start = end + 1;
    }
    return invalidArgument(std::string(param) + ": program '" + name + "' not found on PATH (" +
                           std::string(searchPath.substr(0, 200)) + ")");
}

std::vector<std::string> environmentWith(const std::map<std::string, std::string> &overrides) {
    std::vector<std::string> entries;
    for (char **entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        const std::string_view text(*entry);
        const auto equals = text.find('=');
        if (equals == std::string_view::npos ||
            overrides.count(std::string(text.substr(0, equals))) == 0) {
            entries.emplace_back(text);
        }
    }
    for (const auto &[name, value] : overrides) {
        entries.push_back(name + "=" + value);
    }
    return entries;
}

std::string ProcessExit::describe() const {
    if (!known) {
        return "exited";
    }
    if (signal != 0) {
        const char *name = ::strsignal(signal);
        return "was killed by signal " + std::to_string(signal) +
               (name != nullptr ? std::string(" (") + name + ")" : std::string());
    }
    return "exited with code " + std::to_string(code);
}

ProcessExit reapProcess(int pidfd) {
    siginfo_t info{};
    if (::waitid(P_PIDFD, static_cast<id_t>(pidfd), &info, WEXITED | WNOHANG) != 0 ||
        info.si_pid == 0) {
        return {};
    }
    ProcessExit exit;
    exit.known = true;
    if (info.si_code == CLD_EXITED) {
        exit.code = info.si_status;
    } else {
        exit.signal = info.si_status;
    }
    return exit;
}

std::optional<std::uint64_t> processStartTime(pid_t pid) {
    if (pid <= 0) {
        return std::nullopt;
    }
    std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
    std::stringstream content;
    content << file.rdbuf();
    const std::string stat = content.str();
    // Field 2, the command name, is in parentheses and may itself contain blanks and ')'.
    const auto nameEnd = stat.rfind(')');
    if (!file || nameEnd == std::string::npos) {
        return std::nullopt;
    }
    std::istringstream fields(stat.substr(nameEnd + 1));
    std::string field;
    // Fields 3 (state) to 21, then 22 (starttime).
    for (int i = 3; i <= 21; ++i) {
        if (!(fields >> field)) {
            return std::nullopt;
        }
    }
    std::uint64_t startTime = 0;
    if (!(fields >> startTime)) {
        return std::nullopt;
    }
    return startTime;
}

OwnedFd openProcess(pid_t pid, std::uint64_t startTime) {
    if (pid <= 0) {
        return {};
    }
    OwnedFd pidfd(pidfdOpen(pid));
    // Checked after opening: the pidfd then refers to whatever process had the pid when the start
    // time matched, which is ours.
    if (!pidfd.valid() || processStartTime(pid) != startTime) {
        return {};
    }
    return pidfd;
}

bool signalProcessGroup(pid_t pid, int pidfd, int signal) {
    if (pidfdSendSignal(pidfd, signal) != 0) {
        return false;
    }
    // The leader was alive a moment ago, so the group id is still its own.
    ::kill(-pid, signal);
    return true;
}

} // namespace aegis
