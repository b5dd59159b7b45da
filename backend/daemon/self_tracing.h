#pragma once

#include "client/tracer.h"
#include "common/status.h"
#include "tracing/tracing_settings.h"

#include <filesystem>
#include <string>

namespace aegis::daemon {

// aegisd's spans of its own RPCs (tracing.self.sample_ratio > 0): a tracer whose sampler keeps
// that share of the traces aegisd starts and follows a caller's sampled traceparent, exporting
// through libaegis-client's batching OTLP exporter to aegisd's own OTLP/gRPC receiver over
// loopback (with tracing.bearer_token_file's token when one is required; over TLS when
// `tlsCertFile` is set, as aegisd then serves OTLP with that certificate, which is not checked
// when the receiver's host is a literal loopback address and is the trusted root otherwise), as
// service "aegisd".
// The daemon installs it as a gRPC server interceptor (client::TracingServerInterceptorFactory).
//
// Null when self-tracing is off: a ratio of 0, or no OTLP/gRPC receiver to send to (`otlpAddress`
// empty: tracing off or tracing.otlp_listen ""), which is logged as a warning.
// INVALID_ARGUMENT when the bearer token file cannot be read.
StatusOr<client::TracerPtr> makeSelfTracer(const tracing::TracingSettings &settings,
                                           const std::string &otlpAddress,
                                           const std::filesystem::path &tlsCertFile,
                                           const std::string &instanceId);

// The address to reach a listener bound to `address` from this host: a wildcard host (0.0.0.0,
// [::]) becomes loopback.
std::string loopbackAddress(const std::string &address);

} // namespace aegis::daemon
