// aegis-bench-picker: the cost of one pick per strategy at 10 / 100 / 1,000 instances, from one
// thread and from eight, and the heap allocations a pick makes (counted by replacing the global
// operator new of this program). The instances carry a 10 % canary split as aegisd sets it: one
// canary at 1000 units, the others sharing 9000. Then the same with zones and slow start
// configured, and unary calls through gRPC's own round_robin against the SDK's picker.
//
//   aegis-bench-picker [window-ms] [picker|grpc]

#include "client/picker.h"
#include "op_cost.h"
#include "picker/grpc_comparison.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using namespace aegis::client;

// `count` instances in three zones, zone-0 first: the caller's.
std::vector<Endpoint> inZones(std::vector<Endpoint> endpoints) {
    for (std::size_t i = 0; i < endpoints.size(); ++i) {
        endpoints[i].labels[std::string(kZoneLabel)] = "zone-" + std::to_string(i % 3);
    }
    return endpoints;
}

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

// Each of `threads` threads picks for `window`, all on the one picker.
OpCost measure(Picker &picker, int threads, std::chrono::milliseconds window) {
    std::vector<std::string> keys;
    for (int i = 0; i < 1024; ++i) {
        keys.push_back("user-" + std::to_string(i));
    }
    return measureOps(
        [&](std::uint64_t i) {
            if (!picker.pick(keys[i & 1023])) {
                std::abort();
            }
        },
        threads, window);
}

constexpr std::pair<Strategy, const char *> kStrategies[] = {
    {Strategy::RoundRobin, "RoundRobin"},
    {Strategy::WeightedRoundRobin, "WeightedRoundRobin"},
    {Strategy::Random, "Random"},
    {Strategy::LeastRequest, "LeastRequest"},
    {Strategy::ConsistentHash, "ConsistentHash"},
};

void printRow(const char *name, const char *variant, int count, Picker &picker,
              std::chrono::milliseconds window) {
    measure(picker, 1, window / 5); // warm-up
    const OpCost one = measure(picker, 1, window);
    const OpCost eight = measure(picker, 8, window);
    std::printf("| %s%s | %d | %.1f | %.2f | %.4f |\n", name, variant, count, one.nanosPerOp,
                1e3 / eight.nanosPerOp, std::max(one.allocationsPerOp, eight.allocationsPerOp));
    std::fflush(stdout);
}

void benchmarkPickers(std::chrono::milliseconds window) {
    std::printf("| strategy | instances | ns per pick, 1 thread | million picks/s, 8 threads | "
                "allocations per pick |\n|---|---:|---:|---:|---:|\n");
    for (const auto &[strategy, name] : kStrategies) {
        for (const int count : {10, 100, 1000}) {
            auto picker = makePicker(strategy);
            picker->update(canarySplit(count));
            printRow(name, "", count, *picker, window);
        }
    }
    // Zones and slow start: 1,000 instances in three zones, the caller in zone-0 (which keeps
    // every request), a 30 s slow-start window that nobody is in; then one newcomer ramping
    // through a 2 s window, so picks read the clock and recompute the weights every 100 ms.
    std::printf("\n| strategy, options | instances | ns per pick, 1 thread | million picks/s, 8 "
                "threads | allocations per pick |\n|---|---:|---:|---:|---:|\n");
    for (const auto &[strategy, name] : kStrategies) {
        PickerOptions options;
        options.zones.localZone = "zone-0";
        options.slowStart.window = std::chrono::seconds(30);
        auto steady = makePicker(strategy, options);
        auto all = inZones(canarySplit(1000));
        steady->update(all);
        printRow(name, ", zones + slow start (none ramping)", 1000, *steady, window);

        options.slowStart.window = std::chrono::seconds(2);
        auto ramping = makePicker(strategy, options);
        const Endpoint newcomer = all.back();
        all.pop_back();
        ramping->update(all);
        all.push_back(newcomer);
        ramping->update(all);
        printRow(name, ", zones + one newcomer ramping", 1000, *ramping, window);
    }
}

} // namespace

int main(int argc, char **argv) {
    const std::chrono::milliseconds window(argc > 1 ? std::atoi(argv[1]) : 500);
    const std::string only = argc > 2 ? argv[2] : "";
    if (only.empty() || only == "picker") {
        benchmarkPickers(window);
    }
    if (only.empty() || only == "grpc") {
        std::printf("\n");
        // 32 calls outstanding; the warm-up also lets round_robin connect every subchannel.
        aegis::bench::compareWithGrpcRoundRobin(
            {10, 100, 1000}, 32, std::chrono::seconds(1),
            std::max(window * 5, std::chrono::milliseconds(2000)));
    }
    return 0;
}
