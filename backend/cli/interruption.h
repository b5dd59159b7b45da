#pragma once

#include "client/stop_signal.h"

#include <grpcpp/client_context.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

namespace aegis::cli {

// Turns SIGINT and SIGTERM into a clean stop for a long-running command (a watch, a keepalive):
// while one exists, the first such signal marks it interrupted, cancels the attached call and
// wakes every wait; a second one has the default effect (the handlers are one-shot), so a stuck
// command can still be killed. It can also cancel the attached call at a deadline, which bounds
// one round trip on a stream that has none. One at a time per process; its methods may be called
// from the command's thread while a helper thread reacts to signals.
class Interruption {
public:
    Interruption();
    ~Interruption();
    Interruption(const Interruption &) = delete;
    Interruption &operator=(const Interruption &) = delete;

    bool interrupted() const;
    // The signal that interrupted (SIGINT or SIGTERM); 0 while not interrupted.
    int signalNumber() const;

    // Waits `duration` unless interrupted first; false when interrupted.
    bool waitFor(std::chrono::milliseconds duration);

    // Makes `context` the call a signal cancels; cancels it right away when already interrupted.
    void attach(grpc::ClientContext &context);
    // Also cancels the attached call when `deadline` passes (until clearDeadline()).
    void setDeadline(std::chrono::steady_clock::time_point deadline);
    void clearDeadline();
    // Whether the deadline cancelled the attached call since it was attached.
    bool deadlineFired() const;
    void detach();

    // Stopped by the first signal, for the client library's loops (a ResumableStream).
    client::StopSignal &stopSignal() { return m_stopSignal; }

private:
    void run();
    void wakeThread(char reason);

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_interrupted = false;
    bool m_deadlineFired = false;
    grpc::ClientContext *m_active = nullptr; // Not owned.
    std::optional<std::chrono::steady_clock::time_point> m_deadline;
    client::StopSignal m_stopSignal;
    int m_pipe[2] = {-1, -1};
    std::thread m_thread;
};

// Attaches a call to an Interruption for the lifetime of a scope.
class AttachedCall {
public:
    AttachedCall(Interruption &interruption, grpc::ClientContext &context)
        : m_interruption(interruption) {
        m_interruption.attach(context);
    }
    ~AttachedCall() { m_interruption.detach(); }
    AttachedCall(const AttachedCall &) = delete;
    AttachedCall &operator=(const AttachedCall &) = delete;

private:
    Interruption &m_interruption;
};

} // namespace aegis::cli
