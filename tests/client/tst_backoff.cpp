// ExponentialBackoff, the one backoff of every retry loop (the client library's, aegisctl's and
// the console's): grows by its multiplier up to its maximum, starts over after reset(), and
// spreads each delay within its jitter.

#include "client/backoff.h"

#include <QtTest>

using namespace aegis;
using namespace std::chrono_literals;

class BackoffTest : public QObject {
    Q_OBJECT

private slots:
    void growsCapsAndResets() {
        client::BackoffOptions options;
        options.initial = 100ms;
        options.max = 1000ms;
        options.jitter = 0.0;
        client::ExponentialBackoff backoff(options);
        QCOMPARE(backoff.next().count(), 100);
        QCOMPARE(backoff.next().count(), 200);
        QCOMPARE(backoff.next().count(), 400);
        QCOMPARE(backoff.next().count(), 800);
        QCOMPARE(backoff.next().count(), 1000);
        QCOMPARE(backoff.next().count(), 1000);
        backoff.reset();
        QCOMPARE(backoff.next().count(), 100);
    }

    void jitterStaysWithinItsSpread() {
        client::BackoffOptions options;
        options.initial = 1000ms;
        options.max = 1000ms;
        options.jitter = 0.2;
        bool varied = false;
        for (std::uint64_t seed = 1; seed <= 50; ++seed) {
            client::ExponentialBackoff backoff(options, seed);
            const auto delay = backoff.next().count();
            QVERIFY2(delay >= 800 && delay <= 1200, std::to_string(delay).c_str());
            varied = varied || delay != 1000;
        }
        QVERIFY(varied);
    }

    void optionsOutOfRangeAreClamped() {
        client::BackoffOptions options;
        options.initial = 0ms;
        options.max = 0ms;
        options.multiplier = 0.5;
        options.jitter = 0.0;
        client::ExponentialBackoff backoff(options);
        QCOMPARE(backoff.next().count(), 1);
        QCOMPARE(backoff.next().count(), 1);
    }
};

QTEST_GUILESS_MAIN(BackoffTest)
#include "tst_backoff.moc"
