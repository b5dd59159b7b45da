#include "api/rpc_metrics.h"

#include "api/permission_table.h"

#include <google/protobuf/descriptor.h>

namespace aegis::api {

std::vector<RpcMethod> servedMethods() {
    // Registers the descriptors of every API file (the daemon has checked the table already).
    (void)checkPermissionTableCoverage();
    const auto *pool = google::protobuf::DescriptorPool::generated_pool();
    std::vector<RpcMethod> methods;
    for (const MethodPolicy &policy : permissionTable()) {
        // "/aegis.v1.AuthService/CreateToken" -> "aegis.v1.AuthService.CreateToken"
        std::string fullName(policy.method.substr(1));
        fullName[fullName.rfind('/')] = '.';
        const auto *method = pool->FindMethodByName(fullName);
        methods.push_back(
            {std::string(policy.method),
             method != nullptr && (method->client_streaming() || method->server_streaming())});
    }
    return methods;
}

const std::vector<double> &RpcMetrics::latencyBuckets() {
    static const std::vector<double> kBuckets = {0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001,
                                                 0.0025,   0.005,   0.01,   0.025,   0.05,   0.1,
                                                 0.25,     0.5,     1,      2.5,     5,      10};
    return kBuckets;
}

RpcMetrics::RpcMetrics(prometheus::Registry &registry, std::span<const RpcMethod> methods)
    : m_requests(prometheus::BuildCounter()
                     .Name("aegis_grpc_requests_total")
                     .Help("gRPC calls finished, unary and streaming, by method and status code.")
                     .Register(registry))
    , m_latency(prometheus::BuildHistogram()
                    .Name("aegis_grpc_request_duration_seconds")
                    .Help("Time from receiving a unary gRPC call to answering it, by method.")
                    .Register(registry))
    , m_streamsOpen(prometheus::BuildGauge()
                        .Name("aegis_grpc_streams_open")
                        .Help("Streaming gRPC calls open now, by method.")
                        .Register(registry))
    , m_streamReceived(prometheus::BuildCounter()
                           .Name("aegis_grpc_stream_messages_received_total")
                           .Help("Messages received on streaming gRPC calls, by method.")
                           .Register(registry))
    , m_streamSent(prometheus::BuildCounter()
                       .Name("aegis_grpc_stream_messages_sent_total")
                       .Help("Messages sent on streaming gRPC calls, by method.")
                       .Register(registry)) {
    std::lock_guard lock(m_mutex);
    for (const RpcMethod &method : methods) {
        for (const StatusCode code : kInitialisedCodes) {
            requestCounter(method.name, code);
        }
        if (method.streaming) {
            const prometheus::Labels labels{{"method", method.name}};
            m_streams.emplace(method.name, RpcStreamSeries{&m_streamsOpen.Add(labels),
                                                           &m_streamReceived.Add(labels),
                                                           &m_streamSent.Add(labels)});
        } else {
            m_histograms.emplace(method.name,
                                 &m_latency.Add({{"method", method.name}}, latencyBuckets()));
        }
    }
}

// m_mutex held.
prometheus::Counter &RpcMetrics::requestCounter(const std::string &method, StatusCode code) {
    auto &slot = m_counters[{method, code}];
    if (slot == nullptr) {
        slot = &m_requests.Add({{"method", method}, {"code", statusCodeName(code)}});
    }
    return *slot;
}

void RpcMetrics::record(const std::string &method, StatusCode code,
                        std::chrono::steady_clock::duration elapsed) {
    prometheus::Counter *counter;
    prometheus::Histogram *histogram;
    {
        std::lock_guard lock(m_mutex);
        counter = &requestCounter(method, code);
        auto &hist = m_histograms[method];
        if (hist == nullptr) {
            hist = &m_latency.Add({{"method", method}}, latencyBuckets());
        }
        histogram = hist;
    }
    counter->Increment();
    histogram->Observe(std::chrono::duration<double>(elapsed).count());
}

std::unique_ptr<RpcStreamMetrics> RpcMetrics::openStream(const std::string &method) {
    const RpcStreamSeries *children;
    {
        std::lock_guard lock(m_mutex);
        auto it = m_streams.find(method);
        if (it == m_streams.end()) {
            const prometheus::Labels labels{{"method", method}};
            it = m_streams
                     .emplace(method, RpcStreamSeries{&m_streamsOpen.Add(labels),
                                                      &m_streamReceived.Add(labels),
                                                      &m_streamSent.Add(labels)})
                     .first;
        }
        children = &it->second;
    }
    children->open->Increment();
    return std::unique_ptr<RpcStreamMetrics>(new RpcStreamMetrics(*this, method, *children));
}

RpcStreamMetrics::RpcStreamMetrics(RpcMetrics &metrics, std::string method,
                                   const RpcStreamSeries &series)
    : m_metrics(metrics)
    , m_method(std::move(method))
    , m_series(series) {}

RpcStreamMetrics::~RpcStreamMetrics() {
    m_series.open->Decrement();
}

void RpcStreamMetrics::received() {
    m_series.received->Increment();
}

void RpcStreamMetrics::sent() {
    m_series.sent->Increment();
}

void RpcStreamMetrics::finished(StatusCode code) {
    std::call_once(m_finished, [&] {
        prometheus::Counter *counter;
        {
            std::lock_guard lock(m_metrics.m_mutex);
            counter = &m_metrics.requestCounter(m_method, code);
        }
        counter->Increment();
    });
}

} // namespace aegis::api
