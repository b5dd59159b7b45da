#pragma once

#include "alerting/alerting_settings.h"
#include "common/status.h"
#include "metrics/metrics_settings.h"
#include "tracing/tracing_settings.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace aegis::daemon {

// Every aegisd option. Each one can be set in the YAML file (key in brackets) and most by a flag;
// flags win. resources/aegisd.yaml documents them all with their defaults.
struct DaemonConfig {
    // [data_dir] Holds the store file and admin.token. Default $XDG_DATA_HOME/aegis.
    std::filesystem::path dataDir;
    // [listen] host:port of the gRPC API; port 0 picks a free port.
    std::string listen = "127.0.0.1:7400";
    // [xds.listen] host:port of the xDS server for gRPC clients (xds:///<service> targets);
    // port 0 picks a free port; "" (the default) turns it off. Plaintext (docs/xds.md).
    std::string xdsListen;
    // [http_listen] host:port of /healthz, /readyz and /metrics; port 0 picks a free port.
    std::string httpListen = "127.0.0.1:7401";
    // [log_level] trace, debug, info, warn, error, critical or off.
    std::string logLevel = "info";
    // [log_keys] the log lines' standard keys: aegis, zap or ecs (docs/logging.md). Empty: as the
    // environment variable AEGIS_LOG_KEYS says, else aegis.
    std::string logKeys;
    // [shutdown_grace] How long in-flight calls may run after SIGTERM.
    std::chrono::milliseconds shutdownGrace{10000};

    // [tls.cert_file] [tls.key_file] Serve TLS with this PEM certificate chain and key.
    std::filesystem::path tlsCertFile;
    std::filesystem::path tlsKeyFile;
    // [tls.client_ca_file] Require client certificates signed by this CA (mutual TLS).
    std::filesystem::path tlsClientCaFile;

    // [grpc.max_message_bytes] Largest request accepted.
    std::int64_t maxMessageBytes = 4 * 1024 * 1024;
    // [grpc.keepalive_time] [grpc.keepalive_timeout] Server-initiated HTTP/2 pings.
    std::chrono::milliseconds keepaliveTime{30000};
    std::chrono::milliseconds keepaliveTimeout{10000};

    // [store.backend] Where the state lives: "sqlite" (the file in data_dir, one daemon) or
    // "etcd" (an etcd v3 cluster that several aegisd replicas share).
    std::string storeBackend = "sqlite";
    // [store.etcd.*] The etcd backend (docs/store-and-revisions.md).
    struct Etcd {
        // [store.etcd.endpoints] host:port of each member's client URL (a list).
        std::vector<std::string> endpoints;
        // [store.etcd.ca_file] [store.etcd.cert_file] [store.etcd.key_file] TLS to etcd.
        std::filesystem::path caFile;
        std::filesystem::path certFile;
        std::filesystem::path keyFile;
        // [store.etcd.username] [store.etcd.password_file] etcd authentication.
        std::string username;
        std::filesystem::path passwordFile;
        // [store.etcd.prefix] Every key of this Aegis cluster lives under it.
        std::string prefix = "/aegis/";
        // [store.etcd.dial_timeout] [store.etcd.request_timeout]
        std::chrono::milliseconds dialTimeout{3000};
        std::chrono::milliseconds requestTimeout{5000};
        // [store.etcd.secrets_key_file] The 32-byte key that seals secret configuration values
        // before they reach etcd; the same file on every replica, never stored in etcd.
        std::filesystem::path secretsKeyFile;
    } etcd;
    // [store.event_retention] Revisions of event history kept for watches to resume from.
    std::int64_t eventRetention = 100000;
    // [store.compaction_interval] How often old events are compacted away.
    std::chrono::milliseconds compactionInterval{5 * 60 * 1000};

    // [cluster.replica_id] This replica's name among the replicas on one store; "" (the
    // default): <hostname>:<gRPC port>.
    std::string replicaId;
    // [cluster.advertise_address] The host (an IP address or a name, no port) the other replicas
    // reach this one at: its membership record announces it with listen's and http_listen's
    // ports. "" (the default): listen's and http_listen's own hosts, which then must not be
    // wildcards (0.0.0.0, [::]) on the etcd backend.
    std::string advertiseAddress;
    // [cluster.leader_lease_ttl] The lease of the leader (and of every replica's membership
    // record) on the etcd backend: a leader that dies is replaced within about this long, and
    // a leader cut off from etcd stops its singletons before it can have expired.
    std::chrono::milliseconds leaderLeaseTtl{3000};

    // [watch.queue_limit] Events buffered per watcher before a slow watcher is cut off.
    std::int64_t watchQueueLimit = 8192;
    // [watch.mux.max_watches] Watches one WatchService stream may carry.
    std::int64_t muxMaxWatches = 10000;
    // [watch.mux.stream_bytes] Bytes a WatchService stream holds for a slow client before it
    // stops taking events from its watches (they wait in their hub watchers).
    std::int64_t muxStreamBytes = 16 * 1024 * 1024;

    // [health.outlier.consecutive_failures] Failed calls in a row, as reported by callers, that
    // eject an instance.
    std::int64_t outlierConsecutiveFailures = 5;
    // [health.outlier.base_ejection_time] An ejection lasts this times the instance's number of
    // ejections, [health.outlier.max_ejection_time] at most this.
    std::chrono::milliseconds outlierBaseEjection{30000};
    std::chrono::milliseconds outlierMaxEjection{300000};
    // [health.outlier.max_ejected_percent] At most this share of a service is ejected at once.
    std::int64_t outlierMaxEjectedPercent = 10;
    // [health.history_limit] Health transitions kept per instance.
    std::int64_t healthHistoryLimit = 100;

    // [metrics.*] The metrics backend: the managed Prometheus child (default), an external
    // Prometheus-API store, or none.
    metrics::MetricsSettings metrics;
    // [alerting.*] Rule evaluation and where alerts go: a managed Alertmanager child (default),
    // external Alertmanagers, or none.
    alerting::AlertingSettings alerting;
    // [tracing.*] OTLP ingest, the span store in <data_dir>/traces.db, sampling and forwarding.
    tracing::TracingSettings tracing;

    // Not in the file: where to write {"grpc": ..., "http": ..., "pid": ...} once serving; it
    // is removed when shutdown begins.
    std::filesystem::path readyFile;
    // Not in the file (flag --init): begin with an empty store although the data directory
    // shows an earlier run, moving that run's files aside (see prepareDataDirectory).
    bool initialise = false;
};

// The options given on the command line (flag name without dashes -> value).
using FlagValues = std::map<std::string, std::string>;

// Builds the configuration from defaults, then the YAML file (if `configFile` is not empty), then
// the flags, and validates it. Errors name the option and the reason; unknown keys are errors.
StatusOr<DaemonConfig> loadConfig(const std::filesystem::path &configFile, const FlagValues &flags);

// Checks one host:port value; `option` names it in the error.
Status validateHostPort(const std::string &value, std::string_view option);
// Whether `host` (a listen address's host) means every local address: 0.0.0.0, ::, [::] or *.
bool isWildcardHost(std::string_view host);

std::filesystem::path defaultDataDir();

} // namespace aegis::daemon
