// The configuration center through the real aegisd over gRPC: roles and masking, validation
// positions, compare-and-set, atomic change sets, WatchConfig with its snapshot and gray
// releases resolved per instance, approval by someone else, the audit trail, and secrets that
// never reach the database file in clear.

#include "aegis/v1/audit.grpc.pb.h"
#include "aegis/v1/config.grpc.pb.h"
#include "aegis/v1/registry.grpc.pb.h"
#include "api_test_helpers.h"
#include "daemon_process.h"
#include "poll_until.h"

#include <grpcpp/grpcpp.h>

#include <QtTest>

#include <fstream>
#include <thread>

using namespace aegis;
using namespace std::chrono_literals;
namespace v1 = aegis::v1;

namespace {

void withDeadline(grpc::ClientContext &context, std::chrono::milliseconds timeout = 10s) {
    context.set_deadline(std::chrono::system_clock::now() + timeout);
}

v1::ConfigItemRef ref(const std::string &ns, const std::string &group, const std::string &key) {
    v1::ConfigItemRef out;
    out.set_namespace_(ns);
    out.set_group(group);
    out.set_key(key);
    return out;
}

std::string readAll(const std::filesystem::path &path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A WatchConfig stream read on its own thread.
class ConfigWatch {
public:
    ConfigWatch(v1::ConfigService::Stub &stub, v1::WatchConfigRequest request) {
        withDeadline(m_context, 60s);
        m_reader = stub.WatchConfig(&m_context, request);
        m_thread = std::thread([this] {
            v1::WatchConfigResponse response;
            while (m_reader->Read(&response)) {
                std::lock_guard lock(m_mutex);
                if (response.snapshot()) {
                    ++m_snapshots;
                }
                for (const auto &event : response.events()) {
                    m_events.push_back(event);
                }
            }
            m_reader->Finish();
        });
    }
    ~ConfigWatch() {
        m_context.TryCancel();
        m_thread.join();
    }
    std::vector<v1::ConfigEvent> events() {
        std::lock_guard lock(m_mutex);
        return m_events;
    }
    int snapshots() {
        std::lock_guard lock(m_mutex);
        return m_snapshots;
    }
    // The last event for `key`, if any.
    std::optional<v1::ConfigEvent> latest(const std::string &key) {
        std::lock_guard lock(m_mutex);
        for (auto it = m_events.rbegin(); it != m_events.rend(); ++it) {
            if (it->ref().key() == key) {
                return *it;
            }
        }
        return std::nullopt;
    }

private:
    grpc::ClientContext m_context;
    std::unique_ptr<grpc::ClientReader<v1::WatchConfigResponse>> m_reader;
    std::thread m_thread;
    std::mutex m_mutex;
    std::vector<v1::ConfigEvent> m_events;
    int m_snapshots = 0;
};

// An instance's watch of a group's items (of one item, with `key`).
std::unique_ptr<ConfigWatch> instanceWatch(v1::ConfigService::Stub &stub,
                                           const v1::ConfigItemRef &scope,
                                           const std::string &instance, bool oneItem = false) {
    v1::WatchConfigRequest request;
    request.set_namespace_(scope.namespace_());
    request.set_group(scope.group());
    if (oneItem) {
        request.set_key(scope.key());
    }
    request.set_service(scope.group()); // the tests name each service after its group
    request.set_instance_id(instance);
    return std::make_unique<ConfigWatch>(stub, request);
}

grpc::Status startGray(v1::ConfigService::Stub &stub, const v1::ConfigItemRef &item,
                       const std::string &content, std::int64_t base, const std::string &selector,
                       const std::string &comment, v1::StartGrayReleaseResponse *out = nullptr) {
    v1::StartGrayReleaseRequest gray;
    *gray.mutable_ref() = item;
    gray.set_content(content);
    gray.set_base_version(base);
    gray.set_selector(selector);
    gray.set_comment(comment);
    v1::StartGrayReleaseResponse started;
    grpc::ClientContext context;
    withDeadline(context);
    return stub.StartGrayRelease(&context, gray, out ? out : &started);
}

grpc::Status cancelGray(v1::ConfigService::Stub &stub, const v1::ConfigItemRef &item) {
    v1::CancelGrayReleaseRequest cancel;
    *cancel.mutable_ref() = item;
    v1::CancelGrayReleaseResponse cancelled;
    grpc::ClientContext context;
    withDeadline(context);
    return stub.CancelGrayRelease(&context, cancel, &cancelled);
}

} // namespace

class ConfigApiTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void publishValidatesAndComparesAndSets();
    void changeSetsAreAtomic();
    void rolesAndSecrets();
    void watchDeliversSnapshotThenChangesWithGrayPerInstance();
    void approvalBySomeoneElse();
    void everyChangeIsAudited();
    void untargetedInstancesHearNothingOfAGrayRelease();
    void anItemWatchedByKeyIsHeardAgainOnceRecreated();
    void ackNeedsARegisteredInstanceAndAnExistingVersion();
    void alertingNamespaceTakesContentOnlyThroughAlertService();

private:
    void registerInstance(const std::string &service, const std::string &id,
                          const std::string &color);
    StatusCode ack(const v1::ConfigItemRef &item, const std::string &service,
                   const std::string &instance, std::int64_t version, std::string *message,
                   v1::AckConfigResponse *out = nullptr);
    grpc::Status publish(v1::ConfigService::Stub &stub, const v1::ConfigItemRef &item,
                         const std::string &content, std::int64_t base,
                         v1::ConfigFormat format = v1::CONFIG_FORMAT_JSON,
                         v1::PublishConfigResponse *out = nullptr, bool secret = false);
    std::unique_ptr<v1::ConfigService::Stub>
    stubFor(const std::string &name, v1::Role role, const std::vector<std::string> &services = {},
            const std::vector<std::string> &namespaces = {});

    std::unique_ptr<testing::DaemonProcess> m_daemon;
    std::shared_ptr<grpc::Channel> m_admin;
    std::unique_ptr<v1::ConfigService::Stub> m_operator;
};

void ConfigApiTest::initTestCase() {
    auto daemon = testing::DaemonProcess::start();
    QVERIFY2(daemon.isOk(), daemon.status().message().c_str());
    m_daemon = std::move(*daemon);
    m_admin = testing::channelFor(m_daemon->grpcAddress(), m_daemon->adminToken());
    m_operator = stubFor("ann", v1::ROLE_OPERATOR);
}

void ConfigApiTest::cleanupTestCase() {
    m_operator.reset();
    if (m_daemon) {
        QCOMPARE(m_daemon->terminate(), 0);
    }
}

std::unique_ptr<v1::ConfigService::Stub>
ConfigApiTest::stubFor(const std::string &name, v1::Role role,
                       const std::vector<std::string> &services,
                       const std::vector<std::string> &namespaces) {
    std::string secret;
    const auto status = testing::createToken(m_admin, name, role, &secret, services, namespaces);
    if (!status.ok()) {
        return nullptr;
    }
    return v1::ConfigService::NewStub(testing::channelFor(m_daemon->grpcAddress(), secret));
}

grpc::Status ConfigApiTest::publish(v1::ConfigService::Stub &stub, const v1::ConfigItemRef &item,
                                    const std::string &content, std::int64_t base,
                                    v1::ConfigFormat format, v1::PublishConfigResponse *out,
                                    bool secret) {
    v1::PublishConfigRequest request;
    *request.mutable_change()->mutable_ref() = item;
    request.mutable_change()->set_format(format);
    request.mutable_change()->set_content(content);
    request.mutable_change()->set_base_version(base);
    if (secret) {
        request.mutable_change()->set_update_attributes(true);
        request.mutable_change()->set_secret(true);
    }
    request.set_comment("test publish");
    v1::PublishConfigResponse response;
    grpc::ClientContext context;
    withDeadline(context);
    const auto status = stub.PublishConfig(&context, request, &response);
    if (out != nullptr) {
        *out = response;
    }
    return status;
}

void ConfigApiTest::publishValidatesAndComparesAndSets() {
    const auto item = ref("prod", "checkout", "pool.json");
    auto status = publish(*m_operator, item, "{\n  \"size\": ,\n}", 0);
    QCOMPARE(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    QVERIFY2(status.error_message().find("line 2, column") != std::string::npos,
             status.error_message().c_str());
    v1::PublishConfigResponse created;
    QVERIFY(publish(*m_operator, item, R"({"size": 4})", 0, v1::CONFIG_FORMAT_JSON, &created).ok());
    QCOMPARE(created.item().version(), std::int64_t(1));
    QCOMPARE(created.item().author(), std::string("ann"));
    QVERIFY(publish(*m_operator, item, R"({"size": 8})", 1).ok());
    status = publish(*m_operator, item, R"({"size": 6})", 1);
    QCOMPARE(status.error_code(), grpc::StatusCode::ABORTED);
    QVERIFY2(status.error_message().find("version 2") != std::string::npos,
             status.error_message().c_str());

    v1::DiffConfigVersionsRequest diff;
    *diff.mutable_ref() = item;
    diff.set_from_version(1);
    diff.set_to_version(2);
    v1::DiffConfigVersionsResponse diffed;
    grpc::ClientContext context;
    withDeadline(context);
    QVERIFY(m_operator->DiffConfigVersions(&context, diff, &diffed).ok());
    QCOMPARE(diffed.unified_diff(),
             std::string("--- v1\n+++ v2\n@@ -1,1 +1,1 @@\n-{\"size\": 4}\n+{\"size\": 8}\n"));

    v1::RollbackConfigRequest rollback;
    *rollback.mutable_ref() = item;
    rollback.set_to_version(1);
    rollback.set_base_version(2);
    rollback.set_comment("8 was too many");
    v1::RollbackConfigResponse rolled;
    grpc::ClientContext rollbackContext;
    withDeadline(rollbackContext);
    QVERIFY(m_operator->RollbackConfig(&rollbackContext, rollback, &rolled).ok());
    QCOMPARE(rolled.item().version(), std::int64_t(3));
    QCOMPARE(rolled.item().content(), std::string(R"({"size": 4})"));

    v1::ListConfigVersionsRequest list;
    *list.mutable_ref() = item;
    list.set_page_size(2);
    v1::ListConfigVersionsResponse page;
    grpc::ClientContext listContext;
    withDeadline(listContext);
    QVERIFY(m_operator->ListConfigVersions(&listContext, list, &page).ok());
    QCOMPARE(page.versions_size(), 2);
    QCOMPARE(page.versions(0).version(), std::int64_t(3));
    QCOMPARE(page.versions(0).kind(), v1::CONFIG_VERSION_KIND_ROLLBACK);
    QCOMPARE(page.versions(0).restores(), std::int64_t(1));
    QVERIFY(!page.next_page_token().empty());
}

void ConfigApiTest::changeSetsAreAtomic() {
    v1::PublishChangeSetRequest request;
    request.set_comment("launch the new checkout flow");
    for (const auto &[key, content, format] :
         {std::tuple{"flags.json", R"({"new_flow": true})", v1::CONFIG_FORMAT_JSON},
          std::tuple{"limits.yaml", "rate: [10, 20", v1::CONFIG_FORMAT_YAML}}) {
        auto *change = request.add_changes();
        *change->mutable_ref() = ref("prod", "checkout", key);
        change->set_content(content);
        change->set_format(format);
    }
    v1::PublishChangeSetResponse response;
    grpc::ClientContext context;
    withDeadline(context);
    const auto failed = m_operator->PublishChangeSet(&context, request, &response);
    QCOMPARE(failed.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    QVERIFY(failed.error_message().find("limits.yaml") != std::string::npos);
    {
        v1::GetConfigItemRequest get;
        *get.mutable_ref() = ref("prod", "checkout", "flags.json");
        v1::GetConfigItemResponse item;
        grpc::ClientContext getContext;
        withDeadline(getContext);
        QCOMPARE(m_operator->GetConfigItem(&getContext, get, &item).error_code(),
                 grpc::StatusCode::NOT_FOUND);
    }
    request.mutable_changes(1)->set_content("rate: [10, 20]");
    grpc::ClientContext again;
    withDeadline(again);
    QVERIFY(m_operator->PublishChangeSet(&again, request, &response).ok());
    QCOMPARE(response.items_size(), 2);
    // One revision for both.
    QCOMPARE(response.items(0).mod_revision(), response.items(1).mod_revision());
}

void ConfigApiTest::rolesAndSecrets() {
    const auto item = ref("prod", "payments", "db.password");
    const std::string password = "s3cr3t-pa55w0rd-for-payments";
    QVERIFY(publish(*m_operator, item, password, 0, v1::CONFIG_FORMAT_TEXT, nullptr, true).ok());

    auto viewer = stubFor("vera", v1::ROLE_VIEWER);
    // The service reads "prod" because it was granted: its own namespace would be "payments".
    auto service = stubFor("payments-svc", v1::ROLE_SERVICE, {"payments"}, {"prod"});
    QVERIFY(viewer && service);
    QCOMPARE(publish(*viewer, ref("prod", "payments", "x.json"), "{}", 0).error_code(),
             grpc::StatusCode::PERMISSION_DENIED);
    v1::GetConfigItemRequest get;
    *get.mutable_ref() = item;
    {
        v1::GetConfigItemResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        QVERIFY(viewer->GetConfigItem(&context, get, &response).ok());
        QVERIFY(response.item().masked());
        QCOMPARE(response.item().content(), std::string("********"));
    }
    {
        v1::GetConfigItemResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        QVERIFY(service->GetConfigItem(&context, get, &response).ok());
        QCOMPARE(response.item().content(), password);
    }
    {
        v1::ListConfigVersionsRequest list;
        *list.mutable_ref() = item;
        list.set_include_content(true);
        v1::ListConfigVersionsResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        QVERIFY(viewer->ListConfigVersions(&context, list, &response).ok());
        QCOMPARE(response.versions(0).content(), std::string("********"));
    }
    // On disk it is sealed: neither the database nor its write-ahead log holds it.
    QVERIFY(std::filesystem::exists(m_daemon->dataDir() / "config.key"));
    QCOMPARE(std::filesystem::status(m_daemon->dataDir() / "config.key").permissions() &
                 std::filesystem::perms::all,
             std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    for (const char *file : {"aegis.db", "aegis.db-wal"}) {
        QVERIFY2(readAll(m_daemon->dataDir() / file).find(password) == std::string::npos, file);
    }
}

void ConfigApiTest::watchDeliversSnapshotThenChangesWithGrayPerInstance() {
    auto registry = v1::RegistryService::NewStub(m_admin);
    for (const auto &[id, color] : {std::pair{"shop-green", "green"}, {"shop-blue", "blue"}}) {
        v1::RegisterInstanceRequest request;
        request.mutable_instance()->set_service("shop");
        request.mutable_instance()->set_id(id);
        request.mutable_instance()->set_address("127.0.0.1:9100");
        (*request.mutable_instance()->mutable_labels())["color"] = color;
        request.set_ttl_seconds(60);
        v1::RegisterInstanceResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        QVERIFY(registry->RegisterInstance(&context, request, &response).ok());
    }
    const auto item = ref("prod", "shop", "behaviour.json");
    QVERIFY(publish(*m_operator, item, R"({"greeting": "hello"})", 0).ok());

    auto green = instanceWatch(*m_operator, item, "shop-green");
    auto blue = instanceWatch(*m_operator, item, "shop-blue");
    // The first message is the current state.
    QVERIFY(testing::pollUntil([&] { return green->snapshots() == 1 && blue->snapshots() == 1; }));
    QCOMPARE(green->latest("behaviour.json")->content(), std::string(R"({"greeting": "hello"})"));

    QVERIFY(publish(*m_operator, item, R"({"greeting": "hi"})", 1).ok());
    QVERIFY(testing::pollUntil([&] {
        const auto event = blue->latest("behaviour.json");
        return event && event->version() == 2;
    }));

    v1::StartGrayReleaseResponse started;
    const auto grayStatus = startGray(*m_operator, item, R"({"greeting": "howdy"})", 2,
                                      "color=green", "try the new greeting on green", &started);
    QVERIFY2(grayStatus.ok(), grayStatus.error_message().c_str());
    QCOMPARE(started.item().gray().version(), std::int64_t(3));
    QVERIFY(testing::pollUntil([&] {
        const auto event = green->latest("behaviour.json");
        return event && event->gray() && event->version() == 3 &&
               event->content() == R"({"greeting": "howdy"})";
    }));
    // Blue stays on the published version.
    QCOMPARE(blue->latest("behaviour.json")->version(), std::int64_t(2));
    QVERIFY(!blue->latest("behaviour.json")->gray());

    QVERIFY(cancelGray(*m_operator, item).ok());
    QVERIFY(testing::pollUntil([&] {
        const auto event = green->latest("behaviour.json");
        return event && !event->gray() && event->version() == 2;
    }));

    // The instances acknowledge what they applied.
    for (const char *instance : {"shop-green", "shop-blue"}) {
        v1::AckConfigRequest ack;
        *ack.mutable_ref() = item;
        ack.set_service("shop");
        ack.set_instance_id(instance);
        ack.set_version(std::string(instance) == "shop-green" ? 1 : 2);
        v1::AckConfigResponse acked;
        grpc::ClientContext context;
        withDeadline(context);
        QVERIFY(m_operator->AckConfig(&context, ack, &acked).ok());
    }
    v1::GetAppliedStatusRequest applied;
    *applied.mutable_ref() = item;
    v1::GetAppliedStatusResponse status;
    grpc::ClientContext appliedContext;
    withDeadline(appliedContext);
    QVERIFY(m_operator->GetAppliedStatus(&appliedContext, applied, &status).ok());
    QCOMPARE(status.summary(), std::string("1 of 2 on v2; shop-green still on v1"));

    // A watcher decides a selector again once its instance's labels change: blue, relabelled
    // green, is in the next release to green (the same selector as before).
    {
        v1::DeregisterInstanceRequest request;
        request.set_service("shop");
        request.set_instance_id("shop-blue");
        v1::DeregisterInstanceResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        QVERIFY(registry->DeregisterInstance(&context, request, &response).ok());
    }
    registerInstance("shop", "shop-blue", "green");
    const auto again = startGray(*m_operator, item, R"({"greeting": "hey"})", 2, "color=green",
                                 "green again, blue included", &started);
    QVERIFY2(again.ok(), again.error_message().c_str());
    QVERIFY(testing::pollUntil([&] {
        const auto event = blue->latest("behaviour.json");
        return event && event->gray() && event->content() == R"({"greeting": "hey"})";
    }));
}

void ConfigApiTest::approvalBySomeoneElse() {
    auto admin = v1::ConfigService::NewStub(m_admin);
    {
        v1::UpdateNamespaceRequest request;
        request.mutable_namespace_()->set_name("finance");
        request.mutable_namespace_()->set_require_approval(true);
        v1::UpdateNamespaceResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        QVERIFY(admin->UpdateNamespace(&context, request, &response).ok());
        grpc::ClientContext denied;
        withDeadline(denied);
        QCOMPARE(m_operator->UpdateNamespace(&denied, request, &response).error_code(),
                 grpc::StatusCode::PERMISSION_DENIED);
    }
    v1::PublishConfigResponse proposed;
    QVERIFY(publish(*m_operator, ref("finance", "ledger", "limits.json"), R"({"max": 100})", 0,
                    v1::CONFIG_FORMAT_JSON, &proposed)
                .ok());
    QVERIFY(!proposed.proposal().id().empty());
    QVERIFY(!proposed.has_item());
    QCOMPARE(proposed.proposal().state(), v1::PROPOSAL_STATE_PENDING);

    v1::ApproveProposalRequest approve;
    approve.set_namespace_("finance");
    approve.set_id(proposed.proposal().id());
    v1::ApproveProposalResponse approved;
    {
        grpc::ClientContext context;
        withDeadline(context);
        const auto own = m_operator->ApproveProposal(&context, approve, &approved);
        QCOMPARE(own.error_code(), grpc::StatusCode::PERMISSION_DENIED);
        QVERIFY(own.error_message().find("proposer") != std::string::npos);
    }
    auto bob = stubFor("bob", v1::ROLE_OPERATOR);
    grpc::ClientContext context;
    withDeadline(context);
    QVERIFY(bob->ApproveProposal(&context, approve, &approved).ok());
    QCOMPARE(approved.items_size(), 1);
    QCOMPARE(approved.items(0).version(), std::int64_t(1));
    QCOMPARE(approved.items(0).author(), std::string("ann"));
}

void ConfigApiTest::everyChangeIsAudited() {
    auto audit = v1::AuditService::NewStub(m_admin);
    v1::ListAuditRecordsRequest request;
    request.set_page_size(1000);
    v1::ListAuditRecordsResponse response;
    grpc::ClientContext context;
    withDeadline(context);
    QVERIFY(audit->ListAuditRecords(&context, request, &response).ok());
    int publishes = 0;
    int aborted = 0;
    bool gray = false;
    bool approved = false;
    for (const auto &record : response.records()) {
        if (record.method() == "/aegis.v1.ConfigService/PublishConfig") {
            ++publishes;
            aborted += record.code() == static_cast<int>(grpc::StatusCode::ABORTED) ? 1 : 0;
        }
        gray = gray || (record.method() == "/aegis.v1.ConfigService/StartGrayRelease" &&
                        record.summary() == "gray to selector color=green" &&
                        record.resource() == "config/prod/shop/behaviour.json");
        approved = approved || (record.method() == "/aegis.v1.ConfigService/ApproveProposal" &&
                                record.actor() == "bob" && record.code() == 0);
    }
    QVERIFY2(publishes >= 6, std::to_string(publishes).c_str());
    QCOMPARE(aborted, 1);
    QVERIFY(gray);
    QVERIFY(approved);
}

void ConfigApiTest::registerInstance(const std::string &service, const std::string &id,
                                     const std::string &color) {
    auto registry = v1::RegistryService::NewStub(m_admin);
    v1::RegisterInstanceRequest request;
    request.mutable_instance()->set_service(service);
    request.mutable_instance()->set_id(id);
    request.mutable_instance()->set_address("127.0.0.1:9100");
    (*request.mutable_instance()->mutable_labels())["color"] = color;
    request.set_ttl_seconds(300);
    v1::RegisterInstanceResponse response;
    grpc::ClientContext context;
    withDeadline(context);
    const auto status = registry->RegisterInstance(&context, request, &response);
    QVERIFY2(status.ok(), status.error_message().c_str());
}

StatusCode ConfigApiTest::ack(const v1::ConfigItemRef &item, const std::string &service,
                              const std::string &instance, std::int64_t version,
                              std::string *message, v1::AckConfigResponse *out) {
    v1::AckConfigRequest request;
    *request.mutable_ref() = item;
    request.set_service(service);
    request.set_instance_id(instance);
    request.set_version(version);
    v1::AckConfigResponse response;
    grpc::ClientContext context;
    withDeadline(context);
    const auto status = m_operator->AckConfig(&context, request, out ? out : &response);
    *message = status.error_message();
    return static_cast<StatusCode>(status.error_code());
}

void ConfigApiTest::untargetedInstancesHearNothingOfAGrayRelease() {
    registerInstance("cart", "cart-green", "green");
    registerInstance("cart", "cart-blue", "blue");
    const auto item = ref("prod", "cart", "flags.json");
    QVERIFY(publish(*m_operator, item, R"({"fast": false})", 0).ok());
    auto green = instanceWatch(*m_operator, item, "cart-green");
    auto blue = instanceWatch(*m_operator, item, "cart-blue");
    QVERIFY(testing::pollUntil([&] { return green->snapshots() == 1 && blue->snapshots() == 1; }));

    QVERIFY(
        startGray(*m_operator, item, R"({"fast": true})", 1, "color=green", "fast path on green")
            .ok());
    QVERIFY(testing::pollUntil([&] {
        const auto event = green->latest("flags.json");
        return event && event->gray() && event->version() == 2;
    }));
    QVERIFY(cancelGray(*m_operator, item).ok());
    QVERIFY(testing::pollUntil([&] {
        const auto event = green->latest("flags.json");
        return event && !event->gray() && event->version() == 1;
    }));
    // A later publish reaches both in stream order, so whatever blue was sent about the gray
    // release has arrived before it.
    QVERIFY(publish(*m_operator, item, R"({"fast": "maybe"})", 1).ok());
    QVERIFY(testing::pollUntil([&] {
        const auto event = blue->latest("flags.json");
        return event && event->version() == 3;
    }));
    QVERIFY(testing::pollUntil([&] {
        const auto event = green->latest("flags.json");
        return event && event->version() == 3;
    }));
    auto versionsOf = [](ConfigWatch &watch) {
        std::vector<std::int64_t> versions;
        for (const auto &event : watch.events()) {
            versions.push_back(event.version());
        }
        return versions;
    };
    QCOMPARE(versionsOf(*blue), (std::vector<std::int64_t>{1, 3}));
    QCOMPARE(versionsOf(*green), (std::vector<std::int64_t>{1, 2, 1, 3}));
}

// An instance watching one item hears only that item's versions it should use, and the item
// deleted and published again (its versions counted from 1 again) is heard anew.
void ConfigApiTest::anItemWatchedByKeyIsHeardAgainOnceRecreated() {
    registerInstance("search", "search-green", "green");
    registerInstance("search", "search-blue", "blue");
    const auto item = ref("prod", "search", "limits.json");
    QVERIFY(publish(*m_operator, item, R"({"max": 10})", 0).ok());
    auto green = instanceWatch(*m_operator, item, "search-green", true);
    auto blue = instanceWatch(*m_operator, item, "search-blue", true);
    QVERIFY(testing::pollUntil([&] { return green->snapshots() == 1 && blue->snapshots() == 1; }));

    QVERIFY(startGray(*m_operator, item, R"({"max": 20})", 1, "color=blue", "more on blue").ok());
    // The targeted instance gets the gray version.
    QVERIFY(testing::pollUntil([&] {
        const auto event = blue->latest("limits.json");
        return event && event->gray() && event->version() == 2;
    }));
    QVERIFY(cancelGray(*m_operator, item).ok());
    QVERIFY(testing::pollUntil([&] {
        const auto event = blue->latest("limits.json");
        return event && !event->gray() && event->version() == 1;
    }));
    // Items beside it are not its business, even one whose key starts with its key.
    QVERIFY(publish(*m_operator, ref("prod", "search", "limits.json.bak"), "{}", 0).ok());
    QVERIFY(publish(*m_operator, ref("prod", "search", "limits.json.bak"), "[]", 1).ok());
    QVERIFY(publish(*m_operator, ref("prod", "search", "other.json"), "{}", 0).ok());

    v1::DeleteConfigItemRequest remove;
    *remove.mutable_ref() = item;
    remove.set_expected_version(1);
    v1::DeleteConfigItemResponse removed;
    grpc::ClientContext removeContext;
    withDeadline(removeContext);
    QVERIFY(m_operator->DeleteConfigItem(&removeContext, remove, &removed).ok());
    QVERIFY(publish(*m_operator, item, R"({"max": 30})", 0).ok());
    // A last publish: everything before it has arrived once it has (one stream, in order).
    QVERIFY(publish(*m_operator, item, R"({"max": 40})", 1).ok());
    QVERIFY(testing::pollUntil([&] {
        const auto event = green->latest("limits.json");
        return event && event->version() == 2;
    }));

    const auto events = green->events();
    QCOMPARE(events.size(), std::size_t{4});
    QCOMPARE(events[0].type(), v1::CONFIG_EVENT_TYPE_PUT); // the snapshot
    QCOMPARE(events[0].version(), std::int64_t{1});
    QCOMPARE(events[1].type(), v1::CONFIG_EVENT_TYPE_DELETE);
    QCOMPARE(events[2].type(), v1::CONFIG_EVENT_TYPE_PUT);
    QCOMPARE(events[2].version(), std::int64_t{1});
    QCOMPARE(events[2].content(), std::string(R"({"max": 30})"));
    QCOMPARE(events[3].content(), std::string(R"({"max": 40})"));
}

void ConfigApiTest::ackNeedsARegisteredInstanceAndAnExistingVersion() {
    registerInstance("till", "till-1", "blue");
    const auto item = ref("prod", "till", "limits.json");
    v1::PublishConfigResponse published;
    QVERIFY(
        publish(*m_operator, item, R"({"max": 5})", 0, v1::CONFIG_FORMAT_JSON, &published).ok());
    std::string message;
    QCOMPARE(ack(item, "till", "till-ghost", 1, &message), StatusCode::NotFound);
    QVERIFY2(message.find("till-ghost") != std::string::npos, message.c_str());
    QCOMPARE(ack(item, "till", "till-1", 7, &message), StatusCode::NotFound);
    QVERIFY2(message.find("version 7") != std::string::npos, message.c_str());
    QCOMPARE(ack(ref("prod", "till", "missing.json"), "till", "till-1", 1, &message),
             StatusCode::NotFound);
    QVERIFY2(message.find("prod/till/missing.json") != std::string::npos, message.c_str());

    // The answer comes once the record is written: its revision is the write's, after the
    // publish.
    v1::AckConfigResponse acked;
    QCOMPARE(ack(item, "till", "till-1", 1, &message, &acked), StatusCode::Ok);
    QVERIFY2(acked.header().revision() > published.header().revision(),
             std::to_string(acked.header().revision()).c_str());

    v1::GetAppliedStatusRequest applied;
    *applied.mutable_ref() = item;
    v1::GetAppliedStatusResponse status;
    grpc::ClientContext context;
    withDeadline(context);
    QVERIFY(m_operator->GetAppliedStatus(&context, applied, &status).ok());
    QCOMPARE(status.instances_size(), 1);
    QCOMPARE(status.summary(), std::string("1 of 1 on v1"));
}

void ConfigApiTest::alertingNamespaceTakesContentOnlyThroughAlertService() {
    const auto rules = ref("aegis-alerting", "rules", "team");
    const std::string content = "groups: []\n";
    auto status = publish(*m_operator, rules, content, 0, v1::CONFIG_FORMAT_YAML);
    QCOMPARE(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    QVERIFY2(status.error_message().find("change.ref.namespace") != std::string::npos &&
                 status.error_message().find("aegisctl alerts rules put") != std::string::npos,
             status.error_message().c_str());

    v1::PublishChangeSetRequest set;
    set.set_comment("sneak a rule file in");
    for (const auto &item : {ref("prod", "checkout", "sneak.yaml"), rules}) {
        auto *change = set.add_changes();
        *change->mutable_ref() = item;
        change->set_content(content);
        change->set_format(v1::CONFIG_FORMAT_YAML);
    }
    v1::PublishChangeSetResponse published;
    grpc::ClientContext setContext;
    withDeadline(setContext);
    status = m_operator->PublishChangeSet(&setContext, set, &published);
    QCOMPARE(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    QVERIFY2(status.error_message().find("changes[1].ref.namespace") != std::string::npos,
             status.error_message().c_str());

    v1::StartGrayReleaseRequest gray;
    *gray.mutable_ref() = rules;
    gray.set_content(content);
    gray.set_percent(10);
    gray.set_comment("gray");
    v1::StartGrayReleaseResponse started;
    grpc::ClientContext grayContext;
    withDeadline(grayContext);
    QCOMPARE(m_operator->StartGrayRelease(&grayContext, gray, &started).error_code(),
             grpc::StatusCode::FAILED_PRECONDITION);

    v1::ImportNamespaceRequest import;
    import.set_namespace_("aegis-alerting");
    import.set_yaml("rules:\n  team: |\n    groups: []\n");
    v1::ImportNamespaceResponse imported;
    grpc::ClientContext importContext;
    withDeadline(importContext);
    QCOMPARE(m_operator->ImportNamespace(&importContext, import, &imported).error_code(),
             grpc::StatusCode::FAILED_PRECONDITION);
}

QTEST_GUILESS_MAIN(ConfigApiTest)
#include "tst_config_api.moc"
