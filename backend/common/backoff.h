#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace aegis {

struct BackoffOptions {
    std::chrono::milliseconds initial{100};
    std::chrono::milliseconds max{5000};
    double multiplier = 2.0;
    // Each delay is spread uniformly over ±jitter of its nominal value, so that a fleet that lost
    // its daemon at the same moment does not come back in lockstep.
    double jitter = 0.2;
};

// Exponential backoff between attempts: a client reconnecting, a supervised child restarting.
// Not thread-safe: one per worker.
class ExponentialBackoff {
public:
    explicit ExponentialBackoff(BackoffOptions options,
                                std::uint64_t seed = std::random_device{}());

    // The delay before the next attempt; each call grows the nominal delay up to the maximum.
    std::chrono::milliseconds next();
    // Starts over from the initial delay, after a success.
    void reset();

private:
    BackoffOptions m_options;
    std::chrono::duration<double, std::milli> m_current;
    std::mt19937_64 m_random;
};

} // namespace aegis
