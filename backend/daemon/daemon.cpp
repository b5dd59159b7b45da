#include "daemon/daemon.h"

#include "alerting/alert_engine.h"
#include "alerting/alertmanager_client.h"
#include "alerting/alertmanager_notifier.h"
#include "alerting/alertmanager_silences.h"
#include "alerting/default_rules.h"
#include "alerting/engine_alert_source.h"
#include "alerting/leader_silences.h"
#include "alerting/managed_alertmanager.h"
#include "api/alert_service.h"
#include "api/api_context.h"
#include "api/audit_service.h"
#include "api/auth_service.h"
#include "api/config_service.h"
#include "api/health_service.h"
#include "api/metrics_service.h"
#include "api/parse_failure_interceptor.h"
#include "api/permission_table.h"
#include "api/registry_service.h"
#include "api/rollout_service.h"
#include "api/system_service.h"
#include "api/trace_service.h"
#include "api/watch_service.h"
#include "client/grpc_tracing.h"
#include "cluster/elected_coordinator.h"
#include "cluster/etcd_leases.h"
#include "cluster/leader_singletons.h"
#include "cluster/single_node_coordinator.h"
#include "common/bearer_token.h"
#include "common/duration.h"
#include "common/logging.h"
#include "daemon/data_directory.h"
#include "daemon/http_endpoint.h"
#include "daemon/self_tracing.h"
#include "exposition/build_info.h"
#include "exposition/process_metrics.h"
#include "health/health_monitor.h"
#include "metrics/http_sd.h"
#include "metrics/leader_prometheus_client.h"
#include "metrics/managed_prometheus.h"
#include "metrics/no_metrics_backend.h"
#include "metrics/prometheus_client.h"
#include "registry/etcd_lease_keeper.h"
#include "rollout/audit_log_sink.h"
#include "rollout/exec_driver.h"
#include "rollout/external_driver.h"
#include "rollout/haproxy_router.h"
#include "rollout/process_driver.h"
#include "rollout/registry_instance_source.h"
#include "rollout/registry_router.h"
#include "rollout/rollout_controller.h"
#include "store/etcd_store.h"
#include "store/sqlite_store.h"
#include "tracing/otlp_forwarder.h"
#include "tracing/otlp_grpc_receiver.h"
#include "tracing/otlp_http.h"
#include "tracing/otlp_ingest.h"
#include "tracing/sampling_policy_watch.h"
#include "tracing/tail_sampler.h"
#include "tracing/trace_store.h"
#include "xds/ads_server.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <prometheus/registry.h>

#include <atomic>
#include <cctype>
#include <condition_variable>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>
#include <unistd.h>

#ifndef AEGIS_VERSION
#define AEGIS_VERSION "0.0.0"
#endif

namespace aegis::daemon {
namespace {

constexpr std::size_t kIoThreads = 2;

StatusOr<std::string> readFile(const std::filesystem::path &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return invalidArgument("cannot read " + path.string());
    }
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The contents of a token file without its trailing newline.
std::string trimmed(std::string text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
        text.pop_back();
    }
    return text;
}

// store.backend: etcd.
StatusOr<std::unique_ptr<store::EtcdStore>> openEtcdStore(const DaemonConfig &cfg) {
    store::EtcdStoreOptions options;
    options.prefix = cfg.etcd.prefix;
    options.client.endpoints = cfg.etcd.endpoints;
    options.client.caFile = cfg.etcd.caFile.string();
    options.client.certFile = cfg.etcd.certFile.string();
    options.client.keyFile = cfg.etcd.keyFile.string();
    options.client.username = cfg.etcd.username;
    options.client.dialTimeout = cfg.etcd.dialTimeout;
    options.client.requestTimeout = cfg.etcd.requestTimeout;
    if (!cfg.etcd.passwordFile.empty()) {
        auto password = readFile(cfg.etcd.passwordFile);
        if (!password) {
            return Status(password.status().code(),
                          "store.etcd.password_file: " + password.status().message());
        }
        options.client.password = trimmed(std::move(*password));
    }
    return store::EtcdStore::open(std::move(options));
}

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

// The first certificate in `pem`, or an error naming `option` and `file`. gRPC would only log
// its complaint and fail to listen, which reads like a port problem.
StatusOr<X509Ptr> firstCertificate(const std::string &pem, std::string_view option,
                                   const std::filesystem::path &file) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
    ERR_clear_error();
    if (!cert) {
        return invalidArgument(std::string(option) + ": " + file.string() +
                               " holds no PEM certificate");
    }
    return cert;
}

Status checkTlsFiles(const DaemonConfig &config, const std::string &cert, const std::string &key,
                     const std::string &ca) {
    auto certificate = firstCertificate(cert, "tls.cert_file", config.tlsCertFile);
    if (!certificate) {
        return certificate.status();
    }
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(key.data(), static_cast<int>(key.size())), &BIO_free);
    KeyPtr privateKey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr),
                      &EVP_PKEY_free);
    ERR_clear_error();
    if (!privateKey) {
        return invalidArgument("tls.key_file: " + config.tlsKeyFile.string() +
                               " holds no PEM private key (or it is encrypted)");
    }
    const bool matches = X509_check_private_key(certificate->get(), privateKey.get()) == 1;
    ERR_clear_error();
    if (!matches) {
        return invalidArgument("tls.key_file: " + config.tlsKeyFile.string() +
                               " is not the key of the certificate in " +
                               config.tlsCertFile.string());
    }
    if (!config.tlsClientCaFile.empty()) {
        if (auto authority = firstCertificate(ca, "tls.client_ca_file", config.tlsClientCaFile);
            !authority) {
            return authority.status();
        }
    }
    return Status::ok();
}

// The API's credentials: TLS with tls.cert_file, client certificates required with
// tls.client_ca_file unless `clientCertificates` is false (the OTLP receiver, whose exporters
// authenticate with tracing.bearer_token_file).
StatusOr<std::shared_ptr<grpc::ServerCredentials>>
serverCredentials(const DaemonConfig &config, bool clientCertificates = true) {
    if (config.tlsCertFile.empty()) {
        return grpc::InsecureServerCredentials();
    }
    auto cert = readFile(config.tlsCertFile);
    auto key = readFile(config.tlsKeyFile);
    if (!cert || !key) {
        return cert ? key.status() : cert.status();
    }
    auto ca = config.tlsClientCaFile.empty() ? StatusOr<std::string>(std::string())
                                             : readFile(config.tlsClientCaFile);
    if (!ca) {
        return ca.status();
    }
    if (Status status = checkTlsFiles(config, *cert, *key, *ca); !status.isOk()) {
        return status;
    }
    grpc::SslServerCredentialsOptions options(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    options.pem_key_cert_pairs.push_back({*key, *cert});
    if (!config.tlsClientCaFile.empty() && clientCertificates) {
        options.pem_root_certs = *ca;
        options.client_certificate_request =
            GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
    }
    return grpc::SslServerCredentials(options);
}

// The credentials of this replica's calls to the other replicas (LeaderForwarder): plaintext when
// the replicas serve plaintext; with TLS, the server certificates are checked against
// tls.client_ca_file when set (one CA for the replicas and their clients, and this replica's own
// certificate is then its client certificate), else against the system's roots.
StatusOr<std::shared_ptr<grpc::ChannelCredentials>> peerCredentials(const DaemonConfig &config) {
    if (config.tlsCertFile.empty()) {
        return grpc::InsecureChannelCredentials();
    }
    grpc::SslCredentialsOptions options;
    if (!config.tlsClientCaFile.empty()) {
        auto ca = readFile(config.tlsClientCaFile);
        auto cert = readFile(config.tlsCertFile);
        auto key = readFile(config.tlsKeyFile);
        if (!ca || !cert || !key) {
            return !ca ? ca.status() : !cert ? cert.status() : key.status();
        }
        options.pem_root_certs = *ca;
        options.pem_cert_chain = *cert;
        options.pem_private_key = *key;
    }
    return grpc::SslCredentials(options);
}

// Why binding `hostPort` fails, found by trying it with a plain socket; empty when it binds.
std::string bindProblem(boost::asio::io_context &io, const std::string &hostPort) {
    using boost::asio::ip::tcp;
    const auto colon = hostPort.rfind(':');
    std::string host = hostPort.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    boost::system::error_code error;
    tcp::resolver resolver(io);
    const auto results = resolver.resolve(host, hostPort.substr(colon + 1), error);
    if (error || results.empty()) {
        return "cannot resolve '" + host + "': " + error.message();
    }
    tcp::acceptor acceptor(io);
    acceptor.open(results.begin()->endpoint().protocol(), error);
    if (!error) {
        acceptor.set_option(boost::asio::socket_base::reuse_address(true), error);
        acceptor.bind(results.begin()->endpoint(), error);
    }
    return error ? error.message() : std::string();
}

Status writeReadyFile(const std::filesystem::path &path, const std::string &grpc,
                      const std::string &http, const std::string &otlp, const std::string &xds) {
    const auto temporary = path.string() + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        nlohmann::json ready{{"grpc", grpc}, {"http", http}, {"pid", ::getpid()}};
        if (!otlp.empty()) {
            ready["otlp"] = otlp;
        }
        if (!xds.empty()) {
            ready["xds"] = xds;
        }
        out << ready.dump() << "\n";
        if (!out) {
            return unavailable("cannot write the ready file " + path.string());
        }
    }
    std::filesystem::rename(temporary, path);
    return Status::ok();
}

} // namespace

struct Daemon::Parts {
    // A start that failed half-way: the monitor goes while the io_context it uses still exists.
    ~Parts() {
        if (ioThreads.empty()) {
            io.stop();
        }
        healthMonitor.reset();
        if (alertEngine) {
            alertEngine->stop();
        }
        otlpReceiver.reset();
        xdsServer.reset();
        otlpHttpPool.reset();
        for (auto &forwarder : traceForwarders) {
            forwarder->stop(std::chrono::steady_clock::now());
        }
        stopTailSampling();
        // Commits still queued finish while the modules their callbacks use exist.
        if (traceStore) {
            traceStore->close();
        }
        if (store) {
            store->close();
        }
        rollouts.reset();
        rolloutExtensions->detachDrivers();
        rolloutExtensions.reset();
    }

    DaemonConfig config;
    ClockPtr clock = std::make_shared<SystemClock>();
    std::shared_ptr<prometheus::Registry> metricsRegistry =
        std::make_shared<prometheus::Registry>();
    std::shared_ptr<exposition::ProcessMetrics> processMetrics =
        std::make_shared<exposition::ProcessMetrics>();
    // store.backend: the SQLite file or etcd; exactly one of the two pointers below is set.
    std::unique_ptr<store::Store> store;
    store::SqliteStore *sqliteStore = nullptr; // Not owned: `store`.
    store::EtcdStore *etcdStore = nullptr;     // Not owned: `store`.
    // tracing.store: the span store (<data_dir>/traces.db); null when off. The ingest hands it
    // the spans it accepts, as its tracing::SpanSink (and tail sampling as its
    // TailSamplingStore).
    std::unique_ptr<tracing::TraceStore> traceStore;
    std::unique_ptr<store::WatchHub> hub;
    std::unique_ptr<auth::TokenStore> tokens;
    std::unique_ptr<audit::AuditLog> audit;
    std::unique_ptr<registry::Registry> registry;
    std::unique_ptr<config::SecretBox> secrets;
    std::unique_ptr<config::ConfigCenter> configCenter;
    health::ProberRegistry probers;
    std::unique_ptr<health::HealthMonitor> healthMonitor;
    // Its drivers' and routers' strands use `io`: reset in ~Parts, before `io` goes.
    std::unique_ptr<rollout::ExtensionRegistry> rolloutExtensions =
        std::make_unique<rollout::ExtensionRegistry>();
    std::unique_ptr<rollout::RegistryInstanceSource> rolloutInstances;
    std::unique_ptr<rollout::AuditLogSink> rolloutAudit;
    std::unique_ptr<rollout::RolloutController> rollouts;
    std::unique_ptr<alerting::EngineAlertSource> rolloutAlerts;
    api::StreamCloser streams;
    api::CallTracker calls;
    std::unique_ptr<api::FailedAuthLimiter> failedAuth;
    // Who this replica is among those on the store, whether it leads, and whether it takes
    // writes; set once the gRPC address is known, then read through `coordinatorView` by the
    // health monitor (which shards its checks by it) from its own threads.
    std::unique_ptr<cluster::Coordinator> coordinator;
    std::atomic<cluster::Coordinator *> coordinatorView{nullptr};
    // The work only the leader does; the coordinator starts and stops it.
    cluster::LeaderSingletons singletons;
    // The store's leases where it has them (etcd: cluster::EtcdLeases over the store's client),
    // set with the store; null on SQLite, where this replica is alone.
    cluster::LeaseApiPtr storeLeases;
    // Set by the singletons of that name: their timers act only while these hold.
    std::atomic<bool> compacting{false};
    std::atomic<bool> expiringLeases{false};
    std::unique_ptr<api::RpcMetrics> rpcMetrics;
    std::unique_ptr<api::ForwardProof> forwardProof;
    std::unique_ptr<api::ApiContext> api;
    std::unique_ptr<api::SystemServiceImpl> systemService;
    std::unique_ptr<api::AuthServiceImpl> authService;
    std::unique_ptr<api::AuditServiceImpl> auditService;
    std::unique_ptr<api::RegistryServiceImpl> registryService;
    std::unique_ptr<api::HealthServiceImpl> healthService;
    std::unique_ptr<api::ConfigServiceImpl> configService;
    // Carries leader-only calls from this replica to the leader (etcd only).
    std::unique_ptr<api::LeaderForwarder> leaderForwarder;
    std::unique_ptr<api::RolloutServiceImpl> rolloutService;
    std::unique_ptr<api::MetricsServiceImpl> metricsService;
    std::unique_ptr<api::AlertServiceImpl> alertService;
    std::unique_ptr<api::TraceServiceImpl> traceService;
    std::unique_ptr<api::WatchServiceImpl> watchService;
    std::unique_ptr<grpc::Server> server;
    std::string grpcAddress;
    // The xDS server for gRPC clients on xds.listen (null when it is "").
    std::unique_ptr<xds::AdsServer> xdsServer;
    // aegisd's spans of its own RPCs (tracing.self.sample_ratio); null when off.
    client::TracerPtr selfTracer;

    boost::asio::io_context io;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work =
        boost::asio::make_work_guard(io);
    std::vector<std::thread> ioThreads;
    // Built on `io`'s executor, so declared after it (destroyed before it).
    // What MetricsService and rollout analysis query: a client of the managed child or of the
    // external store, or the refusal of metrics.backend: none.
    std::unique_ptr<metrics::QueryBackend> metricsBackend;
    // metrics.backend: managed. The client of the leader's child, which probes it and says
    // whether it answers (what a follower reports).
    const metrics::LeaderPrometheusClient *leaderMetrics = nullptr;
    // metrics.backend: external. The client, which probes the store and says whether it answers.
    const metrics::PrometheusClient *externalMetrics = nullptr;
    std::unique_ptr<HttpEndpoint> http;
    std::unique_ptr<boost::asio::steady_timer> compactionTimer;
    std::unique_ptr<boost::asio::steady_timer> traceRetentionTimer;
    // metrics.backend: managed. Its work runs on `io`: declared after it, it goes first.
    std::unique_ptr<metrics::ManagedPrometheus> managedPrometheus;
    // The bearer secret of the managed Prometheus' service discovery ("" when not managed).
    std::string discoverySecret;
    // alerting.alertmanager: managed / external (none: all null). On `io`, like the above.
    std::unique_ptr<alerting::ManagedAlertmanager> managedAlertmanager;
    std::unique_ptr<alerting::AlertmanagerNotifier> alertNotifier;
    // Silences: the leader's managed Alertmanager, or the external ones.
    std::unique_ptr<alerting::SilenceApi> alertSilences;
    // Evaluates the rules through `metricsBackend` and notifies through `alertNotifier`.
    std::unique_ptr<alerting::AlertEngine> alertEngine;

    // Tracing, ingest side: where accepted spans go (the span store adds itself to spanSinks and
    // as tailSamplingStore before startTracing(); the forwarders are added there), the ingest
    // behind the OTLP/gRPC receiver and /v1/traces, the sampling policy and the tail sampler.
    std::vector<tracing::SpanSink *> spanSinks;              // Not owned.
    tracing::TailSamplingStore *tailSamplingStore = nullptr; // Not owned.
    std::vector<std::unique_ptr<tracing::OtlpForwarder>> traceForwarders;
    std::unique_ptr<tracing::OtlpIngest> ingest;
    std::unique_ptr<tracing::SamplingPolicyWatch> samplingWatch;
    std::unique_ptr<tracing::TailSampler> tailSampler;
    std::unique_ptr<tracing::OtlpGrpcReceiver> otlpReceiver;
    // Decompresses, parses and ingests POST /v1/traces, so large exports never hold the io pool
    // that serves /healthz, /readyz and the lease timer.
    std::unique_ptr<boost::asio::thread_pool> otlpHttpPool;
    // Tail sampling rounds scan SQLite and wait on the span store's writer, so they run on their
    // own thread, one at a time, never on the io pool.
    std::jthread tailSamplingThread;

    // Ends tail sampling after the round in progress; before the span store closes.
    void stopTailSampling() {
        if (tailSamplingThread.joinable()) {
            tailSamplingThread.request_stop();
            tailSamplingThread.join();
        }
    }

    std::once_flag shutdownOnce;
    // Orders the store's readiness reports against shutdown's "not ready".
    std::mutex readinessMutex;
    // What the store last said of its writes (readinessMutex).
    Status storeWrites;

    // Set when shutdown begins: periodic work stops, and in particular no lease expires while
    // clients cannot reach us to renew it.
    std::atomic<bool> stopping{false};

    // Lease expiry, the end of ejections and of expired tokens' streams: one thread of its own,
    // so an idle daemon wakes one thread ten times a second rather than a thread for each, and
    // not both io threads (a timer on the pool wakes the one in epoll and then hands the reactor
    // to the other). Declared after all it uses, so it stops before they go.
    std::jthread housekeepingThread;

    // Runs `task` on the io pool every `interval` until shutdown begins.
    void every(boost::asio::steady_timer &timer, std::chrono::milliseconds interval,
               std::function<void()> task) {
        timer.expires_after(interval);
        timer.async_wait(
            [this, &timer, interval, task = std::move(task)](boost::system::error_code error) {
                if (error || stopping) {
                    return;
                }
                task();
                every(timer, interval, task);
            });
    }

    // What GetStatus and MetricsService say of the metrics backend.
    metrics::BackendStatus metricsStatus() const {
        const metrics::MetricsSettings &settings = config.metrics;
        switch (settings.mode) {
        case metrics::BackendMode::Managed: {
            // The leader runs the child and says what its supervisor sees; a follower, what its
            // client of the leader's child sees.
            const cluster::Coordinator *leading = coordinatorView;
            if (managedPrometheus && (leading == nullptr || leading->isLeader())) {
                return managedPrometheus->status();
            }
            return leaderMetrics ? leaderMetrics->status() : metrics::BackendStatus{};
        }
        case metrics::BackendMode::External:
            return externalMetrics ? externalMetrics->status() : metrics::BackendStatus{};
        case metrics::BackendMode::None:
            break;
        }
        return {};
    }

    // GET /sd/prometheus: the http_sd targets, for a valid aegis token or the managed child's
    // secret.
    HttpResponse serveDiscovery(const HttpRequest &request) const {
        const std::string_view token = bearerToken(request.authorization);
        const bool childSecret =
            !discoverySecret.empty() && token.size() == discoverySecret.size() &&
            CRYPTO_memcmp(token.data(), discoverySecret.data(), token.size()) == 0;
        if (token.empty() || (!childSecret && !tokens->authenticate(token))) {
            return {401,
                    {},
                    "unauthorized: send \"Authorization: Bearer <token>\" with an aegis token\n",
                    {{"WWW-Authenticate", "Bearer realm=\"aegisd\""}}};
        }
        std::vector<registry::Instance> instances;
        registry::InstanceQuery query;
        query.includeUnroutable = true;
        query.pageSize = 10000;
        for (;;) {
            auto page = registry->listInstances(query);
            if (!page) {
                return {503, {}, page.status().message() + "\n", {}};
            }
            std::move(page->items.begin(), page->items.end(), std::back_inserter(instances));
            if (page->nextPageToken.empty()) {
                break;
            }
            query.pageToken = page->nextPageToken;
        }
        return {200,
                "application/json",
                metrics::httpSdTargetGroups(instances, aegisdScrapeAddresses()).dump(),
                {}};
    }

    // The HTTP endpoints of every live replica, this one first, for whichever Prometheus scrapes
    // them (the leader's managed one scrapes them all). Another replica listening on an
    // unspecified address (0.0.0.0) cannot be reached through it and is left out.
    std::vector<std::string> aegisdScrapeAddresses() const {
        std::vector<std::string> addresses{http->address()};
        const cluster::Coordinator *view = coordinatorView;
        if (view == nullptr) {
            return addresses;
        }
        const cluster::ClusterStatus cluster = view->status();
        for (const cluster::ReplicaStatus &replica : cluster.replicas) {
            const std::string &address = replica.info.httpAddress;
            if (replica.info.id == cluster.selfId || address.empty() ||
                address.rfind("0.0.0.0:", 0) == 0 || address.rfind("[::]:", 0) == 0) {
                continue;
            }
            addresses.push_back(address);
        }
        return addresses;
    }

    // The base URL of a managed child (`service`: "prometheus", "alertmanager") to send calls
    // to: this replica's own while it leads (or before it joined the others), the leader's as
    // its membership record announces it otherwise.
    StatusOr<std::string> leaderService(std::string_view service, std::string_view what,
                                        const std::string &ownUrl) const {
        const cluster::Coordinator *view = coordinatorView;
        if (view == nullptr || view->isLeader()) {
            return ownUrl;
        }
        return cluster::leaderServiceUrl(view->status(), service, what);
    }

    // Prepares the managed Prometheus (its data directory and port), which runs on the leader
    // only (a leader singleton) and discovers its targets from our HTTP endpoint; queries go to
    // the leader's child, wherever it runs.
    Status startManagedPrometheus() {
        const metrics::MetricsSettings &settings = config.metrics;
        metrics::ManagedPrometheusOptions options;
        options.settings = settings;
        options.directory = config.dataDir / "prometheus";
        options.discoveryTokenFile = options.directory / "sd.token";
        // An unspecified listen address is reached on loopback.
        std::string address = http->address();
        if (address.rfind("0.0.0.0:", 0) == 0) {
            address = "127.0.0.1" + address.substr(7);
        } else if (address.rfind("[::]:", 0) == 0) {
            address = "[::1]" + address.substr(4);
        }
        options.discoveryUrl = "http://" + address + std::string(metrics::kHttpSdPath);
        const char *path = std::getenv("PATH");
        options.searchPath = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
        options.clock = clock;
        managedPrometheus =
            std::make_unique<metrics::ManagedPrometheus>(io.get_executor(), std::move(options));
        if (Status status = managedPrometheus->prepare(); !status.isOk()) {
            return status;
        }
        metrics::PrometheusClientOptions client;
        client.mode = metrics::BackendMode::Managed;
        client.probeInterval = std::chrono::seconds(5);
        client.clock = clock;
        auto queries = std::make_unique<metrics::LeaderPrometheusClient>(
            io.get_executor(),
            [this, own = managedPrometheus->url()] {
                return leaderService("prometheus", "the managed Prometheus", own);
            },
            client);
        leaderMetrics = queries.get();
        metricsBackend = std::move(queries);
        return Status::ok();
    }

    // The QueryBackend of metrics.backend, before anything that queries it.
    Status startMetricsBackend() {
        const metrics::MetricsSettings &settings = config.metrics;
        switch (settings.mode) {
        case metrics::BackendMode::Managed:
            // The child is spawned from the io pool, whose threads live until shutdown: its
            // parent-death signal follows the thread that started it.
            return startManagedPrometheus();
        case metrics::BackendMode::External: {
            auto options = metrics::PrometheusClientOptions::fromSettings(settings);
            if (!options) {
                return options.status();
            }
            options->clock = clock;
            auto client = metrics::PrometheusClient::create(io.get_executor(), settings.externalUrl,
                                                            *options);
            if (!client) {
                return Status(client.status().code(),
                              "metrics.external.url: " + client.status().message());
            }
            externalMetrics = client->get();
            metricsBackend = std::move(*client);
            return Status::ok();
        }
        case metrics::BackendMode::None:
            break;
        }
        metricsBackend = std::make_unique<metrics::NoMetricsBackend>(
            io.get_executor(), metrics::NoMetricsBackend::turnedOff());
        return Status::ok();
    }

    // The Alertmanagers of alerting.alertmanager: a managed child or the external URLs, with
    // the notifier and silences over them; nothing for none.
    Status startAlertmanagers() {
        const alerting::AlertingSettings &settings = config.alerting;
        std::vector<alerting::AlertmanagerClientPtr> clients;
        switch (settings.alertmanagerMode) {
        case alerting::AlertmanagerMode::None:
            return Status::ok();
        case alerting::AlertmanagerMode::Managed: {
            alerting::ManagedAlertmanagerOptions options;
            options.settings = settings;
            options.directory = config.dataDir / "alertmanager";
            options.store = store.get();
            options.config = configCenter.get();
            const char *path = std::getenv("PATH");
            options.searchPath = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
            options.clock = clock;
            managedAlertmanager =
                std::make_unique<alerting::ManagedAlertmanager>(io.get_executor(), options);
            // It runs on the leader only (a leader singleton), and so does the alert engine that
            // notifies it through `clients`; silences go to the leader's, wherever it runs.
            if (Status status = managedAlertmanager->prepare(); !status.isOk()) {
                return status;
            }
            alerting::AlertmanagerClientOptions client;
            client.clock = clock;
            auto created = alerting::AlertmanagerClient::create(io.get_executor(),
                                                                managedAlertmanager->url(), client);
            if (!created) {
                return created.status();
            }
            clients.push_back(std::move(*created));
            break;
        }
        case alerting::AlertmanagerMode::External: {
            auto client = alerting::AlertmanagerClientOptions::fromSettings(settings);
            if (!client) {
                return client.status();
            }
            client->clock = clock;
            for (const std::string &url : settings.externalUrls) {
                auto created =
                    alerting::AlertmanagerClient::create(io.get_executor(), url, *client);
                if (!created) {
                    return Status(created.status().code(),
                                  "alerting.external.urls: " + created.status().message());
                }
                clients.push_back(std::move(*created));
            }
            break;
        }
        }
        alertNotifier = std::make_unique<alerting::AlertmanagerNotifier>(clients);
        alerting::AlertmanagerSilencesOptions silences;
        silences.clock = clock;
        if (managedAlertmanager) {
            silences.managedRestarts = [this] {
                const cluster::Coordinator *view = coordinatorView;
                return view == nullptr || view->isLeader()
                           ? static_cast<int>(managedAlertmanager->status().child.restarts)
                           : 0;
            };
            alerting::AlertmanagerClientOptions client;
            client.clock = clock;
            alertSilences = std::make_unique<alerting::LeaderSilences>(
                io.get_executor(),
                [this, own = managedAlertmanager->url()] {
                    return leaderService("alertmanager", "the managed Alertmanager", own);
                },
                client, silences);
            return Status::ok();
        }
        alertSilences = std::make_unique<alerting::AlertmanagerSilences>(
            io.get_executor(), std::move(clients), silences);
        return Status::ok();
    }

    // Creates the shipped rule file when alerting.default_rules asks for it and it does not
    // exist: an ordinary publish by "aegisd", so it is versioned and editable like any other.
    void createDefaultRules() {
        const config::ItemRef ref{std::string(alerting::kAlertingNamespace),
                                  std::string(alerting::kRulesGroup),
                                  std::string(alerting::kDefaultRulesFile)};
        if (!config.alerting.defaultRules || configCenter->item(ref)) {
            return;
        }
        config::Change change;
        change.ref = ref;
        change.format = config::Format::Yaml;
        change.content = alerting::defaultRuleFile();
        std::promise<StatusOr<config::PublishResult>> published;
        configCenter->publish(
            {std::move(change)}, "the rules aegisd ships (alerting.default_rules)",
            config::Author{"aegisd", false}, [&published](StatusOr<config::PublishResult> result) {
                published.set_value(std::move(result));
            });
        const auto result = published.get_future().get();
        if (!result) {
            // Another replica may have created it meanwhile; either way aegisd serves on.
            log::warn("default alert rules not created", {{"error", result.status().message()}});
        } else {
            log::info("created the default alert rules", {{"item", ref.path()}});
        }
    }

    // The ingest with its sinks (the store's, then one forwarder per tracing.forward.endpoints
    // entry), the sampling policy followed from the config center, and POST /v1/traces. Before
    // the HTTP endpoint listens; the OTLP/gRPC receiver starts in startOtlpReceiver().
    Status startTracing(prometheus::Registry &metrics) {
        const tracing::TracingSettings &settings = config.tracing;
        tracing::SamplingPolicyWatch::registerValidation(*configCenter);
        if (!settings.enabled) {
            return Status::ok();
        }
        tracing::OtlpIngestOptions options;
        options.limits = settings.limits;
        options.clock = clock;
        options.tailSampled = tailSamplingStore != nullptr;
        if (!settings.bearerTokenFile.empty()) {
            auto token = readFile(settings.bearerTokenFile);
            if (!token) {
                return token.status();
            }
            options.bearerToken = trimmed(*token);
            if (options.bearerToken.empty()) {
                return invalidArgument("tracing.bearer_token_file: " +
                                       settings.bearerTokenFile.string() + " is empty");
            }
        }
        ingest = std::make_unique<tracing::OtlpIngest>(options);
        ingest->exportMetrics(metrics);
        for (tracing::SpanSink *sink : spanSinks) {
            ingest->addSink(*sink);
        }
        std::string forwardToken;
        std::string forwardCa;
        if (!settings.forwardBearerTokenFile.empty()) {
            auto token = readFile(settings.forwardBearerTokenFile);
            if (!token) {
                return token.status();
            }
            forwardToken = trimmed(*token);
        }
        if (!settings.forwardCaFile.empty()) {
            auto ca = readFile(settings.forwardCaFile);
            if (!ca) {
                return ca.status();
            }
            forwardCa = std::move(*ca);
        }
        for (const std::string &endpoint : settings.forwardEndpoints) {
            tracing::OtlpForwarderOptions forward;
            forward.endpoint = endpoint;
            forward.caPem = forwardCa;
            forward.bearerToken = forwardToken;
            forward.queueSpans = settings.forwardQueueSpans;
            forward.queueBytes = settings.forwardQueueBytes;
            forward.metrics = ingest->metrics();
            traceForwarders.push_back(std::make_unique<tracing::OtlpForwarder>(forward));
            ingest->addSink(*traceForwarders.back());
        }

        samplingWatch = std::make_unique<tracing::SamplingPolicyWatch>(
            *store, *configCenter,
            [this](tracing::SamplingPolicyPtr policy, std::int64_t version, std::string yaml) {
                ingest->setPolicy(std::move(policy), version, std::move(yaml));
            });
        if (Status status = samplingWatch->load(); !status.isOk()) {
            return status;
        }
        if (tailSamplingStore != nullptr) {
            tailSampler = std::make_unique<tracing::TailSampler>(
                *tailSamplingStore, [this] { return ingest->policy(); },
                tracing::TailSamplerOptions{clock});
            tailSampler->setMetrics(ingest->metrics());
        }
        if (settings.otlpHttp) {
            otlpHttpPool = std::make_unique<boost::asio::thread_pool>(2);
            const auto toHttp = [](tracing::OtlpHttpResponse answer) {
                return HttpResponse{answer.status, std::move(answer.contentType),
                                    std::move(answer.body), std::move(answer.headers)};
            };
            http->routePost(
                std::string(tracing::kOtlpHttpTracesPath),
                static_cast<std::size_t>(settings.limits.maxRequestBytes),
                [this, toHttp](HttpRequest &&request, HttpResponder respond) {
                    boost::asio::post(*otlpHttpPool, [this, toHttp, request = std::move(request),
                                                      respond = std::move(respond)]() mutable {
                        tracing::serveOtlpHttp(*ingest,
                                               {request.contentType, request.contentEncoding,
                                                request.authorization, std::move(request.body)},
                                               [toHttp, respond = std::move(respond)](
                                                   tracing::OtlpHttpResponse answer) {
                                                   respond(toHttp(std::move(answer)));
                                               });
                    });
                },
                toHttp(tracing::otlpHttpTooLarge(settings.limits.maxRequestBytes)),
                [this, toHttp](std::string_view authorization) -> std::optional<HttpResponse> {
                    if (auto refusal = tracing::otlpHttpAuthorize(*ingest, authorization)) {
                        return toHttp(std::move(*refusal));
                    }
                    return std::nullopt;
                });
        }
        return Status::ok();
    }

    // The OTLP/gRPC receiver on tracing.otlp_listen (none when tracing is off or it is "").
    Status startOtlpReceiver() {
        const tracing::TracingSettings &settings = config.tracing;
        if (!ingest) {
            return Status::ok();
        }
        if (!settings.otlpListen.empty()) {
            auto credentials = serverCredentials(config, false);
            if (!credentials) {
                return credentials.status();
            }
            otlpReceiver = std::make_unique<tracing::OtlpGrpcReceiver>(*ingest);
            if (Status status = otlpReceiver->start(settings.otlpListen, *credentials);
                !status.isOk()) {
                return status;
            }
        }
        ingest->setAddresses(otlpReceiver ? otlpReceiver->address() : std::string(),
                             settings.otlpHttp ? std::string(tracing::kOtlpHttpTracesPath)
                                               : std::string());
        return Status::ok();
    }

    // What GetTracingStatus reports of the ingest and the forwarders.
    tracing::IngestStatus ingestStatus() const {
        tracing::IngestStatus status = ingest ? ingest->status() : tracing::IngestStatus{};
        for (const auto &forwarder : traceForwarders) {
            status.forwarding.push_back(forwarder->status());
        }
        return status;
    }

    // Readiness (/readyz and grpc.health.v1) from the store's write health and the
    // coordinator's: not ready while either refuses writes, saying why. The coordinator's reason
    // first: it is what writes are refused with (a replica cut off from etcd, since when).
    void updateReadiness() {
        std::lock_guard lock(readinessMutex);
        if (stopping) {
            return;
        }
        Status writes = coordinator ? coordinator->writable() : Status::ok();
        if (writes.isOk() && !storeWrites.isOk()) {
            writes = Status(storeWrites.code(), "the store cannot write: " + storeWrites.message());
        }
        server->GetHealthCheckService()->SetServingStatus(writes.isOk());
        http->setReady(writes.isOk(), writes.message());
    }

    // The leader-only work, started in this order when this replica gains leadership and
    // stopped in the reverse order when it loses it (docs/high-availability.md).
    void addSingletons() {
        // The managed children first: alert evaluation and rollout analysis query the one and
        // notify the other, and they stop last, once nothing of this replica uses them. Their
        // stop waits for the child to exit (SIGTERM; SIGKILL after 5 s).
        if (managedPrometheus) {
            singletons.add({"managed Prometheus", [this] { return managedPrometheus->start(); },
                            [this] { managedPrometheus->stop(); }});
        }
        if (managedAlertmanager) {
            singletons.add({"managed Alertmanager", [this] { return managedAlertmanager->start(); },
                            [this] { managedAlertmanager->stop(); }});
        }
        singletons.add({"lease expiry",
                        [this] {
                            // Leases restored from the store, or renewed through another replica
                            // until now, get a full TTL before this replica expires any.
                            registry->startLeaseClocks();
                            expiringLeases = true;
                            return Status::ok();
                        },
                        [this] { expiringLeases = false; }});
        singletons.add({"compaction",
                        [this] {
                            compacting = true;
                            return Status::ok();
                        },
                        [this] { compacting = false; }});
        singletons.add({"rollouts", [this] { return rollouts->start(); },
                        [this] {
                            rollouts->stop(
                                "this replica is not the leader: rollouts are run by the leader; "
                                "retry in a few seconds (aegisctl status shows which one leads)");
                        }});
        singletons.add({"alert evaluation",
                        [this] {
                            // Evaluation queries through the io pool, so it starts once the pool
                            // runs.
                            if (config.alerting.enabled) {
                                alertEngine->start();
                            }
                            return Status::ok();
                        },
                        [this] { alertEngine->stop(); }});
    }

    // Joins the replicas on the store: elected among them where the store has leases (etcd),
    // alone and always the leader on SQLite.
    Status startCoordinator() {
        // Where the other replicas reach this one: the addresses it listens on, under
        // cluster.advertise_address when that is set (config validation refuses a wildcard
        // listen address on etcd without it).
        const auto announced = [this](const std::string &address) {
            return config.advertiseAddress.empty()
                       ? address
                       : config.advertiseAddress + address.substr(address.rfind(':'));
        };
        cluster::ReplicaInfo self;
        self.grpcAddress = announced(grpcAddress);
        self.httpAddress = announced(http->address());
        self.version = AEGIS_VERSION;
        self.startedAt = clock->now();
        // Where this replica's managed children listen while it leads: the others query them.
        if (managedPrometheus) {
            self.leaderServices["prometheus"] = managedPrometheus->url();
        }
        if (managedAlertmanager) {
            self.leaderServices["alertmanager"] = managedAlertmanager->url();
        }
        self.id = config.replicaId;
        if (self.id.empty()) {
            char host[256] = {};
            ::gethostname(host, sizeof host - 1);
            self.id = std::string(host) + grpcAddress.substr(grpcAddress.rfind(':'));
        }
        if (storeLeases) {
            cluster::ElectedCoordinatorOptions options;
            options.self = std::move(self);
            options.leaseTtl = config.leaderLeaseTtl;
            options.mode = store->kind();
            options.clock = clock;
            coordinator = std::make_unique<cluster::ElectedCoordinator>(
                *store, std::move(storeLeases), std::move(options));
        } else {
            coordinator = std::make_unique<cluster::SingleNodeCoordinator>(std::move(self));
        }
        coordinatorView = coordinator.get();
        cluster::CoordinatorHooks hooks;
        hooks.leadershipChanged = [this](bool leader) {
            log::info(leader ? "leading: starting the leader's work"
                             : "no longer leading: stopping the leader's work",
                      {{"replica", coordinator->replicaId()}});
            if (leader) {
                singletons.lead();
            } else {
                singletons.follow();
            }
        };
        hooks.membersChanged = [this] {
            if (healthMonitor) {
                healthMonitor->reshard();
            }
        };
        hooks.writabilityChanged = [this](const Status &) { updateReadiness(); };
        return coordinator->start(std::move(hooks));
    }

    void compactEventLog() {
        const auto target = store->currentRevision() - config.eventRetention;
        if (target <= store->compactRevision()) {
            return;
        }
        // Blocks this io thread until the writer has done it; the pool has another.
        if (Status status = store->compact(target); status.isOk()) {
            log::info("event log compacted", {{"compact_revision", target}});
        } else {
            log::warn("compaction failed", {{"error", status.message()}});
        }
    }
};

Daemon::Daemon(std::unique_ptr<Parts> parts)
    : m_parts(std::move(parts)) {}

Daemon::~Daemon() {
    shutdown();
}

std::string Daemon::grpcAddress() const {
    return m_parts->grpcAddress;
}
std::string Daemon::httpAddress() const {
    return m_parts->http->address();
}

StatusOr<std::unique_ptr<Daemon>> Daemon::start(DaemonConfig config) {
    if (Status coverage = api::checkPermissionTableCoverage(); !coverage.isOk()) {
        return coverage;
    }
    auto parts = std::make_unique<Parts>();
    Parts &p = *parts;
    p.config = std::move(config);
    const DaemonConfig &cfg = p.config;

    const bool onEtcd = cfg.storeBackend == "etcd";
    if (Status status = prepareDataDirectory(cfg.dataDir, cfg.initialise, !onEtcd);
        !status.isOk()) {
        return status;
    }
    // Every module's metrics go to the one registry /metrics serves, before the module works.
    prometheus::Registry &metrics = *p.metricsRegistry;
    if (onEtcd) {
        auto store = openEtcdStore(cfg);
        if (!store) {
            return store.status();
        }
        p.etcdStore = store->get();
        p.store = std::move(*store);
        // The replicas elect their leader and keep their membership on etcd leases.
        p.storeLeases = std::make_unique<cluster::EtcdLeases>(p.etcdStore->client());
    } else {
        auto store = store::SqliteStore::open({cfg.dataDir / kStoreFileName});
        if (!store) {
            return store.status();
        }
        p.sqliteStore = store->get();
        p.store = std::move(*store);
        p.sqliteStore->exportMetrics(metrics);
    }
    p.hub = std::make_unique<store::WatchHub>(
        *p.store, store::WatchHubOptions{16384, static_cast<std::size_t>(cfg.watchQueueLimit)});
    p.hub->exportMetrics(metrics);
    p.hub->attach();
    p.tokens = std::make_unique<auth::TokenStore>(*p.store, p.clock);
    p.audit = std::make_unique<audit::AuditLog>(*p.store, p.clock);
    // On etcd, registry leases are etcd leases: they outlive the replica that granted them.
    registry::LeaseKeeperPtr leaseKeeper;
    if (onEtcd) {
        leaseKeeper = std::make_unique<registry::EtcdLeaseKeeper>(p.etcdStore->client());
    }
    p.registry = std::make_unique<registry::Registry>(*p.store, p.clock, registry::RegistryLimits{},
                                                      std::move(leaseKeeper));
    // On etcd every replica seals and opens secrets with the same key, from a file of its own:
    // the key never goes into the store.
    auto secrets = config::SecretBox::openOrCreate(onEtcd ? cfg.etcd.secretsKeyFile
                                                          : cfg.dataDir / "config.key");
    if (!secrets) {
        return secrets.status();
    }
    p.secrets = std::move(*secrets);
    p.configCenter = std::make_unique<config::ConfigCenter>(*p.store, *p.secrets, p.clock);
    p.registry->exportMetrics(metrics);
    p.configCenter->exportMetrics(metrics);
    for (Status status :
         {p.tokens->load(), p.audit->load(), p.registry->load(), p.configCenter->load()}) {
        if (!status.isOk()) {
            return status;
        }
    }
    const auto tokenFile = cfg.dataDir / "admin.token";
    if (p.tokens->count() == 0 && std::filesystem::exists(tokenFile)) {
        // Bootstrapping would replace a token file that an operator or a script may still use.
        return failedPrecondition(
            "the store holds no token, but " + tokenFile.string() +
            " exists; it is never overwritten: move it aside to have a new admin token created "
            "there, or restore the store " +
            (cfg.dataDir / kStoreFileName).string() + " from a backup");
    }
    auto bootstrapped = p.tokens->bootstrapAdmin(tokenFile);
    if (!bootstrapped) {
        return bootstrapped.status();
    }
    if (*bootstrapped) {
        log::info("created the admin token", {{"token_file", tokenFile.string()}});
    }
    // The span store beside the main one, once that one is known good.
    if (cfg.tracing.enabled && cfg.tracing.store) {
        auto traces = tracing::TraceStore::open(
            tracing::TraceStoreOptions::fromSettings(cfg.dataDir / "traces.db", cfg.tracing));
        if (!traces) {
            return traces.status();
        }
        p.traceStore = std::move(*traces);
        p.traceStore->exportMetrics(metrics);
        p.spanSinks.push_back(p.traceStore.get());
        p.tailSamplingStore = p.traceStore.get();
    }
    health::registerBuiltinProbers(p.probers);
    health::HealthMonitorOptions healthOptions;
    healthOptions.outlier.consecutiveFailures =
        static_cast<unsigned>(cfg.outlierConsecutiveFailures);
    healthOptions.outlier.baseEjectionTime = cfg.outlierBaseEjection;
    healthOptions.outlier.maxEjectionTime = cfg.outlierMaxEjection;
    healthOptions.outlier.maxEjectedShare =
        static_cast<double>(cfg.outlierMaxEjectedPercent) / 100.0;
    healthOptions.historyLimit = static_cast<std::size_t>(cfg.healthHistoryLimit);
    healthOptions.jitterSeed = static_cast<std::uint64_t>(::getpid());
    // Each instance is checked by one live replica (before this one joins: by this one).
    healthOptions.owns = [&p](std::string_view instanceKey) {
        const cluster::Coordinator *coordinator = p.coordinatorView;
        return coordinator == nullptr || coordinator->owns(instanceKey);
    };
    p.healthMonitor = std::make_unique<health::HealthMonitor>(*p.store, *p.registry, p.io,
                                                              p.probers, p.clock, healthOptions);
    p.healthMonitor->exportMetrics(metrics);
    if (Status status = p.healthMonitor->start(); !status.isOk()) {
        return status;
    }

    // The HTTP side binds first: a failure here leaves no gRPC server with calls to wind down,
    // and the managed Prometheus discovers its targets there.
    p.http = std::make_unique<HttpEndpoint>(
        p.io,
        std::vector<std::shared_ptr<prometheus::Collectable>>{p.processMetrics, p.metricsRegistry});
    if (cfg.metrics.mode == metrics::BackendMode::Managed) {
        std::error_code error;
        std::filesystem::create_directories(cfg.dataDir / "prometheus", error);
        auto secret = metrics::writeDiscoverySecret(cfg.dataDir / "prometheus" / "sd.token");
        if (!secret) {
            return secret.status();
        }
        p.discoverySecret = std::move(*secret);
    }
    p.http->route(std::string(metrics::kHttpSdPath),
                  [&p](const HttpRequest &request) { return p.serveDiscovery(request); });
    if (Status status = p.startTracing(metrics); !status.isOk()) {
        return status;
    }
    if (Status status = p.http->listen(cfg.httpListen); !status.isOk()) {
        return status;
    }
    if (Status status = p.startOtlpReceiver(); !status.isOk()) {
        return status;
    }
    if (Status status = p.startMetricsBackend(); !status.isOk()) {
        return status;
    }

    // Alerting: Alertmanager first (the engine notifies it), then the engine over the metrics
    // backend (none when metrics are off: rules are then not evaluated).
    if (Status status = p.startAlertmanagers(); !status.isOk()) {
        return status;
    }
    metrics::QueryBackend *alertQueries =
        cfg.metrics.mode == metrics::BackendMode::None ? nullptr : p.metricsBackend.get();
    p.alertEngine = std::make_unique<alerting::AlertEngine>(
        *p.store, *p.configCenter, alertQueries, p.alertNotifier.get(), p.clock, cfg.alerting);
    p.alertEngine->exportMetrics(metrics);
    if (Status status = p.alertEngine->load(); !status.isOk()) {
        return status;
    }
    p.createDefaultRules();
    if (cfg.alerting.enabled) {
        p.rolloutAlerts = std::make_unique<alerting::EngineAlertSource>(*p.alertEngine);
    }

    // Rollouts: the embedded drivers and routers, then the controller (a leader singleton: it
    // adopts what earlier runs deployed and resumes every rollout when this replica leads).
    rollout::ProcessDriverOptions processOptions;
    processOptions.logDir = cfg.dataDir / "deployments";
    processOptions.onStateChanged = [&p](const std::string &service, rollout::Color color,
                                         const rollout::DriverState &state) {
        if (p.rollouts) {
            p.rollouts->driverStateChanged(service, color, state);
        }
    };
    const auto executor = p.io.get_executor();
    for (Status status :
         {p.rolloutExtensions->addDriver(
              std::make_shared<rollout::ProcessDriver>(executor, processOptions)),
          p.rolloutExtensions->addDriver(std::make_shared<rollout::ExecDriver>(executor)),
          p.rolloutExtensions->addDriver(std::make_shared<rollout::ExternalDriver>(executor)),
          p.rolloutExtensions->addRouter(
              std::make_shared<rollout::RegistryRouter>(*p.registry, executor)),
          p.rolloutExtensions->addRouter(std::make_shared<rollout::HaproxyRouter>(executor)),
          p.rolloutExtensions->setDefaultDriver("process"),
          p.rolloutExtensions->setDefaultRouter("registry")}) {
        if (!status.isOk()) {
            return status;
        }
    }
    p.rolloutInstances = std::make_unique<rollout::RegistryInstanceSource>(*p.registry);
    p.rolloutAudit = std::make_unique<rollout::AuditLogSink>(*p.audit);
    // With metrics off the controller gets no backend, so it refuses a spec with analysis at
    // once rather than starting a rollout whose every measurement would be inconclusive.
    metrics::QueryBackend *rolloutQueries =
        cfg.metrics.mode == metrics::BackendMode::None ? nullptr : p.metricsBackend.get();
    p.rollouts = std::make_unique<rollout::RolloutController>(
        *p.store, *p.rolloutInstances, rolloutQueries, p.rolloutAlerts.get(), *p.rolloutAudit,
        *p.rolloutExtensions, p.io, p.clock);
    p.rollouts->exportMetrics(metrics);

    p.rpcMetrics = std::make_unique<api::RpcMetrics>(metrics, api::servedMethods());
    exposition::registerBuildInfo(metrics, "aegis_build_info",
                                  "aegisd's version and store; always 1.",
                                  {{"version", AEGIS_VERSION}, {"store", p.store->kind()}});
    p.failedAuth = std::make_unique<api::FailedAuthLimiter>(p.clock);
    // Every replica derives the same key from the secrets key they share (on SQLite from the
    // data directory's key, which no client holds either).
    p.forwardProof = std::make_unique<api::ForwardProof>(
        p.secrets->derivedKey(api::ForwardProof::kKeyLabel), p.clock);
    p.api = std::make_unique<api::ApiContext>(api::ApiContext{
        *p.store, *p.hub, *p.tokens, *p.audit, *p.registry, p.streams, p.calls, *p.rpcMetrics,
        *p.failedAuth, *p.forwardProof, p.clock,
        api::DaemonInfo{AEGIS_VERSION, p.clock->now(), std::chrono::steady_clock::now()}, [&p] {
            const cluster::Coordinator *coordinator = p.coordinatorView;
            return coordinator ? coordinator->writable() : Status::ok();
        }});
    p.tokens->setRevokedListener([&p](const std::string &name) { p.api->tokenRevoked(name); });
    p.systemService = std::make_unique<api::SystemServiceImpl>(
        *p.api, *p.rolloutExtensions, p.probers, [&p] { return p.metricsStatus(); },
        [&p] {
            const cluster::Coordinator *coordinator = p.coordinatorView;
            return coordinator ? coordinator->status() : cluster::ClusterStatus{};
        });
    p.authService = std::make_unique<api::AuthServiceImpl>(*p.api);
    p.auditService = std::make_unique<api::AuditServiceImpl>(*p.api);
    p.registryService = std::make_unique<api::RegistryServiceImpl>(*p.api, *p.registry);
    p.healthService =
        std::make_unique<api::HealthServiceImpl>(*p.api, *p.registry, *p.healthMonitor);
    p.configService =
        std::make_unique<api::ConfigServiceImpl>(*p.api, *p.configCenter, *p.registry);
    if (onEtcd) {
        auto credentials = peerCredentials(cfg);
        if (!credentials) {
            return credentials.status();
        }
        api::LeaderForwarderOptions forwarding;
        forwarding.credentials = std::move(*credentials);
        forwarding.proof = p.forwardProof.get();
        forwarding.route = [&p] {
            const cluster::Coordinator *coordinator = p.coordinatorView;
            if (coordinator == nullptr) {
                return api::LeaderRoute{}; // not joined yet: the controller refuses
            }
            const cluster::ClusterStatus status = coordinator->status();
            api::LeaderRoute route;
            route.replicaId = status.selfId;
            route.leaderId = status.leaderId;
            // A replica fenced while its key still names it refuses here rather than forwarding
            // to itself.
            route.leading = coordinator->isLeader() || status.leaderId == status.selfId;
            for (const cluster::ReplicaStatus &replica : status.replicas) {
                if (replica.info.id == status.leaderId) {
                    route.leaderAddress = replica.info.grpcAddress;
                }
            }
            return route;
        };
        p.leaderForwarder = std::make_unique<api::LeaderForwarder>(std::move(forwarding));
    }
    p.rolloutService = std::make_unique<api::RolloutServiceImpl>(
        *p.api, *p.rollouts,
        api::DeploymentLogSource{.logDir = processOptions.logDir, .executor = executor},
        p.leaderForwarder.get());
    p.metricsService = std::make_unique<api::MetricsServiceImpl>(
        *p.api, *p.metricsBackend, [&p] { return p.metricsStatus(); }, p.io.get_executor(),
        cfg.metrics.queryTimeout);
    api::AlertServiceOptions alertOptions;
    alertOptions.mode = cfg.alerting.alertmanagerMode;
    alertOptions.silences = p.alertSilences.get();
    alertOptions.metricsOn = alertQueries != nullptr;
    alertOptions.evaluationInterval = cfg.alerting.evaluationInterval;
    alertOptions.validateAlertmanagerConfig = [](const std::string &content) {
        return alerting::validateAlertmanagerConfig(content);
    };
    if (p.alertNotifier) {
        alertOptions.notificationsDropped = [&p] {
            return static_cast<std::int64_t>(p.alertNotifier->droppedAlerts());
        };
    }
    p.alertService = std::make_unique<api::AlertServiceImpl>(*p.api, *p.alertEngine,
                                                             *p.configCenter, alertOptions);
    p.traceService = std::make_unique<api::TraceServiceImpl>(*p.api, p.traceStore.get(),
                                                             [&p] { return p.ingestStatus(); });
    p.watchService = std::make_unique<api::WatchServiceImpl>(
        *p.api,
        api::WatchServiceImpl::Sources{*p.registryService, *p.configService, *p.healthService,
                                       *p.rolloutService, *p.auditService},
        api::WatchServiceOptions{static_cast<std::size_t>(cfg.muxMaxWatches),
                                 static_cast<std::size_t>(cfg.muxStreamBytes)});

    auto credentials = serverCredentials(cfg);
    if (!credentials) {
        return credentials.status();
    }
    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    grpc::ServerBuilder builder;
    int selectedPort = 0;
    builder.AddListeningPort(cfg.listen, *credentials, &selectedPort);
    builder.SetMaxReceiveMessageSize(static_cast<int>(cfg.maxMessageBytes));
    builder.SetMaxSendMessageSize(64 * 1024 * 1024);
    builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                               static_cast<int>(cfg.keepaliveTime.count()));
    builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                               static_cast<int>(cfg.keepaliveTimeout.count()));
    builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
    builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 2);
    // gRPC sets SO_REUSEPORT by default: a second aegisd on the same port would start and share
    // the connections instead of being refused.
    builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(std::make_unique<api::ParseFailureInterceptorFactory>(*p.api));
    auto selfTracer =
        makeSelfTracer(cfg.tracing, p.otlpReceiver ? p.otlpReceiver->address() : std::string(),
                       cfg.tlsCertFile, {});
    if (!selfTracer) {
        return selfTracer.status();
    }
    p.selfTracer = std::move(*selfTracer);
    if (p.selfTracer) {
        interceptors.push_back(
            std::make_unique<client::TracingServerInterceptorFactory>(p.selfTracer));
    }
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
    builder.RegisterService(p.systemService.get());
    builder.RegisterService(p.authService.get());
    builder.RegisterService(p.auditService.get());
    builder.RegisterService(p.registryService.get());
    builder.RegisterService(p.healthService.get());
    builder.RegisterService(p.configService.get());
    builder.RegisterService(p.rolloutService.get());
    builder.RegisterService(p.metricsService.get());
    builder.RegisterService(p.alertService.get());
    builder.RegisterService(p.traceService.get());
    builder.RegisterService(p.watchService.get());
    p.server = builder.BuildAndStart();
    if (!p.server || selectedPort == 0) {
        const std::string problem = bindProblem(p.io, cfg.listen);
        return unavailable("listen: cannot serve gRPC on " + cfg.listen + ": " +
                           (problem.empty() ? "see gRPC's log line before this one" : problem));
    }
    p.grpcAddress =
        cfg.listen.substr(0, cfg.listen.rfind(':')) + ":" + std::to_string(selectedPort);
    if (!cfg.xdsListen.empty()) {
        // Plaintext: gRPC 1.51's xDS client offers no TLS channel credentials in its bootstrap.
        // The node's metadata carries an aegisd token instead (docs/xds.md).
        xds::AdsServerOptions xdsOptions;
        xdsOptions.authenticate = [&tokens = *p.tokens](std::string_view token) {
            return tokens.authenticate(token)
                       ? Status::ok()
                       : Status(StatusCode::Unauthenticated, "not a valid aegisd token");
        };
        p.xdsServer = std::make_unique<xds::AdsServer>(*p.registry, *p.hub, std::move(xdsOptions));
        p.xdsServer->exportMetrics(*p.metricsRegistry);
        if (Status status = p.xdsServer->start(cfg.xdsListen, grpc::InsecureServerCredentials());
            !status.isOk()) {
            return status;
        }
    }

    // Leases count from readiness, not from load: clients could not renew until now. Before the
    // expiry timer runs, so no lease restored from the store expires during a slow start.
    p.registry->startLeaseClocks();
    for (std::size_t i = 0; i < kIoThreads; ++i) {
        p.ioThreads.emplace_back([&p] { p.io.run(); });
    }
    p.compactionTimer = std::make_unique<boost::asio::steady_timer>(p.io);
    p.every(*p.compactionTimer, cfg.compactionInterval, [&p] {
        if (p.compacting) {
            p.compactEventLog();
        }
    });
    // Checked ten times a second, an expired instance leaves discovery within 100 ms of its
    // deadline (a check with nothing expired costs one map lookup) and an ejection ends within
    // 100 ms of its time; streams of an expired token end within 200 ms of its expiry.
    p.housekeepingThread = std::jthread([&p](std::stop_token stop) {
        std::mutex unshared; // the wait's own: the thread is woken only by its stop
        std::condition_variable_any tick;
        std::unique_lock lock(unshared);
        for (std::uint64_t ticks = 1;; ++ticks) {
            tick.wait_for(lock, stop, std::chrono::milliseconds(100), [] { return false; });
            if (stop.stop_requested() || p.stopping) {
                return;
            }
            if (p.expiringLeases) {
                p.registry->expireLeases();
            }
            p.healthMonitor->sweep();
            if (ticks % 2 == 0) {
                p.api->sweep();
            }
        }
    });
    // Span retention runs on the span store's writer between ingest transactions.
    if (p.traceStore) {
        p.traceStore->requestRetention();
        p.traceRetentionTimer = std::make_unique<boost::asio::steady_timer>(p.io);
        p.every(*p.traceRetentionTimer, std::chrono::seconds(30),
                [&p] { p.traceStore->requestRetention(); });
    }

    // Tail sampling decides once a second what the decision wait has completed.
    if (p.tailSampler) {
        p.tailSamplingThread = std::jthread([&p](std::stop_token stop) {
            std::mutex mutex;
            std::condition_variable_any wake;
            std::unique_lock lock(mutex);
            for (;;) {
                wake.wait_for(lock, stop, std::chrono::seconds(1), [] { return false; });
                if (stop.stop_requested()) {
                    return;
                }
                if (auto round = p.tailSampler->tick(); !round) {
                    log::warn("tracing: tail sampling round failed; retrying",
                              {{"error", round.status().message()}});
                }
            }
        });
    }

    // The leader's work starts once the io pool runs (rollouts resume and alert evaluation
    // queries through it), when this replica leads: at once when it is alone on its store.
    p.addSingletons();
    if (Status status = p.startCoordinator(); !status.isOk()) {
        return status;
    }

    p.updateReadiness();
    // A store that stops taking writes (full disk, I/O errors) makes the daemon not ready, on
    // /readyz and grpc.health.v1 alike, until a write succeeds again; the store probes by itself
    // meanwhile.
    p.store->setWriteHealthListener([&p](const Status &writes) {
        {
            std::lock_guard lock(p.readinessMutex);
            p.storeWrites = writes;
        }
        p.updateReadiness();
    });
    if (!cfg.readyFile.empty()) {
        if (Status status = writeReadyFile(cfg.readyFile, p.grpcAddress, p.http->address(),
                                           p.otlpReceiver ? p.otlpReceiver->address() : "",
                                           p.xdsServer ? p.xdsServer->address() : "");
            !status.isOk()) {
            log::warn("ready file not written", {{"error", status.message()}});
        }
    }
    log::info("aegisd serving",
              {{"version", AEGIS_VERSION},
               {"metrics_backend", metrics::backendModeName(cfg.metrics.mode)},
               {"alertmanager", alerting::alertmanagerModeName(cfg.alerting.alertmanagerMode)},
               {"grpc", p.grpcAddress},
               {"http", p.http->address()},
               {"otlp", p.otlpReceiver ? p.otlpReceiver->address() : "off"},
               {"xds", p.xdsServer ? p.xdsServer->address() : "off"},
               {"otlp_http", p.ingest && cfg.tracing.otlpHttp ? "/v1/traces" : "off"},
               {"trace_forward",
                cfg.tracing.enabled ? cfg.tracing.forwardEndpoints : std::vector<std::string>{}},
               {"tls", !cfg.tlsCertFile.empty()},
               {"mutual_tls", !cfg.tlsClientCaFile.empty()},
               {"data_dir", cfg.dataDir.string()},
               {"revision", p.store->currentRevision()}});
    return std::unique_ptr<Daemon>(new Daemon(std::move(parts)));
}

void Daemon::shutdown() {
    std::call_once(m_parts->shutdownOnce, [this] {
        Parts &p = *m_parts;
        const auto started = std::chrono::steady_clock::now();
        log::info("shutting down", {{"grace", formatDuration(p.config.shutdownGrace)}});
        // Timers stop re-arming; their last waits are abandoned when the io pool stops.
        {
            std::lock_guard lock(p.readinessMutex);
            p.stopping = true;
            p.http->setReady(false, "shutting down");
        }
        // No lease expires from here on: clients cannot reach this daemon to renew.
        p.housekeepingThread.request_stop();
        if (p.housekeepingThread.joinable()) {
            p.housekeepingThread.join();
        }
        if (!p.config.readyFile.empty()) {
            std::error_code ignored;
            std::filesystem::remove(p.config.readyFile, ignored);
        }
        p.server->GetHealthCheckService()->SetServingStatus(false);
        // Streams end now, so their clients reconnect to another replica at once.
        const Status closing = unavailable("aegisd is shutting down; reconnect and resume");
        p.hub->shutdown(closing);
        p.streams.closeAll(closing);
        if (p.xdsServer) {
            p.xdsServer->shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
        }
        // New calls are refused with UNAVAILABLE (retryable) while those in flight finish.
        const auto graceEnd = std::chrono::steady_clock::now() + p.config.shutdownGrace;
        const std::size_t unfinished = p.calls.drain(graceEnd);
        if (unfinished > 0) {
            log::warn("grace period over; cancelling calls", {{"in_flight", unfinished}});
        } else {
            // Clients retrying in a tight loop must not hold the shutdown for the whole grace.
            p.calls.settle(
                std::chrono::milliseconds(100),
                std::min(graceEnd, std::chrono::steady_clock::now() + std::chrono::seconds(1)));
        }
        p.server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
        p.server->Wait();
        // aegisd's own spans of the last calls go to its receiver while it still listens.
        if (p.selfTracer) {
            p.selfTracer->shutdown(std::chrono::seconds(2));
        }
        // Exports in flight get their spans durable within the grace; forwarders deliver what
        // they hold meanwhile, and count the rest dropped.
        if (p.otlpReceiver) {
            const auto left = std::max(std::chrono::steady_clock::duration::zero(),
                                       graceEnd - std::chrono::steady_clock::now());
            p.otlpReceiver->shutdown(
                std::chrono::system_clock::now() +
                std::chrono::duration_cast<std::chrono::system_clock::duration>(left));
        }
        for (auto &forwarder : p.traceForwarders) {
            forwarder->stop(std::max(graceEnd, std::chrono::steady_clock::now() +
                                                   std::chrono::milliseconds(500)));
        }
        p.stopTailSampling();
        // The leader's work stops (alert evaluation, then the rollouts) and the replica leaves,
        // so another one takes over at once; no re-sharding reaches the health monitor after it.
        p.coordinator->stop();
        // Checks stop while the io pool still runs, so their probes complete. Rollouts stop
        // acting and drivers stop supervising; deployments keep running for the next start.
        p.healthMonitor.reset();
        p.rollouts->stop();
        p.rolloutExtensions->detachDrivers();
        // Evaluation ends (its round's state durable), then the notifier's last batch goes out
        // and the silences stop refreshing, while the io pool still runs their calls.
        p.alertEngine->stop();
        p.alertNotifier.reset();
        p.alertSilences.reset();
        if (p.managedAlertmanager) {
            p.managedAlertmanager->stop();
        }
        if (p.managedPrometheus) {
            p.managedPrometheus->stop();
        }
        p.http->close();
        // POSTs of /v1/traces already taken finish into the ingest before the span store closes.
        if (p.otlpHttpPool) {
            p.otlpHttpPool->join();
        }
        p.work.reset();
        p.io.stop();
        for (auto &thread : p.ioThreads) {
            thread.join();
        }
        if (p.traceStore) {
            p.traceStore->close();
        }
        p.store->close();
        log::info("stopped", {{"revision", p.store->currentRevision()},
                              {"took_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::steady_clock::now() - started)
                                              .count()}});
    });
}

} // namespace aegis::daemon
