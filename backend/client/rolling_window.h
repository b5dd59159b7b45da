#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace aegis::client {

// Counts over the last `window`, kept in `buckets` buckets so that old counts leave one bucket at
// a time. `Counts` is a small struct of counters with `+=`. Not thread-safe: its owner locks.
template <typename Counts>
class RollingWindow {
public:
    RollingWindow(std::chrono::steady_clock::duration window, int buckets)
        : m_width(window / (buckets > 0 ? buckets : 1))
        , m_buckets(static_cast<std::size_t>(buckets > 0 ? buckets : 1)) {
        if (m_width.count() <= 0) {
            m_width = std::chrono::steady_clock::duration(1);
        }
    }

    // The bucket `now` falls in, emptied first if it last held older counts.
    Counts &at(std::chrono::steady_clock::time_point now) {
        const std::int64_t epoch = epochOf(now);
        Bucket &bucket = m_buckets[slot(epoch)];
        if (bucket.epoch != epoch) {
            bucket = Bucket{epoch, Counts{}};
        }
        return bucket.counts;
    }

    // Everything counted within the window that ends at `now`.
    Counts sum(std::chrono::steady_clock::time_point now) const {
        const std::int64_t newest = epochOf(now);
        const std::int64_t oldest = newest - static_cast<std::int64_t>(m_buckets.size()) + 1;
        Counts total{};
        for (const Bucket &bucket : m_buckets) {
            if (bucket.epoch >= oldest && bucket.epoch <= newest) {
                total += bucket.counts;
            }
        }
        return total;
    }

    void clear() {
        for (Bucket &bucket : m_buckets) {
            bucket = Bucket{};
        }
    }

private:
    struct Bucket {
        std::int64_t epoch = -1;
        Counts counts{};
    };

    std::int64_t epochOf(std::chrono::steady_clock::time_point now) const {
        return now.time_since_epoch() / m_width;
    }
    std::size_t slot(std::int64_t epoch) const {
        const auto count = static_cast<std::int64_t>(m_buckets.size());
        return static_cast<std::size_t>(((epoch % count) + count) % count);
    }

    std::chrono::steady_clock::duration m_width;
    std::vector<Bucket> m_buckets;
};

} // namespace aegis::client
