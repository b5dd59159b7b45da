#pragma once

#include "client/rolling_window.h"
#include "common/clock.h"
#include "common/status.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>

namespace aegis::client {

struct RetryBudgetOptions {
    // Retries and hedges may add at most this share of the calls made over `window`: 0.2 lets
    // them add 20 % to the load.
    double ratio = 0.2;
    // ...and at least this many per second of the window, so a caller with little traffic can
    // still retry its few failures.
    double minRetriesPerSecond = 10;
    std::chrono::milliseconds window{10000};
    // The window rolls in this many buckets.
    int windowBuckets = 10;
};

// Bounds the extra load retries put on a dependency, as Finagle's and Envoy's retry budgets do:
// over the rolling `window`, retries may number at most `ratio` x calls + `minRetriesPerSecond` x
// the window's seconds. When every call fails, retries stop at that share instead of multiplying
// the load by the number of attempts. One budget per dependency, shared by every CallPolicy that
// calls it. Thread-safe; time comes from the Clock.
class RetryBudget {
public:
    struct Stats {
        std::uint64_t calls = 0;   // first attempts
        std::uint64_t retries = 0; // extra attempts granted (retries and hedges)
        std::uint64_t refused = 0; // extra attempts refused
    };

    // INVALID_ARGUMENT naming the field for a negative ratio or floor, or a window under 1 ms.
    static StatusOr<std::shared_ptr<RetryBudget>>
    create(RetryBudgetOptions options = {}, ClockPtr clock = std::make_shared<SystemClock>());

    // A call's first attempt was made.
    void recordCall();
    // Whether one more attempt fits in the budget; it is counted when it does.
    bool tryRetry();
    Stats stats() const;

private:
    struct Counts {
        std::int64_t calls = 0;
        std::int64_t retries = 0;
        Counts &operator+=(const Counts &other) {
            calls += other.calls;
            retries += other.retries;
            return *this;
        }
    };

    RetryBudget(RetryBudgetOptions options, ClockPtr clock);

    const RetryBudgetOptions m_options;
    const ClockPtr m_clock;
    // The floor's retries over one window.
    const double m_floor;
    mutable std::mutex m_mutex;
    RollingWindow<Counts> m_window;
    Stats m_stats;
};

using RetryBudgetPtr = std::shared_ptr<RetryBudget>;

} // namespace aegis::client
