#include "common/backoff.h"

#include <algorithm>

namespace aegis {

ExponentialBackoff::ExponentialBackoff(BackoffOptions options, std::uint64_t seed)
    : m_options(options)
    , m_current(options.initial)
    , m_random(seed) {
    m_options.initial = std::max(m_options.initial, std::chrono::milliseconds(1));
    m_options.max = std::max(m_options.max, m_options.initial);
    m_options.multiplier = std::max(m_options.multiplier, 1.0);
    m_options.jitter = std::clamp(m_options.jitter, 0.0, 1.0);
    m_current = m_options.initial;
}

std::chrono::milliseconds ExponentialBackoff::next() {
    std::uniform_real_distribution<double> spread(1.0 - m_options.jitter, 1.0 + m_options.jitter);
    const auto delay = m_current * spread(m_random);
    m_current = std::min<std::chrono::duration<double, std::milli>>(
        m_current * m_options.multiplier, m_options.max);
    return std::chrono::duration_cast<std::chrono::milliseconds>(delay);
}

void ExponentialBackoff::reset() {
    m_current = m_options.initial;
}

} // namespace aegis
