#pragma once

#include "common/status.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace aegis::api {

// One RPC the daemon serves, as gRPC names it ("/aegis.v1.RegistryService/KeepAlive").
struct RpcMethod {
    std::string name;
    // Server-, client- or bidirectional streaming.
    bool streaming = false;
};

// Every method of the permission table (every method the daemon serves), each with whether it
// streams, from the linked protobuf descriptors.
std::vector<RpcMethod> servedMethods();

class RpcMetrics;

// The series of one streaming method. Not owned: their families own them.
struct RpcStreamSeries {
    prometheus::Gauge *open = nullptr;
    prometheus::Counter *received = nullptr;
    prometheus::Counter *sent = nullptr;
};

// The metrics of one open streaming call, from RpcMetrics::openStream(): counted open until it is
// destroyed, which the stream does when gRPC is done with it (OnDone). Thread-safe.
class RpcStreamMetrics {
public:
    RpcStreamMetrics(const RpcStreamMetrics &) = delete;
    RpcStreamMetrics &operator=(const RpcStreamMetrics &) = delete;
    ~RpcStreamMetrics();

    // A message read from the client (a server-streaming call's one request counts too).
    void received();
    // A message the client's transport accepted (a write that completed).
    void sent();
    // The call's end status; counted in aegis_grpc_requests_total once, later calls are ignored.
    void finished(StatusCode code);

private:
    friend class RpcMetrics;
    RpcStreamMetrics(RpcMetrics &metrics, std::string method, const RpcStreamSeries &series);

    RpcMetrics &m_metrics;
    const std::string m_method;
    const RpcStreamSeries &m_series; // Owned by m_metrics; never removed.
    std::once_flag m_finished;
};

// aegisd's gRPC metrics, in the daemon's Prometheus registry. Thread-safe.
//   aegis_grpc_requests_total{method,code}               calls finished, unary and streaming
//   aegis_grpc_request_duration_seconds{method}          unary calls only, from start to answer
//   aegis_grpc_streams_open{method}                      streaming calls open now
//   aegis_grpc_stream_messages_received_total{method}    messages read by streaming calls
//   aegis_grpc_stream_messages_sent_total{method}        messages written by streaming calls
// Every series of the known methods exists from start-up at zero, so increase() and rate() see
// the first error as a change rather than as a series appearing: requests_total for each method
// with each code of kInitialisedCodes, the latency histogram of each unary method and the stream
// series of each streaming method. A code outside that list still counts; its series appears with
// its first call.
class RpcMetrics {
public:
    // The codes every method's request counter starts with at zero: OK, what every call may be
    // refused with (INVALID_ARGUMENT, UNAUTHENTICATED, PERMISSION_DENIED) and the server-side
    // errors the default alert rules watch (INTERNAL, UNAVAILABLE).
    static constexpr StatusCode kInitialisedCodes[] = {StatusCode::Ok,
                                                       StatusCode::InvalidArgument,
                                                       StatusCode::Unauthenticated,
                                                       StatusCode::PermissionDenied,
                                                       StatusCode::Internal,
                                                       StatusCode::Unavailable};

    // The latency buckets, in seconds: a read served from the caches takes tens of microseconds,
    // a write waits for an fsync (milliseconds), a slow call for seconds.
    static const std::vector<double> &latencyBuckets();

    RpcMetrics(prometheus::Registry &registry, std::span<const RpcMethod> methods);

    // A unary call answered with `code` after `elapsed`.
    void record(const std::string &method, StatusCode code,
                std::chrono::steady_clock::duration elapsed);
    // Counts a streaming call open until the returned object is destroyed.
    std::unique_ptr<RpcStreamMetrics> openStream(const std::string &method);

private:
    friend class RpcStreamMetrics;
    prometheus::Counter &requestCounter(const std::string &method, StatusCode code);

    prometheus::Family<prometheus::Counter> &m_requests;
    prometheus::Family<prometheus::Histogram> &m_latency;
    prometheus::Family<prometheus::Gauge> &m_streamsOpen;
    prometheus::Family<prometheus::Counter> &m_streamReceived;
    prometheus::Family<prometheus::Counter> &m_streamSent;
    std::mutex m_mutex;
    // Children are created once per label set and then reused; the families own them.
    std::map<std::pair<std::string, StatusCode>, prometheus::Counter *> m_counters;
    std::map<std::string, prometheus::Histogram *, std::less<>> m_histograms;
    std::map<std::string, RpcStreamSeries, std::less<>> m_streams;
};

} // namespace aegis::api
