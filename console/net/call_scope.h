#pragma once

#include <QObject>

#include <memory>

namespace aegis::console {

// A context object for calls of which only the latest matters (a list that a reload restarts, a
// detail that follows the selection): renew() returns a fresh context and thereby drops the
// result of every call bound to the previous one; drop() drops them without starting anew. Lives
// on the thread of the widget that owns it.
class CallScope final {
public:
    CallScope() = default;
    CallScope(const CallScope &) = delete;
    CallScope &operator=(const CallScope &) = delete;

    QObject *renew() {
        m_context = std::make_unique<QObject>();
        return m_context.get();
    }
    // The current context, made on first use; calls bound to it share one fate.
    QObject *current() { return m_context ? m_context.get() : renew(); }
    void drop() { m_context.reset(); }

private:
    std::unique_ptr<QObject> m_context;
};

} // namespace aegis::console
