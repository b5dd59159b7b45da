#pragma once

#include "metrics/prometheus_client.h"

#include <functional>
#include <mutex>

namespace aegis::metrics {

// A QueryBackend over a Prometheus whose URL moves: the managed Prometheus of a cluster of
// replicas runs on the elected leader only, and every replica sends its queries there. Each call
// asks `locate` for the URL to use now and goes to a PrometheusClient of that URL (built when the
// URL first appears, replaced when it changes, so connections are reused between failovers).
// When `locate` answers an error (UNAVAILABLE "no replica leads now ..."), the call fails with it,
// delivered on the executor as QueryBackend's contract asks.
//
// Thread-safe; `locate` is called from the calling thread and must not block.
class LeaderPrometheusClient final : public QueryBackend {
public:
    using Locate = std::function<StatusOr<std::string>()>;

    LeaderPrometheusClient(boost::asio::any_io_executor executor, Locate locate,
                           PrometheusClientOptions options);

    void query(InstantQuery request, Done<QueryResult> done) override;
    void queryRange(RangeQuery request, Done<QueryResult> done) override;
    void series(SeriesSelection selection, Done<std::vector<Labels>> done) override;
    void labelNames(SeriesSelection selection, Done<std::vector<std::string>> done) override;
    void labelValues(std::string name, SeriesSelection selection,
                     Done<std::vector<std::string>> done) override;
    void targets(Done<std::vector<Target>> done) override;

    // The status of the Prometheus located now (its client's probes and calls), or Down with
    // locate's error.
    BackendStatus status() const;

private:
    // The client of the URL located now, or locate's error.
    StatusOr<std::shared_ptr<PrometheusClient>> current() const;
    template <typename T>
    void refuse(const Status &status, Done<T> done);

    boost::asio::any_io_executor m_executor;
    const Locate m_locate;
    const PrometheusClientOptions m_options;
    mutable std::mutex m_mutex;
    mutable std::shared_ptr<PrometheusClient> m_client;
};

} // namespace aegis::metrics
