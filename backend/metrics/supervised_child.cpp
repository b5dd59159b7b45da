#include "metrics/supervised_child.h"

#include "common/duration.h"
#include "common/logging.h"
#include "common/process_spawn.h"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <fstream>
#include <mutex>

namespace aegis::metrics {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;

namespace {

constexpr std::uintmax_t kLogRotateBytes = 10 * 1024 * 1024;
constexpr milliseconds kProbeTimeout{1000};
constexpr milliseconds kKillWait{5000};

std::string timestampNow() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    ::gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

// The last line the child logged at level error, shortened; "" when there is none.
std::string lastLoggedError(const std::filesystem::path &logFile) {
    std::ifstream in(logFile, std::ios::binary);
    if (!in) {
        return {};
    }
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    const std::streamoff start = std::max<std::streamoff>(0, size - 8192);
    in.seekg(start);
    std::string tail(static_cast<std::size_t>(size - start), '\0');
    in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
    const auto found = tail.rfind("level=error");
    if (found == std::string::npos) {
        return {};
    }
    const auto lineStart = tail.rfind('\n', found);
    const auto lineEnd = tail.find('\n', found);
    std::string line =
        tail.substr(lineStart == std::string::npos ? 0 : lineStart + 1,
                    lineEnd == std::string::npos ? std::string::npos : lineEnd - lineStart - 1);
    if (line.size() > 300) {
        line = line.substr(0, 300) + "...";
    }
    return line;
}

std::string unbracketed(const std::string &host) {
    return host.size() > 2 && host.front() == '[' && host.back() == ']'
               ? host.substr(1, host.size() - 2)
               : host;
}

bool waitForExit(int pidfd, milliseconds timeout) {
    pollfd entry{pidfd, POLLIN, 0};
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left =
            std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
        const int ready = ::poll(&entry, 1, static_cast<int>(std::max<long>(0, left.count())));
        if (ready > 0) {
            return true;
        }
        if (ready == 0 || errno != EINTR) {
            return false;
        }
    }
}

} // namespace

StatusOr<ListenAddress> prepareManagedChild(const std::filesystem::path &directory,
                                            std::string_view area, const std::string &hostPort,
                                            std::string_view option) {
    std::error_code error;
    std::filesystem::create_directories(directory / "data", error);
    if (error) {
        return failedPrecondition(std::string(area) + ": cannot create " +
                                  (directory / "data").string() + ": " + error.message());
    }
    return resolveListenAddress(hostPort, option);
}

StatusOr<ListenAddress> resolveListenAddress(const std::string &hostPort, std::string_view option) {
    const auto colon = hostPort.rfind(':');
    if (colon == std::string::npos) {
        return invalidArgument(std::string(option) + ": '" + hostPort + "' must be HOST:PORT");
    }
    const std::string host = hostPort.substr(0, colon);
    unsigned short port = 0;
    try {
        port = static_cast<unsigned short>(std::stoi(hostPort.substr(colon + 1)));
    } catch (const std::exception &) {
        return invalidArgument(std::string(option) + ": '" + hostPort + "' has no port number");
    }
    boost::system::error_code bad;
    const auto address = asio::ip::make_address(unbracketed(host), bad);
    if (bad) {
        return invalidArgument(std::string(option) + ": '" + host +
                               "' must be an IP address (loopback)");
    }
    if (port == 0) {
        asio::io_context io;
        tcp::acceptor probe(io);
        probe.open(address.is_v6() ? tcp::v6() : tcp::v4(), bad);
        if (!bad) {
            probe.bind({address, 0}, bad);
        }
        if (bad) {
            return unavailable(std::string(option) + ": no free port on " + host + ": " +
                               bad.message());
        }
        port = probe.local_endpoint().port();
    }
    ListenAddress listen;
    listen.endpoint = {address, port};
    listen.hostPort = host + ":" + std::to_string(port);
    listen.url = "http://" + listen.hostPort;
    return listen;
}

class SupervisedChild::Supervisor : public std::enable_shared_from_this<Supervisor> {
public:
    Supervisor(asio::any_io_executor executor, SupervisedChildOptions options)
        : m_executor(std::move(executor))
        , m_options(std::move(options))
        , m_backoff(m_options.restartBackoff)
        , m_restartTimer(m_executor)
        , m_readyTimer(m_executor) {
        if (!m_options.clock) {
            m_options.clock = std::make_shared<SystemClock>();
        }
        m_since = m_options.clock->now();
    }

    void startOnExecutor() {
        asio::post(m_executor, [self = shared_from_this()] {
            std::lock_guard lock(self->m_mutex);
            self->launch();
        });
    }

    void stop() {
        std::unique_lock lock(m_mutex);
        if (m_stopping) {
            return;
        }
        m_stopping = true;
        m_restartTimer.cancel();
        m_readyTimer.cancel();
        if (!m_pidfd) {
            setState(ChildState::Down, "stopped");
            return;
        }
        // Ends the exit watch: from here on only this thread waits for the child.
        OwnedFd pidfd(m_pidfd->release());
        m_pidfd.reset();
        const pid_t pid = m_pid;
        lock.unlock();

        const std::string &name = m_options.name;
        log::info("stopping " + name, {{"pid", pid}});
        signalProcessGroup(pid, pidfd.get(), SIGTERM);
        if (!waitForExit(pidfd.get(), m_options.stopGrace)) {
            log::warn(name + " did not stop in time: SIGKILL",
                      {{"pid", pid}, {"grace_ms", m_options.stopGrace.count()}});
            signalProcessGroup(pid, pidfd.get(), SIGKILL);
            waitForExit(pidfd.get(), kKillWait);
        }
        const ProcessExit exit = reapProcess(pidfd.get());
        log::info(name + " stopped", {{"pid", pid}, {"exit", exit.describe()}});
        lock.lock();
        m_pid = 0;
        setState(ChildState::Down, "stopped");
    }

    ChildStatus status() const {
        std::lock_guard lock(m_mutex);
        return {m_state, m_detail, m_restarts, m_since};
    }

    int pid() const {
        std::lock_guard lock(m_mutex);
        return m_pidfd ? m_pid : 0;
    }

private:
    void setState(ChildState state, std::string detail) {
        if (state != m_state) {
            m_since = m_options.clock->now();
        }
        m_state = state;
        m_detail = std::move(detail);
    }

    std::filesystem::path logFile() const {
        return m_options.directory / (m_options.name + ".log");
    }

    // Starts the child, or schedules the next attempt saying why it could not. Under the lock.
    void launch() {
        if (m_stopping || m_pidfd) {
            return;
        }
        const std::string name = m_options.binary.string();
        auto binary = findExecutable(name, m_options.searchPath, m_options.binaryOption);
        if (!binary) {
            retryLater(name.find('/') == std::string::npos
                           ? name + " not found on PATH; " + m_options.missingHint
                           : binary.status().message());
            return;
        }
        const auto log = logFile();
        std::error_code error;
        if (std::filesystem::file_size(log, error) > kLogRotateBytes && !error) {
            std::filesystem::rename(log, log.string() + ".1", error);
        }
        OwnedFd output(::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
        if (!output.valid()) {
            retryLater("cannot open " + log.string() + ": " + std::strerror(errno));
            return;
        }
        SpawnRequest request;
        request.argv = {*binary};
        request.argv.insert(request.argv.end(), m_options.arguments.begin(),
                            m_options.arguments.end());
        request.environment = environmentWith({});
        request.workingDir = m_options.directory.string();
        request.outputFd = output.get();
        request.dieWithParent = true;
        const std::string banner = "--- " + timestampNow() + " aegisd starts " + m_options.name +
                                   " on " + m_options.listen.hostPort + "\n";
        [[maybe_unused]] const auto written = ::write(output.get(), banner.data(), banner.size());
        auto spawned = spawnProcess(request);
        if (!spawned) {
            retryLater(spawned.status().message());
            return;
        }
        if (std::exchange(m_spawnedBefore, true)) {
            ++m_restarts;
        }
        m_pid = spawned->pid;
        m_pidfd =
            std::make_unique<asio::posix::stream_descriptor>(m_executor, spawned->pidfd.release());
        m_startedAt = std::chrono::steady_clock::now();
        const std::uint64_t generation = ++m_generation;
        setState(ChildState::Starting, "waiting for " + m_options.listen.url + m_options.readyPath +
                                           " (pid " + std::to_string(m_pid) + ")");
        log::info(m_options.name + " started",
                  {{"pid", m_pid}, {"url", m_options.listen.url}, {"log", log.string()}});
        m_pidfd->async_wait(asio::posix::descriptor_base::wait_read,
                            [self = shared_from_this(), generation](boost::system::error_code e) {
                                self->onExit(generation, e);
                            });
        pollReady(generation);
    }

    void retryLater(const std::string &why) {
        const milliseconds delay = m_backoff.next();
        setState(ChildState::Down, why + "; trying again in " + formatDuration(delay));
        log::warn(m_options.name + " cannot start",
                  {{"error", why}, {"retry_in_ms", delay.count()}});
        scheduleLaunch(delay);
    }

    void scheduleLaunch(milliseconds delay) {
        m_restartTimer.expires_after(delay);
        m_restartTimer.async_wait([self = shared_from_this()](boost::system::error_code error) {
            if (error) {
                return;
            }
            std::lock_guard lock(self->m_mutex);
            self->launch();
        });
    }

    void onExit(std::uint64_t generation, boost::system::error_code error) {
        std::lock_guard lock(m_mutex);
        if (error || m_stopping || generation != m_generation || !m_pidfd) {
            return;
        }
        const ProcessExit exit = reapProcess(m_pidfd->native_handle());
        m_pidfd.reset();
        m_readyTimer.cancel();
        const auto ranFor = std::chrono::duration_cast<milliseconds>(
            std::chrono::steady_clock::now() - m_startedAt);
        if (ranFor >= m_options.stableAfter) {
            m_backoff.reset();
        }
        std::string why = m_options.name + " (pid " + std::to_string(m_pid) + ") " +
                          exit.describe() + " after " + formatDuration(ranFor);
        if (const std::string logged = lastLoggedError(logFile()); !logged.empty()) {
            why += " (" + logged + ")";
        }
        m_pid = 0;
        const milliseconds delay = m_backoff.next();
        setState(ChildState::Down, why + "; restarting in " + formatDuration(delay));
        log::warn(m_options.name + " exited", {{"reason", why}, {"restart_in_ms", delay.count()}});
        scheduleLaunch(delay);
    }

    // Asks the ready path after readyPoll, again and again until it answers 200.
    void pollReady(std::uint64_t generation) {
        m_readyTimer.expires_after(m_options.readyPoll);
        m_readyTimer.async_wait(
            [self = shared_from_this(), generation](boost::system::error_code error) {
                if (!error) {
                    self->probeReady(generation);
                }
            });
    }

    struct Probe {
        explicit Probe(const asio::any_io_executor &executor)
            : stream(executor) {}
        beast::tcp_stream stream;
        http::request<http::empty_body> request;
        beast::flat_buffer buffer;
        http::response<http::string_body> response;
    };

    void probeReady(std::uint64_t generation) {
        auto probe = std::make_shared<Probe>(m_executor);
        probe->request = {http::verb::get, m_options.readyPath, 11};
        probe->request.set(http::field::host, m_options.listen.hostPort);
        probe->stream.expires_after(kProbeTimeout);
        auto self = shared_from_this();
        auto finished = [self, probe, generation](bool ready) {
            beast::error_code ignored;
            probe->stream.socket().close(ignored);
            self->onProbe(generation, ready);
        };
        probe->stream.async_connect(
            m_options.listen.endpoint, [probe, finished](beast::error_code error) {
                if (error) {
                    return finished(false);
                }
                http::async_write(
                    probe->stream, probe->request,
                    [probe, finished](beast::error_code error, std::size_t) {
                        if (error) {
                            return finished(false);
                        }
                        http::async_read(probe->stream, probe->buffer, probe->response,
                                         [probe, finished](beast::error_code error, std::size_t) {
                                             finished(!error &&
                                                      probe->response.result() == http::status::ok);
                                         });
                    });
            });
    }

    void onProbe(std::uint64_t generation, bool ready) {
        {
            std::lock_guard lock(m_mutex);
            if (m_stopping || generation != m_generation || !m_pidfd) {
                return;
            }
            if (!ready) {
                pollReady(generation);
                return;
            }
            setState(ChildState::Ready, {});
            log::info(m_options.name + " ready", {{"pid", m_pid}, {"url", m_options.listen.url}});
        }
        if (m_options.onReady) {
            m_options.onReady();
        }
    }

    mutable std::mutex m_mutex;
    asio::any_io_executor m_executor;
    SupervisedChildOptions m_options;
    ExponentialBackoff m_backoff;
    asio::steady_timer m_restartTimer;
    asio::steady_timer m_readyTimer;

    std::unique_ptr<asio::posix::stream_descriptor> m_pidfd;
    pid_t m_pid = 0;
    std::chrono::steady_clock::time_point m_startedAt;
    // Tells a late exit watch or readiness answer from one of the current child.
    std::uint64_t m_generation = 0;
    bool m_spawnedBefore = false;
    bool m_stopping = false;

    ChildState m_state = ChildState::Starting;
    std::string m_detail = "starting";
    std::int64_t m_restarts = 0;
    std::chrono::system_clock::time_point m_since;
};

SupervisedChild::SupervisedChild(asio::any_io_executor executor, SupervisedChildOptions options)
    : m_supervisor(std::make_shared<Supervisor>(std::move(executor), std::move(options))) {}

SupervisedChild::~SupervisedChild() {
    stop();
}

void SupervisedChild::start() {
    m_supervisor->startOnExecutor();
}

void SupervisedChild::stop() {
    m_supervisor->stop();
}

ChildStatus SupervisedChild::status() const {
    return m_supervisor->status();
}

int SupervisedChild::pid() const {
    return m_supervisor->pid();
}

} // namespace aegis::metrics
