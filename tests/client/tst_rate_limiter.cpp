// RateLimiter's token bucket, driven by a ManualClock: waits, cancellation, limits changed at run
// time (also while other threads acquire) and the unlimited rate.

#include "client/rate_limiter.h"

#include <QScopeGuard>
#include <QtTest>

#include <atomic>
#include <cmath>
#include <thread>
#include <vector>

using namespace aegis;
using namespace aegis::client;
using namespace std::chrono_literals;

class RateLimiterTest : public QObject {
    Q_OBJECT

private slots:
    void burstThenRate();
    void refillIsCappedAtBurst();
    void acquireRefusesAtOnceWhenTheDeadlineIsTooNear();
    void acquireWaitsForReservedTokens();
    void acquireMoreThanBurstIsRefused();
    void stopEndsAWaitAndGivesTheTokensBack();
    void alreadyStoppedRefusesAtOnce();
    void setLimitKeepsWhatAccrued();
    void setBurstCapsTheBucket();
    void unlimitedGrantsEverything();
    void invalidLimitsAreRefused();
    void limitsChangeWhileOthersAcquire();
};

void RateLimiterTest::burstThenRate() {
    auto clock = std::make_shared<ManualClock>();
    RateLimiter limiter({/*rate=*/10, /*burst=*/5}, clock);
    for (int i = 0; i < 5; ++i) {
        QVERIFY(limiter.tryAcquire());
    }
    QVERIFY(!limiter.tryAcquire());
    clock->advance(99ms);
    QVERIFY(!limiter.tryAcquire());
    clock->advance(1ms); // 100 ms at 10/s: one token
    QVERIFY(limiter.tryAcquire());
    QVERIFY(!limiter.tryAcquire());
    clock->advance(300ms);
    QVERIFY(limiter.tryAcquire(3));
    QVERIFY(!limiter.tryAcquire());
}

void RateLimiterTest::refillIsCappedAtBurst() {
    auto clock = std::make_shared<ManualClock>();
    RateLimiter limiter({/*rate=*/10, /*burst=*/5}, clock);
    QVERIFY(limiter.tryAcquire(5));
    clock->advance(1h);
    QCOMPARE(limiter.available(), 5.0);
    QVERIFY(limiter.tryAcquire(5));
    QVERIFY(!limiter.tryAcquire());
}

void RateLimiterTest::acquireRefusesAtOnceWhenTheDeadlineIsTooNear() {
    auto clock = std::make_shared<ManualClock>();
    RateLimiter limiter({/*rate=*/1, /*burst=*/1}, clock);
    QVERIFY(limiter.acquire(clock->steadyNow()));
    QElapsedTimer timer;
    timer.start();
    QVERIFY(!limiter.acquire(clock->steadyNow() + 500ms)); // the next token is 1 s away
    QVERIFY2(timer.elapsed() < 200, "a refusal does not wait");
    QCOMPARE(limiter.available(), 0.0); // and reserves nothing
}

void RateLimiterTest::acquireWaitsForReservedTokens() {
    auto clock = std::make_shared<ManualClock>();
    RateLimiter limiter({/*rate=*/20, /*burst=*/1}, clock);
    QVERIFY(limiter.tryAcquire());
    QElapsedTimer timer;
    timer.start();
    QVERIFY(limiter.acquire(clock->steadyNow() + 1s)); // due in 50 ms
    QVERIFY(timer.elapsed() >= 40);
    // The reservation is owed: the next caller queues behind it.
    QCOMPARE(limiter.available(), -1.0);
    QVERIFY(!limiter.tryAcquire());
    clock->advance(100ms);
    QVERIFY(limiter.tryAcquire());
}

void RateLimiterTest::acquireMoreThanBurstIsRefused() {
    auto clock = std::make_shared<ManualClock>();
    RateLimiter limiter({/*rate=*/100, /*burst=*/2}, clock);
    QVERIFY(!limiter.acquire(clock->steadyNow() + 1h, 3));
}

void RateLimiterTest::stopEndsAWaitAndGivesTheTokensBack() {
    auto clock = std::make_shared<ManualClock>();
    RateLimiter limiter({/*rate=*/1, /*burst=*/1}, clock);
    QVERIFY(limiter.tryAcquire());
    std::stop_source stop;
    std::atomic<int> result{-1};
    QElapsedTimer timer;
    timer.start();
    std::thread waiter([&] {
        // The token is 1 s away on the clock: the wait takes 1 s unless stopped.
        result = limiter.acquire(clock->steadyNow() + 10s, 1, stop.get_token()) ? 1 : 0;
    });
    auto joinWaiter = qScopeGuard([&] {
        stop.request_stop();
        waiter.join();
    });
    QTRY_COMPARE_WITH_TIMEOUT(limiter.available(), -1.0, 5000); // reserved
    joinWaiter.dismiss();
    stop.request_stop();
    waiter.join();
    QCOMPARE(result.load(), 0);
    QVERIFY2(timer.elapsed() < 900, "the stop ended the wait");
    QCOMPARE(limiter.available(), 0.0); // the reservation was given back
}

void RateLimiterTest::alreadyStoppedRefusesAtOnce() {
    auto clock = std::make_shared<ManualClock>();
    RateLimiter limiter({/*rate=*/10, /*burst=*/5}, clock);
    std::stop_source stop;
    stop.request_stop();
    QVERIFY(!limiter.acquire(clock->steadyNow() + 1s, 1, stop.get_token()));
    QCOMPARE(limiter.available(), 5.0);
}

void RateLimiterTest::setLimitKeepsWhatAccrued() {
    auto clock = std::make_shared<ManualClock>();
    RateLimiter limiter({/*rate=*/10, /*burst=*/5}, clock);
    QVERIFY(limiter.tryAcquire(5));
    clock->advance(100ms); // one token at 10/s
    QVERIFY(limiter.setLimit(100).isOk());
    QCOMPARE(limiter.limit(), 100.0);
    clock->advance(10ms); // one more at 100/s
    QVERIFY(limiter.tryAcquire(2));
    QVERIFY(!limiter.tryAcquire());
    QVERIFY(limiter.setLimit(0).isOk()); // no new tokens at all
    clock->advance(1h);
    QVERIFY(!limiter.tryAcquire());
    QVERIFY(!limiter.acquire(clock->steadyNow() + 1h));
}

void RateLimiterTest::setBurstCapsTheBucket() {
    auto clock = std::make_shared<ManualClock>();
    RateLimiter limiter({/*rate=*/10, /*burst=*/5}, clock);
    QVERIFY(limiter.setBurst(2).isOk());
    QCOMPARE(limiter.available(), 2.0);
    QVERIFY(!limiter.tryAcquire(3));
    QVERIFY(!limiter.acquire(clock->steadyNow() + 1h, 3)); // beyond the new burst
    QVERIFY(limiter.setBurst(10).isOk());
    QCOMPARE(limiter.available(), 2.0); // a larger bucket fills at the rate
    clock->advance(1h);
    QCOMPARE(limiter.available(), 10.0);
    QVERIFY(limiter.tryAcquire(10));
}

void RateLimiterTest::unlimitedGrantsEverything() {
    auto clock = std::make_shared<ManualClock>();
    RateLimiter limiter({RateLimiter::kUnlimited, /*burst=*/1}, clock);
    for (int i = 0; i < 100000; ++i) {
        QVERIFY(limiter.tryAcquire());
    }
    QVERIFY(limiter.acquire(clock->steadyNow(), 1000));
    // Back to a limit: the bucket starts full.
    QVERIFY(limiter.setLimit(1).isOk());
    QVERIFY(limiter.tryAcquire());
    QVERIFY(!limiter.tryAcquire());
    QVERIFY(limiter.setLimit(RateLimiter::kUnlimited).isOk());
    QVERIFY(limiter.tryAcquire(50));
}

void RateLimiterTest::invalidLimitsAreRefused() {
    RateLimiter limiter({/*rate=*/10, /*burst=*/5}, std::make_shared<ManualClock>());
    const Status negative = limiter.setLimit(-1);
    QCOMPARE(negative.code(), StatusCode::InvalidArgument);
    QVERIFY2(negative.message().find("rate") != std::string::npos, negative.message().c_str());
    QCOMPARE(limiter.setLimit(std::nan("")).code(), StatusCode::InvalidArgument);
    QCOMPARE(limiter.setBurst(0.5).code(), StatusCode::InvalidArgument);
    QCOMPARE(limiter.setBurst(RateLimiter::kUnlimited).code(), StatusCode::InvalidArgument);
    QCOMPARE(limiter.limit(), 10.0);
    QCOMPARE(limiter.burst(), 5.0);
}

void RateLimiterTest::limitsChangeWhileOthersAcquire() {
    auto clock = std::make_shared<ManualClock>();
    RateLimiter limiter({/*rate=*/1000, /*burst=*/10}, clock);
    std::atomic<bool> stop{false};
    std::atomic<std::int64_t> granted{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            while (!stop) {
                granted += limiter.tryAcquire() ? 1 : 0;
                granted += limiter.acquire(clock->steadyNow()) ? 1 : 0;
            }
        });
    }
    for (int i = 0; i < 2000; ++i) {
        QVERIFY(limiter.setLimit(i % 2 ? 1000 : 10).isOk());
        QVERIFY(limiter.setBurst(i % 3 ? 10 : 2).isOk());
        clock->advance(1ms);
    }
    stop = true;
    for (auto &thread : threads) {
        thread.join();
    }
    // At most one full bucket plus what 2 s of the faster rate adds.
    QVERIFY2(granted <= 10 + 2000, std::to_string(granted.load()).c_str());
    QVERIFY(limiter.available() <= limiter.burst());
}

QTEST_GUILESS_MAIN(RateLimiterTest)
#include "tst_rate_limiter.moc"
