#include "api/convert.h"

#include "aegis/v1/metrics.pb.h"

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

void toProto(const metrics::BackendStatus &status, aegis::v1::MetricsBackendStatus *out) {
    switch (status.mode) {
    case metrics::BackendMode::None:
        out->set_mode(aegis::v1::METRICS_BACKEND_MODE_NONE);
        break;
    case metrics::BackendMode::Managed:
        out->set_mode(aegis::v1::METRICS_BACKEND_MODE_MANAGED);
        break;
    case metrics::BackendMode::External:
        out->set_mode(aegis::v1::METRICS_BACKEND_MODE_EXTERNAL);
        break;
    }
    switch (status.state) {
    case metrics::BackendState::Disabled:
        out->set_state(aegis::v1::METRICS_BACKEND_STATE_DISABLED);
        break;
    case metrics::BackendState::Starting:
        out->set_state(aegis::v1::METRICS_BACKEND_STATE_STARTING);
        break;
    case metrics::BackendState::Ready:
        out->set_state(aegis::v1::METRICS_BACKEND_STATE_READY);
        break;
    case metrics::BackendState::Down:
        out->set_state(aegis::v1::METRICS_BACKEND_STATE_DOWN);
        break;
    }
    out->set_url(status.url);
    out->set_detail(status.detail);
    out->set_restarts(status.restarts);
    if (status.since != std::chrono::system_clock::time_point()) {
        toProto(status.since, out->mutable_since());
    }
    out->set_scrape_interval_ms(status.scrapeInterval.count());
}

} // namespace aegis::api
