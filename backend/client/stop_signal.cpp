#include "client/stop_signal.h"

namespace aegis::client {

void StopSignal::stop() {
    std::lock_guard lock(m_mutex);
    m_stopped = true;
    if (m_active != nullptr) {
        m_active->TryCancel();
    }
    if (m_wakeHook) {
        m_wakeHook();
    }
    m_wake.notify_all();
}

bool StopSignal::isStopped() const {
    std::lock_guard lock(m_mutex);
    return m_stopped;
}

bool StopSignal::waitFor(std::chrono::steady_clock::duration duration) {
    std::unique_lock lock(m_mutex);
    return !m_wake.wait_for(lock, duration, [this] { return m_stopped; });
}

bool StopSignal::attach(grpc::ClientContext &context) {
    std::lock_guard lock(m_mutex);
    if (m_stopped) {
        return false;
    }
    m_active = &context;
    return true;
}

void StopSignal::detach() {
    std::lock_guard lock(m_mutex);
    m_active = nullptr;
}

bool StopSignal::attachWake(std::function<void()> wake) {
    std::lock_guard lock(m_mutex);
    if (m_stopped) {
        return false;
    }
    m_wakeHook = std::move(wake);
    return true;
}

void StopSignal::detachWake() {
    std::lock_guard lock(m_mutex);
    m_wakeHook = nullptr;
}

} // namespace aegis::client
