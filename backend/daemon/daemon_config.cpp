#include "daemon/daemon_config.h"

#include "common/duration.h"
#include "common/logging.h"

#include <boost/asio/ip/address.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <set>

namespace aegis::daemon {
namespace {

using Setter = std::function<Status(DaemonConfig &, const std::string &value)>;

Status setDuration(std::chrono::milliseconds &target, const std::string &value,
                   std::string_view option, std::chrono::milliseconds minimum) {
    auto parsed = parseDuration(value, option);
    if (!parsed) {
        return parsed.status();
    }
    if (*parsed < minimum) {
        return invalidArgument(std::string(option) + " must be at least " +
                               formatDuration(minimum));
    }
    target = *parsed;
    return Status::ok();
}

Status setInteger(std::int64_t &target, const std::string &value, std::string_view option,
                  std::int64_t minimum, std::int64_t maximum) {
    std::size_t used = 0;
    std::int64_t parsed = 0;
    try {
        parsed = std::stoll(value, &used);
    } catch (const std::exception &) {
        used = 0;
    }
    if (used == 0 || used != value.size()) {
        return invalidArgument(std::string(option) + ": '" + value + "' is not an integer");
    }
    if (parsed < minimum || parsed > maximum) {
        return invalidArgument(std::string(option) + " must be between " + std::to_string(minimum) +
                               " and " + std::to_string(maximum));
    }
    target = parsed;
    return Status::ok();
}

Status setBool(bool &target, const std::string &value, std::string_view option) {
    if (value == "true" || value == "false") {
        target = value == "true";
        return Status::ok();
    }
    return invalidArgument(std::string(option) + ": '" + value + "' is not true or false");
}

Status setRatio(double &target, const std::string &value, std::string_view option) {
    std::size_t used = 0;
    double parsed = -1;
    try {
        parsed = std::stod(value, &used);
    } catch (const std::exception &) {
        used = 0;
    }
    if (used == 0 || used != value.size() || !(parsed >= 0.0 && parsed <= 1.0)) {
        return invalidArgument(std::string(option) + ": '" + value +
                               "' is not a number between 0 and 1");
    }
    target = parsed;
    return Status::ok();
}

// Options whose YAML value may be a list; its items reach the setter joined by commas, as
// repeated flags do.
const std::set<std::string> kListOptions = {"alerting.external.urls", "tracing.forward.endpoints",
                                            "store.etcd.endpoints"};

Setter pathSetter(std::filesystem::path DaemonConfig::Etcd::*member) {
    return [member](DaemonConfig &c, const std::string &v) {
        c.etcd.*member = v;
        return Status::ok();
    };
}

// Option name (as in the YAML file, dotted for nested keys) -> how to apply a value.
const std::map<std::string, Setter> &setters() {
    static const std::map<std::string, Setter> kSetters = {
        {"data_dir",
         [](DaemonConfig &c, const std::string &v) {
             c.dataDir = v;
             return Status::ok();
         }},
        {"listen",
         [](DaemonConfig &c, const std::string &v) {
             c.listen = v;
             return validateHostPort(v, "listen");
         }},
        {"http_listen",
         [](DaemonConfig &c, const std::string &v) {
             c.httpListen = v;
             return validateHostPort(v, "http_listen");
         }},
        {"log_level",
         [](DaemonConfig &c, const std::string &v) {
             if (!log::isValidLevel(v)) {
                 return invalidArgument("log_level: '" + v +
                                        "' is not one of trace, debug, info, warn, error, "
                                        "critical, off");
             }
             c.logLevel = v;
             return Status::ok();
         }},
        {"log_keys",
         [](DaemonConfig &c, const std::string &v) {
             if (!log::isValidKeyStyle(v)) {
                 return invalidArgument("log_keys: '" + v + "' is not one of aegis, zap, ecs");
             }
             c.logKeys = v;
             return Status::ok();
         }},
        {"shutdown_grace",
         [](DaemonConfig &c, const std::string &v) {
             return setDuration(c.shutdownGrace, v, "shutdown_grace", std::chrono::milliseconds(0));
         }},
        {"tls.cert_file",
         [](DaemonConfig &c, const std::string &v) {
             c.tlsCertFile = v;
             return Status::ok();
         }},
        {"tls.key_file",
         [](DaemonConfig &c, const std::string &v) {
             c.tlsKeyFile = v;
             return Status::ok();
         }},
        {"tls.client_ca_file",
         [](DaemonConfig &c, const std::string &v) {
             c.tlsClientCaFile = v;
             return Status::ok();
         }},
        {"grpc.max_message_bytes",
         [](DaemonConfig &c, const std::string &v) {
             return setInteger(c.maxMessageBytes, v, "grpc.max_message_bytes", 4096,
                               256LL * 1024 * 1024);
         }},
        {"grpc.keepalive_time",
         [](DaemonConfig &c, const std::string &v) {
             return setDuration(c.keepaliveTime, v, "grpc.keepalive_time",
                                std::chrono::milliseconds(1000));
         }},
        {"grpc.keepalive_timeout",
         [](DaemonConfig &c, const std::string &v) {
             return setDuration(c.keepaliveTimeout, v, "grpc.keepalive_timeout",
                                std::chrono::milliseconds(100));
         }},
        {"store.backend",
         [](DaemonConfig &c, const std::string &v) {
             if (v != "sqlite" && v != "etcd") {
                 return invalidArgument("store.backend: '" + v + "' is not sqlite or etcd");
             }
             c.storeBackend = v;
             return Status::ok();
         }},
        {"store.etcd.endpoints",
         [](DaemonConfig &c, const std::string &v) {
             c.etcd.endpoints.clear();
             if (v.empty()) {
                 return Status::ok();
             }
             std::size_t start = 0;
             while (start <= v.size()) {
                 const std::size_t comma = std::min(v.find(',', start), v.size());
                 std::string endpoint = v.substr(start, comma - start);
                 if (endpoint.empty()) {
                     return invalidArgument("store.etcd.endpoints: an endpoint is empty in '" + v +
                                            "'");
                 }
                 c.etcd.endpoints.push_back(std::move(endpoint));
                 start = comma + 1;
             }
             return Status::ok();
         }},
        {"store.etcd.ca_file", pathSetter(&DaemonConfig::Etcd::caFile)},
        {"store.etcd.cert_file", pathSetter(&DaemonConfig::Etcd::certFile)},
        {"store.etcd.key_file", pathSetter(&DaemonConfig::Etcd::keyFile)},
        {"store.etcd.password_file", pathSetter(&DaemonConfig::Etcd::passwordFile)},
        {"store.etcd.secrets_key_file", pathSetter(&DaemonConfig::Etcd::secretsKeyFile)},
        {"store.etcd.username",
         [](DaemonConfig &c, const std::string &v) {
             c.etcd.username = v;
             return Status::ok();
         }},
        {"store.etcd.prefix",
         [](DaemonConfig &c, const std::string &v) {
             if (v.empty() || v.back() != '/') {
                 return invalidArgument("store.etcd.prefix: '" + v + "' must end with '/'");
             }
             c.etcd.prefix = v;
             return Status::ok();
         }},
        {"store.etcd.dial_timeout",
         [](DaemonConfig &c, const std::string &v) {
             return setDuration(c.etcd.dialTimeout, v, "store.etcd.dial_timeout",
                                std::chrono::milliseconds(100));
         }},
        {"store.etcd.request_timeout",
         [](DaemonConfig &c, const std::string &v) {
             return setDuration(c.etcd.requestTimeout, v, "store.etcd.request_timeout",
                                std::chrono::milliseconds(100));
         }},
        {"store.event_retention",
         [](DaemonConfig &c, const std::string &v) {
             return setInteger(c.eventRetention, v, "store.event_retention", 100,
                               1000LL * 1000 * 1000);
         }},
        {"store.compaction_interval",
         [](DaemonConfig &c, const std::string &v) {
             return setDuration(c.compactionInterval, v, "store.compaction_interval",
                                std::chrono::milliseconds(1000));
         }},
        {"cluster.replica_id",
         [](DaemonConfig &c, const std::string &v) {
             if (v.size() > 128 || v.find_first_of("/ \t\n") != std::string::npos) {
                 return invalidArgument("cluster.replica_id: at most 128 characters, without "
                                        "'/' or whitespace (got '" + v + "')");
             }
             c.replicaId = v;
             return Status::ok();
         }},
        {"cluster.advertise_address",
         [](DaemonConfig &c, const std::string &v) {
             c.advertiseAddress.clear();
             if (v.empty()) {
                 return Status::ok();
             }
             const bool bracketed = v.size() > 2 && v.front() == '[' && v.back() == ']';
             const std::string host = bracketed ? v.substr(1, v.size() - 2) : v;
             const auto invalid = [&](std::string_view why) {
                 return invalidArgument("cluster.advertise_address: '" + v + "' " +
                                        std::string(why));
             };
             if (host.size() > 253 || host.find_first_of("/[] \t\n") != std::string::npos) {
                 return invalid("is not an IP address or host name");
             }
             if (!bracketed && std::count(host.begin(), host.end(), ':') == 1) {
                 return invalid("has a port; give the host only (the ports are listen's and "
                                "http_listen's)");
             }
             if (isWildcardHost(host)) {
                 return invalid("is a wildcard, which the other replicas cannot reach; give "
                                "this machine's address");
             }
             // An IPv6 address is announced in brackets, as HOST:PORT needs.
             c.advertiseAddress = host.find(':') != std::string::npos ? "[" + host + "]" : host;
             return Status::ok();
         }},
        {"cluster.leader_lease_ttl",
         [](DaemonConfig &c, const std::string &v) {
             // etcd grants whole seconds, at least about 1.5 s with its default election timeout.
             if (Status status = setDuration(c.leaderLeaseTtl, v, "cluster.leader_lease_ttl",
                                             std::chrono::milliseconds(2000));
                 !status.isOk()) {
                 return status;
             }
             if (c.leaderLeaseTtl > std::chrono::minutes(1)) {
                 return invalidArgument("cluster.leader_lease_ttl: at most 1m (got " + v + ")");
             }
             return Status::ok();
         }},
        {"watch.queue_limit",
         [](DaemonConfig &c, const std::string &v) {
             return setInteger(c.watchQueueLimit, v, "watch.queue_limit", 16, 10000000);
         }},
        {"watch.mux.max_watches",
         [](DaemonConfig &c, const std::string &v) {
             return setInteger(c.muxMaxWatches, v, "watch.mux.max_watches", 1, 1000000);
         }},
        {"watch.mux.stream_bytes",
         [](DaemonConfig &c, const std::string &v) {
             return setInteger(c.muxStreamBytes, v, "watch.mux.stream_bytes", 4096,
                               std::int64_t{1} << 34);
         }},
        {"health.outlier.consecutive_failures",
         [](DaemonConfig &c, const std::string &v) {
             return setInteger(c.outlierConsecutiveFailures, v,
                               "health.outlier.consecutive_failures", 1, 1000);
         }},
        {"health.outlier.base_ejection_time",
         [](DaemonConfig &c, const std::string &v) {
             return setDuration(c.outlierBaseEjection, v, "health.outlier.base_ejection_time",
                                std::chrono::milliseconds(100));
         }},
        {"health.outlier.max_ejection_time",
         [](DaemonConfig &c, const std::string &v) {
             return setDuration(c.outlierMaxEjection, v, "health.outlier.max_ejection_time",
                                std::chrono::milliseconds(100));
         }},
        {"health.outlier.max_ejected_percent",
         [](DaemonConfig &c, const std::string &v) {
             return setInteger(c.outlierMaxEjectedPercent, v, "health.outlier.max_ejected_percent",
                               0, 100);
         }},
        {"health.history_limit",
         [](DaemonConfig &c, const std::string &v) {
             return setInteger(c.healthHistoryLimit, v, "health.history_limit", 1, 10000);
         }},
        {"metrics.backend",
         [](DaemonConfig &c, const std::string &v) {
             for (auto mode : {metrics::BackendMode::Managed, metrics::BackendMode::External,
                               metrics::BackendMode::None}) {
                 if (v == metrics::backendModeName(mode)) {
                     c.metrics.mode = mode;
                     return Status::ok();
                 }
             }
             return invalidArgument("metrics.backend: '" + v +
                                    "' is not managed, external or none");
         }},
        {"metrics.scrape_interval",
         [](DaemonConfig &c, const std::string &v) {
             return setDuration(c.metrics.scrapeInterval, v, "metrics.scrape_interval",
                                std::chrono::seconds(1));
         }},
        {"metrics.query_timeout",
         [](DaemonConfig &c, const std::string &v) {
             return setDuration(c.metrics.queryTimeout, v, "metrics.query_timeout",
                                std::chrono::seconds(1));
         }},
        {"metrics.managed.binary",
         [](DaemonConfig &c, const std::string &v) {
             c.metrics.prometheusBinary = v;
             return Status::ok();
         }},
        {"metrics.managed.listen",
         [](DaemonConfig &c, const std::string &v) {
             c.metrics.managedListen = v;
             return validateHostPort(v, "metrics.managed.listen");
         }},
        {"metrics.managed.retention_time",
         [](DaemonConfig &c, const std::string &v) {
             return setDuration(c.metrics.retentionTime, v, "metrics.managed.retention_time",
                                std::chrono::hours(1));
         }},
        {"metrics.managed.retention_size",
         [](DaemonConfig &c, const std::string &v) {
             // Prometheus' own units: a number and B, KB, MB, GB, TB, PB or EB.
             const auto unit = v.find_first_not_of("0123456789");
             static const std::set<std::string> kUnits = {"B",  "KB", "MB", "GB",
                                                          "TB", "PB", "EB"};
             if (!v.empty() && (unit == 0 || unit == std::string::npos ||
                                kUnits.count(v.substr(unit)) == 0)) {
                 return invalidArgument("metrics.managed.retention_size: '" + v +
                                        "' must be a number and a unit (B, KB, MB, GB, TB), "
                                        "such as 2GB, or empty for no limit");
             }
             c.metrics.retentionSize = v;
             return Status::ok();
         }},
        {"metrics.external.url",
         [](DaemonConfig &c, const std::string &v) {
             if (v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0) {
                 return invalidArgument("metrics.external.url: '" + v +
                                        "' must start with http:// or https://");
             }
             c.metrics.externalUrl = v;
             return Status::ok();
         }},
        {"metrics.external.bearer_token_file",
         [](DaemonConfig &c, const std::string &v) {
             c.metrics.bearerTokenFile = v;
             return Status::ok();
         }},
        {"metrics.external.basic_auth_user",
         [](DaemonConfig &c, const std::string &v) {
             c.metrics.basicAuthUser = v;
             return Status::ok();
         }},
        {"metrics.external.basic_auth_password_file",
         [](DaemonConfig &c, const std::string &v) {
             c.metrics.basicAuthPasswordFile = v;
             return Status::ok();
         }},
        {"metrics.external.ca_file",
         [](DaemonConfig &c, const std::string &v) {
             c.metrics.caFile = v;
             return Status::ok();
         }},
        {"alerting.enabled",
         [](DaemonConfig &c, const std::string &v) {
             return setBool(c.alerting.enabled, v, "alerting.enabled");
         }},
        {"alerting.evaluation_interval",
         [](DaemonConfig &c, const std::string &v) {
             return setDuration(c.alerting.evaluationInterval, v, "alerting.evaluation_interval",
                                std::chrono::seconds(1));
         }},
        {"alerting.resend_interval",
         [](DaemonConfig &c, const std::string &v) {
             return setDuration(c.alerting.resendInterval, v, "alerting.resend_interval",
                                std::chrono::seconds(1));
         }},
        {"alerting.outage_tolerance",
         [](DaemonConfig &c, const std::string &v) {
             return setDuration(c.alerting.outageTolerance, v, "alerting.outage_tolerance",
                                std::chrono::milliseconds(0));
         }},
        {"alerting.default_rules",
         [](DaemonConfig &c, const std::string &v) {
             return setBool(c.alerting.defaultRules, v, "alerting.default_rules");
         }},
        {"alerting.history_retention",
         [](DaemonConfig &c, const std::string &v) {
             return setDuration(c.alerting.historyRetention, v, "alerting.history_retention",
                                std::chrono::minutes(1));
         }},
        {"alerting.alertmanager",
         [](DaemonConfig &c, const std::string &v) {
             for (auto mode : {alerting::AlertmanagerMode::Managed,
                               alerting::AlertmanagerMode::External,
                               alerting::AlertmanagerMode::None}) {
                 if (v == alerting::alertmanagerModeName(mode)) {
                     c.alerting.alertmanagerMode = mode;
                     return Status::ok();
                 }
             }
             return invalidArgument("alerting.alertmanager: '" + v +
                                    "' is not managed, external or none");
         }},
        {"alerting.managed.binary",
         [](DaemonConfig &c, const std::string &v) {
             c.alerting.alertmanagerBinary = v;
             return Status::ok();
         }},
        {"alerting.managed.listen",
         [](DaemonConfig &c, const std::string &v) {
             c.alerting.managedListen = v;
             return validateHostPort(v, "alerting.managed.listen");
         }},
        {"alerting.managed.default_webhook_url",
         [](DaemonConfig &c, const std::string &v) {
             if (!v.empty() && v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0) {
                 return invalidArgument("alerting.managed.default_webhook_url: '" + v +
                                        "' must start with http:// or https://");
             }
             c.alerting.defaultWebhookUrl = v;
             return Status::ok();
         }},
        {"alerting.external.urls",
         [](DaemonConfig &c, const std::string &v) {
             c.alerting.externalUrls.clear();
             std::size_t begin = 0;
             while (begin <= v.size()) {
                 const auto comma = std::min(v.find(',', begin), v.size());
                 const std::string url = v.substr(begin, comma - begin);
                 begin = comma + 1;
                 if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
                     return invalidArgument("alerting.external.urls: '" + url +
                                            "' must start with http:// or https://");
                 }
                 c.alerting.externalUrls.push_back(url);
             }
             return Status::ok();
         }},
        {"alerting.external.bearer_token_file",
         [](DaemonConfig &c, const std::string &v) {
             c.alerting.bearerTokenFile = v;
             return Status::ok();
         }},
        {"alerting.external.ca_file",
         [](DaemonConfig &c, const std::string &v) {
             c.alerting.caFile = v;
             return Status::ok();
         }},
        {"tracing.enabled",
         [](DaemonConfig &c, const std::string &v) {
             return setBool(c.tracing.enabled, v, "tracing.enabled");
         }},
        {"tracing.otlp_listen",
         [](DaemonConfig &c, const std::string &v) {
             c.tracing.otlpListen = v;
             return v.empty() ? Status::ok() : validateHostPort(v, "tracing.otlp_listen");
         }},
        {"xds.listen",
         [](DaemonConfig &c, const std::string &v) {
             c.xdsListen = v;
             return v.empty() ? Status::ok() : validateHostPort(v, "xds.listen");
         }},
        {"tracing.otlp_http",
         [](DaemonConfig &c, const std::string &v) {
             return setBool(c.tracing.otlpHttp, v, "tracing.otlp_http");
         }},
        {"tracing.bearer_token_file",
         [](DaemonConfig &c, const std::string &v) {
             c.tracing.bearerTokenFile = v;
             return Status::ok();
         }},
        {"tracing.limits.max_request_bytes",
         [](DaemonConfig &c, const std::string &v) {
             return setInteger(c.tracing.limits.maxRequestBytes, v,
                               "tracing.limits.max_request_bytes", 1024, 256 * 1024 * 1024);
         }},
        {"tracing.limits.max_in_flight_bytes",
         [](DaemonConfig &c, const std::string &v) {
             return setInteger(c.tracing.limits.maxInFlightBytes, v,
                               "tracing.limits.max_in_flight_bytes", 1024,
                               std::int64_t{64} * 1024 * 1024 * 1024);
         }},
        {"tracing.limits.max_spans_per_request",
         [](DaemonConfig &c, const std::string &v) {
             return setInteger(c.tracing.limits.maxSpansPerRequest, v,
                               "tracing.limits.max_spans_per_request", 1, 1000000);
         }},
        {"tracing.limits.max_attributes",
         [](DaemonConfig &c, const std::string &v) {
             return setInteger(c.tracing.limits.maxAttributes, v, "tracing.limits.max_attributes",
                               1, 100000);
         }},
        {"tracing.limits.max_attribute_bytes",
         [](DaemonConfig &c, const std::string &v) {
             return setInteger(c.tracing.limits.maxAttributeBytes, v,
                               "tracing.limits.max_attribute_bytes", 16, 16 * 1024 * 1024);
         }},
        {"tracing.limits.max_events",
         [](DaemonConfig &c, const std::string &v) {
             return setInteger(c.tracing.limits.maxEvents, v, "tracing.limits.max_events", 0,
                               1000000);
         }},
        {"tracing.limits.max_links",
         [](DaemonConfig &c, const std::string &v) {
             return setInteger(c.tracing.limits.maxLinks, v, "tracing.limits.max_links", 0,
                               1000000);
         }},
        {"tracing.store",
         [](DaemonConfig &c, const std::string &v) {
             return setBool(c.tracing.store, v, "tracing.store");
         }},
        {"tracing.retention.max_age",
         [](DaemonConfig &c, const std::string &v) {
             return setDuration(c.tracing.retentionMaxAge, v, "tracing.retention.max_age",
                                std::chrono::minutes(1));
         }},
        {"tracing.retention.max_bytes",
         [](DaemonConfig &c, const std::string &v) {
             return setInteger(c.tracing.retentionMaxBytes, v, "tracing.retention.max_bytes",
                               std::int64_t{1} << 20, std::int64_t{1} << 50);
         }},
        {"tracing.batch.max_delay",
         [](DaemonConfig &c, const std::string &v) {
             return setDuration(c.tracing.batchMaxDelay, v, "tracing.batch.max_delay",
                                std::chrono::milliseconds(0));
         }},
        {"tracing.forward.endpoints",
         [](DaemonConfig &c, const std::string &v) {
             c.tracing.forwardEndpoints.clear();
             std::size_t begin = 0;
             while (begin <= v.size() && !v.empty()) {
                 std::size_t end = v.find(',', begin);
                 if (end == std::string::npos) {
                     end = v.size();
                 }
                 std::string endpoint = v.substr(begin, end - begin);
                 if (Status status = validateHostPort(endpoint, "tracing.forward.endpoints");
                     !status.isOk()) {
                     return status;
                 }
                 c.tracing.forwardEndpoints.push_back(std::move(endpoint));
                 begin = end + 1;
             }
             return Status::ok();
         }},
        {"tracing.forward.ca_file",
         [](DaemonConfig &c, const std::string &v) {
             c.tracing.forwardCaFile = v;
             return Status::ok();
         }},
        {"tracing.forward.bearer_token_file",
         [](DaemonConfig &c, const std::string &v) {
             c.tracing.forwardBearerTokenFile = v;
             return Status::ok();
         }},
        {"tracing.forward.queue_spans",
         [](DaemonConfig &c, const std::string &v) {
             return setInteger(c.tracing.forwardQueueSpans, v, "tracing.forward.queue_spans", 1,
                               100000000);
         }},
        {"tracing.forward.queue_bytes",
         [](DaemonConfig &c, const std::string &v) {
             return setInteger(c.tracing.forwardQueueBytes, v, "tracing.forward.queue_bytes", 1,
                               std::int64_t{64} * 1024 * 1024 * 1024);
         }},
        {"tracing.self.sample_ratio",
         [](DaemonConfig &c, const std::string &v) {
             return setRatio(c.tracing.selfSampleRatio, v, "tracing.self.sample_ratio");
         }},
    };
    return kSetters;
}

// Flag name -> option name.
const std::map<std::string, std::string> &flagOptions() {
    static const std::map<std::string, std::string> kFlags = {
        {"data-dir", "data_dir"},
        {"listen", "listen"},
        {"http-listen", "http_listen"},
        {"log-level", "log_level"},
        {"log-keys", "log_keys"},
        {"shutdown-grace", "shutdown_grace"},
        {"tls-cert", "tls.cert_file"},
        {"tls-key", "tls.key_file"},
        {"tls-client-ca", "tls.client_ca_file"},
        {"metrics-backend", "metrics.backend"},
        {"metrics-url", "metrics.external.url"},
        {"prometheus", "metrics.managed.binary"},
        {"alertmanager", "alerting.alertmanager"},
        {"alertmanager-url", "alerting.external.urls"},
        {"otlp-listen", "tracing.otlp_listen"},
        {"xds-listen", "xds.listen"},
        {"trace-forward", "tracing.forward.endpoints"},
        {"store-backend", "store.backend"},
        {"etcd-endpoints", "store.etcd.endpoints"},
        {"etcd-prefix", "store.etcd.prefix"},
        {"secrets-key-file", "store.etcd.secrets_key_file"},
    };
    return kFlags;
}

Status applyYaml(DaemonConfig &config, const YAML::Node &node, const std::string &path) {
    if (!node.IsMap()) {
        return invalidArgument((path.empty() ? std::string("the config file") : path) +
                               " must be a mapping");
    }
    std::set<std::string> seen;
    for (const auto &entry : node) {
        const std::string key = entry.first.as<std::string>();
        const std::string option = path.empty() ? key : path + "." + key;
        const std::string where = " (line " + std::to_string(entry.first.Mark().line + 1) + ")";
        // yaml-cpp keeps both entries of a repeated key; which one wins would be an accident.
        if (!seen.insert(key).second) {
            return invalidArgument("'" + option + "' is given twice" + where);
        }
        if (entry.second.IsMap()) {
            if (Status status = applyYaml(config, entry.second, option); !status.isOk()) {
                return status;
            }
            continue;
        }
        const auto setter = setters().find(option);
        if (entry.second.IsNull() && setter == setters().end()) {
            // A section whose options are all commented out: keep their defaults.
            const auto section = setters().lower_bound(option + ".");
            if (section != setters().end() && section->first.rfind(option + ".", 0) == 0) {
                continue;
            }
        }
        if (setter == setters().end()) {
            return invalidArgument("unknown option '" + option + "'" + where);
        }
        if (entry.second.IsNull()) {
            return invalidArgument(option + " has no value" + where +
                                   "; give one, or remove the line to keep the default");
        }
        std::string value;
        if (entry.second.IsSequence() && kListOptions.count(option) != 0) {
            for (const auto &item : entry.second) {
                if (!item.IsScalar()) {
                    return invalidArgument(option + " must be a list of values" + where);
                }
                value += (value.empty() ? "" : ",") + item.Scalar();
            }
        } else if (!entry.second.IsScalar()) {
            return invalidArgument(option + " must be a single value");
        } else {
            value = entry.second.Scalar();
        }
        if (Status status = setter->second(config, value); !status.isOk()) {
            return status;
        }
    }
    return Status::ok();
}

Status checkReadable(const std::filesystem::path &file, std::string_view option) {
    std::ifstream in(file);
    if (!in) {
        return invalidArgument(std::string(option) + ": cannot read " + file.string());
    }
    return Status::ok();
}

} // namespace

std::filesystem::path defaultDataDir() {
    if (const char *dataHome = std::getenv("XDG_DATA_HOME"); dataHome && *dataHome) {
        return std::filesystem::path(dataHome) / "aegis";
    }
    const char *home = std::getenv("HOME");
    return std::filesystem::path(home ? home : ".") / ".local/share/aegis";
}

bool isWildcardHost(std::string_view host) {
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    if (host.empty() || host == "*") {
        return true;
    }
    // Every spelling of the unspecified address: 0.0.0.0, ::, ::0, 0:0::0, ...
    boost::system::error_code error;
    const auto address = boost::asio::ip::make_address(std::string(host), error);
    return !error && address.is_unspecified();
}

Status validateHostPort(const std::string &value, std::string_view option) {
    const auto colon = value.rfind(':');
    const auto invalid = [&](std::string_view why) {
        return invalidArgument(std::string(option) + ": '" + value + "' " + std::string(why));
    };
    if (colon == std::string::npos || colon == 0) {
        return invalid("must be HOST:PORT, e.g. 127.0.0.1:7400");
    }
    const std::string port = value.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535) {
        return invalid("has no valid port (0-65535)");
    }
    return Status::ok();
}

StatusOr<DaemonConfig> loadConfig(const std::filesystem::path &configFile,
                                  const FlagValues &flags) {
    DaemonConfig config;
    if (!configFile.empty()) {
        if (std::error_code error; std::filesystem::is_directory(configFile, error)) {
            return invalidArgument("--config: " + configFile.string() +
                                   " is a directory; give the YAML file");
        }
        try {
            const YAML::Node root = YAML::LoadFile(configFile.string());
            if (!root.IsNull()) {
                if (Status status = applyYaml(config, root, ""); !status.isOk()) {
                    return invalidArgument(configFile.string() + ": " + status.message());
                }
            }
        } catch (const YAML::BadFile &) {
            return invalidArgument("--config: cannot read " + configFile.string());
        } catch (const YAML::Exception &error) {
            return invalidArgument(configFile.string() + ": line " +
                                   std::to_string(error.mark.line + 1) + ": " + error.msg);
        } catch (const std::exception &error) {
            return invalidArgument("--config: cannot read " + configFile.string() + ": " +
                                   error.what());
        }
    }
    for (const auto &[flag, value] : flags) {
        if (flag == "ready-file") {
            config.readyFile = value;
            continue;
        }
        const auto option = flagOptions().find(flag);
        if (option == flagOptions().end()) {
            return invalidArgument("unknown flag --" + flag);
        }
        if (Status status = setters().at(option->second)(config, value); !status.isOk()) {
            return invalidArgument("--" + flag + ": " + status.message());
        }
    }
    if (config.dataDir.empty()) {
        config.dataDir = defaultDataDir();
    }

    const bool hasCert = !config.tlsCertFile.empty();
    const bool hasKey = !config.tlsKeyFile.empty();
    if (hasCert != hasKey) {
        return invalidArgument("tls.cert_file and tls.key_file must be set together");
    }
    if (!config.tlsClientCaFile.empty() && !hasCert) {
        return invalidArgument(
            "tls.client_ca_file requires tls.cert_file and tls.key_file (mutual TLS needs TLS)");
    }
    for (const auto &[file, option] : {std::pair{&config.tlsCertFile, "tls.cert_file"},
                                       std::pair{&config.tlsKeyFile, "tls.key_file"},
                                       std::pair{&config.tlsClientCaFile, "tls.client_ca_file"}}) {
        if (!file->empty()) {
            if (Status status = checkReadable(*file, option); !status.isOk()) {
                return status;
            }
        }
    }
    if (config.storeBackend == "etcd") {
        const DaemonConfig::Etcd &etcd = config.etcd;
        if (etcd.endpoints.empty()) {
            return invalidArgument("store.backend is etcd but store.etcd.endpoints is not set "
                                   "(flag --etcd-endpoints host:port,...)");
        }
        if (etcd.secretsKeyFile.empty()) {
            return invalidArgument(
                "store.backend is etcd but store.etcd.secrets_key_file is not set: secret "
                "configuration is sealed with a key every replica reads from that file (create it "
                "once with 'head -c 32 /dev/urandom > FILE' and copy it to each replica); it never "
                "goes to etcd");
        }
        // The membership record announces where the other replicas reach this one (forwarded
        // calls, the scrape list); a wildcard is nowhere.
        for (const auto &[option, address] :
             {std::pair<std::string_view, const std::string &>{"listen", config.listen},
              {"http_listen", config.httpListen}}) {
            const std::string host = address.substr(0, address.rfind(':'));
            if (config.advertiseAddress.empty() && isWildcardHost(host)) {
                return invalidArgument(
                    std::string(option) + " is " + address +
                    ", a wildcard address the other replicas cannot reach, and "
                    "cluster.advertise_address is not set: with store.backend etcd set "
                    "cluster.advertise_address to the address the other replicas reach this one "
                    "at (or listen on that address)");
            }
        }
        if (etcd.certFile.empty() != etcd.keyFile.empty()) {
            return invalidArgument(
                "store.etcd.cert_file and store.etcd.key_file must be set together");
        }
        if (etcd.username.empty() != etcd.passwordFile.empty()) {
            return invalidArgument(
                "store.etcd.username and store.etcd.password_file must be set together");
        }
        for (const auto &[file, option] :
             {std::pair{&etcd.caFile, "store.etcd.ca_file"},
              std::pair{&etcd.certFile, "store.etcd.cert_file"},
              std::pair{&etcd.keyFile, "store.etcd.key_file"},
              std::pair{&etcd.passwordFile, "store.etcd.password_file"},
              std::pair{&etcd.secretsKeyFile, "store.etcd.secrets_key_file"}}) {
            if (!file->empty()) {
                if (Status status = checkReadable(*file, option); !status.isOk()) {
                    return status;
                }
            }
        }
    }
    if (config.outlierMaxEjection < config.outlierBaseEjection) {
        return invalidArgument("health.outlier.max_ejection_time (" +
                               formatDuration(config.outlierMaxEjection) +
                               ") must not be shorter than health.outlier.base_ejection_time (" +
                               formatDuration(config.outlierBaseEjection) + ")");
    }
    const metrics::MetricsSettings &metrics = config.metrics;
    if (metrics.mode == metrics::BackendMode::External && metrics.externalUrl.empty()) {
        return invalidArgument("metrics.backend is external but metrics.external.url is not set");
    }
    if (metrics.basicAuthUser.empty() != metrics.basicAuthPasswordFile.empty()) {
        return invalidArgument("metrics.external.basic_auth_user and "
                               "metrics.external.basic_auth_password_file must be set together");
    }
    if (!metrics.bearerTokenFile.empty() && !metrics.basicAuthUser.empty()) {
        return invalidArgument("metrics.external: give a bearer token or basic auth, not both");
    }
    for (const auto &[file, option] :
         {std::pair{&metrics.bearerTokenFile, "metrics.external.bearer_token_file"},
          std::pair{&metrics.basicAuthPasswordFile, "metrics.external.basic_auth_password_file"},
          std::pair{&metrics.caFile, "metrics.external.ca_file"}}) {
        if (!file->empty()) {
            if (Status status = checkReadable(*file, option); !status.isOk()) {
                return status;
            }
        }
    }
    const alerting::AlertingSettings &alerting = config.alerting;
    if (alerting.alertmanagerMode == alerting::AlertmanagerMode::External &&
        alerting.externalUrls.empty()) {
        return invalidArgument(
            "alerting.alertmanager is external but alerting.external.urls is not set "
            "(flag --alertmanager-url, repeatable)");
    }
    for (const auto &[file, option] :
         {std::pair{&alerting.bearerTokenFile, "alerting.external.bearer_token_file"},
          std::pair{&alerting.caFile, "alerting.external.ca_file"}}) {
        if (!file->empty()) {
            if (Status status = checkReadable(*file, option); !status.isOk()) {
                return status;
            }
        }
    }
    const tracing::TracingSettings &tracing = config.tracing;
    for (const auto &[file, option] :
         {std::pair{&tracing.bearerTokenFile, "tracing.bearer_token_file"},
          std::pair{&tracing.forwardCaFile, "tracing.forward.ca_file"},
          std::pair{&tracing.forwardBearerTokenFile, "tracing.forward.bearer_token_file"}}) {
        if (!file->empty()) {
            if (Status status = checkReadable(*file, option); !status.isOk()) {
                return status;
            }
        }
    }
    if (tracing.enabled && !tracing.store && tracing.forwardEndpoints.empty()) {
        return invalidArgument("tracing.store is false but tracing.forward.endpoints is not set: "
                               "spans would go nowhere (set tracing.enabled: false instead)");
    }
    if (config.keepaliveTimeout >= config.keepaliveTime) {
        return invalidArgument("grpc.keepalive_timeout must be shorter than grpc.keepalive_time");
    }
    return config;
}

} // namespace aegis::daemon
