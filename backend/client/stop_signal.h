#pragma once

#include <grpcpp/client_context.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>

namespace aegis::client {

// Lets an owner stop a worker thread that makes blocking gRPC calls: stop() cancels the call in
// progress and wakes any wait, so the worker returns promptly and can be joined. The worker
// attaches each call's context before starting it and detaches it before destroying it.
// Thread-safe.
class StopSignal {
public:
    // Cancels the attached call, if any, and makes every later wait and attach fail. Idempotent.
    void stop();
    bool isStopped() const;

    // Waits `duration` unless stopped first; false when stopped.
    bool waitFor(std::chrono::steady_clock::duration duration);

    // Makes `context` the call that stop() cancels; false (and nothing attached) when stopped.
    bool attach(grpc::ClientContext &context);
    void detach();

    // Makes `wake` what stop() calls, besides cancelling the attached call, for a wait that no
    // call's cancellation ends (a watch on a shared stream); false (nothing attached) when
    // stopped. `wake` runs under the signal's lock: it must only notify.
    bool attachWake(std::function<void()> wake);
    void detachWake();

private:
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopped = false;
    grpc::ClientContext *m_active = nullptr; // Not owned.
    std::function<void()> m_wakeHook;
};

// Attaches a context for the lifetime of a scope.
class AttachedCall {
public:
    AttachedCall(StopSignal &signal, grpc::ClientContext &context)
        : m_signal(signal)
        , m_attached(signal.attach(context)) {}
    ~AttachedCall() {
        if (m_attached) {
            m_signal.detach();
        }
    }
    AttachedCall(const AttachedCall &) = delete;
    AttachedCall &operator=(const AttachedCall &) = delete;
    // False when the signal was already stopped: do not start the call.
    bool attached() const { return m_attached; }

private:
    StopSignal &m_signal;
    const bool m_attached;
};

} // namespace aegis::client
