#include "common/keyed_token_bucket.h"

#include <algorithm>

namespace aegis {

KeyedTokenBucket::KeyedTokenBucket(double ratePerSecond, double burst, std::size_t maxKeys)
    : m_rate(ratePerSecond)
    , m_burst(burst)
    , m_maxKeys(maxKeys) {}

KeyedTokenBucket::Bucket &KeyedTokenBucket::refill(const std::string &key,
                                                   std::chrono::steady_clock::time_point now) {
    auto it = m_buckets.find(key);
    if (it == m_buckets.end()) {
        if (m_buckets.size() >= m_maxKeys) {
            std::erase_if(m_buckets, [this, now](const auto &entry) {
                const std::chrono::duration<double> idle = now - entry.second.updated;
                return entry.second.tokens + idle.count() * m_rate >= m_burst;
            });
            if (m_buckets.size() >= m_maxKeys) {
                m_buckets.erase(m_buckets.begin()); // a hard bound, even under many busy keys
            }
        }
        it = m_buckets.emplace(key, Bucket{m_burst, now}).first;
    }
    Bucket &bucket = it->second;
    if (now > bucket.updated) {
        const std::chrono::duration<double> elapsed = now - bucket.updated;
        bucket.tokens = std::min(m_burst, bucket.tokens + elapsed.count() * m_rate);
        bucket.updated = now;
    }
    return bucket;
}

bool KeyedTokenBucket::take(const std::string &key, std::chrono::steady_clock::time_point now) {
    std::lock_guard lock(m_mutex);
    Bucket &bucket = refill(key, now);
    if (bucket.tokens < 1) {
        return false;
    }
    bucket.tokens -= 1;
    return true;
}

bool KeyedTokenBucket::available(const std::string &key,
                                 std::chrono::steady_clock::time_point now) {
    std::lock_guard lock(m_mutex);
    if (!m_buckets.contains(key)) {
        return m_burst >= 1; // an unknown key has a full bucket; remembering it would cost memory
    }
    return refill(key, now).tokens >= 1;
}

} // namespace aegis
