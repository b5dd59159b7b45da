#pragma once

#include <chrono>
#include <functional>

namespace aegis::console {

// Exponential backoff with jitter for reconnect attempts: initial, initial*2, ... capped at
// `maximum`, each delay spread by +/- `jitter` (a fraction) so many consoles do not retry in step.
// Not thread-safe; each retry loop owns one.
class Backoff {
public:
    struct Options {
        std::chrono::milliseconds initial{500};
        std::chrono::milliseconds maximum{15000};
        double multiplier = 2.0;
        double jitter = 0.2;
    };
    // `random` returns a number in [0, 1); a seeded generator when empty.
    explicit Backoff(Options options, std::function<double()> random = {});

    // The delay before the next attempt; grows with every call until reset().
    std::chrono::milliseconds next();
    void reset() { m_attempt = 0; }
    int attempts() const { return m_attempt; }

private:
    Options m_options;
    std::function<double()> m_random;
    int m_attempt = 0;
};

} // namespace aegis::console
