#pragma once

// Helpers shared by the benchmark programs: process statistics from /proc and gRPC channels.

#include <grpcpp/channel.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace aegis::bench {

// CPU seconds (user + system) used so far by a process, and by this one.
double processCpuSeconds(int pid);
double selfCpuSeconds();
// Resident set size of a process in KiB (VmRSS in /proc/PID/status); 0 if unreadable.
std::int64_t processRssKib(int pid);
// The first "model name" of /proc/cpuinfo.
std::string cpuModel();

// `count` channels to `address`, each with its own subchannel pool, hence its own TCP connection
// (channels with equal arguments would otherwise share one); waits up to 10 s for each to connect.
// An address list "ipv4:host:port,host:port,..." gives channels that spread their calls over
// every address round-robin (several replicas behind one client).
std::vector<std::shared_ptr<grpc::Channel>> makeChannels(const std::string &address, int count);

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

} // namespace aegis::bench
