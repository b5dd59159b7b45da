#pragma once

#include "client/backoff.h"
#include "client/endpoint.h"
#include "client/outcome_reporter.h"
#include "client/picker.h"
#include "client/resumable_stream.h"
#include "client/stop_signal.h"
#include "client/watch_mux.h"
#include "common/label_selector.h"
#include "common/status.h"

#include <grpcpp/channel.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace aegis::v1 {
class InstanceEvent;
}

namespace aegis::client {

struct DiscoveryOptions {
    // Required: the service to follow.
    std::string service;
    // Keeps only instances whose labels match, e.g. "color=blue,zone in (a,b)" (see LabelSelector).
    std::string selector;
    Strategy strategy = Strategy::RoundRobin;
    PickerOptions picker;
    // Deadline of every ListInstances call.
    std::chrono::milliseconds callTimeout{5000};
    // The watch stream is closed and resumed after this long, so that it too has a deadline.
    std::chrono::milliseconds streamLifetime{std::chrono::minutes(5)};
    BackoffOptions backoff;
    // Also cache instances discovery does not hand out (critical or ejected), so instances()
    // shows them with their health; they are still never picked. Zone-aware picking
    // (picker.zones.localZone) caches them too, to judge the local zone's health.
    bool includeUnroutable = false;
    // Send the outcomes given to reportOutcome() to aegisd every this long (0: keep them local),
    // so instances failing their callers are ejected fleet-wide (passive health checking).
    std::chrono::milliseconds outcomeReportInterval{250};
    // The connection's shared watch stream: when set, the watch is one of its watches instead of
    // a WatchInstances stream of its own (give every Discovery and ConfigWatcher of a channel
    // the same one).
    std::shared_ptr<WatchMux> mux;
};

// A live, cached view of one service's instances: lists them, then watches from the list's
// revision + 1 and applies every ADDED / UPDATED / REMOVED event. On a broken stream it resumes
// from the last revision seen + 1 (with backoff); when that revision has been compacted
// (OUT_OF_RANGE) it lists again. Draining, maintenance and zero-weight instances stay in
// instances() but are never picked.
//
// Runs on its own thread with blocking calls, each with a deadline. All methods are thread-safe.
// The destructor cancels the watch and joins.
class Discovery {
public:
    // Called on the discovery's thread after every change with all cached instances (every state),
    // sorted by id. Must be quick and must not destroy the Discovery.
    using ChangeListener = std::function<void(const std::vector<Endpoint> &)>;

    // INVALID_ARGUMENT for a missing service or a bad selector.
    static StatusOr<std::unique_ptr<Discovery>> start(std::shared_ptr<grpc::Channel> channel,
                                                      DiscoveryOptions options,
                                                      ChangeListener listener = {});
    ~Discovery();
    Discovery(const Discovery &) = delete;
    Discovery &operator=(const Discovery &) = delete;

    // Every cached instance, in every state, sorted by id.
    std::vector<Endpoint> instances() const;
    // The instances pickers choose from (Endpoint::isPickable()).
    std::vector<Endpoint> pickable() const;
    // Chooses an instance with the configured strategy; nullopt when none is pickable. `key` is
    // the request key for Strategy::ConsistentHash. Keep the guard alive until the request ends.
    std::optional<Pick> pick(std::string_view key = {});
    // The same, avoiding the instances in `avoid` (e.g. a retry's earlier attempts) while any
    // other is pickable; see Picker::pick.
    std::optional<Pick> pick(std::string_view key, AvoidIds avoid);

    // Tells aegisd how a call to a picked instance went (see OutcomeReporter): a connection
    // failure, timeout or 5xx is a failure. Never blocks.
    void reportOutcome(const std::string &instanceId, bool success);

    // Whether the first list has completed (instances() is meaningful).
    bool isReady() const;
    bool waitUntilReady(std::chrono::milliseconds timeout);
    // The registry revision the cache reflects.
    std::int64_t revision() const;
    // Counts the changes of the cached instances: 0 before the first list, +1 for the first list
    // and for every later change (an instance added, removed or modified).
    std::uint64_t version() const;
    // Blocks until version() is above `afterVersion`, then returns it: pass it to the next call
    // to see every later change. nullopt when `deadline` passes or a stop is requested on `stop`
    // first. Use instances() / pickable() for the set. The Discovery must outlive the wait.
    std::optional<std::uint64_t> waitForChange(std::uint64_t afterVersion,
                                               std::chrono::steady_clock::time_point deadline,
                                               std::stop_token stop = {});

private:
    Discovery(std::shared_ptr<grpc::Channel> channel, DiscoveryOptions options,
              LabelSelector selector, ChangeListener listener);
    void run();
    Status list();
    // One WatchInstances stream from `startRevision` (see ResumableStream::Open).
    grpc::Status watch(grpc::ClientContext &context, std::int64_t startRevision,
                       const ResumableStream::Received &received);
    void apply(const aegis::v1::InstanceEvent &event, std::map<std::string, Endpoint> &cache) const;
    void publish(std::map<std::string, Endpoint> cache, std::int64_t revision, bool listed);

    const DiscoveryOptions m_options;
    const LabelSelector m_selector;
    const std::shared_ptr<grpc::Channel> m_channel;
    const ChangeListener m_listener;
    const PickerPtr m_picker;
    std::unique_ptr<OutcomeReporter> m_reporter; // null when outcomes stay local
    StopSignal m_stop;

    mutable std::mutex m_mutex;
    std::condition_variable_any m_changed;
    std::map<std::string, Endpoint> m_instances; // by id
    std::int64_t m_revision = 0;
    std::uint64_t m_version = 0; // see version()
    bool m_ready = false;

    std::thread m_thread; // last: started once everything above exists
};

using DiscoveryPtr = std::unique_ptr<Discovery>;

} // namespace aegis::client
