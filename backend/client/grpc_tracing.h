#pragma once

#include "client/trace_context.h"
#include "client/tracer.h"

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/client_interceptor.h>
#include <grpcpp/support/server_interceptor.h>

#include <optional>

// W3C Trace Context over gRPC metadata ("traceparent", "tracestate"), and spans for gRPC calls.
namespace aegis::client {

// Adds the context's traceparent (and tracestate) to a call's metadata; before the call starts.
void injectContext(grpc::ClientContext &call, const SpanContext &context);

// The remote parent a call carries in its metadata (see extractContext(HeaderValues)).
std::optional<SpanContext> extractContext(const grpc::ServerContextBase &call);
std::optional<SpanContext>
extractContext(const std::multimap<grpc::string_ref, grpc::string_ref> &metadata);

// The span name of a gRPC method path, "/pkg.Service/Method" -> "pkg.Service/Method", and its
// rpc.service / rpc.method attributes.
std::string rpcSpanName(std::string_view path);

// A server span per call, named after the method, child of the caller's traceparent, with
// rpc.system, rpc.service, rpc.method and rpc.grpc.status_code; status ERROR for the codes
// OpenTelemetry's semantic conventions count as server errors (UNKNOWN, DEADLINE_EXCEEDED,
// UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS). Ends when the status is sent.
class TracingServerInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
public:
    explicit TracingServerInterceptorFactory(TracerPtr tracer)
        : m_tracer(std::move(tracer)) {}
    grpc::experimental::Interceptor *
    CreateServerInterceptor(grpc::experimental::ServerRpcInfo *info) override;

private:
    const TracerPtr m_tracer;
};

// A client span per call, child of the calling thread's current span (see Scope), whose context
// is sent as the call's traceparent; status ERROR for any code but OK.
class TracingClientInterceptorFactory final
    : public grpc::experimental::ClientInterceptorFactoryInterface {
public:
    explicit TracingClientInterceptorFactory(TracerPtr tracer)
        : m_tracer(std::move(tracer)) {}
    grpc::experimental::Interceptor *
    CreateClientInterceptor(grpc::experimental::ClientRpcInfo *info) override;

private:
    const TracerPtr m_tracer;
};

} // namespace aegis::client
