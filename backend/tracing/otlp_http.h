#pragma once

#include "common/status.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aegis::tracing {

class OtlpIngest;

inline constexpr std::string_view kOtlpHttpTracesPath = "/v1/traces";

struct OtlpHttpRequest {
    std::string_view contentType;
    std::string_view contentEncoding;
    std::string_view authorization;
    std::string body;
};

struct OtlpHttpResponse {
    int status = 200;
    std::string contentType;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

// OTLP/HTTP binary protobuf on POST /v1/traces, as the OTLP specification answers it: 200 with an
// ExportTraceServiceResponse (partial_success when spans were rejected); a google.rpc.Status body
// otherwise, with 400 (bad data, too many spans: not retryable), 401 (bearer token), 413 (over
// tracing.limits.max_request_bytes, after decompression too), 415 (not application/x-protobuf,
// or an encoding other than gzip), 503 (the store could not take the spans: retryable).
// `done` runs exactly once, on any thread.
void serveOtlpHttp(OtlpIngest &ingest, OtlpHttpRequest request,
                   std::function<void(OtlpHttpResponse)> done);

// The 401 for a request without the ingest's bearer token; nullopt when it may export. Checked
// once the headers are read, so a refused body is never read.
std::optional<OtlpHttpResponse> otlpHttpAuthorize(const OtlpIngest &ingest,
                                                  std::string_view authorization);

// The answer to a body over the limit before it was read whole (413).
OtlpHttpResponse otlpHttpTooLarge(std::int64_t limit);

// A google.rpc.Status message (code, message; no details), serialized.
std::string encodeRpcStatus(const Status &status);

// Inflates a gzip body; RESOURCE_EXHAUSTED once it grows beyond `maxBytes`, INVALID_ARGUMENT when
// it is not gzip.
StatusOr<std::string> gunzip(std::string_view compressed, std::size_t maxBytes);

} // namespace aegis::tracing
