#include "resuming_watch.h"

#include "common/duration.h"
#include "text_output.h"

#include <algorithm>
#include <functional>

namespace aegis::cli {
namespace {

grpc::Status toGrpc(const Status &status) {
    return grpc::Status(static_cast<grpc::StatusCode>(status.code()), status.message());
}

client::ResumableStreamOptions
streamOptions(std::optional<std::chrono::steady_clock::time_point> deadline,
              std::function<bool(const Status &)> resumable) {
    client::ResumableStreamOptions options;
    options.endAt = deadline;
    options.resumable = std::move(resumable);
    // One second after the first failure, growing to five while the daemon stays away.
    options.backoff.initial = std::chrono::seconds(1);
    options.backoff.max = std::chrono::seconds(5);
    options.backoff.jitter = 0.0;
    return options;
}

} // namespace

ResumingWatch::ResumingWatch(CommandContext &context, int count,
                             std::optional<std::chrono::steady_clock::time_point> deadline)
    : m_context(context)
    , m_count(count)
    , m_mux(context.channel())
    , m_stream(streamOptions(deadline,
                             [this](const Status &status) {
                                 // Refused before it ever began (a bad filter, no
                                 // permission): not an interruption to ride out.
                                 return m_stream.received() && isResumable(toGrpc(status));
                             }),
               m_interruption.stopSignal(),
               [this](grpc::ClientContext &call, std::int64_t,
                      const client::ResumableStream::Received &received) {
                   m_received = &received;
                   grpc::Status status = stream(call);
                   m_received = nullptr;
                   return status;
               },
               {.onLive = {},
                .onRetrying = [this](const Status &reason, std::int64_t,
                                     std::chrono::milliseconds delay) {
                    m_context.err()
                        << "warning: watch interrupted (" << statusCodeName(reason.code()) << ": "
                        << reason.message() << "); resuming from revision " << nextRevision()
                        << " in " << aegis::formatDuration(delay) << std::endl;
                }}) {}

int ResumingWatch::run() {
    // The stream lasts until interrupted (or --for); --timeout bounds reaching the server.
    const auto connectDeadline = std::chrono::system_clock::now() + m_context.options().timeout;
    if (!m_context.channel()->WaitForConnected(connectDeadline)) {
        return m_context.failRpc(
            grpc::Status(grpc::StatusCode::UNAVAILABLE,
                         "cannot connect to " + m_context.options().connection.address));
    }
    const std::int64_t firstStart = nextRevision();
    const Status ended = m_stream.run(firstStart);
    // Ctrl-C, SIGTERM, --count and reaching --for are how an open-ended watch ends, not errors.
    if (countReached() || m_interruption.interrupted() || ended.isOk()) {
        return 0;
    }
    if (ended.code() == StatusCode::OutOfRange) {
        return compacted(toGrpc(ended), firstStart);
    }
    return m_context.failRpc(toGrpc(ended));
}

grpc::Status
ResumingWatch::streamShared(grpc::ClientContext &call, const aegis::v1::WatchCreateRequest &create,
                            const std::function<bool(const aegis::v1::WatchResponse &)> &handle) {
    bool done = false;
    std::int64_t compactRevision = 0;
    const grpc::Status ended = m_mux.run(
        create, call, m_interruption.stopSignal(),
        [&](const aegis::v1::WatchResponse &message) {
            received();
            done = handle(message);
            return !done;
        },
        &compactRevision);
    if (done) {
        return grpc::Status::OK;
    }
    if (compactRevision != 0) {
        m_stream.noteCompactRevision(compactRevision);
    }
    return ended;
}

int ResumingWatch::compacted(const grpc::Status &status, std::int64_t firstStart) {
    const std::int64_t compact = m_stream.compactRevision();
    if (compact <= 0) {
        return m_context.failRpc(status);
    }
    m_context.err() << "error: OUT_OF_RANGE: "
                    << (m_stream.received()
                            ? "while the watch was disconnected, the " + itemsName() +
                                  " since revision " + std::to_string(nextRevision()) +
                                  " were compacted away"
                            : "revision " + std::to_string(firstStart) + " has been compacted away")
                    << " (compact revision " << compact << "): " << status.error_message() << "\n"
                    << "hint: " << compactedHint(compact) << "\n";
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
