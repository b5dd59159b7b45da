#include "api/watch_service.h"

#include "api/audit_service.h"
#include "api/config_service.h"
#include "api/convert.h"
#include "api/health_service.h"
#include "api/parse_failure_interceptor.h"
#include "api/registry_service.h"
#include "api/rollout_service.h"
#include "api/serialized_message.h"
#include "api/stream_end.h"
#include "api/watch_stream.h"
#include "store/watch_hub.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <grpcpp/support/byte_buffer.h>

#include <atomic>
#include <deque>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace aegis::api {
namespace {

namespace v1 = aegis::v1;
using google::protobuf::internal::WireFormatLite;

constexpr std::string_view kMethod = "/aegis.v1.WatchService/Watch";
constexpr int kWatchMethodIndex = 0;
// The key of WatchResponse.batch's elements.
const std::uint32_t kBatchTag = WireFormatLite::MakeTag(v1::WatchResponse::kBatchFieldNumber,
                                                        WireFormatLite::WIRETYPE_LENGTH_DELIMITED);

std::uint8_t *writeVarint(std::uint64_t value, std::uint8_t *out) {
    return google::protobuf::io::CodedOutputStream::WriteVarint64ToArray(value, out);
}

void appendVarint(std::string &out, std::uint64_t value) {
    std::uint8_t buffer[10];
    const std::uint8_t *end = writeVarint(value, buffer);
    out.append(reinterpret_cast<const char *>(buffer), static_cast<std::size_t>(end - buffer));
}

// One watch on the stream: a per-watcher RPC's feed and how its messages are framed. Its
// messages go into the WatchResponse field `eventField`, so a frame is the watch id's field
// followed by that field holding the per-watcher message's bytes (a protobuf message is the
// concatenation of its fields).
class MuxWatch {
public:
    virtual ~MuxWatch() = default;
    virtual store::Revision startsAfter() const = 0;
    // The next message's bytes (the per-watcher response, shared with the per-watcher streams
    // that send the same) and what it reaches; false when nothing is pending, or the status the
    // watch ended with.
    virtual StatusOr<bool> next(SerializedMessage &message, FeedProgress &reached) = 0;
    // The first message's bytes: header at startsAfter() plus what the RPC adds.
    virtual SerializedMessage first() = 0;
    virtual void cancel() = 0;
    virtual int eventField() const = 0;
};

template <typename Response, int Field>
class TypedMuxWatch final : public MuxWatch {
public:
    explicit TypedMuxWatch(WatchFeedPtr<Response> feed)
        : m_feed(std::move(feed)) {}

    store::Revision startsAfter() const override { return m_feed->startsAfter(); }

    StatusOr<bool> next(SerializedMessage &message, FeedProgress &reached) override {
        // A message per call, not kept: a watch holds no buffers between its events.
        auto more = m_feed->nextSerialized(message);
        if (more && *more) {
            reached = m_feed->progress();
        }
        return more;
    }

    SerializedMessage first() override {
        Response response;
        response.mutable_header()->set_revision(m_feed->startsAfter());
        m_feed->first(response);
        return SerializedMessage::of(response);
    }

    void cancel() override { m_feed->cancel(); }
    int eventField() const override { return Field; }

private:
    const WatchFeedPtr<Response> m_feed;
};

template <typename Response, int Field>
StatusOr<std::unique_ptr<MuxWatch>> muxWatch(StatusOr<WatchFeedPtr<Response>> feed) {
    if (!feed) {
        return feed.status();
    }
    return std::unique_ptr<MuxWatch>(
        std::make_unique<TypedMuxWatch<Response, Field>>(std::move(*feed)));
}

// The most a batched write holds (WatchResponse.batch): far below the 4 MiB every gRPC client
// accepts by default. A message larger than this is written alone.
constexpr std::size_t kMaxBatchBytes = 1024 * 1024;

// A batch up to this size is copied into one slice before it is written: gRPC then handles one
// slice instead of a few per message (each a reference count to move and an iovec to send), which
// costs more than the copy; larger batches, which hold large shared messages, are not copied.
constexpr std::size_t kJoinBytes = 64 * 1024;

// A message up to this size is copied into its frame when queued, which then holds one buffer
// rather than references to bytes other streams share (each a count that every notifier thread
// changes); a larger one keeps sharing them, so a large item pushed to many streams is in memory
// once.
constexpr std::size_t kCopyBytes = 4 * 1024;

// One watch on a stream.
struct Watch {
    std::int64_t id = 0;
    // Where the stream's notify callbacks find it (MuxStream::m_slots).
    std::uint32_t slot = 0;
    std::unique_ptr<MuxWatch> source;
    // The revision the client has (its messages written or being written): the watch resumes
    // after it.
    store::Revision delivered = 0;
    // Bytes of this watch's frames waiting in the stream's queue.
    std::size_t queuedBytes = 0;
    // Has more than the stream had room for (listed in its pending watches).
    bool pending = false;
};

// A WatchResponse to write, and what it holds for which watch.
struct Frame {
    std::int64_t watchId = 0;
    // The watch whose share of the bound this counts in, null for a watch's end or a refusal. A
    // watch's frames leave the queue before the watch leaves the stream (whose map keeps each
    // watch where it is), so this needs no lookup.
    Watch *counted = nullptr;
    // The message's bytes: its own (all of them for a small message), then those it shares with
    // other streams.
    std::string own;
    std::vector<grpc::Slice> shared;
    std::size_t size = 0;
    // Bytes counted towards the stream's bound (0 for a watch's end, always let through).
    std::size_t bytes = 0;
    // For an event: the revision the watch has delivered once this is written (0: none).
    store::Revision reached = 0;
};

// One write: one message, or several queued ones as the elements of a WatchResponse's `batch`
// (each framed by the field's key and its length).
struct Write {
    grpc::ByteBuffer buffer;
    // The revisions it delivers and how many watch messages carry each, in the order written:
    // for aegis_watch_delivery_seconds once it completes.
    std::vector<std::pair<store::Revision, std::size_t>> reached;
};

class MuxStream final : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
public:
    MuxStream(ApiContext &api, const WatchServiceImpl::Sources &sources,
              const WatchServiceOptions &options, grpc::CallbackServerContext *context)
        : m_api(api)
        , m_sources(sources)
        , m_options(options)
        , m_rpc(api.metrics.openStream(std::string(kMethod)))
        , m_state(std::make_shared<State>()) {
        m_state->stream = this;
        const Status status = authorize(api, *context, *findPolicy(kMethod), m_caller);
        if (!status.isOk()) {
            std::lock_guard lock(m_state->mutex);
            finishLocked(status);
            return;
        }
        m_closerId = addStateStream(api, m_state, m_caller); // outside the state's lock
        std::lock_guard lock(m_state->mutex);
        if (!m_end.ending()) { // closed at once when the daemon is already shutting down
            StartRead(&m_requestBytes);
        }
    }

    void OnReadDone(bool ok) override {
        std::lock_guard lock(m_state->mutex);
        if (m_end.ending()) {
            return;
        }
        if (!ok) {
            finishLocked(Status::ok()); // the client closed its side
            return;
        }
        m_rpc->received();
        v1::WatchRequest request;
        if (!grpc::SerializationTraits<v1::WatchRequest>::Deserialize(&m_requestBytes, &request)
                 .ok()) {
            finishLocked(invalidArgument(std::string(kCannotParseRequest)));
            return;
        }
        switch (request.request_union_case()) {
        case v1::WatchRequest::kCreateRequest:
            createLocked(request.create_request());
            break;
        case v1::WatchRequest::kCancelRequest:
            cancelLocked(request.cancel_request().watch_id());
            break;
        case v1::WatchRequest::REQUEST_UNION_NOT_SET:
            finishLocked(invalidArgument("a WatchRequest must hold create_request or "
                                         "cancel_request"));
            return;
        }
        if (!m_end.ending()) {
            StartRead(&m_requestBytes);
        }
        writeLocked();
    }

    void OnWriteDone(bool ok) override {
        if (ok) {
            m_rpc->sent();
            // m_writing changes only under the lock once this write is done.
            for (const auto &[revision, messages] : m_writing.reached) {
                m_api.hub.noteDelivered(revision, messages);
            }
        }
        std::lock_guard lock(m_state->mutex);
        m_writing = {};
        if (const std::optional<Status> pending = m_end.writeDone()) {
            finishLocked(*pending);
        } else if (!ok) {
            finishLocked(Status(StatusCode::Cancelled, "the client went away"));
        } else {
            drainPendingLocked();
            writeLocked();
        }
    }

    void OnCancel() override {
        std::lock_guard lock(m_state->mutex);
        finishLocked(Status(StatusCode::Cancelled, "the stream was cancelled"));
    }

    void OnDone() override {
        m_api.streams.remove(m_closerId);
        std::unordered_map<std::int64_t, Watch> watches;
        {
            std::lock_guard lock(m_state->mutex);
            m_state->stream = nullptr;
            watches.swap(m_watches);
        }
        for (auto &[id, watch] : watches) {
            watch.source->cancel();
        }
        delete this;
    }

private:
    template <typename State>
    friend std::uint64_t api::addStateStream(ApiContext &, const std::shared_ptr<State> &,
                                             const Caller &);

    // Shared with the watches' notify callbacks, which may run after the stream is gone. The
    // mutex is recursive because gRPC may run a reaction inline from StartWrite or Finish.
    struct State {
        std::recursive_mutex mutex;
        MuxStream *stream = nullptr;
        // Watches woken and not yet drained, and whether a flush is on its way for them: a change
        // that wakes all of a stream's watches costs one lock of the stream and one write, not one
        // each.
        std::mutex readyMutex;
        std::vector<std::uint32_t> ready;
        bool flushQueued = false;
        // The slots a flush works through (under `mutex`), swapped with `ready`: the two buffers
        // keep their room from one change to the next.
        std::vector<std::uint32_t> draining;

        static void wake(const std::shared_ptr<State> &state, std::uint32_t slot) {
            {
                std::lock_guard lock(state->readyMutex);
                state->ready.push_back(slot);
                if (state->flushQueued) {
                    return;
                }
                state->flushQueued = true;
            }
            store::afterNotifications([state] { flush(state); });
        }

        static void flush(const std::shared_ptr<State> &state) {
            std::lock_guard lock(state->mutex);
            {
                std::lock_guard readyLock(state->readyMutex);
                state->draining.swap(state->ready);
                state->flushQueued = false;
            }
            if (state->stream != nullptr) {
                for (const std::uint32_t slot : state->draining) {
                    state->stream->drainSlotLocked(slot);
                }
                state->stream->writeLocked();
            }
            state->draining.clear();
        }
    };

    void createLocked(const v1::WatchCreateRequest &create) {
        std::int64_t id = create.watch_id();
        if (id < 0 || id > kMaxWatchId) {
            refuseLocked(id, invalidArgument("create_request.watch_id must be between 0 (assigned "
                                             "by the server) and 2^53 - 1 (got " +
                                             std::to_string(id) + ")"));
            return;
        }
        if (id != 0 && m_watches.count(id) != 0) {
            refuseLocked(id, Status(StatusCode::AlreadyExists,
                                    "create_request.watch_id " + std::to_string(id) +
                                        " is already in use on this stream"));
            return;
        }
        if (m_watches.size() >= m_options.maxWatchesPerStream) {
            refuseLocked(id, Status(StatusCode::ResourceExhausted,
                                    "a stream carries at most " +
                                        std::to_string(m_options.maxWatchesPerStream) +
                                        " watches (watch.mux.max_watches): cancel one or open "
                                        "another stream"));
            return;
        }
        if (id == 0) {
            while (m_watches.count(m_nextId) != 0) {
                ++m_nextId;
            }
            id = m_nextId++;
        }
        const std::uint32_t slot = takeSlotLocked();
        auto opened = openLocked(create, slot);
        if (!opened) {
            m_freeSlots.push_back(slot);
            refuseLocked(id, opened.status());
            return;
        }
        Watch &watch = m_watches[id];
        watch.id = id;
        watch.slot = slot;
        m_slots[slot] = &watch;
        watch.source = std::move(*opened);
        watch.delivered = watch.source->startsAfter();
        const SerializedMessage first = watch.source->first();
        queueLocked(id, eventHeader(id, watch.source->eventField(), first.size(), true), 0, first,
                    &watch);
        drainLocked(id);
    }

    // A slot for a new watch: a freed one, or a new one.
    std::uint32_t takeSlotLocked() {
        if (!m_freeSlots.empty()) {
            const std::uint32_t slot = m_freeSlots.back();
            m_freeSlots.pop_back();
            return slot;
        }
        m_slots.push_back(nullptr);
        return static_cast<std::uint32_t>(m_slots.size() - 1);
    }

    // Opens the feed of a watch whose notify callbacks wake `slot`.
    StatusOr<std::unique_ptr<MuxWatch>> openLocked(const v1::WatchCreateRequest &create,
                                                   std::uint32_t slot) {
        std::string_view method;
        std::string target;
        switch (create.watch_case()) {
        case v1::WatchCreateRequest::kInstances:
            method = "/aegis.v1.RegistryService/WatchInstances";
            break;
        case v1::WatchCreateRequest::kConfig:
            method = "/aegis.v1.ConfigService/WatchConfig";
            target = create.config().namespace_();
            break;
        case v1::WatchCreateRequest::kHealth:
            method = "/aegis.v1.HealthService/WatchHealth";
            break;
        case v1::WatchCreateRequest::kRollouts:
            method = "/aegis.v1.RolloutService/WatchRollouts";
            break;
        case v1::WatchCreateRequest::kAudit:
            method = "/aegis.v1.AuditService/WatchAuditRecords";
            break;
        case v1::WatchCreateRequest::WATCH_NOT_SET:
            return invalidArgument("create_request must name what to watch: instances, config, "
                                   "health, rollouts or audit");
        }
        if (Status allowed = checkAccess(m_caller, *findPolicy(method), target); !allowed.isOk()) {
            return allowed;
        }
        auto notify = [state = m_state, slot] { State::wake(state, slot); };
        const store::NotifierAffinity oneNotifier(m_notifierGroup);
        switch (create.watch_case()) {
        case v1::WatchCreateRequest::kInstances:
            return muxWatch<v1::WatchInstancesResponse, v1::WatchResponse::kInstancesFieldNumber>(
                m_sources.registry.openWatch(create.instances(), notify));
        case v1::WatchCreateRequest::kConfig:
            return muxWatch<v1::WatchConfigResponse, v1::WatchResponse::kConfigFieldNumber>(
                m_sources.config.openWatch(create.config(), m_caller, notify));
        case v1::WatchCreateRequest::kHealth:
            return muxWatch<v1::WatchHealthResponse, v1::WatchResponse::kHealthFieldNumber>(
                m_sources.health.openWatch(create.health(), notify));
        case v1::WatchCreateRequest::kRollouts:
            return muxWatch<v1::WatchRolloutsResponse, v1::WatchResponse::kRolloutsFieldNumber>(
                m_sources.rollouts.openWatch(create.rollouts(), notify));
        case v1::WatchCreateRequest::kAudit:
            return muxWatch<v1::WatchAuditRecordsResponse, v1::WatchResponse::kAuditFieldNumber>(
                m_sources.audit.openWatch(create.audit(), notify));
        case v1::WatchCreateRequest::WATCH_NOT_SET:
            break;
        }
        return internalError("unreachable");
    }

    void cancelLocked(std::int64_t id) {
        if (m_watches.count(id) == 0) {
            v1::WatchResponse response;
            response.set_watch_id(id);
            response.set_canceled(true);
            response.set_cancel_code(static_cast<int>(StatusCode::NotFound));
            response.set_cancel_reason("cancel_request.watch_id " + std::to_string(id) +
                                       " names no watch on this stream");
            queueLocked(id, response.SerializeAsString(), 0);
            return;
        }
        endLocked(id, Status(StatusCode::Cancelled, "cancelled by the client"));
    }

    // A create that did not create a watch.
    void refuseLocked(std::int64_t id, const Status &status) {
        v1::WatchResponse response;
        response.set_watch_id(id);
        response.set_created(true);
        describeEnd(status, response);
        queueLocked(id, response.SerializeAsString(), 0);
    }

    void describeEnd(const Status &status, v1::WatchResponse &response) const {
        response.set_canceled(true);
        response.set_cancel_code(static_cast<int>(status.code()));
        response.set_cancel_reason(status.message());
        if (status.code() == StatusCode::OutOfRange) {
            response.set_compact_revision(m_api.store.compactRevision());
        }
    }

    // Ends watch `id` (which exists) with `status`: drops what it has queued, stops its feed and
    // tells the client where to resume.
    void endLocked(std::int64_t id, const Status &status) {
        const auto it = m_watches.find(id);
        Watch watch = std::move(it->second);
        m_watches.erase(it);
        m_slots[watch.slot] = nullptr; // a late wake of the slot finds nothing
        m_freeSlots.push_back(watch.slot);
        watch.source->cancel();
        if (watch.queuedBytes > 0) {
            std::erase_if(m_queue, [id](const Frame &frame) { return frame.watchId == id; });
            m_queueBytes -= watch.queuedBytes;
        }
        v1::WatchResponse response;
        response.set_watch_id(id);
        describeEnd(status, response);
        response.set_resume_revision(watch.delivered + 1);
        queueLocked(id, response.SerializeAsString(), 0);
    }

    // Takes what watch `id` has pending into the queue while the stream holds less than its
    // bound; a watch left with more waits in m_pending for writes to make room (drainPending()),
    // and its events wait in its hub watcher, whose own bound cuts off one that falls too far
    // behind.
    void drainLocked(std::int64_t id) {
        if (const auto it = m_watches.find(id); it != m_watches.end()) {
            drainLocked(it->second);
        }
    }

    // drainLocked() of the watch in `slot`, if any: a wake may come after its watch ended, or
    // when the slot already holds another (which then drains early, finding what it finds).
    void drainSlotLocked(std::uint32_t slot) {
        if (slot < m_slots.size() && m_slots[slot] != nullptr) {
            drainLocked(*m_slots[slot]);
        }
    }

    void drainLocked(Watch &watch) {
        if (m_end.ending()) {
            return;
        }
        const std::int64_t id = watch.id;
        MuxWatch &source = *watch.source;
        for (;;) {
            if (m_queueBytes >= m_options.streamBytes) {
                if (!watch.pending) {
                    watch.pending = true;
                    m_pending.push_back(id);
                }
                return;
            }
            SerializedMessage message;
            FeedProgress reached;
            auto more = source.next(message, reached);
            if (!more) {
                endLocked(id, more.status()); // erases `watch`
                return;
            }
            if (!*more) {
                return;
            }
            queueLocked(id, eventHeader(id, source.eventField(), message.size(), false),
                        reached.revision, message, &watch);
            if (reached.drained) {
                return; // woken again when there is more
            }
        }
    }

    // Drains the watches that waited for room, in the order they started waiting.
    void drainPendingLocked() {
        while (!m_pending.empty() && m_queueBytes < m_options.streamBytes && !m_end.ending()) {
            const std::int64_t id = m_pending.front();
            m_pending.pop_front();
            if (const auto it = m_watches.find(id); it != m_watches.end() && it->second.pending) {
                it->second.pending = false;
                drainLocked(id);
            }
        }
    }

    // What precedes a per-watcher message of `size` bytes in a frame of watch `id`: the watch
    // id, `created`, and the key and length of field `field`, which holds the message.
    static std::string eventHeader(std::int64_t id, int field, std::size_t size, bool created) {
        std::string header; // 5 to 8 bytes for the usual ids: no allocation
        appendVarint(header, WireFormatLite::MakeTag(v1::WatchResponse::kWatchIdFieldNumber,
                                                     WireFormatLite::WIRETYPE_VARINT));
        appendVarint(header, static_cast<std::uint64_t>(id));
        if (created) {
            appendVarint(header, WireFormatLite::MakeTag(v1::WatchResponse::kCreatedFieldNumber,
                                                         WireFormatLite::WIRETYPE_VARINT));
            appendVarint(header, 1);
        }
        appendVarint(header,
                     WireFormatLite::MakeTag(field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
        appendVarint(header, size);
        return header;
    }

    // Queues a message about watch `id`: `bytes`, then `shared` (bytes shared with other
    // streams, copied only when small: kCopyBytes). Its bytes count towards the stream's bound, and
    // towards the share of the watch `counted` when it is given; a watch's end or refusal is always
    // let through.
    void queueLocked(std::int64_t id, std::string bytes, store::Revision reached,
                     const SerializedMessage &shared = {}, Watch *counted = nullptr) {
        Frame frame;
        frame.watchId = id;
        frame.reached = reached;
        frame.size = bytes.size() + shared.size();
        frame.own = std::move(bytes);
        if (shared.size() <= kCopyBytes) {
            frame.own.reserve(frame.size);
            for (const grpc::Slice &slice : shared.slices()) {
                frame.own.append(reinterpret_cast<const char *>(slice.begin()), slice.size());
            }
        } else {
            frame.shared = shared.slices();
        }
        if (counted != nullptr) {
            frame.counted = counted;
            frame.bytes = frame.size;
            counted->queuedBytes += frame.bytes;
        }
        m_queueBytes += frame.bytes;
        m_queue.push_back(std::move(frame));
    }

    // Writes what is queued: the first message alone when nothing follows it, else as many as
    // fit in kMaxBatchBytes in one batch, so a stream whose watches all have an event needs one
    // write while one is in flight rather than one per watch.
    void writeLocked() {
        if (m_end.writing() || m_end.ending() || m_queue.empty()) {
            return;
        }
        using google::protobuf::io::CodedOutputStream;
        const bool batch = m_queue.size() > 1 && m_queue[0].size < kMaxBatchBytes;
        const auto prefixSize = [](const Frame &frame) {
            return CodedOutputStream::VarintSize32(kBatchTag) +
                   CodedOutputStream::VarintSize64(frame.size);
        };
        // The frames this write takes, and its size.
        std::size_t count = 1;
        std::size_t size = m_queue[0].size;
        if (batch) {
            size += prefixSize(m_queue[0]);
            while (count < m_queue.size()) {
                const std::size_t framed = prefixSize(m_queue[count]) + m_queue[count].size;
                if (size + framed > kMaxBatchBytes) {
                    break;
                }
                size += framed;
                ++count;
            }
        }
        m_writing.reached.clear();
        if (size <= kJoinBytes) {
            grpc_slice raw = grpc_slice_malloc(size);
            std::uint8_t *out = GRPC_SLICE_START_PTR(raw);
            for (std::size_t i = 0; i < count; ++i) {
                const Frame &frame = m_queue.front();
                if (batch) {
                    out = writeVarint(frame.size, writeVarint(kBatchTag, out));
                }
                out = std::copy(frame.own.begin(), frame.own.end(), out);
                for (const grpc::Slice &slice : frame.shared) {
                    out = std::copy(slice.begin(), slice.end(), out);
                }
                takenLocked(frame);
                m_queue.pop_front();
            }
            const grpc::Slice one(raw, grpc::Slice::STEAL_REF);
            m_writing.buffer = grpc::ByteBuffer(&one, 1);
        } else {
            std::vector<grpc::Slice> slices;
            for (std::size_t i = 0; i < count; ++i) {
                Frame &frame = m_queue.front();
                if (batch) {
                    std::uint8_t prefix[2 * 10];
                    const std::uint8_t *end =
                        writeVarint(frame.size, writeVarint(kBatchTag, prefix));
                    slices.emplace_back(prefix, static_cast<std::size_t>(end - prefix));
                }
                slices.emplace_back(frame.own);
                std::move(frame.shared.begin(), frame.shared.end(), std::back_inserter(slices));
                takenLocked(frame);
                m_queue.pop_front();
            }
            m_writing.buffer = grpc::ByteBuffer(slices.data(), slices.size());
        }
        m_end.startWrite();
        StartWrite(&m_writing.buffer);
    }

    // Accounts for `frame` leaving the queue to be written.
    void takenLocked(const Frame &frame) {
        m_queueBytes -= frame.bytes;
        if (frame.counted != nullptr) {
            frame.counted->queuedBytes -= frame.bytes;
            if (frame.reached > 0) {
                frame.counted->delivered = frame.reached;
            }
        }
        if (frame.reached > 0) {
            if (m_writing.reached.empty() || m_writing.reached.back().first != frame.reached) {
                m_writing.reached.emplace_back(frame.reached, 0);
            }
            ++m_writing.reached.back().second;
        }
    }

    void finishLocked(const Status &status) {
        if (!m_end.finishNow(status)) {
            return;
        }
        m_rpc->finished(status.code());
        Finish(toGrpc(status));
    }

    ApiContext &m_api;
    const WatchServiceImpl::Sources &m_sources;
    const WatchServiceOptions &m_options;
    // Counts the stream open until `delete this` in OnDone.
    const std::unique_ptr<RpcStreamMetrics> m_rpc;
    const std::shared_ptr<State> m_state;
    Caller m_caller;
    std::uint64_t m_closerId = 0;
    grpc::ByteBuffer m_requestBytes;
    std::unordered_map<std::int64_t, Watch> m_watches;
    // The watches by the slot their notify callbacks wake (null: free, listed in m_freeSlots):
    // a wake finds its watch by index rather than by looking its id up.
    std::vector<Watch *> m_slots;
    std::vector<std::uint32_t> m_freeSlots;
    std::int64_t m_nextId = 1;
    // The stream's watches are all notified by one notifier thread (store::NotifierAffinity).
    const std::size_t m_notifierGroup = s_streams++;
    static inline std::atomic<std::size_t> s_streams{0};
    // Messages waiting for the write in flight, and the bytes of those counted in the bound.
    std::deque<Frame> m_queue;
    std::size_t m_queueBytes = 0;
    // Watches with more to take once the queue has room, oldest first.
    std::deque<std::int64_t> m_pending;
    Write m_writing;
    StreamEnd m_end;
};

} // namespace

WatchServiceImpl::WatchServiceImpl(ApiContext &api, Sources sources, WatchServiceOptions options)
    : m_api(api)
    , m_sources(sources)
    , m_options(options) {
    MarkMethodRawCallback(
        kWatchMethodIndex,
        new grpc::internal::CallbackBidiHandler<grpc::ByteBuffer, grpc::ByteBuffer>(
            [this](grpc::CallbackServerContext *context) {
                return new MuxStream(m_api, m_sources, m_options, context);
            }));
}

} // namespace aegis::api
