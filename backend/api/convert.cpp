#include "api/convert.h"

#include <google/protobuf/util/time_util.h>

namespace aegis::api {

using namespace std::chrono;

grpc::Status toGrpc(const Status &status) {
    return grpc::Status(static_cast<grpc::StatusCode>(status.code()), status.message());
}

void toProto(system_clock::time_point time, google::protobuf::Timestamp *out) {
    const auto nanos = duration_cast<nanoseconds>(time.time_since_epoch()).count();
    out->set_seconds(nanos / 1000000000);
    out->set_nanos(static_cast<int>(nanos % 1000000000));
}

system_clock::time_point fromProto(const google::protobuf::Timestamp &time) {
    return system_clock::time_point(
        duration_cast<system_clock::duration>(seconds(time.seconds()) + nanoseconds(time.nanos())));
}

void toProto(nanoseconds duration, google::protobuf::Duration *out) {
    out->set_seconds(duration.count() / 1000000000);
    out->set_nanos(static_cast<int>(duration.count() % 1000000000));
}

Status validateTimestamp(const google::protobuf::Timestamp &time, std::string_view field) {
    if (time.seconds() < google::protobuf::util::TimeUtil::kTimestampMinSeconds ||
        time.seconds() > google::protobuf::util::TimeUtil::kTimestampMaxSeconds ||
        time.nanos() < 0 || time.nanos() > 999999999) {
        return invalidArgument(std::string(field) +
                               " must be between 0001-01-01 and 9999-12-31 with nanos in [0, 1e9)");
    }
    return Status::ok();
}

} // namespace aegis::api
