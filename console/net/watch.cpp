#include "net/watch.h"

namespace aegis::console {

Watch::Watch(QObject *context)
    : m_context(context)
    , m_alive(std::make_shared<std::atomic<bool>>(true)) {}

Watch::~Watch() {
    // Read and written on the context's thread only; what the stream thread posts after this runs
    // there too and sees it.
    m_alive->store(false);
    m_stream.reset();
}

Watch::Post Watch::poster() const {
    return [context = m_context, alive = m_alive](std::function<void()> apply) {
        QMetaObject::invokeMethod(
            context,
            [alive, apply = std::move(apply)] {
                if (alive->load()) {
                    apply();
                }
            },
            Qt::QueuedConnection);
    };
}

} // namespace aegis::console
