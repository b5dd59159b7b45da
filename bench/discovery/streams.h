#pragma once

// Client reactors shared by the Aegis and etcd targets: the two APIs have the same shapes
// (a bidi stream of lease ids, a server stream of events), only the messages differ.

#include "target.h"

#include <grpcpp/client_context.h>
#include <grpcpp/support/client_callback.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace aegis::bench::discovery {

// Renews `leases` round-robin over one bidi stream, keeping up to `depth` requests unanswered.
// Writes start from outside gRPC's reactions too (the constructor, stop()), so the stream holds
// itself open (AddHold) until it has sent its last write: gRPC calls OnDone only then, and no
// write ever starts on a stream that has ended, even one the server ended first.
template <typename Request, typename Response>
class PipelinedRenewals final : public RenewalStream,
                                public grpc::ClientBidiReactor<Request, Response> {
public:
    struct Hooks {
        // Binds the reactor to the RPC (stub->async()->Method(context, reactor)).
        std::function<void(grpc::ClientContext *, grpc::ClientBidiReactor<Request, Response> *)>
            bind;
        std::function<void(Request &, std::int64_t lease)> setLease;
        // Whether the response renewed the lease (TTL > 0).
        std::function<bool(const Response &)> renewed;
    };

    PipelinedRenewals(std::vector<std::int64_t> leases, int depth, RenewalCounters &counters,
                      Hooks hooks, const std::string &bearer)
        : m_leases(std::move(leases))
        , m_depth(static_cast<std::uint64_t>(depth))
        , m_counters(counters)
        , m_hooks(std::move(hooks)) {
        if (!bearer.empty()) {
            m_context.AddMetadata("authorization", bearer);
        }
        m_hooks.bind(&m_context, this);
        this->AddHold();
        this->StartRead(&m_response);
        act(decideLocked());
        this->StartCall();
    }

    ~PipelinedRenewals() override {
        m_context.TryCancel();
        endWrites(); // if stop() did not
        std::unique_lock lock(m_mutex);
        m_doneChanged.wait(lock, [&] { return m_done; });
    }

    grpc::Status stop() override {
        endWrites();
        std::unique_lock lock(m_mutex);
        if (!m_doneChanged.wait_for(lock, std::chrono::seconds(20), [&] { return m_done; })) {
            m_context.TryCancel();
            m_doneChanged.wait(lock, [&] { return m_done; });
        }
        return m_status;
    }

    void OnWriteDone(bool ok) override {
        Action action;
        {
            std::lock_guard lock(m_mutex);
            m_writing = false;
            if (!ok) {
                // The stream is broken: nothing more to send, and OnDone may follow.
                m_stopping = true;
                m_writesDone = true;
                action = Action::Release;
            } else {
                action = decideLocked();
            }
        }
        act(action);
    }

    void OnReadDone(bool ok) override {
        if (!ok) {
            return; // OnDone follows
        }
        if (m_counters.measuring.load(std::memory_order_relaxed)) {
            (m_hooks.renewed(m_response) ? m_counters.renewed : m_counters.lost)
                .fetch_add(1, std::memory_order_relaxed);
        }
        Action action;
        {
            std::lock_guard lock(m_mutex);
            ++m_received;
            action = decideLocked();
        }
        this->StartRead(&m_response);
        act(action);
    }

    void OnWritesDoneDone(bool) override {}

    void OnDone(const grpc::Status &status) override {
        std::lock_guard lock(m_mutex);
        m_status = status;
        m_done = true;
        m_doneChanged.notify_all();
    }

private:
    // Release: no write follows, let the stream end (RemoveHold). WritesDone releases too.
    enum class Action { None, Write, WritesDone, Release };

    // Sends no more renewals: WritesDone now, or as the write in flight completes.
    void endWrites() {
        Action action;
        {
            std::lock_guard lock(m_mutex);
            m_stopping = true;
            action = decideLocked();
        }
        act(action);
    }

    // Under m_mutex: what to do next; the caller does it after unlocking.
    Action decideLocked() {
        if (m_writing || m_writesDone) {
            return Action::None;
        }
        if (m_stopping) {
            m_writesDone = true;
            return Action::WritesDone;
        }
        if (m_sent - m_received >= m_depth || m_leases.empty()) {
            return Action::None;
        }
        m_hooks.setLease(m_request, m_leases[m_next]);
        m_next = (m_next + 1) % m_leases.size();
        ++m_sent;
        m_writing = true;
        return Action::Write;
    }

    void act(Action action) {
        if (action == Action::Write) {
            this->StartWrite(&m_request);
        } else if (action == Action::WritesDone) {
            this->StartWritesDone();
            this->RemoveHold();
        } else if (action == Action::Release) {
            this->RemoveHold();
        }
    }

    const std::vector<std::int64_t> m_leases;
    const std::uint64_t m_depth;
    RenewalCounters &m_counters;
    Hooks m_hooks;
    grpc::ClientContext m_context;
    Request m_request;
    Response m_response;
    std::mutex m_mutex;
    std::condition_variable m_doneChanged;
    std::size_t m_next = 0;
    std::uint64_t m_sent = 0;
    std::uint64_t m_received = 0;
    bool m_writing = false;
    bool m_stopping = false;
    bool m_writesDone = false;
    bool m_done = false;
    grpc::Status m_status;
};

// "<anything>-<n>" -> n; -1 when the text does not end in "-<digits>".
int sequenceSuffix(std::string_view text);

} // namespace aegis::bench::discovery
