#include "store/store.h"

#include <future>
#include <utility>

namespace aegis::store {

Transaction &Transaction::put(std::string key, std::string value, std::int64_t lease) {
    operations.push_back({Operation::Kind::Put, std::move(key), std::move(value), lease});
    return *this;
}

Transaction &Transaction::remove(std::string key) {
    operations.push_back({Operation::Kind::Delete, std::move(key), {}});
    return *this;
}

Transaction &Transaction::removePrefix(std::string prefix) {
    operations.push_back({Operation::Kind::DeletePrefix, std::move(prefix), {}});
    return *this;
}

Transaction &Transaction::ifMissing(std::string key) {
    compares.push_back({Compare::Kind::Missing, std::move(key), 0});
    return *this;
}

Transaction &Transaction::ifExists(std::string key) {
    compares.push_back({Compare::Kind::Exists, std::move(key), 0});
    return *this;
}

Transaction &Transaction::ifModRevision(std::string key, Revision revision) {
    compares.push_back({Compare::Kind::ModRevisionEquals, std::move(key), revision});
    return *this;
}

std::string prefixEnd(std::string_view prefix) {
    std::string end(prefix);
    while (!end.empty()) {
        auto &last = reinterpret_cast<unsigned char &>(end.back());
        if (last < 0xff) {
            ++last;
            return end;
        }
        end.pop_back();
    }
    // No key bounds the empty prefix or an all-0xff one from above.
    return std::string(kNoEnd);
}

StatusOr<TransactionResult> Store::commit(Transaction txn) {
    std::promise<StatusOr<TransactionResult>> promise;
    auto future = promise.get_future();
    commitAsync(std::move(txn), [&promise](StatusOr<TransactionResult> result) {
        promise.set_value(std::move(result));
    });
    return future.get();
}

EventSubscription::EventSubscription(EventSubscription &&other) noexcept
    : m_store(std::exchange(other.m_store, nullptr))
    , m_id(std::exchange(other.m_id, 0)) {}

EventSubscription &EventSubscription::operator=(EventSubscription &&other) noexcept {
    if (this != &other) {
        reset();
        m_store = std::exchange(other.m_store, nullptr);
        m_id = std::exchange(other.m_id, 0);
    }
    return *this;
}

void EventSubscription::reset() {
    if (m_store != nullptr) {
        std::exchange(m_store, nullptr)->unsubscribe(m_id);
    }
}

EventSubscription Store::subscribe(std::string prefix, EventListener listener) {
    std::unique_lock lock(m_subscribersMutex);
    const std::uint64_t id = m_nextSubscriberId++;
    m_subscribers.push_back({id, std::move(prefix), std::move(listener)});
    return EventSubscription(this, id);
}

void Store::unsubscribe(std::uint64_t id) {
    std::unique_lock lock(m_subscribersMutex);
    std::erase_if(m_subscribers,
                  [id](const Subscriber &subscriber) { return subscriber.id == id; });
}

void Store::setWriteHealthListener(WriteHealthListener listener) {
    std::lock_guard lock(m_writeHealthMutex);
    m_writeHealthListener = std::move(listener);
}

void Store::reportWriteHealth(const Status &writes) {
    std::lock_guard lock(m_writeHealthMutex);
    if (m_writeHealthListener) {
        m_writeHealthListener(writes);
    }
}

void Store::publish(const std::vector<Event> &events) {
    std::shared_lock lock(m_subscribersMutex);
    std::vector<Event> matching;
    for (const Subscriber &subscriber : m_subscribers) {
        if (subscriber.prefix.empty()) {
            subscriber.listener(events);
            continue;
        }
        matching.clear();
        for (const Event &event : events) {
            if (event.kv.key.starts_with(subscriber.prefix)) {
                matching.push_back(event);
            }
        }
        if (!matching.empty()) {
            subscriber.listener(matching);
        }
    }
}

StatusOr<RangeResult> Store::get(const std::string &key) const {
    return range(RangeRequest{key, {}, 1, false});
}

StatusOr<RangeResult> Store::rangePrefix(const std::string &prefix, std::size_t limit) const {
    return range(RangeRequest{prefix, prefixEnd(prefix), limit, false});
}

} // namespace aegis::store
