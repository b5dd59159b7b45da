#pragma once

#include "client/stop_signal.h"

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

namespace aegis::v1 {
class WatchCreateRequest;
class WatchResponse;
} // namespace aegis::v1

namespace aegis::client {

// One WatchService stream per connection, shared by every watch of its owners (Discovery,
// ConfigWatcher, aegisctl's and the console's watches): the daemon keeps one stream instead of
// one per watcher. The stream opens with the first watch and again after it broke; a watch is
// followed through run(), which a ResumableStream's Open callback calls in place of a per-watcher
// RPC, so resuming, backoff and OUT_OF_RANGE stay ResumableStream's. Thread-safe; must outlive
// the runs on it.
class WatchMux {
public:
    // `streamLifetime`: the longest one stream lives; then its watches go on on the next one.
    explicit WatchMux(std::shared_ptr<grpc::Channel> channel,
                      std::chrono::milliseconds streamLifetime = std::chrono::hours(1));
    ~WatchMux();
    WatchMux(const WatchMux &) = delete;
    WatchMux &operator=(const WatchMux &) = delete;

    // Runs one watch as a per-watcher stream would run on `context`: creates it on the shared
    // stream (`create` names what and from which revision; its watch_id is chosen here), calls
    // `message` on the calling thread with each of its messages (the created one, holding the
    // per-watcher RPC's first message, first; returning false ends the watch with CANCELLED),
    // and returns once it ends: with its cancel code and
    // reason (OUT_OF_RANGE with the compact revision in `*compactRevision`), DEADLINE_EXCEEDED
    // when `context`'s deadline passes, CANCELLED when `stop` is stopped, OK when the shared
    // stream reached its lifetime (as a stream of its own that ended cleanly: a ResumableStream
    // goes on at once from where it stopped, on the next shared stream), or the shared stream's
    // status when it broke. The watch is cancelled on the daemon whenever run() returns before
    // the daemon ended it.
    grpc::Status run(const aegis::v1::WatchCreateRequest &create, grpc::ClientContext &context,
                     StopSignal &stop,
                     const std::function<bool(const aegis::v1::WatchResponse &)> &message,
                     std::int64_t *compactRevision);

    // Streams opened so far (1 while the first has not broken).
    std::uint64_t streamsOpened() const;

private:
    class Stream;
    struct Mailbox;

    // The open stream, opening one when there is none or it ended.
    std::shared_ptr<Stream> stream();

    const std::shared_ptr<grpc::Channel> m_channel;
    const std::chrono::milliseconds m_streamLifetime;
    mutable std::mutex m_mutex;
    std::shared_ptr<Stream> m_stream;
    std::int64_t m_nextId = 1;
    std::uint64_t m_opened = 0;
};

using WatchMuxPtr = std::shared_ptr<WatchMux>;

} // namespace aegis::client
