#pragma once

#include "client/backoff.h"
#include "client/endpoint.h"
#include "client/picker.h"
#include "client/retry_budget.h"
#include "common/status.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace aegis::client {

class Discovery;

struct CallPolicyOptions {
    // Every attempt of a call, retries and hedges included, ends by this long after the call
    // started; the call then answers DEADLINE_EXCEEDED.
    std::chrono::milliseconds deadline{5000};
    // Attempts at most, the first included. More than one only for idempotent calls.
    int maxAttempts = 3;
    // The call may be sent more than once: a read, or a write the server deduplicates. Calls not
    // marked so get exactly one attempt, whatever else is set.
    bool idempotent = false;
    // Codes worth another attempt on another instance; any other code ends the call.
    std::vector<StatusCode> retryOn = {StatusCode::Unavailable, StatusCode::ResourceExhausted};
    // Delays before each retry (exponential, with jitter); not used when hedging.
    BackoffOptions backoff{std::chrono::milliseconds(25), std::chrono::milliseconds(250), 2.0, 0.2};
    // Hedging (for reads): when the latest attempt has not answered after this long, another is
    // sent to another instance, up to maxAttempts in flight; the first answer that is not a
    // retryable failure wins and the others are cancelled. A retryable failure sends the next
    // hedge at once. 0: no hedging (attempts one after another, after failures only).
    std::chrono::milliseconds hedgeDelay{0};
};

// What one attempt of a call is given. The attempt must end promptly once `stop` is requested
// (another attempt won, or the deadline passed): e.g. a std::stop_callback that calls
// grpc::ClientContext::TryCancel(), or shuts the socket down; and give the time left before
// `deadline` to its transport (setTimeout(context, attempt.remaining()), a socket timeout).
struct Attempt {
    const Endpoint &endpoint;
    // 0 for the first attempt.
    int number = 0;
    // Sent while an earlier attempt was still in flight.
    bool hedge = false;
    std::chrono::steady_clock::time_point deadline;
    std::stop_token stop;

    // The time left before the call's deadline, rounded up; 0 once it has passed.
    std::chrono::milliseconds remaining() const {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        return std::max(left, std::chrono::milliseconds(0));
    }
};

// Runs calls to one kind of request (e.g. "reads of payments") with retries on other instances
// within a retry budget, hedging and one deadline over all attempts:
//
//   auto budget = RetryBudget::create().value();              // one per dependency
//   CallPolicy reads(CallPolicy::pickFrom(*discovery), {.idempotent = true}, budget);
//   StatusOr<Order> order = reads.call([&](const Attempt &attempt) -> StatusOr<Order> {
//       grpc::ClientContext context;
//       setTimeout(context, attempt.remaining());          // client/connection.h
//       std::stop_callback cancel(attempt.stop, [&] { context.TryCancel(); });
//       ... stub for attempt.endpoint.address ...
//   });
//
// A retry or hedge goes to an instance the call has not tried while there is one (the picker is
// asked to avoid the tried ones, see Picker::pick). Each retry and hedge takes a token from the
// budget; when it has none the call ends with the last answer. Without hedging the attempts run on
// the calling thread; with it, each attempt runs on a thread of its own and call() returns once all
// have ended. Thread-safe: one CallPolicy serves any number of concurrent calls.
class CallPolicy {
public:
    // Chooses an instance for an attempt, avoiding those in `avoid` while it can (Picker::pick /
    // Discovery::pick).
    using PickFn = std::function<std::optional<Pick>(std::string_view key, AvoidIds avoid)>;
    // Told how every attempt ended (e.g. to feed a CircuitBreaker or Discovery::reportOutcome);
    // called on the attempt's thread.
    using AttemptObserver = std::function<void(const Endpoint &, const Status &)>;

    struct Stats {
        std::uint64_t calls = 0;
        std::uint64_t attempts = 0;
        std::uint64_t retries = 0; // attempts after a failure, hedging off
        std::uint64_t hedges = 0; // attempts sent while another was in flight, or after its failure
        std::uint64_t budgetRefusals = 0;
        std::uint64_t cancelledAttempts = 0; // lost a hedge, or ran past the deadline
        std::uint64_t deadlineExceeded = 0;
    };

    static PickFn pickFrom(Picker &picker);
    static PickFn pickFrom(Discovery &discovery);

    // INVALID_ARGUMENT naming the field for a deadline, attempt count or hedge delay out of
    // range. Without a budget, the policy makes one of its own (RetryBudgetOptions' defaults).
    static StatusOr<std::unique_ptr<CallPolicy>> create(PickFn pick, CallPolicyOptions options,
                                                        RetryBudgetPtr budget = nullptr,
                                                        AttemptObserver observer = {});

    // Runs `fn` (const Attempt & -> Status or StatusOr<T>) under the policy; `key` is the request
    // key for ConsistentHash pickers. Answers the winning attempt's result, the last failure,
    // UNAVAILABLE when no instance can be picked, or DEADLINE_EXCEEDED.
    template <typename Fn>
    auto call(Fn &&fn, std::string_view key = {}) -> std::invoke_result_t<Fn &, const Attempt &> {
        using Result = std::invoke_result_t<Fn &, const Attempt &>;
        if constexpr (std::is_same_v<Result, Status>) {
            return run([&](const Attempt &attempt) { return fn(attempt); }, key).status;
        } else {
            // One slot per attempt: hedged attempts write their own, the winner's is returned.
            std::vector<std::optional<Result>> results(
                static_cast<std::size_t>(m_options.maxAttempts));
            const Outcome outcome = run(
                [&](const Attempt &attempt) {
                    auto &slot = results[static_cast<std::size_t>(attempt.number)];
                    slot.emplace(fn(attempt));
                    return slot->status();
                },
                key);
            if (outcome.winner < 0 || !outcome.status.isOk()) {
                return Result(outcome.status);
            }
            return std::move(*results[static_cast<std::size_t>(outcome.winner)]);
        }
    }

    Stats stats() const;
    const CallPolicyOptions &options() const { return m_options; }
    const RetryBudgetPtr &budget() const { return m_budget; }

private:
    struct Outcome {
        Status status;
        int winner = -1; // the attempt whose answer is the call's
    };
    using AttemptFn = std::function<Status(const Attempt &)>;
    struct Hedging;

    CallPolicy(PickFn pick, CallPolicyOptions options, RetryBudgetPtr budget,
               AttemptObserver observer);
    Outcome run(const AttemptFn &fn, std::string_view key);
    Outcome runInTurn(const AttemptFn &fn, std::string_view key,
                      std::chrono::steady_clock::time_point deadline);
    Outcome runHedged(const AttemptFn &fn, std::string_view key,
                      std::chrono::steady_clock::time_point deadline);
    // An instance the call has not tried yet while there is one.
    std::optional<Pick> pickAnother(std::string_view key, const std::vector<std::string> &tried);
    bool isRetryable(const Status &status) const;
    void observe(const Endpoint &endpoint, const Status &status) const;

    const PickFn m_pick;
    const CallPolicyOptions m_options;
    const RetryBudgetPtr m_budget;
    const AttemptObserver m_observer;
    std::atomic<std::uint64_t> m_calls{0};
    std::atomic<std::uint64_t> m_attempts{0};
    std::atomic<std::uint64_t> m_retries{0};
    std::atomic<std::uint64_t> m_hedges{0};
    std::atomic<std::uint64_t> m_budgetRefusals{0};
    std::atomic<std::uint64_t> m_cancelledAttempts{0};
    std::atomic<std::uint64_t> m_deadlineExceeded{0};
};

using CallPolicyPtr = std::unique_ptr<CallPolicy>;

} // namespace aegis::client
