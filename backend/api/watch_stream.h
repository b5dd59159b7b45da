#pragma once

#include "api/api_context.h"
#include "api/convert.h"
#include "api/parse_failure_interceptor.h"
#include "api/serialized_message.h"
#include "api/stream_end.h"

#include <grpcpp/impl/codegen/server_callback_handlers.h>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

namespace aegis::api {

// What a Watch RPC streams: the key prefix and the revision to start at (0: from now).
struct WatchSpec {
    std::string prefix;
    store::Revision startRevision = 0;
};

// Converted batches shared by every stream whose source handed it the same batch object (a
// module's domain watch shares its decoded batches): each is converted once, not once per
// stream. Keeps the most recent batches only. Thread-safe.
template <typename Batch, typename Response>
class SharedBatchConversions {
public:
    using BatchPtr = std::shared_ptr<const Batch>;

    // The batch converted by `convert`, and those bytes serialised: both made once per batch.
    struct Converted {
        Response message;
        SerializedMessage bytes;
    };

    std::shared_ptr<const Converted>
    get(const BatchPtr &batch, const std::function<void(const Batch &, Response &)> &convert) {
        {
            std::lock_guard lock(m_mutex);
            if (const auto it = m_entries.find(batch.get()); it != m_entries.end()) {
                return it->second.second;
            }
        }
        auto converted = std::make_shared<Converted>();
        convert(*batch, converted->message);
        converted->bytes = SerializedMessage::of(converted->message);
        std::lock_guard lock(m_mutex);
        // Holding the batch keeps its address from being reused by another one.
        const auto [it, inserted] = m_entries.try_emplace(batch.get(), batch, converted);
        if (inserted) {
            m_order.push_back(batch.get());
            if (m_order.size() > kCapacity) {
                m_entries.erase(m_order.front());
                m_order.pop_front();
            }
        }
        return it->second.second;
    }

private:
    static constexpr std::size_t kCapacity = 256;

    std::mutex m_mutex;
    std::map<const Batch *, std::pair<BatchPtr, std::shared_ptr<const Converted>>> m_entries;
    std::deque<const Batch *> m_order;
};

// Opens a module's domain watch (a source with take(), cancel() and nextRevision() like
// store::Watcher, whose Batch says the last store revision it covers) once the call is authorised
// and valid, given the callback that wakes the stream. Errors end the call as for a WatchSpec.
template <typename Source>
using WatchOpener = std::function<StatusOr<std::shared_ptr<Source>>(std::function<void()> notify)>;

// Turns a batch of events (store events, or a domain watch's) into one response; returns false
// when none of them concerns the client (nothing is sent then).
template <typename Response, typename Source = store::Watcher>
using WatchConverter = std::function<bool(const decltype(Source::Batch::events) &, Response &)>;

// The most events a watch stream takes from its source for one message.
inline constexpr std::size_t kWatchBatchEvents = 256;

// Where a feed's last message left its watch: the revision it reaches (its header's), and
// whether nothing more is pending, so that asking again before the notify callback runs would find
// nothing (false: unknown, ask).
struct FeedProgress {
    store::Revision revision = 0;
    bool drained = false;
};

// Where a WatchStream's messages come from. Called under the stream's lock, one call at a time.
template <typename Response>
class WatchFeed {
public:
    virtual ~WatchFeed() = default;
    // The revision the watch starts after.
    virtual store::Revision startsAfter() const = 0;
    // Fills `response` (empty when called) with the next message and returns true; false when
    // nothing is pending (the notify callback the feed was opened with runs when there is more),
    // or the status the watch ended with.
    virtual StatusOr<bool> next(Response &response) = 0;
    // next() as bytes, for a stream of a method served raw (see rawWatchHandler()). A feed whose
    // messages are shared between streams overrides it to hand out the bytes it serialised once.
    virtual StatusOr<bool> nextSerialized(SerializedMessage &message) {
        Response response;
        auto next = this->next(response);
        if (next && *next) {
            message = SerializedMessage::of(response);
        }
        return next;
    }
    // Where the last next() that returned a message left the watch.
    virtual FeedProgress progress() const { return {startsAfter(), false}; }
    // Stops the watch; idempotent.
    virtual void cancel() = 0;
    // Adds to the first message, whose header already gives startsAfter() (e.g. a snapshot of
    // the current state for a watch from now).
    virtual void first(Response & /*response*/) {}
};

template <typename Response>
using WatchFeedPtr = std::unique_ptr<WatchFeed<Response>>;

// Opens a stream's feed once the call is authorised; `notify` wakes the stream. A compacted start
// revision is OUT_OF_RANGE.
template <typename Response>
using OpenWatchFeed = std::function<StatusOr<WatchFeedPtr<Response>>(std::function<void()> notify)>;

// A feed of a source's batches (the store's watcher of a prefix, or a module's domain watch with
// take(), cancel() and nextRevision() like store::Watcher), each converted into one response whose
// header gives the store revision the batch reaches.
template <typename Response, typename Source>
class SourceWatchFeed final : public WatchFeed<Response> {
public:
    SourceWatchFeed(std::shared_ptr<Source> source, WatchConverter<Response, Source> convert,
                    std::function<void(Source &, Response &)> first = {})
        : m_source(std::move(source))
        , m_convert(std::move(convert))
        , m_first(std::move(first)) {}

    Source &source() { return *m_source; }
    store::Revision startsAfter() const override { return m_source->nextRevision() - 1; }

    StatusOr<bool> next(Response &response) override {
        for (;;) {
            auto batch = m_source->take(kWatchBatchEvents);
            if (!batch.ended.isOk()) {
                return batch.ended;
            }
            if (batch.events.empty()) {
                return false;
            }
            response.Clear();
            response.mutable_header()->set_revision(reached(batch));
            if (m_convert(batch.events, response)) {
                return true;
            }
        }
    }

    void cancel() override { m_source->cancel(); }

    void first(Response &response) override {
        if (m_first) {
            m_first(*m_source, response);
        }
    }

private:
    // The store revision a batch reaches: a domain watch says so (it may leave events out).
    static store::Revision reached(const typename Source::Batch &batch) {
        if constexpr (requires { batch.revision; }) {
            return batch.revision;
        } else {
            return batch.events.back().revision;
        }
    }

    const std::shared_ptr<Source> m_source;
    const WatchConverter<Response, Source> m_convert;
    const std::function<void(Source &, Response &)> m_first;
};

// A server-streaming Watch RPC fed by a WatchHub watcher, or by a module's domain watch built on
// one (`Source`, see WatchOpener). It authorises the call against the permission table, sends a
// first message whose header gives the revision the watch starts after, then one message per
// batch of events, one write at a time: the watcher's bounded queue absorbs bursts and the hub
// cuts off a client too slow to keep up. The stream ends with the watcher's status (UNAVAILABLE
// at shutdown, RESOURCE_EXHAUSTED when cut off); a compacted start revision is OUT_OF_RANGE with
// the compact revision in the "aegis-compact-revision" trailing metadata. It is registered with
// the StreamCloser under its token, so it ends with UNAUTHENTICATED when the token is revoked or
// expires.
//
// `Wire` is what the stream writes: the Response of the generated method (gRPC serialises each
// stream's message itself), or grpc::ByteBuffer for a method served raw (rawWatchHandler()):
// then the feed's nextSerialized() bytes are written as they are, so bytes a feed shares between
// streams are serialised once for all of them.
template <typename Response, typename Source = store::Watcher, typename Wire = Response>
class WatchStream final : public grpc::ServerWriteReactor<Wire> {
    static_assert(std::is_same_v<Wire, Response> || std::is_same_v<Wire, grpc::ByteBuffer>);
    static constexpr bool kRaw = std::is_same_v<Wire, grpc::ByteBuffer>;

public:
    // `prepare` validates the request (after authorisation) and says what to watch: a
    // StatusOr<WatchSpec> (a key prefix of the hub) or a StatusOr<WatchOpener<Source>>; `convert`
    // turns each batch into a message. `first`, when given, adds to the first message (whose
    // header gives the revision the watch starts after, the source's nextRevision() - 1), e.g. a
    // snapshot of the current state for a watch from now. `target` is the service or namespace a
    // scoped method's request names (see authorize()).
    template <typename Prepare>
    WatchStream(ApiContext &api, grpc::CallbackServerContext *context, std::string_view method,
                const Prepare &prepare, WatchConverter<Response, Source> convert,
                std::function<void(Source &, Response &)> first = {}, std::string_view target = {})
        : WatchStream(
              FromFeed{}, api, context, method, sourceFeed(api, prepare, std::move(convert)),
              first ? FirstMessage([first = std::move(first)](WatchFeed<Response> &feed,
                                                              Response &response) {
                  first(static_cast<SourceWatchFeed<Response, Source> &>(feed).source(), response);
              })
                    : FirstMessage{},
              target) {}

    // A stream of a feed that makes whole messages itself (a module's domain watch whose
    // conversions are shared between streams): `open` validates the request (after
    // authorisation) and opens the feed.
    WatchStream(ApiContext &api, grpc::CallbackServerContext *context, std::string_view method,
                const OpenWatchFeed<Response> &open,
                std::function<void(store::Revision, Response &)> first = {},
                std::string_view target = {})
        : WatchStream(FromFeed{}, api, context, method, open,
                      first ? FirstMessage([first = std::move(first)](WatchFeed<Response> &feed,
                                                                      Response &response) {
                          first(feed.startsAfter(), response);
                      })
                            : FirstMessage{},
                      target) {}

    void OnWriteDone(bool ok) override {
        if (ok) {
            m_rpc->sent();
            if (m_writingRevision != 0) {
                m_api.hub.noteDelivered(m_writingRevision);
            }
        }
        std::lock_guard lock(m_state->mutex);
        const std::optional<Status> pendingFinish = m_end.writeDone();
        if (pendingFinish) {
            finishLocked(*pendingFinish);
        } else if (!ok) {
            finishLocked(Status(StatusCode::Cancelled, "the client went away"));
        } else {
            pumpLocked();
        }
    }

    void OnCancel() override {
        std::lock_guard lock(m_state->mutex);
        finishLocked(Status(StatusCode::Cancelled, "the watch was cancelled"));
    }

    void OnDone() override {
        m_api.streams.remove(m_closerId);
        {
            std::lock_guard lock(m_state->mutex);
            m_state->stream = nullptr;
        }
        if (m_feed) {
            m_feed->cancel();
        }
        delete this;
    }

private:
    // Registers the stream with the StreamCloser (calls finishLocked()).
    template <typename State>
    friend std::uint64_t api::addStateStream(ApiContext &, const std::shared_ptr<State> &,
                                             const Caller &);
    using FirstMessage = std::function<void(WatchFeed<Response> &, Response &)>;
    struct FromFeed {};

    WatchStream(FromFeed, ApiContext &api, grpc::CallbackServerContext *context,
                std::string_view method, const OpenWatchFeed<Response> &open, FirstMessage first,
                std::string_view target)
        : m_api(api)
        , m_rpc(api.metrics.openStream(std::string(method)))
        , m_state(std::make_shared<State>()) {
        m_rpc->received(); // the request
        m_state->stream = this;
        Caller caller;
        Status status = authorizeMethod(api, *context, method, caller, target);
        if (status.isOk()) {
            m_closerId = addStateStream(api, m_state, caller);
        }
        std::lock_guard lock(m_state->mutex);
        if (m_end.ending()) {
            return; // closed at once (shutdown)
        }
        if (status.isOk()) {
            auto feed = open([state = m_state] { State::wake(state); });
            status = feed.status();
            if (feed) {
                m_feed = std::move(*feed);
            } else if (status.code() == StatusCode::OutOfRange) {
                context->AddTrailingMetadata("aegis-compact-revision",
                                             std::to_string(api.store.compactRevision()));
            }
        }
        if (!status.isOk()) {
            finishLocked(status);
            return;
        }
        Response response;
        response.mutable_header()->set_revision(m_feed->startsAfter());
        m_feed->first(response);
        if (first) {
            first(*m_feed, response);
        }
        if constexpr (kRaw) {
            m_message = SerializedMessage::of(response).buffer();
        } else {
            m_message = std::move(response);
        }
        m_end.startWrite();
        this->StartWrite(&m_message);
    }

    static StatusOr<std::shared_ptr<Source>> open(ApiContext &api, const WatchSpec &spec,
                                                  std::function<void()> notify) {
        return api.hub.watch(spec.prefix, spec.startRevision, std::move(notify));
    }
    static StatusOr<std::shared_ptr<Source>> open(ApiContext &, const WatchOpener<Source> &opener,
                                                  std::function<void()> notify) {
        return opener(std::move(notify));
    }
    // Runs only inside the constructor, while `prepare` is alive.
    template <typename Prepare>
    static OpenWatchFeed<Response> sourceFeed(ApiContext &api, const Prepare &prepare,
                                              WatchConverter<Response, Source> convert) {
        return [&api, &prepare, convert = std::move(convert)](
                   std::function<void()> notify) -> StatusOr<WatchFeedPtr<Response>> {
            auto prepared = prepare();
            if (!prepared) {
                return prepared.status();
            }
            auto source = open(api, *prepared, std::move(notify));
            if (!source) {
                return source.status();
            }
            return WatchFeedPtr<Response>(
                std::make_unique<SourceWatchFeed<Response, Source>>(std::move(*source), convert));
        };
    }

    // Shared with the watcher's notify callback, which may run after the stream is gone. The
    // mutex is recursive because gRPC may run a reaction inline from StartWrite or Finish.
    struct State {
        std::recursive_mutex mutex;
        WatchStream *stream = nullptr;

        static void wake(const std::shared_ptr<State> &state) {
            std::lock_guard lock(state->mutex);
            if (state->stream != nullptr) {
                state->stream->pumpLocked();
            }
        }
    };

    void pumpLocked() {
        if (m_end.writing() || m_end.finished() || !m_feed) {
            return;
        }
        StatusOr<bool> next = false;
        if constexpr (kRaw) {
            SerializedMessage message;
            next = m_feed->nextSerialized(message);
            if (next && *next) {
                m_message = message.buffer();
            }
        } else {
            m_message.Clear();
            next = m_feed->next(m_message);
        }
        if (!next) {
            finishLocked(next.status());
        } else if (*next) {
            m_writingRevision = m_feed->startsAfter();
            m_end.startWrite();
            this->StartWrite(&m_message);
        }
    }

    void finishLocked(const Status &status) {
        if (!m_end.finishNow(status)) {
            return;
        }
        m_rpc->finished(status.code());
        this->Finish(toGrpc(status));
    }

    ApiContext &m_api;
    // Counts the stream open until `delete this` in OnDone.
    const std::unique_ptr<RpcStreamMetrics> m_rpc;
    std::shared_ptr<State> m_state;
    std::uint64_t m_closerId = 0;
    WatchFeedPtr<Response> m_feed;
    // The message being written (kept until OnWriteDone), and the revision it reaches (0 for
    // the first message, which delivers no change).
    Wire m_message;
    store::Revision m_writingRevision = 0;
    StreamEnd m_end;
};

// A watch stream of a method served raw: it writes bytes serialised once for every stream.
template <typename Response>
using SerializedWatchStream = WatchStream<Response, store::Watcher, grpc::ByteBuffer>;

// The index of `method` ("/aegis.v1.Service/Method") in its generated service, for
// grpc::Service::MarkMethodRawCallback().
int methodIndex(std::string_view method);

// A handler for grpc::Service::MarkMethodRawCallback() that serves the server-streaming method
// `method` from raw bytes: the request is parsed here and handed to `start`, whose reactor writes
// bytes (a SerializedWatchStream). A request that does not parse ends the call as the
// ParseFailureInterceptor would: authentication first, then INVALID_ARGUMENT.
template <typename Request, typename Response>
grpc::internal::MethodHandler *rawWatchHandler(
    ApiContext &api, std::string_view method,
    std::function<grpc::ServerWriteReactor<grpc::ByteBuffer> *(grpc::CallbackServerContext *,
                                                               const Request &)>
        start) {
    return new grpc::internal::CallbackServerStreamingHandler<grpc::ByteBuffer, grpc::ByteBuffer>(
        [&api, method, start = std::move(start)](
            grpc::CallbackServerContext *context,
            const grpc::ByteBuffer *bytes) -> grpc::ServerWriteReactor<grpc::ByteBuffer> * {
            Request request;
            std::vector<grpc::Slice> slices;
            std::string flat;
            if (bytes->Dump(&slices).ok()) {
                for (const grpc::Slice &slice : slices) {
                    flat.append(reinterpret_cast<const char *>(slice.begin()), slice.size());
                }
            }
            if (request.ParseFromString(flat)) {
                return start(context, request);
            }
            const OpenWatchFeed<Response> refuse =
                [](std::function<void()>) -> StatusOr<WatchFeedPtr<Response>> {
                return Status(StatusCode::InvalidArgument, std::string(kCannotParseRequest));
            };
            return new SerializedWatchStream<Response>(api, context, method, refuse);
        });
}

} // namespace aegis::api
