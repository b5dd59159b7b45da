// aegis-bench-ha: a replicated control plane beside a single daemon, on one machine in one run.
//   single   one aegisd on its embedded SQLite store;
//   HA       three aegisd replicas on a three-member etcd cluster (all on loopback), the load
//            spread over the replicas round-robin.
// On each: registrations/s and lease renewals/s (bench/discovery's measures), durable config
// publishes/s, and publish -> N config watchers (p50/p99). Then, on the replicated one, failover:
// SIGKILL the replica a client writes through, and SIGKILL etcd's Raft leader, each timed to the
// next write acknowledged; SIGKILL the leader replica while a canary steps, timed to the
// rollout's next transition under the new leader. Markdown tables go to stdout, progress to stderr.
// See bench/RESULTS.md, "High availability".

#include "aegis_target.h"
#include "bench_support.h"
#include "config/config_load.h"
#include "discovery_bench.h"
#include "failover.h"
#include "ha_cluster.h"
#include "lease_cost.h"

#include <boost/program_options.hpp>

#include <iostream>
#include <sys/resource.h>
#include <thread>

namespace po = boost::program_options;

namespace aegis::bench::ha {
namespace {

using namespace std::chrono_literals;

struct Settings {
    discovery::DiscoveryOptions discovery;
    int watchers = 10000;
    int publishes = 10;
    int watchChannels = 16;
    int publishConcurrency = 64;
    int failovers = 3;
    std::string only;
};

struct Column {
    std::string system;
    discovery::ThroughputResult registrations;
    discovery::ThroughputResult renewals;
    config::ThroughputResult publishes;
    WatchResult delivery;
};

void progress(const std::string &line) {
    std::cerr << "[ha] " << line << std::endl;
}

void raiseFileLimit() {
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
}

bool wanted(const Settings &settings, const std::string &measure) {
    return settings.only.empty() || settings.only == measure;
}

// Runs the measures on `target`; the server's CPU is that of every process in `serverPids`
// (replicas and etcd members alike) over each whole measure.
Column measureAll(discovery::AegisTarget &target, const config::Endpoint &endpoint,
                  const Settings &settings) {
    Column column;
    column.system = target.name();
    auto withCpu = [&](auto measure) {
        const double before = processCpuSeconds(endpoint.serverPids);
        const auto started = std::chrono::steady_clock::now();
        auto result = measure();
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        result.serverCores = (processCpuSeconds(endpoint.serverPids) - before) / seconds;
        return result;
    };
    if (wanted(settings, "registrations")) {
        progress(column.system + ": registrations");
        column.registrations =
            withCpu([&] { return discovery::measureRegistrations(target, settings.discovery); });
    }
    if (wanted(settings, "renewals")) {
        progress(column.system + ": renewals");
        column.renewals =
            withCpu([&] { return discovery::measureRenewals(target, settings.discovery); });
    }
    if (wanted(settings, "publishes")) {
        progress(column.system + ": config publishes");
        column.publishes =
            config::measurePublishes(endpoint, settings.publishConcurrency,
                                     settings.discovery.warmup, settings.discovery.window);
    }
    if (wanted(settings, "delivery")) {
        progress(column.system + ": publish -> " + std::to_string(settings.watchers) + " watchers");
        // Plain publishes over a WatchConfig stream per watcher, as before the fan-out measure
        // was shared.
        config::ConfigTarget watched(column.system, endpoint, {});
        FanoutOptions fanout;
        fanout.watchChannels = settings.watchChannels;
        fanout.changes = settings.publishes;
        fanout.deliveryTimeout = 30s;
        fanout.pause = 200ms;
        column.delivery = measureFanout(watched, settings.watchers, fanout);
    }
    return column;
}

std::string ratio(double ha, double single) {
    return single > 0 ? fixed(ha / single, 2) + "×" : "n/a";
}

void printColumns(const std::vector<Column> &columns, const Settings &settings) {
    const auto &m = settings.discovery;
    std::cout << "### Throughput, single daemon vs replicated (" << m.window.count() / 1000.0
              << " s windows after " << m.warmup.count() / 1000.0 << " s warm-up)\n\n"
              << "| measure | " << columns.front().system;
    for (std::size_t i = 1; i < columns.size(); ++i) {
        std::cout << " | " << columns[i].system << " | ratio";
    }
    std::cout << " |\n|---|---:";
    for (std::size_t i = 1; i < columns.size(); ++i) {
        std::cout << "|---:|---:";
    }
    std::cout << "|\n";
    auto row = [&](const std::string &name, auto value, int decimals) {
        std::cout << "| " << name << " | " << fixed(value(columns.front()), decimals);
        for (std::size_t i = 1; i < columns.size(); ++i) {
            std::cout << " | " << fixed(value(columns[i]), decimals) << " | "
                      << ratio(value(columns[i]), value(columns.front()));
        }
        std::cout << " |\n";
    };
    row(
        "registrations/s (RegisterInstance, " + std::to_string(m.registerConcurrency) +
            " outstanding)",
        [](const Column &c) { return c.registrations.perSecond; }, 0);
    row(
        "  p99 ms", [](const Column &c) { return c.registrations.p99Ms; }, 2);
    row(
        "  server CPU (cores)", [](const Column &c) { return c.registrations.serverCores; }, 2);
    row(
        "renewals/s (KeepAlive, " + std::to_string(m.leases) + " leases, " +
            std::to_string(m.renewStreams) + " streams)",
        [](const Column &c) { return c.renewals.perSecond; }, 0);
    row(
        "  lost (TTL 0)", [](const Column &c) { return static_cast<double>(c.renewals.failed); },
        0);
    row(
        "  server CPU (cores)", [](const Column &c) { return c.renewals.serverCores; }, 2);
    row(
        "config publishes/s (PublishConfig, " + std::to_string(settings.publishConcurrency) +
            " outstanding)",
        [](const Column &c) { return c.publishes.load.callsPerSecond(); }, 0);
    row(
        "  p99 ms", [](const Column &c) { return c.publishes.load.p99Ms; }, 2);
    row(
        "  server CPU (cores)", [](const Column &c) { return c.publishes.serverCores; }, 2);
    row(
        "publish → " + std::to_string(settings.watchers) + " watchers p50 ms",
        [](const Column &c) { return c.delivery.p50Ms; }, 1);
    row(
        "publish → " + std::to_string(settings.watchers) + " watchers p99 ms",
        [](const Column &c) { return c.delivery.p99Ms; }, 1);
    row(
        "  max ms", [](const Column &c) { return c.delivery.maxMs; }, 1);
    row(
        "  deliveries missing",
        [](const Column &c) { return static_cast<double>(c.delivery.missing()); }, 0);
    std::cout << "\n";
    for (const auto &column : columns) {
        for (const auto *error : {&column.registrations.firstError, &column.renewals.firstError,
                                  &column.publishes.load.firstError, &column.delivery.firstError}) {
            if (!error->empty()) {
                std::cout << "- " << column.system << ": first error: " << *error << "\n";
            }
        }
    }
}

void printFailover(const std::string &title, const std::vector<FailoverTrial> &trials) {
    std::cout << "### " << title << "\n\n"
              << "| trial | killed (SIGKILL) | next write acknowledged after (ms) | writes failed "
                 "meanwhile |\n|---:|---|---:|---:|\n";
    int index = 1;
    for (const auto &trial : trials) {
        std::cout << "| " << index++ << " | " << trial.killed << " | "
                  << (trial.nextWriteMs < 0 ? "none in 30 s" : fixed(trial.nextWriteMs, 0)) << " | "
                  << trial.failedWrites << " |\n";
    }
    std::cout << "\n";
}

// The canary steps of the rollout failover measure advance on their own after this pause.
constexpr std::chrono::milliseconds kStepPause{200};

void printRolloutFailover(const std::vector<RolloutFailoverTrial> &trials) {
    std::cout << "### Leader failover: SIGKILL the leader while a canary steps every "
              << kStepPause.count()
              << " ms (leader_lease_ttl 3 s)\n\n"
                 "| trial | killed (SIGKILL) | next rollout transition after (ms) | later than "
                 "scheduled (ms) | rollout ended |\n|---:|---|---:|---:|---|\n";
    int index = 1;
    for (const auto &trial : trials) {
        std::cout << "| " << index++ << " | " << trial.killed << " | "
                  << (trial.nextTransitionMs < 0 ? "none in 30 s"
                                                 : fixed(trial.nextTransitionMs, 0))
                  << " | " << (trial.nextTransitionMs < 0 ? "n/a" : fixed(trial.lateMs, 0)) << " | "
                  << trial.finalPhase << " |\n";
    }
    std::cout << "\n";
}

void printLeaseCost(const std::vector<LeaseCostRow> &rows, const Settings &settings) {
    std::cout << "### What a lease costs where it lives (" << settings.discovery.leases
              << " leases renewed; grants from " << settings.discovery.registerConcurrency
              << " threads)\n\n"
              << "| keeper | grants/s | grant p50 ms | grant p99 ms | renewals/s answered | "
                 "lost |\n|---|---:|---:|---:|---:|---:|\n";
    for (const auto &row : rows) {
        std::cout << "| " << row.keeper << " | " << fixed(row.grantsPerSecond, 0) << " | "
                  << fixed(row.grantP50Ms, 3) << " | " << fixed(row.grantP99Ms, 3) << " | "
                  << fixed(row.renewalsPerSecond, 0) << " | " << row.lost << " |\n";
    }
    std::cout << "\n";
}

int run(const Settings &settings) {
    raiseFileLimit();
    std::cout << "## aegis-bench-ha (" << cpuModel() << ", " << std::thread::hardware_concurrency()
              << " cores)\n\n";
    if (settings.only == "leases") {
        testing::TempDir dir;
        auto etcd = testing::EtcdCluster::start(dir.path());
        if (!etcd) {
            std::cerr << "etcd did not start: " << etcd.status().toString() << "\n";
            return 1;
        }
        progress("lease cost: in memory and on 3 etcd members");
        printLeaseCost(measureLeaseCost(**etcd, settings.discovery.registerConcurrency,
                                        settings.discovery.leases, settings.discovery.window),
                       settings);
        return 0;
    }
    std::vector<Column> columns;
    bool throughput = settings.only.empty() || settings.only != "failover";
    if (throughput) {
        progress("single daemon on SQLite");
        discovery::AegisTarget single({"--log-level", "warn"});
        columns.push_back(measureAll(
            single, config::Endpoint{single.address(), single.adminToken(), {single.pid()}, {}},
            settings));
        columns.back().system = "single aegisd (SQLite)";
        single.stop();
    }

    progress("starting 3 etcd members and 3 aegisd replicas");
    testing::HaClusterOptions options;
    options.extraArgs = {"--log-level", "warn"};
    auto cluster = testing::HaCluster::start(options);
    if (!cluster) {
        if (!columns.empty()) {
            printColumns(columns, settings);
        }
        std::cerr << "the HA cluster did not start: " << cluster.status().toString() << "\n";
        return 1;
    }
    testing::HaCluster &ha = **cluster;
    if (throughput) {
        std::string addresses;
        std::vector<int> pids;
        for (int i = 0; i < ha.size(); ++i) {
            addresses += (i == 0 ? "ipv4:" : ",") + ha.grpcAddresses()[static_cast<std::size_t>(i)];
            pids.push_back(ha.replica(i).pid());
        }
        for (int i = 0; i < ha.etcd().size(); ++i) {
            pids.push_back(ha.etcd().pid(i));
        }
        discovery::AegisTarget replicated("3 replicas on 3 etcd members", addresses,
                                          ha.adminToken(), ha.replica(0).pid());
        columns.push_back(measureAll(
            replicated, config::Endpoint{addresses, ha.adminToken(), pids, {}}, settings));
        printColumns(columns, settings);
    }
    if (wanted(settings, "failover")) {
        printFailover("Replica failover: SIGKILL the replica a client writes through",
                      measureReplicaFailover(ha, settings.failovers));
        printFailover("etcd failover: SIGKILL etcd's Raft leader under a stream of writes",
                      measureEtcdLeaderFailover(ha, settings.failovers));
        printRolloutFailover(measureLeaderFailoverToRollout(ha, settings.failovers, kStepPause));
    }
    return 0;
}

} // namespace
} // namespace aegis::bench::ha

int main(int argc, char **argv) {
    using aegis::bench::ha::Settings;
    Settings settings;
    auto &m = settings.discovery;
    double warmup = 2;
    double window = 5;
    po::options_description flags("aegis-bench-ha flags");
    flags.add_options()("help", "this help")(
        "only", po::value(&settings.only),
        "run one measure: registrations, renewals, publishes, delivery, failover or leases "
        "(the lease keepers alone)")("warmup", po::value(&warmup)->default_value(warmup),
                                     "warm-up seconds before each window")(
        "duration", po::value(&window)->default_value(window), "measuring window, seconds")(
        "leases", po::value(&m.leases)->default_value(m.leases), "leases to renew")(
        "watchers", po::value(&settings.watchers)->default_value(settings.watchers),
        "config watchers of the delivery measure")(
        "publishes", po::value(&settings.publishes)->default_value(settings.publishes),
        "publishes timed to every watcher")(
        "failovers", po::value(&settings.failovers)->default_value(settings.failovers),
        "SIGKILLs per failover measure");
    po::variables_map values;
    try {
        po::store(po::parse_command_line(argc, argv, flags), values);
        po::notify(values);
    } catch (const po::error &error) {
        std::cerr << error.what() << "\n" << flags;
        return 2;
    }
    if (values.count("help")) {
        std::cout << flags;
        return 0;
    }
    m.warmup = std::chrono::milliseconds(static_cast<int>(warmup * 1000));
    m.window = std::chrono::milliseconds(static_cast<int>(window * 1000));
    try {
        return aegis::bench::ha::run(settings);
    } catch (const std::exception &error) {
        std::cerr << "aegis-bench-ha: " << error.what() << "\n";
        return 1;
    }
}
