#pragma once

// The configuration center's measures against any aegisd, single or replicated: durable
// publishes/s, reads/s, and (ConfigTarget under measureFanout) publish → N watchers delivery.
// aegis-bench-config runs them on one daemon; aegis-bench-ha on a replicated control plane beside
// a single one.

#include "closed_loop_load.h"
#include "mux_watchers.h"
#include "watch_fanout.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace aegis::bench::config {

// Where the load goes: an address as makeChannels() takes it (a list spreads calls over
// replicas), an admin token, the processes whose CPU and memory count as the server's, and the
// HTTP address of a daemon whose /metrics gives its own delivery figures ("" for none).
struct Endpoint {
    std::string address;
    std::string adminToken;
    std::vector<int> serverPids;
    std::string metricsAddress;
};

struct ThroughputResult {
    LoadResult load;
    double serverCores = 0;
};

// PublishConfig with `concurrency` outstanding over 4 connections, each a new version of its own
// key (durable and audited), counted over `window` after `warmup`.
ThroughputResult measurePublishes(const Endpoint &endpoint, int concurrency,
                                  std::chrono::milliseconds warmup,
                                  std::chrono::milliseconds window);
// GetConfigItem of `concurrency` keys, one outstanding each, as measurePublishes().
ThroughputResult measureReads(const Endpoint &endpoint, int concurrency,
                              std::chrono::milliseconds warmup, std::chrono::milliseconds window);

// The configuration center under the fan-out measure (bench/watch_fanout.h): watchers of one
// item, each naming its own instance so that gray releases are resolved per watcher, and changes
// of that item.
class ConfigTarget final : public FanoutTarget {
public:
    struct Options {
        // > 0: the watchers are watches on this many WatchService streams; else one WatchConfig
        // stream each.
        int muxStreams = 0;
        // Gray resolution in the fan-out: prepare() registers every watcher's instance, half of
        // them (spread over connections and streams) labelled ring=canary; even changes start a
        // gray release to ring=canary (only the canaries hear of it, with the gray content) and
        // odd ones promote it (everyone hears of it). Without: every change is a publish.
        bool gray = false;
    };

    ConfigTarget(std::string name, Endpoint endpoint, Options options);
    ~ConfigTarget() override;

    std::string name() const override { return m_name; }
    std::vector<int> serverPids() const override { return m_endpoint.serverPids; }
    std::string address() const override { return m_endpoint.address; }
    std::string metricsPage() const override;

    // Registers the watchers' instances (with `gray`); throws std::runtime_error if one fails.
    void prepare(int watchers) override;
    std::unique_ptr<Watcher> openWatcher(int index, const std::shared_ptr<grpc::Channel> &channel,
                                         WatchSink &sink) override;
    // The first change (sequence < 0) publishes the item's first version; change `sequence`
    // makes version first + 1 + sequence, which is how watchers tell which change they heard of.
    void change(int sequence, const std::shared_ptr<grpc::Channel> &channel,
                std::function<void(const grpc::Status &)> done) override;
    bool hears(int index, int sequence) const override;

private:
    // The sequence number of the change that made `version`.
    int sequenceOf(std::int64_t version) const {
        return static_cast<int>(version - m_firstVersion.load() - 1);
    }
    // A watcher whose instance the gray release targets.
    static bool isCanary(int index);

    const std::string m_name;
    const Endpoint m_endpoint;
    const Options m_options;
    const std::string m_bearer;
    std::atomic<std::int64_t> m_firstVersion{0};
    // The published version, which the next publish or gray release is based on; written by the
    // change in progress only.
    std::int64_t m_published = 0;
    std::unique_ptr<MuxWatchers> m_mux; // null: a WatchConfig stream per watcher
    std::mutex m_callsMutex;
    // Change calls in flight or done, kept until the target goes rather than freed from inside
    // their own callbacks.
    std::vector<std::shared_ptr<void>> m_calls;
};

} // namespace aegis::bench::config
