#pragma once

// Shared by the facades' implementations only: how a unary call and a watch are run. Pages see
// the facades' headers, which name no gRPC type.

#include "net/call_result.h"
#include "net/channel_hub.h"
#include "net/proto_convert.h"
#include "net/resumable_watch.h"
#include "net/session.h"
#include "net/watch.h"

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <memory>
#include <type_traits>
#include <utility>

namespace aegis::console {

// The trailer in which the daemon names where in a submitted text (a PromQL query) it found
// the error it answers with.
inline constexpr const char *kPositionTrailer = "aegis-query-position";

// The value of the server's trailing metadata `key`; empty when there is none.
inline QString trailer(const grpc::ClientContext &call, const char *key) {
    const auto &trailers = call.GetServerTrailingMetadata();
    const auto found = trailers.find(key);
    return found == trailers.end()
               ? QString()
               : QString::fromUtf8(found->second.data(), qsizetype(found->second.size()));
}

// A unary RPC of a generated stub, e.g. &v1::RegistryService::Stub::ListServices.
template <typename Stub, typename Request, typename Response>
using UnaryRpc = grpc::Status (Stub::*)(grpc::ClientContext *, const Request &, Response *);

// Turns a response into the console's value type with the matching fromProto() overload.
constexpr auto responseFromProto = [](const auto &response) { return fromProto(response); };
// For an RPC whose response carries nothing the console shows: success alone.
constexpr auto acknowledged = [](const auto & /*response*/) { return Acknowledged{}; };

// Calls `rpc` with `request` on the session's pool; on the worker thread a response becomes a
// value through `convert` and a failed status a CallError, and `done` gets the one result on
// `context`'s thread (see Session::submit). `kind` Bulk: on the channel for large responses.
template <typename Stub, typename Request, typename Response, typename Convert>
void callUnary(Session &session, Request request, UnaryRpc<Stub, Request, Response> rpc,
               Convert convert, QObject *context,
               ResultHandler<std::invoke_result_t<Convert &, const Response &>> done,
               ChannelKind kind = ChannelKind::Standard) {
    using T = std::invoke_result_t<Convert &, const Response &>;
    session.submit(
        context,
        [hub = session.hub(), request = std::move(request), rpc, convert, done = std::move(done)](
            const std::shared_ptr<grpc::Channel> &channel, grpc::ClientContext *call,
            const CallError &noChannel) -> Session::Delivery {
            if (!channel) {
                return [done, noChannel] { done(CallResult<T>(noChannel)); };
            }
            Stub stub(channel);
            Response response;
            const grpc::Status status = (stub.*rpc)(call, request, &response);
            if (!status.ok()) {
                CallError error = fromStatus(status);
                error.position = trailer(*call, kPositionTrailer);
                if (error.isUnreachable()) {
                    hub->invalidate(channel);
                }
                return [done, error] { done(CallResult<T>(error)); };
            }
            return [done, value = convert(response)] { done(CallResult<T>(value)); };
        },
        kind);
}

// Sets `target`'s onLive and onResync (a ResumableWatch's or an AuditWatch's callbacks, which run
// on the stream thread) to post to the page's through `post`.
template <typename StreamCallbacks, typename... Batch>
void forwardLiveAndResync(const Watch::Post &post, const WatchCallbacks<Batch...> &callbacks,
                          StreamCallbacks &target) {
    target.onLive = [post, onLive = callbacks.onLive](bool live, QString reason) {
        if (onLive) {
            post([onLive, live, reason] { onLive(live, reason); });
        }
    };
    target.onResync = [post, onResync = callbacks.onResync](qint64 compactRevision) {
        if (onResync) {
            post([onResync, compactRevision] { onResync(compactRevision); });
        }
    };
}

// Starts a ResumableWatch running `stream` and posting to `context` through the returned Watch.
// `makeStream` gets the watch's poster and returns the stream session, which posts each batch.
// `resumable` (unset: every failure) says which failures are retried; see ResumableWatch.
template <typename... Batch, typename MakeStream>
WatchPtr startWatch(Session &session, QObject *context, qint64 startRevision,
                    const WatchCallbacks<Batch...> &callbacks, MakeStream makeStream,
                    std::function<bool(int code)> resumable = {}) {
    auto watch = std::make_unique<Watch>(context);
    const Watch::Post post = watch->poster();
    ResumableWatch::Callbacks forward;
    forwardLiveAndResync(post, callbacks, forward);
    ResumableWatch::Options options;
    options.startRevision = startRevision;
    options.streamDeadline = session.options().streamDeadline;
    options.backoff = session.options().reconnect;
    options.resumable = std::move(resumable);
    watch->adopt(std::make_shared<ResumableWatch>(session.hub(), options, makeStream(post),
                                                  std::move(forward)));
    return watch;
}

} // namespace aegis::console
