#pragma once

#include "client/backoff.h"
#include "client/stop_signal.h"
#include "client/watch_mux.h"

#include <aegis/v1/watch.pb.h>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include <QString>

#include <chrono>
#include <functional>
#include <memory>
#include <thread>

namespace aegis::console {

class ChannelHub;

// What one attempt of a console watch runs on.
struct WatchCall {
    std::shared_ptr<grpc::Channel> channel;
    // The attempt's call: a stream of its own opens on it; a watch on `mux` takes its deadline.
    grpc::ClientContext &context;
    // The connection's one shared WatchService stream (see client::WatchMux), which carries
    // the console's watches of instances, config, rollouts and audit records.
    client::WatchMux &mux;
    // The watch's stop signal, which a watch on `mux` needs.
    client::StopSignal &stop;
    // Set by a watch on `mux` that ended OUT_OF_RANGE: the compact revision it was told.
    std::int64_t compactRevision = 0;
};

// The console's side of a client::ResumableStream (see there): runs it on its own thread with a
// channel from the hub for every attempt, and tells the owner whether the stream is live. The
// stream opens at a revision, reads to the end, and after an error reconnects with backoff and
// resumes from the last revision seen + 1; a long-lived stream is renewed when its deadline
// passes. On OUT_OF_RANGE (history compacted) it reports onResync and ends: the owner re-lists
// and starts a new watch. What a stream is and what its messages mean is the session's
// business; the callbacks run on the stream thread and must only post elsewhere. Destruction
// cancels the call and joins the thread.
class ResumableWatch {
public:
    // Called once per message with the highest revision it carried (0: none).
    using Received = std::function<void(qint64 revision)>;
    // Runs the watch on `call` from `startRevision` (0 = from now) to its end, calling
    // `received` after each message, and returns its final status.
    using Session = std::function<grpc::Status(WatchCall &call, qint64 startRevision,
                                               const Received &received)>;
    struct Callbacks {
        // live: the stream is open; otherwise `reason` says why not and a retry is pending.
        std::function<void(bool live, QString reason)> onLive;
        std::function<void(qint64 compactRevision)> onResync;
    };
    struct Options {
        // 0 = from now.
        qint64 startRevision = 0;
        std::chrono::milliseconds streamDeadline{std::chrono::minutes(5)};
        client::BackoffOptions backoff{.initial = std::chrono::milliseconds(500),
                                       .max = std::chrono::milliseconds(15000)};
        // Whether a failure with this gRPC code is retried; unset: every one. A failure it
        // refuses ends the watch, reported through onLive(false, why).
        std::function<bool(int code)> resumable;
    };

    ResumableWatch(std::shared_ptr<ChannelHub> hub, Options options, Session session,
                   Callbacks callbacks);
    ~ResumableWatch();
    ResumableWatch(const ResumableWatch &) = delete;
    ResumableWatch &operator=(const ResumableWatch &) = delete;

    // Cancels the stream and joins the thread. Idempotent.
    void stop();

private:
    void run();
    void setLive(bool live, const QString &reason);

    std::shared_ptr<ChannelHub> m_hub;
    Options m_options;
    Session m_session;
    Callbacks m_callbacks;
    client::StopSignal m_stop;
    // Only the stream thread touches these.
    bool m_live = false;
    QString m_lastReason;
    std::thread m_thread; // last: started once everything above exists
};

// Runs a watch on `call.mux`: `create` says what to watch and from where; `handle` gets each
// message's event (`event` picks it, e.g. &v1::WatchResponse::config), the first one being what a
// stream of its own would have sent first.
template <typename Event>
grpc::Status runSharedWatch(WatchCall &call, const aegis::v1::WatchCreateRequest &create,
                            const Event &(aegis::v1::WatchResponse::*event)() const,
                            const std::function<void(const Event &)> &handle) {
    return call.mux.run(
        create, call.context, call.stop,
        [&](const aegis::v1::WatchResponse &response) {
            handle((response.*event)());
            return true;
        },
        &call.compactRevision);
}

} // namespace aegis::console
