#pragma once

// Helpers shared by the benchmark programs: process statistics from /proc and gRPC channels.

#include <grpcpp/channel.h>

#include <cstdint>
#include <memory>
#include <string>
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

// The value at `fraction` (0..1) of an ascending vector, nearest-rank below; 0 when empty.
template <typename T>
T percentile(const std::vector<T> &sorted, double fraction) {
    if (sorted.empty()) {
        return T{};
    }
    return sorted[static_cast<std::size_t>(fraction * static_cast<double>(sorted.size() - 1))];
}

} // namespace aegis::bench
