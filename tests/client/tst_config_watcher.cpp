// ConfigWatcher against the real aegisd: a snapshot then live updates, gray releases resolved per
// instance (start, promote, cancel), acknowledgements in the applied status, a watch resumed
// across a daemon restart, the snapshot file served while the daemon is down (then caught up),
// and secrets in clear for a service token.

#include "aegis/v1/config.grpc.pb.h"
#include "aegis/v1/registry.grpc.pb.h"
#include "api_test_helpers.h"
#include "client/config_watcher.h"
#include "client/connection.h"
#include "client/watch_mux.h"
#include "daemon_process.h"
#include "loopback_ports.h"
#include "poll_until.h"

#include <grpcpp/grpcpp.h>
#include <nlohmann/json.hpp>

#include <QtTest>

#include <arpa/inet.h>
#include <fstream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace aegis;
using namespace std::chrono_literals;

namespace {

constexpr int kTimeout = 15000; // ms, for QTRY_*

client::BackoffOptions fastBackoff() {
    client::BackoffOptions backoff;
    backoff.initial = 50ms;
    backoff.max = 300ms;
    return backoff;
}

// Everything a watcher's listener was given, in order; thread-safe. `decide` chooses what the
// listener answers (applied by default).
class ListenerLog {
public:
    using Decide = std::function<client::ApplyResult(const client::ConfigValue &)>;

    explicit ListenerLog(Decide decide = {})
        : m_decide(std::move(decide)) {}

    client::ConfigWatcher::Listener listener() {
        return [this](const client::ConfigValue &value) {
            {
                std::lock_guard lock(m_mutex);
                m_values.push_back(value);
            }
            return m_decide ? m_decide(value) : client::ApplyResult::applied();
        };
    }

    std::vector<client::ConfigValue> values() const {
        std::lock_guard lock(m_mutex);
        return m_values;
    }

    // The last value given for `key`.
    std::optional<client::ConfigValue> last(const std::string &key) const {
        std::lock_guard lock(m_mutex);
        for (auto it = m_values.rbegin(); it != m_values.rend(); ++it) {
            if (it->ref.key == key) {
                return *it;
            }
        }
        return std::nullopt;
    }

    std::int64_t lastVersion(const std::string &key) const {
        const auto value = last(key);
        return value ? value->version : -1;
    }

    int count(const std::string &key) const {
        std::lock_guard lock(m_mutex);
        return static_cast<int>(std::count_if(m_values.begin(), m_values.end(),
                                              [&](const auto &v) { return v.ref.key == key; }));
    }

    // "key@version" for every call, for failure messages.
    std::string describe() const {
        std::lock_guard lock(m_mutex);
        std::string text;
        for (const auto &value : m_values) {
            text += value.ref.key + "@" + std::to_string(value.version) +
                    (value.gray ? "(gray)" : "") + (value.fromSnapshotFile ? "(file)" : "") +
                    (value.deleted ? "(deleted)" : "") + " ";
        }
        return text;
    }

private:
    const Decide m_decide;
    mutable std::mutex m_mutex;
    std::vector<client::ConfigValue> m_values;
};

// Calls ConfigService methods as one token, failing the test on an error.
class ConfigAdmin {
public:
    ConfigAdmin(const std::string &address, const std::string &token)
        : m_stub(aegis::v1::ConfigService::NewStub(testing::channelFor(address, token))) {}

    // Publishes `content` over the current version (creating the item); returns the new version,
    // or 0 on failure.
    std::int64_t publish(const std::string &ns, const std::string &group, const std::string &key,
                         const std::string &content,
                         aegis::v1::ConfigFormat format = aegis::v1::CONFIG_FORMAT_JSON,
                         bool secret = false) {
        aegis::v1::PublishConfigRequest request;
        auto *change = request.mutable_change();
        setRef(change->mutable_ref(), ns, group, key);
        change->set_format(format);
        change->set_content(content);
        change->set_base_version(currentVersion(ns, group, key));
        if (secret) {
            change->set_update_attributes(true);
            change->set_secret(true);
        }
        request.set_comment("tst_config_watcher");
        aegis::v1::PublishConfigResponse response;
        grpc::ClientContext context;
        client::setTimeout(context, 10s);
        const auto status = m_stub->PublishConfig(&context, request, &response);
        if (!status.ok()) {
            qWarning("PublishConfig: %s", status.error_message().c_str());
            return 0;
        }
        return response.item().version();
    }

    // The published version, 0 when the item does not exist.
    std::int64_t currentVersion(const std::string &ns, const std::string &group,
                                const std::string &key) {
        aegis::v1::GetConfigItemRequest request;
        setRef(request.mutable_ref(), ns, group, key);
        aegis::v1::GetConfigItemResponse response;
        grpc::ClientContext context;
        client::setTimeout(context, 10s);
        return m_stub->GetConfigItem(&context, request, &response).ok() ? response.item().version()
                                                                        : 0;
    }

    // Returns the gray version, 0 on failure.
    std::int64_t startGray(const std::string &ns, const std::string &group, const std::string &key,
                           const std::string &content, const std::vector<std::string> &instances) {
        aegis::v1::StartGrayReleaseRequest request;
        setRef(request.mutable_ref(), ns, group, key);
        request.set_content(content);
        request.set_base_version(currentVersion(ns, group, key));
        for (const auto &id : instances) {
            request.add_instance_ids(id);
        }
        request.set_comment("gray");
        aegis::v1::StartGrayReleaseResponse response;
        grpc::ClientContext context;
        client::setTimeout(context, 10s);
        const auto status = m_stub->StartGrayRelease(&context, request, &response);
        if (!status.ok()) {
            qWarning("StartGrayRelease: %s", status.error_message().c_str());
            return 0;
        }
        return response.item().gray().version();
    }

    // Returns the promoted (published) version, 0 on failure.
    std::int64_t promoteGray(const std::string &ns, const std::string &group,
                             const std::string &key) {
        aegis::v1::PromoteGrayReleaseRequest request;
        setRef(request.mutable_ref(), ns, group, key);
        request.set_comment("promote");
        aegis::v1::PromoteGrayReleaseResponse response;
        grpc::ClientContext context;
        client::setTimeout(context, 10s);
        const auto status = m_stub->PromoteGrayRelease(&context, request, &response);
        if (!status.ok()) {
            qWarning("PromoteGrayRelease: %s", status.error_message().c_str());
            return 0;
        }
        return response.item().version();
    }

    bool cancelGray(const std::string &ns, const std::string &group, const std::string &key) {
        aegis::v1::CancelGrayReleaseRequest request;
        setRef(request.mutable_ref(), ns, group, key);
        aegis::v1::CancelGrayReleaseResponse response;
        grpc::ClientContext context;
        client::setTimeout(context, 10s);
        return m_stub->CancelGrayRelease(&context, request, &response).ok();
    }

    bool remove(const std::string &ns, const std::string &group, const std::string &key) {
        aegis::v1::DeleteConfigItemRequest request;
        setRef(request.mutable_ref(), ns, group, key);
        request.set_expected_version(currentVersion(ns, group, key));
        aegis::v1::DeleteConfigItemResponse response;
        grpc::ClientContext context;
        client::setTimeout(context, 10s);
        return m_stub->DeleteConfigItem(&context, request, &response).ok();
    }

    std::optional<aegis::v1::GetAppliedStatusResponse>
    applied(const std::string &ns, const std::string &group, const std::string &key) {
        aegis::v1::GetAppliedStatusRequest request;
        setRef(request.mutable_ref(), ns, group, key);
        aegis::v1::GetAppliedStatusResponse response;
        grpc::ClientContext context;
        client::setTimeout(context, 10s);
        if (!m_stub->GetAppliedStatus(&context, request, &response).ok()) {
            return std::nullopt;
        }
        return response;
    }

    // The version instance `id` reported for the item, with its error; -1 when it reported none.
    std::pair<std::int64_t, std::string> appliedBy(const std::string &ns, const std::string &group,
                                                   const std::string &key, const std::string &id) {
        if (const auto status = applied(ns, group, key)) {
            for (const auto &instance : status->instances()) {
                if (instance.instance_id() == id) {
                    return {instance.version(), instance.error()};
                }
            }
        }
        return {-1, {}};
    }

private:
    static void setRef(aegis::v1::ConfigItemRef *ref, const std::string &ns,
                       const std::string &group, const std::string &key) {
        ref->set_namespace_(ns);
        ref->set_group(group);
        ref->set_key(key);
    }

    std::unique_ptr<aegis::v1::ConfigService::Stub> m_stub;
};

std::string readFile(const std::filesystem::path &path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

} // namespace

class ConfigWatcherTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void rejectsIncompleteOptions();
    void snapshotThenLiveUpdates();
    void oneKeyWatch();
    void grayReachesOnlyTheTargetedInstance();
    void watchersOnOneMuxStreamResolveGrayEach();
    void acknowledgementsReachTheAppliedStatus();
    void resumesAfterDaemonRestart();
    void servesSnapshotFileWhileDaemonIsDown();
    void secretsArriveInClearForAServiceToken();
    void destructionWithoutDaemonDoesNotHang();

private:
    client::ConfigWatcherOptions watchOptions(const std::string &group,
                                              const std::string &instanceId) const;
    std::string createToken(const std::string &address, const std::string &adminToken,
                            const std::string &name, aegis::v1::Role role);
    // The daemon takes acknowledgements from registered instances only: registers `ids` in
    // service "checkout" (the one watchOptions() names).
    static bool registerInstances(const std::string &address, const std::string &adminToken,
                                  const std::vector<std::string> &ids);

    testing::TempDir m_dir;
    std::unique_ptr<testing::DaemonProcess> m_daemon;
    std::string m_serviceToken;
    std::unique_ptr<ConfigAdmin> m_admin;
};

client::ConfigWatcherOptions ConfigWatcherTest::watchOptions(const std::string &group,
                                                             const std::string &instanceId) const {
    client::ConfigWatcherOptions options;
    options.ns = "shop";
    options.group = group;
    options.service = "checkout";
    options.instanceId = instanceId;
    options.callTimeout = 2s;
    options.backoff = fastBackoff();
    return options;
}

bool ConfigWatcherTest::registerInstances(const std::string &address, const std::string &adminToken,
                                          const std::vector<std::string> &ids) {
    auto registry = aegis::v1::RegistryService::NewStub(testing::channelFor(address, adminToken));
    for (const auto &id : ids) {
        aegis::v1::RegisterInstanceRequest request;
        request.mutable_instance()->set_service("checkout");
        request.mutable_instance()->set_id(id);
        request.mutable_instance()->set_address("127.0.0.1:9");
        request.set_ttl_seconds(3600);
        aegis::v1::RegisterInstanceResponse response;
        grpc::ClientContext context;
        client::setTimeout(context, 10s);
        if (const auto status = registry->RegisterInstance(&context, request, &response);
            !status.ok()) {
            qWarning("RegisterInstance %s: %s", id.c_str(), status.error_message().c_str());
            return false;
        }
    }
    return true;
}

std::string ConfigWatcherTest::createToken(const std::string &address,
                                           const std::string &adminToken, const std::string &name,
                                           aegis::v1::Role role) {
    std::string secret;
    // Service tokens act for the watching instances' service and read the shared namespace.
    const bool service = role == aegis::v1::ROLE_SERVICE;
    return testing::createToken(
               testing::channelFor(address, adminToken), name, role, &secret,
               service ? std::vector<std::string>{"checkout"} : std::vector<std::string>{},
               service ? std::vector<std::string>{"shop"} : std::vector<std::string>{})
                   .ok()
               ? secret
               : std::string();
}

void ConfigWatcherTest::initTestCase() {
    testing::DaemonOptions options;
    options.dataDir = m_dir.path() / "shared";
    auto daemon = testing::DaemonProcess::start(options);
    QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
    m_daemon = std::move(*daemon);
    m_serviceToken = createToken(m_daemon->grpcAddress(), m_daemon->adminToken(), "checkout-svc",
                                 aegis::v1::ROLE_SERVICE);
    QVERIFY(!m_serviceToken.empty());
    m_admin = std::make_unique<ConfigAdmin>(m_daemon->grpcAddress(), m_daemon->adminToken());
    QVERIFY(registerInstances(m_daemon->grpcAddress(), m_daemon->adminToken(),
                              {"web-1", "cart-1", "search-1", "pricing-1", "pricing-2", "orders-1",
                               "vault-1", "vault-2", "ghost-1"}));
}

void ConfigWatcherTest::cleanupTestCase() {
    m_daemon.reset();
}

void ConfigWatcherTest::rejectsIncompleteOptions() {
    const auto channel = testing::channelFor(m_daemon->grpcAddress(), m_serviceToken);
    const auto rejected = [&](client::ConfigWatcherOptions options, const char *field) {
        const auto started = client::ConfigWatcher::start(channel, options);
        QCOMPARE(started.status().code(), StatusCode::InvalidArgument);
        QVERIFY2(started.status().message().find(field) != std::string::npos,
                 started.status().message().c_str());
    };
    auto options = watchOptions("web", "web-1");
    options.ns.clear();
    rejected(options, "ns");
    options = watchOptions("web", "web-1");
    options.ns = "Shop";
    rejected(options, "ns");
    options = watchOptions("", "web-1");
    rejected(options, "group");
    options = watchOptions("we/b", "web-1");
    rejected(options, "group");
    options = watchOptions("web", "web-1");
    options.key = "a key";
    rejected(options, "key");
    options = watchOptions("web", "");
    rejected(options, "instanceId");
    options = watchOptions("web", "web-1");
    options.callTimeout = 0ms;
    rejected(options, "callTimeout");
    options = watchOptions("web", "web-1");
    QVERIFY(client::ConfigWatcher::start(nullptr, options).status().code() ==
            StatusCode::InvalidArgument);
    // Neither service nor instance: allowed (published content only, no acknowledgements).
    options.service.clear();
    options.instanceId.clear();
    QVERIFY(client::ConfigWatcher::start(channel, options).isOk());
}

void ConfigWatcherTest::snapshotThenLiveUpdates() {
    const std::int64_t first = m_admin->publish("shop", "cart", "limits.json", R"({"max":1})");
    QVERIFY(first > 0);
    QVERIFY(m_admin->publish("shop", "cart", "banner.txt", "welcome",
                             aegis::v1::CONFIG_FORMAT_TEXT) > 0);
    // Another group of the same namespace is not watched.
    QVERIFY(m_admin->publish("shop", "cart-extra", "limits.json", R"({"max":9})") > 0);

    ListenerLog log;
    auto options = watchOptions("cart", "cart-1");
    options.snapshotFile = m_dir.path() / "cart" / "config.json";
    auto watcher = client::ConfigWatcher::start(
        testing::channelFor(m_daemon->grpcAddress(), m_serviceToken), options, log.listener());
    QVERIFY(watcher.isOk());
    QVERIFY((*watcher)->waitUntilReady(10s));

    // The snapshot: every item of the group, once each.
    QCOMPARE(log.count("limits.json"), 1);
    QCOMPARE(log.count("banner.txt"), 1);
    QCOMPARE(log.values().size(), std::size_t(2));
    const auto limits = *log.last("limits.json");
    QCOMPARE(limits.ref.path(), std::string("shop/cart/limits.json"));
    QCOMPARE(limits.content, std::string(R"({"max":1})"));
    QCOMPARE(limits.version, first);
    QVERIFY(limits.format == client::ConfigFormat::Json);
    QVERIFY(!limits.gray);
    QVERIFY(!limits.fromSnapshotFile);
    QCOMPARE(limits.sha256.size(), std::size_t(64));
    QVERIFY(log.last("banner.txt")->format == client::ConfigFormat::Text);
    QCOMPARE((*watcher)->get("limits.json")->content, std::string(R"({"max":1})"));
    QCOMPARE((*watcher)->values().size(), std::size_t(2));
    QCOMPARE((*watcher)->stats().fullSyncs, 1);

    // A live update, then a new key, then a deletion.
    const std::int64_t second = m_admin->publish("shop", "cart", "limits.json", R"({"max":2})");
    QVERIFY(second > first);
    QTRY_COMPARE_WITH_TIMEOUT(log.lastVersion("limits.json"), second, kTimeout);
    QCOMPARE(log.last("limits.json")->content, std::string(R"({"max":2})"));
    QTRY_COMPARE_WITH_TIMEOUT((*watcher)->get("limits.json")->version, second, kTimeout);
    QVERIFY(m_admin->publish("shop", "cart", "new.json", R"({"on":true})") > 0);
    QTRY_COMPARE_WITH_TIMEOUT(log.count("new.json"), 1, kTimeout);
    QVERIFY(m_admin->remove("shop", "cart", "banner.txt"));
    QTRY_VERIFY_WITH_TIMEOUT(log.last("banner.txt")->deleted, kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(!(*watcher)->get("banner.txt").has_value(), kTimeout);
    QCOMPARE(log.count("limits.json"), 2); // never twice for the same version
    for (const auto &value : log.values()) {
        QCOMPARE(value.ref.group, std::string("cart"));
    }

    // The snapshot file holds the applied state, readable by the owner only.
    QTRY_VERIFY_WITH_TIMEOUT(readFile(options.snapshotFile).find("new.json") != std::string::npos,
                             kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(readFile(options.snapshotFile).find("banner.txt") == std::string::npos,
                             kTimeout);
    const auto snapshot = nlohmann::json::parse(readFile(options.snapshotFile));
    QCOMPARE(snapshot["namespace"].get<std::string>(), std::string("shop"));
    QCOMPARE(snapshot["group"].get<std::string>(), std::string("cart"));
    QCOMPARE(snapshot["items"].size(), std::size_t(2));
    QCOMPARE(snapshot["items"][0]["key"].get<std::string>(), std::string("limits.json"));
    QCOMPARE(snapshot["items"][0]["version"].get<std::int64_t>(), second);
    QCOMPARE(snapshot["items"][0]["content"].get<std::string>(), std::string(R"({"max":2})"));
    struct stat info {};
    QCOMPARE(::stat(options.snapshotFile.c_str(), &info), 0);
    QCOMPARE(info.st_mode & 0777, mode_t(0600));
}

void ConfigWatcherTest::oneKeyWatch() {
    QVERIFY(m_admin->publish("shop", "search", "ranking.yaml", "boost: 2\n",
                             aegis::v1::CONFIG_FORMAT_YAML) > 0);
    QVERIFY(m_admin->publish("shop", "search", "other.json", "{}") > 0);
    ListenerLog log;
    auto options = watchOptions("search", "search-1");
    options.key = "ranking.yaml";
    auto watcher = client::ConfigWatcher::start(
        testing::channelFor(m_daemon->grpcAddress(), m_serviceToken), options, log.listener());
    QVERIFY(watcher.isOk());
    QVERIFY((*watcher)->waitUntilReady(10s));
    QCOMPARE(log.count("ranking.yaml"), 1);
    QVERIFY(log.last("ranking.yaml")->format == client::ConfigFormat::Yaml);
    QVERIFY(m_admin->publish("shop", "search", "other.json", R"({"x":1})") > 0);
    const auto version = m_admin->publish("shop", "search", "ranking.yaml", "boost: 3\n",
                                          aegis::v1::CONFIG_FORMAT_YAML);
    QTRY_COMPARE_WITH_TIMEOUT(log.lastVersion("ranking.yaml"), version, kTimeout);
    QCOMPARE(log.count("other.json"), 0);
}

void ConfigWatcherTest::watchersOnOneMuxStreamResolveGrayEach() {
    const std::int64_t published = m_admin->publish("shop", "muxed", "rules.json", R"({"v":1})");
    QVERIFY(published > 0);
    const auto channel = testing::channelFor(m_daemon->grpcAddress(), m_serviceToken);
    auto mux = std::make_shared<client::WatchMux>(channel);
    ListenerLog canaryLog;
    ListenerLog stableLog;
    auto canaryOptions = watchOptions("muxed", "muxed-1");
    canaryOptions.mux = mux;
    auto stableOptions = watchOptions("muxed", "muxed-2");
    stableOptions.mux = mux;
    auto canary = client::ConfigWatcher::start(channel, canaryOptions, canaryLog.listener());
    auto stable = client::ConfigWatcher::start(channel, stableOptions, stableLog.listener());
    QVERIFY(canary.isOk() && stable.isOk());
    QVERIFY((*canary)->waitUntilReady(10s));
    QVERIFY((*stable)->waitUntilReady(10s));
    QCOMPARE(canaryLog.lastVersion("rules.json"), published);
    QCOMPARE(stableLog.lastVersion("rules.json"), published);

    const std::int64_t gray =
        m_admin->startGray("shop", "muxed", "rules.json", R"({"v":2})", {"muxed-1"});
    QVERIFY(gray > published);
    QTRY_COMPARE_WITH_TIMEOUT(canaryLog.lastVersion("rules.json"), gray, kTimeout);
    QVERIFY(canaryLog.last("rules.json")->gray);
    const std::int64_t promoted = m_admin->promoteGray("shop", "muxed", "rules.json");
    QTRY_COMPARE_WITH_TIMEOUT(stableLog.lastVersion("rules.json"), promoted, kTimeout);
    // The stable instance never saw the gray version: only the published one, then the promotion.
    QCOMPARE(stableLog.count("rules.json"), 2);
    QCOMPARE(mux->streamsOpened(), std::uint64_t(1));
}

void ConfigWatcherTest::grayReachesOnlyTheTargetedInstance() {
    const std::int64_t published = m_admin->publish("shop", "pricing", "rules.json", R"({"v":1})");
    QVERIFY(published > 0);
    const auto channel = testing::channelFor(m_daemon->grpcAddress(), m_serviceToken);
    ListenerLog canaryLog;
    ListenerLog stableLog;
    auto canary = client::ConfigWatcher::start(channel, watchOptions("pricing", "pricing-1"),
                                               canaryLog.listener());
    auto stable = client::ConfigWatcher::start(channel, watchOptions("pricing", "pricing-2"),
                                               stableLog.listener());
    QVERIFY(canary.isOk() && stable.isOk());
    QVERIFY((*canary)->waitUntilReady(10s));
    QVERIFY((*stable)->waitUntilReady(10s));
    QCOMPARE(canaryLog.lastVersion("rules.json"), published);
    QCOMPARE(stableLog.lastVersion("rules.json"), published);

    // A gray release for pricing-1 only.
    const std::int64_t gray =
        m_admin->startGray("shop", "pricing", "rules.json", R"({"v":2})", {"pricing-1"});
    QVERIFY(gray > published);
    QTRY_COMPARE_WITH_TIMEOUT(canaryLog.lastVersion("rules.json"), gray, kTimeout);
    QVERIFY(canaryLog.last("rules.json")->gray);
    QCOMPARE(canaryLog.last("rules.json")->content, std::string(R"({"v":2})"));
    QVERIFY((*canary)->get("rules.json")->gray);
    // The other instance keeps the published version: the daemon does not even tell it of the
    // gray release, since what it should use did not change (the promotion below, which reaches
    // it in order, shows that nothing came before).
    QCOMPARE(stableLog.count("rules.json"), 1);
    QCOMPARE((*stable)->get("rules.json")->version, published);

    // Promoted: everyone gets the gray content as a new published version.
    const std::int64_t promoted = m_admin->promoteGray("shop", "pricing", "rules.json");
    QVERIFY(promoted > gray);
    QTRY_COMPARE_WITH_TIMEOUT(canaryLog.lastVersion("rules.json"), promoted, kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(stableLog.lastVersion("rules.json"), promoted, kTimeout);
    QCOMPARE(stableLog.count("rules.json"), 2);
    QVERIFY(!canaryLog.last("rules.json")->gray);
    QCOMPARE(stableLog.last("rules.json")->content, std::string(R"({"v":2})"));

    // A second gray release, for pricing-2 this time, cancelled: it goes back to the published
    // version.
    const std::int64_t secondGray =
        m_admin->startGray("shop", "pricing", "rules.json", R"({"v":3})", {"pricing-2"});
    QVERIFY(secondGray > promoted);
    QTRY_COMPARE_WITH_TIMEOUT(stableLog.lastVersion("rules.json"), secondGray, kTimeout);
    QVERIFY(stableLog.last("rules.json")->gray);
    QVERIFY(m_admin->cancelGray("shop", "pricing", "rules.json"));
    QTRY_COMPARE_WITH_TIMEOUT(stableLog.lastVersion("rules.json"), promoted, kTimeout);
    QVERIFY(!stableLog.last("rules.json")->gray);
    QCOMPARE(stableLog.last("rules.json")->content, std::string(R"({"v":2})"));
    QCOMPARE(canaryLog.count("rules.json"), 3); // v1, gray, promoted: the cancel changed nothing
    QVERIFY2(stableLog.count("rules.json") == 4, stableLog.describe().c_str());
}

void ConfigWatcherTest::acknowledgementsReachTheAppliedStatus() {
    const std::int64_t good = m_admin->publish("shop", "orders", "retry.json", R"({"n":3})");
    QVERIFY(good > 0);
    // The application refuses content with "bad" in it.
    ListenerLog log([](const client::ConfigValue &value) {
        return value.content.find("bad") == std::string::npos
                   ? client::ApplyResult::applied()
                   : client::ApplyResult::failed("retry.json: n must be a number");
    });
    auto watcher =
        client::ConfigWatcher::start(testing::channelFor(m_daemon->grpcAddress(), m_serviceToken),
                                     watchOptions("orders", "orders-1"), log.listener());
    QVERIFY(watcher.isOk());
    QTRY_COMPARE_WITH_TIMEOUT(m_admin->appliedBy("shop", "orders", "retry.json", "orders-1").first,
                              good, kTimeout);
    QVERIFY(m_admin->appliedBy("shop", "orders", "retry.json", "orders-1").second.empty());
    const auto status = m_admin->applied("shop", "orders", "retry.json");
    QVERIFY(status.has_value());
    QVERIFY2(status->summary() == "1 of 1 on v" + std::to_string(good), status->summary().c_str());

    // A failure is acknowledged with its error; get() keeps the value that works.
    const std::int64_t bad = m_admin->publish("shop", "orders", "retry.json", R"({"n":"bad"})");
    QTRY_COMPARE_WITH_TIMEOUT(m_admin->appliedBy("shop", "orders", "retry.json", "orders-1").first,
                              bad, kTimeout);
    QCOMPARE(m_admin->appliedBy("shop", "orders", "retry.json", "orders-1").second,
             std::string("retry.json: n must be a number"));
    const auto failed = m_admin->applied("shop", "orders", "retry.json");
    QVERIFY2(failed->summary().find("orders-1 failed v" + std::to_string(bad)) != std::string::npos,
             failed->summary().c_str());
    QCOMPARE((*watcher)->get("retry.json")->version, good);
    // The watcher counts the acknowledgement once its call returns, just after aegisd recorded it.
    QTRY_VERIFY_WITH_TIMEOUT((*watcher)->stats().acknowledged >= 2, kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT((*watcher)->stats().pendingAcks, std::size_t(0), kTimeout);
}

void ConfigWatcherTest::resumesAfterDaemonRestart() {
    testing::TempDir dir;
    testing::DaemonOptions daemonOptions;
    daemonOptions.dataDir = dir.path() / "data";
    auto started = testing::DaemonProcess::start(daemonOptions);
    QVERIFY2(started.isOk(), started.status().toString().c_str());
    auto daemon = std::move(*started);
    const std::string address = daemon->grpcAddress();
    daemonOptions.grpcListen = address; // restarted where its clients connect
    const std::string token =
        createToken(address, daemon->adminToken(), "ledger-svc", aegis::v1::ROLE_SERVICE);
    QVERIFY(!token.empty());
    QVERIFY(registerInstances(address, daemon->adminToken(), {"ledger-1"}));
    ConfigAdmin admin(address, daemon->adminToken());
    const std::int64_t first = admin.publish("shop", "ledger", "db.json", R"({"pool":4})");
    QVERIFY(first > 0);

    ListenerLog log;
    auto watcher = client::ConfigWatcher::start(testing::channelFor(address, token),
                                                watchOptions("ledger", "ledger-1"), log.listener());
    QVERIFY(watcher.isOk());
    QVERIFY((*watcher)->waitUntilReady(10s));
    QCOMPARE(log.lastVersion("db.json"), first);
    const std::int64_t revisionBefore = (*watcher)->stats().revision;

    QCOMPARE(daemon->terminate(), 0);
    QTRY_VERIFY_WITH_TIMEOUT(!(*watcher)->stats().connected, kTimeout);
    QCOMPARE((*watcher)->get("db.json")->version, first); // values outlive the daemon

    started = testing::DaemonProcess::start(daemonOptions);
    QVERIFY2(started.isOk(), started.status().toString().c_str());
    daemon = std::move(*started);
    QCOMPARE(daemon->grpcAddress(), address);
    QTRY_VERIFY_WITH_TIMEOUT((*watcher)->stats().connected, kTimeout);

    // Resumed from the last revision + 1, not watched from scratch: no snapshot, no repeat.
    const std::int64_t second = admin.publish("shop", "ledger", "db.json", R"({"pool":8})");
    QVERIFY(second > first);
    QTRY_COMPARE_WITH_TIMEOUT(log.lastVersion("db.json"), second, kTimeout);
    const auto stats = (*watcher)->stats();
    QCOMPARE(stats.fullSyncs, 1);
    QVERIFY(stats.resumes >= 1);
    QVERIFY(stats.revision > revisionBefore);
    QVERIFY2(log.count("db.json") == 2, log.describe().c_str());
    QTRY_COMPARE_WITH_TIMEOUT(admin.appliedBy("shop", "ledger", "db.json", "ledger-1").first,
                              second, kTimeout);
}

void ConfigWatcherTest::servesSnapshotFileWhileDaemonIsDown() {
    testing::TempDir dir;
    const auto snapshotFile = dir.path() / "state" / "ledger-config.json";
    testing::DaemonOptions daemonOptions;
    daemonOptions.dataDir = dir.path() / "data";
    auto started = testing::DaemonProcess::start(daemonOptions);
    QVERIFY2(started.isOk(), started.status().toString().c_str());
    auto daemon = std::move(*started);
    const std::string address = daemon->grpcAddress();
    daemonOptions.grpcListen = address; // restarted where its clients connect
    const std::string token =
        createToken(address, daemon->adminToken(), "billing-svc", aegis::v1::ROLE_SERVICE);
    QVERIFY(!token.empty());
    QVERIFY(registerInstances(address, daemon->adminToken(), {"billing-1"}));
    ConfigAdmin admin(address, daemon->adminToken());
    const std::int64_t rates = admin.publish("shop", "billing", "rates.json", R"({"vat":20})");
    const std::int64_t banner =
        admin.publish("shop", "billing", "banner.txt", "hi", aegis::v1::CONFIG_FORMAT_TEXT);
    QVERIFY(rates > 0 && banner > 0);

    auto options = watchOptions("billing", "billing-1");
    options.snapshotFile = snapshotFile;
    {
        // A first run of the service, with the daemon up, leaves its snapshot file behind.
        auto watcher = client::ConfigWatcher::start(testing::channelFor(address, token), options);
        QVERIFY(watcher.isOk());
        QVERIFY((*watcher)->waitUntilReady(10s));
        QTRY_VERIFY_WITH_TIMEOUT(std::filesystem::exists(snapshotFile), kTimeout);
    }
    QCOMPARE(daemon->terminate(), 0);

    // Pointing at a dead address, the watcher serves the snapshot file's values at once.
    {
        ListenerLog log;
        auto dead = options;
        const testing::RefusingLoopbackAddress nowhere;
        const auto deadChannel = testing::channelFor(nowhere.address(), token);
        auto watcher = client::ConfigWatcher::start(deadChannel, dead, log.listener());
        QVERIFY(watcher.isOk());
        QTRY_COMPARE_WITH_TIMEOUT(log.values().size(), std::size_t(2), kTimeout);
        QCOMPARE(log.last("rates.json")->content, std::string(R"({"vat":20})"));
        QCOMPARE(log.last("rates.json")->version, rates);
        QVERIFY(log.last("rates.json")->format == client::ConfigFormat::Json);
        QVERIFY(log.last("rates.json")->fromSnapshotFile);
        QCOMPARE(log.last("banner.txt")->content, std::string("hi"));
        // Flagged once the listener has seen every value of the file.
        QTRY_VERIFY_WITH_TIMEOUT((*watcher)->stats().servingSnapshotFile, kTimeout);
        QVERIFY((*watcher)->get("banner.txt")->fromSnapshotFile);
        QVERIFY(!(*watcher)->isReady());
    }

    // At the real address while the daemon is down: the same, then it catches up once the daemon
    // is back, without handing the unchanged values over again, and acknowledges them.
    ListenerLog log;
    auto watcher =
        client::ConfigWatcher::start(testing::channelFor(address, token), options, log.listener());
    QVERIFY(watcher.isOk());
    QTRY_COMPARE_WITH_TIMEOUT(log.values().size(), std::size_t(2), kTimeout);
    QVERIFY(log.last("rates.json")->fromSnapshotFile);
    QCOMPARE(admin.appliedBy("shop", "billing", "rates.json", "billing-1").first, -1);

    started = testing::DaemonProcess::start(daemonOptions);
    QVERIFY2(started.isOk(), started.status().toString().c_str());
    daemon = std::move(*started);
    QVERIFY((*watcher)->waitUntilReady(20s));
    QVERIFY(!(*watcher)->stats().servingSnapshotFile);
    QVERIFY(!(*watcher)->get("rates.json")->fromSnapshotFile);
    QTRY_COMPARE_WITH_TIMEOUT(admin.appliedBy("shop", "billing", "rates.json", "billing-1").first,
                              rates, kTimeout);
    QVERIFY2(log.values().size() == 2, log.describe().c_str());

    // And follows changes from there.
    const std::int64_t newer = admin.publish("shop", "billing", "rates.json", R"({"vat":21})");
    QTRY_COMPARE_WITH_TIMEOUT(log.lastVersion("rates.json"), newer, kTimeout);
    QVERIFY(!log.last("rates.json")->fromSnapshotFile);
    QTRY_VERIFY_WITH_TIMEOUT(readFile(snapshotFile).find(R"({\"vat\":21})") != std::string::npos,
                             kTimeout);
}

void ConfigWatcherTest::secretsArriveInClearForAServiceToken() {
    QVERIFY(m_admin->publish("shop", "vault", "db-password", "s3cr3t",
                             aegis::v1::CONFIG_FORMAT_TEXT, true) > 0);
    ListenerLog log;
    auto watcher =
        client::ConfigWatcher::start(testing::channelFor(m_daemon->grpcAddress(), m_serviceToken),
                                     watchOptions("vault", "vault-1"), log.listener());
    QVERIFY(watcher.isOk());
    QVERIFY((*watcher)->waitUntilReady(10s));
    QCOMPARE(log.last("db-password")->content, std::string("s3cr3t"));

    // A viewer, by contrast, sees it masked.
    const std::string viewer = createToken(m_daemon->grpcAddress(), m_daemon->adminToken(),
                                           "auditor", aegis::v1::ROLE_VIEWER);
    QVERIFY(!viewer.empty());
    auto options = watchOptions("vault", "vault-2");
    options.service.clear();
    options.instanceId.clear();
    auto masked =
        client::ConfigWatcher::start(testing::channelFor(m_daemon->grpcAddress(), viewer), options);
    QVERIFY(masked.isOk());
    QVERIFY((*masked)->waitUntilReady(10s));
    QCOMPARE((*masked)->get("db-password")->content, std::string("********"));
}

void ConfigWatcherTest::destructionWithoutDaemonDoesNotHang() {
    auto options = watchOptions("ghost", "ghost-1");
    options.snapshotFile = m_dir.path() / "ghost.json"; // absent: nothing to serve
    const testing::RefusingLoopbackAddress nowhere;
    auto watcher = client::ConfigWatcher::start(
        testing::channelFor(nowhere.address(), m_serviceToken), options);
    QVERIFY(watcher.isOk());
    QVERIFY(!(*watcher)->waitUntilReady(300ms));
    QVERIFY(testing::pollUntil([&] { return !(*watcher)->stats().lastError.isOk(); }));
    QCOMPARE((*watcher)->stats().lastError.code(), StatusCode::Unavailable);
    QVERIFY((*watcher)->values().empty());
    QElapsedTimer timer;
    timer.start();
    watcher->reset();
    QVERIFY2(timer.elapsed() < 2000, std::to_string(timer.elapsed()).c_str());
}

QTEST_GUILESS_MAIN(ConfigWatcherTest)
#include "tst_config_watcher.moc"
