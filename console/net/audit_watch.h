#pragma once

#include "net/api_types.h"
#include "net/backoff.h"

#include <grpcpp/client_context.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace aegis::console {

class ChannelHub;

// One WatchAuditRecords stream on its own thread. It reconnects with backoff after an error and
// resumes from the last revision seen + 1; a long-lived stream is renewed when its deadline
// passes. On OUT_OF_RANGE (history compacted) it reports onResync and ends: the owner re-lists
// and starts a new watch. The callbacks run on the stream thread and must only post elsewhere.
// Destruction cancels the call and joins the thread.
class AuditWatch {
public:
    struct Callbacks {
        std::function<void(QList<AuditEntry> records, qint64 revision)> onRecords;
        // live: the stream is open; otherwise `reason` says why not and a retry is pending.
        std::function<void(bool live, QString reason)> onLive;
        std::function<void(qint64 compactRevision)> onResync;
    };
    struct Options {
        AuditQuery query;
        // 0 = from now.
        qint64 startRevision = 0;
        std::chrono::milliseconds streamDeadline{std::chrono::minutes(5)};
        Backoff::Options backoff;
    };

    AuditWatch(std::shared_ptr<ChannelHub> hub, Options options, Callbacks callbacks);
    ~AuditWatch();
    AuditWatch(const AuditWatch &) = delete;
    AuditWatch &operator=(const AuditWatch &) = delete;

    // Cancels the stream and joins the thread. Idempotent.
    void stop();

private:
    void run();
    bool waitForRetry(std::chrono::milliseconds delay);
    void setLive(bool live, const QString &reason);

    std::shared_ptr<ChannelHub> m_hub;
    Options m_options;
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
