#pragma once

#include "common/status.h"

#include <grpcpp/support/status.h>

namespace aegis::client {

// gRPC's codes and ours share their numbers.
inline Status fromGrpc(const grpc::Status &status) {
    return status.ok()
               ? Status::ok()
               : Status(static_cast<StatusCode>(status.error_code()), status.error_message());
}

// Whether an OTLP export that failed with `code` may be sent again: the OTLP specification's
// retryable codes. RESOURCE_EXHAUSTED is retryable only with RetryInfo, which is not read, so it
// is not retried; anything else fails the batch at once.
inline bool isRetryableOtlpCode(grpc::StatusCode code) {
    switch (code) {
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DATA_LOSS:
        return true;
    default:
        return false;
    }
}

} // namespace aegis::client
