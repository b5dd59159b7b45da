#include "rollout/process_spawn.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <spawn.h>
#include <sstream>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace aegis::rollout {

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

    pid_t pid = -1;
    const int error =
        posix_spawn(&pid, argv[0], &setup.actions, &setup.attributes, argv.data(), envp.data());
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

std::map<std::string, std::string> targetEnvironment(const DeployTarget &target) {
    return {
        {"AEGIS_SERVICE", target.service},
        {"AEGIS_VERSION", target.version},
        {"AEGIS_COLOR", std::string(colorName(target.color))},
        {"AEGIS_REPLICAS", std::to_string(target.replicas)},
        {"AEGIS_ROLLOUT_ID", target.rolloutId},
    };
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

} // namespace aegis::rollout
