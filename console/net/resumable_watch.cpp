#include "net/resumable_watch.h"

#include "client/resumable_stream.h"
#include "net/channel_hub.h"
#include "net/proto_convert.h"

#include <QCoreApplication>

namespace aegis::console {

ResumableWatch::ResumableWatch(std::shared_ptr<ChannelHub> hub, Options options, Session session,
                               Callbacks callbacks)
    : m_hub(std::move(hub))
    , m_options(options)
    , m_session(std::move(session))
    , m_callbacks(std::move(callbacks))
    , m_thread([this] { run(); }) {}

ResumableWatch::~ResumableWatch() {
    stop();
}

void ResumableWatch::stop() {
    m_stop.stop();
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

void ResumableWatch::setLive(bool live, const QString &reason) {
    if (live == m_live && reason == m_lastReason) {
        return;
    }
    m_live = live;
    m_lastReason = reason;
    if (m_callbacks.onLive) {
        m_callbacks.onLive(live, reason);
    }
}

void ResumableWatch::run() {
    client::ResumableStreamOptions options;
    if (m_options.resumable) {
        options.resumable = [resumable = m_options.resumable](const Status &status) {
            return resumable(static_cast<int>(status.code()));
        };
    }
    options.streamLifetime = m_options.streamDeadline;
    options.backoff = m_options.backoff;
    // Why the hub had no channel for the last attempt; said instead of the stream's status.
    QString unreachable;
    client::ResumableStream::Callbacks callbacks;
    callbacks.onLive = [this] { setLive(true, {}); };
    callbacks.onRetrying = [this, &unreachable](const Status &reason, std::int64_t,
                                                std::chrono::milliseconds) {
        setLive(false, !unreachable.isEmpty()
                           ? unreachable
                           : fromStatus(grpc::Status(static_cast<grpc::StatusCode>(reason.code()),
                                                     reason.message()))
                                 .describe());
    };
    client::ResumableStream *resumable = nullptr; // the stream below, for the Open callback
    client::ResumableStream stream(
        options, m_stop,
        [this, &unreachable, &resumable](grpc::ClientContext &context, std::int64_t startRevision,
                                         const client::ResumableStream::Received &received) {
            CallError error;
            const auto channel = m_hub->acquire(&error);
            if (!channel) {
                unreachable = error.describe();
                return grpc::Status(grpc::StatusCode::UNAVAILABLE, error.message.toStdString());
            }
            unreachable.clear();
            if (channel->GetState(false) == GRPC_CHANNEL_READY) {
                setLive(true, {});
            }
            const client::WatchMuxPtr mux = m_hub->watchMux(channel);
            WatchCall call{channel, context, *mux, m_stop};
            const grpc::Status status = m_session(
                call, startRevision, [&received](qint64 revision) { received(revision); });
            if (call.compactRevision != 0) {
                resumable->noteCompactRevision(call.compactRevision);
            }
            if (!m_stop.isStopped() && fromStatus(status).isUnreachable()) {
                m_hub->invalidate(channel);
            }
            return status;
        },
        std::move(callbacks));
    resumable = &stream;
    const Status ended = stream.run(m_options.startRevision);
    if (ended.code() == StatusCode::OutOfRange) {
        setLive(false,
                QCoreApplication::translate("ResumableWatch", "history compacted; reloading"));
        if (m_callbacks.onResync) {
            m_callbacks.onResync(stream.compactRevision());
        }
    } else if (!ended.isOk() && !m_stop.isStopped()) {
        setLive(false, fromStatus(grpc::Status(static_cast<grpc::StatusCode>(ended.code()),
                                               ended.message()))
                           .describe());
    }
}

} // namespace aegis::console
