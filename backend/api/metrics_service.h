#pragma once

#include "aegis/v1/metrics.grpc.pb.h"
#include "api/api_context.h"
#include "metrics/backend_status.h"
#include "metrics/query_backend.h"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <functional>

namespace aegis::api {

// MetricsService over the daemon's QueryBackend: validates each request at the edge with the
// limits metrics.proto names, converts the backend's answers to packed protobuf and its errors to
// canonical codes (a positioned PromQL error also sets the "aegis-query-position" trailer).
// WatchQuery streams re-evaluate on a timer of `executor`, not on a thread of their own.
class MetricsServiceImpl final : public aegis::v1::MetricsService::CallbackService {
public:
    // The backend as Targets reports it.
    using StatusSource = std::function<metrics::BackendStatus()>;

    // `queryTimeout` (metrics.query_timeout) is the default and the longest time a query may take.
    MetricsServiceImpl(ApiContext &api, metrics::QueryBackend &backend, StatusSource status,
                       boost::asio::any_io_executor executor,
                       std::chrono::milliseconds queryTimeout = std::chrono::seconds(30));

    grpc::ServerUnaryReactor *Query(grpc::CallbackServerContext *context,
                                    const aegis::v1::QueryRequest *request,
                                    aegis::v1::QueryResponse *response) override;
    grpc::ServerUnaryReactor *QueryRange(grpc::CallbackServerContext *context,
                                         const aegis::v1::QueryRangeRequest *request,
                                         aegis::v1::QueryRangeResponse *response) override;
    grpc::ServerUnaryReactor *Series(grpc::CallbackServerContext *context,
                                     const aegis::v1::SeriesRequest *request,
                                     aegis::v1::SeriesResponse *response) override;
    grpc::ServerUnaryReactor *LabelNames(grpc::CallbackServerContext *context,
                                         const aegis::v1::LabelNamesRequest *request,
                                         aegis::v1::LabelNamesResponse *response) override;
    grpc::ServerUnaryReactor *LabelValues(grpc::CallbackServerContext *context,
                                          const aegis::v1::LabelValuesRequest *request,
                                          aegis::v1::LabelValuesResponse *response) override;
    grpc::ServerUnaryReactor *Targets(grpc::CallbackServerContext *context,
                                      const aegis::v1::TargetsRequest *request,
                                      aegis::v1::TargetsResponse *response) override;
    grpc::ServerWriteReactor<aegis::v1::WatchQueryResponse> *
    WatchQuery(grpc::CallbackServerContext *context,
               const aegis::v1::WatchQueryRequest *request) override;

    // The step a range from `start` to `end` is evaluated at so that no series has more than
    // `maxPoints` points: `wanted` (0: as fine as allowed) widened when needed, at least 1 ms.
    static std::chrono::milliseconds widenedStep(std::chrono::milliseconds range,
                                                 std::chrono::milliseconds wanted,
                                                 std::int32_t maxPoints);

private:
    ApiContext &m_api;
    metrics::QueryBackend &m_backend;
    const StatusSource m_status;
    const boost::asio::any_io_executor m_executor;
    const std::chrono::milliseconds m_queryTimeout;
};

} // namespace aegis::api
