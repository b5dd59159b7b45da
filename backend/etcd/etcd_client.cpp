#include "etcd/etcd_client.h"

#include "common/backoff.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/client_callback.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace aegis::etcd {
namespace {

StatusOr<std::string> readFile(const std::string &path, std::string_view what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return invalidArgument("cannot read the etcd " + std::string(what) + " file " + path);
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string withoutScheme(const std::string &endpoint) {
    for (std::string_view scheme : {"http://", "https://"}) {
        if (endpoint.rfind(scheme, 0) == 0) {
            return endpoint.substr(scheme.size());
        }
    }
    return endpoint;
}

std::chrono::system_clock::time_point deadlineIn(std::chrono::milliseconds timeout) {
    return std::chrono::system_clock::now() + timeout;
}

// One bidirectional stream: writes queued and sent one at a time, reads always outstanding.
template <typename Request, typename Response>
class StreamReactor final : public grpc::ClientBidiReactor<Request, Response>,
                            public EtcdStream<Request, Response> {
public:
    using Handlers = typename EtcdStream<Request, Response>::Handlers;

    StreamReactor(std::string endpoint, Handlers handlers)
        : m_endpoint(std::move(endpoint))
        , m_handlers(std::move(handlers)) {}

    ~StreamReactor() override {
        m_context.TryCancel();
        std::unique_lock lock(m_mutex);
        m_doneChanged.wait(lock, [this] { return m_done; });
    }

    grpc::ClientContext &context() { return m_context; }

    // Writes start from callers' threads, outside gRPC's reactions: the call is held open (a
    // hold) until its read side has ended and no write is in flight, so that a write never
    // starts on a call gRPC has already finished.
    void start() {
        this->AddHold();
        this->StartRead(&m_response);
        this->StartCall();
    }

    bool send(Request request) override {
        std::lock_guard lock(m_mutex);
        if (m_done || m_writesFailed || m_readsEnded) {
            return false;
        }
        m_queue.push_back(std::move(request));
        if (!m_writing) {
            m_writing = true;
            this->StartWrite(&m_queue.front());
        }
        return true;
    }

    const std::string &endpoint() const override { return m_endpoint; }

    void OnWriteDone(bool ok) override {
        {
            std::lock_guard lock(m_mutex);
            m_queue.pop_front();
            if (ok && !m_readsEnded && !m_queue.empty()) {
                this->StartWrite(&m_queue.front());
                return;
            }
            m_writing = false;
            // A failed write: the stream is ending; OnDone follows.
            m_writesFailed = m_writesFailed || !ok;
        }
        releaseHoldIfIdle();
    }

    void OnReadDone(bool ok) override {
        if (!ok) {
            {
                std::lock_guard lock(m_mutex);
                m_readsEnded = true;
            }
            releaseHoldIfIdle();
            return;
        }
        if (m_handlers.onResponse) {
            m_handlers.onResponse(m_response);
        }
        this->StartRead(&m_response);
    }

    void OnDone(const grpc::Status &status) override {
        if (m_handlers.onClosed) {
            m_handlers.onClosed(status.ok() ? Status(StatusCode::Unavailable,
                                                     "etcd " + m_endpoint + " ended the stream")
                                            : fromGrpc(status, m_endpoint));
        }
        std::lock_guard lock(m_mutex);
        m_done = true;
        m_doneChanged.notify_all();
    }

private:
    // Once no write can start any more and none is in flight, lets the call finish.
    void releaseHoldIfIdle() {
        {
            std::lock_guard lock(m_mutex);
            if (m_holdReleased || m_writing || !(m_readsEnded || m_writesFailed)) {
                return;
            }
            m_holdReleased = true;
        }
        this->RemoveHold();
    }

    const std::string m_endpoint;
    const Handlers m_handlers;
    grpc::ClientContext m_context;
    Response m_response;
    std::mutex m_mutex;
    std::condition_variable m_doneChanged;
    std::deque<Request> m_queue;
    bool m_writing = false;
    bool m_writesFailed = false;
    bool m_readsEnded = false;   // the stream broke or ended: no write starts any more
    bool m_holdReleased = false; // RemoveHold() called
    bool m_done = false;
};

using KeepAliveReactor =
    StreamReactor<etcdserverpb::LeaseKeepAliveRequest, etcdserverpb::LeaseKeepAliveResponse>;

} // namespace

struct EtcdClient::Member {
    std::string endpoint;
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<etcdserverpb::KV::Stub> kv;
    std::unique_ptr<etcdserverpb::Watch::Stub> watch;
    std::unique_ptr<etcdserverpb::Lease::Stub> lease;
    std::unique_ptr<etcdserverpb::Cluster::Stub> cluster;
    std::unique_ptr<etcdserverpb::Maintenance::Stub> maintenance;
    std::unique_ptr<etcdserverpb::Auth::Stub> auth;
    // The member's auth token (guarded by the client's mutex); empty until authenticated.
    std::string token;
};

Status fromGrpc(const grpc::Status &status, const std::string &endpoint) {
    if (status.ok()) {
        return Status::ok();
    }
    return Status(static_cast<StatusCode>(status.error_code()),
                  "etcd " + endpoint + ": " + status.error_message());
}

EtcdClient::EtcdClient(EtcdClientOptions options)
    : m_options(std::move(options)) {}

EtcdClient::~EtcdClient() = default;

StatusOr<std::unique_ptr<EtcdClient>> EtcdClient::create(EtcdClientOptions options) {
    if (options.endpoints.empty()) {
        return invalidArgument("store.etcd.endpoints: at least one etcd endpoint is needed");
    }
    if (options.requestTimeout.count() <= 0 || options.dialTimeout.count() <= 0) {
        return invalidArgument("etcd dial and request timeouts must be positive");
    }
    std::unique_ptr<EtcdClient> client(new EtcdClient(std::move(options)));
    if (Status status = client->init(); !status.isOk()) {
        return status;
    }
    return client;
}

Status EtcdClient::init() {
    bool https = false;
    for (const auto &endpoint : m_options.endpoints) {
        https = https || endpoint.rfind("https://", 0) == 0;
        m_endpoints.push_back(withoutScheme(endpoint));
        if (m_endpoints.back().empty()) {
            return invalidArgument("store.etcd.endpoints: an endpoint is empty");
        }
    }
    if (!m_options.caFile.empty() || !m_options.certFile.empty() || https) {
        grpc::SslCredentialsOptions ssl;
        if (!m_options.caFile.empty()) {
            auto ca = readFile(m_options.caFile, "CA certificate");
            if (!ca) {
                return ca.status();
            }
            ssl.pem_root_certs = *ca;
        }
        if (!m_options.certFile.empty() || !m_options.keyFile.empty()) {
            auto cert = readFile(m_options.certFile, "client certificate");
            auto key = readFile(m_options.keyFile, "client key");
            if (!cert || !key) {
                return cert ? key.status() : cert.status();
            }
            ssl.pem_cert_chain = *cert;
            ssl.pem_private_key = *key;
        }
        m_credentials = grpc::SslCredentials(ssl);
    } else {
        m_credentials = grpc::InsecureChannelCredentials();
    }
    for (const auto &endpoint : m_endpoints) {
        auto member = std::make_unique<Member>();
        member->endpoint = endpoint;
        member->channel = channelFor(endpoint);
        member->kv = etcdserverpb::KV::NewStub(member->channel);
        member->watch = etcdserverpb::Watch::NewStub(member->channel);
        member->lease = etcdserverpb::Lease::NewStub(member->channel);
        member->cluster = etcdserverpb::Cluster::NewStub(member->channel);
        member->maintenance = etcdserverpb::Maintenance::NewStub(member->channel);
        member->auth = etcdserverpb::Auth::NewStub(member->channel);
        m_members.push_back(std::move(member));
    }
    return Status::ok();
}

std::shared_ptr<grpc::Channel> EtcdClient::channelFor(const std::string &endpoint) {
    grpc::ChannelArguments arguments;
    // etcd's own client allows responses up to 2 GiB; a large range must not fail on gRPC's 4 MiB.
    arguments.SetMaxReceiveMessageSize(-1);
    arguments.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
    arguments.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
    arguments.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    // A member that comes back is reached within a second, not after gRPC's backoff of minutes.
    arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS,
                     static_cast<int>(m_options.dialTimeout.count()));
    return grpc::CreateCustomChannel(endpoint, m_credentials, arguments);
}

std::string EtcdClient::currentEndpoint() const {
    std::lock_guard lock(m_mutex);
    return m_members[m_current]->endpoint;
}

EtcdClient::Member *EtcdClient::connectedMember(std::size_t &index) {
    std::size_t start = 0;
    {
        std::lock_guard lock(m_mutex);
        start = m_current;
    }
    // Every member is asked to connect at once and the first ready one, from the current one on,
    // is taken: a dead member must not hold a stream's failover up for the dial timeout, longer
    // than a leader's lease has to spare. Polled, since this only runs while (re)opening a stream.
    const auto deadline = std::chrono::steady_clock::now() + m_options.dialTimeout;
    for (;;) {
        for (std::size_t attempt = 0; attempt < m_members.size(); ++attempt) {
            index = (start + attempt) % m_members.size();
            Member &member = *m_members[index];
            if (member.channel->GetState(true) == GRPC_CHANNEL_READY) {
                std::lock_guard lock(m_mutex);
                m_current = index;
                return &member;
            }
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return nullptr;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

Status EtcdClient::authenticate(Member &member) {
    grpc::ClientContext context;
    context.set_deadline(deadlineIn(m_options.requestTimeout));
    etcdserverpb::AuthenticateRequest request;
    request.set_name(m_options.username);
    request.set_password(m_options.password);
    etcdserverpb::AuthenticateResponse response;
    const grpc::Status status = member.auth->Authenticate(&context, request, &response);
    if (!status.ok()) {
        return fromGrpc(status, member.endpoint);
    }
    std::lock_guard lock(m_mutex);
    member.token = response.token();
    return Status::ok();
}

void EtcdClient::prepare(grpc::ClientContext &context, const Member &member) const {
    context.set_deadline(deadlineIn(m_options.requestTimeout));
    if (!m_options.username.empty()) {
        std::lock_guard lock(m_mutex);
        context.AddMetadata("token", member.token);
    }
}

Status
EtcdClient::invoke(Retry retry,
                   const std::function<grpc::Status(Member &, grpc::ClientContext &)> &call) {
    const bool withAuth = !m_options.username.empty();
    Status last = unavailable("no etcd member could be reached");
    std::size_t start = 0;
    {
        std::lock_guard lock(m_mutex);
        start = m_current;
    }
    for (std::size_t attempt = 0; attempt < m_members.size(); ++attempt) {
        const std::size_t index = (start + attempt) % m_members.size();
        Member &member = *m_members[index];
        if (!member.channel->WaitForConnected(deadlineIn(m_options.dialTimeout))) {
            // Nothing was sent: safe to try the next member for reads and writes alike.
            last = unavailable("etcd " + member.endpoint + ": not reachable within " +
                               std::to_string(m_options.dialTimeout.count()) + " ms");
            continue;
        }
        bool authenticatedNow = false;
        for (;;) {
            bool needsToken = false;
            if (withAuth) {
                std::lock_guard lock(m_mutex);
                needsToken = member.token.empty();
            }
            if (needsToken) {
                if (Status status = authenticate(member); !status.isOk()) {
                    return status;
                }
                authenticatedNow = true;
            }
            grpc::ClientContext context;
            prepare(context, member);
            const grpc::Status status = call(member, context);
            if (status.ok()) {
                std::lock_guard lock(m_mutex);
                m_current = index;
                return Status::ok();
            }
            if (withAuth && status.error_code() == grpc::StatusCode::UNAUTHENTICATED &&
                !authenticatedNow) {
                std::lock_guard lock(m_mutex);
                member.token.clear();
                continue;
            }
            last = fromGrpc(status, member.endpoint);
            break;
        }
        const bool transient =
            last.code() == StatusCode::Unavailable || last.code() == StatusCode::DeadlineExceeded;
        if (transient) {
            // The next call starts at the next member.
            std::lock_guard lock(m_mutex);
            m_current = (index + 1) % m_members.size();
        }
        if (retry == Retry::Writes || !transient) {
            return last;
        }
    }
    return last;
}

StatusOr<etcdserverpb::RangeResponse> EtcdClient::range(const etcdserverpb::RangeRequest &request) {
    etcdserverpb::RangeResponse response;
    Status status = invoke(Retry::Reads, [&](Member &member, grpc::ClientContext &context) {
        return member.kv->Range(&context, request, &response);
    });
    if (!status.isOk()) {
        return status;
    }
    return response;
}

StatusOr<etcdserverpb::PutResponse> EtcdClient::put(const etcdserverpb::PutRequest &request) {
    etcdserverpb::PutResponse response;
    Status status = invoke(Retry::Writes, [&](Member &member, grpc::ClientContext &context) {
        return member.kv->Put(&context, request, &response);
    });
    if (!status.isOk()) {
        return status;
    }
    return response;
}

StatusOr<etcdserverpb::DeleteRangeResponse>
EtcdClient::deleteRange(const etcdserverpb::DeleteRangeRequest &request) {
    etcdserverpb::DeleteRangeResponse response;
    Status status = invoke(Retry::Writes, [&](Member &member, grpc::ClientContext &context) {
        return member.kv->DeleteRange(&context, request, &response);
    });
    if (!status.isOk()) {
        return status;
    }
    return response;
}

StatusOr<etcdserverpb::TxnResponse> EtcdClient::txn(const etcdserverpb::TxnRequest &request) {
    etcdserverpb::TxnResponse response;
    Status status = invoke(Retry::Writes, [&](Member &member, grpc::ClientContext &context) {
        return member.kv->Txn(&context, request, &response);
    });
    if (!status.isOk()) {
        return status;
    }
    return response;
}

StatusOr<etcdserverpb::CompactionResponse>
EtcdClient::compact(const etcdserverpb::CompactionRequest &request) {
    etcdserverpb::CompactionResponse response;
    Status status = invoke(Retry::Writes, [&](Member &member, grpc::ClientContext &context) {
        return member.kv->Compact(&context, request, &response);
    });
    if (!status.isOk()) {
        return status;
    }
    return response;
}

StatusOr<etcdserverpb::LeaseGrantResponse> EtcdClient::leaseGrant(std::int64_t ttlSeconds,
                                                                  std::int64_t id) {
    etcdserverpb::LeaseGrantRequest request;
    request.set_ttl(ttlSeconds);
    request.set_id(id);
    etcdserverpb::LeaseGrantResponse response;
    Status status = invoke(Retry::Writes, [&](Member &member, grpc::ClientContext &context) {
        return member.lease->LeaseGrant(&context, request, &response);
    });
    if (!status.isOk()) {
        return status;
    }
    if (!response.error().empty()) {
        return Status(StatusCode::FailedPrecondition, "etcd lease grant: " + response.error());
    }
    return response;
}

Status EtcdClient::leaseRevoke(std::int64_t id) {
    etcdserverpb::LeaseRevokeRequest request;
    request.set_id(id);
    etcdserverpb::LeaseRevokeResponse response;
    return invoke(Retry::Writes, [&](Member &member, grpc::ClientContext &context) {
        return member.lease->LeaseRevoke(&context, request, &response);
    });
}

StatusOr<etcdserverpb::LeaseTimeToLiveResponse> EtcdClient::leaseTimeToLive(std::int64_t id,
                                                                            bool withKeys) {
    etcdserverpb::LeaseTimeToLiveRequest request;
    request.set_id(id);
    request.set_keys(withKeys);
    etcdserverpb::LeaseTimeToLiveResponse response;
    Status status = invoke(Retry::Reads, [&](Member &member, grpc::ClientContext &context) {
        return member.lease->LeaseTimeToLive(&context, request, &response);
    });
    if (!status.isOk()) {
        return status;
    }
    return response;
}

StatusOr<etcdserverpb::MemberListResponse> EtcdClient::memberList() {
    etcdserverpb::MemberListRequest request;
    etcdserverpb::MemberListResponse response;
    Status status = invoke(Retry::Reads, [&](Member &member, grpc::ClientContext &context) {
        return member.cluster->MemberList(&context, request, &response);
    });
    if (!status.isOk()) {
        return status;
    }
    return response;
}

StatusOr<etcdserverpb::StatusResponse> EtcdClient::status(const std::string &endpoint) {
    const std::string address = withoutScheme(endpoint);
    std::unique_ptr<etcdserverpb::Maintenance::Stub> ownStub;
    etcdserverpb::Maintenance::Stub *stub = nullptr;
    const Member *known = nullptr;
    for (const auto &member : m_members) {
        if (member->endpoint == address) {
            known = member.get();
            stub = member->maintenance.get();
        }
    }
    if (stub == nullptr) {
        ownStub = etcdserverpb::Maintenance::NewStub(channelFor(address));
        stub = ownStub.get();
    }
    grpc::ClientContext context;
    context.set_deadline(deadlineIn(m_options.requestTimeout));
    // Status needs no permission, but a member with auth on rejects a stale token.
    if (known != nullptr && !m_options.username.empty()) {
        std::lock_guard lock(m_mutex);
        if (!known->token.empty()) {
            context.AddMetadata("token", known->token);
        }
    }
    etcdserverpb::StatusRequest request;
    etcdserverpb::StatusResponse response;
    const grpc::Status status = stub->Status(&context, request, &response);
    if (!status.ok()) {
        return fromGrpc(status, address);
    }
    return response;
}

StatusOr<WatchStreamPtr> EtcdClient::watch(WatchStream::Handlers handlers) {
    std::size_t index = 0;
    Member *member = connectedMember(index);
    if (member == nullptr) {
        return unavailable("no etcd member could be reached (tried " +
                           std::to_string(m_members.size()) + ")");
    }
    bool needsToken = false;
    if (!m_options.username.empty()) {
        std::lock_guard lock(m_mutex);
        needsToken = member->token.empty();
    }
    if (needsToken) {
        if (Status status = authenticate(*member); !status.isOk()) {
            return status;
        }
    }
    // A stream refused for its token makes the next open authenticate again.
    auto onClosed = [this, member, closed = std::move(handlers.onClosed)](const Status &status) {
        if (status.code() == StatusCode::Unauthenticated) {
            std::lock_guard lock(m_mutex);
            member->token.clear();
        }
        if (closed) {
            closed(status);
        }
    };
    using WatchReactor = StreamReactor<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse>;
    auto stream = std::make_unique<WatchReactor>(
        member->endpoint, WatchStream::Handlers{std::move(handlers.onResponse), onClosed});
    if (!m_options.username.empty()) {
        std::lock_guard lock(m_mutex);
        stream->context().AddMetadata("token", member->token);
    }
    member->watch->async()->Watch(&stream->context(), stream.get());
    stream->start();
    return WatchStreamPtr(std::move(stream));
}

// Opens keep-alive streams on its own thread, with backoff, and feeds them the queued renewals.
class LeaseKeeperImpl final : public LeaseKeeper {
public:
    LeaseKeeperImpl(EtcdClient &client, Handlers handlers)
        : m_client(client)
        , m_handlers(std::move(handlers))
        , m_thread([this] { run(); }) {}

    ~LeaseKeeperImpl() override {
        {
            std::lock_guard lock(m_mutex);
            m_stopping = true;
        }
        m_changed.notify_all();
        m_thread.join();
    }

    void renew(std::int64_t id) override {
        {
            std::lock_guard lock(m_mutex);
            m_pending.insert(id);
        }
        m_changed.notify_all();
    }

private:
    void run() {
        ExponentialBackoff backoff({std::chrono::milliseconds(100), std::chrono::seconds(2)});
        std::unique_lock lock(m_mutex);
        while (!m_stopping) {
            if (!m_stream) {
                lock.unlock();
                auto stream = open();
                lock.lock();
                if (!stream) {
                    const Status error = stream.status();
                    lock.unlock();
                    report(error);
                    lock.lock();
                    m_changed.wait_for(lock, backoff.next(), [this] { return m_stopping.load(); });
                    continue;
                }
                m_stream = std::move(*stream);
                m_broken = false;
                // What was sent on the last stream and not answered goes again.
                m_pending.insert(m_inFlight.begin(), m_inFlight.end());
                m_inFlight.clear();
            }
            m_changed.wait(lock, [this] { return m_stopping || m_broken || !m_pending.empty(); });
            if (m_stopping) {
                break;
            }
            if (m_broken) {
                auto stream = std::move(m_stream);
                const Status error = m_closeStatus;
                lock.unlock();
                stream.reset();
                report(error);
                lock.lock();
                m_changed.wait_for(lock, backoff.next(), [this] { return m_stopping.load(); });
                continue;
            }
            backoff.reset();
            for (std::int64_t id : m_pending) {
                etcdserverpb::LeaseKeepAliveRequest request;
                request.set_id(id);
                m_inFlight.insert(id);
                m_stream->send(std::move(request));
            }
            m_pending.clear();
        }
        auto stream = std::move(m_stream);
        lock.unlock();
        stream.reset();
    }

    StatusOr<std::unique_ptr<KeepAliveReactor>> open() {
        std::size_t index = 0;
        EtcdClient::Member *member = m_client.connectedMember(index);
        if (member == nullptr) {
            return unavailable("no etcd member could be reached for lease keep-alives");
        }
        const bool withAuth = !m_client.m_options.username.empty();
        if (withAuth) {
            bool needsToken = false;
            {
                std::lock_guard lock(m_client.m_mutex);
                needsToken = member->token.empty();
            }
            if (needsToken) {
                if (Status status = m_client.authenticate(*member); !status.isOk()) {
                    return status;
                }
            }
        }
        auto stream = std::make_unique<KeepAliveReactor>(
            member->endpoint, KeepAliveReactor::Handlers{
                                  [this](const etcdserverpb::LeaseKeepAliveResponse &response) {
                                      {
                                          std::lock_guard lock(m_mutex);
                                          m_inFlight.erase(response.id());
                                      }
                                      if (m_handlers.onRenewed) {
                                          m_handlers.onRenewed(response.id(), response.ttl());
                                      }
                                  },
                                  [this, member](const Status &status) {
                                      if (status.code() == StatusCode::Unauthenticated) {
                                          std::lock_guard lock(m_client.m_mutex);
                                          member->token.clear();
                                      }
                                      std::lock_guard lock(m_mutex);
                                      m_broken = true;
                                      m_closeStatus = status;
                                      m_changed.notify_all();
                                  }});
        if (withAuth) {
            std::lock_guard lock(m_client.m_mutex);
            stream->context().AddMetadata("token", member->token);
        }
        member->lease->async()->LeaseKeepAlive(&stream->context(), stream.get());
        stream->start();
        return stream;
    }

    void report(const Status &status) {
        if (m_handlers.onStreamError && !m_stopping) {
            m_handlers.onStreamError(status);
        }
    }

    EtcdClient &m_client;
    const Handlers m_handlers;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::set<std::int64_t> m_pending;
    std::set<std::int64_t> m_inFlight;
    std::unique_ptr<KeepAliveReactor> m_stream;
    bool m_broken = false;
    Status m_closeStatus;
    std::atomic<bool> m_stopping{false};
    std::thread m_thread;
};

LeaseKeeperPtr EtcdClient::keepAlive(LeaseKeeper::Handlers handlers) {
    return std::make_unique<LeaseKeeperImpl>(*this, std::move(handlers));
}

} // namespace aegis::etcd
