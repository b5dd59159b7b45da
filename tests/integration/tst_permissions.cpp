// Every RPC in the permission table, called with no token and with a token of each role. The
// cases are built from the table itself, so a new RPC is covered as soon as it is added there.

#include "aegis/v1/auth.grpc.pb.h"
#include "api/permission_table.h"
#include "auth/roles.h"
#include "client/connection.h"
#include "daemon_process.h"

#include <google/protobuf/descriptor.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <QtTest>

#include <map>

using namespace aegis;

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

} // namespace

class PermissionsTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void tableCoversEveryServedMethod();
    void everyMethodForEveryRole_data();
    void everyMethodForEveryRole();
    void healthServiceAnswersWithoutToken();
    void reflectionListsTheServices();
    void cleanupTestCase() { m_daemon.reset(); }

private:
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

QTEST_GUILESS_MAIN(PermissionsTest)
#include "tst_permissions.moc"
