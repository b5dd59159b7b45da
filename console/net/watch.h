#pragma once

#include <QObject>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>

namespace aegis::console {

// What a page hears from a watch started through a facade, on the page's (the context's) thread.
// `Batch` is what one message delivers, e.g. (const QList<InstanceChange> &, qint64 revision).
template <typename... Batch>
struct WatchCallbacks {
    std::function<void(Batch...)> onEvents;
    // live: the stream is open; otherwise `reason` says why not and a retry is pending.
    std::function<void(bool live, const QString &reason)> onLive;
    // The watch fell behind the compacted history and ended; list again, then watch again.
    std::function<void(qint64 compactRevision)> onResync;
};

// A running watch started through a facade: a stream thread that resumes after errors and posts
// what it reads to its context object. Destroying it cancels the stream, joins the thread and
// drops whatever was posted but not delivered yet, so nothing arrives afterwards. It must be
// destroyed on the context's thread, no later than the context (a member of the context, say).
class Watch final {
public:
    using Post = std::function<void(std::function<void()> apply)>;

    explicit Watch(QObject *context);
    ~Watch();
    Watch(const Watch &) = delete;
    Watch &operator=(const Watch &) = delete;

    // Posts `apply` to the context's thread, where it runs unless this watch was destroyed
    // meanwhile. The returned function is thread-safe and may outlive this object.
    Post poster() const;
    // Takes the stream; it is destroyed (stopped) after delivery is switched off.
    void adopt(std::shared_ptr<void> stream) { m_stream = std::move(stream); }

private:
    QObject *m_context; // Not owned.
    std::shared_ptr<std::atomic<bool>> m_alive;
    std::shared_ptr<void> m_stream;
};

using WatchPtr = std::unique_ptr<Watch>;

} // namespace aegis::console
