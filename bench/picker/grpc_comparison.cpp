#include "picker/grpc_comparison.h"

#include "client/picker.h"
#include "closed_loop_load.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/channel_arguments.h>

#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

namespace aegis::bench {
namespace {

constexpr const char *kMethod = "/aegis.bench.Echo/Call";

// Answers every method with the request's bytes.
class EchoService final : public grpc::CallbackGenericService {
public:
    grpc::ServerGenericBidiReactor *CreateReactor(grpc::GenericCallbackServerContext *) override {
        return new Reactor();
    }

private:
    class Reactor final : public grpc::ServerGenericBidiReactor {
    public:
        Reactor() { StartRead(&m_message); }
        void OnReadDone(bool ok) override {
            if (!ok) {
                Finish(grpc::Status::OK);
                return;
            }
            StartWriteAndFinish(&m_message, grpc::WriteOptions(), grpc::Status::OK);
        }
        void OnDone() override { delete this; }

    private:
        grpc::ByteBuffer m_message;
    };
};

// One server process-wide listening on `count` loopback ports: every port is an instance.
struct Servers {
    explicit Servers(int count)
        : ports(static_cast<std::size_t>(count), 0) {
        grpc::ServerBuilder builder;
        for (int &port : ports) {
            builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
        }
        builder.RegisterCallbackGenericService(&echo);
        server = builder.BuildAndStart();
    }
    ~Servers() { server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2)); }

    EchoService echo;
    std::vector<int> ports;
    std::unique_ptr<grpc::Server> server;
};

grpc::ByteBuffer payload() {
    static const std::string bytes(32, 'x');
    grpc::Slice slice(bytes);
    return grpc::ByteBuffer(&slice, 1);
}

// What one closed-loop slot keeps for its call in flight.
struct Call {
    std::optional<grpc::ClientContext> context;
    grpc::ByteBuffer request = payload();
    grpc::ByteBuffer response;
    std::optional<client::Pick> pick;
};

grpc::ChannelArguments channelArguments() {
    grpc::ChannelArguments arguments;
    // Not shared between the two runs.
    arguments.SetInt("grpc.use_local_subchannel_pool", 1);
    // The default would be the target, which for round_robin lists every address: above 8 KiB
    // of :authority the servers refuse the call.
    arguments.SetString("grpc.default_authority", "echo");
    return arguments;
}

// One blocking call; returns the server's address as the client saw it.
std::string callOnce(grpc::GenericStub &stub) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    const grpc::ByteBuffer request = payload();
    grpc::ByteBuffer response;
    std::mutex mutex;
    std::condition_variable finished;
    bool done = false;
    stub.UnaryCall(&context, kMethod, grpc::StubOptions(), &request, &response, [&](grpc::Status) {
        std::lock_guard lock(mutex);
        done = true;
        finished.notify_all();
    });
    std::unique_lock lock(mutex);
    finished.wait(lock, [&] { return done; });
    return context.peer();
}

void startCall(grpc::GenericStub &stub, Call &call,
               std::function<void(const grpc::Status &)> done) {
    call.context.emplace();
    call.context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    stub.UnaryCall(&*call.context, kMethod, grpc::StubOptions(), &call.request, &call.response,
                   [done = std::move(done)](grpc::Status status) { done(status); });
}

LoadResult throughGrpcRoundRobin(const Servers &servers, int concurrency,
                                 std::chrono::milliseconds warmup,
                                 std::chrono::milliseconds window) {
    std::string target = "ipv4:";
    for (const int port : servers.ports) {
        target += (target.size() > 5 ? "," : "") + std::string("127.0.0.1:") + std::to_string(port);
    }
    grpc::ChannelArguments arguments = channelArguments();
    arguments.SetLoadBalancingPolicyName("round_robin");
    auto channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), arguments);
    channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::GenericStub stub(channel);
    // round_robin reports READY once one subchannel is: wait until calls reach every server.
    std::set<std::string> reached;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (reached.size() < servers.ports.size() && std::chrono::steady_clock::now() < deadline) {
        for (std::size_t i = 0; i < servers.ports.size(); ++i) {
            reached.insert(callOnce(stub));
        }
    }
    std::fprintf(stderr, "round_robin over %zu servers: calls reached %zu of them\n",
                 servers.ports.size(), reached.size());
    std::vector<Call> calls(static_cast<std::size_t>(concurrency));
    return runClosedLoop(
        concurrency,
        [&](int slot, std::function<void(const grpc::Status &)> done) {
            startCall(stub, calls[static_cast<std::size_t>(slot)], std::move(done));
        },
        warmup, window);
}

LoadResult throughSdkPicker(const Servers &servers, int concurrency,
                            std::chrono::milliseconds warmup, std::chrono::milliseconds window) {
    std::vector<client::Endpoint> endpoints;
    std::unordered_map<std::string, std::unique_ptr<grpc::GenericStub>> stubs; // by address
    for (std::size_t i = 0; i < servers.ports.size(); ++i) {
        client::Endpoint endpoint;
        endpoint.id = "echo-" + std::to_string(i);
        endpoint.service = "echo";
        endpoint.address = "127.0.0.1:" + std::to_string(servers.ports[i]);
        grpc::ChannelArguments arguments = channelArguments();
        auto channel = grpc::CreateCustomChannel(endpoint.address,
                                                 grpc::InsecureChannelCredentials(), arguments);
        channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10));
        stubs.emplace(endpoint.address, std::make_unique<grpc::GenericStub>(channel));
        endpoints.push_back(std::move(endpoint));
    }
    auto picker = client::makePicker(client::Strategy::RoundRobin);
    picker->update(std::move(endpoints));
    std::vector<Call> calls(static_cast<std::size_t>(concurrency));
    return runClosedLoop(
        concurrency,
        [&](int slot, std::function<void(const grpc::Status &)> done) {
            Call &call = calls[static_cast<std::size_t>(slot)];
            call.pick.reset();
            call.pick.emplace(*picker->pick());
            startCall(*stubs.at(call.pick->endpoint.address), call, std::move(done));
        },
        warmup, window);
}

} // namespace

void compareWithGrpcRoundRobin(const std::vector<int> &instanceCounts, int concurrency,
                               std::chrono::milliseconds warmup, std::chrono::milliseconds window) {
    std::printf("| instances | gRPC round_robin: calls/s | p50 ms | p99 ms | SDK RoundRobin + "
                "channel per instance: calls/s | p50 ms | p99 ms |\n"
                "|---:|---:|---:|---:|---:|---:|---:|\n");
    for (const int count : instanceCounts) {
        const Servers servers(count);
        const LoadResult grpcLoad = throughGrpcRoundRobin(servers, concurrency, warmup, window);
        const LoadResult sdkLoad = throughSdkPicker(servers, concurrency, warmup, window);
        for (const LoadResult *load : {&grpcLoad, &sdkLoad}) {
            if (load->failed > 0) {
                std::fprintf(stderr, "%d instances: %llu calls failed, first: %s\n", count,
                             static_cast<unsigned long long>(load->failed),
                             load->firstError.c_str());
            }
        }
        std::printf("| %d | %.0f | %.3f | %.3f | %.0f | %.3f | %.3f |\n", count,
                    grpcLoad.callsPerSecond(), grpcLoad.p50Ms, grpcLoad.p99Ms,
                    sdkLoad.callsPerSecond(), sdkLoad.p50Ms, sdkLoad.p99Ms);
        std::fflush(stdout);
    }
}

} // namespace aegis::bench
