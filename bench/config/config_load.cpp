#include "config_load.h"

#include "bench_support.h"
#include "http_get.h"

#include "aegis/v1/config.grpc.pb.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace aegis::bench::config {
namespace {

namespace v1 = aegis::v1;
using namespace std::chrono;
using namespace std::chrono_literals;
using Clock = steady_clock;

constexpr const char *kNamespace = "bench";
constexpr const char *kGroup = "app";
constexpr const char *kWatchedKey = "flags.json";

v1::ConfigItemRef benchRef(const std::string &key) {
    v1::ConfigItemRef ref;
    ref.set_namespace_(kNamespace);
    ref.set_group(kGroup);
    ref.set_key(key);
    return ref;
}

grpc::Status publishOnce(v1::ConfigService::Stub &stub, const std::string &bearer,
                         const std::string &key, const std::string &content, std::int64_t base,
                         std::int64_t *version) {
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
    *version = response.item().version();
    return status;
}

// Arrival times of each version at the watchers; filled from gRPC's callback threads.
class Deliveries {
public:
    void ready() {
        std::lock_guard lock(m_mutex);
        ++m_ready;
        m_changed.notify_all();
    }
    void delivered(std::int64_t version, Clock::time_point at) {
        std::lock_guard lock(m_mutex);
        m_arrivals[version].push_back(at);
        m_changed.notify_all();
    }
    int waitReady(int count, milliseconds timeout) {
        std::unique_lock lock(m_mutex);
        m_changed.wait_for(lock, timeout, [&] { return m_ready >= count; });
        return m_ready;
    }
    std::vector<Clock::time_point> waitDelivered(std::int64_t version, std::size_t count,
                                                 milliseconds timeout) {
        std::unique_lock lock(m_mutex);
        m_changed.wait_for(lock, timeout, [&] { return m_arrivals[version].size() >= count; });
        return m_arrivals[version];
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_changed;
    int m_ready = 0;
    std::map<std::int64_t, std::vector<Clock::time_point>> m_arrivals;
};

class Watcher final : public grpc::ClientReadReactor<v1::WatchConfigResponse> {
public:
    Watcher(int index, v1::ConfigService::Stub &stub, const std::string &bearer,
            Deliveries &deliveries)
        : m_deliveries(deliveries) {
        m_context.AddMetadata("authorization", bearer);
        m_request.set_namespace_(kNamespace);
        m_request.set_group(kGroup);
        m_request.set_key(kWatchedKey);
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
            m_deliveries.ready();
        } else {
            for (const auto &event : m_response.events()) {
                m_deliveries.delivered(event.version(), now);
            }
        }
        StartRead(&m_response);
    }
    void OnDone(const grpc::Status &) override { m_done = true; }

private:
    Deliveries &m_deliveries;
    grpc::ClientContext m_context;
    v1::WatchConfigRequest m_request;
    v1::WatchConfigResponse m_response;
    std::atomic<bool> m_done{false};
};

// One outstanding call of the closed loop, on a key of its own.
struct Slot {
    std::unique_ptr<v1::ConfigService::Stub> stub;
    std::unique_ptr<grpc::ClientContext> context;
    v1::PublishConfigRequest publish;
    v1::PublishConfigResponse published;
    v1::GetConfigItemRequest get;
    v1::GetConfigItemResponse got;
    std::int64_t version = 0;
};

// `concurrency` slots over 4 connections, each with its key ("<keyPrefix>-<i>.json") published
// once.
std::vector<Slot> seededSlots(const Endpoint &endpoint, const std::string &bearer, int concurrency,
                              const std::string &keyPrefix) {
    const auto channels = makeChannels(endpoint.address, 4);
    std::vector<Slot> slots(static_cast<std::size_t>(concurrency));
    for (int i = 0; i < concurrency; ++i) {
        Slot &slot = slots[static_cast<std::size_t>(i)];
        slot.stub =
            v1::ConfigService::NewStub(channels[static_cast<std::size_t>(i) % channels.size()]);
        const std::string key = keyPrefix + "-" + std::to_string(i) + ".json";
        if (auto status = publishOnce(*slot.stub, bearer, key, R"({"n": 0})", 0, &slot.version);
            !status.ok()) {
            throw std::runtime_error("seed publish: " + status.error_message());
        }
        *slot.get.mutable_ref() = benchRef(key);
        *slot.publish.mutable_change()->mutable_ref() = benchRef(key);
        slot.publish.mutable_change()->set_format(v1::CONFIG_FORMAT_JSON);
        slot.publish.set_comment("benchmark");
    }
    return slots;
}

using SlotCall = std::function<void(Slot &, std::function<void(const grpc::Status &)> done)>;

// A closed loop of `call` on `concurrency` slots with keys "<keyPrefix>-<i>.json" (each with a
// fresh context, authorised), with the server's CPU over its window.
ThroughputResult runOnSlots(const Endpoint &endpoint, int concurrency, const std::string &keyPrefix,
                            milliseconds warmup, milliseconds window, const SlotCall &call) {
    const std::string bearer = "Bearer " + endpoint.adminToken;
    auto slots = seededSlots(endpoint, bearer, concurrency, keyPrefix);
    ThroughputResult result;
    double cpuStart = 0;
    Clock::time_point windowStart;
    result.load = runClosedLoop(
        concurrency,
        [&](int index, std::function<void(const grpc::Status &)> done) {
            Slot &slot = slots[static_cast<std::size_t>(index)];
            slot.context = std::make_unique<grpc::ClientContext>();
            slot.context->AddMetadata("authorization", bearer);
            slot.context->set_deadline(system_clock::now() + 10s);
            call(slot, std::move(done));
        },
        warmup, window,
        [&](bool starting) {
            if (starting) {
                cpuStart = cpuSeconds(endpoint.serverPids);
                windowStart = Clock::now();
            } else {
                result.serverCores = (cpuSeconds(endpoint.serverPids) - cpuStart) /
                                     duration<double>(Clock::now() - windowStart).count();
            }
        });
    return result;
}

HistogramBuckets deliveryHistogram(const Endpoint &endpoint) {
    if (endpoint.metricsAddress.empty()) {
        return {};
    }
    return histogramBuckets(testing::httpGet(endpoint.metricsAddress, "/metrics").body,
                            "aegis_watch_delivery_seconds");
}

} // namespace

double cpuSeconds(const std::vector<int> &pids) {
    double total = 0;
    for (int pid : pids) {
        total += processCpuSeconds(pid);
    }
    return total;
}

ThroughputResult measurePublishes(const Endpoint &endpoint, int concurrency, milliseconds warmup,
                                  milliseconds window) {
    // One key per slot: each publish moves it to the next version (compare-and-set holds).
    return runOnSlots(endpoint, concurrency, "publish", warmup, window, [](Slot &slot, auto done) {
        slot.publish.mutable_change()->set_base_version(slot.version);
        slot.publish.mutable_change()->set_content(R"({"n": )" + std::to_string(slot.version) +
                                                   "}");
        slot.stub->async()->PublishConfig(slot.context.get(), &slot.publish, &slot.published,
                                          [&slot, done = std::move(done)](grpc::Status status) {
                                              if (status.ok()) {
                                                  slot.version = slot.published.item().version();
                                              }
                                              done(status);
                                          });
    });
}

ThroughputResult measureReads(const Endpoint &endpoint, int concurrency, milliseconds warmup,
                              milliseconds window) {
    return runOnSlots(endpoint, concurrency, "read", warmup, window, [](Slot &slot, auto done) {
        slot.stub->async()->GetConfigItem(
            slot.context.get(), &slot.get, &slot.got,
            [done = std::move(done)](grpc::Status status) { done(status); });
    });
}

DeliveryResult measureDelivery(const Endpoint &endpoint, int watchers, int publishes,
                               int channelCount,
                               const std::function<void(const std::string &)> &progress) {
    const auto tell = [&](const std::string &line) {
        if (progress) {
            progress(line);
        }
    };
    const std::string bearer = "Bearer " + endpoint.adminToken;
    const auto channels = makeChannels(endpoint.address, std::max(2, channelCount));
    std::vector<std::unique_ptr<v1::ConfigService::Stub>> stubs;
    for (const auto &channel : channels) {
        stubs.push_back(v1::ConfigService::NewStub(channel));
    }
    std::int64_t version = 0;
    if (auto status = publishOnce(*stubs[0], bearer, kWatchedKey, R"({"round": 0})", 0, &version);
        !status.ok()) {
        throw std::runtime_error("first publish: " + status.error_message());
    }
    Deliveries deliveries;
    std::vector<std::unique_ptr<Watcher>> open;
    tell("delivery: opening " + std::to_string(watchers) + " watchers");
    // Connection 0 publishes; the watchers share the others, as services and the operator's
    // console would not share a connection.
    for (int i = 0; i < watchers; ++i) {
        open.push_back(std::make_unique<Watcher>(
            i, *stubs[1 + static_cast<std::size_t>(i) % (stubs.size() - 1)], bearer, deliveries));
    }
    DeliveryResult result;
    result.watchers = watchers;
    result.publishes = publishes;
    result.opened = deliveries.waitReady(watchers, 120s);
    std::this_thread::sleep_for(1s);

    const auto histogramBefore = deliveryHistogram(endpoint);
    const double serverCpuBefore = cpuSeconds(endpoint.serverPids);
    const double benchCpuBefore = selfCpuSeconds();
    const auto started = Clock::now();
    std::vector<double> latencies;
    std::vector<double> afterAck;
    std::vector<double> publishTimes;
    for (int round = 1; round <= publishes; ++round) {
        const auto sent = Clock::now();
        std::int64_t next = 0;
        const auto status =
            publishOnce(*stubs[0], bearer, kWatchedKey,
                        R"({"round": )" + std::to_string(round) + "}", version, &next);
        if (!status.ok()) {
            throw std::runtime_error("publish: " + status.error_message());
        }
        const auto acknowledged = Clock::now();
        publishTimes.push_back(duration<double, std::milli>(acknowledged - sent).count());
        tell("round " + std::to_string(round) + ": publish " + fixed(publishTimes.back(), 1) +
             " ms");
        version = next;
        const auto arrivals =
            deliveries.waitDelivered(version, static_cast<std::size_t>(result.opened), 30s);
        result.missing += static_cast<std::size_t>(watchers) - arrivals.size();
        for (const auto at : arrivals) {
            latencies.push_back(duration<double, std::milli>(at - sent).count());
            afterAck.push_back(
                std::max(0.0, duration<double, std::milli>(at - acknowledged).count()));
        }
        std::this_thread::sleep_for(200ms); // let the fan-out settle; rounds do not overlap
    }
    const double seconds = duration<double>(Clock::now() - started).count();
    const double serverCpu = cpuSeconds(endpoint.serverPids) - serverCpuBefore;
    const double benchCpu = selfCpuSeconds() - benchCpuBefore;
    result.serverCores = serverCpu / seconds;
    if (!endpoint.metricsAddress.empty()) {
        const auto histogramAfter = deliveryHistogram(endpoint);
        result.serverP50 = histogramQuantile(histogramBefore, histogramAfter, 0.5) * 1000;
        result.serverP99 = histogramQuantile(histogramBefore, histogramAfter, 0.99) * 1000;
    }
    for (int pid : endpoint.serverPids) {
        result.serverRssKib += processRssKib(pid);
    }

    std::sort(latencies.begin(), latencies.end());
    result.deliveries = latencies.size();
    if (!latencies.empty()) {
        result.serverUsPerDelivery = serverCpu * 1e6 / static_cast<double>(latencies.size());
        result.benchUsPerDelivery = benchCpu * 1e6 / static_cast<double>(latencies.size());
    }
    result.p50 = percentile(latencies, 0.5);
    result.p99 = percentile(latencies, 0.99);
    result.max = latencies.empty() ? 0 : latencies.back();
    std::sort(afterAck.begin(), afterAck.end());
    result.ackP50 = percentile(afterAck, 0.5);
    result.ackP99 = percentile(afterAck, 0.99);
    result.ackMax = afterAck.empty() ? 0 : afterAck.back();
    std::sort(publishTimes.begin(), publishTimes.end());
    result.publishP50 = percentile(publishTimes, 0.5);
    result.publishMax = publishTimes.empty() ? 0 : publishTimes.back();
    for (auto &watcher : open) {
        watcher->cancel();
    }
    for (auto &watcher : open) {
        while (!watcher->done()) {
            std::this_thread::sleep_for(1ms);
        }
    }
    return result;
}

} // namespace aegis::bench::config
