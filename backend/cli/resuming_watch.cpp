#include "resuming_watch.h"

#include "common/duration.h"
#include "text_output.h"

#include <algorithm>

namespace aegis::cli {

ResumingWatch::ResumingWatch(CommandContext &context, int count,
                             std::optional<std::chrono::steady_clock::time_point> deadline)
    : m_context(context)
    , m_count(count)
    , m_deadline(deadline) {}

int ResumingWatch::run() {
    // The stream lasts until interrupted (or --for); --timeout bounds reaching the server.
    const auto connectDeadline = std::chrono::system_clock::now() + m_context.options().timeout;
    if (!m_context.channel()->WaitForConnected(connectDeadline)) {
        return m_context.failRpc(
            grpc::Status(grpc::StatusCode::UNAVAILABLE,
                         "cannot connect to " + m_context.options().connection.address));
    }
    const std::int64_t firstStart = nextRevision();
    int failures = 0;
    while (!m_interruption.interrupted()) {
        grpc::ClientContext call;
        if (m_deadline) {
            call.set_deadline(std::chrono::system_clock::now() +
                              (*m_deadline - std::chrono::steady_clock::now()));
        }
        grpc::Status status;
        m_streamReceived = false;
        {
            AttachedCall attached(m_interruption, call);
            status = stream(call);
        }
        if (countReached()) {
            return 0;
        }
        // Ctrl-C, SIGTERM and reaching --for are how an open-ended watch ends, not errors.
        if (m_interruption.interrupted() ||
            (m_deadline && status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)) {
            return 0;
        }
        if (status.error_code() == grpc::StatusCode::OUT_OF_RANGE) {
            return compacted(call, status, firstStart);
        }
        if (status.ok() || !isResumable(status)) {
            return status.ok() ? 0 : m_context.failRpc(status);
        }
        if (!m_received) {
            // Refused before it ever began: not an interruption to ride out.
            return m_context.failRpc(status);
        }
        failures = m_streamReceived ? 1 : failures + 1;
        const auto delay =
            std::min(std::chrono::milliseconds(1000) * failures, std::chrono::milliseconds(5000));
        m_context.err() << "warning: watch interrupted ("
                        << statusCodeName(static_cast<StatusCode>(status.error_code())) << ": "
                        << status.error_message() << "); resuming from revision " << nextRevision()
                        << " in " << aegis::formatDuration(delay) << std::endl;
        if (!m_interruption.waitFor(delay)) {
            return 0;
        }
    }
    return 0;
}

int ResumingWatch::compacted(const grpc::ClientContext &call, const grpc::Status &status,
                             std::int64_t firstStart) {
    const std::string compact = trailingMetadata(call, "aegis-compact-revision");
    if (compact.empty()) {
        return m_context.failRpc(status);
    }
    m_context.err() << "error: OUT_OF_RANGE: "
                    << (m_received
                            ? "while the watch was disconnected, the " + itemsName() +
                                  " since revision " + std::to_string(nextRevision()) +
                                  " were compacted away"
                            : "revision " + std::to_string(firstStart) + " has been compacted away")
                    << " (compact revision " << compact << "): " << status.error_message() << "\n"
                    << "hint: " << compactedHint(std::stoll(compact)) << "\n";
    return 1;
}

bool isResumable(const grpc::Status &status) {
    switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:        // the daemon restarting, a network blip
    case grpc::StatusCode::RESOURCE_EXHAUSTED: // cut off for falling behind
    // Asked of the caller only after its own cancellations (a signal, --count) are ruled out:
    // a daemon shutting down cancels the calls it still gets.
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::ABORTED:
        return true;
    default:
        return false;
    }
}

} // namespace aegis::cli
