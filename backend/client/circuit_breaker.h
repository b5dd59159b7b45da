#pragma once

#include "client/rolling_window.h"
#include "common/clock.h"
#include "common/status.h"

#include <chrono>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace aegis::client {

// Whether a call that ended with `code` says the dependency is in trouble: UNAVAILABLE,
// DEADLINE_EXCEEDED, INTERNAL, UNKNOWN, RESOURCE_EXHAUSTED, DATA_LOSS. A refusal about the request
// itself (INVALID_ARGUMENT, NOT_FOUND, PERMISSION_DENIED, ...) means the dependency answered: a
// success for the breaker, as a 4xx is for OutcomeReporter.
bool isDependencyFailure(StatusCode code);

struct CircuitBreakerOptions {
    // Trips after this many failures in a row; 0 disables the rule.
    int consecutiveFailures = 5;
    // Trips when failures / requests over the rolling window reach this ratio, once the window
    // holds at least `minimumRequests`; 0 disables the rule.
    double failureRatio = 0.5;
    int minimumRequests = 20;
    std::chrono::milliseconds window{10000};
    // The window rolls in this many buckets: older outcomes leave it one bucket at a time.
    int windowBuckets = 10;
    // How long the breaker stays open before it lets probes through (half-open).
    std::chrono::milliseconds openTimeout{30000};
    // Requests admitted while half-open; when all of them succeed the breaker closes, and the
    // first failure opens it again.
    int halfOpenProbes = 1;
    // A half-open probe whose outcome has not arrived after this long counts as failed (the
    // breaker opens again), so a probe that is never reported cannot keep the breaker half-open.
    // 0: probes never expire.
    std::chrono::milliseconds probeTimeout{10000};
};

// Stops calls to a dependency that keeps failing, so it can recover and callers fail fast.
// Closed: everything passes, outcomes are counted. Open: nothing passes until `openTimeout` has
// passed. Half-open: up to `halfOpenProbes` requests pass to probe the dependency.
//
// Generations, as in gobreaker: every state change starts a new generation, and a request's
// outcome counts only in the generation that admitted it. A request admitted while closed that
// ends after the breaker opened (or after it closed again) changes nothing, so a late success
// can never close a half-open breaker that no probe has tested. The closed state's window rolls
// bucket by bucket rather than being reset, so it has no reset to start a generation at.
//
// Usage, simplest first:
//   Status status = breaker.call([&] { return sendRequest(); });   // see call()
//   if (auto permit = breaker.admit()) { ...; permit->success(); } else { fail fast; }
// A Permit reports exactly one outcome: success(), failure(), report(), or cancel() when the
// request was never made. A permit destroyed without one counts as a failure (the request
// ended by an exception or an early return), and a probe permit expires after `probeTimeout`.
//
// Thread-safe. Time comes from the Clock, so tests drive it with a ManualClock. The breaker must
// outlive its permits.
class CircuitBreaker {
public:
    enum class State { Closed, Open, HalfOpen };
    // Called on every state change, in the order of the changes, one at a time and never under
    // the breaker's lock (it may call the breaker). It runs on a thread that made or saw a change:
    // open becomes half-open when someone looks after `openTimeout` (admit(), state(), stats()).
    using StateListener = std::function<void(State from, State to)>;

    // Counters since construction, and the state now.
    struct Stats {
        State state = State::Closed;
        // Starts at 0; +1 on every state change.
        std::uint64_t generation = 0;
        std::uint64_t admitted = 0;
        // Refused by admit() (open, or half-open with every probe out).
        std::uint64_t rejected = 0;
        // Outcomes counted by the generation that admitted them.
        std::uint64_t successes = 0;
        std::uint64_t failures = 0;
        // Outcomes of an earlier generation, ignored.
        std::uint64_t stale = 0;
        // Permits cancelled (request never made), and probes that expired unreported.
        std::uint64_t cancelled = 0;
        std::uint64_t expiredProbes = 0;
        // Times the breaker opened.
        std::uint64_t opened = 0;
    };

    // The right to make one request, and the duty to report how it went. Move-only.
    class [[nodiscard]] Permit {
    public:
        Permit(Permit &&other) noexcept
            : m_breaker(std::exchange(other.m_breaker, nullptr))
            , m_generation(other.m_generation)
            , m_probe(other.m_probe) {}
        Permit &operator=(Permit &&other) noexcept;
        Permit(const Permit &) = delete;
        Permit &operator=(const Permit &) = delete;
        // Reports a failure if no outcome was reported.
        ~Permit();

        void success() { finish(Outcome::Success); }
        void failure() { finish(Outcome::Failure); }
        void report(bool succeeded) { finish(succeeded ? Outcome::Success : Outcome::Failure); }
        // The request was not made (or its answer is of no interest, e.g. a hedge that lost):
        // frees a half-open probe slot without counting an outcome.
        void cancel() { finish(Outcome::Cancelled); }

        // The generation that admitted the request.
        std::uint64_t generation() const { return m_generation; }
        // Whether it is a half-open probe.
        bool isProbe() const { return m_probe != 0; }

    private:
        friend class CircuitBreaker;
        enum class Outcome { Success, Failure, Cancelled };
        Permit(CircuitBreaker *breaker, std::uint64_t generation, std::uint64_t probe)
            : m_breaker(breaker)
            , m_generation(generation)
            , m_probe(probe) {}
        void finish(Outcome outcome);

        CircuitBreaker *m_breaker; // Not owned; null once reported.
        std::uint64_t m_generation;
        std::uint64_t m_probe; // 0: not a probe
    };

    explicit CircuitBreaker(CircuitBreakerOptions options = {},
                            ClockPtr clock = std::make_shared<SystemClock>(),
                            StateListener onStateChange = {});
    CircuitBreaker(const CircuitBreaker &) = delete;
    CircuitBreaker &operator=(const CircuitBreaker &) = delete;

    // A permit when a request may go ahead now; nullopt (counted as rejected) when not.
    [[nodiscard]] std::optional<Permit> admit();

    // Runs `fn` when admitted and reports its outcome; without a permit, returns UNAVAILABLE
    // "circuit breaker open" and does not call it. `fn` returns Status or StatusOr<T>: failed
    // when isDependencyFailure(code). An exception thrown by `fn` counts as a failure and
    // propagates.
    template <typename Fn>
    auto call(Fn &&fn) -> std::invoke_result_t<Fn> {
        return call(std::forward<Fn>(fn), [](const auto &result) {
            if constexpr (std::is_same_v<std::decay_t<decltype(result)>, Status>) {
                return !isDependencyFailure(result.code());
            } else {
                return !isDependencyFailure(result.status().code());
            }
        });
    }
    // The same for any result: `succeeded(result)` says how it went. `fn`'s result must be
    // constructible from a Status (Status, StatusOr<T>, or a type of the caller's).
    template <typename Fn, typename Judge>
    auto call(Fn &&fn, Judge &&succeeded) -> std::invoke_result_t<Fn> {
        using Result = std::invoke_result_t<Fn>;
        auto permit = admit();
        if (!permit) {
            return Result(unavailable("circuit breaker open"));
        }
        Result result = std::forward<Fn>(fn)(); // an exception: the permit reports a failure
        permit->report(succeeded(std::as_const(result)));
        return result;
    }

    State state() const;
    Stats stats() const;

private:
    struct Outcomes {
        std::int64_t successes = 0;
        std::int64_t failures = 0;
        Outcomes &operator+=(const Outcomes &other) {
            successes += other.successes;
            failures += other.failures;
            return *this;
        }
    };
    struct Probe {
        std::uint64_t id = 0;
        std::chrono::steady_clock::time_point admittedAt;
    };
    using Transition = std::pair<State, State>;

    void finish(const Permit &permit, Permit::Outcome outcome);
    void updateLocked(std::chrono::steady_clock::time_point now) const;
    void recordLocked(bool success, std::chrono::steady_clock::time_point now);
    void transitionLocked(State to, std::chrono::steady_clock::time_point now) const;
    // Delivers the queued transitions to the listener, unless another thread is doing so.
    void notify() const;

    const CircuitBreakerOptions m_options;
    const ClockPtr m_clock;
    const StateListener m_onStateChange;

    mutable std::mutex m_mutex;
    // Open becomes half-open (and a probe expires) lazily, when someone looks: hence mutable.
    mutable State m_state = State::Closed;
    mutable std::chrono::steady_clock::time_point m_openedAt;
    mutable int m_consecutiveFailures = 0;
    mutable RollingWindow<Outcomes> m_window;
    mutable std::vector<Probe> m_probes; // outstanding half-open probes
    mutable int m_probesAdmitted = 0;
    mutable int m_probesSucceeded = 0;
    std::uint64_t m_nextProbeId = 1;
    mutable Stats m_stats;
    mutable std::deque<Transition> m_pendingTransitions;
    mutable bool m_notifying = false;
};

const char *toString(CircuitBreaker::State state);

} // namespace aegis::client
