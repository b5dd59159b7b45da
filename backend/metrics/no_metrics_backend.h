#pragma once

#include "metrics/query_backend.h"

#include <boost/asio/any_io_executor.hpp>

namespace aegis::metrics {

// The backend of metrics.backend: none. Every call fails with `refusal` (FAILED_PRECONDITION
// saying that metrics are turned off by default), delivered on the executor as the contract asks.
class NoMetricsBackend final : public QueryBackend {
public:
    explicit NoMetricsBackend(boost::asio::any_io_executor executor, Status refusal = turnedOff());

    // The message of every refusal.
    static Status turnedOff();

    void query(InstantQuery request, Done<QueryResult> done) override;
    void queryRange(RangeQuery request, Done<QueryResult> done) override;
    void series(SeriesSelection selection, Done<std::vector<Labels>> done) override;
    void labelNames(SeriesSelection selection, Done<std::vector<std::string>> done) override;
    void labelValues(std::string name, SeriesSelection selection,
                     Done<std::vector<std::string>> done) override;
    void targets(Done<std::vector<Target>> done) override;

private:
    template <typename T>
    void refuse(Done<T> done);

    boost::asio::any_io_executor m_executor;
    const Status m_refusal;
};

} // namespace aegis::metrics
