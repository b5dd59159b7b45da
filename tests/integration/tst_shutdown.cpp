// Graceful shutdown of the real aegisd: calls in flight at SIGTERM complete and stay durable, open
// watch streams end with UNAVAILABLE, the ready file is removed, and the process exits 0.

#include "aegis/v1/audit.grpc.pb.h"
#include "aegis/v1/auth.grpc.pb.h"
#include "aegis/v1/system.grpc.pb.h"
#include "client/connection.h"
#include "daemon_process.h"

#include <grpcpp/grpcpp.h>

#include <QtTest>

#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <thread>

using namespace aegis;
using namespace std::chrono_literals;

class ShutdownTest : public QObject {
    Q_OBJECT

private slots:
    void inFlightCallsCompleteAndStreamsEndUnavailable();
};

void ShutdownTest::inFlightCallsCompleteAndStreamsEndUnavailable() {
    testing::TempDir dir;
    testing::DaemonOptions options;
    options.dataDir = dir.path() / "data";
    auto started = testing::DaemonProcess::start(options);
    QVERIFY2(started.isOk(), started.status().toString().c_str());
    auto daemon = std::move(*started);
    auto channel = client::makeChannel(daemon->adminConnection());
    QVERIFY(channel.isOk());

    // An open watch stream, confirmed by its first message.
    auto audit = aegis::v1::AuditService::NewStub(*channel);
    grpc::ClientContext watchContext;
    watchContext.set_deadline(std::chrono::system_clock::now() + 60s);
    aegis::v1::WatchAuditRecordsRequest watchRequest;
    auto stream = audit->WatchAuditRecords(&watchContext, watchRequest);
    aegis::v1::WatchAuditRecordsResponse first;
    QVERIFY(stream->Read(&first));
    auto streamEnd = std::async(std::launch::async, [&] {
        aegis::v1::WatchAuditRecordsResponse message;
        while (stream->Read(&message)) {
        }
        return stream->Finish();
    });

    // A steady flow of durable mutations from several clients while SIGTERM arrives.
    auto auth = aegis::v1::AuthService::NewStub(*channel);
    std::mutex mutex;
    std::vector<std::string> acknowledged;
    std::atomic<int> unexpected{0};
    std::string unexpectedErrors;
    std::atomic<int> completedAfterSignal{0};
    std::atomic<bool> signalled{false};
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < 8; ++w) {
        writers.emplace_back([&, w] {
            for (int i = 0; !stop; ++i) {
                grpc::ClientContext context;
                context.set_deadline(std::chrono::system_clock::now() + 30s);
                aegis::v1::CreateTokenRequest request;
                request.set_name("w" + std::to_string(w) + "-" + std::to_string(i));
                request.set_role(aegis::v1::ROLE_VIEWER);
                aegis::v1::CreateTokenResponse response;
                const bool sentAfterSignal = signalled;
                const auto status = auth->CreateToken(&context, request, &response);
                if (status.ok()) {
                    std::lock_guard lock(mutex);
                    acknowledged.push_back(request.name());
                    if (signalled && !sentAfterSignal) {
                        ++completedAfterSignal;
                    }
                } else if (status.error_code() != grpc::StatusCode::UNAVAILABLE) {
                    std::lock_guard lock(mutex);
                    ++unexpected;
                    unexpectedErrors +=
                        std::to_string(status.error_code()) + ": " + status.error_message() + "\n";
                }
                if (!status.ok()) {
                    return;
                }
            }
        });
    }
    QTRY_VERIFY_WITH_TIMEOUT(([&] {
                                 std::lock_guard lock(mutex);
                                 return acknowledged.size() >= 50;
                             }()),
                             30000);
    signalled = true;
    const int exitCode = daemon->terminate(30s);
    stop = true;
    for (auto &writer : writers) {
        writer.join();
    }
    QCOMPARE(exitCode, 0);
    // The ready file says "serving": it goes when serving ends.
    QVERIFY(!std::filesystem::exists(options.dataDir / "ready.json"));
    QVERIFY2(unexpected.load() == 0, unexpectedErrors.c_str());
    // Calls in flight when the signal arrived were answered, not dropped.
    QVERIFY(completedAfterSignal.load() > 0);

    QVERIFY(streamEnd.wait_for(10s) == std::future_status::ready);
    const grpc::Status streamStatus = streamEnd.get();
    QCOMPARE(streamStatus.error_code(), grpc::StatusCode::UNAVAILABLE);

    // Every acknowledged mutation survived the restart.
    auto restarted = testing::DaemonProcess::start(options);
    QVERIFY2(restarted.isOk(), restarted.status().toString().c_str());
    auto again = client::makeChannel((*restarted)->adminConnection());
    QVERIFY(again.isOk());
    auto auth2 = aegis::v1::AuthService::NewStub(*again);
    std::set<std::string> present;
    std::string pageToken;
    do {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + 10s);
        aegis::v1::ListTokensRequest request;
        request.set_page_size(1000);
        request.set_page_token(pageToken);
        aegis::v1::ListTokensResponse response;
        const auto status = auth2->ListTokens(&context, request, &response);
        QVERIFY2(status.ok(), status.error_message().c_str());
        for (const auto &token : response.tokens()) {
            present.insert(token.name());
        }
        pageToken = response.next_page_token();
    } while (!pageToken.empty());
    for (const auto &name : acknowledged) {
        QVERIFY2(present.count(name) == 1, name.c_str());
    }
    QCOMPARE((*restarted)->terminate(), 0);
}

QTEST_GUILESS_MAIN(ShutdownTest)
#include "tst_shutdown.moc"
