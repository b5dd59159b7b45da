#include "client/resumable_stream.h"

#include "client/connection.h"
#include "client/grpc_status.h"

#include <algorithm>
#include <charconv>
#include <string_view>

namespace aegis::client {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

std::int64_t compactRevisionOf(const grpc::ClientContext &context) {
    const auto &trailers = context.GetServerTrailingMetadata();
    const auto it = trailers.find("aegis-compact-revision");
    if (it == trailers.end()) {
        return 0;
    }
    const std::string_view text(it->second.data(), it->second.size());
    std::int64_t revision = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), revision);
    return error == std::errc() && end == text.data() + text.size() ? revision : 0;
}

} // namespace

ResumableStream::ResumableStream(ResumableStreamOptions options, StopSignal &stop, Open open,
                                 Callbacks callbacks)
    : m_options(std::move(options))
    , m_stop(stop)
    , m_open(std::move(open))
    , m_callbacks(std::move(callbacks))
    , m_backoff(m_options.backoff) {}

Status ResumableStream::run(std::int64_t startRevision) {
    const Status stopped(StatusCode::Cancelled, "stopped");
    m_nextRevision = startRevision;
    m_compactRevision = 0;
    m_received = false;
    m_finished = false;
    const Received received = [this](std::int64_t revision) {
        if (!m_streamReceived) {
            m_streamReceived = m_received = true;
            if (m_callbacks.onLive) {
                m_callbacks.onLive();
            }
        }
        m_backoff.reset();
        if (revision > 0) {
            m_nextRevision = std::max(m_nextRevision, revision + 1);
        }
    };
    const auto lifetime = std::max<std::chrono::milliseconds>(m_options.streamLifetime, 1ms);
    // A stream that ended DEADLINE_EXCEEDED this close to its own deadline reached it; one that
    // ended earlier was refused a deadline by someone else.
    const auto slack = std::min<std::chrono::milliseconds>(lifetime / 10, 1s);
    for (;;) {
        const auto opened = SteadyClock::now();
        if (m_options.endAt && opened >= *m_options.endAt) {
            return Status::ok();
        }
        auto deadline = opened + lifetime;
        if (m_options.endAt) {
            deadline = std::min(deadline, *m_options.endAt);
        }
        grpc::ClientContext context;
        m_notedCompactRevision = 0;
        context.set_deadline(std::chrono::system_clock::now() + (deadline - opened));
        m_streamReceived = false;
        grpc::Status finished;
        {
            AttachedCall call(m_stop, context);
            if (!call.attached()) {
                return stopped;
            }
            finished = m_open(context, m_nextRevision, received);
        }
        if (m_stop.isStopped()) {
            return stopped;
        }
        if (m_finished) {
            return Status::ok();
        }
        Status status = fromGrpc(finished);
        if (status.code() == StatusCode::OutOfRange) {
            m_compactRevision = compactRevisionOf(context);
            if (m_compactRevision == 0) {
                m_compactRevision = m_notedCompactRevision;
            }
            return status;
        }
        const auto ended = SteadyClock::now();
        if (status.code() == StatusCode::DeadlineExceeded && ended >= deadline - slack) {
            if (m_options.endAt && ended >= *m_options.endAt - slack) {
                return Status::ok();
            }
            continue; // renewed: the stream reached its lifetime
        }
        if (status.isOk()) {
            if (m_streamReceived) {
                continue; // ended cleanly after delivering: pick up where it stopped
            }
            // Ended before a single message: reopening at once could spin.
            status = Status(StatusCode::Unavailable, "stream ended by server");
        }
        if (m_options.resumable && !m_options.resumable(status)) {
            return status;
        }
        const auto delay = nextDelay(status);
        if (m_callbacks.onRetrying) {
            m_callbacks.onRetrying(status, m_nextRevision, delay);
        }
        if (!wait(delay)) {
            return stopped;
        }
    }
}

bool ResumableStream::pause(const Status &why) {
    return wait(nextDelay(why));
}

std::chrono::milliseconds ResumableStream::nextDelay(const Status &why) {
    const auto delay = m_backoff.next();
    // A daemon that was unavailable (restarting) is retried as soon as the channel would retry
    // it: the channel may already have reached its successor.
    if (m_options.channel && why.code() == StatusCode::Unavailable) {
        return std::min<std::chrono::milliseconds>(
            delay, std::chrono::milliseconds(kMaxReconnectBackoffMs));
    }
    return delay;
}

bool ResumableStream::wait(std::chrono::milliseconds delay) {
    if (!m_options.channel) {
        return m_stop.waitFor(delay);
    }
    for (bool reconnected = false;; reconnected = true) {
        const grpc_connectivity_state state = m_options.channel->GetState(true);
        if (state == GRPC_CHANNEL_READY) {
            return reconnected ? !m_stop.isStopped() : m_stop.waitFor(delay);
        }
        if (m_stop.isStopped()) {
            return false;
        }
        // Short slices, so that stop() is noticed promptly.
        m_options.channel->WaitForStateChange(state, std::chrono::system_clock::now() + 100ms);
    }
}

} // namespace aegis::client
