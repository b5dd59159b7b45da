// CallPolicy and RetryBudget against real gRPC servers over loopback (each implements OTLP's
// TraceService/Export, told to fail or to be slow): retries go to another instance, only for
// idempotent calls; the budget bounds a retry storm; hedging cuts the tail a slow instance causes
// and cancels the loser; one deadline bounds every attempt. The budget's arithmetic runs on a
// ManualClock.

#include "client/call_policy.h"
#include "client/connection.h"
#include "client/grpc_status.h"
#include "client/picker.h"
#include "client/retry_budget.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

#include <grpcpp/grpcpp.h>

#include <QtTest>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

using namespace aegis;
using namespace aegis::client;
using namespace std::chrono_literals;
namespace collector = opentelemetry::proto::collector::trace::v1;

namespace {

// One instance: answers UNAVAILABLE when failing, else after `delay` (or CANCELLED when the
// caller cancels first).
class Backend final : public collector::TraceService::Service {
public:
    Backend(bool failing, std::chrono::milliseconds delay)
        : m_failing(failing)
        , m_delay(delay) {
        grpc::ServerBuilder builder;
        builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &m_port);
        builder.RegisterService(this);
        m_server = builder.BuildAndStart();
    }
    ~Backend() override { m_server->Shutdown(std::chrono::system_clock::now() + 1s); }

    grpc::Status Export(grpc::ServerContext *context, const collector::ExportTraceServiceRequest *,
                        collector::ExportTraceServiceResponse *) override {
        ++m_calls;
        if (m_failing) {
            return {grpc::StatusCode::UNAVAILABLE, "failing on purpose"};
        }
        const auto until = std::chrono::steady_clock::now() + m_delay;
        while (std::chrono::steady_clock::now() < until) {
            if (context->IsCancelled()) {
                ++m_cancelled;
                return grpc::Status::CANCELLED;
            }
            std::this_thread::sleep_for(1ms); // the instance's own latency, not a test wait
        }
        return grpc::Status::OK;
    }

    std::string address() const { return "127.0.0.1:" + std::to_string(m_port); }
    int calls() const { return m_calls; }
    int cancelled() const { return m_cancelled; }
    bool started() const { return m_server && m_port > 0; }

private:
    const bool m_failing;
    const std::chrono::milliseconds m_delay;
    int m_port = 0;
    std::unique_ptr<grpc::Server> m_server;
    std::atomic<int> m_calls{0};
    std::atomic<int> m_cancelled{0};
};

using BackendPtr = std::unique_ptr<Backend>;

// A round-robin picker over the backends, and a caller that exports to the picked one.
class Fleet {
public:
    explicit Fleet(std::vector<BackendPtr> backends)
        : m_backends(std::move(backends))
        , m_picker(makePicker(Strategy::RoundRobin)) {
        std::vector<Endpoint> endpoints;
        for (std::size_t i = 0; i < m_backends.size(); ++i) {
            Endpoint endpoint;
            endpoint.id = "i-" + std::to_string(i);
            endpoint.service = "export";
            endpoint.address = m_backends[i]->address();
            endpoints.push_back(endpoint);
            m_stubs[endpoint.address] = collector::TraceService::NewStub(
                grpc::CreateChannel(endpoint.address, grpc::InsecureChannelCredentials()));
        }
        m_picker->update(std::move(endpoints));
    }

    Backend &backend(std::size_t i) { return *m_backends[i]; }
    Picker &picker() { return *m_picker; }
    int totalCalls() const {
        int total = 0;
        for (const auto &backend : m_backends) {
            total += backend->calls();
        }
        return total;
    }

    // One attempt, as an application writes it: the call's deadline and its cancellation.
    StatusOr<std::string> send(const Attempt &attempt) {
        grpc::ClientContext context;
        setTimeout(context, attempt.remaining());
        std::stop_callback cancel(attempt.stop, [&] { context.TryCancel(); });
        collector::ExportTraceServiceRequest request;
        collector::ExportTraceServiceResponse response;
        const Status status =
            fromGrpc(m_stubs.at(attempt.endpoint.address)->Export(&context, request, &response));
        if (!status.isOk()) {
            return status;
        }
        return attempt.endpoint.id;
    }

private:
    std::vector<BackendPtr> m_backends;
    PickerPtr m_picker;
    std::map<std::string, std::unique_ptr<collector::TraceService::Stub>> m_stubs;
};

std::vector<BackendPtr> backends(std::initializer_list<std::pair<bool, int>> specs) {
    std::vector<BackendPtr> result;
    for (const auto &[failing, delayMs] : specs) {
        result.push_back(std::make_unique<Backend>(failing, std::chrono::milliseconds(delayMs)));
    }
    return result;
}

CallPolicyOptions retries(int attempts) {
    CallPolicyOptions options;
    options.idempotent = true;
    options.maxAttempts = attempts;
    options.backoff.initial = 1ms;
    options.backoff.max = 2ms;
    return options;
}

RetryBudgetPtr budget(double ratio, double minPerSecond) {
    RetryBudgetOptions options;
    options.ratio = ratio;
    options.minRetriesPerSecond = minPerSecond;
    return RetryBudget::create(options).value();
}

std::chrono::milliseconds p99(std::vector<std::chrono::milliseconds> samples) {
    std::sort(samples.begin(), samples.end());
    return samples[(samples.size() * 99) / 100];
}

} // namespace

class CallPolicyTest : public QObject {
    Q_OBJECT

private slots:
    void retryBudgetArithmetic();
    void rejectsBadOptions();
    void flakyInstanceIsRetriedElsewhere();
    void callsNotIdempotentAreNotRetried();
    void budgetBoundsARetryStorm();
    void hedgingCutsTheTailOfASlowInstance();
    void deadlineBoundsEveryAttempt();
};

void CallPolicyTest::retryBudgetArithmetic() {
    auto clock = std::make_shared<ManualClock>();
    RetryBudgetOptions options;
    options.ratio = 0.5;
    options.minRetriesPerSecond = 0;
    options.window = 10s;
    auto ratioOnly = RetryBudget::create(options, clock).value();
    QVERIFY(!ratioOnly->tryRetry()); // no calls, no floor: nothing
    for (int i = 0; i < 10; ++i) {
        ratioOnly->recordCall();
    }
    for (int i = 0; i < 5; ++i) {
        QVERIFY(ratioOnly->tryRetry());
    }
    QVERIFY(!ratioOnly->tryRetry());
    clock->advance(11s); // calls and retries leave the window together
    QVERIFY(!ratioOnly->tryRetry());
    QCOMPARE(ratioOnly->stats().retries, std::uint64_t(5));
    QCOMPARE(ratioOnly->stats().refused, std::uint64_t(3));

    options.ratio = 0;
    options.minRetriesPerSecond = 2; // 20 over a 10 s window
    auto floorOnly = RetryBudget::create(options, clock).value();
    for (int i = 0; i < 20; ++i) {
        QVERIFY(floorOnly->tryRetry());
    }
    QVERIFY(!floorOnly->tryRetry());
}

void CallPolicyTest::rejectsBadOptions() {
    auto picker = makePicker(Strategy::RoundRobin);
    auto options = retries(0);
    auto refused = CallPolicy::create(CallPolicy::pickFrom(*picker), options);
    QCOMPARE(refused.status().code(), StatusCode::InvalidArgument);
    QVERIFY(refused.status().message().find("maxAttempts") != std::string::npos);
    options = retries(2);
    options.deadline = 0ms;
    QCOMPARE(CallPolicy::create(CallPolicy::pickFrom(*picker), options).status().code(),
             StatusCode::InvalidArgument);
    RetryBudgetOptions budgetOptions;
    budgetOptions.ratio = -1;
    QCOMPARE(RetryBudget::create(budgetOptions).status().code(), StatusCode::InvalidArgument);
    // No instance at all: UNAVAILABLE, and no attempt.
    auto empty = CallPolicy::create(CallPolicy::pickFrom(*picker), retries(3)).value();
    QCOMPARE(empty->call([](const Attempt &) { return Status::ok(); }).code(),
             StatusCode::Unavailable);
    QCOMPARE(empty->stats().attempts, std::uint64_t(0));
}

void CallPolicyTest::flakyInstanceIsRetriedElsewhere() {
    Fleet fleet(backends({{true, 0}, {false, 0}, {false, 0}}));
    QVERIFY(fleet.backend(0).started());
    auto policy =
        CallPolicy::create(CallPolicy::pickFrom(fleet.picker()), retries(3), budget(1.0, 10))
            .value();
    for (int i = 0; i < 300; ++i) {
        const auto answered = policy->call([&](const Attempt &a) { return fleet.send(a); });
        QVERIFY2(answered.isOk(), answered.status().toString().c_str());
        QVERIFY(*answered != "i-0");
    }
    // Every call that met the failing instance was retried once, on a healthy one.
    QVERIFY(fleet.backend(0).calls() >= 50);
    QCOMPARE(fleet.backend(1).calls() + fleet.backend(2).calls(), 300);
    QCOMPARE(policy->stats().retries, std::uint64_t(fleet.backend(0).calls()));
    QCOMPARE(policy->stats().attempts, std::uint64_t(fleet.totalCalls()));
}

void CallPolicyTest::callsNotIdempotentAreNotRetried() {
    Fleet fleet(backends({{true, 0}, {false, 0}, {false, 0}}));
    auto options = retries(3);
    options.idempotent = false;
    auto policy =
        CallPolicy::create(CallPolicy::pickFrom(fleet.picker()), options, budget(1.0, 10)).value();
    int failed = 0;
    for (int i = 0; i < 30; ++i) {
        const auto answered = policy->call([&](const Attempt &a) { return fleet.send(a); });
        if (!answered.isOk()) {
            QCOMPARE(answered.status().code(), StatusCode::Unavailable);
            ++failed;
        }
    }
    QCOMPARE(failed, 10);
    QCOMPARE(fleet.totalCalls(), 30);
    QCOMPARE(policy->stats().retries, std::uint64_t(0));
}

void CallPolicyTest::budgetBoundsARetryStorm() {
    Fleet fleet(backends({{true, 0}, {true, 0}, {true, 0}}));
    // 10 % extra load, and at least 1 retry per second of the 10 s window.
    auto shared = budget(0.1, 1);
    auto policy =
        CallPolicy::create(CallPolicy::pickFrom(fleet.picker()), retries(3), shared).value();
    const int calls = 400;
    for (int i = 0; i < calls; ++i) {
        QCOMPARE(policy->call([&](const Attempt &a) { return fleet.send(a); }).status().code(),
                 StatusCode::Unavailable);
    }
    // Without the budget: 3 attempts per call, 1,200. With it: at most 10 % + 10 more.
    const int extra = fleet.totalCalls() - calls;
    QVERIFY2(extra <= calls / 10 + 10, std::to_string(extra).c_str());
    QVERIFY2(extra >= calls / 10, "the budget was used, not refused outright");
    QVERIFY(policy->stats().budgetRefusals > 0);
    QCOMPARE(shared->stats().retries, std::uint64_t(extra));
}

void CallPolicyTest::hedgingCutsTheTailOfASlowInstance() {
    Fleet fleet(backends({{false, 300}, {false, 0}}));
    auto measure = [&](CallPolicy &policy, std::vector<std::string> &winners) {
        std::vector<std::chrono::milliseconds> latencies;
        for (int i = 0; i < 40; ++i) {
            const auto started = std::chrono::steady_clock::now();
            const auto answered = policy.call([&](const Attempt &a) { return fleet.send(a); });
            latencies.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - started));
            if (!answered.isOk()) {
                return std::chrono::milliseconds::max();
            }
            winners.push_back(*answered);
        }
        return p99(latencies);
    };

    auto plain = retries(2);
    auto unhedged = CallPolicy::create(CallPolicy::pickFrom(fleet.picker()), plain).value();
    std::vector<std::string> plainWinners;
    const auto plainP99 = measure(*unhedged, plainWinners);
    QVERIFY2(plainP99 >= 250ms, std::to_string(plainP99.count()).c_str());

    auto hedgedOptions = retries(2);
    hedgedOptions.hedgeDelay = 30ms;
    auto hedged =
        CallPolicy::create(CallPolicy::pickFrom(fleet.picker()), hedgedOptions, budget(1.0, 10))
            .value();
    std::vector<std::string> hedgedWinners;
    const auto hedgedP99 = measure(*hedged, hedgedWinners);
    QVERIFY2(hedgedP99 < 150ms, std::to_string(hedgedP99.count()).c_str());
    // The fast instance answered every call; the slow one's attempts were cancelled.
    QVERIFY(std::all_of(hedgedWinners.begin(), hedgedWinners.end(),
                        [](const std::string &id) { return id == "i-1"; }));
    QVERIFY(hedged->stats().hedges >= 15);
    QCOMPARE(hedged->stats().cancelledAttempts, hedged->stats().hedges);
    QTRY_VERIFY_WITH_TIMEOUT(fleet.backend(0).cancelled() >= 15, 5000);
}

void CallPolicyTest::deadlineBoundsEveryAttempt() {
    Fleet slow(backends({{false, 2000}, {false, 2000}}));
    for (const auto hedgeDelay : {0ms, 50ms}) {
        auto options = retries(3);
        options.deadline = 200ms;
        options.hedgeDelay = hedgeDelay;
        options.retryOn.push_back(StatusCode::DeadlineExceeded); // even so, nothing after it
        auto policy =
            CallPolicy::create(CallPolicy::pickFrom(slow.picker()), options, budget(1.0, 10))
                .value();
        QElapsedTimer timer;
        timer.start();
        const auto answered = policy->call([&](const Attempt &a) { return slow.send(a); });
        QCOMPARE(answered.status().code(), StatusCode::DeadlineExceeded);
        QVERIFY2(timer.elapsed() >= 190 && timer.elapsed() < 1000,
                 std::to_string(timer.elapsed()).c_str());
    }

    // A backoff that would end past the deadline is not waited for.
    Fleet failing(backends({{true, 0}, {true, 0}}));
    auto options = retries(3);
    options.deadline = 200ms;
    options.backoff.initial = 500ms;
    options.backoff.max = 500ms;
    auto policy =
        CallPolicy::create(CallPolicy::pickFrom(failing.picker()), options, budget(1.0, 10))
            .value();
    QElapsedTimer timer;
    timer.start();
    QCOMPARE(policy->call([&](const Attempt &a) { return failing.send(a); }).status().code(),
             StatusCode::Unavailable);
    QVERIFY(timer.elapsed() < 150);
    QCOMPARE(failing.totalCalls(), 1);
}

QTEST_GUILESS_MAIN(CallPolicyTest)
#include "tst_call_policy.moc"
