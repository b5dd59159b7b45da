#include "cluster/etcd_leases.h"

#include <algorithm>
#include <cmath>

namespace aegis::cluster {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

EtcdLeases::EtcdLeases(etcd::EtcdClient &client)
    : m_client(client) {
    etcd::LeaseKeeper::Handlers handlers;
    handlers.onRenewed = [this](std::int64_t id, std::int64_t ttlSeconds) {
        std::lock_guard lock(m_mutex);
        m_ttls[id] = ttlSeconds;
        ++m_answers;
        m_streamError = Status::ok();
        m_answered.notify_all();
    };
    handlers.onStreamError = [this](const Status &error) {
        std::lock_guard lock(m_mutex);
        m_streamError = error;
        m_answered.notify_all();
    };
    m_keeper = m_client.keepAlive(std::move(handlers));
}

EtcdLeases::~EtcdLeases() {
    m_keeper.reset();
}

StatusOr<LeaseApi::Grant> EtcdLeases::grant(milliseconds ttl, steady_clock::time_point) {
    // etcd grants whole seconds: round up, so the lease never lives shorter than asked.
    const auto seconds =
        static_cast<std::int64_t>(std::ceil(static_cast<double>(ttl.count()) / 1000));
    auto granted = m_client.leaseGrant(std::max<std::int64_t>(seconds, 1));
    if (!granted) {
        return granted.status();
    }
    if (!granted->error().empty()) {
        return unavailable("etcd refused a lease: " + granted->error());
    }
    return Grant{granted->id(), milliseconds(granted->ttl() * 1000)};
}

StatusOr<milliseconds> EtcdLeases::renew(std::int64_t lease, steady_clock::time_point deadline) {
    std::unique_lock lock(m_mutex);
    m_ttls.erase(lease);
    lock.unlock();
    m_keeper->renew(lease);
    lock.lock();
    if (!m_answered.wait_until(lock, deadline, [&] { return m_ttls.count(lease) > 0; })) {
        return m_streamError.isOk()
                   ? Status(StatusCode::DeadlineExceeded, "etcd did not answer a lease renewal")
                   : m_streamError;
    }
    const std::int64_t ttl = m_ttls[lease];
    if (ttl <= 0) {
        return notFound("etcd lease " + std::to_string(lease) + " expired");
    }
    return milliseconds(ttl * 1000);
}

Status EtcdLeases::revoke(std::int64_t lease, steady_clock::time_point) {
    return m_client.leaseRevoke(lease);
}

std::vector<StoreMember> EtcdLeases::members(steady_clock::time_point) {
    std::vector<StoreMember> members;
    auto list = m_client.memberList();
    if (!list) {
        StoreMember unknown;
        unknown.name = "?";
        unknown.problem = list.status().message();
        for (const auto &endpoint : m_client.endpoints()) {
            unknown.clientUrls.push_back(endpoint);
        }
        return {unknown};
    }
    for (const auto &member : list->members()) {
        StoreMember out;
        out.name = member.name();
        out.id = member.id();
        out.clientUrls.assign(member.clienturls().begin(), member.clienturls().end());
        out.peerUrls.assign(member.peerurls().begin(), member.peerurls().end());
        if (out.clientUrls.empty()) {
            out.problem = "not started yet (no client URL)";
            members.push_back(std::move(out));
            continue;
        }
        std::string endpoint = out.clientUrls.front();
        if (const auto scheme = endpoint.find("://"); scheme != std::string::npos) {
            endpoint = endpoint.substr(scheme + 3);
        }
        auto status = m_client.status(endpoint);
        if (!status) {
            out.problem = status.status().message();
        } else {
            out.healthy = status->errors_size() == 0;
            if (!out.healthy) {
                out.problem = status->errors(0);
            }
            out.leader = status->leader() == member.id();
            out.dbSizeBytes = status->dbsize();
        }
        members.push_back(std::move(out));
    }
    return members;
}

} // namespace aegis::cluster
