#pragma once

#include "common/status.h"
#include "etcd/rpc.grpc.pb.h"

#include <grpcpp/security/credentials.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace aegis::etcd {

struct EtcdClientOptions {
    // host:port of each member's client listener; "http://" or "https://" in front is accepted
    // and dropped (TLS is chosen by caFile, not by the scheme).
    std::vector<std::string> endpoints;
    // TLS when set: the CA that signed the members' certificates, and optionally a client
    // certificate and key for members started with --client-cert-auth.
    std::string caFile;
    std::string certFile;
    std::string keyFile;
    // etcd's own authentication (`etcdctl auth enable`); no token is sent when username is empty.
    std::string username;
    std::string password;
    // How long to wait for a connection to one member before trying the next.
    std::chrono::milliseconds dialTimeout{3000};
    // The deadline of every unary call.
    std::chrono::milliseconds requestTimeout{5000};
};

class EtcdClient;

// A bidirectional etcd stream (Watch, LeaseKeepAlive) on one member. Requests are queued and
// written in order; each response is handed to `onResponse` and the end of the stream, once, to
// `onClosed`, both on a gRPC thread (they must be quick and must not destroy the stream).
// Destroying the stream cancels it and returns once no handler runs or will run. Thread-safe.
template <typename Request, typename Response>
class EtcdStream {
public:
    struct Handlers {
        std::function<void(const Response &)> onResponse;
        std::function<void(const Status &)> onClosed;
    };
    virtual ~EtcdStream() = default;
    // Queues `request`; false once the stream has ended.
    virtual bool send(Request request) = 0;
    // The member the stream runs on (host:port).
    virtual const std::string &endpoint() const = 0;
};

using WatchStream = EtcdStream<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse>;
using WatchStreamPtr = std::unique_ptr<WatchStream>;

// Keeps many leases alive over one LeaseKeepAlive stream. renew() queues a keep-alive for a lease;
// `onRenewed(id, ttl)` reports the answer (ttl <= 0: the lease is gone, e.g. it expired or was
// revoked). A broken stream is reopened on the next member with backoff; renewals queued while it
// is down are sent once it is back, and `onStreamError` says why it broke. Handlers run on a gRPC
// or the keeper's own thread, never concurrently; destroying the keeper returns once none runs.
class LeaseKeeper {
public:
    struct Handlers {
        std::function<void(std::int64_t id, std::int64_t ttlSeconds)> onRenewed;
        std::function<void(const Status &)> onStreamError;
    };
    virtual ~LeaseKeeper() = default;
    // Thread-safe; a lease renewed twice before the stream writes is sent once.
    virtual void renew(std::int64_t id) = 0;
};

using LeaseKeeperPtr = std::unique_ptr<LeaseKeeper>;

// A thin client over etcd v3.4's gRPC API: one channel per member, calls go to the member last
// seen working and move on to the next when it cannot be reached. Reads (Range, TimeToLive,
// MemberList, Status) are retried on the other members on UNAVAILABLE; writes only when no
// connection to a member could be made, so a write is never applied twice. With a username the
// client authenticates and sends the token with every call, and authenticates again (once per
// call) when a member answers that the token is invalid (tokens are per member in etcd 3.4).
// Every call has the requestTimeout deadline. Thread-safe; streams and keepers it opened must be
// destroyed before it.
class EtcdClient {
public:
    static StatusOr<std::unique_ptr<EtcdClient>> create(EtcdClientOptions options);
    ~EtcdClient();
    EtcdClient(const EtcdClient &) = delete;
    EtcdClient &operator=(const EtcdClient &) = delete;

    StatusOr<etcdserverpb::RangeResponse> range(const etcdserverpb::RangeRequest &request);
    StatusOr<etcdserverpb::PutResponse> put(const etcdserverpb::PutRequest &request);
    StatusOr<etcdserverpb::DeleteRangeResponse>
    deleteRange(const etcdserverpb::DeleteRangeRequest &request);
    StatusOr<etcdserverpb::TxnResponse> txn(const etcdserverpb::TxnRequest &request);
    StatusOr<etcdserverpb::CompactionResponse>
    compact(const etcdserverpb::CompactionRequest &request);

    // A lease of `ttlSeconds` (etcd may grant a longer one; see the response's TTL); `id` 0 lets
    // etcd choose the ID.
    StatusOr<etcdserverpb::LeaseGrantResponse> leaseGrant(std::int64_t ttlSeconds,
                                                          std::int64_t id = 0);
    // Deletes every key attached to the lease. NOT_FOUND when the lease does not exist.
    Status leaseRevoke(std::int64_t id);
    // TTL -1 in the response when the lease does not exist (any more).
    StatusOr<etcdserverpb::LeaseTimeToLiveResponse> leaseTimeToLive(std::int64_t id,
                                                                    bool withKeys = false);
    LeaseKeeperPtr keepAlive(LeaseKeeper::Handlers handlers);

    StatusOr<etcdserverpb::MemberListResponse> memberList();
    // The status of the member at `endpoint` (one of the configured endpoints or a member's
    // client URL host:port), asked of that member only, without failover.
    StatusOr<etcdserverpb::StatusResponse> status(const std::string &endpoint);

    // Opens a Watch stream on the current member (the next one if it cannot be reached).
    StatusOr<WatchStreamPtr> watch(WatchStream::Handlers handlers);

    const std::vector<std::string> &endpoints() const { return m_endpoints; }
    // The member calls currently go to.
    std::string currentEndpoint() const;
    const EtcdClientOptions &options() const { return m_options; }

    struct Member;

private:
    explicit EtcdClient(EtcdClientOptions options);
    Status init();

    enum class Retry { Reads, Writes };
    // Runs `call(member, context)` on the current member, moving on to the next per `retry`,
    // with the deadline and the auth token set on each attempt's context.
    Status invoke(Retry retry,
                  const std::function<grpc::Status(Member &, grpc::ClientContext &)> &call);
    // A member reachable within dialTimeout, starting at the current one; nullptr if none is.
    Member *connectedMember(std::size_t &index);
    Status authenticate(Member &member);
    void prepare(grpc::ClientContext &context, const Member &member) const;
    std::shared_ptr<grpc::Channel> channelFor(const std::string &endpoint);
    friend class LeaseKeeperImpl;

    EtcdClientOptions m_options;
    std::vector<std::string> m_endpoints;
    std::shared_ptr<grpc::ChannelCredentials> m_credentials;
    std::vector<std::unique_ptr<Member>> m_members;
    mutable std::mutex m_mutex;
    std::size_t m_current = 0;
};

using EtcdClientPtr = std::unique_ptr<EtcdClient>;

// "etcdserver: ..." errors to our status, with the member named.
Status fromGrpc(const grpc::Status &status, const std::string &endpoint);

} // namespace aegis::etcd
