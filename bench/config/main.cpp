// aegis-bench-config: the configuration center under load, on one aegisd.
//   delivery     N clients watch one key (WatchConfig, spread over a few connections); each of R
//                publishes is timed from the start of its PublishConfig call to its arrival at
//                every watcher (p50 / p99 / max over all N × R deliveries);
//   publishes/s  durable PublishConfig calls (each a new version, fsync'd with its audit record)
//                with 64 outstanding;
//   reads/s      GetConfigItem with 64 outstanding.
// Markdown tables go to stdout, progress to stderr. See bench/RESULTS.md, "Configuration".

#include "bench_support.h"
#include "config_load.h"
#include "daemon_process.h"

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

DeliveryResult deliveryRow(int watchers, int publishes) {
    auto daemon = startDaemon();
    auto result = measureDelivery(endpointOf(*daemon), watchers, publishes, 8, progress);
    if (result.opened < watchers) {
        throw std::runtime_error("not every watcher received its snapshot within 120 s");
    }
    daemon->terminate();
    return result;
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
    int publishes = 20;
    int windowSeconds = 5;
    std::string only;
    po::options_description flags("aegis-bench-config");
    flags.add_options()("help", "this text")("watchers", po::value(&counts)->default_value(counts),
                                             "watcher counts of the delivery measure")(
        "publishes", po::value(&publishes)->default_value(publishes), "publishes per count")(
        "window", po::value(&windowSeconds)->default_value(windowSeconds),
        "seconds measured for publishes/s and reads/s")("only", po::value(&only),
                                                        "delivery or throughput");
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
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    try {
        std::cout << "Machine: " << cpuModel() << ", " << std::thread::hardware_concurrency()
                  << " cores; aegisd and this benchmark share them.\n\n";
        if (only.empty() || only == "delivery") {
            std::vector<config::DeliveryResult> rows;
            for (int watchers : watcherCounts) {
                rows.push_back(config::deliveryRow(watchers, publishes));
            }
            std::cout << "### Publish to delivery (" << publishes
                      << " publishes each, one key, 8 connections)\n\n"
                      << "| watchers | deliveries | missing | p50 ms | p99 ms | max ms | after "
                         "the ack: p50 / p99 / max ms | the publish itself: p50 / max ms | "
                         "aegisd: commit to write done p50 / p99 ms | aegisd CPU (cores) | "
                         "aegisd CPU µs / delivery | bench CPU µs / delivery | aegisd RSS (MiB) "
                         "|\n"
                      << "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
            for (const auto &row : rows) {
                std::cout << "| " << row.watchers << " | " << row.deliveries << " | " << row.missing
                          << " | " << fixed(row.p50, 1) << " | " << fixed(row.p99, 1) << " | "
                          << fixed(row.max, 1) << " | " << fixed(row.ackP50, 1) << " / "
                          << fixed(row.ackP99, 1) << " / " << fixed(row.ackMax, 1) << " | "
                          << fixed(row.publishP50, 1) << " / " << fixed(row.publishMax, 1) << " | "
                          << fixed(row.serverP50, 0) << " / " << fixed(row.serverP99, 0) << " | "
                          << fixed(row.serverCores, 2) << " | " << fixed(row.serverUsPerDelivery, 1)
                          << " | " << fixed(row.benchUsPerDelivery, 1) << " | "
                          << fixed(row.serverRssKib / 1024.0, 1) << " |\n";
            }
            std::cout << "\n";
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
