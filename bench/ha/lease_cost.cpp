#include "lease_cost.h"

#include "bench_support.h"

#include "etcd/etcd_client.h"
#include "registry/etcd_lease_keeper.h"
#include "registry/memory_lease_keeper.h"

#include <algorithm>
#include <atomic>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace aegis::bench::ha {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Grants leases from `concurrency` threads, each waiting for its grant before the next, for
// `window`; fills the grant columns of `row` and returns the ids granted.
std::vector<registry::LeaseId> measureGrants(registry::LeaseKeeper &keeper, int concurrency,
                                             std::chrono::milliseconds window, LeaseCostRow &row) {
    std::mutex mutex;
    std::vector<registry::LeaseId> granted;
    std::vector<double> latencies;
    const auto started = Clock::now();
    const auto until = started + window;
    std::vector<std::thread> threads;
    for (int i = 0; i < concurrency; ++i) {
        threads.emplace_back([&] {
            while (Clock::now() < until) {
                const auto sent = Clock::now();
                std::promise<StatusOr<registry::LeaseId>> promise;
                keeper.grant(30s, [&promise](StatusOr<registry::LeaseId> id) {
                    promise.set_value(std::move(id));
                });
                const auto id = promise.get_future().get();
                const double ms =
                    std::chrono::duration<double, std::milli>(Clock::now() - sent).count();
                std::lock_guard lock(mutex);
                if (id) {
                    granted.push_back(*id);
                    latencies.push_back(ms);
                }
            }
        });
    }
    for (auto &thread : threads) {
        thread.join();
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    std::sort(latencies.begin(), latencies.end());
    row.grantsPerSecond = static_cast<double>(granted.size()) / seconds;
    row.grantP50Ms = percentile(latencies, 0.5);
    row.grantP99Ms = percentile(latencies, 0.99);
    return granted;
}

} // namespace

std::vector<LeaseCostRow> measureLeaseCost(testing::EtcdCluster &etcd, int concurrency, int leases,
                                           std::chrono::milliseconds window) {
    std::vector<LeaseCostRow> rows;
    {
        LeaseCostRow row;
        row.keeper = "in memory (SQLite backend)";
        registry::MemoryLeaseKeeper keeper(std::make_shared<SystemClock>());
        auto granted = measureGrants(keeper, concurrency, window, row);
        granted.resize(std::min<std::size_t>(granted.size(), static_cast<std::size_t>(leases)));
        std::uint64_t renewed = 0;
        const auto until = Clock::now() + window;
        const auto started = Clock::now();
        while (Clock::now() < until) {
            for (const auto id : granted) {
                renewed += keeper.renew(id) ? 1 : 0;
            }
        }
        row.renewalsPerSecond = static_cast<double>(renewed) /
                                std::chrono::duration<double>(Clock::now() - started).count();
        rows.push_back(row);
    }
    {
        LeaseCostRow row;
        row.keeper = "etcd leases (3 members)";
        etcd::EtcdClientOptions options;
        options.endpoints = etcd.clientAddresses();
        auto client = etcd::EtcdClient::create(options);
        if (!client) {
            throw std::runtime_error("etcd client: " + client.status().toString());
        }
        auto granted = [&] {
            registry::EtcdLeaseKeeper keeper(**client);
            return measureGrants(keeper, concurrency, window, row);
        }();
        granted.resize(std::min<std::size_t>(granted.size(), static_cast<std::size_t>(leases)));
        // Renewals as a replica forwards them: one keep-alive stream, each lease queued again as
        // soon as etcd answered it, counted when etcd answers.
        std::atomic<std::uint64_t> answered{0};
        std::atomic<std::uint64_t> lost{0};
        std::atomic<bool> measuring{false};
        etcd::LeaseKeeper *stream = nullptr;
        auto keepAlive = (*client)->keepAlive({[&](std::int64_t id, std::int64_t ttl) {
                                                   if (measuring) {
                                                       ++(ttl > 0 ? answered : lost);
                                                   }
                                                   stream->renew(id);
                                               },
                                               {}});
        stream = keepAlive.get();
        for (const auto id : granted) {
            stream->renew(id);
        }
        std::this_thread::sleep_for(1s);
        measuring = true;
        const auto started = Clock::now();
        std::this_thread::sleep_for(window);
        measuring = false;
        row.renewalsPerSecond = static_cast<double>(answered.load()) /
                                std::chrono::duration<double>(Clock::now() - started).count();
        row.lost = lost.load();
        keepAlive.reset();
        for (const auto id : granted) {
            (*client)->leaseRevoke(id);
        }
        rows.push_back(row);
    }
    return rows;
}

} // namespace aegis::bench::ha
