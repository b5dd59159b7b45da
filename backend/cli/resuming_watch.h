#pragma once

#include "client/resumable_stream.h"
#include "client/watch_mux.h"
#include "command_context.h"
#include "interruption.h"

#include "aegis/v1/watch.pb.h"

#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace aegis::cli {

// The loop of a `... watch` command, on the client library's ResumableStream: streams until
// Ctrl-C, SIGTERM, --for or --count; when a stream breaks for a reason that may pass (the daemon
// restarting, a cut-off), it opens a new one from the revision after the last it printed, so
// nothing is missed or repeated; a compacted revision ends it with a hint. Subclasses open and
// print one stream: a watch on the command's one WatchService stream (streamShared()), or an RPC
// of its own for what WatchService does not carry (alerts).
class ResumingWatch {
public:
    // `count` 0: no limit; `deadline`: --for.
    ResumingWatch(CommandContext &context, int count,
                  std::optional<std::chrono::steady_clock::time_point> deadline);
    virtual ~ResumingWatch() = default;

    // The command's exit code.
    int run();

protected:
    // Reads one stream from nextRevision() to its end, calling received() on each message and
    // counted() after each item printed (stopping when it says the count is reached), and returns
    // how it ended. The command ends once the watch has what it waited for (finish(), or
    // endOfMessage() at --count); a stream that ended otherwise is opened again unless its status
    // says not to (see isResumable()). Subclasses keep the revision to resume from in their
    // request.
    virtual grpc::Status stream(grpc::ClientContext &call) = 0;
    virtual std::int64_t nextRevision() const = 0;
    // What the watch streams ("transitions", "events"), and what to do after a compaction.
    virtual std::string itemsName() const = 0;
    virtual std::string compactedHint(std::int64_t compactRevision) const = 0;

    // For stream(): runs one watch on the command's WatchService stream on `call`, as the
    // per-watcher RPC named by `create` (from nextRevision()) would run. `handle` gets each
    // message (the first being what that RPC sends first) after received() was called for it,
    // and returns true to end the watch (it has what it waited for, or the command failed): the
    // watch is cancelled and this returns OK. Otherwise returns how the watch ended (OK too when
    // the shared stream reached its lifetime: the watch goes on at once), the compact revision of
    // an OUT_OF_RANGE noted for compactedHint().
    grpc::Status streamShared(grpc::ClientContext &call,
                              const aegis::v1::WatchCreateRequest &create,
                              const std::function<bool(const aegis::v1::WatchResponse &)> &handle);

    void received() { (*m_received)(0); }
    // The watch has what it waited for: the command ends when stream() returns.
    void finish() { m_stream.finish(); }
    // After printing one message: flushes, and moves `request`'s start past the message's header
    // revision (a message without items still moves the watch on). True once --count is reached:
    // the command ends when the stream returns.
    template <typename Request>
    bool endOfMessage(Request &request, std::int64_t headerRevision) {
        m_context.out().flush();
        request.set_start_revision(std::max(request.start_revision(), headerRevision + 1));
        if (!countReached()) {
            return false;
        }
        finish();
        return true;
    }
    // Counts one printed item; true once --count is reached.
    bool counted() { return m_count != 0 && ++m_seen >= m_count; }
    bool countReached() const { return m_count != 0 && m_seen >= m_count; }

    // Before a message's items: prints the table's header line, `header()`, the first time
    // (after the first message, so that a refused watch prints only its error); nothing for JSON
    // output.
    template <typename MakeHeader>
    void printHeaderOnce(const MakeHeader &header) {
        if (m_context.format() != OutputFormat::Json && !m_headerPrinted) {
            m_context.out() << header() << "\n";
            m_headerPrinted = true;
        }
    }

    CommandContext &m_context;

private:
    bool m_headerPrinted = false;
    int compacted(const grpc::Status &status, std::int64_t firstStart);

    const int m_count;
    Interruption m_interruption;
    // The command's one WatchService stream at a time: a watch resumed after the stream broke
    // (the daemon restarting) opens the next.
    client::WatchMux m_mux;
    client::ResumableStream m_stream;
    // The stream's, while one is open.
    const client::ResumableStream::Received *m_received = nullptr;
    int m_seen = 0;
};

// Whether a watch that ended this way is worth opening again from where it stopped.
bool isResumable(const grpc::Status &status);

} // namespace aegis::cli
