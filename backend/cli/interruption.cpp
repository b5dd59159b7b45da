#include "interruption.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <fcntl.h>
#include <poll.h>
#include <stdexcept>
#include <unistd.h>

namespace aegis::cli {
namespace {

// The write end of the current Interruption's pipe, for the signal handler.
std::atomic<int> g_signalPipe{-1};
volatile std::sig_atomic_t g_signal = 0;

constexpr char kSignalled = 's';
constexpr char kRecompute = 'r';
constexpr char kQuit = 'q';

extern "C" void onSignal(int signal) {
    const int savedErrno = errno;
    g_signal = signal;
    const int fd = g_signalPipe.load();
    if (fd >= 0) {
        const char byte = kSignalled;
        [[maybe_unused]] const auto written = ::write(fd, &byte, 1);
    }
    errno = savedErrno;
}

struct sigaction previousInt;
struct sigaction previousTerm;

} // namespace

Interruption::Interruption() {
    if (::pipe2(m_pipe, O_CLOEXEC) != 0) {
        throw std::runtime_error("cannot create a pipe for signal handling");
    }
    g_signal = 0;
    g_signalPipe.store(m_pipe[1]);
    struct sigaction action {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    // One-shot: a second Ctrl-C kills a command that does not stop fast enough.
    action.sa_flags = SA_RESETHAND | SA_RESTART;
    ::sigaction(SIGINT, &action, &previousInt);
    ::sigaction(SIGTERM, &action, &previousTerm);
    m_thread = std::thread([this] { run(); });
}

Interruption::~Interruption() {
    ::sigaction(SIGINT, &previousInt, nullptr);
    ::sigaction(SIGTERM, &previousTerm, nullptr);
    g_signalPipe.store(-1);
    wakeThread(kQuit);
    m_thread.join();
    ::close(m_pipe[0]);
    ::close(m_pipe[1]);
}

bool Interruption::interrupted() const {
    std::lock_guard lock(m_mutex);
    return m_interrupted;
}

int Interruption::signalNumber() const {
    return interrupted() ? static_cast<int>(g_signal) : 0;
}

bool Interruption::waitFor(std::chrono::milliseconds duration) {
    std::unique_lock lock(m_mutex);
    return !m_wake.wait_for(lock, duration, [this] { return m_interrupted; });
}

void Interruption::attach(grpc::ClientContext &context) {
    std::lock_guard lock(m_mutex);
    m_active = &context;
    m_deadline.reset();
    m_deadlineFired = false;
    if (m_interrupted) {
        context.TryCancel();
    }
}

void Interruption::setDeadline(std::chrono::steady_clock::time_point deadline) {
    {
        std::lock_guard lock(m_mutex);
        m_deadline = deadline;
    }
    wakeThread(kRecompute);
}

void Interruption::clearDeadline() {
    std::lock_guard lock(m_mutex);
    m_deadline.reset();
}

bool Interruption::deadlineFired() const {
    std::lock_guard lock(m_mutex);
    return m_deadlineFired;
}

void Interruption::detach() {
    std::lock_guard lock(m_mutex);
    m_active = nullptr;
    m_deadline.reset();
}

void Interruption::wakeThread(char reason) {
    while (::write(m_pipe[1], &reason, 1) < 0 && errno == EINTR) {
    }
}

void Interruption::run() {
    for (;;) {
        int timeoutMs = -1;
        {
            std::lock_guard lock(m_mutex);
            if (m_active != nullptr && m_deadline) {
                const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    *m_deadline - std::chrono::steady_clock::now());
                timeoutMs = static_cast<int>(std::max<std::int64_t>(left.count() + 1, 0));
            }
        }
        pollfd fd{m_pipe[0], POLLIN, 0};
        const int ready = ::poll(&fd, 1, timeoutMs);
        if (ready > 0) {
            char byte = 0;
            if (::read(m_pipe[0], &byte, 1) == 1) {
                if (byte == kQuit) {
                    return;
                }
                if (byte == kSignalled) {
                    std::lock_guard lock(m_mutex);
                    m_interrupted = true;
                    if (m_active != nullptr) {
                        m_active->TryCancel();
                    }
                    m_wake.notify_all();
                    m_stopSignal.stop();
                }
            }
        }
        std::lock_guard lock(m_mutex);
        if (m_active != nullptr && m_deadline && std::chrono::steady_clock::now() >= *m_deadline) {
            m_active->TryCancel();
            m_deadlineFired = true;
            m_deadline.reset();
        }
    }
}

} // namespace aegis::cli
