// aegis:///SERVICE for a plain gRPC C++ channel, end to end: a real aegisd serving xDS, real gRPC
// servers on loopback registered in discovery, and gRPC's own xDS resolver and policies. Calls
// reach every routable instance; a deregistered, drained or unhealthy instance stops receiving
// calls; declared weights split the traffic; and the ADS stream's nonces, ACKs and NACKs behave
// as the protocol says.

#include "aegis/v1/auth.grpc.pb.h"
#include "aegis/v1/health.grpc.pb.h"
#include "aegis/v1/registry.grpc.pb.h"
#include "api_test_helpers.h"
#include "client/registration.h"
#include "client/xds_channel.h"
#include "daemon_process.h"
#include "poll_until.h"

#include <envoy/config/endpoint/v3/endpoint.pb.h>
#include <envoy/config/listener/v3/listener.pb.h>
#include <envoy/service/discovery/v3/ads.grpc.pb.h>

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <QtTest>

#include <future>
#include <map>
#include <memory>
#include <set>

using namespace aegis;
using namespace std::chrono_literals;
using envoy::service::discovery::v3::DiscoveryRequest;
using envoy::service::discovery::v3::DiscoveryResponse;

namespace {

constexpr const char *kEdsType =
    "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
constexpr const char *kLdsType = "type.googleapis.com/envoy.config.listener.v3.Listener";

// A gRPC server that answers every method with its instance id, and serves grpc.health.v1 so
// aegisd's grpc check can probe it.
class Backend {
public:
    explicit Backend(std::string id)
        : m_service(std::move(id)) {
        grpc::EnableDefaultHealthCheckService(true);
        grpc::ServerBuilder builder;
        int port = 0;
        builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
        builder.RegisterCallbackGenericService(&m_service);
        m_server = builder.BuildAndStart();
        m_address = "127.0.0.1:" + std::to_string(port);
    }
    ~Backend() { m_server->Shutdown(std::chrono::system_clock::now() + 1s); }

    const std::string &address() const { return m_address; }
    void setServing(bool serving) { m_server->GetHealthCheckService()->SetServingStatus(serving); }

private:
    class Answer final : public grpc::CallbackGenericService {
    public:
        explicit Answer(std::string id)
            : m_id(std::move(id)) {}
        grpc::ServerGenericBidiReactor *
        CreateReactor(grpc::GenericCallbackServerContext * /*context*/) override {
            class Reactor final : public grpc::ServerGenericBidiReactor {
            public:
                explicit Reactor(const std::string &id) {
                    grpc::Slice slice(id);
                    m_out = grpc::ByteBuffer(&slice, 1);
                    StartRead(&m_in);
                }
                void OnReadDone(bool ok) override {
                    if (!ok) {
                        Finish(grpc::Status::OK);
                        return;
                    }
                    StartWriteAndFinish(&m_out, grpc::WriteOptions(), grpc::Status::OK);
                }
                void OnDone() override { delete this; }

            private:
                grpc::ByteBuffer m_in;
                grpc::ByteBuffer m_out;
            };
            return new Reactor(m_id);
        }

    private:
        const std::string m_id;
    };

    Answer m_service;
    std::unique_ptr<grpc::Server> m_server;
    std::string m_address;
};

// One unary call through `channel`: the id of the instance that answered, or "" on failure.
std::string whoAnswers(const std::shared_ptr<grpc::Channel> &channel) {
    grpc::GenericStub stub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 5s);
    context.set_wait_for_ready(true);
    grpc::Slice empty("");
    grpc::ByteBuffer request(&empty, 1);
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&context, "/test.Who/Answer", grpc::StubOptions(), &request, &response,
                   [&done](grpc::Status status) { done.set_value(std::move(status)); });
    if (!done.get_future().get().ok()) {
        return {};
    }
    std::vector<grpc::Slice> slices;
    (void)response.Dump(&slices);
    std::string id;
    for (const auto &slice : slices) {
        id.append(reinterpret_cast<const char *>(slice.begin()), slice.size());
    }
    return id;
}

std::map<std::string, int> countAnswers(const std::shared_ptr<grpc::Channel> &channel, int calls) {
    std::map<std::string, int> counts;
    for (int i = 0; i < calls; ++i) {
        ++counts[whoAnswers(channel)];
    }
    return counts;
}

// Whether `calls` calls in a row all reach one of `expected`.
bool onlyReaches(const std::shared_ptr<grpc::Channel> &channel,
                 const std::set<std::string> &expected, int calls = 60) {
    for (const auto &[id, count] : countAnswers(channel, calls)) {
        if (expected.count(id) == 0) {
            return false;
        }
    }
    return true;
}

} // namespace

class XdsTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void targets();
    void bootstrapIsProcessWide();
    void callsReachEveryRoutableInstance();
    void deregisteredAndDrainedInstancesStopReceiving();
    void unhealthyInstanceStopsReceiving();
    void weightsSplitTheTraffic();
    void refusesStreamsWithoutToken();
    void revokedTokenEndsItsStreams();
    void versionsNoncesAcksAndNacks();
    // Last: it stops the daemon.
    void shutdownEndsStreams();

private:
    std::unique_ptr<client::Registration> registerBackend(const std::string &service,
                                                          const std::string &id,
                                                          const Backend &backend,
                                                          std::int32_t weight = 100);
    client::XdsOptions xdsOptions() const;

    testing::TempDir m_dir;
    std::unique_ptr<testing::DaemonProcess> m_daemon;
    std::string m_adminToken;
    std::string m_viewerToken;
    std::shared_ptr<grpc::Channel> m_admin;
};

void XdsTest::initTestCase() {
    testing::DaemonOptions options;
    options.dataDir = m_dir.path();
    options.extraArgs = {"--xds-listen", "127.0.0.1:0"};
    auto daemon = testing::DaemonProcess::start(options);
    QVERIFY2(daemon.isOk(), daemon.status().message().c_str());
    m_daemon = std::move(*daemon);
    QVERIFY(!m_daemon->xdsAddress().empty());
    m_adminToken = m_daemon->adminToken();
    m_admin = testing::channelFor(m_daemon->grpcAddress(), m_adminToken);
    // Any role reads discovery over xDS, as it may with ListInstances.
    QVERIFY(
        testing::createToken(m_admin, "xds-viewer", aegis::v1::ROLE_VIEWER, &m_viewerToken).ok());
    QVERIFY(client::useAegisForXds(xdsOptions()).isOk());
}

void XdsTest::cleanupTestCase() {
    m_daemon.reset();
}

client::XdsOptions XdsTest::xdsOptions() const {
    client::XdsOptions options;
    options.server = m_daemon->xdsAddress();
    options.token = m_viewerToken;
    options.nodeId = "tst-xds";
    return options;
}

std::unique_ptr<client::Registration> XdsTest::registerBackend(const std::string &service,
                                                               const std::string &id,
                                                               const Backend &backend,
                                                               std::int32_t weight) {
    client::RegistrationOptions options;
    options.service = service;
    options.instanceId = id;
    options.address = backend.address();
    options.weight = weight;
    options.ttl = 30s;
    auto registration = client::Registration::start(m_admin, options);
    if (!registration) {
        return nullptr;
    }
    if (!(*registration)->waitUntilRegistered(10s)) {
        return nullptr;
    }
    return std::move(*registration);
}

void XdsTest::targets() {
    QCOMPARE(*client::xdsTarget("aegis:///checkout"), std::string("xds:///checkout"));
    QCOMPARE(*client::xdsTarget("xds:///checkout"), std::string("xds:///checkout"));
    QCOMPARE(*client::xdsTarget("checkout"), std::string("xds:///checkout"));
    for (const char *bad :
         {"aegis://aegisd/checkout", "dns:///checkout", "aegis:///", "", "a/b", "127.0.0.1:80"}) {
        const auto target = client::xdsTarget(bad);
        QVERIFY2(!target.isOk(), bad);
        QCOMPARE(target.status().code(), StatusCode::InvalidArgument);
    }
    client::XdsOptions noServer;
    noServer.token = "t";
    QCOMPARE(client::xdsBootstrap(noServer).status().code(), StatusCode::InvalidArgument);
    client::XdsOptions noToken;
    noToken.server = "127.0.0.1:1";
    QCOMPARE(client::xdsBootstrap(noToken).status().code(), StatusCode::InvalidArgument);
}

void XdsTest::bootstrapIsProcessWide() {
    QVERIFY(client::useAegisForXds(xdsOptions()).isOk()); // the same again: fine
    client::XdsOptions other = xdsOptions();
    other.nodeId = "someone-else";
    QCOMPARE(client::useAegisForXds(other).code(), StatusCode::FailedPrecondition);
}

void XdsTest::callsReachEveryRoutableInstance() {
    Backend a("a"), b("b"), c("c");
    auto ra = registerBackend("xds-all", "a", a);
    auto rb = registerBackend("xds-all", "b", b);
    auto rc = registerBackend("xds-all", "c", c);
    QVERIFY(ra && rb && rc);
    auto channel = client::makeServiceChannel("aegis:///xds-all", xdsOptions());
    QVERIFY2(channel.isOk(), channel.status().message().c_str());
    QVERIFY(testing::pollUntil(
        [&] {
            const auto counts = countAnswers(*channel, 30);
            return counts.count("a") && counts.count("b") && counts.count("c");
        },
        15s));
    // Equal weights: round robin within one locality, each about a third.
    const auto counts = countAnswers(*channel, 300);
    for (const char *id : {"a", "b", "c"}) {
        QVERIFY2(counts.count(id) && counts.at(id) >= 70, id);
    }
    QCOMPARE(counts.count(""), std::size_t(0));
}

void XdsTest::deregisteredAndDrainedInstancesStopReceiving() {
    Backend a("a"), b("b"), c("c");
    auto ra = registerBackend("xds-leave", "a", a);
    auto rb = registerBackend("xds-leave", "b", b);
    auto rc = registerBackend("xds-leave", "c", c);
    QVERIFY(ra && rb && rc);
    auto channel = client::makeServiceChannel("aegis:///xds-leave", xdsOptions());
    QVERIFY(channel.isOk());
    QVERIFY(testing::pollUntil([&] { return countAnswers(*channel, 30).size() == 3; }, 15s));

    QVERIFY(rc->deregister().isOk());
    QVERIFY(testing::pollUntil([&] { return onlyReaches(*channel, {"a", "b"}); }, 5s));

    aegis::v1::RegistryService::Stub registry(m_admin);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 5s);
    aegis::v1::SetInstanceStateRequest drain;
    drain.set_service("xds-leave");
    drain.set_instance_id("b");
    drain.set_state(aegis::v1::INSTANCE_STATE_DRAINING);
    aegis::v1::SetInstanceStateResponse drained;
    QVERIFY(registry.SetInstanceState(&context, drain, &drained).ok());
    QVERIFY(testing::pollUntil([&] { return onlyReaches(*channel, {"a"}); }, 5s));
}

void XdsTest::unhealthyInstanceStopsReceiving() {
    Backend a("a"), b("b"), c("c");
    aegis::v1::HealthService::Stub health(m_admin);
    {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + 5s);
        aegis::v1::UpdateHealthCheckRequest request;
        request.set_service("xds-health");
        auto *check = request.mutable_check();
        check->set_kind("grpc");
        check->set_interval_ms(200);
        check->set_timeout_ms(150);
        check->set_rise(1);
        check->set_fall(1);
        aegis::v1::UpdateHealthCheckResponse response;
        const grpc::Status status = health.UpdateHealthCheck(&context, request, &response);
        QVERIFY2(status.ok(), status.error_message().c_str());
    }
    auto ra = registerBackend("xds-health", "a", a);
    auto rb = registerBackend("xds-health", "b", b);
    auto rc = registerBackend("xds-health", "c", c);
    QVERIFY(ra && rb && rc);
    auto channel = client::makeServiceChannel("aegis:///xds-health", xdsOptions());
    QVERIFY(channel.isOk());
    QVERIFY(testing::pollUntil([&] { return countAnswers(*channel, 30).size() == 3; }, 15s));

    b.setServing(false); // b's grpc.health.v1 now answers NOT_SERVING: critical, unroutable
    QVERIFY(testing::pollUntil([&] { return onlyReaches(*channel, {"a", "c"}); }, 10s));
    b.setServing(true);
    QVERIFY(testing::pollUntil([&] { return countAnswers(*channel, 30).count("b") > 0; }, 10s));
}

void XdsTest::weightsSplitTheTraffic() {
    Backend canary("canary"), stable("stable");
    auto rc = registerBackend("xds-weights", "canary", canary, 10);
    auto rs = registerBackend("xds-weights", "stable", stable, 90);
    QVERIFY(rc && rs);
    auto channel = client::makeServiceChannel("aegis:///xds-weights", xdsOptions());
    QVERIFY(channel.isOk());
    QVERIFY(testing::pollUntil([&] { return countAnswers(*channel, 60).size() == 2; }, 15s));
    const int calls = 2000;
    const auto counts = countAnswers(*channel, calls);
    const double share = double(counts.count("canary") ? counts.at("canary") : 0) / calls;
    // 10 % of 2,000 calls: the standard deviation is 0.67 %; allow 4 of it.
    QVERIFY2(share > 0.073 && share < 0.127, std::to_string(share).c_str());
    QCOMPARE(counts.count(""), std::size_t(0));
}

void XdsTest::refusesStreamsWithoutToken() {
    auto channel = grpc::CreateChannel(m_daemon->xdsAddress(), grpc::InsecureChannelCredentials());
    envoy::service::discovery::v3::AggregatedDiscoveryService::Stub ads(channel);
    for (const std::string token : {"", "not-a-token"}) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + 5s);
        auto stream = ads.StreamAggregatedResources(&context);
        DiscoveryRequest request;
        request.mutable_node()->set_id("anonymous");
        if (!token.empty()) {
            (*request.mutable_node()->mutable_metadata()->mutable_fields())["aegis_token"]
                .set_string_value(token);
        }
        request.set_type_url(kLdsType);
        request.add_resource_names("xds-all");
        stream->Write(request);
        DiscoveryResponse response;
        QVERIFY(!stream->Read(&response));
        QCOMPARE(stream->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
    }
}

void XdsTest::revokedTokenEndsItsStreams() {
    std::string secret;
    QVERIFY(testing::createToken(m_admin, "xds-revoked", aegis::v1::ROLE_VIEWER, &secret).ok());
    auto channel = grpc::CreateChannel(m_daemon->xdsAddress(), grpc::InsecureChannelCredentials());
    envoy::service::discovery::v3::AggregatedDiscoveryService::Stub ads(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 20s);
    auto stream = ads.StreamAggregatedResources(&context);
    DiscoveryRequest request;
    request.mutable_node()->set_id("tst-xds-revoked");
    (*request.mutable_node()->mutable_metadata()->mutable_fields())["aegis_token"].set_string_value(
        secret);
    request.set_type_url(kEdsType);
    request.add_resource_names("xds-revoke");
    QVERIFY(stream->Write(request));
    DiscoveryResponse response;
    QVERIFY(stream->Read(&response));
    QCOMPARE(response.type_url(), std::string(kEdsType));

    aegis::v1::AuthService::Stub auth(m_admin);
    grpc::ClientContext revokeContext;
    revokeContext.set_deadline(std::chrono::system_clock::now() + 5s);
    aegis::v1::RevokeTokenRequest revoke;
    revoke.set_name("xds-revoked");
    aegis::v1::RevokeTokenResponse revoked;
    QVERIFY(auth.RevokeToken(&revokeContext, revoke, &revoked).ok());

    // The next change of the service it follows ends the stream instead of reaching it.
    Backend a("a");
    auto registration = registerBackend("xds-revoke", "a", a);
    QVERIFY(registration);
    QVERIFY(!stream->Read(&response));
    QCOMPARE(stream->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

void XdsTest::versionsNoncesAcksAndNacks() {
    Backend a("a"), b("b");
    auto ra = registerBackend("xds-proto", "a", a);
    QVERIFY(ra);
    auto channel = grpc::CreateChannel(m_daemon->xdsAddress(), grpc::InsecureChannelCredentials());
    envoy::service::discovery::v3::AggregatedDiscoveryService::Stub ads(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 30s);
    auto stream = ads.StreamAggregatedResources(&context);
    const auto request = [&](const std::string &type, std::vector<std::string> names,
                             const std::string &version, const std::string &nonce,
                             bool nack = false) {
        DiscoveryRequest message;
        message.mutable_node()->set_id("tst-xds-raw");
        (*message.mutable_node()->mutable_metadata()->mutable_fields())["aegis_token"]
            .set_string_value(m_viewerToken);
        message.set_type_url(type);
        for (auto &name : names) {
            message.add_resource_names(name);
        }
        message.set_version_info(version);
        message.set_response_nonce(nonce);
        if (nack) {
            message.mutable_error_detail()->set_code(3);
            message.mutable_error_detail()->set_message("refused by the test");
        }
        return stream->Write(message);
    };
    const auto endpointCount = [](const DiscoveryResponse &response) {
        envoy::config::endpoint::v3::ClusterLoadAssignment assignment;
        if (response.resources_size() != 1 || !response.resources(0).UnpackTo(&assignment)) {
            return -1;
        }
        int count = 0;
        for (const auto &locality : assignment.endpoints()) {
            count += locality.lb_endpoints_size();
        }
        return count;
    };

    // LDS: the listener, a nonce, then an ACK that changes nothing.
    QVERIFY(request(kLdsType, {"xds-proto"}, "", ""));
    DiscoveryResponse lds;
    QVERIFY(stream->Read(&lds));
    QCOMPARE(lds.type_url(), std::string(kLdsType));
    QVERIFY(!lds.nonce().empty());
    QCOMPARE(lds.resources_size(), 1);
    envoy::config::listener::v3::Listener listener;
    QVERIFY(lds.resources(0).UnpackTo(&listener));
    QCOMPARE(listener.name(), std::string("xds-proto"));
    QVERIFY(listener.has_api_listener());
    QVERIFY(request(kLdsType, {"xds-proto"}, lds.version_info(), lds.nonce()));

    // EDS: the next response is the assignment (the LDS ACK sent nothing).
    QVERIFY(request(kEdsType, {"xds-proto"}, "", ""));
    DiscoveryResponse eds;
    QVERIFY(stream->Read(&eds));
    QCOMPARE(eds.type_url(), std::string(kEdsType));
    QCOMPARE(endpointCount(eds), 1);
    QVERIFY(eds.nonce() != lds.nonce());
    const long long firstVersion = std::stoll(eds.version_info());
    QVERIFY(firstVersion > 0);

    // A NACK: logged, and the refused content is not sent again; a stale nonce is ignored (its
    // subscription to "other" never takes effect).
    QVERIFY(request(kEdsType, {"xds-proto"}, "", eds.nonce(), true));
    QVERIFY(request(kEdsType, {"other"}, "", lds.nonce()));

    // A change: a new version with the new content, for the subscription of the last valid
    // request only.
    auto rb = registerBackend("xds-proto", "b", b);
    QVERIFY(rb);
    DiscoveryResponse changed;
    QVERIFY(stream->Read(&changed));
    QCOMPARE(changed.type_url(), std::string(kEdsType));
    QCOMPARE(endpointCount(changed), 2);
    envoy::config::endpoint::v3::ClusterLoadAssignment assignment;
    QVERIFY(changed.resources(0).UnpackTo(&assignment));
    QCOMPARE(assignment.cluster_name(), std::string("xds-proto"));
    QVERIFY(std::stoll(changed.version_info()) > firstVersion);
    QVERIFY(changed.nonce() != eds.nonce());
    context.TryCancel();
}

void XdsTest::shutdownEndsStreams() {
    auto channel = grpc::CreateChannel(m_daemon->xdsAddress(), grpc::InsecureChannelCredentials());
    envoy::service::discovery::v3::AggregatedDiscoveryService::Stub ads(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 20s);
    auto stream = ads.StreamAggregatedResources(&context);
    DiscoveryRequest request;
    request.mutable_node()->set_id("tst-xds-shutdown");
    (*request.mutable_node()->mutable_metadata()->mutable_fields())["aegis_token"].set_string_value(
        m_viewerToken);
    request.set_type_url(kLdsType);
    request.add_resource_names("xds-all");
    QVERIFY(stream->Write(request));
    DiscoveryResponse response;
    QVERIFY(stream->Read(&response));

    QCOMPARE(m_daemon->terminate(), 0);
    QVERIFY(!stream->Read(&response));
    QCOMPARE(stream->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

QTEST_GUILESS_MAIN(XdsTest)
#include "tst_xds.moc"
