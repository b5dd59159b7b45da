#include "client/watch_mux.h"

#include "aegis/v1/watch.grpc.pb.h"

#include <grpcpp/support/client_callback.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>

namespace aegis::client {

namespace v1 = aegis::v1;
using namespace std::chrono_literals;

// What the stream hands one run(): its watch's messages, and the stream's end.
struct WatchMux::Mailbox {
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<v1::WatchResponse> messages;
    bool streamEnded = false;
    grpc::Status streamStatus;
};

// One WatchService call. Keeps itself alive until gRPC is done with it (OnDone).
class WatchMux::Stream final : public grpc::ClientBidiReactor<v1::WatchRequest, v1::WatchResponse> {
public:
    // The longest one stream lives: then its watches resume on the next one.
    static constexpr auto kLifetime = std::chrono::hours(1);

    static std::shared_ptr<Stream> open(const std::shared_ptr<grpc::Channel> &channel) {
        std::shared_ptr<Stream> stream(new Stream(channel));
        stream->m_self = stream;
        stream->m_stub->async()->Watch(&stream->m_context, stream.get());
        stream->StartRead(&stream->m_response);
        stream->StartCall();
        return stream;
    }

    // Delivers watch `id`'s messages to `mailbox`; false when the stream has ended.
    bool add(std::int64_t id, std::shared_ptr<Mailbox> mailbox) {
        std::lock_guard lock(m_mutex);
        if (m_ended) {
            return false;
        }
        m_mailboxes[id] = std::move(mailbox);
        return true;
    }
    void remove(std::int64_t id) {
        std::lock_guard lock(m_mutex);
        m_mailboxes.erase(id);
    }
    void send(v1::WatchRequest request) {
        std::lock_guard lock(m_mutex);
        if (m_ended) {
            return;
        }
        m_outbox.push_back(std::move(request));
        writeLocked();
    }
    bool ended() const {
        std::lock_guard lock(m_mutex);
        return m_ended;
    }
    void cancel() { m_context.TryCancel(); }

    void OnReadDone(bool ok) override {
        if (!ok) {
            return; // OnDone follows
        }
        const auto deliver = [this](v1::WatchResponse &&message) {
            std::shared_ptr<Mailbox> mailbox;
            {
                std::lock_guard lock(m_mutex);
                if (const auto it = m_mailboxes.find(message.watch_id()); it != m_mailboxes.end()) {
                    mailbox = it->second;
                }
            }
            if (mailbox) {
                std::lock_guard lock(mailbox->mutex);
                mailbox->messages.push_back(std::move(message));
                mailbox->wake.notify_all();
            }
        };
        // A batch's elements are messages of their own, in order.
        if (m_response.batch_size() > 0) {
            for (v1::WatchResponse &message : *m_response.mutable_batch()) {
                deliver(std::move(message));
            }
        } else {
            deliver(std::move(m_response));
        }
        m_response.Clear();
        StartRead(&m_response);
    }

    void OnWriteDone(bool ok) override {
        std::lock_guard lock(m_mutex);
        m_writing = false;
        m_outbox.pop_front();
        if (ok) {
            writeLocked();
        }
    }

    void OnDone(const grpc::Status &status) override {
        std::map<std::int64_t, std::shared_ptr<Mailbox>> mailboxes;
        {
            std::lock_guard lock(m_mutex);
            m_ended = true;
            mailboxes.swap(m_mailboxes);
        }
        const grpc::Status ended =
            status.ok() ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "the watch stream ended")
                        : status;
        for (auto &[id, mailbox] : mailboxes) {
            std::lock_guard lock(mailbox->mutex);
            mailbox->streamEnded = true;
            mailbox->streamStatus = ended;
            mailbox->wake.notify_all();
        }
        m_self.reset(); // may delete this
    }

private:
    explicit Stream(const std::shared_ptr<grpc::Channel> &channel)
        : m_stub(v1::WatchService::NewStub(channel)) {
        m_context.set_deadline(std::chrono::system_clock::now() + kLifetime);
    }

    void writeLocked() {
        if (m_writing || m_outbox.empty()) {
            return;
        }
        m_writing = true;
        StartWrite(&m_outbox.front());
    }

    const std::unique_ptr<v1::WatchService::Stub> m_stub;
    grpc::ClientContext m_context;
    v1::WatchResponse m_response; // read by one read at a time
    // Recursive: gRPC may run a reaction inline from StartWrite.
    mutable std::recursive_mutex m_mutex;
    std::map<std::int64_t, std::shared_ptr<Mailbox>> m_mailboxes;
    std::deque<v1::WatchRequest> m_outbox; // front: the write in flight
    bool m_writing = false;
    bool m_ended = false;
    std::shared_ptr<Stream> m_self;
};

WatchMux::WatchMux(std::shared_ptr<grpc::Channel> channel)
    : m_channel(std::move(channel)) {}

WatchMux::~WatchMux() {
    std::lock_guard lock(m_mutex);
    if (m_stream) {
        m_stream->cancel();
    }
}

std::shared_ptr<WatchMux::Stream> WatchMux::stream() {
    std::lock_guard lock(m_mutex);
    if (!m_stream || m_stream->ended()) {
        m_stream = Stream::open(m_channel);
        ++m_opened;
    }
    return m_stream;
}

std::uint64_t WatchMux::streamsOpened() const {
    std::lock_guard lock(m_mutex);
    return m_opened;
}

grpc::Status WatchMux::run(const v1::WatchCreateRequest &create, grpc::ClientContext &context,
                           StopSignal &stop,
                           const std::function<bool(const v1::WatchResponse &)> &message,
                           std::int64_t *compactRevision) {
    std::int64_t id = 0;
    {
        std::lock_guard lock(m_mutex);
        id = m_nextId++;
    }
    auto mailbox = std::make_shared<Mailbox>();
    const std::shared_ptr<Stream> stream = this->stream();
    if (!stream->add(id, mailbox)) {
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the watch stream ended");
    }
    v1::WatchRequest request;
    *request.mutable_create_request() = create;
    request.mutable_create_request()->set_watch_id(id);
    stream->send(std::move(request));
    const auto abandon = [&](grpc::Status status) {
        stream->remove(id);
        v1::WatchRequest cancel;
        cancel.mutable_cancel_request()->set_watch_id(id);
        stream->send(std::move(cancel));
        return status;
    };
    // StopSignal cancels a call's context, which cannot wake this wait: look at it this often.
    constexpr auto kStopCheck = 100ms;
    for (;;) {
        std::deque<v1::WatchResponse> messages;
        bool ended = false;
        grpc::Status streamStatus;
        {
            std::unique_lock lock(mailbox->mutex);
            const auto until =
                std::min(std::chrono::system_clock::now() + kStopCheck, context.deadline());
            mailbox->wake.wait_until(
                lock, until, [&] { return !mailbox->messages.empty() || mailbox->streamEnded; });
            messages.swap(mailbox->messages);
            ended = mailbox->streamEnded;
            streamStatus = mailbox->streamStatus;
        }
        for (const v1::WatchResponse &response : messages) {
            if (response.canceled()) {
                stream->remove(id);
                if (compactRevision != nullptr) {
                    *compactRevision = response.compact_revision();
                }
                return grpc::Status(static_cast<grpc::StatusCode>(response.cancel_code()),
                                    response.cancel_reason());
            }
            if (!message(response)) {
                return abandon(grpc::Status(grpc::StatusCode::CANCELLED, "ended by its owner"));
            }
        }
        if (ended) {
            return streamStatus;
        }
        if (stop.isStopped()) {
            return abandon(grpc::Status(grpc::StatusCode::CANCELLED, "stopped"));
        }
        if (std::chrono::system_clock::now() >= context.deadline()) {
            return abandon(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "deadline reached"));
        }
    }
}

} // namespace aegis::client
