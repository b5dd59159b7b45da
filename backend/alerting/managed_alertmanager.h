#pragma once

#include "alerting/alerting_settings.h"
#include "common/backoff.h"
#include "common/clock.h"
#include "common/status.h"
#include "metrics/supervised_child.h"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace aegis::config {
class ConfigCenter;
}
namespace aegis::store {
class Store;
}

namespace aegis::alerting {

// The configuration a managed Alertmanager runs while the item does not exist: one route to the
// receiver "aegis-default", grouped by alertname and service (group_wait 10s, group_interval 1m,
// repeat_interval 4h), whose webhook is `webhookUrl` (send_resolved) when not empty.
std::string defaultAlertmanagerConfig(const std::string &webhookUrl);

// Checks `yaml` with the real `amtool check-config` (Debian's prometheus-alertmanager) on a
// temporary file. INVALID_ARGUMENT "alertmanager config: <amtool's reason>" when amtool refuses
// it; FAILED_PRECONDITION when amtool is missing or does not finish within 10 s. `amtool` is the
// program, looked up on PATH when a bare name.
Status validateAlertmanagerConfig(std::string_view yaml, const std::string &amtool = "amtool");

struct ManagedAlertmanagerOptions {
    // binary, managed listen address, default webhook.
    AlertingSettings settings;
    // <data_dir>/alertmanager: alertmanager.yml, alertmanager.log and its state (data/).
    std::filesystem::path directory;
    // Where the configuration item is followed (store event stream, decoded by the center). Both
    // null: the default configuration only. Not owned; they outlive the child.
    store::Store *store = nullptr;
    const config::ConfigCenter *config = nullptr;
    BackoffOptions restartBackoff{std::chrono::milliseconds(1000), std::chrono::milliseconds(30000),
                                  2.0, 0.2};
    std::chrono::milliseconds stableAfter{60000};
    std::chrono::milliseconds readyPoll{250};
    std::chrono::milliseconds stopGrace{5000};
    // The PATH a bare binary name is looked up on; the daemon's PATH when empty.
    std::string searchPath;
    ClockPtr clock;
};

struct ManagedAlertmanagerStatus {
    metrics::ChildStatus child;
    // "http://127.0.0.1:PORT", fixed once prepare() succeeded.
    std::string url;
    // The version of the configuration item written for the child (0: the default).
    std::int64_t configVersion = 0;
    // Why the child refused the last configuration it was asked to reload; "" when it took it.
    std::string configError;
};

// Runs Debian's prometheus-alertmanager as aegisd's supervised child (alerting.alertmanager:
// managed): on a loopback port, its state under <directory>/data, no cluster gossip
// (--cluster.listen-address=), restarted with backoff when it dies and killed if aegisd dies.
// Its configuration is the config item "aegis-alerting/alertmanager/config", followed through the
// store's event stream: each new version is written to alertmanager.yml and the child reloaded
// (POST /-/reload); without the item it runs defaultAlertmanagerConfig(). A restarted child reads
// the file, so it runs the latest version too.
//
// Thread-safe. Its work runs on `executor`, whose threads must live as long as the child may.
class ManagedAlertmanager {
public:
    ManagedAlertmanager(boost::asio::any_io_executor executor, ManagedAlertmanagerOptions options);
    // Stops following the item, then the child.
    ~ManagedAlertmanager();
    ManagedAlertmanager(const ManagedAlertmanager &) = delete;
    ManagedAlertmanager &operator=(const ManagedAlertmanager &) = delete;

    // Creates the state directory and picks the port, once: url() is known from then on and
    // stays the same for every start(). An error when the directory cannot be created or no port
    // is free.
    Status prepare();
    // Prepares (when not done yet), subscribes to the item, writes the configuration and starts
    // the child. A missing binary is a status, not an error. Idempotent while it runs; after
    // stop() it starts a new child on the same port and state (a replica that leads again).
    Status start();
    // Stops following the item, then the child (SIGTERM, SIGKILL after the grace); blocks;
    // idempotent.
    void stop();

    ManagedAlertmanagerStatus status() const;
    std::string url() const;
    // The child's pid, 0 when none runs (for tests that kill it).
    int pid() const;

    class Impl;

private:
    std::shared_ptr<Impl> m_impl;
};

} // namespace aegis::alerting
