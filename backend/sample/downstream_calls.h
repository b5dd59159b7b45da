#pragma once

#include "client/discovery.h"
#include "client/trace_context.h"
#include "client/tracer.h"
#include "common/status.h"

#include <grpcpp/channel.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace aegis::sample {

class KeepAliveHttpClient;

struct DownstreamOptions {
    // The services whose "/" each request of this instance calls, in this order.
    std::vector<std::string> services;
    // Deadline of each call.
    std::chrono::milliseconds timeout{2000};
    client::Strategy strategy = client::Strategy::RoundRobin;
};

// What one downstream call came to.
struct DownstreamCall {
    std::string service;
    std::string instance; // empty when none could be picked
    int status = 0;       // HTTP status; 0 without a response
    std::string error;    // why it failed, when it did
    bool ok() const { return status >= 200 && status < 300; }
};

// The calls an aegis-sample makes on behalf of each request it serves (checkout -> inventory,
// payments), so the demo has real call chains: each service found through Discovery and its
// picker, called over a keep-alive HTTP connection, a connection failure retried once on another
// instance, the outcome reported for passive health checking. Each call is a client span (child
// of the request's server span) whose context goes out as the request's traceparent.
//
// callAll() is thread-safe and blocking: it runs on the caller's thread (one keep-alive client
// per thread). The destructor stops the discoveries.
class DownstreamCalls {
public:
    // INVALID_ARGUMENT for an empty or repeated service. `tracer` may be null (no spans; nothing
    // propagated).
    static StatusOr<std::unique_ptr<DownstreamCalls>> start(std::shared_ptr<grpc::Channel> channel,
                                                            DownstreamOptions options,
                                                            client::TracerPtr tracer);
    ~DownstreamCalls();
    DownstreamCalls(const DownstreamCalls &) = delete;
    DownstreamCalls &operator=(const DownstreamCalls &) = delete;

    // Calls every service in order, each as a child of `parent`; stops at the first failure (the
    // request fails with it).
    std::vector<DownstreamCall> callAll(const std::optional<client::SpanContext> &parent);

    const std::vector<std::string> &services() const { return m_options.services; }

private:
    DownstreamCalls(DownstreamOptions options, client::TracerPtr tracer);
    DownstreamCall call(KeepAliveHttpClient &http, client::Discovery &discovery,
                        const std::string &service,
                        const std::optional<client::SpanContext> &parent);
    KeepAliveHttpClient &clientForThisThread();

    const DownstreamOptions m_options;
    const client::TracerPtr m_tracer;
    std::map<std::string, client::DiscoveryPtr> m_discoveries; // fixed after start()

    std::mutex m_clientsMutex;
    std::map<std::thread::id, std::unique_ptr<KeepAliveHttpClient>> m_clients;
};

using DownstreamCallsPtr = std::unique_ptr<DownstreamCalls>;

} // namespace aegis::sample
