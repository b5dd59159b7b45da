// Watch fan-out at scale through the real aegisd: 1,000 WatchInstances streams and 1,000
// WatchConfig streams (each naming its own instance, half of them in a gray release) each receive
// every event once and in order, written from bytes the daemon serialises once per distinct
// content.

#include "aegis/v1/config.grpc.pb.h"
#include "aegis/v1/registry.grpc.pb.h"
#include "api_test_helpers.h"
#include "daemon_process.h"
#include "poll_until.h"

#include <grpcpp/grpcpp.h>

#include <QtTest>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>

using namespace aegis;
using namespace std::chrono_literals;
namespace v1 = aegis::v1;

namespace {

constexpr int kWatchers = 1000;
constexpr int kChannels = 4;

void withDeadline(grpc::ClientContext &context, std::chrono::milliseconds timeout = 10s) {
    context.set_deadline(std::chrono::system_clock::now() + timeout);
}

// A server stream read by a callback reactor: every message kept, the end status recorded.
template <typename Response>
class StreamReader final : public grpc::ClientReadReactor<Response> {
public:
    // `start` binds the reactor to its call (stub->async()->Method(context, request, reactor)).
    template <typename Start>
    explicit StreamReader(const Start &start) {
        start(&m_context, this);
        this->StartRead(&m_response);
        this->StartCall();
    }

    ~StreamReader() override {
        m_context.TryCancel();
        std::unique_lock lock(m_mutex);
        m_doneChanged.wait(lock, [&] { return m_done; });
    }

    void OnReadDone(bool ok) override {
        if (!ok) {
            return; // OnDone follows
        }
        {
            std::lock_guard lock(m_mutex);
            m_messages.push_back(m_response);
        }
        ++m_count;
        this->StartRead(&m_response);
    }

    void OnDone(const grpc::Status &status) override {
        std::lock_guard lock(m_mutex);
        m_status = status;
        m_done = true;
        m_doneChanged.notify_all();
    }

    std::size_t count() const { return m_count.load(); }
    std::vector<Response> messages() {
        std::lock_guard lock(m_mutex);
        return m_messages;
    }
    bool done() {
        std::lock_guard lock(m_mutex);
        return m_done;
    }

private:
    grpc::ClientContext m_context;
    Response m_response;
    std::atomic<std::size_t> m_count{0};
    std::mutex m_mutex;
    std::condition_variable m_doneChanged;
    std::vector<Response> m_messages;
    grpc::Status m_status;
    bool m_done = false;
};

} // namespace

class WatchFanoutTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void everyInstanceWatcherGetsEveryEventOnceInOrder();
    void everyConfigWatcherGetsItsContentOnceInOrder();
    void cleanupTestCase();

private:
    std::unique_ptr<testing::DaemonProcess> m_daemon;
    std::vector<std::shared_ptr<grpc::Channel>> m_channels;
};

void WatchFanoutTest::initTestCase() {
    auto daemon = testing::DaemonProcess::start();
    QVERIFY2(daemon.isOk(), daemon.status().message().c_str());
    m_daemon = std::move(*daemon);
    // Streams share a few connections, as services on a few hosts would.
    for (int i = 0; i < kChannels; ++i) {
        m_channels.push_back(testing::channelFor(m_daemon->grpcAddress(), m_daemon->adminToken()));
    }
}

void WatchFanoutTest::cleanupTestCase() {
    m_channels.clear();
    if (m_daemon) {
        QCOMPARE(m_daemon->terminate(), 0);
    }
}

void WatchFanoutTest::everyInstanceWatcherGetsEveryEventOnceInOrder() {
    using Reader = StreamReader<v1::WatchInstancesResponse>;
    std::vector<std::unique_ptr<v1::RegistryService::Stub>> stubs;
    for (const auto &channel : m_channels) {
        stubs.push_back(v1::RegistryService::NewStub(channel));
    }
    v1::WatchInstancesRequest request;
    request.set_service("fan");
    std::vector<std::unique_ptr<Reader>> readers;
    for (int i = 0; i < kWatchers; ++i) {
        auto &stub = *stubs[static_cast<std::size_t>(i % kChannels)];
        readers.push_back(std::make_unique<Reader>(
            [&](grpc::ClientContext *context,
                grpc::ClientReadReactor<v1::WatchInstancesResponse> *reactor) {
                stub.async()->WatchInstances(context, &request, reactor);
            }));
    }
    // Each stream's first message says where it starts.
    QVERIFY(testing::pollUntil(
        [&] {
            return std::all_of(readers.begin(), readers.end(),
                               [](const auto &reader) { return reader->count() >= 1; });
        },
        60s));

    // Five registrations and a deregistration, one after the other, into one fan-out each.
    QStringList expected;
    for (int n = 0; n < 5; ++n) {
        v1::RegisterInstanceRequest registration;
        registration.mutable_instance()->set_service("fan");
        registration.mutable_instance()->set_id("i-" + std::to_string(n));
        registration.mutable_instance()->set_address("10.0.0." + std::to_string(n + 1) + ":80");
        registration.set_ttl_seconds(600);
        v1::RegisterInstanceResponse registered;
        grpc::ClientContext context;
        withDeadline(context);
        const auto status = stubs[0]->RegisterInstance(&context, registration, &registered);
        QVERIFY2(status.ok(), status.error_message().c_str());
        expected << QString("ADDED i-%1").arg(n);
    }
    v1::DeregisterInstanceRequest deregistration;
    deregistration.set_service("fan");
    deregistration.set_instance_id("i-2");
    v1::DeregisterInstanceResponse deregistered;
    grpc::ClientContext context;
    withDeadline(context);
    QVERIFY(stubs[0]->DeregisterInstance(&context, deregistration, &deregistered).ok());
    expected << "REMOVED i-2";

    const auto eventsOf = [](Reader &reader) {
        QStringList events;
        for (const auto &message : reader.messages()) {
            for (const auto &event : message.events()) {
                events << QString("%1 %2").arg(
                    event.type() == v1::INSTANCE_EVENT_TYPE_ADDED     ? "ADDED"
                    : event.type() == v1::INSTANCE_EVENT_TYPE_REMOVED ? "REMOVED"
                                                                      : "MODIFIED",
                    QString::fromStdString(event.instance().id()));
            }
        }
        return events;
    };
    QVERIFY(testing::pollUntil(
        [&] {
            return std::all_of(readers.begin(), readers.end(), [&](const auto &reader) {
                return eventsOf(*reader).size() >= expected.size();
            });
        },
        60s));
    for (auto &reader : readers) {
        QCOMPARE(eventsOf(*reader), expected);
        std::int64_t last = 0;
        for (const auto &message : reader->messages()) {
            for (const auto &event : message.events()) {
                QVERIFY(event.revision() > last);
                last = event.revision();
            }
            QVERIFY(message.header().revision() >= last);
        }
        QVERIFY(!reader->done());
    }
}

void WatchFanoutTest::everyConfigWatcherGetsItsContentOnceInOrder() {
    using Reader = StreamReader<v1::WatchConfigResponse>;
    std::vector<std::unique_ptr<v1::ConfigService::Stub>> stubs;
    for (const auto &channel : m_channels) {
        stubs.push_back(v1::ConfigService::NewStub(channel));
    }
    v1::ConfigItemRef item;
    item.set_namespace_("prod");
    item.set_group("fan");
    item.set_key("flags.json");
    const auto publish = [&](const std::string &content, std::int64_t base) {
        v1::PublishConfigRequest request;
        *request.mutable_change()->mutable_ref() = item;
        request.mutable_change()->set_format(v1::CONFIG_FORMAT_JSON);
        request.mutable_change()->set_content(content);
        request.mutable_change()->set_base_version(base);
        request.set_comment("fan-out test");
        v1::PublishConfigResponse response;
        grpc::ClientContext context;
        withDeadline(context);
        return stubs[0]->PublishConfig(&context, request, &response);
    };
    const auto first = publish(R"({"round": 1})", 0);
    QVERIFY2(first.ok(), first.error_message().c_str());

    std::vector<v1::WatchConfigRequest> requests(kWatchers);
    std::vector<std::unique_ptr<Reader>> readers;
    for (int i = 0; i < kWatchers; ++i) {
        auto &request = requests[static_cast<std::size_t>(i)];
        request.set_namespace_("prod");
        request.set_group("fan");
        request.set_key("flags.json");
        request.set_service("fan");
        request.set_instance_id("i-" + std::to_string(i));
        auto &stub = *stubs[static_cast<std::size_t>(i % kChannels)];
        readers.push_back(std::make_unique<Reader>(
            [&](grpc::ClientContext *context,
                grpc::ClientReadReactor<v1::WatchConfigResponse> *reactor) {
                stub.async()->WatchConfig(context, &request, reactor);
            }));
    }
    QVERIFY(testing::pollUntil(
        [&] {
            return std::all_of(readers.begin(), readers.end(),
                               [](const auto &reader) { return reader->count() >= 1; });
        },
        60s));

    // Version 2 for everyone; the gray version 3 for the even instances; then the gray release
    // is cancelled and they go back to version 2.
    QVERIFY(publish(R"({"round": 2})", 1).ok());
    v1::StartGrayReleaseRequest gray;
    *gray.mutable_ref() = item;
    gray.set_content(R"({"round": "gray"})");
    gray.set_base_version(2);
    gray.set_comment("half of the fleet");
    for (int i = 0; i < kWatchers; i += 2) {
        gray.add_instance_ids("i-" + std::to_string(i));
    }
    v1::StartGrayReleaseResponse started;
    grpc::ClientContext grayContext;
    withDeadline(grayContext);
    const auto grayStatus = stubs[0]->StartGrayRelease(&grayContext, gray, &started);
    QVERIFY2(grayStatus.ok(), grayStatus.error_message().c_str());
    v1::CancelGrayReleaseRequest cancel;
    *cancel.mutable_ref() = item;
    v1::CancelGrayReleaseResponse cancelled;
    grpc::ClientContext cancelContext;
    withDeadline(cancelContext);
    QVERIFY(stubs[0]->CancelGrayRelease(&cancelContext, cancel, &cancelled).ok());

    const QStringList plain = {R"(snapshot 1 {"round": 1})", R"(2 {"round": 2})"};
    const QStringList grayed = {R"(snapshot 1 {"round": 1})", R"(2 {"round": 2})",
                                R"(gray 3 {"round": "gray"})", R"(2 {"round": 2})"};
    const auto eventsOf = [](Reader &reader) {
        QStringList events;
        for (const auto &message : reader.messages()) {
            for (const auto &event : message.events()) {
                events << QString("%1%2 %3")
                              .arg(message.snapshot() ? "snapshot "
                                   : event.gray()     ? "gray "
                                                      : "")
                              .arg(event.version())
                              .arg(QString::fromStdString(event.content()));
            }
        }
        return events;
    };
    const auto expectedFor = [&](std::size_t index) { return index % 2 == 0 ? grayed : plain; };
    QVERIFY(testing::pollUntil(
        [&] {
            for (std::size_t i = 0; i < readers.size(); ++i) {
                if (eventsOf(*readers[i]).size() < expectedFor(i).size()) {
                    return false;
                }
            }
            return true;
        },
        60s));
    for (std::size_t i = 0; i < readers.size(); ++i) {
        QCOMPARE(eventsOf(*readers[i]), expectedFor(i));
        QVERIFY(!readers[i]->done());
    }
}

QTEST_GUILESS_MAIN(WatchFanoutTest)
#include "tst_watch_fanout.moc"
