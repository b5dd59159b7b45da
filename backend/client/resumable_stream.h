#pragma once

#include "client/backoff.h"
#include "client/stop_signal.h"
#include "common/status.h"

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

namespace aegis::client {

struct ResumableStreamOptions {
    // Every stream's deadline. A stream that reaches it (or that ends cleanly after delivering
    // messages) is opened again at once from where it stopped, so a long-lived watch has a
    // deadline without ever stopping.
    std::chrono::milliseconds streamLifetime{std::chrono::minutes(5)};
    // When set, run() returns OK once this passes instead of renewing (aegisctl's --for).
    std::optional<std::chrono::steady_clock::time_point> endAt;
    // Delay between attempts after a stream failed; reset by every message received.
    BackoffOptions backoff;
    // When set, a pause after a failure waits for this channel to be connected, and goes at once
    // when it had to reconnect: gRPC already spaces its reconnection attempts, and a backoff on
    // top would let a restarted daemon sit ready while the stream waits.
    std::shared_ptr<grpc::Channel> channel;
    // Whether a stream that ended with this status is opened again after a pause; when not, run()
    // returns the status. Empty: every status is retried. OUT_OF_RANGE always ends run().
    std::function<bool(const Status &)> resumable;
};

// One server stream that follows revisions: opens it at a revision, reads it to its end, keeps
// the last revision seen, and after a transient error resumes from that revision + 1 with
// backoff, so nothing is missed or repeated; renews the stream when its deadline passes. A
// compacted start revision (OUT_OF_RANGE) ends run() with the compact revision from the
// "aegis-compact-revision" trailer: the owner lists again and runs from the list's revision + 1.
// What a stream is and what its messages mean is the owner's business (the Open callback).
//
// Used by Discovery, ConfigWatcher, Registration (its KeepAlive stream), aegisctl's watches and
// the console's watches. run() blocks the calling thread; every callback runs on it. The
// StopSignal (not owned, shared with the owner's other calls) may be stopped from any thread:
// the stream in progress is cancelled and every wait ends, so run() returns CANCELLED promptly.
class ResumableStream {
public:
    // Called by Open after each message with the highest revision it carried (0: none, e.g. a
    // progress notice the owner does not want to move the stream on).
    using Received = std::function<void(std::int64_t revision)>;
    // Opens the stream on `context` (deadline set) from `startRevision`, reads it to its end,
    // calls `received` after each message, and returns the stream's final status.
    using Open = std::function<grpc::Status(grpc::ClientContext &context,
                                            std::int64_t startRevision, const Received &received)>;
    struct Callbacks {
        // A stream delivered its first message.
        std::function<void()> onLive;
        // A stream ended with `reason`; the next one opens from `nextRevision` after about
        // `delay` (sooner when a channel reconnects, see ResumableStreamOptions::channel).
        std::function<void(const Status &reason, std::int64_t nextRevision,
                           std::chrono::milliseconds delay)>
            onRetrying;
    };

    ResumableStream(ResumableStreamOptions options, StopSignal &stop, Open open,
                    Callbacks callbacks = {});
    ResumableStream(const ResumableStream &) = delete;
    ResumableStream &operator=(const ResumableStream &) = delete;

    // Streams from `startRevision` (0: whatever the stream means by it, e.g. from now) until one
    // of: stopped (CANCELLED), endAt passed (OK), the start revision compacted (OUT_OF_RANGE, see
    // compactRevision()), or a status `resumable` refused (that status).
    Status run(std::int64_t startRevision);

    // The revision the next stream opens from: the last one seen + 1.
    std::int64_t nextRevision() const { return m_nextRevision; }
    // From the OUT_OF_RANGE that ended run(); 0 when the daemon did not say.
    std::int64_t compactRevision() const { return m_compactRevision; }
    // Whether any stream since run() started has delivered a message.
    bool received() const { return m_received; }

    // Waits before the next attempt after `why` (the owner's own call failed, e.g. a list that
    // precedes run()), with the same backoff and channel rule as a stream's retry. False when
    // stopped.
    bool pause(const Status &why);
    // After the owner's call succeeded.
    void resetBackoff() { m_backoff.reset(); }
    // Called from Open: the owner has what it wanted (a count reached). Once the stream in
    // progress returns, run() returns OK instead of opening another.
    void finish() { m_finished = true; }
    // Called from Open when the stream's compact revision does not come in its trailers (a
    // watch on client::WatchMux's shared stream): used if the stream ends OUT_OF_RANGE.
    void noteCompactRevision(std::int64_t revision) { m_notedCompactRevision = revision; }

private:
    // The delay pause() will wait (at most) after `why`.
    std::chrono::milliseconds nextDelay(const Status &why);
    bool wait(std::chrono::milliseconds delay);

    const ResumableStreamOptions m_options;
    StopSignal &m_stop; // Not owned.
    const Open m_open;
    const Callbacks m_callbacks;
    ExponentialBackoff m_backoff;
    std::int64_t m_nextRevision = 0;
    std::int64_t m_compactRevision = 0;
    std::int64_t m_notedCompactRevision = 0;
    bool m_streamReceived = false;
    bool m_received = false;
    bool m_finished = false;
};

} // namespace aegis::client
