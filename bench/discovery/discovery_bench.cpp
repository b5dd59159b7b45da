#include "discovery_bench.h"

#include "bench_support.h"

#include <algorithm>
#include <condition_variable>
#include <iostream>
#include <limits>
#include <mutex>
#include <thread>

namespace aegis::bench::discovery {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::int64_t nowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
        .count();
}

// Server and bench CPU over a window.
class CpuWindow {
public:
    explicit CpuWindow(int pid)
        : m_pid(pid) {}
    void start() {
        m_server = -processCpuSeconds(m_pid);
        m_bench = -selfCpuSeconds();
    }
    void stop() {
        m_server += processCpuSeconds(m_pid);
        m_bench += selfCpuSeconds();
    }
    double serverCores(double seconds) const { return seconds > 0 ? m_server / seconds : 0; }
    double benchCores(double seconds) const { return seconds > 0 ? m_bench / seconds : 0; }
    double serverSeconds() const { return m_server; }
    double benchSeconds() const { return m_bench; }

private:
    int m_pid;
    double m_server = 0;
    double m_bench = 0;
};

// Collects watch deliveries: one latency slot per (registration, watcher), written once by the
// watcher's reactor; counters tell the measuring thread when a registration reached everyone.
class Fanout final : public WatchSink {
public:
    static constexpr std::uint32_t kMissing = std::numeric_limits<std::uint32_t>::max();

    Fanout(int watchers, int repeats)
        : m_watchers(watchers)
        , m_repeats(repeats)
        , m_samplesUs(static_cast<std::size_t>(watchers) * static_cast<std::size_t>(repeats),
                      kMissing)
        , m_startNs(static_cast<std::size_t>(repeats))
        , m_delivered(static_cast<std::size_t>(repeats)) {}

    void ready(int) override {
        if (m_ready.fetch_add(1) + 1 == m_watchers) {
            notify();
        }
    }

    void delivered(int watcher, int sequence) override {
        const std::int64_t now = nowNs();
        if (sequence >= m_repeats) {
            return;
        }
        const auto index = static_cast<std::size_t>(sequence);
        const std::int64_t start = m_startNs[index].load(std::memory_order_acquire);
        auto &sample = m_samplesUs[index * static_cast<std::size_t>(m_watchers) +
                                   static_cast<std::size_t>(watcher)];
        if (start == 0 || sample != kMissing) {
            return;
        }
        sample = static_cast<std::uint32_t>(std::max<std::int64_t>(0, (now - start) / 1000));
        if (m_delivered[index].fetch_add(1) + 1 == m_watchers) {
            notify();
        }
    }

    void ended(int, const grpc::Status &status) override {
        if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED) {
            std::lock_guard lock(m_mutex);
            if (m_firstError.empty()) {
                m_firstError = std::to_string(status.error_code()) + ": " + status.error_message();
            }
        }
        if (m_ended.fetch_add(1) + 1 == m_watchers) {
            notify();
        }
    }

    void markStart(int sequence) {
        m_startNs[static_cast<std::size_t>(sequence)].store(nowNs(), std::memory_order_release);
    }

    // Waits until `count()` reaches `target` or `timeout` passes; returns whether it did.
    template <typename Count>
    bool waitFor(Count count, int target, std::chrono::milliseconds timeout) {
        std::unique_lock lock(m_mutex);
        return m_changed.wait_for(lock, timeout, [&] { return count() >= target; });
    }
    bool waitReady(std::chrono::milliseconds timeout) {
        return waitFor([&] { return m_ready.load(); }, m_watchers, timeout);
    }
    bool waitDelivered(int sequence, std::chrono::milliseconds timeout) {
        return waitFor([&] { return m_delivered[static_cast<std::size_t>(sequence)].load(); },
                       m_watchers, timeout);
    }
    bool waitEnded(std::chrono::milliseconds timeout) {
        return waitFor([&] { return m_ended.load(); }, m_watchers, timeout);
    }
    int readyCount() const { return m_ready.load(); }

    // Sorted latencies of every delivery, in microseconds.
    std::vector<std::uint32_t> sortedSamples() const {
        std::vector<std::uint32_t> samples;
        for (const auto sample : m_samplesUs) {
            if (sample != kMissing) {
                samples.push_back(sample);
            }
        }
        std::sort(samples.begin(), samples.end());
        return samples;
    }
    std::string firstError() {
        std::lock_guard lock(m_mutex);
        return m_firstError;
    }

private:
    void notify() {
        std::lock_guard lock(m_mutex);
        m_changed.notify_all();
    }

    const int m_watchers;
    const int m_repeats;
    std::vector<std::uint32_t> m_samplesUs;
    std::vector<std::atomic<std::int64_t>> m_startNs;
    std::vector<std::atomic<int>> m_delivered;
    std::atomic<int> m_ready{0};
    std::atomic<int> m_ended{0};
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::string m_firstError;
};

// One registration for the watch measure, waited for; returns its latency in microseconds.
std::int64_t registerAndWait(DiscoveryTarget &target, int sequence,
                             const std::shared_ptr<grpc::Channel> &channel, Fanout *fanout,
                             std::string &error) {
    std::mutex mutex;
    std::condition_variable finished;
    bool done = false;
    grpc::Status result;
    const auto started = Clock::now();
    if (fanout != nullptr) {
        fanout->markStart(sequence);
    }
    target.registerForWatch(sequence, channel, [&](const grpc::Status &status) {
        std::lock_guard lock(mutex);
        result = status;
        done = true;
        finished.notify_all();
    });
    std::unique_lock lock(mutex);
    finished.wait(lock, [&] { return done; });
    if (!result.ok() && error.empty()) {
        error =
            "registration: " + std::to_string(result.error_code()) + ": " + result.error_message();
    }
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count();
}

} // namespace

ThroughputResult measureRegistrations(DiscoveryTarget &target, const DiscoveryOptions &options) {
    const auto channels = makeChannels(target.address(), options.registerChannels);
    const auto start = target.registrations(options.registerConcurrency, channels);
    CpuWindow cpu(target.pid());
    const auto load =
        runClosedLoop(options.registerConcurrency, start, options.warmup, options.window,
                      [&](bool starting) { starting ? cpu.start() : cpu.stop(); });
    ThroughputResult result;
    result.system = target.name();
    result.perSecond = load.callsPerSecond();
    result.p50Ms = load.p50Ms;
    result.p99Ms = load.p99Ms;
    result.failed = load.failed;
    result.firstError = load.firstError;
    result.serverCores = cpu.serverCores(load.window.count());
    result.benchCores = cpu.benchCores(load.window.count());
    return result;
}

ThroughputResult measureRenewals(DiscoveryTarget &target, const DiscoveryOptions &options) {
    ThroughputResult result;
    result.system = target.name();
    const auto setup = makeChannels(target.address(), 1);
    const auto leases = target.createLeases(options.leases, setup.front());
    if (static_cast<int>(leases.size()) < options.leases) {
        result.firstError = "only " + std::to_string(leases.size()) + " of " +
                            std::to_string(options.leases) + " leases created";
        if (leases.empty()) {
            return result;
        }
    }
    const int streamCount = std::max(1, options.renewStreams);
    std::vector<std::vector<std::int64_t>> shares(static_cast<std::size_t>(streamCount));
    for (std::size_t index = 0; index < leases.size(); ++index) {
        shares[index % shares.size()].push_back(leases[index]);
    }
    const auto channels = makeChannels(target.address(), streamCount);
    RenewalCounters counters;
    std::vector<std::unique_ptr<RenewalStream>> streams;
    for (int index = 0; index < streamCount; ++index) {
        streams.push_back(target.openRenewalStream(channels[static_cast<std::size_t>(index)],
                                                   shares[static_cast<std::size_t>(index)],
                                                   options.renewDepth, counters));
    }
    std::this_thread::sleep_for(options.warmup);
    CpuWindow cpu(target.pid());
    cpu.start();
    const auto windowStart = Clock::now();
    counters.measuring.store(true);
    std::this_thread::sleep_for(options.window);
    counters.measuring.store(false);
    const std::chrono::duration<double> window = Clock::now() - windowStart;
    cpu.stop();
    for (auto &stream : streams) {
        const auto status = stream->stop();
        if (!status.ok() && result.firstError.empty()) {
            result.firstError = std::to_string(status.error_code()) + ": " + status.error_message();
        }
    }
    result.perSecond = static_cast<double>(counters.renewed.load()) / window.count();
    result.failed = counters.lost.load();
    result.serverCores = cpu.serverCores(window.count());
    result.benchCores = cpu.benchCores(window.count());
    return result;
}

WatchResult measureWatch(DiscoveryTarget &target, int watchers, const DiscoveryOptions &options) {
    WatchResult result;
    result.system = target.name();
    result.watchers = watchers;
    const auto registering = makeChannels(target.address(), 1).front();
    // A first registration creates the service (Aegis) and warms up the write path.
    registerAndWait(target, -1, registering, nullptr, result.firstError);
    std::this_thread::sleep_for(500ms);
    result.rssBeforeKib = processRssKib(target.pid());

    const auto channels = makeChannels(target.address(), options.watchChannels);
    auto owned = std::make_unique<Fanout>(watchers, options.watchRepeats);
    Fanout &fanout = *owned;
    std::vector<std::unique_ptr<Watcher>> opened;
    opened.reserve(static_cast<std::size_t>(watchers));
    const auto openStart = Clock::now();
    for (int index = 0; index < watchers; ++index) {
        opened.push_back(target.openWatcher(
            index, channels[static_cast<std::size_t>(index) % channels.size()], fanout));
    }
    fanout.waitReady(120s);
    result.openSeconds = std::chrono::duration<double>(Clock::now() - openStart).count();
    result.opened = fanout.readyCount();
    std::this_thread::sleep_for(1s);
    result.rssAfterKib = processRssKib(target.pid());

    constexpr std::string_view kDelivery = "aegis_watch_delivery_seconds";
    const auto deliveryBefore = histogramBuckets(target.metricsPage(), std::string(kDelivery));
    CpuWindow cpu(target.pid());
    cpu.start();
    std::vector<std::int64_t> registerUs;
    for (int sequence = 0; sequence < options.watchRepeats; ++sequence) {
        const auto sent = Clock::now();
        registerUs.push_back(
            registerAndWait(target, sequence, registering, &fanout, result.firstError));
        const auto left =
            options.deliveryTimeout -
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - sent);
        fanout.waitDelivered(sequence, std::max(left, std::chrono::milliseconds(0)));
        std::this_thread::sleep_for(50ms);
    }
    cpu.stop();
    const auto deliveryAfter = histogramBuckets(target.metricsPage(), std::string(kDelivery));
    if (!deliveryAfter.empty()) {
        result.serverP50Ms = histogramQuantile(deliveryBefore, deliveryAfter, 0.50) * 1000;
        result.serverP99Ms = histogramQuantile(deliveryBefore, deliveryAfter, 0.99) * 1000;
    }

    for (auto &watcher : opened) {
        watcher->cancel();
    }
    if (!fanout.waitEnded(60s)) {
        std::cerr << "warning: " << target.name()
                  << " watchers did not all end; leaking them rather than freeing live calls\n";
        for (auto &watcher : opened) {
            static_cast<void>(watcher.release());
        }
        static_cast<void>(owned.release());
    }
    opened.clear();

    const auto samples = fanout.sortedSamples();
    const std::string watchError = fanout.firstError();
    result.notified = samples.size();
    result.expected =
        static_cast<std::uint64_t>(watchers) * static_cast<std::uint64_t>(options.watchRepeats);
    result.p50Ms = percentile(samples, 0.50) / 1000.0;
    result.p99Ms = percentile(samples, 0.99) / 1000.0;
    result.maxMs = samples.empty() ? 0 : samples.back() / 1000.0;
    if (!samples.empty()) {
        const double events = static_cast<double>(samples.size());
        result.serverCpuUsPerEvent = cpu.serverSeconds() * 1e6 / events;
        result.benchCpuUsPerEvent = cpu.benchSeconds() * 1e6 / events;
    }
    std::sort(registerUs.begin(), registerUs.end());
    result.registerP50Ms = static_cast<double>(percentile(registerUs, 0.50)) / 1000.0;
    if (result.firstError.empty()) {
        result.firstError = watchError;
    }
    return result;
}

} // namespace aegis::bench::discovery
