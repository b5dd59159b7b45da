#include "net/backoff.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>

namespace aegis::console {

Backoff::Backoff(Options options, std::function<double()> random)
    : m_options(options)
    , m_random(std::move(random)) {
    if (!m_random) {
        auto engine = std::make_shared<std::mt19937>(std::random_device{}());
        m_random = [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
    }
    m_options.initial = std::max(m_options.initial, std::chrono::milliseconds(1));
    m_options.maximum = std::max(m_options.maximum, m_options.initial);
}

std::chrono::milliseconds Backoff::next() {
    const double base = std::min(static_cast<double>(m_options.initial.count()) *
                                     std::pow(m_options.multiplier, m_attempt),
                                 static_cast<double>(m_options.maximum.count()));
    ++m_attempt;
    const double spread = base * m_options.jitter * (2.0 * m_random() - 1.0);
    return std::chrono::milliseconds(std::max<long long>(1, std::llround(base + spread)));
}

} // namespace aegis::console
