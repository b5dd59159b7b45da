// CircuitBreaker's state machine, driven by a ManualClock: generations, permits, probe expiry,
// the call wrapper, state-change callbacks and stats; and many threads on one breaker.

#include "client/circuit_breaker.h"

#include <QtTest>

#include <atomic>
#include <random>
#include <stdexcept>
#include <thread>

using namespace aegis;
using namespace aegis::client;
using namespace std::chrono_literals;
using State = CircuitBreaker::State;

namespace {

CircuitBreakerOptions consecutiveOnly(int failures) {
    CircuitBreakerOptions options;
    options.consecutiveFailures = failures;
    options.failureRatio = 0;
    options.openTimeout = 10s;
    return options;
}

void outcomes(CircuitBreaker &breaker, int successes, int failures) {
    for (int i = 0; i < successes; ++i) {
        auto permit = breaker.admit();
        QVERIFY(permit);
        permit->success();
    }
    for (int i = 0; i < failures; ++i) {
        auto permit = breaker.admit();
        QVERIFY(permit);
        permit->failure();
    }
}

} // namespace

class CircuitBreakerTest : public QObject {
    Q_OBJECT

private slots:
    void tripsOnConsecutiveFailures();
    void successResetsTheConsecutiveCount();
    void tripsOnFailureRatioOnlyWithEnoughRequests();
    void oldOutcomesLeaveTheWindow();
    void halfOpenAdmitsLimitedProbesAndCloses();
    void halfOpenFailureReopens();
    void outcomesWhileOpenAreIgnored();
    void lateSuccessDoesNotCloseHalfOpen();
    void lateOutcomeAfterClosingAgainIsIgnored();
    void droppedPermitCountsAsFailure();
    void cancelledProbeFreesTheSlot();
    void lostProbeExpires();
    void callReportsOutcomes();
    void callbacksFireInOrder();
    void statsCountRejections();
    void concurrentPermitsStayConsistent();
};

void CircuitBreakerTest::tripsOnConsecutiveFailures() {
    auto clock = std::make_shared<ManualClock>();
    CircuitBreaker breaker(consecutiveOnly(3), clock);
    outcomes(breaker, 0, 2);
    QCOMPARE(breaker.state(), State::Closed);
    outcomes(breaker, 0, 1);
    QCOMPARE(breaker.state(), State::Open);
    QVERIFY(!breaker.admit());
    clock->advance(9999ms);
    QVERIFY(!breaker.admit());
    clock->advance(1ms);
    QCOMPARE(breaker.state(), State::HalfOpen);
}

void CircuitBreakerTest::successResetsTheConsecutiveCount() {
    auto clock = std::make_shared<ManualClock>();
    CircuitBreaker breaker(consecutiveOnly(3), clock);
    for (int i = 0; i < 10; ++i) {
        outcomes(breaker, 0, 2);
        outcomes(breaker, 1, 0);
    }
    QCOMPARE(breaker.state(), State::Closed);
}

void CircuitBreakerTest::tripsOnFailureRatioOnlyWithEnoughRequests() {
    auto clock = std::make_shared<ManualClock>();
    CircuitBreakerOptions options;
    options.consecutiveFailures = 0;
    options.failureRatio = 0.5;
    options.minimumRequests = 10;
    options.window = 10s;
    CircuitBreaker breaker(options, clock);
    // Alternating outcomes: the ratio is 50% from the start, but too few requests to judge.
    for (int i = 0; i < 4; ++i) {
        outcomes(breaker, 1, 1);
    }
    QCOMPARE(breaker.state(), State::Closed); // 8 requests
    outcomes(breaker, 1, 0);
    QCOMPARE(breaker.state(), State::Closed); // 9 requests, 4 failures
    outcomes(breaker, 0, 1);
    QCOMPARE(breaker.state(), State::Open); // 10 requests, 5 failures
}

void CircuitBreakerTest::oldOutcomesLeaveTheWindow() {
    auto clock = std::make_shared<ManualClock>();
    CircuitBreakerOptions options;
    options.consecutiveFailures = 0;
    options.failureRatio = 0.5;
    options.minimumRequests = 10;
    options.window = 10s;
    options.windowBuckets = 10;
    CircuitBreaker breaker(options, clock);
    outcomes(breaker, 0, 4); // 4 failures...
    outcomes(breaker, 1, 0);
    clock->advance(11s); // ...that age out of the window
    outcomes(breaker, 6, 4);
    QCOMPARE(breaker.state(), State::Closed); // 10 requests, 40%
    outcomes(breaker, 0, 1);
    QCOMPARE(breaker.state(), State::Closed); // 11 requests, 5 failures: 45%
    outcomes(breaker, 0, 1);
    QCOMPARE(breaker.state(), State::Open); // 12 requests, 6 failures: 50%
}

void CircuitBreakerTest::halfOpenAdmitsLimitedProbesAndCloses() {
    auto clock = std::make_shared<ManualClock>();
    auto options = consecutiveOnly(1);
    options.halfOpenProbes = 2;
    CircuitBreaker breaker(options, clock);
    outcomes(breaker, 0, 1);
    clock->advance(10s);
    auto first = breaker.admit();
    auto second = breaker.admit();
    QVERIFY(first && first->isProbe());
    QVERIFY(second && second->isProbe());
    QVERIFY2(!breaker.admit(), "only two probes while half-open");
    first->success();
    QCOMPARE(breaker.state(), State::HalfOpen);
    second->success();
    QCOMPARE(breaker.state(), State::Closed);
    QVERIFY(breaker.admit());
}

void CircuitBreakerTest::halfOpenFailureReopens() {
    auto clock = std::make_shared<ManualClock>();
    CircuitBreaker breaker(consecutiveOnly(1), clock);
    outcomes(breaker, 0, 1);
    clock->advance(10s);
    auto probe = breaker.admit();
    QVERIFY(probe);
    probe->failure();
    QCOMPARE(breaker.state(), State::Open);
    clock->advance(5s);
    QVERIFY2(!breaker.admit(), "the open timeout starts again");
    clock->advance(5s);
    QVERIFY(breaker.admit());
}

void CircuitBreakerTest::outcomesWhileOpenAreIgnored() {
    auto clock = std::make_shared<ManualClock>();
    CircuitBreaker breaker(consecutiveOnly(2), clock);
    auto slow = breaker.admit(); // a slow request, admitted while closed
    QVERIFY(slow);
    outcomes(breaker, 0, 2);
    QCOMPARE(breaker.state(), State::Open);
    slow->success(); // the slow one finally succeeds: no effect on an open breaker
    QCOMPARE(breaker.state(), State::Open);
}

void CircuitBreakerTest::lateSuccessDoesNotCloseHalfOpen() {
    auto clock = std::make_shared<ManualClock>();
    CircuitBreaker breaker(consecutiveOnly(2), clock);
    auto slow = breaker.admit(); // admitted while closed, generation 0
    QVERIFY(slow);
    outcomes(breaker, 0, 2);
    clock->advance(10s);
    QCOMPARE(breaker.state(), State::HalfOpen);
    slow->success(); // late: its generation is gone
    QCOMPARE(breaker.state(), State::HalfOpen);
    QCOMPARE(breaker.stats().stale, std::uint64_t(1));
    auto probe = breaker.admit();
    QVERIFY2(probe, "the late success did not take the probe's place");
    probe->success();
    QCOMPARE(breaker.state(), State::Closed);
}

void CircuitBreakerTest::lateOutcomeAfterClosingAgainIsIgnored() {
    auto clock = std::make_shared<ManualClock>();
    CircuitBreaker breaker(consecutiveOnly(2), clock);
    auto slow = breaker.admit();
    QVERIFY(slow);
    outcomes(breaker, 0, 2);
    clock->advance(10s);
    outcomes(breaker, 1, 0); // the probe closes it
    QCOMPARE(breaker.state(), State::Closed);
    outcomes(breaker, 0, 1);
    slow->failure(); // would be the second failure in a row if it counted
    QCOMPARE(breaker.state(), State::Closed);
    outcomes(breaker, 0, 1);
    QCOMPARE(breaker.state(), State::Open);
}

void CircuitBreakerTest::droppedPermitCountsAsFailure() {
    auto clock = std::make_shared<ManualClock>();
    CircuitBreaker breaker(consecutiveOnly(1), clock);
    outcomes(breaker, 0, 1);
    clock->advance(10s);
    {
        auto probe = breaker.admit();
        QVERIFY(probe);
        QVERIFY(!breaker.admit());
    } // dropped without an outcome, as when the request threw
    QCOMPARE(breaker.state(), State::Open);
    clock->advance(10s);
    auto next = breaker.admit();
    QVERIFY2(next, "the probe slot is not held by the dropped permit");
    next->success();
    QCOMPARE(breaker.state(), State::Closed);
    QCOMPARE(breaker.stats().failures, std::uint64_t(2));
}

void CircuitBreakerTest::cancelledProbeFreesTheSlot() {
    auto clock = std::make_shared<ManualClock>();
    CircuitBreaker breaker(consecutiveOnly(1), clock);
    outcomes(breaker, 0, 1);
    clock->advance(10s);
    auto probe = breaker.admit();
    QVERIFY(probe);
    QVERIFY(!breaker.admit());
    probe->cancel(); // the request was never sent
    QCOMPARE(breaker.state(), State::HalfOpen);
    auto next = breaker.admit();
    QVERIFY(next);
    next->success();
    QCOMPARE(breaker.state(), State::Closed);
    QCOMPARE(breaker.stats().cancelled, std::uint64_t(1));
}

void CircuitBreakerTest::lostProbeExpires() {
    auto clock = std::make_shared<ManualClock>();
    auto options = consecutiveOnly(1);
    options.probeTimeout = 2s;
    CircuitBreaker breaker(options, clock);
    outcomes(breaker, 0, 1);
    clock->advance(10s);
    auto lost = breaker.admit(); // held by a request that never ends
    QVERIFY(lost);
    clock->advance(1999ms);
    QCOMPARE(breaker.state(), State::HalfOpen);
    clock->advance(1ms);
    QCOMPARE(breaker.state(), State::Open);
    QCOMPARE(breaker.stats().expiredProbes, std::uint64_t(1));
    clock->advance(10s);
    auto next = breaker.admit();
    QVERIFY2(next, "half-open again, with a free slot");
    lost->success(); // far too late: ignored
    QCOMPARE(breaker.state(), State::HalfOpen);
    next->success();
    QCOMPARE(breaker.state(), State::Closed);
}

void CircuitBreakerTest::callReportsOutcomes() {
    auto clock = std::make_shared<ManualClock>();
    CircuitBreaker breaker(consecutiveOnly(3), clock);
    int calls = 0;
    QVERIFY(breaker
                .call([&] {
                    ++calls;
                    return Status::ok();
                })
                .isOk());
    // The dependency answered: a refusal of the request is no failure of the dependency.
    for (int i = 0; i < 5; ++i) {
        const Status refused = breaker.call([&] {
            ++calls;
            return notFound("no such order");
        });
        QCOMPARE(refused.code(), StatusCode::NotFound);
    }
    QCOMPARE(breaker.state(), State::Closed);
    const StatusOr<int> value = breaker.call([&]() -> StatusOr<int> {
        ++calls;
        return 7;
    });
    QCOMPARE(*value, 7);
    QVERIFY(breaker
                .call([&] {
                    ++calls;
                    return unavailable("down");
                })
                .code() == StatusCode::Unavailable);
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, breaker.call([&]() -> Status {
        ++calls;
        throw std::runtime_error("socket closed");
    }));
    // A judge of the caller's: an HTTP status in the 5xx range is a failure.
    struct Http {
        Http(Status) {}
        Http(int c)
            : code(c) {}
        int code = 0;
    };
    breaker.call(
        [&] {
            ++calls;
            return Http(503);
        },
        [](const Http &r) { return r.code < 500; });
    QCOMPARE(breaker.state(), State::Open);
    QCOMPARE(calls, 10);
    const Status rejected = breaker.call([&] {
        ++calls;
        return Status::ok();
    });
    QCOMPARE(rejected.code(), StatusCode::Unavailable);
    QCOMPARE(calls, 10);
    const auto stats = breaker.stats();
    QCOMPARE(stats.successes, std::uint64_t(7));
    QCOMPARE(stats.failures, std::uint64_t(3));
    QCOMPARE(stats.rejected, std::uint64_t(1));
}

void CircuitBreakerTest::callbacksFireInOrder() {
    auto clock = std::make_shared<ManualClock>();
    std::vector<std::pair<State, State>> seen;
    CircuitBreaker *self = nullptr;
    auto options = consecutiveOnly(1);
    CircuitBreaker breaker(options, clock, [&](State from, State to) {
        // The listener may look at the breaker: it is not called under its lock.
        QCOMPARE(self->state(), to);
        seen.emplace_back(from, to);
    });
    self = &breaker;
    outcomes(breaker, 0, 1);
    clock->advance(10s);
    auto probe = breaker.admit();
    probe->failure();
    clock->advance(10s);
    outcomes(breaker, 1, 0);
    const std::vector<std::pair<State, State>> expected = {
        {State::Closed, State::Open},     {State::Open, State::HalfOpen},
        {State::HalfOpen, State::Open},   {State::Open, State::HalfOpen},
        {State::HalfOpen, State::Closed},
    };
    QCOMPARE(seen, expected);
    QCOMPARE(breaker.stats().generation, std::uint64_t(5));
    QCOMPARE(breaker.stats().opened, std::uint64_t(2));
}

void CircuitBreakerTest::statsCountRejections() {
    auto clock = std::make_shared<ManualClock>();
    CircuitBreaker breaker(consecutiveOnly(1), clock);
    outcomes(breaker, 2, 1);
    for (int i = 0; i < 4; ++i) {
        QVERIFY(!breaker.admit());
    }
    const auto stats = breaker.stats();
    QCOMPARE(stats.state, State::Open);
    QCOMPARE(stats.admitted, std::uint64_t(3));
    QCOMPARE(stats.rejected, std::uint64_t(4));
    QCOMPARE(stats.successes, std::uint64_t(2));
    QCOMPARE(stats.failures, std::uint64_t(1));
}

void CircuitBreakerTest::concurrentPermitsStayConsistent() {
    // Real time, short timeouts: eight threads trip, probe and close the breaker many times.
    CircuitBreakerOptions options;
    options.consecutiveFailures = 3;
    options.failureRatio = 0.5;
    options.minimumRequests = 10;
    options.window = 50ms;
    options.openTimeout = 1ms;
    options.halfOpenProbes = 2;
    options.probeTimeout = 5ms;
    std::mutex seenMutex;
    std::vector<std::pair<State, State>> seen;
    CircuitBreaker breaker(options, std::make_shared<SystemClock>(), [&](State from, State to) {
        std::lock_guard lock(seenMutex);
        seen.emplace_back(from, to);
    });
    std::atomic<std::uint64_t> reported{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            std::mt19937 random(static_cast<unsigned>(t));
            for (int i = 0; i < 20000; ++i) {
                auto permit = breaker.admit();
                if (!permit) {
                    continue;
                }
                ++reported;
                switch (random() % 4) {
                case 0:
                    permit->failure();
                    break;
                case 1:
                    permit->cancel();
                    break;
                case 2:
                    break; // dropped: a failure
                default:
                    permit->success();
                }
            }
        });
    }
    for (auto &thread : threads) {
        thread.join();
    }
    const auto stats = breaker.stats();
    QCOMPARE(stats.admitted, reported.load());
    QCOMPARE(stats.admitted + stats.rejected, std::uint64_t(8 * 20000));
    // Every permit reported once; expired probes add a failure of their own.
    QCOMPARE(stats.successes + stats.failures + stats.stale + stats.cancelled,
             stats.admitted + stats.expiredProbes);
    QVERIFY(stats.opened > 0);
    std::lock_guard lock(seenMutex);
    QCOMPARE(static_cast<std::uint64_t>(seen.size()), stats.generation);
    for (std::size_t i = 1; i < seen.size(); ++i) {
        QVERIFY2(seen[i].first == seen[i - 1].second, "each change starts where the last ended");
    }
}

QTEST_GUILESS_MAIN(CircuitBreakerTest)
#include "tst_circuit_breaker.moc"
