#include "etcd_target.h"

#include "streams.h"

#include "bench_support.h"

#include "etcd/rpc.grpc.pb.h"

#include <grpcpp/create_channel.h>

#include <stdexcept>

namespace aegis::bench::discovery {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kTtlSeconds = 30;
// The lease of the watch measure's instances: long enough for the whole measure.
constexpr std::int64_t kWatchTtlSeconds = 3600;
constexpr const char *kWatchedPrefix = "/services/bench-watch/";

// The value stored per instance: what Aegis keeps for the same registration, as JSON.
std::string instanceValue(const std::string &service, const std::string &id, std::uint64_t number) {
    const std::string address = "10." + std::to_string((number >> 16) & 255) + "." +
                                std::to_string((number >> 8) & 255) + "." +
                                std::to_string(number & 255) + ":8080";
    return R"({"service":")" + service + R"(","id":")" + id + R"(","address":")" + address +
           R"(","labels":{"zone":"zone-a"},"weight":100,"state":"serving"})";
}

// The end of the key range holding every key that starts with `prefix`.
std::string prefixEnd(std::string prefix) {
    while (!prefix.empty()) {
        auto &last = prefix.back();
        if (static_cast<unsigned char>(last) < 0xff) {
            ++last;
            return prefix;
        }
        prefix.pop_back();
    }
    return std::string(1, '\0');
}

class EtcdWatcher final
    : public Watcher,
      public grpc::ClientBidiReactor<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse> {
public:
    EtcdWatcher(int index, const std::shared_ptr<grpc::Channel> &channel, WatchSink &sink)
        : m_index(index)
        , m_sink(sink)
        , m_stub(etcdserverpb::Watch::NewStub(channel)) {
        auto *create = m_request.mutable_create_request();
        create->set_key(kWatchedPrefix);
        create->set_range_end(prefixEnd(kWatchedPrefix));
        m_stub->async()->Watch(&m_context, this);
        StartWrite(&m_request);
        StartRead(&m_response);
        StartCall();
    }

    void cancel() override { m_context.TryCancel(); }

    void OnReadDone(bool ok) override {
        if (!ok) {
            return; // OnDone follows
        }
        if (m_response.created()) {
            m_sink.ready(m_index);
        }
        for (const auto &event : m_response.events()) {
            if (event.type() == mvccpb::Event::PUT) {
                const int sequence = sequenceSuffix(event.kv().key());
                if (sequence >= 0) {
                    m_sink.delivered(m_index, sequence);
                }
            }
        }
        StartRead(&m_response);
    }

    void OnWriteDone(bool) override {}

    void OnDone(const grpc::Status &status) override { m_sink.ended(m_index, status); }

private:
    const int m_index;
    WatchSink &m_sink;
    std::unique_ptr<etcdserverpb::Watch::Stub> m_stub;
    grpc::ClientContext m_context;
    etcdserverpb::WatchRequest m_request;
    etcdserverpb::WatchResponse m_response;
};

std::int64_t grantLease(etcdserverpb::Lease::Stub &lease, std::int64_t ttlSeconds) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 10s);
    etcdserverpb::LeaseGrantRequest request;
    request.set_ttl(ttlSeconds);
    etcdserverpb::LeaseGrantResponse response;
    const auto status = lease.LeaseGrant(&context, request, &response);
    if (!status.ok() || !response.error().empty()) {
        throw std::runtime_error("etcd LeaseGrant failed: " + status.error_message() +
                                 response.error());
    }
    return response.id();
}

} // namespace

EtcdTarget::EtcdTarget(const std::string &binary) {
    auto etcd = testing::EtcdCluster::start({}, {.members = 1, .binary = binary});
    if (!etcd) {
        throw std::runtime_error("etcd did not start: " + etcd.status().toString());
    }
    m_etcd = std::move(*etcd);
    auto channel = grpc::CreateChannel(address(), grpc::InsecureChannelCredentials());
    m_watchLease = grantLease(*etcdserverpb::Lease::NewStub(channel), kWatchTtlSeconds);
}

EtcdTarget::~EtcdTarget() = default;

CallStarter EtcdTarget::registrations(int concurrency,
                                      std::vector<std::shared_ptr<grpc::Channel>> channels) {
    struct Slot {
        std::unique_ptr<grpc::ClientContext> grantContext;
        std::unique_ptr<grpc::ClientContext> putContext;
        etcdserverpb::LeaseGrantRequest grant;
        etcdserverpb::LeaseGrantResponse granted;
        etcdserverpb::PutRequest put;
        etcdserverpb::PutResponse putResponse;
        std::uint64_t sequence = 0;
    };
    struct State {
        std::vector<Slot> slots;
        std::vector<std::unique_ptr<etcdserverpb::Lease::Stub>> leases;
        std::vector<std::unique_ptr<etcdserverpb::KV::Stub>> kvs;
    };
    auto state = std::make_shared<State>();
    state->slots.resize(static_cast<std::size_t>(concurrency));
    for (const auto &channel : channels) {
        state->leases.push_back(etcdserverpb::Lease::NewStub(channel));
        state->kvs.push_back(etcdserverpb::KV::NewStub(channel));
    }
    return [state](int index, std::function<void(const grpc::Status &)> done) {
        auto &slot = state->slots[static_cast<std::size_t>(index)];
        const auto stub = static_cast<std::size_t>(index) % state->leases.size();
        slot.grantContext = std::make_unique<grpc::ClientContext>();
        slot.grantContext->set_deadline(std::chrono::system_clock::now() + 30s);
        slot.grant.set_ttl(kTtlSeconds);
        state->leases[stub]->async()->LeaseGrant(
            slot.grantContext.get(), &slot.grant, &slot.granted,
            [state, &slot, index, stub, done = std::move(done)](const grpc::Status &status) {
                if (!status.ok()) {
                    return done(status);
                }
                if (!slot.granted.error().empty()) {
                    return done(grpc::Status(grpc::StatusCode::UNKNOWN, slot.granted.error()));
                }
                const auto number = slot.sequence++;
                const std::string service = "bench-reg-" + std::to_string(index % 16);
                const std::string id = "i" + std::to_string(index) + "-" + std::to_string(number);
                slot.putContext = std::make_unique<grpc::ClientContext>();
                slot.putContext->set_deadline(std::chrono::system_clock::now() + 30s);
                slot.put.set_key("/services/" + service + "/" + id);
                slot.put.set_value(
                    instanceValue(service, id, number * 64 + static_cast<std::uint64_t>(index)));
                slot.put.set_lease(slot.granted.id());
                state->kvs[stub]->async()->Put(slot.putContext.get(), &slot.put, &slot.putResponse,
                                               done);
            });
    };
}

std::vector<std::int64_t> EtcdTarget::createLeases(int count,
                                                   const std::shared_ptr<grpc::Channel> &channel) {
    struct Call {
        grpc::ClientContext context;
        etcdserverpb::LeaseGrantRequest request;
        etcdserverpb::LeaseGrantResponse response;
    };
    auto stub = etcdserverpb::Lease::NewStub(channel);
    std::vector<std::unique_ptr<Call>> calls;
    for (int index = 0; index < count; ++index) {
        calls.push_back(std::make_unique<Call>());
    }
    std::vector<std::int64_t> leases(static_cast<std::size_t>(count), 0);
    forEachAsync(count, 64, [&](int index, std::function<void()> done) {
        auto &call = *calls[static_cast<std::size_t>(index)];
        call.context.set_deadline(std::chrono::system_clock::now() + 30s);
        call.request.set_ttl(kTtlSeconds);
        stub->async()->LeaseGrant(
            &call.context, &call.request, &call.response,
            [&leases, &call, index, done = std::move(done)](const grpc::Status &status) {
                if (status.ok() && call.response.error().empty()) {
                    leases[static_cast<std::size_t>(index)] = call.response.id();
                }
                done();
            });
    });
    std::erase(leases, 0);
    return leases;
}

std::unique_ptr<RenewalStream>
EtcdTarget::openRenewalStream(const std::shared_ptr<grpc::Channel> &channel,
                              std::vector<std::int64_t> leases, int depth,
                              RenewalCounters &counters) {
    using Stream = PipelinedRenewals<etcdserverpb::LeaseKeepAliveRequest,
                                     etcdserverpb::LeaseKeepAliveResponse>;
    std::shared_ptr<etcdserverpb::Lease::Stub> stub = etcdserverpb::Lease::NewStub(channel);
    Stream::Hooks hooks;
    hooks.bind = [stub](grpc::ClientContext *context, auto *reactor) {
        stub->async()->LeaseKeepAlive(context, reactor);
    };
    hooks.setLease = [](etcdserverpb::LeaseKeepAliveRequest &request, std::int64_t lease) {
        request.set_id(lease);
    };
    hooks.renewed = [](const etcdserverpb::LeaseKeepAliveResponse &response) {
        return response.ttl() > 0;
    };
    return std::make_unique<Stream>(std::move(leases), depth, counters, std::move(hooks),
                                    std::string());
}

std::unique_ptr<Watcher>
EtcdTarget::openWatcher(int index, const std::shared_ptr<grpc::Channel> &channel, WatchSink &sink) {
    return std::make_unique<EtcdWatcher>(index, channel, sink);
}

void EtcdTarget::registerForWatch(int sequence, const std::shared_ptr<grpc::Channel> &channel,
                                  std::function<void(const grpc::Status &)> done) {
    struct Call {
        std::unique_ptr<etcdserverpb::KV::Stub> stub;
        grpc::ClientContext context;
        etcdserverpb::PutRequest request;
        etcdserverpb::PutResponse response;
    };
    auto call = std::make_shared<Call>();
    {
        std::lock_guard lock(m_callsMutex);
        m_calls.push_back(call);
    }
    call->stub = etcdserverpb::KV::NewStub(channel);
    call->context.set_deadline(std::chrono::system_clock::now() + 30s);
    // Watchers ignore keys that do not end in "-<digits>".
    const std::string id = sequence >= 0 ? "w-" + std::to_string(sequence)
                                         : "warm-up" + std::to_string(-sequence) + "x";
    call->request.set_key(kWatchedPrefix + id);
    call->request.set_value(
        instanceValue("bench-watch", id, static_cast<std::uint64_t>(sequence + 1000)));
    call->request.set_lease(m_watchLease);
    call->stub->async()->Put(
        &call->context, &call->request, &call->response,
        [done = std::move(done)](const grpc::Status &status) { done(status); });
}

} // namespace aegis::bench::discovery
