// aegis-bench-picker: the cost of one pick per strategy at 10 / 100 / 1,000 instances, from one
// thread and from eight, and the heap allocations a pick makes (counted by replacing the global
// operator new of this program). The instances carry a 10 % canary split as aegisd sets it: one
// canary at 1000 units, the others sharing 9000.

#include "client/picker.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <thread>
#include <vector>

namespace {

std::atomic<std::uint64_t> g_allocations{0};

} // namespace

void *operator new(std::size_t size) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void *memory = std::malloc(size == 0 ? 1 : size)) {
        return memory;
    }
    throw std::bad_alloc();
}
void operator delete(void *memory) noexcept {
    std::free(memory);
}
void operator delete(void *memory, std::size_t) noexcept {
    std::free(memory);
}

namespace {

using namespace aegis::client;
using Clock = std::chrono::steady_clock;

std::vector<Endpoint> canarySplit(int count) {
    std::vector<Endpoint> endpoints;
    for (int i = 0; i < count; ++i) {
        Endpoint endpoint;
        endpoint.id = "checkout-" + std::to_string(i);
        endpoint.service = "checkout";
        endpoint.address = "10.0.0." + std::to_string(i % 250) + ":8080";
        endpoint.labels = {{"color", i == 0 ? "green" : "blue"}, {"version", "2.0"}};
        endpoint.weight = i == 0 ? 1000 : (9000 + (count - 1) / 2) / (count - 1);
        endpoints.push_back(std::move(endpoint));
    }
    return endpoints;
}

struct Result {
    // Wall time over picks made by all threads: with one thread, the cost of one pick.
    double nanosPerPick = 0;
    double allocationsPerPick = 0;
};

// Each of `threads` threads picks for `window`, all on the one picker.
Result measure(Picker &picker, int threads, std::chrono::milliseconds window) {
    std::vector<std::string> keys;
    for (int i = 0; i < 1024; ++i) {
        keys.push_back("user-" + std::to_string(i));
    }
    std::atomic<bool> go{false};
    std::atomic<bool> stop{false};
    std::vector<std::uint64_t> picks(static_cast<std::size_t>(threads), 0);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            while (!go.load()) {
                std::this_thread::yield();
            }
            std::uint64_t n = 0;
            while (!stop.load(std::memory_order_relaxed)) {
                for (int i = 0; i < 256; ++i) {
                    const auto pick = picker.pick(keys[(n + static_cast<std::uint64_t>(i)) & 1023]);
                    if (!pick) {
                        std::abort();
                    }
                }
                n += 256;
            }
            picks[static_cast<std::size_t>(t)] = n;
        });
    }
    const std::uint64_t allocationsBefore = g_allocations.load();
    const auto start = Clock::now();
    go = true;
    std::this_thread::sleep_for(window);
    stop = true;
    for (auto &worker : workers) {
        worker.join();
    }
    const double elapsed = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
    const std::uint64_t allocations = g_allocations.load() - allocationsBefore;
    std::uint64_t total = 0;
    for (const auto n : picks) {
        total += n;
    }
    Result result;
    result.nanosPerPick = elapsed / static_cast<double>(total);
    // Less the threads' own start-up (one allocation each at most, negligible over millions).
    result.allocationsPerPick = static_cast<double>(allocations) / static_cast<double>(total);
    return result;
}

} // namespace

int main(int argc, char **argv) {
    const std::chrono::milliseconds window(argc > 1 ? std::atoi(argv[1]) : 500);
    const std::pair<Strategy, const char *> strategies[] = {
        {Strategy::RoundRobin, "RoundRobin"},
        {Strategy::WeightedRoundRobin, "WeightedRoundRobin"},
        {Strategy::Random, "Random"},
        {Strategy::LeastRequest, "LeastRequest"},
        {Strategy::ConsistentHash, "ConsistentHash"},
    };
    std::printf("| strategy | instances | ns per pick, 1 thread | million picks/s, 8 threads | "
                "allocations per pick |\n|---|---:|---:|---:|---:|\n");
    for (const auto &[strategy, name] : strategies) {
        for (const int count : {10, 100, 1000}) {
            auto picker = makePicker(strategy);
            picker->update(canarySplit(count));
            measure(*picker, 1, window / 5); // warm-up
            const Result one = measure(*picker, 1, window);
            const Result eight = measure(*picker, 8, window);
            std::printf("| %s | %d | %.1f | %.2f | %.4f |\n", name, count, one.nanosPerPick,
                        1e3 / eight.nanosPerPick,
                        std::max(one.allocationsPerPick, eight.allocationsPerPick));
            std::fflush(stdout);
        }
    }
    return 0;
}
