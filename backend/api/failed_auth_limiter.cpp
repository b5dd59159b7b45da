#include "api/failed_auth_limiter.h"

#include "common/logging.h"

namespace aegis::api {

FailedAuthLimiter::FailedAuthLimiter(ClockPtr clock, FailedAuthLimits limits)
    : m_clock(std::move(clock))
    , m_limits(limits)
    , m_lookups(limits.perSecond, limits.burst) {}

std::string FailedAuthLimiter::peerAddress(std::string_view peer) {
    for (std::string_view scheme : {"ipv4:", "ipv6:"}) {
        if (peer.substr(0, scheme.size()) == scheme) {
            const auto address = peer.substr(scheme.size());
            const auto port = address.rfind(':');
            return std::string(port == std::string_view::npos ? address : address.substr(0, port));
        }
    }
    return std::string(peer);
}

bool FailedAuthLimiter::admits(std::string_view peer) {
    return m_lookups.available(peerAddress(peer), m_clock->steadyNow());
}

void FailedAuthLimiter::recordFailure(std::string_view peer, bool lookedUp) {
    const auto now = m_clock->steadyNow();
    std::string address = peerAddress(peer);
    if (lookedUp) {
        m_lookups.take(address, now);
    }
    std::lock_guard lock(m_mutex);
    auto it = m_logs.find(address);
    if (it == m_logs.end()) {
        if (m_logs.size() >= m_limits.maxLoggedPeers) {
            ++m_otherFailures;
            if (m_otherPeers.size() < m_limits.maxLoggedPeers) {
                m_otherPeers.insert(std::move(address));
            }
            return;
        }
        // A quiet peer's first failure is logged at once; the rest of its interval is summarised.
        it = m_logs.emplace(std::move(address), PeerLog{0, now - m_limits.logInterval}).first;
    }
    ++it->second.failures;
    if (now - it->second.lastLine >= m_limits.logInterval) {
        flushLocked(now);
    }
}

void FailedAuthLimiter::flushLog() {
    std::lock_guard lock(m_mutex);
    flushLocked(m_clock->steadyNow());
}

void FailedAuthLimiter::flushLocked(std::chrono::steady_clock::time_point now) {
    const std::string interval = std::to_string(m_limits.logInterval.count()) + " s";
    for (auto it = m_logs.begin(); it != m_logs.end();) {
        PeerLog &log = it->second;
        if (now - log.lastLine < m_limits.logInterval) {
            ++it;
            continue;
        }
        if (log.failures == 0) {
            it = m_logs.erase(it); // quiet for a whole interval: forgotten
            continue;
        }
        log::warn(std::to_string(log.failures) + " failed authentication" +
                      (log.failures == 1 ? "" : "s") + " from " + it->first + " in the last " +
                      interval,
                  {{"peer", it->first}, {"failures", log.failures}});
        log.failures = 0;
        log.lastLine = now;
        ++it;
    }
    if (m_otherFailures > 0 && now - m_otherLastLine >= m_limits.logInterval) {
        m_otherLastLine = now;
        log::warn(std::to_string(m_otherFailures) + " failed authentications from " +
                      std::to_string(m_otherPeers.size()) + " further peers in the last " +
                      interval,
                  {{"failures", m_otherFailures}, {"peers", m_otherPeers.size()}});
        m_otherFailures = 0;
        m_otherPeers.clear();
    }
}

} // namespace aegis::api
