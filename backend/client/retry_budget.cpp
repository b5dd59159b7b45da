#include "client/retry_budget.h"

#include <cmath>

namespace aegis::client {

StatusOr<std::shared_ptr<RetryBudget>> RetryBudget::create(RetryBudgetOptions options,
                                                           ClockPtr clock) {
    if (!(options.ratio >= 0) || !std::isfinite(options.ratio)) {
        return invalidArgument("RetryBudgetOptions.ratio must be a finite number >= 0");
    }
    if (!(options.minRetriesPerSecond >= 0) || !std::isfinite(options.minRetriesPerSecond)) {
        return invalidArgument(
            "RetryBudgetOptions.minRetriesPerSecond must be a finite number >= 0");
    }
    if (options.window < std::chrono::milliseconds(1)) {
        return invalidArgument("RetryBudgetOptions.window must be at least 1ms");
    }
    if (options.windowBuckets < 1 || options.windowBuckets > 1000) {
        return invalidArgument("RetryBudgetOptions.windowBuckets must be within 1..1000");
    }
    return std::shared_ptr<RetryBudget>(
        new RetryBudget(options, clock ? std::move(clock) : std::make_shared<SystemClock>()));
}

RetryBudget::RetryBudget(RetryBudgetOptions options, ClockPtr clock)
    : m_options(options)
    , m_clock(std::move(clock))
    , m_floor(options.minRetriesPerSecond * std::chrono::duration<double>(options.window).count())
    , m_window(options.window, options.windowBuckets) {}

void RetryBudget::recordCall() {
    const auto now = m_clock->steadyNow();
    std::lock_guard lock(m_mutex);
    ++m_window.at(now).calls;
    ++m_stats.calls;
}

bool RetryBudget::tryRetry() {
    const auto now = m_clock->steadyNow();
    std::lock_guard lock(m_mutex);
    const Counts recent = m_window.sum(now);
    const double allowed = m_options.ratio * static_cast<double>(recent.calls) + m_floor;
    if (static_cast<double>(recent.retries + 1) > allowed) {
        ++m_stats.refused;
        return false;
    }
    ++m_window.at(now).retries;
    ++m_stats.retries;
    return true;
}

RetryBudget::Stats RetryBudget::stats() const {
    std::lock_guard lock(m_mutex);
    return m_stats;
}

} // namespace aegis::client
