#include "rollout/callback_queue.h"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace aegis::rollout {

namespace asio = boost::asio;

struct CallbackQueue::Shared {
    explicit Shared(asio::any_io_executor executor)
        : strand(asio::make_strand(std::move(executor))) {}

    // Runs the oldest queued callback, if flush() has not taken it.
    void runOne() {
        std::unique_lock lock(mutex);
        if (queue.empty()) {
            return;
        }
        auto callback = std::move(queue.front());
        queue.pop_front();
        runner = std::this_thread::get_id();
        lock.unlock();
        callback();
        lock.lock();
        runner = std::thread::id();
        idle.notify_all();
    }

    asio::strand<asio::any_io_executor> strand;
    std::mutex mutex;
    std::condition_variable idle;
    std::deque<std::function<void()>> queue;
    // The thread running a callback from the strand; default-constructed when none does.
    std::thread::id runner;
};

CallbackQueue::CallbackQueue(asio::any_io_executor executor)
    : m_shared(std::make_shared<Shared>(std::move(executor))) {}

void CallbackQueue::post(std::function<void()> callback) {
    {
        std::lock_guard lock(m_shared->mutex);
        m_shared->queue.push_back(std::move(callback));
    }
    asio::post(m_shared->strand, [shared = m_shared] { shared->runOne(); });
}

void CallbackQueue::flush() {
    std::deque<std::function<void()>> pending;
    {
        std::unique_lock lock(m_shared->mutex);
        const auto self = std::this_thread::get_id();
        m_shared->idle.wait(lock, [&] {
            return m_shared->runner == std::thread::id() || m_shared->runner == self;
        });
        pending.swap(m_shared->queue);
    }
    for (auto &callback : pending) {
        callback();
    }
}

} // namespace aegis::rollout
