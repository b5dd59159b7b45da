#include "client/watch_mux.h"

#include "aegis/v1/watch.grpc.pb.h"

#include <grpcpp/support/client_callback.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <thread>

namespace aegis::client {

namespace v1 = aegis::v1;

// What the stream hands one run(): its watch's messages, and the stream's end.
struct WatchMux::Mailbox {
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<v1::WatchResponse> messages;
    bool streamEnded = false;
    bool stopped = false; // the run's StopSignal was stopped
    grpc::Status streamStatus;
};

// One WatchService call. Keeps itself alive until gRPC is done with it (OnDone). Writes start
// from callers' threads, outside gRPC's reactions, so the stream holds a hold (AddHold) for as long
// as a write may still start: without it OnDone could run, and gRPC free the call, between a
// caller's check and its StartWrite.
class WatchMux::Stream final : public grpc::ClientBidiReactor<v1::WatchRequest, v1::WatchResponse> {
public:
    static std::shared_ptr<Stream> open(const std::shared_ptr<grpc::Channel> &channel,
                                        std::chrono::milliseconds lifetime) {
        std::shared_ptr<Stream> stream(new Stream(channel, lifetime));
        stream->m_self = stream;
        stream->m_stub->async()->Watch(&stream->m_context, stream.get());
        stream->AddHold();
        stream->StartRead(&stream->m_response);
        stream->StartCall();
        return stream;
    }

    // Delivers watch `id`'s messages to `mailbox`; false when the stream is ending.
    bool add(std::int64_t id, std::shared_ptr<Mailbox> mailbox) {
        std::lock_guard lock(m_mutex);
        if (m_closing) {
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
        if (m_closing) {
            return;
        }
        m_outbox.push_back(std::move(request));
        writeLocked();
    }
    // True once the stream can take no new watch: a caller opens the next one.
    bool ending() const {
        std::lock_guard lock(m_mutex);
        return m_closing;
    }
    void cancel() { m_context.TryCancel(); }

    // Waits until gRPC is done with the call, at most `timeout`.
    void waitDone(std::chrono::milliseconds timeout) {
        std::unique_lock lock(m_mutex);
        m_doneChanged.wait_for(lock, timeout, [&] { return m_done; });
    }

    void OnReadDone(bool ok) override {
        if (!ok) {
            // The stream broke or ended: no write starts any more; OnDone follows once the
            // write in flight, if any, completes.
            closeForWrites();
            return;
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
        {
            std::lock_guard lock(m_mutex);
            m_writing = false;
            m_outbox.pop_front();
            if (ok && !m_closing) {
                writeLocked();
                return;
            }
        }
        closeForWrites();
    }

    void OnDone(const grpc::Status &status) override {
        std::map<std::int64_t, std::shared_ptr<Mailbox>> mailboxes;
        {
            std::lock_guard lock(m_mutex);
            m_closing = true;
            mailboxes.swap(m_mailboxes);
        }
        // Its own deadline is the only one on the stream: reaching it is no failure of the
        // watches, which go on on the next stream (see run()).
        const grpc::Status ended =
            status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ? grpc::Status::OK
            : status.ok() ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "the watch stream ended")
                          : status;
        for (auto &[id, mailbox] : mailboxes) {
            std::lock_guard lock(mailbox->mutex);
            mailbox->streamEnded = true;
            mailbox->streamStatus = ended;
            mailbox->wake.notify_all();
        }
        {
            std::lock_guard lock(m_mutex);
            m_done = true;
            m_doneChanged.notify_all();
        }
        m_self.reset(); // may delete this
    }

private:
    Stream(const std::shared_ptr<grpc::Channel> &channel, std::chrono::milliseconds lifetime)
        : m_stub(v1::WatchService::NewStub(channel)) {
        m_context.set_deadline(std::chrono::system_clock::now() + lifetime);
    }

    // Refuses further writes and, once no write is in flight, releases the hold taken in open().
    void closeForWrites() {
        bool release = false;
        {
            std::lock_guard lock(m_mutex);
            m_closing = true;
            release = !m_writing && !m_holdReleased;
            m_holdReleased = m_holdReleased || release;
        }
        if (release) {
            RemoveHold();
        }
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
    bool m_closing = false;      // no write starts any more
    bool m_holdReleased = false; // RemoveHold() called
    bool m_done = false;         // OnDone has delivered the end to every watch
    std::condition_variable_any m_doneChanged;
    std::shared_ptr<Stream> m_self;
};

WatchMux::WatchMux(std::shared_ptr<grpc::Channel> channel, std::chrono::milliseconds streamLifetime)
    : m_channel(std::move(channel))
    , m_streamLifetime(streamLifetime) {}

WatchMux::~WatchMux() {
    std::shared_ptr<Stream> stream;
    {
        std::lock_guard lock(m_mutex);
        stream = std::move(m_stream);
    }
    if (stream) {
        // Waits for gRPC to finish the call so that it never outlives the channel's owner's
        // other references (the channel may be released right after this).
        stream->cancel();
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        stream->waitDone(std::chrono::seconds(5));
        // OnDone drops the stream's reference to itself just after telling waitDone(): wait for
        // that too, so that the stream, and its stub's reference to the channel, go here. Were
        // the channel's last reference dropped on gRPC's callback thread, gRPC would shut its
        // callback queue down from inside that thread and abort.
        while (stream.use_count() > 1 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }
}

std::shared_ptr<WatchMux::Stream> WatchMux::stream() {
    std::lock_guard lock(m_mutex);
    if (!m_stream || m_stream->ending()) {
        m_stream = Stream::open(m_channel, m_streamLifetime);
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
    // stop() cancels no call of this watch: it wakes the wait through the mailbox instead.
    if (!stop.attachWake([&mailbox] {
            std::lock_guard lock(mailbox->mutex);
            mailbox->stopped = true;
            mailbox->wake.notify_all();
        })) {
        return abandon(grpc::Status(grpc::StatusCode::CANCELLED, "stopped"));
    }
    struct DetachWake {
        StopSignal &stop;
        ~DetachWake() { stop.detachWake(); }
    } detachWake{stop};
    for (;;) {
        std::deque<v1::WatchResponse> messages;
        bool ended = false;
        bool stopped = false;
        grpc::Status streamStatus;
        {
            std::unique_lock lock(mailbox->mutex);
            mailbox->wake.wait_until(lock, context.deadline(), [&] {
                return !mailbox->messages.empty() || mailbox->streamEnded || mailbox->stopped;
            });
            messages.swap(mailbox->messages);
            ended = mailbox->streamEnded;
            stopped = mailbox->stopped;
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
        if (stopped) {
            return abandon(grpc::Status(grpc::StatusCode::CANCELLED, "stopped"));
        }
        if (std::chrono::system_clock::now() >= context.deadline()) {
            return abandon(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "deadline reached"));
        }
    }
}

} // namespace aegis::client
