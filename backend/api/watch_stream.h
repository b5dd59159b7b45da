#pragma once

#include "api/api_context.h"
#include "api/convert.h"

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>

namespace aegis::api {

// What a Watch RPC streams: the key prefix and the revision to start at (0: from now).
struct WatchSpec {
    std::string prefix;
    store::Revision startRevision = 0;
};

// Converted batches of events, shared by every watcher of the same prefix: with thousands of
// watchers on one service, each event is decoded and converted once rather than once per watcher.
// Keeps the most recent batches only. Thread-safe.
template <typename Response>
class WatchBatchCache {
public:
    using Convert = void (*)(const std::vector<store::Event> &, Response &);

    std::shared_ptr<const Response> get(const std::string &prefix,
                                        const std::vector<store::Event> &events, Convert convert) {
        const Key key{prefix, events.front().revision, events.back().revision, events.size()};
        {
            std::lock_guard lock(m_mutex);
            if (const auto it = m_entries.find(key); it != m_entries.end()) {
                return it->second;
            }
        }
        auto converted = std::make_shared<Response>();
        convert(events, *converted);
        std::lock_guard lock(m_mutex);
        if (m_entries.emplace(key, converted).second) {
            m_order.push_back(key);
            if (m_order.size() > kCapacity) {
                m_entries.erase(m_order.front());
                m_order.pop_front();
            }
        }
        return converted;
    }

private:
    static constexpr std::size_t kCapacity = 256;
    // A watcher's batch is determined by its prefix and the revisions it spans.
    using Key = std::tuple<std::string, store::Revision, store::Revision, std::size_t>;

    std::mutex m_mutex;
    std::map<Key, std::shared_ptr<const Response>> m_entries;
    std::deque<Key> m_order;
};

// Converted batches shared by every stream whose source handed it the same batch object (a
// module's domain watch shares its decoded batches): each is converted once, not once per
// stream. Keeps the most recent batches only. Thread-safe.
template <typename Batch, typename Response>
class SharedBatchConversions {
public:
    using BatchPtr = std::shared_ptr<const Batch>;

    std::shared_ptr<const Response>
    get(const BatchPtr &batch, const std::function<void(const Batch &, Response &)> &convert) {
        {
            std::lock_guard lock(m_mutex);
            if (const auto it = m_entries.find(batch.get()); it != m_entries.end()) {
                return it->second.second;
            }
        }
        auto converted = std::make_shared<Response>();
        convert(*batch, *converted);
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
    std::map<const Batch *, std::pair<BatchPtr, std::shared_ptr<const Response>>> m_entries;
    std::deque<const Batch *> m_order;
};

// Turns a batch of store events into one response; returns false when none of them concerns the
// client (nothing is sent then).
template <typename Response>
using WatchConverter = std::function<bool(const std::vector<store::Event> &, Response &)>;

// The most store events a watch stream takes for one message.
inline constexpr std::size_t kWatchBatchEvents = 256;

// Where a WatchStream's messages come from: a store watcher with a converter (the WatchSpec
// form), or a module's domain watch. Called under the stream's lock, one call at a time.
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
    // Stops the watch; idempotent.
    virtual void cancel() = 0;
};

template <typename Response>
using WatchFeedPtr = std::unique_ptr<WatchFeed<Response>>;

// Opens a stream's feed once the call is authorised; `notify` wakes the stream. A compacted start
// revision is OUT_OF_RANGE.
template <typename Response>
using OpenWatchFeed = std::function<StatusOr<WatchFeedPtr<Response>>(std::function<void()> notify)>;

// A feed of store events of one prefix, converted into responses whose header gives the last
// event's revision.
template <typename Response>
class StoreWatchFeed final : public WatchFeed<Response> {
public:
    StoreWatchFeed(store::WatcherPtr watcher, WatchConverter<Response> convert)
        : m_watcher(std::move(watcher))
        , m_convert(std::move(convert)) {}

    store::Revision startsAfter() const override { return m_watcher->nextRevision() - 1; }

    StatusOr<bool> next(Response &response) override {
        for (;;) {
            auto batch = m_watcher->take(kWatchBatchEvents);
            if (!batch.ended.isOk()) {
                return batch.ended;
            }
            if (batch.events.empty()) {
                return false;
            }
            response.Clear();
            response.mutable_header()->set_revision(batch.events.back().revision);
            if (m_convert(batch.events, response)) {
                return true;
            }
        }
    }

    void cancel() override { m_watcher->cancel(); }

private:
    const store::WatcherPtr m_watcher;
    const WatchConverter<Response> m_convert;
};

// A server-streaming Watch RPC fed by a WatchHub watcher, directly or through a module's domain
// watch (a WatchFeed). It authorises the call against the
// permission table, sends a first message whose header gives the revision the watch starts after,
// then one message per batch of events, one write at a time: the watcher's bounded queue absorbs
// bursts and the hub cuts off a client too slow to keep up. The stream ends with the watcher's
// status (UNAVAILABLE at shutdown, RESOURCE_EXHAUSTED when cut off); a compacted start revision is
// OUT_OF_RANGE with the compact revision in the "aegis-compact-revision" trailing metadata. It is
// registered with the StreamCloser under its token, so it ends with UNAUTHENTICATED when the
// token is revoked or expires.
template <typename Response>
class WatchStream final : public grpc::ServerWriteReactor<Response> {
public:
    // `prepare` validates the request (after authorisation) and says what to watch.
    // `first`, when given, adds to the first message (whose header gives the revision the watch
    // starts after), e.g. a snapshot of the current state for a watch from now. `target` is the
    // service or namespace a scoped method's request names (see authorize()).
    WatchStream(ApiContext &api, grpc::CallbackServerContext *context, std::string_view method,
                const std::function<StatusOr<WatchSpec>()> &prepare,
                WatchConverter<Response> convert,
                std::function<void(store::Revision, Response &)> first = {},
                std::string_view target = {})
        : WatchStream(api, context, method, storeFeed(api, prepare, std::move(convert)),
                      std::move(first), target) {}

    // A stream of a module's domain watch: `open` validates the request (after authorisation)
    // and opens the feed.
    WatchStream(ApiContext &api, grpc::CallbackServerContext *context, std::string_view method,
                const OpenWatchFeed<Response> &open,
                std::function<void(store::Revision, Response &)> first = {},
                std::string_view target = {})
        : m_api(api)
        , m_method(method)
        , m_started(std::chrono::steady_clock::now())
        , m_state(std::make_shared<State>()) {
        m_state->stream = this;
        Caller caller;
        const MethodPolicy *policy = findPolicy(method);
        Status status = policy ? authorize(api, *context, *policy, caller, target)
                               : Status(StatusCode::PermissionDenied, "no permission rule");
        if (status.isOk()) {
            // Registered outside the state's lock: the closer takes its lock, then ours.
            m_closerId = addStream(
                api,
                [state = m_state](const Status &why) {
                    std::lock_guard lock(state->mutex);
                    if (state->stream != nullptr) {
                        state->stream->finishLocked(why);
                    }
                },
                caller);
        }
        std::lock_guard lock(m_state->mutex);
        if (m_finished || m_pendingFinish) {
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
        m_response.mutable_header()->set_revision(m_feed->startsAfter());
        if (first) {
            first(m_feed->startsAfter(), m_response);
        }
        m_writing = true;
        this->StartWrite(&m_response);
    }

    void OnWriteDone(bool ok) override {
        std::lock_guard lock(m_state->mutex);
        m_writing = false;
        if (m_pendingFinish) {
            finishLocked(*m_pendingFinish);
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
    static OpenWatchFeed<Response> storeFeed(ApiContext &api,
                                             std::function<StatusOr<WatchSpec>()> prepare,
                                             WatchConverter<Response> convert) {
        return [&api, prepare = std::move(prepare), convert = std::move(convert)](
                   std::function<void()> notify) -> StatusOr<WatchFeedPtr<Response>> {
            auto spec = prepare();
            if (!spec) {
                return spec.status();
            }
            auto watcher = api.hub.watch(spec->prefix, spec->startRevision, std::move(notify));
            if (!watcher) {
                return watcher.status();
            }
            return WatchFeedPtr<Response>(
                std::make_unique<StoreWatchFeed<Response>>(std::move(*watcher), convert));
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
        if (m_writing || m_finished || !m_feed) {
            return;
        }
        m_response.Clear();
        auto next = m_feed->next(m_response);
        if (!next) {
            finishLocked(next.status());
        } else if (*next) {
            m_writing = true;
            this->StartWrite(&m_response);
        }
    }

    void finishLocked(const Status &status) {
        if (m_finished) {
            return;
        }
        if (m_writing) {
            if (!m_pendingFinish) {
                m_pendingFinish = status;
            }
            return;
        }
        m_finished = true;
        m_api.metrics.record(m_method, static_cast<int>(status.code()),
                             std::chrono::steady_clock::now() - m_started);
        this->Finish(toGrpc(status));
    }

    ApiContext &m_api;
    const std::string m_method;
    const std::chrono::steady_clock::time_point m_started;
    std::shared_ptr<State> m_state;
    std::uint64_t m_closerId = 0;
    WatchFeedPtr<Response> m_feed;
    Response m_response;
    bool m_writing = false;
    bool m_finished = false;
    std::optional<Status> m_pendingFinish;
};

} // namespace aegis::api
