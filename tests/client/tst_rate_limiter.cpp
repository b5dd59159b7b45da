// RateLimiter's token bucket, driven by a ManualClock.

#include "client/rate_limiter.h"

#include <QtTest>

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

QTEST_GUILESS_MAIN(RateLimiterTest)
#include "tst_rate_limiter.moc"
