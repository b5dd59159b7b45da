#include "bench_support.h"

#include <grpcpp/create_channel.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <limits>
#include <mutex>
#include <sstream>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

namespace aegis::bench {

double processCpuSeconds(int pid) {
    // The kernel's per-process CPU clock counts in nanoseconds; /proc/PID/stat's utime and stime
    // count in ticks of 10 ms, too coarse for a measure of a few hundred milliseconds.
    clockid_t clock{};
    timespec used{};
    if (clock_getcpuclockid(pid, &clock) == 0 && clock_gettime(clock, &used) == 0) {
        return static_cast<double>(used.tv_sec) + static_cast<double>(used.tv_nsec) / 1e9;
    }
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = stat.rfind(')');
    if (close == std::string::npos) {
        return 0;
    }
    // Fields after the command name, which is in parentheses and may contain spaces.
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    double ticks = 0;
    for (int index = 3; fields >> field && index <= 15; ++index) {
        if (index == 14 || index == 15) { // utime, stime
            ticks += std::stod(field);
        }
    }
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double selfCpuSeconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval &value) {
        return static_cast<double>(value.tv_sec) + static_cast<double>(value.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::int64_t processRssKib(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with("VmRSS:")) {
            return std::stoll(line.substr(6));
        }
    }
    return 0;
}

double processCpuSeconds(const std::vector<int> &pids) {
    double total = 0;
    for (const int pid : pids) {
        total += processCpuSeconds(pid);
    }
    return total;
}

std::int64_t processRssKib(const std::vector<int> &pids) {
    std::int64_t total = 0;
    for (const int pid : pids) {
        total += processRssKib(pid);
    }
    return total;
}

void CpuWindow::start() {
    m_server = -processCpuSeconds(m_pids);
    m_bench = -selfCpuSeconds();
}

void CpuWindow::stop() {
    m_server += processCpuSeconds(m_pids);
    m_bench += selfCpuSeconds();
}

void forEachAsync(int count, int inFlight,
                  const std::function<void(int index, std::function<void()> done)> &start) {
    std::mutex mutex;
    std::condition_variable changed;
    int outstanding = 0;
    int finished = 0;
    for (int index = 0; index < count; ++index) {
        {
            std::unique_lock lock(mutex);
            changed.wait(lock, [&] { return outstanding < inFlight; });
            ++outstanding;
        }
        start(index, [&] {
            std::lock_guard lock(mutex);
            --outstanding;
            ++finished;
            changed.notify_all();
        });
    }
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return finished == count; });
}

std::string cpuModel() {
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with("model name")) {
            return line.substr(line.find(':') + 2);
        }
    }
    return "unknown CPU";
}

std::vector<std::shared_ptr<grpc::Channel>> makeChannels(const std::string &address, int count) {
    std::vector<std::shared_ptr<grpc::Channel>> channels;
    for (int index = 0; index < count; ++index) {
        grpc::ChannelArguments arguments;
        arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
        arguments.SetInt("aegis.bench.channel", index);
        arguments.SetMaxReceiveMessageSize(64 * 1024 * 1024);
        if (address.find(',') != std::string::npos) {
            arguments.SetLoadBalancingPolicyName("round_robin");
        }
        channels.push_back(
            grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), arguments));
    }
    for (const auto &channel : channels) {
        channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10));
    }
    return channels;
}

std::string fixed(double value, int decimals) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    return buffer;
}

std::vector<int> parseIntList(const std::string &text) {
    std::vector<int> values;
    std::istringstream list(text);
    for (std::string item; std::getline(list, item, ',');) {
        values.push_back(std::stoi(item));
    }
    return values;
}

HistogramBuckets histogramBuckets(const std::string &exposition, const std::string &name) {
    HistogramBuckets buckets;
    const std::string prefix = name + "_bucket{le=\"";
    std::istringstream lines(exposition);
    std::string line;
    while (std::getline(lines, line)) {
        if (!line.starts_with(prefix)) {
            continue;
        }
        const auto close = line.find('"', prefix.size());
        const auto space = line.rfind(' ');
        if (close == std::string::npos || space == std::string::npos) {
            continue;
        }
        const std::string bound = line.substr(prefix.size(), close - prefix.size());
        const double upper =
            bound == "+Inf" ? std::numeric_limits<double>::infinity() : std::stod(bound);
        buckets.emplace_back(upper, std::stod(line.substr(space + 1)));
    }
    return buckets;
}

double histogramQuantile(const HistogramBuckets &before, const HistogramBuckets &after,
                         double fraction) {
    if (after.empty() || (!before.empty() && before.size() != after.size())) {
        return -1;
    }
    const auto countAt = [&](std::size_t i) {
        return after[i].second - (before.empty() ? 0.0 : before[i].second);
    };
    const double total = countAt(after.size() - 1);
    if (total <= 0) {
        return -1;
    }
    double lastFinite = 0;
    for (std::size_t i = 0; i < after.size(); ++i) {
        if (std::isfinite(after[i].first)) {
            lastFinite = after[i].first;
        }
        if (countAt(i) >= fraction * total) {
            return std::isfinite(after[i].first) ? after[i].first : lastFinite;
        }
    }
    return lastFinite;
}

} // namespace aegis::bench
