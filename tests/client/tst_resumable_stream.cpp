// ResumableStream against the real aegisd, with WatchInstances as the stream: it resumes after a
// daemon restart without losing or repeating an event, reports a compacted start revision with
// the compact revision, renews a stream at its lifetime (also a WatchMux's shared stream), and
// stops promptly from another thread.

#include "aegis/v1/registry.grpc.pb.h"
#include "aegis/v1/system.grpc.pb.h"
#include "aegis/v1/watch.pb.h"
#include "api_test_helpers.h"
#include "client/connection.h"
#include "client/resumable_stream.h"
#include "client/watch_mux.h"
#include "daemon_process.h"
#include "poll_until.h"

#include <grpcpp/grpcpp.h>

#include <QElapsedTimer>
#include <QtTest>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

using namespace aegis;
using namespace std::chrono_literals;
using testing::pollUntil;

namespace {

client::BackoffOptions fastBackoff() {
    client::BackoffOptions backoff;
    backoff.initial = 50ms;
    backoff.max = 300ms;
    return backoff;
}

// Follows one service's instance events with a ResumableStream on its own thread, on a
// WatchInstances stream of its own or, given `mux`, on the mux's shared stream.
class EventFollower {
public:
    EventFollower(std::shared_ptr<grpc::Channel> channel, client::ResumableStreamOptions options,
                  std::int64_t startRevision = 0, client::WatchMux *mux = nullptr)
        : m_channel(std::move(channel)) {
        client::ResumableStream::Callbacks callbacks;
        callbacks.onRetrying = [this](const Status &, std::int64_t, std::chrono::milliseconds) {
            ++m_retries;
        };
        m_stream = std::make_unique<client::ResumableStream>(
            std::move(options), m_stop,
            [this, mux](grpc::ClientContext &context, std::int64_t start,
                        const client::ResumableStream::Received &received) {
                ++m_opened;
                v1::WatchInstancesRequest request;
                request.set_service("svc");
                request.set_start_revision(start);
                const auto handle = [&](const v1::WatchInstancesResponse &response) {
                    std::int64_t revision = 0;
                    {
                        std::lock_guard lock(m_mutex);
                        for (const auto &event : response.events()) {
                            m_events.emplace_back(event.revision(), event.type(),
                                                  event.instance().id());
                            revision = std::max(revision, event.revision());
                        }
                    }
                    received(revision);
                    return true;
                };
                if (mux != nullptr) {
                    v1::WatchCreateRequest create;
                    *create.mutable_instances() = request;
                    return mux->run(
                        create, context, m_stop,
                        [&](const v1::WatchResponse &message) {
                            return handle(message.instances());
                        },
                        nullptr);
                }
                auto stub = v1::RegistryService::NewStub(m_channel);
                auto reader = stub->WatchInstances(&context, request);
                v1::WatchInstancesResponse response;
                while (reader->Read(&response)) {
                    handle(response);
                }
                return reader->Finish();
            },
            callbacks);
        m_thread = std::thread([this, startRevision] {
            m_result = m_stream->run(startRevision);
            m_done = true;
        });
    }
    ~EventFollower() { stop(); }

    void stop() {
        m_stop.stop();
        if (m_thread.joinable()) {
            m_thread.join();
        }
    }
    bool finished() const { return m_done.load(); }

    struct Event {
        Event(std::int64_t r, v1::InstanceEventType t, std::string i)
            : revision(r)
            , type(t)
            , id(std::move(i)) {}
        std::int64_t revision;
        v1::InstanceEventType type;
        std::string id;
    };
    std::vector<Event> events() const {
        std::lock_guard lock(m_mutex);
        return m_events;
    }
    // How many times `id` was seen ADDED.
    int added(const std::string &id) const {
        int count = 0;
        for (const auto &event : events()) {
            count += event.id == id && event.type == v1::INSTANCE_EVENT_TYPE_ADDED ? 1 : 0;
        }
        return count;
    }
    int opened() const { return m_opened.load(); }
    int retries() const { return m_retries.load(); }
    const Status &result() const { return m_result; }
    const client::ResumableStream &stream() const { return *m_stream; }

private:
    std::shared_ptr<grpc::Channel> m_channel;
    client::StopSignal m_stop;
    std::unique_ptr<client::ResumableStream> m_stream;
    mutable std::mutex m_mutex;
    std::vector<Event> m_events;
    std::atomic<int> m_opened{0};
    std::atomic<int> m_retries{0};
    std::atomic<bool> m_done{false};
    Status m_result;
    std::thread m_thread;
};

void registerInstance(const std::shared_ptr<grpc::Channel> &channel, const std::string &id) {
    auto stub = v1::RegistryService::NewStub(channel);
    v1::RegisterInstanceRequest request;
    request.mutable_instance()->set_service("svc");
    request.mutable_instance()->set_id(id);
    request.mutable_instance()->set_address("127.0.0.1:9000");
    request.set_ttl_seconds(3600);
    v1::RegisterInstanceResponse response;
    grpc::ClientContext context;
    client::setTimeout(context, 10s);
    context.set_wait_for_ready(true);
    const auto status = stub->RegisterInstance(&context, request, &response);
    QVERIFY2(status.ok(), status.error_message().c_str());
}

void deregisterInstance(const std::shared_ptr<grpc::Channel> &channel, const std::string &id) {
    auto stub = v1::RegistryService::NewStub(channel);
    v1::DeregisterInstanceRequest request;
    request.set_service("svc");
    request.set_instance_id(id);
    v1::DeregisterInstanceResponse response;
    grpc::ClientContext context;
    client::setTimeout(context, 10s);
    const auto status = stub->DeregisterInstance(&context, request, &response);
    QVERIFY2(status.ok(), status.error_message().c_str());
}

} // namespace

class ResumableStreamTest : public QObject {
    Q_OBJECT

private slots:
    void resumesAfterDaemonRestartWithoutLossOrDuplication();
    void compactedStartRevisionIsOutOfRange();
    void renewsAStreamAtItsLifetime();
    void goesOnAcrossASharedStreamsLifetime();
    void stopEndsAnOpenStreamPromptly();
    void stopEndsABackoffPromptly();
    void refusedStatusEndsRun();
    void endAtEndsRunWithOk();
};

void ResumableStreamTest::resumesAfterDaemonRestartWithoutLossOrDuplication() {
    testing::TempDir dir;
    testing::DaemonOptions daemonOptions;
    daemonOptions.dataDir = dir.path() / "data";
    auto started = testing::DaemonProcess::start(daemonOptions);
    QVERIFY2(started.isOk(), started.status().toString().c_str());
    auto daemon = std::move(*started);
    daemonOptions.grpcListen = daemon->grpcAddress(); // restarted where the stream connects
    const auto channel = testing::channelFor(daemon->grpcAddress(), daemon->adminToken());

    client::ResumableStreamOptions options;
    options.backoff = fastBackoff();
    EventFollower follower(channel, options, 1);
    for (int i = 0; i < 3; ++i) {
        registerInstance(channel, "before-" + std::to_string(i));
    }
    QVERIFY(pollUntil([&] { return follower.added("before-2") == 1; }));

    QCOMPARE(daemon->terminate(), 0);
    QVERIFY(pollUntil([&] { return follower.retries() > 0; }));
    started = testing::DaemonProcess::start(daemonOptions);
    QVERIFY2(started.isOk(), started.status().toString().c_str());
    daemon = std::move(*started);

    for (int i = 0; i < 3; ++i) {
        registerInstance(channel, "after-" + std::to_string(i));
    }
    QVERIFY(pollUntil([&] { return follower.added("after-2") == 1; }, 20s));
    follower.stop();
    QCOMPARE(follower.result().code(), StatusCode::Cancelled);

    // Every event once, in revision order, across the restart.
    std::int64_t last = 0;
    for (const auto &event : follower.events()) {
        QVERIFY2(event.revision > last, (std::to_string(event.revision) + " after " +
                                         std::to_string(last) + " for " + event.id)
                                            .c_str());
        last = event.revision;
    }
    for (const std::string prefix : {"before-", "after-"}) {
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(follower.added(prefix + std::to_string(i)), 1);
        }
    }
    QVERIFY(follower.opened() >= 2);
    QCOMPARE(follower.stream().nextRevision(), last + 1);
}

void ResumableStreamTest::compactedStartRevisionIsOutOfRange() {
    testing::TempDir configDir;
    const auto config = configDir.path() / "aegisd.yaml";
    std::ofstream(config) << "store:\n  event_retention: 100\n  compaction_interval: 1s\n";
    testing::DaemonOptions daemonOptions;
    daemonOptions.extraArgs = {"--config", config.string()};
    auto daemon = testing::DaemonProcess::start(daemonOptions);
    QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
    const auto channel = testing::channelFor((*daemon)->grpcAddress(), (*daemon)->adminToken());
    for (int i = 0; i < 60; ++i) {
        registerInstance(channel, "bulk-" + std::to_string(i));
        deregisterInstance(channel, "bulk-" + std::to_string(i));
    }
    std::int64_t compacted = 0;
    QVERIFY2(pollUntil([&] {
                 auto stub = v1::SystemService::NewStub(channel);
                 v1::GetStatusRequest request;
                 v1::GetStatusResponse response;
                 grpc::ClientContext context;
                 client::setTimeout(context, 5s);
                 if (stub->GetStatus(&context, request, &response).ok()) {
                     compacted = response.compact_revision();
                 }
                 return compacted > 0;
             }),
             "the compact revision did not advance");

    client::ResumableStreamOptions options;
    options.backoff = fastBackoff();
    EventFollower follower(channel, options, 1);
    QVERIFY(pollUntil([&] { return follower.finished(); }));
    follower.stop();
    QCOMPARE(follower.result().code(), StatusCode::OutOfRange);
    QVERIFY2(follower.stream().compactRevision() >= compacted,
             std::to_string(follower.stream().compactRevision()).c_str());
    QCOMPARE(follower.retries(), 0);
}

void ResumableStreamTest::renewsAStreamAtItsLifetime() {
    auto daemon = testing::DaemonProcess::start();
    QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
    const auto channel = testing::channelFor((*daemon)->grpcAddress(), (*daemon)->adminToken());
    registerInstance(channel, "first");

    client::ResumableStreamOptions options;
    options.streamLifetime = 300ms;
    options.backoff.initial = 10s; // a renewal that backed off would miss the checks below
    options.backoff.max = 10s;
    EventFollower follower(channel, options, 1);
    QVERIFY(pollUntil([&] { return follower.added("first") == 1; }));
    QVERIFY(pollUntil([&] { return follower.opened() >= 4; }));
    registerInstance(channel, "second");
    QVERIFY(pollUntil([&] { return follower.added("second") == 1; }));
    QVERIFY(pollUntil([&] { return follower.opened() >= 6; }));
    follower.stop();
    // Renewed, never retried: a stream at its lifetime is not a failure.
    QCOMPARE(follower.retries(), 0);
    QCOMPARE(follower.added("first"), 1);
    QCOMPARE(follower.added("second"), 1);
}

void ResumableStreamTest::goesOnAcrossASharedStreamsLifetime() {
    auto daemon = testing::DaemonProcess::start();
    QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
    const auto channel = testing::channelFor((*daemon)->grpcAddress(), (*daemon)->adminToken());
    registerInstance(channel, "first");

    // Long enough for a slow first answer on a loaded machine, short enough for several renewals.
    client::WatchMux mux(channel, 1s);
    client::ResumableStreamOptions options;
    options.backoff.initial = 10s; // a renewal that backed off would miss the checks below
    options.backoff.max = 10s;
    // As aegisctl's watches: a deadline someone else set is no reason to go on.
    options.resumable = [](const Status &status) {
        return status.code() != StatusCode::DeadlineExceeded;
    };
    EventFollower follower(channel, options, 1, &mux);
    QVERIFY(pollUntil([&] { return follower.added("first") == 1; }));
    QVERIFY(pollUntil([&] { return mux.streamsOpened() >= 4; }));
    registerInstance(channel, "second");
    QVERIFY(pollUntil([&] { return follower.added("second") == 1; }));
    QVERIFY(pollUntil([&] { return mux.streamsOpened() >= 6; }));
    QVERIFY(!follower.finished());
    follower.stop();
    QCOMPARE(follower.result().code(), StatusCode::Cancelled);
    // The watch went on on each next stream at once: not a failure, nothing missed or repeated.
    QCOMPARE(follower.retries(), 0);
    QCOMPARE(follower.added("first"), 1);
    QCOMPARE(follower.added("second"), 1);
}

void ResumableStreamTest::stopEndsAnOpenStreamPromptly() {
    auto daemon = testing::DaemonProcess::start();
    QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
    const auto channel = testing::channelFor((*daemon)->grpcAddress(), (*daemon)->adminToken());
    registerInstance(channel, "first");
    EventFollower follower(channel, {}, 1);
    QVERIFY(pollUntil([&] { return follower.added("first") == 1; }));
    QElapsedTimer timer;
    timer.start();
    follower.stop();
    QVERIFY2(timer.elapsed() < 1000, std::to_string(timer.elapsed()).c_str());
    QCOMPARE(follower.result().code(), StatusCode::Cancelled);
}

void ResumableStreamTest::stopEndsABackoffPromptly() {
    auto daemon = testing::DaemonProcess::start();
    QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
    // A wrong token: every stream is refused at once and retried after a long backoff.
    const auto channel = testing::channelFor((*daemon)->grpcAddress(), "not-a-token");
    client::ResumableStreamOptions options;
    options.backoff.initial = 30s;
    options.backoff.max = 30s;
    EventFollower follower(channel, options, 1);
    QVERIFY(pollUntil([&] { return follower.retries() >= 1; }));
    QElapsedTimer timer;
    timer.start();
    follower.stop();
    QVERIFY2(timer.elapsed() < 1000, std::to_string(timer.elapsed()).c_str());
    QCOMPARE(follower.result().code(), StatusCode::Cancelled);
    QCOMPARE(follower.opened(), 1);
}

void ResumableStreamTest::refusedStatusEndsRun() {
    auto daemon = testing::DaemonProcess::start();
    QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
    const auto channel = testing::channelFor((*daemon)->grpcAddress(), "not-a-token");
    client::ResumableStreamOptions options;
    options.backoff = fastBackoff();
    options.resumable = [](const Status &status) {
        return status.code() != StatusCode::Unauthenticated;
    };
    EventFollower follower(channel, options, 1);
    QVERIFY(pollUntil([&] { return follower.finished(); }));
    follower.stop();
    QCOMPARE(follower.result().code(), StatusCode::Unauthenticated);
    QCOMPARE(follower.retries(), 0);
}

void ResumableStreamTest::endAtEndsRunWithOk() {
    auto daemon = testing::DaemonProcess::start();
    QVERIFY2(daemon.isOk(), daemon.status().toString().c_str());
    const auto channel = testing::channelFor((*daemon)->grpcAddress(), (*daemon)->adminToken());
    client::ResumableStreamOptions options;
    options.endAt = std::chrono::steady_clock::now() + 500ms;
    options.backoff = fastBackoff();
    QElapsedTimer timer;
    timer.start();
    EventFollower follower(channel, options, 1);
    QVERIFY(pollUntil([&] { return follower.finished(); }));
    follower.stop();
    // aegisctl's --for: the end of the watch, not an error and not a renewal.
    QVERIFY(follower.result().isOk());
    QVERIFY2(timer.elapsed() >= 400, std::to_string(timer.elapsed()).c_str());
    QCOMPARE(follower.opened(), 1);
    QCOMPARE(follower.retries(), 0);
}

QTEST_GUILESS_MAIN(ResumableStreamTest)
#include "tst_resumable_stream.moc"
