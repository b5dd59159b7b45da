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

// Opens a module's domain watch (a source with take(), cancel() and nextRevision() like
// store::Watcher, whose Batch says the last store revision it covers) once the call is authorised
// and valid, given the callback that wakes the stream. Errors end the call as for a WatchSpec.
template <typename Source>
using WatchOpener = std::function<StatusOr<std::shared_ptr<Source>>(std::function<void()> notify)>;

// Turns a batch of events (store events, or a domain watch's) into one response; returns false
// when none of them concerns the client (nothing is sent then).
template <typename Response, typename Source = store::Watcher>
using WatchConverter = std::function<bool(const decltype(Source::Batch::events) &, Response &)>;

// A server-streaming Watch RPC fed by a WatchHub watcher, or by a module's domain watch built on
// one (`Source`, see WatchOpener). It authorises the call against the permission table, sends a
// first message whose header gives the revision the watch starts after, then one message per
// batch of events, one write at a time: the watcher's bounded queue absorbs bursts and the hub
// cuts off a client too slow to keep up. The stream ends with the watcher's status (UNAVAILABLE
// at shutdown, RESOURCE_EXHAUSTED when cut off); a compacted start revision is OUT_OF_RANGE with
// the compact revision in the "aegis-compact-revision" trailing metadata. It is registered with
// the StreamCloser under its token, so it ends with UNAUTHENTICATED when the token is revoked or
// expires.
template <typename Response, typename Source = store::Watcher>
class WatchStream final : public grpc::ServerWriteReactor<Response> {
public:
    // `prepare` validates the request (after authorisation) and says what to watch: a
    // StatusOr<WatchSpec> (a key prefix of the hub) or a StatusOr<WatchOpener<Source>>.
    // `first`, when given, adds to the first message (whose header gives the revision the watch
    // starts after, the source's nextRevision() - 1), e.g. a snapshot of the current state for a
    // watch from now. `target` is the service or namespace a scoped method's request names (see
    // authorize()).
    template <typename Prepare>
    WatchStream(ApiContext &api, grpc::CallbackServerContext *context, std::string_view method,
                const Prepare &prepare, WatchConverter<Response, Source> convert,
                std::function<void(Source &, Response &)> first = {}, std::string_view target = {})
        : m_api(api)
        , m_method(method)
        , m_convert(std::move(convert))
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
            auto prepared = prepare();
            status = prepared.status();
            if (prepared) {
                auto watcher = open(api, *prepared, [state = m_state] { State::wake(state); });
                status = watcher.status();
                if (watcher) {
                    m_watcher = std::move(*watcher);
                } else if (status.code() == StatusCode::OutOfRange) {
                    context->AddTrailingMetadata("aegis-compact-revision",
                                                 std::to_string(api.store.compactRevision()));
                }
            }
        }
        if (!status.isOk()) {
            finishLocked(status);
            return;
        }
        m_response.mutable_header()->set_revision(m_watcher->nextRevision() - 1);
        if (first) {
            first(*m_watcher, m_response);
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
        if (m_watcher) {
            m_watcher->cancel();
        }
        delete this;
    }

private:
    static constexpr std::size_t kMaxBatch = 256;

    static StatusOr<std::shared_ptr<Source>> open(ApiContext &api, const WatchSpec &spec,
                                                  std::function<void()> notify) {
        return api.hub.watch(spec.prefix, spec.startRevision, std::move(notify));
    }
    static StatusOr<std::shared_ptr<Source>> open(ApiContext &, const WatchOpener<Source> &opener,
                                                  std::function<void()> notify) {
        return opener(std::move(notify));
    }
    // The store revision a batch reaches: a domain watch says so (it may leave events out).
    static store::Revision reached(const typename Source::Batch &batch) {
        if constexpr (requires { batch.revision; }) {
            return batch.revision;
        } else {
            return batch.events.back().revision;
        }
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
        if (m_writing || m_finished || !m_watcher) {
            return;
        }
        for (;;) {
            auto batch = m_watcher->take(kMaxBatch);
            if (!batch.ended.isOk()) {
                finishLocked(batch.ended);
                return;
            }
            if (batch.events.empty()) {
                return;
            }
            m_response.Clear();
            m_response.mutable_header()->set_revision(reached(batch));
            if (m_convert(batch.events, m_response)) {
                m_writing = true;
                this->StartWrite(&m_response);
                return;
            }
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
    const WatchConverter<Response, Source> m_convert;
    const std::chrono::steady_clock::time_point m_started;
    std::shared_ptr<State> m_state;
    std::uint64_t m_closerId = 0;
    std::shared_ptr<Source> m_watcher;
    Response m_response;
    bool m_writing = false;
    bool m_finished = false;
    std::optional<Status> m_pendingFinish;
};

} // namespace aegis::api
