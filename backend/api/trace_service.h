#pragma once

#include "aegis/v1/tracing.grpc.pb.h"
#include "api/api_context.h"
#include "tracing/span_sink.h"
#include "tracing/trace_store.h"

#include <boost/asio/thread_pool.hpp>

#include <functional>

namespace aegis::api {

// TraceService over the span store: validates each request at the edge with the limits
// tracing.proto names (a tag query's error with its line and column), converts the store's
// answers to protobuf. Queries run on the service's own small pool, never on gRPC's threads, so
// a long search does not hold up other calls. Without a store (tracing.store: false) every query
// is FAILED_PRECONDITION; GetTracingStatus still answers.
class TraceServiceImpl final : public aegis::v1::TraceService::CallbackService {
public:
    // The ingest's side of GetTracingStatus.
    using IngestStatusSource = std::function<tracing::IngestStatus()>;

    // `store` may be null (not owned); `queryThreads` run the queries.
    TraceServiceImpl(ApiContext &api, tracing::TraceStore *store, IngestStatusSource ingest,
                     std::size_t queryThreads = 2);
    ~TraceServiceImpl() override;

    grpc::ServerUnaryReactor *SearchTraces(grpc::CallbackServerContext *context,
                                           const aegis::v1::SearchTracesRequest *request,
                                           aegis::v1::SearchTracesResponse *response) override;
    grpc::ServerUnaryReactor *GetTrace(grpc::CallbackServerContext *context,
                                       const aegis::v1::GetTraceRequest *request,
                                       aegis::v1::GetTraceResponse *response) override;
    grpc::ServerUnaryReactor *ListServices(grpc::CallbackServerContext *context,
                                           const aegis::v1::ListTraceServicesRequest *request,
                                           aegis::v1::ListTraceServicesResponse *response) override;
    grpc::ServerUnaryReactor *ListOperations(grpc::CallbackServerContext *context,
                                             const aegis::v1::ListOperationsRequest *request,
                                             aegis::v1::ListOperationsResponse *response) override;
    grpc::ServerUnaryReactor *
    ListAttributeKeys(grpc::CallbackServerContext *context,
                      const aegis::v1::ListAttributeKeysRequest *request,
                      aegis::v1::ListAttributeKeysResponse *response) override;
    grpc::ServerUnaryReactor *
    ListAttributeValues(grpc::CallbackServerContext *context,
                        const aegis::v1::ListAttributeValuesRequest *request,
                        aegis::v1::ListAttributeValuesResponse *response) override;
    grpc::ServerUnaryReactor *
    GetServiceGraph(grpc::CallbackServerContext *context,
                    const aegis::v1::GetServiceGraphRequest *request,
                    aegis::v1::GetServiceGraphResponse *response) override;
    grpc::ServerUnaryReactor *CompareTraces(grpc::CallbackServerContext *context,
                                            const aegis::v1::CompareTracesRequest *request,
                                            aegis::v1::CompareTracesResponse *response) override;
    grpc::ServerUnaryReactor *
    GetTracingStatus(grpc::CallbackServerContext *context,
                     const aegis::v1::GetTracingStatusRequest *request,
                     aegis::v1::GetTracingStatusResponse *response) override;

private:
    // Authorises the call, runs `validate` on the gRPC thread, then `query` on the pool; the
    // status either returns answers the call.
    grpc::ServerUnaryReactor *run(grpc::CallbackServerContext *context, std::string_view method,
                                  std::function<Status()> validate, std::function<Status()> query);

    ApiContext &m_api;
    tracing::TraceStore *m_store; // Not owned; null when the local store is off.
    const IngestStatusSource m_ingest;
    boost::asio::thread_pool m_pool;
};

} // namespace aegis::api
