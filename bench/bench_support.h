#pragma once

// Helpers shared by the benchmark programs: process statistics from /proc and gRPC channels.

#include "common/median.h"

#include <grpcpp/channel.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace aegis::bench {

// CPU seconds (user + system) used so far by a process, and by this one.
double processCpuSeconds(int pid);
double selfCpuSeconds();
// The CPU seconds the processes used so far (those that are gone count 0).
double processCpuSeconds(const std::vector<int> &pids);
// Resident set size of a process in KiB (VmRSS in /proc/PID/status); 0 if unreadable.
std::int64_t processRssKib(int pid);
// The resident set sizes of the processes, summed.
std::int64_t processRssKib(const std::vector<int> &pids);
// The first "model name" of /proc/cpuinfo.
std::string cpuModel();

// `count` channels to `address`, each with its own subchannel pool, hence its own TCP connection
// (channels with equal arguments would otherwise share one); waits up to 10 s for each to connect.
// An address list "ipv4:host:port,host:port,..." gives channels that spread their calls over
// every address round-robin (several replicas behind one client).
std::vector<std::shared_ptr<grpc::Channel>> makeChannels(const std::string &address, int count);

// CPU of the server's processes and of this process over a window (start() .. stop()).
class CpuWindow {
public:
    explicit CpuWindow(std::vector<int> serverPids)
        : m_pids(std::move(serverPids)) {}
    void start();
    void stop();
    double serverSeconds() const { return m_server; }
    double benchSeconds() const { return m_bench; }
    // Cores used on average over a window of `seconds`; 0 for an empty window.
    double serverCores(double seconds) const { return seconds > 0 ? m_server / seconds : 0; }
    double benchCores(double seconds) const { return seconds > 0 ? m_bench / seconds : 0; }

private:
    std::vector<int> m_pids;
    double m_server = 0;
    double m_bench = 0;
};

// Runs start(index, done) for index in [0, count) with at most `inFlight` calls outstanding and
// returns when every `done` has run.
void forEachAsync(int count, int inFlight,
                  const std::function<void(int index, std::function<void()> done)> &start);

// printf("%.*f").
std::string fixed(double value, int decimals);

// "1,16,64" -> {1, 16, 64}; std::stoi's exceptions on malformed items.
std::vector<int> parseIntList(const std::string &text);

// The cumulative buckets of a Prometheus histogram without labels, read from an exposition
// page: (upper bound, count) in ascending order, +Inf last; empty when the page has none.
using HistogramBuckets = std::vector<std::pair<double, double>>;
HistogramBuckets histogramBuckets(const std::string &exposition, const std::string &name);
// The upper bound of the bucket holding the `fraction` quantile of what was observed between two
// readings of the same histogram (a value above the last finite bound reads as that bound); -1
// when nothing was observed.
double histogramQuantile(const HistogramBuckets &before, const HistogramBuckets &after,
                         double fraction);

// The value at `fraction` (0..1) of an ascending vector, nearest-rank below; 0 when empty.
template <typename T>
T percentile(const std::vector<T> &sorted, double fraction) {
    if (sorted.empty()) {
        return T{};
    }
    return sorted[static_cast<std::size_t>(fraction * static_cast<double>(sorted.size() - 1))];
}

using aegis::median;

} // namespace aegis::bench
