#include "closed_loop_load.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace aegis::bench {
namespace {

enum class Phase { WarmUp, Measuring, Draining };

struct Slot {
    std::chrono::steady_clock::time_point started;
    std::vector<std::uint32_t> latenciesUs;
    std::uint64_t failed = 0;
    std::string firstError;
};

double percentileMs(std::vector<std::uint32_t> &sorted, double fraction) {
    if (sorted.empty()) {
        return 0;
    }
    const auto index = static_cast<std::size_t>(fraction * static_cast<double>(sorted.size() - 1));
    return sorted[index] / 1000.0;
}

} // namespace

LoadResult runClosedLoop(int concurrency, const CallStarter &start,
                         std::chrono::milliseconds warmup, std::chrono::milliseconds window,
                         const std::function<void(bool starting)> &onWindow) {
    std::vector<Slot> slots(static_cast<std::size_t>(concurrency));
    std::atomic<Phase> phase{Phase::WarmUp};
    std::atomic<int> outstanding{concurrency};
    std::mutex drainedMutex;
    std::condition_variable drained;

    std::function<void(int)> issue = [&](int index) {
        slots[static_cast<std::size_t>(index)].started = std::chrono::steady_clock::now();
        start(index, [&, index](const grpc::Status &status) {
            const auto finished = std::chrono::steady_clock::now();
            auto &slot = slots[static_cast<std::size_t>(index)];
            const Phase now = phase.load(std::memory_order_acquire);
            if (now == Phase::Measuring) {
                if (status.ok()) {
                    slot.latenciesUs.push_back(static_cast<std::uint32_t>(
                        std::chrono::duration_cast<std::chrono::microseconds>(finished -
                                                                              slot.started)
                            .count()));
                } else if (slot.failed++ == 0) {
                    slot.firstError =
                        std::to_string(status.error_code()) + ": " + status.error_message();
                }
            }
            if (now == Phase::Draining) {
                // Under the lock, so the waiter cannot return (and destroy the mutex) between
                // the count reaching zero and the notification.
                std::lock_guard lock(drainedMutex);
                if (--outstanding == 0) {
                    drained.notify_all();
                }
                return;
            }
            issue(index);
        });
    };

    for (int index = 0; index < concurrency; ++index) {
        issue(index);
    }
    std::this_thread::sleep_for(warmup);
    if (onWindow) {
        onWindow(true);
    }
    const auto windowStart = std::chrono::steady_clock::now();
    phase.store(Phase::Measuring, std::memory_order_release);
    std::this_thread::sleep_for(window);
    phase.store(Phase::Draining, std::memory_order_release);
    const auto windowEnd = std::chrono::steady_clock::now();
    if (onWindow) {
        onWindow(false);
    }
    {
        std::unique_lock lock(drainedMutex);
        drained.wait(lock, [&] { return outstanding.load() == 0; });
    }

    LoadResult result;
    result.concurrency = concurrency;
    result.window = windowEnd - windowStart;
    std::vector<std::uint32_t> latencies;
    for (auto &slot : slots) {
        latencies.insert(latencies.end(), slot.latenciesUs.begin(), slot.latenciesUs.end());
        result.failed += slot.failed;
        if (result.firstError.empty()) {
            result.firstError = slot.firstError;
        }
    }
    result.succeeded = latencies.size();
    std::sort(latencies.begin(), latencies.end());
    result.p50Ms = percentileMs(latencies, 0.50);
    result.p99Ms = percentileMs(latencies, 0.99);
    return result;
}

} // namespace aegis::bench
