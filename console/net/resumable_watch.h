#pragma once

#include "net/backoff.h"

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include <QString>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace aegis::console {

class ChannelHub;

// The loop every console watch runs on its own thread: open the stream at a revision, read it to
// the end, and after an error reconnect with backoff and resume from the last revision seen + 1;
// a long-lived stream is renewed when its deadline passes. On OUT_OF_RANGE (history compacted) it
// reports onResync and ends: the owner re-lists and starts a new watch. What a stream is and what
// its messages mean is the session's business; the callbacks run on the stream thread and must
// only post elsewhere. Destruction cancels the call and joins the thread.
class ResumableWatch {
public:
    // Called once per message with the highest revision it carried (0: none).
    using Received = std::function<void(qint64 revision)>;
    // Opens the stream on `context` from `startRevision` (0 = from now), reads it to the end,
    // calling `received` after each message, and returns the stream's final status.
    using Session = std::function<grpc::Status(const std::shared_ptr<grpc::Channel> &channel,
                                               grpc::ClientContext &context, qint64 startRevision,
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
        Backoff::Options backoff;
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
    bool waitForRetry(std::chrono::milliseconds delay);
    void setLive(bool live, const QString &reason);

    std::shared_ptr<ChannelHub> m_hub;
    Options m_options;
    Session m_session;
    Callbacks m_callbacks;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    grpc::ClientContext *m_current = nullptr; // Not owned: lives on the stream thread's stack.
    bool m_live = false;
    QString m_lastReason;
    std::thread m_thread;
};

} // namespace aegis::console
