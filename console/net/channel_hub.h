#pragma once

#include "client/watch_mux.h"
#include "net/api_types.h"

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <memory>
#include <mutex>
#include <set>

namespace aegis::console {

// Which of the hub's channels a call uses. They differ only in the largest response they accept:
// a Bulk call (a whole trace of 100,000 spans in OTLP form) may receive far more than the
// Standard channel's 16 MiB, which stays the limit of every other call so a runaway response
// cannot take the console's memory.
enum class ChannelKind { Standard, Bulk };

// The largest response a call on the Bulk channel accepts.
inline constexpr int kBulkMaxReceiveBytes = 512 * 1024 * 1024;

// The channel to the daemon and the registry of calls in flight, shared by the API client's pool
// threads and its stream threads. Thread-safe. A channel is built lazily (building reads the token
// and certificate files) and rebuilt after a call found the daemon unreachable, so a reconnect
// attempt connects at once instead of waiting out gRPC's own reconnect backoff.
class ChannelHub {
public:
    void configure(const ConnectionSettings &settings);

    // The current channel of `kind`, built if needed; nullptr with `error` set when the settings
    // cannot make one (a token file that is missing, say) or after close().
    std::shared_ptr<grpc::Channel> acquire(CallError *error,
                                           ChannelKind kind = ChannelKind::Standard);
    // Drops `failed` if it is still the current channel.
    void invalidate(const std::shared_ptr<grpc::Channel> &failed);
    // The shared watch stream on `channel` (one acquired from this hub): one per channel, so the
    // console's watches share one WatchService call; a new channel gets a new one.
    client::WatchMuxPtr watchMux(const std::shared_ptr<grpc::Channel> &channel);

    // Registers a call about to start; false after close(), in which case it must not start.
    bool track(grpc::ClientContext *context);
    void untrack(grpc::ClientContext *context);
    // Cancels every tracked call and refuses new ones. Idempotent.
    void close();

private:
    mutable std::mutex m_mutex;
    ConnectionSettings m_settings;
    std::shared_ptr<grpc::Channel> m_channel;
    std::shared_ptr<grpc::Channel> m_bulkChannel;
    std::shared_ptr<grpc::Channel> m_muxChannel;
    client::WatchMuxPtr m_mux;               // on m_muxChannel
    std::set<grpc::ClientContext *> m_calls; // Not owned: each belongs to the thread making it.
    bool m_closed = false;
};

} // namespace aegis::console
