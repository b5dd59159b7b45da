#include "api/rpc_metrics.h"

#include "common/status.h"

namespace aegis::api {

RpcMetrics::RpcMetrics(prometheus::Registry &registry)
    : m_requests(prometheus::BuildCounter()
                     .Name("aegis_grpc_requests_total")
                     .Help("gRPC requests handled, by method and status code.")
                     .Register(registry))
    , m_latency(prometheus::BuildHistogram()
                    .Name("aegis_grpc_request_duration_seconds")
                    .Help("Time from receiving a gRPC request to finishing it, by method.")
                    .Register(registry)) {}

void RpcMetrics::record(const std::string &method, int code,
                        std::chrono::steady_clock::duration elapsed) {
    static const prometheus::Histogram::BucketBoundaries kBuckets = {
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
        0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
    prometheus::Counter *counter;
    prometheus::Histogram *histogram;
    {
        std::lock_guard lock(m_mutex);
        auto &slot = m_counters[{method, code}];
        if (slot == nullptr) {
            slot = &m_requests.Add(
                {{"method", method}, {"code", statusCodeName(static_cast<StatusCode>(code))}});
        }
        counter = slot;
        auto &hist = m_histograms[method];
        if (hist == nullptr) {
            hist = &m_latency.Add({{"method", method}}, kBuckets);
        }
        histogram = hist;
    }
    counter->Increment();
    histogram->Observe(std::chrono::duration<double>(elapsed).count());
}

} // namespace aegis::api
