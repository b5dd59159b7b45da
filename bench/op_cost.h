#pragma once

#include "allocation_counter.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

// What one operation costs, measured by running it flat out on threads.
struct OpCost {
    // Wall time over the operations of all threads: with one thread, the cost of one.
    double nanosPerOp = 0;
    // Heap allocations per operation (the threads' own start-up included, negligible over
    // millions); needs allocation_counter.cpp in the executable.
    double allocationsPerOp = 0;
};

// Each of `threads` threads runs `op(i)` for `window`, i counting that thread's operations from 0
// (a template, so that a lambda is inlined into the loop).
template <typename Op>
OpCost measureOps(const Op &op, int threads, std::chrono::milliseconds window) {
    std::atomic<bool> go{false};
    std::atomic<bool> stop{false};
    std::vector<std::uint64_t> ops(static_cast<std::size_t>(threads), 0);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            while (!go.load()) {
                std::this_thread::yield();
            }
            std::uint64_t n = 0;
            while (!stop.load(std::memory_order_relaxed)) {
                for (int i = 0; i < 256; ++i) {
                    op(n + static_cast<std::uint64_t>(i));
                }
                n += 256;
            }
            ops[static_cast<std::size_t>(t)] = n;
        });
    }
    const std::uint64_t allocationsBefore = allocationCount();
    const auto start = std::chrono::steady_clock::now();
    go = true;
    std::this_thread::sleep_for(window);
    stop = true;
    for (auto &worker : workers) {
        worker.join();
    }
    const double elapsed =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    const std::uint64_t allocations = allocationCount() - allocationsBefore;
    std::uint64_t total = 0;
    for (const auto n : ops) {
        total += n;
    }
    return {elapsed / static_cast<double>(total),
            static_cast<double>(allocations) / static_cast<double>(total)};
}
