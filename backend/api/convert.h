#pragma once

#include "auth/roles.h"
#include "common/status.h"
#include "metrics/backend_status.h"

#include <google/protobuf/duration.pb.h>
#include <google/protobuf/timestamp.pb.h>
#include <grpcpp/support/status.h>

#include <chrono>

namespace aegis::v1 {
class MetricsBackendStatus;
} // namespace aegis::v1

// Conversions between domain values and their protobuf and gRPC forms.
namespace aegis::api {

grpc::Status toGrpc(const Status &status);

void toProto(std::chrono::system_clock::time_point time, google::protobuf::Timestamp *out);
std::chrono::system_clock::time_point fromProto(const google::protobuf::Timestamp &time);
void toProto(std::chrono::nanoseconds duration, google::protobuf::Duration *out);

void toProto(const metrics::BackendStatus &status, aegis::v1::MetricsBackendStatus *out);

// INVALID_ARGUMENT naming `field` when the timestamp is out of the protobuf range.
Status validateTimestamp(const google::protobuf::Timestamp &time, std::string_view field);

} // namespace aegis::api
