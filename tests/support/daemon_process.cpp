#include "daemon_process.h"

#include "http_get.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <poll.h>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace aegis::testing {
namespace {

using namespace std::chrono_literals;

// Waits for `pid` up to `timeout`; returns the raw wait status, or nullopt on timeout.
std::optional<int> waitFor(int pid, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        const int rc = waitpid(pid, &status, WNOHANG);
        if (rc == pid) {
            return status;
        }
        if (rc < 0 || std::chrono::steady_clock::now() >= deadline) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(10ms);
    }
}

std::vector<char *> toArgv(std::vector<std::string> &args) {
    std::vector<char *> argv;
    for (auto &arg : args) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    return argv;
}

} // namespace

TempDir::TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "aegis-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
        std::abort();
    }
    m_path = pattern;
}

TempDir::~TempDir() {
    // AEGIS_KEEP_TEST_DIRS=1 keeps data directories and daemon logs for a post-mortem.
    if (const char *keep = std::getenv("AEGIS_KEEP_TEST_DIRS"); keep && *keep == '1') {
        return;
    }
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
}

StatusOr<std::unique_ptr<DaemonProcess>> DaemonProcess::start(DaemonOptions options) {
    std::unique_ptr<DaemonProcess> daemon(new DaemonProcess());
    if (options.dataDir.empty()) {
        daemon->m_ownedDir = std::make_unique<TempDir>();
        options.dataDir = daemon->m_ownedDir->path() / "data";
    }
    daemon->m_dataDir = options.dataDir;
    std::filesystem::create_directories(options.dataDir);
    daemon->m_logFile = options.logFile.empty() ? options.dataDir / "aegisd.log" : options.logFile;
    const auto readyFile = options.dataDir / "ready.json";
    std::filesystem::remove(readyFile);

    const std::string grpcListen =
        options.grpcListen.empty() ? std::string("127.0.0.1:0") : options.grpcListen;
    std::vector<std::string> args = {AEGISD_PATH,   "--data-dir",   options.dataDir.string(),
                                     "--listen",    grpcListen,     "--http-listen",
                                     "127.0.0.1:0", "--ready-file", readyFile.string()};
    // A test that is not about metrics does not start a Prometheus of its own.
    const bool choosesMetrics =
        std::find_if(options.extraArgs.begin(), options.extraArgs.end(), [](const auto &arg) {
            return arg.rfind("--metrics-backend", 0) == 0;
        }) != options.extraArgs.end();
    if (!choosesMetrics) {
        args.insert(args.end(), {"--metrics-backend", "none"});
    }
    // Nor an Alertmanager.
    const bool choosesAlertmanager =
        std::find_if(options.extraArgs.begin(), options.extraArgs.end(), [](const auto &arg) {
            return arg == "--alertmanager" || arg.rfind("--alertmanager=", 0) == 0;
        }) != options.extraArgs.end();
    if (!choosesAlertmanager) {
        args.insert(args.end(), {"--alertmanager", "none"});
    }
    // And its OTLP receiver on a port of its own rather than the well-known 4317.
    const bool choosesOtlp =
        std::find_if(options.extraArgs.begin(), options.extraArgs.end(), [](const auto &arg) {
            return arg.rfind("--otlp-listen", 0) == 0;
        }) != options.extraArgs.end();
    if (!choosesOtlp) {
        args.insert(args.end(), {"--otlp-listen", "127.0.0.1:0"});
    }
    args.insert(args.end(), options.extraArgs.begin(), options.extraArgs.end());

    const int pid = fork();
    if (pid < 0) {
        return internalError("fork failed");
    }
    if (pid == 0) {
        const int log = ::open(daemon->m_logFile.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (log >= 0) {
            dup2(log, STDERR_FILENO);
            dup2(log, STDOUT_FILENO);
        }
        auto argv = toArgv(args);
        execv(argv[0], argv.data());
        _exit(127);
    }
    daemon->m_pid = pid;

    const auto deadline = std::chrono::steady_clock::now() + options.startTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            daemon->m_pid = -1;
            return unavailable("aegisd exited during start-up; see " + daemon->m_logFile.string());
        }
        std::ifstream in(readyFile);
        if (in) {
            try {
                const auto ready = nlohmann::json::parse(in);
                daemon->m_grpcAddress = ready.at("grpc").get<std::string>();
                daemon->m_httpAddress = ready.at("http").get<std::string>();
                daemon->m_otlpAddress = ready.value("otlp", std::string());
                daemon->m_xdsAddress = ready.value("xds", std::string());
                return daemon;
            } catch (const std::exception &) {
                // Partially written: the daemon renames it into place, but be tolerant.
            }
        }
        std::this_thread::sleep_for(20ms);
    }
    return Status(StatusCode::DeadlineExceeded,
                  "aegisd did not become ready; see " + daemon->m_logFile.string());
}

DaemonProcess::~DaemonProcess() {
    if (running()) {
        kill();
    }
}

std::string DaemonProcess::adminToken() const {
    auto token = client::readTokenFile(adminTokenFile());
    return token ? *token : std::string();
}

client::ConnectionOptions DaemonProcess::adminConnection() const {
    client::ConnectionOptions options;
    options.address = m_grpcAddress;
    options.token = adminToken();
    return options;
}

int DaemonProcess::terminate(std::chrono::milliseconds timeout) {
    if (!running()) {
        return -1;
    }
    ::kill(m_pid, SIGTERM);
    const auto status = waitFor(m_pid, timeout);
    if (!status) {
        kill();
        return -1;
    }
    m_pid = -1;
    return WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
}

void DaemonProcess::kill() {
    if (!running()) {
        return;
    }
    ::kill(m_pid, SIGKILL);
    waitFor(m_pid, 10s);
    m_pid = -1;
}

namespace {

// The sum of the samples on the daemon's /metrics whose line `matches`; -1 when the scrape failed,
// or when none matched and `absentIsZero` is false.
double sumOfSamples(const DaemonProcess &daemon,
                    const std::function<bool(const std::string &line)> &matches,
                    bool absentIsZero) {
    const HttpAnswer scraped = httpGet(daemon.httpAddress(), "/metrics");
    if (scraped.status != 200) {
        return -1;
    }
    double sum = 0;
    bool found = false;
    std::istringstream lines(scraped.body);
    for (std::string line; std::getline(lines, line);) {
        if (matches(line)) {
            sum += std::stod(line.substr(line.rfind(' ') + 1));
            found = true;
        }
    }
    return found || absentIsZero ? sum : -1;
}

} // namespace

double grpcStreamsOpen(const DaemonProcess &daemon, const std::string &method) {
    const std::string label = "method=\"" + method + "\"";
    return sumOfSamples(
        daemon,
        [&](const std::string &line) {
            return line.starts_with("aegis_grpc_streams_open{") &&
                   line.find(label) != std::string::npos;
        },
        true);
}

double scrapedValue(const DaemonProcess &daemon, const std::string &series) {
    return sumOfSamples(
        daemon, [&](const std::string &line) { return line.starts_with(series + " "); }, false);
}

CommandResult runCommand(const std::vector<std::string> &command,
                         std::chrono::milliseconds timeout) {
    CommandResult result;
    int outPipe[2];
    int errPipe[2];
    if (pipe(outPipe) != 0 || pipe(errPipe) != 0) {
        return result;
    }
    const int pid = fork();
    if (pid == 0) {
        dup2(outPipe[1], STDOUT_FILENO);
        dup2(errPipe[1], STDERR_FILENO);
        close(outPipe[0]);
        close(errPipe[0]);
        std::vector<std::string> args = command;
        auto argv = toArgv(args);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(outPipe[1]);
    close(errPipe[1]);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
    int open = 2;
    while (open > 0 && std::chrono::steady_clock::now() < deadline) {
        if (poll(fds, 2, 100) <= 0) {
            continue;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP))) {
                char buffer[4096];
                const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
                if (n <= 0) {
                    close(fds[i].fd);
                    fds[i].fd = -1;
                    --open;
                } else {
                    (i == 0 ? result.out : result.err).append(buffer, static_cast<size_t>(n));
                }
            }
        }
    }
    for (auto &fd : fds) {
        if (fd.fd >= 0) {
            close(fd.fd);
        }
    }
    auto status = waitFor(pid, std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::max(deadline - std::chrono::steady_clock::now(),
                                            std::chrono::steady_clock::duration(100ms))));
    if (!status) {
        ::kill(pid, SIGKILL);
        waitFor(pid, 5s);
        return result;
    }
    result.exitCode = WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
    return result;
}

} // namespace aegis::testing
