// aegis-bench-breaker: what the circuit breaker, the rate limiter and the call policy add to each
// call, from one thread and from eight on one shared object, and the heap allocations they make
// (counted by replacing the global operator new of this program). No daemon and no network: the
// "call" is an empty function, so the numbers are the library's own overhead.

#include "client/call_policy.h"
#include "client/circuit_breaker.h"
#include "client/picker.h"
#include "client/rate_limiter.h"
#include "client/retry_budget.h"

#include "op_cost.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace {

using namespace aegis;
using namespace aegis::client;

void row(const char *name, const std::function<void()> &op, std::chrono::milliseconds window) {
    const auto each = [&op](std::uint64_t) { op(); };
    measureOps(each, 1, window / 5); // warm-up
    const OpCost one = measureOps(each, 1, window);
    const OpCost eight = measureOps(each, 8, window);
    std::printf("| %s | %.1f | %.2f | %.4f |\n", name, one.nanosPerOp, 1e3 / eight.nanosPerOp,
                std::max(one.allocationsPerOp, eight.allocationsPerOp));
    std::fflush(stdout);
}

// A breaker that stays closed: nothing it sees ever fails.
CircuitBreakerOptions closedBreaker() {
    CircuitBreakerOptions options;
    options.consecutiveFailures = 0;
    options.failureRatio = 0;
    return options;
}

} // namespace

int main(int argc, char **argv) {
    const std::chrono::milliseconds window(argc > 1 ? std::atoi(argv[1]) : 500);
    std::printf("| operation | ns per call, 1 thread | million calls/s, 8 threads | "
                "allocations per call |\n|---|---:|---:|---:|\n");

    CircuitBreaker closed(closedBreaker());
    row(
        "CircuitBreaker: admit + success (closed)", [&] { closed.admit()->success(); }, window);
    row(
        "CircuitBreaker: call(fn) (closed)",
        [&] { (void)closed.call([] { return Status::ok(); }); }, window);
    CircuitBreaker withListener(closedBreaker(), std::make_shared<SystemClock>(),
                                [](CircuitBreaker::State, CircuitBreaker::State) {});
    row(
        "CircuitBreaker: admit + success, with a state listener",
        [&] { withListener.admit()->success(); }, window);
    CircuitBreakerOptions tripsAtOnce;
    tripsAtOnce.consecutiveFailures = 1;
    tripsAtOnce.openTimeout = std::chrono::hours(1);
    CircuitBreaker open(tripsAtOnce);
    open.admit()->failure();
    row(
        "CircuitBreaker: admit refused (open)", [&] { (void)open.admit(); }, window);

    RateLimiter plenty({1e12, 1e12});
    row(
        "RateLimiter: tryAcquire, granted", [&] { (void)plenty.tryAcquire(); }, window);
    RateLimiter empty({1e-9, 1});
    (void)empty.tryAcquire();
    row(
        "RateLimiter: tryAcquire, refused", [&] { (void)empty.tryAcquire(); }, window);
    RateLimiter unlimited({RateLimiter::kUnlimited, 1});
    row(
        "RateLimiter: tryAcquire, unlimited", [&] { (void)unlimited.tryAcquire(); }, window);
    row(
        "RateLimiter: acquire(deadline), granted at once",
        [&] { (void)plenty.acquire(std::chrono::steady_clock::now()); }, window);

    auto budget = RetryBudget::create().value();
    row(
        "RetryBudget: recordCall", [&] { budget->recordCall(); }, window);

    auto picker = makePicker(Strategy::RoundRobin);
    std::vector<Endpoint> endpoints(10);
    for (std::size_t i = 0; i < endpoints.size(); ++i) {
        endpoints[i].id = "checkout-" + std::to_string(i);
        endpoints[i].address = "10.0.0." + std::to_string(i) + ":8080";
    }
    picker->update(endpoints);
    CallPolicyOptions reads;
    reads.idempotent = true;
    auto policy = CallPolicy::create(CallPolicy::pickFrom(*picker), reads, budget).value();
    row(
        "CallPolicy: call, one attempt (pick included)",
        [&] { (void)policy->call([](const Attempt &) { return Status::ok(); }); }, window);
    return 0;
}
