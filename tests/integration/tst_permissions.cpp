// Every RPC in the permission table, called with no token and with a token of each role. The
// cases are built from the table itself, so a new RPC is covered as soon as it is added there.
// Then the scope of service tokens (each scoped RPC for its own service and for another), the end
// of a revoked token's streams, and the bound on failed authentications.

#include "aegis/v1/audit.grpc.pb.h"
#include "aegis/v1/auth.grpc.pb.h"
#include "aegis/v1/config.grpc.pb.h"
#include "aegis/v1/health.grpc.pb.h"
#include "aegis/v1/registry.grpc.pb.h"
#include "aegis/v1/rollout.grpc.pb.h"
#include "aegis/v1/system.grpc.pb.h"
#include "api/api_context.h"
#include "api/permission_table.h"
#include "api_test_helpers.h"
#include "auth/roles.h"
#include "client/connection.h"
#include "daemon_process.h"
#include "poll_until.h"

#include <google/protobuf/descriptor.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <nlohmann/json.hpp>

#include <QtTest>

#include <fstream>
#include <functional>
#include <map>
#include <thread>

using namespace aegis;
using namespace std::chrono_literals;

namespace {

constexpr auto kTimeout = std::chrono::seconds(10);

struct CallOutcome {
    grpc::StatusCode code = grpc::StatusCode::UNKNOWN;
    std::string message;
};

void *tag(int n) {
    return reinterpret_cast<void *>(static_cast<std::intptr_t>(n));
}

bool await(grpc::CompletionQueue &queue) {
    void *got = nullptr;
    bool ok = false;
    return queue.Next(&got, &ok) && ok;
}

void drain(grpc::CompletionQueue &queue) {
    queue.Shutdown();
    void *got = nullptr;
    bool ok = false;
    while (queue.Next(&got, &ok)) {
    }
}

// Calls `method` with an empty request through the generic stub, so any unary or server-streaming
// RPC can be called without knowing its types. A stream that opens is cancelled after its first
// message.
CallOutcome callGeneric(const std::shared_ptr<grpc::Channel> &channel, const std::string &method,
                        const std::string &authorization) {
    grpc::GenericStub stub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kTimeout);
    if (!authorization.empty()) {
        context.AddMetadata("authorization", authorization);
    }
    grpc::CompletionQueue queue;
    auto call = stub.PrepareCall(&context, method, &queue);
    call->StartCall(tag(1));
    await(queue);
    grpc::Slice nothing;
    grpc::ByteBuffer empty(&nothing, 1);
    call->Write(empty, tag(2));
    await(queue);
    call->WritesDone(tag(3));
    await(queue);
    grpc::ByteBuffer response;
    call->Read(&response, tag(4));
    if (await(queue)) {
        // The call got through authorisation; a stream would go on, so stop it here.
        context.TryCancel();
        grpc::Status status;
        call->Finish(&status, tag(5));
        await(queue);
        drain(queue);
        return {status.ok() || status.error_code() == grpc::StatusCode::CANCELLED
                    ? grpc::StatusCode::OK
                    : status.error_code(),
                status.error_message()};
    }
    grpc::Status status;
    call->Finish(&status, tag(5));
    await(queue);
    drain(queue);
    return {status.error_code(), status.error_message()};
}

void withDeadline(grpc::ClientContext &context) {
    context.set_deadline(std::chrono::system_clock::now() + kTimeout);
}

// The RPCs a service token is scoped in, each called for `service` (as its own instance
// "scope-1", and for configuration in the namespace named like the service).
using ScopedCall =
    std::function<grpc::Status(const std::shared_ptr<grpc::Channel> &, const std::string &service)>;

grpc::Status registerInstance(const std::shared_ptr<grpc::Channel> &channel,
                              const std::string &service, const std::string &id,
                              std::int64_t leaseId = 0, std::int64_t *grantedLease = nullptr) {
    auto stub = aegis::v1::RegistryService::NewStub(channel);
    aegis::v1::RegisterInstanceRequest request;
    request.mutable_instance()->set_service(service);
    request.mutable_instance()->set_id(id);
    request.mutable_instance()->set_address("127.0.0.1:9");
    if (leaseId != 0) {
        request.set_lease_id(leaseId);
    } else {
        request.set_ttl_seconds(60);
    }
    aegis::v1::RegisterInstanceResponse response;
    grpc::ClientContext context;
    withDeadline(context);
    const grpc::Status status = stub->RegisterInstance(&context, request, &response);
    if (grantedLease != nullptr) {
        *grantedLease = response.lease_id();
    }
    return status;
}

grpc::Status publishSecret(const std::shared_ptr<grpc::Channel> &admin, const std::string &ns,
                           const std::string &content) {
    auto stub = aegis::v1::ConfigService::NewStub(admin);
    aegis::v1::PublishConfigRequest request;
    auto *change = request.mutable_change();
    change->mutable_ref()->set_namespace_(ns);
    change->mutable_ref()->set_group("app");
    change->mutable_ref()->set_key("password");
    change->set_format(aegis::v1::CONFIG_FORMAT_TEXT);
    change->set_content(content);
    change->set_update_attributes(true);
    change->set_secret(true);
    request.set_comment("scope test");
    aegis::v1::PublishConfigResponse response;
    grpc::ClientContext context;
    withDeadline(context);
    return stub->PublishConfig(&context, request, &response);
}

grpc::Status getPassword(const std::shared_ptr<grpc::Channel> &channel, const std::string &ns,
                         std::string *content = nullptr) {
    auto stub = aegis::v1::ConfigService::NewStub(channel);
    aegis::v1::GetConfigItemRequest request;
    request.mutable_ref()->set_namespace_(ns);
    request.mutable_ref()->set_group("app");
    request.mutable_ref()->set_key("password");
    aegis::v1::GetConfigItemResponse response;
    grpc::ClientContext context;
    withDeadline(context);
    const grpc::Status status = stub->GetConfigItem(&context, request, &response);
    if (content != nullptr) {
        *content = response.item().content();
    }
    return status;
}

// The status a server stream ends with after its first message, or OK once that message came
// (the stream is then cancelled).
template <typename Response, typename Open>
grpc::Status firstOfStream(Open open) {
    grpc::ClientContext context;
    withDeadline(context);
    auto reader = open(&context);
    Response response;
    if (reader->Read(&response)) {
        context.TryCancel();
        reader->Finish().ok();
        return grpc::Status::OK;
    }
    return reader->Finish();
}

// An open stream of any kind, read and finished through type-erased calls.
struct OpenStream {
    std::string name;
    std::unique_ptr<grpc::ClientContext> context = std::make_unique<grpc::ClientContext>();
    std::function<bool()> read;
    std::function<grpc::Status()> finish;
};

template <typename Response, typename Open>
OpenStream openStream(std::string name, Open open) {
    OpenStream stream;
    stream.name = std::move(name);
    withDeadline(*stream.context);
    auto reader = std::shared_ptr(open(stream.context.get()));
    auto response = std::make_shared<Response>();
    stream.read = [reader, response] { return reader->Read(response.get()); };
    stream.finish = [reader] { return reader->Finish(); };
    return stream;
}

} // namespace

Q_DECLARE_METATYPE(ScopedCall)

class PermissionsTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void tableCoversEveryServedMethod();
    void everyMethodForEveryRole_data();
    void everyMethodForEveryRole();
    void healthServiceAnswersWithoutToken();
    void reflectionListsTheServices();
    void serviceScope_data();
    void serviceScope();
    void keepAliveOnlyForOwnedLeases();
    void secretsOnlyInOwnNamespaces();
    void operatorsAreNotScoped();
    void reportCallOutcomesIsRateBounded();
    void tokenScopeIsValidated();
    void revokedTokenEndsItsStreams();
    void expiredTokenEndsItsStreams();
    void expiredTokenEndsItsStreamsOverGrpc();
    void failedAuthenticationsAreLimitedAndSummarised();
    void cleanupTestCase() { m_daemon.reset(); }

private:
    std::shared_ptr<grpc::Channel> adminChannel() const {
        return testing::channelFor(m_daemon->grpcAddress(), m_daemon->adminToken());
    }
    std::shared_ptr<grpc::Channel> channelWith(auth::Role role) const {
        return testing::channelFor(m_daemon->grpcAddress(), m_secrets.at(role));
    }

    std::unique_ptr<testing::DaemonProcess> m_daemon;
    std::shared_ptr<grpc::Channel> m_channel;
    std::map<auth::Role, std::string> m_secrets;
};

void PermissionsTest::initTestCase() {
    auto daemon = testing::DaemonProcess::start();
    QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
    m_daemon = std::move(*daemon);
    client::ConnectionOptions anonymous;
    anonymous.address = m_daemon->grpcAddress();
    auto channel = client::makeChannel(anonymous);
    QVERIFY(channel.isOk());
    m_channel = *channel;

    auto admin = client::makeChannel(m_daemon->adminConnection());
    QVERIFY(admin.isOk());
    auto stub = aegis::v1::AuthService::NewStub(*admin);
    for (auth::Role role :
         {auth::Role::Viewer, auth::Role::Operator, auth::Role::Admin, auth::Role::Service}) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + kTimeout);
        aegis::v1::CreateTokenRequest request;
        request.set_name("perm-" + std::string(auth::roleName(role)));
        request.set_role(static_cast<aegis::v1::Role>(role));
        if (role == auth::Role::Service) {
            // Bound to "orders", and granted the shared configuration namespace "shared".
            request.add_services("orders");
            request.add_namespaces("shared");
        }
        aegis::v1::CreateTokenResponse response;
        const auto status = stub->CreateToken(&context, request, &response);
        QVERIFY2(status.ok(), status.error_message().c_str());
        m_secrets[role] = response.secret();
    }
}

void PermissionsTest::tableCoversEveryServedMethod() {
    const Status coverage = api::checkPermissionTableCoverage();
    QVERIFY2(coverage.isOk(), coverage.message().c_str());
    QVERIFY(api::permissionTable().size() >= 8);
}

void PermissionsTest::everyMethodForEveryRole_data() {
    QTest::addColumn<QString>("method");
    QTest::addColumn<int>("role");
    for (const api::MethodPolicy &policy : api::permissionTable()) {
        for (auth::Role role : {auth::Role::Unspecified, auth::Role::Viewer, auth::Role::Operator,
                                auth::Role::Admin, auth::Role::Service}) {
            const std::string name =
                std::string(policy.method) + " as " +
                (role == auth::Role::Unspecified ? std::string("no token")
                                                 : std::string(auth::roleName(role)));
            QTest::newRow(name.c_str())
                << QString::fromUtf8(policy.method.data(), static_cast<int>(policy.method.size()))
                << static_cast<int>(role);
        }
    }
}

void PermissionsTest::everyMethodForEveryRole() {
    QFETCH(QString, method);
    QFETCH(int, role);
    const auto callerRole = static_cast<auth::Role>(role);
    const api::MethodPolicy *policy = api::findPolicy(method.toStdString());
    QVERIFY(policy != nullptr);

    const std::string authorization = callerRole == auth::Role::Unspecified
                                          ? std::string()
                                          : "Bearer " + m_secrets.at(callerRole);
    const CallOutcome outcome = callGeneric(m_channel, method.toStdString(), authorization);
    const QByteArray detail = QByteArray::fromStdString(outcome.message);
    if (callerRole == auth::Role::Unspecified) {
        QCOMPARE(outcome.code, grpc::StatusCode::UNAUTHENTICATED);
    } else if (auth::roleGrants(callerRole, policy->access)) {
        QVERIFY2(outcome.code != grpc::StatusCode::UNAUTHENTICATED &&
                     outcome.code != grpc::StatusCode::PERMISSION_DENIED,
                 detail.constData());
    } else {
        QCOMPARE(outcome.code, grpc::StatusCode::PERMISSION_DENIED);
        QVERIFY2(detail.contains(auth::roleName(callerRole).data()), detail.constData());
    }
}

void PermissionsTest::healthServiceAnswersWithoutToken() {
    // grpc.health.v1.Health/Check with an empty service name answers SERVING (status = 1).
    grpc::GenericStub stub(m_channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kTimeout);
    grpc::CompletionQueue queue;
    grpc::Slice nothing;
    grpc::ByteBuffer request(&nothing, 1);
    auto call = stub.PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check", request, &queue);
    call->StartCall();
    grpc::ByteBuffer response;
    grpc::Status status;
    call->Finish(&response, &status, tag(1));
    QVERIFY(await(queue));
    drain(queue);
    QVERIFY2(status.ok(), status.error_message().c_str());
    std::vector<grpc::Slice> slices;
    QVERIFY(response.Dump(&slices).ok());
    std::string bytes;
    for (const auto &slice : slices) {
        bytes.append(reinterpret_cast<const char *>(slice.begin()), slice.size());
    }
    QCOMPARE(QByteArray::fromStdString(bytes), QByteArray("\x08\x01", 2));
}

void PermissionsTest::reflectionListsTheServices() {
    // grpc.reflection.v1alpha ServerReflectionInfo with list_services (field 7, empty string).
    grpc::GenericStub stub(m_channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kTimeout);
    grpc::CompletionQueue queue;
    auto call = stub.PrepareCall(
        &context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &queue);
    call->StartCall(tag(1));
    QVERIFY(await(queue));
    grpc::Slice listServices(std::string("\x3a\x00", 2));
    grpc::ByteBuffer request(&listServices, 1);
    call->Write(request, tag(2));
    QVERIFY(await(queue));
    call->WritesDone(tag(3));
    QVERIFY(await(queue));
    grpc::ByteBuffer response;
    call->Read(&response, tag(4));
    QVERIFY(await(queue));
    grpc::Status status;
    call->Finish(&status, tag(5));
    await(queue);
    drain(queue);
    std::vector<grpc::Slice> slices;
    QVERIFY(response.Dump(&slices).ok());
    std::string bytes;
    for (const auto &slice : slices) {
        bytes.append(reinterpret_cast<const char *>(slice.begin()), slice.size());
    }
    for (const char *service :
         {"aegis.v1.SystemService", "aegis.v1.AuthService", "aegis.v1.AuditService",
          "aegis.v1.RegistryService", "grpc.health.v1.Health"}) {
        QVERIFY2(bytes.find(service) != std::string::npos, service);
    }
}

void PermissionsTest::serviceScope_data() {
    QTest::addColumn<ScopedCall>("call");
    QTest::addColumn<QString>("method");
    QTest::newRow("RegisterInstance")
        << ScopedCall([](const auto &channel, const std::string &service) {
               return registerInstance(channel, service, "scope-1");
           })
        << "RegisterInstance";
    QTest::newRow("ReportHealth") << ScopedCall([](const auto &channel,
                                                   const std::string &service) {
        auto stub = aegis::v1::HealthService::NewStub(channel);
        aegis::v1::ReportHealthRequest request;
        request.set_service(service);
        request.set_instance_id("scope-1");
        request.set_status(aegis::v1::HEALTH_STATUS_PASSING);
        aegis::v1::ReportHealthResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        return stub->ReportHealth(&context, request, &response);
    }) << "ReportHealth";
    QTest::newRow("AckConfig") << ScopedCall([](const auto &channel, const std::string &service) {
        auto stub = aegis::v1::ConfigService::NewStub(channel);
        aegis::v1::AckConfigRequest request;
        request.mutable_ref()->set_namespace_(service);
        request.mutable_ref()->set_group("app");
        request.mutable_ref()->set_key("password");
        request.set_service(service);
        request.set_instance_id("scope-1");
        request.set_version(1);
        aegis::v1::AckConfigResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        return stub->AckConfig(&context, request, &response);
    }) << "AckConfig";
    QTest::newRow("GetConfigItem")
        << ScopedCall([](const auto &channel, const std::string &service) {
               return getPassword(channel, service);
           })
        << "GetConfigItem";
    QTest::newRow("WatchConfig") << ScopedCall([](const auto &channel, const std::string &service) {
        auto stub = aegis::v1::ConfigService::NewStub(channel);
        aegis::v1::WatchConfigRequest request;
        request.set_namespace_(service);
        return firstOfStream<aegis::v1::WatchConfigResponse>(
            [&](grpc::ClientContext *context) { return stub->WatchConfig(context, request); });
    }) << "WatchConfig";
    QTest::newRow("DeregisterInstance")
        << ScopedCall([](const auto &channel, const std::string &service) {
               auto stub = aegis::v1::RegistryService::NewStub(channel);
               aegis::v1::DeregisterInstanceRequest request;
               request.set_service(service);
               request.set_instance_id("scope-1");
               aegis::v1::DeregisterInstanceResponse response;
               grpc::ClientContext context;
               withDeadline(context);
               return stub->DeregisterInstance(&context, request, &response);
           })
        << "DeregisterInstance";
}

void PermissionsTest::serviceScope() {
    QFETCH(ScopedCall, call);
    QFETCH(QString, method);
    // Another service's instance exists, so a refusal is not a mere NOT_FOUND.
    const grpc::Status registered = registerInstance(adminChannel(), "payments", "scope-1");
    QVERIFY2(registered.ok() || registered.error_code() == grpc::StatusCode::ALREADY_EXISTS,
             registered.error_message().c_str());
    const auto service = channelWith(auth::Role::Service);

    const grpc::Status own = call(service, "orders");
    QVERIFY2(own.error_code() != grpc::StatusCode::PERMISSION_DENIED &&
                 own.error_code() != grpc::StatusCode::UNAUTHENTICATED,
             own.error_message().c_str());

    const grpc::Status other = call(service, "payments");
    QCOMPARE(other.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    // The message names the service asked for, the method and the token's scope.
    const std::string &message = other.error_message();
    QVERIFY2(message.find("'payments'") != std::string::npos, message.c_str());
    QVERIFY2(message.find(method.toStdString()) != std::string::npos, message.c_str());
    QVERIFY2(message.find("bound to services orders") != std::string::npos, message.c_str());

    // A refused mutation is audited, with the refusal.
    if (method == "RegisterInstance" || method == "DeregisterInstance") {
        auto audit = aegis::v1::AuditService::NewStub(adminChannel());
        aegis::v1::ListAuditRecordsRequest request;
        request.mutable_filter()->set_actor("perm-service");
        request.mutable_filter()->set_method(method.toStdString());
        request.mutable_filter()->set_resource("services/payments/");
        aegis::v1::ListAuditRecordsResponse records;
        grpc::ClientContext context;
        withDeadline(context);
        QVERIFY(audit->ListAuditRecords(&context, request, &records).ok());
        QVERIFY(std::any_of(records.records().begin(), records.records().end(),
                            [](const aegis::v1::AuditRecord &record) {
                                return record.code() == grpc::StatusCode::PERMISSION_DENIED &&
                                       record.error().find("'payments'") != std::string::npos;
                            }));
    }

    // The other service's instance is untouched.
    auto registry = aegis::v1::RegistryService::NewStub(adminChannel());
    aegis::v1::ListInstancesRequest list;
    list.set_service("payments");
    list.set_include_unroutable(true);
    aegis::v1::ListInstancesResponse listed;
    grpc::ClientContext context;
    withDeadline(context);
    QVERIFY(registry->ListInstances(&context, list, &listed).ok());
    QCOMPARE(listed.instances_size(), 1);
    QCOMPARE(listed.instances(0).address(), std::string("127.0.0.1:9"));
}

void PermissionsTest::keepAliveOnlyForOwnedLeases() {
    const auto service = channelWith(auth::Role::Service);
    std::int64_t own = 0;
    std::int64_t foreign = 0;
    QVERIFY(registerInstance(service, "orders", "lease-own", 0, &own).ok());
    QVERIFY(registerInstance(adminChannel(), "payments", "lease-foreign", 0, &foreign).ok());

    // Joining another service's lease would keep its instances alive: refused.
    const grpc::Status joined = registerInstance(service, "orders", "lease-join", foreign);
    QCOMPARE(joined.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    QVERIFY2(joined.error_message().find("'payments'") != std::string::npos,
             joined.error_message().c_str());

    auto stub = aegis::v1::RegistryService::NewStub(service);
    grpc::ClientContext context;
    withDeadline(context);
    auto stream = stub->KeepAlive(&context);
    aegis::v1::KeepAliveRequest request;
    aegis::v1::KeepAliveResponse response;
    request.set_lease_id(own);
    QVERIFY(stream->Write(request));
    QVERIFY(stream->Read(&response));
    QCOMPARE(response.lease_id(), own);
    QVERIFY(response.ttl_seconds() > 0);

    request.set_lease_id(foreign);
    stream->Write(request);
    while (stream->Read(&response)) {
    }
    const grpc::Status ended = stream->Finish();
    QCOMPARE(ended.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    QVERIFY2(ended.error_message().find("lease " + std::to_string(foreign)) != std::string::npos,
             ended.error_message().c_str());
}

void PermissionsTest::secretsOnlyInOwnNamespaces() {
    const auto admin = adminChannel();
    for (const char *ns : {"orders", "shared", "payments"}) {
        const grpc::Status published = publishSecret(admin, ns, std::string("pw-of-") + ns);
        QVERIFY2(published.ok(), published.error_message().c_str());
    }
    const auto service = channelWith(auth::Role::Service);
    std::string content;
    // Its own namespace, and the one it was granted: in clear, as it applies them.
    QVERIFY(getPassword(service, "orders", &content).ok());
    QCOMPARE(content, std::string("pw-of-orders"));
    QVERIFY(getPassword(service, "shared", &content).ok());
    QCOMPARE(content, std::string("pw-of-shared"));
    // Anywhere else: refused, and the value appears nowhere in the answer.
    content.clear();
    const grpc::Status other = getPassword(service, "payments", &content);
    QCOMPARE(other.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    QVERIFY(content.empty());
    QVERIFY(other.error_message().find("pw-of-payments") == std::string::npos);
    QVERIFY2(other.error_message().find("namespace 'payments'") != std::string::npos,
             other.error_message().c_str());
}

void PermissionsTest::operatorsAreNotScoped() {
    const auto operatorChannel = channelWith(auth::Role::Operator);
    QVERIFY(registerInstance(operatorChannel, "billing", "op-1").ok());
    std::string content;
    QVERIFY(publishSecret(adminChannel(), "billing", "pw-of-billing").ok());
    QVERIFY(getPassword(operatorChannel, "billing", &content).ok());
    QCOMPARE(content, std::string("pw-of-billing"));
}

void PermissionsTest::reportCallOutcomesIsRateBounded() {
    // Open to any service (callers report on the services they call), but bounded per caller.
    auto stub = aegis::v1::HealthService::NewStub(channelWith(auth::Role::Service));
    int accepted = 0;
    int exhausted = 0;
    std::string message;
    for (int i = 0; i < 300; ++i) {
        aegis::v1::ReportCallOutcomesRequest request;
        request.set_service("payments");
        auto *outcome = request.add_outcomes();
        outcome->set_instance_id("scope-1");
        outcome->set_successes(1);
        aegis::v1::ReportCallOutcomesResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        const grpc::Status status = stub->ReportCallOutcomes(&context, request, &response);
        if (status.ok()) {
            ++accepted;
        } else {
            QCOMPARE(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
            ++exhausted;
            message = status.error_message();
        }
    }
    QVERIFY2(accepted >= 100, std::to_string(accepted).c_str());
    QVERIFY2(exhausted > 0, std::to_string(accepted).c_str());
    QVERIFY2(message.find("perm-service") != std::string::npos, message.c_str());
}

void PermissionsTest::tokenScopeIsValidated() {
    auto auth = aegis::v1::AuthService::NewStub(adminChannel());
    const auto create = [&](aegis::v1::Role role, std::vector<std::string> services,
                            std::vector<std::string> namespaces = {}) {
        aegis::v1::CreateTokenRequest request;
        request.set_name("scope-check");
        request.set_role(role);
        request.mutable_services()->Add(services.begin(), services.end());
        request.mutable_namespaces()->Add(namespaces.begin(), namespaces.end());
        aegis::v1::CreateTokenResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        return auth->CreateToken(&context, request, &response);
    };
    const auto refusedWith = [](const grpc::Status &status, const char *text) {
        return status.error_code() == grpc::StatusCode::INVALID_ARGUMENT &&
               status.error_message().find(text) != std::string::npos;
    };
    QVERIFY(refusedWith(create(aegis::v1::ROLE_SERVICE, {}), "at least one service"));
    QVERIFY(refusedWith(create(aegis::v1::ROLE_VIEWER, {"orders"}), "viewer"));
    QVERIFY(refusedWith(create(aegis::v1::ROLE_OPERATOR, {}, {"shared"}), "operator"));
    QVERIFY(refusedWith(create(aegis::v1::ROLE_SERVICE, {"orders", "Pay_ments"}), "services[1]"));
    QVERIFY(refusedWith(create(aegis::v1::ROLE_SERVICE, {"orders"}, {"-x"}), "namespaces[0]"));
    QVERIFY(refusedWith(create(aegis::v1::ROLE_SERVICE, std::vector<std::string>(65, "orders")),
                        "at most 64"));

    // WhoAmI tells a service its scope.
    auto self = aegis::v1::AuthService::NewStub(channelWith(auth::Role::Service));
    aegis::v1::WhoAmIResponse me;
    grpc::ClientContext context;
    withDeadline(context);
    QVERIFY(self->WhoAmI(&context, {}, &me).ok());
    QCOMPARE(me.token().services_size(), 1);
    QCOMPARE(me.token().services(0), std::string("orders"));
    QCOMPARE(me.token().namespaces(0), std::string("shared"));
}

void PermissionsTest::revokedTokenEndsItsStreams() {
    const auto admin = adminChannel();
    std::string serviceSecret;
    std::string viewerSecret;
    QVERIFY(testing::createToken(admin, "doomed-service", aegis::v1::ROLE_SERVICE, &serviceSecret,
                                 {"orders"})
                .ok());
    QVERIFY(
        testing::createToken(admin, "doomed-viewer", aegis::v1::ROLE_VIEWER, &viewerSecret).ok());
    const auto service = testing::channelFor(m_daemon->grpcAddress(), serviceSecret);
    const auto viewer = testing::channelFor(m_daemon->grpcAddress(), viewerSecret);
    std::int64_t lease = 0;
    QVERIFY(registerInstance(service, "orders", "doomed-1", 0, &lease).ok());

    // One of each kind of stream, each established (its first message received).
    std::vector<OpenStream> streams;
    auto registry = aegis::v1::RegistryService::NewStub(service);
    auto config = aegis::v1::ConfigService::NewStub(service);
    auto audit = aegis::v1::AuditService::NewStub(viewer);
    auto health = aegis::v1::HealthService::NewStub(viewer);
    auto rollouts = aegis::v1::RolloutService::NewStub(viewer);
    streams.push_back(openStream<aegis::v1::WatchInstancesResponse>(
        "WatchInstances", [&](grpc::ClientContext *context) {
            return registry->WatchInstances(context, aegis::v1::WatchInstancesRequest());
        }));
    streams.push_back(openStream<aegis::v1::WatchConfigResponse>(
        "WatchConfig", [&](grpc::ClientContext *context) {
            aegis::v1::WatchConfigRequest request;
            request.set_namespace_("orders");
            return config->WatchConfig(context, request);
        }));
    streams.push_back(openStream<aegis::v1::WatchAuditRecordsResponse>(
        "WatchAuditRecords", [&](grpc::ClientContext *context) {
            return audit->WatchAuditRecords(context, aegis::v1::WatchAuditRecordsRequest());
        }));
    streams.push_back(openStream<aegis::v1::WatchHealthResponse>(
        "WatchHealth", [&](grpc::ClientContext *context) {
            return health->WatchHealth(context, aegis::v1::WatchHealthRequest());
        }));
    streams.push_back(openStream<aegis::v1::WatchRolloutsResponse>(
        "WatchRollouts", [&](grpc::ClientContext *context) {
            return rollouts->WatchRollouts(context, aegis::v1::WatchRolloutsRequest());
        }));
    for (auto &stream : streams) {
        QVERIFY2(stream.read(), stream.name.c_str());
    }
    {
        OpenStream keepAlive;
        keepAlive.name = "KeepAlive";
        withDeadline(*keepAlive.context);
        auto bidi = std::shared_ptr(registry->KeepAlive(keepAlive.context.get()));
        aegis::v1::KeepAliveRequest request;
        request.set_lease_id(lease);
        QVERIFY(bidi->Write(request));
        auto response = std::make_shared<aegis::v1::KeepAliveResponse>();
        QVERIFY(bidi->Read(response.get()));
        keepAlive.read = [bidi, response] { return bidi->Read(response.get()); };
        keepAlive.finish = [bidi] { return bidi->Finish(); };
        streams.push_back(std::move(keepAlive));
    }

    auto auth = aegis::v1::AuthService::NewStub(admin);
    for (const char *name : {"doomed-service", "doomed-viewer"}) {
        aegis::v1::RevokeTokenRequest request;
        request.set_name(name);
        aegis::v1::RevokeTokenResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        QVERIFY(auth->RevokeToken(&context, request, &response).ok());
    }
    const auto revoked = std::chrono::steady_clock::now();
    for (auto &stream : streams) {
        while (stream.read()) {
            // What happened before the revocation (its own audit record) may still arrive.
        }
        const grpc::Status ended = stream.finish();
        const auto after = std::chrono::steady_clock::now() - revoked;
        QVERIFY2(ended.error_code() == grpc::StatusCode::UNAUTHENTICATED,
                 (stream.name + ": " + ended.error_message()).c_str());
        QVERIFY2(ended.error_message().find("revoked") != std::string::npos,
                 ended.error_message().c_str());
        QVERIFY2(after < 1s, stream.name.c_str());
    }
}

void PermissionsTest::expiredTokenEndsItsStreams() {
    // The daemon sweeps with its clock several times a second; here the closer is driven with
    // chosen times, so expiry needs no minute-long token.
    api::StreamCloser closer;
    const auto expiry = std::chrono::system_clock::time_point(std::chrono::hours(1000));
    std::vector<std::pair<std::string, Status>> ended;
    const auto record = [&ended](std::string name) {
        return [&ended, name](const Status &status) { ended.emplace_back(name, status); };
    };
    closer.add(record("expiring"), "short", expiry);
    closer.add(record("later"), "long", expiry + 1h);
    closer.add(record("forever"), "admin");
    closer.closeExpired(expiry - 1ms);
    QVERIFY(ended.empty());
    closer.closeExpired(expiry);
    QCOMPARE(ended.size(), std::size_t(1));
    QCOMPARE(ended[0].first, std::string("expiring"));
    QCOMPARE(ended[0].second.code(), StatusCode::Unauthenticated);
    QVERIFY(ended[0].second.message().find("'short' expired") != std::string::npos);
    // Ended once: a later sweep does not call it again.
    closer.closeExpired(expiry + 1s);
    QCOMPARE(ended.size(), std::size_t(1));
    closer.closeToken("admin");
    QCOMPARE(ended.size(), std::size_t(2));
    QCOMPARE(ended[1].first, std::string("forever"));
    closer.closeExpired(expiry + 2h);
    QCOMPARE(ended.size(), std::size_t(3));
}

void PermissionsTest::expiredTokenEndsItsStreamsOverGrpc() {
    // The shortest TTL a token may have is a minute, so this case takes one.
    auto auth = aegis::v1::AuthService::NewStub(adminChannel());
    aegis::v1::CreateTokenRequest request;
    request.set_name("short-lived");
    request.set_role(aegis::v1::ROLE_SERVICE);
    request.add_services("orders");
    request.mutable_ttl()->set_seconds(60);
    aegis::v1::CreateTokenResponse created;
    {
        grpc::ClientContext context;
        withDeadline(context);
        const grpc::Status status = auth->CreateToken(&context, request, &created);
        QVERIFY2(status.ok(), status.error_message().c_str());
    }
    const auto expiry = std::chrono::system_clock::time_point(
        std::chrono::seconds(created.token().expire_time().seconds()) +
        std::chrono::nanoseconds(created.token().expire_time().nanos()));
    const auto service = testing::channelFor(m_daemon->grpcAddress(), created.secret());
    std::int64_t lease = 0;
    QVERIFY(registerInstance(service, "orders", "short-1", 0, &lease).ok());

    auto registry = aegis::v1::RegistryService::NewStub(service);
    auto watch = openStream<aegis::v1::WatchInstancesResponse>(
        "WatchInstances", [&](grpc::ClientContext *context) {
            context->set_deadline(std::chrono::system_clock::now() + 90s);
            return registry->WatchInstances(context, aegis::v1::WatchInstancesRequest());
        });
    QVERIFY(watch.read());
    grpc::ClientContext keepAliveContext;
    keepAliveContext.set_deadline(std::chrono::system_clock::now() + 90s);
    auto keepAlive = registry->KeepAlive(&keepAliveContext);
    aegis::v1::KeepAliveRequest renew;
    renew.set_lease_id(lease);
    aegis::v1::KeepAliveResponse renewed;
    QVERIFY(keepAlive->Write(renew));
    QVERIFY(keepAlive->Read(&renewed));

    while (watch.read()) {
    }
    const grpc::Status watchEnded = watch.finish();
    while (keepAlive->Read(&renewed)) {
    }
    const grpc::Status keepAliveEnded = keepAlive->Finish();
    const auto late = std::chrono::system_clock::now() - expiry;
    for (const grpc::Status &ended : {watchEnded, keepAliveEnded}) {
        QVERIFY2(ended.error_code() == grpc::StatusCode::UNAUTHENTICATED,
                 ended.error_message().c_str());
        QVERIFY2(ended.error_message().find("'short-lived' expired") != std::string::npos,
                 ended.error_message().c_str());
    }
    QVERIFY2(late >= 0s && late < 1s,
             std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(late).count())
                 .c_str());
}

void PermissionsTest::failedAuthenticationsAreLimitedAndSummarised() {
    // A daemon of its own, so its log holds only this case's failures.
    auto started = testing::DaemonProcess::start();
    QVERIFY2(started.isOk(), started.status().toString().c_str());
    auto daemon = std::move(*started);
    auto bad = aegis::v1::SystemService::NewStub(
        testing::channelFor(daemon->grpcAddress(), "aegis_not-a-real-token"));
    auto good = aegis::v1::SystemService::NewStub(
        testing::channelFor(daemon->grpcAddress(), daemon->adminToken()));
    int flooding = 0;
    for (int i = 0; i < 3000; ++i) {
        aegis::v1::GetStatusResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        const grpc::Status status = bad->GetStatus(&context, {}, &response);
        QCOMPARE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
        if (status.error_message().find("too many failed authentications") != std::string::npos) {
            ++flooding;
        }
        if (i % 500 == 499) {
            // A good token from the same address is never locked out by the flood.
            grpc::ClientContext goodContext;
            withDeadline(goodContext);
            const grpc::Status served = good->GetStatus(&goodContext, {}, &response);
            QVERIFY2(served.ok(), served.error_message().c_str());
        }
    }
    // Beyond the allowance (100 at once, 10 a second), failures are named a flood.
    QVERIFY2(flooding > 2000, std::to_string(flooding).c_str());

    // The log has one line at the first failure, then one summary per 10 s, not one per call.
    const auto failureLines = [&daemon] {
        std::ifstream log(daemon->logFile());
        std::vector<std::string> found;
        for (std::string line; std::getline(log, line);) {
            if (line.find("failed authentication") != std::string::npos) {
                found.push_back(line);
            }
        }
        return found;
    };
    std::vector<std::string> lines;
    QVERIFY(testing::pollUntil(
        [&] {
            lines = failureLines();
            return lines.size() >= 2;
        },
        20s));
    QVERIFY2(lines[0].find("1 failed authentication from 127.0.0.1") != std::string::npos,
             lines[0].c_str());
    QVERIFY2(lines[1].find("failed authentications from 127.0.0.1 in the last 10 s") !=
                 std::string::npos,
             lines[1].c_str());
    // The rest of the 3,000 in summaries (one, unless the calls took longer than an interval).
    int summarised = 0;
    QVERIFY(testing::pollUntil(
        [&] {
            lines = failureLines();
            summarised = 0;
            for (std::size_t i = 1; i < lines.size(); ++i) {
                summarised += nlohmann::json::parse(lines[i]).at("failures").get<int>();
            }
            return summarised >= 2999;
        },
        20s));
    QVERIFY(lines.size() <= 4);
    std::ifstream log(daemon->logFile());
    const std::string text((std::istreambuf_iterator<char>(log)), {});
    QVERIFY2(std::count(text.begin(), text.end(), '\n') < 200, "the log grew with every call");
}

QTEST_GUILESS_MAIN(PermissionsTest)
#include "tst_permissions.moc"
