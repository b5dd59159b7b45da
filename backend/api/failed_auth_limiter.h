#pragma once

#include "common/clock.h"
#include "common/keyed_token_bucket.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

namespace aegis::api {

struct FailedAuthLimits {
    // Bearer tokens a peer address may get wrong at once, and regains per second. Beyond that,
    // its failures are answered as a flood (a valid token is never refused).
    double burst = 100;
    double perSecond = 10;
    // At most one log line per peer address per interval, counting its failures.
    std::chrono::seconds logInterval{10};
    // Peers summarised one by one; failures from further peers are summarised together.
    std::size_t maxLoggedPeers = 1000;
};

// Failed authentications by peer address (the port left out: a client reconnecting is the same
// peer): rate-limited, and logged as one summary line per peer and interval
// ("120 failed authentications from 10.0.0.7 in the last 10 s") instead of a line per call.
// Thread-safe.
class FailedAuthLimiter {
public:
    explicit FailedAuthLimiter(ClockPtr clock, FailedAuthLimits limits = {});

    // False when `peer` got too many tokens wrong lately (its failures are a flood).
    bool admits(std::string_view peer);
    // Counts a call from `peer` refused with UNAUTHENTICATED; `lookedUp` when a token was looked
    // up in vain, which spends from the peer's allowance.
    void recordFailure(std::string_view peer, bool lookedUp);
    // Writes the summaries whose interval has passed. Call periodically (the daemon does, several
    // times a second); recordFailure() writes the first line of a quiet peer at once.
    void flushLog();

    // "10.0.0.7" of "ipv4:10.0.0.7:53211", "[::1]" of "ipv6:[::1]:53211"; other forms as given.
    static std::string peerAddress(std::string_view peer);

private:
    struct PeerLog {
        std::uint64_t failures = 0;
        std::chrono::steady_clock::time_point lastLine;
    };
    // m_mutex held.
    void flushLocked(std::chrono::steady_clock::time_point now);

    const ClockPtr m_clock;
    const FailedAuthLimits m_limits;
    KeyedTokenBucket m_lookups;
    std::mutex m_mutex;
    std::map<std::string, PeerLog> m_logs;
    // Beyond maxLoggedPeers: one line for all of them per interval.
    std::uint64_t m_otherFailures = 0;
    std::set<std::string> m_otherPeers;
    std::chrono::steady_clock::time_point m_otherLastLine;
};

} // namespace aegis::api
