#include "metrics/no_metrics_backend.h"

#include <boost/asio/post.hpp>

namespace aegis::metrics {

NoMetricsBackend::NoMetricsBackend(boost::asio::any_io_executor executor, Status refusal)
    : m_executor(std::move(executor))
    , m_refusal(std::move(refusal)) {}

Status NoMetricsBackend::turnedOff() {
    return failedPrecondition("metrics are turned off (metrics.backend: none)");
}

template <typename T>
void NoMetricsBackend::refuse(Done<T> done) {
    boost::asio::post(m_executor, [done = std::move(done), refusal = m_refusal] { done(refusal); });
}

void NoMetricsBackend::query(InstantQuery, Done<QueryResult> done) {
    refuse(std::move(done));
}
void NoMetricsBackend::queryRange(RangeQuery, Done<QueryResult> done) {
    refuse(std::move(done));
}
void NoMetricsBackend::series(SeriesSelection, Done<std::vector<Labels>> done) {
    refuse(std::move(done));
}
void NoMetricsBackend::labelNames(SeriesSelection, Done<std::vector<std::string>> done) {
    refuse(std::move(done));
}
void NoMetricsBackend::labelValues(std::string, SeriesSelection,
                                   Done<std::vector<std::string>> done) {
    refuse(std::move(done));
}
void NoMetricsBackend::targets(Done<std::vector<Target>> done) {
    refuse(std::move(done));
}

} // namespace aegis::metrics
