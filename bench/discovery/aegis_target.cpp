#include "aegis_target.h"

#include "streams.h"

#include "bench_support.h"

#include "aegis/v1/auth.grpc.pb.h"
#include "aegis/v1/registry.grpc.pb.h"
#include "http_get.h"

#include <grpcpp/create_channel.h>

#include <iostream>
#include <stdexcept>
#include <thread>

namespace aegis::bench::discovery {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kTtlSeconds = 30;
// The lease of the watch measure's instances: long enough that none expires during the measure
// (an expiry would be one more event for every watcher).
constexpr std::int64_t kWatchTtlSeconds = 3600;
constexpr const char *kWatchedService = "bench-watch";

// The instance every registration sends: an address and one label, like a small real service.
void fillInstance(v1::Instance *instance, const std::string &service, const std::string &id,
                  std::uint64_t number) {
    instance->set_service(service);
    instance->set_id(id);
    instance->set_address("10." + std::to_string((number >> 16) & 255) + "." +
                          std::to_string((number >> 8) & 255) + "." + std::to_string(number & 255) +
                          ":8080");
    (*instance->mutable_labels())["zone"] = "zone-a";
}

class AegisWatcher final : public Watcher,
                           public grpc::ClientReadReactor<v1::WatchInstancesResponse> {
public:
    AegisWatcher(int index, v1::RegistryService::Stub &stub, const std::string &bearer,
                 WatchSink &sink)
        : m_index(index)
        , m_sink(sink) {
        m_context.AddMetadata("authorization", bearer);
        m_request.set_service(kWatchedService);
        stub.async()->WatchInstances(&m_context, &m_request, this);
        StartRead(&m_response);
        StartCall();
    }

    void cancel() override { m_context.TryCancel(); }

    void OnReadDone(bool ok) override {
        if (!ok) {
            return; // OnDone follows
        }
        if (!m_ready) {
            // The first message carries no events: the watch is registered.
            m_ready = true;
            m_sink.ready(m_index);
        }
        for (const auto &event : m_response.events()) {
            if (event.type() == v1::INSTANCE_EVENT_TYPE_ADDED) {
                const int sequence = sequenceSuffix(event.instance().id());
                if (sequence >= 0) {
                    m_sink.delivered(m_index, sequence);
                }
            }
        }
        StartRead(&m_response);
    }

    void OnDone(const grpc::Status &status) override { m_sink.ended(m_index, status); }

private:
    const int m_index;
    WatchSink &m_sink;
    grpc::ClientContext m_context;
    v1::WatchInstancesRequest m_request;
    v1::WatchInstancesResponse m_response;
    bool m_ready = false;
};

struct RegistrationSlot {
    std::unique_ptr<grpc::ClientContext> context;
    v1::RegisterInstanceRequest request;
    v1::RegisterInstanceResponse response;
    std::uint64_t sequence = 0;
};

} // namespace

AegisTarget::AegisTarget(const std::vector<std::string> &daemonArgs, int muxStreams) {
    testing::DaemonOptions options;
    options.extraArgs = daemonArgs;
    auto daemon = testing::DaemonProcess::start(options);
    if (!daemon) {
        throw std::runtime_error("aegisd did not start: " + daemon.status().toString());
    }
    m_daemon = std::move(*daemon);
    m_address = m_daemon->grpcAddress();
    m_pid = m_daemon->pid();
    m_adminBearer = "Bearer " + m_daemon->adminToken();
    if (muxStreams > 0) {
        m_name = "Aegis (WatchService)";
        m_mux = std::make_unique<MuxWatchers>(
            muxStreams, m_adminBearer,
            [](int, v1::WatchCreateRequest &create) {
                create.mutable_instances()->set_service(kWatchedService);
            },
            [](int index, const v1::WatchResponse &message, WatchSink &sink) {
                for (const auto &event : message.instances().events()) {
                    if (event.type() == v1::INSTANCE_EVENT_TYPE_ADDED) {
                        const int sequence = sequenceSuffix(event.instance().id());
                        if (sequence >= 0) {
                            sink.delivered(index, sequence);
                        }
                    }
                }
            });
    }
    createServiceToken();
}

AegisTarget::AegisTarget(std::string name, std::string address, const std::string &adminToken,
                         int pid)
    : m_name(std::move(name))
    , m_address(std::move(address))
    , m_pid(pid)
    , m_adminBearer("Bearer " + adminToken) {
    createServiceToken();
}

void AegisTarget::createServiceToken() {
    auto channel = makeChannels(m_address, 1).front();
    auto auth = v1::AuthService::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 10s);
    context.AddMetadata("authorization", m_adminBearer);
    v1::CreateTokenRequest request;
    request.set_name("bench-discovery");
    request.set_role(v1::ROLE_SERVICE);
    // Every service the registration and renewal loads use.
    for (int i = 0; i < 16; ++i) {
        request.add_services("bench-reg-" + std::to_string(i));
    }
    request.add_services("bench-renew");
    request.add_services(kWatchedService);
    v1::CreateTokenResponse response;
    const auto status = auth->CreateToken(&context, request, &response);
    if (!status.ok()) {
        throw std::runtime_error("CreateToken(ROLE_SERVICE) failed: " + status.error_message());
    }
    m_serviceBearer = "Bearer " + response.secret();
    awaitServiceTokenEverywhere();
}

void AegisTarget::awaitServiceTokenEverywhere() {
    // Replicas learn a new token from the store's event stream, a moment after the one that
    // created it: loads spread over all of them must not start before each one accepts it (its
    // refusals would also count against the bench's address as failed authentications).
    std::string list = m_address;
    if (constexpr std::string_view scheme = "ipv4:"; list.starts_with(scheme)) {
        list.erase(0, scheme.size());
    }
    std::size_t start = 0;
    while (start <= list.size()) {
        const std::size_t comma = std::min(list.find(',', start), list.size());
        const std::string endpoint = list.substr(start, comma - start);
        start = comma + 1;
        auto auth = v1::AuthService::NewStub(
            grpc::CreateChannel(endpoint, grpc::InsecureChannelCredentials()));
        const auto deadline = std::chrono::steady_clock::now() + 15s;
        for (;;) {
            grpc::ClientContext context;
            context.set_deadline(std::chrono::system_clock::now() + 2s);
            context.AddMetadata("authorization", m_serviceBearer);
            v1::WhoAmIResponse whoami;
            const auto status = auth->WhoAmI(&context, v1::WhoAmIRequest(), &whoami);
            if (status.ok()) {
                break;
            }
            if (std::chrono::steady_clock::now() > deadline) {
                throw std::runtime_error(
                    endpoint +
                    " does not accept the service token after 15 s: " + status.error_message());
            }
            std::this_thread::sleep_for(20ms);
        }
    }
}

std::string AegisTarget::metricsPage() const {
    // Attached replicas have no daemon handle here: no server-side figure for them.
    if (!m_daemon) {
        return {};
    }
    return testing::httpGet(m_daemon->httpAddress(), "/metrics").body;
}

AegisTarget::~AegisTarget() = default;

int AegisTarget::stop() {
    return m_daemon ? m_daemon->terminate() : 0;
}

CallStarter AegisTarget::registrations(int concurrency,
                                       std::vector<std::shared_ptr<grpc::Channel>> channels) {
    struct State {
        std::vector<RegistrationSlot> slots;
        std::vector<std::unique_ptr<v1::RegistryService::Stub>> stubs;
        std::string bearer;
    };
    auto state = std::make_shared<State>();
    state->slots.resize(static_cast<std::size_t>(concurrency));
    for (const auto &channel : channels) {
        state->stubs.push_back(v1::RegistryService::NewStub(channel));
    }
    state->bearer = m_serviceBearer;
    return [state](int index, std::function<void(const grpc::Status &)> done) {
        auto &slot = state->slots[static_cast<std::size_t>(index)];
        slot.context = std::make_unique<grpc::ClientContext>();
        slot.context->set_deadline(std::chrono::system_clock::now() + 30s);
        slot.context->AddMetadata("authorization", state->bearer);
        const auto number = slot.sequence++;
        slot.request.Clear();
        fillInstance(slot.request.mutable_instance(), "bench-reg-" + std::to_string(index % 16),
                     "i" + std::to_string(index) + "-" + std::to_string(number),
                     number * 64 + static_cast<std::uint64_t>(index));
        slot.request.set_ttl_seconds(kTtlSeconds);
        state->stubs[static_cast<std::size_t>(index) % state->stubs.size()]
            ->async()
            ->RegisterInstance(slot.context.get(), &slot.request, &slot.response, std::move(done));
    };
}

std::vector<std::int64_t> AegisTarget::createLeases(int count,
                                                    const std::shared_ptr<grpc::Channel> &channel) {
    auto stub = v1::RegistryService::NewStub(channel);
    std::vector<RegistrationSlot> calls(static_cast<std::size_t>(count));
    std::vector<std::int64_t> leases(static_cast<std::size_t>(count), 0);
    forEachAsync(count, 64, [&](int index, std::function<void()> done) {
        auto &call = calls[static_cast<std::size_t>(index)];
        call.context = std::make_unique<grpc::ClientContext>();
        call.context->set_deadline(std::chrono::system_clock::now() + 30s);
        call.context->AddMetadata("authorization", m_serviceBearer);
        fillInstance(call.request.mutable_instance(), "bench-renew", "r-" + std::to_string(index),
                     static_cast<std::uint64_t>(index));
        call.request.set_ttl_seconds(kTtlSeconds);
        stub->async()->RegisterInstance(
            call.context.get(), &call.request, &call.response,
            [&leases, &call, index, done = std::move(done)](const grpc::Status &status) {
                if (status.ok()) {
                    leases[static_cast<std::size_t>(index)] = call.response.lease_id();
                }
                done();
            });
    });
    std::erase(leases, 0);
    return leases;
}

std::unique_ptr<RenewalStream>
AegisTarget::openRenewalStream(const std::shared_ptr<grpc::Channel> &channel,
                               std::vector<std::int64_t> leases, int depth,
                               RenewalCounters &counters) {
    using Stream = PipelinedRenewals<v1::KeepAliveRequest, v1::KeepAliveResponse>;
    std::shared_ptr<v1::RegistryService::Stub> stub = v1::RegistryService::NewStub(channel);
    Stream::Hooks hooks;
    hooks.bind = [stub](grpc::ClientContext *context, auto *reactor) {
        stub->async()->KeepAlive(context, reactor);
    };
    hooks.setLease = [](v1::KeepAliveRequest &request, std::int64_t lease) {
        request.set_lease_id(lease);
    };
    hooks.renewed = [](const v1::KeepAliveResponse &response) {
        return response.ttl_seconds() > 0;
    };
    return std::make_unique<Stream>(std::move(leases), depth, counters, std::move(hooks),
                                    m_serviceBearer);
}

std::unique_ptr<Watcher> AegisTarget::openWatcher(int index,
                                                  const std::shared_ptr<grpc::Channel> &channel,
                                                  WatchSink &sink) {
    if (m_mux) {
        return m_mux->open(index, channel, sink);
    }
    // A stub is a thin handle on the channel; one per watcher keeps the watcher self-contained.
    struct Owned final : Watcher {
        std::unique_ptr<v1::RegistryService::Stub> stub;
        std::unique_ptr<AegisWatcher> watcher;
        void cancel() override { watcher->cancel(); }
    };
    auto owned = std::make_unique<Owned>();
    owned->stub = v1::RegistryService::NewStub(channel);
    owned->watcher = std::make_unique<AegisWatcher>(index, *owned->stub, m_adminBearer, sink);
    return owned;
}

void AegisTarget::registerForWatch(int sequence, const std::shared_ptr<grpc::Channel> &channel,
                                   std::function<void(const grpc::Status &)> done) {
    struct Call {
        std::unique_ptr<v1::RegistryService::Stub> stub;
        grpc::ClientContext context;
        v1::RegisterInstanceRequest request;
        v1::RegisterInstanceResponse response;
    };
    auto call = std::make_shared<Call>();
    {
        // Kept until the target goes away rather than freed from inside its own callback.
        std::lock_guard lock(m_callsMutex);
        m_calls.push_back(call);
    }
    call->stub = v1::RegistryService::NewStub(channel);
    call->context.set_deadline(std::chrono::system_clock::now() + 30s);
    call->context.AddMetadata("authorization", m_serviceBearer);
    // Watchers ignore ids that do not end in "-<digits>".
    const std::string id = sequence >= 0 ? "w-" + std::to_string(sequence)
                                         : "warm-up" + std::to_string(-sequence) + "x";
    fillInstance(call->request.mutable_instance(), kWatchedService, id,
                 static_cast<std::uint64_t>(sequence + 1000));
    call->request.set_ttl_seconds(kWatchTtlSeconds);
    call->stub->async()->RegisterInstance(
        &call->context, &call->request, &call->response,
        [call, done = std::move(done)](const grpc::Status &status) { done(status); });
}

} // namespace aegis::bench::discovery
