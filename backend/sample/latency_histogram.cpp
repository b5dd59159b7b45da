#include "sample/latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace aegis::sample {
namespace {

constexpr double kGrowth = 1.05;

} // namespace

void LatencyHistogram::record(std::chrono::nanoseconds latency) {
    const double micros = std::max(1.0, latency.count() / 1000.0);
    const int bucket = static_cast<int>(std::log(micros) / std::log(kGrowth));
    ++m_buckets[static_cast<std::size_t>(std::clamp(bucket, 0, kBuckets - 1))];
    ++m_count;
}

void LatencyHistogram::merge(const LatencyHistogram &other) {
    for (std::size_t i = 0; i < m_buckets.size(); ++i) {
        m_buckets[i] += other.m_buckets[i];
    }
    m_count += other.m_count;
}

std::chrono::microseconds LatencyHistogram::quantile(double q) const {
    if (m_count == 0) {
        return std::chrono::microseconds(0);
    }
    const auto rank = static_cast<std::int64_t>(std::ceil(std::clamp(q, 0.0, 1.0) * m_count));
    std::int64_t seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
        seen += m_buckets[static_cast<std::size_t>(i)];
        if (seen >= std::max<std::int64_t>(rank, 1)) {
            return std::chrono::microseconds(static_cast<std::int64_t>(std::pow(kGrowth, i + 1)));
        }
    }
    return std::chrono::microseconds(static_cast<std::int64_t>(std::pow(kGrowth, kBuckets)));
}

} // namespace aegis::sample
