// aegisd: the Aegis control-plane daemon.

#include "common/logging.h"
#include "daemon/config_reload.h"
#include "daemon/daemon.h"
#include "daemon/library_logs.h"
#include "daemon/service_manager.h"

#include <absl/synchronization/mutex.h>
#include <boost/program_options.hpp>

#include <csignal>
#include <iostream>
#include <pthread.h>
#include <string>
#include <vector>

namespace po = boost::program_options;

namespace {

constexpr const char *kFlagsWithValues[] = {
    "data-dir",        "listen",        "http-listen",    "log-level",      "log-keys",
    "tls-cert",        "tls-key",       "tls-client-ca",  "shutdown-grace", "ready-file",
    "metrics-backend", "metrics-url",   "prometheus",     "alertmanager",   "otlp-listen",
    "xds-listen",      "store-backend", "etcd-endpoints", "etcd-prefix",    "secrets-key-file"};

void reportNotifyFailure(const aegis::Status &status) {
    if (!status.isOk()) {
        aegis::log::warn("cannot notify the service manager", {{"error", status.message()}});
    }
}

} // namespace

int main(int argc, char **argv) {
    po::options_description options(
        "Usage: aegisd [--config FILE] [flags]\n\nFlags override the config file; "
        "resources/aegisd.yaml (installed as /etc/aegis/aegisd.yaml) lists every option");
    // clang-format off
    options.add_options()
        ("help,h", "show this help")
        ("version", "print the version")
        ("config", po::value<std::string>(), "YAML configuration file (SIGHUP reads it again and applies log_level and log_keys)")
        ("data-dir", po::value<std::string>(), "data directory (default $XDG_DATA_HOME/aegis)")
        ("listen", po::value<std::string>(), "gRPC address host:port (default 127.0.0.1:7400)")
        ("http-listen", po::value<std::string>(), "HTTP address for /healthz, /readyz, /metrics (default 127.0.0.1:7401)")
        ("log-level", po::value<std::string>(), "trace|debug|info|warn|error|critical|off (default info)")
        ("log-keys", po::value<std::string>(), "aegis|zap|ecs: the standard keys of the JSON log lines (default $AEGIS_LOG_KEYS, else aegis)")
        ("shutdown-grace", po::value<std::string>(), "time in-flight calls get on shutdown (default 10s)")
        ("tls-cert", po::value<std::string>(), "server certificate chain (PEM)")
        ("tls-key", po::value<std::string>(), "server private key (PEM)")
        ("tls-client-ca", po::value<std::string>(), "require client certificates from this CA (PEM)")
        ("metrics-backend", po::value<std::string>(), "managed|external|none (default managed: run Prometheus)")
        ("metrics-url", po::value<std::string>(), "base URL of an external Prometheus-API store")
        ("prometheus", po::value<std::string>(), "the Prometheus binary a managed backend runs (default: prometheus on PATH)")
        ("alertmanager", po::value<std::string>(), "managed|external|none (default managed: run Alertmanager)")
        ("alertmanager-url", po::value<std::vector<std::string>>(), "an external Alertmanager's base URL (repeat for several)")
        ("otlp-listen", po::value<std::string>(), "OTLP/gRPC trace receiver host:port (default 127.0.0.1:4317; \"\" turns it off)")
        ("xds-listen", po::value<std::string>(), "xDS server for gRPC clients (xds:///SERVICE) host:port (default off)")
        ("trace-forward", po::value<std::vector<std::string>>(), "also send every span to this OTLP/gRPC collector host:port (repeat for several)")
        ("store-backend", po::value<std::string>(), "sqlite|etcd: where the state lives (default sqlite: a file in the data directory)")
        ("etcd-endpoints", po::value<std::string>(), "the etcd members host:port,host:port,... (store-backend etcd)")
        ("etcd-prefix", po::value<std::string>(), "the etcd key prefix of this Aegis cluster (default /aegis/)")
        ("secrets-key-file", po::value<std::string>(), "the 32-byte key sealing secret configuration, the same on every replica (store-backend etcd)")
        ("ready-file", po::value<std::string>(), "write the bound addresses as JSON here once serving (removed on shutdown)")
        ("init", "begin with an empty store although the data directory was used before: the "
                 "earlier run's admin.token, config.key and deployments are moved into a "
                 "pre-init-<time> folder there (only needed when aegis.db is missing or empty)");
    // clang-format on
    // Every line aegisd writes is JSON, including why it did not start; only what was asked for
    // (--help, --version) is plain text, on stdout.
    aegis::log::init("info");
    po::variables_map values;
    try {
        po::store(po::parse_command_line(argc, argv, options), values);
        po::notify(values);
    } catch (const po::error &error) {
        aegis::log::error("aegisd: invalid command line",
                          {{"error", error.what()}, {"hint", "aegisd --help lists the flags"}});
        return 2;
    }
    if (values.count("help")) {
        std::cout << options << "\n";
        return 0;
    }
    if (values.count("version")) {
        std::cout << "aegisd " << AEGIS_VERSION << "\n";
        return 0;
    }

    aegis::daemon::FlagValues flags;
    for (const char *flag : kFlagsWithValues) {
        if (values.count(flag)) {
            flags[flag] = values[flag].as<std::string>();
        }
    }
    // Repeated: every Alertmanager to send to.
    if (values.count("alertmanager-url")) {
        std::string urls;
        for (const std::string &url : values["alertmanager-url"].as<std::vector<std::string>>()) {
            urls += (urls.empty() ? "" : ",") + url;
        }
        flags["alertmanager-url"] = urls;
    }
    // Repeated: every OTLP collector to forward spans to.
    if (values.count("trace-forward")) {
        std::string endpoints;
        for (const std::string &endpoint : values["trace-forward"].as<std::vector<std::string>>()) {
            endpoints += (endpoints.empty() ? "" : ",") + endpoint;
        }
        flags["trace-forward"] = endpoints;
    }
    aegis::daemon::routeLibraryLogs();
    const std::string configFile = values.count("config") ? values["config"].as<std::string>() : "";
    auto config = aegis::daemon::loadConfig(configFile, flags);
    if (!config) {
        aegis::log::error("aegisd: invalid configuration", {{"error", config.status().message()}});
        return 2;
    }
    config->initialise = values.count("init") > 0;
    aegis::log::setLevel(config->logLevel);
    if (!config->logKeys.empty()) {
        aegis::log::setKeyStyle(config->logKeys);
    }
    // Debian's Abseil checks every mutex acquisition for lock-order cycles; on gRPC's hot paths
    // that costs about 7 % of a unary call. The daemon's own locking is covered by its tests.
    absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

    // Signals are taken synchronously by this thread; every other thread inherits the mask.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    // A write past a file-size limit fails (and the store reports it) instead of killing us.
    std::signal(SIGXFSZ, SIG_IGN);

    // Exit code 2 for every refusal to start: each one is the operator's to fix (a file, a port,
    // a certificate, the data directory), and the message says which.
    auto daemon = aegis::daemon::Daemon::start(std::move(*config));
    if (!daemon) {
        aegis::log::error("aegisd: could not start", {{"error", daemon.status().message()}});
        return 2;
    }
    // systemd (Type=notify) counts the service as started only now that it serves.
    reportNotifyFailure(aegis::daemon::notifyReady("serving on " + (*daemon)->grpcAddress()));
    int received = 0;
    for (;;) {
        sigwait(&signals, &received);
        if (received != SIGHUP) {
            break;
        }
        reportNotifyFailure(aegis::daemon::notifyReloading());
        auto reloaded = aegis::daemon::reloadConfig(configFile, flags);
        if (reloaded) {
            aegis::log::info(
                "configuration reloaded",
                {{"signal", "SIGHUP"},
                 {"log_level", reloaded->logLevel},
                 {"log_keys", reloaded->logKeys.empty() ? "unchanged" : reloaded->logKeys},
                 {"note", "other settings take effect at the next restart"}});
        } else {
            aegis::log::error("configuration not reloaded; the running one stays in force",
                              {{"signal", "SIGHUP"}, {"error", reloaded.status().message()}});
        }
        reportNotifyFailure(aegis::daemon::notifyReady("serving on " + (*daemon)->grpcAddress()));
    }
    aegis::log::info("signal received", {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
    reportNotifyFailure(aegis::daemon::notifyStopping());
    (*daemon)->shutdown();
    return 0;
}
