// aegis-bench-discovery: Aegis service discovery side by side with etcd 3.4, on one machine in one
// run. Each measure runs against a fresh aegisd, then a fresh etcd (one member on loopback),
// never both loaded at once: registrations/s, lease renewals/s over streams, time from a
// registration to its delivery at N concurrent watchers, and memory per watcher. Markdown tables
// go to stdout, progress to stderr. See bench/RESULTS.md, "Service discovery".

#include "aegis_target.h"
#include "bench_support.h"
#include "discovery_bench.h"
#include "etcd_target.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>
#include <sys/resource.h>
#include <thread>

namespace po = boost::program_options;

namespace aegis::bench::discovery {
namespace {

struct Settings {
    DiscoveryOptions measure;
    std::vector<int> watcherCounts = {1000, 10000};
    // WatchService streams the mux rows spread the watchers over (0: no mux rows).
    int muxStreams = 100;
    bool registrations = true;
    // Registration windows per system, taken Aegis and etcd in turn: on a shared machine one
    // pair moves by ±15 %, so the ratio is reported as the median over the rounds.
    int rounds = 1;
    bool renewals = true;
    bool watch = true;
    // The watch measure's per-watcher and etcd rows (false: the WatchService rows only).
    bool streamRows = true;
    // Pairs of a WatchService row and an etcd row per watcher count, for the median ratio of
    // server CPU per event (0: none).
    int cpuRounds = 0;
    std::string etcdBinary = "etcd";
    std::vector<std::string> daemonArgs;
};

// Raises this process's soft RLIMIT_NOFILE to its hard limit; returns the new soft limit.
rlim_t raiseFileLimit() {
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
    return limit.rlim_cur;
}

// The "Max open files" soft limit of a process, from /proc/PID/limits.
std::string fileLimitOf(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/limits");
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with("Max open files")) {
            std::istringstream fields(line.substr(14));
            std::string soft;
            fields >> soft;
            return soft;
        }
    }
    return "?";
}

std::string ratio(double aegis, double etcd) {
    return etcd > 0 ? fixed(aegis / etcd, 2) + "×" : "n/a";
}

std::string errors(const ThroughputResult &row) {
    return std::to_string(row.failed) + (row.firstError.empty() ? "" : " (" + row.firstError + ")");
}

void printRegistrations(const std::vector<ThroughputResult> &rows, const Settings &settings) {
    std::cout << "### Registrations/s (" << settings.measure.registerConcurrency << " outstanding, "
              << settings.measure.registerChannels << " connections, "
              << settings.measure.window.count() / 1000.0 << " s window)\n\n"
              << "| system | registration | registrations/s | p50 ms | p99 ms | errors | server "
                 "CPU (cores) | bench CPU (cores) | registrations/s per server core |\n"
              << "|---|---|---:|---:|---:|---:|---:|---:|---:|\n";
    const auto perCore = [](const ThroughputResult &row) {
        return row.perSecond / std::max(row.serverCores, 1e-9);
    };
    // Rows come in rounds of an Aegis row and then an etcd row.
    const bool rounds = rows.size() > 2;
    std::vector<double> rates;
    std::vector<double> costs;
    for (std::size_t index = 0; index < rows.size(); ++index) {
        const ThroughputResult &row = rows[index];
        std::cout << "| " << row.system
                  << (rounds ? " (" + std::to_string(index / 2 + 1) + ")" : "") << " | "
                  << (row.system == "Aegis" ? "RegisterInstance (ttl 30 s)"
                                            : "LeaseGrant (30 s) + Put(lease)")
                  << " | " << fixed(row.perSecond, 0) << " | " << fixed(row.p50Ms, 2) << " | "
                  << fixed(row.p99Ms, 2) << " | " << errors(row) << " | "
                  << fixed(row.serverCores, 2) << " | " << fixed(row.benchCores, 2) << " | "
                  << fixed(row.serverCores > 0 ? perCore(row) : 0, 0) << " |\n";
        if (index % 2 == 1 && row.perSecond > 0) {
            const ThroughputResult &aegis = rows[index - 1];
            rates.push_back(aegis.perSecond / row.perSecond);
            costs.push_back(perCore(aegis) / std::max(perCore(row), 1e-9));
        }
    }
    if (!rates.empty()) {
        const auto range = [](const std::vector<double> &values) {
            const auto [low, high] = std::minmax_element(values.begin(), values.end());
            return " (" + fixed(*low, 2) + "–" + fixed(*high, 2) + ")";
        };
        std::cout << "| **Aegis / etcd" << (rounds ? ", median of rounds" : "") << "** | | **"
                  << fixed(median(rates), 2) << "×**" << (rounds ? range(rates) : "")
                  << " | | | | | | " << fixed(median(costs), 2) << "×"
                  << (rounds ? range(costs) : "") << " |\n";
        if (rates.size() < rows.size() / 2) {
            std::cout << "\n(" << rows.size() / 2 - rates.size()
                      << " round(s) without an etcd rate left out of the ratio)\n";
        }
    } else if (rows.size() >= 2) {
        std::cout << "| **Aegis / etcd** | | **n/a** | | | | | | n/a |\n";
    }
    std::cout << "\n";
}

void printRenewals(const std::vector<ThroughputResult> &rows, const Settings &settings) {
    const auto &m = settings.measure;
    std::cout << "### Lease renewals/s over streams (" << m.leases << " leases, " << m.renewStreams
              << " streams on " << m.renewStreams << " connections, " << m.renewDepth
              << " renewals in flight per stream, " << m.window.count() / 1000.0 << " s window)\n\n"
              << "| system | stream | renewals/s | lost (TTL 0) | server CPU (cores) | bench CPU "
                 "(cores) | renewals/s per server core |\n"
              << "|---|---|---:|---:|---:|---:|---:|\n";
    for (const auto &row : rows) {
        std::cout << "| " << row.system << " | "
                  << (row.system == "Aegis" ? "RegistryService.KeepAlive" : "Lease.LeaseKeepAlive")
                  << " | " << fixed(row.perSecond, 0) << " | " << errors(row) << " | "
                  << fixed(row.serverCores, 2) << " | " << fixed(row.benchCores, 2) << " | "
                  << fixed(row.serverCores > 0 ? row.perSecond / row.serverCores : 0, 0) << " |\n";
    }
    if (rows.size() == 2) {
        std::cout << "| **Aegis / etcd** | | **" << ratio(rows[0].perSecond, rows[1].perSecond)
                  << "** | | | | "
                  << ratio(rows[0].perSecond / std::max(rows[0].serverCores, 1e-9),
                           rows[1].perSecond / std::max(rows[1].serverCores, 1e-9))
                  << " |\n";
    }
    std::cout << "\n";
}

void printWatch(const std::vector<WatchResult> &rows, const Settings &settings) {
    const auto &m = settings.measure;
    std::cout << "### Registration → watcher delivery (" << m.watchRepeats
              << " registrations per row, samples pooled; watchers on " << m.watchChannels
              << " connections, one stream each)\n\n"
              << "Latency is measured in the benchmark's client (registration call to each "
                 "watcher's read); \"server\" is the server's own figure, commit to each "
                 "stream's write completing (bucket bounds of aegisd's "
                 "aegis_watch_delivery_seconds; etcd has none). CPU is per delivered event, "
                 "over the registrations.\n\n"
              << "| system | watchers | notified | p50 ms | p99 ms | max ms | server p50 / p99 "
                 "ms | server CPU µs / event | bench CPU µs / event | registration call p50 ms "
                 "| watchers opened in s | error |\n"
              << "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n";
    for (const auto &row : rows) {
        const std::string server =
            row.serverP99Ms < 0 ? "–"
                                : fixed(row.serverP50Ms, 0) + " / " + fixed(row.serverP99Ms, 0);
        std::cout << "| " << row.system << " | " << row.watchers << " | " << row.notified << " / "
                  << row.expected << " | " << fixed(row.p50Ms, 1) << " | " << fixed(row.p99Ms, 1)
                  << " | " << fixed(row.maxMs, 1) << " | " << server << " | "
                  << fixed(row.serverCpuUsPerEvent, 1) << " | " << fixed(row.benchCpuUsPerEvent, 1)
                  << " | " << fixed(row.callP50Ms, 2) << " | " << fixed(row.openSeconds, 1) << " | "
                  << row.firstError << " |\n";
    }
    for (std::size_t index = 0; index + 1 < rows.size(); index += 2) {
        const auto &aegis = rows[index];
        const auto &etcd = rows[index + 1];
        std::cout << "| **etcd / Aegis** (latency, higher is better for Aegis) | " << aegis.watchers
                  << " | | " << ratio(etcd.p50Ms, aegis.p50Ms) << " | "
                  << ratio(etcd.p99Ms, aegis.p99Ms) << " | " << ratio(etcd.maxMs, aegis.maxMs)
                  << " | | " << ratio(etcd.serverCpuUsPerEvent, aegis.serverCpuUsPerEvent)
                  << " | | | | |\n";
    }
    std::cout << "\n";
}

void printMemory(const std::vector<WatchResult> &rows) {
    std::cout << "### Memory per watcher (server RSS, VmRSS, before opening the watchers and 1 s "
                 "after all were established)\n\n"
              << "| system | watchers | RSS before MiB | RSS after MiB | KiB per watcher |\n"
              << "|---|---:|---:|---:|---:|\n";
    for (const auto &row : rows) {
        std::cout << "| " << row.system << " | " << row.opened << " | "
                  << fixed(static_cast<double>(row.rssBeforeKib) / 1024, 1) << " | "
                  << fixed(static_cast<double>(row.rssAfterKib) / 1024, 1) << " | "
                  << fixed(row.kibPerWatcher(), 1) << " |\n";
    }
    for (std::size_t index = 0; index + 1 < rows.size(); index += 2) {
        std::cout << "| **etcd / Aegis** | " << rows[index].watchers << " | | | "
                  << ratio(rows[index + 1].kibPerWatcher(), rows[index].kibPerWatcher()) << " |\n";
    }
    std::cout << "\n";
}

// The same watch measure with the watchers as watches on WatchService streams, with the same
// columns as the per-watcher table, and its ratios to the etcd row of the same size in `watches`.
void printMuxWatch(const std::vector<WatchResult> &rows, const std::vector<WatchResult> &watches,
                   const Settings &settings) {
    if (rows.empty()) {
        return;
    }
    std::cout << "### Registration → watcher delivery on WatchService (watchers as watches on "
              << settings.muxStreams << " multiplexed streams over "
              << settings.measure.watchChannels
              << " connections; columns as above, server memory per watch)\n\n"
              << "| system | watches | notified | p50 ms | p99 ms | max ms | server p50 / p99 ms "
                 "| server CPU µs / event | bench CPU µs / event | watches opened in s | server "
                 "KiB per watch | error |\n"
              << "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n";
    for (const auto &row : rows) {
        const std::string server =
            row.serverP99Ms < 0 ? "–"
                                : fixed(row.serverP50Ms, 0) + " / " + fixed(row.serverP99Ms, 0);
        std::cout << "| " << row.system << " | " << row.watchers << " | " << row.notified << " / "
                  << row.expected << " | " << fixed(row.p50Ms, 1) << " | " << fixed(row.p99Ms, 1)
                  << " | " << fixed(row.maxMs, 1) << " | " << server << " | "
                  << fixed(row.serverCpuUsPerEvent, 1) << " | " << fixed(row.benchCpuUsPerEvent, 1)
                  << " | " << fixed(row.openSeconds, 1) << " | " << fixed(row.kibPerWatcher(), 1)
                  << " | " << row.firstError << " |\n";
    }
    for (const auto &row : rows) {
        const auto etcd = std::find_if(watches.begin(), watches.end(), [&](const WatchResult &w) {
            return w.system == "etcd" && w.watchers == row.watchers;
        });
        if (etcd == watches.end()) {
            continue;
        }
        std::cout << "| **etcd / Aegis (WatchService)** | " << row.watchers << " | | "
                  << ratio(etcd->p50Ms, row.p50Ms) << " | " << ratio(etcd->p99Ms, row.p99Ms)
                  << " | " << ratio(etcd->maxMs, row.maxMs) << " | | "
                  << ratio(etcd->serverCpuUsPerEvent, row.serverCpuUsPerEvent) << " | | | "
                  << ratio(etcd->kibPerWatcher(), row.kibPerWatcher()) << " | |\n";
    }
    std::cout << "\n";
}

template <typename Result, typename Measure>
Result onAegis(const Settings &settings, const std::string &what, Measure measure,
               int muxStreams = 0) {
    std::cerr << "Aegis" << (muxStreams > 0 ? " (WatchService)" : "") << ": " << what << "...\n";
    AegisTarget target(settings.daemonArgs, muxStreams);
    Result result = measure(target);
    if (target.stop() != 0) {
        std::cerr << "warning: aegisd did not exit cleanly\n";
    }
    return result;
}

template <typename Result, typename Measure>
Result onEtcd(const Settings &settings, const std::string &what, Measure measure) {
    std::cerr << "etcd: " << what << "...\n";
    EtcdTarget target(settings.etcdBinary);
    return measure(target);
}

void progress(const ThroughputResult &row, const std::string &unit) {
    std::cerr << "  " << row.system << ": " << fixed(row.perSecond, 0) << " " << unit
              << (row.firstError.empty() ? "" : ", first error " + row.firstError) << "\n";
}

int run(int argc, char **argv) {
    Settings settings;
    std::string watchers = "1000,10000";
    std::string only;
    double warmup = 2;
    double window = 5;
    double deliveryTimeout = 5;
    auto &m = settings.measure;
    po::options_description flags("aegis-bench-discovery flags");
    // clang-format off
    flags.add_options()
        ("only", po::value(&only),
         "run one measure: registrations, renewals, watch, or watch-mux (only the WatchService "
         "rows of watch)")
        ("concurrency", po::value(&m.registerConcurrency)->default_value(m.registerConcurrency),
            "outstanding registrations")
        ("rounds", po::value(&settings.rounds)->default_value(settings.rounds),
            "registration windows per system, Aegis and etcd in turn (the ratio is their median)")
        ("warmup", po::value(&warmup)->default_value(warmup), "warm-up seconds before each window")
        ("duration", po::value(&window)->default_value(window), "measuring window, seconds")
        ("leases", po::value(&m.leases)->default_value(m.leases), "leases to renew")
        ("streams", po::value(&m.renewStreams)->default_value(m.renewStreams), "renewal streams")
        ("depth", po::value(&m.renewDepth)->default_value(m.renewDepth),
            "renewals in flight per stream")
        ("watchers", po::value(&watchers)->default_value(watchers),
            "comma-separated watcher counts")
        ("watch-channels", po::value(&m.watchChannels)->default_value(m.watchChannels),
            "connections the watchers are spread over")
        ("mux-streams", po::value(&settings.muxStreams)->default_value(settings.muxStreams),
            "WatchService streams for the multiplexed rows (0: none)")
        ("cpu-rounds", po::value(&settings.cpuRounds)->default_value(settings.cpuRounds),
            "after the watch measure, this many pairs of a WatchService row and an etcd row per "
            "watcher count, for the median ratio of server CPU per event (0: none)")
        ("repeats", po::value(&m.watchRepeats)->default_value(m.watchRepeats),
            "registrations per watcher count")
        ("delivery-timeout", po::value(&deliveryTimeout)->default_value(deliveryTimeout),
            "seconds to wait for a registration to reach every watcher")
        ("etcd", po::value(&settings.etcdBinary)->default_value(settings.etcdBinary),
            "etcd binary")
        ("daemon-arg", po::value(&settings.daemonArgs), "extra aegisd argument (repeatable)")
        ("help,h", "show help");
    // clang-format on
    po::variables_map values;
    try {
        po::store(po::parse_command_line(argc, argv, flags), values);
        po::notify(values);
    } catch (const po::error &error) {
        std::cerr << "error: " << error.what() << "\n" << flags;
        return 2;
    }
    if (values.count("help")) {
        std::cout << flags;
        return 0;
    }
    settings.watcherCounts = parseIntList(watchers);
    if (warmup <= 0 || window <= 0 || deliveryTimeout <= 0 || m.registerConcurrency <= 0 ||
        m.leases <= 0 || m.renewStreams <= 0 || m.renewDepth <= 0 || m.watchChannels <= 0 ||
        m.watchRepeats <= 0 || settings.rounds <= 0 || settings.cpuRounds < 0 ||
        (settings.cpuRounds > 0 && settings.muxStreams <= 0) ||
        (!only.empty() && only != "registrations" && only != "renewals" && only != "watch" &&
         only != "watch-mux")) {
        std::cerr << "error: numbers must be positive (--cpu-rounds may be 0, and needs "
                     "--mux-streams); --only is registrations, renewals, watch or watch-mux\n";
        return 2;
    }
    m.warmup = std::chrono::milliseconds(static_cast<long long>(warmup * 1000));
    m.window = std::chrono::milliseconds(static_cast<long long>(window * 1000));
    m.deliveryTimeout = std::chrono::milliseconds(static_cast<long long>(deliveryTimeout * 1000));
    settings.registrations = only.empty() || only == "registrations";
    settings.renewals = only.empty() || only == "renewals";
    settings.watch = only.empty() || only == "watch" || only == "watch-mux";
    settings.streamRows = only != "watch-mux";

    const std::string etcdVersionLine = testing::etcdVersion(settings.etcdBinary);
    if (etcdVersionLine.empty()) {
        std::cerr << "error: '" << settings.etcdBinary
                  << " --version' failed; install etcd-server (bench/run.sh does)\n";
        return 1;
    }
    const auto fileLimit = raiseFileLimit();
    std::string daemonFileLimit = "?";
    std::string etcdFileLimit = "?";
    const auto started = std::chrono::steady_clock::now();

    std::vector<ThroughputResult> registrations;
    std::vector<ThroughputResult> renewals;
    std::vector<WatchResult> watches;
    std::vector<WatchResult> muxWatches;
    std::vector<CpuRounds> cpuRounds;
    try {
        for (int round = 0; settings.registrations && round < settings.rounds; ++round) {
            registrations.push_back(
                onAegis<ThroughputResult>(settings, "registrations", [&](AegisTarget &target) {
                    daemonFileLimit = fileLimitOf(target.pid());
                    return measureRegistrations(target, m);
                }));
            progress(registrations.back(), "registrations/s");
            registrations.push_back(
                onEtcd<ThroughputResult>(settings, "registrations", [&](EtcdTarget &target) {
                    etcdFileLimit = fileLimitOf(target.pid());
                    return measureRegistrations(target, m);
                }));
            progress(registrations.back(), "registrations/s");
        }
        if (settings.renewals) {
            renewals.push_back(
                onAegis<ThroughputResult>(settings, "renewals", [&](AegisTarget &target) {
                    return measureRenewals(target, m);
                }));
            progress(renewals.back(), "renewals/s");
            renewals.push_back(
                onEtcd<ThroughputResult>(settings, "renewals", [&](EtcdTarget &target) {
                    return measureRenewals(target, m);
                }));
            progress(renewals.back(), "renewals/s");
        }
        if (settings.watch) {
            for (const int count : settings.watcherCounts) {
                const std::string what = std::to_string(count) + " watchers";
                auto report = [](const WatchResult &row) {
                    std::cerr << "  " << row.system << ": " << row.notified << "/" << row.expected
                              << " notified, p50/p99 " << fixed(row.p50Ms, 1) << "/"
                              << fixed(row.p99Ms, 1) << " ms, server CPU "
                              << fixed(row.serverCpuUsPerEvent, 1) << " µs/event"
                              << (row.firstError.empty() ? "" : ", " + row.firstError) << "\n";
                };
                if (settings.streamRows) {
                    watches.push_back(
                        onAegis<WatchResult>(settings, what, [&](AegisTarget &target) {
                            daemonFileLimit = fileLimitOf(target.pid());
                            return measureWatch(target, count, m);
                        }));
                    report(watches.back());
                    watches.push_back(onEtcd<WatchResult>(settings, what, [&](EtcdTarget &target) {
                        etcdFileLimit = fileLimitOf(target.pid());
                        return measureWatch(target, count, m);
                    }));
                    report(watches.back());
                }
                if (settings.muxStreams > 0) {
                    muxWatches.push_back(onAegis<WatchResult>(
                        settings, what,
                        [&](AegisTarget &target) { return measureWatch(target, count, m); },
                        settings.muxStreams));
                    report(muxWatches.back());
                }
            }
            for (const int count :
                 settings.cpuRounds > 0 ? settings.watcherCounts : std::vector<int>{}) {
                const std::string what = std::to_string(count) + " watchers, CPU round";
                cpuRounds.push_back(measureCpuRounds(
                    count, m.watchRepeats, settings.cpuRounds,
                    [&] {
                        return onAegis<WatchResult>(
                            settings, what,
                            [&](AegisTarget &target) { return measureWatch(target, count, m); },
                            settings.muxStreams);
                    },
                    [&] {
                        return onEtcd<WatchResult>(settings, what, [&](EtcdTarget &target) {
                            return measureWatch(target, count, m);
                        });
                    }));
            }
        }
    } catch (const std::exception &error) {
        std::cerr << "error: " << error.what() << "\n";
        return 1;
    }
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    std::cout << "aegis-bench-discovery: " << std::thread::hardware_concurrency() << " cores ("
              << cpuModel() << "); Aegis (aegisd) vs " << etcdVersionLine
              << " (one member, loopback), each measured alone on a fresh server, the load "
                 "generator on the same cores. Open-file limit: bench "
              << fileLimit << ", aegisd " << daemonFileLimit << ", etcd " << etcdFileLimit
              << ". Run took " << fixed(elapsed, 0) << " s.\n\n";
    if (!registrations.empty()) {
        printRegistrations(registrations, settings);
    }
    if (!renewals.empty()) {
        printRenewals(renewals, settings);
    }
    if (!watches.empty()) {
        printWatch(watches, settings);
        printMemory(watches);
        printMuxWatch(muxWatches, watches, settings);
    }
    for (const CpuRounds &rounds : cpuRounds) {
        printCpuRounds(rounds);
    }
    return 0;
}

} // namespace
} // namespace aegis::bench::discovery

int main(int argc, char **argv) {
    return aegis::bench::discovery::run(argc, argv);
}
