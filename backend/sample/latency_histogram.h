#pragma once

#include <array>
#include <chrono>
#include <cstdint>

namespace aegis::sample {

// Request latencies in logarithmic buckets 5 % wide, from 1 µs to about 4 minutes: bounded memory
// however long the run, quantiles within 5 %. Not thread-safe.
class LatencyHistogram {
public:
    void record(std::chrono::nanoseconds latency);
    void merge(const LatencyHistogram &other);
    std::int64_t count() const { return m_count; }
    // The q-quantile (0 < q <= 1) as the upper bound of its bucket; zero when empty.
    std::chrono::microseconds quantile(double q) const;

private:
    static constexpr int kBuckets = 400;
    std::array<std::int64_t, kBuckets> m_buckets{};
    std::int64_t m_count = 0;
};

} // namespace aegis::sample
