#include "net/resumable_watch.h"

#include "net/channel_hub.h"
#include "net/proto_convert.h"

#include <QByteArray>
#include <QCoreApplication>

#include <algorithm>

namespace aegis::console {

ResumableWatch::ResumableWatch(std::shared_ptr<ChannelHub> hub, Options options, Session session,
                               Callbacks callbacks)
    : m_hub(std::move(hub))
    , m_options(options)
    , m_session(std::move(session))
    , m_callbacks(std::move(callbacks)) {
    m_thread = std::thread([this] { run(); });
}

ResumableWatch::~ResumableWatch() {
    stop();
}

void ResumableWatch::stop() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        if (m_current) {
            m_current->TryCancel();
        }
    }
    m_wake.notify_all();
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

bool ResumableWatch::waitForRetry(std::chrono::milliseconds delay) {
    std::unique_lock lock(m_mutex);
    m_wake.wait_for(lock, delay, [this] { return m_stopping; });
    return !m_stopping;
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
    Backoff backoff(m_options.backoff);
    qint64 nextRevision = m_options.startRevision;
    const Received received = [this, &backoff, &nextRevision](qint64 revision) {
        setLive(true, {});
        backoff.reset();
        if (revision > 0) {
            nextRevision = std::max(nextRevision, revision + 1);
        }
    };
    for (;;) {
        CallError error;
        auto channel = m_hub->acquire(&error);
        if (channel) {
            grpc::ClientContext context;
            context.set_deadline(std::chrono::system_clock::now() + m_options.streamDeadline);
            {
                std::lock_guard lock(m_mutex);
                if (m_stopping) {
                    return;
                }
                m_current = &context;
            }
            const auto opened = std::chrono::steady_clock::now();
            if (channel->GetState(false) == GRPC_CHANNEL_READY) {
                setLive(true, {});
            }
            const grpc::Status status = m_session(channel, context, nextRevision, received);
            {
                std::lock_guard lock(m_mutex);
                m_current = nullptr;
                if (m_stopping) {
                    return;
                }
            }
            if (status.error_code() == grpc::StatusCode::OUT_OF_RANGE) {
                qint64 compact = 0;
                const auto &trailers = context.GetServerTrailingMetadata();
                if (auto it = trailers.find("aegis-compact-revision"); it != trailers.end()) {
                    compact =
                        QByteArray(it->second.data(), static_cast<qsizetype>(it->second.size()))
                            .toLongLong();
                }
                setLive(false, QCoreApplication::translate("ResumableWatch",
                                                           "history compacted; reloading"));
                if (m_callbacks.onResync) {
                    m_callbacks.onResync(compact);
                }
                return;
            }
            const bool renewal = status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED &&
                                 std::chrono::steady_clock::now() - opened >=
                                     m_options.streamDeadline - std::chrono::seconds(1);
            if (renewal) {
                continue;
            }
            error = fromStatus(status);
            if (error.code == 0) {
                // The server ended the stream cleanly (a restart, say): resume.
                error = {14,
                         QCoreApplication::translate("ResumableWatch", "stream ended by server")};
            }
            if (error.isUnreachable()) {
                m_hub->invalidate(channel);
            }
        }
        setLive(false, error.describe());
        if (!waitForRetry(backoff.next())) {
            return;
        }
    }
}

} // namespace aegis::console
