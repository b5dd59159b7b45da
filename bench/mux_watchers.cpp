#include "mux_watchers.h"

#include <grpcpp/support/client_callback.h>

#include <condition_variable>
#include <deque>
#include <map>

namespace aegis::bench {

namespace v1 = aegis::v1;

// One WatchService stream carrying many watchers' watches; writes one create or cancel at a time.
class MuxWatchers::Stream final
    : public grpc::ClientBidiReactor<v1::WatchRequest, v1::WatchResponse> {
public:
    Stream(const std::shared_ptr<grpc::Channel> &channel, const std::string &bearer,
           Deliver deliver)
        : m_deliver(std::move(deliver))
        , m_stub(v1::WatchService::NewStub(channel)) {
        m_context.AddMetadata("authorization", bearer);
        m_stub->async()->Watch(&m_context, this);
        StartRead(&m_response);
        StartCall();
    }
    ~Stream() override {
        std::unique_lock lock(m_mutex);
        if (!m_done) {
            m_context.TryCancel();
            m_doneChanged.wait(lock, [&] { return m_done; });
        }
    }

    void add(int index, WatchSink &sink, const Describe &describe) {
        v1::WatchRequest request;
        request.mutable_create_request()->set_watch_id(index + 1);
        describe(index, *request.mutable_create_request());
        std::lock_guard lock(m_mutex);
        m_sinks[index + 1] = &sink;
        sendLocked(std::move(request));
    }
    void cancel(int index) {
        v1::WatchRequest request;
        request.mutable_cancel_request()->set_watch_id(index + 1);
        std::lock_guard lock(m_mutex);
        sendLocked(std::move(request));
    }

    void OnReadDone(bool ok) override {
        if (!ok) {
            return; // OnDone follows
        }
        if (m_response.batch_size() > 0) {
            for (const v1::WatchResponse &message : m_response.batch()) {
                dispatch(message);
            }
        } else {
            dispatch(m_response);
        }
        StartRead(&m_response);
    }

    void OnWriteDone(bool ok) override {
        std::lock_guard lock(m_mutex);
        m_outbox.pop_front();
        m_writing = false;
        if (ok && !m_outbox.empty()) {
            m_writing = true;
            StartWrite(&m_outbox.front());
        }
    }

    void OnDone(const grpc::Status &status) override {
        std::map<std::int64_t, WatchSink *> sinks;
        {
            std::lock_guard lock(m_mutex);
            sinks.swap(m_sinks);
        }
        for (const auto &[id, sink] : sinks) {
            sink->ended(static_cast<int>(id - 1), status);
        }
        std::lock_guard lock(m_mutex);
        m_done = true;
        m_doneChanged.notify_all();
    }

private:
    // One watch's message (alone, or an element of a batch).
    void dispatch(const v1::WatchResponse &message) {
        WatchSink *sink = nullptr;
        {
            std::lock_guard lock(m_mutex);
            if (const auto it = m_sinks.find(message.watch_id()); it != m_sinks.end()) {
                sink = it->second;
            }
        }
        if (sink == nullptr) {
            return;
        }
        const int index = static_cast<int>(message.watch_id() - 1);
        if (message.canceled()) {
            sink->ended(index, grpc::Status(static_cast<grpc::StatusCode>(message.cancel_code()),
                                            message.cancel_reason()));
            std::lock_guard lock(m_mutex);
            m_sinks.erase(message.watch_id());
        } else if (message.created()) {
            sink->ready(index);
        } else {
            m_deliver(index, message, *sink);
        }
    }

    void sendLocked(v1::WatchRequest request) {
        m_outbox.push_back(std::move(request));
        if (!m_writing) {
            m_writing = true;
            StartWrite(&m_outbox.front());
        }
    }

    const Deliver m_deliver;
    std::unique_ptr<v1::WatchService::Stub> m_stub;
    grpc::ClientContext m_context;
    v1::WatchResponse m_response;
    std::recursive_mutex m_mutex;
    std::condition_variable_any m_doneChanged;
    std::map<std::int64_t, WatchSink *> m_sinks;
    std::deque<v1::WatchRequest> m_outbox;
    bool m_writing = false;
    bool m_done = false;
};

MuxWatchers::~MuxWatchers() = default;

std::unique_ptr<Watcher> MuxWatchers::open(int index, const std::shared_ptr<grpc::Channel> &channel,
                                           WatchSink &sink) {
    std::shared_ptr<Stream> stream;
    {
        std::lock_guard lock(m_mutex);
        auto &slot = m_streams[static_cast<std::size_t>(index) % m_streams.size()];
        if (!slot) {
            slot = std::make_shared<Stream>(channel, m_bearer, m_deliver);
        }
        stream = slot;
    }
    stream->add(index, sink, m_describe);
    struct Handle final : Watcher {
        std::shared_ptr<Stream> stream;
        int index = 0;
        void cancel() override { stream->cancel(index); }
    };
    auto handle = std::make_unique<Handle>();
    handle->stream = std::move(stream);
    handle->index = index;
    return handle;
}

} // namespace aegis::bench
