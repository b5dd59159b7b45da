// CircuitBreaker's state machine, driven by a ManualClock.

#include "client/circuit_breaker.h"

#include <QtTest>

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
        QVERIFY(breaker.allow());
        breaker.onSuccess();
    }
    for (int i = 0; i < failures; ++i) {
        QVERIFY(breaker.allow());
        breaker.onFailure();
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
};

void CircuitBreakerTest::tripsOnConsecutiveFailures() {
    auto clock = std::make_shared<ManualClock>();
    CircuitBreaker breaker(consecutiveOnly(3), clock);
    outcomes(breaker, 0, 2);
    QCOMPARE(breaker.state(), State::Closed);
    outcomes(breaker, 0, 1);
    QCOMPARE(breaker.state(), State::Open);
    QVERIFY(!breaker.allow());
    clock->advance(9999ms);
    QVERIFY(!breaker.allow());
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
    QVERIFY(breaker.allow());
    QVERIFY(breaker.allow());
    QVERIFY2(!breaker.allow(), "only two probes while half-open");
    breaker.onSuccess();
    QCOMPARE(breaker.state(), State::HalfOpen);
    breaker.onSuccess();
    QCOMPARE(breaker.state(), State::Closed);
    QVERIFY(breaker.allow());
}

void CircuitBreakerTest::halfOpenFailureReopens() {
    auto clock = std::make_shared<ManualClock>();
    CircuitBreaker breaker(consecutiveOnly(1), clock);
    outcomes(breaker, 0, 1);
    clock->advance(10s);
    QVERIFY(breaker.allow());
    breaker.onFailure();
    QCOMPARE(breaker.state(), State::Open);
    clock->advance(5s);
    QVERIFY2(!breaker.allow(), "the open timeout starts again");
    clock->advance(5s);
    QVERIFY(breaker.allow());
}

void CircuitBreakerTest::outcomesWhileOpenAreIgnored() {
    auto clock = std::make_shared<ManualClock>();
    CircuitBreaker breaker(consecutiveOnly(2), clock);
    QVERIFY(breaker.allow()); // a slow request, admitted while closed
    outcomes(breaker, 0, 2);
    QCOMPARE(breaker.state(), State::Open);
    breaker.onSuccess(); // the slow one finally succeeds: no effect on an open breaker
    QCOMPARE(breaker.state(), State::Open);
}

QTEST_GUILESS_MAIN(CircuitBreakerTest)
#include "tst_circuit_breaker.moc"
