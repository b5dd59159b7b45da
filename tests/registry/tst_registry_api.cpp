// Service discovery through the real aegisd over gRPC: registration with a service token, lease
// renewal over a KeepAlive stream, watch events with reasons, lease expiry, restart semantics and
// the end of streams at shutdown.

#include "aegis/v1/registry.grpc.pb.h"
#include "api_test_helpers.h"
#include "daemon_process.h"

#include <grpcpp/grpcpp.h>

#include <QtTest>

#include <future>

using namespace aegis;
using namespace std::chrono_literals;

namespace {

void withDeadline(grpc::ClientContext &context, std::chrono::milliseconds timeout = 10s) {
    context.set_deadline(std::chrono::system_clock::now() + timeout);
}

aegis::v1::RegisterInstanceRequest instanceRequest(const std::string &service,
                                                   const std::string &id, int ttl) {
    aegis::v1::RegisterInstanceRequest request;
    auto *instance = request.mutable_instance();
    instance->set_service(service);
    instance->set_id(id);
    instance->set_address("127.0.0.1:9" + std::to_string(100 + id.size()));
    (*instance->mutable_labels())["version"] = "1.0.0";
    (*instance->mutable_labels())["color"] = "blue";
    request.set_ttl_seconds(ttl);
    return request;
}

// Reads a watch stream on its own thread and collects its events.
class WatchReader {
public:
    WatchReader(aegis::v1::RegistryService::Stub &stub, const std::string &service,
                std::int64_t startRevision) {
        withDeadline(m_context, 60s);
        aegis::v1::WatchInstancesRequest request;
        request.set_service(service);
        request.set_start_revision(startRevision);
        m_reader = stub.WatchInstances(&m_context, request);
        m_thread = std::thread([this] {
            aegis::v1::WatchInstancesResponse response;
            while (m_reader->Read(&response)) {
                std::lock_guard lock(m_mutex);
                ++m_messages;
                for (const auto &event : response.events()) {
                    m_events.push_back(event);
                }
            }
            m_status.set_value(m_reader->Finish());
        });
    }
    ~WatchReader() {
        m_context.TryCancel();
        m_thread.join();
    }
    std::vector<aegis::v1::InstanceEvent> events() {
        std::lock_guard lock(m_mutex);
        return m_events;
    }
    int messages() {
        std::lock_guard lock(m_mutex);
        return m_messages;
    }
    std::future<grpc::Status> status() { return m_status.get_future(); }

private:
    grpc::ClientContext m_context;
    std::unique_ptr<grpc::ClientReader<aegis::v1::WatchInstancesResponse>> m_reader;
    std::thread m_thread;
    std::mutex m_mutex;
    std::vector<aegis::v1::InstanceEvent> m_events;
    int m_messages = 0;
    std::promise<grpc::Status> m_status;
};

} // namespace

class RegistryApiTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void registerWatchAndExpire();
    void keepAliveStreamRenewsLeases();
    void restartKeepsTheFleetAndEndsStreams();
    void cleanupTestCase();

private:
    std::shared_ptr<grpc::Channel> channelFor(const std::string &token);
    void start();

    testing::TempDir m_dir;
    std::unique_ptr<testing::DaemonProcess> m_daemon;
    std::string m_serviceToken;
    std::string m_operatorToken;
};

std::shared_ptr<grpc::Channel> RegistryApiTest::channelFor(const std::string &token) {
    return testing::channelFor(m_daemon->grpcAddress(), token);
}

void RegistryApiTest::start() {
    testing::DaemonOptions options;
    options.dataDir = m_dir.path() / "data";
    auto daemon = testing::DaemonProcess::start(options);
    QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
    m_daemon = std::move(*daemon);
}

void RegistryApiTest::initTestCase() {
    start();
    const auto admin = channelFor(m_daemon->adminToken());
    for (auto [name, role, secret] :
         {std::tuple{"checkout-svc", aegis::v1::ROLE_SERVICE, &m_serviceToken},
          std::tuple{"oncall", aegis::v1::ROLE_OPERATOR, &m_operatorToken}}) {
        const std::vector<std::string> services =
            role == aegis::v1::ROLE_SERVICE
                ? std::vector<std::string>{"checkout", "inventory", "payments"}
                : std::vector<std::string>{};
        QVERIFY(testing::createToken(admin, name, role, secret, services).ok());
    }
}

void RegistryApiTest::cleanupTestCase() {
    m_daemon.reset();
}

void RegistryApiTest::registerWatchAndExpire() {
    auto service = aegis::v1::RegistryService::NewStub(channelFor(m_serviceToken));
    auto operatorStub = aegis::v1::RegistryService::NewStub(channelFor(m_operatorToken));
    WatchReader watch(*service, "checkout", 0);
    QTRY_VERIFY_WITH_TIMEOUT(watch.messages() >= 1, 10000); // the watch is established

    aegis::v1::RegisterInstanceResponse registered;
    {
        grpc::ClientContext context;
        withDeadline(context);
        auto status =
            service->RegisterInstance(&context, instanceRequest("checkout", "c1", 1), &registered);
        QVERIFY2(status.ok(), status.error_message().c_str());
        QCOMPARE(registered.ttl_seconds(), 1);
        QCOMPARE(registered.instance().weight(), 100);
    }
    {
        grpc::ClientContext context;
        withDeadline(context);
        aegis::v1::SetInstanceStateRequest request;
        request.set_service("checkout");
        request.set_instance_id("c1");
        request.set_state(aegis::v1::INSTANCE_STATE_DRAINING);
        aegis::v1::SetInstanceStateResponse response;
        QVERIFY(operatorStub->SetInstanceState(&context, request, &response).ok());
        // A service token may not perform operator actions.
        grpc::ClientContext denied;
        withDeadline(denied);
        QCOMPARE(service->SetInstanceState(&denied, request, &response).error_code(),
                 grpc::StatusCode::PERMISSION_DENIED);
    }
    // Without renewals the 1 s lease runs out and the instance leaves discovery.
    QTRY_VERIFY_WITH_TIMEOUT(watch.events().size() >= 3, 10000);
    const auto events = watch.events();
    QCOMPARE(events[0].type(), aegis::v1::INSTANCE_EVENT_TYPE_ADDED);
    QCOMPARE(events[0].instance().labels().at("color"), std::string("blue"));
    QCOMPARE(events[1].type(), aegis::v1::INSTANCE_EVENT_TYPE_UPDATED);
    QCOMPARE(events[1].reason(), std::string("operator"));
    QCOMPARE(events[1].instance().state(), aegis::v1::INSTANCE_STATE_DRAINING);
    QCOMPARE(events[2].type(), aegis::v1::INSTANCE_EVENT_TYPE_REMOVED);
    QCOMPARE(events[2].reason(), std::string("lease_expired"));

    // A watch resumed from the first event's revision replays exactly the rest.
    WatchReader resumed(*service, "checkout", events[1].revision());
    QTRY_VERIFY_WITH_TIMEOUT(resumed.events().size() >= 2, 10000);
    QCOMPARE(resumed.events()[0].revision(), events[1].revision());
    QCOMPARE(resumed.events()[1].revision(), events[2].revision());
}

void RegistryApiTest::keepAliveStreamRenewsLeases() {
    auto service = aegis::v1::RegistryService::NewStub(channelFor(m_serviceToken));
    aegis::v1::RegisterInstanceResponse registered;
    {
        grpc::ClientContext context;
        withDeadline(context);
        QVERIFY(
            service->RegisterInstance(&context, instanceRequest("inventory", "i1", 2), &registered)
                .ok());
    }
    grpc::ClientContext streamContext;
    withDeadline(streamContext, 30s);
    auto stream = service->KeepAlive(&streamContext);
    const auto started = std::chrono::steady_clock::now();
    // Renew every 500 ms for 4 s: twice the TTL.
    while (std::chrono::steady_clock::now() - started < 4s) {
        aegis::v1::KeepAliveRequest request;
        request.set_lease_id(registered.lease_id());
        QVERIFY(stream->Write(request));
        aegis::v1::KeepAliveResponse response;
        QVERIFY(stream->Read(&response));
        QCOMPARE(response.ttl_seconds(), 2);
        std::this_thread::sleep_for(
            500ms); // the renewal cadence itself, not a wait for a condition
    }
    aegis::v1::KeepAliveRequest unknown;
    unknown.set_lease_id(42);
    QVERIFY(stream->Write(unknown));
    aegis::v1::KeepAliveResponse answer;
    QVERIFY(stream->Read(&answer));
    QCOMPARE(answer.ttl_seconds(), 0);
    stream->WritesDone();
    QVERIFY(stream->Finish().ok());

    grpc::ClientContext context;
    withDeadline(context);
    aegis::v1::ListInstancesRequest list;
    list.set_service("inventory");
    aegis::v1::ListInstancesResponse listed;
    QVERIFY(service->ListInstances(&context, list, &listed).ok());
    QCOMPARE(listed.instances_size(), 1);
}

void RegistryApiTest::restartKeepsTheFleetAndEndsStreams() {
    auto service = aegis::v1::RegistryService::NewStub(channelFor(m_serviceToken));
    aegis::v1::RegisterInstanceResponse registered;
    {
        grpc::ClientContext context;
        withDeadline(context);
        QVERIFY(
            service->RegisterInstance(&context, instanceRequest("payments", "p1", 5), &registered)
                .ok());
    }
    grpc::ClientContext streamContext;
    withDeadline(streamContext, 30s);
    auto stream = service->KeepAlive(&streamContext);
    aegis::v1::KeepAliveRequest renew;
    renew.set_lease_id(registered.lease_id());
    aegis::v1::KeepAliveResponse renewed;
    QVERIFY(stream->Write(renew) && stream->Read(&renewed));

    QCOMPARE(m_daemon->terminate(), 0);
    QVERIFY(!stream->Read(&renewed));
    QCOMPARE(stream->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);

    start();
    auto again = aegis::v1::RegistryService::NewStub(channelFor(m_serviceToken));
    grpc::ClientContext context;
    withDeadline(context);
    aegis::v1::ListInstancesRequest list;
    list.set_service("payments");
    aegis::v1::ListInstancesResponse listed;
    QVERIFY(again->ListInstances(&context, list, &listed).ok());
    QCOMPARE(listed.instances_size(), 1);

    grpc::ClientContext renewContext;
    withDeadline(renewContext);
    auto renewal = again->KeepAlive(&renewContext);
    QVERIFY(renewal->Write(renew) && renewal->Read(&renewed));
    QCOMPARE(renewed.ttl_seconds(), 5);
    renewal->WritesDone();
    QVERIFY(renewal->Finish().ok());
}

QTEST_GUILESS_MAIN(RegistryApiTest)
#include "tst_registry_api.moc"
