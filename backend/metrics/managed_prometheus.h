#pragma once

#include "common/backoff.h"
#include "common/clock.h"
#include "common/status.h"
#include "metrics/backend_status.h"
#include "metrics/metrics_settings.h"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

namespace aegis::metrics {

struct ManagedPrometheusOptions {
    // scrape interval, binary, listen address and retention.
    MetricsSettings settings;
    // <data_dir>/prometheus: prometheus.yml, prometheus.log and the samples (data/).
    std::filesystem::path directory;
    // Where Prometheus discovers its targets (http://<aegisd's HTTP address>/sd/prometheus) and
    // the file holding the bearer token it sends there.
    std::string discoveryUrl;
    std::filesystem::path discoveryTokenFile;
    // How often Prometheus asks for targets: a new instance is scraped within this plus one
    // scrape interval.
    std::chrono::milliseconds discoveryRefresh{2000};
    // Delays between restarts of a child that died (or cannot start); back to the first delay once
    // a child ran for `stableAfter`.
    BackoffOptions restartBackoff{std::chrono::milliseconds(1000), std::chrono::milliseconds(30000),
                                  2.0, 0.2};
    std::chrono::milliseconds stableAfter{60000};
    // How often /-/ready is asked while starting.
    std::chrono::milliseconds readyPoll{250};
    // After SIGTERM, how long stop() waits before SIGKILL.
    std::chrono::milliseconds stopGrace{5000};
    // The PATH a bare binary name is looked up on.
    std::string searchPath;
    ClockPtr clock;
};

// Runs Prometheus as aegisd's supervised child (metrics.backend: managed): its configuration is
// generated from the options (targets from aegisd's HTTP service discovery), it listens on a
// loopback port, is polled on /-/ready, restarted with backoff whenever it dies, and stopped by
// stop(). The child gets SIGKILL if aegisd dies, so it is never orphaned. A missing binary does
// not stop aegisd: status() says Down and why, and the binary is looked for again at each retry.
//
// Thread-safe. Its work runs on `executor`, whose threads must live as long as the child may
// (the parent-death signal follows the thread that started the child).
class ManagedPrometheus {
public:
    ManagedPrometheus(boost::asio::any_io_executor executor, ManagedPrometheusOptions options);
    // Stops the child.
    ~ManagedPrometheus();
    ManagedPrometheus(const ManagedPrometheus &) = delete;
    ManagedPrometheus &operator=(const ManagedPrometheus &) = delete;

    // Creates the data directory and picks the port (when the listen address has port 0), once:
    // url() is known from then on and stays the same for every start(). An error when the
    // directory cannot be created or no port is free.
    Status prepare();
    // Prepares (when not done yet), writes the configuration and starts the child on the
    // executor. A missing binary is a status, not an error. Idempotent while it runs; after
    // stop() it starts a new child on the same port and data (a replica that leads again).
    Status start();
    // SIGTERM, SIGKILL after the grace, and waits for the child to be gone; no restart follows
    // until the next start(). Blocks the caller; idempotent.
    void stop();

    BackendStatus status() const;
    // The child's base URL ("http://127.0.0.1:PORT"), fixed once prepare() succeeded.
    std::string url() const;

private:
    class Supervisor;
    std::shared_ptr<Supervisor> m_supervisor;
};

// The Prometheus configuration ManagedPrometheus writes (prometheus.yml).
std::string managedPrometheusConfig(const ManagedPrometheusOptions &options);

// `duration` as Prometheus writes durations: "5s", "1500ms", "360h".
std::string prometheusDuration(std::chrono::milliseconds duration);

} // namespace aegis::metrics
