// Health checking through the real aegisd over gRPC: check configuration with validation and
// compare-and-set, discovery's routable view (REMOVED "critical" / ADDED "recovered"), transitions
// over WatchHealth and ListHealthHistory, ttl reports, and libaegis-client's Discovery following
// health and ejecting instances its callers report failing.

#include "aegis/v1/audit.grpc.pb.h"
#include "aegis/v1/health.grpc.pb.h"
#include "aegis/v1/registry.grpc.pb.h"
#include "api_test_helpers.h"
#include "client/discovery.h"
#include "client/registration.h"
#include "daemon_process.h"
#include "poll_until.h"
#include "test_servers.h"

#include <grpcpp/grpcpp.h>

#include <QtTest>

#include <fstream>
#include <future>

using namespace aegis;
using namespace std::chrono_literals;
using HttpServer = aegis::health::testing::TestHttpServer;

namespace {

void withDeadline(grpc::ClientContext &context, std::chrono::milliseconds timeout = 10s) {
    context.set_deadline(std::chrono::system_clock::now() + timeout);
}

// Collects the events of a server stream on its own thread.
template <typename Response, typename Item>
class StreamCollector {
public:
    using Extract = std::function<void(const Response &, std::vector<Item> &)>;

    template <typename Open>
    StreamCollector(Open open, Extract extract)
        : m_extract(std::move(extract)) {
        withDeadline(m_context, 60s);
        m_reader = open(m_context);
        m_thread = std::thread([this] {
            Response response;
            while (m_reader->Read(&response)) {
                std::lock_guard lock(m_mutex);
                m_extract(response, m_items);
            }
            m_reader->Finish();
        });
    }
    ~StreamCollector() {
        m_context.TryCancel();
        m_thread.join();
    }
    std::vector<Item> items() {
        std::lock_guard lock(m_mutex);
        return m_items;
    }

private:
    grpc::ClientContext m_context;
    Extract m_extract;
    std::unique_ptr<grpc::ClientReader<Response>> m_reader;
    std::thread m_thread;
    std::mutex m_mutex;
    std::vector<Item> m_items;
};

using InstanceEvents = StreamCollector<aegis::v1::WatchInstancesResponse, aegis::v1::InstanceEvent>;
using HealthEvents = StreamCollector<aegis::v1::WatchHealthResponse, aegis::v1::HealthTransition>;

} // namespace

class HealthApiTest : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void checkConfigurationIsValidatedVersionedAndAudited();
    void failingInstanceLeavesTheRoutableView();
    void ttlChecksTakeReports();
    void ttlReportAppliesAtOnce();
    void sdkDiscoveryFollowsHealthAndEjectsOnCallerReports();

private:
    void startDaemon(const std::string &yaml = {});
    void registerInstance(const std::string &service, const std::string &id, std::uint16_t port);
    grpc::Status updateCheck(const std::string &service, const aegis::v1::HealthCheck &check,
                             std::int64_t expectedRevision = 0,
                             aegis::v1::UpdateHealthCheckResponse *out = nullptr);
    aegis::v1::HealthCheck httpCheck(int intervalMs, int rise, int fall);
    std::vector<aegis::v1::Instance> listInstances(const std::string &service, bool all);

    std::unique_ptr<testing::TempDir> m_configDir;
    std::unique_ptr<testing::DaemonProcess> m_daemon;
    std::shared_ptr<grpc::Channel> m_admin;
    std::shared_ptr<grpc::Channel> m_service;
    std::unique_ptr<aegis::v1::HealthService::Stub> m_health;
    std::unique_ptr<aegis::v1::RegistryService::Stub> m_registry;
};

void HealthApiTest::startDaemon(const std::string &yaml) {
    testing::DaemonOptions options;
    if (!yaml.empty()) {
        m_configDir = std::make_unique<testing::TempDir>();
        const auto file = m_configDir->path() / "aegisd.yaml";
        std::ofstream(file) << yaml;
        options.extraArgs = {"--config", file.string()};
    }
    auto daemon = testing::DaemonProcess::start(options);
    QVERIFY2(daemon.isOk(), daemon.status().message().c_str());
    m_daemon = std::move(*daemon);
    m_admin = testing::channelFor(m_daemon->grpcAddress(), m_daemon->adminToken());
    std::string secret;
    QVERIFY(testing::createToken(m_admin, "svc", aegis::v1::ROLE_SERVICE, &secret,
                                 {"batch", "checkout", "pay", "web"})
                .ok());
    m_service = testing::channelFor(m_daemon->grpcAddress(), secret);
    m_health = aegis::v1::HealthService::NewStub(m_admin);
    m_registry = aegis::v1::RegistryService::NewStub(m_admin);
}

void HealthApiTest::init() {}

void HealthApiTest::cleanup() {
    m_health.reset();
    m_registry.reset();
    m_daemon.reset();
    m_configDir.reset();
}

void HealthApiTest::registerInstance(const std::string &service, const std::string &id,
                                     std::uint16_t port) {
    auto stub = aegis::v1::RegistryService::NewStub(m_service);
    aegis::v1::RegisterInstanceRequest request;
    request.mutable_instance()->set_service(service);
    request.mutable_instance()->set_id(id);
    request.mutable_instance()->set_address("127.0.0.1:" + std::to_string(port));
    request.set_ttl_seconds(60);
    aegis::v1::RegisterInstanceResponse response;
    grpc::ClientContext context;
    withDeadline(context);
    const auto status = stub->RegisterInstance(&context, request, &response);
    QVERIFY2(status.ok(), status.error_message().c_str());
}

aegis::v1::HealthCheck HealthApiTest::httpCheck(int intervalMs, int rise, int fall) {
    aegis::v1::HealthCheck check;
    check.set_kind("http");
    (*check.mutable_options())["path"] = "/health";
    check.set_interval_ms(intervalMs);
    check.set_timeout_ms(intervalMs);
    check.set_rise(rise);
    check.set_fall(fall);
    check.set_jitter_ms(0);
    check.set_panic_threshold(1.0);
    return check;
}

grpc::Status HealthApiTest::updateCheck(const std::string &service,
                                        const aegis::v1::HealthCheck &check,
                                        std::int64_t expectedRevision,
                                        aegis::v1::UpdateHealthCheckResponse *out) {
    aegis::v1::UpdateHealthCheckRequest request;
    request.set_service(service);
    *request.mutable_check() = check;
    request.set_expected_revision(expectedRevision);
    aegis::v1::UpdateHealthCheckResponse response;
    grpc::ClientContext context;
    withDeadline(context);
    const auto status = m_health->UpdateHealthCheck(&context, request, &response);
    if (out != nullptr) {
        *out = response;
    }
    return status;
}

std::vector<aegis::v1::Instance> HealthApiTest::listInstances(const std::string &service,
                                                              bool all) {
    aegis::v1::ListInstancesRequest request;
    request.set_service(service);
    request.set_include_unroutable(all);
    aegis::v1::ListInstancesResponse response;
    grpc::ClientContext context;
    withDeadline(context);
    if (!m_registry->ListInstances(&context, request, &response).ok()) {
        return {};
    }
    return {response.instances().begin(), response.instances().end()};
}

void HealthApiTest::checkConfigurationIsValidatedVersionedAndAudited() {
    startDaemon();
    aegis::v1::HealthCheck bad = httpCheck(1000, 2, 3);
    bad.set_interval_ms(10);
    auto status = updateCheck("checkout", bad);
    QCOMPARE(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    QVERIFY2(status.error_message().find("check.interval_ms") != std::string::npos,
             status.error_message().c_str());
    bad = httpCheck(1000, 2, 3);
    bad.set_kind("smtp");
    QCOMPARE(updateCheck("checkout", bad).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    bad = httpCheck(1000, 2, 3);
    (*bad.mutable_options())["path"] = "health";
    status = updateCheck("checkout", bad);
    QCOMPARE(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    QVERIFY2(status.error_message().find("path") != std::string::npos,
             status.error_message().c_str());
    QCOMPARE(updateCheck("Not_A_Service", httpCheck(1000, 2, 3)).error_code(),
             grpc::StatusCode::INVALID_ARGUMENT);

    // Defaults fill what is left out.
    aegis::v1::HealthCheck minimal;
    minimal.set_kind("tcp");
    aegis::v1::UpdateHealthCheckResponse created;
    QVERIFY(updateCheck("checkout", minimal, -1, &created).ok());
    QVERIFY(created.mod_revision() > 0);
    {
        aegis::v1::GetHealthCheckRequest request;
        request.set_service("checkout");
        aegis::v1::GetHealthCheckResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        QVERIFY(m_health->GetHealthCheck(&context, request, &response).ok());
        QCOMPARE(response.check().interval_ms(), std::int64_t(10000));
        QCOMPARE(response.check().timeout_ms(), std::int64_t(2000));
        QCOMPARE(response.check().rise(), 2);
        QCOMPARE(response.check().fall(), 3);
        QCOMPARE(response.check().jitter_ms(), std::int64_t(1000));
        QCOMPARE(response.check().panic_threshold(), 0.5);
        QCOMPARE(response.mod_revision(), created.mod_revision());
    }

    // Compare-and-set: nobody overwrites a colleague's change unknowingly.
    QCOMPARE(updateCheck("checkout", minimal, -1).error_code(), grpc::StatusCode::ABORTED);
    aegis::v1::UpdateHealthCheckResponse second;
    QVERIFY(updateCheck("checkout", httpCheck(1000, 2, 3), created.mod_revision(), &second).ok());
    status = updateCheck("checkout", minimal, created.mod_revision());
    QCOMPARE(status.error_code(), grpc::StatusCode::ABORTED);
    QVERIFY2(status.error_message().find(std::to_string(second.mod_revision())) !=
                 std::string::npos,
             status.error_message().c_str());

    // Viewers read, only operators change.
    std::string viewerSecret;
    QVERIFY(testing::createToken(m_admin, "viewer", aegis::v1::ROLE_VIEWER, &viewerSecret).ok());
    auto viewer = aegis::v1::HealthService::NewStub(
        testing::channelFor(m_daemon->grpcAddress(), viewerSecret));
    {
        aegis::v1::UpdateHealthCheckRequest request;
        request.set_service("checkout");
        *request.mutable_check() = minimal;
        aegis::v1::UpdateHealthCheckResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        QCOMPARE(viewer->UpdateHealthCheck(&context, request, &response).error_code(),
                 grpc::StatusCode::PERMISSION_DENIED);
    }

    {
        aegis::v1::DeleteHealthCheckRequest request;
        request.set_service("checkout");
        aegis::v1::DeleteHealthCheckResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        QVERIFY(m_health->DeleteHealthCheck(&context, request, &response).ok());
        grpc::ClientContext again;
        withDeadline(again);
        QCOMPARE(m_health->DeleteHealthCheck(&again, request, &response).error_code(),
                 grpc::StatusCode::NOT_FOUND);
    }

    // Every change is in the audit log with a summary.
    auto audit = aegis::v1::AuditService::NewStub(m_admin);
    aegis::v1::ListAuditRecordsRequest request;
    request.set_page_size(100);
    aegis::v1::ListAuditRecordsResponse response;
    grpc::ClientContext context;
    withDeadline(context);
    QVERIFY(audit->ListAuditRecords(&context, request, &response).ok());
    int updates = 0;
    int deletes = 0;
    bool summarised = false;
    for (const auto &record : response.records()) {
        if (record.method() == "/aegis.v1.HealthService/UpdateHealthCheck") {
            ++updates;
            QCOMPARE(record.resource(), std::string("services/checkout/health-check"));
            summarised = summarised || record.summary() == "health check http every 1s, rise 2, "
                                                           "fall 3";
        } else if (record.method() == "/aegis.v1.HealthService/DeleteHealthCheck") {
            ++deletes;
        }
    }
    // Two successes, two ABORTED and one PERMISSION_DENIED; validation failures are not audited.
    QCOMPARE(updates, 5);
    QCOMPARE(deletes, 2);
    QVERIFY(summarised);
}

void HealthApiTest::failingInstanceLeavesTheRoutableView() {
    startDaemon();
    HttpServer a;
    HttpServer b;
    HttpServer c;
    registerInstance("web", "a", a.port());
    registerInstance("web", "b", b.port());
    registerInstance("web", "c", c.port());
    QVERIFY(updateCheck("web", httpCheck(200, 1, 2)).ok());
    QVERIFY(testing::pollUntil(
        [&] {
            const auto all = listInstances("web", true);
            return all.size() == 3 &&
                   std::all_of(all.begin(), all.end(), [](const aegis::v1::Instance &i) {
                       return i.health().status() == aegis::v1::HEALTH_STATUS_PASSING;
                   });
        },
        10s));

    auto openWatch = [this](bool all) {
        return [this, all](grpc::ClientContext &context) {
            aegis::v1::WatchInstancesRequest request;
            request.set_service("web");
            request.set_include_unroutable(all);
            return m_registry->WatchInstances(&context, request);
        };
    };
    auto events = [](const aegis::v1::WatchInstancesResponse &response,
                     std::vector<aegis::v1::InstanceEvent> &out) {
        out.insert(out.end(), response.events().begin(), response.events().end());
    };
    InstanceEvents routableView(openWatch(false), events);
    InstanceEvents fullView(openWatch(true), events);
    HealthEvents transitions(
        [this](grpc::ClientContext &context) {
            aegis::v1::WatchHealthRequest request;
            request.set_service("web");
            return m_health->WatchHealth(&context, request);
        },
        [](const aegis::v1::WatchHealthResponse &response,
           std::vector<aegis::v1::HealthTransition> &out) {
            out.insert(out.end(), response.transitions().begin(), response.transitions().end());
        });

    a.respondWith(503, "broken");
    QVERIFY(testing::pollUntil(
        [&] {
            for (const auto &event : routableView.items()) {
                if (event.type() == aegis::v1::INSTANCE_EVENT_TYPE_REMOVED &&
                    event.instance().id() == "a") {
                    return event.reason() == "critical";
                }
            }
            return false;
        },
        10s));
    QCOMPARE(listInstances("web", false).size(), std::size_t(2));
    QCOMPARE(listInstances("web", true).size(), std::size_t(3));
    // The full view saw the same change as an update carrying the health.
    const auto full = fullView.items();
    QVERIFY(std::any_of(full.begin(), full.end(), [](const aegis::v1::InstanceEvent &event) {
        return event.type() == aegis::v1::INSTANCE_EVENT_TYPE_UPDATED &&
               event.instance().id() == "a" && !event.instance().routable() &&
               event.instance().health().status() == aegis::v1::HEALTH_STATUS_CRITICAL &&
               event.instance().health().output() == "HTTP 503";
    }));

    {
        aegis::v1::GetInstanceHealthRequest request;
        request.set_service("web");
        request.set_instance_id("a");
        aegis::v1::GetInstanceHealthResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        QVERIFY(m_health->GetInstanceHealth(&context, request, &response).ok());
        QVERIFY(!response.routable());
        QCOMPARE(response.check().kind(), std::string("http"));
        QCOMPARE(response.check().target(), "127.0.0.1:" + std::to_string(a.port()));
        QVERIFY(response.check().consecutive_failing() >= 2);
        QVERIFY(response.check().probe_count() > 2);
    }
    {
        aegis::v1::GetServiceRequest request;
        request.set_name("web");
        aegis::v1::GetServiceResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        QVERIFY(m_registry->GetService(&context, request, &response).ok());
        QCOMPARE(response.service().unroutable_count(), std::int64_t(1));
        QVERIFY(!response.service().panic());
    }

    a.respondWith(200);
    QVERIFY(testing::pollUntil(
        [&] {
            const auto seen = routableView.items();
            return std::any_of(seen.begin(), seen.end(), [](const aegis::v1::InstanceEvent &e) {
                return e.type() == aegis::v1::INSTANCE_EVENT_TYPE_ADDED &&
                       e.instance().id() == "a" && e.reason() == "recovered";
            });
        },
        10s));

    // Transitions streamed and recorded: passing -> critical -> passing for "a".
    QVERIFY(testing::pollUntil(
        [&] {
            int forA = 0;
            for (const auto &t : transitions.items()) {
                forA += t.instance_id() == "a" ? 1 : 0;
            }
            return forA == 2;
        },
        10s));
    aegis::v1::ListHealthHistoryRequest request;
    request.set_service("web");
    request.set_instance_id("a");
    request.set_page_size(1);
    std::vector<aegis::v1::HealthTransition> history;
    do {
        aegis::v1::ListHealthHistoryResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        QVERIFY(m_health->ListHealthHistory(&context, request, &response).ok());
        history.insert(history.end(), response.transitions().begin(), response.transitions().end());
        request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    // check started (unknown -> unknown is recorded too), -> passing, -> critical, -> passing.
    QVERIFY2(history.size() >= 3, std::to_string(history.size()).c_str());
    QCOMPARE(history[0].to(), aegis::v1::HEALTH_STATUS_PASSING);
    QCOMPARE(history[0].from(), aegis::v1::HEALTH_STATUS_CRITICAL);
    QCOMPARE(history[1].to(), aegis::v1::HEALTH_STATUS_CRITICAL);
    QCOMPARE(history[1].output(), std::string("HTTP 503"));
    QVERIFY(history[0].revision() > history[1].revision());

    request.set_page_token("not-a-token");
    aegis::v1::ListHealthHistoryResponse response;
    grpc::ClientContext context;
    withDeadline(context);
    QCOMPARE(m_health->ListHealthHistory(&context, request, &response).error_code(),
             grpc::StatusCode::INVALID_ARGUMENT);
}

void HealthApiTest::ttlChecksTakeReports() {
    startDaemon();
    aegis::v1::HealthCheck check;
    check.set_kind("ttl");
    (*check.mutable_options())["ttl"] = "5s";
    check.set_interval_ms(100);
    check.set_timeout_ms(100);
    check.set_rise(1);
    check.set_fall(1);
    check.set_panic_threshold(1.0);
    QVERIFY(updateCheck("batch", check).ok());
    registerInstance("batch", "worker-1", 9999);

    client::RegistrationOptions self;
    self.service = "batch";
    self.instanceId = "worker-2";
    self.address = "127.0.0.1:9998";
    self.ttl = 10s;
    auto registration = client::Registration::start(m_service, self);
    QVERIFY(registration.isOk());
    QVERIFY((*registration)->waitUntilRegistered(10s));
    QVERIFY(testing::pollUntil(
        [&] { return (*registration)->reportHealth(client::HealthStatus::Passing, "ok").isOk(); },
        10s));
    QVERIFY(testing::pollUntil(
        [&] {
            for (const auto &i : listInstances("batch", true)) {
                if (i.id() == "worker-2") {
                    return i.health().status() == aegis::v1::HEALTH_STATUS_PASSING;
                }
            }
            return false;
        },
        10s));
    QVERIFY((*registration)->reportHealth(client::HealthStatus::Critical, "queue stuck").isOk());
    QVERIFY(testing::pollUntil(
        [&] {
            const auto routable = listInstances("batch", false);
            return std::none_of(routable.begin(), routable.end(),
                                [](const aegis::v1::Instance &i) { return i.id() == "worker-2"; });
        },
        10s));
    QCOMPARE((*registration)->reportHealth(client::HealthStatus::Unknown).code(),
             StatusCode::InvalidArgument);

    auto stub = aegis::v1::HealthService::NewStub(m_service);
    aegis::v1::ReportHealthRequest request;
    request.set_service("batch");
    request.set_instance_id("worker-1");
    request.set_status(aegis::v1::HEALTH_STATUS_PASSING);
    request.set_output(std::string(2000, 'x'));
    aegis::v1::ReportHealthResponse response;
    grpc::ClientContext context;
    withDeadline(context);
    const auto tooLong = stub->ReportHealth(&context, request, &response);
    QCOMPARE(tooLong.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    QVERIFY(tooLong.error_message().find("1024") != std::string::npos);
}

// With a 60 s interval and the default rise and fall, each report reaches the registry within a
// few seconds, not at the check's next probe.
void HealthApiTest::ttlReportAppliesAtOnce() {
    startDaemon();
    aegis::v1::HealthCheck check;
    check.set_kind("ttl");
    (*check.mutable_options())["ttl"] = "10m";
    check.set_interval_ms(60000);
    check.set_timeout_ms(1000);
    check.set_panic_threshold(1.0);
    QVERIFY(updateCheck("batch", check).ok());

    client::RegistrationOptions self;
    self.service = "batch";
    self.instanceId = "worker-1";
    self.address = "127.0.0.1:9998";
    auto registration = client::Registration::start(m_service, self);
    QVERIFY(registration.isOk());
    QVERIFY((*registration)->waitUntilRegistered(10s));
    const auto statusOf = [&] {
        for (const auto &i : listInstances("batch", true)) {
            if (i.id() == "worker-1") {
                return i.health().status();
            }
        }
        return aegis::v1::HEALTH_STATUS_UNKNOWN;
    };
    // The check starts with the instance; a report before that is refused with NOT_FOUND.
    QVERIFY(testing::pollUntil(
        [&] { return (*registration)->reportHealth(client::HealthStatus::Passing, "ok").isOk(); },
        5s));
    QVERIFY(testing::pollUntil([&] { return statusOf() == aegis::v1::HEALTH_STATUS_PASSING; }, 5s));
    QVERIFY((*registration)->reportHealth(client::HealthStatus::Critical, "queue stuck").isOk());
    QVERIFY(
        testing::pollUntil([&] { return statusOf() == aegis::v1::HEALTH_STATUS_CRITICAL; }, 5s));
    QVERIFY((*registration)->reportHealth(client::HealthStatus::Passing, "caught up").isOk());
    QVERIFY(testing::pollUntil([&] { return statusOf() == aegis::v1::HEALTH_STATUS_PASSING; }, 5s));
}

void HealthApiTest::sdkDiscoveryFollowsHealthAndEjectsOnCallerReports() {
    startDaemon("health:\n  outlier:\n    consecutive_failures: 3\n    base_ejection_time: 1s\n"
                "    max_ejected_percent: 50\n");
    for (const char *id : {"a", "b", "c", "d"}) {
        registerInstance("pay", id, 9000);
    }
    client::DiscoveryOptions options;
    options.service = "pay";
    options.outcomeReportInterval = 50ms;
    auto discovery = client::Discovery::start(m_service, options);
    QVERIFY(discovery.isOk());
    QVERIFY((*discovery)->waitUntilReady(10s));
    QCOMPARE((*discovery)->pickable().size(), std::size_t(4));

    const auto failedAt = std::chrono::steady_clock::now();
    for (int i = 0; i < 3; ++i) {
        (*discovery)->reportOutcome("a", false);
    }
    auto pickableIds = [&] {
        std::set<std::string> ids;
        for (const auto &endpoint : (*discovery)->pickable()) {
            ids.insert(endpoint.id);
        }
        return ids;
    };
    QVERIFY(testing::pollUntil(
        [&] {
            return pickableIds() == std::set<std::string>{"b", "c", "d"};
        },
        10s));
    const auto ejectedAfter = std::chrono::steady_clock::now() - failedAt;
    // Reported within 50 ms, ejected, and the watch delivers it: well under a second.
    QVERIFY2(ejectedAfter < 1s, std::to_string(ejectedAfter.count() / 1000000).c_str());
    // Ejected instances are out of the routable view; the ejection ends after its time.
    QVERIFY(testing::pollUntil([&] { return pickableIds().size() == 4; }, 10s));

    // With includeUnroutable the cache holds every instance, still never picking the bad ones.
    client::DiscoveryOptions everything = options;
    everything.includeUnroutable = true;
    auto full = client::Discovery::start(m_service, everything);
    QVERIFY(full.isOk());
    QVERIFY((*full)->waitUntilReady(10s));
    for (int i = 0; i < 3; ++i) {
        (*discovery)->reportOutcome("b", false);
    }
    QVERIFY(testing::pollUntil(
        [&] {
            const auto all = (*full)->instances();
            const auto pickable = (*full)->pickable();
            return all.size() == 4 && pickable.size() == 3 &&
                   std::any_of(all.begin(), all.end(), [](const client::Endpoint &e) {
                       return e.id == "b" && e.ejected && !e.routable;
                   });
        },
        10s));
}

QTEST_GUILESS_MAIN(HealthApiTest)
#include "tst_health_api.moc"
