// aegis-bench-config: the configuration center under load, on one aegisd.
//   delivery     N clients watch one key (WatchConfig, spread over a few connections); each of R
//                publishes is timed from the start of its PublishConfig call to its arrival at
//                every watcher (p50 / p99 / max over all N × R deliveries);
//   publishes/s  durable PublishConfig calls (each a new version, fsync'd with its audit record)
//                with 64 outstanding;
//   reads/s      GetConfigItem with 64 outstanding.
// Markdown tables go to stdout, progress to stderr. See bench/RESULTS.md, "Configuration".

#include "aegis/v1/config.grpc.pb.h"
#include "bench_support.h"
#include "closed_loop_load.h"
#include "daemon_process.h"
#include "http_get.h"

#include <boost/program_options.hpp>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <sys/resource.h>
#include <thread>

namespace po = boost::program_options;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace aegis::bench::config {
namespace {

namespace v1 = aegis::v1;
using Clock = steady_clock;

void progress(const std::string &line) {
    std::cerr << "[config] " << line << std::endl;
}

v1::ConfigItemRef benchRef(const std::string &key) {
    v1::ConfigItemRef ref;
    ref.set_namespace_("bench");
    ref.set_group("app");
    ref.set_key(key);
    return ref;
}

// Arrival times of each version, per watcher; filled from gRPC's callback threads.
class Deliveries {
public:
    explicit Deliveries(int watchers)
        : m_ready(static_cast<std::size_t>(watchers), false) {}

    void ready(int watcher) {
        std::lock_guard lock(m_mutex);
        if (!m_ready[static_cast<std::size_t>(watcher)]) {
            m_ready[static_cast<std::size_t>(watcher)] = true;
            ++m_readyCount;
            m_changed.notify_all();
        }
    }
    void delivered(std::int64_t version, Clock::time_point at) {
        std::lock_guard lock(m_mutex);
        m_arrivals[version].push_back(at);
        m_changed.notify_all();
    }
    bool waitReady(int count, milliseconds timeout) {
        std::unique_lock lock(m_mutex);
        return m_changed.wait_for(lock, timeout, [&] { return m_readyCount >= count; });
    }
    bool waitDelivered(std::int64_t version, std::size_t count, milliseconds timeout) {
        std::unique_lock lock(m_mutex);
        return m_changed.wait_for(lock, timeout,
                                  [&] { return m_arrivals[version].size() >= count; });
    }
    std::vector<Clock::time_point> arrivals(std::int64_t version) {
        std::lock_guard lock(m_mutex);
        return m_arrivals[version];
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::vector<bool> m_ready;
    int m_readyCount = 0;
    std::map<std::int64_t, std::vector<Clock::time_point>> m_arrivals;
};

class Watcher final : public grpc::ClientReadReactor<v1::WatchConfigResponse> {
public:
    Watcher(int index, v1::ConfigService::Stub &stub, const std::string &bearer,
            Deliveries &deliveries)
        : m_index(index)
        , m_deliveries(deliveries) {
        m_context.AddMetadata("authorization", bearer);
        m_request.set_namespace_("bench");
        m_request.set_group("app");
        m_request.set_key("flags.json");
        m_request.set_service("bench");
        m_request.set_instance_id("watcher-" + std::to_string(index));
        stub.async()->WatchConfig(&m_context, &m_request, this);
        StartRead(&m_response);
        StartCall();
    }
    void cancel() { m_context.TryCancel(); }
    bool done() const { return m_done; }

    void OnReadDone(bool ok) override {
        if (!ok) {
            return;
        }
        const auto now = Clock::now();
        if (m_response.snapshot()) {
            m_deliveries.ready(m_index);
        } else {
            for (const auto &event : m_response.events()) {
                m_deliveries.delivered(event.version(), now);
            }
        }
        StartRead(&m_response);
    }
    void OnDone(const grpc::Status &) override { m_done = true; }

private:
    const int m_index;
    Deliveries &m_deliveries;
    grpc::ClientContext m_context;
    v1::WatchConfigRequest m_request;
    v1::WatchConfigResponse m_response;
    std::atomic<bool> m_done{false};
};

grpc::Status publishOnce(v1::ConfigService::Stub &stub, const std::string &bearer,
                         const std::string &key, const std::string &content, std::int64_t base,
                         std::int64_t *version = nullptr) {
    v1::PublishConfigRequest request;
    *request.mutable_change()->mutable_ref() = benchRef(key);
    request.mutable_change()->set_format(v1::CONFIG_FORMAT_JSON);
    request.mutable_change()->set_content(content);
    request.mutable_change()->set_base_version(base);
    request.set_comment("benchmark");
    v1::PublishConfigResponse response;
    grpc::ClientContext context;
    context.AddMetadata("authorization", bearer);
    context.set_deadline(system_clock::now() + 10s);
    const auto status = stub.PublishConfig(&context, request, &response);
    if (version != nullptr) {
        *version = response.item().version();
    }
    return status;
}

struct DeliveryRow {
    int watchers = 0;
    int publishes = 0;
    std::size_t deliveries = 0;
    std::size_t missing = 0;
    double p50 = 0;
    double p99 = 0;
    double max = 0;
    // The same from the moment PublishConfig returned (the change durable): the fan-out alone.
    double ackP50 = 0;
    double ackP99 = 0;
    double ackMax = 0;
    double publishP50 = 0;
    double publishMax = 0;
    double daemonCores = 0;
    std::int64_t rssKib = 0;
    // aegisd's own figure, commit to each stream's write completing (bucket bounds of its
    // aegis_watch_delivery_seconds over the publishes).
    double serverP50 = -1;
    double serverP99 = -1;
    // CPU per delivery, aegisd's and this benchmark's (the watchers' reads).
    double daemonUsPerDelivery = 0;
    double benchUsPerDelivery = 0;
};

DeliveryRow measureDelivery(int watchers, int publishes) {
    auto daemon = testing::DaemonProcess::start({{}, {}, {"--log-level", "warn"}, {}, 20s});
    if (!daemon) {
        throw std::runtime_error("aegisd did not start: " + daemon.status().message());
    }
    const std::string bearer = "Bearer " + (*daemon)->adminToken();
    auto channels = makeChannels((*daemon)->grpcAddress(), 8);
    std::vector<std::unique_ptr<v1::ConfigService::Stub>> stubs;
    for (const auto &channel : channels) {
        stubs.push_back(v1::ConfigService::NewStub(channel));
    }
    std::int64_t version = 0;
    if (auto status = publishOnce(*stubs[0], bearer, "flags.json", R"({"round": 0})", 0, &version);
        !status.ok()) {
        throw std::runtime_error("first publish: " + status.error_message());
    }
    Deliveries deliveries(watchers);
    std::vector<std::unique_ptr<Watcher>> open;
    progress("delivery: opening " + std::to_string(watchers) + " watchers");
    // Connection 0 publishes; the watchers share the others, as services and the operator's
    // console would not share a connection.
    for (int i = 0; i < watchers; ++i) {
        open.push_back(std::make_unique<Watcher>(
            i, *stubs[1 + static_cast<std::size_t>(i) % (stubs.size() - 1)], bearer, deliveries));
    }
    if (!deliveries.waitReady(watchers, 120s)) {
        throw std::runtime_error("not every watcher received its snapshot within 120 s");
    }
    std::this_thread::sleep_for(1s);
    const auto metrics = [&] {
        return histogramBuckets(testing::httpGet((*daemon)->httpAddress(), "/metrics").body,
                                "aegis_watch_delivery_seconds");
    };
    const auto deliveryBefore = metrics();
    const double cpuBefore = processCpuSeconds((*daemon)->pid());
    const double benchCpuBefore = selfCpuSeconds();
    const auto started = Clock::now();
    std::vector<double> latencies;
    std::vector<double> afterAck;
    std::vector<double> publishTimes;
    DeliveryRow row;
    row.watchers = watchers;
    row.publishes = publishes;
    for (int round = 1; round <= publishes; ++round) {
        const auto sent = Clock::now();
        std::int64_t next = 0;
        const auto status =
            publishOnce(*stubs[0], bearer, "flags.json",
                        R"({"round": )" + std::to_string(round) + "}", version, &next);
        if (!status.ok()) {
            throw std::runtime_error("publish: " + status.error_message());
        }
        const auto acknowledged = Clock::now();
        publishTimes.push_back(duration<double, std::milli>(acknowledged - sent).count());
        progress("round " + std::to_string(round) + ": publish " + fixed(publishTimes.back(), 1) +
                 " ms");
        version = next;
        deliveries.waitDelivered(version, static_cast<std::size_t>(watchers), 30s);
        const auto arrivals = deliveries.arrivals(version);
        row.missing += static_cast<std::size_t>(watchers) - arrivals.size();
        for (const auto at : arrivals) {
            latencies.push_back(duration<double, std::milli>(at - sent).count());
            afterAck.push_back(
                std::max(0.0, duration<double, std::milli>(at - acknowledged).count()));
        }
        std::this_thread::sleep_for(200ms); // let the fan-out settle; rounds do not overlap
    }
    const double seconds = duration<double>(Clock::now() - started).count();
    const double daemonCpu = processCpuSeconds((*daemon)->pid()) - cpuBefore;
    const double benchCpu = selfCpuSeconds() - benchCpuBefore;
    row.daemonCores = daemonCpu / seconds;
    const auto deliveryAfter = metrics();
    row.serverP50 = histogramQuantile(deliveryBefore, deliveryAfter, 0.5) * 1000;
    row.serverP99 = histogramQuantile(deliveryBefore, deliveryAfter, 0.99) * 1000;
    row.rssKib = processRssKib((*daemon)->pid());
    std::sort(latencies.begin(), latencies.end());
    row.deliveries = latencies.size();
    if (!latencies.empty()) {
        row.daemonUsPerDelivery = daemonCpu * 1e6 / static_cast<double>(latencies.size());
        row.benchUsPerDelivery = benchCpu * 1e6 / static_cast<double>(latencies.size());
    }
    row.p50 = percentile(latencies, 0.5);
    row.p99 = percentile(latencies, 0.99);
    row.max = latencies.empty() ? 0 : latencies.back();
    std::sort(afterAck.begin(), afterAck.end());
    row.ackP50 = percentile(afterAck, 0.5);
    row.ackP99 = percentile(afterAck, 0.99);
    row.ackMax = afterAck.empty() ? 0 : afterAck.back();
    std::sort(publishTimes.begin(), publishTimes.end());
    row.publishP50 = percentile(publishTimes, 0.5);
    row.publishMax = publishTimes.empty() ? 0 : publishTimes.back();
    for (auto &watcher : open) {
        watcher->cancel();
    }
    for (auto &watcher : open) {
        while (!watcher->done()) {
            std::this_thread::sleep_for(1ms);
        }
    }
    (*daemon)->terminate();
    return row;
}

struct ThroughputRow {
    std::string workload;
    LoadResult result;
    double daemonCores = 0;
};

std::vector<ThroughputRow> measureThroughput(milliseconds window) {
    auto daemon = testing::DaemonProcess::start({{}, {}, {"--log-level", "warn"}, {}, 20s});
    if (!daemon) {
        throw std::runtime_error("aegisd did not start: " + daemon.status().message());
    }
    const std::string bearer = "Bearer " + (*daemon)->adminToken();
    auto channels = makeChannels((*daemon)->grpcAddress(), 4);
    constexpr int kConcurrency = 64;
    struct Slot {
        std::unique_ptr<v1::ConfigService::Stub> stub;
        std::unique_ptr<grpc::ClientContext> context;
        v1::PublishConfigRequest publish;
        v1::PublishConfigResponse published;
        v1::GetConfigItemRequest get;
        v1::GetConfigItemResponse got;
        std::int64_t version = 0;
    };
    std::vector<Slot> slots(kConcurrency);
    for (int i = 0; i < kConcurrency; ++i) {
        Slot &slot = slots[static_cast<std::size_t>(i)];
        slot.stub =
            v1::ConfigService::NewStub(channels[static_cast<std::size_t>(i) % channels.size()]);
        // One key per slot: each publish moves it to the next version (compare-and-set holds).
        const std::string key = "key-" + std::to_string(i) + ".json";
        if (auto status = publishOnce(*slot.stub, bearer, key, R"({"n": 0})", 0, &slot.version);
            !status.ok()) {
            throw std::runtime_error("seed publish: " + status.error_message());
        }
        *slot.get.mutable_ref() = benchRef(key);
        *slot.publish.mutable_change()->mutable_ref() = benchRef(key);
        slot.publish.mutable_change()->set_format(v1::CONFIG_FORMAT_JSON);
        slot.publish.set_comment("benchmark");
    }
    std::vector<ThroughputRow> rows;
    const int pid = (*daemon)->pid();
    auto run = [&](const std::string &name, const CallStarter &start) {
        double cpuStart = 0;
        Clock::time_point windowStart;
        ThroughputRow row;
        row.workload = name;
        row.result = runClosedLoop(kConcurrency, start, 2s, window, [&](bool starting) {
            if (starting) {
                cpuStart = processCpuSeconds(pid);
                windowStart = Clock::now();
            } else {
                row.daemonCores = (processCpuSeconds(pid) - cpuStart) /
                                  duration<double>(Clock::now() - windowStart).count();
            }
        });
        rows.push_back(row);
    };
    progress("throughput: durable publishes");
    run("PublishConfig (durable, audited, new version)",
        [&](int index, std::function<void(const grpc::Status &)> done) {
            Slot &slot = slots[static_cast<std::size_t>(index)];
            slot.context = std::make_unique<grpc::ClientContext>();
            slot.context->AddMetadata("authorization", bearer);
            slot.context->set_deadline(system_clock::now() + 10s);
            slot.publish.mutable_change()->set_base_version(slot.version);
            slot.publish.mutable_change()->set_content(R"({"n": )" + std::to_string(slot.version) +
                                                       "}");
            slot.stub->async()->PublishConfig(slot.context.get(), &slot.publish, &slot.published,
                                              [&slot, done = std::move(done)](grpc::Status status) {
                                                  if (status.ok()) {
                                                      slot.version =
                                                          slot.published.item().version();
                                                  }
                                                  done(status);
                                              });
        });
    progress("throughput: reads");
    run("GetConfigItem (from memory)",
        [&](int index, std::function<void(const grpc::Status &)> done) {
            Slot &slot = slots[static_cast<std::size_t>(index)];
            slot.context = std::make_unique<grpc::ClientContext>();
            slot.context->AddMetadata("authorization", bearer);
            slot.context->set_deadline(system_clock::now() + 10s);
            slot.stub->async()->GetConfigItem(
                slot.context.get(), &slot.get, &slot.got,
                [done = std::move(done)](grpc::Status status) { done(status); });
        });
    (*daemon)->terminate();
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
            std::vector<config::DeliveryRow> rows;
            for (int watchers : watcherCounts) {
                rows.push_back(config::measureDelivery(watchers, publishes));
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
                          << fixed(row.daemonCores, 2) << " | " << fixed(row.daemonUsPerDelivery, 1)
                          << " | " << fixed(row.benchUsPerDelivery, 1) << " | "
                          << fixed(row.rssKib / 1024.0, 1) << " |\n";
            }
            std::cout << "\n";
        }
        if (only.empty() || only == "throughput") {
            const auto rows = config::measureThroughput(std::chrono::seconds(windowSeconds));
            std::cout << "### Throughput (64 outstanding, 4 connections, " << windowSeconds
                      << " s window)\n\n"
                      << "| workload | calls/s | p50 ms | p99 ms | errors | aegisd CPU (cores) "
                         "|\n|---|---:|---:|---:|---:|---:|\n";
            for (const auto &row : rows) {
                std::cout << "| " << row.workload << " | " << fixed(row.result.callsPerSecond(), 0)
                          << " | " << fixed(row.result.p50Ms, 2) << " | "
                          << fixed(row.result.p99Ms, 2) << " | " << row.result.failed
                          << (row.result.firstError.empty() ? ""
                                                            : " (" + row.result.firstError + ")")
                          << " | " << fixed(row.daemonCores, 2) << " |\n";
            }
            std::cout << "\n";
        }
    } catch (const std::exception &error) {
        std::cerr << "aegis-bench-config: " << error.what() << "\n";
        return 1;
    }
    return 0;
}
