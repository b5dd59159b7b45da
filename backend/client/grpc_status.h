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

} // namespace aegis::client
