#include "client/call_policy.h"

#include "client/discovery.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace aegis::client {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Draws per attempt when looking for an instance the call has not tried.
constexpr int kDrawsPerAttempt = 8;
constexpr int kMaxAttempts = 10;

} // namespace

// What the attempts of one hedged call share.
struct CallPolicy::Hedging {
    explicit Hedging(int attempts)
        : stops(static_cast<std::size_t>(attempts)) {}

    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::stop_source> stops; // one per attempt
    int running = 0;
    // Retryable failures not yet answered with a new attempt.
    int unansweredFailures = 0;
    int winner = -1;
    Status result;
    Status lastFailure;
    int lastFailed = -1;
    // The call has ended (deadline): later answers are not taken.
    bool closed = false;
};

CallPolicy::PickFn CallPolicy::pickFrom(Picker &picker) {
    return [&picker](std::string_view key) { return picker.pick(key); };
}

CallPolicy::PickFn CallPolicy::pickFrom(Discovery &discovery) {
    return [&discovery](std::string_view key) { return discovery.pick(key); };
}

StatusOr<std::unique_ptr<CallPolicy>> CallPolicy::create(PickFn pick, CallPolicyOptions options,
                                                         RetryBudgetPtr budget,
                                                         AttemptObserver observer) {
    if (!pick) {
        return invalidArgument("CallPolicy needs a picker (see CallPolicy::pickFrom())");
    }
    if (options.deadline <= std::chrono::milliseconds(0)) {
        return invalidArgument("CallPolicyOptions.deadline must be positive");
    }
    if (options.maxAttempts < 1 || options.maxAttempts > kMaxAttempts) {
        return invalidArgument("CallPolicyOptions.maxAttempts must be within 1.." +
                               std::to_string(kMaxAttempts));
    }
    if (options.hedgeDelay < std::chrono::milliseconds(0)) {
        return invalidArgument("CallPolicyOptions.hedgeDelay must be 0 (no hedging) or positive");
    }
    if (!budget) {
        budget = RetryBudget::create().value();
    }
    return std::unique_ptr<CallPolicy>(new CallPolicy(std::move(pick), std::move(options),
                                                      std::move(budget), std::move(observer)));
}

CallPolicy::CallPolicy(PickFn pick, CallPolicyOptions options, RetryBudgetPtr budget,
                       AttemptObserver observer)
    : m_pick(std::move(pick))
    , m_options(std::move(options))
    , m_budget(std::move(budget))
    , m_observer(std::move(observer)) {}

CallPolicy::Outcome CallPolicy::run(const AttemptFn &fn, std::string_view key) {
    const auto deadline = SteadyClock::now() + m_options.deadline;
    ++m_calls;
    m_budget->recordCall();
    if (m_options.idempotent && m_options.maxAttempts > 1 &&
        m_options.hedgeDelay > std::chrono::milliseconds(0)) {
        return runHedged(fn, key, deadline);
    }
    return runInTurn(fn, key, deadline);
}

CallPolicy::Outcome CallPolicy::runInTurn(const AttemptFn &fn, std::string_view key,
                                          SteadyClock::time_point deadline) {
    const int attempts = m_options.idempotent ? m_options.maxAttempts : 1;
    // Made on the first retry only: a call that succeeds at once allocates nothing.
    std::optional<ExponentialBackoff> backoff;
    std::vector<std::string> tried;
    Outcome last;
    for (int number = 0; number < attempts; ++number) {
        if (number > 0) {
            if (!backoff) {
                backoff.emplace(m_options.backoff);
            }
            const auto delay = backoff->next();
            if (SteadyClock::now() + delay >= deadline) {
                break; // no time left for another attempt: the last answer stands
            }
            if (!m_budget->tryRetry()) {
                ++m_budgetRefusals;
                break;
            }
            std::this_thread::sleep_for(delay);
            ++m_retries;
        }
        auto pick = pickAnother(key, number, tried);
        if (!pick) {
            return number == 0 ? Outcome{unavailable("no instance to call"), -1} : last;
        }
        ++m_attempts;
        const Status status = fn(Attempt{pick->endpoint, number, false, deadline, {}});
        observe(pick->endpoint, status);
        if (status.isOk() || !isRetryable(status)) {
            return {status, number};
        }
        tried.push_back(pick->endpoint.id);
        last = {status, number};
        if (SteadyClock::now() >= deadline) {
            ++m_deadlineExceeded;
            return {Status(StatusCode::DeadlineExceeded,
                           "call deadline of " + std::to_string(m_options.deadline.count()) +
                               "ms passed after " + std::to_string(number + 1) +
                               " attempts; last: " + status.toString()),
                    -1};
        }
    }
    return last;
}

CallPolicy::Outcome CallPolicy::runHedged(const AttemptFn &fn, std::string_view key,
                                          SteadyClock::time_point deadline) {
    const int maxAttempts = m_options.maxAttempts;
    Hedging hedging(maxAttempts);
    std::vector<std::thread> threads;
    threads.reserve(static_cast<std::size_t>(maxAttempts));
    std::vector<std::string> tried;
    int launched = 0;

    // Picks an instance and starts an attempt on it; false when none can be picked.
    const auto launch = [&] {
        auto pick = pickAnother(key, launched, tried);
        if (!pick) {
            return false;
        }
        tried.push_back(pick->endpoint.id);
        const int number = launched++;
        ++m_attempts;
        if (number > 0) {
            ++m_hedges;
        }
        {
            std::lock_guard lock(hedging.mutex);
            ++hedging.running;
        }
        threads.emplace_back([this, &fn, &hedging, number, deadline, chosen = std::move(*pick)] {
            const Status status =
                fn(Attempt{chosen.endpoint, number, number > 0, deadline,
                           hedging.stops[static_cast<std::size_t>(number)].get_token()});
            observe(chosen.endpoint, status);
            std::lock_guard lock(hedging.mutex);
            --hedging.running;
            if (hedging.winner >= 0 || hedging.closed) {
                ++m_cancelledAttempts;
            } else if (status.isOk() || !isRetryable(status)) {
                hedging.winner = number;
                hedging.result = status;
                for (auto &stop : hedging.stops) {
                    stop.request_stop(); // the losers; the winner has ended already
                }
            } else {
                hedging.lastFailure = status;
                hedging.lastFailed = number;
                ++hedging.unansweredFailures;
            }
            hedging.changed.notify_all();
        });
        return true;
    };

    if (!launch()) {
        return {unavailable("no instance to call"), -1};
    }
    bool mayLaunch = true;
    auto nextHedgeAt = SteadyClock::now() + m_options.hedgeDelay;
    std::unique_lock lock(hedging.mutex);
    while (hedging.winner < 0) {
        bool more = mayLaunch && launched < maxAttempts;
        if (!more) {
            hedging.unansweredFailures = 0; // nothing left to answer them with
            if (hedging.running == 0) {
                break;
            }
        }
        hedging.changed.wait_until(lock, more ? std::min(nextHedgeAt, deadline) : deadline, [&] {
            return hedging.winner >= 0 || hedging.running == 0 ||
                   (more && hedging.unansweredFailures > 0);
        });
        if (hedging.winner >= 0) {
            break;
        }
        const auto now = SteadyClock::now();
        if (now >= deadline) {
            break;
        }
        more = mayLaunch && launched < maxAttempts;
        if (more &&
            (now >= nextHedgeAt || hedging.unansweredFailures > 0 || hedging.running == 0)) {
            hedging.unansweredFailures = 0;
            lock.unlock();
            if (!m_budget->tryRetry()) {
                ++m_budgetRefusals;
                mayLaunch = false;
            } else if (!launch()) {
                mayLaunch = false;
            }
            lock.lock();
            nextHedgeAt = SteadyClock::now() + m_options.hedgeDelay;
        }
    }
    hedging.closed = true;
    for (auto &stop : hedging.stops) {
        stop.request_stop();
    }
    lock.unlock();
    for (auto &thread : threads) {
        thread.join();
    }
    if (hedging.winner >= 0) {
        return {hedging.result, hedging.winner};
    }
    if (SteadyClock::now() >= deadline) {
        ++m_deadlineExceeded;
        return {Status(StatusCode::DeadlineExceeded,
                       "call deadline of " + std::to_string(m_options.deadline.count()) +
                           "ms passed after " + std::to_string(launched) + " attempts"),
                -1};
    }
    return {hedging.lastFailure, hedging.lastFailed};
}

std::optional<Pick> CallPolicy::pickAnother(std::string_view key, int attempt,
                                            const std::vector<std::string> &tried) {
    std::optional<Pick> fallback;
    std::string varied;
    for (int draw = 0; draw < kDrawsPerAttempt; ++draw) {
        std::string_view drawKey = key;
        if (attempt > 0 || draw > 0) {
            // Another key, so that a consistent-hash picker offers another instance too.
            varied.assign(key);
            varied += '#';
            varied += std::to_string(attempt * kDrawsPerAttempt + draw);
            drawKey = varied;
        }
        auto pick = m_pick(drawKey);
        if (!pick) {
            break;
        }
        if (std::find(tried.begin(), tried.end(), pick->endpoint.id) == tried.end()) {
            return pick;
        }
        if (!fallback) {
            fallback.emplace(std::move(*pick));
        }
    }
    return fallback;
}

bool CallPolicy::isRetryable(const Status &status) const {
    return std::find(m_options.retryOn.begin(), m_options.retryOn.end(), status.code()) !=
           m_options.retryOn.end();
}

void CallPolicy::observe(const Endpoint &endpoint, const Status &status) const {
    if (m_observer) {
        m_observer(endpoint, status);
    }
}

CallPolicy::Stats CallPolicy::stats() const {
    Stats stats;
    stats.calls = m_calls;
    stats.attempts = m_attempts;
    stats.retries = m_retries;
    stats.hedges = m_hedges;
    stats.budgetRefusals = m_budgetRefusals;
    stats.cancelledAttempts = m_cancelledAttempts;
    stats.deadlineExceeded = m_deadlineExceeded;
    return stats;
}

} // namespace aegis::client
