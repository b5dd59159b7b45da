// aegis-sample: a small HTTP service that registers itself with aegisd, for demos and tests.
//
//   aegis-sample --service NAME [--id ID] [--listen 127.0.0.1:0] [--version V] [--color blue]
//                [--zone Z] [--aegis HOST:PORT] [--token-file F] [--latency 5ms]
//                [--error-rate 0.01] [--greeting TEXT] [--feature NAME[=on|off]]...
//                [--config NAMESPACE/GROUP [--config-snapshot FILE]] [--ttl 10s]
//                [--calls SERVICE,...] [--otlp-endpoint http://127.0.0.1:4317]
//                [--request-log all|errors|none]
//   aegis-sample --print-fleet FILE     prints the flags of every instance in a fleet file, one
//                                       line each, for a launcher to start one process per line
//
// With --config it reads its behaviour live from the config center: the items behaviour.json (or
// behaviour.yaml) of that group, fields latency, error_rate, greeting and features (see
// sample/behaviour.h). The command-line flags are the defaults until config arrives, and fill in
// whatever the item leaves out. A change applies to the next request; "/" and /metrics show it.
//
// With --calls, every "/" request first calls those services' "/" in order (found through
// discovery), so a fleet has real call chains. Every "/" request is a server span and every call a
// client span, propagated with W3C traceparent and exported over OTLP/gRPC to --otlp-endpoint
// (aegisd's tracing.otlp_listen); the OTEL_* environment variables override the tracing settings
// (OTEL_SDK_DISABLED, OTEL_TRACES_SAMPLER, OTEL_EXPORTER_OTLP_ENDPOINT, ...). Each "/" request
// writes a JSON log line with its trace_id and span_id (--request-log errors: only failed ones).
//
// On SIGTERM or SIGINT it shuts down with libaegis-client's sequence (client/graceful_shutdown.h):
// marks itself draining and deregisters (callers stop picking it), keeps serving for
// --drain-delay so that callers which picked it just before see the removal, then stops accepting,
// finishes the requests in flight within --shutdown-grace and exits 0.

#include "client/config_watcher.h"
#include "client/connection.h"
#include "client/graceful_shutdown.h"
#include "client/registration.h"
#include "client/tracing_setup.h"
#include "common/duration.h"
#include "common/logging.h"
#include "sample/downstream_calls.h"
#include "sample/fleet_file.h"
#include "sample/sample_http_server.h"

#include <boost/program_options.hpp>

#include <csignal>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <pthread.h>
#include <unistd.h>
#include <utility>
#include <vector>

using namespace aegis;
namespace po = boost::program_options;

namespace {

int printFleet(const std::string &path) {
    auto fleet = sample::loadFleetFile(path);
    if (!fleet) {
        log::error("aegis-sample: cannot read the fleet file",
                   {{"error", fleet.status().message()}});
        return 2;
    }
    for (const auto &instance : *fleet) {
        std::cout << sample::fleetFlags(instance) << "\n";
    }
    return 0;
}

// "NAME", "NAME=on" or "NAME=off".
Status addFeatureFlag(const std::string &flag, std::map<std::string, bool> &features) {
    const auto equals = flag.find('=');
    const std::string name = flag.substr(0, equals);
    const std::string state = equals == std::string::npos ? "on" : flag.substr(equals + 1);
    if (name.empty() || (state != "on" && state != "off")) {
        return invalidArgument("--feature: expected NAME, NAME=on or NAME=off, got '" + flag + "'");
    }
    features[name] = state == "on";
    return Status::ok();
}

// "demo/checkout" -> {"demo", "checkout"}.
StatusOr<std::pair<std::string, std::string>> configScope(const std::string &flag) {
    const auto slash = flag.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == flag.size() ||
        flag.find('/', slash + 1) != std::string::npos) {
        return invalidArgument("--config: expected NAMESPACE/GROUP such as demo/checkout, got '" +
                               flag + "'");
    }
    return std::pair{flag.substr(0, slash), flag.substr(slash + 1)};
}

StatusOr<std::chrono::milliseconds> durationFlag(const po::variables_map &values,
                                                 const char *name) {
    return parseDuration(values[name].as<std::string>(), std::string("--") + name);
}

} // namespace

int main(int argc, char **argv) {
    sample::SampleServerOptions server;
    client::ConnectionOptions connection;
    std::string tokenFile;
    std::string logLevel;
    std::string logKeys;
    std::string fleetFile;
    std::vector<std::string> featureFlags;
    std::string configFlag;
    std::string configSnapshot;
    std::string callsFlag;
    std::string otlpEndpoint;
    std::string requestLog;

    po::options_description flags("aegis-sample flags");
    // clang-format off
    flags.add_options()
        ("help,h", "print this help")
        ("service", po::value(&server.service), "service name to register under (required)")
        ("id", po::value(&server.instanceId), "instance id (default SERVICE-PID)")
        ("listen", po::value(&server.listen)->default_value("127.0.0.1:0"),
            "HOST:PORT to serve HTTP on; port 0 picks a free one")
        ("version", po::value(&server.version)->default_value("1.0.0"), "the 'version' label")
        ("color", po::value(&server.color)->default_value("blue"), "the 'color' label: blue or green")
        ("zone", po::value(&server.zone), "the 'zone' label")
        ("aegis", po::value(&connection.address)->default_value("127.0.0.1:7400"),
            "aegisd's gRPC address")
        ("token-file", po::value(&tokenFile), "file holding a token with the service role")
        ("latency", po::value<std::string>()->default_value("0s"),
            "added to every '/' request, e.g. 5ms")
        ("error-rate", po::value(&server.behaviour.errorRate)->default_value(0),
            "share of '/' requests answered 500, 0..1")
        ("greeting", po::value(&server.behaviour.greeting)->default_value(server.behaviour.greeting),
            "answered by '/'")
        ("feature", po::value(&featureFlags)->composing(),
            "a feature flag, NAME or NAME=on|off (repeatable)")
        ("config", po::value(&configFlag),
            "NAMESPACE/GROUP whose behaviour.json (or .yaml) sets the behaviour live, "
            "e.g. demo/checkout")
        ("config-snapshot", po::value(&configSnapshot),
            "file keeping the last applied config, served when aegisd is unreachable at start")
        ("ttl", po::value<std::string>()->default_value("10s"), "lease TTL, renewed every ttl/3")
        ("drain-delay", po::value<std::string>()->default_value("2s"),
            "on SIGTERM: how long it keeps serving after deregistering, for callers to see it gone")
        ("shutdown-grace", po::value<std::string>()->default_value("10s"),
            "on SIGTERM: how long requests in flight get once it stops accepting")
        ("weight", po::value<int>()->default_value(100), "balancing weight, 0..10000")
        ("threads", po::value(&server.threads)->default_value(2), "HTTP threads")
        ("log-level", po::value(&logLevel)->default_value("info"), "trace, debug, info, warn, error")
        ("log-keys", po::value(&logKeys),
            "the JSON log lines' standard keys: aegis, zap or ecs (default $AEGIS_LOG_KEYS, else "
            "aegis)")
        ("calls", po::value(&callsFlag),
            "services whose '/' every '/' request calls first, in order, e.g. inventory,payments")
        ("otlp-endpoint", po::value(&otlpEndpoint)->default_value("http://127.0.0.1:4317"),
            "where spans go over OTLP/gRPC (aegisd's tracing.otlp_listen); empty: not exported")
        ("request-log", po::value(&requestLog)->default_value("all"),
            "which '/' requests write a JSON log line with their trace_id and span_id: all, "
            "errors (5xx) or none")
        ("print-fleet", po::value(&fleetFile),
            "print the flags of every instance in this fleet file, one line each, and exit");
    // clang-format on
    // Every line on stderr is JSON, why it did not start included; --help and --print-fleet
    // answer on stdout.
    log::init("info");
    const auto usage = [](const std::string &message) {
        log::error("aegis-sample: invalid command line",
                   {{"error", message}, {"hint", "aegis-sample --help lists the flags"}});
        return 2;
    };
    po::variables_map values;
    try {
        po::store(po::parse_command_line(argc, argv, flags), values);
        po::notify(values);
    } catch (const po::error &error) {
        return usage(error.what());
    }
    if (values.count("help")) {
        std::cout << flags;
        return 0;
    }
    if (!logKeys.empty() && !log::setKeyStyle(logKeys)) {
        return usage("--log-keys must be aegis, zap or ecs, not '" + logKeys + "'");
    }
    if (!fleetFile.empty()) {
        return printFleet(fleetFile);
    }
    if (server.service.empty()) {
        return usage("--service is required");
    }
    if (server.instanceId.empty()) {
        server.instanceId = server.service + "-" + std::to_string(::getpid());
    }
    if (server.color != "blue" && server.color != "green") {
        return usage("--color must be blue or green, not '" + server.color + "'");
    }
    const auto latency = durationFlag(values, "latency");
    const auto ttl = durationFlag(values, "ttl");
    const auto drainDelay = durationFlag(values, "drain-delay");
    const auto shutdownGrace = durationFlag(values, "shutdown-grace");
    for (const auto *parsed : {&latency, &ttl, &drainDelay, &shutdownGrace}) {
        if (!*parsed) {
            return usage(parsed->status().message());
        }
    }
    server.behaviour.latency = *latency;
    for (const auto &flag : featureFlags) {
        if (Status added = addFeatureFlag(flag, server.behaviour.features); !added.isOk()) {
            return usage(added.message());
        }
    }
    std::optional<std::pair<std::string, std::string>> config;
    if (!configFlag.empty()) {
        auto scope = configScope(configFlag);
        if (!scope) {
            return usage(scope.status().message());
        }
        config = std::move(*scope);
    } else if (!configSnapshot.empty()) {
        return usage("--config-snapshot needs --config");
    }
    if (!log::isValidLevel(logLevel)) {
        return usage("--log-level: unknown level '" + logLevel + "'");
    }
    log::setLevel(logLevel);
    connection.tokenFile =
        tokenFile.empty() ? client::defaultTokenFile() : std::filesystem::path(tokenFile);

    // Signals are taken by sigwait() below; every thread started from here on inherits the mask.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

    client::TracingSetup tracing;
    tracing.serviceName = server.service;
    tracing.serviceVersion = server.version;
    tracing.colour = server.color;
    tracing.instanceId = server.instanceId;
    tracing.scopeName = "aegis-sample";
    tracing.exporter.endpoint = otlpEndpoint;
    tracing.exportSpans = !otlpEndpoint.empty();
    for (const auto &warning : client::applyEnvironment(tracing, client::processEnvironment())) {
        log::warn("tracing setting ignored", {{"reason", warning}});
    }
    auto tracer = client::makeTracer(tracing);
    if (!tracer) {
        return usage(tracer.status().message());
    }
    server.tracer = *tracer;
    const auto requestLogMode = sample::parseRequestLog(requestLog);
    if (!requestLogMode) {
        return usage("--request-log must be all, errors or none, not '" + requestLog + "'");
    }
    server.requestLog = *requestLogMode;

    auto channel = client::makeChannel(connection);
    if (!channel) {
        log::error("cannot reach aegisd", {{"error", channel.status().toString()}});
        return 1;
    }
    if (!callsFlag.empty()) {
        sample::DownstreamOptions downstream;
        for (std::size_t start = 0; start <= callsFlag.size();) {
            const auto comma = std::min(callsFlag.find(',', start), callsFlag.size());
            downstream.services.push_back(callsFlag.substr(start, comma - start));
            start = comma + 1;
        }
        auto calls = sample::DownstreamCalls::start(*channel, downstream, *tracer);
        if (!calls) {
            return usage("--calls: " + calls.status().message());
        }
        server.downstream = std::move(*calls);
    }
    auto http = sample::SampleHttpServer::start(server);
    if (!http) {
        log::error("cannot start the HTTP server", {{"error", http.status().toString()}});
        return 1;
    }

    client::RegistrationOptions self;
    self.service = server.service;
    self.instanceId = server.instanceId;
    self.address = (*http)->address();
    self.labels = {{"version", server.version}, {"color", server.color}};
    if (!server.zone.empty()) {
        self.labels["zone"] = server.zone;
    }
    self.metadata = {{"metrics_path", "/metrics"}};
    self.weight = values["weight"].as<int>();
    self.ttl = std::chrono::duration_cast<std::chrono::seconds>(*ttl);
    const std::string id = server.service + "/" + server.instanceId;
    auto registration = client::Registration::start(
        *channel, self, [id](const client::Registration::Snapshot &snapshot) {
            log::Fields fields = {{"instance", id},
                                  {"state", client::toString(snapshot.state)},
                                  {"lease", snapshot.leaseId}};
            if (!snapshot.lastError.isOk()) {
                fields["error"] = snapshot.lastError.toString();
                log::error("registration", fields);
                return;
            }
            log::info("registration", fields);
        });
    if (!registration) {
        log::error("cannot register", {{"error", registration.status().toString()}});
        return 2;
    }

    // Watches after registering, so that a gray release targeting this instance by its labels
    // finds them in the registry, and its acknowledgements count for this registration (aegisd
    // refuses those of an instance not registered).
    std::unique_ptr<client::ConfigWatcher> configWatcher;
    if (config) {
        if (!(*registration)->waitUntilRegistered(std::chrono::seconds(15))) {
            log::warn("not registered after 15 s; watching the configuration anyway",
                      {{"instance", id}});
        }
        client::ConfigWatcherOptions watch;
        watch.ns = config->first;
        watch.group = config->second;
        watch.service = server.service;
        watch.instanceId = server.instanceId;
        watch.snapshotFile = configSnapshot;
        auto behaviourConfig = std::make_shared<sample::BehaviourConfig>(
            server.behaviour, [&http, id](const sample::Behaviour &behaviour) {
                if (Status set = (*http)->setBehaviour(behaviour); !set.isOk()) {
                    log::warn("behaviour rejected", {{"instance", id}, {"error", set.toString()}});
                    return;
                }
                log::info("behaviour", {{"instance", id},
                                        {"source", behaviour.source},
                                        {"config_version", behaviour.configVersion},
                                        {"latency_ms", behaviour.latency.count()},
                                        {"error_rate", behaviour.errorRate},
                                        {"greeting", behaviour.greeting},
                                        {"features", behaviour.features}});
            });
        auto watcher = client::ConfigWatcher::start(
            *channel, watch, [behaviourConfig, id](const client::ConfigValue &value) {
                auto result = behaviourConfig->onValue(value);
                if (result.isFailed()) {
                    log::warn("config not applied", {{"instance", id},
                                                     {"item", value.ref.path()},
                                                     {"version", value.version},
                                                     {"error", result.error()}});
                }
                return result;
            });
        if (!watcher) {
            log::error("cannot watch config", {{"error", watcher.status().toString()}});
            return 2;
        }
        configWatcher = std::move(*watcher);
    }
    log::info("serving", {{"instance", id},
                          {"address", self.address},
                          {"version", server.version},
                          {"color", server.color},
                          {"calls", callsFlag},
                          {"tracing", !tracing.enabled       ? "disabled"
                                      : !tracing.exportSpans ? "not exported"
                                                             : tracing.exporter.endpoint},
                          {"sampler", tracing.sampler->description()}});

    int signal = 0;
    sigwait(&stopSignals, &signal);
    log::info("stopping: draining, deregistering, then finishing requests in flight",
              {{"instance", id}, {"signal", signal}});
    configWatcher.reset(); // the behaviour stays as it is while draining
    (*http)->setDraining();
    client::GracefulShutdownOptions shutdown;
    shutdown.propagationDelay = *drainDelay;
    shutdown.gracePeriod = *shutdownGrace;
    const auto stopped = client::shutDownGracefully(
        **registration, shutdown,
        [&http](std::chrono::milliseconds grace) { return (*http)->shutdown(grace); },
        [&id](std::string_view step, const Status &outcome) {
            if (outcome.isOk()) {
                log::info("shutdown", {{"instance", id}, {"step", step}});
            } else {
                log::error("shutdown",
                           {{"instance", id}, {"step", step}, {"error", outcome.toString()}});
            }
        });
    // The spans of the last requests go out before the process does.
    (*tracer)->shutdown(std::chrono::seconds(5));
    log::info(
        "stopped",
        {{"instance", id}, {"drained", stopped.drained}, {"elapsed_ms", stopped.elapsed.count()}});
    return 0;
}
