#include "watch_fanout.h"

#include "bench_support.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <iostream>
#include <limits>
#include <mutex>
#include <thread>

namespace aegis::bench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char *kDeliveryHistogram = "aegis_watch_delivery_seconds";

std::int64_t nowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
        .count();
}

// Collects watch deliveries: one latency slot per (change, watcher), written once by the
// watcher's reactor; counters tell the measuring thread when a change reached everyone who
// should hear of it.
class Fanout final : public WatchSink {
public:
    static constexpr std::uint32_t kMissing = std::numeric_limits<std::uint32_t>::max();

    Fanout(int watchers, int changes)
        : m_watchers(watchers)
        , m_changes(changes)
        , m_samplesUs(static_cast<std::size_t>(watchers) * static_cast<std::size_t>(changes),
                      kMissing)
        , m_startNs(static_cast<std::size_t>(changes))
        , m_ackUs(static_cast<std::size_t>(changes), 0)
        , m_expected(static_cast<std::size_t>(changes))
        , m_delivered(static_cast<std::size_t>(changes)) {}

    void ready(int) override {
        if (m_ready.fetch_add(1) + 1 == m_watchers) {
            notify();
        }
    }

    void delivered(int watcher, int sequence) override {
        const std::int64_t now = nowNs();
        if (sequence < 0 || sequence >= m_changes || watcher < 0 || watcher >= m_watchers) {
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
        if (m_delivered[index].fetch_add(1) + 1 == m_expected[index].load()) {
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

    // Change `sequence` starts now and should reach `expected` watchers.
    void markStart(int sequence, int expected) {
        m_expected[static_cast<std::size_t>(sequence)].store(expected);
        m_startNs[static_cast<std::size_t>(sequence)].store(nowNs(), std::memory_order_release);
    }
    // The change's call returned `callUs` after markStart().
    void markAcknowledged(int sequence, std::int64_t callUs) {
        m_ackUs[static_cast<std::size_t>(sequence)] = callUs;
    }

    bool waitReady(std::chrono::milliseconds timeout) {
        return waitFor([&] { return m_ready.load(); }, m_watchers, timeout);
    }
    bool waitDelivered(int sequence, std::chrono::milliseconds timeout) {
        const auto index = static_cast<std::size_t>(sequence);
        return waitFor([&] { return m_delivered[index].load(); }, m_expected[index].load(),
                       timeout);
    }
    bool waitEnded(std::chrono::milliseconds timeout) {
        return waitFor([&] { return m_ended.load(); }, m_watchers, timeout);
    }
    int readyCount() const { return m_ready.load(); }

    // Sorted latencies of every delivery in microseconds, from the start of its change's call
    // or (`sinceAck`) from the moment it returned. Read once the watchers have ended.
    std::vector<std::uint32_t> sortedSamples(bool sinceAck) const {
        std::vector<std::uint32_t> samples;
        for (std::size_t index = 0; index < m_samplesUs.size(); ++index) {
            const auto sample = m_samplesUs[index];
            if (sample == kMissing) {
                continue;
            }
            const std::int64_t ack =
                sinceAck ? m_ackUs[index / static_cast<std::size_t>(m_watchers)] : 0;
            samples.push_back(static_cast<std::uint32_t>(std::max<std::int64_t>(0, sample - ack)));
        }
        std::sort(samples.begin(), samples.end());
        return samples;
    }
    std::string firstError() {
        std::lock_guard lock(m_mutex);
        return m_firstError;
    }

private:
    // Waits until `count()` reaches `target` or `timeout` passes; returns whether it did.
    template <typename Count>
    bool waitFor(Count count, int target, std::chrono::milliseconds timeout) {
        std::unique_lock lock(m_mutex);
        return m_changed.wait_for(lock, timeout, [&] { return count() >= target; });
    }

    void notify() {
        std::lock_guard lock(m_mutex);
        m_changed.notify_all();
    }

    const int m_watchers;
    const int m_changes;
    std::vector<std::uint32_t> m_samplesUs;
    std::vector<std::atomic<std::int64_t>> m_startNs;
    std::vector<std::int64_t> m_ackUs; // Written and read by the measuring thread only.
    std::vector<std::atomic<int>> m_expected;
    std::vector<std::atomic<int>> m_delivered;
    std::atomic<int> m_ready{0};
    std::atomic<int> m_ended{0};
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::string m_firstError;
};

// One change, waited for; returns its call's latency in microseconds. With a `fanout`, the change
// should reach `expected` watchers.
std::int64_t changeAndWait(FanoutTarget &target, int sequence,
                           const std::shared_ptr<grpc::Channel> &channel, Fanout *fanout,
                           int expected, std::string &error) {
    std::mutex mutex;
    std::condition_variable finished;
    bool done = false;
    grpc::Status result;
    const auto started = Clock::now();
    if (fanout != nullptr) {
        fanout->markStart(sequence, expected);
    }
    target.change(sequence, channel, [&](const grpc::Status &status) {
        std::lock_guard lock(mutex);
        result = status;
        done = true;
        finished.notify_all();
    });
    std::unique_lock lock(mutex);
    finished.wait(lock, [&] { return done; });
    if (!result.ok() && error.empty()) {
        error = "change " + std::to_string(sequence) + ": " + std::to_string(result.error_code()) +
                ": " + result.error_message();
    }
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count();
}

} // namespace

WatchResult measureFanout(FanoutTarget &target, int watchers, const FanoutOptions &options) {
    WatchResult result;
    result.system = target.name();
    result.watchers = watchers;
    target.prepare(watchers);
    const auto changing = makeChannels(target.address(), 1).front();
    // A first change creates what is watched and warms up the write path.
    changeAndWait(target, -1, changing, nullptr, 0, result.firstError);
    std::this_thread::sleep_for(500ms);
    const auto pids = target.serverPids();
    result.rssBeforeKib = processRssKib(pids);

    const auto channels = makeChannels(target.address(), options.watchChannels);
    auto owned = std::make_unique<Fanout>(watchers, options.changes);
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
    result.rssAfterKib = processRssKib(pids);
    // The first call after the watchers opened takes ~100 ms in this client whatever the server
    // (etcd as much as aegisd), which would put a whole late round into every p99: one unmeasured
    // change first.
    changeAndWait(target, -2, changing, nullptr, 0, result.firstError);
    std::this_thread::sleep_for(200ms);

    const auto deliveryBefore = histogramBuckets(target.metricsPage(), kDeliveryHistogram);
    CpuWindow cpu(pids);
    cpu.start();
    const auto windowStart = Clock::now();
    std::vector<std::int64_t> callUs;
    for (int sequence = 0; sequence < options.changes; ++sequence) {
        int expected = 0;
        for (int index = 0; index < watchers; ++index) {
            expected += target.hears(index, sequence) ? 1 : 0;
        }
        result.expected += static_cast<std::uint64_t>(expected);
        const auto sent = Clock::now();
        callUs.push_back(
            changeAndWait(target, sequence, changing, &fanout, expected, result.firstError));
        fanout.markAcknowledged(sequence, callUs.back());
        const auto left =
            options.deliveryTimeout -
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - sent);
        fanout.waitDelivered(sequence, std::max(left, std::chrono::milliseconds(0)));
        std::this_thread::sleep_for(options.pause);
    }
    cpu.stop();
    result.serverCores =
        cpu.serverCores(std::chrono::duration<double>(Clock::now() - windowStart).count());
    const auto deliveryAfter = histogramBuckets(target.metricsPage(), kDeliveryHistogram);
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
        // The samples stay readable: the collector is leaked, not freed.
    }
    opened.clear();

    const auto samples = fanout.sortedSamples(false);
    const auto afterAck = fanout.sortedSamples(true);
    const std::string watchError = fanout.firstError();
    result.notified = samples.size();
    result.p50Ms = percentile(samples, 0.50) / 1000.0;
    result.p99Ms = percentile(samples, 0.99) / 1000.0;
    result.maxMs = samples.empty() ? 0 : samples.back() / 1000.0;
    result.afterAckP50Ms = percentile(afterAck, 0.50) / 1000.0;
    result.afterAckP99Ms = percentile(afterAck, 0.99) / 1000.0;
    if (!samples.empty()) {
        const double events = static_cast<double>(samples.size());
        result.serverCpuUsPerEvent = cpu.serverSeconds() * 1e6 / events;
        result.benchCpuUsPerEvent = cpu.benchSeconds() * 1e6 / events;
    }
    std::sort(callUs.begin(), callUs.end());
    result.callP50Ms = static_cast<double>(percentile(callUs, 0.50)) / 1000.0;
    result.callMaxMs = callUs.empty() ? 0 : static_cast<double>(callUs.back()) / 1000.0;
    if (result.firstError.empty()) {
        result.firstError = watchError;
    }
    return result;
}

CpuRounds measureCpuRounds(int watchers, int changes, int rounds,
                           const std::function<WatchResult()> &aegisRow,
                           const std::function<WatchResult()> &etcdRow) {
    CpuRounds measured;
    measured.watchers = watchers;
    measured.changes = changes;
    for (int round = 1; round <= rounds; ++round) {
        const WatchResult aegis = aegisRow();
        const WatchResult etcd = etcdRow();
        if (!aegis.firstError.empty() || !etcd.firstError.empty() ||
            aegis.serverCpuUsPerEvent <= 0 || etcd.serverCpuUsPerEvent <= 0) {
            // Left out of the median, and said so; the rows measured so far stay.
            std::cerr << "warning: CPU round " << round << " left out: "
                      << (aegis.firstError.empty() && etcd.firstError.empty()
                              ? "no CPU time measured"
                              : aegis.firstError + " " + etcd.firstError)
                      << "\n";
            ++measured.failed;
            continue;
        }
        measured.usPerEvent.emplace_back(aegis.serverCpuUsPerEvent, etcd.serverCpuUsPerEvent);
    }
    return measured;
}

void printCpuRounds(const CpuRounds &rounds) {
    std::cout << "### Server CPU per delivered event, " << rounds.watchers << " watchers, "
              << rounds.usPerEvent.size() << " rounds of " << rounds.changes
              << " changes per row (Aegis's WatchService row, then etcd's, each on a fresh "
                 "server)\n\n"
              << "| round | Aegis µs / event | etcd µs / event | Aegis / etcd |\n"
              << "|---:|---:|---:|---:|\n";
    std::vector<double> ratios;
    for (const auto &[aegis, etcd] : rounds.usPerEvent) {
        ratios.push_back(aegis / etcd);
        std::cout << "| " << ratios.size() << " | " << fixed(aegis, 1) << " | " << fixed(etcd, 1)
                  << " | " << fixed(ratios.back(), 2) << "× |\n";
    }
    if (rounds.failed > 0) {
        std::cout << "\n" << rounds.failed << " round(s) failed and are left out.\n";
    }
    if (ratios.empty()) {
        std::cout << "\n";
        return;
    }
    const auto [low, high] = std::minmax_element(ratios.begin(), ratios.end());
    std::cout << "\nMedian Aegis / etcd: **" << fixed(median(ratios), 2) << "×** (range "
              << fixed(*low, 2) << "–" << fixed(*high, 2) << "×)\n\n";
}

} // namespace aegis::bench
