// aegis-bench-config: the configuration center under load, on one aegisd.
//   delivery     N clients watch one key, each naming its own instance: one WatchConfig stream
//                each, then as watches on M WatchService streams, then etcd's Watch (one stream
//                each) of a key prefix for comparison; each of R changes (with gray resolution,
//                alternately a gray release to half of the instances and its promotion to all)
//                is timed from the start of its call to its arrival at every watcher that should
//                hear of it (p50 / p99 / max over all deliveries), with aegisd's own
//                commit-to-write figure, CPU per delivery and memory per watcher;
//   publishes/s  durable PublishConfig calls (each a new version, fsync'd with its audit record)
//                with 64 outstanding;
//   reads/s      GetConfigItem with 64 outstanding.
// Markdown tables go to stdout, progress to stderr. See bench/RESULTS.md, "Configuration".

#include "bench_support.h"
#include "config_load.h"
#include "daemon_process.h"
#include "etcd_cluster.h"
#include "etcd_target.h"

#include <boost/program_options.hpp>

#include <iostream>
#include <memory>
#include <stdexcept>
#include <sys/resource.h>
#include <thread>

namespace po = boost::program_options;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace aegis::bench::config {
namespace {

void progress(const std::string &line) {
    std::cerr << "[config] " << line << std::endl;
}

// A fresh aegisd for each measure, so one's state does not weigh on the next.
std::unique_ptr<testing::DaemonProcess> startDaemon() {
    auto daemon = testing::DaemonProcess::start({{}, {}, {"--log-level", "warn"}, {}, 20s});
    if (!daemon) {
        throw std::runtime_error("aegisd did not start: " + daemon.status().message());
    }
    return std::move(*daemon);
}

Endpoint endpointOf(const testing::DaemonProcess &daemon) {
    return {daemon.grpcAddress(), daemon.adminToken(), {daemon.pid()}, daemon.httpAddress()};
}

struct DeliverySettings {
    FanoutOptions fanout;
    int muxStreams = 100;
    bool gray = true;
    std::string etcdBinary = "etcd";
};

// One row on a fresh aegisd: a WatchConfig stream per watcher, or (muxStreams > 0) watches on
// WatchService streams.
WatchResult aegisRow(int watchers, const DeliverySettings &settings, int muxStreams) {
    auto daemon = startDaemon();
    const std::string name =
        muxStreams > 0 ? "Aegis (WatchService, " + std::to_string(muxStreams) + " streams)"
                       : "Aegis (a stream per watcher)";
    progress("delivery: " + name + ", " + std::to_string(watchers) + " watchers");
    ConfigTarget target(name, endpointOf(*daemon), {muxStreams, settings.gray});
    auto result = measureFanout(target, watchers, settings.fanout);
    if (result.opened < watchers) {
        throw std::runtime_error("not every watcher received its snapshot within 120 s");
    }
    daemon->terminate();
    return result;
}

// etcd's fan-out of the same size: a Put under a key prefix, one Watch stream per watcher of
// that prefix (the discovery benchmark's etcd target); etcd has no gray release, so every watcher
// hears of every change.
WatchResult etcdRow(int watchers, const DeliverySettings &settings) {
    progress("delivery: etcd, " + std::to_string(watchers) + " watchers");
    discovery::EtcdTarget target(settings.etcdBinary);
    auto result = measureFanout(target, watchers, settings.fanout);
    result.system = "etcd (Put, a Watch stream per watcher)";
    return result;
}

void printDelivery(const std::vector<WatchResult> &rows, const DeliverySettings &settings) {
    const auto &f = settings.fanout;
    std::cout << "### Change to delivery (" << f.changes << " changes per row"
              << (settings.gray ? ", alternately a gray release to half of the instances and "
                                  "its promotion to all"
                                : ", each a publish")
              << "; watchers on " << f.watchChannels << " connections, the changes on one more)\n\n"
              << "Latency is measured in the benchmark's client, from the start of the change's "
                 "call to each watcher's read (\"after the ack\": from the call's return); "
                 "\"server\" is aegisd's own figure, commit to each stream's write completing "
                 "(bucket bounds of aegis_watch_delivery_seconds; etcd has none). CPU is over "
                 "the changes, per delivered event; memory is the server's RSS growth from "
                 "opening the watchers, per watcher.\n\n"
              << "| system | watchers | delivered | p50 ms | p99 ms | max ms | after the ack "
                 "p50 / p99 ms | the call p50 / max ms | server p50 / p99 ms | server CPU "
                 "(cores) | server CPU µs / event | bench CPU µs / event | server KiB per "
                 "watcher | opened in s | error |\n"
              << "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n";
    for (const auto &row : rows) {
        const std::string server =
            row.serverP99Ms < 0 ? "–"
                                : fixed(row.serverP50Ms, 0) + " / " + fixed(row.serverP99Ms, 0);
        std::cout << "| " << row.system << " | " << row.watchers << " | " << row.notified << " / "
                  << row.expected << " | " << fixed(row.p50Ms, 1) << " | " << fixed(row.p99Ms, 1)
                  << " | " << fixed(row.maxMs, 1) << " | " << fixed(row.afterAckP50Ms, 1) << " / "
                  << fixed(row.afterAckP99Ms, 1) << " | " << fixed(row.callP50Ms, 1) << " / "
                  << fixed(row.callMaxMs, 1) << " | " << server << " | "
                  << fixed(row.serverCores, 2) << " | " << fixed(row.serverCpuUsPerEvent, 1)
                  << " | " << fixed(row.benchCpuUsPerEvent, 1) << " | "
                  << fixed(row.kibPerWatcher(), 1) << " | " << fixed(row.openSeconds, 1) << " | "
                  << row.firstError << " |\n";
    }
    std::cout << "\n";
}

struct ThroughputRow {
    std::string workload;
    ThroughputResult result;
};

std::vector<ThroughputRow> throughputRows(milliseconds window) {
    auto daemon = startDaemon();
    constexpr int kConcurrency = 64;
    std::vector<ThroughputRow> rows;
    progress("throughput: durable publishes");
    rows.push_back({"PublishConfig (durable, audited, new version)",
                    measurePublishes(endpointOf(*daemon), kConcurrency, 2s, window)});
    progress("throughput: reads");
    rows.push_back({"GetConfigItem (from memory)",
                    measureReads(endpointOf(*daemon), kConcurrency, 2s, window)});
    daemon->terminate();
    return rows;
}

} // namespace
} // namespace aegis::bench::config

int main(int argc, char **argv) {
    using namespace aegis::bench;
    std::string counts = "1000,10000";
    config::DeliverySettings delivery;
    delivery.fanout.watchChannels = 16;
    delivery.fanout.deliveryTimeout = 30s;
    delivery.fanout.pause = 200ms; // let the fan-out settle; rounds do not overlap
    int windowSeconds = 5;
    int cpuRounds = 0;
    int cpuPublishes = 200;
    std::string only;
    po::options_description flags("aegis-bench-config");
    // clang-format off
    flags.add_options()
        ("help", "this text")
        ("watchers", po::value(&counts)->default_value(counts),
            "watcher counts of the delivery measure")
        ("publishes", po::value(&delivery.fanout.changes)->default_value(delivery.fanout.changes),
            "changes per row of the delivery measure")
        ("watch-channels",
            po::value(&delivery.fanout.watchChannels)->default_value(delivery.fanout.watchChannels),
            "connections the watchers are spread over")
        ("mux-streams", po::value(&delivery.muxStreams)->default_value(delivery.muxStreams),
            "WatchService streams for the multiplexed rows (0: none)")
        ("gray", po::value(&delivery.gray)->default_value(delivery.gray),
            "changes alternate between a gray release to half of the instances and its "
            "promotion (false: every change a publish)")
        ("etcd", po::value(&delivery.etcdBinary)->default_value(delivery.etcdBinary),
            "etcd binary for the etcd rows (empty: none)")
        ("window", po::value(&windowSeconds)->default_value(windowSeconds),
            "seconds measured for publishes/s and reads/s")
        ("cpu-rounds", po::value(&cpuRounds)->default_value(cpuRounds),
            "after the delivery table, this many pairs of a WatchService row and an etcd row per "
            "watcher count, for the median ratio of server CPU per event (0: none)")
        ("cpu-publishes", po::value(&cpuPublishes)->default_value(cpuPublishes),
            "changes per row of the CPU rounds")
        ("only", po::value(&only), "delivery, delivery-mux (its WatchService rows only) or throughput");
    // clang-format on
    po::variables_map values;
    std::vector<int> watcherCounts;
    try {
        po::store(po::parse_command_line(argc, argv, flags), values);
        po::notify(values);
        watcherCounts = parseIntList(counts);
    } catch (const std::exception &error) {
        std::cerr << error.what() << "\n" << flags;
        return 2;
    }
    if (values.count("help")) {
        std::cout << flags;
        return 0;
    }
    if (delivery.fanout.changes <= 0 || delivery.fanout.watchChannels <= 0 ||
        delivery.muxStreams < 0 || windowSeconds <= 0 || cpuRounds < 0 || cpuPublishes <= 0 ||
        (cpuRounds > 0 && (delivery.muxStreams == 0 || delivery.etcdBinary.empty())) ||
        (!only.empty() && only != "delivery" && only != "delivery-mux" && only != "throughput")) {
        std::cerr << "error: counts must be positive (--mux-streams and --cpu-rounds may be 0, "
                     "but --cpu-rounds needs WatchService streams and etcd); --only is delivery, "
                     "delivery-mux or throughput\n";
        return 2;
    }
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    try {
        std::cout << "Machine: " << cpuModel() << ", " << std::thread::hardware_concurrency()
                  << " cores; aegisd and this benchmark share them.";
        if (!delivery.etcdBinary.empty() && (only.empty() || only == "delivery")) {
            std::cout << " etcd: " << aegis::testing::etcdVersion(delivery.etcdBinary) << ".";
        }
        std::cout << "\n\n";
        if (only.empty() || only.starts_with("delivery")) {
            // delivery-mux: the WatchService rows only
            const bool streamRows = only != "delivery-mux";
            std::vector<WatchResult> rows;
            for (const int watchers : watcherCounts) {
                if (streamRows) {
                    rows.push_back(config::aegisRow(watchers, delivery, 0));
                }
                if (delivery.muxStreams > 0) {
                    rows.push_back(config::aegisRow(watchers, delivery, delivery.muxStreams));
                }
                if (streamRows && !delivery.etcdBinary.empty()) {
                    rows.push_back(config::etcdRow(watchers, delivery));
                }
            }
            config::printDelivery(rows, delivery);
            config::DeliverySettings cpuDelivery = delivery;
            cpuDelivery.fanout.changes = cpuPublishes;
            for (const int watchers : cpuRounds > 0 ? watcherCounts : std::vector<int>{}) {
                printCpuRounds(measureCpuRounds(
                    watchers, cpuPublishes, cpuRounds,
                    [&] { return config::aegisRow(watchers, cpuDelivery, cpuDelivery.muxStreams); },
                    [&] { return config::etcdRow(watchers, cpuDelivery); }));
            }
        }
        if (only.empty() || only == "throughput") {
            const auto rows = config::throughputRows(std::chrono::seconds(windowSeconds));
            std::cout << "### Throughput (64 outstanding, 4 connections, " << windowSeconds
                      << " s window)\n\n"
                      << "| workload | calls/s | p50 ms | p99 ms | errors | aegisd CPU (cores) "
                         "|\n|---|---:|---:|---:|---:|---:|\n";
            for (const auto &row : rows) {
                const LoadResult &load = row.result.load;
                std::cout << "| " << row.workload << " | " << fixed(load.callsPerSecond(), 0)
                          << " | " << fixed(load.p50Ms, 2) << " | " << fixed(load.p99Ms, 2) << " | "
                          << load.failed
                          << (load.firstError.empty() ? "" : " (" + load.firstError + ")") << " | "
                          << fixed(row.result.serverCores, 2) << " |\n";
            }
            std::cout << "\n";
        }
    } catch (const std::exception &error) {
        std::cerr << "aegis-bench-config: " << error.what() << "\n";
        return 1;
    }
    return 0;
}
