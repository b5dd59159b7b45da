// Hostile sizes and bytes in the fields an error message names: each is refused with
// INVALID_ARGUMENT and a short, printable message (the input is quoted to 64 bytes, never echoed
// whole), and the shared HTTP/2 connection keeps serving a concurrent call. Free text with
// control characters is refused where it comes in, naming the field.

#include "aegis/v1/config.grpc.pb.h"
#include "aegis/v1/registry.grpc.pb.h"
#include "aegis/v1/rollout.grpc.pb.h"
#include "api_clients.h"
#include "daemon_process.h"

#include <QtTest>

#include <future>

using aegis::testing::ApiClients;
using aegis::testing::DaemonProcess;
using namespace aegis::v1;

namespace {

// One call on the shared channel; returns its status.
using Call =
    std::function<grpc::Status(const std::shared_ptr<grpc::Channel> &, grpc::ClientContext &)>;

const std::string kHuge(100 * 1024, 'x');
// A message quotes at most 64 bytes of input plus the field, the rule and the length.
constexpr std::size_t kShortMessage = 400;

template <typename Stub, typename Request, typename Response>
Call unary(grpc::Status (Stub::*method)(grpc::ClientContext *, const Request &, Response *),
           Request request) {
    return [=](const std::shared_ptr<grpc::Channel> &channel, grpc::ClientContext &context) {
        Stub stub(channel);
        Response response;
        return (stub.*method)(&context, request, &response);
    };
}

ConfigItemRef itemRef() {
    ConfigItemRef ref;
    ref.set_namespace_("prod");
    ref.set_group("web");
    ref.set_key("motd");
    return ref;
}

} // namespace

Q_DECLARE_METATYPE(Call)

class TestEchoedInput : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void hugeValuesGetShortAnswers_data();
    void hugeValuesGetShortAnswers();
    void controlCharactersAreRefused_data();
    void controlCharactersAreRefused();

private:
    std::unique_ptr<DaemonProcess> m_daemon;
    ApiClients m_admin;
};

void TestEchoedInput::initTestCase() {
    auto daemon = DaemonProcess::start();
    QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
    m_daemon = std::move(*daemon);
    auto admin = ApiClients::connect(m_daemon->adminConnection());
    QVERIFY2(admin.isOk(), admin.status().toString().c_str());
    m_admin = std::move(*admin);
}

void TestEchoedInput::cleanupTestCase() {
    m_admin = {};
    if (m_daemon) {
        QCOMPARE(m_daemon->terminate(), 0);
    }
}

void TestEchoedInput::hugeValuesGetShortAnswers_data() {
    QTest::addColumn<Call>("call");
    QTest::addColumn<QString>("field");

    for (const bool approve : {true, false}) {
        for (const bool hugeNamespace : {true, false}) {
            const std::string ns = hugeNamespace ? kHuge : "prod";
            const std::string id = hugeNamespace ? "p1" : kHuge;
            const char *field = hugeNamespace ? "namespace" : "id";
            if (approve) {
                ApproveProposalRequest request;
                request.set_namespace_(ns);
                request.set_id(id);
                QTest::addRow("ApproveProposal %s", field)
                    << unary(&ConfigService::Stub::ApproveProposal, request) << field;
            } else {
                RejectProposalRequest request;
                request.set_namespace_(ns);
                request.set_id(id);
                QTest::addRow("RejectProposal %s", field)
                    << unary(&ConfigService::Stub::RejectProposal, request) << field;
            }
        }
    }
    for (const bool hugeDriver : {true, false}) {
        StartRolloutRequest request;
        request.mutable_spec()->set_service("shop");
        request.mutable_spec()->set_version("1.0.0");
        (hugeDriver ? request.mutable_spec()->mutable_driver()
                    : request.mutable_spec()->mutable_router())
            ->assign(kHuge);
        const char *field = hugeDriver ? "spec.driver" : "spec.router";
        QTest::addRow("StartRollout %s", field)
            << unary(&RolloutService::Stub::StartRollout, request) << field;
    }
    GetRolloutRequest get;
    get.set_id(kHuge + "-1");
    QTest::newRow("GetRollout id") << unary(&RolloutService::Stub::GetRollout, get) << "id";
    ListRolloutLogRequest log;
    log.set_rollout_id(kHuge + "-1");
    QTest::newRow("ListRolloutLog rollout_id")
        << unary(&RolloutService::Stub::ListRolloutLog, log) << "rollout_id";
    ListConfigItemsRequest list;
    list.set_namespace_("prod");
    list.set_group(kHuge);
    QTest::newRow("ListConfigItems group")
        << unary(&ConfigService::Stub::ListConfigItems, list) << "group";
    ImportNamespaceRequest import;
    import.set_namespace_("prod");
    import.set_yaml("items: []\n"); // nothing changes, so the comment was never looked at
    import.set_comment(kHuge);
    QTest::newRow("ImportNamespace comment")
        << unary(&ConfigService::Stub::ImportNamespace, import) << "comment";
}

void TestEchoedInput::hugeValuesGetShortAnswers() {
    QFETCH(Call, call);
    QFETCH(QString, field);

    // A concurrent call on the same connection, started first and still running: a watch.
    grpc::ClientContext watchContext;
    aegis::client::setTimeout(watchContext, aegis::testing::kCallTimeout);
    auto config = ConfigService::NewStub(m_admin.channel);
    WatchConfigRequest watchRequest;
    watchRequest.set_namespace_("prod");
    auto watch = config->WatchConfig(&watchContext, watchRequest);
    WatchConfigResponse first;
    QVERIFY(watch->Read(&first));

    grpc::ClientContext context;
    aegis::client::setTimeout(context, aegis::testing::kCallTimeout);
    const grpc::Status refused = call(m_admin.channel, context);
    QVERIFY2(refused.error_code() == grpc::INVALID_ARGUMENT,
             aegis::testing::describe(refused).substr(0, 300).c_str());
    const std::string &message = refused.error_message();
    QVERIFY2(message.size() < kShortMessage, message.substr(0, 300).c_str());
    QVERIFY2(message.starts_with(field.toStdString() + " "), message.c_str());

    // The connection survived: the watch still runs and another call on it answers.
    aegis::v1::GetStatusResponse status;
    const grpc::Status after = aegis::testing::getStatus(m_admin, status);
    QVERIFY2(after.ok(), aegis::testing::describe(after).c_str());
    watchContext.TryCancel();
    while (watch->Read(&first)) {
    }
    QCOMPARE(watch->Finish().error_code(), grpc::CANCELLED);
}

void TestEchoedInput::controlCharactersAreRefused_data() {
    QTest::addColumn<Call>("call");
    QTest::addColumn<QString>("field");

    auto publishWith = [](const std::function<void(PublishConfigRequest &)> &edit) {
        PublishConfigRequest request;
        *request.mutable_change()->mutable_ref() = itemRef();
        request.mutable_change()->set_format(CONFIG_FORMAT_TEXT);
        request.mutable_change()->set_content("hello");
        request.mutable_change()->set_update_attributes(true);
        request.set_comment("first");
        edit(request);
        return unary(&ConfigService::Stub::PublishConfig, request);
    };
    QTest::newRow("config comment with ESC")
        << publishWith([](auto &r) { r.set_comment("x\x1b[2J"); }) << "comment";
    QTest::newRow("config comment with a newline")
        << publishWith([](auto &r) { r.set_comment("two\nlines"); }) << "comment";
    QTest::newRow("config description with BEL")
        << publishWith([](auto &r) { r.mutable_change()->set_description("ding\a"); })
        << "description";
    QTest::newRow("config label with CR")
        << publishWith([](auto &r) { (*r.mutable_change()->mutable_labels())["team"] = "a\rb"; })
        << "labels['team']";
    QTest::newRow("config label with DEL")
        << publishWith([](auto &r) { (*r.mutable_change()->mutable_labels())["team"] = "a\x7f"; })
        << "labels['team']";

    RegisterInstanceRequest instance;
    instance.mutable_instance()->set_service("web");
    instance.mutable_instance()->set_id("web-1");
    instance.mutable_instance()->set_address("127.0.0.1:8080");
    instance.set_ttl_seconds(30);
    RegisterInstanceRequest labelled = instance;
    (*labelled.mutable_instance()->mutable_labels())["zone"] = "eu\x1b]0;x\x07";
    QTest::newRow("instance label with OSC")
        << unary(&RegistryService::Stub::RegisterInstance, labelled) << "instance.labels['zone']";
    RegisterInstanceRequest metadata = instance;
    (*metadata.mutable_instance()->mutable_metadata())["owner"] = std::string("a\0b", 3);
    QTest::newRow("instance metadata with NUL")
        << unary(&RegistryService::Stub::RegisterInstance, metadata)
        << "instance.metadata['owner']";

    UpdateNamespaceRequest ns;
    ns.mutable_namespace_()->set_name("prod");
    ns.mutable_namespace_()->set_description("tab\there");
    QTest::newRow("namespace description with a tab")
        << unary(&ConfigService::Stub::UpdateNamespace, ns) << "namespace.description";

    StartRolloutRequest rollout;
    rollout.mutable_spec()->set_service("web");
    rollout.mutable_spec()->set_version("1.0.0");
    rollout.mutable_spec()->set_description("\x1b[31mred");
    QTest::newRow("rollout description with ESC")
        << unary(&RolloutService::Stub::StartRollout, rollout) << "spec.description";
}

void TestEchoedInput::controlCharactersAreRefused() {
    QFETCH(Call, call);
    QFETCH(QString, field);
    grpc::ClientContext context;
    aegis::client::setTimeout(context, aegis::testing::kCallTimeout);
    const grpc::Status refused = call(m_admin.channel, context);
    QVERIFY2(refused.error_code() == grpc::INVALID_ARGUMENT,
             aegis::testing::describe(refused).c_str());
    QVERIFY2(refused.error_message().starts_with(field.toStdString() +
                                                 " must not contain control characters"),
             refused.error_message().c_str());
}

QTEST_GUILESS_MAIN(TestEchoedInput)
#include "tst_echoed_input.moc"
