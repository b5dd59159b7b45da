#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace aegis::api {

// Per-RPC request counts (by method and status code) and latency histograms (by method), in the
// daemon's Prometheus registry. Thread-safe.
class RpcMetrics {
public:
    explicit RpcMetrics(prometheus::Registry &registry);

    void record(const std::string &method, int code, std::chrono::steady_clock::duration elapsed);

private:
    prometheus::Family<prometheus::Counter> &m_requests;
    prometheus::Family<prometheus::Histogram> &m_latency;
    std::mutex m_mutex;
    // Children are created once per label set and then reused; the families own them.
    std::map<std::pair<std::string, int>, prometheus::Counter *> m_counters;
    std::map<std::string, prometheus::Histogram *> m_histograms;
};

} // namespace aegis::api
