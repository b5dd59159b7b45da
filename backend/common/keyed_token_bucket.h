#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace aegis {

// One token bucket per key (a peer address, a caller's name): each key may spend `burst` at once
// and regains `ratePerSecond`. Time is passed in (steady clock), so tests control it. Keys whose
// bucket is full again carry no information and are dropped once there are more than `maxKeys`,
// which bounds memory under many distinct keys. Thread-safe.
class KeyedTokenBucket {
public:
    KeyedTokenBucket(double ratePerSecond, double burst, std::size_t maxKeys = 10000);

    // Takes one token for `key`; false (and nothing taken) when its bucket is empty.
    bool take(const std::string &key, std::chrono::steady_clock::time_point now);
    // Whether `key` has a token left, without taking it.
    bool available(const std::string &key, std::chrono::steady_clock::time_point now);

    double ratePerSecond() const { return m_rate; }

private:
    struct Bucket {
        double tokens = 0;
        std::chrono::steady_clock::time_point updated;
    };
    // The refilled bucket of `key`; m_mutex held.
    Bucket &refill(const std::string &key, std::chrono::steady_clock::time_point now);

    const double m_rate;
    const double m_burst;
    const std::size_t m_maxKeys;
    std::mutex m_mutex;
    std::unordered_map<std::string, Bucket> m_buckets;
};

} // namespace aegis
