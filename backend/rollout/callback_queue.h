#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <memory>

namespace aegis::rollout {

// Delivers a deploy driver's callbacks (`done`s, log lines) one at a time and in order on its
// executor, never inside the call that queued them. flush() runs whatever is still queued at once,
// which lets detach() keep its promise that no callback runs after it returns while each `done`
// still runs exactly once. Thread-safe.
class CallbackQueue {
public:
    explicit CallbackQueue(boost::asio::any_io_executor executor);

    void post(std::function<void()> callback);

    // Runs the queued callbacks on the calling thread, after waiting for one that runs on another
    // thread; when it returns, none runs until the next post(). Called from a callback, it does not
    // wait for that one.
    void flush();

private:
    struct Shared;
    std::shared_ptr<Shared> m_shared;
};

} // namespace aegis::rollout
