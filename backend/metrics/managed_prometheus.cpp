#include "metrics/managed_prometheus.h"

#include "metrics/supervised_child.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <mutex>
#include <optional>

namespace aegis::metrics {

using std::chrono::milliseconds;

std::string prometheusDuration(milliseconds duration) {
    const auto count = duration.count();
    if (count > 0 && count % 3600000 == 0) {
        return std::to_string(count / 3600000) + "h";
    }
    if (count > 0 && count % 60000 == 0) {
        return std::to_string(count / 60000) + "m";
    }
    if (count % 1000 == 0) {
        return std::to_string(count / 1000) + "s";
    }
    return std::to_string(count) + "ms";
}

std::string managedPrometheusConfig(const ManagedPrometheusOptions &options) {
    // A JSON string is a valid YAML double-quoted scalar.
    const auto quoted = [](const std::string &text) { return nlohmann::json(text).dump(); };
    const std::string interval = prometheusDuration(options.settings.scrapeInterval);
    return "# Written by aegisd each time it starts its managed Prometheus; edits are lost.\n"
           "global:\n"
           "  scrape_interval: " +
           interval +
           "\n"
           "  evaluation_interval: " +
           interval +
           "\n"
           "scrape_configs:\n"
           "  # Every registered instance with metrics_path in its metadata, and aegisd itself.\n"
           "  - job_name: aegis\n"
           "    http_sd_configs:\n"
           "      - url: " +
           quoted(options.discoveryUrl) +
           "\n"
           "        refresh_interval: " +
           prometheusDuration(options.discoveryRefresh) +
           "\n"
           "        authorization:\n"
           "          type: Bearer\n"
           "          credentials_file: " +
           quoted(options.discoveryTokenFile.string()) + "\n";
}

class ManagedPrometheus::Supervisor {
public:
    Supervisor(boost::asio::any_io_executor executor, ManagedPrometheusOptions options)
        : m_executor(std::move(executor))
        , m_options(std::move(options)) {
        if (!m_options.clock) {
            m_options.clock = std::make_shared<SystemClock>();
        }
        m_since = m_options.clock->now();
    }

    Status prepare() {
        std::lock_guard lock(m_mutex);
        return prepareLocked();
    }

    Status start() {
        std::lock_guard lock(m_mutex);
        if (m_running) {
            return Status::ok();
        }
        if (Status prepared = prepareLocked(); !prepared.isOk()) {
            return prepared;
        }

        std::error_code error;
        const auto config = m_options.directory / "prometheus.yml";
        const auto temporary = config.string() + ".tmp";
        {
            std::ofstream out(temporary, std::ios::trunc);
            out << managedPrometheusConfig(m_options);
            if (!out) {
                return failedPrecondition("metrics: cannot write " + temporary);
            }
        }
        std::filesystem::rename(temporary, config, error);
        if (error) {
            return failedPrecondition("metrics: cannot write " + config.string() + ": " +
                                      error.message());
        }

        SupervisedChildOptions child;
        child.name = "prometheus";
        child.binary = m_options.settings.prometheusBinary;
        child.searchPath = m_options.searchPath;
        child.binaryOption = "metrics.managed.binary";
        child.missingHint = "install Debian's prometheus or set metrics.backend";
        child.arguments = {"--config.file=" + config.string(),
                           "--storage.tsdb.path=" + (m_options.directory / "data").string(),
                           "--storage.tsdb.retention.time=" +
                               prometheusDuration(m_options.settings.retentionTime),
                           "--web.listen-address=" + m_listen->hostPort, "--web.enable-lifecycle"};
        if (!m_options.settings.retentionSize.empty()) {
            child.arguments.push_back("--storage.tsdb.retention.size=" +
                                      m_options.settings.retentionSize);
        }
        child.directory = m_options.directory;
        child.listen = *m_listen;
        child.restartBackoff = m_options.restartBackoff;
        child.stableAfter = m_options.stableAfter;
        child.readyPoll = m_options.readyPoll;
        child.stopGrace = m_options.stopGrace;
        child.clock = m_options.clock;
        // A child of an earlier start() (an earlier term of leadership) is stopped: a new one,
        // with a fresh backoff and restart count, takes over its port and data.
        m_child = std::make_shared<SupervisedChild>(m_executor, std::move(child));
        m_child->start();
        m_running = true;
        return Status::ok();
    }

    void stop() {
        std::shared_ptr<SupervisedChild> child;
        {
            std::lock_guard lock(m_mutex);
            child = m_child;
            m_running = false;
        }
        // Blocks until the child is gone; status() answers meanwhile.
        if (child) {
            child->stop();
        }
    }

    BackendStatus status() const {
        std::lock_guard lock(m_mutex);
        BackendStatus status;
        status.mode = BackendMode::Managed;
        status.url = m_url;
        status.scrapeInterval = m_options.settings.scrapeInterval;
        if (!m_child) {
            status.state = BackendState::Starting;
            status.detail = "starting";
            status.since = m_since;
            return status;
        }
        const ChildStatus child = m_child->status();
        status.state = child.state == ChildState::Ready  ? BackendState::Ready
                       : child.state == ChildState::Down ? BackendState::Down
                                                         : BackendState::Starting;
        status.detail = child.detail;
        status.restarts = child.restarts;
        status.since = child.since;
        return status;
    }

    std::string url() const {
        std::lock_guard lock(m_mutex);
        return m_url;
    }

private:
    mutable std::mutex m_mutex;
    boost::asio::any_io_executor m_executor;
    ManagedPrometheusOptions m_options;
    std::string m_url;
    std::chrono::system_clock::time_point m_since;
    std::optional<ListenAddress> m_listen;
    std::shared_ptr<SupervisedChild> m_child;
    bool m_running = false;

    // The data directory and the port, once: the URL stays the same for every start.
    Status prepareLocked() {
        if (m_listen) {
            return Status::ok();
        }
        auto listen =
            prepareManagedChild(m_options.directory, "metrics", m_options.settings.managedListen,
                                "metrics.managed.listen");
        if (!listen) {
            return listen.status();
        }
        m_url = listen->url;
        m_listen = std::move(*listen);
        return Status::ok();
    }
};

ManagedPrometheus::ManagedPrometheus(boost::asio::any_io_executor executor,
                                     ManagedPrometheusOptions options)
    : m_supervisor(std::make_shared<Supervisor>(std::move(executor), std::move(options))) {}

ManagedPrometheus::~ManagedPrometheus() {
    stop();
}

Status ManagedPrometheus::prepare() {
    return m_supervisor->prepare();
}

Status ManagedPrometheus::start() {
    return m_supervisor->start();
}

void ManagedPrometheus::stop() {
    m_supervisor->stop();
}

BackendStatus ManagedPrometheus::status() const {
    return m_supervisor->status();
}

std::string ManagedPrometheus::url() const {
    return m_supervisor->url();
}

} // namespace aegis::metrics
