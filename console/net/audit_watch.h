#pragma once

#include "net/api_types.h"
#include "net/resumable_watch.h"

#include <functional>
#include <memory>

namespace aegis::console {

class ChannelHub;

// One WatchAuditRecords stream, resumed and renewed by a ResumableWatch (see there). The
// callbacks run on the stream thread and must only post elsewhere. Destruction cancels the call
// and joins the thread.
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
        client::BackoffOptions backoff{.initial = std::chrono::milliseconds(500),
                                       .max = std::chrono::milliseconds(15000)};
    };

    AuditWatch(std::shared_ptr<ChannelHub> hub, Options options, Callbacks callbacks);

    // Cancels the stream and joins the thread. Idempotent.
    void stop() { m_watch.stop(); }

private:
    ResumableWatch m_watch;
};

} // namespace aegis::console
